"""The one entry point from records to output: machine formats stream, the table collects."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO

from clodura_cli.output import atomic_output, write_records


@contextlib.contextmanager
def destination(output: str | None) -> Iterator[TextIO]:
    """stdout, or a file that appears only when everything was written."""
    if output is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    with atomic_output(output) as stream:
        yield stream


def render(
    records: Iterable[dict[str, Any]],
    fmt: str,
    fields: Sequence[str] | None,
    stream: TextIO,
    *,
    to_terminal: bool = False,
    summary: str = "people",
) -> int:
    """Write records in ``fmt`` to ``stream``; returns how many were written."""
    if fmt == "table":
        from clodura_cli.cli.table import render_table

        rows = list(records)
        if rows:
            render_table(rows, fields, stream, to_terminal=to_terminal, summary=summary)
        return len(rows)
    return write_records(records, fmt, stream, fields)
