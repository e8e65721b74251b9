"""Records as cells: the flat text of a value, the columns of a file, and how a writer is
asked to write; shared by every writer (the text formats and the workbook)."""

import json
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from clodura_cli.api.spec import PERSON_RECORD_FIELDS
from clodura_cli.base.values import cap_depth

ALL_FIELDS = "all"
#: Fields the API echoes into every record; left out of tables and default columns.
PAGING_ECHO = frozenset({"page", "perPage"})
#: A people file's first columns: the documented record fields.
DEFAULT_PERSON_COLUMNS = tuple(name for name in PERSON_RECORD_FIELDS if name not in PAGING_ECHO)


class WriteOptions(NamedTuple):
    """How records are written, whatever the format."""

    #: No guard before cells a spreadsheet would run as formulas (--raw-csv).
    raw: bool = False
    #: Write a header row (False when appending under an existing one).
    header: bool = True
    #: Write the header even when no record comes (a new file always has one).
    empty_header: bool = False
    #: The stream is a terminal: cells lose control characters and escape sequences.
    to_terminal: bool = False
    #: Start with a UTF-8 byte-order mark (--bom: Excel then reads the file as UTF-8); only
    #: ever at the very start of a file or stream.
    bom: bool = False
    #: Where a writer says what it had to change (a cell cut to what a sheet holds).
    warn: Callable[[str], None] | None = None
    #: The records are people (search, reveal, track): with no columns chosen, a file starts
    #: with the documented person columns, whatever the first record holds. False: records of
    #: another kind, their own fields as columns.
    people: bool = True
    #: What ends a row of a delimited file: CR LF when appending to a file whose lines end so.
    line_end: str = "\n"


#: Writing with every option at its default.
PLAIN = WriteOptions()


def cell(value: Any) -> str:
    """A record value as flat text: arrays joined with '; ', objects as JSON; what nests
    deeper than MAX_DEPTH becomes a marker (never a recursion error)."""
    if type(value) is str:  # the common case first: this runs for every cell
        return value
    if isinstance(value, list):
        try:
            return "; ".join(value)  # text items, the usual case, joined in one C call
        except TypeError:
            return _flat(cap_depth(value))
    if isinstance(value, dict):
        return _flat(cap_depth(value))
    return _scalar(value)


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _flat(value: Any) -> str:
    """A value already capped in depth, as flat text."""
    if isinstance(value, list):
        return "; ".join(_flat(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _scalar(value)


def kept_beside(
    record: dict[str, Any], row: dict[str, Any], names: Sequence[str]
) -> dict[str, Any]:
    """``row`` (a result written over the input ``record``) with the input's own value of each
    of ``names`` the result replaced with another kept beside it, as ``NAME (input)`` (``NAME
    (input 2)``, ... once a chain has one): a CRM's own status or state column, an earlier
    step's credits are never lost to a column of the same name."""
    for name in dict.fromkeys(names):
        before = record.get(name)
        if before in (None, "", []) or name not in row or cell(row[name]) == cell(before):
            continue
        number, key = 1, f"{name} (input)"
        while key in row:
            number += 1
            key = f"{name} (input {number})"
        row[key] = before
    return row


def header_without_records(options: WriteOptions) -> Sequence[str] | None:
    """The header of a new file that no record came to, with no columns named: the person
    columns for people, none for records of another kind."""
    return DEFAULT_PERSON_COLUMNS if options.people else None


def header_for(record: dict[str, Any], people: bool = True) -> list[str]:
    """The columns of a file whose first record is ``record``: for ``people``, the documented
    person fields (even those the first record lacks: a later one may hold them), then
    whatever else it carries; for records of another kind, their own fields, as the table
    shows them. Never the paging echo, page and perPage."""
    if not people:
        return [name for name in record if name not in PAGING_ECHO]
    extra = [
        name for name in record if name not in DEFAULT_PERSON_COLUMNS and name not in PAGING_ECHO
    ]
    return [*DEFAULT_PERSON_COLUMNS, *extra]


def every_column(records: Sequence[dict[str, Any]]) -> list[str]:
    """The columns of a file holding all ``records``: every field any of them has (the paging
    echo left out), each after the fields that stand before it in some record, otherwise in
    the order they first appear. Rows read from one CSV omit their blank cells; this puts the
    columns back in the order of its header, whichever cells the first rows left blank."""
    import heapq

    first: dict[str, int] = {}
    before: dict[str, set[str]] = {}
    for record in records:
        previous = None
        for name in record:
            if name in PAGING_ECHO:
                continue
            if name not in first:
                first[name] = len(first)
                before[name] = set()
            if previous is not None and previous != name:
                before[name].add(previous)
            previous = name
    waiting = {name: len(names) for name, names in before.items()}
    after: dict[str, list[str]] = {name: [] for name in first}
    for name, names in before.items():
        for earlier in names:
            after[earlier].append(name)
    ready = [(first[name], name) for name, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[str] = []
    placed: set[str] = set()
    while len(order) < len(first):
        if not ready:  # records disagree on an order (a cycle): the earliest seen goes next
            name = min((n for n in first if n not in placed), key=first.__getitem__)
            ready.append((first[name], name))
        _, name = heapq.heappop(ready)
        if name in placed:
            continue
        placed.add(name)
        order.append(name)
        for later in after[name]:
            waiting[later] -= 1
            if waiting[later] == 0 and later not in placed:
                heapq.heappush(ready, (first[later], later))
    return order


def select(record: dict[str, Any], fields: Sequence[str] | None) -> dict[str, Any]:
    """The record with only ``fields``, in that order (absent ones as null); all when None."""
    if fields is None or list(fields) == [ALL_FIELDS]:
        return record
    return {name: record.get(name) for name in fields}
