"""Whether the process is being interrupted: once it is, no request is started or retried."""

from __future__ import annotations

import threading

_stopping = threading.Event()


def begin() -> None:
    """Ctrl-C or SIGTERM arrived: every thread should wind down, not start new work."""
    _stopping.set()


def is_stopping() -> bool:
    """True once an interrupt has begun."""
    return _stopping.is_set()


def pause(seconds: float) -> None:
    """Sleep for ``seconds``, or less once an interrupt begins: a wait between requests (a retry's
    backoff, the throttle's spacing) never holds a stopping run, in whatever thread it is."""
    _stopping.wait(max(0.0, seconds))


def reset() -> None:
    """Forget an interrupt (tests run many commands in one process)."""
    _stopping.clear()
