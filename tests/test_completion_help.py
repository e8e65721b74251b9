"""Completion scripts and candidates, help panels and examples, and the generated reference."""

from __future__ import annotations

import json
import os
import pty
import select
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import run_cli
from typer.main import get_command

from clodura_cli.api import spec, vocabulary
from clodura_cli.api.vocabulary import load
from clodura_cli.cli import candidates
from clodura_cli.cli.app import app
from clodura_cli.cli.complete_scripts import script
from clodura_cli.cli.docs import replace_reference
from clodura_cli.store import config, presets
from clodura_cli.store.formats import FORMAT_NAMES

ROOT = Path(__file__).resolve().parent.parent
CLODURA = str(Path(sys.executable).with_name("clodura"))
SCRIPTS = {"bash": "clodura.bash", "zsh": "_clodura", "fish": "clodura.fish"}
needs_zsh = pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
needs_fish = pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")


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


@pytest.fixture
def env(isolated: Path) -> dict[str, str]:
    """The environment of a shell the user opened: the installed `clodura` on PATH."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("_CLODURA")}
    return {**clean, "PATH": f"{Path(CLODURA).parent}{os.pathsep}{clean['PATH']}"}


def complete_bash(words: str | list[str], env: dict[str, str]) -> list[str]:
    """COMPREPLY of the checked-in bash script for a command line, as bash sets it on TAB (the
    words split as bash splits them; a string is split at its spaces)."""
    parts = words.split(" ") if isinstance(words, str) else words
    program = (
        f"source {shlex.quote(str(ROOT / 'completions' / 'clodura.bash'))}\n"
        f"COMP_WORDS=({' '.join(shlex.quote(part) for part in parts)})\n"
        f"COMP_CWORD={len(parts) - 1}\n"
        "_clodura_completion clodura\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], env=env,
                          capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
    assert done.returncode == 0 and not done.stderr, done.stderr
    return [line for line in done.stdout.splitlines() if line]


def complete_fish(line: str, env: dict[str, str]) -> list[str]:
    """What fish offers for a command line with the checked-in script (`complete -C`)."""
    program = f'source {ROOT / "completions" / "clodura.fish"}; complete -C "$LINE"'
    done = subprocess.run(["fish", "--no-config", "-c", program], env={**env, "LINE": line},
                          capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
    assert done.returncode == 0 and not done.stderr, done.stderr
    return done.stdout.splitlines()


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
def test_enumeration_flags_complete_to_their_values(
    env: dict[str, str], flag: str, values: tuple[str, ...]
) -> None:
    assert complete_bash(f"clodura search {flag} ", env) == [escaped(v) for v in values]


def test_completion_narrows_by_prefix(env: dict[str, str]) -> None:
    assert complete_bash("clodura search --seniority C", env) == ["Chairman", "CEO", "CXO"]
    assert complete_bash("clodura search --employees 10", env) == ["1001\\ -\\ 5000", "10000+"]
    assert complete_bash("clodura re", env) == ["reveal"]


def test_what_was_typed_matches_escaped_or_quoted(env: dict[str, str]) -> None:
    assert complete_bash(["clodura", "search", "--seniority", "Vice\\ P"], env) == [
        "Vice\\ President"
    ]
    # After an opening quote, bash inserts the value as it is (and closes the quote).
    assert complete_bash(["clodura", "search", "--seniority", '"Vice P'], env) == ["Vice President"]
    assert complete_bash(["clodura", "orgs", "--country", "'Korea N"], env) == ["Korea North"]
    assert complete_bash(["clodura", "search", "--revenue", "\\<"], env) == ["\\<\\ 1M"]


def test_a_value_after_an_equals_sign(env: dict[str, str]) -> None:
    # bash hands `--seniority=Vi` to the script as three words: --seniority, =, Vi.
    assert complete_bash(["clodura", "search", "--seniority", "=", "Vi"], env) == [
        "Vice\\ President"
    ]
    assert complete_bash(["clodura", "search", "--format", "="], env) == list(FORMAT_NAMES)
    after = complete_bash(["clodura", "search", "--seniority", "=", "CEO", "--sen"], env)
    assert after == ["--seniority"]


def test_options_commands_and_arguments(env: dict[str, str]) -> None:
    assert complete_bash("clodura reveal ", env) == ["email", "phone"]
    assert complete_bash("clodura -q search --pre", env) == ["--preset"]
    assert complete_bash("clodura completion ", env) == ["bash", "zsh", "fish"]
    assert complete_bash("clodura help ", env)[:3] == ["exit-codes", "search", "orgs"]
    assert complete_bash("clodura help s", env) == ["search", "sandbox"]
    assert "--layout" in complete_bash("clodura reveal email --l", env)
    # An option given once is not offered again, under any of its names; a repeatable one is.
    again = complete_bash("clodura search --format csv --seniority CEO -", env)
    assert "--seniority" in again and "--format" not in again and "-f" not in again
    assert "--wait" not in complete_bash("clodura reveal email --no-wait --", env)
    # After `--` every word is an argument.
    assert complete_bash("clodura search -- --s", env) == []


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


def test_presets_profiles_and_layouts_complete_by_name(env: dict[str, str], isolated: Path) -> None:
    run_cli("preset", "save", "fintech-cfos", "--seniority", "CXO")
    run_cli("preset", "save", "founders", "--seniority", "Founder")
    run_cli("config", "set", "format", "csv", "--profile", "agency")
    run_cli("auth", "login", "--with-key", "--profile", "backup", input="k_123456789")
    (isolated / "config" / "layouts").mkdir()
    (isolated / "config" / "layouts" / "my-crm.yaml").write_text("columns: {}\n")
    assert complete_bash("clodura search --preset f", env) == ["fintech-cfos", "founders"]
    assert complete_bash("clodura preset show fo", env) == ["founders"]
    assert complete_bash("clodura search --profile ", env) == ["agency", "backup", "default"]
    assert complete_bash("clodura credits --profile a", env) == ["agency"]
    assert complete_bash("clodura search --layout ", env) == [
        "hubspot", "my-crm", "pipedrive", "salesforce",
    ]  # fmt: skip


def test_search_and_orgs_are_offered_only_presets_they_take(
    env: dict[str, str], isolated: Path
) -> None:
    """`search --preset` offered organisation presets, which search then refused."""
    run_cli("preset", "save", "fin-cfos", "--seniority", "CXO")
    run_cli("preset", "save", "fin-orgs", "--orgs", "--industry-keyword", "FinTech")
    folder = isolated / "config" / "presets"
    # Spelt by hand, as a user may: the reader without YAML must agree with the YAML one.
    (folder / "fin-hand.yaml").write_text("# mine\nkind: 'Orgs'  # for orgs\ndomain: a.com\n")
    (folder / "fin-nested.yaml").write_text("description: |\n  kind: orgs\npersonTitle: [CFO]\n")
    # A byte-order mark, a quoted key (a review): the YAML reader takes them.
    (folder / "fin-bom.yaml").write_text("\ufeffkind: orgs\ndomain: b.com\n", encoding="utf-8")
    (folder / "fin-quoted.yaml").write_text('"kind": organizations\ndomain: c.com\n')
    assert complete_bash("clodura search --preset fin", env) == ["fin-cfos", "fin-nested"]
    assert complete_bash("clodura orgs --preset fin", env) == [
        "fin-bom", "fin-hand", "fin-orgs", "fin-quoted",
    ]  # fmt: skip
    assert len(complete_bash("clodura preset show fin", env)) == 6
    for name in ("fin-cfos", "fin-orgs", "fin-hand", "fin-nested", "fin-bom", "fin-quoted"):
        kind = presets.read_preset(folder / f"{name}.yaml").kind
        assert (name in candidates.presets_of(kind)) and kind in ("people", "organisations")


def test_the_shipped_lists_read_without_vocabulary_are_the_same() -> None:
    assert set(candidates.LISTS) == set(vocabulary.SOURCES)
    for name in vocabulary.SOURCES:
        assert candidates.known_values(name) == list(load(name).values), name


@pytest.mark.parametrize(
    "where",
    [{"XDG_CONFIG_HOME": "/somewhere/config"}, {"XDG_CONFIG_HOME": ""}, {"HOME": "/home/ann/"},
     {"XDG_CONFIG_HOME": "relative/config"}, {"CLODURA_CONFIG_DIR": "/elsewhere"}],
)  # fmt: skip
def test_the_folders_found_without_platformdirs_are_the_same(
    where: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import platformdirs

    for name in ("CLODURA_CONFIG_DIR", "CLODURA_DATA_DIR", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", "/home/ann")
    for name, value in where.items():
        monkeypatch.setenv(name, value)
        monkeypatch.setenv(name.replace("CONFIG", "DATA"), value)
    overridden = where.get("CLODURA_CONFIG_DIR")
    assert candidates.config_dir() == str(config.config_dir())
    assert str(config.config_dir()) == (overridden or platformdirs.user_config_dir("clodura"))
    assert str(config.data_dir()) == (overridden or platformdirs.user_data_dir("clodura"))


def test_a_completion_request_imports_neither_typer_nor_rich(env: dict[str, str]) -> None:
    """`clodura __complete-values` is answered by cli/candidates.py alone: a TAB pays a bare
    Python start, not the app's imports."""
    probe = (
        "import sys, json, atexit\n"
        "atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.__stderr__))\n"
        "from clodura_cli.cli.entry import main\nmain()\n"
    )
    outside = {k: v for k, v in env.items() if k != "CLODURA_CONFIG_DIR"}
    done = subprocess.run(
        [sys.executable, "-c", probe, "__complete-values", "list:industries", "bash", "Software"],
        env={**outside, "HOME": str(Path(env["CLODURA_CONFIG_DIR"]).parent)},
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert done.stdout.splitlines() == ["Software\\ Development"]
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    heavy = ("typer", "rich", "httpx", "yaml", "platformdirs")
    assert not {m for m in loaded if m.split(".")[0] in heavy}
    assert {m for m in loaded if m.startswith("clodura_cli")} == {
        "clodura_cli", "clodura_cli.cli", "clodura_cli.cli.entry", "clodura_cli.cli.candidates",
        "clodura_cli.base", "clodura_cli.base.folders",
        "clodura_cli.base.encoding",  # what stdout cannot encode (codecs only, loaded at start)
    }  # fmt: skip


def test_an_unknown_kind_or_a_missing_folder_gives_no_candidates(env: dict[str, str]) -> None:
    for args in (["no-such-kind", "bash", ""], ["preset", "zsh"], []):
        done = subprocess.run([CLODURA, "__complete-values", *args], env=env,
                              capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
        assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


@pytest.mark.slow  # real shells and `clodura` processes: not in make test-fast
def test_scripts_printed_by_earlier_versions_still_complete(env: dict[str, str]) -> None:
    """Their TAB runs typer's mechanism (`_CLODURA_COMPLETE`), which still answers."""
    words = "clodura search --seniority Vi"
    done = subprocess.run(
        [CLODURA],
        env={**env, "_CLODURA_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": "3"},
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert done.stdout.splitlines() == ["Vice\\ President"]
    zsh = subprocess.run(
        [CLODURA],
        env={**env, "_CLODURA_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": words},
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert '"Vice President"' in zsh.stdout


def type_in_a_terminal(argv: list[str], setup: str, typed: bytes, until: bytes,
                       env: dict[str, str], cwd: Path) -> str:  # fmt: skip
    """What an interactive shell shows after `setup`, then `typed`, until `until` appears."""
    master, slave = pty.openpty()
    shell = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                             close_fds=True)  # fmt: skip
    os.close(slave)
    screen = b""

    def read_until(marker: bytes, seconds: float = 20) -> None:
        nonlocal screen
        deadline = time.monotonic() + seconds
        while marker not in screen and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    screen += os.read(master, 4096)
                except OSError:  # the shell is gone
                    return

    try:
        os.write(master, setup.encode() + b"; echo SET''UP\n")
        read_until(b"SETUP")
        screen = b""
        os.write(master, typed)
        read_until(until)
    finally:
        shell.kill()
        shell.wait(timeout=10)
        os.close(master)
    return screen.decode(errors="replace")


@pytest.fixture
def terminal_env(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    (tmp_path / "inputrc").write_text("set completion-query-items 1000\nset page-completions off\n")
    return {**env, "PS1": "$ ", "TERM": "dumb", "INPUTRC": str(tmp_path / "inputrc"),
            "HOME": str(tmp_path)}  # fmt: skip


def test_tab_tab_in_a_real_bash_lists_the_seniorities(
    terminal_env: dict[str, str], tmp_path: Path
) -> None:
    """A real interactive bash, with the checked-in script sourced, sees the candidates."""
    text = type_in_a_terminal(
        ["bash", "--norc", "--noprofile", "-i"], f"source {ROOT / 'completions' / 'clodura.bash'}",
        b"clodura search --seniority \t\t", b"Executive", terminal_env, tmp_path,
    )  # fmt: skip
    for value in ("Founder", "Chairman", "Vice\\ President", "Entry\\ Level", "Executive"):
        assert value in text, text


def test_a_real_bash_offers_files_only_where_a_file_may_be_given(
    terminal_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "Quarterly.csv").write_text("")
    source = f"source {ROOT / 'completions' / 'clodura.bash'}"
    bash = ["bash", "--norc", "--noprofile", "-i"]
    # -o takes any file; --seniority only its values, so nothing to add after a Q.
    text = type_in_a_terminal(bash, source, b"clodura search -o Q\t", b"Quarterly.csv",
                              terminal_env, tmp_path)  # fmt: skip
    assert "Quarterly.csv" in text
    text = type_in_a_terminal(bash, source, b"clodura search --seniority Q\techo D''ONE\n",
                              b"DONE", terminal_env, tmp_path)  # fmt: skip
    assert "Quarterly" not in text


@pytest.mark.slow  # real shells and `clodura` processes: not in make test-fast
@needs_zsh
def test_tab_in_a_real_zsh_completes_values_commands_and_lists(
    terminal_env: dict[str, str], tmp_path: Path
) -> None:
    """A real interactive zsh with the checked-in _clodura on $fpath, loaded on the first TAB;
    zsh escapes the values itself."""
    setup = f"fpath=({ROOT / 'completions'} $fpath); autoload -Uz compinit; compinit -u -D"
    zsh = ["zsh", "-f", "-i"]
    for typed, expected in [
        (b"clodura search --seniority Vi\t", "clodura search --seniority Vice\\ President"),
        (b"clodura search --seniority=Vi\t", "clodura search --seniority=Vice\\ President"),
        (b"clodura search --industry Software\t", "--industry Software\\ Development"),
        (b"clodura rev\t", "clodura reveal "),
        (b"clodura search --sen\t", "clodura search --seniority "),
    ]:
        text = type_in_a_terminal(zsh, setup, typed, expected.encode(), terminal_env, tmp_path)
        assert expected in text, (typed, text)


@needs_fish
def test_fish_completes_values_commands_and_lists(env: dict[str, str], isolated: Path) -> None:
    """fish gets every value as it is (it escapes and matches them itself), with help."""
    assert complete_fish("clodura search --seniority Vi", env) == ["Vice President"]
    assert complete_fish("clodura search --seniority=Vi", env) == ["--seniority=Vice President"]
    assert complete_fish("clodura search --industry Software", env) == ["Software Development"]
    assert complete_fish("clodura rev", env) == [
        "reveal\tReveal emails or phone numbers, each paid for once"
    ]
    assert complete_fish("clodura search --sen", env) == ["--seniority\tSeniority level"]
    assert "--format" not in " ".join(complete_fish("clodura search --format csv --", env))
    run_cli("preset", "save", "founders", "--seniority", "Founder")
    assert complete_fish("clodura search --preset ", env) == ["founders"]


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
def test_every_command_help_has_an_example(
    path: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 80 columns: a classic terminal, and what help gets in a pipe (`--help | less`). Nothing
    # is cut there: an option name or a word shown as `--org-linkedin-…` cannot be read.
    monkeypatch.setenv("COLUMNS", "80")
    result = run_cli(*path, "--help")
    assert "…" not in result.stdout
    assert result.exit_code == 0
    assert "Example" in result.stdout
    example = result.stdout.split("Example", 1)[1]
    assert f"clodura {' '.join(path)}" in example
    # An option or argument left unset shows no default: the declarations rely on it and do
    # not each say show_default=False.
    assert "[default: None]" not in result.stdout
    assert "[default: []]" not in result.stdout


@pytest.mark.slow  # real shells and `clodura` processes: not in make test-fast
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
