"""Records go to stdout and only there, whichever of stdin, stdout and stderr is a terminal.

A progress bar once captured stdout whenever stderr was a terminal: `clodura search ... > leads.csv`
typed at a shell printed the CSV on the screen and left the file empty. Each command here runs
under the eight arrangements of stdin, stdout and stderr being a terminal (a pseudo-terminal of
its own) or not (a pipe; stdout a file), and its stdout must be byte for byte what the
all-pipes run printed, with no record on stderr.
"""

from __future__ import annotations

import itertools
import json
import shlex
from pathlib import Path
from typing import Any

import pytest
from helpers import CLODURA, base_env, person_ids, run_arranged, run_in_pty

# Every test here runs the installed command on pseudo-terminals: `make test-fast` skips them.
pytestmark = pytest.mark.slow

STREAMS = ("stdin", "stdout", "stderr")
#: Every arrangement, the all-pipes one first (it is the reference).
ARRANGEMENTS = [
    frozenset(name for name, on in zip(STREAMS, flags, strict=True) if on)
    for flags in itertools.product((False, True), repeat=3)
]
SMALL_DOMAIN = "vectormedia.example"  # 45 people: --all over pages of 10
REVEALED = person_ids(4, start=40)
REVEAL_FIELDS = "personId,email,emailStatus,revealStatus"

COMMANDS: dict[str, list[str]] = {
    "search --limit 300": ["search", "--sandbox", "--seniority", "Manager", "--limit", "300",
                           "-f", "jsonl"],
    "search --all": ["search", "--sandbox", "--domain", SMALL_DOMAIN, "--all", "--per-page", "10",
                     "-f", "csv"],
    "orgs --limit 150": ["orgs", "--sandbox", "--employees", "51-200", "--limit", "150", "-f",
                         "csv"],
    "reveal email --input -": ["reveal", "email", "--sandbox", "--input", "-", "-f", "jsonl",
                               "--fields", REVEAL_FIELDS],
    "track": ["track", "-f", "jsonl", "--fields", "personId,kind,email,revealStatus"],
}  # fmt: skip
#: How many records each command prints, and the field naming each record.
EXPECTED = {
    "search --limit 300": (300, "personId"),
    "search --all": (45, "personId"),
    "orgs --limit 150": (150, "organisationId"),
    "reveal email --input -": (len(REVEALED), "personId"),
    "track": (len(REVEALED), "personId"),
}


def _records(command: str, stdout: bytes) -> list[dict[str, Any]]:
    text = stdout.decode()
    if "-f" in COMMANDS[command] and COMMANDS[command][COMMANDS[command].index("-f") + 1] == "csv":
        import csv
        import io

        return list(csv.DictReader(io.StringIO(text)))
    return [json.loads(line) for line in text.splitlines()]


def _run(command: str, home: Path, terminals: frozenset[str]) -> Any:
    env = {**base_env(home), "CLODURA_SANDBOX_JOB_DELAY": "0.05"}
    args = [CLODURA, *COMMANDS[command]]
    stdin = b""
    if command.startswith("reveal"):
        lines = "".join(json.dumps({"personId": pid}) + "\n" for pid in REVEALED).encode()
        if "stdin" in terminals:  # `--input -` on a terminal is refused: the same rows from a file
            source = home / "people.jsonl"
            source.write_bytes(lines)
            args[args.index("-")] = str(source)
        else:
            stdin = lines
    return run_arranged(args, env, set(terminals), stdin=stdin)


class Runs:
    """The all-pipes run of each command (the reference) and the ledger `track` lists, each
    made the first time a test of this worker needs it: a worker given the tests of one
    command does not run the other four."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self._factory = factory
        self._track_home: Path | None = None
        self._references: dict[str, bytes] = {}

    def home(self, command: str, fresh: Path) -> Path:
        """Where ``command`` runs: for `track`, a data directory whose ledger holds finished
        reveals; for the others ``fresh``."""
        if command != "track":
            return fresh
        if self._track_home is None:
            self._track_home = self._factory.mktemp("track")
            seeded = _run("reveal email --input -", self._track_home, frozenset())
            assert seeded.exit_code == 0, seeded.stderr
        return self._track_home

    def reference(self, command: str) -> bytes:
        """What ``command`` prints with every stream a pipe (the files it names all hold)."""
        if command not in self._references:
            count, key = EXPECTED[command]
            run = _run(command, self.home(command, self._factory.mktemp("ref")), frozenset())
            assert run.exit_code == 0, run.stderr
            records = _records(command, run.stdout)
            assert len(records) == count and all(r[key] for r in records), run.stdout[:300]
            self._references[command] = run.stdout
        return self._references[command]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return Runs(tmp_path_factory)


@pytest.mark.parametrize("terminals", ARRANGEMENTS, ids=lambda t: "+".join(sorted(t)) or "pipes")
@pytest.mark.parametrize("command", list(COMMANDS))
def test_records_go_to_stdout_and_only_there(
    command: str, terminals: frozenset[str], runs: Runs, tmp_path: Path
) -> None:
    reference = runs.reference(command)
    run = _run(command, runs.home(command, tmp_path), terminals)
    assert run.exit_code == 0, run.stderr.decode(errors="replace")
    assert run.stdout == reference
    _, key = EXPECTED[command]
    names = [str(r[key]) for r in _records(command, reference)]
    leaked = [name for name in names if name.encode() in run.stderr]
    assert leaked == [], run.stderr[-500:]


def _in_a_terminal(pipeline: str, home: Path) -> Any:
    """A shell pipeline typed at a terminal: the shell's stdin and stderr are the terminal."""
    env = {**base_env(home), "CLODURA_SANDBOX_JOB_DELAY": "0.05", "CLODURA": CLODURA}
    return run_arranged(["bash", "-c", pipeline], env, {"stdin", "stderr"})


def test_readme_all_into_jq_from_a_terminal(tmp_path: Path) -> None:
    out = tmp_path / "urls.txt"
    pipeline = (
        f'"$CLODURA" search --sandbox --domain {SMALL_DOMAIN} --per-page 10 --all '
        f"| jq -r .linkedinUrl > {shlex.quote(str(out))}"
    )
    run = _in_a_terminal(pipeline, tmp_path)
    assert run.exit_code == 0, run.stderr
    urls = out.read_text().splitlines()
    assert len(urls) == 45 and all(u.startswith("https://www.linkedin.com/in/") for u in urls)
    assert b"linkedin.com/in/" not in run.stderr


def test_readme_search_into_reveal_into_a_csv_from_a_terminal(tmp_path: Path) -> None:
    out = tmp_path / "ctos.csv"
    pipeline = (
        '"$CLODURA" search --sandbox --seniority CXO --employees 51-200 --limit 30 '
        '| "$CLODURA" reveal email --sandbox --input - -f csv --fields personId,email,emailStatus '
        f"> {shlex.quote(str(out))}"
    )
    run = _in_a_terminal(pipeline, tmp_path)
    assert run.exit_code == 0, run.stderr
    rows = out.read_text().splitlines()
    assert rows[0] == "personId,email,emailStatus" and len(rows) == 31
    assert not any(row.split(",")[0].encode() in run.stderr for row in rows[1:])


@pytest.mark.slow  # a real process on a pseudo-terminal
@pytest.mark.parametrize("columns", [60, 70, 100])
def test_the_credits_bar_keeps_its_percentage_on_its_line(tmp_path: Path, columns: int) -> None:
    """At 70 columns the 20-wide bar pushed its percentage onto a second line."""
    shown = run_in_pty(["credits", "--sandbox"], columns, base_env(tmp_path))
    assert shown.exit_code == 0, shown.stdout
    rows = [line for line in shown.stdout.splitlines() if line.startswith("│")]
    assert [row.split("│")[1].strip() for row in rows] == ["contact views", "direct dials"]
    assert all(row.rstrip().endswith("% │") for row in rows)
    assert all(len(row) <= columns for row in shown.stdout.splitlines())
