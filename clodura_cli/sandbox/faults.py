"""Faults the sandbox can inject: latency, rate limits, failures and broken answers."""

import math
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from clodura_cli.sandbox.routes import FAULT_TARGETS

if TYPE_CHECKING:
    import random

#: Every fault a script or a rate can ask for, and what it does.
FAULT_KINDS = {
    "400": "400 with a JSON message",
    "401": "401 with a JSON message",
    "402": "402 with a JSON message",
    "403": "403 with a JSON message",
    "404": "404 with a JSON message",
    "418": "an undocumented 4xx status with a JSON message",
    "422": "422 with a JSON message",
    "429": "rate-limit answer (429), with Retry-After unless omitted",
    "500": "500 Internal Server Error",
    "502": "502 Bad Gateway",
    "503": "503 Service Unavailable",
    "html": "HTML error page with status 502",
    "html200": "HTML page with status 200",
    "truncate": "JSON body cut off halfway",
    "empty": "200 with an empty body",
    "object": "200 with a JSON object where an array was expected",
    "wrongtype": "200 with a text/plain body",
    "drop": "connection closed without an answer, after the request was handled",
    "timeout": "request handled, then no answer before the client's read timeout",
}
#: What a scripted fault may target (the endpoint table's names, or "*").
ENDPOINTS = FAULT_TARGETS


class FaultSpecError(ValueError):
    """A fault setting or script entry that does not parse."""


class ScriptedFault(NamedTuple):
    """Let ``after`` requests to ``endpoint`` pass, then give the next ``times`` the fault (the
    injector counts them down: the settings never change)."""

    kind: str
    times: int = 1
    endpoint: str = "*"
    after: int = 0

    @classmethod
    def parse(cls, text: str) -> "ScriptedFault":
        """``KIND[:TIMES][@ENDPOINT][+AFTER]``, e.g. ``429:2@search`` or ``500@search+2``."""
        text, _, after = text.partition("+")
        spec, _, endpoint = text.partition("@")
        kind, _, times = spec.partition(":")
        if kind not in FAULT_KINDS:
            raise FaultSpecError(f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}")
        if (endpoint or "*") not in ENDPOINTS:
            raise FaultSpecError(f"unknown endpoint {endpoint!r}; known: {', '.join(ENDPOINTS)}")
        try:
            count, skip = int(times or 1), int(after or 0)
        except ValueError:
            raise FaultSpecError(f"{text!r}: TIMES and AFTER must be whole numbers") from None
        return cls(kind, count, endpoint or "*", skip)


class Faults(NamedTuple):
    """Fault settings; rates are fractions of requests (0 to 1)."""

    latency: float = 0.0
    #: Requests per second allowed before 429s (0: no limit).
    rate_limit: float = 0.0
    #: Retry-After sent with 429s: None computes it from the limit; omit_retry_after drops it.
    retry_after: float | None = None
    omit_retry_after: bool = False
    #: Send RateLimit-Limit, -Remaining, -Reset and -Policy with every answer under a limit.
    rate_limit_headers: bool = False
    error_rate: float = 0.0
    html_rate: float = 0.0
    truncate_rate: float = 0.0
    drop_rate: float = 0.0
    #: How long a "timeout" fault keeps the client waiting, in seconds.
    timeout_delay: float = 30.0
    seed: int = 0
    script: Sequence[ScriptedFault] = ()

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> "Faults":
        """Settings from JSON-like data (the control endpoint, the environment)."""
        known = set(cls._fields)
        unknown = sorted(set(data) - known)
        if unknown:
            raise FaultSpecError(f"unknown fault setting {unknown[0]!r}; known: {sorted(known)}")
        values = dict(data)
        values["script"] = [ScriptedFault.parse(s) for s in values.get("script", [])]
        try:
            return cls(**values)
        except TypeError as exc:
            raise FaultSpecError(str(exc)) from None


class FaultInjector:
    """Decides, request by request, which fault (if any) to inject. Thread-safe."""

    def __init__(self, faults: "Faults", clock: Callable[[], float] = time.monotonic) -> None:
        self.faults = faults
        self._clock = clock
        self._lock = threading.Lock()
        #: Rolled for every request when a fault has a rate; none has one, none is needed (and
        #: random, 2 ms of a start, is not imported).
        self._rng: random.Random | None = None
        if any(rate > 0 for _, rate in self._rates()):
            import random as chance  # the annotation above names the module

            self._rng = chance.Random(faults.seed)
        #: Each scripted fault's requests still to let pass, and faults still to give.
        self._script = [[entry.after, entry.times] for entry in faults.script]
        self._tokens = max(1.0, faults.rate_limit)
        self._refilled = clock()

    def choose(self, endpoint: str) -> tuple[str | None, float | None]:
        """The fault for this request (or None) and, for a 429, the Retry-After to send."""
        with self._lock:
            for entry, left in zip(self.faults.script, self._script, strict=True):
                if left[1] > 0 and entry.endpoint in ("*", endpoint):
                    if left[0] > 0:
                        left[0] -= 1
                        continue
                    left[1] -= 1
                    return entry.kind, self._retry_after(1.0) if entry.kind == "429" else None
            if self.faults.rate_limit > 0:
                wait = self._take_token()
                if wait is not None:
                    return "429", self._retry_after(wait)
            if self._rng is None:
                return None, None
            roll = self._rng.random()
            for kind, rate in self._rates():
                if roll < rate:
                    return (
                        self._rng.choice(("500", "502", "503")) if kind == "5xx" else kind
                    ), None
                roll -= rate
            return None, None

    def _rates(self) -> tuple[tuple[str, float], ...]:
        """Each fault a request may roll for, and the fraction of requests it hits."""
        faults = self.faults
        return (("5xx", faults.error_rate), ("html", faults.html_rate),
                ("truncate", faults.truncate_rate), ("drop", faults.drop_rate))  # fmt: skip

    def rate_headers(self) -> list[tuple[str, str]]:
        """The RateLimit-* headers of an answer: a policy of ``rate`` per second, what is left
        of it now, and the seconds until the next request is allowed."""
        rate = self.faults.rate_limit
        if rate <= 0 or not self.faults.rate_limit_headers:
            return []
        with self._lock:
            tokens = min(max(1.0, rate), self._tokens + (self._clock() - self._refilled) * rate)
        remaining = int(tokens)
        reset = 0.0 if remaining else (1 - tokens) / rate
        limit = f"{rate:g}"
        return [
            ("RateLimit-Limit", limit),
            ("RateLimit-Remaining", str(remaining)),
            ("RateLimit-Reset", f"{math.ceil(reset * 1000) / 1000:g}"),
            ("RateLimit-Policy", f"{limit};w=1"),
        ]

    def _take_token(self) -> float | None:
        """Take one request token; None when allowed, else seconds until a token is free."""
        now = self._clock()
        rate = self.faults.rate_limit
        self._tokens = min(max(1.0, rate), self._tokens + (now - self._refilled) * rate)
        self._refilled = now
        if self._tokens >= 1:
            self._tokens -= 1
            return None
        return (1 - self._tokens) / rate

    def _retry_after(self, computed: float) -> float | None:
        if self.faults.omit_retry_after:
            return None
        if self.faults.retry_after is not None:
            return self.faults.retry_after
        return float(math.ceil(computed * 10) / 10)
