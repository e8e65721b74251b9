"""Which of the standard streams is a terminal: asked here, in one place, when needed.

Like httpie's Environment, this is what decides tables versus JSON Lines, prompts versus none,
and progress bars versus silence; tests replace ``streams`` to act as a terminal or a pipe.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TextIO

#: The streams asked about; a test may replace one with a stand-in.
streams: dict[str, Callable[[], Any]] = {
    "stdin": lambda: sys.stdin,
    "stdout": lambda: sys.stdout,
    "stderr": lambda: sys.stderr,
}


def is_terminal(name: str) -> bool:
    """True when the stream (stdin, stdout or stderr) is a terminal."""
    stream = streams[name]()
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or stand-in stream
        return False


def output_to_terminal(output: str | None) -> bool:
    """True when records go to a terminal: no --output file, and stdout is one."""
    return output is None and is_terminal("stdout")


def can_ask() -> bool:
    """True when a question can be asked and answered: stdin and stderr are terminals."""
    return is_terminal("stdin") and is_terminal("stderr")


def confirm(question: str, *, default: bool = False) -> bool | None:
    """Ask a yes/no question: the answer is ``default`` (no unless said otherwise) unless the
    line says the other (y/yes, n/no); None when there is no terminal to ask on. Where stdin
    is a pipe (`search ... | clodura reveal --input -`) but stderr is a terminal, the answer
    is read from the controlling terminal, /dev/tty, as sudo and git do; without any terminal
    nothing is asked."""
    if not is_terminal("stderr"):
        return None
    if is_terminal("stdin"):
        return _asked(question, sys.stdin, default)
    try:
        tty = open("/dev/tty", encoding="utf-8", errors="replace")  # noqa: SIM115
    except OSError:  # no controlling terminal (cron, a service): never ask
        return None
    with tty:
        return _asked(question, tty, default)


def _asked(question: str, answers: TextIO, default: bool = False) -> bool:
    """The question on stderr, the answer a line read from ``answers`` (a terminal).

    The line is read once the terminal has one: waiting in select rather than in read lets a
    Ctrl-C that comes at any moment stop the wait. (`input()` missed one that came between the
    question and the read, and then waited for ever.)"""
    import select

    sys.stderr.write(f"{question} {'[Y/n]' if default else '[y/N]'}: ")
    sys.stderr.flush()
    while not select.select([answers.fileno()], [], [], 0.2)[0]:
        pass  # a signal's handler runs between the waits
    answer = answers.readline()
    if not answer.endswith("\n"):
        sys.stderr.write("\n")  # end of input (Ctrl-D): the line the question left open
    said = answer.strip().lower()
    if default and answer.endswith("\n"):  # yes unless no (end of input is never a yes)
        return said not in ("n", "no")
    return said in ("y", "yes")


def silence_stdout() -> None:
    """Point stdout at /dev/null: a reader that went away (`| head`) must not fail the flush
    at exit."""
    import contextlib
    import os

    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
