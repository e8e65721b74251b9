"""Who to reveal: person ids, LinkedIn URLs and names from arguments or from an input file."""

import csv
import functools
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from clodura_cli.api.errors import UsageError, ValidationError
from clodura_cli.api.filters import bare_domain, linkedin_profile_url
from clodura_cli.api.linkedin import normal_linkedin, profile_slug
from clodura_cli.base.encoding import has_halves
from clodura_cli.base.text import column_key, has_controls, pattern, quoted
from clodura_cli.store.formats import unguarded
from clodura_cli.store.ledger import Identity, identity_of

EMAIL = "email"
PHONE = "phone"
#: Longest input line read as data; longer ones are reported and skipped.
MAX_LINE = 100_000
#: The most an --input file may hold: larger ones are refused whole (``--input /dev/zero``
#: must stop, not grow until memory runs out).
MAX_INPUT_BYTES = 100 * 1024 * 1024
MAX_INPUT_ROWS = 1_000_000
#: The most lines one row of a CSV may run over (line breaks in quoted cells): past it, a quote
#: was left open.
MAX_CELL_LINES = 200
# A cell may be as long as a file may be: past csv's default (128 KiB) a cell was cut and its
# row lost, and the rest of its text read as rows of its own.
csv.field_size_limit(max(csv.field_size_limit(), MAX_INPUT_BYTES))
#: Lines end at CR LF, LF or a lone CR (old Mac spreadsheets save that way) and nowhere else:
#: a form feed, \x1c-\x1e, NEL or U+2028 inside a line is data (and no id holds it).
_LINE_END = pattern(r"\r\n|\r|\n")
_LINE_END_BYTES = re.compile(rb"\r\n|\r|\n")


def lines_of(text: str) -> list[str]:
    """The lines of a text, split only at CR LF, LF and CR."""
    lines = _LINE_END.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def read_input(name: str, stdin: Any, flag: str = "--input") -> "Decoded":
    """The text of an input file given to ``flag`` (``-``: ``stdin``), bounded and decoded."""
    if name == "-":
        source = stdin.buffer if hasattr(stdin, "buffer") else io.BytesIO(stdin.read().encode())
        return decode(read_bounded(source, "-", flag))
    try:
        with open(name, "rb") as stream:
            return decode(read_bounded(stream, repr(name), flag))
    except OSError as exc:
        raise UsageError(f"{flag}: cannot read {name!r}: {exc.strerror}") from None


def column(record: dict[str, Any], *names: str) -> Any:
    """A record's value under any spelling of a column name (``E-mail Address`` is ``email``,
    ``organizationName`` is ``organisationName``): compared ignoring case and punctuation."""
    spelt: dict[str, list[Any]] = {}
    for key in record:
        spelt.setdefault(column_key(str(key)), []).append(key)
    for name in names:  # in the order asked: the first name is the one meant most
        for key in spelt.get(column_key(name), ()):  # the first of a spelling that has a value
            value = record[key]
            if value not in (None, "", []):
                return value[0] if isinstance(value, list) else value
    return None


def plain_value(record: dict[str, Any]) -> str | None:
    """The value of a bare line (one value a line, which ``parse_rows`` reads as a person id
    or a LinkedIn URL), or None for a record with columns."""
    if len(record) == 1 and next(iter(record)) in ("personId", "linkedinUrl"):
        return str(next(iter(record.values())))
    return None


def read_bounded(stream: Any, name: str, flag: str = "--input") -> bytes:
    """An input file's bytes, refused (nothing sent) past MAX_INPUT_BYTES or when its first
    chunk is mostly binary."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(1024 * 1024)
        if not chunk:
            break
        if not chunks:
            junk = sum(chunk.count(bytes([byte])) for byte in _CONTROL_BYTES)
            _refuse_binary(junk, len(chunk))
        size += len(chunk)
        if size > MAX_INPUT_BYTES:
            raise UsageError(
                f"{flag} {name}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB, the most an "
                "input file may hold; split it (nothing was sent)"
            )
        chunks.append(chunk)
    return b"".join(chunks)


@dataclass
class Target:
    """One person to reveal: what is sent, the input record it came from, how it is recognised."""

    identifiers: dict[str, Any]
    record: dict[str, Any]
    identity: Identity


def target_key(identifiers: dict[str, Any]) -> str:
    """What makes two input rows one person to reveal: the identifiers they send, a LinkedIn
    URL as compared (a member URN in either case is one member)."""
    url = identifiers.get("linkedinUrl")
    compared = {**identifiers, "linkedinUrl": normal_linkedin(url)} if url else identifiers
    return json.dumps(compared, sort_keys=True)


@dataclass(frozen=True)
class InputRow:
    """One input row, in input order: the person it names (their ``target_key``), or why it
    was skipped."""

    record: dict[str, Any]
    key: str | None = None
    problem: str | None = None


@dataclass
class Inputs:
    """Targets in input order, duplicates removed, and the rows that were skipped and why."""

    targets: list[Target] = field(default_factory=list)
    #: Every row that held a record, in input order (a duplicate names its first's target).
    rows: list[InputRow] = field(default_factory=list)
    #: The --input table's header (its rows leave blank cells out), for the output's columns.
    columns: tuple[str, ...] = ()
    problems: list[str] = field(default_factory=list)
    #: What was read in a way worth saying, once (websites taken as domains).
    notices: list[str] = field(default_factory=list)
    duplicates: int = 0
    #: Rows that name one person another row names too, each by what it sends (a LinkedIn URL
    #: in one, a person id in another whose row has that URL): (that row, the row by id). The
    #: ledger knows a person by what was sent, so both are revealed, and may be paid for.
    named_twice: list[tuple[str, str]] = field(default_factory=list)
    #: Rows giving one person id with two LinkedIn profiles: (that row, the first such row,
    #: the id). At most one of them is the id's person; both get the id's answer.
    one_id_two_people: list[tuple[str, str, str]] = field(default_factory=list)
    #: What rows sent by id also name their person by, and what rows sent otherwise send
    #: (value: the first row's label): named_twice, across the arguments and the file.
    by_id: dict[str, str] = field(default_factory=dict, repr=False)
    by_other: dict[str, str] = field(default_factory=dict, repr=False)
    #: Rows whose person id a spreadsheet damaged: (label, how, sent by another identifier).
    damaged: list[tuple[str, str, bool]] = field(default_factory=list)
    #: Lines (1-based) that were not UTF-8: names on them are read as Windows-1252, but an
    #: identifier on them is junk, never a paid submission.
    non_utf8: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Decoded:
    """An input file as text, and which of its lines were not UTF-8."""

    text: str
    non_utf8: frozenset[int] = frozenset()


def decode(data: bytes) -> Decoded:
    """Input bytes as text, line by line: UTF-8 (a BOM dropped), else Windows-1252/Latin-1.

    Files pasted together from several sources mix encodings; a name is never refused for it.
    """
    data = data.removeprefix(b"\xef\xbb\xbf")
    junk = sum(data.count(bytes([byte])) for byte in _CONTROL_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        _refuse_binary(junk, len(data))
        return Decoded(text)
    lines = []
    other = set()
    for number, raw in enumerate(_LINE_END_BYTES.split(data), 1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            other.add(number)
            junk += sum(1 for byte in raw if byte >= 0x80)
            try:
                lines.append(raw.decode("cp1252"))
            except UnicodeDecodeError:
                lines.append(raw.decode("latin-1"))
    _refuse_binary(junk, len(data))
    return Decoded("\n".join(lines), frozenset(other))


#: Bytes that text files do not hold (all C0 controls but tab, newline and carriage return).
_CONTROL_BYTES = frozenset(range(32)) - {9, 10, 13} | {127}
#: Past this share of such bytes (and of bytes on lines that are not UTF-8) a file is binary.
_BINARY_SHARE = 0.3


def _refuse_binary(junk: int, size: int) -> None:
    if size and junk / size > _BINARY_SHARE:
        raise UsageError(
            "--input: this looks like binary data, not JSON, CSV or one id a line; nothing was sent"
        )


def _junk(identifiers: dict[str, Any], label: str, non_utf8: frozenset[int]) -> str | None:
    """Why an identifier cannot be what a person is known by, or None."""
    if any(has_controls(str(value)) for value in identifiers.values()):
        return "holds control characters"
    if any(has_halves(str(value)) for value in identifiers.values()):
        # Half a character (bytes of another encoding in an argument, a cut emoji in JSON):
        # sent, it would find nobody for a price; stored, it could pass for another name.
        return "is not valid UTF-8 text"
    number = label.removeprefix("line ")
    on_bad_line = number.isdigit() and int(number) in non_utf8
    ascii_only = all(str(value).isascii() for value in identifiers.values())
    if on_bad_line and set(identifiers) != _NAME_KEYS and not ascii_only:
        return "is not valid UTF-8"
    return None


_NAME_KEYS = {"firstName", "lastName", "companyDomain"}


class Parsed(NamedTuple):
    """An input file's rows as (label, record), its problems, and a table's header."""

    rows: list[tuple[str, dict[str, Any]]]
    problems: list[str]
    #: A CSV's or TSV's columns in order (a record leaves its blank cells out); else empty.
    columns: tuple[str, ...] = ()


#: A line of a table drawn for a terminal: box-drawing characters, or an ASCII rule (+---+).
_DRAWN = pattern(r"[\u2500-\u257f]|\A\s*[+|][-=+|: ]*-{3}[-=+|: ]*\s*\Z")


def refuse_drawn_table(lines: list[str], flag: str = "--input") -> None:
    """A table drawn for a terminal (`-f table`, or a pipe under the format setting `table`)
    is refused whole: its border lines would be read as ids and each sent, maybe paid for."""
    first = next((line for line in lines if line.strip()), "")
    if _DRAWN.search(first):
        raise UsageError(
            f"{flag}: this is a table drawn for a terminal, not records; pipe JSON Lines or CSV "
            "(`-f jsonl` or `-f csv` on the command that wrote it); nothing was sent"
        )


def parse_rows(
    text: str, is_header: Callable[[list[str]], bool] | None = None, flag: str = "--input"
) -> Parsed:
    """Rows of a JSON array, JSON Lines, CSV with a header, or plain lines of ids/URLs.
    ``is_header`` says whether a first line's cells are a header (by default: it names
    personId, linkedinUrl or firstName); a table drawn for a terminal is refused, naming
    ``flag``."""
    lines = lines_of(text)
    refuse_drawn_table(lines, flag)
    if len(lines) > MAX_INPUT_ROWS:
        raise UsageError(
            f"--input: more than {MAX_INPUT_ROWS:,} lines, the most an input file may hold; "
            "split it (nothing was sent)"
        )
    text = "\n".join(lines)
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        rows, problems = _json_array(stripped) if stripped[0] == "[" else _json_lines(text)
        if is_header is not None:
            return Parsed(rows, problems)
        emails = [label for label, record in rows if "@" in str(record.get("personId", ""))]
        problems += [f"{label}: an email address is not a person id; skipped" for label in emails]
        rows = [(label, record) for label, record in rows if label not in emails]
        if not all(_WHO_SET.intersection(record) for _, record in rows):
            # Records written with --layout (`search --layout hubspot | reveal --input -`).
            rows = [(label, _as_fields(record, _person_columns())) for label, record in rows]
        return Parsed(rows, problems)
    first = next((line for line in lines if line.strip()), "")
    cells = [cell.strip() for cell in re.split("[,\t;]", first)]
    if is_header is not None:
        return _csv_rows(text, flag) if is_header(cells) else Parsed(*_plain_lines(text))
    # Only a line that may be a header reads the layouts (a list of ids is the usual input).
    spelled = _person_columns() if len(cells) > 1 or " " in first.strip() else _FIELD_SPELLINGS
    if any(column_key(cell) in spelled for cell in cells):
        rows, problems, columns = _csv_rows(text, flag)
        return Parsed([(label, _as_fields(r, spelled)) for label, r in rows], problems, columns)
    return Parsed(*_plain_lines(text, people=True))


#: The fields that say who a person is, as identifiers_for reads them.
_WHO = ("personId", "linkedinUrl", "firstName", "lastName", "companyDomain")
_WHO_SET = frozenset(_WHO)
#: The fields' names in any spelling, and other names a contacts file gives them.
_FIELD_SPELLINGS = {column_key(name): name for name in _WHO} | {
    column_key(other): field
    for field, others in {"companyDomain": ("Domain", "Company Website", "Company Domain")}.items()
    for other in others
}


@functools.cache
def _person_columns() -> dict[str, str]:
    """Column names (as compared) that hold a field saying who a person is: the field's own
    name in any spelling (``Person ID``, ``linkedin_url``), and the columns of the built-in
    layouts' people sections (``LinkedIn URL``, ``Company Domain Name``), so that a file
    written with them reads back. Not a user's own layouts: a CRM's own ``ID`` column must
    never be sent as a person id."""
    from clodura_cli.store import layouts

    spelled = dict(_FIELD_SPELLINGS)
    for name in layouts.built_in_names():
        layout = layouts.load(str(layouts.BUILT_IN / f"{name}.yaml"), "people")
        for column in layout.columns:
            field = next((f for f in column.sources if f in _WHO), None)
            if column.template is None and field is not None:
                spelled.setdefault(column_key(column.name), field)
    return spelled


def _as_fields(record: dict[str, Any], spelled: dict[str, str]) -> dict[str, Any]:
    """The record with the fields its columns hold under their own names (a column of the
    field's own name wins)."""
    named = dict(record)
    for column, value in record.items():
        field = spelled.get(column_key(column))
        if field is not None:
            named.setdefault(field, value)
    return named


def _json_array(text: str) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    try:
        items = json.loads(text)
    except RecursionError:
        raise UsageError("--input: the JSON array is nested too deeply to read") from None
    except ValueError as exc:
        raise UsageError(f"--input: not a valid JSON array ({exc})") from None
    rows, problems = [], []
    for index, item in enumerate(items, 1):
        if isinstance(item, dict):
            rows.append((f"item {index}", item))
        elif isinstance(item, str) and item.strip():
            rows.append((f"item {index}", _plain_record(item.strip())))
        else:
            problems.append(f"item {index}: not an object or an id; skipped")
    return rows, problems


def _json_lines(text: str) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    rows, problems = [], []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE:
            problems.append(f"line {number}: longer than {MAX_LINE:,} characters; skipped")
            continue
        try:
            item = json.loads(line)
        except RecursionError:
            problems.append(f"line {number}: JSON nested too deeply; skipped")
            continue
        except ValueError:
            problems.append(f"line {number}: not valid JSON; skipped")
            continue
        if isinstance(item, dict):
            rows.append((f"line {number}", item))
        else:
            problems.append(f"line {number}: not a JSON object; skipped")
    return rows, problems


def _csv_rows(text: str, flag: str = "--input") -> Parsed:
    lines = text.split("\n")
    blank = next((index for index, line in enumerate(lines) if line.strip()), 0)
    head = lines[blank]
    delimiter = _delimiter(head)
    # The header is the first line that is not blank; line numbers stay the file's.
    reader = csv.DictReader(io.StringIO("\n".join(lines[blank:])), delimiter=delimiter)
    rows: list[tuple[str, dict[str, Any]]] = []
    problems: list[str] = []
    try:
        named = list(reader.fieldnames or ())
    except csv.Error:  # a header line it cannot read: the rows' own order
        named = []
    if len({name for name in named if name.strip()}) < len([n for n in named if n.strip()]):
        reader.fieldnames = _apart(named, problems, blank + 1)
    while True:
        # A row is named by the line it starts on (a quoted cell may hold line breaks), past
        # the blank lines before it.
        number = blank + reader.line_num + 1
        while number < len(lines) and not lines[number - 1].strip():
            number += 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"line {number}: unreadable CSV ({exc}); skipped")
            continue
        spans = blank + reader.line_num - number + 1
        if spans > MAX_CELL_LINES:
            # A quote opened and never closed takes every line after it into one cell: the
            # rows there would go unread, and unsaid.
            raise UsageError(
                f"{flag}: line {number}: a quoted cell runs over {spans:,} lines, to line "
                f"{number + spans - 1:,} (a quote not closed?); nothing sent: fix the file"
            )
        columns = len(reader.fieldnames or ())
        rowlike = _rows_inside(record, delimiter, columns)
        # In a --suppress list one row taken in is a person paid for.
        strict = flag == "--suppress"
        if rowlike >= (1 if strict else 2):
            why = (f"line {number}: a quoted cell holds {rowlike} line(s) that look like rows "
                   "of this file (a quote not closed?)")  # fmt: skip
            if strict or rowlike >= 5:  # rows unread, and paid for or not
                raise UsageError(f"{flag}: {why}; nothing sent: fix the file")
            problems.append(f"{why}; check the file")  # a note of a few such lines may be one
        if None in record:
            problems.append(f"line {number}: more cells than header columns; extra cells ignored")
            record.pop(None)
        values = {
            k: unguarded(v) for k, v in record.items() if k is not None and v not in (None, "")
        }
        if values:
            rows.append((f"line {number}", values))
    return Parsed(rows, problems, tuple(dict.fromkeys(reader.fieldnames or ())))


def _rows_inside(record: dict[str, Any], delimiter: str, columns: int) -> int:
    """How many lines inside a record's multi-line cells look like rows of the file: as many
    delimiters as between its columns; in a file of one or two columns, where a note's line
    may have as many, also a cell that names someone or a company (an id, an address, a
    LinkedIn URL, a domain), as a row a quote left open took in does ("Ticket 4411, closed" in
    a note does not; "gamma.io,competitor" in a suppression list of domains does)."""
    inside = [line for value in record.values() if isinstance(value, str) and "\n" in value
              for line in value.split("\n")[1:] if line.strip()]  # fmt: skip
    return sum(
        1 for line in inside
        if line.count(delimiter) == max(columns - 1, 0)
        and (columns >= 3 or any(_names_someone(cell) for cell in line.split(delimiter)))
    )  # fmt: skip


_ADDRESS_CELL = pattern(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")
_DOMAIN_CELL = pattern(r"^(?:https?://)?(?:[a-z0-9-]+\.)+[a-z]{2,}/?\Z", re.IGNORECASE)


def _names_someone(cell: str) -> bool:
    """A cell of a row: an id, an address, a LinkedIn URL or a domain."""
    text = cell.strip().strip('"').strip()
    return (
        (_like_an_id(text) and "linkedin.com" not in text.lower())
        or "linkedin.com/" in text.lower()
        or bool(_ADDRESS_CELL.match(text) or _DOMAIN_CELL.match(text))
    )


def _apart(names: list[str], problems: list[str], line: int) -> list[str]:
    """A header's columns, one of a name given twice (`Email,Email`) renamed `Email (2)`: each
    column is read and written back, the first is the one read as the field. Columns with no
    name (a sheet's trailing commas) stay one column, as they were."""
    seen: dict[str, int] = {}
    apart = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        if seen[name] == 1 or not name.strip():
            apart.append(name)
            continue
        renamed = f"{name} ({seen[name]})".strip()
        while renamed in names or renamed in apart:
            renamed += "'"
        problems.append(
            f"line {line}: the header names {quoted(name)} again; that column is read as "
            f"{quoted(renamed)}, the first {quoted(name)} as the field"
        )
        apart.append(renamed)
    return apart


def _plain_record(value: str) -> dict[str, Any]:
    return {"linkedinUrl": value} if "linkedin.com" in value.lower() else {"personId": value}


def _plain_lines(
    text: str, *, people: bool = False
) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    """One value a line; for ``people`` (who to reveal), neither an email address nor a
    column's name heading the list is taken for a person id."""
    rows: list[tuple[str, dict[str, Any]]] = []
    problems: list[str] = []
    lines = [_unquoted(line.strip()) for line in text.split("\n")]
    heading = next((n for n, line in enumerate(lines, 1) if line), 0)
    values = [line for line in lines if line]
    # A first line that is no id, URL or address, above lines that are, is the list's heading.
    shaped = [identifies(value) for value in values]
    headed = bool(values) and not shaped[0] and values[0].isprintable() and any(shaped[1:])
    for number, value in enumerate(lines, 1):
        if not value:
            continue
        if len(value) > MAX_LINE or any(ch in value for ch in " ,;\t"):
            hint = (
                " (a CSV needs a header with personId, linkedinUrl or firstName)"
                if number == 1 and any(ch in value for ch in ",\t;")
                else ""
            )
            problems.append(f"line {number}: not a person id or LinkedIn URL{hint}; skipped")
            continue
        if people and "@" in value:  # never sent as a person id: each reveal may be charged
            problems.append(f"line {number}: an email address is not a person id; skipped")
            continue
        if people and number == heading and headed:
            problems.append(  # the name heading a one-column file, not a person id
                f"line {number}: {quoted(value)} reads as a column's name, not a person id; "
                "skipped (a CSV needs a header with personId, linkedinUrl or firstName)"
            )
            continue
        rows.append((f"line {number}", _plain_record(value)))
    return rows, problems


def _unquoted(value: str) -> str:
    """A value as a one-column CSV, a spreadsheet or a pasted list writes it, without what is
    no part of it: quotes around it (`"1001"`, `'1001'`, smart quotes, `\"\"\"1001\"\"\"`), one
    a CSV left open at either end (`"1001`), Excel's keep-as-text `="1001"` and text prefix
    `'1001`, and a list's trailing comma or semicolon; a CSV's doubled quote inside is one."""
    text = value.rstrip(",;").strip()
    if text.startswith('="') and text.endswith('"'):
        text = text[1:]
    quotes = "\"'\u201c\u201d\u2018\u2019"
    while len(text) >= 2 and text[0] in quotes and text[-1] in quotes:
        text = text[1:-1].strip()
    text = text.strip(quotes).strip()
    return text.replace('""', '"')


def identifies(value: str) -> bool:
    """A value that names someone: an id (or one a spreadsheet damaged), an address, a
    LinkedIn URL; not a column's name or a note."""
    return _like_an_id(value) or "@" in value


def _like_an_id(value: str) -> bool:
    """A person id (digits, or digits a spreadsheet damaged) or a LinkedIn URL."""
    return value.isdigit() or "linkedin.com" in value.lower() or damaged_id(value) is not None


def _first(value: Any) -> str | None:
    """The first of a list, or of a '; '-joined CSV cell."""
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    text = str(value).split(";")[0].strip()
    return text or None


_SCIENTIFIC = pattern(r"^[+-]?\d+(?:[.,]\d*)?[eE][+-]?\d+\Z")
_DECIMAL = pattern(r"^\d+[.,]\d*\Z")


def damaged_id(value: Any) -> str | None:
    """How a spreadsheet damaged an id, or None: scientific notation (2.15846224800326E+018), a
    decimal point, or 16 to 19 digits whose digits after the 15th are all zeros (a number
    format keeps only 15 significant digits; a genuine id ending so is one in ten thousand)."""
    text = str(value).strip()
    if _SCIENTIFIC.match(text):
        return "in scientific notation"
    if _DECIMAL.match(text):
        return "with a decimal point"
    if text.isdigit() and 16 <= len(text) <= 19 and set(text[15:]) == {"0"}:
        return "with every digit after the 15th a zero"
    return None


def identifiers_for(
    record: dict[str, Any],
    kind: str,
    *,
    trust_ids: bool = True,
    websites: list[str] | None = None,
) -> dict[str, Any]:
    """What to send for a record: personId, else linkedinUrl, else first + last name + domain.
    Unless ``trust_ids``, a person id a spreadsheet damaged is passed over for the others.
    With ``websites``, a website address given as the domain (a CRM's Website column) is read
    as its domain, and noted there; without, it is refused."""
    person_id = _first(record.get("personId"))
    if person_id and (trust_ids or damaged_id(person_id) is None):
        return {"personId": person_id}
    linkedin = _first(record.get("linkedinUrl"))
    if linkedin:
        return {"linkedinUrl": linkedin_profile_url(linkedin, "linkedinUrl")}
    first, last = _first(record.get("firstName")), _first(record.get("lastName"))
    domain = _first(record.get("companyDomain"))
    if kind == EMAIL and first and last and domain:
        return {
            "firstName": first,
            "lastName": last,
            "companyDomain": bare_domain(domain, "companyDomain", websites),
        }
    needed = "personId or linkedinUrl" + (
        ", or firstName + lastName + companyDomain" if kind == EMAIL else ""
    )
    raise ValidationError("row", f"has no {needed}")


def collect(
    rows: Iterable[tuple[str, dict[str, Any]]],
    kind: str,
    inputs: Inputs,
    *,
    trust_ids: bool = True,
    typed: bool = False,
) -> None:
    """Add each row's target to ``inputs``; report and skip rows that name nobody. Unless
    ``trust_ids``, a row whose person id a spreadsheet damaged falls back to its other
    identifiers (counted in ``inputs.damaged``), or is skipped when it has none. A person id
    that is not digits is warned of (sent anyway) unless ``trust_ids``, and always when
    ``typed`` on the command line (`18770552l2287098270`: an l for a 1)."""
    seen = {target_key(t.identifiers) for t in inputs.targets}
    by_id, by_other = inputs.by_id, inputs.by_other  # kept across the arguments and the file
    websites: list[str] = []  # websites read as domains (https://www.acme.com/: acme.com)
    profiles: dict[str, tuple[str, str]] = {}  # a target's key: the first row's label, profile
    for label, record in rows:
        damage = None if trust_ids else damaged_id(_first(record.get("personId")) or "")
        read_as = len(websites)
        try:
            identifiers = identifiers_for(record, kind, trust_ids=trust_ids, websites=websites)
        except ValidationError as exc:
            if damage is not None:
                inputs.damaged.append((label, damage, False))
                why = f"person id {damage} (a spreadsheet damaged it), and no other identifier"
                inputs.rows.append(InputRow(record, problem=why))
                continue
            why = exc.message.removeprefix("row: ")
            inputs.problems.append(f"{label}: {why}; skipped")
            inputs.rows.append(InputRow(record, problem=why))
            continue
        if damage is not None:
            inputs.damaged.append((label, damage, True))
        junk = _junk(identifiers, label, inputs.non_utf8)
        if junk:
            inputs.problems.append(f"{label}: the identifier {junk}; skipped")
            inputs.rows.append(InputRow(record, problem=f"the identifier {junk}"))
            continue
        person_id = str(identifiers.get("personId", ""))
        documented = person_id.isascii() and person_id.isdigit()  # not full-width digits
        if person_id and not documented and (typed or not trust_ids):
            inputs.problems.append(
                f"{label}: person id {quoted(person_id)} is not digits as documented ids are; "
                "sent anyway"
            )
        if len(websites) > read_as:  # a website taken as its domain: which row, said
            websites[-1] = f"{label}: {websites[-1].split(': ', 1)[-1]}"
        key = target_key(identifiers)
        inputs.rows.append(InputRow(record, key))
        profile = profile_slug(record.get("linkedinUrl")) if "personId" in identifiers else None
        if profile is not None:
            first = profiles.setdefault(key, (label, profile))
            if first[1] != profile:
                inputs.one_id_two_people.append((label, first[0], str(identifiers["personId"])))
        # Known by what is sent, nothing else: an id a spreadsheet broke must never answer
        # for the person its row's LinkedIn URL names (see the ledger's identities).
        identity = identity_of(identifiers)
        if "personId" in identifiers:  # every row, a duplicate's too: each names its person
            for value in _also_named(record, kind):
                by_id.setdefault(value, label)
        elif identity.linkedin_url or identity.name_key:
            by_other.setdefault(str(identity.linkedin_url or identity.name_key), label)
        if key in seen:
            inputs.duplicates += 1
            continue
        seen.add(key)
        inputs.targets.append(Target(identifiers, dict(record), identity))
    inputs.named_twice = [(label, by_id[value]) for value, label in by_other.items()
                          if value in by_id]  # fmt: skip
    if websites:
        more = f"; and {len(websites) - 3} more" if len(websites) > 3 else ""
        inputs.notices.append(f"--input: a website read as its domain, as the API wants it: "
                              f"{'; '.join(websites[:3])}{more}")  # fmt: skip


def _also_named(record: dict[str, Any], kind: str) -> list[str]:
    """How a row sent by person id would know its person without it: its LinkedIn URL, and for
    an email its name and domain (as the ledger keys them)."""
    values = []
    for keys in (("linkedinUrl",), ("firstName", "lastName", "companyDomain")):
        try:
            sent = identifiers_for({key: record.get(key) for key in keys}, kind)
        except ValidationError:
            continue
        who = identity_of(sent)
        values += [value for value in (who.linkedin_url, who.name_key) if value]
    return values


def from_arguments(
    kind: str,
    person_ids: list[str],
    linkedin_urls: list[str],
    name: tuple[str | None, str | None, str | None],
) -> list[tuple[str, dict[str, Any]]]:
    """Rows for the identifiers given on the command line."""
    rows: list[tuple[str, dict[str, Any]]] = [
        (f"argument {pid!r}", {"personId": pid}) for pid in person_ids
    ]
    for url in linkedin_urls:
        rows.append(
            (
                f"--linkedin-url {url!r}",
                {"linkedinUrl": linkedin_profile_url(url, "--linkedin-url")},
            )
        )
    given = [part for part in name if part]
    if given:
        if kind != EMAIL:
            raise UsageError(
                "--first-name/--last-name/--domain: phone reveals take person ids or --linkedin-url"
            )
        if len(given) != 3:
            raise UsageError(
                "--first-name, --last-name and --domain go together: the API needs all three"
            )
        first, last, domain = name
        rows.append(
            (
                "--first-name/--last-name/--domain",
                {
                    "firstName": first,
                    "lastName": last,
                    "companyDomain": bare_domain(str(domain), "--domain"),
                },
            )
        )
    return rows


#: The fields that hold an organisation's id in a record `clodura orgs` writes (or the API sends).
ORG_ID_KEYS = ("organisationId", "organizationId", "id")
_ORG_ID_ORDER = tuple(dict.fromkeys(column_key(key) for key in ORG_ID_KEYS))
_ORG_ID_COLUMNS = frozenset(_ORG_ID_ORDER)


def org_ids_from_text(text: str) -> tuple[list[str], list[str]]:
    """`--org-id -`: organisation ids from what `clodura orgs` writes (JSON Lines, a JSON
    array, a CSV or TSV with an id column) or one id a line; and the warnings: lines that
    hold no id, ids a spreadsheet damaged (never searched), ids that are not digits."""
    ids: list[str] = []
    warnings: list[str] = []
    damaged: list[str] = []
    not_digits: list[str] = []
    for label, value in _org_id_cells(text, warnings):
        if (
            not isinstance(value, (str, int))
            or isinstance(value, bool)
            or not str(value).strip()
            or any(ch.isspace() for ch in str(value).strip())
        ):
            warnings.append(f"--org-id -: {label} holds no organisation id; skipped")
            continue
        if damaged_id(value) is not None:
            damaged.append(label)
            continue
        found = str(value).strip()
        if not found.isdigit():  # a name piped by mistake reads like an id: say so
            not_digits.append(f"{label} {quoted(found)}")
        ids.append(found)
    if damaged:
        warnings.append(
            f"--org-id -: {len(damaged)} id(s) a spreadsheet damaged (scientific notation, a "
            f"decimal point, or every digit after the 15th a zero) skipped, never searched "
            f"({_some(damaged)}); import the id column as Text, or give a genuine one with "
            "--org-id ID"
        )
    if not_digits:
        warnings.append(
            f"--org-id -: {len(not_digits)} id(s) not digits as documented ids are, searched "
            f"anyway ({_some(not_digits)})"
        )
    return list(dict.fromkeys(ids)), warnings


def _some(labels: list[str]) -> str:
    return ", ".join(labels[:5]) + (", ..." if len(labels) > 5 else "")


def _org_id_cells(text: str, warnings: list[str]) -> Iterator[tuple[str, Any]]:
    """(where, what it gives as an organisation's id) for each item of the input."""
    if text.lstrip().startswith("["):
        try:
            items = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise UsageError(f"--org-id -: not a valid JSON array ({exc})") from None
        for index, item in enumerate(items if isinstance(items, list) else [items], 1):
            yield f"item {index}", _org_id_of(item)
        return
    lines = lines_of(text)
    refuse_drawn_table(lines, "--org-id -")
    first = next((line for line in lines if line.strip()), "")
    delimiter = _delimiter(first)
    if not first.lstrip().startswith("{"):
        try:
            header = next(csv.reader([first], delimiter=delimiter), [])
        except csv.Error:  # a first line too long to be a header
            header = []
        if _ORG_ID_COLUMNS.intersection(map(column_key, header)):
            rows, problems, _ = _csv_rows("\n".join(lines), "--org-id -")  # as every table
            warnings.extend(f"--org-id -: {problem}" for problem in problems)
            for label, record in rows:
                cells = {column_key(name): value for name, value in record.items()}
                yield label, next((cells[k] for k in _ORG_ID_ORDER if cells.get(k)), None)
            return
        if (delimiter in first and not _is_json_text(first)) or _a_record_field(first):
            raise UsageError(
                f"--org-id -: the table on standard input has no organisationId column (its "
                f"first line is {quoted(first[:80])}); pipe `clodura orgs` output (with "
                "--fields organisationId where --layout renamed it), or one id a line"
            )
    for number, line in enumerate(lines, 1):
        item = line.strip()
        if not item:
            continue
        value: Any = item
        if item.startswith(("{", '"')):
            try:
                value = json.loads(item)
            except (ValueError, RecursionError):
                warnings.append(f"--org-id -: line {number} is not valid JSON; skipped")
                continue
        yield f"line {number}", _org_id_of(value) if isinstance(value, dict) else value


def _a_record_field(line: str) -> bool:
    """True for a line that is the name of a field of the records this tool writes (the header
    of a one-column CSV: `search -f csv --fields firstName`)."""
    from clodura_cli.api.spec import ORG_RECORD_FIELDS, PERSON_RECORD_FIELDS

    fields = {column_key(name) for name in (*PERSON_RECORD_FIELDS, *ORG_RECORD_FIELDS)}
    return column_key(line.strip()) in fields


def _org_id_of(record: Any) -> Any:
    """The id a record holds (a bare value is one)."""
    if not isinstance(record, dict):
        return record
    return next((record[key] for key in ORG_ID_KEYS if record.get(key)), None)


def _delimiter(line: str) -> str:
    """A table's delimiter, from its first line: a tab or semicolon where there is no comma."""
    for candidate in ("\t", ";"):
        if candidate in line and "," not in line:
            return candidate
    return ","


def _is_json_text(line: str) -> bool:
    try:
        return isinstance(json.loads(line), str)
    except (ValueError, RecursionError):
        return False
