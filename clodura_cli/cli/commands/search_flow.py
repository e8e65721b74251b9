"""What `clodura search` does: merge presets and flags, plan pages, fetch, write, remember."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clodura_cli.api import spec
from clodura_cli.api.endpoints import PEOPLE, Endpoint
from clodura_cli.api.errors import UsageError
from clodura_cli.api.filters import SearchRequest, build_search_body
from clodura_cli.cli import report, terminal
from clodura_cli.cli.session import ApiOptions
from clodura_cli.output import chosen_columns, existing_csv_header
from clodura_cli.search import SearchPlan, SearchRun, plan_search
from clodura_cli.store import config


@dataclass
class SearchOptions:
    """The search command's options other than the filters."""

    limit: int | None = None
    all_pages: bool = False
    concurrency: int | None = None
    fmt: str | None = None
    output: str | None = None
    fields: str | None = None
    dry_run: bool = False
    presets: list[str] = field(default_factory=list)
    filter_files: list[str] = field(default_factory=list)
    new_only: bool = False
    rate: float | None = None
    raw_csv: bool = False
    append: bool = False
    #: --forget: "query" (this query) or "all" (every query of the profile); None to search.
    forget: str | None = None
    wide: bool = False
    endpoint: Endpoint = PEOPLE
    #: `--org-id -`: organisation ids read from stdin, one search each.
    org_ids: list[str] | None = None


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


def query_key(request: SearchRequest, sources: str) -> str:
    """What `--new-only` remembers people under: the presets used, or the filters themselves.

    Relative dates stay unresolved here, so a cron job's query keeps its name day after day.
    """
    import hashlib

    digest = hashlib.sha256(json.dumps(request.filters, sort_keys=True).encode()).hexdigest()[:16]
    return f"{sources}|{digest}" if sources else f"query|{digest}"


def run_search(flags: dict[str, Any], opts: SearchOptions, api: ApiOptions) -> None:
    """The whole search command (people, or organisations with ``opts.endpoint``)."""
    endpoint = opts.endpoint
    values, sources = merged_filters(flags, opts)
    request = build_search_body(values, fields=endpoint.fields)
    for warning in request.warnings:
        report.warn(warning)
    chosen = api.output_format(opts.fmt, opts.output)
    _check_append(opts, chosen)
    # The ledger is opened and read before anything is paid for: busy or broken, nothing is sent.
    remembered = opts.new_only or opts.forget is not None
    emitted = _emitted_people(api, query_key(request, sources)) if remembered else None
    if opts.forget:
        _forget(emitted, opts)
        return
    seen = emitted.seen() if emitted is not None else set()
    # --new-only --limit N: the next N people not seen before, a page at a time, so that no
    # page is paid for past the one that completes them.
    next_new = opts.new_only and opts.limit is not None
    plans = _plans(request, opts, api, next_new)
    columns = chosen_columns(opts.fields, endpoint.record_fields, report.warn)
    if columns is None and chosen == "csv" and endpoint is not PEOPLE:
        columns = list(endpoint.record_fields)
    concurrency = 1 if next_new else int(api.setting("concurrency", opts.concurrency))
    if opts.dry_run:
        print_dry_run(plans, api)
        return
    from clodura_cli.cli.session import open_client
    from clodura_cli.search import iterate_records

    if not next_new:
        warn_about_plan(plans[0], opts.limit)
    run = SearchRun()
    memory = _NewOnly(seen, endpoint.id_field, opts.limit if next_new else None)

    def fetched(client: Any, on_page: Any) -> Iterator[dict[str, Any]]:
        for plan in plans:
            yield from iterate_records(
                client, plan, concurrency=concurrency, run=run, on_page=on_page
            )

    with open_client(api, concurrency=concurrency, rate=opts.rate) as client:
        count = _write(
            opts,
            chosen,
            columns,
            lambda on_page: (
                memory.filter(fetched(client, on_page))
                if emitted is not None
                else fetched(client, on_page)
            ),
            _total_pages(plans[0]) if not next_new and len(plans) == 1 else None,
            plans[0].mode != "page" or len(plans) > 1,
            keep_old=emitted is not None and not opts.append,
        )
    if emitted is not None:
        emitted.record(memory.fresh)
    _report(opts, count, run, memory if emitted is not None else None)


def _plans(
    request: SearchRequest, opts: SearchOptions, api: ApiOptions, next_new: bool
) -> list[SearchPlan]:
    """The pages to fetch: one plan, or with `--org-id -` one per organisation id."""
    per_page = request.paging.per_page
    if per_page is None and not opts.all_pages:
        per_page = min(spec.MAX_PER_PAGE, opts.limit or 0) if next_new else None
        per_page = per_page or int(api.setting("per-page"))
    filters = request.body
    searches = [filters] if opts.org_ids is None else [
        {**filters, "organizationId": org_id} for org_id in opts.org_ids
    ]  # fmt: skip
    return [
        plan_search(
            each,
            page=request.paging.page or 1,
            per_page=per_page,
            limit=None if next_new else opts.limit,
            fetch_all=opts.all_pages or next_new,
            endpoint=opts.endpoint,
        )
        for each in searches
    ]


def _report(
    opts: SearchOptions, count: int | None, run: SearchRun, memory: _NewOnly | None
) -> None:
    """What the search did, on stderr: --new-only's tally, the count written, truncation."""
    if memory is not None:
        cost = " (already paid for: each record fetched may cost credits)" if memory.skipped else ""
        report.info(
            f"--new-only: {len(memory.fresh)} new of {run.records} found; {memory.skipped} seen "
            f"before skipped{cost}"
        )
    if count == 0:
        report.info("No results" if memory is None else "Nothing new")
    elif opts.output is not None and count is not None:
        verb = "appended" if opts.append else "wrote"
        report.info(f"{verb} {count} record{'s' if count != 1 else ''} to {opts.output}")
    if run.truncated:
        endpoint = opts.endpoint
        report.warn(
            f"stopped at page {endpoint.max_page}, the end of the API's {endpoint.window:,}-"
            "record window: results may be truncated; narrow the filters to see the rest"
        )


class _NothingNew(Exception):
    """--new-only found nobody new: the existing output file is kept as it was."""


def _write(
    opts: SearchOptions,
    chosen: str,
    columns: list[str] | None,
    records: Any,
    total_pages: int | None,
    show_progress: bool,
    *,
    keep_old: bool,
) -> int | None:
    """Fetch and write. A table is drawn once the progress bar is gone; a file that
    --new-only would only empty is left alone. Returns how many records were written."""
    from clodura_cli.cli.progress import page_progress
    from clodura_cli.cli.render import destination, render

    to_terminal = terminal.output_to_terminal(opts.output)
    csv_header = True
    if opts.append and chosen == "csv" and opts.output is not None:
        header = existing_csv_header(opts.output)
        if header:
            columns, csv_header = header, False
    keep = keep_old and opts.output is not None and Path(opts.output).is_file()

    def write(rows: Iterable[dict[str, Any]]) -> int:
        with destination(opts.output, chosen, append=opts.append) as stream:
            count = render(
                rows, chosen, columns, stream, to_terminal=to_terminal, raw_csv=opts.raw_csv,
                csv_header=csv_header, empty_header=opts.output is not None, wide=opts.wide,
                summary=opts.endpoint.name,
            )  # fmt: skip
            if keep and count == 0:
                raise _NothingNew
        return count

    try:
        with page_progress(total_pages, show_progress) as on_page:
            if chosen != "table":
                return write(records(on_page))
            rows = list(records(on_page))
        return write(rows)  # a table is drawn after the progress bar is cleared
    except _NothingNew:
        report.info(f"--new-only: nothing new; {opts.output} left as it was")
        return None


def _check_append(opts: SearchOptions, chosen: str) -> None:
    if not opts.append:
        return
    if opts.output is None:
        raise UsageError("--append: give the file to append to with -o FILE")
    if chosen not in ("csv", "jsonl"):
        raise UsageError(
            f"--append: {chosen} cannot be appended to; use CSV or JSON Lines (-f csv|jsonl)"
        )


def _forget(emitted: Any, opts: SearchOptions) -> None:
    every = opts.forget == "all"
    if not every and not opts.new_only:
        raise UsageError(
            "--forget goes with --new-only and the query's filters or preset: it clears what "
            "--new-only remembers for that query (--forget-all: for every query)"
        )
    forgotten = emitted.forget(every_query=every)
    what = "every query of this profile" if every else "this query"
    report.info(f"--new-only: forgot {forgotten} people seen for {what}")


def _emitted_people(api: ApiOptions, query: str) -> Any:
    from clodura_cli.store.ledger import Ledger

    return Ledger(config.ledger_file()).emitted_people(api.profile.name, query)


@dataclass
class _NewOnly:
    """--new-only over a stream of records: who was seen, who is new, how many were skipped."""

    seen: set[str]
    id_field: str
    #: --limit N with --new-only: stop after N new people.
    wanted: int | None = None
    fresh: list[str] = field(default_factory=list)
    skipped: int = 0

    def filter(self, records: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Only the records not seen before (up to ``wanted``); stops the fetching after."""
        try:
            for record in records:
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


def _total_pages(plan: SearchPlan) -> int | None:
    pages = plan.pages()
    return len(pages) if isinstance(pages, list) else None


def warn_about_plan(plan: SearchPlan, limit: int | None) -> None:
    """Say what of a --limit cannot be fetched, before fetching."""
    limit_plan = plan.limit_plan
    if limit_plan is None or limit is None:
        return
    if limit_plan.beyond_window:
        report.warn(
            f"--limit {limit}: the API serves no record past number {plan.endpoint.window:,}; "
            f"fetching up to {limit - limit_plan.beyond_window}"
        )
    if limit_plan.shortfall:
        report.warn(
            f"--limit {limit}: the API's pages (page and perPage at most 100) cannot end exactly "
            f"there without charging for records past the limit; fetching "
            f"{limit_plan.records} records instead"
        )


def print_dry_run(plans: list[SearchPlan], api: ApiOptions) -> None:
    """Print the first request as JSON, with the planned pages of a multi-page run (one such
    object per search when several organisation ids are searched, as a JSON array)."""
    previews = []
    for plan in plans:
        url = api.resolved_base_url() + plan.endpoint.path
        pages = plan.pages()
        first = pages[0] if isinstance(pages, list) and pages else plan.first
        preview: dict[str, Any] = {
            "method": "POST",
            "url": url,
            "body": plan.request_body(first),
        }
        if plan.mode != "page":
            preview["pages"] = (
                [{"page": p.page, "perPage": p.per_page} for p in pages]
                if isinstance(pages, list)
                else f"pages {plan.first.page}-{plan.endpoint.max_page} of {plan.first.per_page}, "
                "until a page comes back short"
            )
        previews.append(preview)
    shown: Any = previews[0] if len(previews) == 1 else previews
    sys.stdout.write(json.dumps(shown, indent=2, ensure_ascii=False) + "\n")


def org_ids_from_stdin() -> list[str]:
    """`--org-id -`: organisation ids from stdin, as JSON Lines records (organisationId or
    organizationId, as `clodura orgs -f jsonl` prints them) or one id a line."""
    if terminal.is_terminal("stdin"):
        raise UsageError("--org-id -: standard input is a terminal; pipe the ids in")
    ids: list[str] = []
    for number, line in enumerate(sys.stdin.read().splitlines(), 1):
        text = line.strip()
        if not text:
            continue
        value: Any = text
        if text.startswith(("{", '"')):
            try:
                value = json.loads(text)
            except (ValueError, RecursionError):
                report.warn(f"--org-id -: line {number} is not valid JSON; skipped")
                continue
        if isinstance(value, dict):
            value = next(
                (value[k] for k in ("organisationId", "organizationId", "id") if value.get(k)),
                None,
            )
        if (
            not isinstance(value, (str, int))
            or isinstance(value, bool)
            or not str(value).strip()
            or any(ch.isspace() for ch in str(value).strip())
        ):
            report.warn(f"--org-id -: line {number} holds no organisation id; skipped")
            continue
        ids.append(str(value).strip())
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise UsageError("--org-id -: no organisation ids on standard input")
    return ids
