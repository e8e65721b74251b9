"""The emulator's verification, enrichment and news endpoints: shapes, 400s, credits, webhook."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from helpers import wait_for

from clodura_cli.api import spec
from clodura_cli.sandbox import vendor
from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.sandbox.data import build_dataset
from clodura_cli.sandbox.faults import Faults, ScriptedFault
from clodura_cli.sandbox.runtime import sandbox_transport
from clodura_cli.sandbox.webhook import signature

DATA = build_dataset()
PERSON = DATA.person(3)
RECORD, COMPANY = PERSON.record, PERSON.company
ADDRESS = f"{RECORD['firstName']}.{RECORD['lastName']}@{COMPANY.domains[0]}"
CATCH_ALL = next(c for c in DATA.companies if vendor.is_catch_all(c))
BUSY = next(c for c in DATA.companies if len(vendor.archive(DATA, c)) > 25)
QUIET = next(c for c in DATA.companies if not vendor.archive(DATA, c))
#: Every article: their dates move with the calendar, the newest a day before today.
TODAY = dt.date.today().isoformat()
WINDOW = {"publishedSince": "2023-01-01", "publishedUntil": TODAY}
ORG = {"organisationId": BUSY.id}
PATHS = {"verify": spec.VERIFY_EMAIL_PATH, "enrich-person": spec.ENRICH_PERSON_PATH,
         "enrich-org": spec.ENRICH_ORG_PATH, "news": spec.ORG_NEWS_PATH}  # fmt: skip
ORG_KEYS = ["organisationId", "organisationName", "domain", "linkedinUrl", "foundedYear",
            "industry", "employeeSize", "revenue", "hqAddress", "phone", "website"]  # fmt: skip
PERSON_KEYS = ["personId", "firstName", "lastName", "linkedinUrl", "personTitle", "functional",
               "seniority", "personCity", "personState", "personCountry", "organisation"]  # fmt: skip
VERIFY_KEYS = ["email", "deepVerification", "documentId", "state", "verdict", "verifiedAt",
               "creditsUsed"]  # fmt: skip
ARTICLE_KEYS = {"articleId", "title", "url", "publishedAt", "category", "source", "summary"}
RISKY = "Risky (Catch-all)"
NAMES = {"firstName": "Ann", "lastName": "Lee"}


@pytest.fixture
def app(tmp_path: Path) -> Iterator[SandboxApp]:
    sandbox = SandboxApp(tmp_path / "state.db", job_delay=0.05)
    yield sandbox
    sandbox.close()


def client(app: SandboxApp, key: str) -> httpx.Client:
    headers = {"X-API-KEY": key}
    return httpx.Client(base_url="https://x", transport=sandbox_transport(app), headers=headers)


def call(app: SandboxApp, endpoint: str, key: str = "sandbox-multi", **body: Any) -> httpx.Response:
    return client(app, key).post(PATHS[endpoint], json=body)


def answer(app: SandboxApp, endpoint: str, **body: Any) -> Any:
    response = call(app, endpoint, **body)
    assert response.status_code == 200, response.text
    return response.json()


def balance(app: SandboxApp, key: str = "sandbox-multi") -> Any:
    return client(app, key).get(spec.CREDITS_PATH).json()


def pick(answer: dict[str, Any], *keys: str) -> tuple[Any, ...]:
    return tuple(answer[key] for key in keys)


def other_spent(app: SandboxApp, key: str) -> float:
    with app.state.transaction() as db:
        return app.state.account(db, key).other_spent


@pytest.mark.parametrize("endpoint", PATHS)
def test_a_key_is_required_and_the_log_names_the_endpoint(app: SandboxApp, endpoint: str) -> None:
    assert call(app, endpoint, "real-looking-key", email="a@b.com").status_code == 401
    assert (app.log[-1]["endpoint"], app.log[-1]["status"]) == (endpoint, 401)
    call(app, endpoint, email="a@b.com")
    assert (app.log[-1]["endpoint"], app.log[-1]["plan"]) == (endpoint, "PAYG")


def test_faults_can_target_the_new_endpoints(tmp_path: Path) -> None:
    app = SandboxApp(tmp_path / "s.db", faults=Faults(script=[ScriptedFault.parse("503@news")]))
    assert call(app, "enrich-org", **ORG).status_code == 200
    assert call(app, "news", **ORG, **WINDOW).status_code == 503
    assert call(app, "news", **ORG, **WINDOW).status_code == 200
    app.close()


# Every 400 -------------------------------------------------------------------------------------

NOT_AN_ADDRESS = "email is not a valid address"
NO_ID = "at least one identifier is required"
NO_ORG = "organisationId or orgLinkedinUrl is required"
DATE_FORMAT = "must be a date in YYYY-MM-DD format"
PAGE_RANGE = "page must be an integer between 1 and 100"
CATEGORIES = ", ".join(vendor.NEWS_CATEGORIES)


@pytest.mark.parametrize(
    ("endpoint", "body", "message"),
    [
        ("verify", {}, "email is required"),
        ("verify", {"email": 42}, "email is required"),
        *[("verify", {"email": bad}, NOT_AN_ADDRESS) for bad in ("nobody", "a@@b.com", "a@b@c.com", "a@localhost", "@b.com", "a@b.")],
        ("verify", {"email": "a@b.com", "deepVerification": "yes"}, "deepVerification must be a boolean"),
        ("enrich-person", {}, NO_ID),
        ("enrich-person", {"firstName": "", "email": None}, NO_ID),
        ("enrich-person", NAMES, "firstName and lastName need orgLinkedinUrl or organisationName"),
        ("enrich-org", {"includeFunding": True}, NO_ORG),
        ("news", WINDOW, NO_ORG),
        ("news", {**ORG, "publishedUntil": "2024-01-01"}, "publishedSince is required"),
        ("news", {**ORG, "publishedSince": "2024-01-01"}, "publishedUntil is required"),
        ("news", {**ORG, **WINDOW, "publishedSince": "2024-1-01"}, f"publishedSince {DATE_FORMAT}"),
        ("news", {**ORG, **WINDOW, "publishedUntil": "2024-02-30"}, f"publishedUntil {DATE_FORMAT}"),
        ("news", {**ORG, "publishedSince": "2024-02-01", "publishedUntil": "2024-01-31"}, "publishedUntil must not be before publishedSince"),
        ("news", {**ORG, **WINDOW, "category": ["Funding", "Gossip"]}, f"Unknown category 'Gossip'; accepted: {CATEGORIES}"),
        ("news", {**ORG, **WINDOW, "page": 0}, PAGE_RANGE),
        ("news", {**ORG, **WINDOW, "page": 101}, PAGE_RANGE),
    ],
)  # fmt: skip
def test_every_bad_body_gets_400_and_costs_nothing(
    app: SandboxApp, endpoint: str, body: dict[str, Any], message: str
) -> None:
    response = call(app, endpoint, **body)
    assert response.status_code == 400
    assert response.json() == {"message": message, "statusCode": 400}
    assert balance(app) == {"remainingCredits": 100_000}


# Email Verification ----------------------------------------------------------------------------


def test_verify_answers_by_domain_deterministically_and_charges_decimals(app: SandboxApp) -> None:
    first = answer(app, "verify", email=ADDRESS)
    assert list(first) == VERIFY_KEYS
    assert first["email"] == ADDRESS and first["deepVerification"] is False
    assert pick(first, "state", "verdict", "creditsUsed") == ("Completed", "Deliverable", 0.04)
    assert first["verifiedAt"].endswith("Z") and len(first["verifiedAt"]) == 20
    assert len(first["documentId"]) == 24 and int(first["documentId"], 16) >= 0
    again = answer(app, "verify", email=ADDRESS)
    assert again["verdict"] == "Deliverable" and again["documentId"] != first["documentId"]
    assert balance(app) == {"remainingCredits": 99999.92}
    stranger = "zz.nobody@" + COMPANY.domains[0]
    assert answer(app, "verify", email=stranger)["verdict"] == "Undeliverable"
    assert answer(app, "verify", email="a@mail.invalid")["verdict"] == "Undeliverable"
    catch_all = answer(app, "verify", email="who@" + CATCH_ALL.domains[0])
    assert (catch_all["verdict"], catch_all["state"]) == (RISKY, "Completed")
    deep = answer(app, "verify", email=ADDRESS, deepVerification=True)
    assert pick(deep, "deepVerification", "creditsUsed", "verdict") == (True, 0.1, "Deliverable")
    assert balance(app) == {"remainingCredits": 99999.7}
    emails = [f"a@d{i}.example.org" for i in range(60)]
    verdicts = [answer(app, "verify", email=email)["verdict"] for email in emails]
    assert set(verdicts) == {"Deliverable", "Undeliverable", RISKY}
    assert verdicts == [answer(app, "verify", email=email)["verdict"] for email in emails]


def test_standard_plans_count_verifications_apart(app: SandboxApp) -> None:
    before = balance(app, "sandbox-standard")
    assert call(app, "verify", "sandbox-standard", email=ADDRESS).status_code == 200
    call(app, "verify", "sandbox-standard", email=ADDRESS, deepVerification=True)
    call(app, "enrich-org", "sandbox-standard", **ORG, includeFunding=True)
    assert balance(app, "sandbox-standard") == before
    assert other_spent(app, "sandbox-standard") == pytest.approx(2.14)


def test_an_empty_pool_gets_402_and_is_not_charged(app: SandboxApp) -> None:
    assert call(app, "verify", "sandbox-exhausted", email=ADDRESS).status_code == 402
    assert call(app, "news", "sandbox-exhausted", **ORG, **WINDOW).status_code == 402
    assert other_spent(app, "sandbox-exhausted") == 0
    nothing = call(app, "enrich-person", "sandbox-exhausted", email="x@nowhere.example.org")
    assert nothing.json() == {"data": None, "message": "No match found", "creditsUsed": 0}


class _Receiver(BaseHTTPRequestHandler):
    got: ClassVar[list[tuple[dict[str, Any], str, str]]] = []

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        self.got.append((json.loads(raw), self.headers["X-Clodura-Signature"], signature(raw)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_deep_verification_of_a_catch_all_is_queued_then_delivered(app: SandboxApp) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    email = "who@" + CATCH_ALL.domains[0]
    try:
        hook = f"http://127.0.0.1:{server.server_address[1]}/hook"
        queued = call(app, "verify", email=email, deepVerification=True, webhookUrl=hook)
        assert queued.status_code == 202
        pending = queued.json()
        assert pending == {"email": email, "deepVerification": True, "documentId": pending["documentId"],
                           "state": "In-progress", "verdict": "Pending", "verifiedAt": None}  # fmt: skip
        assert balance(app) == {"remainingCredits": 99999.9}
        got = _Receiver.got
        delivered, sent, expected = wait_for(lambda: got and got[-1], "the signed delivery")
    finally:
        server.shutdown()
        server.server_close()
    assert sent == expected  # signed like reveal deliveries
    assert delivered == {**pending, "state": "Completed", "verdict": vendor.deep_verdict(email),
                         "verifiedAt": delivered["verifiedAt"], "creditsUsed": 0.1}  # fmt: skip
    assert delivered["verdict"] in ("Deliverable", RISKY) and delivered["verifiedAt"].endswith("Z")
    assert balance(app) == {"remainingCredits": 99999.9}  # charged once, when asked


# Enrich Contacts ---------------------------------------------------------------------------------


def test_enrich_person_matches_a_person_an_organisation_or_nothing(app: SandboxApp) -> None:
    org_url = vendor.company_linkedin_url(COMPANY)
    names = {"firstName": RECORD["firstName"].lower(), "lastName": RECORD["lastName"].upper()}
    for body in (
        {"linkedinUrl": RECORD["linkedinUrl"].upper().rstrip("/") + "?trk=x"},
        {"email": ADDRESS.upper()},
        {**names, "organisationName": COMPANY.name.upper()},
        {**names, "orgLinkedinUrl": org_url},
        {**names, "organisationName": COMPANY.name, "linkedinUrl": "https://linkedin.com/in/x"},
    ):
        found = answer(app, "enrich-person", **body)
        assert (found["matchType"], found["creditsUsed"]) == ("person", 2), body
        assert found["data"] == {**{k: RECORD[k] for k in PERSON_KEYS[:-1]},
                                 "organisation": vendor.org_object(DATA, COMPANY)}  # fmt: skip
    assert list(found["data"]) == PERSON_KEYS and list(found["data"]["organisation"]) == ORG_KEYS
    assert balance(app) == {"remainingCredits": 100_000 - 10}
    org_only = {"data": {"organisation": vendor.org_object(DATA, COMPANY)},
                "matchType": "organisation", "creditsUsed": 1}  # fmt: skip
    assert answer(app, "enrich-person", **NAMES, orgLinkedinUrl=org_url) == org_only
    assert answer(app, "enrich-person", organisationName=COMPANY.name.lower()) == org_only
    assert answer(app, "enrich-person", email="zz.nobody@" + COMPANY.domains[0]) == org_only
    none = answer(app, "enrich-person", **NAMES, organisationName="No Such Co")
    assert none == {"data": None, "message": "No match found", "creditsUsed": 0}
    assert balance(app) == {"remainingCredits": 100_000 - 13}


# Enrich Company ----------------------------------------------------------------------------------


def test_enrich_org_by_id_or_url_with_add_ons(app: SandboxApp) -> None:
    slug = vendor.company_slug(COMPANY)
    plain = answer(app, "enrich-org", orgLinkedinUrl=f"http://linkedin.com/company/{slug}")
    assert plain == {"data": vendor.org_object(DATA, COMPANY), "creditsUsed": 1}
    data = plain["data"]
    assert list(data) == ORG_KEYS and data["organisationId"] == COMPANY.id
    assert data["hqAddress"] == dict(zip(("city", "state", "country"), COMPANY.hq, strict=True))
    assert data["linkedinUrl"] == f"https://www.linkedin.com/company/{slug}/"
    assert " 555 01" in data["phone"] and data["website"] == "https://www." + COMPANY.domains[0]
    addons = {"includeTechnographics": True, "includeAcquisitions": True, "includeFunding": True}
    full = answer(app, "enrich-org", **ORG, orgLinkedinUrl=data["linkedinUrl"], **addons)
    assert full["creditsUsed"] == 4 and full["data"]["organisationId"] == BUSY.id
    assert list(full["data"]) == [*ORG_KEYS, "technographics", "acquisitions", "funding"]
    assert full["data"]["technographics"] == list(BUSY.technologies)
    assert all(set(f) == {"type", "amount", "date"} for f in full["data"]["funding"])
    assert all(set(a) == {"name", "date"} for a in full["data"]["acquisitions"])
    assert answer(app, "enrich-org", **ORG, includeFunding=True)["creditsUsed"] == 2
    missing = answer(app, "enrich-org", organisationId="123", orgLinkedinUrl=data["linkedinUrl"])
    assert missing == {"data": None, "message": "Organisation not found", "creditsUsed": 0}
    assert balance(app) == {"remainingCredits": 100_000 - 7}


# Company News ------------------------------------------------------------------------------------


def test_every_news_category_has_headlines_and_a_summary_that_fill_in() -> None:
    text = vendor.news_text()
    assert tuple(text) == vendor.NEWS_CATEGORIES
    words = dict.fromkeys(("name", "city", "tech", "amount", "count", "hours", "other"), "x")
    for headlines, summary in text.values():
        assert headlines and all(line.format(**words) for line in (*headlines, summary))


def test_news_dates_keep_their_age_as_the_calendar_moves() -> None:
    """Drawn as of 2026-12-01, an article served later is as many days later: `news --since
    -30d` finds as much news next year as it does today, and nothing is dated today or later."""
    drawn = vendor.archive(DATA, BUSY, dt.date(2026, 12, 1))
    later = vendor.archive(DATA, BUSY, dt.date(2027, 6, 15))
    shift = dt.date(2027, 6, 15) - dt.date(2026, 12, 1)
    assert [a["articleId"] for a in drawn] == [a["articleId"] for a in later]
    assert all(
        dt.date.fromisoformat(b["publishedAt"]) - dt.date.fromisoformat(a["publishedAt"]) == shift
        for a, b in zip(drawn, later, strict=True)
    )
    assert "2023-01-01" <= drawn[-1]["publishedAt"] <= drawn[0]["publishedAt"] <= "2026-11-30"
    assert later[0]["publishedAt"] <= "2027-06-14"


def test_news_pages_and_filters(app: SandboxApp) -> None:
    everything = vendor.archive(DATA, BUSY)
    total = len(everything)
    first = answer(app, "news", **ORG, **WINDOW)
    assert {k: v for k, v in first.items() if k != "articles"} == {
        "organisationId": BUSY.id, "orgLinkedinUrl": vendor.company_linkedin_url(BUSY), "page": 1,
        "perPage": 10, "totalArticles": total, "totalPages": -(-total // 10)}  # fmt: skip
    pages = [answer(app, "news", **ORG, **WINDOW, page=n)["articles"]
             for n in range(1, first["totalPages"] + 2)]  # fmt: skip
    assert pages[0] == first["articles"] and [len(p) for p in pages[:-2]] == [10] * (len(pages) - 2)
    assert pages[-1] == []
    served = [a for page in pages for a in page]
    assert served == everything and len({a["articleId"] for a in served}) == total
    dates = [a["publishedAt"] for a in served]
    assert dates == sorted(dates, reverse=True) and "2023-01-01" <= dates[-1] <= dates[0] < TODAY
    assert all(set(a) == ARTICLE_KEYS and "https://news.example/" in a["url"] for a in served)
    top = served[0]
    by_category = answer(app, "news", **ORG, **WINDOW, category=[top["category"], "IPO"])
    categories = (top["category"], "IPO")
    assert by_category["totalArticles"] == sum(a["category"] in categories for a in served)
    word = top["title"].split()[-1]
    url = vendor.company_linkedin_url(BUSY)
    by_keyword = answer(app, "news", orgLinkedinUrl=url, **WINDOW, keywords=[word.upper(), "zzzq"])
    texts = [(a["title"] + a["summary"]).lower() for a in served]
    assert by_keyword["totalArticles"] == sum(word.lower() in text for text in texts)
    titled = answer(app, "news", **ORG, **WINDOW, articleTitle=top["title"])
    assert top in titled["articles"] and {a["title"] for a in titled["articles"]} == {top["title"]}
    day = top["publishedAt"]
    one_day = answer(app, "news", **ORG, publishedSince=day, publishedUntil=day)
    assert one_day["articles"] == [a for a in served if a["publishedAt"] == day]
    for org in ({"organisationId": "404"}, {"organisationId": QUIET.id}):
        empty = answer(app, "news", **org, **WINDOW)
        assert (empty["totalArticles"], empty["totalPages"], empty["articles"]) == (0, 0, [])
    quiet = (QUIET.id, vendor.company_linkedin_url(QUIET))
    assert pick(empty, "organisationId", "orgLinkedinUrl") == quiet
    assert balance(app) == {"remainingCredits": 100_000 - 2 * (len(pages) + 7)}


# Dialects ----------------------------------------------------------------------------------------

DEFAULT_KEYS = {
    "verify": VERIFY_KEYS, "queued": VERIFY_KEYS[:-1], "enrich-person": ["data", "matchType",
    "creditsUsed"], "enrich-org": ["data", "creditsUsed"], "news": ["organisationId",
    "orgLinkedinUrl", "page", "perPage", "totalArticles", "totalPages", "articles"],
}  # fmt: skip
#: The top-level keys of each answer, and where its status or verdict word sits, by dialect.
DIALECT_KEYS = {
    "default": DEFAULT_KEYS,
    "seed": DEFAULT_KEYS,
    "flat": {"verify": ["id", "status", "email", "deepVerification", "verdict", "verifiedAt",
                        "creditsUsed"],
             "queued": ["id", "status", "email", "deepVerification", "verdict", "verifiedAt"],
             "enrich-person": ["status", "matchType", "id", *PERSON_KEYS[1:], "creditsUsed"],
             "enrich-org": ["status", "id", *ORG_KEYS[1:], "technographics", "creditsUsed"],
             "news": ["status", "page", "perPage", "totalArticles", "totalPages", "articles"]},
    "wrapped": {name: ["success", "data"] for name in DEFAULT_KEYS},
    "upper": {"verify": ["documentId", "email", "deepVerification", "state", "results",
                         "creditsUsed"],
              "queued": ["documentId", "email", "deepVerification", "state", "results"],
              "enrich-person": ["results", "matchType", "creditsUsed"],
              "enrich-org": ["results", "creditsUsed"],
              "news": [*DEFAULT_KEYS["news"][:-1], "results"]},
    "jsend": {name: ["status", "data"] for name in DEFAULT_KEYS},
}  # fmt: skip
WORDS = {
    "default": ("Completed", "Deliverable", "In-progress", "Pending", "person"),
    "seed": ("Completed", "Deliverable", "In-progress", "Pending", "person"),
    "flat": ("COMPLETED", "DELIVERABLE", "IN_PROGRESS", "PENDING", "PERSON"),
    "wrapped": ("success", "deliverable", "in_progress", "pending", "person"),
    "upper": ("COMPLETED", "DELIVERABLE", "IN-PROGRESS", None, "PERSON"),
    "jsend": ("completed", "deliverable", "queued", None, "person"),
}


def _words(dialect: str, verify: Any, queued: Any, person: Any) -> tuple[Any, ...]:
    """(state, verdict, queued state, queued verdict, match type) wherever the dialect puts
    them."""
    if dialect in ("wrapped", "jsend"):
        verify, queued, person = verify["data"], queued["data"], person["data"]
    if dialect == "jsend":
        return (verify["status"], verify["result"]["deliverability"], queued["status"], None,
                person["matchType"])  # fmt: skip
    if dialect == "upper":
        return (verify["state"], verify["results"][0]["verdict"], queued["state"], None,
                person["matchType"])  # fmt: skip
    state = "status" if dialect == "flat" else "state"
    match = person["match_type"] if dialect == "wrapped" else person["matchType"]
    return verify[state], verify["verdict"], queued[state], queued["verdict"], match


@pytest.mark.parametrize("dialect", list(DIALECT_KEYS))
def test_each_dialect_answers_the_vendor_endpoints_in_its_own_shape(
    tmp_path: Path, dialect: str
) -> None:
    app = SandboxApp(tmp_path / "state.db", job_delay=0.05, dialect=dialect)
    try:
        queued = call(app, "verify", email="who@" + CATCH_ALL.domains[0], deepVerification=True)
        answers = {
            "verify": answer(app, "verify", email=ADDRESS),
            "queued": queued.json(),
            "enrich-person": answer(app, "enrich-person", linkedinUrl=RECORD["linkedinUrl"]),
            "enrich-org": answer(app, "enrich-org", **ORG, includeTechnographics=True),
            "news": answer(app, "news", **ORG, **WINDOW),
        }
        assert balance(app) == {"remainingCredits": 99993.86}  # charged as in every dialect
    finally:
        app.close()
    assert queued.status_code == 202
    assert {name: list(a) for name, a in answers.items()} == DIALECT_KEYS[dialect]
    got = _words(dialect, answers["verify"], answers["queued"], answers["enrich-person"])
    assert got == WORDS[dialect]
    person = answers["enrich-person"]
    if dialect == "seed":
        assert person["data"]["personCity"] == [RECORD["personCity"]]
        size = person["data"]["organisation"]["employeeSize"]
        assert size == [COMPANY.employee_size.replace(" ", "")]
    elif dialect == "wrapped":
        assert "person_id" in person["data"] and "organisation_id" in person["data"]["organisation"]
    elif dialect == "jsend":
        assert person["data"]["person"]["personId"] == RECORD["personId"]
        assert person["data"]["organization"]["organizationId"] == COMPANY.id


# The state file ----------------------------------------------------------------------------------


def test_a_state_file_of_the_old_format_opens_and_keeps_its_balances(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE accounts (key TEXT PRIMARY KEY, contacts_used INTEGER NOT NULL,"
        " direct_dials_used INTEGER NOT NULL, remaining INTEGER NOT NULL);"
        "CREATE TABLE jobs (tracking_id TEXT PRIMARY KEY, key TEXT NOT NULL, type TEXT NOT NULL,"
        " input TEXT NOT NULL, created REAL NOT NULL, ready REAL NOT NULL, status TEXT NOT NULL,"
        " result TEXT, cost INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE unlocked (key TEXT NOT NULL, person_id TEXT NOT NULL, PRIMARY KEY (key, person_id));"
        "INSERT INTO accounts VALUES ('sandbox-multi', 0, 0, 777);"
    )
    db.close()
    app = SandboxApp(path)
    try:
        assert balance(app) == {"remainingCredits": 777}
        assert call(app, "verify", email=ADDRESS).status_code == 200
        assert balance(app) == {"remainingCredits": 776.96}
        call(app, "news", **ORG, **WINDOW)
        assert balance(app) == {"remainingCredits": 774.96}
    finally:
        app.close()
    assert path.with_name("state.db.v0.bak").exists()
    reopened = SandboxApp(path)
    assert balance(reopened) == {"remainingCredits": 774.96}
    reopened.close()


def test_every_address_domain_belongs_to_one_company() -> None:
    """A person is found by address among the people of the company its domain names: that
    holds only while no two companies share the domain their people's addresses use."""
    index = vendor._index(DATA)
    for number, company in enumerate(DATA.companies):
        assert index.by_domain[company.domains[0].lower()] == number, company.domains
