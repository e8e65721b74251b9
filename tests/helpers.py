"""Helpers the tests share: running the command in-process and reading the emulator's log."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from typer import testing as typer_testing
from typer.main import get_command
from typer.testing import CliRunner

from clodura_cli.cli.app import app
from clodura_cli.sandbox.app import SandboxApp


@dataclass
class Run:
    """What one in-process `clodura` run printed and returned."""

    exit_code: int
    stdout: str
    stderr: str

    def jsonl(self) -> list[dict[str, Any]]:
        """stdout as JSON Lines."""
        return [json.loads(line) for line in self.stdout.splitlines()]


_runner = CliRunner()
# Building the click command tree from the typer app takes most of an in-process run; the
# tree holds no per-run state, so the test runner builds it once.
_command_cache: dict[int, Any] = {}


def _cached_command(typer_app: Any) -> Any:
    key = id(typer_app)
    if key not in _command_cache:
        _command_cache[key] = get_command(typer_app)
    return _command_cache[key]


typer_testing._get_command = _cached_command


def run_cli(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Run:
    """Run `clodura ARGS` in this process, as the installed command would."""
    result = _runner.invoke(app, list(args), input=input, env=env)
    return Run(result.exit_code, result.stdout, result.stderr)


def sent(emulator: SandboxApp, endpoint: str = "search") -> list[Any]:
    """Bodies of the requests the emulator received at one endpoint, in order."""
    return [entry["body"] for entry in emulator.log if entry["endpoint"] == endpoint]


def pages_requested(emulator: SandboxApp) -> list[tuple[int, int]]:
    """(page, perPage) of every search request the emulator received, in arrival order."""
    return [(body["page"], body["perPage"]) for body in sent(emulator)]


CLODURA = str(Path(sys.executable).with_name("clodura"))


@dataclass
class Server:
    """A running `clodura sandbox serve` and how to talk to its control plane."""

    url: str
    process: subprocess.Popen[str]

    def log(self) -> list[dict[str, Any]]:
        return httpx.get(f"{self.url}/_sandbox/log").json()  # type: ignore[no-any-return]

    def clear_log(self) -> None:
        httpx.delete(f"{self.url}/_sandbox/log").raise_for_status()

    def set_faults(self, **faults: Any) -> None:
        httpx.put(f"{self.url}/_sandbox/faults", json=faults).raise_for_status()


def base_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLODURA_")}
    env.update(
        CLODURA_DATA_DIR=str(tmp_path / "data"),
        CLODURA_CONFIG_DIR=str(tmp_path / "config"),
        CLODURA_CACHE_DIR=str(tmp_path / "cache"),
        NO_COLOR="1",
    )
    return env


@contextlib.contextmanager
def running_server(home: Path) -> Iterator[Server]:
    """`clodura sandbox serve` on a free loopback port, stopped afterwards."""
    process = subprocess.Popen(
        [CLODURA, "sandbox", "serve", "--port", "0", "--job-delay", "0.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=base_env(home),
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    assert first.startswith("Sandbox API listening on http://127.0.0.1:"), first
    url = first.split()[-1]
    try:
        yield Server(url, process)
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
