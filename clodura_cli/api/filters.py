"""Validate and normalise Search People filters into the request body, before anything is sent."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from clodura_cli.api import spec
from clodura_cli.api.errors import ValidationError
from clodura_cli.api.spec import Field, Kind
from clodura_cli.base.text import quoted

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")
_RELATIVE_RE = re.compile(r"^-\s*(\d{1,5})\s*([dwmy])\Z")
_DOMAIN_RE = re.compile(r"^(?=.{1,253}\Z)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\Z")
_LINKEDIN_RE = re.compile(
    r"^(?:https?://)?(?:[a-z]{2,3}\.)?linkedin\.com/in/([^/?#\s]+)/?(?:[?#].*)?$", re.IGNORECASE
)
_SALES_NAV_RE = re.compile(r"linkedin\.com/(?:sales|talent|recruiter)/", re.IGNORECASE)

Label = Callable[[Field], str]


def flag_label(fld: Field) -> str:
    """Names a field by its command-line flag (``--employees``)."""
    return fld.flag.split("/")[0]


#: The fields that say where a search starts and how long its pages are, not what it finds.
PAGING_FIELDS = ("page", "perPage")


@dataclass(frozen=True)
class Paging:
    """Where a search starts and how many records a page holds; None where not given."""

    page: int | None = None
    per_page: int | None = None


@dataclass
class SearchRequest:
    """A validated search: its filters and its paging, kept apart; and warnings worth showing.

    ``filters`` keep relative dates (``-90d``) as given, which is what a preset saves and what
    `--new-only` names a query by; ``body`` resolves them to the calendar dates sent today.
    """

    filters: dict[str, Any]
    paging: Paging = Paging()
    warnings: list[str] = field(default_factory=list)
    #: The date filters, resolved when the body is built.
    dates: tuple[str, ...] = ()

    @property
    def body(self) -> dict[str, Any]:
        """The filters as sent today: relative dates become calendar dates."""
        return {
            name: resolve_date(value).isoformat() if name in self.dates else value
            for name, value in self.filters.items()
        }

    def as_given(self) -> dict[str, Any]:
        """Paging and filters in one mapping, relative dates kept: what a preset stores."""
        paging = {"page": self.paging.page, "perPage": self.paging.per_page}
        return {**{k: v for k, v in paging.items() if v is not None}, **self.filters}


def build_search_body(
    values: Mapping[str, Any],
    label: Label = flag_label,
    *,
    fields: Mapping[str, Field] = spec.FIELDS_BY_API,
) -> SearchRequest:
    """Turn values keyed by API field name into a validated, normalised search request.

    A value of None (or an empty list) means "not given" and is not sent. ``page`` and
    ``perPage`` go to the request's paging, everything else to its filters. ``fields`` is the
    endpoint's field table (Search People by default, or ``spec.ORG_FIELDS_BY_API``).
    """
    normalised: dict[str, Any] = {}
    warnings: list[str] = []
    for name, value in values.items():
        fld = fields.get(name)
        if fld is None:
            what = "Search People" if fields is spec.FIELDS_BY_API else "Search Organizations"
            raise ValidationError(name, f"not a {what} field")
        if value is None or (isinstance(value, (list, tuple)) and not value):
            continue
        normalised[name] = _normalise(fld, value, label(fld), warnings)
    _check_combinations(normalised, label, fields)
    paging = Paging(normalised.pop("page", None), normalised.pop("perPage", None))
    dates = tuple(name for name in normalised if fields[name].kind is Kind.DATE)
    return SearchRequest(normalised, paging, warnings, dates)


def _normalise(fld: Field, value: Any, name: str, warnings: list[str]) -> Any:
    if fld.kind is Kind.INT:
        return _integer(value, name, fld.maximum)
    if fld.kind is Kind.BOOL:
        if not isinstance(value, bool):
            raise ValidationError(name, f"{quoted(value)} is not true or false")
        return value
    if fld.kind is Kind.DATE:
        if isinstance(value, dt.date):  # YAML reads 2024-01-31 as a date
            return value.isoformat()
        return date_text(_text(value, name), name)
    if fld.kind is Kind.ARRAY:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise ValidationError(name, f"{quoted(value)} is not a list of values")
        texts = [_text(item, name) for item in items]
        return _dedupe(_item(fld, text, name, warnings) for text in texts)
    return _item(fld, _text(value, name), name, warnings)


def _item(fld: Field, text: str, name: str, warnings: list[str]) -> str:
    if fld.choices:
        return canonical_choice(text, fld.choices, name, open_list=fld.open_list, warnings=warnings)
    if fld.api in ("companyDomain", "domain"):
        return bare_domain(text, name, warnings)
    if fld.api == "linkedinUrl":
        return linkedin_profile_url(text, name)
    return text


def _integer(value: Any, name: str, maximum: int = spec.MAX_PAGE) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(name, f"{quoted(value)} is not a whole number; use 1 to {maximum}")
    if not 1 <= value <= maximum:
        raise ValidationError(name, f"{value} is out of range; use 1 to {maximum}")
    return value


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(name, f"{quoted(value)} is not text")
    text = value.strip()
    if not text:
        raise ValidationError(name, "empty value; give a value or leave the filter out")
    return text


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _choice_key(text: str) -> str:
    return "".join(text.split()).casefold()


def canonical_choice(
    text: str,
    choices: tuple[str, ...],
    name: str,
    *,
    open_list: bool = False,
    warnings: list[str] | None = None,
) -> str:
    """The canonical spelling of ``text`` among ``choices``, matched ignoring case and spaces."""
    by_key = {_choice_key(choice): choice for choice in choices}
    found = by_key.get(_choice_key(text))
    if found is not None:
        return found
    import difflib  # only a mistake needs it

    close = difflib.get_close_matches(text, choices, n=1, cutoff=0.6) or difflib.get_close_matches(
        _choice_key(text), list(by_key), n=1, cutoff=0.6
    )
    hint = f"did you mean {quoted(by_key.get(close[0], close[0]))}? " if close else ""
    if open_list:
        if warnings is not None:
            warnings.append(
                f"{name}: {quoted(text)} is not one of the documented values; sending it as given. "
                f"{hint}Documented: {', '.join(choices)}"
            )
        return text
    raise ValidationError(
        name, f"{quoted(text)} is not an accepted value; {hint}accepted: {', '.join(choices)}"
    )


def bare_domain(text: str, name: str, warnings: list[str] | None = None) -> str:
    """A bare domain (``acme.com``). With ``warnings``, a website address
    (``https://www.acme.com/``) becomes its domain, with a notice; otherwise a scheme, ``www.``,
    ``@`` or a path is refused with the domain meant."""
    domain = text.strip().lower()
    if _DOMAIN_RE.match(domain) and not domain.startswith("www."):
        return domain
    suggestion = re.sub(r"^[a-z]+://", "", domain).split("/")[0].split("?")[0].split("@")[-1]
    suggestion = suggestion.removeprefix("www.")
    if warnings is not None and "@" not in domain and _DOMAIN_RE.match(suggestion):
        warnings.append(f"{name}: {quoted(text)} read as the domain {suggestion!r}")
        return suggestion
    hint = (
        f"use {quoted(suggestion)}"
        if _DOMAIN_RE.match(suggestion)
        else "use a bare domain like acme.com"
    )
    raise ValidationError(name, f"{quoted(text)} is not a bare domain (no www., @ or path); {hint}")


def linkedin_profile_url(text: str, name: str) -> str:
    """The standard form ``https://www.linkedin.com/in/<slug>/`` of a LinkedIn profile URL."""
    if _SALES_NAV_RE.search(text):
        raise ValidationError(
            name,
            f"{quoted(text)} is a Sales Navigator URL, which the API does not support; "
            "use the standard profile URL https://www.linkedin.com/in/<name>/",
        )
    match = _LINKEDIN_RE.match(text)
    if not match:
        raise ValidationError(
            name,
            f"{quoted(text)} is not a LinkedIn profile URL; use https://www.linkedin.com/in/<name>/",
        )
    return f"https://www.linkedin.com/in/{match.group(1)}/"


def today() -> dt.date:
    """Today's date, which relative dates count from (tests freeze it)."""
    return dt.date.today()


def date_text(text: str, name: str) -> str:
    """A date as YYYY-MM-DD, or a relative date in its canonical form (today, yesterday, -90d)."""
    lowered = text.strip().lower()
    if lowered in ("today", "yesterday"):
        return lowered
    relative = _RELATIVE_RE.match(lowered)
    if relative:
        return f"-{int(relative.group(1))}{relative.group(2)}"
    if _DATE_RE.match(text):
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    raise ValidationError(
        name,
        f"{quoted(text)} is not a real date; use YYYY-MM-DD (e.g. 2024-01-31), today, yesterday, "
        "or -N with d, w, m or y (e.g. -90d)",
    )


def resolve_date(text: str) -> dt.date:
    """The calendar date a date text stands for today."""
    now = today()
    if text == "today":
        return now
    if text == "yesterday":
        return now - dt.timedelta(days=1)
    relative = _RELATIVE_RE.match(text)
    if relative is None:
        return dt.date.fromisoformat(text)
    count, unit = int(relative.group(1)), relative.group(2)
    if unit in ("d", "w"):
        return now - dt.timedelta(days=count * (7 if unit == "w" else 1))
    import calendar

    months = count * (12 if unit == "y" else 1)
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    if year < 1:
        raise ValidationError("date", f"-{count}{unit} reaches before year 1")
    last_day = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(now.day, last_day))


def _check_combinations(
    body: Mapping[str, Any], label: Label, fields: Mapping[str, Field] = spec.FIELDS_BY_API
) -> None:
    def name(api: str) -> str:
        return label(fields[api])

    locations = (
        spec.ORG_LOCATION_FIELDS if "organisationCity" in fields else spec.COMPANY_LOCATION_FIELDS
    )

    if body.get("personLocationExclude") and not any(
        key in body for key in spec.PERSON_LOCATION_FIELDS
    ):
        raise ValidationError(
            name("personLocationExclude"),
            "needs a person location to exclude; add "
            + ", ".join(name(key) for key in spec.PERSON_LOCATION_FIELDS[::-1]),
        )
    if body.get("includeAllOffice") and not any(key in body for key in locations):
        raise ValidationError(
            name("includeAllOffice"),
            "needs a company location; add " + ", ".join(name(key) for key in locations),
        )
    start, end = body.get("fundingFromDate"), body.get("fundingToDate")
    if start and end and resolve_date(end) < resolve_date(start):
        raise ValidationError(
            name("fundingToDate"),
            f"{end} is before {name('fundingFromDate')} {start}; swap them or widen the range",
        )
    domains = body.get("companyDomain", [])
    if len(domains) > spec.MAX_DOMAINS:
        raise ValidationError(
            name("companyDomain"),
            f"{len(domains)} domains given; the API takes at most {spec.MAX_DOMAINS} per search",
        )
