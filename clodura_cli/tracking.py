"""Following reveal jobs after they were submitted, as use cases: fetch by tracking id, wait
for the open ones, settle the stuck ones (attach an id found elsewhere, abandon one), and say
how a wait ended."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from clodura_cli.api.errors import (
    CloduraError,
    PendingJobsError,
    UnconfirmedRevealsError,
    UsageError,
    refusal_error,
)
from clodura_cli.reveal import (
    Tracker,
    base_kind,
    check_understood,
    claimed_elsewhere,
    still_pending,
)
from clodura_cli.store.ledger import Job, Ledger, StoredAnswer

if TYPE_CHECKING:
    from clodura_cli.api.client import CloduraClient

#: Statuses a person's job may be settled from by hand: no usable answer has come.
STUCK = frozenset({"unknown", "unread", "queued", "processing"})


def moment(field: str, text: str) -> float:
    """The local time a user wrote (2026-11-30, 2026-11-30T09:00, today, yesterday, -7d) as a
    timestamp (a date alone: its midnight)."""
    from clodura_cli.api.filters import date_text, resolve_date

    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        try:
            day = resolve_date(date_text(text, field))
        except UsageError:
            raise UsageError(
                f"{field}: {text!r} is not a date; use YYYY-MM-DD, YYYY-MM-DDTHH:MM, today, "
                "yesterday or -N with d, w, m or y (-7d)"
            ) from None
        when = dt.datetime.combine(day, dt.time())
    return when.timestamp()


def jobs_named(ledger: Ledger, reference: str) -> list[Job]:
    """The jobs a reference names: ``job:N``, a tracking id, a person id, or a LinkedIn URL."""
    if reference.startswith("job:") and reference[4:].isdigit():
        try:
            return [ledger.get(int(reference[4:]))]
        except IndexError:
            return []
    if "linkedin.com/" in reference.lower():
        return ledger.by_linkedin(reference)
    return ledger.by_tracking_id(reference) or ledger.by_person(reference)


def fetch(tracker: Tracker, ledger: Ledger, account: str, tracking_id: str) -> list[Job]:
    """Ask the track endpoint about one tracking id and record the answer for every job that
    carries it (a batch id may name several; each takes only its own person's entry). An id
    the ledger does not know becomes a job of its own."""
    answer = tracker.client.track(tracking_id)
    jobs = ledger.by_tracking_id(tracking_id)
    if not jobs:
        payload = answer.payload if isinstance(answer.payload, dict) else {}
        kind = str(payload.get("type") or "email")
        inputs = payload.get("input") if isinstance(payload.get("input"), dict) else {}
        jobs = [ledger.record_tracked(account, tracking_id, kind, inputs or {})]
    return [tracker.record_track(job, answer) for job in jobs]


def open_jobs(ledger: Ledger, account: str) -> tuple[list[Job], list[Job]]:
    """The account's jobs still waiting for an answer, and those of them that cannot be
    polled because their submission's answer was lost (no tracking id; not those another run
    is submitting right now)."""
    jobs = ledger.jobs(account, pending_only=True)
    return jobs, [job for job in jobs if job.tracking_id is None and not claimed_elsewhere(job)]


def wait(tracker: Tracker, jobs: list[Job], timeout: float, on_update: object = None) -> list[Job]:
    """Poll the jobs that can be polled until each has a usable answer or ``timeout``."""
    waiting = [job for job in jobs if job.tracking_id and job.is_open]
    if not waiting:
        return jobs
    done = {job.id: job for job in tracker.wait(waiting, timeout, on_update=on_update)}  # type: ignore[arg-type]
    return [done.get(job.id, job) for job in jobs]


def ending(
    jobs: list[Job], fetched: bool, waited: bool, timeout: float, why: str | None = None
) -> CloduraError | None:
    """How a fetch or a wait ends: answers not read (7), jobs still pending after a wait (8;
    ``why`` it ended early), lost answers (7)."""
    if not (fetched or waited):
        return None
    try:
        check_understood(jobs, waiting=waited)
    except CloduraError as exc:
        return exc
    if not waited:
        return None
    pending = [job for job in jobs if job.is_pending]
    if pending:
        return still_pending(pending, timeout, "run `clodura track --wait` again", why)
    elsewhere = [job for job in jobs if claimed_elsewhere(job)]
    if elsewhere:  # not lost: another run is sending them right now
        return PendingJobsError(
            f"{len(elsewhere)} job(s) are being submitted by another clodura run right now; "
            "their tracking ids are not in yet: run `clodura track --wait` again once it ends "
            "(do not --abandon them: that run may be paying for them now)",
            [],
        )
    unknown = [job for job in jobs if job.status == "unknown"]
    if unknown:
        return UnconfirmedRevealsError(
            f"{len(unknown)} job(s) still unknown: their submission's answer was lost, so "
            "they cannot be polled and may have been charged; they were not resubmitted "
            "(`clodura track --attach PERSON_ID=TRACKING_ID` attaches an id found elsewhere; "
            "`clodura track --abandon PERSON_ID` gives one up)"
        )
    failed = [job for job in jobs if job.status == "failed"]
    if failed:  # as `reveal --wait` ends (6): a cron job split into --no-wait and track hears it
        return refusal_error(
            f"{len(failed)} reveal(s) failed at the API ({failed[0].message or 'no reason given'})"
        )
    return None


def stuck_job(ledger: Ledger, person: str, kind: str | None, what: str) -> Job:
    """The one job of a person that waits for an answer, of ``kind`` when several do."""
    jobs = [job for job in jobs_named(ledger, person) if job.status in STUCK]
    if kind is not None:
        jobs = [job for job in jobs if base_kind(job.kind) == kind or job.kind == kind]
    if not jobs:
        raise UsageError(
            f"{what}: {person!r} has no job waiting for an answer (unknown, unread or pending); "
            "see `clodura track --pending`"
        )
    kinds = sorted({job.kind for job in jobs})
    if len(kinds) > 1:
        raise UsageError(f"{what}: {person!r} has jobs of {', '.join(kinds)}; add --kind")
    return jobs[0]


def attach(ledger: Ledger, spec: str, kind: str | None) -> Job:
    """``PERSON_ID=TRACKING_ID``: the person's stuck job takes a tracking id found elsewhere
    (the vendor's dashboard, a support mail), so that it can be tracked."""
    # A LinkedIn URL's query may hold an "=", a tracking id (base64) may end in some: a URL
    # ends at the last "=" that is not the id's padding.
    spec = spec.strip()
    if "linkedin.com/" in spec.lower():
        unpadded = spec.rstrip("=")
        person, sep, tracking_id = unpadded.rpartition("=")
        tracking_id += spec[len(unpadded) :]
    else:
        person, sep, tracking_id = spec.partition("=")
    person, tracking_id = person.strip(), tracking_id.strip()
    if not sep or not person or not tracking_id or any(ch.isspace() for ch in tracking_id):
        raise UsageError(f"--attach: give PERSON_ID=TRACKING_ID, not {spec!r}")
    job = stuck_job(ledger, person, kind, "--attach")
    job = ledger.update(
        job.id, tracking_id=tracking_id, status="queued",
        message=f"tracking id {tracking_id} attached by hand",
    )  # fmt: skip
    # A delivery for that id may already be here, kept as unmatched: it answers the job now.
    return Tracker(None, ledger).apply_held_deliveries(job)  # type: ignore[arg-type]


def abandon(ledger: Ledger, person: str, kind: str | None) -> tuple[Job, list[StoredAnswer]]:
    """Give a stuck job up: its answers stay in the ledger, and `reveal --refresh` may submit
    the person again (which may be charged again)."""
    job = stuck_job(ledger, person, kind, "--abandon")
    answers = ledger.answers(job.id)
    updated = ledger.update(
        job.id, status="abandoned",
        message=f"given up by hand (was {job.status}); `reveal --refresh` may submit again",
    )  # fmt: skip
    return updated, answers


def family_of(client: CloduraClient) -> str | None:
    """The plan family, so that finished jobs' costs can be recorded where the rules fix them."""
    from clodura_cli.credits import plan_family

    try:
        return plan_family(client.credits(once=True))
    except CloduraError:
        return None  # costs stay unknown; nothing else depends on it
