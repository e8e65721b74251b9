"""The known values of the filters: the lists shipped in ``api/lists``, the spec's closed lists,
the other names their values go by, and fuzzy lookups in them.

A list is read from its file on first use, once per process; completion reads only the list
it completes.
"""

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from clodura_cli.api import spec
from clodura_cli.api.errors import UsageError
from clodura_cli.base import fuzzy
from clodura_cli.base.text import quoted

#: The folder of the lists, package data (pyproject's wheel target takes the whole package).
_LISTS = Path(__file__).resolve().parent / "lists"
#: The column of every record ``clodura values`` prints that holds the value itself.
VALUE = "value"


class _Source(NamedTuple):
    """A list shipped as a file: one value a line, or a TSV with a header."""

    noun: str
    file: str
    #: The TSV column holding the value (None: a plain list, one value a line).
    column: str | None = None
    #: TSV columns holding codes that name the same value (ISO 3166 alpha-2 and alpha-3).
    codes: tuple[str, ...] = ()
    #: The TSV column holding the value's group (matched after the value's own words).
    group: str | None = None
    #: A file of other names for the values: ``name<TAB>value``, sent as the value.
    other_names: str | None = None
    #: A value spelled with other punctuation, accents or '&' is that value, sent as the list
    #: spells it (a country); otherwise it is only suggested (an industry: the API may hold an
    #: older spelling).
    respell: bool = False


SOURCES: dict[str, _Source] = {
    "industries": _Source("industry", "industries.tsv", "industry", group="group"),
    "countries": _Source(
        "country",
        "countries.tsv",
        "name",
        codes=("iso2", "iso3"),
        other_names="country-names.tsv",
        respell=True,
    ),
    "functions": _Source("function", "functions.txt"),
    "funding-types": _Source("funding type", "funding-types.txt"),
}


#: Matches as sure as each other, for suggestions (see ``ValueList.suggestions``).
_BANDS = {
    fuzzy.Tier.ALIAS: 0, fuzzy.Tier.SPELLING: 0, fuzzy.Tier.ACRONYM: 0,
    fuzzy.Tier.WORDS: 1, fuzzy.Tier.GROUP: 1, fuzzy.Tier.TYPO: 2, fuzzy.Tier.SOME_WORDS: 3,
}  # fmt: skip


#: An empty mapping no list can change: the default of a list's optional tables.
_NONE: Mapping[str, Any] = MappingProxyType({})


class ValueList(NamedTuple):
    """The known values of a filter and what helps find them."""

    name: str
    #: What one value is called in messages ("industry").
    noun: str
    values: tuple[str, ...]
    #: What `clodura values` prints of each value: the value first, then its other columns.
    columns: tuple[str, ...] = (VALUE,)
    #: The list's rows as its file holds them, and where each of ``columns`` stands in a row:
    #: made into records only when they are listed (checking a value needs ``values`` alone).
    rows: Sequence[Sequence[str]] = ()
    order: tuple[int, ...] = (0,)
    #: Other names (by ``fuzzy.key``) meaning the same value: codes, ISO and common names.
    same: Mapping[str, str] = _NONE
    #: Names (by ``fuzzy.key``) that are not values, and the values to suggest for them.
    suggested: Mapping[str, tuple[str, ...]] = _NONE
    #: A value's group, where the list has groups.
    groups: Mapping[str, str] = _NONE

    @property
    def records(self) -> list[dict[str, str]]:
        """Every value and its other columns, as `clodura values` prints them."""
        order = tuple(zip(self.columns, self.order, strict=True))
        return [{column: row[at] for column, at in order} for row in self.rows]

    def exact(self, text: str) -> str | None:
        """The value ``text`` is, matched ignoring case and spaces; None when it is none."""
        return exact(text, self.values)

    def other_name(self, text: str) -> str | None:
        """The value ``text`` is another name or code for (``USA``: United States)."""
        return self.same.get(fuzzy.key(text))

    def ranked(self, text: str, *, typo_cutoff: float = 0.6) -> list[tuple[str, fuzzy.Tier]]:
        """The values ``text`` may mean, surest first; for a number, the band that holds it
        (``75``: ``51 - 200``, ``50M``: ``11M-100M``)."""
        holding = band_holding(text, self.values)
        if holding is not None:  # a number means that band, and no near spelling of it
            return [(holding, fuzzy.Tier.ALIAS)]
        if not_a_band(text, self.values):  # $50M employees, -5: no band, and no near spelling
            return []
        aliases = {**self.suggested, **{name: (value,) for name, value in self.same.items()}}
        return fuzzy.ranked(
            text, self.values, aliases=aliases, groups=self.groups, typo_cutoff=typo_cutoff
        )

    def suggestions(self, text: str, count: int = 3) -> list[tuple[str, fuzzy.Tier]]:
        """Up to ``count`` values to suggest for ``text``, surest first, each with how it
        matched; only as sure as the surest: a name for it or its spelling; else values whose
        words it starts; else near spellings; else values sharing some of its words."""
        found = self.ranked(text)
        if not found:
            return []
        band = _BANDS[found[0][1]]
        return [(value, tier) for value, tier in found if _BANDS[tier] == band][:count]

    def matching(self, text: str | None) -> list[dict[str, str]]:
        """The records of the values ``text`` matches (every record without it): those it names
        or spells, abbreviates, starts the words of or nearly spells; failing those, the values
        that share some of its words."""
        if text is None or not text.strip():
            return list(self.records)
        found = self.ranked(text, typo_cutoff=0.75)
        close = [value for value, tier in found if tier < fuzzy.Tier.SOME_WORDS]
        chosen = close or [value for value, _ in found]
        by_value = {record[VALUE]: record for record in self.records}
        return [by_value[value] for value in chosen]


_SCALE = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9}


def _amount(text: str) -> int | None:
    """An amount written as ``1,000``, ``1 000``, ``50M``, ``1.5M``, ``$2B`` or ``USD 5M``; None
    for anything else (a comma only ever groups thousands: ``1,5M`` is no amount)."""
    import re

    amount = r"(\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+|\d+)(\.\d+)?\s*([kmb]?)"
    found = re.fullmatch(r"\s*(?:us\$|\$|usd\s*)?" + amount + r"\s*", text.lower())
    if found is None:
        return None
    whole, fraction, scale = found.groups()
    return int(float(re.sub("[, ]", "", whole) + (fraction or "")) * _SCALE[scale])


def _is_money(text: str) -> bool:
    """True for an amount written with a currency: ``$50M``, ``USD 5M``, ``US$2B``."""
    return text.strip().lower().startswith(("$", "us$", "usd"))


def _in_money(values: tuple[str, ...]) -> bool:
    """True for bands of money (``11M-100M``), not of counts (``51 - 200``)."""
    return any(value.rstrip("+").strip()[-1:].upper() in ("M", "B") for value in values)


def not_a_band(text: str, values: tuple[str, ...]) -> str:
    """Why a number is none of a list of bands, where that is plain: an amount of money for
    bands that count (employees), or a number below zero; "" otherwise."""
    if not values or any(_bounds(value)[0] is None for value in values):
        return ""  # not a list of bands
    if _is_money(text) and _amount(text) is not None and not _in_money(values):
        return "it is an amount of money"
    below = _amount(text.strip()[1:]) if text.strip().startswith("-") else None
    if below:  # not -0
        return "it is below zero"
    return ""


def band_holding(text: str, values: tuple[str, ...]) -> str | None:
    """The value of a list of bands (``51 - 200``, ``11M-100M``, ``< 1M``, ``1B+``) that holds
    the amount ``text`` is; None when ``text`` is no amount, an amount of money for bands that
    count, or no band holds it."""
    number = _amount(text)
    if number is None or (_is_money(text) and not _in_money(values)):
        return None
    found = None
    for value in values:
        low, high = _bounds(value)
        # 10000 is in both 5001 - 10000 and 10000+: the later band, that starts there and is
        # spelled so, wins.
        if low is not None and low <= number <= high:
            found = value
    return found


def _bounds(value: str) -> tuple[int | None, float]:
    """A band's lowest and highest amount (``< 1M``: 0 to 999,999; ``1B+``: 1B and over)."""
    if value.startswith("<"):
        top = _amount(value[1:])
        return (0, top - 1) if top is not None else (None, 0)
    if value.endswith("+"):
        return _amount(value[:-1]), float("inf")
    low, _, high = value.partition("-")
    start, end = _amount(low), _amount(high)
    if start is None or end is None:
        return None, 0
    # 1M-10M then 11M-100M: a band in millions ends just before the next million begins.
    unit = high.strip()[-1:].lower()
    return start, end + _SCALE[unit] - 1 if unit in _SCALE else end


class _Lazy(Mapping[str, Any]):
    """A mapping built on its first use: a value given exactly (the usual case) never pays
    for the other names of a list of hundreds."""

    def __init__(self, build: Callable[[], Mapping[str, Any]]) -> None:
        self._build = build
        self._built: Mapping[str, Any] | None = None

    def _table(self) -> Mapping[str, Any]:
        if self._built is None:
            self._built = self._build()
        return self._built

    def __getitem__(self, key: str) -> Any:
        return self._table()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())


def _spaceless(text: str) -> str:
    return "".join(text.split()).casefold()


@functools.lru_cache(maxsize=32)
def _by_spaceless(values: tuple[str, ...]) -> dict[str, str]:
    return {_spaceless(value): value for value in values}


def exact(text: str, values: tuple[str, ...]) -> str | None:
    """The value of ``values`` that ``text`` is, ignoring case and spaces (``51-200`` is
    ``51 - 200``); None when it is none."""
    if text in _members(values):  # as the list spells it: no index of other spellings needed
        return text
    return _by_spaceless(values).get(_spaceless(text))


@functools.lru_cache(maxsize=32)
def _members(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(values)


def _lines(file: str) -> Iterator[list[str]]:
    """The rows of a list's file, its cells as written (a test keeps them trimmed and even)."""
    text = (_LISTS / file).read_text(encoding="utf-8")
    return (line.split("\t") for line in text.splitlines() if line)


@functools.lru_cache(maxsize=1)
def _suggestion_table() -> dict[str, dict[str, tuple[str, ...]]]:
    """suggestions.tsv: list name -> key of a name -> the values suggested for it."""
    table: dict[str, dict[str, list[str]]] = {}
    rows = _lines("suggestions.tsv")
    next(rows)  # the header
    for list_name, name, value in rows:
        table.setdefault(list_name, {}).setdefault(fuzzy.key(name), []).append(value)
    return {name: {k: tuple(v) for k, v in entries.items()} for name, entries in table.items()}


@functools.cache
def load(name: str) -> ValueList:
    """A list shipped with the package, by name (``industries``, ``countries``...)."""
    source = SOURCES[name]
    rows = list(_lines(source.file))
    header = rows.pop(0) if source.column is not None else [VALUE]
    at = header.index(source.column or VALUE)
    values = tuple(row[at] for row in rows)
    others = [i for i in range(len(header)) if i != at]
    columns = (VALUE, *(header[i] for i in others))

    def other_names() -> dict[str, str]:
        same = {fuzzy.key(value): value for value in values} if source.respell else {}
        codes = [header.index(column) for column in source.codes]
        for row in rows:  # the first row of a code wins (Fiji before Fiji Islands)
            for code in (row[i] for i in codes):
                if code:
                    same.setdefault(fuzzy.key(code), row[at])
        if source.other_names:
            names = _lines(source.other_names)
            next(names)
            for other, value in names:
                same.setdefault(fuzzy.key(other), value)
        return same

    group = header.index(source.group) if source.group else None
    groups = _Lazy(lambda: {row[at]: row[group] for row in rows}) if group is not None else _NONE
    return ValueList(name, source.noun, values, columns, rows, (at, *others), _Lazy(other_names),
                     _Lazy(lambda: _suggestion_table().get(name, {})), groups)  # fmt: skip


@functools.cache
def _closed(name: str, noun: str, choices: tuple[str, ...]) -> ValueList:
    suggested = _Lazy(lambda: _suggestion_table().get(name, {}))  # read for a value not known
    rows = tuple((choice,) for choice in choices)
    return ValueList(name, noun, choices, rows=rows, suggested=suggested)


def for_field(fld: spec.Field) -> ValueList | None:
    """The known values of a filter: its shipped list, or its closed list of choices."""
    if fld.values:
        return load(fld.values)
    if fld.choices:
        return _closed(fld.name, fld.help.rstrip(".").lower(), fld.choices)
    return None


def _fields_with_values() -> dict[str, spec.Field]:
    """Every filter with known values, by its flag's name, as `clodura values` names them."""
    found: dict[str, spec.Field] = {}
    for fld in (*spec.SEARCH_FIELDS, *spec.ORG_FIELDS):
        if fld.values or fld.choices:
            found.setdefault(fld.name, fld)
    return found


def field_names() -> list[str]:
    """The names `clodura values` accepts for its FIELD, as help and completion show them."""
    return list(_fields_with_values())


def find_field(name: str) -> spec.Field:
    """The filter `clodura values NAME` means: a flag's name (``funding-type``, ``--industry``),
    an API field name (``companyEmployeeSize``) or a list's name (``industries``)."""
    fields = _fields_with_values()
    wanted = name.strip().lstrip("-").casefold()
    for flag_name, fld in fields.items():
        if wanted in (flag_name, fld.api.casefold(), fld.values):
            return fld
    close = fuzzy.best(name, list(fields))
    hint = f"did you mean {quoted(close)}? " if close else ""
    raise UsageError(
        f"values: {quoted(name)} is not a filter with known values; {hint}use one of: "
        + ", ".join(fields)
    )


class Listing(NamedTuple):
    """What `clodura values` prints: the records, their columns, and what a value is called."""

    records: list[dict[str, str]]
    columns: tuple[str, ...]
    noun: str


def list_values(field_name: str, text: str | None = None) -> Listing:
    """The known values of a filter, or those ``text`` matches (see ``ValueList.matching``)."""
    known = for_field(find_field(field_name))
    assert known is not None  # find_field finds only filters with values
    return Listing(known.matching(text), known.columns, known.noun)
