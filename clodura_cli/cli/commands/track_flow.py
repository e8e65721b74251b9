"""`clodura track` at the command line: what each of its modes prints. The jobs themselves are
followed by `clodura_cli.tracking`."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clodura_cli import tracking
from clodura_cli.api.errors import UsageError
from clodura_cli.cli import report
from clodura_cli.cli.render import Output, report_written, write_output
from clodura_cli.cli.session import ApiOptions, open_connection
from clodura_cli.reveal import Tracker, reparse_ledger, stored_payload
from clodura_cli.reveal_run import job_rows
from clodura_cli.store import config
from clodura_cli.store.formats import json_text
from clodura_cli.store.ledger import Job, Ledger, StoredAnswer


@dataclass
class TrackOptions:
    """What `clodura track` was asked to do."""

    tracking_ids: list[str]
    wait: bool = False
    timeout: float = 300.0
    pending: bool = False
    limit: int | None = None
    concurrency: int | None = None
    rate: float | None = None
    #: Whom --attach / --abandon mean: email or phone (needed when a person has both).
    kind: str | None = None
    #: Why a wait ended before its time (nothing could bring the results in).
    stopped_because: str | None = None


def show_jobs(track: TrackOptions, output: Output, api: ApiOptions) -> None:
    """List the ledger, or fetch the given tracking ids, or wait for the open jobs; then exit
    the way the jobs' state says."""
    fetching = bool(track.tracking_ids) or track.wait
    # Listing only reads: it works where the data folder cannot be written.
    ledger = Ledger(config.ledger_file(), read_only=not fetching)
    if fetching:
        jobs = _fetch(ledger, api, track)
    else:
        jobs = ledger.jobs(pending_only=track.pending, limit=track.limit)
    count = write_output(job_rows(jobs), output, empty_header=False)
    report_written(output, count)
    if count == 0:
        report.info("No reveal jobs" + (" pending" if track.pending or track.wait else ""))
    error = tracking.ending(
        jobs, bool(track.tracking_ids), track.wait, track.timeout, track.stopped_because
    )
    if error is not None:
        raise error


def _fetch(ledger: Ledger, api: ApiOptions, track: TrackOptions) -> list[Job]:
    workers = int(api.setting("concurrency", track.concurrency))
    connection = open_connection(api, concurrency=workers, rate=track.rate)
    with connection.client as client:
        tracker = Tracker(
            client, ledger, concurrency=workers, family_source=lambda: tracking.family_of(client),
            polling=api.polling(connection.account, ledger),
        )  # fmt: skip
        jobs: list[Job] = []
        for tracking_id in track.tracking_ids:
            jobs += tracking.fetch(tracker, ledger, connection.account, tracking_id)
        if not track.tracking_ids:
            jobs, unknown = tracking.open_jobs(ledger, connection.account)
            if unknown:
                report.warn(
                    f"{len(unknown)} job(s) have no tracking id (status unknown: the submission's "
                    "answer was lost) and cannot be polled; they were not resubmitted"
                )
        if track.wait:
            from clodura_cli.cli.progress import count_progress

            open_count = sum(1 for job in jobs if job.tracking_id and job.is_open)
            with count_progress("waiting", open_count) as advance:
                jobs = tracking.wait(tracker, jobs, track.timeout, advance)
    for where in sorted(tracker.found_at):
        report.info(f"read {where}")
    track.stopped_because = tracker.stopped_because
    return jobs


def print_raw(references: list[str]) -> None:
    """The stored answers of the named jobs, as JSON (bodies that hold no JSON as text)."""
    if not references:
        raise UsageError("--raw: give the tracking id (or the person id or LinkedIn URL) of the "
                         "job to show")  # fmt: skip
    from clodura_cli.vendor import items_named

    ledger = Ledger(config.ledger_file(), read_only=True)
    shown: list[dict[str, Any]] = []
    for reference in references:
        jobs = tracking.jobs_named(ledger, reference)
        items = items_named(ledger.items(), reference)
        if not jobs and not items:
            raise UsageError(
                f"--raw: nothing in the ledger for {reference!r} (give a tracking id, a person "
                "id, an email, a LinkedIn URL or an organisation id)"
            )
        for job in jobs:
            shown += raw_rows(job, ledger.answers(job.id))
        shown += [_item_row(item) for item in items]
    sys.stdout.write(json_text(shown, indent=2) + "\n")


def _item_row(item: Any) -> dict[str, Any]:
    """A verification's, enrichment's or news request's kept answer, as --raw shows it."""
    body = None if item.answer is None else _shown(item.answer)
    return {"endpoint": item.endpoint, "key": item.key, "status": item.status,
            "message": item.message, "sent": item.body, "headers": item.headers,
            "body": body}  # fmt: skip


def _shown(content: bytes) -> Any:
    """A kept answer as --raw shows it: its JSON, or its text when it holds none."""
    body = stored_payload(content)
    return content.decode("utf-8", errors="replace") if body is None else body


def raw_rows(job: Job, answers: list[StoredAnswer]) -> list[dict[str, Any]]:
    """A job's kept answers as --raw shows them, and how many were not kept."""
    rows: list[dict[str, Any]] = []
    for answer in answers:
        body = _shown(answer.body)
        rows.append({"trackingId": job.tracking_id, "personId": job.person_id,
                     "kind": job.kind, "call": answer.call, "receivedAt": answer.received_at,
                     "truncated": answer.truncated, "headers": answer.headers,
                     "body": body})  # fmt: skip
    if job.dropped_answers:
        why = "answers between the first and the final one, past 4 MiB a job"
        rows.append({"trackingId": job.tracking_id, "personId": job.person_id,
                     "notKept": job.dropped_answers, "why": why})  # fmt: skip
    return rows


def reparse() -> None:
    """Run the current reader over every stored answer, in the order they came; then match the
    deliveries kept unmatched, whose job may exist by now."""
    from clodura_cli.vendor import reparse_items
    from clodura_cli.webhooks import Receiver

    ledger = Ledger(config.ledger_file())
    changed = reparse_ledger(ledger)
    items, doubted = reparse_items(ledger.items())
    matched = Receiver(ledger, None).apply_kept("unmatched")
    applied = sum(1 for got in matched if got.state == "applied")
    report.info(
        f"reparsed the stored answers: {changed} job(s) and {items} verification, enrichment or "
        f"news answer(s) updated; {applied} of {len(matched)} unmatched deliveries matched a "
        "job now"
    )
    if doubted:
        item, reason = doubted[0]
        report.warn(
            f"{len(doubted)} answer(s) delivered earlier would not be delivered by this version "
            f"(the first, {item.endpoint} {item.key}: {reason}); they are left as they were: "
            "look at them with `clodura track --raw`"
        )


def import_deliveries(source: str, api: ApiOptions) -> None:
    """Deliveries captured elsewhere, applied as `clodura listen` would."""
    from clodura_cli import webhooks

    text = _read_source(source)
    items = webhooks.import_items(text)
    receiver = webhooks.Receiver(Ledger(config.ledger_file()), api.webhook_secret())
    tally: dict[str, int] = {}
    for body, headers in items:
        got = receiver.receive(body, headers or {}, source="import")
        tally[got.state] = tally.get(got.state, 0) + 1
    report.info(
        f"imported {len(items)} deliveries: {tally.get('applied', 0)} applied, "
        f"{tally.get('already', 0)} already applied, {tally.get('unmatched', 0)} unmatched, "
        f"{tally.get('unverified', 0)} unverified (signature missing or wrong: "
        "`clodura track --unverified`)"
    )


def _read_source(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(f"--import: cannot read {source!r}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(
            f"--import: {source!r} is not UTF-8 text (deliveries are JSON bodies, an array or "
            "JSON Lines)"
        ) from None


def held(state: str, output: Output) -> None:
    """The deliveries kept unmatched or unverified, as records."""
    deliveries = Ledger(config.ledger_file(), read_only=True).deliveries().listed(state)
    rows = [
        {"delivery": d.id, "receivedAt": d.received_at, "trackingId": d.tracking_id,
         "verified": d.verified, "source": d.source, "body": stored_payload(d.body)
         or d.body.decode("utf-8", errors="replace")}
        for d in deliveries
    ]  # fmt: skip
    written = write_output(rows, output, empty_header=False)
    report_written(output, written)
    if written == 0:
        report.info(f"No {state} deliveries")


def apply_unverified() -> None:
    """Apply the deliveries kept aside for a missing or wrong signature (after looking)."""
    from clodura_cli.webhooks import Receiver

    got = Receiver(Ledger(config.ledger_file()), None).apply_kept("unverified")
    applied = sum(1 for g in got if g.state == "applied")
    report.warn(
        f"applied {applied} of {len(got)} unverified deliveries ({len(got) - applied} matched "
        "no job and are kept as unmatched)"
    )


def attach(spec: str, kind: str | None) -> None:
    """Give a stuck job the tracking id found elsewhere; `track --wait` then follows it."""
    job = tracking.attach(Ledger(config.ledger_file()), spec, kind)
    follow = (
        f"a delivery kept for it answered it: {job.status}"
        if not job.is_open
        else "`clodura track --wait` follows it"
    )
    report.info(
        f"attached tracking id {job.tracking_id} to the {job.kind} job of "
        f"{job.person_id or job.linkedin_url or ''}; {follow}"
    )


def abandon(person: str, kind: str | None) -> None:
    """Give a stuck job up, after printing the answers it had (they stay in the ledger)."""
    job, answers = tracking.abandon(Ledger(config.ledger_file()), person, kind)
    sys.stdout.write(json_text(raw_rows(job, answers), indent=2) + "\n")
    report.warn(
        f"abandoned the {job.kind} job of {person}: it no longer blocks a new submission; "
        "`clodura reveal --refresh` may submit the person again, which may be charged again"
    )


def forget_not_found(since: str | None) -> None:
    """Forget the not-found answers (since a date), saying how many of each kind."""
    start = tracking.moment("--since", since) if since is not None else None
    forgotten = Ledger(config.ledger_file()).forget_not_found(start)
    kinds = Counter(job.kind for job in forgotten)
    each = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    report.info(
        f"forgot {len(forgotten)} not-found answer(s){f' ({each})' if each else ''}"
        f"{f' since {since}' if since else ''}; their answers stay in the ledger, and "
        "`clodura reveal` asks for those people again (a not-found email is free on Standard "
        "plans; a phone may be charged)"
    )


def backup(target: str) -> None:
    """A consistent copy of the ledger, made through SQLite's backup interface (or, for a file
    SQLite cannot read, its bytes as they are)."""
    import shutil
    import sqlite3

    from clodura_cli.store.sqlite_file import copy_database

    path = Path(target)
    if path.is_dir():
        raise UsageError(f"--backup: {target!r} is a folder; give a file name inside it")
    if not path.parent.is_dir():
        raise UsageError(f"--backup: folder {str(path.parent)!r} does not exist")
    source = config.ledger_file()
    if not source.exists():
        raise UsageError(f"--backup: there is no ledger yet ({source})")
    try:
        copy_database(source, path)
    except sqlite3.DatabaseError as exc:
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{source}{suffix}").exists():
                shutil.copyfile(f"{source}{suffix}", f"{path}{suffix}")
        report.warn(f"the ledger could not be read ({exc}); its files were copied byte for byte")
    report.info(f"copied the ledger {source} to {target}")
