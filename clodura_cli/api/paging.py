"""Which pages to ask for, and fetching them concurrently while keeping their order.

The API charges per record served, so a ``--limit`` run must never ask for a record past the
limit. A request (page p, perPage s) serves records [(p-1)s, ps); the plan tiles the wanted
range with such blocks, using as few requests as possible.
"""

import collections
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from clodura_cli.api import spec
from clodura_cli.base import stopping

if TYPE_CHECKING:
    from concurrent.futures import Future


class PageRequest(NamedTuple):
    """One request: page number and page size as the API takes them."""

    page: int
    per_page: int

    @property
    def offset(self) -> int:
        """Index of the first record this request serves."""
        return (self.page - 1) * self.per_page


class LimitPlan(NamedTuple):
    """The pages that cover a limit, and what of it cannot be had."""

    pages: tuple[PageRequest, ...]
    #: Records of the limit left out because no request ending exactly at the limit exists
    #: (asking for them would mean paying for records past the limit).
    shortfall: int
    #: Records of the limit that lie past the API's 10,000-record window.
    beyond_window: int

    @property
    def records(self) -> int:
        """How many records the plan asks for."""
        return sum(page.per_page for page in self.pages)


def plan_limit(start: int, limit: int, max_page: int = spec.MAX_PAGE) -> LimitPlan:
    """Cover records [start, start+limit) with the fewest requests, never asking past the limit.

    When no set of requests ends exactly at the limit (page and perPage both stop at 100, so
    e.g. 101 records from the first cannot be had exactly), the plan stops at the furthest
    record it can reach without passing the limit.
    """
    target = min(start + limit, max_page * spec.MAX_PER_PAGE)
    beyond = start + limit - target
    full = spec.MAX_PER_PAGE
    if start % full == 0 and (target - start) % full == 0:
        # Whole pages of the largest size: no plan can use fewer requests.
        whole = tuple(
            PageRequest(offset // full + 1, full) for offset in range(start, target, full)
        )
        return LimitPlan(whole, 0, beyond)
    # Breadth-first over record offsets: the first time an offset is reached is by fewest
    # requests. Offsets and sizes are plain ints, and the sizes a request may start at an
    # offset with (those that divide it) are listed once for every offset, largest first,
    # rather than tried one by one at each: a long plan took 10-25 ms, now 1-3.
    if target <= start:  # nothing left before the API's window ends
        return LimitPlan((), target - start, beyond)
    sizes_at = _dividing_sizes(start, target)
    size_to: dict[int, int] = {}  # offset reached -> size of the request that reached it
    frontier = [start]
    seen = {start}
    while frontier and target not in seen:
        following = []
        for offset in frontier:
            smallest = max(1, -(-offset // (max_page - 1)))  # its page is at most max_page
            room = target - offset
            for size in sizes_at[offset - start]:
                if size < smallest:
                    break
                end = offset + size
                if size <= room and end not in seen:
                    seen.add(end)
                    size_to[end] = size
                    following.append(end)
        frontier = following
    end = max(seen)
    pages: list[PageRequest] = []
    cursor = end
    while cursor != start:
        size = size_to[cursor]
        cursor -= size
        pages.append(PageRequest(cursor // size + 1, size))
    pages.reverse()
    return LimitPlan(tuple(pages), target - end, beyond)


def _dividing_sizes(start: int, target: int) -> list[list[int]]:
    """For each offset from ``start`` up to ``target``: the page sizes that divide it (a
    request of that size can start there), largest first."""
    sizes: list[list[int]] = [[] for _ in range(target - start)]
    for size in range(spec.MAX_PER_PAGE, 0, -1):
        for offset in range(-(-start // size) * size, target, size):
            sizes[offset - start].append(size)
    return sizes


def pages_from(first: PageRequest, max_page: int = spec.MAX_PAGE) -> Iterator[PageRequest]:
    """Consecutive pages of one size, from ``first`` to the API's last page."""
    for page in range(first.page, max_page + 1):
        yield PageRequest(page, first.per_page)


Fetch = Callable[[PageRequest], list[dict[str, Any]]]
#: Pages with their records, in order; closing it ends the fetching (see fetch_in_order).
Pages = Generator[tuple["PageRequest", list[dict[str, Any]]], None, None]


#: After Ctrl-C, how long pages in flight are given to arrive (they may have been charged).
INTERRUPT_GRACE = 10.0


def fetch_one_by_one(fetch: Fetch, pages: Iterable[PageRequest]) -> Pages:
    """Fetch pages strictly one after another: the next is asked for only once the reader wants
    it, so a reader that stops early never pays for a page it did not use."""
    for request in pages:
        records = _beside(fetch, request)
        yield request, records
        if len(records) < request.per_page:
            return


def _beside(fetch: Fetch, request: PageRequest) -> list[dict[str, Any]]:
    """One page, fetched in a thread of its own while this one waits: Ctrl-C (raised in the main
    thread) then gives the request in flight INTERRUPT_GRACE to end, as fetch_in_order does, so
    that a page that may have been charged reaches whoever keeps it (a second Ctrl-C stops the
    wait). A plain thread, not a pool: one page needs no concurrent.futures (nor the logging it
    imports) at start."""
    import threading

    outcome: list[Any] = []
    done = threading.Event()  # not Thread.join: a join Ctrl-C interrupted marks the thread ended

    def run() -> None:
        try:
            outcome.append(fetch(request))
        except BaseException as exc:  # handed to the waiting thread, which raises it
            outcome.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=run, name="page", daemon=True)
    try:
        worker.start()
        done.wait()
    except BaseException:
        # Ctrl-C or SIGTERM, whose handlers raise in this thread. A page not yet under way is
        # never sent: the client starts no request once the run is stopping.
        if stopping.is_stopping() and worker.is_alive():
            done.wait(INTERRUPT_GRACE)
        raise
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]  # type: ignore[no-any-return]


def fetch_in_order(
    fetch: Fetch,
    pages: Iterable[PageRequest],
    concurrency: int,
) -> Pages:
    """Fetch pages ``concurrency`` at a time and yield them in order, stopping after a short page.

    A slow page does not hold the others back: finished pages wait in order (at most twice
    ``concurrency`` of them) while new requests keep going out. A page's error is raised when
    its turn comes, after every earlier page was yielded.
    """
    import concurrent.futures as cf

    width = max(1, concurrency)
    queue = iter(pages)
    exhausted = False
    pool = cf.ThreadPoolExecutor(max_workers=width, thread_name_prefix="page")
    pending: collections.deque[tuple[PageRequest, Future[list[dict[str, Any]]]]]
    pending = collections.deque()
    finished = False

    def refill() -> None:
        nonlocal exhausted
        while not exhausted and len(pending) < 2 * width:
            if sum(1 for _, future in pending if not future.done()) >= width:
                return
            request = next(queue, None)
            if request is None:
                exhausted = True
                return
            pending.append((request, pool.submit(fetch, request)))

    try:
        refill()
        while pending:
            request, future = pending[0]
            if not future.done():
                # Wait for a request still in flight to end (pages already done would make
                # the wait return at once, a busy loop), then put new ones in flight.
                running = [f for _, f in pending if not f.done()]
                cf.wait(running, return_when=cf.FIRST_COMPLETED)
                refill()
                continue
            pending.popleft()
            records = future.result()
            yield request, records
            if len(records) < request.per_page:
                break
            refill()
        finished = True
    finally:
        for _, future in pending:
            future.cancel()
        if not finished:
            # Ctrl-C, a page's error, or a reader gone: pages already asked for may have been
            # charged; give their answers a few seconds to arrive, so that whoever keeps them
            # (the page cache) can, before the client closes under them (a second Ctrl-C
            # stops the wait). No page starts after this.
            cf.wait([f for _, f in pending if f.running()], timeout=INTERRUPT_GRACE)
        # After a normal end, let requests already under way finish before the pool goes away;
        # after an error or Ctrl-C, do not wait for them.
        pool.shutdown(wait=finished, cancel_futures=True)
