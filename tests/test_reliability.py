"""Interruptions, overlapping runs, failing writes, hostile data and files, and stored secrets."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from helpers import (
    CLODURA,
    DEADLINE,
    Server,
    interrupt_export,
    person_ids,
    run_cli,
    sandbox_fails,
    sent,
    spawn,
    wait_for,
)

from clodura_cli.api.client import CloduraClient
from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.store.formats import delimiter_of, with_header
from clodura_cli.store.ledger import Ledger

HOOK = "https://hooks.example.com/clodura"


@pytest.fixture
def env(server: Server, tmp_path: Path) -> dict[str, str]:
    return server.env_for(tmp_path, "sandbox-multi", CLODURA_WEBHOOK_URL=HOOK)


def people(start: int, count: int) -> list[str]:
    return person_ids(count, start)


# Interruptions ---------------------------------------------------------------------------------


@pytest.mark.loopback
def test_sigterm_during_an_export_exits_143_and_leaves_no_file(
    server: Server, env: dict[str, str], tmp_path: Path
) -> None:
    ended = interrupt_export(server, env, tmp_path / "all.csv", signal.SIGTERM)
    stderr = ended.stderr
    assert ended.exit_code == 143, stderr
    assert "terminated" in stderr and "Traceback" not in stderr
    assert list(tmp_path.glob("*.csv")) == [] and list(tmp_path.glob(".all.csv*")) == []


@pytest.mark.loopback
def test_no_request_starts_after_ctrl_c(server: Server, env: dict[str, str]) -> None:
    # Every answer is held 1 s: the two submissions in flight when the signal comes are still
    # being answered, and a run that went on would send the next ones a second later.
    server.set_faults(latency=1.0)
    ids = people(5100, 6)
    command = [CLODURA, "reveal", "email", "--no-wait", "--concurrency", "2", *ids]
    with spawn(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
               env=env) as run:  # fmt: skip
        wait_for(lambda: server.count("email") >= 2, "two submissions in flight")
        signalled = time.time()
        run.send_signal(signal.SIGINT)
        _, stderr = run.communicate(timeout=DEADLINE)
    assert run.returncode == 130, stderr
    arrived = [e["time"] - signalled for e in server.log() if e["endpoint"] == "email"]
    # What was sent before the signal may be logged a little after it, never a second after.
    assert [t for t in arrived if t > 0.5] == [], arrived
    assert 2 <= len(arrived) < len(ids)


@pytest.mark.loopback
def test_ctrl_c_while_waiting_for_reveals_keeps_them_resumable(
    server: Server, env: dict[str, str], tmp_path: Path
) -> None:
    # The jobs stay pending until the test lets them finish: the signal always lands mid-wait.
    server.set_job_delay(3600)
    ids = people(5000, 5)
    ledger_file = tmp_path / "data" / "ledger.db"

    def tracking_ids() -> int:
        if not ledger_file.exists():
            return 0
        ledger = Ledger(ledger_file)
        try:
            return sum(1 for job in ledger.jobs() if job.tracking_id)
        finally:
            ledger.close()

    command = [CLODURA, "reveal", "email", *ids, "-o", str(tmp_path / "out.csv")]
    with spawn(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as run:
        wait_for(lambda: tracking_ids() == 5, "five tracking ids in the ledger")
        wait_for(lambda: server.count("track") >= 1, "the first poll")
        assert run.poll() is None
        run.send_signal(signal.SIGINT)
        _, stderr = run.communicate(timeout=DEADLINE)
    assert run.returncode == 130, stderr
    assert "5 reveal job(s) still pending" in stderr
    assert "resume with `clodura track --wait`" in stderr
    assert "retry" not in stderr
    assert not (tmp_path / "out.csv").exists()
    ledger = Ledger(ledger_file)
    jobs = ledger.jobs()
    ledger.close()
    assert len(jobs) == 5 and all(j.tracking_id for j in jobs)
    server.set_job_delay(0.2)
    done = subprocess.run([CLODURA, "track", "--wait", "-f", "jsonl"], capture_output=True,
                          text=True, env=env, timeout=DEADLINE, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert {r["personId"] for r in rows} == set(ids)
    assert {r["revealStatus"] for r in rows} <= {"completed", "failed"}
    assert server.count("email") == 5


@pytest.mark.loopback
def test_two_runs_at_once_reveal_each_person_once(server: Server, env: dict[str, str]) -> None:
    server.set_faults(latency=0.05)
    ids = people(6000, 20)
    command = [CLODURA, "reveal", "email", "--concurrency", "4", "-f", "jsonl", *ids]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, "env": env}
    with spawn(command, **pipes) as first, spawn(command, **pipes) as second:
        runs = [first, second]
        outputs = [run.communicate(timeout=120) for run in runs]
    # A reveal the API failed is an exit 6 for both runs (each reports every person).
    failing = 6 if any(sandbox_fails(i) for i in ids) else 0
    assert [run.returncode for run in runs] == [failing] * 2, [err for _, err in outputs]
    posted = [e["body"]["personId"] for e in server.log() if e["endpoint"] == "email"]
    assert sorted(posted) == sorted(ids)  # each person submitted once, by one of the runs
    for stdout, _ in outputs:
        rows = [json.loads(line) for line in stdout.splitlines()]
        assert sorted(r["personId"] for r in rows) == sorted(ids)
        assert all(r["trackingId"] for r in rows)


# Failing writes ---------------------------------------------------------------------------------


@pytest.mark.loopback
def test_a_full_disk_exits_1_with_one_line_and_the_ledger_is_current(
    server: Server, env: dict[str, str], tmp_path: Path
) -> None:
    ids = people(7000, 3)
    with open("/dev/full", "w") as full:
        done = subprocess.run([CLODURA, "reveal", "email", "-f", "jsonl", *ids], stdout=full,
                              stderr=subprocess.PIPE, text=True, env=env, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "No space left on device" in errors[0]
    assert "Traceback" not in done.stderr
    jobs = Ledger(tmp_path / "data" / "ledger.db").jobs()
    assert sorted(j.person_id for j in jobs) == sorted(ids)
    assert all(j.status in ("completed", "failed") for j in jobs)


# Hostile data from the server ---------------------------------------------------------------------


@pytest.fixture
def hostile_person(emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch) -> str:
    record = emulator.dataset.people[0].record
    monkeypatch.setitem(record, "firstName", '=HYPERLINK("http://evil.example","x")')
    monkeypatch.setitem(record, "lastName", "\x1b[31mRed\x1b[0m\x07\rTail")
    monkeypatch.setitem(record, "organizationName", "@SUM(A1:A9)")
    monkeypatch.setitem(record, "personTitle", ["-2+3", "x" * 5000])
    return str(record["personId"])


def test_csv_neutralises_formulas_unless_raw(hostile_person: str) -> None:
    result = run_cli("search", "--sandbox", "--person-id", hostile_person, "-f", "csv")
    row = next(csv.DictReader(io.StringIO(result.stdout)))
    assert row["firstName"] == '\'=HYPERLINK("http://evil.example","x")'
    assert row["organizationName"] == "'@SUM(A1:A9)"
    assert row["personTitle"].startswith("'-2+3; xxx") and len(row["personTitle"]) == 5007
    raw = run_cli("search", "--sandbox", "--person-id", hostile_person, "-f", "csv", "--raw-csv")
    raw_row = next(csv.DictReader(io.StringIO(raw.stdout)))
    assert raw_row["firstName"] == '=HYPERLINK("http://evil.example","x")'


#: One cell for each first character a spreadsheet runs as a formula, and how CSV and TSV
#: write it: behind a quote (a carriage return also becomes a line feed, quoted).
FORMULA_CELLS = {
    "=": ("=1+2", "'=1+2"),
    "+": ("+1+2", "'+1+2"),
    "-": ("-1+2", "'-1+2"),
    "@": ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    "\t": ("\t=1+2", "'\t=1+2"),
    "\r": ("\r=1+2", "'\n=1+2"),
}
SEARCHED_FIELDS = ["firstName", "lastName", "personTitle", "organizationName", "personCity",
                   "personState"]  # fmt: skip


@pytest.mark.parametrize("fmt", with_header())
def test_every_formula_character_is_guarded_in_search_output(
    emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    record = emulator.dataset.people[1].record
    for name, (value, _) in zip(SEARCHED_FIELDS, FORMULA_CELLS.values(), strict=True):
        monkeypatch.setitem(record, name, value)
    result = run_cli("search", "--sandbox", "--person-id", record["personId"], "-f", fmt,
                     "--fields", ",".join(SEARCHED_FIELDS))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    delimiter = delimiter_of(fmt)
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline=""), delimiter=delimiter))
    written = [cell for _, cell in FORMULA_CELLS.values()]
    assert rows == [dict(zip(SEARCHED_FIELDS, written, strict=True))]


@pytest.mark.parametrize("fmt", with_header())
def test_every_formula_character_is_guarded_in_reveal_output(
    emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    ids = person_ids(len(FORMULA_CELLS), start=1)
    for index, (value, _) in enumerate(FORMULA_CELLS.values(), start=1):
        monkeypatch.setitem(emulator.dataset.people[index].record, "firstName", value)
    result = run_cli("reveal", "email", "--sandbox", "--webhook-url", HOOK, "-f", fmt,
                     "--fields", "personId,firstName", *ids)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    delimiter = delimiter_of(fmt)
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline=""), delimiter=delimiter))
    assert [(row["personId"], row["firstName"]) for row in rows] == [
        (pid, written) for pid, (_, written) in zip(ids, FORMULA_CELLS.values(), strict=True)
    ]


def test_table_strips_escape_sequences_from_server_data(hostile_person: str) -> None:
    result = run_cli("search", "--sandbox", "--person-id", hostile_person, "-f", "table")
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout and "\r" not in result.stdout
    assert "RedTail" in result.stdout


def test_invalid_utf8_from_the_server_is_replaced_not_fatal() -> None:
    body = b'[{"personId": "1", "firstName": "Jos\xe9", "lastName": "' + b"y" * 100_000 + b'"}]'
    client = CloduraClient(
        "k", transport=httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    )
    [record] = client.search_people({"page": 1, "perPage": 1})
    assert record["firstName"] == "Jos\ufffd"
    assert len(record["lastName"]) == 100_000


# Hostile input files ----------------------------------------------------------------------------


def test_reveal_input_with_mixed_encodings_bom_blank_and_huge_lines(
    emulator: SandboxApp, tmp_path: Path
) -> None:
    good = people(0, 3)
    lines = [
        b"\xef\xbb\xbf" + json.dumps({"personId": good[0], "note": "café"}).encode(),
        b"",
        json.dumps({"personId": good[1], "note": "Jos\xe9"}).encode().replace(b"\\u00e9", b"\xe9"),
        b"{" + b'"x": "' + b"y" * 200_000 + b'"}',
        b'{"personId": ',
        json.dumps({"firstName": "only"}).encode(),
        json.dumps({"personId": good[2]}).encode(),
        b"   ",
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = run_cli(
        "reveal", "email", "--sandbox", "--no-wait", "-f", "jsonl", "--input", str(path)
    )
    assert result.exit_code == 0, result.stderr
    # Submitted concurrently: the arrival order is not the input order, the output order is.
    assert sorted(b["personId"] for b in sent(emulator, "email")) == sorted(good)
    rows = result.jsonl()
    # Every row that held a record comes back in input order; one that named nobody says so.
    assert [row.get("personId") for row in rows] == [good[0], good[1], None, good[2]]
    assert (rows[2]["firstName"], rows[2]["revealStatus"]) == ("only", "skipped")
    assert rows[2]["revealMessage"].startswith("has no personId or linkedinUrl")
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: --input line 4: longer than 100,000 characters; skipped",
        "warning: --input line 5: not valid JSON; skipped",
        "warning: --input line 6: has no personId or linkedinUrl, or firstName + lastName + companyDomain; skipped",
    ]
    notes = [row.get("note") for row in rows]
    assert notes == ["café", "José", None, None]


def test_reveal_input_csv_with_wrong_columns_and_a_huge_cell(
    emulator: SandboxApp, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("name,email\nAnn,a@x.io\n")
    result = run_cli("reveal", "email", "--sandbox", "--input", str(wrong))
    assert result.exit_code == 2
    assert (
        "line 1: not a person id or LinkedIn URL (a CSV needs a header with personId"
        in result.stderr
    )
    assert "nothing to reveal" in result.stderr
    good = people(10, 2)
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(f"personId,notes\n{good[0]},ok\n{good[1]},{'z' * 200_000}\n")
    result = run_cli("reveal", "email", "--sandbox", "--no-wait", "--concurrency", "1",
                     "--input", str(mixed), "-f", "jsonl")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert [b["personId"] for b in sent(emulator, "email")] == good  # the huge cell's row too
    assert [len(row["notes"]) for row in result.jsonl()] == [2, 200_000]
    assert "unreadable" not in result.stderr


# Secrets and transport -------------------------------------------------------------------------


def test_files_the_tool_writes_are_owner_only(emulator: SandboxApp, isolated: Path) -> None:
    run_cli("auth", "login", "--with-key", input="k_0123456789")
    run_cli("config", "set", "format", "csv")
    run_cli("preset", "save", "p", "--seniority", "CEO")
    run_cli("reveal", "email", "--sandbox", "--no-wait", people(0, 1)[0])
    for path in (
        isolated / "config" / "credentials",
        isolated / "config" / "config.yaml",
        isolated / "config" / "presets" / "p.yaml",
        isolated / "data" / "ledger.db",
        isolated / "data" / "sandbox" / "state.db",
    ):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for folder in (isolated / "config", isolated / "data", isolated / "config" / "presets"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_debug_prints_curl_lines_without_the_key(
    monkeypatch: pytest.MonkeyPatch, server: Server
) -> None:
    server.reset()
    monkeypatch.setenv("CLODURA_BASE_URL", server.url)
    monkeypatch.setenv("CLODURA_API_KEY", "sandbox-multi")
    monkeypatch.setenv("CLODURA_DEBUG", "1")
    result = run_cli("search", "--seniority", "CEO", "--limit", "2")
    assert result.exit_code == 0
    [line] = [ln for ln in result.stderr.splitlines() if ln.startswith("debug:")]
    assert line == (
        f"debug: curl -X POST {server.url}/api/v1/search/people -H 'X-API-KEY: ***' "
        '-H \'Content-Type: application/json\' --data \'{"seniority":["CEO"],"page":1,"perPage":2}\''
    )
    assert "sandbox-multi" not in result.stderr + result.stdout


def test_a_ca_bundle_that_cannot_be_read_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLODURA_API_KEY", "k_0123456789")
    monkeypatch.setenv("CLODURA_CA_BUNDLE", "/nonexistent/ca.pem")
    result = run_cli("credits")
    assert result.exit_code == 2
    assert "CLODURA_CA_BUNDLE: cannot load '/nonexistent/ca.pem'" in result.stderr


def test_a_ca_bundle_is_used_for_verification(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import certifi  # httpx's own dependency

    from clodura_cli.cli.session import tls_verification

    monkeypatch.setenv("CLODURA_CA_BUNDLE", certifi.where())
    context = tls_verification()
    assert context.verify_mode.name == "CERT_REQUIRED" and context.check_hostname
    monkeypatch.delenv("CLODURA_CA_BUNDLE")
    assert tls_verification() is True


def test_no_flag_or_setting_turns_tls_verification_off() -> None:
    text = " ".join(run_cli(*path, "--help").stdout for path in (["search"], ["reveal", "email"]))
    assert "insecure" not in text.lower() and "no-verify" not in text.lower()
    assert os.environ.get("CLODURA_INSECURE") is None


@pytest.mark.loopback
def test_a_bulk_enrichment_interrupted_and_resumed_pays_for_no_item_twice(
    server: Server, env: dict[str, str], tmp_path: Path
) -> None:
    """500 rows, Ctrl-C a fifth of the way, the same command again: every person enriched,
    none sent twice (an item whose answer was lost would stay unknown, not be resent)."""
    from clodura_cli.sandbox.data import build_dataset

    server.set_faults(latency=0.02)
    urls = [build_dataset().person(i).record["linkedinUrl"] for i in range(7000, 7500)]
    rows = tmp_path / "people.csv"
    rows.write_text("LinkedIn URL\n" + "".join(f"{url}\n" for url in urls))
    command = [CLODURA, "enrich", "person", "--input", str(rows), "-f", "jsonl",
               "--concurrency", "4"]  # fmt: skip
    with spawn(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as run:
        wait_for(lambda: server.count("enrich-person") >= 100, "a hundred enrichments")
        run.send_signal(signal.SIGINT)
        _, stderr = run.communicate(timeout=DEADLINE)
    assert run.returncode == 130, stderr
    first = server.count("enrich-person")
    assert 100 <= first < 500
    resumed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=DEADLINE,
                             check=False)  # fmt: skip
    sent = [entry["body"]["linkedinUrl"] for entry in server.log()
            if entry["endpoint"] == "enrich-person"]  # fmt: skip
    assert len(sent) == len(set(sent)), "an item was paid for twice"
    out = [json.loads(line) for line in resumed.stdout.splitlines()]
    assert [row["linkedinUrl"] for row in out] == urls
    lost = [row for row in out if row["status"] == "unknown"]
    assert resumed.returncode == (7 if lost else 0), resumed.stderr
    assert {row["status"] for row in out} <= {"completed", "no_match", "unknown"}
    assert set(sent) | {row["linkedinUrl"] for row in lost} == set(urls)
    assert f"{first - len(lost)} answered from the ledger" in resumed.stderr


def test_rows_a_killed_append_left_are_cut_by_the_next_append(
    tmp_path: Path, emulator: object
) -> None:
    """kill -9 during `--new-only --append` left its rows in the file and remembered nobody:
    the next run wrote them again (a cron trial counted 8,084 rows for 4,102 people). The next
    append now cuts what the killed run added, so each row is written once."""
    import sys

    target = tmp_path / "leads.csv"
    target.write_text("personId,firstName\n1,Ann\n")
    killed = (
        "import os, sys\n"
        "from clodura_cli.store.files import appended\n"
        "with appended(sys.argv[1]) as held:\n"
        "    held.stream.write('2,Bob\\n'); held.stream.flush()\n"
        "    os._exit(9)  # as SIGKILL: no cleanup runs\n"
    )
    done = subprocess.run([sys.executable, "-c", killed, str(target)], check=False)
    assert done.returncode == 9
    assert target.read_text() == "personId,firstName\n1,Ann\n2,Bob\n"  # left behind
    again = run_cli("search", "--sandbox", "--limit", "1", "--fields", "personId,firstName",
                    "-o", str(target), "--append")  # fmt: skip
    assert again.exit_code == 0, again.stderr
    assert "a run killed while appending to" in again.stderr
    lines = target.read_text().splitlines()
    assert lines[:2] == ["personId,firstName", "1,Ann"] and "2,Bob" not in lines
    assert len(lines) == 3
    assert not (tmp_path / ".leads.csv.appending").exists()


def test_a_note_of_a_killed_append_never_cuts_a_file_written_anew(tmp_path: Path) -> None:
    """The killed run's file was replaced since (a new export under the same name): its note
    names another file, and nothing is cut."""
    from clodura_cli.store.files import appended

    target = tmp_path / "leads.csv"
    target.write_text("a,b\n1,2\n3,4\n")
    (tmp_path / ".leads.csv.appending").write_text("1 2 4")  # another device and inode
    heard: list[int] = []
    with appended(str(target), on_repair=heard.append) as held:
        held.stream.write("5,6\n")
    assert (target.read_text(), heard) == ("a,b\n1,2\n3,4\n5,6\n", [])


def test_a_database_error_names_the_file_and_a_closed_folder_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only data folder was reported as a ledger that 'cannot be read' (advice for a
    damaged file), and the sandbox's state as 'the ledger ... holds your paid jobs'."""
    import sqlite3

    from clodura_cli.store import sqlite_file

    state = tmp_path / "sandbox" / "state.db"
    damaged = sqlite_file._unreadable(state, sqlite3.DatabaseError("file is not a database"))
    assert "paid jobs" not in damaged.message and "ledger" not in damaged.message
    monkeypatch.setattr(sqlite_file.os, "access", lambda *args: False)
    closed = sqlite_file._unreadable(
        tmp_path / "ledger.db", sqlite3.OperationalError("unable to open database file")
    )
    assert f"the folder {tmp_path} cannot be written" in closed.message
    assert "backup" not in closed.message
