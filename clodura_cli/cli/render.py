"""The one entry point from records to output: machine formats stream, the table collects."""

import contextlib
import io
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

from clodura_cli.api.errors import UsageError
from clodura_cli.base.encoding import ERRORS, REPLACEMENT, without_halves
from clodura_cli.cli import report, terminal
from clodura_cli.store.cells import every_column
from clodura_cli.store.files import appended, atomic_output, output_target
from clodura_cli.store.formats import (
    ALL_FIELDS,
    FORMATS,
    PAGING_ECHO,
    WriteOptions,
    appendable,
    delimiter_of,
    names_text,
    read_header,
    with_header,
)
from clodura_cli.store.formats import write_records as write_machine

if TYPE_CHECKING:
    from clodura_cli.cli.session import ApiOptions
    from clodura_cli.output import OutputOptions
    from clodura_cli.store.layouts import Layout

_SPOOL_IN_MEMORY = 8 * 1024 * 1024


class _TextSpool:
    """Text held back from stdout until it is whole: in memory up to _SPOOL_IN_MEMORY
    characters, past that in a temporary file (tempfile, 5M instructions to import, is loaded
    only then: the JSON of a search usually fits in memory many times over)."""

    def __init__(self) -> None:
        self._memory: io.StringIO | None = io.StringIO()
        self._file: TextIO | None = None
        self._size = 0

    def write(self, text: str) -> int:
        if self._memory is not None:
            self._size += len(text)
            if self._size <= _SPOOL_IN_MEMORY:
                return self._memory.write(text)
            import tempfile

            self._file = tempfile.TemporaryFile("w+", encoding="utf-8", errors=ERRORS)  # noqa: SIM115 (closed by close())
            self._file.write(self._memory.getvalue())
            self._memory = None
        assert self._file is not None
        return self._file.write(text)

    def flush(self) -> None:
        """Nothing to flush: what is held reaches stdout only whole (copy_to)."""

    def copy_to(self, stream: TextIO) -> None:
        """Write everything held to ``stream``."""
        if self._memory is not None:
            stream.write(self._memory.getvalue())
            return
        assert self._file is not None
        import shutil

        self._file.seek(0)
        shutil.copyfileobj(self._file, stream)

    def close(self) -> None:
        """Let what is held go (the temporary file, if there is one, is deleted)."""
        self._memory = None
        if self._file is not None:
            self._file.close()


class Output(NamedTuple):
    """Where and how a command's records are written, as the user asked."""

    fmt: str
    #: The --output file; None for stdout.
    path: str | None = None
    #: The --fields columns (None: the format's own choice).
    columns: Sequence[str] | None = None
    append: bool = False
    #: --raw-csv: no guard before cells a spreadsheet would run as formulas.
    raw: bool = False
    wide: bool = False
    #: Which table of columns a table shows (people, organisations, email, jobs, ...).
    summary: str = "people"
    #: --bom (or the csv-bom setting): a UTF-8 byte-order mark at the start of a new CSV/TSV.
    bom: bool = False
    #: --layout: the columns renamed and ordered for a CRM's import.
    layout: "Layout | None" = None
    #: With a layout and no --fields: the command's result columns written after the layout's.
    extra: tuple[str, ...] = ()

    @property
    def written(self) -> Sequence[str] | None:
        """The columns written: the --fields ones (None: the format's own), laid out."""
        if self.layout is None:
            return self.columns
        return self.layout.names(self.columns, self.extra)

    @property
    def to_terminal(self) -> bool:
        """True when the records go to a terminal."""
        return terminal.output_to_terminal(self.path)

    def check_append(self, columns: Sequence[str] | None, foreign: Sequence[str] = ()) -> None:
        """Refuse, before anything is sent, an --append the file cannot take: no file, a format
        that cannot grow, a header without the columns this run would write, or with one
        (``foreign``) that says it holds another command's rows."""
        if not self.append:
            return
        if self.path is None:
            raise UsageError("--append: give the file to append to with -o FILE")
        if not FORMATS[self.fmt].appendable:
            raise UsageError(
                f"--append: {self.fmt} cannot be appended to; use {names_text(appendable())} "
                "(-f " + "|".join(appendable()) + ")"
            )
        _check_same_format(Path(self.path), self.fmt)
        if not Path(self.path).is_file():  # a pipe or a device: no header to read back
            return
        header = read_header(Path(self.path), self.fmt)
        _check_header(header, columns if self.layout is None else self.written, self.path)
        other = [name for name in foreign if header is not None and name in header]
        if other:
            raise UsageError(f"--append: {self.path} holds another command's rows (its "
                             f"{', '.join(other)} column); write to a new file")  # fmt: skip


def _check_same_format(path: Path, fmt: str) -> None:
    """Refuse to add rows of one format to a file of another (its columns were reported
    missing, and --fields offered as the fix)."""
    held = _held_formats(path)
    if held == ("semicolons",):
        raise UsageError(
            f"--append: {path} separates its values with ';' (as Excel saves CSV in some "
            f"languages), and {fmt} rows would not line up with them; write to a new file, or "
            "save it again as CSV with commas"
        )
    if held and fmt not in held:
        names = " or ".join(held)
        raise UsageError(
            f"--append: {path} holds {names}, not {fmt}; give -f "
            + " or -f ".join(held)
            + f" to add to it, or write {fmt} to a new file"
        )


def _held_formats(path: Path) -> tuple[str, ...]:
    """The appendable formats a regular file may hold, by its first line (an object: JSON
    Lines; names split by tabs or by commas; one name: either), whatever its name says; none
    to check for an empty or unreadable file, or a stream (a pipe is never read: it would
    wait for this very run)."""
    if not path.is_file():
        return ()
    try:
        with open(path, "rb") as stream:
            first = stream.readline(64 * 1024).removeprefix(b"\xef\xbb\xbf")
    except OSError:
        return ()
    if not first.strip():
        return ()
    lines = [name for name in appendable() if not FORMATS[name].header]  # JSON Lines
    if first.lstrip().startswith(b"{"):
        return tuple(lines)
    delimited = [name for name in appendable() if FORMATS[name].header]
    counts = {name: first.count(delimiter_of(name).encode()) for name in delimited}
    most = max(counts.values(), default=0)
    if most == 0 and b";" in first and ";" not in map(delimiter_of, delimited):
        return ("semicolons",)  # Excel's CSV where the decimal mark is a comma
    return tuple(name for name in delimited if counts[name] == most)  # one name: any of them


def _check_header(header: list[str] | None, columns: Sequence[str] | None, path: str) -> None:
    if header is None or columns is None or list(columns) == [ALL_FIELDS]:
        return  # --fields all: every field the header has
    missing = [name for name in columns if name not in header]
    if missing:
        spelled = {name.casefold(): name for name in header}
        cased = [f"{spelled[m.casefold()]} for {m}" for m in missing if m.casefold() in spelled]
        # A sheet that saved EMAIL for email: its columns are not guessed at (an input's own
        # Status would then stand in for the result's status); the fix is said.
        fix = (f"; rename its {', '.join(cased)} in the header" if cased else
               " (write to a new file, or choose columns it has with --fields)")  # fmt: skip
        raise UsageError(f"--append: {path} has other columns; it lacks {', '.join(missing)}{fix}")


def write_output(
    records: Iterable[dict[str, Any]],
    output: Output,
    *,
    empty_header: bool | None = None,
    held: bool = False,
    first: Sequence[str] = (),
) -> int:
    """Write the records as ``output`` says; returns how many were written.

    A file appears only when complete (with --append, it grows under its lock and a failed run
    removes what it added); on stdout JSON Lines and CSV stream as they come, a JSON array is
    held back until complete, so a failed run never prints half an array. ``held``: the
    records are all known before writing (a paid command's rows), so a format whose columns
    are fixed once (a header) gets every record's columns, not the first record's alone, and
    ``first`` (the input table's header) in its order ahead of the rest.
    """
    if output.layout is None:
        return _write(records, output, empty_header, _Every(first) if held else None)
    from clodura_cli.store.layouts import Watch

    watch = Watch(output.layout)
    every = _Every([*(c.name for c in output.layout.columns), *first]) if held else None
    written = _write(map(watch.apply, records), output, empty_header, every)
    for warning in watch.misspelt():
        report.warn(warning)
    return written


def report_written(output: Output, count: int) -> None:
    """The summary line of a file written: `wrote 250 records to FILE` (or `appended`)."""
    if output.path is not None:
        verb = "appended" if output.append else "wrote"
        report.info(f"{verb} {count} record{'s' if count != 1 else ''} to {output.path}")


def _write(
    records: Iterable[dict[str, Any]],
    output: Output,
    empty_header: bool | None,
    every: "_Every | None",
) -> int:
    if empty_header is None:
        empty_header = output.path is not None
    with _destination(output) as (stream, start, line_end):
        columns = output.written
        every_field = columns is not None and list(columns) == [ALL_FIELDS]
        existing = None
        if output.append and start and output.path is not None:
            existing = read_header(Path(output.path), output.fmt)
        if existing is not None:  # the file's header decides what is written
            _check_header(existing, columns, output.path or "")
            columns = existing
            if any(REPLACEMENT in name for name in existing):
                # A name written with half a character (U+FFFD now): the records' own
                # names must be read the same way, or their cells would be left empty.
                records = ({without_halves(k): v for k, v in r.items()} for r in records)
            if every is not None:
                _say_left_out(every, existing, output)
        elif (
            every is not None
            and FORMATS[output.fmt].fixed_columns
            and (columns is None or every_field)
        ):
            columns, records = every(records)
        elif every is not None and output.layout is not None and output.columns is None:
            columns = every.carried(columns or [], output.layout)  # no --fields: nothing lost
        elif output.layout is not None and every_field:
            # --fields all: the layout's columns first, as the first record has them.
            columns, records = _columns_of_first(records)
        header = existing is None
        if output.fmt == "table":
            from clodura_cli.cli.table import render_table

            rows = list(records)
            summary = "records" if output.layout else output.summary
            if rows:
                render_table(rows, columns, stream, to_terminal=output.to_terminal,
                             summary=summary, wide=output.wide)  # fmt: skip
            return len(rows)
        options = WriteOptions(
            raw=output.raw, header=header, empty_header=empty_header,
            to_terminal=output.to_terminal, warn=report.warn,
            bom=output.bom and start == 0 and not output.to_terminal,
            people=output.summary != "records", line_end=line_end,
        )  # fmt: skip
        return write_machine(records, output.fmt, stream, columns, options)


def _say_left_out(every: "_Every", header: list[str], output: Output) -> None:
    """--append to a file whose header lacks some of the input table's own columns: their
    cells are not written; said, once."""
    used = _drawn_on(output.layout) if output.layout is not None else set()
    left = [n for n in dict.fromkeys(every.first) if n.strip() and n not in used
            and n not in header]  # fmt: skip
    if left:
        shown = ", ".join(left[:8]) + (", ..." if len(left) > 8 else "")
        report.warn(f"--append: {output.path} has no column for the input's {shown}: those "
                    "cells are not written (write to a new file to keep them)")  # fmt: skip


class _Every(NamedTuple):
    """The columns of records held whole: ``first`` (a layout's columns, the input table's
    whole header, blank columns too) in that order, then every other field of every record."""

    first: Sequence[str]

    def __call__(self, records: Iterable[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
        held = list(records)
        header = dict.fromkeys(self.first)
        return [*header, *(name for name in every_column(held) if name not in header)], held

    def carried(self, columns: Sequence[str], layout: "Layout") -> list[str]:
        """A layout's columns, then the input table's own columns it neither writes nor draws
        on (a CRM export's Owner, an earlier step's verdict): carried, never dropped."""
        used = _drawn_on(layout) | {column.name for column in layout.columns}
        own = [name for name in self.first if name not in columns and name not in used]
        return [*columns, *dict.fromkeys(own)]


def _drawn_on(layout: "Layout") -> set[str]:
    """The fields a layout's columns draw on (``hqAddress`` for ``hqAddress.city``)."""
    return {source.split(".")[0] for column in layout.columns for source in column.sources}


def _columns_of_first(
    records: Iterable[dict[str, Any]],
) -> tuple[list[str] | None, Iterable[dict[str, Any]]]:
    """The first record's fields (the paging echo left out), and the records, that one too."""
    import itertools

    iterator = iter(records)
    first = next(iterator, None)
    if first is None:
        return None, []
    return [k for k in first if k not in PAGING_ECHO], itertools.chain([first], iterator)


@contextlib.contextmanager
def _destination(output: Output) -> Iterator[tuple[TextIO, int, str]]:
    """The stream to write to, the size of the file appended to (0 otherwise) and how its
    lines end."""
    binary = FORMATS[output.fmt].binary
    if output.path is not None:
        if output.append:
            path = output.path

            def waiting() -> None:
                report.info(f"waiting for another clodura that is appending to {path}")

            def repaired(size: int) -> None:
                report.warn(
                    f"--append: a run killed while appending to {path} had added {size:,} "
                    "bytes; removed them, so that no row is written twice"
                )

            with appended(path, on_wait=waiting, on_repair=repaired) as target:
                yield target.stream, target.start, target.line_end
            return
        with atomic_output(output.path, binary) as stream:
            yield stream, 0, "\n"
        return
    if not binary and (FORMATS[output.fmt].streams_to_stdout or output.fmt == "table"):
        yield sys.stdout, 0, "\n"
        sys.stdout.flush()
        return
    # The rest is spooled, and only then are the spooling modules imported: a dry run, a
    # stream of lines and a table start faster without them.
    if binary:
        import shutil
        import tempfile

        # Assembled whole, then copied: stdout may be a pipe a zip file cannot seek in.
        with tempfile.SpooledTemporaryFile(_SPOOL_IN_MEMORY, mode="w+b") as binary_spool:
            yield binary_spool, 0, "\n"  # type: ignore[misc]
            binary_spool.seek(0)
            sys.stdout.flush()
            shutil.copyfileobj(binary_spool, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        return
    with contextlib.closing(_TextSpool()) as spool:
        yield spool, 0, "\n"  # type: ignore[misc]
        spool.copy_to(sys.stdout)
        sys.stdout.flush()


def output_for(
    out: "OutputOptions",
    api: "ApiOptions",
    fmt: str,
    columns: Sequence[str] | None,
    *,
    summary: str,
    kind: str,
    extra: tuple[str, ...] = (),
    input_columns: Sequence[str] = (),
) -> Output:
    """The Output a command's output options ask for, in the format ``fmt`` chosen from them
    (``api.output_format``) and with ``columns`` chosen from --fields: the byte-order mark as
    the flag or the setting says, the --layout for records of ``kind``. An --output that
    cannot be written (a folder, a missing folder) is refused here, before anything is sent
    or paid for, not when the records are written. ``input_columns``: the header of the
    --input table, whose CRM columns a table without --layout leaves as they were (said)."""
    if out.output is not None:
        output_target(out.output, appending=out.append)
    if not FORMATS[fmt].header:  # the two flags speak of a file a spreadsheet opens as text
        for flag, given in (("--bom", out.bom), ("--raw-csv", out.raw_csv)):
            if given:
                report.warn(f"{flag} does nothing for {fmt}: it is for {names_text(with_header())}")
    layout = layout_of(out.layout, kind)
    if layout is None and input_columns and FORMATS[fmt].header:
        _hint_layout(input_columns, kind)
    return Output(fmt, out.output, columns, out.append, out.raw_csv, out.wide, summary,
                  bom=api.bom(out.bom), layout=layout, extra=extra)  # fmt: skip


def _hint_layout(columns: Sequence[str], kind: str) -> None:
    """A CRM export written back without --layout: its columns stay as they were, the results
    go beside them under the API's field names; say which --layout fills them."""
    from clodura_cli.store import layouts

    crm = layouts.built_in_matching(columns, kind)
    if crm is not None:
        report.info(f"--input has the {crm.name} layout's columns: the results go beside them "
                    f"under the API's field names; --layout {crm.name} writes them into its "
                    "columns")  # fmt: skip


def layout_columns(out: "OutputOptions", kind: str) -> tuple[str, ...]:
    """The column names of the --layout, when --fields may name them (nothing to read else)."""
    layout = layout_of(out.layout, kind) if out.fields is not None else None
    return () if layout is None else tuple(column.name for column in layout.columns)


def layout_of(text: str | None, kind: str) -> "Layout | None":
    """The --layout of a command writing records of ``kind``, None without one (the layouts
    and their YAML are read only when one is asked for)."""
    if text is None:
        return None
    from clodura_cli.store import layouts

    return layouts.load(text, kind)
