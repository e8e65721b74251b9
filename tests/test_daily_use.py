"""A first week of real use: cron re-runs, appending, quiet runs, and tables in a terminal."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import DEADLINE, base_env, pages_requested, run_cli, run_in_pty, sent

from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.sandbox.faults import Faults, ScriptedFault
from clodura_cli.store.formats import with_header

CEOS = ("search", "--sandbox", "--title", "CEO")


# -- cron and pipelines ----------------------------------------------------------------------


def test_a_same_day_rerun_with_nothing_new_keeps_the_file(tmp_path: Path) -> None:
    leads = tmp_path / "leads.csv"
    first = run_cli(*CEOS, "--new-only", "-o", str(leads))
    assert first.exit_code == 0, first.stderr
    before = leads.read_bytes()
    assert len(before.splitlines()) == 26
    again = run_cli(*CEOS, "--new-only", "-o", str(leads))
    assert again.exit_code == 0, again.stderr
    # One line on a day with nothing new: a cron log grows by one line a run.
    assert again.stderr == (
        "sandbox: synthetic data from the built-in emulator; no API key used, no real credits "
        "spent\n--new-only: nothing new: 25 found, 25 seen before (fetching may cost credits); "
        f"{leads} left as it was\n"
    )
    assert leads.read_bytes() == before


def test_append_adds_rows_under_one_header(tmp_path: Path) -> None:
    leads = tmp_path / "leads.csv"
    run_cli(*CEOS, "--new-only", "--limit", "3", "--append", "-o", str(leads))
    second = run_cli(*CEOS, "--new-only", "--limit", "2", "--append", "-o", str(leads))
    assert second.exit_code == 0, second.stderr
    assert f"appended 2 records to {leads}" in second.stderr
    rows = list(csv.reader(io.StringIO(leads.read_text())))
    assert rows[0][0] == "personId" and len(rows) == 1 + 5
    assert sum(1 for row in rows if row[0] == "personId") == 1
    assert len({row[0] for row in rows[1:]}) == 5


def test_append_jsonl_and_refuse_json(tmp_path: Path, emulator: SandboxApp) -> None:
    leads = tmp_path / "leads.jsonl"
    leads.write_text('{"personId": "old"}')  # no final newline: the next record still starts anew
    result = run_cli(*CEOS, "--limit", "2", "--append", "-o", str(leads))
    assert result.exit_code == 0, result.stderr
    lines = leads.read_text().splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["personId"] == "old"
    emulator.log.clear()
    refused = run_cli(*CEOS, "--append", "-o", str(tmp_path / "x.json"))
    assert refused.exit_code == 2
    assert "--append: json cannot be appended to" in refused.stderr
    assert emulator.log == []


@pytest.mark.parametrize(
    ("name", "first_line", "fmt", "held"),
    [
        ("leads.csv", "personId,firstName\n", "tsv", "csv"),
        ("leads.jsonl", '{"personId": "1"}\n', "csv", "jsonl"),
        ("leads", '{"personId": "1"}\n', "csv", "jsonl"),
        ("leads", "personId,firstName\n", "jsonl", "csv"),
        ("leads", "personId\tfirstName\n", "csv", "tsv"),
        ("leads.jsonl", "personId,firstName\n", "jsonl", "csv"),  # what it holds, not its name
        ("leads", '\ufeff{"personId": "1"}\n', "csv", "jsonl"),  # after a byte-order mark
        # One column: any format with a header, not JSON Lines.
        ("ids", "personId\n1\n", "jsonl", " or ".join(with_header())),
    ],
)
def test_append_to_a_file_of_another_format_names_the_format(
    tmp_path: Path, emulator: SandboxApp, name: str, first_line: str, fmt: str, held: str
) -> None:
    """It said the file lacked every column, and offered --fields as the fix."""
    leads = tmp_path / name
    leads.write_text(first_line, encoding="utf-8")
    refused = run_cli(*CEOS, "--limit", "2", "--append", "-o", str(leads), "-f", fmt)
    assert refused.exit_code == 2
    advice = " or ".join(f"-f {one}" for one in held.split(" or "))
    assert refused.stderr.endswith(
        f"error: --append: {leads} holds {held}, not {fmt}; give {advice} to add to it, or "
        f"write {fmt} to a new file\n"
    )
    assert emulator.log == [] and leads.read_text(encoding="utf-8") == first_line


def test_append_to_a_csv_excel_saved_with_semicolons_says_so(
    tmp_path: Path, emulator: SandboxApp
) -> None:
    """It said the file lacked the very columns it has (a spreadsheet user's trial)."""
    saved = tmp_path / "crm.csv"
    saved.write_bytes(b"\xef\xbb\xbfFirst Name;Last Name;Email\r\nAnn;Lee;a@b.c\r\n")
    refused = run_cli(*CEOS, "--limit", "2", "--layout", "hubspot", "--append", "-o", str(saved))
    assert refused.exit_code == 2
    assert f"error: --append: {saved} separates its values with ';'" in refused.stderr
    assert emulator.log == []


@pytest.mark.parametrize("last", [b"\r\n", b""], ids=["ends a line", "no final line end"])
def test_append_to_a_csv_saved_with_cr_lf_ends_its_rows_the_same_way(
    tmp_path: Path, last: bytes
) -> None:
    """Rows added to a CSV a spreadsheet saved ended in LF alone: a file of two line ends."""
    saved = tmp_path / "crm.csv"
    saved.write_bytes(b"personId,firstName\r\nold,Ann" + last)
    added = run_cli(*CEOS, "--limit", "2", "--fields", "personId,firstName", "--append",
                    "-o", str(saved))  # fmt: skip
    assert added.exit_code == 0, added.stderr
    content = saved.read_bytes()
    assert content.startswith(b"personId,firstName\r\nold,Ann\r\n")
    assert content.count(b"\r\n") == 4 and content.count(b"\n") == 4
    assert [row[0] for row in csv.reader(io.StringIO(content.decode()))][1] == "old"


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        ("ids", "personId\n1\n", "tsv"),  # one column: either delimited format
        ("leads.jsonl", "personId,firstName\n", "csv"),  # a CSV named .jsonl takes CSV
        ("leads", '\ufeff{"personId": "1"}\n', "jsonl"),
        ("new.csv", "", "tsv"),  # empty: nothing to keep apart
    ],
)
def test_append_to_a_file_holding_the_same_format_adds_to_it(
    tmp_path: Path, name: str, content: str, fmt: str
) -> None:
    target = tmp_path / name
    target.write_text(content, encoding="utf-8")
    added = run_cli(*CEOS, "--limit", "2", "--fields", "personId", "--append", "-o",
                    str(target), "-f", fmt)  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert f"appended 2 records to {target}" in added.stderr


@pytest.mark.slow  # Python processes of their own
def test_append_to_stdout_through_a_pipe_does_not_wait_for_itself(tmp_path: Path) -> None:
    """`--append -o /dev/stdout | cat` hung: the check read the pipe this run writes."""
    done = subprocess.run(
        [sys.executable, "-m", "clodura_cli", *CEOS, "--limit", "2", "--append", "-o",
         "/dev/stdout", "-f", "jsonl"],
        env=base_env(tmp_path), capture_output=True,
        timeout=DEADLINE, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2


def test_a_failed_append_leaves_the_file_as_it_was(tmp_path: Path, emulator: SandboxApp) -> None:
    leads = tmp_path / "leads.csv"
    run_cli(*CEOS, "--limit", "3", "-o", str(leads))
    before = leads.read_bytes()
    emulator.set_faults(Faults(script=[ScriptedFault("400", 1, "search", after=1)]))
    failed = run_cli(*CEOS, "--all", "--per-page", "10", "--append", "-o", str(leads))
    assert failed.exit_code == 6
    assert leads.read_bytes() == before


def test_an_empty_result_to_a_new_file_still_has_its_header(tmp_path: Path) -> None:
    empty = run_cli(*CEOS, "--domain", "nobody.example", "-o", str(tmp_path / "none.csv"))
    assert empty.exit_code == 0, empty.stderr
    assert (tmp_path / "none.csv").read_text().startswith("personId,firstName,lastName,")
    run_cli(*CEOS, "--domain", "nobody.example", "-o", str(tmp_path / "none.json"))
    assert (tmp_path / "none.json").read_text() == "[]\n"


def test_new_only_limit_pages_past_the_seen_and_stops_at_the_window(
    emulator: SandboxApp,
) -> None:
    first = run_cli(*CEOS, "--new-only", "--limit", "4")
    assert len(first.jsonl()) == 4
    emulator.log.clear()
    second = run_cli(*CEOS, "--new-only", "--limit", "4")
    assert len(second.jsonl()) == 4
    assert not {r["personId"] for r in first.jsonl()} & {r["personId"] for r in second.jsonl()}
    assert pages_requested(emulator) == [(1, 4), (2, 4)]
    assert "4 seen before skipped (already paid for" in second.stderr


def test_forget_all_needs_no_query_and_forget_needs_new_only(emulator: SandboxApp) -> None:
    run_cli(*CEOS, "--new-only", "--limit", "3")
    run_cli("search", "--sandbox", "--seniority", "CEO", "--new-only", "--limit", "2")
    forgot = run_cli("search", "--sandbox", "--forget-all")
    assert "forgot 5 people seen for every query" in forgot.stderr
    lonely = run_cli(*CEOS, "--forget")
    assert lonely.exit_code == 2 and "--forget goes with --new-only" in lonely.stderr
    assert sent(emulator) == [sent(emulator)[0], sent(emulator)[1]]  # the two searches only


def test_quiet_silences_notices_but_not_errors(tmp_path: Path) -> None:
    quiet = run_cli(*CEOS, "--limit", "2", "-q", "-o", str(tmp_path / "a.csv"))
    assert quiet.exit_code == 0 and quiet.stderr == ""
    loud = run_cli(*CEOS, "--limit", "2", "-o", str(tmp_path / "b.csv"))
    assert loud.stderr.splitlines() == [
        "sandbox: synthetic data from the built-in emulator; no API key used, no real credits "
        "spent",
        f"wrote 2 records to {tmp_path / 'b.csv'}",
    ]
    failing = run_cli("-q", "search", "--sandbox", "--seniority", "Boss")
    assert failing.exit_code == 2 and failing.stderr.startswith("error: ")
    for command in (["credits", "--sandbox"], ["track"], ["preset", "list"], ["config", "list"]):
        assert run_cli(*command, "-q").exit_code == 0, command


# -- the terminal ----------------------------------------------------------------------------


@pytest.mark.parametrize("columns", [80, 140])
@pytest.mark.slow
def test_the_table_fits_the_terminal_one_line_per_person(tmp_path: Path, columns: int) -> None:
    result = run_in_pty([*CEOS, "--limit", "6", "-f", "table"], columns, base_env(tmp_path))
    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    top = next(index for index, line in enumerate(lines) if "┏" in line)
    assert lines[top].startswith("┏"), lines[top]  # no progress bar left on the line
    assert not any("pages" in line and "records" in line for line in lines)
    table = lines[top : top + 10]
    assert table[-1].startswith("└") and len(table) == 10  # 6 people, 6 lines
    assert all(len(line) <= columns for line in table)
    headers = [cell.strip() for cell in table[1].strip("┃").split("┃")]
    assert headers[:2] == ["Name", "Title"]
    assert {"Company", "Location", "Email"} <= set(headers)
    if columns == 80:
        hint = "not shown: Seniority, Domain, personId (--wide shows all)"
        assert hint in lines  # a line of its own, within the 80 columns
    ids = [line.split("│")[-2].strip() for line in table[3:-1]] if "personId" in headers else []
    assert all(len(i) == 19 and i.isdigit() for i in ids)  # shown whole or not at all


@pytest.mark.slow
def test_wide_shows_every_column_uncut(tmp_path: Path) -> None:
    result = run_in_pty([*CEOS, "--limit", "3", "--wide"], 80, base_env(tmp_path))
    assert result.exit_code == 0, result.stdout
    unwrapped = result.stdout.replace("\n", "")  # the terminal wraps what is wider than it
    assert "3597524184265130552" in unwrapped and "…" not in unwrapped


# -- mistakes a user makes -------------------------------------------------------------------


def test_a_misspelled_field_is_refused_with_a_suggestion(emulator: SandboxApp) -> None:
    typo = run_cli(*CEOS, "-f", "csv", "--fields", "firstName,linkedinURL")
    assert typo.exit_code == 2
    assert "--fields: 'linkedinURL' is not a field; did you mean 'linkedinUrl'?" in typo.stderr
    assert emulator.log == []
    other = run_cli(*CEOS, "--limit", "1", "-f", "csv", "--fields", "personId,customScore")
    assert other.exit_code == 0
    assert "--fields: 'customScore' is not a known field; kept" in other.stderr
    assert other.stdout.splitlines()[0] == "personId,customScore"


def test_login_check_stores_nothing_the_api_refuses(
    monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    from fake import Answer, always, fake_server

    with fake_server(always(Answer(401, b'{"message": "Invalid API key"}'))) as fake:
        monkeypatch.setenv("CLODURA_BASE_URL", fake.url)
        result = run_cli("auth", "login", "--with-key", "--check", input="k-wrong-0123456789\n")
    assert result.exit_code == 3
    assert "check the key you entered" in result.stderr
    assert not (isolated / "config" / "credentials").exists()
    assert [r.headers["x-api-key"] for r in fake.received] == ["k-wrong-0123456789"]


def test_a_401_names_where_the_key_came_from(
    monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    from fake import Answer, always, fake_server

    run_cli("auth", "login", "--with-key", "--profile", "p4", input="k-p4-0123456789\n")
    with fake_server(always(Answer(401, b'{"message": "Invalid API key"}'))) as fake:
        monkeypatch.setenv("CLODURA_BASE_URL", fake.url)
        stored = run_cli("credits", "--profile", "p4")
        monkeypatch.setenv("CLODURA_API_KEY", "k-env-0123456789")
        from_env = run_cli("credits", "--profile", "p4")
    assert stored.exit_code == 3
    path = isolated / "config" / "credentials"
    assert f"check the key stored for profile 'p4' ({path})" in stored.stderr
    assert "check the key in CLODURA_API_KEY" in from_env.stderr


def test_auth_status_check_in_the_sandbox_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLODURA_SANDBOX", "1")
    monkeypatch.setenv("CLODURA_API_KEY", "fake-key-0123456789")
    result = run_cli("auth", "status", "--check")
    assert result.exit_code == 0
    assert "the API accepts" not in result.stdout
    assert "CLODURA_SANDBOX is set" in result.stdout


def test_partners_is_a_product_of_its_own_in_the_ledger(emulator: SandboxApp) -> None:
    from clodura_cli.sandbox.data import build_dataset

    person = build_dataset().person(21).record["personId"]
    plain = run_cli("reveal", "phone", "--sandbox", "-f", "jsonl", person)
    assert plain.exit_code == 0, plain.stderr
    again = run_cli("reveal", "phone", "--sandbox", "-f", "jsonl", person)
    assert "1 answered from the ledger" in again.stderr
    partners = run_cli("reveal", "phone", "--sandbox", "--partners", "-f", "jsonl", person)
    assert partners.exit_code == 0, partners.stderr
    assert [b.get("revealPhoneNumberViaPartners") for b in sent(emulator, "phone")] == [None, True]
    twice = run_cli("reveal", "phone", "--sandbox", "--partners", "-f", "jsonl", person)
    assert "1 answered from the ledger" in twice.stderr
    assert len(sent(emulator, "phone")) == 2


def test_a_failing_balance_is_asked_once_quietly(emulator: SandboxApp) -> None:
    from clodura_cli.sandbox.data import build_dataset

    person = build_dataset().person(22).record["personId"]
    emulator.set_faults(Faults(script=[ScriptedFault("500", 50, "credits")]))
    reveal = run_cli("reveal", "email", "--sandbox", "--no-wait", "-f", "jsonl", person)
    assert reveal.exit_code == 0, reveal.stderr
    assert "retry" not in reveal.stderr
    assert "could not read the credit balance" in reveal.stderr
    assert [e["endpoint"] for e in emulator.log] == ["credits", "email"]
    emulator.log.clear()
    tracking_id = reveal.jsonl()[0]["trackingId"]
    tracked = run_cli("track", "--sandbox", tracking_id, "--wait", "-f", "jsonl")
    assert tracked.exit_code == 0, tracked.stderr
    assert "retry" not in tracked.stderr
    endpoints = [e["endpoint"] for e in emulator.log]
    assert endpoints.count("credits") <= 1 and endpoints[0] == "track"


def test_credits_in_every_format_it_offers() -> None:
    rows = list(csv.DictReader(io.StringIO(run_cli("credits", "--sandbox", "-f", "csv").stdout)))
    assert [row["pool"] for row in rows] == ["contact views", "direct dials"]
    assert set(rows[0]) == {"plan", "pool", "used", "maximum", "remaining", "checkedAt"}
    assert rows[0]["checkedAt"].endswith("+00:00")  # a history file's lines say when
    lines = run_cli("credits", "--sandbox", "-f", "jsonl").jsonl()
    assert [line["remaining"] for line in lines] == [int(row["remaining"]) for row in rows]
    raw = json.loads(run_cli("credits", "--sandbox", "-f", "json").stdout)
    assert raw["contactsView"] == int(rows[0]["used"])


@pytest.mark.slow
def test_track_never_splits_an_email(tmp_path: Path) -> None:
    from clodura_cli.sandbox.data import build_dataset

    people = [build_dataset().person(i).record["personId"] for i in range(40, 46)]
    revealed = run_cli("reveal", "email", "--sandbox", "-f", "jsonl", *people)
    assert revealed.exit_code == 0, revealed.stderr
    emails = [row["email"] for row in revealed.jsonl() if row.get("email")]
    assert emails
    env = {**base_env(tmp_path), "CLODURA_SANDBOX": "1"}  # the same ledger, in tmp_path/data
    for columns in (80, 140):
        shown = run_in_pty(["track", "--sandbox", "-f", "table"], columns, env)
        assert shown.exit_code == 0, shown.stdout
        rows = [line for line in shown.stdout.splitlines() if line.startswith("│")]
        assert len(rows) == len(people)  # one line per job
        for email in emails:
            assert sum(email in row for row in rows) == 1, (email, shown.stdout)


def test_preset_save_names_every_option_that_is_not_a_filter(isolated: Path) -> None:
    result = run_cli(
        "preset", "save", "x", "--seniority", "CEO", "--rate", "5", "--raw-csv", "--limit", "3",
        "--new-only", "-f", "csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    line = next(ln for ln in result.stderr.splitlines() if ln.startswith("warning:"))
    for flag in ("--limit", "--rate", "--new-only", "--format", "--raw-csv"):
        assert flag in line, line
    saved = (isolated / "config" / "presets" / "x.yaml").read_text()
    assert saved == "seniority:\n- CEO\n"


def test_help_shows_one_way_to_completion() -> None:
    text = run_cli("--help").stdout
    assert "--install-completion" not in text and "--show-completion" not in text
    assert "completion" in text


def test_credits_spent_shows_both_balances(emulator: SandboxApp) -> None:
    from clodura_cli.sandbox.data import build_dataset

    people = [build_dataset().person(i).record["personId"] for i in range(60, 63)]
    result = run_cli("reveal", "email", "--sandbox", "-f", "jsonl", *people)
    assert result.exit_code == 0, result.stderr
    line = next(ln for ln in result.stderr.splitlines() if ln.startswith("credits spent"))
    assert "balance before: contact views" in line and "; after: contact views" in line


@pytest.mark.parametrize(
    ("args", "count"),
    [
        (["verify", "--sandbox", "a.b@example.com"], 1),
        (["enrich", "org", "--sandbox", "6964146847109114255"], 1),
        (["news", "--sandbox", "6964146847109114255", "--since", "-1y"], None),
        (["values", "industry", "software"], None),
        (["track"], 0),
    ],
    ids=["verify", "enrich org", "news", "values", "track"],
)
def test_every_command_writing_a_file_says_how_many_records(
    tmp_path: Path, args: list[str], count: int | None
) -> None:
    """The README promises `wrote N records to FILE` after -o; only search, orgs and reveal
    said it."""
    target = tmp_path / "out.csv"
    result = run_cli(*args, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    lines = target.read_text(encoding="utf-8").splitlines() if target.exists() else []
    rows = max(0, len(lines) - 1)  # the header
    if count is not None:
        assert rows == count
    noun = "record" if rows == 1 else "records"
    assert f"wrote {rows} {noun} to {target}\n" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["verify", "--sandbox", "a.b@example.com"],
        ["news", "--sandbox", "6964146847109114255"],
        ["enrich", "org", "--sandbox", "6964146847109114255"],
        ["reveal", "email", "--sandbox", "1877055212287098270"],
    ],
    ids=["verify", "news", "enrich org", "reveal"],
)
def test_an_output_that_cannot_be_written_is_refused_before_paying(
    tmp_path: Path, emulator: SandboxApp, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-o FOLDER -f csv` sent the paid request, then failed to write: exit 2 after paying.
    So did a folder this user may not write in (a read-only file system refuses even root)."""
    import os

    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: (
        False if Path(path) == locked else real_access(path, mode, **kw)))  # fmt: skip
    for target, says in ((tmp_path, "is a folder"), (tmp_path / "no" / "x.csv", "does not exist"),
                         (locked / "x.csv", "cannot write in folder")):  # fmt: skip
        refused = run_cli(*args, "-f", "csv", "-o", str(target))
        assert refused.exit_code == 2
        assert "error: --output: " in refused.stderr and says in refused.stderr
    assert emulator.log == []


def test_appending_needs_the_file_writable_not_its_folder(
    tmp_path: Path, emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--append writes the file itself: a shared log in a folder the user may not add files to
    is appended to (a review found it refused by the check for replaced files)."""
    import os

    shared = tmp_path / "shared"
    shared.mkdir()
    log = shared / "log.csv"
    assert run_cli(*CEOS, "--limit", "1", "-o", str(log)).exit_code == 0
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: (
        False if Path(path) == shared else real_access(path, mode, **kw)))  # fmt: skip
    added = run_cli(*CEOS, "--limit", "2", "--append", "-o", str(log))
    assert added.exit_code == 0, added.stderr
    assert len(log.read_text().splitlines()) == 1 + 1 + 2
    replaced = run_cli(*CEOS, "--limit", "2", "-o", str(log))  # a new file beside it: refused
    assert replaced.exit_code == 2 and "cannot write in folder" in replaced.stderr


def test_what_a_file_holds_is_told_by_every_format_the_registry_has(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new delimited format (a probe added `psv`) was taken for csv or tsv: the check behind
    --append listed those two by hand, and refused to add psv rows to a psv file."""
    from clodura_cli.cli import render
    from clodura_cli.store import formats

    class PsvWriter(formats.DelimitedWriter):
        delimiter = "|"

    psv = formats.Format("psv", (".psv",), True, True, True, PsvWriter, "pipe-separated")
    monkeypatch.setitem(formats.FORMATS, "psv", psv)
    held = tmp_path / "held"
    for first_line, expected in (("personId|firstName\n", ("psv",)),
                                 ("personId,firstName\n", ("csv",)),
                                 ("personId\n", ("csv", "tsv", "psv")),
                                 ('{"personId": "1"}\n', ("jsonl",))):  # fmt: skip
        held.write_text(first_line)
        assert render._held_formats(held) == expected, first_line
