"""The one entry point from records to output: machine formats stream, the table collects."""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO

from clodura_cli.output import appended, atomic_output, write_records

#: Formats written straight to stdout: every JSON Lines or CSV line stands on its own, so a
#: failed run may keep the lines it wrote; a table is printed only once every row is in.
DIRECT_FORMATS = ("jsonl", "csv", "table")
_SPOOL_IN_MEMORY = 8 * 1024 * 1024


@contextlib.contextmanager
def destination(
    output: str | None, fmt: str = "jsonl", *, append: bool = False
) -> Iterator[TextIO]:
    """Where the records go: a file that appears only when complete (or, with ``append``, grows
    only when the run completes), or stdout.

    On stdout, JSON Lines and CSV stream as they come; a JSON array is held back until it is
    complete, so a failed run never prints half an array.
    """
    if output is not None:
        with appended(output) if append else atomic_output(output) as stream:
            yield stream
        return
    if fmt in DIRECT_FORMATS:
        yield sys.stdout
        sys.stdout.flush()
        return
    with tempfile.SpooledTemporaryFile(_SPOOL_IN_MEMORY, mode="w+", encoding="utf-8") as spool:
        yield spool  # type: ignore[misc]
        spool.seek(0)
        shutil.copyfileobj(spool, sys.stdout)
        sys.stdout.flush()


def render(
    records: Iterable[dict[str, Any]],
    fmt: str,
    fields: Sequence[str] | None,
    stream: TextIO,
    *,
    to_terminal: bool = False,
    summary: str = "people",
    raw_csv: bool = False,
    csv_header: bool = True,
    empty_header: bool = False,
    wide: bool = False,
) -> int:
    """Write records in ``fmt`` to ``stream``; returns how many were written."""
    if fmt == "table":
        from clodura_cli.cli.table import render_table

        rows = list(records)
        if rows:
            render_table(rows, fields, stream, to_terminal=to_terminal, summary=summary, wide=wide)
        return len(rows)
    return write_records(
        records,
        fmt,
        stream,
        fields,
        raw_csv=raw_csv,
        csv_header=csv_header,
        empty_header=empty_header,
    )
