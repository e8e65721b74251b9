"""Messages for people on stderr: errors, warnings, retries and the verbose request log."""

from __future__ import annotations

import os
import sys
import threading
from typing import TYPE_CHECKING, TextIO

from clodura_cli.base.text import one_line, printable

if TYPE_CHECKING:
    from clodura_cli.api.client import RequestEvent

_lock = threading.Lock()
_secrets: set[str] = set()
_quiet = False
_timestamps = False
ENV_LOG_TIMESTAMPS = "CLODURA_LOG_TIMESTAMPS"


def set_quiet(quiet: bool) -> None:
    """-q/--quiet: notices, banners, progress and summaries are not shown."""
    global _quiet
    _quiet = quiet


def set_timestamps(on: bool) -> None:
    """--log-timestamps / CLODURA_LOG_TIMESTAMPS=1: every line starts with an ISO 8601 time."""
    global _timestamps
    _timestamps = on


def is_quiet() -> bool:
    """True under -q/--quiet."""
    return _quiet


def add_secret(value: str) -> None:
    """Never print this value (the API key) in any message."""
    if value:
        _secrets.add(value)


def redact(text: str) -> str:
    """The text with every registered secret replaced."""
    for secret in _secrets:
        text = text.replace(secret, "***")
    return text


def _color(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def say(message: str, *, prefix: str = "", style: str = "") -> None:
    """Write one line to stderr, coloured only on a terminal without NO_COLOR.

    Whatever the message quotes (a server's text, a file's line) reaches the terminal without
    escape sequences or bidi controls; errors and warnings are kept on one line.
    """
    if sys.stderr is None:  # started with stderr closed
        _stderr_gone()
    stream = sys.stderr
    line = redact(printable(message))
    if prefix in ("error:", "warning:"):
        line = one_line(line)
    if prefix:
        if _color(stream):
            codes = {"red": "31", "yellow": "33", "dim": "2", "cyan": "36"}
            prefix = f"\x1b[{codes.get(style, '0')};1m{prefix}\x1b[0m"
        line = f"{prefix} {line}"
    if _timestamps:
        import datetime as dt

        line = f"{dt.datetime.now().astimezone().isoformat(timespec='seconds')} {line}"
    with _lock:
        try:
            stream.write(line + "\n")
            stream.flush()
        except (OSError, ValueError, AttributeError):
            _stderr_gone()


def _stderr_gone() -> None:
    """stderr's reader went away (`2>&1 | true`), or it was closed (`2>&-`): the messages are
    lost, the run is not. A cron job's `-o` file is still written and the exit code still
    tells; the failed write was no reader leaving stdout, which ends a run with 0."""
    sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - for the process's life


def error(message: str) -> None:
    """An error line."""
    say(message, prefix="error:", style="red")


def warn(message: str) -> None:
    """A warning line. Every warning says something about the result (what was skipped,
    assumed or cut), so --quiet keeps them."""
    say(message, prefix="warning:", style="yellow")


def info(message: str) -> None:
    """A notice or summary line; silent under --quiet."""
    if not _quiet:
        say(message)


class RequestReporter:
    """Reports retries (unless --quiet: a cron job's log keeps only errors), and every request
    with --verbose."""

    def __init__(self, verbose: bool, debug: bool = False) -> None:
        self.verbose = verbose
        self.debug = debug

    def __call__(self, event: RequestEvent) -> None:
        if self.debug:
            say(curl_line(event), prefix="debug:", style="dim")
        if self.verbose:
            status = event.status if event.status is not None else "-"
            detail = f" ({event.error})" if event.error else ""
            say(
                f"{event.method} {event.path} -> {status} in {event.elapsed * 1000:.0f} ms"
                f" (attempt {event.attempt}){detail}",
                prefix="http:",
                style="dim",
            )
        if event.retry_in is not None and not _quiet:
            say(
                f"{event.method} {event.path}: {event.error}; retry {event.attempt} "
                f"in {event.retry_in:.1f}s",
                prefix="retry:",
                style="yellow",
            )


def curl_line(event: RequestEvent) -> str:
    """The request as a curl command someone could run, with the key left out."""
    import json
    import shlex

    parts = [
        "curl",
        "-X",
        event.method,
        shlex.quote(event.url),
        "-H",
        shlex.quote("X-API-KEY: ***"),
    ]
    if event.body is not None:
        parts += ["-H", shlex.quote("Content-Type: application/json")]
        parts += ["--data", shlex.quote(json.dumps(event.body, separators=(",", ":")))]
    return " ".join(parts)
