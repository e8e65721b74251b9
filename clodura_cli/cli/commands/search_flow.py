"""`clodura search` and `clodura orgs` at the command line: the output chosen, progress and
rendering, in order; what they say is `search_messages`. What is fetched, who counts as new and
what is remembered is `clodura_cli.search_run`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clodura_cli.api.endpoints import PEOPLE
from clodura_cli.api.errors import CloduraError
from clodura_cli.base import stopping
from clodura_cli.cli import report
from clodura_cli.cli.commands import search_messages as messages
from clodura_cli.cli.render import Output, layout_columns, output_for, write_output
from clodura_cli.cli.session import ApiOptions
from clodura_cli.output import chosen_columns
from clodura_cli.search_run import Search, SearchOptions, page_cache_for
from clodura_cli.store import config
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
        messages.forgot(search, search.forget(dry_run=opts.dry_run))
        return
    messages.before(search)
    if opts.dry_run:
        messages.dry_run_notes(search)
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
    """Fetch (or reuse) the pages and write the records; what happened, on stderr."""
    from clodura_cli.cli.app import Terminated
    from clodura_cli.cli.session import open_client

    cache, dropped = page_cache_for(
        config.cache_dir() / "pages.db", api.account(), float(api.setting("search-cache-ttl")),
        refresh=search.opts.refresh, warn=report.warn,
    )  # fmt: skip
    if dropped:
        report.info("search-cache-ttl is 0: the pages kept before were deleted")
    client = open_client(api, concurrency=search.concurrency, rate=search.opts.rate, lazy=True)
    try:
        count = search.write_through(
            client, lambda opened: _write(search, opened, output, cache), messages.waiting
        )
    except BrokenPipeError:
        messages.reader_gone(search)
        raise
    except CloduraError:
        messages.failed(search, output)
        raise
    except (KeyboardInterrupt, Terminated):
        messages.interrupted(cache)
        raise
    finally:
        if cache is not None:
            search.not_emulated |= cache.not_emulated
            cache.close()
    messages.outcome(search, output, count, cache)


class _NothingNew(Exception):
    """--new-only found nobody new: the existing output file is kept as it was."""


if TYPE_CHECKING:
    from clodura_cli.store.page_cache import PageCache


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
        return None  # said in the one line of a day with nothing new
    except BrokenPipeError:
        # The reader went away (`| head`): the run winds down as after Ctrl-C. No page or retry
        # starts, and the pages in flight (perhaps charged) get their grace to reach the page
        # cache before the connection closes: a rerun does not pay for them again.
        stopping.begin()
        if records is not None:
            records.close()
        raise
