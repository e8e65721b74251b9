"""Bad input is refused before anything is sent: exit 2 and one line naming field, value and fix."""

from __future__ import annotations

import json

import pytest
from fake import Answer, always, fake_server
from helpers import run_cli

from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.store.formats import names_text

# arguments -> fragments the one error line must contain
INVALID = [
    (["--page", "0"], ["--page", "0", "use 1 to 100"]),
    (["--page", "101"], ["--page", "101", "use 1 to 100"]),
    (["--per-page", "0"], ["--per-page", "0", "use 1 to 100"]),
    (["--per-page", "500"], ["--per-page", "500", "use 1 to 100"]),
    (["--employees", "51-201"], ["--employees", "'51-201'", "did you mean '51 - 200'", "10000+"]),
    (["--seniority", "Directer"], ["--seniority", "'Directer'", "did you mean 'Director'"]),
    (
        ["--email-status", "valid"],
        ["--email-status", "'valid'", "verified, unverified, unavailable"],
    ),
    (["--revenue", "2M"], ["--revenue", "'2M'", "did you mean '1M-10M'", "accepted: < 1M, 1M-10M"]),
    # A flag of one value given twice: the last one was searched, silently.
    (
        ["--first-name", "Ann", "--first-name", "Bo"],
        ["--first-name: given 2 times ('Ann', 'Bo'), but it takes one value: give it once"],
    ),
    (["--funded-from", "2024-01-01", "--funded-from", "-90d"], ["--funded-from: given 2 times"]),
    # A number means the band that holds it; "51" is no abbreviation of "501 - 1000".
    (["--employees", "51"], ["--employees", "'51'", "did you mean '51 - 200'?"]),
    (["--employees", "75"], ["--employees", "'75'", "did you mean '51 - 200'?"]),
    (["--employees", "1,500"], ["--employees", "'1,500'", "did you mean '1001 - 5000'?"]),
    (["--employees", "20000"], ["--employees", "'20000'", "did you mean '10000+'?"]),
    (["--revenue", "50M"], ["--revenue", "'50M'", "did you mean '11M-100M'?"]),
    (["--revenue", "10500000"], ["--revenue", "'10500000'", "did you mean '1M-10M'?"]),
    (["--revenue", "500k"], ["--revenue", "'500k'", "did you mean '< 1M'?"]),
    (["--revenue", "2B"], ["--revenue", "'2B'", "did you mean '1B+'?"]),
    (["--business-model", "Platform"], ["--business-model", "'Platform'", "Product, Services"]),
    (
        [arg for i in range(11) for arg in ("--domain", f"d{i}.com")],
        ["--domain", "11 domains", "at most 10"],
    ),
    (["--domain", "sales@acme.com"], ["--domain", "'sales@acme.com'", "use 'acme.com'"]),
    (["--domain", "acme"], ["--domain", "'acme'", "use a bare domain like acme.com"]),
    (
        ["--linkedin-url", "https://www.linkedin.com/sales/lead/ACwAA,NAME"],
        ["--linkedin-url", "Sales Navigator", "https://www.linkedin.com/in/<name>/"],
    ),
    (
        ["--linkedin-url", "https://example.com/in/ada"],
        ["--linkedin-url", "not a LinkedIn profile"],
    ),
    (["--funded-from", "2024-02-30"], ["--funded-from", "'2024-02-30'", "YYYY-MM-DD"]),
    (["--funded-to", "31/12/2024"], ["--funded-to", "'31/12/2024'", "YYYY-MM-DD"]),
    (
        ["--funded-from", "2024-06-01", "--funded-to", "2024-01-01"],
        ["--funded-to", "2024-01-01", "before --funded-from 2024-06-01"],
    ),
    (["--exclude-location"], ["--exclude-location", "needs a person location", "--city"]),
    (["--all-offices"], ["--all-offices", "needs a company location", "--company-city"]),
    (["--title", "  "], ["--title", "empty value"]),
    (["--limit", "0"], ["--limit", "0"]),
    (["--limit", "5", "--all"], ["--limit and --all"]),
    (["--format", "xml"], ["'xml' is not a format; use", names_text()]),
    (["--format", "xslx"], ["'xslx' is not a format; did you mean 'xlsx'?"]),
    (["--output", "leads.xls"], ["--output", "'leads.xls'", "did you mean leads.xlsx? or add"]),
    (["--output", "leads.foo"], ["--output", "'leads.foo'", ".xlsx); add --format"]),
    (["--fields", " , "], ["--fields"]),
]


@pytest.mark.parametrize(("args", "fragments"), INVALID, ids=lambda v: " ".join(v)[:50])
def test_invalid_input_exits_2_and_sends_nothing(
    emulator: SandboxApp, args: list[str], fragments: list[str]
) -> None:
    result = run_cli("search", "--sandbox", *args)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    error_lines = [line for line in result.stderr.splitlines() if "rror" in line]
    assert len(error_lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in error_lines[0]
    assert "Traceback" not in result.stderr
    assert emulator.log == []


@pytest.mark.parametrize(
    ("url", "fragment"),
    [("http://api.example.com", "plain http"), ("ftp://api.example.com", "not an http(s) URL")],
)
def test_a_base_url_that_would_leak_the_key_is_refused(
    monkeypatch: pytest.MonkeyPatch, url: str, fragment: str
) -> None:
    monkeypatch.setenv("CLODURA_API_KEY", "secret-key-1234")
    result = run_cli("search", "--base-url", url, "--seniority", "CEO")
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert "secret-key-1234" not in result.stderr


@pytest.mark.parametrize(
    ("flag", "text", "why"),
    [("--employees", "$50M", "it is an amount of money"),
     ("--employees", "USD 5M", "it is an amount of money"),
     ("--employees", "-5", "it is below zero"), ("--revenue", "-5M", "it is below zero"),
     # Not split at its thousands as if it were two values.
     ("--employees", "$1,500", "it is an amount of money"),
     ("--employees", "-5,000", "it is below zero")],
)  # fmt: skip
def test_a_number_no_band_can_hold_is_said_so_and_not_near_spelled(
    flag: str, text: str, why: str
) -> None:
    # '$50M' employees was offered 10000+, and '-5' was offered '51 - 200' as a near spelling.
    result = run_cli("search", flag, text, "--dry-run")
    assert result.exit_code == 2
    assert f"{flag}: '{text}' is not an accepted value ({why}); accepted: " in result.stderr
    assert "did you mean" not in result.stderr and result.stdout == ""


def test_a_non_number_page_is_a_usage_error() -> None:
    result = run_cli("search", "--page", "two")
    assert result.exit_code == 2
    assert "Invalid value for '--page'" in result.stderr
    assert "two" in result.stderr and "valid int" in result.stderr


def test_unknown_option_suggests_the_right_one() -> None:
    result = run_cli("search", "--seniorty", "CEO")
    assert result.exit_code == 2
    assert "--seniority" in result.stderr


def test_missing_key_exits_3_naming_both_ways() -> None:
    result = run_cli("search", "--seniority", "CEO")
    assert result.exit_code == 3
    assert "CLODURA_API_KEY" in result.stderr
    assert "--sandbox" in result.stderr
    assert result.stdout == ""


def test_dry_run_needs_no_key_and_sends_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    args = ("search", "--dry-run", "--seniority", "cxo", "--employees", "11-50", "--per-page", "50")
    result = run_cli(*args)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "method": "POST",
        "url": "https://api.clodura.ai/api/v1/search/people",
        "body": {
            "page": 1,
            "perPage": 50,
            "seniority": ["CXO"],
            "companyEmployeeSize": ["11 - 50"],
        },
        "worstCaseCredits": 50,
    }
    # The same dry run pointed at a server that would answer: it receives nothing.
    with fake_server(always(Answer(200, b'{"people": []}'))) as api:
        monkeypatch.setenv("CLODURA_BASE_URL", api.url)
        pointed = run_cli(*args)
    assert pointed.exit_code == 0, pointed.stderr
    assert json.loads(pointed.stdout)["url"] == f"{api.url}/api/v1/search/people"
    assert api.received == []


def test_dry_run_shows_the_pages_of_a_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLODURA_BASE_URL", "http://127.0.0.1:9/")
    result = run_cli("search", "--dry-run", "--limit", "250", "--title", "cto")
    assert result.exit_code == 0, result.stderr
    import json

    preview = json.loads(result.stdout)
    assert preview["url"] == "http://127.0.0.1:9/api/v1/search/people"
    assert preview["body"] == {"page": 1, "perPage": 100, "personTitle": ["cto"]}
    assert preview["pages"] == [
        {"page": 1, "perPage": 100},
        {"page": 2, "perPage": 100},
        {"page": 5, "perPage": 50},
    ]


@pytest.mark.parametrize(
    "given", ["https://acme.com/", "www.acme.com", "HTTPS://www.Acme.com/about"]
)
def test_a_website_address_is_read_as_its_domain_with_a_notice(given: str) -> None:
    result = run_cli("search", "--domain", given, "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["body"]["companyDomain"] == ["acme.com"]
    assert f"warning: --domain: {given!r} read as the domain 'acme.com'" in result.stderr


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("--senority", "--seniority"),
        ("--limt", "--limit"),
        ("--per_page", "--per-page"),
        ("--exact-title", "--exact-titles"),
        ("--hepl", "--help"),
        ("--zzzz", None),
    ],
)
def test_an_unknown_flag_names_the_one_it_most_likely_means(typed: str, meant: str | None) -> None:
    """click listed its close matches alphabetically: --senority got '--city, --memory,
    --seniority', --limt got --city first."""
    result = run_cli("search", typed, "CEO", "--dry-run")
    assert result.exit_code == 2
    guess = f"; did you mean {meant}?" if meant else ""
    assert result.stderr == (
        f"error: No such option: {typed}{guess} (see 'clodura search --help')\n"
    )
