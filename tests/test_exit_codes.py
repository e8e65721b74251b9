"""Each status and failure ends with its own exit code, a one-line message, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import DEADLINE, SkippingClock, base_env, error_line, run_cli, sent

from clodura_cli.cli.exit_codes import ExitCode
from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.sandbox.faults import Faults, ScriptedFault

SEARCH = ("search", "--sandbox", "--seniority", "CEO", "-f", "jsonl")


def test_exit_codes_are_the_documented_numbers() -> None:
    assert {code.name: int(code) for code in ExitCode} == {
        "OK": 0,
        "INTERNAL": 1,
        "USAGE": 2,
        "AUTH": 3,
        "CREDITS": 4,
        "RATE_LIMITED": 5,
        "REJECTED": 6,
        "NETWORK": 7,
        "PENDING": 8,
        "LEDGER": 9,
        "INTERRUPTED": 130,
        "TERMINATED": 143,
    }


def one_error_line(stderr: str) -> str:
    return str(error_line(stderr))


@pytest.mark.parametrize(
    ("fault", "code", "fragment"),
    [
        ("400", 6, "HTTP 400 from /api/v1/search/people: Bad Request"),
        ("418", 6, "HTTP 418"),
        ("422", 6, "HTTP 422"),
        ("401", 3, "check the key in CLODURA_API_KEY"),
        ("403", 3, "your plan does not include this endpoint"),
        ("402", 4, "credits exhausted"),
    ],
)
def test_error_status_maps_to_its_exit_code_without_retrying(
    emulator: SandboxApp, fault: str, code: int, fragment: str
) -> None:
    emulator.set_faults(Faults(script=[ScriptedFault(fault, 5)]))
    result = run_cli(*SEARCH)
    assert result.exit_code == code
    assert fragment in one_error_line(result.stderr)
    assert len(sent(emulator)) == 1
    assert result.stdout == ""


def test_404_on_search_is_no_results_and_exit_0(emulator: SandboxApp) -> None:
    emulator.set_faults(Faults(script=[ScriptedFault("404", 1)]))
    result = run_cli(*SEARCH)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "No results" in result.stderr


def test_invalid_key_is_401_and_exit_3(
    emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # --sandbox always sends a sandbox key: to send another, the emulator is served on loopback.
    import threading

    from clodura_cli.sandbox.server import make_server

    server = make_server(emulator, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("CLODURA_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}")
        monkeypatch.setenv("CLODURA_API_KEY", "not-a-sandbox-key")
        result = run_cli(*[arg for arg in SEARCH if arg != "--sandbox"])
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert result.exit_code == 3
    assert "HTTP 401" in one_error_line(result.stderr)
    assert "check the key in CLODURA_API_KEY" in result.stderr
    assert [entry["status"] for entry in emulator.log] == [401]  # never retried


def test_exhausted_key_gets_402_and_exit_4(
    emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLODURA_API_KEY", "sandbox-exhausted")
    result = run_cli(*SEARCH)
    assert result.exit_code == 4
    assert "HTTP 402" in one_error_line(result.stderr)


def test_429_is_retried_honouring_retry_after_then_succeeds(emulator: SandboxApp) -> None:
    emulator.set_faults(Faults(retry_after=0, script=[ScriptedFault("429", 2, "search")]))
    result = run_cli(*SEARCH, "--per-page", "3")
    assert result.exit_code == 0, result.stderr
    assert len(result.jsonl()) == 3
    assert [entry["status"] for entry in emulator.log] == [429, 429, 200]
    retries = [line for line in result.stderr.splitlines() if line.startswith("retry:")]
    assert len(retries) == 2
    assert "HTTP 429" in retries[0] and "retry 1 in 0.0s" in retries[0]


def test_429_after_all_retries_exits_5(emulator: SandboxApp, wait_clock: SkippingClock) -> None:
    emulator.set_faults(Faults(retry_after=0, script=[ScriptedFault("429", 99)]))
    result = run_cli(*SEARCH)
    assert result.exit_code == 5
    assert len(emulator.log) == 5  # the first attempt and 4 retries
    assert "try again later" in one_error_line(result.stderr)
    # After a 429 with no success the throttle's rate floor is one request per 2 s: the last
    # three attempts waited for it, in the test's clock (which skips waits), not for real.
    assert sorted(wait_clock.slept)[-3:] == pytest.approx([2.0, 2.0, 2.0], abs=0.05)


def test_retry_after_beyond_the_cap_stops_at_once(emulator: SandboxApp) -> None:
    emulator.set_faults(Faults(retry_after=3600, script=[ScriptedFault("429", 99)]))
    result = run_cli(*SEARCH)
    assert result.exit_code == 5
    assert len(emulator.log) == 1
    line = one_error_line(result.stderr)
    assert line.endswith(
        "(the API asks to wait 3600s, longer than a run waits (60s); try again later)"
    )
    assert "after the retries" not in line  # none was made


@pytest.mark.parametrize("fault", ["500", "502", "503", "drop", "html", "truncate", "empty"])
def test_transient_failures_are_retried_then_succeed(emulator: SandboxApp, fault: str) -> None:
    emulator.set_faults(Faults(script=[ScriptedFault(fault, 1, "search")]))
    result = run_cli(*SEARCH, "--per-page", "2")
    assert result.exit_code == 0, result.stderr
    assert len(result.jsonl()) == 2
    assert len(emulator.log) == 2
    assert "retry:" in result.stderr


@pytest.mark.parametrize(
    ("fault", "fragment"),
    [
        ("503", "HTTP 503"),
        ("drop", "connection failed"),
        ("html", "502 Bad Gateway"),
        ("html200", "not valid JSON (text/html"),
        ("truncate", "not valid JSON"),
        ("object", "expected a list of people, got an object"),
        ("timeout", "timed out"),
    ],
)
def test_persistent_failures_exit_7_naming_the_cause(
    emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch, fault: str, fragment: str
) -> None:
    monkeypatch.setenv("CLODURA_MAX_RETRIES", "2")
    monkeypatch.setenv("CLODURA_TIMEOUT", "0.5")
    emulator.set_faults(Faults(script=[ScriptedFault(fault, 99)]))
    result = run_cli(*SEARCH)
    assert result.exit_code == 7
    assert fragment in one_error_line(result.stderr)
    assert len(emulator.log) == (1 if fault == "object" else 3)


def test_unexpected_error_exits_1_without_traceback(
    emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clodura_cli import search_run

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something impossible")

    monkeypatch.setattr(search_run, "plan_search", broken)
    result = run_cli(*SEARCH)
    assert result.exit_code == 1
    line = one_error_line(result.stderr)
    assert "RuntimeError: something impossible" in line and "CLODURA_DEBUG=1" in line


#: `clodura search --sandbox ...` as the installed command runs it (its entry point), in a
#: process where planning the search fails as a bug would.
BROKEN_SEARCH = f"""
import sys
from clodura_cli import search_run

def broken(*args, **kwargs):
    raise RuntimeError("something impossible")

search_run.plan_search = broken
sys.argv = ["clodura", *{list(SEARCH)!r}]
from clodura_cli.cli.entry import main
main()
"""


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.slow
def test_debug_shows_the_traceback(tmp_path: Path, debug: bool) -> None:
    env = base_env(tmp_path)
    if debug:
        env["CLODURA_DEBUG"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", BROKEN_SEARCH], capture_output=True, text=True, env=env,
        timeout=DEADLINE, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    if debug:
        assert "Traceback (most recent call last)" in done.stderr
        assert "search_run.py" in done.stderr  # where it was raised from
        assert done.stderr.rstrip().endswith("RuntimeError: something impossible")
    else:
        line = one_error_line(done.stderr)  # also: no traceback
        assert "RuntimeError: something impossible" in line and "CLODURA_DEBUG=1" in line
