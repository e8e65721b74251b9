"""Every search flag reaches the API as its documented body field, normalised."""

from __future__ import annotations

import pytest
from helpers import run_cli, sent

from clodura_cli.api import spec
from clodura_cli.sandbox.app import SandboxApp

# flag arguments -> (API field, the value the emulator must receive)
FLAG_CASES = [
    (["--page", "3"], "page", 3),
    (["--per-page", "7"], "perPage", 7),
    (["--person-id", "3597524184265130552"], "personId", "3597524184265130552"),
    (["--first-name", "Kapil"], "firstName", "Kapil"),
    (["--last-name", "Khangaonkar"], "lastName", "Khangaonkar"),
    (
        ["--linkedin-url", "linkedin.com/in/kapilkhangaonkar"],
        "linkedinUrl",
        "https://www.linkedin.com/in/kapilkhangaonkar/",
    ),
    (["--seniority", "ceo", "--seniority", "FOUNDER"], "seniority", ["CEO", "Founder"]),
    (["--seniority", "vice president"], "seniority", ["Vice President"]),
    (
        ["--title", "marketing manager", "--title", "sales rep"],
        "personTitle",
        ["marketing manager", "sales rep"],
    ),
    (["--similar-titles"], "includeSimilarTitles", True),
    (["--exact-titles"], "includeSimilarTitles", False),
    (["--function", "product management"], "functional", ["Product Management"]),
    (["--email-status", "Verified"], "contactEmailStatus", "verified"),
    (["--city", "Pune"], "personCity", ["Pune"]),
    (["--state", "Maharashtra"], "personState", ["Maharashtra"]),
    (["--country", "India"], "personCountry", ["India"]),
    (["--country", "India", "--exclude-location"], "personLocationExclude", True),
    (["--org-id", "2389402640191586304"], "organizationId", "2389402640191586304"),
    (["--org-name", "Clodura.AI"], "organizationName", "Clodura.AI"),
    (
        ["--domain", "Clodura.ai", "--domain", "acme.com"],
        "companyDomain",
        ["acme.com", "clodura.ai"],  # sorted: the same filters are the same request
    ),
    (
        ["--employees", "51-200", "--employees", "10000+"],
        "companyEmployeeSize",
        ["10000+", "51 - 200"],
    ),
    (["--company-country", "United States"], "companyCountry", ["United States"]),
    (["--company-state", "California"], "companyState", ["California"]),
    (["--company-city", "San Jose"], "companyCity", ["San Jose"]),
    (["--company-city", "San Jose", "--all-offices"], "includeAllOffice", True),
    (["--exclude-viewed"], "excludeViewedPeople", True),
    (["--industry", "Computer Software"], "industry", ["Computer Software"]),
    (["--industry-keyword", "FinTech"], "industryKeywords", ["FinTech"]),
    (["--revenue", "<1m", "--revenue", "1b+"], "revenue", ["1B+", "< 1M"]),
    (["--business-model", "services"], "businessModel", ["Services"]),
    (["--funding-type", "series a"], "fundingType", ["Series A"]),
    (["--funded-from", "2024-01-01"], "fundingFromDate", "2024-01-01"),
    (["--funded-to", "2024-12-31"], "fundingToDate", "2024-12-31"),
    (["--tech", "Salesforce"], "technologyParameters", ["Salesforce"]),
    (["--web-keyword", "CRM"], "webKeywords", ["CRM"]),
]


def test_the_cases_cover_every_field() -> None:
    assert {field for _, field, _ in FLAG_CASES} == {f.api for f in spec.SEARCH_FIELDS}


@pytest.mark.parametrize(("args", "field", "value"), FLAG_CASES, ids=lambda v: str(v)[:40])
def test_flag_reaches_its_body_field(
    emulator: SandboxApp, args: list[str], field: str, value: object
) -> None:
    result = run_cli("search", "--sandbox", "-f", "jsonl", *args)
    assert result.exit_code == 0, result.stderr
    [body] = sent(emulator)
    assert body[field] == value


def test_all_flags_together_send_exactly_this_body(emulator: SandboxApp) -> None:
    result = run_cli(
        "search", "--sandbox", "-f", "json",
        "--page", "2", "--per-page", "10", "--person-id", "42", "--first-name", "Ada",
        "--last-name", "Lovelace", "--linkedin-url", "https://www.linkedin.com/in/ada/",
        "--seniority", "ceo", "--title", "vp sales", "--exact-titles", "--function", "sales",
        "--email-status", "verified", "--exclude-viewed", "--city", "Pune", "--state", "MH",
        "--country", "India", "--exclude-location", "--company-country", "India",
        "--company-state", "MH", "--company-city", "Pune", "--all-offices", "--org-id", "7",
        "--org-name", "Acme", "--domain", "acme.com", "--employees", "51-200",
        "--industry", "Software", "--industry-keyword", "SaaS", "--revenue", "1m-10m",
        "--business-model", "product", "--funding-type", "Seed Round",
        "--funded-from", "2024-01-01", "--funded-to", "2024-12-31", "--tech", "AWS",
        "--web-keyword", "CRM",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "[]\n"
    assert "No results" in result.stderr
    assert sent(emulator) == [
        {
            "page": 2,
            "perPage": 10,
            "personId": "42",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "linkedinUrl": "https://www.linkedin.com/in/ada/",
            "seniority": ["CEO"],
            "personTitle": ["vp sales"],
            "includeSimilarTitles": False,
            "functional": ["Sales"],
            "contactEmailStatus": "verified",
            "excludeViewedPeople": True,
            "personCity": ["Pune"],
            "personState": ["MH"],
            "personCountry": ["India"],
            "personLocationExclude": True,
            "companyCountry": ["India"],
            "companyState": ["MH"],
            "companyCity": ["Pune"],
            "includeAllOffice": True,
            "organizationId": "7",
            "organizationName": "Acme",
            "companyDomain": ["acme.com"],
            "companyEmployeeSize": ["51 - 200"],
            "industry": ["Software"],
            "industryKeywords": ["SaaS"],
            "revenue": ["1M-10M"],
            "businessModel": ["Product"],
            "fundingType": ["Seed Round"],
            "fundingFromDate": "2024-01-01",
            "fundingToDate": "2024-12-31",
            "technologyParameters": ["AWS"],
            "webKeywords": ["CRM"],
        }
    ]


def test_fields_not_given_are_not_sent(emulator: SandboxApp) -> None:
    result = run_cli("search", "--sandbox", "-f", "jsonl", "--seniority", "CEO")
    assert result.exit_code == 0
    assert sent(emulator) == [{"page": 1, "perPage": 25, "seniority": ["CEO"]}]
    assert len(result.jsonl()) == 25


def test_unknown_value_of_an_open_list_is_sent_with_a_warning(emulator: SandboxApp) -> None:
    result = run_cli("search", "--sandbox", "-f", "jsonl", "--function", "Sorcery")
    assert result.exit_code == 0
    assert sent(emulator)[0]["functional"] == ["Sorcery"]
    assert (
        "warning: --function: 'Sorcery' is not a known function; sending it as given "
        "(see: clodura values function)\n"
    ) in result.stderr
