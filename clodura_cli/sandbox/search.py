"""Search People as the emulator does it: strict validation, then filtering the data set."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from clodura_cli import spec
from clodura_cli.sandbox import vocabulary as vocab
from clodura_cli.sandbox.data import Dataset, Person
from clodura_cli.spec import Kind


class ApiProblem(Exception):
    """An error answer: status code and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


_CLOSED = {f.api: f.choices for f in spec.SEARCH_FIELDS if f.choices and not f.open_list}
_DOMAIN_RE = re.compile(r"^([a-z0-9-]+\.)+[a-z]{2,}$")
_PROFILE_RE = re.compile(r"^https?://([a-z]{2,3}\.)?linkedin\.com/in/[^/?#]+/?$", re.IGNORECASE)
_SALES_NAV_RE = re.compile(r"linkedin\.com/sales/", re.IGNORECASE)


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


def validate_search(body: Mapping[str, Any]) -> None:
    """Raise the 400 or 422 the API answers for a bad Search People body."""
    for name, value in body.items():
        fld = spec.FIELDS_BY_API.get(name)
        if fld is None:
            raise ApiProblem(400, f"Unknown parameter '{name}'")
        _check_type(fld.kind, name, value)
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


Predicate = Callable[[Person], bool]


def _fold(values: Any) -> frozenset[str]:
    items = [values] if isinstance(values, str) else values
    return frozenset(str(item).strip().casefold() for item in items)


def _title_predicate(titles: list[str], similar: bool) -> Predicate:
    if not similar:
        wanted = _fold(titles)
        return lambda p: any(t.casefold() in wanted for t in p.record["personTitle"])
    queries = []
    for title in titles:
        cleaned = "".join(ch if ch.isalnum() else " " for ch in title.lower()).split()
        words: set[str] = set()
        for word in cleaned:
            words.update(vocab.TITLE_SYNONYMS.get(word, (word,)))
        queries.append(frozenset(words))
    # Approximate: every word of some query appears in the title (synonyms expanded).
    return lambda p: any(query <= p.title_words for query in queries if query)


def _any_of(getter: Callable[[Person], Any], values: Any) -> Predicate:
    wanted = _fold(values)

    def matches(person: Person) -> bool:
        found = getter(person)
        if isinstance(found, (list, tuple)):
            return any(str(item).casefold() in wanted for item in found)
        return found is not None and str(found).casefold() in wanted

    return matches


_PERSON_LOCATION = {"personCity": 0, "personState": 1, "personCountry": 2}
_COMPANY_LOCATION = {"companyCity": 0, "companyState": 1, "companyCountry": 2}
_SIMPLE: dict[str, Callable[[Person], Any]] = {
    "personId": lambda p: p.record["personId"],
    "firstName": lambda p: p.record["firstName"],
    "lastName": lambda p: p.record["lastName"],
    "linkedinUrl": lambda p: p.record["linkedinUrl"].rstrip("/").casefold(),
    "seniority": lambda p: p.record["seniority"],
    "functional": lambda p: p.record["functional"],
    "contactEmailStatus": lambda p: p.record["contactEmailStatus"],
    "organizationId": lambda p: p.company.id,
    "organizationName": lambda p: p.company.name,
    "companyDomain": lambda p: p.company.domains,
    "companyEmployeeSize": lambda p: p.company.employee_size,
    "industry": lambda p: p.company.industry,
    "industryKeywords": lambda p: p.company.keywords,
    "revenue": lambda p: p.company.revenue,
    "fundingType": lambda p: p.company.funding_type,
    "businessModel": lambda p: p.company.business_model,
    "technologyParameters": lambda p: p.company.technologies,
    "webKeywords": lambda p: p.company.web_keywords,
}


def _location_predicate(
    body: Mapping[str, Any], fields: Mapping[str, int], where: Any
) -> Predicate:
    wanted = [(index, _fold(body[name])) for name, index in fields.items() if body.get(name)]

    def matches(person: Person) -> bool:
        return any(
            all(place[index].casefold() in values for index, values in wanted)
            for place in where(person)
        )

    return matches


def build_predicates(body: Mapping[str, Any], unlocked: frozenset[str]) -> list[Predicate]:
    """One test per filter in the body; a person matches when every test passes."""
    predicates: list[Predicate] = []
    for name, getter in _SIMPLE.items():
        if body.get(name):
            value = body[name]
            if name == "linkedinUrl":
                value = value.rstrip("/")
            predicates.append(_any_of(getter, value))
    if body.get("personTitle"):
        predicates.append(
            _title_predicate(body["personTitle"], body.get("includeSimilarTitles", True))
        )
    if any(body.get(name) for name in _PERSON_LOCATION):
        inside = _location_predicate(
            body,
            _PERSON_LOCATION,
            lambda p: [
                (p.record["personCity"], p.record["personState"], p.record["personCountry"])
            ],
        )
        exclude = bool(body.get("personLocationExclude"))
        predicates.append((lambda p: not inside(p)) if exclude else inside)
    if any(body.get(name) for name in _COMPANY_LOCATION):
        all_offices = bool(body.get("includeAllOffice"))
        predicates.append(
            _location_predicate(
                body,
                _COMPANY_LOCATION,
                (lambda p: p.company.offices) if all_offices else (lambda p: [p.company.hq]),
            )
        )
    start, end = body.get("fundingFromDate"), body.get("fundingToDate")
    if start or end:
        low, high = start or "0000-00-00", end or "9999-99-99"
        predicates.append(
            lambda p: p.company.funding_date is not None and low <= p.company.funding_date <= high
        )
    if body.get("excludeViewedPeople"):
        predicates.append(lambda p: p.record["personId"] not in unlocked)
    return predicates


def matching_people(
    dataset: Dataset, body: Mapping[str, Any], unlocked: frozenset[str]
) -> list[Person]:
    """Everyone the body's filters select, in the data set's stable order."""
    predicates = build_predicates(body, unlocked)
    return [p for p in dataset.people if all(test(p) for test in predicates)]
