"""The synthetic data set: companies and people generated from a seed, the same every time."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import random
from dataclasses import dataclass, field
from typing import Any

from clodura_cli import spec
from clodura_cli.sandbox import vocabulary as vocab

DEFAULT_SEED = 20261127
COMPANY_COUNT = 1_100
PEOPLE_COUNT = 20_000

_SIZE_WEIGHTS = (4, 10, 18, 22, 16, 10, 10, 5, 5)
#: Revenue bands plausible for each employee-size band (by index).
_SIZE_REVENUE = (0, 0, 1, 1, 2, 3, 3, 4, 5)
_SENIORITY_WEIGHTS = {
    "Founder": 3,
    "Chairman": 0.5,
    "President": 1,
    "CEO": 2,
    "CXO": 4,
    "Vice President": 7,
    "Director": 12,
    "Head": 8,
    "Manager": 20,
    "Senior": 18,
    "Junior": 8,
    "Entry Level": 8,
    "Executive": 8.5,
}
_EMAIL_STATUS_WEIGHTS = {"verified": 55, "unverified": 30, "unavailable": 15}
_TLDS = (".com", ".com", ".com", ".io", ".ai", ".co", ".net", ".tech")
_FUNDING_START = dt.date(2015, 1, 1)
_FUNDING_DAYS = (dt.date(2026, 10, 31) - _FUNDING_START).days

_SENIORITIES = list(_SENIORITY_WEIGHTS)
_SENIORITY_CUM = list(itertools.accumulate(_SENIORITY_WEIGHTS.values()))
_STATUSES = list(_EMAIL_STATUS_WEIGHTS)
_STATUS_CUM = list(itertools.accumulate(_EMAIL_STATUS_WEIGHTS.values()))
_FUNCTIONS = list(vocab.FUNCTION_ROLES)

Location = tuple[str, str, str]


@dataclass
class Company:
    """A company with the attributes the company filters look at."""

    id: str
    name: str
    domains: list[str]
    employee_size: str
    hq: Location
    offices: list[Location]
    industry: str
    keywords: list[str]
    revenue: str
    funding_type: str | None
    funding_date: str | None
    business_model: str
    technologies: list[str]
    web_keywords: list[str]


@dataclass
class Person:
    """A person: the record the API returns, plus what the person filters look at."""

    record: dict[str, Any]
    company: Company
    title_words: frozenset[str] = field(default_factory=frozenset)


@dataclass
class Dataset:
    """Every company and person, with the lookups the emulator needs."""

    companies: list[Company]
    people: list[Person]
    by_id: dict[str, Person]
    by_linkedin: dict[str, Person]


def _unique_id(rng: random.Random, taken: set[str]) -> str:
    while True:
        value = str(rng.randrange(10**18, 10**19))
        if value not in taken:
            taken.add(value)
            return value


def _companies(rng: random.Random, taken: set[str]) -> list[Company]:
    names = [f"{p} {s}" for p in vocab.COMPANY_PREFIXES for s in vocab.COMPANY_SUFFIXES]
    rng.shuffle(names)
    companies = []
    for name in names[:COMPANY_COUNT]:
        slug = name.lower().replace(" ", "")
        domains = [slug + rng.choice(_TLDS)]
        if rng.random() < 0.15:
            domains.append(slug.split()[0] + "-" + rng.choice(("hq", "global", "app")) + ".com")
        size_index = rng.choices(range(len(spec.EMPLOYEE_SIZES)), _SIZE_WEIGHTS)[0]
        hq = rng.choice(vocab.CITIES)
        offices = [hq, *rng.sample(vocab.CITIES, rng.choice((0, 0, 1, 2, 3)))]
        industry, industry_keywords = rng.choice(vocab.INDUSTRIES)
        funded = rng.random() < 0.6
        companies.append(
            Company(
                id=_unique_id(rng, taken),
                name=name,
                domains=domains,
                employee_size=spec.EMPLOYEE_SIZES[size_index],
                hq=hq,
                offices=list(dict.fromkeys(offices)),
                industry=industry,
                keywords=rng.sample(industry_keywords, rng.randint(1, len(industry_keywords))),
                revenue=spec.REVENUES[min(5, _SIZE_REVENUE[size_index] + rng.choice((0, 0, 1)))],
                funding_type=rng.choice(spec.FUNDING_TYPES) if funded else None,
                funding_date=(
                    (_FUNDING_START + dt.timedelta(days=rng.randrange(_FUNDING_DAYS))).isoformat()
                    if funded
                    else None
                ),
                business_model=rng.choice(spec.BUSINESS_MODELS),
                technologies=rng.sample(vocab.TECHNOLOGIES, rng.randint(3, 8)),
                web_keywords=rng.sample(vocab.WEB_KEYWORDS, rng.randint(2, 6)),
            )
        )
    return companies


_TITLE_TEMPLATES: dict[str, tuple[str, ...]] = {
    "Founder": ("Founder", "Co-Founder", "Founder & CEO"),
    "Chairman": ("Chairman", "Chairman of the Board"),
    "President": ("President", "President, {area}"),
    "CEO": ("Chief Executive Officer", "CEO"),
    "CXO": ("{cxo}",),
    "Vice President": ("Vice President of {area}", "VP, {area}", "VP {area}"),
    "Director": ("Director of {area}", "{area} Director", "Senior Director, {area}"),
    "Head": ("Head of {area}",),
    "Manager": ("{area} Manager", "Senior {area} Manager"),
    "Senior": ("Senior {role}", "Lead {role}"),
    "Junior": ("Junior {role}",),
    "Entry Level": ("Associate {role}", "{role} Intern"),
    "Executive": ("{role}",),
}


def _title(rng: random.Random, seniority: str, function: str) -> tuple[str, list[str]]:
    role, area = vocab.FUNCTION_ROLES[function]
    template = rng.choice(_TITLE_TEMPLATES[seniority])
    cxo = vocab.CXO_TITLES.get(function, "Chief Operating Officer")
    title = template.format(area=area, role=role, cxo=cxo)
    seniorities = [seniority]
    if title == "Founder & CEO":
        seniorities.append("CEO")
    return title, seniorities


@functools.lru_cache(maxsize=4096)
def title_words(title: str) -> frozenset[str]:
    """The lower-case words of a title, with abbreviations also spelled out (VP: vice president)."""
    cleaned = "".join(ch if ch.isalnum() else " " for ch in title.lower())
    words = set(cleaned.split())
    for word in list(words):
        words.update(vocab.TITLE_SYNONYMS.get(word, ()))
    return frozenset(words)


def _person(rng: random.Random, company: Company, taken: set[str]) -> Person:
    first = rng.choice(vocab.FIRST_NAMES)
    last = rng.choice(vocab.LAST_NAMES)
    seniority = rng.choices(_SENIORITIES, cum_weights=_SENIORITY_CUM)[0]
    function = rng.choice(_FUNCTIONS)
    title, seniorities = _title(rng, seniority, function)
    roll = rng.random()
    city = (
        company.hq if roll < 0.75 else rng.choice(company.offices if roll < 0.9 else vocab.CITIES)
    )
    slug = f"{first}-{last}-{rng.getrandbits(24):06x}".lower()
    status = rng.choices(_STATUSES, cum_weights=_STATUS_CUM)[0]
    record = {
        "personId": _unique_id(rng, taken),
        "firstName": first,
        "lastName": last,
        "linkedinUrl": f"https://www.linkedin.com/in/{slug}/",
        "seniority": seniorities,
        "personTitle": [title],
        "functional": [function],
        "personCity": city[0],
        "personState": city[1],
        "personCountry": city[2],
        "contactEmailStatus": status,
        "organizationId": company.id,
        "organizationName": company.name,
        "companyDomain": list(company.domains),
        "companyEmployeeSize": company.employee_size,
        "companyCountry": company.hq[2],
    }
    return Person(record=record, company=company, title_words=title_words(title))


@functools.lru_cache(maxsize=2)
def build_dataset(seed: int = DEFAULT_SEED) -> Dataset:
    """Generate the data set; the same seed always gives the same people in the same order."""
    rng = random.Random(seed)
    taken: set[str] = set()
    companies = _companies(rng, taken)
    # Bigger companies employ more of the people.
    weights = [1 + 3 * spec.EMPLOYEE_SIZES.index(c.employee_size) for c in companies]
    employers = rng.choices(companies, weights, k=PEOPLE_COUNT - len(companies))
    people = [_person(rng, company, taken) for company in [*companies, *employers]]
    rng.shuffle(people)
    return Dataset(
        companies=companies,
        people=people,
        by_id={p.record["personId"]: p for p in people},
        by_linkedin={p.record["linkedinUrl"]: p for p in people},
    )
