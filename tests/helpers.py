"""Helpers the tests share: running the command in-process and reading the emulator's log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

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


def run_cli(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Run:
    """Run `clodura ARGS` in this process, as the installed command would."""
    result = CliRunner().invoke(app, list(args), input=input, env=env)
    return Run(result.exit_code, result.stdout, result.stderr)


def sent(emulator: SandboxApp, endpoint: str = "search") -> list[Any]:
    """Bodies of the requests the emulator received at one endpoint, in order."""
    return [entry["body"] for entry in emulator.log if entry["endpoint"] == endpoint]


def pages_requested(emulator: SandboxApp) -> list[tuple[int, int]]:
    """(page, perPage) of every search request the emulator received, in arrival order."""
    return [(body["page"], body["perPage"]) for body in sent(emulator)]
