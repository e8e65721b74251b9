"""Validate and normalise Search People filters into the request body, before anything is sent."""

import datetime as dt
import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from clodura_cli.api import spec, vocabulary
from clodura_cli.api.errors import ValidationError
from clodura_cli.api.linkedin import normal_linkedin
from clodura_cli.api.spec import Field, Kind
from clodura_cli.base import fuzzy
from clodura_cli.base.text import pattern, quoted

_DATE_RE = pattern(r"^\d{4}-\d{2}-\d{2}\Z")
_RELATIVE_RE = pattern(r"^-\s*(\d{1,5})\s*([dwmy])\Z")
_DOMAIN_RE = pattern(r"^(?=.{1,253}\Z)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\Z")
_LINKEDIN_RE = pattern(
    r"^(?:https?://)?(?:[a-z0-9-]+\.)?linkedin\.com/in/([^/?#\s]+)(?:/[a-z]{2}(?:[-_][a-z]{2})?)?/?"
    r"(?:[?#].*)?$",
    re.IGNORECASE,
)
_SALES_NAV_RE = pattern(r"linkedin\.com/(?:sales|talent|recruiter)/", re.IGNORECASE)

Label = Callable[[Field], str]


def flag_label(fld: Field) -> str:
    """Names a field by its command-line flag (``--employees``)."""
    return fld.flag.split("/")[0]


#: The fields that say where a search starts and how long its pages are, not what it finds.
PAGING_FIELDS = ("page", "perPage")


class Paging(NamedTuple):
    """Where a search starts and how many records a page holds; None where not given."""

    page: int | None = None
    per_page: int | None = None


class SearchRequest(NamedTuple):
    """A validated search: its filters and its paging, kept apart; and warnings worth showing.

    ``filters`` keep relative dates (``-90d``) as given, which is what a preset saves and what
    `--new-only` names a query by; ``body`` resolves them to the calendar dates sent today.
    """

    filters: dict[str, Any]
    paging: Paging
    warnings: list[str]
    #: The date filters, resolved when the body is built.
    dates: tuple[str, ...]
    #: What was read as something else, worth a line (``--country USA`` is United States).
    notices: list[str]

    @property
    def body(self) -> dict[str, Any]:
        """The filters as sent today: relative dates become calendar dates, and a list's values
        are in one order however they were given, so that the same filters are the same request
        (the page cache's, and what `--new-only` names a query by)."""
        return {
            name: resolve_date(value).isoformat() if name in self.dates else value
            for name, value in self.canonical().items()
        }

    def canonical(self) -> dict[str, Any]:
        """The filters with each list's values sorted (`--seniority Founder --seniority CEO`
        is `--seniority CEO --seniority Founder`)."""
        return {
            name: sorted(value, key=lambda v: (str(v).casefold(), str(v)))
            if isinstance(value, list)
            else value
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
    notes = _Notes([], [])
    for name, value in values.items():
        fld = fields.get(name)
        if fld is None:
            what = "Search People" if fields is spec.FIELDS_BY_API else "Search Organizations"
            raise ValidationError(name, f"not a {what} field")
        if value is None or (isinstance(value, (list, tuple)) and not value):
            continue
        normalised[name] = _normalise(fld, value, label(fld), notes)
    _check_combinations(normalised, label, fields)
    paging = Paging(normalised.pop("page", None), normalised.pop("perPage", None))
    dates = tuple(name for name in normalised if fields[name].kind is Kind.DATE)
    return SearchRequest(normalised, paging, notes.warnings, dates, notes.notices)


class _Notes(NamedTuple):
    """What normalising the values had to say: warnings, and notices of what was read how."""

    warnings: list[str]
    notices: list[str]


def _normalise(fld: Field, value: Any, name: str, notes: _Notes) -> Any:
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
        # Never split on commas: 24 industry names hold one.
        texts = [_text(item, name) for item in items]
        return _dedupe(_item(fld, text, name, notes) for text in texts)
    return _item(fld, _text(value, name), name, notes)


def _item(fld: Field, text: str, name: str, notes: _Notes) -> str:
    if fld.choices:
        known = vocabulary.for_field(fld)
        return canonical_choice(text, fld.choices, name, suggested=known.suggested if known else {})
    if fld.values:
        return known_value(text, vocabulary.load(fld.values), name, notes, field_name=fld.name)
    if fld.api in ("companyDomain", "domain"):
        return bare_domain(text, name, notes.warnings)
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


def _several(text: str, name: str) -> str:
    """For a value with commas, how to give several values instead ("" for one without)."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) < 2 or not all(parts):
        return ""
    if name.startswith("--"):
        return "to give several, repeat the flag: " + " ".join(
            f"{name} {shlex.quote(part)}" for part in parts
        )
    return "to give several, make each an item of a list: [" + ", ".join(parts) + "]"


def canonical_choice(
    text: str,
    choices: tuple[str, ...],
    name: str,
    *,
    suggested: Mapping[str, tuple[str, ...]] | None = None,
) -> str:
    """The canonical spelling of ``text`` among ``choices``, matched ignoring case and spaces;
    anything else is refused with what was likely meant. ``suggested`` maps other names (by
    ``fuzzy.key``) to the choices to suggest for them (``VP``: Vice President)."""
    found = vocabulary.exact(text, choices)
    if found is not None:
        return found
    # A number means the band that holds it (75 employees: 51 - 200; 1,500 is one number).
    close = vocabulary.band_holding(text, choices)
    # A number no band can hold ($50M employees, -5) is said to be so, not near-spelled nor
    # split at its thousands.
    why = "" if close else vocabulary.not_a_band(text, choices)
    several = "" if close or why else _several(text, name)
    if not close and not several and not why:
        close = fuzzy.best(text, choices, aliases=suggested)
    hint = f"{several}; " if several else f"did you mean {quoted(close)}? " if close else ""
    because = f" ({why})" if why else ""
    raise ValidationError(
        name,
        f"{quoted(text)} is not an accepted value{because}; {hint}accepted: {', '.join(choices)}",
    )


def known_value(
    text: str, known: vocabulary.ValueList, name: str, notes: _Notes, *, field_name: str
) -> str:
    """A value of an open list: its known spelling; for another name of a value (a country's
    code), that value, with a notice; anything else as given, with a warning naming the
    closest known values (the API may accept values the list lacks, such as older names)."""
    found = known.exact(text)
    if found is not None:
        return found
    other = known.other_name(text)
    if other is not None:
        notes.notices.append(f"{name}: {quoted(text)} read as {quoted(other)}, the API's name")
        return other
    closest = known.suggestions(text)
    surest = len(closest) == 1 and closest[0][1] <= fuzzy.Tier.ACRONYM
    several = "" if surest else _several(text, name)
    if surest:
        advice = f"; did you mean {quoted(closest[0][0])}?"
    elif several:
        advice = f"; {several}"
    elif closest:
        listed = ", ".join(quoted(value) for value, _ in closest)
        advice = f"; closest: {listed} (see: clodura values {field_name} {shlex.quote(text)})"
    else:
        advice = f" (see: clodura values {field_name})"
    notes.warnings.append(
        f"{name}: {quoted(text)} is not a known {known.noun}; sending it as given{advice}"
    )
    return text


#: Hosts of pages about a company that are not its own site (profiles, site builders, links).
_PLATFORMS = ("linkedin.com", "facebook.com", "fb.com", "twitter.com", "x.com", "instagram.com",
              "youtube.com", "tiktok.com", "github.com", "medium.com", "google.com",
              "wixsite.com", "wordpress.com", "blogspot.com", "squarespace.com", "bit.ly",
              "linktr.ee", "crunchbase.com", "wellfound.com", "angel.co", "glassdoor.com",
              "yelp.com", "notion.site")  # fmt: skip


def bare_domain(text: str, name: str, warnings: list[str] | None = None) -> str:
    """A bare domain (``acme.com``). With ``warnings``, a website address
    (``https://www.acme.com/``) becomes its domain, with a notice; otherwise a scheme, ``www.``,
    ``@`` or a path is refused with the domain meant."""
    domain = text.strip().lower()
    if _DOMAIN_RE.match(domain) and not domain.startswith("www."):
        return domain
    suggestion = re.sub(r"^[a-z]+://", "", domain).split("/")[0].split("?")[0].split("@")[-1]
    suggestion = suggestion.removeprefix("www.")
    platform = next(
        (p for p in _PLATFORMS if suggestion == p or suggestion.endswith("." + p)), None
    )
    if warnings is not None and platform is not None and suggestion != domain:
        # A page on LinkedIn, Facebook, a site builder: its host is not the company's domain,
        # and a reveal by name at it would find (and charge for) somebody else.
        raise ValidationError(
            name,
            f"{quoted(text)} is a page on {platform}, not the company's own site; give "
            "the company's domain",
        )
    if warnings is not None and "@" not in domain and _DOMAIN_RE.match(suggestion):
        warnings.append(f"{name}: {quoted(text)} read as the domain {suggestion!r}")
        return suggestion
    hint = (
        "give the company's own domain"  # a page on LinkedIn: linkedin.com is no one's domain
        if platform is not None
        else f"use {quoted(suggestion)}"
        if _DOMAIN_RE.match(suggestion)
        else "use a bare domain like acme.com"
    )
    raise ValidationError(name, f"{quoted(text)} is not a bare domain (no www., @ or path); {hint}")


def linkedin_profile_url(text: str, name: str) -> str:
    """The standard form ``https://www.linkedin.com/in/<slug>/`` of a LinkedIn profile URL, in
    the one spelling that is sent and kept for every way of writing it (``normal_linkedin``:
    lower case, escapes as UTF-8, no language segment such as /de)."""
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
    return normal_linkedin(f"https://www.linkedin.com/in/{match.group(1)}/", as_sent=True) or text


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
