"""What becomes of a character that the stream it is written to cannot encode.

Every text the tool writes (stdout, an output file, a spool) is encoded with ``ERRORS``, this
module's error handler, instead of failing the run or writing invalid bytes:

- half a character, a lone surrogate, becomes U+FFFD. JSON may carry one (``"Ana\\ud83d"``,
  an emoji cut in two by a length limit), ``json.loads`` keeps it, and no UTF-8 can hold it:
  a CSV file failed mid-write, and stdout under the C locale passed it on as an invalid byte.
  JSON output writes it escaped instead, and reads back the same (``formats.json_text``).
- a character a non-UTF-8 stdout cannot hold (``LANG=C`` without coercion, a latin-1
  ``PYTHONIOENCODING``) becomes '?'.

Either way the user is told once, on stderr. Only ``codecs`` is needed, which Python has
loaded at start: this runs before typer is imported, on a TAB and for ``--version`` too.
"""

from __future__ import annotations

import codecs
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # collections.abc is not loaded yet when this runs: a TAB would pay for it
    from collections.abc import Callable

#: The handler's name, for ``open(..., errors=ERRORS)`` and ``reconfigure(errors=ERRORS)``.
ERRORS = "clodura-unencodable"
#: The replacement for half a character, in an encoding that holds it.
REPLACEMENT = "\ufffd"
_UNICODE = ("utf8", "utf16", "utf32")


def _on_stderr(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


_notice: Callable[[str], None] = _on_stderr
_told: set[str] = set()


def tell_with(notice: Callable[[str], None]) -> None:
    """How the user is told from now on (the command line's warning, once it has loaded), once
    a kind of replacement in each run."""
    global _notice
    _notice = notice
    _told.clear()


def _tell(kind: str, message: str) -> None:
    if kind not in _told:
        _told.add(kind)
        _notice(message)


def is_surrogate(char: str) -> bool:
    """Half of a UTF-16 pair, which no UTF-8 can hold on its own."""
    return "\ud800" <= char <= "\udfff"


def _replace(error: UnicodeError) -> tuple[str | bytes, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start : error.end]
    encoding = error.encoding.lower().replace("-", "").replace("_", "")
    if encoding.startswith(_UNICODE) and all(map(is_surrogate, bad)):
        _tell(
            "surrogate",
            "a value held half a character (a lone surrogate, as from an emoji cut in two), "
            "which UTF-8 cannot hold: written as U+FFFD (JSON output keeps it, escaped)",
        )
        if encoding == "utf8":  # its encoder takes a replacement in ASCII or in bytes
            return (REPLACEMENT * len(bad)).encode("utf-8"), error.end
        return REPLACEMENT * len(bad), error.end
    _tell(
        error.encoding,
        f"standard output's encoding ({error.encoding}) cannot hold some characters; they are "
        "written as '?' (use a UTF-8 locale or PYTHONIOENCODING=utf-8)",
    )
    return "?" * len(bad), error.end


codecs.register_error(ERRORS, _replace)


def whole(text: str) -> str:
    """``text`` with every lone surrogate replaced, for a writer that encodes it elsewhere (a
    workbook's XML); what needs no change is returned as it is."""
    if text.isascii():
        return text
    return text.encode("utf-8", ERRORS).decode("utf-8")
