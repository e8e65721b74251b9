"""The sandbox posts reveal results to a loopback webhook, as the real service posts them.

Only to plain http on loopback (a receiver on this machine, `clodura listen` or
`reveal --listen`): a sandbox result never leaves the machine. Each delivery is signed with the
sandbox's webhook secret (``X-Clodura-Signature``, HMAC-SHA256 of the body, hex), sent when the
job is ready, and retried a few times while the receiver is down.

A delivery is either a reveal job's result, looked up when it is due (it may not be final yet),
or a payload prepared when the request was answered (a queued email verification's verdict).
"""

from __future__ import annotations

import heapq
import json
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from clodura_cli.api.urls import is_loopback
from clodura_cli.sandbox.keys import WEBHOOK_SECRET

#: Tries of one delivery (the first and the retries), and the wait before the first retry.
TRIES = 5
FIRST_RETRY = 0.25


def deliverable(url: Any) -> bool:
    """True for a webhook URL the sandbox posts to: plain http to loopback."""
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    return parts.scheme == "http" and is_loopback(parts.hostname or "")


def signature(body: bytes) -> str:
    """The sandbox's signature of a delivery body."""
    import hashlib  # with hmac, only for a delivery: OpenSSL's hashes cost a start 5 ms
    import hmac

    return hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()


class Courier:
    """Posts deliveries at their time, on one thread, retrying while the receiver is down."""

    def __init__(self, payload_for: Callable[[str], Any | None]) -> None:
        """``payload_for(tracking_id)``: the delivery for a job once it is final, else None."""
        self._payload_for = payload_for
        #: (when, order, tracking id, url, tries, prepared payload or None).
        self._queue: list[tuple[float, int, str, str, int, Any]] = []
        self._cond = threading.Condition()
        self._count = 0
        self._stopped = False
        self._thread: threading.Thread | None = None

    def schedule(self, tracking_id: str, url: str, at: float, payload: Any = None) -> None:
        """Deliver the job's result to ``url`` at ``at`` (time.monotonic); ``payload``: post
        this instead (a result known already), with the same signature."""
        with self._cond:
            self._count += 1
            heapq.heappush(self._queue, (at, self._count, tracking_id, url, 0, payload))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="courier", daemon=True)
                self._thread.start()
            self._cond.notify()

    def stop(self) -> None:
        """Deliver nothing more (the emulator is closing)."""
        with self._cond:
            self._stopped = True
            self._queue.clear()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and (
                    not self._queue or self._queue[0][0] > time.monotonic()
                ):
                    wait = self._queue[0][0] - time.monotonic() if self._queue else None
                    self._cond.wait(timeout=wait)
                if self._stopped:
                    return
                _, _, tracking_id, url, tries, prepared = heapq.heappop(self._queue)
            payload = prepared
            if payload is None:
                try:
                    payload = self._payload_for(tracking_id)
                except Exception:  # the emulator's state is gone: nothing to deliver any more
                    return
            if payload is None:  # not ready yet: look again a little later
                self._again(tracking_id, url, tries, 0.1)
                continue
            if not self._post(url, payload):
                self._again(tracking_id, url, tries + 1, FIRST_RETRY * 2**tries, prepared)

    def _again(
        self, tracking_id: str, url: str, tries: int, delay: float, prepared: Any = None
    ) -> None:
        if tries >= TRIES:
            return
        with self._cond:
            self._count += 1
            heapq.heappush(
                self._queue,
                (time.monotonic() + delay, self._count, tracking_id, url, tries, prepared),
            )

    @staticmethod
    def _post(url: str, payload: Any) -> bool:
        import urllib.error  # here: a search in the sandbox never posts, nor pays for these
        import urllib.request

        body = json.dumps(payload, separators=(",", ":")).encode()
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "X-Clodura-Signature": signature(body)},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return bool(200 <= answer.status < 300)
        except urllib.error.HTTPError as exc:
            return bool(400 <= exc.code < 500 and exc.code != 429)  # refused: do not insist
        except OSError:
            return False
