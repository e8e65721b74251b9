"""CRM layouts (--layout): the columns a CRM's import expects, renamed, ordered and filled from
a record's own fields.

A layout is a YAML file with a section per kind of record (``people``, ``organisations``, or
any other kind a command writes, such as ``articles``). Each entry of a section is one column:
its name as the CRM spells it, and where its value comes from::

    description: HubSpot contacts and companies import
    join: "; "                            # how list values (two phones) share a cell
    people:
      First Name: firstName               # a field of the record
      Email: [email, emailAddress]        # the first of these fields that has a value
      Full Name: "{firstName} {lastName}" # text with fields in braces; empty ones left out
      City: [personCity, hqAddress.city]  # a dot reaches into an object
      Where: "{personCity|hqAddress.city}, {personCountry}"  # | gives alternatives in a text

The built-in layouts are the files in ``crm_layouts/`` beside this module; a user's own live in
the config directory as ``layouts/NAME.yaml``, or anywhere as ``--layout PATH.yaml``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clodura_cli.api.errors import UsageError
from clodura_cli.base import fuzzy
from clodura_cli.base.text import pattern, quoted
from clodura_cli.store import config
from clodura_cli.store.cells import ALL_FIELDS, cell

BUILT_IN = Path(__file__).parent / "crm_layouts"
#: A field in a text: ``{city}``, ``{hqAddress.city}``, or alternatives ``{city|hqAddress.city}``.
_FIELD = pattern(r"\{([A-Za-z_][A-Za-z0-9_.]*(?:\|[A-Za-z_][A-Za-z0-9_.]*)*)\}")
_MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Column:
    """One column of a layout: its name and where its value comes from."""

    name: str
    #: Fields tried in order (the first with a value wins); for a template, the fields it names.
    sources: tuple[str, ...]
    #: Text with ``{field}`` placeholders, or None for a plain field (or list of fields).
    template: str | None = None

    def value(self, record: dict[str, Any], join: str) -> Any:
        """This column's value in ``record`` (None when the record has none)."""
        if self.template is not None:
            return _fill(self.template, record, join) or None
        for source in self.sources:
            value = field_of(record, source)
            if value not in (None, "", []):
                return _joined(value, join) if isinstance(value, list) else value
        return None


@dataclass(frozen=True)
class Layout:
    """A layout's columns for one kind of record."""

    name: str
    kind: str
    columns: tuple[Column, ...]
    join: str = "; "

    def names(self, fields: Sequence[str] | None = None, extra: Sequence[str] = ()) -> list[str]:
        """The columns written: every column of the layout; with ``--fields`` (original field
        names), the layout's columns that draw on a chosen field, in the layout's order, then
        the chosen fields the layout does not use, under their own names. Without --fields,
        ``extra`` (a command's own result columns: a verdict, a reveal's status and tracking
        id) follow the layout's columns unless the layout uses them: what was paid for is
        never left out."""
        used = {source for c in self.columns for source in c.sources}
        if fields is None:  # the layout's columns, then what the command paid for besides
            more = [e for e in dict.fromkeys(extra) if e not in used]  # each column once
            return [column.name for column in self.columns] + more
        if list(fields) == [ALL_FIELDS]:
            return [ALL_FIELDS]  # the layout's columns first: apply() puts them there
        chosen = set(fields)
        names = [c.name for c in self.columns if chosen.intersection(c.sources)]
        return names + [f for f in fields if f not in used and f not in names]

    def apply(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record with the layout's columns, in order, then its other fields under their
        own names (written only when ``--fields`` chose them). A column the record already
        holds under the column's own name (a row read back from a file this layout wrote)
        keeps that value where the record has none of the column's fields: a CRM import is
        never blanked, and an answer that holds the field empty (a reveal that found no email)
        is never filled with the old value. So does a column another built-in layout names
        for the same field: a HubSpot export's ``Job Title`` fills Salesforce's ``Title``."""
        laid = {}
        read_back: dict[str, Any] | None = None
        for column in self.columns:
            value = column.value(record, self.join)
            unanswered = not any(name.split(".")[0] in record for name in column.sources)
            if value is None and unanswered:
                value = record.get(column.name)
                if value in (None, "", []):
                    if read_back is None:
                        read_back = _read_back(record, self.kind)
                    value = column.value(read_back, self.join)
            laid[column.name] = value
        for key, value in record.items():
            laid.setdefault(key, value)
        return laid


class Watch:
    """A layout applied to a run's records, noting what they held, so that a misspelt field
    (``emial``, ``{lastNme}``) is named at the end instead of leaving a column silently empty."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._keys: set[str] = set()
        #: The fields reached inside an object (``hqAddress.city``): seen when a record has them.
        self._dotted = {f for column in layout.columns for f in column.sources if "." in f}
        #: The fields of the objects they reach into (``hqAddress``: city, state, country).
        self._inside: dict[str, set[str]] = {}
        self._records = 0

    def apply(self, record: dict[str, Any]) -> dict[str, Any]:
        """``Layout.apply``, noting the record's fields."""
        self._records += 1
        self._keys.update(record)
        for name in self._dotted:
            if field_of(record, name) is not None:
                self._keys.add(name)
            parent = name.rpartition(".")[0]
            inside = field_of(record, parent)
            if isinstance(inside, dict):
                self._inside.setdefault(parent, set()).update(inside)
        return self.layout.apply(record)

    def misspelt(self) -> list[str]:
        """A warning for each field a column draws on that no record had while one had a field
        one or two letters away (``lastNme``: ``lastName``). A column of alternatives counts
        only when none of them was in any record: the built-in layouts list spellings an
        answer may come in (``[phones, phone]``); every field of a text with {fields} counts."""
        warnings = []
        # A record read back from a file this layout wrote holds its column names: no field.
        fields = self._keys - {column.name for column in self.layout.columns}
        for column in self.layout.columns:
            if column.template is None and self._keys.intersection(column.sources):
                continue
            for source in column.sources:
                close = None if source in self._keys else self._meant(source, fields)
                if close:
                    warnings.append(
                        f"--layout {self.layout.name}: {self.layout.kind}: column "
                        f"{column.name!r} draws on {source!r}, a field no record had; did you "
                        f"mean {close!r}?"
                    )
        return warnings

    def _meant(self, name: str, fields: set[str]) -> str | None:
        """What a field no record had was likely meant to be; inside an object, the object's
        fields are looked at (``hqAddress.cty``: ``hqAddress.city``), or the object's name
        (``hqAdress.city``: ``hqAddress.city``)."""
        if "." not in name:
            return _typo_of(name, fields)
        parent, _, leaf = name.rpartition(".")
        if parent in self._inside:
            close = _typo_of(leaf, self._inside[parent])
            return f"{parent}.{close}" if close else None
        head, _, rest = name.partition(".")
        close = None if head in fields else _typo_of(head, fields)
        return f"{close}.{rest}" if close else None


def _typo_of(name: str, fields: set[str]) -> str | None:
    """The field ``name`` is most likely a typo of: one edit away (two for a name of five
    letters or more), a swap of two letters counting as one; None when none is."""
    most = 2 if len(name) >= 5 else 1
    found = sorted(
        (fuzzy.edits(name.lower(), f.lower()), f) for f in fields if abs(len(f) - len(name)) <= most
    )
    return found[0][1] if found and found[0][0] <= most else None


def _read_back(record: dict[str, Any], kind: str) -> dict[str, Any]:
    """A record read from a CRM file, with the fields its columns hold under the names the
    built-in layouts give them (``Job Title``: personTitle), where it has no such field."""
    found: dict[str, Any] = {}
    for field, names in _built_in_spellings(kind).items():
        value = next((record[n] for n in names if record.get(n) not in (None, "", [])), None)
        if value is not None and field not in record:
            found[field] = value
    return {**found, **record}


@functools.cache
def _built_in_spellings(kind: str) -> dict[str, tuple[str, ...]]:
    """For each field a plain column of a built-in layout draws on first, the names the
    built-in layouts give that column for records of ``kind``."""
    spellings: dict[str, tuple[str, ...]] = {}
    for name in built_in_names():
        try:
            layout = load(str(BUILT_IN / f"{name}.yaml"), kind)
        except UsageError:  # no section for this kind
            continue
        for column in layout.columns:
            if column.template is None:
                field = column.sources[0]
                spellings[field] = (*spellings.get(field, ()), column.name)
    return spellings


def field_of(record: dict[str, Any], name: str) -> Any:
    """A record's field; a dotted name reaches into an object (``hqAddress.city``) or picks an
    item of a list (``companyDomain.0``, the first) when the record has no field of that whole
    name."""
    if name in record or "." not in name:
        return record.get(name)
    value: Any = record
    for part in name.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit():
            value = value[int(part)] if int(part) < len(value) else None
        else:
            return None
    return value


def _joined(values: list[Any], join: str) -> str:
    """A list's items as one cell (two phones: ``+1 1; +44 2``)."""
    return join.join(cell(v) for v in values)


def _fill(template: str, record: dict[str, Any], join: str) -> str:
    """The template with its fields filled; an empty field takes the text before it along, so
    ``{city}, {state}, {country}`` without a state reads ``Pune, India``."""
    pieces = _FIELD.split(template)  # literal, field, literal, field, ..., literal
    out: list[str] = []
    for index in range(1, len(pieces), 2):
        found = (field_of(record, name) for name in pieces[index].split("|"))
        value = next((v for v in found if v not in (None, "", [])), None)
        text = (_joined(value, join) if isinstance(value, list) else cell(value)).strip()
        if text:
            out.append((pieces[index - 1] if out else "") + text)
    if not out:
        return ""
    return pieces[0] + "".join(out) + pieces[-1]


def built_in_names() -> list[str]:
    """The layouts shipped with the tool."""
    return sorted(path.stem for path in BUILT_IN.glob("*.yaml"))


def built_in_matching(columns: Sequence[str], kind: str) -> Layout | None:
    """The built-in layout whose columns a table's header holds (at least half of them, and
    three), as a CRM's export does; None for any other header."""
    given = {name.casefold() for name in columns}
    best, most = None, 2
    for name in built_in_names():
        layout = load(str(BUILT_IN / f"{name}.yaml"), kind)
        held = sum(column.name.casefold() in given for column in layout.columns)
        if held > most and held * 2 >= len(layout.columns):
            best, most = layout, held
    return best


def user_dir() -> Path:
    """Where a user's own layouts live (``layouts/NAME.yaml`` in the config directory)."""
    return config.config_dir() / "layouts"


def available() -> list[str]:
    """Every layout name --layout takes: the user's own, then the built-in ones."""
    own = sorted(p.stem for p in user_dir().glob("*.yaml")) if user_dir().is_dir() else []
    return own + [name for name in built_in_names() if name not in own]


def find(text: str) -> Path:
    """The file a --layout value names: a path to a YAML file, a user's layout, or a built-in
    one; a usage error with the known names (and the closest) otherwise."""
    if text.lower().endswith((".yaml", ".yml")) or "/" in text:
        path = Path(text).expanduser()
        if not path.is_file():
            raise UsageError(f"--layout: {text!r}: no such file")
        return path
    for folder in (user_dir(), BUILT_IN):
        path = folder / f"{text}.yaml"
        if text and path.is_file():
            return path
    import difflib

    known = available()
    close = difflib.get_close_matches(text.lower(), known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise UsageError(
        f"--layout: {quoted(text)} is not a layout; {hint}use {', '.join(known)}, or a "
        f"PATH.yaml (your own go in {user_dir()})"
    )


def load(text: str, kind: str) -> Layout:
    """The layout ``text`` names, for records of ``kind``; a one-line usage error for a file
    that cannot be read, is not a layout, or has no section for the kind."""
    from clodura_cli.store import yamlfile

    path = find(text)
    name = path.stem
    try:
        with open(path, encoding="utf-8-sig") as stream:
            content = stream.read(_MAX_BYTES + 1)
        if len(content) > _MAX_BYTES:
            raise UsageError(f"--layout {name}: {path} is larger than 1 MiB; not a layout")
        data = yamlfile.load(content)
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"--layout {name}: cannot read {path}: {error}") from None
    except Exception as error:  # yaml.YAMLError, without importing yaml for the except
        raise UsageError(
            f"--layout {name}: {path}: invalid YAML {yamlfile.problem(error)}"
        ) from None
    return parse(name, data, kind, str(path))


def parse(name: str, data: Any, kind: str, where: str = "") -> Layout:
    """A layout from its parsed YAML (see the module's docstring for the shape)."""
    where = where or name
    if not isinstance(data, dict):
        raise UsageError(f"--layout {name}: {where} must be a mapping of sections")
    join = data.get("join", "; ")
    if not isinstance(join, str):
        raise UsageError(f"--layout {name}: join must be text, such as '; '")
    sections = [key for key, value in data.items() if isinstance(value, dict)]
    section = data.get(kind)
    if section is not None and not isinstance(section, dict):
        raise UsageError(
            f"--layout {name}: its {kind} section must map each column to a field, one a line "
            f"(Email: email), not be a {type(section).__name__}"
        )
    if not isinstance(section, dict):
        has = ", ".join(sections) or "none"
        near = [name for name in sections if fuzzy.edits(str(name).lower(), kind) <= 2]
        if near:
            has += f"; did you mean {kind!r} for {near[0]!r}?"
        own = where if not Path(where).is_relative_to(BUILT_IN) else f"a copy in {user_dir()}"
        raise UsageError(
            f"--layout {name}: it has no columns for {kind} (its sections: {has}); add a "
            f"section named {kind} to {own}, or leave out --layout"
        )
    if not section:
        raise UsageError(f"--layout {name}: its {kind} section has no columns")
    return Layout(name, kind, tuple(_column(name, kind, k, v) for k, v in section.items()), join)


def _column(layout: str, kind: str, name: Any, source: Any) -> Column:
    label = f"--layout {layout}: {kind}: column {str(name)!r}"
    if isinstance(name, bool):
        raise UsageError(
            f"--layout {layout}: {kind}: a column named yes, no, on or off is read by YAML as "
            f"{str(name).lower()}; quote the name ('Yes': field)"
        )
    if not isinstance(name, str) or not name.strip():
        raise UsageError(f"{label}: a column name must be text")
    if isinstance(source, str) and "{" in source:
        fields = tuple(name for names in _FIELD.findall(source) for name in names.split("|"))
        spaced = re.search(r"\{[^{}]*\s[^{}]*\}", source)
        if spaced or not fields:
            how = f"{spaced[0]!r} holds a space; " if spaced else f"{source!r} names no field; "
            raise UsageError(f"{label}: {how}write fields as {{firstName}} or {{city|hq.city}}")
        return Column(name, fields, source)
    sources = [source] if isinstance(source, str) else source
    if not isinstance(sources, list) or not sources or not all(_is_field(s) for s in sources):
        raise UsageError(
            f"{label}: give a field name, a list of field names, or text with {{fields}}"
        )
    return Column(name, tuple(sources))


def _is_field(value: Any) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", value))
