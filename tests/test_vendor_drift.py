"""verify, enrich person, enrich org and news in every dialect of the sandbox: whatever shape the
answer takes (API contract, Part B2), the output holds the same paid facts as in the documented
shape, credits are counted the same, and nothing is printed as an empty success (Part B4).

A matrix over the emulator's dialects (the expected values come from the emulator's own
decisions, which are the default dialect's answers), then answers no reader can understand:
kept raw, reported, never shown as a success; then single answers, one shape a reader once
misread a row.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli, wait_for

from clodura_cli import vendor as vendor_reader
from clodura_cli.listen import ListenOptions, running
from clodura_cli.sandbox import dialects, vendor
from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.sandbox.data import Company, build_dataset
from clodura_cli.sandbox.keys import WEBHOOK_SECRET
from clodura_cli.sandbox.reveal import sandbox_address
from clodura_cli.sandbox.runtime import in_process_app
from clodura_cli.store.ledger import Ledger
from clodura_cli.webhooks import Receiver

KEY = "sandbox-multi"
DATA = build_dataset()
ADD_ONS = ("technographics", "acquisitions", "funding")
WINDOW = ["--since", "2023-01-01", "--until", "2026-11-30"]


def _address(number: int) -> str:
    record, company = DATA.person(number).record, DATA.person(number).company
    return sandbox_address(record["firstName"], record["lastName"], company.domains[0])


def _people(count: int) -> list[int]:
    """People of companies whose mail server is not catch-all, each of another company."""
    found: list[int] = []
    companies: set[str] = set()
    for number in range(len(DATA.people)):
        company = DATA.person(number).company
        if company.id in companies or vendor.is_catch_all(company):
            continue
        if vendor.verdict(DATA, _address(number)) == vendor.DELIVERABLE:
            found.append(number)
            companies.add(company.id)
        if len(found) == count:
            return found
    raise AssertionError("the data set has too few people")


BY_URL, BY_EMAIL, BY_NAME, AT_COMPANY = _people(4)
CATCH_ALL = next(c for c in DATA.companies if vendor.is_catch_all(c))
RISKY = "who@" + CATCH_ALL.domains[0]
DELIVERABLE = _address(BY_EMAIL)
UNDELIVERABLE = "nobody@nowhere.invalid"
#: An organisation with every add-on, and one with news over more than one page.
RICH = next(c for c in DATA.companies
            if all(vendor.org_object(DATA, c, ADD_ONS)[name] for name in ADD_ONS))  # fmt: skip
BUSY = next(c for c in DATA.companies if 20 < len(vendor.archive(DATA, c)) < 40)
QUIET = next(c for c in DATA.companies if not vendor.archive(DATA, c))


@pytest.fixture(params=dialects.DIALECTS)
def sandbox(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> SandboxApp:
    """The in-process emulator `--sandbox` uses, answering in the dialect of the case."""
    monkeypatch.setenv("CLODURA_SANDBOX_DIALECT", request.param)
    monkeypatch.setenv("CLODURA_API_KEY", KEY)
    app = in_process_app(isolated / "data")
    assert app.dialect == request.param
    return app


def requests_to(app: SandboxApp, endpoint: str) -> int:
    return sum(1 for entry in app.log if entry["endpoint"] == endpoint)


def spent(stderr: str) -> str:
    """What the run says it spent."""
    (line,) = [ln for ln in stderr.splitlines() if "credits spent by this run" in ln]
    return line.split("credits spent by this run: ")[1].split(" ")[0]


def ledger() -> Ledger:
    from clodura_cli.store import config

    return Ledger(config.ledger_file())


# verify -------------------------------------------------------------------------------------


def test_verify_gives_the_verdict_of_each_address_asked(sandbox: SandboxApp) -> None:
    emails = [DELIVERABLE, UNDELIVERABLE, RISKY]
    result = run_cli("verify", "--sandbox", *emails, "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    rows = result.jsonl()
    assert [(r["email"], r["verdict"], r["state"], r["deep"], r["status"], r["credits"])
            for r in rows] == [
        (DELIVERABLE, "Deliverable", "Completed", False, "completed", 0.04),
        (UNDELIVERABLE, "Undeliverable", "Completed", False, "completed", 0.04),
        (RISKY, "Risky (Catch-all)", "Completed", False, "completed", 0.04),
    ]  # fmt: skip
    assert all(len(str(r["documentId"])) == 24 and r["verifiedAt"] for r in rows), rows
    assert spent(result.stderr) == "0.12"
    assert requests_to(sandbox, "verify") == 3


@pytest.fixture
def receiver(isolated: Path) -> Iterator[str]:
    """`clodura listen` in this process, checking the sandbox's signature: its URL."""
    with running(ListenOptions(port=0), Receiver(ledger(), WEBHOOK_SECRET)) as server:
        yield server.url


def test_a_queued_deep_verification_is_pending_then_delivered(
    sandbox: SandboxApp, receiver: str
) -> None:
    args = ["verify", "--sandbox", "--deep", "--webhook-url", receiver, RISKY, "-f", "jsonl"]
    queued = run_cli(*args)
    assert queued.exit_code == 0, queued.stderr
    (row,) = queued.jsonl()
    assert (row["verdict"], row["status"], row["deep"], row["credits"]) == (
        "Pending", "pending", True, 0.1,
    )  # fmt: skip
    assert len(str(row["documentId"])) == 24
    assert "1 verification(s) queued by the API" in queued.stderr

    def settled() -> Any:
        (item,) = ledger().items().listed("verify")
        return item if item.status == "completed" else None

    item = wait_for(settled, "the signed delivery of the verdict")
    assert item.result["verdict"] == vendor.deep_verdict(RISKY)
    assert item.document_id == row["documentId"]
    again = run_cli(*args)
    assert again.exit_code == 0, again.stderr
    (done,) = again.jsonl()
    assert (done["verdict"], done["status"], done["deep"], done["credits"]) == (
        vendor.deep_verdict(RISKY), "completed", True, 0.1,
    )  # fmt: skip
    assert "1 answered from the ledger" in again.stderr
    assert requests_to(sandbox, "verify") == 1


# enrich person ------------------------------------------------------------------------------


def test_enrich_person_gives_the_person_asked_or_says_what_matched(
    sandbox: SandboxApp, tmp_path: Path
) -> None:
    by_url, by_email, by_name = (DATA.person(n).record for n in (BY_URL, BY_EMAIL, BY_NAME))
    at_company = DATA.person(AT_COMPANY).company
    rows = [
        {"linkedinUrl": by_url["linkedinUrl"]},
        {"email": DELIVERABLE},
        {"firstName": by_name["firstName"], "lastName": by_name["lastName"],
         "organizationName": DATA.person(BY_NAME).company.name},
        {"email": "no.one.here@" + at_company.domains[0]},
        {"email": UNDELIVERABLE},
    ]  # fmt: skip
    source = tmp_path / "people.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = run_cli("enrich", "person", "--sandbox", "--input", str(source), "-f", "jsonl",
                     "--concurrency", "1")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    shown = [(r["matchConfidence"], r["status"], r["credits"], r["personId"], r["firstName"],
              r["lastName"], r["organisationId"]) for r in result.jsonl()]  # fmt: skip
    assert shown == [
        ("highest", "completed", 2, by_url["personId"], by_url["firstName"], by_url["lastName"],
         by_url["organizationId"]),
        ("medium", "completed", 2, by_email["personId"], by_email["firstName"],
         by_email["lastName"], by_email["organizationId"]),
        ("low", "completed", 2, by_name["personId"], by_name["firstName"], by_name["lastName"],
         by_name["organizationId"]),
        ("medium", "completed", 1, None, None, None, at_company.id),
        ("medium", "no_match", 0, None, None, None, None),
    ]  # fmt: skip
    emails = [r.get("email") for r in result.jsonl()]
    assert emails == [None, DELIVERABLE, None, rows[3]["email"], UNDELIVERABLE]
    titles = [r["personTitle"] for r in result.jsonl()[:3]]  # the first of the person's titles
    assert titles == [DATA.person(n).record["personTitle"][0] for n in (BY_URL, BY_EMAIL, BY_NAME)]
    assert spent(result.stderr) == "7"
    assert "organisation details only" in result.jsonl()[3]["message"]


# enrich org ---------------------------------------------------------------------------------


def _org_facts(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row.get(name) for name in ("organisationId", "organisationName", "domain",
                                            "linkedinUrl", *ADD_ONS))  # fmt: skip


def _expected_org(company: Company) -> tuple[Any, ...]:
    return _org_facts(vendor.org_object(DATA, company, ADD_ONS))


def test_enrich_org_gives_the_organisation_and_its_add_ons(sandbox: SandboxApp) -> None:
    plain = DATA.person(BY_URL).company
    result = run_cli("enrich", "org", "--sandbox", RICH.id, "--technographics", "--acquisitions",
                     "--funding", "-f", "jsonl", "--concurrency", "1")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    (row,) = result.jsonl()
    assert _org_facts(row) == _expected_org(RICH)
    assert (row["status"], row["credits"]) == ("completed", 4)
    by_url = run_cli("enrich", "org", "--sandbox", "--org-linkedin-url",
                     vendor.company_linkedin_url(plain), "-f", "jsonl")  # fmt: skip
    assert by_url.exit_code == 0, by_url.stderr
    (row,) = by_url.jsonl()
    assert _org_facts(row)[:4] == _expected_org(plain)[:4]
    assert (row["status"], row["credits"]) == ("completed", 1)
    nobody = run_cli("enrich", "org", "--sandbox", "1234", "-f", "jsonl")
    assert nobody.exit_code == 0, nobody.stderr
    (row,) = nobody.jsonl()
    assert (row["organisationId"], row.get("organisationName"), row["status"], row["credits"]) == (
        "1234", None, "no_match", 0,
    )  # fmt: skip
    assert [spent(r.stderr) for r in (result, by_url, nobody)] == ["4", "1", "0"]


# news ---------------------------------------------------------------------------------------

ARTICLE = ("organisationId", "articleId", "title", "url", "publishedAt", "category", "source",
           "summary")  # fmt: skip


@pytest.mark.parametrize("by", ["id", "url"])
def test_news_gives_every_article_with_its_organisation(sandbox: SandboxApp, by: str) -> None:
    org = [BUSY.id] if by == "id" else ["--org-linkedin-url", vendor.company_linkedin_url(BUSY)]
    result = run_cli("news", "--sandbox", *org, *WINDOW, "--all", "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    expected = [{"organisationId": BUSY.id, **a} for a in vendor.archive(DATA, BUSY)]
    assert [tuple(r.get(k) for k in ARTICLE) for r in result.jsonl()] == [
        tuple(a[k] for k in ARTICLE) for a in expected
    ]
    pages = math.ceil(len(expected) / vendor.NEWS_PER_PAGE)
    assert requests_to(sandbox, "news") == pages  # no page asked twice, none past the last
    assert spent(result.stderr) == str(2 * pages)


def test_no_news_is_an_empty_page_that_still_costs_its_request(sandbox: SandboxApp) -> None:
    result = run_cli("news", "--sandbox", QUIET.id, *WINDOW, "--all", "-f", "jsonl")
    assert (result.exit_code, result.stdout) == (0, "")
    assert spent(result.stderr) == "2"
    (item,) = ledger().items().listed("news")
    assert (item.status, item.result["organisationId"], item.result["articles"]) == (
        "completed", QUIET.id, [],
    )  # fmt: skip


# Answers nobody can read ---------------------------------------------------------------------

UNREADABLE = [{"status": "success", "data": {"ref": "r-1"}}, {"status": "COMPLETED"},
              {"success": True, "data": {"items": 0, "done": True}}]  # fmt: skip
COMMANDS = {
    "verify": ["verify", DELIVERABLE],
    "enrich-person": ["enrich", "person", "--email", DELIVERABLE],
    "enrich-org": ["enrich", "org", RICH.id, "--funding"],
    "news": ["news", BUSY.id, *WINDOW],
}
#: How each command names what it buys.
NOUNS = {"verify": "verification", "enrich-person": "enrichment", "enrich-org": "enrichment",
         "news": "news request"}  # fmt: skip
#: What a row would hold if the answer had been taken for a success.
PAID = {"verify": ("verdict", "state", "documentId"),
        "enrich-person": ("personId", "firstName", "organisationId", "organisationName"),
        "enrich-org": ("organisationName", "domain", "funding"),
        "news": ("articleId", "title")}  # fmt: skip


@pytest.mark.parametrize("shape", UNREADABLE, ids=json.dumps)
@pytest.mark.parametrize("endpoint", list(COMMANDS))
def test_an_unreadable_answer_is_kept_raw_and_reported_not_shown_as_success(
    monkeypatch: pytest.MonkeyPatch, isolated: Path, endpoint: str, shape: dict[str, Any]
) -> None:
    monkeypatch.setenv("CLODURA_API_KEY", KEY)
    monkeypatch.setattr(dialects, "vendor_answer", lambda dialect, name, payload: shape)
    app = in_process_app(isolated / "data")
    command = [*COMMANDS[endpoint], "--sandbox", "-f", "jsonl"]
    result = run_cli(*command)
    assert result.exit_code == 7, result.stderr
    assert "answer not understood" in result.stderr
    (item,) = ledger().items().listed(endpoint)
    paid_for = {e.name: e for e in (vendor_reader.VERIFY, vendor_reader.ENRICH_PERSON,
                                    vendor_reader.ENRICH_ORG, vendor_reader.NEWS)}  # fmt: skip
    most = paid_for[endpoint].worst(item.body)
    assert most > 0
    assert (f"credits spent by this run: 0 (from the answers and prices); 1 {NOUNS[endpoint]}(s) "
            f"whose answer did not say (not understood, or none came) may have cost up to "
            f"{most:g} more") in result.stderr  # fmt: skip
    for row in result.jsonl():
        assert row["status"] == "unread"
        assert all(row.get(name) in (None, []) for name in PAID[endpoint]), row
    if endpoint == "news":
        assert result.jsonl() == []  # no article rows made up
    (item,) = ledger().items().listed(endpoint)
    assert (item.status, json.loads(item.answer)) == ("unread", shape)
    again = run_cli(*command)
    assert again.exit_code == 7
    assert requests_to(app, endpoint) == 1  # kept, not paid for again without --refresh


# Single answers: one shape a reader once misread, and what it must make of it ----------------

E, OTHER = "ann@acme.example", "bob@acme.example"
ASK = {"email": E, "deepVerification": False}
VERIFICATIONS: list[tuple[str, int, Any, tuple[Any, ...]]] = [
    ("status before the verdict", 200,
     {"id": "D1", "status": "COMPLETED", "email": E, "verdict": "DELIVERABLE"},
     ("completed", "Deliverable", "Completed", "D1")),
    ("the verdict in a results list, the id and state around it", 200,
     {"documentId": "D2", "state": "COMPLETED", "results": [{"email": E, "verdict": "RISKY"}]},
     ("completed", "Risky (Catch-all)", "Completed", "D2")),
    ("a 202 with an empty results list", 202,
     {"documentId": "D3", "email": E, "state": "IN-PROGRESS", "results": []},
     ("pending", "Pending", "In-progress", "D3")),
    ("JSend, a requestId, the verdict under a key nobody documented", 200,
     {"status": "success", "data": {"requestId": "D4", "status": "completed", "result": {
         "email_address": E, "deliverability": "catch_all"}}},
     ("completed", "Risky (Catch-all)", "Completed", "D4")),
    ("a list of verifications: the one asked", 200,
     [{"email": OTHER, "verdict": "Undeliverable"}, {"email": E, "verdict": "Deliverable"}],
     ("completed", "Deliverable", None, None)),
    ("snake_case words", 200,
     {"success": True, "data": {"document_id": "D5", "state": "success",
                                "verdict": "risky_catch_all"}},
     ("completed", "Risky (Catch-all)", "Completed", "D5")),
    ("only another address", 200, {"email": OTHER, "verdict": "Deliverable"},
     ("unread", None, None, None)),
    ("a done word without a verdict", 200, {"status": "success", "data": {"state": "done"}},
     ("unread", None, None, None)),
]  # fmt: skip


@pytest.mark.parametrize(("status", "payload", "expected"), [case[1:] for case in VERIFICATIONS],
                         ids=[case[0] for case in VERIFICATIONS])  # fmt: skip
def test_a_verification_is_read_wherever_the_answer_holds_it(
    status: int, payload: Any, expected: tuple[Any, ...]
) -> None:
    from clodura_cli.vendor import read_verification, verification_document

    reading = read_verification(status, payload, ASK)
    result = reading.result or {}
    assert (reading.status, result.get("verdict"), result.get("state"),
            result.get("documentId")) == expected  # fmt: skip
    if reading.status == "unread":
        assert reading.result is None and "answer not understood" in str(reading.message)
    else:
        assert reading.credits == 0.04
        assert verification_document(payload) == expected[3]


PERSON = {"personId": "42", "firstName": "Ann", "lastName": "Lee",
          "linkedinUrl": "https://www.linkedin.com/in/ann-lee/"}  # fmt: skip
ORG = {"organizationId": "7", "organizationName": "Acme", "domain": "acme.example"}
PEOPLE: list[tuple[str, Any, tuple[Any, ...]]] = [
    ("a person and an organization side by side (not organisation details only)",
     {"status": "success", "data": {"person": PERSON, "organization": ORG, "credits": 2}},
     ("completed", 2.0, None, "42", "Ann", "7")),
    ("a flat answer with the id as id",
     {"status": "COMPLETED", "id": "42", "firstName": "Ann", "lastName": "Lee",
      "organisation": {"id": "7", "organisationName": "Acme"}, "creditsUsed": 2},
     ("completed", 2.0, None, "42", "Ann", "7")),
    ("a NOT_FOUND word is no match", {"status": "NOT_FOUND", "creditsUsed": 0},
     ("no_match", 0.0, "no match", None, None, None)),
    ("a nested person asked by another LinkedIn URL",
     {"data": {"person": {**PERSON, "linkedinUrl": "https://www.linkedin.com/in/bob/"}}},
     ("unread", None, None, None, None, None)),
    ("a done word and nothing else", {"status": "COMPLETED", "creditsUsed": 2},
     ("unread", None, None, None, None, None)),
]  # fmt: skip


@pytest.mark.parametrize(("payload", "expected"), [case[1:] for case in PEOPLE],
                         ids=[case[0] for case in PEOPLE])  # fmt: skip
def test_a_person_is_read_wherever_the_answer_holds_them(
    payload: Any, expected: tuple[Any, ...]
) -> None:
    from clodura_cli.vendor import person_row, read_person

    reading = read_person(200, payload, {"linkedinUrl": PERSON["linkedinUrl"]})
    row = person_row({}, reading.result)
    message = reading.message if reading.status != "unread" else None
    assert (reading.status, reading.credits, message, row["personId"], row["firstName"],
            row["organisationId"]) == expected  # fmt: skip


COMPANIES: list[tuple[str, Any, dict[str, Any], tuple[Any, ...]]] = [
    ("the organization inside a JSend envelope",
     {"status": "success", "data": {"organization": {**ORG, "funding": []}, "credits": 2}},
     {"organisationId": "7", "includeFunding": True},
     ("completed", 2.0, "7", "Acme", [])),
    ("snake_case fields", {"success": True, "data": {"organisation_id": "7",
                                                     "organisation_name": "Acme"}},
     {"organisationId": "7"}, ("completed", 1.0, "7", "Acme", None)),
    ("a flat answer with the id as id", {"status": "COMPLETED", "id": "7", "organisationName":
                                         "Acme", "creditsUsed": 1},
     {"orgLinkedinUrl": "https://www.linkedin.com/company/acme/"},
     ("completed", 1.0, "7", "Acme", None)),
    ("a flat answer about another organisation", {"id": "8", "organisationName": "Other"},
     {"organisationId": "7"}, ("unread", None, None, None, None)),
    ("a NOT_FOUND word is not found", {"status": "NOT_FOUND", "creditsUsed": 0},
     {"organisationId": "7"}, ("no_match", 0.0, None, None, None)),
]  # fmt: skip


@pytest.mark.parametrize(("payload", "body", "expected"), [case[1:] for case in COMPANIES],
                         ids=[case[0] for case in COMPANIES])  # fmt: skip
def test_an_organisation_is_read_wherever_the_answer_holds_it(
    payload: Any, body: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    from clodura_cli.vendor import org_row, read_org

    reading = read_org(200, payload, body)
    row = org_row({}, reading.result)
    assert (reading.status, reading.credits, row.get("organisationId"),
            row.get("organisationName"), row.get("funding")) == expected  # fmt: skip


A1 = {"id": "a1", "title": "Acme raises $5M", "published_at": "2026-01-02"}
NEWS_ANSWERS: list[tuple[str, Any, tuple[Any, ...]]] = [
    ("pages and organisation inside data (no extra page bought by --all)",
     {"success": True, "data": {"organisation_id": "7", "total_pages": 3, "articles": [A1]}},
     ("completed", 3, "7", [("7", "a1", "2026-01-02")])),
    ("JSend: news, pagination and organization apart",
     {"status": "success", "data": {"organization": {"organizationId": "7"}, "news": [A1],
                                    "pagination": {"page": 1, "total_pages": 1}}},
     ("completed", 1, "7", [("7", "a1", "2026-01-02")])),
    ("the news of another organisation, nested",
     {"data": {"organization": {"organizationId": "8"}, "news": [A1]}},
     ("unread", None, None, [])),
    ("a true is not a number of pages", {"articles": [], "totalPages": True},
     ("completed", None, "7", [])),
]  # fmt: skip


@pytest.mark.parametrize(("payload", "expected"), [case[1:] for case in NEWS_ANSWERS],
                         ids=[case[0] for case in NEWS_ANSWERS])  # fmt: skip
def test_news_is_read_wherever_the_answer_holds_it(payload: Any, expected: tuple[Any, ...]) -> None:
    from clodura_cli.vendor import news_rows, read_news

    reading = read_news(200, payload, {"organisationId": "7"})
    result = reading.result or {}
    rows = [(r["organisationId"], r.get("articleId"), r.get("publishedAt"))
            for r in news_rows(reading.result)]  # fmt: skip
    assert (reading.status, result.get("totalPages"), result.get("organisationId"), rows) == (
        expected
    )


# Answers about someone else: by value, wherever the answer says who it is about -------------

ANN_URL = "https://www.linkedin.com/in/ann-lee-1a2b3c/"
ACME_PAGE = "https://www.linkedin.com/company/acme/"
OTHER_PAGE = "https://www.linkedin.com/company/other-inc/"
BOB = {"personId": "222", "firstName": "Bob", "lastName": "Smith"}
BY_NAME_AT_ACME = {"firstName": "Ann", "lastName": "Lee", "organisationName": "Acme"}
SOMEONE_ELSE: list[tuple[str, str, dict[str, Any], Any, str]] = [
    ("another name at another company", "person", BY_NAME_AT_ACME,
     {"data": {**BOB, "organisation": {"organisationId": "88", "organisationName": "Other"}}},
     "unread: it names Bob Smith, not Ann Lee"),
    ("the name spelt otherwise, the company with its suffix", "person", BY_NAME_AT_ACME,
     {"data": {"personId": "42", "firstName": "Anne", "lastName": "LEE",
               "organisation": {"organisationName": "ACME Corp."}}}, "completed"),
    ("the right name at another company", "person", BY_NAME_AT_ACME,
     {"data": {"personId": "42", "firstName": "Ann", "lastName": "Lee",
               "organisation": {"organisationName": "Other Inc"}}},
     "unread: it names the company Other Inc, not Acme"),
    ("asked by email, another one nested", "person", {"email": "ann@acme.com"},
     {"data": {**BOB, "contact": {"email": "bob@other.com"}}},
     "unread: it names bob@other.com, not ann@acme.com"),
    ("asked by email, another one in a list", "person", {"email": "ann@acme.com"},
     {"data": {**BOB, "emails": ["bob@other.com"]}}, "unread: it names bob@other.com"),
    ("asked by email, found among several", "person", {"email": "ann@acme.com"},
     {"data": {"personId": "42", "emails": ["a.lee@mail.example", "ANN@acme.com"],
               "organisation": {"email": "info@acme.com"}}}, "completed"),
    ("asked by LinkedIn, another profile under another key", "person", {"linkedinUrl": ANN_URL},
     {"data": {**BOB, "linkedin_profile_url": "https://www.linkedin.com/in/bob-smith-9z9z9z/"}},
     "unread: it names https://www.linkedin.com/in/bob-smith-9z9z9z/"),
    ("asked with a locale suffix, named without it", "person",
     {"linkedinUrl": ANN_URL + "en/"}, {"data": {"personId": "42", "linkedinUrl": ANN_URL}},
     "completed"),
    ("organisation details only, of another company", "person",
     {"firstName": "Ann", "lastName": "Lee", "orgLinkedinUrl": ACME_PAGE},
     {"organisation": {"organisationName": "Other Inc", "linkedinUrl": OTHER_PAGE}},
     f"unread: it names the company {OTHER_PAGE}, not {ACME_PAGE}"),
    ("an organisation asked by its page, another answered", "org", {"orgLinkedinUrl": ACME_PAGE},
     {"data": {"organisationId": "88", "organisationName": "Other Inc",
               "linkedinUrl": OTHER_PAGE}}, f"unread: it names the company {OTHER_PAGE}"),
    ("an organisation and the pages of what it bought", "org", {"orgLinkedinUrl": ACME_PAGE},
     {"organisationId": "7", "linkedinUrl": "https://linkedin.com/company/ACME",
      "acquisitions": [{"name": "Other", "linkedinUrl": OTHER_PAGE}]}, "completed"),
    ("news asked by page, another company's", "news", {"orgLinkedinUrl": ACME_PAGE},
     {"organisationId": "88", "orgLinkedinUrl": OTHER_PAGE, "articles": [{"title": "H"}]},
     f"unread: it names the company {OTHER_PAGE}"),
    ("an article of another organisation", "news", {"organisationId": "77"},
     {"data": [{"title": "H", "organisationId": "88"}]},
     "unread: it holds an article of 88, not of 77"),
    ("a verification echoing another input", "verify", ASK,
     {"input": {"email": OTHER}, "result": {"verdict": "Deliverable"}},
     f"unread: it verifies {OTHER}, not {E}"),
    ("a verification to another address", "verify", ASK,
     {"data": {"to": OTHER, "status": "valid", "result": "Deliverable"}},
     f"unread: it verifies {OTHER}"),
    # A review's cases: spellings of the right one, refused by a first version.
    ("a last name with a credential or a second name", "person", BY_NAME_AT_ACME,
     {"data": [{"personId": "42", "firstName": "Ann", "lastName": "Lee, CPA"}]}, "completed"),
    ("Mueller asked as Müller", "person",
     {"firstName": "Tom", "lastName": "Müller", "organisationName": "Acme"},
     {"personId": "42", "firstName": "Tom", "lastName": "Mueller"}, "completed"),
    ("Johnson and Johnson asked as Johnson & Johnson", "person",
     {**BY_NAME_AT_ACME, "organisationName": "Johnson & Johnson"},
     {"personId": "42", "lastName": "Lee-Park",
      "organisation": {"organisationName": "Johnson and Johnson"}}, "completed"),
    ("a company page asked by its number, named by its name", "org",
     {"orgLinkedinUrl": "https://www.linkedin.com/company/1035/"},
     {"organisationId": "1", "linkedinUrl": "https://www.linkedin.com/company/microsoft/"},
     "completed"),
    ("the address in a list of objects, a personal one beside it", "person",
     {"email": "ann@acme.com"},
     {"personId": "42", "emails": [{"email": "ann@acme.com"}], "personalEmail": "a@mail.example"},
     "completed"),
    ("asked by email, another's employer only", "person", {"email": "ann@acme.com"},
     {"email": "bob@other.com", "organisation": {"organisationName": "Other Corp"}},
     "unread: it names bob@other.com, not ann@acme.com"),
    ("a verification of the address in its ASCII form", "verify",
     {"email": "ann@bücher.example", "deepVerification": False},
     {"email": "ann@xn--bcher-kva.example", "verdict": "Deliverable"}, "completed"),
    # A second review: last names and companies one inside the other are two.
    ("Williams for Li", "person", {**BY_NAME_AT_ACME, "lastName": "Li"},
     {"personId": "9", "firstName": "Robert", "lastName": "Williams"},
     "unread: it names Robert Williams, not Ann Li"),
    ("Goldsmith for Smith", "person", {**BY_NAME_AT_ACME, "lastName": "Smith"},
     {"personId": "9", "firstName": "Bob", "lastName": "Goldsmith"}, "unread: it names Bob"),
    ("Pineapple Studios for Apple", "person", {**BY_NAME_AT_ACME, "organisationName": "Apple"},
     {"personId": "9", "lastName": "Lee", "organisation": {"organisationName": "Pineapple Studios"}},
     "unread: it names the company Pineapple Studios, not Apple"),
    ("another named page beside a numeric one", "org", {"orgLinkedinUrl": ACME_PAGE},
     {"organisationId": "5", "linkedinUrl": "https://www.linkedin.com/company/globex/",
      "pageUrl": "https://www.linkedin.com/company/1035/"},
     "unread: it names the company https://www.linkedin.com/company/globex/"),
    # A third review: ASCII spellings both ways, particles, and repeated words that count.
    ("Akesson for Åkesson", "person", {**BY_NAME_AT_ACME, "lastName": "Åkesson"},
     {"personId": "9", "lastName": "Akesson"}, "completed"),
    ("de la Cruz-Reyes for Dela Cruz", "person", {**BY_NAME_AT_ACME, "lastName": "Dela Cruz"},
     {"personId": "9", "lastName": "de la Cruz-Reyes"}, "completed"),
    ("Johnson Controls for Johnson & Johnson", "person",
     {**BY_NAME_AT_ACME, "organisationName": "Johnson & Johnson"},
     {"personId": "9", "lastName": "Lee",
      "organisation": {"organisationName": "Johnson Controls International plc"}},
     "unread: it names the company Johnson Controls International plc"),
    ("an old public URL asked, another profile answered", "person",
     {"linkedinUrl": "https://www.linkedin.com/pub/ann-lee/12/345/678/"},
     {"personId": "9", "linkedinUrl": "https://www.linkedin.com/in/bob-ng/"},
     "unread: it names https://www.linkedin.com/in/bob-ng/"),
    ("an old public URL asked, its profile answered", "person",
     {"linkedinUrl": "https://www.linkedin.com/pub/ann-lee/12/345/678/"},
     {"personId": "9", "linkedinUrl": "https://www.linkedin.com/in/ann-lee-12345678/"},
     "completed"),
    # A fourth review: joining words and another order are one name; a short one is its own.
    ("Silva dos Santos for Silva Santos", "person", {**BY_NAME_AT_ACME, "lastName": "Silva Santos"},
     {"personId": "9", "lastName": "Silva dos Santos"}, "completed"),
    ("Lopez Garcia for Garcia Lopez (another order: two people)", "person",
     {**BY_NAME_AT_ACME, "lastName": "Garcia Lopez"},
     {"personId": "9", "firstName": "Ann", "lastName": "Lopez Garcia"},
     "unread: it names Ann Lopez Garcia, not Ann Garcia Lopez"),
    ("Nguyen for Le", "person", {**BY_NAME_AT_ACME, "lastName": "Le"},
     {"personId": "9", "firstName": "Ann", "lastName": "Nguyen"}, "unread: it names Ann Nguyen"),
    ("an old public URL in another script, its profile answered", "person",
     {"linkedinUrl": "https://www.linkedin.com/pub/j%c3%bcrgen-m%c3%bcller/1a/2b/3c/"},
     {"personId": "9", "linkedinUrl": "https://www.linkedin.com/in/juergen-mueller-3c2b1a/"},
     "completed"),
    ("a verification with a suggestion beside the address", "verify", ASK,
     {"email": E, "didYouMean": "ann@acme.example.com", "verdict": "Deliverable"}, "completed"),
]  # fmt: skip


@pytest.mark.parametrize(("reader", "body", "payload", "expected"),
                         [case[1:] for case in SOMEONE_ELSE],
                         ids=[case[0] for case in SOMEONE_ELSE])  # fmt: skip
def test_an_answer_about_someone_else_is_never_delivered(
    reader: str, body: dict[str, Any], payload: Any, expected: str
) -> None:
    """A paid answer naming another person, address or company was delivered as the one
    asked for (an attacker's trial): it is unread, kept, and says whom it names."""
    from clodura_cli import vendor as readers

    read = {"person": readers.read_person, "org": readers.read_org,
            "news": readers.read_news, "verify": readers.read_verification}[reader]  # fmt: skip
    news = {"publishedSince": "2026-01-01", "publishedUntil": "2026-02-01"}
    reading = read(200, payload, {**body, **news} if reader == "news" else body)
    status, _, why = expected.partition(": ")
    assert reading.status == status, reading.message
    if why:
        assert reading.result is None and why in str(reading.message)


def test_news_counts_its_pages_however_the_number_is_written_and_keeps_whose_they_are() -> None:
    from clodura_cli.vendor import news_rows, read_news

    body = {"organisationId": "77", "publishedSince": "2026-01-01"}
    for pages in (2, 2.0, "2", " 2 "):
        answer = {"articles": [A1], "pagination": {"page": 1, "totalPages": pages}}
        assert read_news(200, answer, body).result["totalPages"] == 2
    assert (
        read_news(200, {"articles": [A1], "totalPages": "two"}, body).result["totalPages"] is None
    )
    bare = read_news(200, [A1], body)
    assert [row["organisationId"] for row in news_rows(bare.result)] == ["77"]
