"""Which columns a run writes, and in which format: --fields checked, formats by file name."""

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from clodura_cli.api.errors import UsageError
from clodura_cli.base.text import quoted
from clodura_cli.store.files import is_stream
from clodura_cli.store.formats import (
    ALL_FIELDS,
    FORMAT_NAMES,
    FORMATS,
    format_for_suffix,
    known_extensions,
)


class OutputOptions(NamedTuple):
    """Where and how a command that writes records was asked to write them: its output options
    (--format, --output, --fields, --append, --raw-csv, --bom, --layout, --wide), as given."""

    fmt: str | None = None
    output: str | None = None
    fields: str | None = None
    append: bool = False
    raw_csv: bool = False
    bom: bool = False
    layout: str | None = None
    wide: bool = False


def format_for_path(path: str) -> str:
    """The output format a file name implies (``leads.csv`` -> ``csv``); JSON Lines for a
    stream such as ``/dev/stdout`` or a named pipe, whose name says nothing."""
    found = format_for_suffix(path)
    if found is not None:
        return found
    if is_stream(Path(path)):
        return "jsonl"
    if Path(path).is_dir():
        raise UsageError(f"--output: {path!r} is a folder; give a file name inside it")
    import difflib

    suffix = Path(path).suffix.lower()
    ends = [ext for fmt in FORMATS.values() for ext in fmt.extensions]
    close = difflib.get_close_matches(suffix, ends, n=1, cutoff=0.6) if suffix else []
    meant = f"did you mean {Path(path).with_suffix(close[0])}? or " if close else ""
    raise UsageError(
        f"--output: cannot tell the format of {path!r} from its extension "
        f"({known_extensions()}); {meant}add --format {'|'.join(FORMAT_NAMES)}"
    )


def parse_fields(text: str | None) -> list[str] | None:
    """``--fields a,b,c`` as a list; None when not given; ``["all"]`` for every field."""
    if text is None:
        return None
    fields = [part.strip() for part in text.split(",") if part.strip()]
    if not fields:
        raise UsageError("--fields: give field names separated by commas, or 'all'")
    if any(field.lower() == ALL_FIELDS for field in fields):  # `ALL` too: no field is so named
        return [ALL_FIELDS]
    return list(dict.fromkeys(fields))


def chosen_columns(
    text: str | None,
    known: Iterable[str],
    warn: Callable[[str], None],
    also: Iterable[str] = (),
) -> list[str] | None:
    """The ``--fields`` columns (None: the format's own), checked against ``known``; ``also``
    (a --layout's column names) are known without being suggested for a typo."""
    chosen = parse_fields(text)
    extra = set(also)
    for warning in check_fields([f for f in chosen or () if f not in extra], known):
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
