"""The output formats, one record each, and the writers that stream records in them.

Every list of formats the tool shows (help, errors, completion, settings, the --append check,
the extension a file name implies) is derived from ``FORMATS``: a new format is an entry here
and, if it writes differently from the others, a writer.
"""

import csv
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TextIO

from clodura_cli.api.errors import UsageError
from clodura_cli.base.encoding import escape_halves
from clodura_cli.base.text import BIDI_AND_SEPARATORS, C1_CONTROLS, pattern, printable
from clodura_cli.base.values import cap_depth
from clodura_cli.store.cells import (
    ALL_FIELDS,
    DEFAULT_PERSON_COLUMNS,
    PAGING_ECHO,
    PLAIN,
    WriteOptions,
    cell,
    header_for,
    header_without_records,
    select,
)

__all__ = ["ALL_FIELDS", "DEFAULT_PERSON_COLUMNS", "PAGING_ECHO", "WriteOptions", "cell",
           "header_for", "select"]  # fmt: skip

#: A cell starting with one of these is read as a formula by spreadsheet programs.
_FORMULA_FIRST = frozenset("=+-@\t\r")
#: A phone number as every spreadsheet reads it (`+1 312 555 0193`, `+13125550193`): a value,
#: never a formula, so it is written without the guard. `+1-312-555-0193` is a sum to Excel.
_PHONE = pattern(r"\+\d+(?: \d+)*\Z")
#: A negative number (`-1`, `-0.25`): a value to every spreadsheet, never a formula. Not one
#: with leading zeros (`-007`, an account code): a sheet would make it -7.
_NEGATIVE = pattern(r"-(?:0|[1-9][0-9]*)(?:\.[0-9]+)?\Z")
#: Characters JSON leaves raw that a terminal acts on (C1 controls, bidi overrides, line and
#: paragraph separators): always written as \\u escapes, which read back the same.
_UNSAFE_IN_JSON = C1_CONTROLS | BIDI_AND_SEPARATORS
_ESCAPED_IN_JSON = {ord(char): f"\\u{ord(char):04x}" for char in _UNSAFE_IN_JSON}


class RecordWriter(Protocol):
    """Writes records to a stream as they come."""

    def write(self, record: dict[str, Any]) -> None:
        """Write one record."""

    def close(self) -> None:
        """Finish the output (closing brackets); does not close the stream."""


#: (stream, fields, options) -> writer; the stream is binary for a binary format.
WriterFactory = Callable[[Any, "Sequence[str] | None", WriteOptions], RecordWriter]


class Format(NamedTuple):
    """One output format and how the tool treats it."""

    name: str
    #: File name endings that imply it (the first is its own).
    extensions: tuple[str, ...]
    #: Records may go to stdout as they come; False: held until complete (a JSON array), or
    #: drawn once every row is in (the table).
    streams_to_stdout: bool
    #: --append may add to an existing file.
    appendable: bool
    #: The first line is a header of column names (read back when appending).
    header: bool
    #: The writer, or None for the table (drawn by the command line).
    writer: WriterFactory | None
    #: One line for help texts.
    description: str
    #: Its columns are fixed once, by --fields or else by the first record (a header row):
    #: a command holding every row before writing names every row's columns.
    fixed_columns: bool = False
    #: Bytes, not text (a workbook): never to a terminal, written through a binary stream.
    binary: bool = False
    #: The module it needs beyond the standard library, and how to get it.
    needs: tuple[str, str] | None = None


def json_text(value: Any, indent: int | None = None) -> str:
    """A value as JSON (one line unless ``indent``), Unicode kept, characters a terminal would
    act on escaped: what a server or a file supplied never moves the cursor or reorders text."""
    try:
        text = json.dumps(value, ensure_ascii=False, indent=indent)
    except RecursionError:
        text = json.dumps(cap_depth(value), ensure_ascii=False, indent=indent)
    if text.isascii() and "\x7f" not in text:  # json.dumps escaped the other controls
        return text
    if not _UNSAFE_IN_JSON.isdisjoint(text):
        text = text.translate(_ESCAPED_IN_JSON)
    # A lone surrogate (the API may send "\\udc80", which JSON allows): no UTF-8 holds it.
    return escape_halves(text)


def guarded(text: str) -> str:
    """A cell a spreadsheet would run as a formula, prefixed with a quote (phones and negative
    numbers excepted)."""
    if text and text[0] in _FORMULA_FIRST and not _PHONE.match(text) and not _NEGATIVE.match(text):
        return "'" + text
    return text


class _JsonWriter:
    """Each record's fields as a JSON object (the options do not apply to JSON)."""

    def __init__(
        self, stream: TextIO, fields: Sequence[str] | None, options: WriteOptions = PLAIN
    ) -> None:
        self._stream = stream
        self._fields = fields

    def _object(self, record: dict[str, Any]) -> str:
        return json_text(select(record, self._fields))


class JsonLinesWriter(_JsonWriter):
    """One JSON object per line."""

    def write(self, record: dict[str, Any]) -> None:
        self._stream.write(self._object(record) + "\n")

    def close(self) -> None:
        self._stream.flush()


class JsonArrayWriter(_JsonWriter):
    """One JSON array, written element by element so nothing is held in memory."""

    _count = 0

    def write(self, record: dict[str, Any]) -> None:
        self._stream.write("[\n  " if self._count == 0 else ",\n  ")
        self._stream.write(self._object(record))
        self._count += 1

    def close(self) -> None:
        self._stream.write("[]\n" if self._count == 0 else "\n]\n")
        self._stream.flush()


class DelimitedWriter:
    """A header of field names, then one row per record, cells separated by ``delimiter``."""

    delimiter = ","

    def __init__(
        self, stream: TextIO, fields: Sequence[str] | None, options: WriteOptions = PLAIN
    ) -> None:
        self._writer = csv.writer(stream, delimiter=self.delimiter, lineterminator=options.line_end)
        self._stream = stream
        self._fields = None if fields is None or list(fields) == [ALL_FIELDS] else list(fields)
        self._options = options
        self._header_written = not options.header
        #: First characters that send a text cell the slow way (guard, terminal cleaning).
        self._risky = frozenset() if options.raw else _FORMULA_FIRST

    def write(self, record: dict[str, Any]) -> None:
        if not self._header_written:
            if self._fields is None:
                self._fields = header_for(record, self._options.people)
            self._write_header(self._fields)
        assert self._fields is not None
        # This runs for every cell of every record: plain text that needs no care goes straight
        # through, everything else by _cell.
        get, to_cell, risky = record.get, self._cell, self._risky
        slow = self._options.to_terminal
        row: list[str] = []
        append = row.append
        for name in self._fields:
            value = get(name)
            if (
                type(value) is str
                and not slow
                and (not value or (value[0] not in risky and "\r" not in value))
            ):
                append(value)
            elif value is None:
                append("")
            else:
                append(to_cell(value))
        self._writer.writerow(row)

    def _cell(self, value: Any) -> str:
        text = cell(value)
        if self._options.to_terminal:
            text = printable(text)
        if not self._options.raw:
            text = guarded(text)
        if "\r" in text:
            # A lone carriage return would not be quoted with "\n" line endings and would split
            # the row for readers; line breaks inside a cell become "\n", which is quoted.
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        return text

    def _write_header(self, fields: Sequence[str]) -> None:
        if self._options.bom:
            self._stream.write("\ufeff")
        # Names are cells too, and a server (or a layout) decides some: `=HYPERLINK(...)`.
        self._writer.writerow(fields if self._options.raw else [guarded(f) for f in fields])
        self._header_written = True

    def close(self) -> None:
        if not self._header_written and self._options.empty_header:
            fields = self._fields or header_without_records(self._options)
            if fields:  # records of another kind, none written, no columns named: no header
                self._write_header(fields)
        self._stream.flush()


class CsvWriter(DelimitedWriter):
    """Comma-separated values."""


class TsvWriter(DelimitedWriter):
    """Tab-separated values."""

    delimiter = "\t"


def _workbook(stream: Any, fields: Sequence[str] | None, options: WriteOptions) -> RecordWriter:
    from clodura_cli.store.workbook import WorkbookWriter

    return WorkbookWriter(stream, fields, options)


XLSX_HINT = "pip install 'clodura-cli[xlsx]'"

# One format a line: the registry reads as a table.
# fmt: off
FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("table", (".txt",), False, False, False, None, "a table that fits the terminal"),
    Format("json", (".json",), False, False, False, JsonArrayWriter, "one JSON array"),
    Format("jsonl", (".jsonl", ".ndjson"), True, True, False, JsonLinesWriter, "JSON Lines"),
    Format("csv", (".csv",), True, True, True, CsvWriter, "comma-separated, with a header",
           fixed_columns=True),
    Format("tsv", (".tsv",), True, True, True, TsvWriter, "tab-separated, with a header",
           fixed_columns=True),
    Format("xlsx", (".xlsx",), False, False, False, _workbook, "an Excel workbook (ids as text)",
           fixed_columns=True, binary=True, needs=("xlsxwriter", XLSX_HINT)),
)}
# fmt: on
FORMAT_NAMES = tuple(FORMATS)


def names_text(names: Iterable[str] = FORMAT_NAMES) -> str:
    """Format names as prose: ``table, json, jsonl or csv``."""
    listed = list(names)
    return ", ".join(listed[:-1]) + f" or {listed[-1]}" if len(listed) > 1 else "".join(listed)


def check_format(value: str, name: str = "--format") -> str:
    """A format name in lower case, or a usage error naming the formats."""
    lowered = value.strip().lower()
    if lowered not in FORMATS:
        raise UsageError(f"{name}: {value!r} is not a format; use {names_text()}")
    return lowered


def check_available(fmt: str) -> None:
    """Refuse, before anything is sent, a format whose library is not installed."""
    needs = FORMATS[fmt].needs
    if needs is None:
        return
    import importlib.util

    if importlib.util.find_spec(needs[0]) is None:
        raise UsageError(f"--format {fmt}: needs the {needs[0]} library, not installed; {needs[1]}")


def appendable() -> tuple[str, ...]:
    """The formats --append can add to."""
    return tuple(f.name for f in FORMATS.values() if f.appendable)


def with_header() -> tuple[str, ...]:
    """The formats whose first line is a header: the delimited ones, which a spreadsheet opens
    (the byte-order mark and the formula guard are theirs)."""
    return tuple(f.name for f in FORMATS.values() if f.header)


def delimiter_of(fmt: str) -> str:
    """What separates the cells of a format with a header (its writer's delimiter)."""
    return str(getattr(FORMATS[fmt].writer, "delimiter", ","))


def in_prose(names: Iterable[str]) -> str:
    """Format names as help texts write them: ``JSONL, CSV or TSV``."""
    return names_text(name.upper() for name in names)


def format_for_suffix(path: str) -> str | None:
    """The format a file name's ending implies (``leads.csv`` -> ``csv``), or None."""
    suffix = Path(path).suffix.lower()
    return next((f.name for f in FORMATS.values() if suffix in f.extensions), None)


def known_extensions() -> str:
    """Every file ending that implies a format, for an error message."""
    return ", ".join(ext for f in FORMATS.values() for ext in f.extensions)


def writer_for(
    fmt: str, stream: TextIO, fields: Sequence[str] | None, options: WriteOptions
) -> RecordWriter:
    """The writer of a format that streams records (every one but the table)."""
    factory = FORMATS[fmt].writer
    if factory is None:
        raise UsageError(f"--format: {fmt} is drawn, not streamed")
    return factory(stream, fields, options)


def write_records(
    records: Iterable[dict[str, Any]],
    fmt: str,
    stream: TextIO,
    fields: Sequence[str] | None = None,
    options: WriteOptions = PLAIN,
) -> int:
    """Write every record in a machine format, streaming, and return how many were written."""
    writer = writer_for(fmt, stream, fields, options)
    count = 0
    for record in records:
        writer.write(record)
        count += 1
    writer.close()
    return count


def read_header(path: Path, fmt: str) -> list[str] | None:
    """The header row of an existing, non-empty file in a format that has one; else None."""
    if not FORMATS[fmt].header:
        return None
    try:
        with open(path, encoding="utf-8-sig", newline="") as stream:
            names = next(csv.reader(stream, delimiter=delimiter_of(fmt)), None) or None
    except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError, csv.Error):
        return None
    # A name written with the formula guard's apostrophe is the name without it.
    return None if names is None else [unguarded(name) for name in names]


def unguarded(text: str) -> str:
    """A cell without the apostrophe ``guarded`` put before a character a spreadsheet would
    run as a formula (it comes back when the file is read, or the sheet saved again)."""
    return text[1:] if len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_FIRST else text
