"""--layout: columns renamed and ordered as a CRM's import expects them."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli, sandbox_fails, sent

from clodura_cli import reveal
from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.store import layouts

HUBSPOT_PEOPLE = ["First Name", "Last Name", "Full Name", "Email", "Phone Number", "Job Title",
                  "Company Name", "Company Domain Name", "LinkedIn URL", "City", "State/Region",
                  "Country/Region"]  # fmt: skip


@pytest.fixture(autouse=True)
def quick_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reveal, "POLL_INITIAL", 0.05)
    monkeypatch.setattr(reveal, "POLL_MAX", 0.1)


def _flat(value: Any) -> str:
    return "; ".join(value) if isinstance(value, list) else value or ""


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_hubspot_layout_renames_orders_and_adds_a_full_name(emulator: SandboxApp) -> None:
    plain = run_cli("search", "--sandbox", "--seniority", "CEO", "--limit", "5", "-f", "jsonl")
    laid = run_cli("search", "--sandbox", "--seniority", "CEO", "--limit", "5", "-f", "csv",
                   "--layout", "hubspot")  # fmt: skip
    assert laid.exit_code == 0, laid.stderr
    assert laid.stdout.splitlines()[0] == ",".join(HUBSPOT_PEOPLE)
    rows, originals = _csv(laid.stdout), plain.jsonl()
    assert len(rows) == len(originals) == 5
    for row, original in zip(rows, originals, strict=True):
        assert row["First Name"] == original["firstName"]
        assert row["Full Name"] == f"{original['firstName']} {original['lastName']}"
        assert row["Job Title"] == _flat(original["personTitle"])
        assert row["Company Name"] == _flat(original["organizationName"])
        # One company for the contact: the first of its domains ("a; b" is no domain to HubSpot).
        domains = original["companyDomain"]
        assert row["Company Domain Name"] == (domains[0] if isinstance(domains, list) else domains)
        assert row["LinkedIn URL"] == _flat(original["linkedinUrl"])
        assert row["Country/Region"] == _flat(original["personCountry"])
        assert row["Email"] == ""  # search records hold no address
    assert "draws on" not in laid.stderr  # no built-in spelling taken for a typo


def test_a_contact_with_several_company_domains_gets_one_for_the_crm(emulator: SandboxApp) -> None:
    # HubSpot, Salesforce and Pipedrive match a company by its domain: "a.io; b.io" is none.
    args = ["search", "--sandbox", "--title", "cto", "--limit", "3"]
    originals = run_cli(*args, "-f", "jsonl").jsonl()
    several = [o for o in originals if len(o["companyDomain"]) > 1]
    assert several, "the sandbox gives some companies two domains"
    for name, column in (("hubspot", "Company Domain Name"), ("salesforce", "Website"),
                         ("pipedrive", "Organization website")):  # fmt: skip
        rows = run_cli(*args, "-f", "jsonl", "--layout", name).jsonl()
        assert [row[column] for row in rows] == [o["companyDomain"][0] for o in originals]


def test_organisations_take_the_layouts_organisation_columns(emulator: SandboxApp) -> None:
    result = run_cli("orgs", "--sandbox", "--industry", "Computer Software", "--limit", "3",
                     "-f", "jsonl", "--layout", "salesforce")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = result.jsonl()
    assert list(rows[0]) == ["Account Name", "Website", "Industry", "Employees", "Annual Revenue",
                             "Billing City", "Billing State/Province", "Billing Country",
                             "LinkedIn URL"]  # fmt: skip
    assert {row["Industry"] for row in rows} == {"Computer Software"}
    assert "draws on" not in result.stderr


def test_phones_share_one_cell_joined_with_semicolons(emulator: SandboxApp) -> None:
    found = run_cli("search", "--sandbox", "--limit", "8", "-f", "jsonl").jsonl()
    ids = [row["personId"] for row in found if not sandbox_fails(row["personId"], "phone")]
    result = run_cli("reveal", "phone", "--sandbox", "-f", "jsonl", "--layout", "pipedrive",
                     "--fields", "all", *ids)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = result.jsonl()
    assert [row["personId"] for row in rows] == ids
    with_phones = [row for row in rows if row["phones"]]
    assert with_phones, "the sandbox has phones for some of these people"
    for row in rows:
        assert row["Phone"] == ("; ".join(row["phones"]) or None)
    assert "draws on" not in result.stderr
    layout = layouts.parse("t", {"people": {"Phone": ["phones", "phone"]}}, "people")
    assert layout.apply({"phones": ["+1 1", "+44 2"]})["Phone"] == "+1 1; +44 2"
    assert layout.apply({"phones": [], "phone": "+33 3"})["Phone"] == "+33 3"


def test_fields_still_take_the_original_names(emulator: SandboxApp) -> None:
    result = run_cli("search", "--sandbox", "--limit", "2", "-f", "csv", "--layout", "hubspot",
                     "--fields", "lastName,linkedinUrl,personId")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    # The layout's columns that draw on a chosen field (Full Name uses lastName), in the
    # layout's order, then the chosen fields it does not use, by their own names.
    assert result.stdout.splitlines()[0] == "Last Name,Full Name,LinkedIn URL,personId"
    typo = run_cli("search", "--sandbox", "--limit", "2", "--layout", "hubspot",
                   "--fields", "LastName")  # fmt: skip
    assert typo.exit_code == 2
    assert "did you mean 'lastName'" in typo.stderr


def test_a_users_own_layout_and_a_path(isolated: Path, emulator: SandboxApp) -> None:
    own = isolated / "config" / "layouts"
    own.mkdir(parents=True)
    (own / "mycrm.yaml").write_text(
        "join: ' | '\npeople:\n  Who: '{lastName}, {firstName}'\n  Where: "
        "'{personCity}, {personState}, {personCountry}'\n  Id: [missing, personId]\n"
    )
    result = run_cli("search", "--sandbox", "--limit", "3", "-f", "jsonl", "--layout", "mycrm",
                     "--fields", "all")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    for row in result.jsonl():
        assert row["Who"] == f"{row['lastName']}, {row['firstName']}"
        assert row["Id"] == row["personId"]
    by_path = run_cli("search", "--sandbox", "--limit", "1", "-f", "csv", "--layout",
                      str(own / "mycrm.yaml"))  # fmt: skip
    assert by_path.stdout.splitlines()[0] == "Who,Where,Id"


def test_a_misspelt_field_is_named_after_the_run(isolated: Path, emulator: SandboxApp) -> None:
    # A typo left its column silently empty (or a name half-written) in the CRM's import.
    (isolated / "typos.yaml").write_text(
        "people:\n  Name: '{firstName} {lastNme}'\n  Title: personTtle\n"
        "  Id: [missing, personId]\n  City: [personCiti, personCity]\n"
    )
    result = run_cli("search", "--sandbox", "--limit", "3", "-f", "csv", "--layout",
                     str(isolated / "typos.yaml"))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert len(_csv(result.stdout)) == 3
    assert [line for line in result.stderr.splitlines() if "--layout" in line] == [
        "warning: --layout typos: people: column 'Name' draws on 'lastNme', a field no record "
        "had; did you mean 'lastName'?",
        "warning: --layout typos: people: column 'Title' draws on 'personTtle', a field no "
        "record had; did you mean 'personTitle'?",
    ]  # Id and City read a field the records have: another spelling an answer may come in


def test_no_built_in_spelling_is_taken_for_a_typo() -> None:
    # The review found 'phone' (beside 'phones') and 'organisationCity' (beside
    # 'organisationId') named as typos in the built-in layouts' columns.
    for name in layouts.built_in_names():
        for kind, record in (("people", {"phones": [], "firstName": "A", "lastName": "B"}),
                             ("organisations", {"organisationId": "1", "organisationName": "A",
                                                "hqAddress": {"city": "Pune"}})):  # fmt: skip
            watch = layouts.Watch(layouts.load(name, kind))
            watch.apply(record)
            assert watch.misspelt() == [], (name, kind)
    typos = layouts.Watch(
        layouts.parse("t", {"people": {"Mail": "emial", "Ph": ["phoen"]}}, "people")
    )
    typos.apply({"email": "", "phone": "+1"})
    assert typos.misspelt() == [
        "--layout t: people: column 'Mail' draws on 'emial', a field no record had; did you mean "
        "'email'?",
        "--layout t: people: column 'Ph' draws on 'phoen', a field no record had; did you mean "
        "'phone'?",
    ]


@pytest.mark.parametrize("name", layouts.built_in_names())
def test_a_file_written_with_a_layout_reads_back_into_reveal(
    name: str, isolated: Path, emulator: SandboxApp
) -> None:
    # `reveal --input` found no person in a HubSpot export: it knew only personId,
    # linkedinUrl and firstName as column names.
    people = run_cli("search", "--sandbox", "--limit", "3", "-f", "jsonl").jsonl()
    path = isolated / f"{name}.csv"
    laid = run_cli("search", "--sandbox", "--limit", "3", "-o", str(path), "--layout", name)
    assert laid.exit_code == 0, laid.stderr
    emulator.log.clear()
    result = run_cli("reveal", "email", "--sandbox", "--input", str(path), "--no-wait")
    assert result.exit_code == 0, result.stderr
    # Sorted: the reveals go out concurrently, in no fixed order.
    assert sorted(body["linkedinUrl"] for body in sent(emulator, "email")) == sorted(
        person["linkedinUrl"] for person in people
    )


def test_any_spelling_of_an_identifying_column_is_read(isolated: Path) -> None:
    from clodura_cli.inputs import parse_rows

    rows, problems, _ = parse_rows(
        "Person ID,First Name,last_name,Company Domain Name\n42,A,B,c.io\n"
    )
    assert problems == []
    assert rows[0][1] == {"Person ID": "42", "First Name": "A", "last_name": "B",
                          "Company Domain Name": "c.io", "personId": "42", "firstName": "A",
                          "lastName": "B", "companyDomain": "c.io"}  # fmt: skip
    # Blank lines before the header: it was read as an empty header, and every row as extra.
    rows, problems, _ = parse_rows("\n\npersonId,firstName\n42,A\n")
    assert (rows, problems) == ([("line 4", {"personId": "42", "firstName": "A"})], [])
    # Beside a column of the field's own name too (the review found them read only without one).
    rows, _, _ = parse_rows("firstName,Last Name,Company Domain Name\nA,B,c.io\n")
    assert rows[0][1]["lastName"] == "B" and rows[0][1]["companyDomain"] == "c.io"


def test_a_users_own_layout_never_names_the_id_to_send(
    isolated: Path, emulator: SandboxApp
) -> None:
    # A CRM's own record id, in a column a user's layout happens to fill with personId, was
    # sent as the person's id (digits: not even a warning) instead of the LinkedIn URL.
    own = isolated / "config" / "layouts"
    own.mkdir(parents=True)
    (own / "mycrm.yaml").write_text("people:\n  ID: personId\n")
    url = "https://www.linkedin.com/in/ann-lee/"
    (isolated / "crm.csv").write_text(f"ID,First Name,Last Name,LinkedIn URL\n501,Ann,Lee,{url}\n")
    result = run_cli("reveal", "email", "--sandbox", "--input", str(isolated / "crm.csv"),
                     "--no-wait")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert [body.get("personId", body.get("linkedinUrl")) for body in sent(emulator, "email")] == [
        url
    ]


def test_an_empty_field_takes_its_separator_along() -> None:
    layout = layouts.parse("t", {"people": {"Where": "{city}, {state}, {country}"}}, "people")
    assert layout.apply({"city": "Pune", "state": "", "country": "India"})["Where"] == "Pune, India"
    assert layout.apply({"country": "India"})["Where"] == "India"
    assert layout.apply({})["Where"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layout", "hubsopt"], "--layout: 'hubsopt' is not a layout; did you mean 'hubspot'?"),
        (["--layout", "nowhere.yaml"], "--layout: 'nowhere.yaml': no such file"),
        (["--layout", "{bad}"], "use hubspot, pipedrive, salesforce, or a PATH.yaml"),
    ],
)
def test_a_bad_layout_is_refused_before_anything_is_sent(
    args: list[str], message: str, emulator: SandboxApp
) -> None:
    result = run_cli("search", "--sandbox", "--limit", "2", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert sent(emulator) == []


def test_a_layout_without_the_commands_kind_says_which_it_has(
    isolated: Path, emulator: SandboxApp
) -> None:
    result = run_cli("news", "--sandbox", "100001", "--since", "-30d", "--until", "today",
                     "--layout", "hubspot")  # fmt: skip
    assert result.exit_code == 2
    assert "--layout hubspot: it has no columns for articles (its sections: people, " in (
        result.stderr
    )
    assert sent(emulator, "news") == []
    broken = isolated / "broken.yaml"
    broken.write_text("people:\n  Email: [email\n")
    bad = run_cli("search", "--sandbox", "--limit", "1", "--layout", str(broken))
    assert bad.exit_code == 2
    assert (
        f"error: --layout broken: {broken}: invalid YAML at line 3, column 1: expected ',' or "
        "']', but got '<stream end>'\n"
    ) in bad.stderr
    assert len(bad.stderr.strip().splitlines()) <= 2  # the sandbox notice and the error


def test_append_checks_the_laid_out_header(isolated: Path, emulator: SandboxApp) -> None:
    target = isolated / "hubspot.csv"
    first = run_cli("search", "--sandbox", "--limit", "2", "--layout", "hubspot", "-o",
                    str(target))  # fmt: skip
    assert first.exit_code == 0, first.stderr
    more = run_cli("search", "--sandbox", "--limit", "2", "--page", "2", "--layout", "hubspot",
                   "-o", str(target), "--append")  # fmt: skip
    assert more.exit_code == 0, more.stderr
    lines = target.read_text().splitlines()
    assert lines[0] == ",".join(HUBSPOT_PEOPLE) and len(lines) == 5
    plain = run_cli("search", "--sandbox", "--limit", "2", "-o", str(target), "--append")
    assert plain.exit_code == 2
    assert "--append:" in plain.stderr and "lacks" in plain.stderr


def test_verify_and_enrich_write_laid_out_rows(emulator: SandboxApp) -> None:
    verify = run_cli("verify", "--sandbox", "ann@nowhere.invalid", "-f", "jsonl", "--layout",
                     "hubspot", "--fields", "email,verdict")  # fmt: skip
    assert verify.exit_code == 0, verify.stderr
    assert verify.jsonl() == [{"Email": "ann@nowhere.invalid",
                               "verdict": verify.jsonl()[0]["verdict"]}]  # fmt: skip
    assert verify.jsonl()[0]["verdict"]
    org = run_cli("orgs", "--sandbox", "--industry", "Computer Software", "--limit", "1",
                  "-f", "jsonl").jsonl()[0]  # fmt: skip
    enrich = run_cli("enrich", "org", "--sandbox", org["organisationId"], "-f", "jsonl",
                     "--layout", "hubspot")  # fmt: skip
    assert enrich.exit_code == 0, enrich.stderr
    (row,) = enrich.jsonl()
    assert list(row)[:2] == ["Company Name", "Company Domain Name"]
    assert (row["Company Name"], row["Company Domain Name"]) == (
        org["organisationName"],
        org["domain"],
    )


@pytest.mark.parametrize(
    ("name", "columns"),
    [("hubspot", ["City", "State/Region", "Country/Region"]),
     ("salesforce", ["Billing City", "Billing State/Province", "Billing Country"]),
     ("pipedrive", ["Address"])],
)  # fmt: skip
def test_an_enriched_organisations_address_fills_the_layouts_address(
    name: str, columns: list[str], emulator: SandboxApp
) -> None:
    # Enrich Company answers with hqAddress {city, state, country}: every built-in layout's
    # address columns came out empty for it.
    org = run_cli("orgs", "--sandbox", "--industry-keyword", "AI", "--limit", "1",
                  "-f", "jsonl").jsonl()[0]  # fmt: skip
    plain = run_cli("enrich", "org", "--sandbox", org["organisationId"], "-f", "jsonl").jsonl()[0]
    laid = run_cli("enrich", "org", "--sandbox", org["organisationId"], "-f", "jsonl",
                   "--layout", name).jsonl()[0]  # fmt: skip
    address = plain["hqAddress"]
    assert "organisationCity" not in plain and address["city"]
    parts = [address["city"], address["state"], address["country"]]
    assert [laid[column] for column in columns] == (
        parts if len(columns) > 1 else [", ".join(parts)]
    )


def test_a_dotted_name_reaches_into_an_object_and_a_bar_gives_alternatives() -> None:
    layout = layouts.parse("t", {"organisations": {
        "City": ["city", "hq.city"], "Where": "{city|hq.city}, {country|hq.country}",
        "Odd": "hq.city.name"}}, "organisations")  # fmt: skip
    nested = {"hq": {"city": "Pune", "country": "India"}}
    assert layout.apply(nested)["City"] == "Pune"
    assert layout.apply(nested)["Where"] == "Pune, India"
    assert layout.apply({"city": "Paris", **nested})["Where"] == "Paris, India"
    assert layout.apply(nested)["Odd"] is None  # a text is no object to reach into
    assert layout.apply({"hq.city": "flat"})["City"] == "flat"  # a field of the whole name wins
    assert layouts.field_of({"hq": "Pune"}, "hq.city") is None
    assert layouts.field_of({"d": ["a.io", "b.io"]}, "d.0") == "a.io"  # an item of a list
    assert layouts.field_of({"d": ["a.io"]}, "d.1") is None
    assert layouts.field_of({"d": "a.io"}, "d.0") is None  # a text has no items


def test_fields_all_puts_the_layouts_columns_first_in_every_format(emulator: SandboxApp) -> None:
    csv_run = run_cli("search", "--sandbox", "--limit", "2", "--layout", "hubspot", "--fields",
                      "all", "-f", "csv")  # fmt: skip
    jsonl_run = run_cli("search", "--sandbox", "--limit", "2", "--layout", "hubspot", "--fields",
                        "all", "-f", "jsonl")  # fmt: skip
    header = csv_run.stdout.splitlines()[0].split(",")
    assert header[: len(HUBSPOT_PEOPLE)] == HUBSPOT_PEOPLE
    assert header == list(jsonl_run.jsonl()[0])
    assert "personId" in header and "page" not in header


def test_a_yes_column_name_says_to_quote_it(tmp_path: Path, emulator: SandboxApp) -> None:
    layout = tmp_path / "bool.yaml"
    layout.write_text("people:\n  yes: email\n")
    result = run_cli("search", "--sandbox", "--limit", "1", "--layout", str(layout))
    assert result.exit_code == 2
    assert "a column named yes, no, on or off is read by YAML as true; quote the name" in (
        result.stderr
    )
    assert sent(emulator) == []


def test_the_readmes_layout_example_is_a_layout() -> None:
    import yaml

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("```yaml\njoin:") + len("```yaml\n")
    example = yaml.safe_load(readme[start : readme.index("```", start)])
    sections = [kind for kind in example if kind != "join"]
    assert sections == ["people", "organisations", "articles"]
    for kind in sections:
        assert layouts.parse("readme", example, kind).columns


def _revealed_through(folder: Path, source: str, target: str) -> tuple[Path, Path, Any]:
    """Three CTOs searched into a CRM file with the ``source`` layout, then revealed from it
    into another with the ``target`` layout: the two files and the reveal's run."""
    path, out = folder / "crm.csv", folder / "out.csv"
    assert run_cli("search", "--sandbox", "--title", "cto", "--limit", "3", "-o", str(path),
                   "--layout", source).exit_code == 0  # fmt: skip
    result = run_cli("reveal", "email", "--sandbox", "--input", str(path), "--layout", target,
                     "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return path, out, result


@pytest.mark.parametrize("name", layouts.built_in_names())
def test_a_crm_file_revealed_into_the_same_layout_keeps_its_columns(
    name: str, isolated: Path, emulator: SandboxApp
) -> None:
    # search -> CRM file -> reveal --input with the same layout: the columns the answers do not
    # fill (title, company, city) came out blank, and each was named as a typo of itself.
    path, out, result = _revealed_through(isolated, name, name)
    before = {
        row["Full Name" if "Full Name" in row else "Name"]: row for row in _csv(path.read_text())
    }
    after = _csv(out.read_text())
    assert len(after) == 3
    for row in after:
        kept = before[row["Full Name" if "Full Name" in row else "Name"]]
        assert {k: row[k] for k in kept if k not in ("Email",)} == {
            k: v for k, v in kept.items() if k != "Email"
        }
        assert row["Email"]  # and what was paid for is there
    assert "draws on" not in result.stderr


@pytest.mark.parametrize(
    ("source", "target"),
    [(a, b) for a in layouts.built_in_names() for b in layouts.built_in_names() if a != b],
)
def test_a_crm_file_revealed_into_another_layout_fills_its_columns(
    source: str, target: str, isolated: Path, emulator: SandboxApp
) -> None:
    # A HubSpot export revealed with --layout salesforce left Title, Company, State/Province and
    # Country empty: only the columns naming the person were read from HubSpot's names.
    people = run_cli("search", "--sandbox", "--title", "cto", "--limit", "3", "-f", "jsonl").jsonl()
    _, out, _ = _revealed_through(isolated, source, target)
    expected = layouts.load(target, "people")
    by_profile = {person["linkedinUrl"]: person for person in people}
    rows = _csv(out.read_text())
    assert len(rows) == 3
    for row in rows:
        person = by_profile[next(v for v in row.values() if v in by_profile)]
        # What the source layout wrote, drawn again as the target draws it (the email paid for).
        written = {k: v for k, v in person.items() if k in _written_by(source)}
        wanted = expected.apply({**written, "email": row["Email"]})
        for column in expected.columns:
            assert row[column.name] == _flat(wanted[column.name]), (column.name, row)
        filled = [c.name for c in expected.columns if c.template is None and "phones" not in
                  c.sources and c.sources[0].split(".")[0] in _written_by(source)]  # fmt: skip
        assert len(filled) >= 7 and all(row[name] for name in filled), (filled, row)


def _written_by(name: str) -> set[str]:
    """The fields a built-in layout's plain people columns draw on (a text such as Pipedrive's
    Location, "{personCity}, {personState}, {personCountry}", is not read back into fields)."""
    columns = layouts.load(name, "people").columns
    return {s.split(".")[0] for c in columns if c.template is None for s in c.sources}


def test_search_output_piped_with_a_layout_reaches_reveal(emulator: SandboxApp) -> None:
    # The pipe's default format (JSON Lines) kept the layout's column names: nobody to reveal.
    people = run_cli("search", "--sandbox", "--limit", "2", "-f", "jsonl").jsonl()
    laid = run_cli("search", "--sandbox", "--limit", "2", "-f", "jsonl", "--layout", "hubspot")
    emulator.log.clear()
    result = run_cli("reveal", "email", "--sandbox", "--input", "-", "--no-wait",
                     input=laid.stdout)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert sorted(b["linkedinUrl"] for b in sent(emulator, "email")) == sorted(
        p["linkedinUrl"] for p in people
    )


@pytest.mark.parametrize(
    ("text", "rows", "problems"),
    [
        ("Email\na@b.example\n", [], [
            "line 1: 'Email' reads as a column's name, not a person id; skipped (a CSV needs a "
            "header with personId, linkedinUrl or firstName)",
            "line 2: an email address is not a person id; skipped"]),
        ("personId;firstName\n42;A\n", [{"personId": "42", "firstName": "A"}], []),
        ("First Name,Last Name,Domain\nA,B,c.io\n",
         [{"First Name": "A", "Last Name": "B", "Domain": "c.io", "firstName": "A",
           "lastName": "B", "companyDomain": "c.io"}], []),
        ("3597524184265130552\n", [{"personId": "3597524184265130552"}], []),
        ("contact_id\n2158462248003261247\n", [{"personId": "2158462248003261247"}], [
            "line 1: 'contact_id' reads as a column's name, not a person id; skipped (a CSV "
            "needs a header with personId, linkedinUrl or firstName)"]),
        ('["kofi@x.example", "42"]', [{"personId": "42"}],
         ["item 1: an email address is not a person id; skipped"]),
        ("Contact\nBob\n", [{"personId": "Contact"}, {"personId": "Bob"}], []),
        ('"1001"\n\'1002\'\n"https://www.linkedin.com/in/ann-a"\n',
         [{"personId": "1001"}, {"personId": "1002"},
          {"linkedinUrl": "https://www.linkedin.com/in/ann-a"}], []),
        ('\u201c1001\u201d\n="1002"\n\'1003\n"1004\n1005"\n"""1006"""\n1007,\n',
         [{"personId": str(n)} for n in range(1001, 1008)], []),
    ],
    ids=["a column name and an email", "semicolons", "Domain", "one id", "a heading with an _",
         "an email in JSON", "no id below: no heading", "quoted ids: no heading, no quotes",
         "smart quotes, Excel's text forms, a quote left open, a comma"],
)  # fmt: skip
def test_what_reveal_input_never_takes_for_a_person_id(
    text: str, rows: list[dict[str, str]], problems: list[str]
) -> None:
    # A one-column file's heading and its email addresses were each sent as a paid reveal.
    from clodura_cli.inputs import parse_rows

    read, said, _ = parse_rows(text)
    assert ([record for _, record in read], said) == (rows, problems)


def test_a_suppression_list_of_bare_emails_and_words_is_still_read(tmp_path: Path) -> None:
    # The rules above are reveal's: a suppression list's bare lines are emails and domains.
    from clodura_cli import suppress

    path = tmp_path / "do-not-contact.txt"
    path.write_text("acme\nann@acme.io\nbob@beta.io\n")
    loaded = suppress.load([str(path)])
    assert loaded is not None
    assert (loaded.emails, loaded.domains) == ({"ann@acme.io", "bob@beta.io"}, set())
    assert loaded.ignored == 1  # 'acme' is no domain: counted, as before


def test_a_misspelt_name_inside_an_object_is_named_too() -> None:
    # `hqAdress.city` or `{hqAddress.cty}` left their columns empty without a word.
    layout = layouts.parse("t", {"organisations": {
        "City": ["organisationCity", "hqAdress.city"], "Where": "{hqAddress.cty}",
        "Right": "hqAddress.city"}}, "organisations")  # fmt: skip
    watch = layouts.Watch(layout)
    watch.apply({"organisationId": "1", "hqAddress": {"city": "Pune", "state": "MH"}})
    assert watch.misspelt() == [
        "--layout t: organisations: column 'City' draws on 'hqAdress.city', a field no record "
        "had; did you mean 'hqAddress.city'?",
        "--layout t: organisations: column 'Where' draws on 'hqAddress.cty', a field no record "
        "had; did you mean 'hqAddress.city'?",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [({"peeple": {"A": "firstName"}}, "--layout t: it has no columns for people (its sections: "
      "peeple; did you mean 'people' for 'peeple'?); add a section named people to t, or leave "
      "out --layout"),
     ({"people": {"A": "{ firstName }"}}, "--layout t: people: column 'A': '{ firstName }' holds "
      "a space; write fields as {firstName} or {city|hq.city}"),
     ({"people": {"A": "{a | b}"}}, "--layout t: people: column 'A': '{a | b}' holds a space; "
      "write fields as {firstName} or {city|hq.city}")],
    ids=["a misspelt section", "spaces in braces", "spaces around a bar"],
)  # fmt: skip
def test_a_layouts_slips_are_named_with_their_fix(data: dict[str, Any], message: str) -> None:
    from clodura_cli.api.errors import UsageError

    with pytest.raises(UsageError) as raised:
        layouts.parse("t", data, "people")
    assert raised.value.message == message


def test_a_reveal_that_found_nothing_never_shows_the_old_value() -> None:
    # The row read back held an old Email; the answer held none: the column showed the old
    # address beside emailStatus=not_found, as if the paid reveal had found it.
    layout = layouts.load("hubspot", "people")
    row = {"Email": "old@left.example", "Job Title": "CTO", "email": None, "personTitle": None}
    laid = layout.apply({**row, "emailStatus": "not_found"})
    assert laid["Email"] is None
    assert laid["Job Title"] is None  # its field is in the record, empty: the answer's word
    assert layout.apply({"Email": "old@left.example", "Job Title": "CTO"})["Job Title"] == "CTO"


def test_a_column_given_twice_in_a_layout_is_refused(isolated: Path, emulator: SandboxApp) -> None:
    """YAML kept the last of two `Email:` lines, silently: person ids filled the Email column
    (a spreadsheet user's trial)."""
    layout = isolated / "dup.yaml"
    layout.write_text("people:\n  Email: email\n  Email: personId\n")
    result = run_cli("search", "--sandbox", "--limit", "1", "-f", "csv", "--layout", str(layout))
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"error: --layout dup: {layout}: invalid YAML at line 3, column 3: 'Email' is given twice\n"
    )
    assert emulator.log == []


def test_a_section_written_as_a_list_says_what_it_must_be(isolated: Path) -> None:
    """It said the layout had no people section (its sections: none), which it has."""
    layout = isolated / "list.yaml"
    layout.write_text("people: [Email, firstName]\n")
    result = run_cli("search", "--sandbox", "--limit", "1", "-f", "csv", "--layout", str(layout))
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "error: --layout list: its people section must map each column to a field, one a line "
        "(Email: email), not be a list\n"
    )


def test_a_layout_carries_the_input_files_own_columns_and_what_enrich_paid_for(
    emulator: SandboxApp, tmp_path: Path
) -> None:
    """A CRM export through reveal --layout keeps its Owner column (and an earlier step's
    results); enrich person --layout keeps every field it paid for, not only the layout's."""
    leads = run_cli("search", "--sandbox", "--limit", "2", "--layout", "hubspot", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(leads.stdout)))
    for number, row in enumerate(rows):
        row["Owner"] = f"rep{number}"
    source = tmp_path / "crm.csv"
    with source.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    revealed = run_cli("reveal", "email", "--sandbox", "--input", str(source), "--layout",
                       "hubspot", "-f", "csv")  # fmt: skip
    assert revealed.exit_code in (0, 6), revealed.stderr
    back = list(csv.DictReader(io.StringIO(revealed.stdout)))
    assert [row["Owner"] for row in back] == ["rep0", "rep1"]
    chosen = run_cli("reveal", "email", "--sandbox", "--input", str(source), "--fields",
                     "Owner,email", "-f", "csv")  # fmt: skip
    assert chosen.exit_code in (0, 6), chosen.stderr
    assert (  # a CRM export written back without --layout: its Email column stays blank
        "--input has the hubspot layout's columns: the results go beside them under the API's "
        "field names; --layout hubspot writes them into its columns\n" in chosen.stderr
    )
    assert "layout's columns" not in revealed.stderr  # given --layout
    assert "not a known field" not in chosen.stderr  # the input's own column, filled
    assert [row["Owner"] for row in csv.DictReader(io.StringIO(chosen.stdout))] == ["rep0", "rep1"]
    assert list(back[0])[: len(layouts.load("hubspot", "people").columns)] == [
        column.name for column in layouts.load("hubspot", "people").columns
    ]
    url = rows[0]["LinkedIn URL"]
    verified = run_cli("verify", "--sandbox", "ann@pixelhealth.test", "--layout", "hubspot",
                       "-f", "csv")  # fmt: skip
    header = verified.stdout.splitlines()[0].split(",")
    assert len(header) == len(set(header)) and "verdict" in header  # each column once
    enriched = run_cli("enrich", "person", "--sandbox", "--linkedin-url", url, "--layout",
                       "hubspot", "-f", "jsonl")  # fmt: skip
    assert enriched.exit_code == 0, enriched.stderr
    (row,) = enriched.jsonl()
    assert {"seniority", "matchConfidence", "credits"} <= set(row)


def test_an_organisation_never_fills_a_persons_own_columns() -> None:
    """enrich org of a people file: the company page and switchboard go beside the person's
    own profile and phone, and the organisations layout takes the company's page."""
    from clodura_cli.vendor import org_row

    person = {
        "personId": "1",
        "firstName": "Ann",
        "linkedinUrl": "https://www.linkedin.com/in/ann/",
    }
    company = {"organisationId": "7", "linkedinUrl": "https://www.linkedin.com/company/acme/",
               "phone": "+1 512 555 0148", "industry": "Software"}  # fmt: skip
    row = org_row(person, company)
    assert (row["linkedinUrl"], row["organisationLinkedinUrl"]) == (
        person["linkedinUrl"], company["linkedinUrl"]
    )  # fmt: skip
    assert ("phone" in row, row["organisationPhone"]) == (False, company["phone"])
    for name in ("hubspot", "salesforce", "pipedrive"):
        for kind, present, absent in (("people", person["linkedinUrl"], company["phone"]),
                                      ("organisations", company["linkedinUrl"],
                                       person["linkedinUrl"])):  # fmt: skip
            layout = layouts.load(name, kind)
            laid = layout.apply(row)
            cells = [laid[column.name] for column in layout.columns]
            assert present in cells and absent not in cells, (name, kind, cells)


def test_sandbox_phones_asked_by_url_are_each_persons_own(emulator: SandboxApp) -> None:
    """A CRM trial saw one number for everyone asked by LinkedIn URL (layouts carry no id)."""
    found = run_cli("search", "--sandbox", "--limit", "40", "-f", "jsonl").jsonl()
    by_id = run_cli("reveal", "phone", "--sandbox", "-f", "jsonl",
                    *[r["personId"] for r in found]).jsonl()  # fmt: skip
    numbers = {r["personId"]: r.get("phones") for r in by_id if r.get("phones")}
    assert len(set(map(tuple, numbers.values()))) > 5
    urls = [arg for r in found if r["personId"] in numbers
            for arg in ("--linkedin-url", r["linkedinUrl"])]  # fmt: skip
    by_url = run_cli("reveal", "phone", "--sandbox", "-f", "jsonl", "--refresh", "--yes", *urls)
    assert by_url.exit_code in (0, 6), by_url.stderr
    assert {r["personId"]: r.get("phones") for r in by_url.jsonl()} == numbers


@pytest.mark.parametrize("name", layouts.built_in_names())
def test_a_crm_export_is_known_by_its_header(name: str) -> None:
    """Each built-in layout is recognised from its own header (any case, other columns beside
    it); a header sharing two columns with it is not a CRM export."""
    header = [column.name for column in layouts.load(name, "people").columns]
    found = layouts.built_in_matching([*map(str.upper, header), "Owner"], "people")
    assert found is not None and found.name == name
    assert layouts.built_in_matching([*header[:2], "personId", "Owner"], "people") is None


def test_fields_may_name_a_layouts_own_columns_without_a_warning(emulator: SandboxApp) -> None:
    """--layout hubspot --fields "Company Name" warned "not a known field; kept as an empty
    column", then filled it."""
    result = run_cli("search", "--sandbox", "--limit", "2", "--layout", "hubspot", "--fields",
                     "Company Name,Email", "-f", "csv")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "not a known field" not in result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["Company Name", "Email"] and all(r["Company Name"] for r in rows)


def test_a_reveal_with_a_layout_keeps_who_was_asked_and_what_it_cost(
    emulator: SandboxApp,
) -> None:
    """`reveal email ID --layout hubspot`: the person id asked by, the provider and the credits
    were left out (a layout has no column for them); `track --layout` likewise."""
    [person] = run_cli("search", "--sandbox", "--limit", "1", "-f", "jsonl").jsonl()
    plain = run_cli("reveal", "email", "--sandbox", person["personId"], "-f", "jsonl").jsonl()
    for args in (["reveal", "email", person["personId"]], ["track"]):
        laid = _csv(run_cli(*args, "--sandbox", "-f", "csv", "--layout", "hubspot").stdout)
        assert len(laid) == 1, args
        row = laid[0]
        assert row["personId"] == person["personId"], args
        assert row["credits"] == str(plain[0]["credits"]) and row["credits"], (args, row)
        assert "provider" in row and row["Email"] == plain[0]["email"], args
