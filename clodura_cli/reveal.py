"""Reveal emails and phones: ledger first, submit at most once per person, poll until done."""

from __future__ import annotations

import contextlib
import dataclasses
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clodura_cli.api.answers import (
    Asked,
    Outcome,
    classify_word,
    named_in,
    names_someone,
    normal_word,
    person_named,
    profiles_named,
    read_answer,
)
from clodura_cli.api.errors import (
    STOPS_A_RUN,
    APIError,
    AuthenticationError,
    CloduraError,
    LocalStateError,
    NotFoundError,
    PendingJobsError,
    PermissionDeniedError,
    UnreadableAnswerError,
    state_after_failure,
)
from clodura_cli.api.linkedin import profile_slug
from clodura_cli.api.spec import PERSON_RECORD_FIELDS
from clodura_cli.base.text import folded, pattern
from clodura_cli.batch import each_in_order
from clodura_cli.credits import STANDARD
from clodura_cli.inputs import EMAIL, PHONE, Target, column
from clodura_cli.store.deliveries import Deliveries
from clodura_cli.store.ledger import BLOCKING, FINAL, OPEN, Job, Ledger, identity_of

if TYPE_CHECKING:
    from clodura_cli.api.client import CloduraClient, RawAnswer

POLL_INITIAL = 1.0
#: How long a claim without a recorded answer is taken as in flight in another run.
CLAIM_GRACE = 90.0
POLL_MAX = 10.0
#: A track 404 this soon after submission means "not ready yet", not "lost".
TRACK_404_GRACE = 120.0
#: Errors after which no further reveal is submitted: every one would fail the same way.
FATAL = STOPS_A_RUN


def known_cost(kind: str, family: str | None, job: Job) -> int | None:
    """A finished job's cost where the documented rules fix it (Standard plans), else None.
    Status words price the same in any case (``VERIFIED`` is verified)."""
    if family != STANDARD or job.status != "completed" or job.result is None:
        return 0 if job.status in ("failed", "abandoned") else None
    if base_kind(kind) == EMAIL:
        if not job.result.get("email"):
            return 0  # nothing found, nothing charged
        word = normal_word(job.result.get("emailStatus"))
        # Charged for a verified address, not for a guessed one; an answer that does not say
        # which (a flat delivery, another word) leaves the cost unknown, never 0.
        return 2 if word == "verified" else 0 if word in _UNCHARGED_EMAILS else None
    return 2 if job.result.get("phones") else 0


#: Email statuses the Standard plan does not charge for (Part A: guessed, not found).
_UNCHARGED_EMAILS = frozenset({"guessed", "not_found", "notfound", "unavailable"})


def base_kind(kind: str) -> str:
    """What a ledger kind reveals: ``phone+partners`` is a phone reveal."""
    return PHONE if kind.startswith(PHONE) else EMAIL


def asked_of(job: Job) -> Asked:
    """Who a job is for, as an answer may name them."""
    return Asked(job.person_id, job.linkedin_url)


@dataclass
class Entry:
    """One person of a run: the input target and the ledger job that answers for it."""

    target: Target
    job: Job
    #: "ledger" (answered from the ledger), "pending" (already submitted), "submitted" (now),
    #: or "skipped" (not submitted because the run stopped).
    source: str


@dataclass
class RevealRun:
    """Everything one reveal command did."""

    kind: str
    entries: list[Entry] = field(default_factory=list)
    not_submitted: list[Target] = field(default_factory=list)
    fatal: CloduraError | None = None

    def count(self, source: str) -> int:
        """How many entries came from ``source``."""
        return sum(1 for entry in self.entries if entry.source == source)


#: Phones through partners are a different, dearer product: the ledger keeps them apart, so a
#: phone revealed without partners never answers for a reveal asked with them.
PHONE_PARTNERS = "phone+partners"


def ledger_kind(kind: str, partners: bool) -> str:
    """The kind under which the ledger keeps a reveal."""
    return PHONE_PARTNERS if kind == PHONE and partners else kind


#: Jobs whose answer was lost or not read: they may have been charged, so --refresh replaces
#: them only once the user has agreed.
STUCK = frozenset({"unknown", "unread"})


def replaceable_stuck(job: Job) -> bool:
    """A stuck job --refresh may replace (once agreed): never one another run is submitting."""
    return job.status in STUCK and not claimed_elsewhere(job)


def plan_reveals(
    ledger: Ledger,
    account: str,
    kind: str,
    targets: Iterable[Target],
    refresh: bool,
    partners: bool = False,
    stuck: bool = False,
) -> tuple[list[Target], list[Entry]]:
    """Split targets into those to submit and those the ledger already answers (read only);
    with ``stuck``, --refresh also replaces jobs whose answer was lost or not read."""
    to_submit, known = [], []
    for target in targets:
        job = ledger.latest(account, ledger_kind(kind, partners), target.identity)
        reusable = job is not None and job.status in BLOCKING and not (refresh and job.is_final)
        if reusable and stuck and refresh and job is not None and replaceable_stuck(job):
            reusable = False
        if not reusable:
            to_submit.append(target)
        else:
            assert job is not None
            known.append(Entry(target, job, "ledger" if job.is_final else "pending"))
    return to_submit, known


def reveal_body(
    kind: str, target: Target, webhook_url: str | None, partners: bool = False
) -> dict[str, Any]:
    """The request body that reveals one target."""
    body = dict(target.identifiers)
    if kind == PHONE and partners:
        body["revealPhoneNumberViaPartners"] = True
    if webhook_url:
        body["webhookUrl"] = webhook_url
    return body


@dataclass
class Polling:
    """Whether the track endpoint is asked. The vendor documents none (it is our guess): with
    ``auto`` it is tried and, once it answers that it does not exist, remembered as missing for
    that base URL; ``on`` always asks; ``off`` never does. Without polling, results come only by
    webhook delivery, which a receiver (`clodura listen`, `reveal --listen`) brings in."""

    base_url: str
    mode: str = "auto"
    deliveries: Deliveries | None = None
    #: Keep what the endpoint showed for later runs; False for the in-process sandbox, whose
    #: track endpoint is a setting of each run (CLODURA_SANDBOX_TRACK), not a fact to keep.
    remember: bool = True
    #: What the endpoint showed in this run.
    seen: bool | None = None

    def usable(self) -> bool:
        """True when the track endpoint is to be asked."""
        if self.mode in ("on", "off"):
            return self.mode == "on"
        if self.seen is not None:
            return self.seen
        kept = self.deliveries.track_available(self.base_url) if self.deliveries else None
        return not self.remember or kept is not False

    def note(self, available: bool) -> None:
        """Remember what the endpoint showed: that it is missing in ``auto`` mode, that it
        answers in any mode (a run with ``on`` undoes a wrong "missing")."""
        if self.mode != "auto" and not available:
            return
        self.seen = available
        deliveries = self.deliveries
        if deliveries is None or not self.remember:
            return
        if deliveries.track_available(self.base_url) is not available:
            deliveries.note_track(self.base_url, available)

    def receiver(self) -> str | None:
        """The URL of a receiver that is alive on this ledger, if any."""
        return self.deliveries.receiver_alive() if self.deliveries is not None else None


#: Why a wait may end at once: nothing can bring the results in.
ONLY_BY_WEBHOOK = (
    "this API delivers results only to your webhook: run `clodura listen` (or `reveal "
    "--listen`), or bring deliveries in with `clodura track --import`"
)


class Tracker:
    """Follows reveal jobs to their end: reads submission, track and webhook answers into the
    ledger, polls the track endpoint (where there is one), and prices finished jobs where the
    plan fixes the cost. `reveal` (through Revealer), `track` and `listen` use it."""

    def __init__(
        self,
        client: CloduraClient,
        ledger: Ledger,
        *,
        concurrency: int = 4,
        family: str | None = None,
        family_source: Callable[[], str | None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        polling: Polling | None = None,
        replaying: bool = False,
    ) -> None:
        """``polling``: whether to ask the track endpoint (None: always); ``replaying``: a
        rereading of kept answers, which may change a final job."""
        self.client = client
        self.ledger = ledger
        self.polling = polling
        self.replaying = replaying
        #: Set when a wait ended because nothing can bring the results in.
        self.stopped_because: str | None = None
        self.concurrency = max(1, concurrency)
        self._family = family
        #: Asked once, only when a finished job's cost depends on the plan.
        self._family_source = family_source
        self._family_lock = threading.Lock()
        self._sleep = sleep
        self._clock = clock
        self._rng = random.Random()
        #: Where answers held values under keys the reader did not know (said once per run).
        self.found_at: set[str] = set()
        #: Jobs the track endpoint said it does not know (past the grace): not asked again in
        #: this run; a later run asks once more.
        self.unknown_here: set[int] = set()

    @property
    def family(self) -> str | None:
        """The plan family: given, or read once from ``family_source`` when first needed."""
        with self._family_lock:
            if self._family is None and self._family_source is not None:
                source, self._family_source = self._family_source, None
                self._family = source()
            return self._family

    def read(self, job: Job, payload: Any, headers: dict[str, str] | None = None) -> Outcome:
        """An answer read for this job: its kind, for the person it asks about."""
        outcome = read_answer(payload, base_kind(job.kind), asked_of(job), headers)
        self.found_at.update(outcome.found_at)
        return outcome

    def record_submission(
        self, job: Job, payload: Any, headers: dict[str, str] | None = None
    ) -> Job:
        """Store what a submission answer says: a tracking id, already the final result, or a
        refusal (no job, no charge). A delivery naming the person may have finished the job
        before this answer came: its result stands, and the answer adds only its tracking id."""
        outcome = self.read(job, payload, headers)
        status = outcome.status
        if status == "unread" and outcome.taken and outcome.mismatch is None:
            status = "pending"  # "success" at the top of a submission: the request was taken
        changes: dict[str, Any] = {}
        if outcome.tracking_id is not None:
            changes["tracking_id"] = outcome.tracking_id
        if status == "completed":
            changes.update(status="completed", result=outcome.result, message=None)
        elif status == "failed" or (outcome.tracking_id is None and _refused(outcome, payload)):
            if outcome.tracking_id is None:  # no job was queued: nothing charged, not blocked
                changes.update(status="rejected", message=_refusal(outcome))
            else:
                changes.update(status="failed", message=_refusal(outcome))
        elif status == "unread":
            changes.update(status="unread", message=_not_understood(job, outcome, payload))
        elif outcome.tracking_id is not None:
            changes["status"] = outcome.ledger_status if status == "pending" else "queued"
            if outcome.interim:
                changes["interim"] = outcome.interim
        else:
            # Neither an id to poll nor a result: the job may exist and may be charged.
            changes.update(status="unknown", message=_not_understood(job, outcome, payload))
        if outcome.credits is not None and changes.get("status") == "completed":
            changes["credits"] = _whole(outcome.credits)
        live = not self.replaying  # a delivery may have finished the job since it was read
        updated = self.ledger.update(job.id, unless_final=live, **self._costed(job, changes))
        if updated.tracking_id and updated.is_open and not self.replaying:
            updated = self.apply_held_deliveries(updated)
        return self._settle(updated)

    def apply_held_deliveries(self, job: Job) -> Job:
        """Deliveries that came before the job's tracking id was recorded (a webhook can beat
        the submission's answer) and were kept unmatched: applied now."""
        assert job.tracking_id is not None
        deliveries = self.ledger.deliveries()
        for held in deliveries.unmatched_for(job.tracking_id):
            payload = stored_payload(held.body)
            outcome = self.read(job, payload, held.headers)
            job = self.apply_track(job, outcome, payload, held.body, held.headers, call="webhook")
            deliveries.settle(held.id, "applied", [*held.job_ids, job.id])
        return job

    def wait(
        self,
        jobs: list[Job],
        timeout: float,
        on_update: Callable[[Job], None] | None = None,
    ) -> list[Job]:
        """Poll every pending job until final or ``timeout``; returns the jobs, updated."""
        poller = Poller(self, self._clock() + timeout, on_update)
        for job in jobs:
            poller.add(job)
        done = poller.finish()
        return [done.get(job.id, job) for job in jobs]

    def _poll(self, job: Job) -> Job:
        # A delivery (this process's receiver, or `clodura listen` in another) may answer the
        # job at any moment, before this look or during it: what comes back is costed here.
        return self._finished_elsewhere(self._look(job))

    def _look(self, job: Job) -> Job:
        job = self.ledger.get(job.id)
        if job.tracking_id is None or not job.is_open:
            return job  # another run claimed it moments ago, or it has its answer
        if self.polling is not None and not self.polling.usable():
            return job  # no track endpoint here: the webhook brings the result
        try:
            answer = self.client.track(job.tracking_id)
        except NotFoundError as exc:
            # A paid job is failed only by an answer that says so: the track endpoint is a
            # guess, and the result may be on its way to the webhook.
            if _endpoint_missing(exc):
                if self.polling is not None:
                    self.polling.note(False)
                return self.ledger.update(job.id, message=f"{WAITING_FOR_WEBHOOK} ({exc})")
            if time.time() - job.submitted_at < TRACK_404_GRACE:
                return self.ledger.update(job.id, message=f"not ready yet ({exc})")
            # The endpoint answers, but not for this job (an expired or forgotten one): this
            # job is not asked again in this run; the others are.
            self.unknown_here.add(job.id)
            return self.ledger.update(job.id, message=f"{UNKNOWN_TO_TRACK} ({exc})")
        except (AuthenticationError, PermissionDeniedError):
            raise
        except APIError as exc:
            if exc.status == 405 and self.polling is not None:
                self.polling.note(False)
            return self.ledger.update(job.id, message=f"{WAITING_FOR_WEBHOOK} ({exc})")
        except CloduraError as exc:
            # Keep polling later: the job is still out there (an empty answer says nothing).
            return self.ledger.update(job.id, message=f"still pending ({exc})")
        if self.polling is not None:
            self.polling.note(True)
        return self.record_track(job, answer)

    def record_track(self, job: Job, answer: RawAnswer) -> Job:
        """Store what a track answer says; keep the answer itself when it changes the job."""
        if answer.payload is None and not answer.content.strip():
            return self.ledger.update(job.id, message="still pending (an empty answer)")
        outcome = self.read(job, answer.payload, answer.headers)
        return self.apply_track(job, outcome, answer.payload, answer.content, answer.headers)

    def apply_track(
        self,
        job: Job,
        outcome: Outcome,
        payload: Any,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        *,
        call: str = "track",
    ) -> Job:
        """Update a job from a track (or webhook) answer read into ``outcome``; ``content``:
        keep the answer when it changes the job. A job that has its final answer keeps it: a
        late or repeated answer (a redelivery, a poll racing a delivery) changes nothing."""
        upgrade = False
        if not self.replaying:
            job = self.ledger.get(job.id)
            # A final answer stays, unless it found nothing and this one holds what was paid
            # for (a not-found, then the email: what was paid for is never thrown away).
            upgrade = job.is_final and not job.found and _holds_what_was_paid(job, outcome)
            if job.is_final and not upgrade:
                return self._finished_elsewhere(job)
        changes: dict[str, Any] = {}
        if outcome.tracking_id is not None and job.tracking_id is None:
            changes["tracking_id"] = outcome.tracking_id
        status = outcome.status
        unsaid = status == "completed" and self._whose_unsaid(job, payload)
        if upgrade and unsaid:
            return self._finished_elsewhere(job)  # whose it is cannot be read: the final stays
        if unsaid:
            changes.update(status="unread", message=SHARED_TRACKING_ID)
        elif status == "completed":
            changes.update(status="completed", result=outcome.result, message=None)
        elif status == "failed" and call == "track" and outcome.tracking_id is None:
            # An error from the (guessed) track endpoint that does not name the job ("Tracking
            # id not found"): no proof the paid job failed; its result may still be delivered.
            changes["message"] = f"{TRACK_ERROR} ({_refusal(outcome)})"
        elif status == "failed":
            changes.update(status="failed", message=_refusal(outcome))
        elif status == "pending":
            changes.update(status=outcome.ledger_status, message=None)
            if outcome.interim:
                changes["interim"] = outcome.interim
        elif status == "unread":
            changes.update(status="unread", message=_not_understood(job, outcome, payload))
        else:
            # A word we do not know is never final: keep polling, and say which word it was.
            changes["message"] = _not_understood(job, outcome, payload)
        if outcome.credits is not None and status == "completed":
            changes["credits"] = _whole(outcome.credits)
        changed = any(getattr(job, k) != v for k, v in changes.items())
        if content is not None and (changed or call == "webhook"):
            final = changes.get("status", job.status) in FINAL
            self.ledger.keep_answer(job.id, call, content, headers, final=final)
        live = not self.replaying and not upgrade  # another hand may have finished it since
        if upgrade:  # priced again: the cost of a found answer (or unknown), not the not-found's
            job = dataclasses.replace(job, credits=None)
        costed = self._costed(job, changes)
        if upgrade:
            costed.setdefault("credits", None)
        updated = self.ledger.update(job.id, unless_final=live, **costed)
        return self._settle(updated)

    def _whose_unsaid(self, job: Job, payload: Any) -> bool:
        """True when the job's tracking id is also another job's and the answer names nobody:
        whose result it is cannot be read (one answer must not fill two people's rows)."""
        if job.tracking_id is None or names_someone(payload):
            return False
        return any(other.id != job.id for other in self.ledger.by_tracking_id(job.tracking_id))

    def _costed(self, job: Job, changes: dict[str, Any]) -> dict[str, Any]:
        """``changes`` with the cost of the job they finish, written in the same update: a run
        reading between two writes would take a finished job for one whose cost is unknown."""
        status = changes.get("status", job.status)
        if status not in ("completed", "failed") or "credits" in changes or job.credits is not None:
            return changes
        family = self.family if status == "completed" else None
        cost = known_cost(job.kind, family, dataclasses.replace(job, **changes))
        return changes if cost is None else {**changes, "credits": cost}

    def _settle(self, job: Job) -> Job:
        """A job as an answer left it: once final, what it names is learnt and its cost
        recorded (not for one given up by hand meanwhile: it may have been charged)."""
        return self._with_cost(job) if job.is_final and job.status != "abandoned" else job

    def _finished_elsewhere(self, job: Job) -> Job:
        """A job another hand finished (a receiver, `clodura listen`, another run's poll),
        which may not have known the plan: its cost recorded here, where the plan is known.
        A job given up by hand keeps its cost unknown: it may have been charged."""
        return self._settle(job) if job.credits is None else job

    def _with_cost(self, job: Job) -> Job:
        """A finished job: what its answer names of the person is learnt, and its cost
        recorded where the plan's rules fix it."""
        if job.found:
            self.ledger.learn(job, identity_of(named_in(job.result or {})))
        if job.credits is not None:
            return job
        # Only a completed job's cost depends on the plan: nothing else asks for the balance.
        family = self.family if job.status == "completed" else None
        cost = known_cost(job.kind, family, job)
        return job if cost is None else self.ledger.update(job.id, credits=cost)


class Revealer(Tracker):
    """Submits reveals through the ledger (claim first, never twice), then tracks them."""

    def __init__(
        self,
        client: CloduraClient,
        ledger: Ledger,
        account: str,
        kind: str,
        *,
        webhook_url: str | None = None,
        partners: bool = False,
        rescue: Callable[[str], None] | None = None,
        **tracking: Any,
    ) -> None:
        """``rescue`` hears, as text, an answer the ledger could not record (a full disk):
        the person and the answer as received, so that nothing paid for is lost."""
        super().__init__(client, ledger, **tracking)
        self.account = account
        self.kind = kind
        self.webhook_url = webhook_url
        self.partners = partners
        self.rescue = rescue
        #: Jobs whose submission is on its way: what a run stopped twice leaves unanswered.
        self._sending: set[int] = set()
        #: People answered by an earlier reveal that found them, the newest having found none.
        self.from_earlier = 0

    def body(self, target: Target) -> dict[str, Any]:
        """The request body for one target."""
        return reveal_body(self.kind, target, self.webhook_url, self.partners)

    def submit(
        self,
        targets: list[Target],
        *,
        refresh: bool = False,
        stuck: bool = False,
        on_job: Callable[[Job], None] | None = None,
    ) -> RevealRun:
        """Claim each target in the ledger and submit the new ones, ``concurrency`` at a time.

        ``on_job`` hears of every job as soon as it has a tracking id (or is found pending in
        the ledger), so that polling can start while submissions go on.
        """
        run = RevealRun(self.kind)
        stop = threading.Event()
        lock = threading.Lock()  # run.fatal, set by whichever submission fails first

        def one(target: Target) -> Entry:
            job, is_new = self.ledger.claim(
                self.account, ledger_kind(self.kind, self.partners), target.identity,
                target.identifiers, target.record, refresh=refresh,
                replace=replaceable_stuck if refresh and stuck else None,
            )  # fmt: skip
            if not is_new and job.is_final and not job.found:
                # The newest found nothing (a --refresh, say): an earlier reveal that did is
                # what was paid for, and is not hidden behind it.
                earlier = self.ledger.latest_found(self.account, job.kind, target.identity)
                if earlier is not None:
                    job = earlier
                    with lock:
                        self.from_earlier += 1
            if not is_new:
                # Finished by another hand, perhaps before its cost was known: costed here.
                job = self._finished_elsewhere(job)
                entry = Entry(target, job, "ledger" if job.is_final else "pending")
            else:
                entry = Entry(target, self._send(job, target, stop, run, lock), "submitted")
            if on_job is not None and (_pollable(entry.job) or claimed_elsewhere(entry.job)):
                on_job(entry.job)
            return entry

        run.entries = each_in_order(targets, one, concurrency=self.concurrency, name="reveal",
                                    stop=stop, skipped=run.not_submitted.append)  # fmt: skip
        return run

    def _send(
        self, job: Job, target: Target, stop: threading.Event, run: RevealRun, lock: threading.Lock
    ) -> Job:
        reveal = self.client.reveal_email if self.kind == EMAIL else self.client.reveal_phone
        self._sending.add(job.id)
        try:
            answer = reveal(self.body(target))
        except CloduraError as exc:
            self._sending.discard(job.id)
            status = state_after_failure(exc)
            if isinstance(exc, FATAL):
                stop.set()
                with lock:
                    run.fatal = run.fatal or exc
            with self._rescued(job, exc.raw):
                if exc.raw:
                    self.ledger.keep_answer(job.id, "submit", exc.raw, exc.headers)
                return self.ledger.update(job.id, status=status, message=str(exc))
        # Kept as received before anything else happens: a later version may read it better.
        with self._rescued(job, answer.content):
            self.ledger.keep_answer(job.id, "submit", answer.content, answer.headers)
            recorded = self.record_submission(job, answer.payload, answer.headers)
        self._sending.discard(job.id)
        return recorded

    def abandon_sending(self) -> int:
        """When the run is stopped before the submissions on their way were answered (a
        second Ctrl-C): say so on their jobs, which another run would otherwise take for a
        live claim and wait for. Returns how many."""
        left = sorted(self._sending)
        for job_id in left:
            with contextlib.suppress(LocalStateError):
                self.ledger.update(job_id, message=ABANDONED_IN_FLIGHT)
        return len(left)

    @contextlib.contextmanager
    def _rescued(self, job: Job, content: bytes | None) -> Iterator[None]:
        """When the ledger cannot record an answer that arrived (a full disk), hand the
        answer to ``rescue`` before the error goes on: it may hold a paid job's tracking id."""
        try:
            yield
        except LocalStateError:
            if self.rescue is not None:
                self.rescue(unrecorded(job, content))
            raise


def unrecorded(job: Job, content: bytes | None) -> str:
    """An answer the ledger could not record, as one line a person can act on."""
    who = job.person_id or job.linkedin_url or job.name_key or f"job {job.id}"
    text = (content or b"").decode("utf-8", errors="replace")
    tracking = read_answer(stored_payload(content or b"")).tracking_id if text else None
    return (
        f"NOT RECORDED in the ledger: the {job.kind} reveal of {who} was answered "
        f"(tracking id {tracking or 'not found in the answer'}); the answer as received: "
        f"{text[:2000] or '(empty)'}; keep this line: `clodura track --attach "
        f"{who}={tracking or 'TRACKING_ID'}` brings it back once the ledger can be written"
    )


def reparse_ledger(ledger: Ledger) -> int:
    """Read every stored answer again with the current reader; returns the jobs that changed.

    Answers are replayed in the order they arrived, each as the reveal or track code would
    have read it (the same decoding: a byte-order mark, trailing text and header-only ids are
    read), so that a newer version recovers what an older one could not read. An answer that
    was an HTTP error, and jobs the API refused or the user gave up, are left as they are.
    """
    replayer = Tracker(None, ledger, replaying=True)  # type: ignore[arg-type]  # no API call
    changed = 0
    by_job: dict[int, list[Any]] = {}
    for answer in ledger.answers():
        by_job.setdefault(answer.job_id, []).append(answer)
    for job_id, answers in by_job.items():
        before = ledger.get(job_id)
        if before.status in ("rejected", "not_sent", "abandoned"):
            continue
        job = before
        for answer in answers:
            headers = answer.headers or {}
            if not headers.get(":status", "200").startswith("2"):
                continue
            payload = stored_payload(answer.body)
            if payload is None and not headers:
                continue
            if answer.call == "submit":
                job = replayer.record_submission(job, payload, headers)
            else:
                outcome = replayer.read(job, payload, headers)
                job = replayer.apply_track(job, outcome, payload)
        if (job.status, job.result, job.tracking_id) != (
            before.status, before.result, before.tracking_id
        ):  # fmt: skip
            changed += 1
    return changed


def stored_payload(body: bytes) -> Any:
    """A kept answer's first JSON value, read as a live answer is; None when it holds none."""
    from clodura_cli.api.parsing import first_value

    try:
        return first_value(body)
    except (ValueError, RecursionError):
        return None


#: How a job's message says polling found nothing and the result is expected by webhook.
WAITING_FOR_WEBHOOK = "waiting for the webhook delivery"
#: How a job's message says an answer for a tracking id several jobs share named nobody.
SHARED_TRACKING_ID = (
    "answer not understood: its tracking id is also another job's and it names nobody, so "
    "whose result it is cannot be read; kept in the ledger (`clodura track --raw`)"
)
#: How a job's message says a track answer was an error about the request, not the job's end.
TRACK_ERROR = "the track endpoint answered an error that does not name this job; still waiting"
#: How a job's message says the track endpoint does not know its tracking id (past the grace).
UNKNOWN_TO_TRACK = (
    "the track endpoint does not know this tracking id: waiting for the webhook delivery "
    "(`clodura listen`, `track --import`), or give it up with `clodura track --abandon`"
)


_NO_ROUTE = pattern(r"no route|cannot (get|post)|route not found|not implemented", re.I)


def _endpoint_missing(exc: NotFoundError) -> bool:
    """A 404 that says the server has no track endpoint, not that one job is unknown to it: a
    web page, an empty body, a router's words ("No route", "Cannot GET")."""
    body = exc.body or ""
    return not body.strip() or body.lstrip().startswith("<") or bool(_NO_ROUTE.search(body))


def _refused(outcome: Outcome, payload: Any) -> bool:
    """An answer without a tracking id that says the request failed (an error field, a failed
    word, success false): no job was queued. A neutral message alone is not a refusal."""
    if classify_word(outcome.word) == "failed":
        return True
    top = payload if isinstance(payload, dict) else {}
    return bool(top.get("error") or top.get("errors")) or top.get("success") is False


def _refusal(outcome: Outcome) -> str:
    """What a failed answer said, or which word it used."""
    return outcome.message or f"the API answered {outcome.word!r}"


#: How a job's message says the API answered a status word this version does not know.
UNKNOWN_WORD = "which this version does not know"
NOT_UNDERSTOOD = ("answer not understood", "answer for someone else", UNKNOWN_WORD)


def still_pending(
    pending: list[Job], timeout: float, resume: str, why: str | None = None
) -> PendingJobsError:
    """The error for jobs still pending when a wait ends: ``why`` it ended early, or an
    unknown status word the API answered for one of them (the likely reason it never ended)."""
    if why is not None:
        return PendingJobsError(
            f"{len(pending)} reveal job(s) still pending: {why}; pending: "
            + ", ".join(job.tracking_id or f"job:{job.id}" for job in pending[:10]),
            [job.tracking_id or "" for job in pending],
        )
    reasons = (UNKNOWN_WORD, WAITING_FOR_WEBHOOK, UNKNOWN_TO_TRACK, TRACK_ERROR)
    word = next(
        (job.message for job in pending if job.message and any(r in job.message for r in reasons)),
        "",
    )
    shown = f" ({word})" if word else ""
    return PendingJobsError(
        f"{len(pending)} reveal job(s) still pending after {timeout:g}s{shown}; {resume}",
        [job.tracking_id or "" for job in pending],
    )


def check_understood(jobs: Iterable[Job], waiting: bool = False) -> None:
    """Raise UnreadableAnswerError when an answer of these jobs was not understood: a job
    ``unread`` (done without what was paid for, or for someone else) or one whose answer gave
    no id and no result (a job still pending on an unknown status word is left to the caller
    when ``waiting``). The message names what was missing and where the answer is kept."""
    unread = [
        job for job in jobs
        if job.status == "unread"
        or (job.message and any(part in job.message for part in NOT_UNDERSTOOD)
            and not (waiting and job.is_pending))
    ]  # fmt: skip
    if unread:
        raise UnreadableAnswerError(f"{len(unread)} answer(s) not read: {unread[0].message}")


def _whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _not_understood(job: Job, outcome: Outcome, payload: Any) -> str:
    """What the reader did not find or did not know, and where the answer is kept."""
    ref = job.tracking_id or outcome.tracking_id or job.person_id or f"job:{job.id}"
    kept = f"it is kept in the ledger: clodura track {ref} --raw"
    if outcome.mismatch is not None:
        return f"answer for someone else: {outcome.mismatch}; not delivered; {kept}"
    if outcome.word is not None and outcome.status is None:
        return (
            f"the API answered status {outcome.word!r}, {UNKNOWN_WORD}; not taken as final; {kept}"
        )
    if isinstance(payload, dict):
        shape = "keys: " + ", ".join(sorted(map(str, payload))[:8]) if payload else "empty object"
    else:
        shape = type(payload).__name__
    if outcome.status == "unread":
        paid = "email address" if base_kind(job.kind) == EMAIL else "phone number"
        what = f"{paid} for {ref if job.person_id is None else job.person_id}, in an answer that "
        what += f"says the job is done ({outcome.word!r})"
    else:
        missing = [m for m in outcome.missing if not (job.tracking_id and m.startswith("tracking"))]
        what = " and no ".join(missing)
    return f"answer not understood: no {what} ({shape}); {kept}"


class Poller:
    """Polls the track endpoint for jobs handed to it, each about POLL_INITIAL after it was
    submitted, then backing off (x2 with jitter, at most POLL_MAX), on threads of its own.

    Where the track endpoint is missing it does not poll: it reads the jobs from the ledger
    every half second, as deliveries answer them (a receiver in this process or another); with
    no receiver alive, the wait ends at once, saying why (``Tracker.stopped_because``)."""

    def __init__(
        self, revealer: Tracker, deadline: float, on_update: Callable[[Job], None] | None = None
    ) -> None:
        self._revealer = revealer
        self._deadline = deadline
        self._on_update = on_update
        self._clock = revealer._clock
        self._cond = threading.Condition()
        self._jobs: dict[int, Job] = {}
        self._due: dict[int, float] = {}
        self._delay: dict[int, float] = {}
        self._closed = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="poller", daemon=True)
        self._thread.start()

    def add(self, job: Job) -> None:
        """Start following a job (a no-op for one that needs no polling)."""
        with self._cond:
            self._jobs[job.id] = job
            if _pollable(job) or claimed_elsewhere(job):
                # The first look waits a little past the typical job time, never less.
                self._due[job.id] = self._clock() + POLL_INITIAL * self._revealer._rng.uniform(
                    1.0, 1.25
                )
                self._delay[job.id] = POLL_INITIAL
            self._cond.notify_all()

    def pending_count(self) -> int:
        """How many of the jobs handed to the poller are still pending (0 if it is busy)."""
        if not self._cond.acquire(timeout=1.0):
            return 0
        try:
            return sum(1 for job in self._jobs.values() if job.is_open)
        finally:
            self._cond.release()

    def stop(self) -> None:
        """Stop polling now (the run is being abandoned)."""
        with self._cond:
            self._deadline = self._clock()
            self._closed = True
            self._cond.notify_all()

    def finish(self) -> dict[int, Job]:
        """No more jobs will come: wait until all are final or the deadline passes."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return dict(self._jobs)

    def _run(self) -> None:
        import concurrent.futures as cf

        revealer = self._revealer
        try:
            with cf.ThreadPoolExecutor(revealer.concurrency, thread_name_prefix="track") as pool:
                while True:
                    if not self._by_delivery():
                        return
                    with self._cond:
                        now = self._clock()
                        if now >= self._deadline or (self._closed and not self._due):
                            return
                        due = [job_id for job_id, at in self._due.items() if at <= now]
                        if not due:
                            wake = min([*self._due.values(), self._deadline])
                            self._cond.wait(timeout=max(0.0, min(wake - now, 0.5)))
                            continue
                        for job_id in due:
                            del self._due[job_id]
                        jobs = [self._jobs[job_id] for job_id in due]
                    for job in pool.map(revealer._poll, jobs):
                        self._settled(job)
        except BaseException as exc:  # surfaced by finish(), in the caller's thread
            self._error = exc

    def _by_delivery(self) -> bool:
        """Where there is no track endpoint: the jobs as deliveries left them in the ledger.
        False when the wait should end now (nothing can bring the results in)."""
        polling = self._revealer.polling
        if polling is None or polling.usable():
            return True
        with self._cond:
            waiting = [job_id for job_id in self._due if self._jobs[job_id].tracking_id]
        if not waiting:
            return True
        for job in self._revealer.ledger.jobs_by_ids(waiting):
            if not job.is_open:
                with self._cond:
                    self._due.pop(job.id, None)
                self._settled(self._revealer._finished_elsewhere(job))
        if polling.receiver() is None:
            self._revealer.stopped_because = ONLY_BY_WEBHOOK
            with self._cond:
                self._deadline = self._clock()
            return False
        return True

    def _settled(self, job: Job) -> None:
        with self._cond:
            self._jobs[job.id] = job
            known = job.id not in self._revealer.unknown_here  # else not asked again this run
            if (_pollable(job) and known) or claimed_elsewhere(job):
                delay = min(POLL_MAX, self._delay[job.id] * 2)
                self._delay[job.id] = delay
                self._due[job.id] = self._clock() + delay * self._revealer._rng.uniform(0.8, 1.2)
        if self._on_update is not None:
            self._on_update(job)


def _holds_what_was_paid(job: Job, outcome: Outcome) -> bool:
    """True when an answer holds what the job paid for: an email, or phone numbers."""
    if outcome.status != "completed" or not outcome.result:
        return False
    return bool(outcome.result.get("email" if base_kind(job.kind) == EMAIL else "phones"))


def _pollable(job: Job) -> bool:
    return job.tracking_id is not None and job.status in OPEN


#: The message of a job whose run stopped while its submission was on its way.
ABANDONED_IN_FLIGHT = (
    "the run was stopped while this submission was on its way: it may have reached the API and "
    "been charged; settle it with `clodura track --attach PERSON_ID=TRACKING_ID` or "
    "`clodura track --abandon PERSON_ID`"
)


def claimed_elsewhere(job: Job, now: float | None = None) -> bool:
    """True for a job another run has just claimed and whose answer is not recorded yet.

    A run that lost the answer says so in the job's message; past CLAIM_GRACE seconds an
    unanswered claim is taken as lost too (its run died).
    """
    age = (time.time() if now is None else now) - job.submitted_at
    unanswered = job.status == "unknown" and job.tracking_id is None and not job.message
    return unanswered and age < CLAIM_GRACE


#: The columns a reveal adds to the input record (and `clodura track` adds to those).
REVEAL_ROW_FIELDS = (
    "email", "emailStatus", "phones", "phoneTypes", "revealStatus", "trackingId", "provider",
    "credits", "revealMessage", "kind", "submittedAt", "interimEmail", "interimPhones",
)  # fmt: skip
#: Every column a reveal or track row may have.
REVEAL_COLUMNS = (*PERSON_RECORD_FIELDS, *REVEAL_ROW_FIELDS)


def blank_row(
    record: dict[str, Any], kind: str, status: str, message: str | None
) -> dict[str, Any]:
    """An input row no job answers (skipped, suppressed, not sent): the input's own columns
    (an email or phones it came with are kept, under a --layout's names too), and how the
    run left it, no tracking id, nothing paid."""
    return {**record, "revealStatus": status, "trackingId": None, "provider": None,
            "credits": None, "revealMessage": message}  # fmt: skip


#: A row whose person id and LinkedIn URL name two people (see ``another_persons``).
MISMATCH = "mismatch"


def another_persons(target: Target, result: dict[str, Any]) -> str | None:
    """Why an answer is not for a row, or None: the row was sent by its person id, and the
    answer names LinkedIn profiles, none of them the row's own (its id column was sorted apart
    from the rest, say), nor the row's name when both give one (a person whose vanity URL
    changed is one person). The answer is right for the id, and kept; the row's person is not
    the id's, so its email or phones would be another person's."""
    if "personId" not in target.identifiers:
        return None
    own_url = column(target.record, "linkedinUrl")
    own = profile_slug(own_url)
    named = profiles_named(result)
    if own is None or not named or own in named:
        return None
    name = person_named(result)
    row_name = (column(target.record, "firstName"), column(target.record, "lastName"))
    same = name is not None and all(row_name)
    if same and [folded(str(p)) for p in row_name] == [folded(p) for p in name or ()]:
        return None  # one person under another URL
    shown = ", ".join(f"https://www.linkedin.com/in/{slug}/" for slug in sorted(named))
    return (
        f"the answer for person id {target.identifiers['personId']} names {shown}, not this "
        f"row's https://www.linkedin.com/in/{own}/: the row's id and URL are two people's; left "
        "out (the answer stays in the ledger)"
    )


def output_row(entry: Entry) -> dict[str, Any]:
    """The input record merged with the reveal result, flattened into columns."""
    job = entry.job
    row = dict(entry.target.record)
    result = job.result or {}
    other = another_persons(entry.target, result) if job.status == "completed" else None
    # Only a completed answer says what the email or phones are (found or not): a failed or
    # given-up job, one with no answer yet, or one about another person than the row's, leaves
    # the row what it came with.
    if job.status != "completed" or other is not None:
        pass
    elif base_kind(job.kind) == EMAIL:
        row["email"] = result.get("email")
        row["emailStatus"] = result.get("emailStatus")
    else:
        phones = [p for p in result.get("phones") or [] if isinstance(p, dict)]
        row["phones"] = [p.get("number") for p in phones]
        row["phoneTypes"] = [p.get("type") for p in phones]
    row["revealStatus"] = MISMATCH if other is not None else job.status
    row["trackingId"] = job.tracking_id
    providers = result.get("providers")
    provider = result.get("provider")
    if provider is None and isinstance(providers, list) and providers:
        first = providers[0]
        provider = first.get("provider") if isinstance(first, dict) else None
    row["provider"] = provider
    row["credits"] = job.credits
    for key, value in result.items() if other is None else ():
        if key not in ("email", "emailStatus", "phones", "provider") and key not in row:
            row[key] = value
    # Why a job is not done, failed or given up; never a fed-back file's old message.
    said = job.message and (job.status != "completed" or job.message.startswith("answer not under"))
    row["revealMessage"] = other or (job.message if said else None)
    if job.interim and other is None:
        # Seen while the job was still pending: kept apart, never the result (and never
        # another person's, on a mismatched row).
        row["interimEmail"] = job.interim.get("email")
        row["interimPhones"] = job.interim.get("phones")
    return row
