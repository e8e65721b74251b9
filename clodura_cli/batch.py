"""Sending a batch through the ledger, as reveals and paid requests are sent: each item in
order, ``concurrency`` at a time, until the run is told to stop."""

from __future__ import annotations

import concurrent.futures as cf
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from clodura_cli.api.errors import LocalStateError

T = TypeVar("T")
R = TypeVar("R")


def each_in_order(
    items: Sequence[T],
    work: Callable[[T], R],
    *,
    concurrency: int,
    name: str,
    stop: threading.Event,
    skipped: Callable[[T], None],
) -> list[R]:
    """``work`` on each item, ``concurrency`` at a time in threads named ``name``; the results in
    the items' order. Once ``stop`` is set (by ``work``, or by a ledger that cannot record:
    nothing more may be paid for), the items not yet begun go to ``skipped`` instead."""
    lock = threading.Lock()
    done: dict[int, R] = {}

    def one(index: int, item: T) -> None:
        if stop.is_set():
            with lock:
                skipped(item)
            return
        try:
            done[index] = work(item)
        except LocalStateError:
            stop.set()
            raise

    with cf.ThreadPoolExecutor(concurrency, thread_name_prefix=name) as pool:
        futures = [pool.submit(one, i, item) for i, item in enumerate(items)]
        for future in futures:
            future.result()
    return [done[i] for i in sorted(done)]
