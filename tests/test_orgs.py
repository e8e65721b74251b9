"""`clodura orgs`: Search Organizations through the search machinery, and into a people search."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from fake import Answer, Received, fake_server
from helpers import run_cli, sent

from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.sandbox.data import VENDOR_ORGANIZATION_ID, build_dataset


def org_bodies(emulator: SandboxApp) -> list[Any]:
    return [entry["body"] for entry in emulator.log if entry["endpoint"] == "orgs"]


def test_each_filter_reaches_the_body_under_its_api_name(emulator: SandboxApp) -> None:
    result = run_cli(
        "orgs", "--sandbox", "--name", "Clodura.AI", "--org-id", "1", "--org-id", "2",
        "--domain", "https://www.clodura.ai/", "--city", "Pune", "--state", "Maharashtra",
        "--country", "India", "--all-offices", "--industry", "Software",
        "--industry-keyword", "AI", "--business-model", "product", "--revenue", "1M-10M",
        "--employees", "51-200", "--web-keyword", "B2B data", "--tech", "AWS", "-f", "jsonl",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert org_bodies(emulator) == [
        {
            "organisationName": "Clodura.AI", "organisationId": ["1", "2"],
            "domain": "clodura.ai", "organisationCity": ["Pune"],
            "organisationState": ["Maharashtra"], "organisationCountry": ["India"],
            "includeAllOffice": True, "industry": ["Software"], "industryKeywords": ["AI"],
            "businessModel": ["Product"], "revenue": ["1M-10M"],
            "companyEmployeeSize": ["51 - 200"], "webKeywords": ["B2B data"],
            "technologyParameters": ["AWS"], "page": 1, "perPage": 25,
        }
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "orgs: give at least one filter"),
        (["--page", "1"], "orgs: give at least one filter"),
        (["--revenue", "2M"], "--revenue: '2M' is not an accepted value"),
        (["--domain", "sales@acme.com"], "--domain: 'sales@acme.com' is not a bare domain"),
        (["--all-offices", "--name", "x"], "--all-offices: needs a company location"),
        (["--page", "501", "--name", "x"], "--page: 501 is out of range; use 1 to 500"),
        (["--name", "x", "--limit", "3", "--all"], "--limit and --all"),
    ],
)
def test_bad_orgs_input_is_exit_2_and_sends_nothing(
    emulator: SandboxApp, args: list[str], says: str
) -> None:
    result = run_cli("orgs", "--sandbox", *args)
    assert result.exit_code == 2
    assert says in result.stderr
    assert emulator.log == []


def test_the_sandbox_organisations_agree_with_their_people(emulator: SandboxApp) -> None:
    result = run_cli("orgs", "--sandbox", "--domain", "clodura.ai", "-f", "json")
    [org] = json.loads(result.stdout)
    people = run_cli("search", "--sandbox", "--org-id", org["organisationId"], "-f", "json")
    records = json.loads(people.stdout)
    assert org["organisationId"] == VENDOR_ORGANIZATION_ID
    assert records and all(r["organizationId"] == org["organisationId"] for r in records)
    assert all(org["domain"] in r["companyDomain"] for r in records)
    assert {r["companyEmployeeSize"] for r in records} == {org["companyEmployeeSize"]}


def test_paging_and_limits_work_as_in_search(emulator: SandboxApp) -> None:
    everyone = run_cli("orgs", "--sandbox", "--industry-keyword", "AI", "--all", "-f", "jsonl")
    assert everyone.exit_code == 0, everyone.stderr
    total = len(everyone.jsonl())
    assert 30 < total < 100  # one short page ends the run (pages already in flight are empty)
    pages = sorted((b["page"], b["perPage"]) for b in org_bodies(emulator))
    assert pages == [(n, 100) for n in range(1, len(pages) + 1)]
    assert len({r["organisationId"] for r in everyone.jsonl()}) == total
    emulator.log.clear()
    limited = run_cli("orgs", "--sandbox", "--industry-keyword", "AI", "--limit", "30")
    assert [r["organisationId"] for r in limited.jsonl()] == [
        r["organisationId"] for r in everyone.jsonl()[:30]
    ]
    assert [(b["page"], b["perPage"]) for b in org_bodies(emulator)] == [(1, 30)]


def test_table_and_csv_show_organisations(emulator: SandboxApp, tmp_path: Path) -> None:
    table = run_cli("orgs", "--sandbox", "--domain", "clodura.ai", "-f", "table")
    header = table.stdout.splitlines()[1]
    for column in ("Name", "Domain", "Industry", "Size", "Location", "Id"):
        assert column in header
    assert "Clodura.AI" in table.stdout and VENDOR_ORGANIZATION_ID in table.stdout
    run_cli("orgs", "--sandbox", "--domain", "clodura.ai", "-o", str(tmp_path / "o.csv"))
    [row] = list(csv.DictReader(io.StringIO((tmp_path / "o.csv").read_text())))
    assert row["organisationId"] == VENDOR_ORGANIZATION_ID and row["domain"] == "clodura.ai"


@pytest.mark.parametrize(
    "payload",
    [
        [{"organisationId": "1", "extra": {"kept": True}}],
        {"data": [{"organisationId": "1", "extra": {"kept": True}}], "pagination": {"total": 1}},
        {"results": [{"organisationId": "1", "extra": {"kept": True}}]},
        {"organisations": [{"organisationId": "1", "extra": {"kept": True}}]},
        {"organizations": [{"organisationId": "1", "extra": {"kept": True}}]},
        {"orgs": [{"organisationId": "1", "extra": {"kept": True}}]},
        {"companies": [{"organisationId": "1", "extra": {"kept": True}}]},
    ],
)
def test_every_answer_shape_is_read_and_unknown_fields_kept(
    monkeypatch: pytest.MonkeyPatch, payload: Any
) -> None:
    def answer(request: Received) -> Answer:
        return Answer(200, json.dumps(payload).encode())

    with fake_server(answer) as fake:
        monkeypatch.setenv("CLODURA_BASE_URL", fake.url)
        monkeypatch.setenv("CLODURA_API_KEY", "k-test-0123456789")
        result = run_cli("orgs", "--name", "x", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [{"organisationId": "1", "extra": {"kept": True}}]
    assert fake.paths() == ["/api/v1/organisation/search"]


def test_orgs_piped_into_a_people_search_runs_once_per_id(emulator: SandboxApp) -> None:
    orgs = run_cli("orgs", "--sandbox", "--industry-keyword", "AI", "--limit", "3", "-f", "jsonl")
    ids = [r["organisationId"] for r in orgs.jsonl()]
    emulator.log.clear()
    people = run_cli(
        "search", "--sandbox", "--org-id", "-", "--limit", "2", "-f", "jsonl",
        input=orgs.stdout + "\n" + ids[0] + "\nnot json {\n",
    )  # fmt: skip
    assert people.exit_code == 0, people.stderr
    searched = [b["organizationId"] for b in emulator_search_bodies(emulator)]
    assert searched == ids  # once per id, duplicates read once, in order
    assert {r["organizationId"] for r in people.jsonl()} <= set(ids)
    assert all(len([r for r in people.jsonl() if r["organizationId"] == i]) <= 2 for i in ids)


def test_organisations_a_shared_cap_leaves_out_are_named(emulator: SandboxApp) -> None:
    """`--org-id - --all --max-credits 30`: only the first organisations were searched, the
    last of them cut short, and nothing said which; the dry run showed 30 for each."""
    orgs = run_cli("orgs", "--sandbox", "--country", "India", "--limit", "7", "-f", "jsonl")
    ids = [r["organisationId"] for r in orgs.jsonl()]
    emulator.log.clear()
    dry = run_cli("search", "--sandbox", "--org-id", "-", "--all", "--max-credits", "30",
                  "--dry-run", input=orgs.stdout)  # fmt: skip
    assert dry.exit_code == 0 and emulator.log == []
    assert ("--max-credits 30: the 7 organisations share it, in order: together at most 30 "
            "records; those after it is reached are not searched") in dry.stderr  # fmt: skip
    people = run_cli("search", "--sandbox", "--org-id", "-", "--all", "--max-credits", "30",
                     "-f", "jsonl", input=orgs.stdout)  # fmt: skip
    assert people.exit_code == 0, people.stderr
    assert len(people.jsonl()) == 30
    searched = list(dict.fromkeys(b["organizationId"] for b in sent(emulator)))
    assert searched == ids[: len(searched)] and len(searched) < len(ids)
    left_out = ids[len(searched) :]
    shown = ", ".join(left_out[:5]) + (
        f" and {len(left_out) - 5} more" if len(left_out) > 5 else ""
    )
    assert (f"warning: --max-credits 30: {searched[-1]} cut short; {len(left_out)} of 7 "
            f"organisations not searched ({shown})") in people.stderr  # fmt: skip
    # --new-only --limit: each organisation's first page was whole whatever the cap left
    # (36 records fetched under --max-credits 25).
    emulator.log.clear()
    fresh = run_cli("search", "--sandbox", "--org-id", "-", "--new-only", "--limit", "100",
                    "--max-credits", "25", "-f", "jsonl", input=orgs.stdout)  # fmt: skip
    assert fresh.exit_code == 0, fresh.stderr
    assert sum(entry["records"] for entry in emulator.log) == 25 == len(fresh.jsonl())
    assert "cut short" in fresh.stderr and "organisations not searched" in fresh.stderr
    # A cap the organisations never reach says nothing of the kind.
    every = run_cli("search", "--sandbox", "--org-id", "-", "--all", "--max-credits", "100000",
                    "-f", "jsonl", input=orgs.stdout)  # fmt: skip
    assert every.exit_code == 0 and "--max-credits" not in every.stderr, every.stderr


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_orgs_written_as_a_table_pipe_their_id_column_not_their_header(
    emulator: SandboxApp, fmt: str
) -> None:
    # `orgs -f csv | search --org-id -` searched the header line as an organisation's id.
    orgs = run_cli("orgs", "--sandbox", "--industry-keyword", "AI", "--limit", "3", "-f", fmt)
    delimiter = "\t" if fmt == "tsv" else ","
    ids = [row["organisationId"] for row in csv.DictReader(io.StringIO(orgs.stdout),
                                                           delimiter=delimiter)]  # fmt: skip
    assert len(ids) == 3
    emulator.log.clear()
    people = run_cli("search", "--sandbox", "--org-id", "-", "--limit", "1", "-f", "jsonl",
                     input="\n" + orgs.stdout)  # fmt: skip
    assert people.exit_code == 0, people.stderr
    assert [b["organizationId"] for b in emulator_search_bodies(emulator)] == ids
    assert "skipped" not in people.stderr


def test_a_csv_without_an_id_column_is_refused_before_any_search(emulator: SandboxApp) -> None:
    result = run_cli("search", "--sandbox", "--org-id", "-", "-f", "jsonl",
                     input="name,domain\nAcme,acme.com\n")  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "error: --org-id -: the table on standard input has no organisationId column (its first "
        "line is 'name,domain'); pipe `clodura orgs` output (with --fields organisationId where "
        "--layout renamed it), or one id a line"
    )
    assert emulator.log == []


def test_a_one_column_csv_of_another_field_is_refused_too(emulator: SandboxApp) -> None:
    """`search -f csv --fields firstName | search --org-id -`: its header is no id."""
    result = run_cli("search", "--sandbox", "--org-id", "-", "-f", "jsonl",
                     input="firstName\nKofi\nAisha\n")  # fmt: skip
    assert result.exit_code == 2
    assert "has no organisationId column (its first line is 'firstName')" in result.stderr
    assert emulator.log == []


def test_a_blank_id_cell_is_named_by_its_line() -> None:
    from clodura_cli.inputs import org_ids_from_text

    text = "\n\norganisationId,organisationName\n11,A\n,B\n12,C\n"
    assert org_ids_from_text(text) == (
        ["11", "12"],
        ["--org-id -: line 5 holds no organisation id; skipped"],
    )
    # Ids are digits in the documentation; a name piped by mistake is searched, and said.
    assert org_ids_from_text("Acme\n42\n") == (
        ["Acme", "42"],
        ["--org-id -: 1 id(s) not digits as documented ids are, searched anyway (line 1 'Acme')"],
    )


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("organisationId\n11\n12\n", ["11", "12"]),  # one column: its header is no id
        ('[{"organisationId": "11"}, {"organizationId": 12}, "13"]', ["11", "12", "13"]),
        ("organisationId;organisationName\n11;Acme, Inc\n12;B\n", ["11", "12"]),
        ('"organisationId","organisationName"\n"11","A, B"\n"12","C\nD"\n', ["11", "12"]),
        ('"11"\n"12"\n', ["11", "12"]),
    ],
    ids=["one column", "JSON array", "semicolons", "quoted", "JSON strings"],
)
def test_every_shape_orgs_writes_gives_its_ids(text: str, ids: list[str]) -> None:
    from clodura_cli.inputs import org_ids_from_text

    assert org_ids_from_text(text) == (ids, [])


def test_a_cell_past_csvs_default_limit_is_read() -> None:
    # It ended the run as an internal error (exit 1), then skipped its row: a cell may be as
    # long as an input file may be.
    from clodura_cli.inputs import org_ids_from_text

    ids, warnings = org_ids_from_text("organisationId,offices\n11," + "x" * 200_000 + "\n12,y\n")
    assert (ids, warnings) == (["11", "12"], [])


def test_a_byte_order_mark_is_no_part_of_the_first_id(emulator: SandboxApp) -> None:
    text = "\ufefforganisationId\n11\n"
    result = run_cli("search", "--sandbox", "--org-id", "-", "-f", "jsonl", input=text)
    assert result.exit_code == 0, result.stderr
    assert [b["organizationId"] for b in emulator_search_bodies(emulator)] == ["11"]


def test_a_domain_given_twice_to_orgs_is_refused_before_anything_is_sent(
    emulator: SandboxApp,
) -> None:
    # Search Organizations takes one domain: the second silently replaced the first, while
    # `search --domain` takes several.
    twice = run_cli("orgs", "--sandbox", "--domain", "a.test", "--domain", "b.test")
    assert twice.exit_code == 2
    assert twice.stderr.splitlines()[-1] == (
        "error: --domain: given 2 times ('a.test', 'b.test'), but it takes one value: give it once"
    )
    saved = run_cli("preset", "save", "two", "--orgs", "--domain", "a.test", "--domain", "b.test")
    assert saved.exit_code == 2 and "--domain: given 2 times" in saved.stderr
    assert emulator.log == []
    again = run_cli("orgs", "--sandbox", "--domain", "a.test", "--domain", "a.test", "--dry-run")
    assert again.exit_code == 0 and json.loads(again.stdout)["body"]["domain"] == "a.test"


def test_orgs_written_with_a_layout_pipe_nothing_and_say_how_to(emulator: SandboxApp) -> None:
    laid = run_cli("orgs", "--sandbox", "--industry-keyword", "AI", "--limit", "2", "-f", "jsonl",
                   "--layout", "hubspot")  # fmt: skip
    result = run_cli("search", "--sandbox", "--org-id", "-", input=laid.stdout)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "error: --org-id -: no organisation ids on standard input (pipe `clodura orgs` output; "
        "with --layout, add --fields organisationId)"
    )
    with_ids = run_cli("orgs", "--sandbox", "--industry-keyword", "AI", "--limit", "2", "-f",
                       "jsonl", "--layout", "hubspot", "--fields", "organisationId")  # fmt: skip
    emulator.log.clear()
    again = run_cli("search", "--sandbox", "--org-id", "-", "--limit", "1", input=with_ids.stdout)
    assert again.exit_code == 0, again.stderr
    assert len(emulator_search_bodies(emulator)) == 2
    assert emulator.log[0]["body"]["organizationId"] == with_ids.jsonl()[0]["organisationId"]


def emulator_search_bodies(emulator: SandboxApp) -> list[Any]:
    return [entry["body"] for entry in emulator.log if entry["endpoint"] == "search"]


def test_org_id_dash_with_nothing_piped_is_an_empty_result(emulator: SandboxApp) -> None:
    # An upstream `orgs` that found nothing is no mistake (issue 25): nothing searched, exit 0.
    result = run_cli("search", "--sandbox", "--org-id", "-", "-f", "jsonl", input="\n\n")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "--org-id -: no organisations on standard input" in result.stderr
    assert emulator.log == []


def test_organisation_presets_are_marked_and_kept_apart(emulator: SandboxApp) -> None:
    saved = run_cli("preset", "save", "ai-orgs", "--orgs", "--industry-keyword", "AI")
    assert saved.exit_code == 0, saved.stderr
    shown = run_cli("preset", "show", "ai-orgs").stdout
    assert "kind: organisations" in shown
    used = run_cli("orgs", "--sandbox", "--preset", "ai-orgs", "--limit", "2", "-f", "jsonl")
    assert used.exit_code == 0, used.stderr
    assert org_bodies(emulator)[0]["industryKeywords"] == ["AI"]
    refused = run_cli("search", "--sandbox", "--preset", "ai-orgs")
    assert refused.exit_code == 2
    assert "this preset holds organisation filters (saved from `clodura orgs`)" in refused.stderr
    assert "clodura orgs --preset ai-orgs" in refused.stderr
    run_cli("preset", "save", "ceos", "--seniority", "CEO")
    other = run_cli("orgs", "--sandbox", "--preset", "ceos")
    assert other.exit_code == 2 and "holds people filters" in other.stderr


def test_the_vendor_organisation_is_in_the_data() -> None:
    companies = {c.id: c for c in build_dataset().companies}
    assert "clodura.ai" in companies[VENDOR_ORGANIZATION_ID].domains


def test_orgs_appends_as_search_does(tmp_path: Path, emulator: SandboxApp) -> None:
    """The README says orgs writes as search does; it had no --append."""
    target = tmp_path / "orgs.csv"
    first = run_cli("orgs", "--sandbox", "--industry", "Software Development", "--limit", "2",
                    "-o", str(target))  # fmt: skip
    assert first.exit_code == 0, first.stderr
    again = run_cli("orgs", "--sandbox", "--industry", "Software Development", "--page", "2",
                    "--per-page", "3", "--append", "-o", str(target))  # fmt: skip
    assert again.exit_code == 0, again.stderr
    assert f"appended 3 records to {target}" in again.stderr
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows[0][0] == "organisationId" and len(rows) == 1 + 2 + 3
    assert sum(1 for row in rows if row[0] == "organisationId") == 1
