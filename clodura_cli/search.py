"""Search People across pages: plan the requests, fetch them concurrently, stream the records."""

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from clodura_cli.api import spec
from clodura_cli.api.endpoints import DEFAULT_PER_PAGE, PEOPLE, Endpoint
from clodura_cli.api.errors import CloduraError, UsageError
from clodura_cli.api.paging import (
    LimitPlan,
    PageRequest,
    fetch_in_order,
    fetch_one_by_one,
    pages_from,
    plan_limit,
)

if TYPE_CHECKING:
    from clodura_cli.api.client import CloduraClient
    from clodura_cli.store.page_cache import PageCache


#: Hears of each page as it arrives: the page and how many records it held.
PageCallback = Callable[[PageRequest, int], None]


class SearchPlan(NamedTuple):
    """Which pages one search asks for, and the filters every page carries."""

    filters: dict[str, Any]
    first: PageRequest
    #: "page" (one page), "limit" (exactly the planned pages) or "all" (until the set ends).
    mode: str
    limit_plan: LimitPlan | None = None
    endpoint: Endpoint = PEOPLE

    def pages(self) -> list[PageRequest] | Iterator[PageRequest]:
        """The page requests, in order."""
        if self.limit_plan is not None:
            return list(self.limit_plan.pages)
        if self.mode == "all":
            return pages_from(self.first, self.endpoint.max_page)
        return [self.first]

    def request_body(self, page: PageRequest) -> dict[str, Any]:
        """The body sent for one page."""
        return {**self.filters, "page": page.page, "perPage": page.per_page}


def plan_search(
    filters: dict[str, Any],
    *,
    page: int = 1,
    per_page: int | None = None,
    limit: int | None = None,
    fetch_all: bool = False,
    endpoint: Endpoint = PEOPLE,
) -> SearchPlan:
    """Decide the pages of a search: one page, a --limit, or --all. ``filters`` hold no
    paging: ``page`` and ``per_page`` say where it starts."""
    if limit is not None and fetch_all:
        raise UsageError("--limit and --all: give one of them (--limit N stops after N records)")
    if limit is not None and limit < 1:
        raise UsageError(f"--limit: {limit} is not a positive number of records")
    if fetch_all:
        first = PageRequest(page, per_page or spec.MAX_PER_PAGE)
        return SearchPlan(filters, first, "all", endpoint=endpoint)
    first = PageRequest(page, per_page or DEFAULT_PER_PAGE)
    if limit is None:
        return SearchPlan(filters, first, "page", endpoint=endpoint)
    limit_plan = plan_limit(first.offset, limit, endpoint.max_page)
    if not limit_plan.pages:
        raise UsageError(
            f"--limit: {limit} records from record {first.offset + 1} cannot be fetched without "
            "paying for records past the limit (page and perPage stop at 100); "
            "raise --limit or start at an earlier --page"
        )
    return SearchPlan(filters, first, "limit", limit_plan, endpoint)


class SearchRun:
    """What a search fetched; filled in while its records are consumed."""

    __slots__ = ("pages_fetched", "records", "truncated")

    def __init__(self) -> None:
        self.pages_fetched = 0
        self.records = 0
        #: True when --all stopped at the API's last page with the result set not yet exhausted.
        self.truncated = False


def iterate_records(
    client: "CloduraClient",
    plan: SearchPlan,
    *,
    concurrency: int = 4,
    run: SearchRun | None = None,
    on_page: PageCallback | None = None,
    cache: "PageCache | None" = None,
) -> Iterator[dict[str, Any]]:
    """Every record of the plan, in order, as its page arrives (from the ``cache`` when it has
    the page: paid for already)."""
    run = run if run is not None else SearchRun()

    def fetch(page: PageRequest) -> list[dict[str, Any]]:
        try:
            # A page longer than asked for is cut: never more records than were paid for.
            body = plan.request_body(page)
            kept = None if cache is None else cache.get(plan.endpoint.path, body)
            if kept is not None:
                return kept[: page.per_page]
            records = client.search(plan.endpoint, body)[: page.per_page]
            if cache is not None:
                cache.put(plan.endpoint.path, body, records, client.not_emulated)
            return records
        except CloduraError as exc:
            if plan.mode != "page":
                exc.context = (
                    f"page {page.page} (records {page.offset + 1}-{page.offset + page.per_page})"
                )
            raise

    last: tuple[PageRequest, int] | None = None
    pages = plan.pages()
    # One page has nothing to overlap with: it is fetched here, without a pool of threads.
    one_page = isinstance(pages, list) and len(pages) == 1
    fetched = (
        fetch_one_by_one(fetch, pages)
        if concurrency <= 1 or one_page
        else fetch_in_order(fetch, pages, concurrency)
    )
    try:
        for page, records in fetched:
            run.pages_fetched += 1
            run.records += len(records)
            last = (page, len(records))
            if on_page is not None:
                on_page(page, len(records))
            yield from records
    finally:
        fetched.close()  # now, not when collected: pages in flight end before the client does
    if plan.mode == "all" and last is not None:
        page, count = last
        run.truncated = page.page == plan.endpoint.max_page and count == page.per_page
