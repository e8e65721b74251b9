"""How fast requests go: concurrency and rate that back off on 429 and recover slowly (AIMD)."""

from __future__ import annotations

import collections
import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping

from clodura_cli.api import retry

#: On a 429 the rate drops to this share of the successes of the last second.
RATE_DECREASE = 0.95
#: 429s closer together than this are one event (the requests were in flight together).
CUT_INTERVAL = 0.5
#: After this many seconds without a 429 the learnt rate rises by RATE_INCREASE of itself.
RECOVERY_QUIET = 5.0
RATE_INCREASE = 0.1
_WINDOW = 1.0
#: Share of an announced rate the client uses: clocks and network jitter differ.
ANNOUNCED_MARGIN = 0.95
#: A reset value past this is a Unix time, not a number of seconds.
_EPOCH_THRESHOLD = 1e9


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return headers.get(name.lower()) or headers.get("x-" + name.lower())


def _number(text: str | None) -> float | None:
    try:
        value = float((text or "").split(",")[0].strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def rate_hint(headers: Mapping[str, str], now: float) -> tuple[float | None, float | None]:
    """The request rate and the pause that rate-limit headers ask for (lower-case names).

    Read: ``RateLimit-Policy: 10;w=1`` (IETF draft): 10 requests per 1 s; else
    ``RateLimit-Remaining``/``-Reset`` (or the ``X-`` forms): the requests left, spread over
    the seconds until the window resets (a reset past 1e9 is a Unix time). No requests left:
    pause until the reset.
    """
    rate: float | None = None
    policy = headers.get("ratelimit-policy")
    if policy:
        quota, _, params = policy.split(",")[0].partition(";")
        window = next(
            (_number(p.split("=", 1)[1]) for p in params.split(";") if p.strip().startswith("w=")),
            None,
        )
        limit = _number(quota)
        if limit and window:
            rate = limit / window
    remaining = _number(_header(headers, "RateLimit-Remaining"))
    reset = _number(_header(headers, "RateLimit-Reset"))
    if reset is not None and reset > _EPOCH_THRESHOLD:
        reset = max(0.0, reset - now)
    pause = reset if remaining == 0 and reset else None
    if rate is None and remaining and reset:
        rate = remaining / reset
    return rate, pause


class Throttle:
    """Caps requests in flight and requests per second, shared by every thread of a run.

    Concurrency and rate fall multiplicatively when the API answers 429; concurrency rises
    again with each success, the rate after quiet spells. Rate-limit headers, when the API
    sends them, set the rate directly. ``max_rate`` (``--rate``) is a ceiling never passed.
    ``clock`` and ``sleep`` default to those of ``retry.CLOCK`` when the throttle is built.
    """

    def __init__(
        self,
        max_concurrency: int,
        max_rate: float | None = None,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.max_concurrency = max(1, max_concurrency)
        self.max_rate = max_rate
        self.concurrency = float(self.max_concurrency)
        #: The rate learnt from 429s (None until the first one).
        self.learnt_rate: float | None = None
        #: The rate the server announced in rate-limit headers (None until it does).
        self.announced_rate: float | None = None
        self.times_limited = 0
        self._clock = clock or retry.CLOCK.monotonic
        self._sleep = sleep or retry.CLOCK.sleep
        self._cond = threading.Condition()
        self._in_flight = 0
        self._next_send = 0.0
        self._paused_until = 0.0
        self._succeeded: collections.deque[float] = collections.deque()
        self._last_cut = -math.inf
        self._last_raise = -math.inf

    @property
    def rate(self) -> float | None:
        """Requests per second allowed now, or None for no cap."""
        rates = [r for r in (self.max_rate, self.learnt_rate, self.announced_rate) if r is not None]
        return min(rates) if rates else None

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Wait for a free place and for the rate to allow one more request."""
        with self._cond:
            while self._in_flight >= max(1, int(self.concurrency)):
                self._cond.wait()
            self._in_flight += 1
            now = self._clock()
            send_at = max(now, self._paused_until, self._next_send)
            rate = self.rate
            if rate is not None:
                self._next_send = send_at + 1.0 / rate
        try:
            if send_at > now:
                self._sleep(send_at - now)
            yield
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

    def rate_limited(self, retry_after: float | None) -> None:
        """A 429: halve the concurrency, slow the rate, and hold everyone for Retry-After.

        Requests already in flight when the first 429 came meet the same limit: 429s less than
        CUT_INTERVAL apart count as one cut, as TCP cuts once per round trip. The rate falls to
        a little under what the API let through in the last second.
        """
        with self._cond:
            now = self._clock()
            self.times_limited += 1
            if retry_after:
                self._paused_until = max(self._paused_until, now + retry_after)
            if now - self._last_cut < CUT_INTERVAL:
                return
            self._last_cut = now
            self.concurrency = max(1.0, self.concurrency / 2)
            while self._succeeded and self._succeeded[0] < now - _WINDOW:
                self._succeeded.popleft()
            allowed = len(self._succeeded) / _WINDOW
            cut = max(0.5, allowed * RATE_DECREASE)
            self.learnt_rate = cut if self.learnt_rate is None else min(self.learnt_rate, cut)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Pace by the rate-limit headers of an answer, when it has them (see rate_hint)."""
        rate, pause = rate_hint(headers, time.time())
        if rate is None and pause is None:
            return
        with self._cond:
            if rate is not None:
                self.announced_rate = max(0.1, rate * ANNOUNCED_MARGIN)
            if pause:
                self._paused_until = max(self._paused_until, self._clock() + pause)

    def succeeded(self) -> None:
        """A success: raise concurrency by about one per round, and, after RECOVERY_QUIET
        seconds without a 429, the learnt rate by RATE_INCREASE of itself."""
        with self._cond:
            now = self._clock()
            self._succeeded.append(now)
            while self._succeeded[0] < now - _WINDOW:
                self._succeeded.popleft()
            self.concurrency = min(
                float(self.max_concurrency), self.concurrency + 1.0 / self.concurrency
            )
            quiet_since = max(self._last_cut, self._last_raise)
            if self.learnt_rate is not None and now - quiet_since >= RECOVERY_QUIET:
                self.learnt_rate *= 1 + RATE_INCREASE
                self._last_raise = now
            self._cond.notify_all()
