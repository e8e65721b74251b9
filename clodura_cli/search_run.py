"""Searching people or organisations, as one use case: filters merged from presets and flags,
pages planned, `--new-only` memory read and kept, records fetched in order.

The command line parses flags, shows progress and messages and renders; what is asked for,
in which order, and who counts as new is decided here.
"""

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from clodura_cli.api import spec
from clodura_cli.api.endpoints import PEOPLE, Endpoint
from clodura_cli.api.errors import CreditGuardError, UsageError
from clodura_cli.api.filters import SearchRequest, build_search_body
from clodura_cli.api.paging import LimitPlan, PageRequest
from clodura_cli.base.digest import sha256_hex
from clodura_cli.output import OutputOptions
from clodura_cli.search import PageCallback, SearchPlan, SearchRun, iterate_records, plan_search

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from clodura_cli.api.client import CloduraClient
    from clodura_cli.store.ledger import EmittedPeople, SeenLookup
    from clodura_cli.store.page_cache import PageCache
    from clodura_cli.suppress import Suppression


class SearchOptions(NamedTuple):
    """What a search is asked to do, besides its filters."""

    limit: int | None = None
    all_pages: bool = False
    concurrency: int | None = None
    out: OutputOptions = OutputOptions()
    dry_run: bool = False
    presets: Sequence[str] = ()
    filter_files: Sequence[str] = ()
    new_only: bool = False
    rate: float | None = None
    #: --forget: "query" (this query) or "all" (every query of the profile); None to search.
    forget: str | None = None
    endpoint: Endpoint = PEOPLE
    #: --suppress: people and companies dropped before output.
    suppress: "Suppression | None" = None
    #: `--org-id -`: organisation ids read from stdin, one search each.
    org_ids: list[str] | None = None
    #: --refresh: ask the API again for pages the page cache holds.
    refresh: bool = False
    #: --memory NAME: what --new-only remembers people under (default: the preset's name).
    memory: str | None = None
    #: --max-credits: the most records the run may fetch (search records cost a credit each).
    max_credits: float | None = None


def merged_filters(flags: dict[str, Any], opts: SearchOptions) -> tuple[dict[str, Any], str]:
    """Presets in order, then --filters files, then the flags; and a name for the query."""
    if not opts.presets and not opts.filter_files:
        return flags, ""
    from clodura_cli.store import presets

    kind = opts.endpoint.name
    layers = [presets.load(name, kind=kind).fields for name in opts.presets]
    layers += [presets.load(path, is_path=True, kind=kind).fields for path in opts.filter_files]
    sources = [f"preset:{n}" for n in opts.presets] + [f"file:{p}" for p in opts.filter_files]
    return presets.merge([*layers, flags]), ",".join(sources)


def query_key(request: SearchRequest, sources: str, memory: str | None = None) -> str:
    """What `--new-only` remembers people under: the name given with --memory, else the
    presets (and filter files) used, by name, so that editing a preset keeps its memory; else
    a hash of the filters themselves (relative dates unresolved, so that a cron job's query
    keeps its name day after day; repeated values in any order)."""
    if memory is not None:
        return f"memory:{memory}"
    if sources:
        return sources
    return _query_digest(request.canonical())


def _query_digest(filters: dict[str, Any]) -> str:
    return f"query|{sha256_hex(json.dumps(filters, sort_keys=True).encode())[:16]}"


#: How many orders of a query's repeated values are looked for under earlier versions' names.
_MOST_ORDERS = 120


def former_query_keys(request: SearchRequest, key: str) -> list[str]:
    """The names earlier versions may have remembered this query by: the hash of the filters
    with repeated values in the order they were typed then, which made `--seniority Founder
    --seniority CEO` another query than `--seniority CEO --seniority Founder`. Every order
    (up to _MOST_ORDERS of them); none for a preset's or a --memory name."""
    import itertools

    if not key.startswith("query|"):
        return []
    lists = {name: v for name, v in request.filters.items() if isinstance(v, list) and len(v) > 1}
    orders = itertools.product(*(itertools.permutations(v) for v in lists.values()))
    found = []
    for chosen in itertools.islice(orders, _MOST_ORDERS):
        digest = _query_digest(
            {**request.filters, **dict(zip(lists, map(list, chosen), strict=True))}
        )
        if digest != key:
            found.append(digest)
    return found


class NewOnly:
    """--new-only over a stream of records: who was seen, who is new, how many were skipped."""

    def __init__(
        self,
        seen: "SeenLookup | set[str]",
        id_field: str,
        wanted: int | None = None,
        *,
        drop: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        self.seen = seen
        self.id_field = id_field
        #: --limit N with --new-only: stop after N new people.
        self.wanted = wanted
        self.fresh: list[str] = []
        self.skipped = 0
        #: --suppress: records dropped before output (they were fetched: search records cost).
        self.drop = drop
        self.suppressed = 0

    def filter(self, records: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Only the records not seen before (up to ``wanted``); stops the fetching after."""
        try:
            for record in records:
                if self.drop is not None and self.drop(record):
                    self.suppressed += 1
                    continue
                record_id = str(record.get(self.id_field) or "")
                if record_id and record_id in self.seen:
                    self.skipped += 1
                    continue
                if record_id:
                    self.seen.add(record_id)
                    self.fresh.append(record_id)
                yield record
                if self.wanted is not None and len(self.fresh) >= self.wanted:
                    return
        finally:
            close = getattr(records, "close", None)
            if close is not None:
                close()  # stop fetching: no page is asked for after the last one needed


class Search:
    """One search: its request, its plans, its memory, and what it fetched.

    Built before anything is sent: the filters are checked, the plans made and the ledger (for
    --new-only) opened and read, so that a mistake or a busy ledger costs nothing.
    """

    def __init__(
        self,
        flags: dict[str, Any],
        opts: SearchOptions,
        *,
        profile: str,
        per_page: int,
        concurrency: int,
        ledger_file: Path,
    ) -> None:
        self.opts = opts
        self.endpoint = opts.endpoint
        self.ledger_file = ledger_file
        values, sources = merged_filters(flags, opts)
        self.request = build_search_body(values, fields=self.endpoint.fields)
        self.warnings = list(self.request.warnings)
        self.notices = list(self.request.notices)
        self.memory: EmittedPeople | None = None
        #: What --new-only remembers people under (memory:NAME, preset:NAME or query|hash).
        self.memory_key = ""
        if opts.new_only or opts.forget is not None:
            from clodura_cli.store.ledger import Ledger

            ledger = Ledger(ledger_file)
            self.memory_key = query_key(self.request, sources, opts.memory)
            self.memory = ledger.emitted_people(profile, self.memory_key)
            if not opts.dry_run:  # a dry run writes nothing, the memory's move included
                for former in former_query_keys(self.request, self.memory_key):
                    self.memory.adopt(former)
        #: --new-only (or --suppress) --limit N: the next N people not seen before (nor
        #: suppressed), a page at a time, so that no page is paid for past the one that
        #: completes them.
        self.next_new = (opts.new_only or opts.suppress is not None) and opts.limit is not None
        self.concurrency = 1 if self.next_new else concurrency
        #: --max-credits as records (a credit each); an open-ended run (--all, or the next N
        #: new people) stops there, any other is refused when it plans more.
        self.cap = None if opts.max_credits is None else int(opts.max_credits)
        if self.cap is not None and self.cap < 1:
            raise CreditGuardError(
                f"--max-credits {opts.max_credits:g}: a search fetches at least one record (a "
                "credit each); nothing sent"
            )
        self.plans = self._plans(per_page) if opts.forget is None else []
        #: True when the run stopped at --max-credits.
        self.capped = False
        #: `--org-id -` under --max-credits: the organisations not searched once it was reached,
        #: and the one whose search it cut short.
        self.unsearched: list[Any] = []
        self.cut_short: list[Any] = []
        #: Filters the sandbox said it does not apply (the client's, and the reused pages').
        self.not_emulated: set[str] = set()
        if self.cap is not None and not self.open_ended and opts.forget is None:
            worst = self.worst_case()
            if worst > self.cap:
                raise CreditGuardError(
                    f"--max-credits {opts.max_credits:g}: this search may fetch up to {worst} "
                    "records, a credit each; nothing sent (lower --limit or raise --max-credits)"
                )
        self.run = SearchRun()
        self.new_only: NewOnly | None = None

    @property
    def open_ended(self) -> bool:
        """True when how many records the run fetches is not known beforehand."""
        return self.opts.all_pages or self.next_new

    def worst_case(self) -> int:
        """The most records (a credit each) the run may fetch."""
        return sum(self._plan_worst(plan) for plan in self.plans)

    def _plan_worst(self, plan: SearchPlan) -> int:
        pages = plan.pages()
        if isinstance(pages, list):
            return sum(page.per_page for page in pages)
        window = max(0, plan.endpoint.max_page - plan.first.page + 1) * plan.first.per_page
        return window if self.cap is None else min(window, self.cap)

    def _plans(self, per_page_setting: int) -> list[SearchPlan]:
        """The pages to fetch: one plan, or with `--org-id -` one per organisation id."""
        opts, request = self.opts, self.request
        per_page = request.paging.per_page
        if per_page is None and not opts.all_pages:
            per_page = min(spec.MAX_PER_PAGE, opts.limit or 0) if self.next_new else None
            per_page = per_page or per_page_setting
            if self.next_new and self.memory is not None:
                per_page = self._deep_enough(per_page)
        if self.next_new and self.cap is not None:
            per_page = min(per_page or spec.MAX_PER_PAGE, self.cap)
        # --all under --max-credits: the whole pages that fit the cap, fetched at once (whole
        # pages, so that a rerun with a higher cap reuses them from the page cache).
        capped_all = opts.all_pages and self.cap is not None and not self.next_new
        limit = self._whole(self.cap) if capped_all else (None if self.next_new else opts.limit)
        filters = request.body
        searches = [filters] if opts.org_ids is None else [
            {**filters, "organizationId": org_id} for org_id in opts.org_ids
        ]  # fmt: skip
        page = request.paging.page or 1
        plans = [
            self._whole_pages_plan(each, page, self.cap or 0) if capped_all else plan_search(
                each, page=page, per_page=per_page, limit=limit,
                fetch_all=(opts.all_pages or self.next_new), endpoint=opts.endpoint,
            )
            for each in searches
        ]  # fmt: skip
        if not self.next_new:
            self.warnings += plan_warnings(plans[0], limit)
        return plans

    def _deep_enough(self, per_page: int) -> int:
        """Pages large enough to reach past the people seen before: the API serves pages 1 to
        100 (500 for organisations), so pages of N reach record 100 x N at most. A nightly
        `--new-only --limit 10` stopped finding anyone once it had seen 1,000 people (and paid
        for all 1,000 each night). Counting the memory stops at the window (10,000)."""
        assert self.memory is not None and self.opts.limit is not None
        endpoint = self.opts.endpoint
        seen = self.memory.count(most=endpoint.window)
        needed = -(-(seen + self.opts.limit) // endpoint.max_page)  # rounded up
        return min(spec.MAX_PER_PAGE, max(per_page, needed))

    def forget(self, *, dry_run: bool = False) -> int:
        """--forget / --forget-all: clear what --new-only remembers; returns how many people."""
        if self.opts.forget != "all" and not self.opts.new_only:
            raise UsageError(
                "--forget goes with --new-only and the query's filters or preset: it clears what "
                "--new-only remembers for that query (--forget-all: for every query)"
            )
        assert self.memory is not None
        return self.memory.forget(every_query=self.opts.forget == "all", dry_run=dry_run)

    @property
    def total_pages(self) -> int | None:
        """How many pages the run asks for, when that is known beforehand."""
        if self.next_new or len(self.plans) != 1:
            return None
        pages = self.plans[0].pages()
        return len(pages) if isinstance(pages, list) else None

    @property
    def many_pages(self) -> bool:
        """True when the run may ask for more than one page (worth a progress bar)."""
        return self.plans[0].mode != "page" or len(self.plans) > 1

    @property
    def keeps_an_unchanged_file(self) -> bool:
        """--new-only that finds nobody leaves an existing output file as it was."""
        return self.memory is not None and not self.opts.out.append

    def records(
        self,
        client: "CloduraClient",
        on_page: PageCallback | None = None,
        cache: "PageCache | None" = None,
    ) -> Iterator[dict[str, Any]]:
        """Every record to write, in order, fetched as they are consumed (--new-only: only the
        people not seen before)."""

        def fetched() -> Iterator[dict[str, Any]]:
            several = len(self.plans) > 1
            for index, planned in enumerate(self.plans):
                plan = planned
                left = None if self.cap is None else self.cap - self.run.records
                if left is not None and self.open_ended:
                    if left < 1:
                        self.capped = True
                        self.unsearched = [p.filters.get("organizationId") for p in
                                           self.plans[index:]]  # fmt: skip
                        return
                    if self.next_new and left < plan.first.per_page:  # no page past the cap
                        plan = plan._replace(first=PageRequest(plan.first.page, left))
                    elif not self.next_new and self._plan_worst(plan) > left:
                        plan = self._whole_pages_plan(plan.filters, plan.first.page, left)
                pages = plan.pages() if self.cap is not None and several else None
                most = sum(p.per_page for p in pages) if isinstance(pages, list) else None
                before, was_capped = self.run.records, self.capped
                records = iterate_records(client, plan, concurrency=self.concurrency,
                                          run=self.run, on_page=on_page, cache=cache)  # fmt: skip
                if left is not None and self.next_new:
                    records = self._capped(records, plan.first.per_page, left)
                yield from records
                full = most is not None and self.run.records - before >= most
                if several and (full or (self.capped and not was_capped)):
                    self.capped = True  # this organisation may have had more
                    self.cut_short.append(plan.filters.get("organizationId"))
            if self.cap is not None and self.opts.all_pages and not self.next_new:
                whole = self._whole(self.cap) or 0
                self.capped = self.capped or (not several and self.run.records >= whole)

        if self.memory is None and self.opts.suppress is None:
            return fetched()
        seen: SeenLookup | set[str] = self.memory.lookup() if self.memory is not None else set()
        wanted = self.opts.limit if self.next_new else None
        drop = self.opts.suppress.matches if self.opts.suppress is not None else None
        self.new_only = NewOnly(seen, self.endpoint.id_field, wanted, drop=drop)
        return self.new_only.filter(fetched())

    @property
    def page_size(self) -> int:
        """The size of the whole pages --all under --max-credits asks for: --per-page, or 100."""
        return self.request.paging.per_page or spec.MAX_PER_PAGE

    @property
    def pages_of(self) -> int:
        """How many records the run's pages hold (the first plan's), for messages."""
        return self.plans[0].first.per_page if self.plans else self.page_size

    def _whole(self, records: int | None) -> int | None:
        return _whole_pages(records, self.page_size)

    def _whole_pages_plan(self, filters: dict[str, Any], page: int, records: int) -> SearchPlan:
        """--all under --max-credits: the first pages of ``page_size`` that fit ``records``,
        the very pages an uncapped --all asks for, so that a rerun with a higher cap reuses
        every one of them from the page cache (none overlaps a page bought before); a cap under
        a page, the records it allows from where the page starts."""
        endpoint, size = self.opts.endpoint, self.page_size
        if records < size:
            return plan_search(filters, page=page, per_page=size, limit=records,
                               endpoint=endpoint)  # fmt: skip
        count = min(records // size, max(0, endpoint.max_page - page + 1))
        pages = tuple(PageRequest(page + k, size) for k in range(count))
        return SearchPlan(filters, PageRequest(page, size), "limit", LimitPlan(pages, 0, 0),
                          endpoint)  # fmt: skip

    def _capped(
        self, records: Iterator[dict[str, Any]], per_page: int, left: int
    ) -> Iterator[dict[str, Any]]:
        """Records until the next page would take the run past the ``left`` records
        --max-credits allows (pages come one at a time here: the page after the last record
        read is never asked for)."""
        count = 0
        try:
            for record in records:
                yield record
                count += 1
                if count % per_page == 0 and count + per_page > left:
                    self.capped = True
                    return
        finally:
            close = getattr(records, "close", None)
            if close is not None:
                close()

    def memory_lock(self) -> Path | None:
        """The lock a --new-only run holds from its first page to remembering who it printed:
        two runs of one memory at once printed the same people (each read the memory before
        the other had written it). None without a memory."""
        if self.memory is None:
            return None
        return memory_lock_file(self.ledger_file, self.memory.profile, self.memory_key)

    def write_through(
        self,
        client: "AbstractContextManager[CloduraClient]",
        write: Callable[["CloduraClient"], int | None],
        on_wait: Callable[[], None] | None = None,
    ) -> int | None:
        """The run: with ``client`` opened (lazily: a search answered from the page cache
        opens no connection) and, for --new-only, the memory's lock held from the first page
        to remembering (two runs of one memory at once printed the same people), ``write``
        fetches and writes the records; who was written is remembered once it returns, never
        after a failure. Returns what ``write`` returned (how many records were written)."""
        import contextlib

        from clodura_cli.store.files import held

        lock = self.memory_lock()
        with (
            contextlib.nullcontext() if lock is None else held(lock, on_wait),
            client as opened,
        ):
            try:
                count = write(opened)
            finally:
                self.not_emulated |= opened.not_emulated
            self.remember()
        return count

    def remember(self) -> None:
        """--new-only: the people written are remembered, once the output is complete."""
        if self.memory is not None and self.new_only is not None:
            self.memory.record(self.new_only.fresh)

    def preview(self, base_url: str) -> Any:
        """What a dry run prints: the first request, with the planned pages of a multi-page run
        (one such object per search when several organisation ids are searched)."""
        previews = []
        for plan in self.plans:
            pages = plan.pages()
            first = pages[0] if isinstance(pages, list) and pages else plan.first
            shown: dict[str, Any] = {
                "method": "POST",
                "url": base_url + plan.endpoint.path,
                "body": plan.request_body(first),
            }
            shown["worstCaseCredits"] = self._plan_worst(plan)
            if plan.mode != "page":
                shown["pages"] = (
                    [{"page": p.page, "perPage": p.per_page} for p in pages]
                    if isinstance(pages, list)
                    else f"pages {plan.first.page}-{plan.endpoint.max_page} of "
                    f"{plan.first.per_page}, until a page comes back short"
                )
            previews.append(shown)
        return previews[0] if len(previews) == 1 else previews


def memory_lock_file(ledger_file: Path, profile: str, memory_key: str) -> Path:
    """The lock file of one --new-only memory (a profile's query or --memory name)."""
    name = sha256_hex(f"{profile}\0{memory_key}".encode())[:24]
    return ledger_file.parent / "locks" / f"new-only-{name}.lock"


def _whole_pages(records: int | None, size: int = spec.MAX_PER_PAGE) -> int | None:
    """A cap of records rounded down to whole pages of ``size`` (100 unless --per-page says
    otherwise: what --all asks for), or the cap itself when it is less than a page."""
    if records is None or records < size:
        return records
    return records - records % size


def plan_warnings(plan: SearchPlan, limit: int | None) -> list[str]:
    """What of a --limit cannot be fetched, said before fetching."""
    limit_plan = plan.limit_plan
    if limit_plan is None or limit is None:
        return []
    warnings = []
    if limit_plan.beyond_window:
        warnings.append(
            f"--limit {limit}: the API serves no record past number {plan.endpoint.window:,}; "
            f"fetching up to {limit - limit_plan.beyond_window}"
        )
    if limit_plan.shortfall:
        warnings.append(
            f"--limit {limit}: the API's pages (page and perPage at most 100) cannot end exactly "
            f"there without charging for records past the limit; fetching "
            f"{limit_plan.records} records instead"
        )
    return warnings


def page_cache_for(
    path: Path, account: str | None, ttl: float, *, refresh: bool, warn: Callable[[str], None]
) -> tuple["PageCache | None", bool]:
    """The pages this account paid for within ``ttl`` seconds (the search-cache-ttl setting),
    and whether the pages kept before were deleted: a ttl of 0 turns the cache off and deletes
    what it kept. None without an account to tell the pages by (no key)."""
    if ttl <= 0:
        from clodura_cli.store.files import remove_database

        return None, remove_database(path)
    if account is None:
        return None, False
    from clodura_cli.store.page_cache import PageCache

    return PageCache(path, account, ttl, refresh=refresh, warn=warn), False
