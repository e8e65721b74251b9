"""Every test runs in its own config and data directories, with no key, colour or proxy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import Server, SkippingClock, cache_dir, run_cli, running_server

from clodura_cli import reveal
from clodura_cli.api import retry
from clodura_cli.base import stopping
from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.sandbox.runtime import forget_apps, in_process_app

_CLEARED = (
    "CLODURA_API_KEY",
    "CLODURA_BASE_URL",
    "CLODURA_SANDBOX",
    "CLODURA_DEBUG",
    "CLODURA_TIMEOUT",
    "CLODURA_MAX_RETRIES",
    "CLODURA_SANDBOX_FAULTS",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "FORCE_COLOR",
)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Temporary dirs, NO_COLOR, a fixed width, fast reveal jobs and polls, and retries that
    barely wait."""
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLODURA_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("CLODURA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CLODURA_CACHE_DIR", str(cache_dir(tmp_path)))
    monkeypatch.setenv("NO_COLOR", "1")
    # Each test asks the API what it tests; the page cache's own tests turn it on.
    monkeypatch.setenv("CLODURA_SEARCH_CACHE_TTL", "0")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("CLODURA_SANDBOX_JOB_DELAY", "0.05")
    monkeypatch.setattr(retry, "INITIAL_DELAY", 0.001)
    monkeypatch.setattr(retry, "MAX_DELAY", 0.004)
    # A reveal's polls: the emulator's jobs take 0.05 s, not the API's seconds.
    monkeypatch.setattr(reveal, "POLL_INITIAL", 0.05)
    monkeypatch.setattr(reveal, "POLL_MAX", 0.1)
    forget_apps()
    stopping.reset()
    yield tmp_path
    forget_apps()
    stopping.reset()


@pytest.fixture(autouse=True)
def wait_clock(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> SkippingClock | None:
    """The clock of the throttle's and retries' waits: one that skips them, so no test sleeps
    for the throttle's floor or a Retry-After; None (the real clock) under ``real_clock``."""
    if request.node.get_closest_marker("real_clock"):
        return None
    skipping = SkippingClock()
    monkeypatch.setattr(retry, "CLOCK", retry.Clock(skipping.monotonic, skipping.sleep))
    return skipping


#: The longest single tests: started first, so that no worker is left running one of them
#: alone at the end of a parallel run.
LONGEST = ("test_readme_examples.py", "test_fuzz.py", "test_terminals.py")
HEAVY = ("loopback", "slow", "fuzz")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the shared `clodura sandbox serve` is a loopback test, marked or not:
    `make test-fast` (-m "not loopback") never starts the server. Modules run longest first
    (their tests keep their order)."""
    for item in items:
        if "server" in getattr(item, "fixturenames", ()) and not item.get_closest_marker(
            "loopback"
        ):
            item.add_marker(pytest.mark.loopback)
    heavy = {item.path for item in items if any(item.get_closest_marker(m) for m in HEAVY)}

    def weight(item: pytest.Item) -> int:
        if item.path.name in LONGEST:
            return LONGEST.index(item.path.name) - len(LONGEST)
        return 0 if item.path in heavy else 1

    items.sort(key=weight)


@pytest.fixture
def cli() -> Any:
    """The in-process command runner."""
    return run_cli


@pytest.fixture
def emulator(isolated: Path) -> SandboxApp:
    """The emulator `--sandbox` runs in this test: its log shows what the CLI sent."""
    return in_process_app(isolated / "data")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One `clodura sandbox serve` for the whole run; tests reset its faults and log."""
    with running_server(tmp_path_factory.mktemp("server")) as running:
        yield running
