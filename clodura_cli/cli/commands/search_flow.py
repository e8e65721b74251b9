"""`clodura search` and `clodura orgs` at the command line: the output chosen, progress,
messages and rendering. What is fetched, and who counts as new, is `clodura_cli.search_run`."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clodura_cli.api.endpoints import PEOPLE
from clodura_cli.api.errors import CloduraError, UsageError
from clodura_cli.base import stopping
from clodura_cli.cli import report, terminal
from clodura_cli.cli.render import (
    Output,
    layout_columns,
    output_for,
    report_written,
    write_output,
)
from clodura_cli.cli.session import ApiOptions
from clodura_cli.output import chosen_columns
from clodura_cli.search_run import Search, SearchOptions
from clodura_cli.store import config
from clodura_cli.store.files import held, remove_database
from clodura_cli.store.formats import DEFAULT_PERSON_COLUMNS, FORMATS, json_text


def run_search(flags: dict[str, Any], opts: SearchOptions, api: ApiOptions) -> None:
    """The whole search command (people, or organisations with ``opts.endpoint``)."""
    output = _output(opts, api)
    if opts.org_ids == []:
        report.info("--org-id -: no organisations on standard input (the search before found "
                    "none): nothing searched, no credits spent")  # fmt: skip
        write_output([], output)
        return
    # The ledger is opened and read before anything is paid for: busy or broken, nothing is sent.
    search = Search(
        flags, opts, profile=api.profile.name, per_page=int(api.setting("per-page")),
        concurrency=int(api.setting("concurrency", opts.concurrency)),
        ledger_file=config.ledger_file(),
    )  # fmt: skip
    if opts.forget:
        forgotten = search.forget(dry_run=opts.dry_run)
        named = search.memory_key.replace("memory:", "--memory ").replace("|", " ")
        what = "every query of this profile" if opts.forget == "all" else named
        verb = "would forget (--dry-run: nothing forgotten)" if opts.dry_run else "forgot"
        report.info(f"--new-only: {verb} {forgotten} people seen for {what}")
        return
    for notice in search.notices:
        report.info(notice)
    for warning in search.warnings:
        report.warn(warning)
    if opts.dry_run:
        if search.cap is not None and len(search.plans) > 1 and search.open_ended:
            report.info(f"--max-credits {search.cap}: the {len(search.plans)} organisations "
                        f"share it, in order: together at most {search.cap} records; those "
                        "after it is reached are not searched")  # fmt: skip
        preview = search.preview(api.resolved_base_url())
        sys.stdout.write(json_text(preview, indent=2) + "\n")
        return
    _fetch(search, output, api)


def _output(opts: SearchOptions, api: ApiOptions) -> Output:
    """Where and how the records go, checked before anything is sent (--append's header)."""
    endpoint, out = opts.endpoint, opts.out
    chosen = api.output_format(out.fmt, out.output)
    columns = chosen_columns(out.fields, endpoint.record_fields, report.warn,
                             layout_columns(out, endpoint.name))  # fmt: skip
    if (
        columns is None
        and FORMATS[chosen].fixed_columns
        and endpoint is not PEOPLE
        and not out.layout
    ):
        columns = list(endpoint.record_fields)
    output = output_for(out, api, chosen, columns, summary=endpoint.name, kind=endpoint.name)
    output.check_append(columns or DEFAULT_PERSON_COLUMNS)
    return output


def _fetch(search: Search, output: Output, api: ApiOptions) -> None:
    """Fetch (or reuse) the pages, write the records, remember and report."""
    from clodura_cli.cli.app import Terminated
    from clodura_cli.cli.session import open_client

    opts = search.opts
    cache = _page_cache(opts.refresh, api)
    lock = search.memory_lock()
    try:
        # Lazy: a search answered from the page cache opens no connection. Nothing is
        # claimed before a page is asked for, so a failure to open one fails only the search.
        with (
            contextlib.nullcontext() if lock is None else held(lock, _waiting_for_memory),
            open_client(api, concurrency=search.concurrency, rate=opts.rate,
                        lazy=True) as client,
        ):  # fmt: skip
            count = _write(search, client, output, cache)
            search.remember()
    except BrokenPipeError:
        if search.memory is not None:
            report.warn(
                "--new-only: the reader stopped before the end (a closed pipe); nobody of this "
                "run is remembered, so they count as new next time"
            )
        raise
    except CloduraError:
        printed = len(search.new_only.fresh) if search.new_only is not None else 0
        streamed = output.path is None and FORMATS[output.fmt].streams_to_stdout
        if search.memory is not None and streamed and printed:
            # A file is left as it was; what went to stdout was read, and is not remembered.
            report.warn(
                f"--new-only: {printed} record(s) printed before the error are not remembered: "
                "the next run prints them again"
            )
        raise
    except (KeyboardInterrupt, Terminated):
        if cache is not None and cache.kept:
            report.info(f"the {cache.kept} page(s) fetched are kept: run the same command again "
                        "to resume without paying for them")  # fmt: skip
        raise
    finally:
        if cache is not None:
            cache.close()
    _report(search, output, count)
    if cache is not None and (cache.reused.pages or cache.reused.empty):
        report.info(_reuse_line(cache.reused))
    said = client.not_emulated | (cache.not_emulated if cache is not None else set())
    for name in sorted(said):
        field = search.endpoint.fields.get(name)
        flag = field.flag.split("/")[0] if field is not None else name
        report.warn(f"the sandbox does not emulate {flag}; it was sent but has no effect")


def _waiting_for_memory() -> None:
    report.info("waiting for another clodura that is using the same --new-only memory")


class _NothingNew(Exception):
    """--new-only found nobody new: the existing output file is kept as it was."""


if TYPE_CHECKING:
    from clodura_cli.store.page_cache import PageCache, Reused


def _page_cache(refresh: bool, api: ApiOptions) -> PageCache | None:
    """The pages this account paid for within search-cache-ttl (None: the setting is 0, or
    there is no key to tell the account by)."""
    ttl = float(api.setting("search-cache-ttl"))
    if ttl <= 0:  # what was kept goes too
        if remove_database(config.cache_dir() / "pages.db"):
            report.info("search-cache-ttl is 0: the pages kept before were deleted")
        return None
    from clodura_cli.store.page_cache import PageCache

    account = api.account()
    if account is None:
        return None
    return PageCache(config.cache_dir() / "pages.db", account, ttl, refresh=refresh,
                     warn=report.warn)  # fmt: skip


def _reuse_line(reused: Reused) -> str:
    import time

    minutes = max(0, round((time.time() - (reused.oldest or time.time())) / 60))
    ago = "just now" if minutes == 0 else f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    if not reused.pages:
        return f"reused the answer of no results fetched {ago} (--refresh asks the API again)"
    return (
        f"reused {reused.pages} page{'s' if reused.pages != 1 else ''}, {reused.records:,} "
        f"record{'s' if reused.records != 1 else ''}, fetched {ago}: no credits spent for them "
        "(--refresh asks the API again)"
    )


def _write(search: Search, client: Any, output: Output, cache: PageCache | None) -> int | None:
    """Fetch and write, with a progress bar on a terminal's stderr. A table is drawn once the
    bar is gone; a file that --new-only would only empty is left alone. Returns how many
    records were written (None: the file was left as it was)."""
    from clodura_cli.cli.progress import page_progress

    keep = search.keeps_an_unchanged_file and output.path is not None
    keep = keep and Path(str(output.path)).is_file()

    def counted(rows: Any) -> Any:
        count = 0
        for row in rows:
            count += 1
            yield row
        if keep and count == 0:
            raise _NothingNew  # inside the write: the file is not replaced

    records: Any = None
    try:
        with page_progress(search.total_pages, search.many_pages) as on_page:
            records = search.records(client, on_page, cache)
            if output.fmt != "table":
                return write_output(counted(records), output)
            rows = list(records)
        return write_output(counted(rows), output)  # drawn after the bar is cleared
    except _NothingNew:
        return None  # said by _report, in the one line of a day with nothing new
    except BrokenPipeError:
        # The reader went away (`| head`): the run winds down as after Ctrl-C. No page or retry
        # starts, and the pages in flight (perhaps charged) get their grace to reach the page
        # cache before the connection closes: a rerun does not pay for them again.
        stopping.begin()
        if records is not None:
            records.close()
        raise


def _report(search: Search, output: Output, count: int | None) -> None:
    """What the search did, on stderr: --new-only's tally, the count written, truncation."""
    run = search.run
    memory = search.new_only if search.memory is not None else None
    if search.new_only is not None and search.new_only.suppressed:
        report.info(
            f"--suppress: {search.new_only.suppressed} record(s) dropped (fetched: search "
            "records are charged when fetched)"
        )
    cost = " (already paid for: each record fetched may cost credits)"
    if memory is not None and not memory.fresh:
        kept = f"; {output.path} left as it was" if count is None else ""
        seen = (
            f", {memory.skipped} seen before (fetching may cost credits)" if memory.skipped else ""
        )
        report.info(f"--new-only: nothing new: {run.records} found{seen}{kept}")
    elif memory is not None:
        report.info(
            f"--new-only: {len(memory.fresh)} new of {run.records} found; {memory.skipped} seen "
            f"before skipped{cost if memory.skipped else ''}"
        )
    if count == 0 and memory is None:
        report.info("No results")
    elif count is not None:
        report_written(output, count)
    if search.capped:
        report.info(
            f"--max-credits {search.opts.max_credits:g}: stopped at {run.records} records "
            f"fetched (a credit each; whole pages of {search.pages_of}, which a rerun with a "
            "higher cap reuses for free within search-cache-ttl)"
        )
    if search.unsearched or search.cut_short is not None:
        ids = search.unsearched
        shown = ", ".join(map(str, ids[:5])) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        cut = f"{search.cut_short} cut short" if search.cut_short is not None else ""
        skipped = f"{len(ids)} of {len(search.plans)} organisations not searched ({shown})"
        said = "; ".join(part for part in (cut, skipped if ids else "") if part)
        report.warn(f"--max-credits {search.opts.max_credits:g}: {said}")
    if run.truncated:
        endpoint = search.endpoint
        report.warn(
            f"stopped at page {endpoint.max_page}, the end of the API's {endpoint.window:,}-"
            "record window: results may be truncated; narrow the filters to see the rest"
        )


def org_ids_from_stdin() -> list[str]:
    """`--org-id -`: organisation ids from stdin (JSON Lines records, a CSV or TSV with an id
    column, or one id a line)."""
    if terminal.is_terminal("stdin"):
        raise UsageError("--org-id -: standard input is a terminal; pipe the ids in")
    from clodura_cli.inputs import org_ids_from_text, read_input  # not at start-up

    ids, warnings = org_ids_from_text(read_input("-", sys.stdin, "--org-id -").text)
    for warning in warnings:
        report.warn(warning)
    if not ids and warnings:
        raise UsageError(
            "--org-id -: no organisation ids on standard input (pipe `clodura orgs` output; "
            "with --layout, add --fields organisationId)"
        )
    return ids  # none at all: the search upstream found no organisation
