"""How fast requests go: concurrency and rate that back off on 429 and recover slowly (AIMD)."""

from __future__ import annotations

import collections
import contextlib
import threading
import time
from collections.abc import Callable, Iterator

#: On a 429 the sending rate drops to this share of what was being sent in the last second.
RATE_DECREASE = 0.7
#: After a 429, each success raises the rate this many requests per second.
RATE_INCREASE = 0.1
_WINDOW = 1.0


class Throttle:
    """Caps requests in flight and requests per second, shared by every thread of a run.

    Concurrency and rate fall multiplicatively when the API answers 429 and rise additively
    with each success; ``max_rate`` (``--rate``) is a ceiling the rate never passes.
    """

    def __init__(
        self,
        max_concurrency: int,
        max_rate: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_concurrency = max(1, max_concurrency)
        self.max_rate = max_rate
        self.concurrency = float(self.max_concurrency)
        #: The rate learnt from 429s (None until the first one).
        self.learnt_rate: float | None = None
        self.times_limited = 0
        self._clock = clock
        self._sleep = sleep
        self._cond = threading.Condition()
        self._in_flight = 0
        self._next_send = 0.0
        self._paused_until = 0.0
        self._sent: collections.deque[float] = collections.deque()

    @property
    def rate(self) -> float | None:
        """Requests per second allowed now, or None for no cap."""
        rates = [r for r in (self.max_rate, self.learnt_rate) if r is not None]
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
            with self._cond:
                self._sent.append(self._clock())
            yield
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

    def rate_limited(self, retry_after: float | None) -> None:
        """A 429: halve the concurrency, slow the rate, and hold everyone for Retry-After."""
        with self._cond:
            now = self._clock()
            self.times_limited += 1
            self.concurrency = max(1.0, self.concurrency / 2)
            while self._sent and self._sent[0] < now - _WINDOW:
                self._sent.popleft()
            recent = max(1.0, len(self._sent) / _WINDOW)
            cut = max(0.5, recent * RATE_DECREASE)
            self.learnt_rate = cut if self.learnt_rate is None else min(self.learnt_rate, cut)
            if retry_after:
                self._paused_until = max(self._paused_until, now + retry_after)

    def succeeded(self) -> None:
        """A success: raise concurrency by about one per round, and the learnt rate a little."""
        with self._cond:
            self.concurrency = min(
                float(self.max_concurrency), self.concurrency + 1.0 / self.concurrency
            )
            if self.learnt_rate is not None:
                self.learnt_rate += RATE_INCREASE
            self._cond.notify_all()
