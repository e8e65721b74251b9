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

import _thread  # built in: threading itself is not loaded for this
import codecs
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # collections.abc is not loaded yet when this runs: a TAB would pay for it
    from collections.abc import Callable

#: The handler's name, for ``open(..., errors=ERRORS)`` and ``reconfigure(errors=ERRORS)``.
ERRORS = "clodura-unencodable"
#: The same for text that came from the operating system (``os_line``).
OS_ERRORS = "clodura-unencodable-os"
#: The replacement for half a character, in an encoding that holds it.
REPLACEMENT = "\ufffd"
_UNICODE = ("utf8", "utf16", "utf32")


def _on_stderr(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


_notice: Callable[[str], None] = _on_stderr
_told: set[str] = set()
_telling = _thread.allocate_lock()  # writers in two threads still tell once


def tell_with(notice: Callable[[str], None]) -> None:
    """How the user is told from now on (the command line's warning, once it has loaded), once
    a kind of replacement in each run."""
    global _notice
    _notice = notice
    _told.clear()


def _tell(kind: str, message: str) -> None:
    with _telling:
        if kind in _told:
            return
        _told.add(kind)
    _notice(message)


def is_surrogate(char: str) -> bool:
    """Half of a UTF-16 pair, which no UTF-8 can hold on its own."""
    return "\ud800" <= char <= "\udfff"


def _replacement(encoding: str, count: int) -> bytes | None:
    """U+FFFD ``count`` times in a Unicode encoding (named as ``_replace`` normalises it), as
    bytes without a byte-order mark: the UTF-8, -16 and -32 encoders take a replacement only in
    ASCII text or in bytes. None for any other encoding."""
    if encoding.startswith("utf8"):
        codec = "utf-8"
    elif encoding[:5] in ("utf16", "utf32"):
        order = encoding[5:7] if encoding[5:7] in ("le", "be") else sys.byteorder[0] + "e"
        codec = f"utf-{encoding[3:5]}-{order}"
    else:
        return None
    return (REPLACEMENT * count).encode(codec)


def _replace(error: UnicodeError) -> tuple[str | bytes, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start : error.end]
    encoding = error.encoding.lower().replace("-", "").replace("_", "")
    replacement = _replacement(encoding, len(bad)) if all(map(is_surrogate, bad)) else None
    if replacement is not None:
        _tell(
            "surrogate",
            "a value held half a character (a lone surrogate, as from an emoji cut in two), "
            "which UTF-8 cannot hold: written as U+FFFD (JSON output keeps it, escaped)",
        )
        return replacement, error.end
    # Only stdout can be in another encoding than UTF-8 (files are UTF-8): its name, which
    # the codec's may not be (cp1252's is "charmap").
    named = getattr(sys.stdout, "encoding", None) or error.encoding
    _tell(
        "encoding",
        f"standard output's encoding ({named}) cannot hold some characters; they are written "
        "as '?' (use a UTF-8 locale or PYTHONIOENCODING=utf-8)",
    )
    return "?" * len(bad), error.end


def _replace_os(error: UnicodeError) -> tuple[str | bytes, int]:
    if isinstance(error, UnicodeEncodeError):
        bad = error.object[error.start : error.end]
        if all("\udc80" <= char <= "\udcff" for char in bad):
            return bytes(ord(char) - 0xDC00 for char in bad), error.end
    return _replace(error)


codecs.register_error(ERRORS, _replace)
codecs.register_error(OS_ERRORS, _replace_os)


def write_os_text(text: str) -> None:
    """Write text that came from the operating system (a file's name, a folder) to stdout as
    the bytes it was: Python read the bytes no encoding could decode as U+DC80-U+DCFF
    (surrogateescape), which go back as those bytes; anything else as ``ERRORS`` writes it."""
    data = text.encode(sys.getfilesystemencoding(), OS_ERRORS)
    binary = getattr(sys.stdout, "buffer", None)
    if binary is None:  # a stream of text only (a test's): what it holds is all there is
        sys.stdout.write(data.decode(sys.getfilesystemencoding(), "surrogateescape"))
        return
    sys.stdout.flush()
    binary.write(data)
    binary.flush()


def has_halves(text: str) -> bool:
    """True when ``text`` holds half a character (a lone surrogate), which no UTF-8 can hold."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def escape_halves(json_text: str) -> str:
    """Text with each lone surrogate written as its ``\\uXXXX`` escape: valid UTF-8, one to
    one (two texts stay two), and JSON text reads back the same (what ``json.dumps(...,
    ensure_ascii=False)`` passes on raw). Also what SQLite is given (``store.sqlite_file``)."""
    if not has_halves(json_text):
        return json_text
    return "".join(f"\\u{ord(c):04x}" if is_surrogate(c) else c for c in json_text)


def without_halves(text: str) -> str:
    """``text`` with each lone surrogate as U+FFFD, silently: as a file's header holds a name
    the output handler (``ERRORS``) wrote, so that the records' names are read alike."""
    if not has_halves(text):
        return text
    return "".join(REPLACEMENT if is_surrogate(c) else c for c in text)


def whole(text: str) -> str:
    """``text`` with every lone surrogate replaced, for a writer that encodes it elsewhere (a
    workbook's XML); what needs no change is returned as it is."""
    if text.isascii():
        return text
    return text.encode("utf-8", ERRORS).decode("utf-8")
