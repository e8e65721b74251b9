"""Output formats, --fields and --output: exact bytes, records exactly as the API sent them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from helpers import FAILING_EXPORT, OLD_BYTES, fail_on_the_third_page, run_cli

from clodura_cli.api.spec import PERSON_RECORD_FIELDS
from clodura_cli.sandbox.app import SandboxApp

QUERY = ["search", "--sandbox", "--seniority", "CXO", "--function", "Finance", "--per-page", "5"]


def served_records(emulator: SandboxApp) -> list[dict[str, object]]:
    """The records the emulator answered with, recomputed from its data set for the query."""
    from clodura_cli.sandbox.search import matching_people

    people = matching_people(
        emulator.dataset, {"seniority": ["CXO"], "functional": ["Finance"]}, frozenset()
    )
    return [{**p.record, "page": 1, "perPage": 5} for p in people[:5]]


def test_json_is_one_array_of_the_records_as_received(emulator: SandboxApp) -> None:
    result = run_cli(*QUERY, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == served_records(emulator)
    assert result.stdout.startswith("[\n  {") and result.stdout.endswith("}\n]\n")


def test_json_too_long_for_memory_is_held_back_in_a_temporary_file(
    emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A JSON array reaches stdout only whole: past the spool's memory (8 MiB; 300 characters
    here) the rest is held in a temporary file, and stdout gets the same bytes."""
    from clodura_cli.cli import render

    whole = run_cli(*QUERY, "-f", "json").stdout
    opened: list[object] = []
    real = render._TextSpool.write

    def write(self: render._TextSpool, text: str) -> int:
        written = real(self, text)
        opened.append(self._file)
        return written

    monkeypatch.setattr(render, "_SPOOL_IN_MEMORY", 300)
    monkeypatch.setattr(render._TextSpool, "write", write)
    result = run_cli(*QUERY, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert len(whole) > 2000 and result.stdout == whole
    spooled = [file for file in opened if file is not None]
    assert spooled and all(file.closed for file in spooled)  # type: ignore[attr-defined]


def test_jsonl_is_one_record_per_line_and_the_default_in_a_pipe(emulator: SandboxApp) -> None:
    result = run_cli(*QUERY)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [json.loads(line) for line in lines] == served_records(emulator)
    assert len(lines) == 5


def test_csv_has_api_field_names_and_joins_arrays(emulator: SandboxApp) -> None:
    result = run_cli(*QUERY, "-f", "csv")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    # The documented fields but the paging echo (page, perPage), which every record repeats.
    assert rows[0] == [name for name in PERSON_RECORD_FIELDS if name not in ("page", "perPage")]
    expected = served_records(emulator)
    assert len(rows) == 1 + len(expected)
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["personId"] == expected[0]["personId"]
    assert first["companyDomain"] == "; ".join(expected[0]["companyDomain"])  # type: ignore[arg-type]
    assert "page" not in first and "perPage" not in first


def test_fields_choose_and_order_columns_in_every_format(emulator: SandboxApp) -> None:
    expected = served_records(emulator)
    fields = "lastName,personId,seniority"
    as_json = json.loads(run_cli(*QUERY, "-f", "json", "--fields", fields).stdout)
    assert [list(r) for r in as_json] == [["lastName", "personId", "seniority"]] * 5
    assert as_json[0] == {k: expected[0][k] for k in ("lastName", "personId", "seniority")}
    as_jsonl = run_cli(*QUERY, "-f", "jsonl", "--fields", fields).jsonl()
    assert as_jsonl == as_json
    as_csv = run_cli(*QUERY, "-f", "csv", "--fields", fields).stdout.splitlines()
    assert as_csv[0] == "lastName,personId,seniority"
    assert as_csv[1] == f"{expected[0]['lastName']},{expected[0]['personId']},CXO"
    table = run_cli(*QUERY, "-f", "table", "--fields", fields).stdout
    header = table.splitlines()[1]
    assert header.index("lastName") < header.index("personId") < header.index("seniority")
    assert "organizationName" not in table


def test_fields_all_shows_every_field_in_the_table(emulator: SandboxApp) -> None:
    table = run_cli(*QUERY, "-f", "table", "--fields", "all").stdout
    for name in ("linkedinUrl", "organizationId", "companyEmployeeSize"):
        assert name in table


@pytest.mark.parametrize("spelled", ["ALL", "All"])
def test_fields_all_in_any_case_is_every_field(emulator: SandboxApp, spelled: str) -> None:
    """`--fields ALL` made a column named ALL, empty, with a warning (a spreadsheet user)."""
    given = run_cli(*QUERY, "-f", "csv", "--fields", spelled)
    assert given.exit_code == 0, given.stderr
    assert (
        given.stdout.splitlines()[0]
        == run_cli(*QUERY, "-f", "csv", "--fields", "all").stdout.splitlines()[0]
    )
    assert "ALL" not in given.stdout.splitlines()[0].upper().split(",")
    assert "warning" not in given.stderr


def test_unknown_field_gives_an_empty_column() -> None:
    rows = run_cli(*QUERY, "-f", "csv", "--fields", "personId,nickname").stdout.splitlines()
    assert rows[0] == "personId,nickname"
    assert rows[1].endswith(",")


def test_table_shows_the_summary_columns(emulator: SandboxApp) -> None:
    result = run_cli(*QUERY, "-f", "table")
    assert result.exit_code == 0
    header = result.stdout.splitlines()[1]
    for column in ("Name", "Title", "Seniority", "Company", "Domain", "Location", "Email"):
        assert column in header
    expected = served_records(emulator)[0]
    assert f"{expected['firstName']} {expected['lastName']}" in result.stdout
    assert str(expected["personId"]) in result.stdout


def test_table_fits_the_terminal_width(emulator: SandboxApp) -> None:
    from clodura_cli.cli.table import render_table

    stream = io.StringIO()
    render_table(served_records(emulator) * 3, None, stream, to_terminal=True)
    lines = stream.getvalue().splitlines()
    assert len(lines) > 8
    assert max(len(line) for line in lines) <= 120  # COLUMNS, set by the test fixture
    assert len(lines) == 4 + len(served_records(emulator)) * 3  # one line per person


def test_a_narrow_table_of_articles_shows_the_headlines_before_what_every_row_repeats(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """News of one organisation at 80 columns: its id and page, the same on every row, give
    way to the titles (they took the width and left the headlines out)."""
    from clodura_cli.cli.table import render_table

    monkeypatch.setenv("COLUMNS", "80")
    rows = [{"organisationId": "6964146847109114255",
             "orgLinkedinUrl": "https://www.linkedin.com/company/pixel-health/",
             "articleId": f"7f58db659d6cea3{n}", "category": "Investment",
             "publishedAt": f"2026-11-1{n}", "source": "Industry Example Weekly",
             "summary": "The investment extends Pixel Health's work on Ruby on Rails.",
             "title": f"Pixel Health invests ${n}85M in Ruby on Rails",
             "url": f"https://news.example/pixel-health/2026/11/{n}"} for n in range(3)]  # fmt: skip
    stream = io.StringIO()
    render_table(rows, None, stream, to_terminal=True, summary="records")
    header = stream.getvalue().splitlines()[1]
    assert "title" in header and "publishedAt" in header
    assert "organisationId" not in header and "orgLinkedinUrl" not in header


def test_table_strips_terminal_control_sequences() -> None:
    from clodura_cli.cli.table import render_table

    stream = io.StringIO()
    record = {"firstName": "Eve\x1b[31m", "lastName": "\x1b]0;pwned\x07Smith", "personId": "1\r2"}
    render_table([record], None, stream)
    assert "\x1b" not in stream.getvalue() and "\r" not in stream.getvalue()
    assert "Eve Smith" in stream.getvalue() and "12" in stream.getvalue()


@pytest.mark.parametrize(
    ("name", "fmt"), [("p.json", "json"), ("p.jsonl", "jsonl"), ("p.csv", "csv")]
)
def test_output_file_takes_its_format_from_the_extension(
    tmp_path: Path, name: str, fmt: str
) -> None:
    target = tmp_path / name
    result = run_cli(*QUERY, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8") == run_cli(*QUERY, "-f", fmt).stdout
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_output_file_is_not_created_when_the_run_fails(
    tmp_path: Path, emulator: SandboxApp
) -> None:
    from clodura_cli.sandbox.faults import Faults, ScriptedFault

    emulator.set_faults(Faults(script=[ScriptedFault("500", 10)]))
    target = tmp_path / "leads.csv"
    result = run_cli(*QUERY, "--limit", "20", "-o", str(target))
    assert result.exit_code == 7
    assert not target.exists()
    assert list(tmp_path.glob("*.part")) == []


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_output_file_replaces_an_old_one_only_on_success(
    tmp_path: Path, emulator: SandboxApp, fmt: str
) -> None:
    target = tmp_path / f"leads.{fmt}"
    target.write_bytes(OLD_BYTES)
    fail_on_the_third_page(emulator)
    failed = run_cli(*FAILING_EXPORT, "-f", fmt, "-o", str(target))
    assert failed.exit_code == 6, failed.stderr
    assert "page 3 (records 201-300)" in failed.stderr  # two pages were written, then it failed
    assert target.read_bytes() == OLD_BYTES
    assert [p.name for p in tmp_path.glob("*leads*")] == [target.name]  # no temporary left
    five = [*QUERY, "--limit", "5", "-f", fmt]
    assert run_cli(*five, "-o", str(target)).exit_code == 0
    assert target.read_text() == run_cli(*five).stdout


@pytest.mark.parametrize(("fmt", "expected"), [("json", "[]\n"), ("jsonl", ""), ("csv", "")])
def test_no_results_is_empty_output_and_exit_0(fmt: str, expected: str) -> None:
    result = run_cli("search", "--sandbox", "--org-name", "No Such Company", "-f", fmt)
    assert result.exit_code == 0
    assert result.stdout == expected
    assert result.stderr.splitlines()[-1] == "No results"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_records_of_another_kind_get_their_own_columns(fmt: str) -> None:
    """Records the caller says are not people (a new endpoint's) are written with their own
    fields, not under 16 empty people columns. People keep the documented columns first, even
    when the first record lacks them (a job the ledger knew nothing of): a later one holds
    them, and its person must not be cut off its email."""
    from test_spreadsheets import sheet_cells

    from clodura_cli.store.cells import DEFAULT_PERSON_COLUMNS, WriteOptions, header_for
    from clodura_cli.store.formats import write_records

    assert header_for({"name": "Fintech", "count": 3, "page": 1}, people=False) == [
        "name", "count",
    ]  # fmt: skip
    unknown_first = header_for({"trackingId": "T1", "revealStatus": "completed"})
    assert unknown_first == [*DEFAULT_PERSON_COLUMNS, "trackingId", "revealStatus"]
    stream = io.BytesIO() if fmt == "xlsx" else io.StringIO()
    other = WriteOptions(people=False)
    write_records([{"name": "Fintech", "count": 3}], fmt, stream, None, other)  # type: ignore[arg-type]
    if fmt == "csv":
        assert stream.getvalue() == "name,count\nFintech,3\n"
    else:
        assert [row[0] for row in sheet_cells(stream.getvalue())[0]] == ["name", "Fintech"]
