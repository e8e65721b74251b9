"""People records as a rich table that fits the terminal."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from clodura_cli.output import ALL_FIELDS, cell

_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|[\x00-\x1f\x7f-\x9f]"
)


_FILE_WIDTH = 4000


def clean(text: str) -> str:
    """Text with ANSI escapes and control characters removed, safe to show on a terminal."""
    return _CONTROL.sub("", text)


def _location(record: dict[str, Any]) -> str:
    parts = [cell(record.get(name)) for name in ("personCity", "personState", "personCountry")]
    return ", ".join(part for part in parts if part)


#: The default columns: header, how to get the value, and whether it may wrap.
_SUMMARY: tuple[tuple[str, Callable[[dict[str, Any]], str], bool], ...] = (
    ("Name", lambda r: f"{cell(r.get('firstName'))} {cell(r.get('lastName'))}".strip(), True),
    ("Title", lambda r: cell(r.get("personTitle")), True),
    ("Seniority", lambda r: cell(r.get("seniority")), True),
    ("Company", lambda r: cell(r.get("organizationName")), True),
    ("Domain", lambda r: cell(r.get("companyDomain")), True),
    ("Location", _location, True),
    ("Email", lambda r: cell(r.get("contactEmailStatus")), False),
    ("personId", lambda r: cell(r.get("personId")), False),
)


def _columns(
    rows: Sequence[dict[str, Any]], fields: Sequence[str] | None
) -> list[tuple[str, Callable[[dict[str, Any]], str], bool]]:
    if fields is None:
        return list(_SUMMARY)
    names = list(fields)
    if names == [ALL_FIELDS]:
        names = list(dict.fromkeys(name for row in rows for name in row))
    return [(name, _field_getter(name), True) for name in names]


def _field_getter(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda record: cell(record.get(name))


def render_table(
    rows: Sequence[dict[str, Any]],
    fields: Sequence[str] | None,
    stream: TextIO,
    *,
    to_terminal: bool = False,
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
    columns = _columns(rows, fields)
    for header, _, wraps in columns:
        table.add_column(header, overflow="fold", no_wrap=not wraps)
    for row in rows:
        table.add_row(*(Text(clean(get(row))) for _, get, _ in columns))
    console.print(table)
