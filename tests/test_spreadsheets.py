"""Spreadsheets: a file that went through Excel or LibreOffice comes back as the user saved it,
and an id the spreadsheet damaged is never sent, never pays, never poisons the ledger."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import sys
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from helpers import CLODURA, base_env, person_ids, run_arranged, run_cli, sent
from typer.testing import CliRunner

from clodura_cli import reveal
from clodura_cli.cli import terminal
from clodura_cli.cli.app import app
from clodura_cli.inputs import damaged_id, decode, parse_rows
from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.sandbox.data import build_dataset
from clodura_cli.sandbox.keys import STANDARD
from clodura_cli.sandbox.reveal import find_person, job_outcome
from clodura_cli.sandbox.state import Job as SandboxJob
from clodura_cli.store.formats import WriteOptions, names_text, with_header, write_records
from clodura_cli.store.ledger import Ledger

DATA = Path(__file__).parent / "data"
COLUMNS = ["personId", "firstName", "lastName", "linkedinUrl", "companyDomain"]


@pytest.fixture(autouse=True)
def quick_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reveal, "POLL_INITIAL", 0.05)
    monkeypatch.setattr(reveal, "POLL_MAX", 0.1)


def people(count: int, *, verified: bool) -> list[dict[str, Any]]:
    """Sandbox people whose email reveal (Standard plan) finds a verified address, or nothing."""
    dataset = build_dataset()
    chosen = []
    for person in dataset.people:
        record = person.record
        job = SandboxJob("t", "k", "email", {"personId": record["personId"]}, 0, 0, "", None, 0)
        status, result, _ = job_outcome(job, find_person(dataset, job.input), STANDARD)
        found = status == "completed" and (result or {}).get("emailStatus")
        if found == ("verified" if verified else "not_found"):
            chosen.append({**{name: record[name] for name in COLUMNS},
                           "companyDomain": person.company.domains[0]})  # fmt: skip
        if len(chosen) == count:
            return chosen
    raise AssertionError("not enough sandbox people")


# How spreadsheets damage a 19-digit id ---------------------------------------------------------


def as_float_g(person_id: str) -> str:
    """Python's (and LibreOffice's General format's) %.15g: 2.15846224800326e+18."""
    return format(float(person_id), ".15g")


def as_excel_e(person_id: str) -> str:
    """The scientific form a sheet saves: 2.15846224800326E+018."""
    mantissa, exponent = format(float(person_id), ".14E").split("E")
    return f"{mantissa}E{exponent[0]}{int(exponent[1:]):03d}"


def as_number_format(person_id: str) -> str:
    """A column formatted as a number: 15 significant digits, then zeros."""
    return str(int(Decimal(format(float(person_id), ".15g"))))


DAMAGES = [as_float_g, as_excel_e, as_number_format]


@pytest.mark.parametrize(
    ("value", "how"),
    [
        ("2.15846224800326E+018", "in scientific notation"),
        ("2.15846224800326e+18", "in scientific notation"),
        ("2,15846224800326E+18", "in scientific notation"),
        ("2158462248003260000", "with every digit after the 15th a zero"),
        ("2158462248003260", "with every digit after the 15th a zero"),
        ("12345.0", "with a decimal point"),
        ("2158462248003261247", None),
        ("215846224800326", None),  # 15 digits: a number format keeps them all
        ("100000000000000", None),
        ("2158462248003261240", None),  # a zero or two at the end is ordinary
        ("acme-42", None),
    ],
)
def test_what_counts_as_damaged(value: str, how: str | None) -> None:
    assert damaged_id(value) == how


def saved_by_a_spreadsheet(
    rows: list[dict[str, Any]], damage: Any, *, encoding: str = "utf-8-sig", guard: bool = True
) -> bytes:
    """What a user's sheet saves: ids damaged one way, the guard apostrophes it shows kept,
    in the given encoding (a BOM for UTF-8, as Excel writes it; or the local code page)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        saved = {**row, "personId": damage(row["personId"]) if damage else row["personId"]}
        if guard:
            saved["firstName"] = "'=" + saved["firstName"]  # a guarded cell, saved as shown
        writer.writerow(saved)
    return out.getvalue().encode(encoding)


def reveal_email(*args: str, input: str | None = None) -> Any:
    return run_cli(
        "reveal", "email", "--sandbox", "-f", "jsonl", "--concurrency", "1", *args, input=input
    )


@pytest.mark.parametrize("damage", DAMAGES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_a_round_trip_through_a_spreadsheet_never_sends_a_damaged_id(
    tmp_path: Path, emulator: SandboxApp, damage: Any, encoding: str
) -> None:
    rows = people(4, verified=True)
    path = tmp_path / "roundtrip.csv"
    path.write_bytes(saved_by_a_spreadsheet(rows, damage, encoding=encoding))
    result = reveal_email("--input", str(path))
    assert result.exit_code == 0, result.stderr
    # Every row revealed by its LinkedIn URL, none by the broken id, none collapsed into another.
    assert sent(emulator, "email") == [
        {"linkedinUrl": row["linkedinUrl"], "webhookUrl": reveal_hook()} for row in rows
    ]
    warnings = [line for line in result.stderr.splitlines() if "spreadsheet damaged" in line]
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith("warning: --input: 4 row(s) have a person id a spreadsheet")
    assert "4 revealed by their LinkedIn URL or name instead, 0 skipped" in warnings[0]
    assert "duplicate" not in result.stderr
    assert "is not digits" not in result.stderr
    assert [r["email"] is not None for r in result.jsonl()] == [True] * 4


def reveal_hook() -> str:
    return "https://example.com/clodura-sandbox-webhook"


def test_names_come_back_from_the_local_code_page_and_without_the_guard(
    tmp_path: Path, emulator: SandboxApp
) -> None:
    saved = "firstName,lastName,companyDomain\r\n'=José,Müller,Example.COM\r\n'+Zoë,'-5,x.io\r\n"
    path = tmp_path / "names.csv"
    path.write_bytes(saved.encode("cp1252"))
    result = reveal_email("--input", str(path))
    assert result.exit_code == 0, result.stderr
    bodies = sent(emulator, "email")
    assert [(b["firstName"], b["lastName"]) for b in bodies] == [("=José", "Müller"),
                                                                ("+Zoë", "-5")]  # fmt: skip


def test_a_bom_and_guard_apostrophes_are_read_past() -> None:
    saved = "\ufeffpersonId,phone,note\r\n123,'+1 512 555 0168,'-5\r\n456,'plain,'@x\r\n"
    rows, problems, _ = parse_rows(decode(saved.encode()).text)
    assert problems == []
    assert [values for _, values in rows] == [
        {"personId": "123", "phone": "+1 512 555 0168", "note": "-5"},
        {"personId": "456", "phone": "'plain", "note": "@x"},
    ]


def test_a_damaged_id_with_no_other_identifier_is_skipped_and_named(
    tmp_path: Path, emulator: SandboxApp
) -> None:
    good, bad = people(2, verified=True)
    path = tmp_path / "ids.csv"
    path.write_text(f"personId\n{good['personId']}\n{as_excel_e(bad['personId'])}\n")
    result = reveal_email("--input", str(path))
    assert result.exit_code == 0, result.stderr
    assert sent(emulator, "email") == [{"personId": good["personId"], "webhookUrl": reveal_hook()}]
    assert "1 row(s) have a person id a spreadsheet damaged (in scientific notation)" in (
        result.stderr
    )
    assert "0 revealed by their LinkedIn URL or name instead, 1 skipped (line 3: no other" in (
        result.stderr
    )


def test_every_row_damaged_and_nothing_else_to_send_exits_2_sending_nothing(
    tmp_path: Path, emulator: SandboxApp
) -> None:
    rows = people(3, verified=True)
    path = tmp_path / "ids.csv"
    path.write_text("personId\n" + "".join(as_number_format(r["personId"]) + "\n" for r in rows))
    result = reveal_email("--input", str(path))
    assert result.exit_code == 2
    assert "3 row(s) have a person id a spreadsheet damaged" in result.stderr
    assert "import the id column as Text, or --trust-ids" in result.stderr
    assert emulator.log == []


def test_trust_ids_sends_ids_as_they_are(tmp_path: Path, emulator: SandboxApp) -> None:
    (row,) = people(1, verified=True)
    path = tmp_path / "ids.csv"
    path.write_text(f"personId,linkedinUrl\n{as_number_format(row['personId'])},"
                    f"{row['linkedinUrl']}\n")  # fmt: skip
    result = reveal_email("--input", str(path), "--trust-ids")
    assert result.exit_code == 0, result.stderr
    assert sent(emulator, "email") == [
        {"personId": as_number_format(row["personId"]), "webhookUrl": reveal_hook()}
    ]
    assert "spreadsheet damaged" not in result.stderr


def test_org_ids_a_spreadsheet_damaged_are_not_searched(emulator: SandboxApp) -> None:
    org = build_dataset().people[0].record["organizationId"]
    text = f"{org}\n{as_excel_e(org)}\n{as_number_format(org)}\n"
    result = run_cli("search", "--sandbox", "--org-id", "-", "-f", "jsonl", input=text)
    assert result.exit_code == 0, result.stderr
    assert [body.get("organizationId") for body in sent(emulator)] == [org]
    assert "--org-id -: 2 id(s) a spreadsheet damaged" in result.stderr
    assert "(line 2, line 3)" in result.stderr


# The ledger answers only for what was sent ----------------------------------------------------


def test_the_poisoning_sequence_finds_the_emails_and_pays_once(
    tmp_path: Path, emulator: SandboxApp, isolated: Path
) -> None:
    rows = people(3, verified=True)
    mangled = tmp_path / "mangled.csv"
    mangled.write_bytes(saved_by_a_spreadsheet(rows, as_number_format, guard=False))
    # An older version sent the broken ids (as --trust-ids does): nobody has them.
    first = reveal_email("--input", str(mangled), "--trust-ids")
    assert first.exit_code == 0, first.stderr
    assert [r["emailStatus"] for r in first.jsonl()] == ["not_found"] * 3
    correct = tmp_path / "correct.csv"
    correct.write_bytes(saved_by_a_spreadsheet(rows, None, guard=False))
    emulator.log.clear()
    second = reveal_email("--input", str(correct))
    assert second.exit_code == 0, second.stderr
    assert sent(emulator, "email") == [
        {"personId": row["personId"], "webhookUrl": reveal_hook()} for row in rows
    ]
    found = second.jsonl()
    assert [(r["personId"], r["emailStatus"], r["credits"]) for r in found] == [
        (row["personId"], "verified", 2) for row in rows
    ]
    # Paid once: a third run answers from the ledger, by id or by LinkedIn URL.
    emulator.log.clear()
    third = reveal_email("--input", str(correct))
    by_url = reveal_email(*[arg for r in rows for arg in ("--linkedin-url", r["linkedinUrl"])])
    assert (third.exit_code, by_url.exit_code) == (0, 0)
    assert emulator.log == []
    assert [r["email"] for r in third.jsonl()] == [r["email"] for r in found]
    assert [r["email"] for r in by_url.jsonl()] == [r["email"] for r in found]


def test_a_found_answer_teaches_the_other_identifiers_a_not_found_does_not(
    emulator: SandboxApp, isolated: Path
) -> None:
    (person,) = people(1, verified=True)
    (nobody,) = people(1, verified=False)
    assert reveal_email(person["personId"], nobody["personId"]).exit_code == 0
    emulator.log.clear()
    by_name = reveal_email(
        "--first-name", person["firstName"].upper(), "--last-name", person["lastName"],
        "--domain", person["companyDomain"], "--linkedin-url", nobody["linkedinUrl"],
    )  # fmt: skip
    assert by_name.exit_code == 0, by_name.stderr
    # The found person's name answers from the ledger; the not-found one's URL is asked.
    assert sent(emulator, "email") == [
        {"linkedinUrl": nobody["linkedinUrl"], "webhookUrl": reveal_hook()}
    ]
    ledger = Ledger(isolated / "data" / "ledger.db")
    learnt = sqlite3.connect(ledger.path).execute("SELECT name FROM identities").fetchall()
    assert sorted(name for (name,) in learnt) == ["linkedin_url", "name_key"]


def test_forget_not_found_lets_them_be_asked_again(emulator: SandboxApp) -> None:
    nobody = people(2, verified=False)
    ids = [row["personId"] for row in nobody]
    first = reveal_email(*ids)
    assert [r["revealStatus"] for r in first.jsonl()] == ["completed", "completed"]
    assert all(r["email"] is None for r in first.jsonl())
    later = run_cli("track", "--forget-not-found", "--since", "2999-01-01")
    assert later.exit_code == 0, later.stderr
    assert "forgot 0 not-found answer(s) since 2999-01-01" in later.stderr
    forget = run_cli("track", "--forget-not-found")
    assert forget.exit_code == 0, forget.stderr
    assert "forgot 2 not-found answer(s) (2 email)" in forget.stderr
    emulator.log.clear()
    again = reveal_email(*ids)
    assert again.exit_code == 0, again.stderr
    assert [b["personId"] for b in sent(emulator, "email")] == ids
    raw = run_cli("track", ids[0], "--raw")
    assert raw.stdout.count('"call": "submit"') == 2  # the forgotten job's answers stay


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--forget-not-found", "--since", "last tuesday"],
            "--since: 'last tuesday' is not a date",
        ),
        (["--since", "2026-01-01"], "--since: give it with --forget-not-found"),
    ],
)
def test_forget_not_found_input_errors(args: list[str], message: str) -> None:
    result = run_cli("track", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_format_2_ledger_poisoned_by_a_damaged_id_is_healed_on_upgrade(isolated: Path) -> None:
    """Before format 3 a job was also indexed by its input row's LinkedIn URL: a damaged id's
    not-found answered for the real person. The upgrade indexes it by what was sent only."""
    path = isolated / "data" / "ledger.db"
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path)
    db.executescript((DATA / "ledger-v2.sql").read_text())
    db.execute("PRAGMA user_version = 2")
    (row,) = people(1, verified=True)
    broken = as_number_format(row["personId"])
    db.execute(
        "INSERT INTO jobs (account, kind, person_id, linkedin_url, name_key, identifiers, record, "
        "tracking_id, status, result, credits, message, submitted_at, updated_at) "
        "VALUES (?, 'email', ?, ?, NULL, ?, ?, 'T1', 'completed', ?, 0, NULL, 1, 1)",
        ("sandbox-account", broken, row["linkedinUrl"], json.dumps({"personId": broken}),
         json.dumps({"personId": broken, "linkedinUrl": row["linkedinUrl"]}),
         json.dumps({"email": None, "emailStatus": "not_found"})),
    )  # fmt: skip
    db.commit()
    db.close()
    (job,) = Ledger(path).jobs()
    assert (job.person_id, job.linkedin_url) == (broken, None)
    assert path.with_name("ledger.db.v2.bak").exists()


# Writing for spreadsheets: --bom and -f xlsx --------------------------------------------------

_NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def sheet_cells(data: bytes) -> tuple[list[list[Any]], ET.Element]:
    """The cells of the workbook's one sheet, read back with the standard library: text
    cells as str, numbers as float, booleans as bool; and the sheet's XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        names = [n for n in book.namelist() if n.startswith("xl/worksheets/")]
        assert names == ["xl/worksheets/sheet1.xml"]
        root = ET.fromstring(book.read(names[0]))
    rows: list[list[Any]] = []
    for row in root.iterfind(".//x:sheetData/x:row", _NS):
        values: list[Any] = []
        for c in row.iterfind("x:c", _NS):
            column = ord(c.get("r", "A")[0]) - ord("A")  # fewer than 27 columns here
            values.extend([None] * (column - len(values)))
            kind = c.get("t")
            if kind == "inlineStr":
                values.append("".join(t.text or "" for t in c.iterfind(".//x:t", _NS)))
            elif kind == "b":
                values.append(c.findtext("x:v", namespaces=_NS) == "1")
            else:
                values.append(float(c.findtext("x:v", namespaces=_NS) or "nan"))
        rows.append(values)
    return rows, root


def test_xlsx_keeps_every_digit_and_runs_no_formula(tmp_path: Path, emulator: SandboxApp) -> None:
    jsonl = run_cli("search", "--sandbox", "--seniority", "Manager", "--limit", "30",
                    "-f", "jsonl")  # fmt: skip
    path = tmp_path / "leads.xlsx"
    result = run_cli("search", "--sandbox", "--seniority", "Manager", "--limit", "30",
                     "-o", str(path))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows, root = sheet_cells(path.read_bytes())
    header, body = rows[0], rows[1:]
    assert header[:4] == ["personId", "firstName", "lastName", "linkedinUrl"]
    expected = jsonl.jsonl()
    assert [row[0] for row in body] == [r["personId"] for r in expected]
    assert all(len(row[0]) == 19 for row in body)
    seniority = header.index("seniority")
    assert [row[seniority] for row in body] == ["; ".join(r["seniority"]) if isinstance(
        r["seniority"], list) else r["seniority"] for r in expected]  # fmt: skip
    assert root.findall(".//x:f", _NS) == []  # not one formula
    pane = root.find(".//x:pane", _NS)
    assert pane is not None and (pane.get("ySplit"), pane.get("state")) == ("1", "frozen")
    assert {c.get("s") for c in root.iterfind(".//x:row[@r='1']/x:c", _NS)} == {"1"}  # bold


def _written(path: Path, fmt: str) -> list[dict[str, Any]]:
    """A file's rows as {column: cell}, blank cells as ""."""
    if fmt == "xlsx":
        header, *body = sheet_cells(path.read_bytes())[0]
        return [{name: ("" if i >= len(row) or row[i] is None else row[i])
                 for i, name in enumerate(header)} for row in body]  # fmt: skip
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t" if fmt == "tsv" else ","))


@pytest.mark.parametrize("fmt", ["csv", "tsv", "xlsx"])
def test_reveal_writes_the_input_header_first_and_keeps_a_skipped_rows_own_email(
    tmp_path: Path, emulator: SandboxApp, fmt: str
) -> None:
    """A file a spreadsheet exported comes back in its own column order, whichever cells the
    first row left blank, with every result column (a workbook too), and a row that named
    nobody keeps the address it had."""
    people = person_ids(2)
    source = tmp_path / "contacts.csv"
    source.write_text(f"personId,firstName,email,Note\n,Only,own@example.org,\n"
                      f"{people[0]},,,\n{people[1]},,,x\n")  # fmt: skip
    out = tmp_path / f"revealed.{fmt}"
    result = run_cli("reveal", "email", "--sandbox", "--concurrency", "1", "--input",
                     str(source), "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = _written(out, fmt)
    assert list(rows[0])[:4] == ["personId", "firstName", "email", "Note"]
    assert {"emailStatus", "revealStatus", "trackingId", "credits", "revealMessage"} <= set(rows[0])
    assert [(r["personId"], r["revealStatus"]) for r in rows] == [
        ("", "skipped"), (people[0], "completed"), (people[1], "completed")
    ]  # fmt: skip
    assert rows[0]["email"] == "own@example.org" and rows[2]["Note"] == "x"
    assert all("@" in r["email"] and r["trackingId"] for r in rows[1:])
    assert len(sent(emulator, "email")) == 2


def test_a_layout_with_fields_all_names_every_rows_fields(
    tmp_path: Path, emulator: SandboxApp
) -> None:
    """--layout X --fields all: the layout's columns, then every field of every row, not the
    first row's alone (a first row that named nobody had no person id)."""
    people = person_ids(1)
    source = tmp_path / "in.jsonl"
    source.write_text(f'{{"firstName": "Only"}}\n{{"personId": "{people[0]}"}}\n')
    out = tmp_path / "crm.csv"
    result = run_cli("reveal", "email", "--sandbox", "--input", str(source), "--layout",
                     "hubspot", "--fields", "all", "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = _written(out, "csv")
    assert list(rows[0])[:2] == ["First Name", "Last Name"]
    assert {"personId", "trackingId", "revealStatus"} <= set(rows[0])
    assert [r["personId"] for r in rows] == ["", people[0]]
    assert rows[1]["Email"] == rows[1]["email"] and "@" in rows[1]["Email"]


def test_rows_without_an_answer_keep_their_own_email_and_phones_under_a_layout_too(
    tmp_path: Path, emulator: SandboxApp
) -> None:
    """A CRM export fed back in: a row that names nobody, and a row still queued (--no-wait),
    keep the email or phones they came with; only an answer replaces them."""
    person = people(1, verified=True)[0]
    source = tmp_path / "crm.csv"
    source.write_text(f"First Name,Email,LinkedIn URL\nOnly,own@example.org,\n"
                      f"{person['firstName']},,{person['linkedinUrl']}\n")  # fmt: skip
    out = tmp_path / "out.csv"
    result = run_cli("reveal", "email", "--sandbox", "--input", str(source), "--layout",
                     "hubspot", "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = _written(out, "csv")
    assert [(r["Email"], r["revealStatus"]) for r in rows] == [
        ("own@example.org", "skipped"), (rows[1]["Email"], "completed")
    ]  # fmt: skip
    assert "@" in rows[1]["Email"] and rows[1]["Email"] != "own@example.org"
    queued = tmp_path / "queued.csv"
    queued.write_text(f"personId,email,phones\n{person['personId']},mine@example.org,+1 555\n")
    waiting = run_cli("reveal", "phone", "--sandbox", "--input", str(queued), "--no-wait",
                      "-f", "csv")  # fmt: skip
    assert waiting.exit_code == 0, waiting.stderr
    (row,) = csv.DictReader(io.StringIO(waiting.stdout))
    assert (row["email"], row["phones"], row["revealStatus"]) == (
        "mine@example.org", "+1 555", "queued"
    )  # fmt: skip


def test_xlsx_cells_say_what_each_value_is() -> None:
    warnings: list[str] = []
    record = {
        "personId": "2158462248003261247", "formula": "=HYPERLINK(\"http://x\")",
        "zip": "02139", "phone": "+1 512 555 0168", "minus": "-5", "count": 42, "share": 0.5,
        "bigId": 2158462248003261247, "flag": True, "tags": ["a", "b"], "nested": {"k": 1},
        "missing": None, "long": "x" * 40_000, "date": "2026-11-30",
    }  # fmt: skip
    out = io.BytesIO()
    count = write_records([record], "xlsx", out, list(record), WriteOptions(warn=warnings.append))
    assert count == 1
    rows, root = sheet_cells(out.getvalue())
    assert rows[0] == list(record)[: len(rows[0])]
    assert rows[1] == [
        "2158462248003261247", '=HYPERLINK("http://x")', "02139", "+1 512 555 0168", "-5", 42.0,
        0.5, "2158462248003261247", True, "a; b", '{"k":1}', None, "x" * 32_767, "2026-11-30",
    ]  # fmt: skip
    assert root.findall(".//x:f", _NS) == []
    assert warnings == [
        "xlsx: 1 cell(s) longer than the 32,767 characters a sheet holds were cut; -f jsonl keeps "
        "them whole"
    ]


def test_xlsx_through_a_pipe_is_a_whole_workbook(emulator: SandboxApp) -> None:
    result = CliRunner().invoke(app, ["search", "--sandbox", "--limit", "3", "-f", "xlsx"])
    assert result.exit_code == 0, result.stderr
    rows, _ = sheet_cells(result.stdout_bytes)
    assert len(rows) == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", "xlsx", "-o", "x.xlsx", "--append"], "--append: xlsx cannot be appended to"),
        (["-f", "xlsx", "--all"], "--format xlsx: a workbook is bytes, not for a terminal"),
    ],
)
def test_xlsx_refused_where_it_cannot_go(
    args: list[str], message: str, emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(terminal, "is_terminal", lambda name: name == "stdout")
    result = run_cli("search", "--sandbox", "--seniority", "CEO", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert emulator.log == []


def test_xlsx_without_its_library_says_how_to_install_it(
    tmp_path: Path, emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "xlsxwriter", None)  # as if never installed
    result = run_cli("search", "--sandbox", "--seniority", "CEO", "-o", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: --format xlsx: needs the xlsxwriter library, not installed; "
        "pip install 'clodura-cli[xlsx]'"
    )
    assert emulator.log == [] and not (tmp_path / "x.xlsx").exists()


def test_bom_starts_a_new_csv_and_never_lands_mid_append(
    tmp_path: Path, emulator: SandboxApp
) -> None:
    path = tmp_path / "leads.csv"
    first = run_cli("search", "--sandbox", "--seniority", "Manager", "--limit", "5", "--bom",
                    "-o", str(path))  # fmt: skip
    assert first.exit_code == 0, first.stderr
    assert path.read_bytes().startswith(b"\xef\xbb\xbfpersonId,")
    more = run_cli("search", "--sandbox", "--seniority", "Director", "--limit", "5", "--bom",
                   "--append", "-o", str(path))  # fmt: skip
    assert more.exit_code == 0, more.stderr
    data = path.read_bytes()
    assert data.count(b"\xef\xbb\xbf") == 1
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 10 and rows[0]["personId"].isdigit()
    plain = run_cli("search", "--sandbox", "--limit", "2", "-f", "csv")
    assert not plain.stdout.startswith("\ufeff")


def test_the_csv_bom_setting_and_what_it_leaves_alone(
    emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_cli("config", "set", "csv-bom", "yes").exit_code == 0
    tsv = run_cli("search", "--sandbox", "--limit", "2", "-f", "tsv")
    assert tsv.stdout.startswith("\ufeffpersonId\t") and tsv.stdout.count("\ufeff") == 1
    jsonl = run_cli("search", "--sandbox", "--limit", "2", "-f", "jsonl")
    assert jsonl.stdout.startswith("{")
    monkeypatch.setattr(terminal, "is_terminal", lambda name: name == "stdout")
    shown = run_cli("search", "--sandbox", "--limit", "2", "-f", "csv")
    assert shown.stdout.startswith("personId,")  # a terminal shows no mark
    bad = run_cli("config", "set", "csv-bom", "maybe")
    assert bad.exit_code == 2 and "csv-bom: 'maybe' is not accepted; use true or false" in (
        bad.stderr
    )


@pytest.mark.parametrize("terminals", [{"stderr"}, {"stdin", "stderr"}, {"stdout", "stderr"}])
@pytest.mark.slow
def test_xlsx_as_a_shell_redirects_it(tmp_path: Path, terminals: set[str]) -> None:
    """`clodura search -f xlsx > leads.xlsx` typed at a terminal: a whole workbook in the file;
    with stdout itself a terminal, nothing written and exit 2."""
    command = [CLODURA, "search", "--sandbox", "--limit", "3", "-f", "xlsx"]
    ran = run_arranged(command, base_env(tmp_path), terminals)
    if "stdout" in terminals:
        assert (ran.exit_code, ran.stdout) == (2, b"")
        assert b"a workbook is bytes, not for a terminal" in ran.stderr
        return
    assert ran.exit_code == 0, ran.stderr
    rows, _ = sheet_cells(ran.stdout)
    assert len(rows) == 4 and rows[0][0] == "personId"


def test_forget_not_found_takes_the_date_forms_news_takes(emulator: SandboxApp) -> None:
    for since in ("yesterday", "-7d", "2026-11-30T09:00"):
        result = run_cli("track", "--forget-not-found", "--since", since)
        assert result.exit_code == 0, result.stderr
        assert f"forgot 0 not-found answer(s) since {since}" in result.stderr


def test_a_workbook_named_as_text_is_warned_of(tmp_path: Path, emulator: SandboxApp) -> None:
    """`-f xlsx -o a.csv` wrote a workbook into a.csv without a word (a spreadsheet user)."""
    pytest.importorskip("xlsxwriter")
    target = tmp_path / "a.csv"
    result = run_cli("search", "--sandbox", "--limit", "1", "-f", "xlsx", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert (f"warning: --output {target}: its name says csv, but xlsx is written (-f xlsx); "
            "name it .xlsx to open it as that") in result.stderr  # fmt: skip
    assert target.read_bytes()[:2] == b"PK"  # written as asked
    text = run_cli(
        "search", "--sandbox", "--limit", "1", "-f", "csv", "-o", str(tmp_path / "a.txt")
    )
    assert "warning" not in text.stderr  # text in a .txt: nothing to say
    json_named = run_cli("search", "--sandbox", "--limit", "1", "-f", "csv", "-o",
                         str(tmp_path / "a.json"))  # fmt: skip
    assert "its name says json, but csv is written (-f csv); name it .csv" in json_named.stderr


@pytest.mark.slow
def test_a_workbook_format_setting_leaves_a_terminal_its_table(tmp_path: Path) -> None:
    """`config set format xlsx` made every command on a terminal fail ("a workbook is bytes"),
    `clodura credits` too; the setting is for files and pipes."""
    pytest.importorskip("xlsxwriter")
    env = base_env(tmp_path)
    command = [CLODURA, "credits", "--sandbox"]
    assert run_arranged([CLODURA, "config", "set", "format", "xlsx"], env, set()).exit_code == 0
    shown = run_arranged(command, env, {"stdout", "stderr"})
    assert shown.exit_code == 0, shown.stderr
    assert b"contact views" in shown.stdout
    piped = run_arranged(command, env, {"stderr"})
    assert piped.exit_code == 0 and piped.stdout[:2] == b"PK"


@pytest.mark.parametrize("fmt", ["json", "jsonl", "xlsx"])
def test_bom_and_raw_csv_say_they_do_nothing_outside_csv(
    tmp_path: Path, emulator: SandboxApp, fmt: str
) -> None:
    """They were accepted with JSON and workbooks without a word (a spreadsheet user)."""
    if fmt == "xlsx":
        pytest.importorskip("xlsxwriter")
    target = tmp_path / f"out.{fmt}"
    result = run_cli("search", "--sandbox", "--limit", "1", "-f", fmt, "-o", str(target),
                     "--bom", "--raw-csv")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    delimited = names_text(with_header())  # csv or tsv
    assert f"warning: --bom does nothing for {fmt}: it is for {delimited}" in result.stderr
    assert f"warning: --raw-csv does nothing for {fmt}: it is for {delimited}" in result.stderr
    csv_run = run_cli("search", "--sandbox", "--limit", "1", "-f", "csv", "--bom", "--raw-csv")
    assert "warning" not in csv_run.stderr


def test_a_header_naming_a_column_twice_keeps_both_and_reads_the_first() -> None:
    """`Email,Email` (work, then personal): csv kept the last, so the work address vanished
    from the output and the personal one was verified and paid for."""
    text = "Name,Email,Email,,\nSara,sara@acme.com,sara@gmail.test,,\n"
    rows, problems, columns = parse_rows(text, lambda cells: "Email" in cells)
    assert columns == ("Name", "Email", "Email (2)", "")
    assert rows == [("line 2", {"Name": "Sara", "Email": "sara@acme.com",
                                "Email (2)": "sara@gmail.test"})]  # fmt: skip
    assert problems == ["line 1: the header names 'Email' again; that column is read as "
                        "'Email (2)', the first 'Email' as the field"]  # fmt: skip


def test_a_cell_longer_than_csvs_default_limit_is_read_whole(emulator: SandboxApp) -> None:
    """A 140,000-character note (with a line break, quotes and a comma in it) lost its row,
    and the rest of its text came back as a row of its own, with exit 0."""
    note = "x" * 140_000 + '\n,"x",'
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerows([["personId", "note"], ["111", note], ["222", "short"]])
    rows, problems, _ = parse_rows(stream.getvalue())
    assert problems == []
    assert rows == [("line 2", {"personId": "111", "note": note}),
                    ("line 4", {"personId": "222", "note": "short"})]  # fmt: skip


def test_a_quote_left_open_stops_the_run_instead_of_swallowing_the_file(tmp_path: Path) -> None:
    """With cells as long as a file, `602,"N2` took every later line into one cell: one row
    of 400 was sent, and nothing said."""
    text = 'personId,firstName\n601,N1\n602,"N2\n' + "".join(
        f"{600 + i},N{i}\n" for i in range(3, 400)
    )
    path = tmp_path / "open.csv"
    path.write_text(text)
    result = run_cli("reveal", "email", "--sandbox", "--input", str(path), "--dry-run")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.endswith(
        "error: --input: line 3: a quoted cell runs over 398 lines, to line 400 (a quote not "
        "closed?); nothing sent: fix the file\n"
    )


def test_a_row_after_blank_lines_is_named_by_its_own_line() -> None:
    rows, _, _ = parse_rows('personId,note\n1,"a\nb"\n\n\n2,c\n')
    assert [label for label, _ in rows] == ["line 2", "line 6"]


def test_a_quote_left_open_over_a_few_rows_is_caught_too(tmp_path: Path) -> None:
    """Under 200 lines the open quote was silent: 2 of 150 rows sent; in a --suppress list,
    the people after it were revealed and paid for."""
    lines = ["personId,firstName", "601,N1", '602,"N2', *(f"{600 + i},N{i}" for i in range(3, 150))]
    path = tmp_path / "open150.csv"
    path.write_text("\n".join(lines) + "\n")
    result = run_cli("reveal", "email", "--sandbox", "--input", str(path), "--dry-run")
    assert (result.exit_code, result.stdout) == (2, "")
    assert "error: --input: line 3: a quoted cell holds 147 line(s) that look like rows" in (
        result.stderr
    )
    listed = tmp_path / "dnc.csv"
    listed.write_text('personId,note\n601,"do not call\n602,x\n603,y\n')
    people = tmp_path / "people.csv"
    people.write_text("personId\n601\n602\n603\n")
    guarded = run_cli("reveal", "email", "--sandbox", "--input", str(people), "--suppress",
                      str(listed), "--dry-run")  # fmt: skip
    assert guarded.exit_code == 2 and guarded.stdout == ""
    assert "error: --suppress: line 2: a quoted cell holds 2 line(s) that look like rows" in (
        guarded.stderr
    )
    note = tmp_path / "notes.csv"
    note.write_text('personId,note\n601,"Called, left message\nCalled again"\n602,ok\n')
    rows, problems, _ = parse_rows(note.read_text())
    assert len(rows) == 2 and problems == []  # a note with a comma is a note
    # A --suppress list's note with a comma in it is a note too (it was refused).
    listed.write_text('personId,note\n601,"Asked to be removed\nTicket 4411, closed"\n')
    kept = run_cli("reveal", "email", "--sandbox", "--input", str(people), "--suppress",
                   str(listed), "--dry-run")  # fmt: skip
    assert kept.exit_code == 0 and "--suppress: 1 of 3 people skipped" in kept.stderr
    # A one-column list, and one row taken into a note of a --suppress list: still caught.
    for text in ('linkedinUrl\n"https://www.linkedin.com/in/a-1/\nhttps://www.linkedin.com/in/b-2/\n',
                 'personId,note\n601,"asked us, no\n602,bounced"\n603,ok\n'):  # fmt: skip
        listed.write_text(text)
        one = run_cli("reveal", "email", "--sandbox", "--input", str(people), "--suppress",
                      str(listed), "--dry-run")  # fmt: skip
        assert (
            one.exit_code == 2
            and "error: --suppress: line 2: a quoted cell holds 1 line(s)" in (one.stderr)
        )


@pytest.mark.parametrize(
    ("flag", "text", "held"),
    [
        # Domains in a --suppress list: Bob's and Cy's companies were revealed and paid for.
        ("--suppress", 'domain,note\nacme.com,"customer, do not contact\ngamma.io,competitor\n'
                       'delta.com,partner"\n', 2),
        ("--suppress", 'domain\n"acme.com\ngamma.io\ndelta.com"\n', 2),
        # People by name: five rows sat unread inside Ann's note, and the run exited 0.
        ("--input", 'firstName,lastName,companyDomain,note\nAnn,Lee,acme.com,"called, no answer'
                    '\nBob,Ray,gamma.io,new\nCy,Oh,delta.com,new\nDee,Fox,kappa.com,new\n'
                    'Eve,Lu,eta.io,new\nFay,Ho,phi.io,"\nIvy,Ko,iota.io,ok\n', 5),
    ],
    ids=["domains and notes", "one column of domains", "people by name"],
)  # fmt: skip
def test_an_open_quote_over_rows_naming_no_one_by_id_is_caught_too(
    tmp_path: Path, flag: str, text: str, held: int
) -> None:
    """Only a line with an id, an address or a LinkedIn URL counted as a row taken in."""
    people = tmp_path / "people.csv"
    people.write_text("firstName,lastName,companyDomain\nAnn,Lee,acme.com\nBob,Ray,gamma.io\n"
                      "Cy,Oh,delta.com\nDee,Fox,kappa.com\n")  # fmt: skip
    odd = tmp_path / "odd.csv"
    odd.write_text(text)
    files = ["--input", str(people), "--suppress", str(odd)] if flag == "--suppress" else [
        "--input", str(odd)]  # fmt: skip
    result = run_cli("reveal", "email", "--sandbox", *files, "--dry-run")
    assert (result.exit_code, result.stdout) == (2, "")
    assert f"error: {flag}: line 2: a quoted cell holds {held} line(s) that look like rows" in (
        result.stderr
    )
    # A note's line that mentions a site is a note (it was refused once).
    odd.write_text('email,note\nann@acme.example,"Asked to be removed\nfound on linkedin.com, '
                   'closed"\n')  # fmt: skip
    kept = run_cli("reveal", "email", "--sandbox", "--input", str(people), "--suppress",
                   str(odd), "--dry-run")  # fmt: skip
    assert kept.exit_code == 0, kept.stderr
