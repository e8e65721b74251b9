"""Search People as the emulator does it: strict validation, then filtering the data set."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from itertools import compress
from typing import Any

from clodura_cli.api import spec
from clodura_cli.api.spec import Kind
from clodura_cli.base.text import pattern
from clodura_cli.sandbox import vocabulary as vocab
from clodura_cli.sandbox.data import (
    FUNCTIONS,
    SENIORITIES,
    STATUSES,
    Company,
    Dataset,
    Location,
    Person,
    title_words,
    words_of,
)

#: Filters the emulator takes but does not apply, by endpoint (its route's name): never ignored
#: silently, a request carrying one is answered with the header X-Sandbox-Not-Emulated naming it,
#: and the command says so. Every other filter of the spec's tables is applied (a test derived
#: from those tables checks each one narrows the results).
NOT_EMULATED: dict[str, frozenset[str]] = {
    "search": frozenset(),
    "orgs": frozenset(),
    # Every parameter of verification, enrichment and news is applied (clodura_cli.sandbox.vendor).
    "verify": frozenset(),
    "enrich-person": frozenset(),
    "enrich-org": frozenset(),
    "news": frozenset(),
}
NOT_EMULATED_HEADER = "X-Sandbox-Not-Emulated"


def not_emulated(endpoint: str, body: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The header naming the filters of ``body`` the emulator does not apply (none: no header)."""
    names = sorted(n for n in NOT_EMULATED.get(endpoint, ()) if body.get(n) not in (None, [], ""))
    return ((NOT_EMULATED_HEADER, ", ".join(names)),) if names else ()


class ApiProblem(Exception):
    """An error answer: status code and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


_CLOSED = {f.api: f.choices for f in spec.SEARCH_FIELDS if f.choices}
_DOMAIN_RE = pattern(r"^([a-z0-9-]+\.)+[a-z]{2,}$")
_PROFILE_RE = pattern(r"^https?://([a-z]{2,3}\.)?linkedin\.com/in/[^/?#]+/?$", re.IGNORECASE)
_SALES_NAV_RE = pattern(r"linkedin\.com/sales/", re.IGNORECASE)


def check_linkedin(value: str) -> None:
    """400 for a Sales Navigator or otherwise non-standard profile URL."""
    if _SALES_NAV_RE.search(value):
        raise ApiProblem(400, "Sales Navigator URLs are not supported")
    if not _PROFILE_RE.match(value):
        raise ApiProblem(400, "linkedinUrl must be a standard linkedin.com/in/ profile URL")


def check_domain(value: str) -> None:
    """400 for anything but a bare domain."""
    if value.startswith("www.") or "@" in value or "/" in value or not _DOMAIN_RE.match(value):
        raise ApiProblem(
            400, f"Invalid domain '{value}': use a bare domain without www., @ or path"
        )


def _date(value: Any, name: str) -> dt.date:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ApiProblem(400, f"{name} must be a date in YYYY-MM-DD format")


def _check_known(body: Mapping[str, Any], fields: Mapping[str, spec.Field]) -> None:
    """400 for a parameter the endpoint does not take, or a value of the wrong type."""
    for name, value in body.items():
        fld = fields.get(name)
        if fld is None:
            raise ApiProblem(400, f"Unknown parameter '{name}'")
        _check_type(fld.kind, name, value)


def validate_search(body: Mapping[str, Any]) -> None:
    """Raise the 400 or 422 the API answers for a bad Search People body."""
    _check_known(body, spec.FIELDS_BY_API)
    for name in ("page", "perPage"):
        if name not in body:
            raise ApiProblem(400, f"{name} is required")
        if not 1 <= body[name] <= 100:
            raise ApiProblem(400, f"{name} must be between 1 and 100")
    for name, choices in _CLOSED.items():
        values = body.get(name)
        for value in [values] if isinstance(values, str) else values or []:
            if value not in choices:
                raise ApiProblem(400, f"Invalid value '{value}' for {name}")
    domains = body.get("companyDomain") or []
    if len(domains) > spec.MAX_DOMAINS:
        raise ApiProblem(400, "companyDomain accepts at most 10 domains")
    for domain in domains:
        check_domain(domain)
    if "linkedinUrl" in body:
        check_linkedin(body["linkedinUrl"])
    dates = {n: _date(body[n], n) for n in ("fundingFromDate", "fundingToDate") if n in body}
    if body.get("personLocationExclude") and not any(
        body.get(n) for n in spec.PERSON_LOCATION_FIELDS
    ):
        raise ApiProblem(422, "personLocationExclude requires a person location filter")
    if body.get("includeAllOffice") and not any(body.get(n) for n in spec.COMPANY_LOCATION_FIELDS):
        raise ApiProblem(422, "includeAllOffice requires a company location filter")
    if len(dates) == 2 and dates["fundingToDate"] < dates["fundingFromDate"]:
        raise ApiProblem(422, "fundingToDate must not be before fundingFromDate")


def _check_type(kind: Kind, name: str, value: Any) -> None:
    ok = {
        Kind.INT: isinstance(value, int) and not isinstance(value, bool),
        Kind.BOOL: isinstance(value, bool),
        Kind.STRING: isinstance(value, str),
        Kind.DATE: isinstance(value, str),
        Kind.ARRAY: isinstance(value, list) and all(isinstance(item, str) for item in value),
    }[kind]
    if not ok:
        raise ApiProblem(400, f"{name} must be {'an' if kind is Kind.INT else 'a'} {kind.value}")


Predicate = Callable[[int], bool]


def _fold(values: Any) -> frozenset[str]:
    items = [values] if isinstance(values, str) else values
    return frozenset(str(item).strip().casefold() for item in items)


def _title_matches(titles: list[str], similar: bool) -> Callable[[str], bool]:
    if not similar:
        wanted = _fold(titles)
        return lambda title: title.casefold() in wanted
    queries = []
    for title in titles:
        words: set[str] = set()
        for word in words_of(title):
            words.update(vocab.TITLE_SYNONYMS.get(word, (word,)))
        queries.append(frozenset(words))
    # Approximate: every word of some query appears in the title (synonyms expanded).
    return lambda title: any(query <= title_words(title) for query in queries if query)


def _any_of(found: Any, wanted: frozenset[str]) -> bool:
    if isinstance(found, (list, tuple)):
        return any(str(item).casefold() in wanted for item in found)
    return found is not None and str(found).casefold() in wanted


_PERSON_LOCATION = {"personCity": 0, "personState": 1, "personCountry": 2}
_COMPANY_LOCATION = {"companyCity": 0, "companyState": 1, "companyCountry": 2}
_COMPANY_FIELDS: dict[str, Callable[[Company], Any]] = {
    "organizationId": lambda c: c.id,
    "organizationName": lambda c: c.name,
    "companyDomain": lambda c: c.domains,
    "companyEmployeeSize": lambda c: c.employee_size,
    "industry": lambda c: c.industry,
    "industryKeywords": lambda c: c.keywords,
    "revenue": lambda c: c.revenue,
    "fundingType": lambda c: c.funding_type,
    "businessModel": lambda c: c.business_model,
    "technologyParameters": lambda c: c.technologies,
    "webKeywords": lambda c: c.web_keywords,
}


def _field_test(
    getter: Callable[[Company], Any], wanted: frozenset[str]
) -> Callable[[Company], bool]:
    return lambda company: _any_of(getter(company), wanted)


def _folded_in(wanted: frozenset[str]) -> Callable[[str], bool]:
    return lambda entry: entry.casefold() in wanted


class _ColumnTest:
    """A person passes when their entry in a column is one of the good ones: a predicate, and
    the people who pass, found in one scan of the column without a call per person."""

    __slots__ = ("column", "good")

    def __init__(self, column: Sequence[int], good: frozenset[int]) -> None:
        self.column = column
        self.good = good

    def __call__(self, index: int) -> bool:
        return self.column[index] in self.good

    def select(self) -> list[int]:
        # In C: one membership test a person, no Python frame for each.
        return list(compress(range(len(self.column)), map(self.good.__contains__, self.column)))


def _column_test(column: Sequence[int], good: frozenset[int]) -> Predicate:
    return _ColumnTest(column, good)


def _places(body: Mapping[str, Any], fields: Mapping[str, int]) -> Callable[[Location], bool]:
    wanted = [(index, _fold(body[name])) for name, index in fields.items() if body.get(name)]
    return lambda place: all(place[index].casefold() in values for index, values in wanted)


def _company_tests(body: Mapping[str, Any]) -> list[Callable[[Company], bool]]:
    tests: list[Callable[[Company], bool]] = []
    for name, getter in _COMPANY_FIELDS.items():
        if body.get(name):
            tests.append(_field_test(getter, _fold(body[name])))
    if any(body.get(name) for name in _COMPANY_LOCATION):
        inside = _places(body, _COMPANY_LOCATION)
        if body.get("includeAllOffice"):
            tests.append(lambda c: any(inside(place) for place in c.offices))
        else:
            tests.append(lambda c: inside(c.hq))
    start, end = body.get("fundingFromDate"), body.get("fundingToDate")
    if start or end:
        low, high = start or "0000-00-00", end or "9999-99-99"
        tests.append(lambda c: c.funding_date is not None and low <= c.funding_date <= high)
    return tests


def _table_test(table: Sequence[Any], keep: Callable[[Any], bool]) -> frozenset[int]:
    """The indexes of a word table whose entry passes a test."""
    return frozenset(i for i, entry in enumerate(table) if keep(entry))


def build_predicates(
    dataset: Dataset, body: Mapping[str, Any], unlocked: frozenset[str]
) -> list[Predicate]:
    """One test per filter in the body, on a person's index; a person matches when all pass.

    Each filter is first decided for every entry of the table it looks at (1,100 companies,
    a few hundred titles, the cities), so that the scan over the people is a lookup per test.
    """
    cols = dataset.columns
    predicates: list[Predicate] = []
    company_tests = _company_tests(body)
    if company_tests:
        good = _table_test(dataset.companies, lambda c: all(test(c) for test in company_tests))
        predicates.append(_column_test(cols.company, good))
    if body.get("personId"):
        wanted_ids = dataset.by_id.get(str(body["personId"]).strip())
        predicates.append(lambda i: i == wanted_ids)
    if body.get("linkedinUrl"):
        url = str(body["linkedinUrl"]).strip().rstrip("/").casefold() + "/"
        url = re.sub(r"^https?://([a-z]{2,3}\.)?", "https://www.", url)
        wanted_index = dataset.by_linkedin.get(url)
        predicates.append(lambda i: i == wanted_index)
    for name, column, table in (
        ("firstName", cols.first, cols.first_names),
        ("lastName", cols.last, cols.last_names),
        ("personTitle", cols.title, cols.titles),
        ("functional", cols.function, FUNCTIONS),
        ("contactEmailStatus", cols.status, STATUSES),
    ):
        if body.get(name):
            if name == "personTitle":
                keep = _title_matches(body[name], body.get("includeSimilarTitles", True))
            else:
                keep = _folded_in(_fold(body[name]))
            predicates.append(_column_test(column, _table_test(table, keep)))
    if body.get("seniority"):
        wanted_seniorities = _fold(body["seniority"])
        mask = sum(
            1 << bit
            for bit, name in enumerate(SENIORITIES)
            if name.casefold() in wanted_seniorities
        )
        predicates.append(lambda i: bool(cols.seniority[i] & mask))
    if any(body.get(name) for name in _PERSON_LOCATION):
        inside = _table_test(vocab.CITIES, _places(body, _PERSON_LOCATION))
        if body.get("personLocationExclude"):
            predicates.append(lambda i: cols.place[i] not in inside)
        else:
            predicates.append(_column_test(cols.place, inside))
    if body.get("excludeViewedPeople") and unlocked:
        viewed = {dataset.by_id[pid] for pid in unlocked if pid in dataset.by_id}
        predicates.append(lambda i: i not in viewed)
    return predicates


def matching_indexes(
    dataset: Dataset, body: Mapping[str, Any], unlocked: frozenset[str]
) -> list[int]:
    """The index of everyone the body's filters select, in the data set's stable order."""
    predicates = build_predicates(dataset, body, unlocked)
    # A column's test scans its column (no call per person); the other tests then look only at
    # the people it kept.
    first = next((test for test in predicates if isinstance(test, _ColumnTest)), None)
    found = first.select() if first is not None else list(range(len(dataset)))
    for test in predicates:
        if test is not first:
            found = [i for i in found if test(i)]
    return found


def matching_people(
    dataset: Dataset, body: Mapping[str, Any], unlocked: frozenset[str]
) -> list[Person]:
    """Everyone the body's filters select, in the data set's stable order."""
    return [dataset.person(i) for i in matching_indexes(dataset, body, unlocked)]


# Search Organizations ------------------------------------------------------------------------

#: Organisation filters, by the name the company filters of Search People use for them.
_ORG_AS_COMPANY = {
    "organisationId": "organizationId",
    "organisationName": "organizationName",
    "domain": "companyDomain",
    "organisationCity": "companyCity",
    "organisationState": "companyState",
    "organisationCountry": "companyCountry",
}
_ORG_CLOSED = {f.api: f.choices for f in spec.ORG_FIELDS if f.choices}


def validate_org_search(body: Mapping[str, Any]) -> None:
    """Raise the 400 or 422 the API answers for a bad Search Organizations body."""
    _check_known(body, spec.ORG_FIELDS_BY_API)
    for name, top in (("page", spec.ORG_MAX_PAGE), ("perPage", spec.MAX_PER_PAGE)):
        if name not in body:
            raise ApiProblem(400, f"{name} is required")
        if not 1 <= body[name] <= top:
            raise ApiProblem(400, f"{name} must be between 1 and {top}")
    if not any(body.get(name) for name in body if name not in ("page", "perPage")):
        raise ApiProblem(400, "At least one filter is required")
    for name, choices in _ORG_CLOSED.items():
        for value in body.get(name) or []:
            if value not in choices:
                raise ApiProblem(400, f"Invalid value '{value}' for {name}")
    if body.get("domain"):
        check_domain(body["domain"])
    if body.get("includeAllOffice") and not any(body.get(n) for n in spec.ORG_LOCATION_FIELDS):
        raise ApiProblem(422, "includeAllOffice requires an organisation location filter")


def matching_companies(dataset: Dataset, body: Mapping[str, Any]) -> list[Company]:
    """The organisations the body selects, in the data set's order."""
    translated = {_ORG_AS_COMPANY.get(name, name): value for name, value in body.items()}
    if isinstance(translated.get("companyDomain"), str):
        translated["companyDomain"] = [translated["companyDomain"]]
    tests = _company_tests(translated)
    return [company for company in dataset.companies if all(test(company) for test in tests)]


def org_record(company: Company) -> dict[str, Any]:
    """An organisation as the emulator answers it: the same id, domain and size its people
    carry as organizationId, companyDomain and companyEmployeeSize."""
    city, state, country = company.hq
    return {
        "organisationId": company.id,
        "organisationName": company.name,
        "domain": company.domains[0] if company.domains else None,
        "domains": list(company.domains),
        "industry": company.industry,
        "industryKeywords": list(company.keywords),
        "companyEmployeeSize": company.employee_size,
        "revenue": company.revenue,
        "businessModel": company.business_model,
        "organisationCity": city,
        "organisationState": state,
        "organisationCountry": country,
        "offices": [{"city": c, "state": s, "country": n} for c, s, n in company.offices],
        "technologies": list(company.technologies),
        "webKeywords": list(company.web_keywords),
    }
