"""Email Verification, Enrich Contacts, Enrich Company and Company News (API contract, Part A
sections 7 to 10) over the synthetic data set.

The app's thin handlers parse the body, open a state transaction and call these functions; each
returns an :class:`Outcome` (status, answer, cost, and for a queued verification the delivery to
post to the webhook). Every choice is derived from sha256 of stable inputs (the company's id, the
address, the domain), never drawn at random: the same request gets the same verdict, match,
firmographics and articles. The answers are made in the documented (default) shape; the app
hands them (and a queued verdict's delivery) to clodura_cli.sandbox.dialects for the others.

Credits. These endpoints have decimal prices (0.04 per verification, 0.1 per deep one; 2, 1 or 0
per contact enrichment; 1 to 4 per company enrichment; 2 per news request). What a request costs
is counted, on every plan, in the account's ``other_spent`` (a float kept to the hundredth):

- Multi-Provider plans (one pool): the cost is also taken from the pool, which may then hold
  hundredths. ``remaining`` (the whole number search and reveals count with) becomes the pool
  rounded up and ``fraction`` the part of that last credit already spent, so GET
  /api/v1/credits answers ``{"remainingCredits": 99999.96}`` after one verification. A request
  that would cost more than the pool holds gets 402 and is not charged (a no-match enrichment,
  free, is still answered).
- Standard plans (contact-view and direct-dial pools): those pools are not touched and the
  Credits answer does not change; ``other_spent`` is the only record (``SandboxState.account``).
  They never get 402 here.

Verification verdicts, by the address's domain (lower case): ``*.invalid`` is Undeliverable; a
domain of a sandbox company (as listed, or under its reserved name) is Risky (Catch-all) when
that company's server is catch-all (about one company in eight), else Deliverable when a person
of that company has the local part (first.last, as reveals give it), else Undeliverable; any
other domain is, by its hash, Deliverable (60%), Undeliverable (25%) or Risky (Catch-all)
(15%). A deep verification of a catch-all address is queued (202) and its verdict, Deliverable or
Risky (Catch-all) by the address's hash, is posted to the webhook after the job delay.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from clodura_cli.api import spec
from clodura_cli.base.digest import sha256_hex, stable_number
from clodura_cli.base.text import pattern
from clodura_cli.sandbox import vocabulary as vocab
from clodura_cli.sandbox.data import (
    VENDOR_ORGANIZATION_ID,
    Company,
    Dataset,
    calendar_shift,
    funded_as_drawn,
)
from clodura_cli.sandbox.keys import SANDBOX_KEYS, STANDARD
from clodura_cli.sandbox.reveal import profile_key, reserved_domain, sandbox_address
from clodura_cli.sandbox.search import ApiProblem
from clodura_cli.sandbox.state import Account, spend_decimal

DELIVERABLE = "Deliverable"
UNDELIVERABLE = "Undeliverable"
RISKY = "Risky (Catch-all)"
PENDING = "Pending"
VERIFY_COST = Decimal("0.04")
DEEP_VERIFY_COST = Decimal("0.1")
NEWS_COST = Decimal(2)
NEWS_CATEGORIES = ("Acquisition", "Announcements", "Bankruptcy", "Expansion", "IPO",
                   "Investment", "Issue", "Launch", "Layoff", "Partnership", "Patent",
                   "Funding")  # fmt: skip
NEWS_PER_PAGE = 10
NEWS_MAX_PAGE = 100
#: Enrich Company's add-ons, each one more credit.
ORG_ADDONS = {"includeTechnographics": "technographics", "includeAcquisitions": "acquisitions",
              "includeFunding": "funding"}  # fmt: skip
_PERSON_IDENTIFIERS = ("linkedinUrl", "email", "firstName", "lastName", "orgLinkedinUrl",
                       "organisationName")  # fmt: skip
#: A matched person's fields, as Search People names them.
_PERSON_FIELDS = ("personId", "firstName", "lastName", "linkedinUrl", "personTitle", "functional",
                  "seniority", "personCity", "personState", "personCountry")  # fmt: skip
_EMAIL_RE = pattern(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_DATE_RE = pattern(r"\d{4}-\d{2}-\d{2}")
_COMPANY_URL_RE = pattern(r"linkedin\.com/company/([^/?#\s]+)", re.IGNORECASE)
_URL_RE = pattern(r"^https?://[^\s/]+", re.IGNORECASE)
#: About one company in eight has a catch-all mail server.
_CATCH_ALL_PERCENT = 12
_AREA_CODES = ("212", "312", "415", "512", "617", "646", "720", "206")
#: The day the articles' dates were drawn as of: served later, they move forward by the days
#: since, so that they keep their age (the newest a day old) and `--since -30d` keeps finding news.
_NEWS_DRAWN_ON = dt.date(2026, 12, 1)
_NEWS_START = dt.date(2023, 1, 1)
_NEWS_DAYS = (_NEWS_DRAWN_ON - _NEWS_START).days
_NEWS_SOURCES = ("Example Business Wire", "The Example Times", "Ledger Daily", "Market Post",
                 "Industry Example Weekly", "Tech Example Journal")  # fmt: skip
#: The articles' headlines and summaries, one row a category of NEWS_CATEGORIES: its name, the
#: headlines (every column between it and the last), the summary. They may name {name},
#: {city}, {tech}, {amount}, {count}, {hours} and {other} (another company).
_NEWS_TEXT_FILE = Path(__file__).resolve().parent / "news.tsv"
#: Typical amounts of each funding round type, in millions of dollars.
_ROUND_MILLIONS = {"Pre Seed Round": 0.5, "Seed Round": 2, "Angel Round": 1, "Venture Round": 5,
                   "Private Equity Round": 100, "Post-IPO Equity": 200}  # fmt: skip


@dataclass
class Outcome:
    """An answer before the app sends it: status, body, cost, and a delivery to post."""

    status: int
    payload: Any
    cost: Decimal = Decimal(0)
    #: A queued verification: the final answer, posted to ``webhook`` after the job delay.
    delivery: dict[str, Any] | None = None
    webhook: str | None = None
    #: How many verifications the answer counts (they number the document ids).
    verifications: int = 0


@dataclass(frozen=True)
class Context:
    """What a handler sees besides the body: the data, the key's account, the time."""

    dataset: Dataset
    account: Account
    now: float
    job_delay: float


def _hex(*parts: str, length: int) -> str:
    return sha256_hex("|".join(parts).encode())[:length]


def _iso(timestamp: float) -> str:
    when = dt.datetime.fromtimestamp(timestamp, dt.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def charge(account: Account, outcome: Outcome) -> Account:
    """The balance after an answer: its cost taken (see the module's docstring), its
    verifications counted; 402 when a Multi-Provider pool holds less than the cost."""
    account = account._replace(verifications=account.verifications + outcome.verifications)
    cost = outcome.cost
    if cost <= 0:
        return account
    if SANDBOX_KEYS[account.key].family != STANDARD and account.balance() < cost:
        raise ApiProblem(402, "Credits exhausted; upgrade your plan or add credits")
    return spend_decimal(account, cost)


# Lookups -----------------------------------------------------------------------------------


@dataclass
class _Index:
    """The lookups these endpoints need, built once per data set: the companies' (1,100), and
    which people work where. A person's address is made only for the people of the company
    asked about (making all 20,000 took 130-360 ms, paid by every process that asked once)."""

    by_domain: dict[str, int] = field(default_factory=dict)
    by_name: dict[str, int] = field(default_factory=dict)
    by_slug: dict[str, int] = field(default_factory=dict)
    by_id: dict[str, int] = field(default_factory=dict)
    #: Company names no company of the data set has (the acquired ones).
    spare_names: list[str] = field(default_factory=list)
    #: The people of each company (by company index), in data set order.
    people_at: dict[int, list[int]] = field(default_factory=dict)


_indexes: weakref.WeakKeyDictionary[Dataset, _Index] = weakref.WeakKeyDictionary()
_indexes_lock = threading.Lock()


def _index(dataset: Dataset) -> _Index:
    with _indexes_lock:
        index = _indexes.get(dataset)
        if index is None:
            index = _indexes[dataset] = _build_index(dataset)
        return index


def _build_index(dataset: Dataset) -> _Index:
    index = _Index()
    for number, company in enumerate(dataset.companies):
        for domain in company.domains:
            index.by_domain.setdefault(domain.lower(), number)
            index.by_domain.setdefault(reserved_domain(domain), number)
        index.by_name.setdefault(company.name.casefold(), number)
        index.by_slug.setdefault(company_slug(company), number)
        index.by_id[company.id] = number
    taken = {company.name for company in dataset.companies}
    every = (f"{p} {s}" for p in vocab.COMPANY_PREFIXES for s in vocab.COMPANY_SUFFIXES)
    index.spare_names = sorted(name for name in every if name not in taken)
    for person, number in enumerate(dataset.columns.company):
        index.people_at.setdefault(number, []).append(person)
    return index


def _names(dataset: Dataset, person: int) -> tuple[str, str]:
    cols = dataset.columns
    return cols.first_names[cols.first[person]], cols.last_names[cols.last[person]]


def _address_of(dataset: Dataset, person: int, number: int) -> str:
    """A person's sandbox address (``number``: their company's index)."""
    return sandbox_address(*_names(dataset, person), dataset.companies[number].domains[0])


def _person_by_address(dataset: Dataset, email: str) -> int | None:
    """The first person whose sandbox address ``email`` is (lower case)."""
    index = _index(dataset)
    number = index.by_domain.get(email.rpartition("@")[2])
    if number is None:
        return None
    for person in index.people_at.get(number, []):
        if _address_of(dataset, person, number) == email:
            return person
    return None


def _person_named(dataset: Dataset, number: int, first: str, last: str) -> int | None:
    """The first person of a company with these names (casefolded)."""
    for person in _index(dataset).people_at.get(number, []):
        names = _names(dataset, person)
        if (names[0].casefold(), names[1].casefold()) == (first, last):
            return person
    return None


def company_slug(company: Company) -> str:
    """The company's LinkedIn slug, from its name (Clodura.AI: clodura-ai)."""
    return re.sub(r"[^a-z0-9]+", "-", company.name.lower()).strip("-")


def company_linkedin_url(company: Company) -> str:
    """The company's LinkedIn page (the data set has none: derived from the name)."""
    return f"https://www.linkedin.com/company/{company_slug(company)}/"


def _company_by_url(dataset: Dataset, url: str) -> Company | None:
    found = _COMPANY_URL_RE.search(url)
    if found is None:
        return None
    number = _index(dataset).by_slug.get(found.group(1).lower())
    return None if number is None else dataset.companies[number]


def _company_by_id(dataset: Dataset, organisation_id: str) -> Company | None:
    number = _index(dataset).by_id.get(organisation_id)
    return None if number is None else dataset.companies[number]


def _strings(body: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    """The named fields that hold text (blank ones left out); 400 for one that is not text."""
    given = {}
    for name in names:
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ApiProblem(400, f"{name} must be a string")
        if value.strip():
            given[name] = value.strip()
    return given


def _flag(body: Mapping[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise ApiProblem(400, f"{name} must be a boolean")
    return value


# Email Verification --------------------------------------------------------------------------


def is_catch_all(company: Company) -> bool:
    """True for a company whose mail server accepts every address (never the vendor's own)."""
    if company.id == VENDOR_ORGANIZATION_ID:
        return False
    return stable_number(company.id, "catch-all") % 100 < _CATCH_ALL_PERCENT


def verdict(dataset: Dataset, email: str) -> str:
    """A standard verification's verdict for a valid address (see the module's docstring)."""
    local, _, domain = email.lower().rpartition("@")
    if domain.endswith(".invalid"):
        return UNDELIVERABLE
    index = _index(dataset)
    number = index.by_domain.get(domain)
    if number is not None:
        if is_catch_all(dataset.companies[number]):
            return RISKY
        people = index.people_at.get(number, [])
        known = any(_address_of(dataset, p, number).partition("@")[0] == local for p in people)
        return DELIVERABLE if known else UNDELIVERABLE
    roll = stable_number("verify", domain) % 100
    return DELIVERABLE if roll < 60 else UNDELIVERABLE if roll < 85 else RISKY


def deep_verdict(email: str) -> str:
    """What a deep verification of a catch-all address finds."""
    return DELIVERABLE if stable_number("deep", email.lower()) % 100 < 55 else RISKY


def verify_email(ctx: Context, body: Mapping[str, Any]) -> Outcome:
    """POST /api/v1/verify/email: 200 with the verdict, or 202 for a deep verification of a
    catch-all address (its verdict then goes to the webhook)."""
    email = body.get("email")
    if not isinstance(email, str):
        raise ApiProblem(400, "email is required")
    if not _EMAIL_RE.fullmatch(email):
        raise ApiProblem(400, "email is not a valid address")
    deep = _flag(body, "deepVerification")
    webhook = body.get("webhookUrl")
    if webhook is not None and not (isinstance(webhook, str) and _URL_RE.match(webhook)):
        raise ApiProblem(400, "webhookUrl must be an http(s) URL")
    account = ctx.account
    number = account.verifications + 1  # counted by charge()
    document_id = _hex(account.key, email, str(deep), str(number), length=24)
    found = verdict(ctx.dataset, email)
    cost = DEEP_VERIFY_COST if deep else VERIFY_COST
    head = {"email": email, "deepVerification": deep, "documentId": document_id}
    if deep and found == RISKY:
        done_at = _iso(ctx.now + ctx.job_delay)
        final = {**head, "state": "Completed", "verdict": deep_verdict(email),
                 "verifiedAt": done_at, "creditsUsed": float(cost)}  # fmt: skip
        queued = {**head, "state": "In-progress", "verdict": PENDING, "verifiedAt": None}
        return Outcome(202, queued, cost, final, webhook, verifications=1)
    answer = {**head, "state": "Completed", "verdict": found, "verifiedAt": _iso(ctx.now),
              "creditsUsed": float(cost)}  # fmt: skip
    return Outcome(200, answer, cost, verifications=1)


# Enrichment ----------------------------------------------------------------------------------


def _founded(company: Company) -> int:
    year = 1960 + stable_number(company.id, "founded") % 63
    drawn = funded_as_drawn(company)  # not as served: the year it was founded does not move
    return year if drawn is None else min(year, drawn.year)


def _acquisitions(dataset: Dataset, company: Company) -> list[dict[str, Any]]:
    spare = _index(dataset).spare_names
    count = (0, 0, 0, 1, 1, 2, 3)[stable_number(company.id, "acquisitions") % 7]
    start = dt.date(max(_founded(company), 2000), 1, 1)
    days = (dt.date(2026, 11, 30) - start).days
    found = []
    for number in range(count):
        roll = stable_number(company.id, "acquisition", str(number))
        day = start + dt.timedelta(days=roll % days)
        found.append({"name": spare[roll % len(spare)], "date": day.isoformat()})
    return sorted(found, key=lambda item: item["date"])


def _round_amount(company: Company, kind: str, number: int) -> int:
    if kind.startswith("Series "):
        millions = 10 * 1.6 ** (ord(kind[-1]) - ord("A"))
    else:
        millions = _ROUND_MILLIONS.get(kind, 5)
    scale = 0.5 + stable_number(company.id, "amount", str(number)) % 100 / 100
    return round(millions * scale * 100) * 10_000


def _funding(company: Company) -> list[dict[str, Any]]:
    """The rounds: the company's last one (as Search People filters it), and up to two before."""
    if not company.funding_type or not company.funding_date:
        return []
    last = spec.FUNDING_TYPES.index(company.funding_type)
    earlier = min(last, stable_number(company.id, "rounds") % 3)
    day = dt.date.fromisoformat(company.funding_date)
    rounds = []
    for number, kind in enumerate(spec.FUNDING_TYPES[last - earlier : last + 1][::-1]):
        amount = _round_amount(company, kind, number)
        rounds.append({"type": kind, "amount": amount, "date": day.isoformat()})
        day -= dt.timedelta(days=200 + stable_number(company.id, "gap", str(number)) % 500)
    return rounds[::-1]


def org_object(dataset: Dataset, company: Company, addons: tuple[str, ...] = ()) -> dict[str, Any]:
    """Enrich Company's organisation, with the add-ons named (ORG_ADDONS' values)."""
    city, state, country = company.hq
    roll = stable_number(company.id, "phone")
    domain = company.domains[0]
    data: dict[str, Any] = {
        "organisationId": company.id,
        "organisationName": company.name,
        "domain": domain,
        "linkedinUrl": company_linkedin_url(company),
        "foundedYear": _founded(company),
        "industry": company.industry,
        "employeeSize": company.employee_size,
        "revenue": company.revenue,
        "hqAddress": {"city": city, "state": state, "country": country},
        # 555-0100 to 555-0199: reserved for fiction in North America.
        "phone": f"+1 {_AREA_CODES[roll % len(_AREA_CODES)]} 555 01{roll // 8 % 100:02d}",
        "website": f"https://www.{domain}",
    }
    if "technographics" in addons:
        data["technographics"] = list(company.technologies)
    if "acquisitions" in addons:
        data["acquisitions"] = _acquisitions(dataset, company)
    if "funding" in addons:
        data["funding"] = _funding(company)
    return data


def enrich_person(ctx: Context, body: Mapping[str, Any]) -> Outcome:
    """POST /api/v1/cleanup/enrich: a person (2 credits), their organisation only (1), or no
    match (0), always 200."""
    given = _strings(body, _PERSON_IDENTIFIERS)
    if not given:
        raise ApiProblem(400, "at least one identifier is required")
    named = "firstName" in given and "lastName" in given
    has_org = "orgLinkedinUrl" in given or "organisationName" in given
    if named and not has_org and "linkedinUrl" not in given and "email" not in given:
        raise ApiProblem(400, "firstName and lastName need orgLinkedinUrl or organisationName")
    dataset, index = ctx.dataset, _index(ctx.dataset)
    person: int | None = None
    if "linkedinUrl" in given:
        person = dataset.by_linkedin.get(profile_key(given["linkedinUrl"]))
    if person is None and "email" in given:
        person = _person_by_address(dataset, given["email"].lower())
    company: Company | None = None
    if "orgLinkedinUrl" in given:
        company = _company_by_url(dataset, given["orgLinkedinUrl"])
    if company is None and "organisationName" in given:
        number = index.by_name.get(given["organisationName"].casefold())
        company = None if number is None else dataset.companies[number]
    if person is None and named and company is not None:
        number = index.by_id[company.id]
        first, last = given["firstName"].casefold(), given["lastName"].casefold()
        person = _person_named(dataset, number, first, last)
    if person is not None:
        record = dataset.person(person).record
        data = {name: record[name] for name in _PERSON_FIELDS}
        data["organisation"] = org_object(dataset, dataset.person(person).company)
        return Outcome(200, {"data": data, "matchType": "person", "creditsUsed": 2}, Decimal(2))
    if company is None and "email" in given:
        number = index.by_domain.get(given["email"].lower().rpartition("@")[2])
        company = None if number is None else dataset.companies[number]
    if company is not None:
        data = {"organisation": org_object(dataset, company)}
        return Outcome(
            200, {"data": data, "matchType": "organisation", "creditsUsed": 1}, Decimal(1)
        )
    return Outcome(200, {"data": None, "message": "No match found", "creditsUsed": 0})


def _organisation(ctx: Context, body: Mapping[str, Any]) -> tuple[dict[str, str], Company | None]:
    """The organisation identifiers sent, and the company they name (organisationId wins)."""
    given = _strings(body, ("organisationId", "orgLinkedinUrl"))
    if not given:
        raise ApiProblem(400, "organisationId or orgLinkedinUrl is required")
    if "organisationId" in given:
        return given, _company_by_id(ctx.dataset, given["organisationId"])
    return given, _company_by_url(ctx.dataset, given["orgLinkedinUrl"])


def enrich_org(ctx: Context, body: Mapping[str, Any]) -> Outcome:
    """POST /api/v1/organisation/enrich: 1 credit, plus 1 per add-on asked."""
    _, company = _organisation(ctx, body)
    addons = tuple(name for flag, name in ORG_ADDONS.items() if _flag(body, flag))
    if company is None:
        return Outcome(200, {"data": None, "message": "Organisation not found", "creditsUsed": 0})
    cost = 1 + len(addons)
    data = org_object(ctx.dataset, company, addons)
    return Outcome(200, {"data": data, "creditsUsed": cost}, Decimal(cost))


# Company News --------------------------------------------------------------------------------


def _date(body: Mapping[str, Any], name: str) -> dt.date:
    value = body.get(name)
    if value is None:
        raise ApiProblem(400, f"{name} is required")
    if isinstance(value, str) and _DATE_RE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ApiProblem(400, f"{name} must be a date in YYYY-MM-DD format")


def _texts(body: Mapping[str, Any], name: str) -> list[str]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ApiProblem(400, f"{name} must be an array of strings")
    return [item for item in value if item.strip()]


@functools.cache
def news_text() -> dict[str, tuple[tuple[str, ...], str]]:
    """Each news category's headlines and summary, from ``news.tsv`` (read on first use)."""
    text = {}
    for row in _NEWS_TEXT_FILE.read_text(encoding="utf-8").splitlines()[1:]:
        category, *headlines, summary = row.split("\t")
        text[category] = (tuple(headlines), summary)
    return text


def archive(
    dataset: Dataset, company: Company, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """Every article about a company (0 to 60, from 2023 to the day before ``today``), newest
    first."""
    shift = calendar_shift(today or dt.date.today(), _NEWS_DRAWN_ON)
    count = stable_number(company.id, "news") % 61
    spare = _index(dataset).spare_names
    articles = []
    for number in range(count):
        roll = stable_number(company.id, "article", str(number))
        article_id = _hex(company.id, "article", str(number), length=16)
        day = _NEWS_START + dt.timedelta(days=roll % _NEWS_DAYS + shift)
        category = NEWS_CATEGORIES[roll // _NEWS_DAYS % len(NEWS_CATEGORIES)]
        headlines, summary = news_text()[category]
        words = {
            "name": company.name,
            "city": vocab.CITIES[roll % len(vocab.CITIES)][0],
            "tech": company.technologies[roll % len(company.technologies)],
            "other": spare[roll % len(spare)],
            "amount": 5 + roll % 195,
            "count": 20 + roll % 480,
            "hours": 1 + roll % 47,
        }
        articles.append(
            {
                "articleId": article_id,
                "title": headlines[roll // 7 % len(headlines)].format(**words),
                "url": f"https://news.example/{company_slug(company)}/{day:%Y/%m}/{article_id}",
                "publishedAt": day.isoformat(),
                "category": category,
                "source": _NEWS_SOURCES[roll // 11 % len(_NEWS_SOURCES)],
                "summary": summary.format(**words),
            }
        )
    articles.sort(key=lambda a: (a["publishedAt"], a["articleId"]), reverse=True)
    return articles


def org_news(ctx: Context, body: Mapping[str, Any]) -> Outcome:
    """POST /api/v1/organisation/news: a page of 10 articles, 2 credits whatever it holds."""
    given, company = _organisation(ctx, body)
    since, until = _date(body, "publishedSince"), _date(body, "publishedUntil")
    if until < since:
        raise ApiProblem(400, "publishedUntil must not be before publishedSince")
    categories = _texts(body, "category")
    for category in categories:
        if category not in NEWS_CATEGORIES:
            accepted = ", ".join(NEWS_CATEGORIES)
            raise ApiProblem(400, f"Unknown category '{category}'; accepted: {accepted}")
    keywords = [word.lower() for word in _texts(body, "keywords")]
    title = body.get("articleTitle")
    if title is not None and not isinstance(title, str):
        raise ApiProblem(400, "articleTitle must be a string")
    page = body.get("page", 1)
    if not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= NEWS_MAX_PAGE:
        raise ApiProblem(400, f"page must be an integer between 1 and {NEWS_MAX_PAGE}")
    found = []
    for article in archive(ctx.dataset, company) if company is not None else []:
        if not since.isoformat() <= article["publishedAt"] <= until.isoformat():
            continue
        if categories and article["category"] not in categories:
            continue
        text = f"{article['title']}\n{article['summary']}".lower()
        if keywords and not any(word in text for word in keywords):
            continue
        if title is not None and article["title"] != title:
            continue
        found.append(article)
    start = (page - 1) * NEWS_PER_PAGE
    answer = {
        "organisationId": company.id if company else given.get("organisationId"),
        "orgLinkedinUrl": company_linkedin_url(company) if company else given.get("orgLinkedinUrl"),
        "page": page,
        "perPage": NEWS_PER_PAGE,
        "totalArticles": len(found),
        "totalPages": math.ceil(len(found) / NEWS_PER_PAGE),
        "articles": found[start : start + NEWS_PER_PAGE],
    }
    return Outcome(200, answer, NEWS_COST)
