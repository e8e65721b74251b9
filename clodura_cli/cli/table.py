"""People records as a rich table that fits the terminal."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from clodura_cli.output import ALL_FIELDS, cell
from clodura_cli.text import one_line

#: A cell is cut to this before layout: a 32 MB field must not cost the table half a minute.
CELL_LIMIT = 200


_FILE_WIDTH = 4000


def clean(text: str) -> str:
    """A cell safe to show on a terminal: no escapes, controls or bidi overrides, one line."""
    return one_line(text, CELL_LIMIT)


def _location(record: dict[str, Any]) -> str:
    parts = [cell(record.get(name)) for name in ("personCity", "personState", "personCountry")]
    return ", ".join(part for part in parts if part)


Column = tuple[str, Callable[[dict[str, Any]], str], bool]


def _get(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda record: cell(record.get(name))


def _name(record: dict[str, Any]) -> str:
    return f"{cell(record.get('firstName'))} {cell(record.get('lastName'))}".strip()


def _who(record: dict[str, Any]) -> str:
    return _name(record) or cell(record.get("personId")) or cell(record.get("linkedinUrl"))


#: The default columns of each kind of table: header, value, and whether it may wrap.
SUMMARIES: dict[str, tuple[Column, ...]] = {
    "people": (
        ("Name", _name, True),
        ("Title", _get("personTitle"), True),
        ("Seniority", _get("seniority"), True),
        ("Company", _get("organizationName"), True),
        ("Domain", _get("companyDomain"), True),
        ("Location", _location, True),
        ("Email", _get("contactEmailStatus"), False),
        ("personId", _get("personId"), False),
    ),
    "email": (
        ("Person", _who, True),
        ("Company", _get("organizationName"), True),
        ("Email", _get("email"), True),
        ("Email status", _get("emailStatus"), False),
        ("Reveal", _get("revealStatus"), False),
        ("trackingId", _get("trackingId"), False),
    ),
    "phone": (
        ("Person", _who, True),
        ("Company", _get("organizationName"), True),
        ("Phones", _get("phones"), True),
        ("Reveal", _get("revealStatus"), False),
        ("trackingId", _get("trackingId"), False),
    ),
    "jobs": (
        ("Submitted", _get("submittedAt"), False),
        ("Kind", _get("kind"), False),
        ("Person", _who, True),
        ("Status", _get("revealStatus"), False),
        ("Result", lambda r: cell(r.get("email")) or cell(r.get("phones")), True),
        ("Credits", _get("credits"), False),
        ("trackingId", _get("trackingId"), False),
    ),
}


def _columns(
    rows: Sequence[dict[str, Any]], fields: Sequence[str] | None, summary: str
) -> list[Column]:
    if fields is None:
        return list(SUMMARIES[summary])
    names = list(fields)
    if names == [ALL_FIELDS]:
        names = list(dict.fromkeys(name for row in rows for name in row))
    return [(name, _get(name), True) for name in names]


def render_table(
    rows: Sequence[dict[str, Any]],
    fields: Sequence[str] | None,
    stream: TextIO,
    *,
    to_terminal: bool = False,
    summary: str = "people",
) -> None:
    """Print the rows as a table that fits the terminal; in a file, at its natural width."""
    width = None if to_terminal else _FILE_WIDTH
    console = Console(
        file=stream,
        width=width,
        no_color=not to_terminal or "NO_COLOR" in os.environ,
        highlight=False,
        soft_wrap=False,
        emoji=False,
        markup=False,
    )
    table = Table(header_style="bold", show_lines=False, pad_edge=False, expand=False)
    columns = _columns(rows, fields, summary)
    for header, _, wraps in columns:
        table.add_column(header, overflow="fold", no_wrap=not wraps)
    for row in rows:
        table.add_row(*(Text(clean(get(row))) for _, get, _ in columns))
    console.print(table)


def _bar(used: int, maximum: int, width: int = 20) -> str:
    share = min(1.0, used / maximum) if maximum > 0 else 1.0
    filled = round(share * width)
    return "█" * filled + "░" * (width - filled) + f" {share:.0%}"


def _amount(value: Any, *, blank: bool = False) -> str:
    """A credit amount as given: numbers grouped, words as they came, null as null."""
    if value is None:
        return "" if blank else "null"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}".rstrip("0").rstrip(".")
    return clean(str(value))


def render_credits(family: str, pools: Sequence[Any], stream: TextIO, *, to_terminal: bool) -> None:
    """The balance: one row per pool, with a usage bar where the plan has a maximum."""
    console = Console(
        file=stream,
        width=None if to_terminal else 100,
        no_color=not to_terminal or "NO_COLOR" in os.environ,
        highlight=False,
        markup=False,
    )
    table = Table(title=f"Credits ({family} plan)", header_style="bold")
    for header in ("Pool", "Used", "Maximum", "Remaining", "Usage"):
        table.add_column(header, justify="left" if header in ("Pool", "Usage") else "right")
    for pool in pools:
        numbers = all(isinstance(v, (int, float)) for v in (pool.used, pool.maximum))
        table.add_row(
            pool.name,
            _amount(pool.used, blank=True),
            _amount(pool.maximum, blank=True),
            _amount(pool.remaining),
            _bar(pool.used, pool.maximum) if numbers else "",
        )
    console.print(table)
