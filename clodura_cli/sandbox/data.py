"""The synthetic data set: companies and people generated from a seed, the same every time.

People are kept as columns of small numbers (indexes into word lists), not as 20,000 objects:
a column loads from the cache in microseconds and the emulator's filters scan it quickly. A
person's record is built only when it is served. The generated columns are cached on disk,
keyed by the code that generates them, so a process pays for generation once per version.

Every company domain is under a name reserved for examples (RFC 2606), so that no sandbox email
can reach a real inbox. The one exception is the vendor's own example person and organisation,
copied from its documentation page so that its example request finds them.
"""

import datetime as dt
import functools
import itertools
import marshal
import os
import zlib
from array import array
from collections.abc import Callable, Iterator, MutableSequence, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, overload

from clodura_cli.api import spec
from clodura_cli.base.text import pattern
from clodura_cli.sandbox import vocabulary as vocab
from clodura_cli.store.files import private_dir

if TYPE_CHECKING:  # only generating the data set needs it; a start reads the cache
    import random

T = TypeVar("T")

DEFAULT_SEED = 20261127
COMPANY_COUNT = 1_100
PEOPLE_COUNT = 20_000
#: Reserved for documentation and tests (RFC 2606): no real inbox lives under them.
RESERVED_SUFFIXES = (".example", ".test", ".example.com", ".example.net", ".example.org")

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
_TLDS = (".example", ".example", ".example", ".test", ".example.com", ".example.net")
#: The day the funding dates were drawn as of (the newest is the day before): a data set served
#: later has its dates moved forward by the days since (calendar_shift).
_DRAWN_ON = dt.date(2026, 10, 31)
_FUNDING_START = dt.date(2015, 1, 1)
_FUNDING_DAYS = (_DRAWN_ON - _FUNDING_START).days

SENIORITIES = tuple(spec.SENIORITIES)
_SENIORITY_DRAW = [SENIORITIES.index(name) for name in _SENIORITY_WEIGHTS]
_SENIORITY_CUM = list(itertools.accumulate(_SENIORITY_WEIGHTS.values()))
STATUSES = tuple(_EMAIL_STATUS_WEIGHTS)
_STATUS_CUM = list(itertools.accumulate(_EMAIL_STATUS_WEIGHTS.values()))
FUNCTIONS = tuple(vocab.FUNCTION_ROLES)

#: The person and organisation of the vendor's Search People example (../shared/seed/).
VENDOR_PERSON = {
    "personId": "3597524184265130552",
    "firstName": "Kapil",
    "lastName": "Khangaonkar",
    "linkedinUrl": "https://www.linkedin.com/in/kapilkhangaonkar/",
    "seniority": ["Founder"],
    "personTitle": ["CEO"],
    "functional": ["Admin"],
    "personCity": "Pune",
    "personState": "Maharashtra",
    "personCountry": "India",
    "contactEmailStatus": "verified",
}
VENDOR_ORGANIZATION_ID = "2389402640191586304"
VENDOR_DOMAIN = "clodura.ai"
#: The example's size, outside the documented bands; the default dialect answers the band.
VENDOR_EMPLOYEE_SIZE = "51-100"
#: Where the vendor person sits in the data set: early, so that small searches meet them.
_VENDOR_INDEX = 7

Location = tuple[str, str, str]


class Company(NamedTuple):
    """A company with the attributes the company filters look at (tuples throughout: no
    object of a loaded data set is one the cyclic garbage collector has to look at)."""

    id: str
    name: str
    domains: tuple[str, ...]
    employee_size: str
    hq: Location
    offices: tuple[Location, ...]
    industry: str
    keywords: tuple[str, ...]
    revenue: str
    funding_type: str | None
    funding_date: str | None
    business_model: str
    technologies: tuple[str, ...]
    web_keywords: tuple[str, ...]


class Person(NamedTuple):
    """A person: the record the API returns, plus what the person filters look at."""

    record: dict[str, Any]
    company: Company
    title_words: frozenset[str] = frozenset()


class Columns(NamedTuple):
    """Every person as one entry in each column: arrays of the type code noted beside each,
    holding indexes into the tables after them."""

    person_id: MutableSequence[int]  # 'Q'
    company: MutableSequence[int]  # 'H': index into the companies
    first: MutableSequence[int]  # 'H': index into first_names
    last: MutableSequence[int]  # 'H': index into last_names
    slug: MutableSequence[int]  # 'I': the LinkedIn slug's random suffix
    seniority: MutableSequence[int]  # 'H': bit i set for SENIORITIES[i]
    title: MutableSequence[int]  # 'H': index into titles
    function: MutableSequence[int]  # 'B': index into FUNCTIONS
    place: MutableSequence[int]  # 'H': index into vocab.CITIES
    status: MutableSequence[int]  # 'B': index into STATUSES
    titles: list[str]
    first_names: list[str]
    last_names: list[str]


class Dataset:
    """Every company and person, with the lookups the emulator needs."""

    def __init__(self, companies: Sequence[Company], columns: Columns) -> None:
        self.companies = companies
        self.columns = columns
        self.people = Made(len(columns.person_id), self.person)
        self._persons: dict[int, Person] = {}

    def __len__(self) -> int:
        return len(self.columns.person_id)

    def person(self, index: int) -> Person:
        """One person, built on first use and then kept (so a test may change the record)."""
        person = self._persons.get(index)
        if person is None:
            cols = self.columns
            title = cols.titles[cols.title[index]]
            person = Person(
                self._record(index),
                self.companies[cols.company[index]],
                title_words(title),
            )
            self._persons[index] = person
        return person

    def _record(self, index: int) -> dict[str, Any]:
        cols = self.columns
        company = self.companies[cols.company[index]]
        first, last = cols.first_names[cols.first[index]], cols.last_names[cols.last[index]]
        mask = cols.seniority[index]
        city, state, country = vocab.CITIES[cols.place[index]]
        return {
            "personId": str(cols.person_id[index]),
            "firstName": first,
            "lastName": last,
            "linkedinUrl": self.linkedin_url(index),
            "seniority": [name for bit, name in enumerate(SENIORITIES) if mask >> bit & 1],
            "personTitle": [cols.titles[cols.title[index]]],
            "functional": [FUNCTIONS[cols.function[index]]],
            "personCity": city,
            "personState": state,
            "personCountry": country,
            "contactEmailStatus": STATUSES[cols.status[index]],
            "organizationId": company.id,
            "organizationName": company.name,
            "companyDomain": list(company.domains),
            "companyEmployeeSize": company.employee_size,
            "companyCountry": company.hq[2],
        }

    def linkedin_url(self, index: int) -> str:
        """The person's LinkedIn profile URL."""
        if index == _VENDOR_INDEX:
            return str(VENDOR_PERSON["linkedinUrl"])
        cols = self.columns
        first, last = cols.first_names[cols.first[index]], cols.last_names[cols.last[index]]
        return f"https://www.linkedin.com/in/{first}-{last}-{cols.slug[index]:06x}/".lower()

    @functools.cached_property
    def by_id(self) -> dict[str, int]:
        """Index of each person by personId."""
        return {str(value): index for index, value in enumerate(self.columns.person_id)}

    @functools.cached_property
    def by_linkedin(self) -> dict[str, int]:
        """Index of each person by LinkedIn URL (lower case, with a trailing slash)."""
        return {self.linkedin_url(index): index for index in range(len(self))}


class Made(Sequence[T]):
    """A sequence whose items are made when first looked at (the people of a data set, the
    companies of a cached one)."""

    def __init__(self, length: int, make: Callable[[int], T]) -> None:
        self._length = length
        self._make = make

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self._make(i) for i in range(*index.indices(self._length))]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(index)
        return self._make(index)

    def __iter__(self) -> Iterator[T]:
        return (self._make(i) for i in range(self._length))


#: Where a company's funding date stands among its fields (the cache keeps them as tuples).
_FUNDED = Company._fields.index("funding_date")


def _companies_made(rows: list[tuple[Any, ...]], shift: int) -> Made[Company]:
    """The companies of a cached data set, each made (its funding date moved on) when first
    looked at: a search that filters on no company attribute makes only those it serves."""
    made: list[Company | None] = [None] * len(rows)

    def company(index: int) -> Company:
        found = made[index]
        if found is None:
            found = made[index] = _moved(Company(*rows[index]), shift)
        return found

    return Made(len(rows), company)


def _unique_id(rng: "random.Random", taken: set[int]) -> int:
    while True:
        value = rng.randrange(10**18, 10**19)
        if value not in taken:
            taken.add(value)
            return value


def _companies(rng: "random.Random", taken: set[int]) -> list[Company]:
    names = [f"{p} {s}" for p in vocab.COMPANY_PREFIXES for s in vocab.COMPANY_SUFFIXES]
    rng.shuffle(names)
    companies = []
    for number, name in enumerate(names[:COMPANY_COUNT]):
        slug = name.lower().replace(" ", "")
        domains = [slug + rng.choice(_TLDS)]
        if rng.random() < 0.15:
            domains.append(slug + "-" + rng.choice(("hq", "global", "app")) + ".test")
        size_index = rng.choices(range(len(spec.EMPLOYEE_SIZES)), _SIZE_WEIGHTS)[0]
        hq = rng.choice(vocab.CITIES)
        offices = [hq, *rng.sample(vocab.CITIES, rng.choice((0, 0, 1, 2, 3)))]
        industry, industry_keywords = rng.choice(vocab.INDUSTRIES)
        if number % 2 and industry in vocab.OLDER_INDUSTRY_NAMES:  # draws nothing more
            industry = vocab.OLDER_INDUSTRY_NAMES[industry]
        funded = rng.random() < 0.6
        companies.append(
            Company(
                id=str(_unique_id(rng, taken)),
                name=name,
                domains=tuple(domains),
                employee_size=spec.EMPLOYEE_SIZES[size_index],
                hq=hq,
                offices=tuple(dict.fromkeys(offices)),
                industry=industry,
                keywords=tuple(
                    rng.sample(industry_keywords, rng.randint(1, len(industry_keywords)))
                ),
                revenue=spec.REVENUES[min(5, _SIZE_REVENUE[size_index] + rng.choice((0, 0, 1)))],
                funding_type=rng.choice(spec.FUNDING_TYPES) if funded else None,
                funding_date=(
                    (_FUNDING_START + dt.timedelta(days=rng.randrange(_FUNDING_DAYS))).isoformat()
                    if funded
                    else None
                ),
                business_model=rng.choice(spec.BUSINESS_MODELS),
                technologies=tuple(rng.sample(vocab.TECHNOLOGIES, rng.randint(3, 8))),
                web_keywords=tuple(rng.sample(vocab.WEB_KEYWORDS, rng.randint(2, 6))),
            )
        )
    return companies


def _vendor_company() -> Company:
    return Company(
        id=VENDOR_ORGANIZATION_ID,
        name="Clodura.AI",
        domains=(VENDOR_DOMAIN,),
        employee_size="51 - 200",
        hq=("San Jose", "California", "United States"),
        offices=(("San Jose", "California", "United States"), ("Pune", "Maharashtra", "India")),
        industry="Software",
        keywords=("AI", "SaaS"),
        revenue="1M-10M",
        funding_type=None,
        funding_date=None,
        business_model="Product",
        technologies=("AWS", "Salesforce", "HubSpot"),
        web_keywords=("sales intelligence", "B2B data"),
    )


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


def _title(rng: "random.Random", seniority: str, function: str) -> tuple[str, int]:
    role, area = vocab.FUNCTION_ROLES[function]
    template = rng.choice(_TITLE_TEMPLATES[seniority])
    cxo = vocab.CXO_TITLES.get(function, "Chief Operating Officer")
    title = template.format(area=area, role=role, cxo=cxo)
    mask = 1 << SENIORITIES.index(seniority)
    if title == "Founder & CEO":
        mask |= 1 << SENIORITIES.index("CEO")
    return title, mask


#: What separates words: anything but letters and digits (what str.isalnum calls neither).
_NOT_WORD = pattern(r"[\W_]+")


def words_of(text: str) -> list[str]:
    """The lower-case words of a text, in order: its runs of letters and digits."""
    return [word for word in _NOT_WORD.split(text.lower()) if word]


@functools.lru_cache(maxsize=4096)
def title_words(title: str) -> frozenset[str]:
    """The lower-case words of a title, with abbreviations also spelled out (VP: vice president)."""
    words = set(words_of(title))
    for word in list(words):
        words.update(vocab.TITLE_SYNONYMS.get(word, ()))
    return frozenset(words)


def generate(seed: int = DEFAULT_SEED) -> Dataset:
    """Generate the data set; the same seed always gives the same people in the same order."""
    import random

    rng = random.Random(seed)
    taken = {int(str(VENDOR_PERSON["personId"])), int(VENDOR_ORGANIZATION_ID)}
    companies = _companies(rng, taken)
    # Bigger companies employ more of the people.
    weights = [1 + 3 * spec.EMPLOYEE_SIZES.index(c.employee_size) for c in companies]
    employers = list(range(len(companies)))
    employers += rng.choices(employers, weights, k=PEOPLE_COUNT - 1 - len(companies))
    rng.shuffle(employers)
    first_names = [*vocab.FIRST_NAMES, str(VENDOR_PERSON["firstName"])]
    last_names = [*vocab.LAST_NAMES, str(VENDOR_PERSON["lastName"])]
    titles: list[str] = []
    title_index: dict[str, int] = {}
    cols = Columns(
        array("Q"), array("H"), array("H"), array("H"), array("I"), array("H"), array("H"),
        array("B"), array("H"), array("B"), titles, first_names, last_names,
    )  # fmt: skip
    place_of = {place: i for i, place in enumerate(vocab.CITIES)}
    n_first, n_last = len(vocab.FIRST_NAMES), len(vocab.LAST_NAMES)
    for employer in employers:
        company = companies[employer]
        seniority = SENIORITIES[rng.choices(_SENIORITY_DRAW, cum_weights=_SENIORITY_CUM)[0]]
        function = rng.randrange(len(FUNCTIONS))
        title, mask = _title(rng, seniority, FUNCTIONS[function])
        roll = rng.random()
        city = (
            company.hq
            if roll < 0.75
            else rng.choice(company.offices if roll < 0.9 else vocab.CITIES)
        )
        cols.person_id.append(_unique_id(rng, taken))
        cols.company.append(employer)
        cols.first.append(rng.randrange(n_first))
        cols.last.append(rng.randrange(n_last))
        cols.slug.append(rng.getrandbits(24))
        cols.seniority.append(mask)
        cols.title.append(title_index.setdefault(title, len(title_index)))
        cols.function.append(function)
        cols.place.append(place_of[city])
        cols.status.append(rng.choices(range(len(STATUSES)), cum_weights=_STATUS_CUM)[0])
    titles.extend(title_index)
    _insert_vendor_person(companies, cols, title_index)
    return Dataset(companies, cols)


def _insert_vendor_person(
    companies: list[Company], cols: Columns, title_index: dict[str, int]
) -> None:
    companies.append(_vendor_company())
    title = VENDOR_PERSON["personTitle"][0]
    if title not in title_index:
        title_index[title] = len(cols.titles)
        cols.titles.append(title)
    values = {
        "person_id": int(str(VENDOR_PERSON["personId"])),
        "company": len(companies) - 1,
        "first": len(cols.first_names) - 1,
        "last": len(cols.last_names) - 1,
        "slug": 0,
        "seniority": 1 << SENIORITIES.index("Founder"),
        "title": title_index[title],
        "function": FUNCTIONS.index("Admin"),
        "place": vocab.CITIES.index(("Pune", "Maharashtra", "India")),
        "status": STATUSES.index("verified"),
    }
    for name, value in values.items():
        getattr(cols, name).insert(_VENDOR_INDEX, value)


def _code_stamp(seed: int) -> str:
    """Changes whenever the code that generates the data set does (a checksum, not a hash:
    loading OpenSSL's hashes would cost every sandbox start 4 ms)."""
    here = Path(__file__).resolve().parent
    stamp = [str(seed).encode()]
    for path in (here / "data.py", here / "vocabulary.py", here.parent / "api" / "spec.py"):
        stamp.append(path.read_bytes())
    return f"{seed}-{zlib.crc32(b'|'.join(stamp)):08x}-{sum(map(len, stamp))}"


def cache_folder() -> Path:
    """Where the generated data set is cached (``config.sandbox_cache_dir``)."""
    from clodura_cli.store import config

    return config.sandbox_cache_dir()


_ARRAYS = ("person_id", "company", "first", "last", "slug", "seniority", "title", "function",
           "place", "status")  # fmt: skip
_TABLES = ("titles", "first_names", "last_names")


def _load_cached(path: Path, shift: int = 0) -> Dataset | None:
    """The cached data set, its funding dates ``shift`` days later; None when there is none or
    it cannot be read (it is regenerated)."""
    try:
        payload = marshal.loads(path.read_bytes())
        rows = payload["companies"]
        # Companies are made later, when looked at: what would fail then is refused now.
        if any(len(row) != len(Company._fields) for row in rows):
            raise ValueError("a company of another shape")
        for row in rows:
            if row[_FUNDED] is not None:
                dt.date.fromisoformat(row[_FUNDED])  # ValueError or TypeError: regenerated
        companies = _companies_made(rows, shift)
        columns: dict[str, Any] = {}
        for name in _ARRAYS:
            typecode, raw = payload[name]
            column = array(typecode)
            column.frombytes(raw)
            columns[name] = column
        columns.update({name: list(payload[name]) for name in _TABLES})
        return Dataset(companies, Columns(**columns))
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        return None


def _store(path: Path, dataset: Dataset) -> None:
    """Cache the data set (marshal: plain data, nothing that runs code when loaded)."""
    cols = dataset.columns
    payload: dict[str, Any] = {"companies": [tuple(company) for company in dataset.companies]}
    for name in _ARRAYS:
        column = getattr(cols, name)
        payload[name] = (column.typecode, column.tobytes())
    payload.update({name: tuple(getattr(cols, name)) for name in _TABLES})
    try:
        private_dir(path.parent)
        import tempfile

        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "wb") as stream:
            stream.write(marshal.dumps(payload))
        os.replace(temporary, path)
    except OSError:
        pass  # a cache that cannot be written only costs time


def build_dataset(seed: int = DEFAULT_SEED) -> Dataset:
    """The data set of a seed as served today (its funding dates moved on: calendar_shift):
    from this process's memory, else the disk cache, else generated. A new day gives the next
    day's, in a long-running `sandbox serve` too."""
    return _dataset(seed, dt.date.today())


@functools.lru_cache(maxsize=2)
def _dataset(seed: int, today: dt.date) -> Dataset:
    path = cache_folder() / f"population-{_code_stamp(seed)}.marshal"
    shift = calendar_shift(today)
    cached = _load_cached(path, shift)
    if cached is not None:
        return cached
    dataset = generate(seed)
    _store(path, dataset)
    return Dataset([_moved(company, shift) for company in dataset.companies], dataset.columns)


def calendar_shift(today: dt.date, drawn_on: dt.date = _DRAWN_ON) -> int:
    """Days synthetic dates drawn as of ``drawn_on`` (by default the funding dates) move forward
    so that they keep their age: the newest stays a day old, and `--funded-from -90d` finds as
    many companies next year as it does now."""
    return (today - drawn_on).days


def funded_as_drawn(company: Company) -> dt.date | None:
    """A company's funding date as it was drawn, before today's move (for what must not move
    with the calendar, such as the year it was founded)."""
    if not company.funding_date:
        return None
    shift = calendar_shift(dt.date.today())
    return dt.date.fromisoformat(company.funding_date) - dt.timedelta(days=shift)


def _moved(company: Company, days: int) -> Company:
    """The company with its funding date ``days`` later (the cache keeps the dates as drawn)."""
    if not days or not company.funding_date:
        return company
    moved = dt.date.fromisoformat(company.funding_date) + dt.timedelta(days=days)
    return company._replace(funding_date=moved.isoformat())
