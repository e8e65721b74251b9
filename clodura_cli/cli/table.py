"""People records as a rich table that fits the terminal."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from clodura_cli.base.text import one_line, pattern
from clodura_cli.cli import report
from clodura_cli.store.formats import ALL_FIELDS, PAGING_ECHO, cell

#: A cell is cut to this before layout: a 32 MB field must not cost the table half a minute.
CELL_LIMIT = 200


_FILE_WIDTH = 4000


def clean(text: str) -> str:
    """A cell safe to show on a terminal: no escapes, controls or bidi overrides, one line."""
    return one_line(text, CELL_LIMIT)


def _location(record: dict[str, Any]) -> str:
    parts = [cell(record.get(name)) for name in ("personCity", "personState", "personCountry")]
    return ", ".join(part for part in parts if part)


@dataclass(frozen=True)
class Column:
    """A table column: its header, how a row fills it, how much it matters when the terminal
    is narrow (1 first), and whether its cells must never be cut (emails)."""

    header: str
    value: Callable[[dict[str, Any]], str]
    priority: int = 9
    whole: bool = False


def _get(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda record: cell(record.get(name))


def _name(record: dict[str, Any]) -> str:
    return f"{cell(record.get('firstName'))} {cell(record.get('lastName'))}".strip()


def _who(record: dict[str, Any]) -> str:
    return _name(record) or cell(record.get("personId")) or cell(record.get("linkedinUrl"))


def _either(*names: str) -> Callable[[dict[str, Any]], str]:
    """The first of several spellings a record carries (the organisation answer is
    undocumented: organisationName or organizationName or name)."""
    return lambda record: next((cell(record[n]) for n in names if record.get(n)), "")


def _org_location(record: dict[str, Any]) -> str:
    parts = [
        _either(f"organisation{part}", f"organization{part}", part.lower())(record)
        for part in ("City", "State", "Country")
    ]
    return ", ".join(part for part in parts if part)


def _reveal(*contact: Column) -> tuple[Column, ...]:
    """A reveal's columns: who, the company, what was revealed, then the job's status and
    tracking id, which a narrow terminal drops first."""
    last = 3 + len(contact)
    return (
        Column("Person", _who, 1),
        Column("Company", _get("organizationName"), 3),
        *contact,
        Column("Reveal", _get("revealStatus"), last),
        Column("trackingId", _get("trackingId"), last + 1, whole=True),
    )


#: The default columns of each kind of table, in the order shown.
SUMMARIES: dict[str, tuple[Column, ...]] = {
    "people": (
        Column("Name", _name, 1),
        Column("Title", _get("personTitle"), 2),
        Column("Seniority", _get("seniority"), 6),
        Column("Company", _get("organizationName"), 3),
        Column("Domain", _get("companyDomain"), 7),
        Column("Location", _location, 4),
        Column("Email", _get("contactEmailStatus"), 5),
        Column("personId", _get("personId"), 8, whole=True),
    ),
    "organisations": (
        Column("Name", _either("organisationName", "organizationName", "name"), 1),
        Column("Domain", _either("domain", "domains", "companyDomain", "website"), 2),
        Column("Industry", _either("industry"), 3),
        Column("Size", _either("companyEmployeeSize", "employeeSize", "employees"), 4),
        Column("Location", _org_location, 5),
        Column("Id", _either("organisationId", "organizationId", "id"), 6, whole=True),
    ),
    "email": _reveal(
        Column("Email", _get("email"), 2, whole=True),
        Column("Email status", _get("emailStatus"), 4),
    ),
    "phone": _reveal(Column("Phones", _get("phones"), 2, whole=True)),
    "jobs": (
        Column("Submitted", _get("submittedAt"), 5, whole=True),
        Column("Kind", _get("kind"), 4),
        Column("Person", _who, 1),
        Column("Status", _get("revealStatus"), 2),
        Column("Result", lambda r: cell(r.get("email")) or cell(r.get("phones")), 3, whole=True),
        Column("Credits", _get("credits"), 6),
        Column("trackingId", _get("trackingId"), 7, whole=True),
    ),
}
#: Table borders and padding take this many characters per column (and one more in all).
_COLUMN_OVERHEAD = 3
#: Columns of records of no known kind shown whole or not at all: an id cut in the middle is
#: a different id, a time cut is a different time, an address cut is no address.
_WHOLE = pattern(r"(?:Id|ID|_id|^id|At|_at|Date|date|Time|time|[Ee]mail)$")
#: A column narrower than this (or its header) is not worth showing.
_MIN_WIDTH = 12


def _columns(
    rows: Sequence[dict[str, Any]], fields: Sequence[str] | None, summary: str
) -> list[Column]:
    if fields is None and summary in SUMMARIES:
        return list(SUMMARIES[summary])
    if fields is None:
        # Records of no known kind (deliveries, verdicts, articles): their own fields, in the
        # order they come, the first ones first when the terminal is narrow.
        fields = [ALL_FIELDS]
    names = list(fields)
    every = names == [ALL_FIELDS]
    if every:
        names = [n for n in dict.fromkeys(n for row in rows for n in row) if n not in PAGING_ECHO]

    def rank(index: int, name: str) -> int:
        # Of a record's own fields, one that is the same in every row (the organisation of a
        # page of its news) gives way to those that tell the rows apart (the headlines).
        same = every and len(rows) > 1 and len({cell(row.get(name)) for row in rows}) == 1
        return index + 1 + (len(names) if same else 0)

    return [Column(name, _get(name), rank(index, name), _WHOLE.search(name) is not None)
            for index, name in enumerate(names)]  # fmt: skip


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def layout(columns: list[Column], cells: list[list[str]], width: int) -> dict[int, int]:
    """The columns that fit ``width`` (by index) and the width of each, most important first.

    A column needs its header whole (never folded) and a few characters of its cells; one
    whose cells must stay whole (an email) needs its widest cell. Space left over goes to the
    columns in proportion to what their cells would like.
    """
    natural = [
        max(len(column.header), max((len(row[index]) for row in cells), default=0))
        for index, column in enumerate(columns)
    ]
    floors = [
        natural[index] if column.whole else max(len(column.header), min(natural[index], _MIN_WIDTH))
        for index, column in enumerate(columns)
    ]
    chosen: list[int] = []
    used = 1
    for index in sorted(range(len(columns)), key=lambda i: columns[i].priority):
        if used + floors[index] + _COLUMN_OVERHEAD <= width or not chosen:
            chosen.append(index)
            used += floors[index] + _COLUMN_OVERHEAD
    spare = max(0, width - used)
    wants = {index: natural[index] - floors[index] for index in chosen}
    total = sum(wants.values())
    extra = {i: wants[i] if total <= spare else wants[i] * spare // total for i in chosen}
    left = spare - sum(extra.values())
    for index in chosen:  # what division left over, to the most important columns first
        more = min(left, wants[index] - extra[index])
        extra[index] += more
        left -= more
    return {index: floors[index] + extra[index] for index in sorted(chosen)}


def render_table(
    rows: Sequence[dict[str, Any]],
    fields: Sequence[str] | None,
    stream: TextIO,
    *,
    to_terminal: bool = False,
    summary: str = "people",
    wide: bool = False,
) -> None:
    """Print the rows as a table, one line per row. On a terminal the columns that fit its
    width are chosen by importance and long cells end in '…' (``wide``: every column, uncut);
    in a file, every column at its natural width."""
    fitting = to_terminal and not wide
    console = Console(
        file=stream,
        width=None if fitting else _FILE_WIDTH,
        no_color=not to_terminal or "NO_COLOR" in os.environ,
        highlight=False,
        soft_wrap=False,
        emoji=False,
        markup=False,
    )
    columns = _columns(rows, fields, summary)
    cells = [[clean(column.value(row)) for column in columns] for row in rows]
    # Off a terminal (or --wide) every column fits, at its natural width.
    widths = layout(columns, cells, console.width if fitting else 10**9)
    table = Table(header_style="bold", show_lines=False, pad_edge=False, expand=False)
    for index, size in widths.items():
        table.add_column(columns[index].header, no_wrap=True, width=size)
    for row in cells:
        table.add_row(*(Text(_cut(row[index], size)) for index, size in widths.items()))
    console.print(table)
    if len(widths) < len(columns):
        # Named most important first: what the hint has room for is what matters most.
        left_out = [c for i, c in enumerate(columns) if i not in widths]
        hidden = [c.header for c in sorted(left_out, key=lambda c: c.priority)]
        report.info(_hint(hidden, console.width if fitting else 10**9))


def _hint(hidden: list[str], width: int) -> str:
    """The columns left out, on one line of the terminal's width: as many names as fit."""
    for shown in range(len(hidden), 0, -1):
        rest = len(hidden) - shown
        names = ", ".join(hidden[:shown]) + (f" and {rest} more" if rest else "")
        line = f"not shown: {names} (--wide shows all)"
        if len(line) <= width:
            return line
    return f"{len(hidden)} columns not shown (--wide shows all)"


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
        table.add_column(header, justify="left" if header in ("Pool", "Usage") else "right",
                         no_wrap=header == "Usage")  # fmt: skip
    # The bar takes what the other columns leave (about 57 characters with their borders),
    # so that its percentage stays on its line: 20 wide from 82 columns, at least 5.
    bar = max(5, min(20, console.width - 62))
    for pool in pools:
        numbers = all(isinstance(v, (int, float)) for v in (pool.used, pool.maximum))
        table.add_row(
            pool.name,
            _amount(pool.used, blank=True),
            _amount(pool.maximum, blank=True),
            _amount(pool.remaining),
            _bar(pool.used, pool.maximum, bar) if numbers else "",
        )
    console.print(table)
