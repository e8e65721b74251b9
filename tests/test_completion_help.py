"""Completion scripts and candidates, help panels and examples, and the generated reference."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import run_cli
from typer.main import get_command

from clodura_cli.api import spec
from clodura_cli.api.vocabulary import load
from clodura_cli.cli.app import app
from clodura_cli.cli.complete import script
from clodura_cli.cli.docs import replace_reference
from clodura_cli.store.formats import FORMAT_NAMES

ROOT = Path(__file__).resolve().parent.parent
CLODURA = str(Path(sys.executable).with_name("clodura"))
SCRIPTS = {"bash": "clodura.bash", "zsh": "_clodura", "fish": "clodura.fish"}


@pytest.mark.parametrize(("shell", "name"), SCRIPTS.items())
def test_checked_in_completion_scripts_are_current(shell: str, name: str) -> None:
    assert (ROOT / "completions" / name).read_text() == script(shell), "run `make completions`"
    assert run_cli("completion", shell).stdout == script(shell)


def test_unknown_shell_is_a_usage_error() -> None:
    result = run_cli("completion", "tcsh")
    assert result.exit_code == 2
    assert "use bash, zsh or fish" in result.stderr


def test_readme_reference_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    assert replace_reference(readme) == readme, "run `make docs`"


def complete_bash(words: str, env: dict[str, str]) -> list[str]:
    """What `clodura` answers a bash completion request, as the sourced script would ask."""
    parts = words.split(" ")
    done = subprocess.run(
        [CLODURA],
        env={**env, "_CLODURA_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1)},
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.fixture
def env(isolated: Path) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("_CLODURA")}


def escaped(value: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "_.,:/@%+=-" else "\\" + ch for ch in value)


@pytest.mark.parametrize(
    ("flag", "values"),
    [
        ("--seniority", spec.SENIORITIES),
        ("--employees", spec.EMPLOYEE_SIZES),
        ("--revenue", spec.REVENUES),
        ("--email-status", spec.EMAIL_STATUSES),
        ("--business-model", spec.BUSINESS_MODELS),
        ("--function", load("functions").values),
        ("--funding-type", load("funding-types").values),
        ("--industry", load("industries").values),
        ("--country", load("countries").values),
        ("--company-country", load("countries").values),
        ("--format", FORMAT_NAMES),
    ],
)
@pytest.mark.slow
def test_enumeration_flags_complete_to_their_values(
    env: dict[str, str], flag: str, values: tuple[str, ...]
) -> None:
    assert complete_bash(f"clodura search {flag} ", env) == [escaped(v) for v in values]


@pytest.mark.slow
def test_completion_narrows_by_prefix(env: dict[str, str]) -> None:
    assert complete_bash("clodura search --seniority C", env) == ["Chairman", "CEO", "CXO"]
    assert complete_bash("clodura search --employees 10", env) == ["1001\\ -\\ 5000", "10000+"]
    assert complete_bash("clodura re", env) == ["reveal"]


@pytest.mark.slow
def test_known_values_complete_by_prefix(env: dict[str, str]) -> None:
    assert complete_bash("clodura search --industry Software", env) == ["Software\\ Development"]
    assert complete_bash("clodura orgs --country Korea", env) == ["Korea\\ North", "Korea\\ South"]
    assert complete_bash("clodura search --function Cy", env) == ["Cyber\\ Security"]
    assert complete_bash("clodura search --funding-type Post-", env) == [
        "Post-IPO\\ Debt",
        "Post-IPO\\ Equity",
        "Post-IPO\\ Secondary",
    ]
    assert complete_bash("clodura values ", env) == [
        "seniority", "function", "email-status", "country", "employees", "company-country",
        "industry", "revenue", "business-model", "funding-type",
    ]  # fmt: skip


@pytest.mark.slow
def test_presets_and_profiles_complete_by_name(env: dict[str, str], isolated: Path) -> None:
    run_cli("preset", "save", "fintech-cfos", "--seniority", "CXO")
    run_cli("preset", "save", "founders", "--seniority", "Founder")
    run_cli("config", "set", "format", "csv", "--profile", "agency")
    run_cli("auth", "login", "--with-key", "--profile", "backup", input="k_123456789")
    assert complete_bash("clodura search --preset f", env) == ["fintech-cfos", "founders"]
    assert complete_bash("clodura search --profile ", env) == ["agency", "backup", "default"]
    assert complete_bash("clodura credits --profile a", env) == ["agency"]


@pytest.mark.slow
def test_zsh_and_fish_get_unescaped_values(env: dict[str, str]) -> None:
    base = {**env, "_TYPER_COMPLETE_ARGS": "clodura search --seniority Vi"}
    zsh = subprocess.run([CLODURA], env={**base, "_CLODURA_COMPLETE": "complete_zsh"},
                         capture_output=True, text=True, check=False)  # fmt: skip
    assert '"Vice President"' in zsh.stdout
    fish = subprocess.run(
        [CLODURA],
        env={**base, "_CLODURA_COMPLETE": "complete_fish", "_TYPER_COMPLETE_FISH_ACTION": "get-args"},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert fish.stdout.splitlines() == ["Vice President"]


@pytest.mark.slow
@pytest.mark.parametrize("words", ["clodura search --preset ", "clodura search --industry "])
def test_a_completion_request_imports_no_httpx_yaml_or_sandbox(
    env: dict[str, str], words: str
) -> None:
    probe = (
        "import sys, json, atexit\n"
        "atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.__stderr__))\n"
        "from clodura_cli.cli.app import main\nmain()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**env, "_CLODURA_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": "3"},
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert "typer" in loaded
    assert not {m for m in loaded if m.split(".")[0] in ("httpx", "yaml")}
    assert not {m for m in loaded if m.startswith("clodura_cli.sandbox")}
    if "--industry" in words:  # the candidates came from the shipped list
        assert "Software\\ Development" in done.stdout.splitlines()
        assert "clodura_cli.api.vocabulary" in loaded


@pytest.mark.slow
def test_tab_tab_in_a_real_bash_lists_the_seniorities(env: dict[str, str], tmp_path: Path) -> None:
    """A real interactive bash, with the checked-in script sourced, sees the candidates."""
    master, slave = pty.openpty()
    shell_env = {**env, "PATH": f"{Path(CLODURA).parent}:{env['PATH']}", "PS1": "$ ", "TERM": "dumb",
                 "INPUTRC": str(tmp_path / "inputrc"), "HOME": str(tmp_path)}  # fmt: skip
    (tmp_path / "inputrc").write_text("set completion-query-items 1000\nset page-completions off\n")
    bash = subprocess.Popen(
        ["bash", "--norc", "--noprofile", "-i"],
        stdin=slave, stdout=slave, stderr=slave, env=shell_env, close_fds=True,
    )  # fmt: skip
    os.close(slave)
    screen = b""

    def read_until(marker: bytes, seconds: float = 20) -> None:
        nonlocal screen
        deadline = time.monotonic() + seconds
        while marker not in screen and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                screen += os.read(master, 4096)

    try:
        os.write(master, f"source {ROOT / 'completions' / 'clodura.bash'}\n".encode())
        os.write(master, b"clodura search --seniority \t\t")
        read_until(b"Executive")
    finally:
        bash.kill()
        bash.wait(timeout=10)
        os.close(master)
    text = screen.decode(errors="replace")
    for value in ("Founder", "Chairman", "Vice\\ President", "Entry\\ Level", "Executive"):
        assert value in text, text


# Help ----------------------------------------------------------------------------------------


def test_search_help_groups_filters_in_panels_and_ends_with_examples() -> None:
    text = run_cli("search", "--help").stdout
    for panel in ("Person", "Location", "Company", "Funding", "Technology", "Paging", "Output"):
        assert f"─ {panel} ─" in text, panel
    tail = [line.strip() for line in text.splitlines() if line.strip()][-6:]
    assert tail[0] == "Examples:"
    assert all(line.startswith("clodura search") for line in tail[1:])


def every_command() -> list[list[str]]:
    paths = []

    def walk(command: object, path: list[str]) -> None:
        children = getattr(command, "commands", None)
        if children is None:
            paths.append(path)
            return
        for name, child in children.items():
            walk(child, [*path, name])

    walk(get_command(app), [])
    return paths


@pytest.mark.parametrize("path", every_command(), ids=" ".join)
def test_every_command_help_has_an_example(path: list[str]) -> None:
    result = run_cli(*path, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout
    example = result.stdout.split("Example", 1)[1]
    assert f"clodura {' '.join(path)}" in example  # an example of this command, not another


@pytest.mark.slow
def test_help_is_cached_and_the_cache_follows_the_terminal_width(
    env: dict[str, str], isolated: Path
) -> None:
    def helped(columns: str) -> str:
        done = subprocess.run([CLODURA, "search", "--help"], capture_output=True, text=True,
                              env={**env, "COLUMNS": columns}, timeout=30, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    first = helped("100")
    cached = list((isolated / "cache" / "help").iterdir())
    assert len(cached) == 1 and cached[0].read_text() == first
    assert helped("100") == first
    wide = helped("160")
    assert wide != first and max(len(line) for line in wide.splitlines()) > 100
    assert len(list((isolated / "cache" / "help").iterdir())) == 2
    cached[0].write_text("stale\n")
    assert helped("100") == "stale\n"  # proves the second call came from the cache


@pytest.mark.slow
def test_orgs_and_api_complete_and_have_examples(env: dict[str, str]) -> None:
    assert complete_bash("clodura or", env) == ["orgs"]
    assert complete_bash("clodura ap", env) == ["api"]
    assert complete_bash("clodura orgs --revenue 1", env) == [
        "1M-10M",
        "11M-100M",
        "101M-500M",
        "1B+",
    ]
    for command in ("orgs", "api"):
        text = run_cli(command, "--help").stdout
        assert "Examples:" in text and f"clodura {command} " in text
