"""Text that came from elsewhere (a server, a file), made safe to show on a terminal.

A server's error body may hold escape sequences (a clipboard write, a screen clear, a link),
bidi overrides that reorder what the reader sees, or newlines that forge a second line.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class _LazyPattern:
    """Stands for ``re.compile(source, flags)``, compiled when it is first used."""

    def __init__(self, source: str, flags: int) -> None:
        self._source = source
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # its own attributes, missing only on a copy being made
            raise AttributeError(name)
        compiled = re.compile(self._source, self._flags)
        # From now on, `match`, `sub`... are found on the instance: no lookup through here.
        self.__dict__.update((n, getattr(compiled, n)) for n in dir(compiled) if n[0] != "_")
        return getattr(compiled, name)


def pattern(source: str, flags: int = 0) -> re.Pattern[str]:
    """A module's regular expression, compiled on its first use rather than at import.

    Compiling one takes up to half a millisecond, and a start imports modules that declare
    about fifteen of them, of which it uses one or two: ``_DATE = pattern(r"...")`` is then
    used as ``re.compile``'s would be, through its methods (``_DATE.match(text)``; not as an
    argument to ``re.sub`` and the like)."""
    return _LazyPattern(source, flags)  # type: ignore[return-value]


#: Escape sequences (CSI, OSC).
_ESCAPES = pattern(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
#: The characters that reorder or break what a reader sees: bidi marks, embeddings, overrides
#: and isolates, and the line and paragraph separators.
BIDI_AND_SEPARATORS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
)
#: C1 control characters (and DEL).
C1_CONTROLS = frozenset(map(chr, range(0x7F, 0xA0)))
#: Every control character: C0, C1, bidi controls and the separators. Sets, not a regular
#: expression: a class holding characters past U+00FF takes 0.4 ms to compile.
_ANY_CONTROL = frozenset(map(chr, range(0x20))) | C1_CONTROLS | BIDI_AND_SEPARATORS
#: What printable() deletes: every control character but tab and newline.
_DELETED = dict.fromkeys(map(ord, _ANY_CONTROL - {"\t", "\n"}))
_BREAKS = pattern(r"[\t\n]")
#: How much of a server's text a message quotes, and how much of a value an error quotes.
SERVER_TEXT_LIMIT = 300
VALUE_LIMIT = 80


def folded(text: str) -> str:
    """A name as compared: trimmed, case folded, in one Unicode form (NFC), so that "José"
    typed on one machine and exported decomposed (NFD, as a Mac may) by another is one name."""
    import unicodedata

    stripped = text.strip()
    if stripped.isascii():
        return stripped.casefold()
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", stripped).casefold())


def column_key(name: str) -> str:
    """A column or key name as compared: letters and digits in lower case, British spelling
    (``E-mail Address`` is ``emailaddress``, ``organizationName`` ``organisationname``,
    ``linkedinURL`` ``linkedinurl``)."""
    return re.sub(r"[^a-z0-9]", "", name.lower()).replace("organization", "organisation")


def has_controls(text: str) -> bool:
    """True when the text holds any control character (tab and newline too) or bidi control."""
    return not _ANY_CONTROL.isdisjoint(text)


def printable(text: str) -> str:
    """The text without escape sequences, control characters (but tab and newline) or bidi
    controls."""
    if "\x1b" in text:
        text = _ESCAPES.sub("", text)
    return text.translate(_DELETED)


def one_line(text: str, limit: int | None = None) -> str:
    """Printable text on one line, whitespace runs collapsed, cut to ``limit`` with '…'."""
    flat = " ".join(_BREAKS.sub(" ", printable(text)).split())
    if limit is not None and len(flat) > limit:
        return flat[: limit - 1] + "…"
    return flat


def quoted(value: object, limit: int = VALUE_LIMIT) -> str:
    """``repr`` of a value for an error message, cut to about ``limit`` characters."""
    text = repr(value)
    if len(text) > limit:
        return text[: limit - 1] + "…"
    return text
