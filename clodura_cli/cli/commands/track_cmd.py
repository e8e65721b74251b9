"""`clodura track`: the state of reveal jobs, from the API or from the ledger."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from clodura_cli.api.errors import (
    CloduraError,
    UnconfirmedRevealsError,
    UsageError,
)
from clodura_cli.cli import options, report
from clodura_cli.cli.render import Output, write_output
from clodura_cli.cli.session import ApiOptions, open_connection
from clodura_cli.credits import plan_family
from clodura_cli.output import chosen_columns
from clodura_cli.reveal import (
    REVEAL_COLUMNS,
    Tracker,
    check_understood,
    reparse_ledger,
    still_pending,
)
from clodura_cli.reveal_run import job_rows
from clodura_cli.store import config
from clodura_cli.store.formats import json_text
from clodura_cli.store.ledger import Job, Ledger

if TYPE_CHECKING:
    from clodura_cli.api.client import CloduraClient


@options.with_api_options
def track(
    tracking_ids: Annotated[
        list[str] | None,
        typer.Argument(help="Tracking ids to fetch; none lists the ledger.", show_default=False),
    ] = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait",
            help="Poll until the jobs are done; with no id, every pending job of this account.",
        ),
    ] = False,
    timeout: Annotated[
        float,
        typer.Option(help="Seconds to wait before exiting 8.", min=0, callback=options.finite),
    ] = 300.0,
    pending: Annotated[
        bool, typer.Option("--pending", help="List only unfinished jobs (pending or unknown).")
    ] = False,
    limit: Annotated[
        int | None, typer.Option(help="List at most N jobs.", min=1, show_default=False)
    ] = None,
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help="Print the answers stored for the given jobs (tracking id or person id) as "
            "JSON, as received; no API call.",
        ),
    ] = False,
    reparse: Annotated[
        bool,
        typer.Option(
            "--reparse",
            help="Read every stored answer again with this version's reader and update the "
            "jobs; no API call.",
        ),
    ] = False,
    backup: Annotated[
        str | None,
        typer.Option(
            "--backup",
            metavar="FILE",
            help="Write a consistent copy of the ledger (your paid jobs) to FILE, even while "
            "other runs use it; no API call.",
            show_default=False,
        ),
    ] = None,
    concurrency: options.Concurrency = None,
    rate: options.Rate = None,
    fmt: options.Format = None,
    output: options.Output = None,
    fields: options.Fields = None,
    raw_csv: options.RawCsv = False,
    *,
    api: ApiOptions,
) -> None:
    """Show reveal jobs: fetch given tracking ids, list the ledger, or wait for pending jobs.

    Examples:

      clodura track --pending

      clodura track --wait

      clodura track 6f1c2e0a9b7d4c55a1e2f3a4b5c6d7e8 -f json

      clodura track 6f1c2e0a9b7d4c55a1e2f3a4b5c6d7e8 --raw

      clodura track --reparse

      clodura track --backup ledger-copy.db
    """
    if backup is not None:
        _backup(backup)
        return
    if raw:
        _print_raw(tracking_ids or [])
        return
    if reparse:
        _reparse()
        return
    chosen = api.output_format(fmt, output)
    columns = chosen_columns(fields, REVEAL_COLUMNS, report.warn)
    # Listing only reads: it works where the data folder cannot be written.
    ledger = Ledger(config.ledger_file(), read_only=not (tracking_ids or wait))
    if tracking_ids or wait:
        workers = int(api.setting("concurrency", concurrency))
        jobs = _fetch(ledger, api, tracking_ids or [], wait, timeout, workers, rate)
    else:
        jobs = ledger.jobs(pending_only=pending, limit=limit)
    target = Output(chosen, output, columns, raw=raw_csv, summary="jobs")
    count = write_output(job_rows(jobs), target, empty_header=False)
    if count == 0:
        report.info("No reveal jobs" + (" pending" if pending or wait else ""))
    _raise_if_pending(jobs, wait, timeout)
    if tracking_ids or wait:
        check_understood(jobs)


def _fetch(
    ledger: Ledger,
    api: ApiOptions,
    tracking_ids: list[str],
    wait: bool,
    timeout: float,
    concurrency: int,
    rate: float | None,
) -> list[Job]:
    connection = open_connection(api, concurrency=concurrency, rate=rate)
    with connection.client as client:
        tracker = Tracker(
            client, ledger, concurrency=concurrency, family_source=lambda: _family(client)
        )
        if tracking_ids:
            jobs = [_fetch_one(tracker, ledger, connection.account, tid) for tid in tracking_ids]
        else:
            jobs = ledger.jobs(connection.account, pending_only=True)
            unknown = [job for job in jobs if job.tracking_id is None]
            if unknown:
                report.warn(
                    f"{len(unknown)} job(s) have no tracking id (status unknown: the submission's "
                    "answer was lost) and cannot be polled; they were not resubmitted"
                )
        if wait:
            jobs = _wait(tracker, jobs, timeout)
    return jobs


def _fetch_one(tracker: Tracker, ledger: Ledger, account: str, tracking_id: str) -> Job:
    answer = tracker.client.track(tracking_id)
    job = ledger.by_tracking_id(tracking_id)
    if job is None:
        payload = answer.payload if isinstance(answer.payload, dict) else {}
        kind = str(payload.get("type") or "email")
        inputs = payload.get("input") if isinstance(payload.get("input"), dict) else {}
        job = ledger.record_tracked(account, tracking_id, kind, inputs or {})
    return tracker.record_track(job, answer)


def _family(client: CloduraClient) -> str | None:
    """The plan family, so that finished jobs' costs can be recorded where the rules fix them."""
    try:
        return plan_family(client.credits(once=True))
    except CloduraError:
        return None  # costs stay unknown; nothing else depends on it


def _wait(tracker: Tracker, jobs: list[Job], timeout: float) -> list[Job]:
    from clodura_cli.cli.progress import count_progress

    waiting = [job for job in jobs if job.tracking_id and job.is_pending]
    if not waiting:
        return jobs
    with count_progress("waiting", len(waiting)) as advance:
        done = {job.id: job for job in tracker.wait(waiting, timeout, on_update=advance)}
    return [done.get(job.id, job) for job in jobs]


def _raise_if_pending(jobs: list[Job], wait: bool, timeout: float) -> None:
    pending = [job for job in jobs if job.is_pending]
    if wait and pending:
        raise still_pending(pending, timeout, "run `clodura track --wait` again")
    unknown_jobs = [job for job in jobs if job.status == "unknown"]
    if wait and unknown_jobs:
        raise UnconfirmedRevealsError(
            f"{len(unknown_jobs)} job(s) still unknown: their submission's answer was lost, so "
            "they cannot be polled and may have been charged; they were not resubmitted "
            "(`clodura track --pending` lists them)"
        )


def _print_raw(references: list[str]) -> None:
    """The stored answers of the named jobs, as JSON (bodies that are not JSON as text)."""
    import json

    if not references:
        raise UsageError("--raw: give the tracking id (or person id) of the job to show")
    ledger = Ledger(config.ledger_file(), read_only=True)
    shown = []
    for reference in references:
        jobs = _jobs_named(ledger, reference)
        if not jobs:
            raise UsageError(f"--raw: no job in the ledger for {reference!r}")
        for job in jobs:
            for answer in ledger.answers(job.id):
                text = answer.body.decode("utf-8", errors="replace")
                try:
                    body: Any = json.loads(text)
                except (ValueError, RecursionError):
                    body = text
                shown.append({"trackingId": job.tracking_id, "personId": job.person_id,
                              "kind": job.kind, "call": answer.call,
                              "receivedAt": answer.received_at, "truncated": answer.truncated,
                              "body": body})  # fmt: skip
    sys.stdout.write(json_text(shown, indent=2) + "\n")


def _jobs_named(ledger: Ledger, reference: str) -> list[Job]:
    if reference.startswith("job:") and reference[4:].isdigit():
        try:
            return [ledger.get(int(reference[4:]))]
        except IndexError:
            return []
    job = ledger.by_tracking_id(reference)
    return [job] if job is not None else ledger.by_person(reference)


def _reparse() -> None:
    """Run the current reader over every stored answer, in the order they came."""
    ledger = Ledger(config.ledger_file())
    changed = reparse_ledger(ledger)
    report.info(f"reparsed the stored answers: {changed} job(s) updated")


def _backup(target: str) -> None:
    """A consistent copy of the ledger, made through SQLite's backup interface."""
    from pathlib import Path

    path = Path(target)
    if path.is_dir():
        raise UsageError(f"--backup: {target!r} is a folder; give a file name inside it")
    if not path.parent.is_dir():
        raise UsageError(f"--backup: folder {str(path.parent)!r} does not exist")
    import shutil
    import sqlite3

    from clodura_cli.store.sqlite_file import copy_database

    source = config.ledger_file()
    if not source.exists():
        raise UsageError(f"--backup: there is no ledger yet ({source})")
    try:
        copy_database(source, path)
    except sqlite3.DatabaseError as exc:
        # Unreadable to SQLite: copy its bytes (and its journal's) as they are.
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{source}{suffix}").exists():
                shutil.copyfile(f"{source}{suffix}", f"{path}{suffix}")
        report.warn(f"the ledger could not be read ({exc}); its files were copied byte for byte")
    report.info(f"copied the ledger {source} to {target}")
