"""The `clodura` command: answers --version, repeated --help and the completion scripts'
questions without loading the app.

A command's help is rendered by typer and rich (about 0.1 s); it is the same every time for
the same code, terminal width and colour settings, so the rendered text is kept in the user's
cache folder and printed from there the next time.

Only os and sys are imported at the top: every start, a TAB's included, pays for what is here.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing itself costs a start a few milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any

_HELP_FLAGS = ("--help", "-h")
#: What the completion scripts run for candidates they do not hold (``clodura __complete-values
#: KIND SHELL TYPED``); not a command of the app.
COMPLETE_VALUES = "__complete-values"
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    """Console-script entry point: a reader that goes away (`--help | head`) ends the run
    quietly with 0, as it does for records."""
    try:
        _main()
    except BrokenPipeError:
        from clodura_cli.cli.terminal import silence_stdout

        silence_stdout()
        sys.exit(0)


def _tolerant_stdout() -> None:
    """A character stdout cannot encode is replaced, and the user told, rather than failing the
    run or passing on invalid bytes (``base.encoding``)."""
    if hasattr(sys.stdout, "reconfigure"):
        from clodura_cli.base.encoding import ERRORS

        sys.stdout.reconfigure(errors=ERRORS)


def _main() -> None:
    _tolerant_stdout()
    argv = sys.argv[1:]
    if argv[:1] == [COMPLETE_VALUES]:  # a TAB that needs the user's files: no typer (candidates)
        from clodura_cli.cli.candidates import main as candidates

        candidates(argv[1:])
        return
    if argv == ["--version"]:  # answered before typer is imported; the app has the same option
        from clodura_cli import version_line

        sys.stdout.write(version_line())
        return
    cached = _help_cache_file(argv)
    if cached is not None and cached.is_file():
        sys.stdout.write(cached.read_text(encoding="utf-8"))
        return
    from clodura_cli.cli.collector import pause_for_start_up

    pause_for_start_up()
    from clodura_cli.cli.app import main as run

    if cached is None:
        run()
        return
    _recording(cached, run)


def _code_stamp() -> str:
    """Changes whenever any module of the package changes."""
    newest = 0
    folders = [_PACKAGE]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir() and not entry.name.startswith((".", "_")):
                    folders.append(entry.path)
                elif entry.name.endswith(".py"):
                    newest = max(newest, entry.stat().st_mtime_ns)
    return str(newest)


def _help_cache_file(argv: list[str]) -> Path | None:
    """Where the help for this command line would be cached; None when it is not a help call."""
    if not argv or argv[-1] not in _HELP_FLAGS or any(a.startswith("-") for a in argv[:-1]):
        return None
    if "_CLODURA_COMPLETE" in os.environ:
        return None
    import json

    from clodura_cli import __version__

    tty = sys.stdout.isatty()
    width = os.environ.get("COLUMNS", "")
    if tty and not width:
        width = str(os.get_terminal_size(sys.stdout.fileno()).columns)
    key = [__version__, _code_stamp(), argv, tty, width, os.environ.get("TERM", "")]
    key += [name in os.environ for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE")]
    from clodura_cli.base.digest import sha256_hex

    digest = sha256_hex(json.dumps(key).encode())[:24]
    return help_cache_dir() / digest


def help_cache_dir() -> Path:
    """Where rendered help is kept (``config.help_cache_dir``)."""
    from clodura_cli.store import config

    return config.help_cache_dir()


class _Tee:
    """stdout that also keeps what was written."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.text: list[str] = []

    def write(self, text: str | bytes) -> int:
        if isinstance(text, bytes):  # click may hand bytes to a stream it does not know
            text = text.decode("utf-8", errors="replace")
        self.text.append(text)
        return int(self._stream.write(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _recording(target: Path, run: Callable[[], None]) -> None:
    """Run, and keep what the help printed if it printed it and exited 0."""
    import contextlib  # the app has imported it by now

    tee = _Tee(sys.stdout)
    real, sys.stdout = sys.stdout, tee
    try:
        run()
    except SystemExit as exit_:
        if exit_.code in (0, None) and tee.text:
            with contextlib.suppress(Exception):  # a cache must never break the command
                _store(target, "".join(tee.text))
        raise
    finally:
        sys.stdout = real


def _store(target: Path, text: str) -> None:
    import contextlib

    with contextlib.suppress(OSError):
        from clodura_cli.store.files import write_private

        write_private(target, text)
