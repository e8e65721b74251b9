"""Writing records as JSON, JSON Lines or CSV, one at a time; files written atomically."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, TextIO

from clodura_cli.api.errors import UsageError
from clodura_cli.api.spec import OUTPUT_FORMATS, PERSON_RECORD_FIELDS
from clodura_cli.base.text import quoted
from clodura_cli.store.files import new_file_mode, replaced_atomically, written_directly

FORMATS = OUTPUT_FORMATS
_EXTENSION_FORMATS = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".txt": "table",
}
#: A CSV cell starting with one of these is read as a formula by spreadsheet programs.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(_FORMULA_STARTS)
ALL_FIELDS = "all"
#: Fields the API echoes into every record; left out of tables and default CSV columns.
PAGING_ECHO = frozenset({"page", "perPage"})
#: A people CSV's first columns: the documented record fields.
DEFAULT_CSV_FIELDS = tuple(name for name in PERSON_RECORD_FIELDS if name not in PAGING_ECHO)


def format_for_path(path: str) -> str:
    """The output format a file name implies (``leads.csv`` -> ``csv``); JSON Lines for a
    stream such as ``/dev/stdout`` or a named pipe, whose name says nothing."""
    suffix = Path(path).suffix.lower()
    try:
        return _EXTENSION_FORMATS[suffix]
    except KeyError:
        if is_stream(Path(path)):
            return "jsonl"
        known = ", ".join(_EXTENSION_FORMATS)
        raise UsageError(
            f"--output: cannot tell the format of {path!r} from its extension ({known}); "
            "add --format json|jsonl|csv|table"
        ) from None


def parse_fields(text: str | None) -> list[str] | None:
    """``--fields a,b,c`` as a list; None when not given; ``["all"]`` for every field."""
    if text is None:
        return None
    fields = [part.strip() for part in text.split(",") if part.strip()]
    if not fields:
        raise UsageError("--fields: give field names separated by commas, or 'all'")
    return [ALL_FIELDS] if ALL_FIELDS in fields else list(dict.fromkeys(fields))


def chosen_columns(
    text: str | None, known: Iterable[str], warn: Callable[[str], None]
) -> list[str] | None:
    """The ``--fields`` columns (None: the format's own), checked against ``known``."""
    chosen = parse_fields(text)
    for warning in check_fields(chosen, known):
        warn(warning)
    return chosen


def check_fields(fields: Sequence[str] | None, known: Iterable[str]) -> list[str]:
    """Refuse a ``--fields`` name that is a typo of a known field (a case or a small edit away),
    with the field it most likely means; other unknown names are kept (the API may send
    fields we do not know), with a warning each, returned."""
    import difflib

    known = list(known)
    by_case = {name.casefold(): name for name in known}
    warnings = []
    for name in fields or ():
        if name in known or name == ALL_FIELDS:
            continue
        close = [by_case[name.casefold()]] if name.casefold() in by_case else []
        close = close or difflib.get_close_matches(name, known, n=1, cutoff=0.8)
        if close:
            raise UsageError(
                f"--fields: {quoted(name)} is not a field; did you mean {close[0]!r}? "
                "(field names are case-sensitive)"
            )
        warnings.append(f"--fields: {quoted(name)} is not a known field; kept as an empty "
                        "column unless the API sends it")  # fmt: skip
    return warnings


def cell(value: Any) -> str:
    """A record value as flat text: arrays joined with '; ', objects as JSON."""
    if type(value) is str:  # the common case first: this runs for every cell
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        try:
            return "; ".join(value)  # text items, the usual case, joined in one C call
        except TypeError:
            return "; ".join(cell(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def neutralise_formula(text: str) -> str:
    """Prefix a cell that a spreadsheet would evaluate as a formula with a quote."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def select(record: dict[str, Any], fields: Sequence[str] | None) -> dict[str, Any]:
    """The record with only ``fields``, in that order (absent ones as null); all when None."""
    if fields is None or list(fields) == [ALL_FIELDS]:
        return record
    return {name: record.get(name) for name in fields}


class RecordWriter(Protocol):
    """Writes records to a stream as they come."""

    def write(self, record: dict[str, Any]) -> None:
        """Write one record."""

    def close(self) -> None:
        """Finish the output (closing brackets); does not close the stream."""


class JsonLinesWriter:
    """One JSON object per line."""

    def __init__(self, stream: TextIO, fields: Sequence[str] | None) -> None:
        self._stream = stream
        self._fields = fields

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(select(record, self._fields), ensure_ascii=False)
        self._stream.write(line + "\n")

    def close(self) -> None:
        self._stream.flush()


class JsonArrayWriter:
    """One JSON array, written element by element so nothing is held in memory."""

    def __init__(self, stream: TextIO, fields: Sequence[str] | None) -> None:
        self._stream = stream
        self._fields = fields
        self._count = 0

    def write(self, record: dict[str, Any]) -> None:
        self._stream.write("[\n  " if self._count == 0 else ",\n  ")
        self._stream.write(json.dumps(select(record, self._fields), ensure_ascii=False))
        self._count += 1

    def close(self) -> None:
        self._stream.write("[]\n" if self._count == 0 else "\n]\n")
        self._stream.flush()


class CsvWriter:
    """A header of API field names, then one row per record."""

    def __init__(
        self,
        stream: TextIO,
        fields: Sequence[str] | None,
        *,
        raw: bool = False,
        header: bool = True,
        empty_header: bool = False,
    ) -> None:
        """``header=False`` when appending under an existing header; ``empty_header`` writes
        the header even when no record comes (a new file is never left without one)."""
        self._writer = csv.writer(stream, lineterminator="\n")
        self._stream = stream
        self._fields = None if fields is None or list(fields) == [ALL_FIELDS] else list(fields)
        self._raw = raw
        self._header_written = not header
        self._empty_header = empty_header
        #: First characters that send a text cell the slow way (formula neutralising).
        self._risky = frozenset() if raw else _FORMULA_FIRST

    def write(self, record: dict[str, Any]) -> None:
        if not self._header_written:
            if self._fields is None:
                # The header comes before the first row: the documented fields, then whatever
                # else the first record carries (but the paging echo, page and perPage).
                extra = [
                    name
                    for name in record
                    if name not in DEFAULT_CSV_FIELDS and name not in PAGING_ECHO
                ]
                self._fields = [*DEFAULT_CSV_FIELDS, *extra]
            self._writer.writerow(self._fields)
            self._header_written = True
        assert self._fields is not None
        # This runs for every cell of every record: plain text that needs no care goes straight
        # through, everything else by _cell.
        get, to_cell, risky = record.get, self._cell, self._risky
        row: list[str] = []
        append = row.append
        for name in self._fields:
            value = get(name)
            if type(value) is str and (not value or (value[0] not in risky and "\r" not in value)):
                append(value)
            elif value is None:
                append("")
            elif type(value) is list:
                text = cell(value)
                append(to_cell(text) if text and (text[0] in risky or "\r" in text) else text)
            else:
                append(to_cell(value))
        self._writer.writerow(row)

    def _cell(self, value: Any) -> str:
        text = cell(value)
        if text and not self._raw and text[0] in _FORMULA_FIRST:
            text = "'" + text
        if "\r" in text:
            # A lone carriage return would not be quoted with "\n" line endings and would split
            # the row for readers; line breaks inside a cell become "\n", which is quoted.
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        return text

    def close(self) -> None:
        if not self._header_written and self._empty_header:
            self._writer.writerow(self._fields or DEFAULT_CSV_FIELDS)
        self._stream.flush()


def write_records(
    records: Iterable[dict[str, Any]],
    fmt: str,
    stream: TextIO,
    fields: Sequence[str] | None = None,
    *,
    raw_csv: bool = False,
    csv_header: bool = True,
    empty_header: bool = False,
) -> int:
    """Write every record in a machine format (json, jsonl or csv), streaming, and return how
    many were written."""
    writer: RecordWriter
    if fmt == "csv":
        writer = CsvWriter(
            stream, fields, raw=raw_csv, header=csv_header, empty_header=empty_header
        )
    elif fmt in ("json", "jsonl"):
        writer = (JsonLinesWriter if fmt == "jsonl" else JsonArrayWriter)(stream, fields)
    else:
        raise UsageError(f"--format: {fmt!r} is not a streaming format; use json, jsonl or csv")
    count = 0
    for record in records:
        writer.write(record)
        count += 1
    writer.close()
    return count


def atomic_output(path: str) -> contextlib.AbstractContextManager[TextIO]:
    """A text stream for ``--output PATH``.

    A regular file (new or existing) is replaced only when the block ends without error, and
    an existing one keeps its mode; through a symlink, the file it points to is replaced. A
    device, FIFO or socket (``/dev/null``, ``/dev/stdout``, a named pipe) is written directly.
    """
    target = _regular_file(path)
    if target is None:
        return written_directly(Path(path))
    return replaced_atomically(target, private=False)


def _regular_file(path: str) -> Path | None:
    """The regular file ``--output PATH`` names (through a symlink, the file it points to), or
    None for a stream written directly; a folder, or a file in a missing folder, is refused."""
    target = Path(path)
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise UsageError(f"--output: cannot use {path!r}: {exc.strerror}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise UsageError(f"--output: {path!r} is a folder; give a file name inside it")
    if is_stream(target):
        return None
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise UsageError(f"--output: folder {str(directory)!r} does not exist")
    return target


def is_stream(target: Path) -> bool:
    """A device, FIFO or socket, or a path under /dev or /proc: written, never replaced
    (``/dev/stdout`` may lead to a regular file the shell opened)."""
    parts = target.absolute().parts
    if len(parts) > 1 and parts[1] in ("dev", "proc"):
        return True
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


@contextlib.contextmanager
def appended(path: str) -> Iterator[TextIO]:
    """A text stream appending to ``path`` (created if new); a failed run cuts the file back to
    what it was, or removes the file it created."""
    target = _regular_file(path)
    if target is None:
        with written_directly(Path(path)) as stream:
            yield stream
        return
    try:
        size = target.stat().st_size
    except FileNotFoundError:
        size = None
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, new_file_mode())
    try:
        with os.fdopen(fd, "a", encoding="utf-8", newline="") as stream:
            if size and not _ends_with_newline(target):
                stream.write("\n")
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        if size is None:
            target.unlink(missing_ok=True)
        else:
            os.truncate(target, size)
        raise


def _ends_with_newline(target: Path) -> bool:
    with open(target, "rb") as stream:
        stream.seek(-1, os.SEEK_END)
        return stream.read(1) == b"\n"


def existing_csv_header(path: str) -> list[str] | None:
    """The header row of an existing, non-empty CSV file; None otherwise."""
    try:
        with open(path, encoding="utf-8", newline="") as stream:
            return next(csv.reader(stream), None) or None
    except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError, csv.Error):
        return None
