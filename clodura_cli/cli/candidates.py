"""The completion candidates that the scripts cannot hold: names in the user's files (presets,
profiles, layouts) and the shipped lists too long to put in a script (industries, countries...).

The scripts in completions/ ask for them with ``clodura __complete-values KIND SHELL TYPED``,
which cli/entry.py answers before anything else is imported: this module imports nothing but
os and sys (no typer, rich, re, pathlib or platformdirs on Linux), so that a TAB costs about a
bare Python start. typer's completers (cli/complete.py) read the same functions.
"""

from __future__ import annotations

import os

from clodura_cli.base import folders
from clodura_cli.base.encoding import write_os_text

#: Characters no shell needs quoted; bash gets a backslash before any other (``Vice\\ President``).
SHELL_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.,:/@%+=-")
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: The shipped lists completion offers: the file in api/lists and, for a TSV, the column that
#: holds the value (the same as api/vocabulary.SOURCES, which costs 60 ms to import).
LISTS = {
    "industries": ("industries.tsv", "industry"),
    "countries": ("countries.tsv", "name"),
    "functions": ("functions.txt", None),
    "funding-types": ("funding-types.txt", None),
}


def bash_escaped(value: str) -> str:
    """A value as bash must read it as one word: shell characters behind a backslash."""
    return "".join(ch if ch in SHELL_SAFE else "\\" + ch for ch in value)


def for_bash(values: list[str] | tuple[str, ...], typed: str) -> list[str]:
    """The values that start with what was typed, as bash must insert them: escaped, or as they
    are after an opening quote (readline closes it). Matched on the text without its quoting,
    so that ``Vice\\ P`` and ``"Vice P`` both find Vice President."""
    quoted = typed[:1] in ("'", '"')
    plain = typed[1:] if quoted else typed.replace("\\", "")
    return [v if quoted else bash_escaped(v) for v in values if v.startswith(plain)]


def config_dir() -> str:
    """The configuration folder, as ``store.config.config_dir`` finds it, without importing
    pathlib or platformdirs in the usual case (``base.folders``)."""
    override = os.environ.get("CLODURA_CONFIG_DIR")
    if override:
        return override
    found = folders.linux_folder("config", "clodura")
    if found is not None:
        return found
    from clodura_cli.store import config

    return str(config.config_dir())


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read()
    except OSError:
        return ""


def _yaml_stems(folder: str) -> set[str]:
    try:
        return {name[: -len(".yaml")] for name in os.listdir(folder) if name.endswith(".yaml")}
    except OSError:
        return set()


def preset_names() -> list[str]:
    """The saved presets, by name."""
    return sorted(_yaml_stems(os.path.join(config_dir(), "presets")))


#: How a preset says it holds organisation filters (``presets._KIND_WORDS``, read without YAML).
_ORG_KIND_WORDS = frozenset({"organisations", "organizations", "orgs"})


def presets_of(kind: str) -> list[str]:
    """The saved presets of one kind (people or organisations), by the ``kind:`` line each file
    has at its top level (people presets have none)."""
    folder = os.path.join(config_dir(), "presets")
    found = []
    for name in preset_names():
        stated = "people"
        text = _read(os.path.join(folder, name + ".yaml")).removeprefix("\ufeff")
        for line in text.splitlines():
            key, colon, value = line.partition(":")
            if colon and key.rstrip().strip("'\"") == "kind":
                word = value.split("#", 1)[0].strip().strip("'\"").lower()
                stated = "organisations" if word in _ORG_KIND_WORDS else word
        if stated == kind:
            found.append(name)
    return found


def layout_names() -> list[str]:
    """The user's own layouts (layouts/NAME.yaml) and the built-in ones."""
    mine = _yaml_stems(os.path.join(config_dir(), "layouts"))
    return sorted(mine | _yaml_stems(os.path.join(_PACKAGE, "store", "crm_layouts")))


def profile_names() -> list[str]:
    """The profiles: keys under ``profiles:`` in config.yaml (read without YAML) and the
    profiles of the key store, and always ``default``."""
    folder = config_dir()
    found = {"default"}
    inside = False
    for line in _read(os.path.join(folder, "config.yaml")).splitlines():
        if not line.startswith(" "):
            inside = line.rstrip() == "profiles:"
            continue
        name, colon, rest = line[2:].partition(":")
        nested = line[2:3].isspace() or line[2:3] in ("", "#")
        if inside and colon and not nested and rest.strip() in ("", "{}"):
            found.add(name.strip("'\""))
    for line in _read(os.path.join(folder, "credentials")).splitlines():
        name = line.partition("=")[0].strip()
        if name:
            found.add(name)
    return sorted(found)


def known_values(list_name: str) -> list[str]:
    """A shipped list's values, in the list's order (``vocabulary.load(name).values``)."""
    file, column = LISTS[list_name]
    rows = [
        [cell.strip() for cell in line.split("\t")]
        for line in _read(os.path.join(_PACKAGE, "api", "lists", file)).splitlines()
        if line.strip()
    ]
    if column is None:
        return [row[0] for row in rows]
    at = rows[0].index(column)
    return [row[at] for row in rows[1:]]


def find(kind: str) -> list[str]:
    """The candidates of a kind: preset, profile, layout, or list:NAME."""
    if kind.startswith("list:"):
        return known_values(kind[len("list:") :])
    if kind.startswith("preset:"):
        return presets_of(kind[len("preset:") :])
    finders = {"preset": preset_names, "profile": profile_names, "layout": layout_names}
    return finders[kind]()


def main(args: list[str]) -> None:
    """``clodura __complete-values KIND SHELL TYPED``: one candidate a line. bash gets the ones
    that match what was typed, escaped; zsh and fish get them all, as they are, and match them
    themselves (with the user's own matching rules). Never fails: a TAB shows no traceback."""
    kind, shell, typed = (*args, "", "", "")[:3]
    try:
        values = find(kind)
    except Exception:  # an unknown kind (a newer script), a malformed list: no candidates
        return
    if shell == "bash":
        values = for_bash(values, typed)
    # Preset, profile and layout names are file names: written as the bytes they are.
    write_os_text("".join(value + "\n" for value in values))
