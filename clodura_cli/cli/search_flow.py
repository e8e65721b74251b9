"""What `clodura search` does: merge presets and flags, plan pages, fetch, write, remember."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from clodura_cli import spec
from clodura_cli.cli import report
from clodura_cli.cli.session import ApiOptions
from clodura_cli.filters import build_search_body
from clodura_cli.output import parse_fields
from clodura_cli.search import SearchPlan, SearchRun, plan_search


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


def merged_filters(flags: dict[str, Any], opts: SearchOptions) -> tuple[dict[str, Any], str]:
    """Presets in order, then --filters files, then the flags; and a name for the query."""
    if not opts.presets and not opts.filter_files:
        return flags, ""
    from clodura_cli import presets

    layers = [presets.load(name).fields for name in opts.presets]
    layers += [presets.load(path, is_path=True).fields for path in opts.filter_files]
    sources = [f"preset:{n}" for n in opts.presets] + [f"file:{p}" for p in opts.filter_files]
    return presets.merge([*layers, flags]), ",".join(sources)


def query_key(unresolved: dict[str, Any], sources: str) -> str:
    """What `--new-only` remembers people under: the presets used, or the filters themselves.

    Relative dates stay unresolved here, so a cron job's query keeps its name day after day.
    """
    import hashlib

    body = {k: v for k, v in unresolved.items() if k not in ("page", "perPage")}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    return f"{sources}|{digest}" if sources else f"query|{digest}"


def run_search(flags: dict[str, Any], opts: SearchOptions, api: ApiOptions) -> None:
    """The whole search command."""
    values, sources = merged_filters(flags, opts)
    unresolved = build_search_body(values, resolve_dates=False).body
    request = build_search_body(values)
    for warning in request.warnings:
        report.warn(warning)
    per_page = request.body.get("perPage")
    if per_page is None and not opts.all_pages:
        per_page = int(api.setting("per-page"))
    plan = plan_search(
        request.body,
        page=request.body.get("page", 1),
        per_page=per_page,
        limit=opts.limit,
        fetch_all=opts.all_pages,
    )
    chosen = api.output_format(opts.fmt, opts.output)
    columns = parse_fields(opts.fields)
    concurrency = int(api.setting("concurrency", opts.concurrency))
    if opts.dry_run:
        print_dry_run(plan, api)
        return
    from clodura_cli.cli.progress import page_progress
    from clodura_cli.cli.render import destination, render
    from clodura_cli.cli.session import open_client
    from clodura_cli.search import iterate_records

    warn_about_plan(plan, opts.limit)
    # The ledger is opened and read before anything is paid for: busy or broken, nothing is sent.
    emitted = _emitted_people(api, query_key(unresolved, sources)) if opts.new_only else None
    seen = emitted.seen() if emitted is not None else set()
    run = SearchRun()
    fresh: list[str] = []
    with (
        open_client(api, concurrency=concurrency, rate=opts.rate) as client,
        page_progress(_total_pages(plan), plan.mode != "page") as on_page,
        destination(opts.output, chosen) as stream,
    ):
        records: Iterator[dict[str, Any]] = iterate_records(
            client, plan, concurrency=concurrency, run=run, on_page=on_page
        )
        if emitted is not None:
            records = _only_new(records, seen, fresh)
        to_terminal = opts.output is None and sys.stdout.isatty()
        count = render(
            records, chosen, columns, stream, to_terminal=to_terminal, raw_csv=opts.raw_csv
        )
    if emitted is not None:
        emitted.record(fresh)
        report.info(f"--new-only: {len(fresh)} new of {run.records} found")
    if count == 0:
        report.info("No results")
    if run.truncated:
        report.warn(
            f"stopped at page {spec.MAX_PAGE}, the end of the API's {spec.RESULT_WINDOW:,}-record "
            "window: results may be truncated; narrow the filters to see the rest"
        )


def _emitted_people(api: ApiOptions, query: str) -> Any:
    from clodura_cli.cli.reveal_flow import ledger_path
    from clodura_cli.ledger import Ledger

    return Ledger(ledger_path()).emitted_people(api.profile.name, query)


def _only_new(
    records: Iterator[dict[str, Any]], seen: set[str], fresh: list[str]
) -> Iterator[dict[str, Any]]:
    for record in records:
        person_id = str(record.get("personId") or "")
        if person_id and person_id in seen:
            continue
        if person_id:
            seen.add(person_id)
            fresh.append(person_id)
        yield record


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
            f"--limit {limit}: the API serves no record past number {spec.RESULT_WINDOW:,}; "
            f"fetching up to {limit - limit_plan.beyond_window}"
        )
    if limit_plan.shortfall:
        report.warn(
            f"--limit {limit}: the API's pages (page and perPage at most 100) cannot end exactly "
            f"there without charging for records past the limit; fetching "
            f"{limit_plan.records} records instead"
        )


def print_dry_run(plan: SearchPlan, api: ApiOptions) -> None:
    """Print the first request as JSON, with the planned pages of a multi-page run."""
    url = api.resolved_base_url() + spec.SEARCH_PEOPLE_PATH
    pages = plan.pages()
    preview: dict[str, Any] = {
        "method": "POST",
        "url": url,
        "body": plan.request_body(pages[0] if isinstance(pages, list) and pages else plan.first),
    }
    if plan.mode != "page":
        preview["pages"] = (
            [{"page": p.page, "perPage": p.per_page} for p in pages]
            if isinstance(pages, list)
            else f"pages {plan.first.page}-{spec.MAX_PAGE} of {plan.first.per_page}, "
            "until a page comes back short"
        )
    sys.stdout.write(json.dumps(preview, indent=2, ensure_ascii=False) + "\n")
