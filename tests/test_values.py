"""Known values of the filters: countries by code or other name, industries warned about and
still sent, did-you-mean by abbreviation, no splitting on commas, and `clodura values`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from helpers import run_cli, sent
from hypothesis import given, settings
from hypothesis import strategies as st
from test_spreadsheets import sheet_cells

from clodura_cli.api import spec, vocabulary
from clodura_cli.api.filters import build_search_body
from clodura_cli.base import fuzzy
from clodura_cli.cli.exit_codes import ExitCode
from clodura_cli.sandbox import vocabulary as sandbox_words
from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.store.formats import FORMAT_NAMES, FORMATS, delimiter_of


def notice(flag: str, typed: str, name: str) -> str:
    return f"{flag}: {typed!r} read as {name!r}, the API's name"


# Countries ------------------------------------------------------------------------------------

COUNTRIES = [
    ("US", "United States"),
    ("USA", "United States"),
    ("U.S.", "United States"),
    ("u.s.a.", "United States"),
    ("United States of America", "United States"),
    ("UK", "United Kingdom"),
    ("GB", "United Kingdom"),
    ("GBR", "United Kingdom"),
    ("UAE", "United Arab Emirates"),
    ("AE", "United Arab Emirates"),
    ("South Korea", "Korea South"),
    ("Korea, Republic of", "Korea South"),
    ("KP", "Korea North"),
    ("Côte d'Ivoire", "Ivory Coast"),
    ("Réunion", "Reunion"),
    ("Hong Kong SAR", "Hong Kong S.A.R."),
    ("Türkiye", "Turkey"),
    ("The Netherlands", "Netherlands"),
    ("Hong Kong", "Hong Kong S.A.R."),
    ("in", "India"),
]


@pytest.mark.parametrize(("typed", "name"), COUNTRIES)
def test_a_country_code_or_other_name_is_sent_as_the_api_name(
    emulator: SandboxApp, typed: str, name: str
) -> None:
    result = run_cli("search", "--sandbox", "--country", typed, "--limit", "1", "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert sent(emulator) == [{"page": 1, "perPage": 1, "personCountry": [name]}]
    assert result.stderr.splitlines()[0] == notice("--country", typed, name)
    assert "warning" not in result.stderr


def test_us_and_usa_find_the_people_united_states_finds(emulator: SandboxApp) -> None:
    by_name = run_cli("search", "--sandbox", "--country", "United States", "--limit", "50")
    by_codes = run_cli(
        "search", "--sandbox", "--country", "US", "--country", "USA", "--limit", "50"
    )
    assert by_codes.exit_code == 0
    assert by_codes.stdout == by_name.stdout
    assert len(by_codes.jsonl()) == 50
    assert {r["personCountry"] for r in by_codes.jsonl()} == {"United States"}
    lines = by_codes.stderr.splitlines()
    assert lines[:2] == [
        notice("--country", "US", "United States"),
        notice("--country", "USA", "United States"),
    ]
    assert sent(emulator)[-1]["personCountry"] == ["United States"]  # once, not twice


def test_the_api_spelling_in_another_case_is_sent_without_a_notice(emulator: SandboxApp) -> None:
    result = run_cli("search", "--sandbox", "--country", "united  STATES", "--limit", "1")
    assert result.exit_code == 0
    assert sent(emulator)[0]["personCountry"] == ["United States"]
    assert "read as" not in result.stderr


def test_company_and_organisation_countries_take_codes_too(emulator: SandboxApp) -> None:
    people = run_cli("search", "--sandbox", "--company-country", "DE", "--limit", "1")
    orgs = run_cli("orgs", "--sandbox", "--country", "gbr", "--limit", "1")
    assert (people.exit_code, orgs.exit_code) == (0, 0)
    assert sent(emulator)[0]["companyCountry"] == ["Germany"]
    assert sent(emulator, "orgs")[0]["organisationCountry"] == ["United Kingdom"]
    assert notice("--company-country", "DE", "Germany") in people.stderr.splitlines()
    assert notice("--country", "gbr", "United Kingdom") in orgs.stderr.splitlines()


def test_quiet_hides_the_notice_not_the_conversion(emulator: SandboxApp) -> None:
    result = run_cli("search", "--sandbox", "-q", "--country", "UK", "--limit", "1")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert sent(emulator)[0]["personCountry"] == ["United Kingdom"]


def test_an_unknown_country_is_sent_as_given_with_a_warning(emulator: SandboxApp) -> None:
    result = run_cli("search", "--sandbox", "--country", "Atlantis", "--limit", "1")
    assert result.exit_code == 0
    assert sent(emulator)[0]["personCountry"] == ["Atlantis"]
    assert (
        "warning: --country: 'Atlantis' is not a known country; sending it as given; "
        "closest: 'Albania' (see: clodura values country Atlantis)"
    ) in result.stderr.splitlines()


def test_a_preset_saves_the_api_name(isolated: Path) -> None:
    saved = run_cli("preset", "save", "uk-ceos", "--country", "UK", "--seniority", "CEO")
    assert saved.exit_code == 0, saved.stderr
    assert saved.stderr.splitlines()[0] == notice("--country", "UK", "United Kingdom")
    shown = run_cli("preset", "show", "uk-ceos", "--resolve")
    assert json.loads(shown.stdout)["personCountry"] == ["United Kingdom"]


# Industries -----------------------------------------------------------------------------------


def test_an_industry_outside_the_list_is_sent_with_the_closest_names(emulator: SandboxApp) -> None:
    result = run_cli("search", "--sandbox", "--industry", "Software", "--limit", "5")
    assert result.exit_code == 0
    assert sent(emulator) == [{"page": 1, "perPage": 5, "industry": ["Software"]}]
    assert result.stderr.splitlines()[0] == (
        "warning: --industry: 'Software' is not a known industry; sending it as given; closest: "
        "'Software Development', 'Embedded Software Products', 'Data Security Software Products' "
        "(see: clodura values industry Software)"
    )


def test_an_older_industry_name_is_suggested_its_newer_name_and_still_found(
    emulator: SandboxApp,
) -> None:
    older = run_cli("search", "--sandbox", "--industry", "Computer Software", "--limit", "100")
    assert older.exit_code == 0
    assert sent(emulator)[0]["industry"] == ["Computer Software"]
    assert older.stderr.splitlines()[0] == (
        "warning: --industry: 'Computer Software' is not a known industry; sending it as given; "
        "did you mean 'Software Development'?"
    )
    assert len(older.jsonl()) == 100  # the sandbox, like the API, still holds the older name
    newer = run_cli("search", "--sandbox", "--industry", "software development", "--limit", "100")
    assert sent(emulator)[1]["industry"] == ["Software Development"]
    assert "warning" not in newer.stderr
    assert len(newer.jsonl()) == 100
    assert {r["personId"] for r in newer.jsonl()}.isdisjoint(r["personId"] for r in older.jsonl())


def test_an_industry_with_commas_is_one_value(emulator: SandboxApp) -> None:
    name = "Transportation, Logistics, Supply Chain and Storage"
    result = run_cli("search", "--sandbox", "--industry", name, "--limit", "3")
    assert result.exit_code == 0
    assert "warning" not in result.stderr
    assert sent(emulator)[0]["industry"] == [name]
    assert len(result.jsonl()) == 3


def test_an_unknown_value_with_commas_suggests_repeating_the_flag(emulator: SandboxApp) -> None:
    result = run_cli("search", "--sandbox", "--industry", "Software Development,Banking")
    assert result.exit_code == 0
    assert sent(emulator)[0]["industry"] == ["Software Development,Banking"]
    assert result.stderr.splitlines()[0] == (
        "warning: --industry: 'Software Development,Banking' is not a known industry; sending it "
        "as given; to give several, repeat the flag: --industry 'Software Development' "
        "--industry Banking"
    )


@pytest.mark.slow  # each unknown value is looked up against 433 industries: about 40 ms
@settings(max_examples=100, deadline=None)
@given(
    parts=st.lists(
        st.text(st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=20),
        min_size=2,
        max_size=4,
    )
)
def test_a_value_is_never_split_on_commas(parts: list[str]) -> None:
    text = ",".join(parts)
    if not text.strip():
        return
    for fld in (spec.FIELDS_BY_API[api] for api in ("industry", "personCountry", "personTitle")):
        known = vocabulary.for_field(fld)
        meant = known.exact(text.strip()) or known.other_name(text.strip()) if known else None
        request = build_search_body({fld.api: [text]})
        assert request.filters[fld.api] == [meant or text.strip()]


def test_function_and_funding_type_are_checked_against_the_apps_lists(
    emulator: SandboxApp,
) -> None:
    result = run_cli("search", "--sandbox", "--function", "Cyber Security",
                     "--funding-type", "seed", "--funding-type", "post-ipo debt")  # fmt: skip
    assert result.exit_code == 0
    body = sent(emulator)[0]
    assert body["functional"] == ["Cyber Security"]
    assert body["fundingType"] == ["Post-IPO Debt", "seed"]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning")]
    assert warnings == [
        "warning: --funding-type: 'seed' is not a known funding type; sending it as given; "
        "did you mean 'Seed Round'?"
    ]


# Closed lists ---------------------------------------------------------------------------------

REFUSED = [
    (
        ["--seniority", "VP"],
        "error: --seniority: 'VP' is not an accepted value; did you mean 'Vice President'? "
        "accepted: " + ", ".join(spec.SENIORITIES),
    ),
    (
        ["--seniority", "svp"],
        "error: --seniority: 'svp' is not an accepted value; did you mean 'Vice President'? "
        "accepted: " + ", ".join(spec.SENIORITIES),
    ),
    (
        ["--seniority", "Sr"],
        "error: --seniority: 'Sr' is not an accepted value; did you mean 'Senior'? "
        "accepted: " + ", ".join(spec.SENIORITIES),
    ),
    (
        ["--employees", "51-200,201-500"],
        "error: --employees: '51-200,201-500' is not an accepted value; to give several, repeat "
        "the flag: --employees 51-200 --employees 201-500; accepted: "
        + ", ".join(spec.EMPLOYEE_SIZES),
    ),
    (
        ["--seniority", "CEO, Founder"],
        "error: --seniority: 'CEO, Founder' is not an accepted value; to give several, repeat "
        "the flag: --seniority CEO --seniority Founder; accepted: " + ", ".join(spec.SENIORITIES),
    ),
]


@pytest.mark.parametrize(("args", "line"), REFUSED, ids=lambda v: " ".join(v)[:40])
def test_a_closed_list_refuses_with_what_was_meant_and_sends_nothing(
    emulator: SandboxApp, args: list[str], line: str
) -> None:
    result = run_cli("search", "--sandbox", *args)
    assert result.exit_code == ExitCode.USAGE == 2
    assert result.stdout == ""
    assert result.stderr == line + "\n"
    assert emulator.log == []


def test_a_preset_with_commas_is_told_to_make_a_list(isolated: Path) -> None:
    path = isolated / "bad.yaml"
    path.write_text("companyEmployeeSize: 51-200,201-500\n")
    result = run_cli("search", "--sandbox", "--filters", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {path}: companyEmployeeSize: '51-200,201-500' is not an accepted value; to give "
        "several, make each an item of a list: [51-200, 201-500]; accepted: "
        + ", ".join(spec.EMPLOYEE_SIZES)
        + "\n"
    )


# clodura values -------------------------------------------------------------------------------


def test_values_lists_the_industries_a_word_starts() -> None:
    result = run_cli("values", "industry", "software", "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert result.jsonl() == [
        {"value": "Software Development", "group": "Information Technology"},
        {"value": "Embedded Software Products", "group": "Information Technology"},
        {"value": "Data Security Software Products", "group": "Information Technology"},
        {"value": "Desktop Computing Software Products", "group": "Information Technology"},
        {"value": "Mobile Computing Software Products", "group": "Information Technology"},
        {"value": "IT System Custom Software Development", "group": "Information Technology"},
    ]
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("args", "first"),
    [
        (["seniority", "vp"], "Vice President"),
        (["seniority", "directer"], "Director"),
        (["country", "usa"], "United States"),
        (["country", "uk"], "United Kingdom"),
        (["industry", "computer software"], "Software Development"),
        (["industries", "semiconductors"], "Semiconductor Manufacturing"),
        (["function", "human resources"], "HR"),
        (["funding-type", "series a"], "Series A"),
        (["employees", "51-200"], "51 - 200"),
        (["companyEmployeeSize", "10000"], "10000+"),
        (["revenue", "1m - 10m"], "1M-10M"),
    ],
)
def test_values_finds_what_was_meant_first(args: list[str], first: str) -> None:
    result = run_cli("values", *args, "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert result.jsonl()[0]["value"] == first


def test_values_without_text_lists_every_value() -> None:
    countries = run_cli("values", "country", "-f", "jsonl").jsonl()
    assert len(countries) == 247
    assert countries[0] == {"value": "Afghanistan", "iso2": "AF", "iso3": "AFG", "region": "APAC"}
    assert [r["value"] for r in run_cli("values", "seniority").jsonl()] == list(spec.SENIORITIES)
    assert len(run_cli("values", "industry").jsonl()) == 433


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_values_writes_every_output_format(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"out.{fmt}"
    result = run_cli("values", "country", "u.s.", "-f", fmt, "-o", str(path))
    assert result.exit_code == 0, result.stderr
    rows = [["value", "iso2", "iso3", "region"], ["United States", "US", "USA", "North America"],
            ["Virgin Islands (US)", "VI", "VIR", "Other"]]  # fmt: skip
    if fmt == "xlsx":
        assert sheet_cells(path.read_bytes())[0] == rows
        return
    text = path.read_text(encoding="utf-8")
    if FORMATS[fmt].header:
        assert list(csv.reader(io.StringIO(text), delimiter=delimiter_of(fmt))) == rows
    elif fmt == "json":
        assert json.loads(text) == [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    elif fmt == "jsonl":
        assert [json.loads(line) for line in text.splitlines()] == [
            dict(zip(rows[0], row, strict=True)) for row in rows[1:]
        ]
    else:
        assert fmt == "table"
        lines = text.splitlines()
        assert [line.split("│")[1].strip() for line in lines if line.startswith("│")] == [
            "United States",
            "Virgin Islands (US)",
        ]
        assert "iso2" in lines[1] and "region" in lines[1]


def test_values_of_an_unknown_field_names_the_fields_it_knows() -> None:
    result = run_cli("values", "industri")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: values: 'industri' is not a filter with known values; did you mean 'industry'? "
        "use one of: seniority, function, email-status, country, employees, company-country, "
        "industry, revenue, business-model, funding-type\n"
    )


def test_values_matching_nothing_says_so_on_stderr() -> None:
    result = run_cli("values", "industry", "qqqzzz", "-f", "jsonl")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "no known industry matches 'qqqzzz'\n"


def test_values_help_has_examples_and_names_the_fields() -> None:
    result = run_cli("values", "--help")
    assert result.exit_code == 0
    assert "clodura values industry software" in result.stdout
    assert "funding-type" in result.stdout


# The lists themselves -------------------------------------------------------------------------


def test_every_suggestion_and_other_name_points_at_a_known_value() -> None:
    for name in vocabulary.SOURCES:
        known = vocabulary.load(name)
        assert set(known.same.values()) <= set(known.values), name
        for suggested in known.suggested.values():
            assert set(suggested) <= set(known.values), name
    for fld in spec.SEARCH_FIELDS:
        closed = vocabulary.for_field(fld) if fld.choices else None
        if closed is not None:
            for suggested in closed.suggested.values():
                assert set(suggested) <= set(fld.choices), fld.name


def test_no_other_name_of_a_country_is_the_name_of_another() -> None:
    countries = vocabulary.load("countries")
    names = {fuzzy.key(value): value for value in countries.values}
    for other, value in countries.same.items():
        assert names.get(other, value) == value, other
    assert countries.other_name("KP") == countries.other_name("PRK") == "Korea North"
    assert countries.other_name("FJ") == "Fiji"  # two rows share it; the first wins


def test_the_shipped_lists_are_trimmed_and_even() -> None:
    """The lists are read as written (no cell is trimmed at each start): every cell is trimmed
    and non-empty where it must be, every row as long as the header, no blank line inside."""
    folder = Path(vocabulary.__file__).parent / "lists"
    files = sorted(p for p in folder.iterdir() if p.suffix in (".tsv", ".txt"))
    assert {p.name for p in files} >= {"industries.tsv", "countries.tsv", "functions.txt"}
    for path in files:
        lines = path.read_bytes().decode("utf-8").split("\n")
        assert lines[-1] == "" and "" not in lines[:-1] and "\r" not in "".join(lines), path.name
        rows = [line.split("\t") for line in lines[:-1]]
        assert {len(row) for row in rows} == {len(rows[0])}, path.name
        for row in rows:
            assert all(cell == cell.strip() for cell in row), (path.name, row)
            assert row[0], (path.name, row)


def test_a_list_lists_its_value_first_then_its_file_s_other_columns() -> None:
    industries = vocabulary.load("industries")
    assert industries.columns == ("value", "group")
    assert {"value": "Museums", "group": "Art"} in industries.records
    assert industries.groups["Museums"] == "Art"
    countries = vocabulary.load("countries")
    assert countries.columns == ("value", "iso2", "iso3", "region")
    india = next(record for record in countries.records if record["value"] == "India")
    assert india == {"value": "India", "iso2": "IN", "iso3": "IND", "region": "APAC"}
    assert [r["value"] for r in countries.records] == list(countries.values)
    seniority = vocabulary.for_field(spec.FIELDS_BY_API["seniority"])
    assert seniority is not None and seniority.records[0] == {"value": spec.SENIORITIES[0]}


def test_the_sandbox_speaks_the_lists_but_for_declared_older_industries() -> None:
    industries = set(vocabulary.load("industries").values)
    older = {"Marketing and Advertising", "Internet", *sandbox_words.OLDER_INDUSTRY_NAMES.values()}
    sandbox = {name for name, _ in sandbox_words.INDUSTRIES} | older
    assert sandbox - industries == older
    countries = set(vocabulary.load("countries").values)
    assert {country for _, _, country in sandbox_words.CITIES} <= countries


FUZZY = [
    ("VP", spec.SENIORITIES, "Vice President", fuzzy.Tier.ACRONYM),
    ("Directer", spec.SENIORITIES, "Director", fuzzy.Tier.TYPO),
    ("exec", spec.SENIORITIES, "Executive", fuzzy.Tier.WORDS),
    ("entry", spec.SENIORITIES, "Entry Level", fuzzy.Tier.WORDS),
    ("food & beverage services", ("Food and Beverage Services",), "Food and Beverage Services",
     fuzzy.Tier.SPELLING),
    ("semiconductors", ("Semiconductor Manufacturing",), "Semiconductor Manufacturing",
     fuzzy.Tier.WORDS),
]  # fmt: skip


@pytest.mark.parametrize(("typed", "names", "meant", "tier"), FUZZY)
def test_fuzzy_ranks_what_was_meant_first(
    typed: str, names: tuple[str, ...], meant: str, tier: fuzzy.Tier
) -> None:
    assert fuzzy.ranked(typed, names)[0] == (meant, tier)


@pytest.mark.parametrize(
    ("text", "band"),
    [("0", "0 - 1"), ("50", "11 - 50"), ("51", "51 - 200"), ("9,999", "5001 - 10000"),
     ("10,000", "10000+"), ("999,999", "< 1M"), ("1000000", "1M-10M"), ("10M", "1M-10M"),
     ("10500000", "1M-10M"), ("11M", "11M-100M"), ("999M", "501M-1B"), ("1B", "1B+"),
     ("3b", "1B+"), ("1.5M", "1M-10M"), ("0.5M", "< 1M"), ("2,500,000", "1M-10M"),
     ("1,5M", None), ("12,34", None), ("1e6", None), ("$50M", "11M-100M"),
     ("USD 5M", "1M-10M"), ("US$2B", "1B+"), ("1 000", "501 - 1000"), ("1 0000", None),
     ("fifty", None), ("51 - 200", None), ("-5", None)],
)  # fmt: skip
def test_a_number_names_the_band_that_holds_it(text: str, band: str | None) -> None:
    # The bands end where the next begins: 1M-10M holds 10.5M, since 11M-100M starts at 11M;
    # where two bands meet (10000, 1B), the one that starts there, as it is spelled.
    found = [vocabulary.band_holding(text, values) for values in (spec.EMPLOYEE_SIZES,
                                                                  spec.REVENUES)]  # fmt: skip
    assert band in found if band else found == [None, None]


def test_digits_are_no_abbreviation() -> None:
    # "51" was offered "501 - 1000" and "5001 - 10000" first, as the initials of their words.
    assert fuzzy.ranked("51", ["501 - 1000", "5001 - 10000"]) == []
    assert fuzzy.ranked("VP", ["Vice President"]) == [("Vice President", fuzzy.Tier.ACRONYM)]


@pytest.mark.parametrize("text", ["-5", "$50M"])
def test_values_lists_no_band_for_a_number_none_can_hold(text: str) -> None:
    # -5 listed 51 - 200, 501 - 1000 and 5001 - 10000 as near spellings of it.
    result = run_cli("values", "employees", "--", text)
    assert (result.exit_code, result.stdout) == (0, "")
    assert f"no known headcount range matches {text!r}" in result.stderr


@pytest.mark.parametrize(("text", "band"), [("75", "51 - 200"), ("1,500", "1001 - 5000")])
def test_values_lists_the_band_a_number_falls_in(text: str, band: str) -> None:
    # 1,500 listed four bands, near spellings of it among them.
    result = run_cli("values", "employees", text)
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["value"] for line in result.stdout.splitlines()] == [band]


@pytest.mark.parametrize(
    ("a", "b", "edits"),
    [("emial", "email", 1), ("lastNme", "lastName", 1), ("kitten", "sitting", 3), ("", "ab", 2),
     ("ab", "ba", 1), ("ca", "abc", 3), ("organisationCity", "organisationId", 4)],
)  # fmt: skip
def test_edits_count_a_swap_of_neighbours_as_one(a: str, b: str, edits: int) -> None:
    assert fuzzy.edits(a, b) == fuzzy.edits(b, a) == edits


def test_values_finds_a_country_by_the_words_of_its_other_name() -> None:
    """`--country "Côte d'Ivoire"` is Ivory Coast, but `values country Côte` found nothing:
    only a whole other name was looked up, not the words it starts with."""
    for typed in ("Côte", "cote", "cote d"):
        result = run_cli("values", "country", typed)
        assert result.exit_code == 0, result.stderr
        assert [r["value"] for r in result.jsonl()] == ["Ivory Coast"], typed
    assert [r["value"] for r in run_cli("values", "country", "united").jsonl()][:2] == [
        "United Kingdom", "United States",
    ]  # fmt: skip
