"""What `clodura search` and `clodura orgs` say on stderr: before the run (a dry run's shared
cap), while it waits, when it stops early, and what it did. The run itself is
`clodura_cli.search_run`; its sequencing at the command line, `search_flow`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clodura_cli.cli import report
from clodura_cli.cli.render import Output, report_written
from clodura_cli.store.formats import FORMATS

if TYPE_CHECKING:
    from clodura_cli.search_run import Search
    from clodura_cli.store.page_cache import PageCache, Reused


def forgot(search: Search, forgotten: int) -> None:
    """--forget and --forget-all: how many people are (--dry-run: would be) forgotten."""
    named = search.memory_key.replace("memory:", "--memory ").replace("|", " ")
    what = "every query of this profile" if search.opts.forget == "all" else named
    verb = "would forget (--dry-run: nothing forgotten)" if search.opts.dry_run else "forgot"
    report.info(f"--new-only: {verb} {forgotten} people seen for {what}")


def before(search: Search) -> None:
    """What the filters were read as, and what they may cost or miss, before anything is
    sent."""
    for notice in search.notices:
        report.info(notice)
    for warning in search.warnings:
        report.warn(warning)


def dry_run_notes(search: Search) -> None:
    """A cap several organisations share: the dry run shows each one's own worst case."""
    if search.cap is not None and len(search.plans) > 1 and search.open_ended:
        report.info(f"--max-credits {search.cap}: the {len(search.plans)} organisations share "
                    f"it, in order: together at most {search.cap} records; those after it is "
                    "reached are not searched")  # fmt: skip


def waiting() -> None:
    """Another run holds the same --new-only memory."""
    report.info("waiting for another clodura that is using the same --new-only memory")


def reader_gone(search: Search) -> None:
    """stdout's reader left (`| head`)."""
    if search.memory is not None:
        report.warn(
            "--new-only: the reader stopped before the end (a closed pipe); nobody of this run "
            "is remembered, so they count as new next time"
        )


def failed(search: Search, output: Output) -> None:
    """The run failed: a file is left as it was; what went to stdout was read, and is not
    remembered."""
    printed = len(search.new_only.fresh) if search.new_only is not None else 0
    streamed = output.path is None and FORMATS[output.fmt].streams_to_stdout
    if search.memory is not None and streamed and printed:
        report.warn(
            f"--new-only: {printed} record(s) printed before the error are not remembered: the "
            "next run prints them again"
        )


def interrupted(cache: PageCache | None) -> None:
    if cache is not None and cache.kept:
        report.info(f"the {cache.kept} page(s) fetched are kept: run the same command again to "
                    "resume without paying for them")  # fmt: skip


def outcome(search: Search, output: Output, count: int | None, cache: PageCache | None) -> None:
    """What the search did: --new-only's tally, the count written, the cap, truncation, the
    pages reused, the filters the sandbox does not apply."""
    _tally(search, output, count)
    _cut(search)
    if cache is not None and (cache.reused.pages or cache.reused.empty):
        report.info(_reuse_line(cache.reused))
    for name in sorted(search.not_emulated):
        field = search.endpoint.fields.get(name)
        flag = field.flag.split("/")[0] if field is not None else name
        report.warn(f"the sandbox does not emulate {flag}; it was sent but has no effect")


def _tally(search: Search, output: Output, count: int | None) -> None:
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


def _cut(search: Search) -> None:
    """Where --max-credits or the API's window stopped the run."""
    run, cap = search.run, search.opts.max_credits
    if search.capped:
        reused = (f"; whole pages of {search.pages_of}, which a rerun with a higher cap reuses "
                  "for free within search-cache-ttl" if len(search.plans) == 1 else "")  # fmt: skip
        report.info(f"--max-credits {cap:g}: stopped at {run.records} records fetched (a credit "
                    f"each{reused})")  # fmt: skip
    memory = search.new_only if search.memory is not None else None
    if search.capped and memory is not None and memory.skipped and not memory.fresh:
        report.warn(
            f"--max-credits {cap:g} stopped the search among people seen before: a run with "
            "the same cap pays for the same ones again; raise --max-credits to get past them"
        )
    if search.unsearched or search.cut_short:
        ids, cut = search.unsearched, search.cut_short
        said = [f"{_some(cut)} cut short"] if cut else []
        if ids:
            said.append(f"{len(ids)} of {len(search.plans)} organisations not searched "
                        f"({_some(ids)})")  # fmt: skip
        report.warn(f"--max-credits {cap:g}: {'; '.join(said)}")
    if run.truncated:
        endpoint = search.endpoint
        report.warn(
            f"stopped at page {endpoint.max_page}, the end of the API's {endpoint.window:,}-"
            "record window: results may be truncated; narrow the filters to see the rest"
        )


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


def _some(ids: list[object]) -> str:
    """Up to five ids, and how many more."""
    return ", ".join(map(str, ids[:5])) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
