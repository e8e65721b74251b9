"""Saved searches: YAML files of Search People fields, validated exactly like the flags."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clodura_cli.api import spec
from clodura_cli.api.errors import UsageError, ValidationError
from clodura_cli.api.filters import SearchRequest, build_search_body
from clodura_cli.base.text import pattern, quoted
from clodura_cli.store import config, yamlfile
from clodura_cli.store.files import write_private

DESCRIPTION = "description"
#: A preset of organisation filters says so: `kind: organisations` (people presets say nothing).
KIND = "kind"
PEOPLE, ORGANISATIONS = "people", "organisations"
_KIND_WORDS = {"people": PEOPLE, "person": PEOPLE, "organisations": ORGANISATIONS,
               "organizations": ORGANISATIONS, "organisation": ORGANISATIONS,
               "organization": ORGANISATIONS, "orgs": ORGANISATIONS,
               "org": ORGANISATIONS}  # fmt: skip
_NAME_RE = pattern(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")
#: Every way a user might spell a field: API name, flag, flag without dashes, snake_case.
_SPELLINGS = {
    spelling.casefold(): fld.api
    for fld in spec.SEARCH_FIELDS
    for flag in fld.flag.split("/")[:1]
    for spelling in (
        fld.api,
        flag,
        flag.lstrip("-"),
        fld.param,
        re.sub(r"(?<!^)([A-Z])", r"_\1", fld.api),
    )
}


def presets_dir() -> Path:
    """The folder of saved presets."""
    return config.presets_dir()


def check_name(name: str) -> str:
    """A preset name that is also a safe file name."""
    if not _NAME_RE.match(name):
        raise UsageError(f"preset name {quoted(name)}: use letters, digits, '-', '_' or '.'")
    return name


def preset_path(name: str) -> Path:
    """Where the preset called ``name`` lives."""
    return presets_dir() / f"{check_name(name)}.yaml"


@dataclass
class Preset:
    """A preset as read from its file: the search fields and a description."""

    path: Path
    fields: dict[str, Any]
    description: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: "people" (for `clodura search`) or "organisations" (for `clodura orgs`).
    kind: str = PEOPLE


def suggest_field(key: str) -> str | None:
    """The API field a mistyped or flag-spelled key most likely means."""
    exact = _SPELLINGS.get(key.strip().casefold())
    if exact:
        return exact
    close = difflib.get_close_matches(key.casefold(), list(_SPELLINGS), n=1, cutoff=0.6)
    return _SPELLINGS[close[0]] if close else None


def _suggest_preset(path: Path) -> str:
    """A did-you-mean for a preset name, when the missing file is in the presets folder."""
    if path.parent != presets_dir():
        return ""
    close = difflib.get_close_matches(path.stem, names(), n=1, cutoff=0.6)
    listing = ", ".join(names()) or "none yet"
    return (f"; did you mean {close[0]!r}?" if close else "") + f" (presets: {listing})"


def _fields_of(kind: str) -> Any:
    return spec.ORG_FIELDS_BY_API if kind == ORGANISATIONS else spec.FIELDS_BY_API


def read_preset(path: Path, kind: str | None = None) -> Preset:
    """Load and validate a preset file; every mistake is a UsageError naming the file and key.
    With ``kind``, a preset of the other kind is refused, saying which command takes it."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such preset file{_suggest_preset(path)}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read it ({exc})") from None
    try:
        data = yamlfile.load(text, dates_as_text=True)
    except (yaml.YAMLError, ValueError) as exc:
        raise UsageError(f"{path}: invalid YAML {yamlfile.problem(exc)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UsageError(
            f"{path}: a preset is a mapping of Search People fields (e.g. seniority: [CEO]), "
            f"not a {type(data).__name__}"
        )
    description = data.pop(DESCRIPTION, None)
    if description is not None and not isinstance(description, str):
        raise UsageError(f"{path}: description must be text")
    found = _KIND_WORDS.get(str(data.pop(KIND, PEOPLE)).strip().casefold())
    if found is None:
        raise UsageError(f"{path}: kind must be people or organisations")
    if kind is not None and found != kind:
        orgs = found == ORGANISATIONS
        command, other = ("orgs", "organisation") if orgs else ("search", "people")
        raise UsageError(
            f"{path}: this preset holds {other} filters (saved from `clodura {command}`); use it "
            f"with `clodura {command} --preset {path.stem}`"
        )
    fields = _fields_of(found)
    what = "Search Organizations" if found == ORGANISATIONS else "Search People"
    for key in data:
        if not isinstance(key, str) or key not in fields:
            hint = suggest_field(str(key)) if found == PEOPLE else None
            did_you_mean = f"did you mean {quoted(hint)}? " if hint else ""
            raise UsageError(
                f"{path}: {quoted(key)} is not a {what} field; {did_you_mean}"
                "keys are the API's field names, e.g. personTitle, companyEmployeeSize"
            )
    for key, value in data.items():
        if value is None or value == [] or (isinstance(value, str) and not value.strip()):
            # A filter left empty would be dropped, and the search run wider than meant (every
            # record, each one paid for): refused as an empty flag value is.
            raise UsageError(f"{path}: {key}: empty value; give a value or leave the key out")
    request = validate(data, path, kind=found)
    return Preset(path, dict(data), description, request.warnings, found)


def validate(values: dict[str, Any], path: Path | str, *, kind: str = PEOPLE) -> SearchRequest:
    """Check preset values with the flags' rules, naming the file and the key in errors."""
    try:
        return build_search_body(
            values,
            label=lambda fld: f"{path}: {fld.api}",
            fields=_fields_of(kind),
        )
    except ValidationError as exc:
        raise UsageError(exc.message) from None


def load(name_or_path: str, *, is_path: bool = False, kind: str | None = None) -> Preset:
    """A preset by name (in the presets folder) or by path (--filters); with ``kind``, only a
    preset of that kind."""
    return read_preset(Path(name_or_path) if is_path else preset_path(name_or_path), kind)


def merge(layers: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Later layers replace earlier ones field by field (arrays too)."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if value is None or (isinstance(value, (list, tuple)) and not value):
                continue
            merged[key] = value
    return merged


def save(
    name: str,
    body: dict[str, Any],
    description: str | None,
    *,
    force: bool,
    kind: str = PEOPLE,
) -> Path:
    """Write a preset; refuses to replace an existing one without ``force``."""
    path = preset_path(name)
    if path.exists() and not force:
        raise UsageError(f"preset {quoted(name)} exists ({path}); add --force to replace it")
    write_private(path, text_of(body, description, kind))
    return path


def text_of(body: dict[str, Any], description: str | None, kind: str = PEOPLE) -> str:
    """A preset's YAML, as ``save`` writes it."""
    import yaml

    data: dict[str, Any] = {}
    if description:
        data[DESCRIPTION] = description
    if kind != PEOPLE:
        data[KIND] = kind
    data.update(body)
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def names() -> list[str]:
    """The saved presets, by name."""
    folder = presets_dir()
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.yaml"))
