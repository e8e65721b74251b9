"""The application shell: --version, help with exit codes, python -m, and the sandbox commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run_cli

from clodura_cli import __version__
from clodura_cli.cli.exit_codes import EXIT_CODE_HELP
from clodura_cli.sandbox.app import SandboxApp


def test_version() -> None:
    result = run_cli("--version")
    assert (result.exit_code, result.stdout) == (0, f"clodura {__version__}\n")


@pytest.mark.slow
def test_python_dash_m_runs_the_same_app() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "clodura_cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, f"clodura {__version__}\n")


def test_help_lists_every_exit_code() -> None:
    result = run_cli("help", "exit-codes")
    assert result.exit_code == 0
    assert "clodura help exit-codes" in run_cli("--help").stdout
    text = " ".join(result.stdout.split())
    for code, meaning in EXIT_CODE_HELP.items():
        assert f"{int(code)} {meaning}" in text


def test_no_arguments_shows_help() -> None:
    result = run_cli()
    assert "search" in result.stdout and "sandbox" in result.stdout


def test_every_command_help_has_an_example() -> None:
    for command in (
        ["search"],
        ["sandbox"],
        ["sandbox", "serve"],
        ["sandbox", "reset"],
        ["sandbox", "keys"],
    ):
        result = run_cli(*command, "--help")
        assert result.exit_code == 0
        assert "Example" in result.stdout, command
        assert "clodura " in result.stdout.split("Example", 1)[1], command


def test_sandbox_keys_lists_the_documented_keys() -> None:
    result = run_cli("sandbox", "keys", "--json")
    assert json.loads(result.stdout) == {
        "sandbox-standard": {"plan": "Prospect Pro", "family": "standard"},
        "sandbox-multi": {"plan": "PAYG", "family": "multi-provider"},
        "sandbox-exhausted": {"plan": "PAYG", "family": "multi-provider"},
        "sandbox-free": {"plan": "Free Forever", "family": "multi-provider"},
    }


def test_sandbox_reset_forgets_spent_credits(emulator: SandboxApp, isolated: Path) -> None:
    from clodura_cli.sandbox.runtime import state_path

    run_cli("search", "--sandbox", "--limit", "1")
    assert state_path(isolated / "data").exists()
    result = run_cli("sandbox", "reset")
    assert (result.exit_code, result.stderr) == (0, "sandbox state cleared\n")
    assert not state_path(isolated / "data").exists()
    assert run_cli("sandbox", "reset").stderr == "sandbox state was already empty\n"


def test_serve_refuses_a_non_loopback_host() -> None:
    result = run_cli("sandbox", "serve", "--host", "0.0.0.0")
    assert result.exit_code == 2
    assert "not a loopback address" in result.stderr


def test_serve_refuses_a_bad_fault_script() -> None:
    result = run_cli("sandbox", "serve", "--fault", "teapot@search")
    assert result.exit_code == 2
    assert "unknown fault 'teapot'" in result.stderr


@pytest.mark.parametrize(
    ("default", "typed", "answer"),
    [(False, "\n", False), (False, "y\n", True), (False, "", False),
     (True, "\n", True), (True, "n\n", False), (True, "No\n", False), (True, "", False),
     (True, "yes\n", True)],
)  # fmt: skip
def test_a_question_takes_its_default_from_an_empty_line_never_from_end_of_input(
    default: bool, typed: str, answer: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    from clodura_cli.cli.terminal import _asked

    read, write = os.pipe()
    os.write(write, typed.encode())
    os.close(write)
    with os.fdopen(read, encoding="utf-8") as answers:
        assert _asked("Edit again?", answers, default) is answer
    assert capsys.readouterr().err.startswith(
        "Edit again? [Y/n]: " if default else "Edit again? [y/N]: "
    )


def test_sandbox_reset_that_cannot_remove_its_state_says_so(
    monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    """A read-only data folder: reset printed "sandbox state cleared", then exited 9."""
    from clodura_cli.sandbox import runtime

    assert run_cli("search", "--sandbox", "--limit", "1", "-f", "jsonl").exit_code == 0

    def refused(path: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(runtime.shutil, "rmtree", refused)
    result = run_cli("sandbox", "reset")
    assert result.exit_code == 9
    assert "cannot be removed (Permission denied)" in result.stderr
    assert "cleared" not in result.stderr


def test_small_mistakes_are_named_with_the_fix(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new user's trial: `--category funding,ipo`, a preset's `kind: organisation`, and a
    mistyped sandbox key (run silently as another plan)."""
    several = run_cli("news", "--sandbox", "7", "--category", "funding,ipo", "--dry-run")
    assert several.exit_code == 2
    assert (
        "'funding,ipo' is several categories; repeat the flag: --category Funding --category IPO"
        in (several.stderr)
    )
    presets = isolated / "config" / "presets"
    presets.mkdir(parents=True)
    (presets / "o.yaml").write_text("kind: organisation\nindustryKeywords: FinTech\n")
    assert run_cli("orgs", "--sandbox", "--preset", "o", "--dry-run").exit_code == 0
    monkeypatch.setenv("CLODURA_API_KEY", "sandbox-exhasted")
    mistyped = run_cli("credits", "--sandbox", "-f", "json")
    assert mistyped.exit_code == 0
    assert (
        "warning: CLODURA_API_KEY is not one of the sandbox's keys; did you mean "
        "'sandbox-exhausted'? using sandbox-standard" in mistyped.stderr
    )
    assert "sandbox-exhasted" not in mistyped.stderr  # the value is never shown
