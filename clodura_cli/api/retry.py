"""When and how long to wait before trying a request again."""

import math
import time
from collections.abc import Callable
from typing import NamedTuple

from clodura_cli.base import stopping

TYPE_CHECKING = False
if TYPE_CHECKING:
    import random

DEFAULT_MAX_RETRIES = 4
INITIAL_DELAY = 0.5
MAX_DELAY = 8.0
#: A Retry-After longer than this is not waited for: the run stops with a rate-limit error.
RETRY_AFTER_CAP = 60.0


class Clock(NamedTuple):
    """What a run's waits read the time from and pass it with."""

    monotonic: Callable[[], float] = time.monotonic
    #: Ends early once an interrupt begins (Ctrl-C must not wait out a 30 s Retry-After).
    sleep: Callable[[float], None] = stopping.pause


#: The clock of every wait between requests: retry backoff, Retry-After, and the throttle's
#: spacing and pauses. A Throttle or CloduraClient built without a clock (or sleep) of its own
#: reads this one when it is built. It is the real clock; it exists as a seam for tests, which
#: swap in one whose ``sleep`` returns at once and moves its time forward, e.g.
#:
#:     monkeypatch.setattr(retry, "CLOCK", retry.Clock(fake.monotonic, fake.sleep))
#:
#: so that a run's waits keep their order and length in the clock's time but cost no real time
#: (tests/conftest.py does so for every test not marked ``real_clock``).
CLOCK = Clock()


class RetryPolicy(NamedTuple):
    """Exponential backoff with full jitter, bounded in attempts and in each wait."""

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = INITIAL_DELAY
    max_delay: float = MAX_DELAY
    retry_after_cap: float = RETRY_AFTER_CAP

    def backoff(self, retry_number: int, rng: "random.Random | None" = None) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based) when the server gave no hint."""
        ceiling = float(min(self.max_delay, self.initial_delay * 2.0 ** (retry_number - 1)))
        if rng is None:
            import random  # here, not at the top: a run that never retries starts 2 ms faster

            uniform = random.uniform
        else:
            uniform = rng.uniform
        # Half fixed, half random: spreads concurrent clients without ever waiting zero.
        return ceiling / 2 + uniform(0, ceiling / 2)

    def delay(
        self, retry_number: int, retry_after: float | None, rng: "random.Random | None" = None
    ) -> float | None:
        """Seconds to wait before retry ``retry_number``, or None when it should not happen."""
        if retry_number > self.max_retries:
            return None
        if retry_after is not None:
            if retry_after > self.retry_after_cap:
                return None
            return max(0.0, retry_after)
        return self.backoff(retry_number, rng)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header, given in seconds or as an HTTP date (RFC 9110);
    None when absent or unreadable. A date in the past means no wait."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        return max(0.0, when.timestamp() - (time.time() if now is None else now))
    if math.isnan(seconds) or seconds < 0:
        return None
    return seconds
