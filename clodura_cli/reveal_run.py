"""Revealing people, as one use case: targets and options in, entries and what they cost out.

The command line only parses, asks (through ``confirm``), shows progress and renders; the
order of things that keeps money safe lives here: read the ledger, price the worst case, ask,
claim and submit, poll, read the balance again, and decide which outcome is an error.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from clodura_cli.api import spec
from clodura_cli.api.client import CloduraClient
from clodura_cli.api.errors import (
    CloduraError,
    CreditGuardError,
    PendingJobsError,
    UnconfirmedRevealsError,
    UsageError,
    refusal_error,
)
from clodura_cli.credits import plan_family, spent_between, worst_case
from clodura_cli.inputs import (
    EMAIL,
    Inputs,
    Target,
    collect,
    parse_rows,
    read_input,
    target_key,
)
from clodura_cli.output import OutputOptions
from clodura_cli.reveal import (
    Entry,
    Poller,
    Polling,
    Revealer,
    blank_row,
    check_understood,
    claimed_elsewhere,
    output_row,
    plan_reveals,
    replaceable_stuck,
    reveal_body,
    still_pending,
)
from clodura_cli.store.cells import kept_beside
from clodura_cli.store.ledger import Job, Ledger


@dataclass
class RevealOptions:
    """Everything the reveal commands take besides the people."""

    kind: str
    input_file: str | None = None
    webhook_url: str | None = None
    partners: bool = False
    wait: bool = True
    timeout: float = 300.0
    concurrency: int | None = None
    rate: float | None = None
    refresh: bool = False
    #: --trust-ids: send person ids as they are, even those a spreadsheet seems to have damaged.
    trust_ids: bool = False
    #: --suppress FILE...: people never to reveal.
    suppress: list[str] | None = None
    #: --listen: a webhook receiver in this process for the length of the run.
    listen: bool = False
    listen_host: str = "127.0.0.1"
    listen_port: int = 8787
    listen_path: str = "/webhook"
    max_credits: int | None = None
    dry_run: bool = False
    yes: bool = False
    out: OutputOptions = field(default_factory=OutputOptions)

    @property
    def workers(self) -> int:
        """Connections a run needs: submissions and polls each get ``concurrency`` requests in
        flight, so waiting for results does not slow the submissions down."""
        return (self.concurrency or 4) * (2 if self.wait else 1)


@dataclass
class RevealResult:
    """What a run did: an entry per person in input order, the error that stopped it, what it
    spent, and anything worth telling the user."""

    entries: list[Entry]
    fatal: CloduraError | None = None
    spending: str | None = None
    notices: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Why the wait ended before its time (nothing could bring the results in).
    stopped_because: str | None = None


#: Asked before submitting: (people, worst-case credits, the plan it is priced as); raises to
#: stop the run.
Confirm = Callable[[int, int, str], None]
Warn = Callable[[str], None]
#: Shows progress over this many people: a context yielding a callback per finished job.
Progress = Callable[[int], AbstractContextManager[Callable[[Any], None] | None]]


def load_inputs(
    kind: str,
    rows_from_args: list[tuple[str, dict[str, Any]]],
    input_file: str | None,
    stdin: Any,
    stdin_is_terminal: bool = False,
    *,
    trust_ids: bool = False,
) -> Inputs:
    """Targets from the arguments and the --input file (``-``: ``stdin``, refused when it is a
    terminal); bad rows are in ``problems``, never submitted; the file's person ids that a
    spreadsheet damaged are passed over unless ``trust_ids``."""
    inputs = Inputs()
    collect(rows_from_args, kind, inputs, typed=True)
    if input_file is not None:
        if input_file == "-" and stdin_is_terminal:
            raise UsageError("--input -: standard input is a terminal; pipe the records in")
        decoded = read_input(input_file, stdin)
        rows, problems, inputs.columns = parse_rows(decoded.text)
        inputs.problems.extend(problems)
        inputs.non_utf8 = decoded.non_utf8
        collect(rows, kind, inputs, trust_ids=trust_ids)
    return inputs


#: The ledger room made before submitting, per submission and at most.
RESERVE_PER_SUBMISSION = 64 * 1024
RESERVE_CAP = 64 * 1024 * 1024
#: Where sandbox reveals say they post results when no webhook is configured.
SANDBOX_WEBHOOK = "https://example.com/clodura-sandbox-webhook"
ENV_WEBHOOK_URL = "CLODURA_WEBHOOK_URL"


def webhook_for(options: RevealOptions, configured: str | None, sandbox: bool) -> str | None:
    """The webhook URL the reveals send: the one configured (flag, environment or profile),
    else in the sandbox a placeholder; checked. Email reveals and --partners need one."""
    from clodura_cli.api.urls import check_webhook_url

    url = configured or (SANDBOX_WEBHOOK if sandbox else None)
    if url is not None:
        return check_webhook_url(url)
    if options.kind == EMAIL or options.partners:
        why = "email reveals" if options.kind == EMAIL else "--partners"
        raise UsageError(
            f"--webhook-url: {why} need a webhook URL the API can post results to; "
            f"pass --webhook-url https://..., set {ENV_WEBHOOK_URL}, or run "
            "`clodura config set webhook-url https://...`"
        )
    return None


def damage_report(inputs: Inputs) -> str | None:
    """One warning for the rows whose person id a spreadsheet damaged, or None."""
    if not inputs.damaged:
        return None
    hows = sorted({how for _, how, _ in inputs.damaged})
    sent = sum(1 for _, _, fell_back in inputs.damaged if fell_back)
    skipped = [label for label, _, fell_back in inputs.damaged if not fell_back]
    text = (
        f"--input: {len(inputs.damaged)} row(s) have a person id a spreadsheet damaged "
        f"({'; '.join(hows)}), never sent: {sent} revealed by their LinkedIn URL or name "
        f"instead, {len(skipped)} skipped"
    )
    if skipped:
        text += (
            f" ({', '.join(skipped[:3])}{'...' if len(skipped) > 3 else ''}: no other identifier)"
        )
    return text + "; import the id column as Text, or --trust-ids to send ids as they are"


def named_twice(pairs: list[tuple[str, str]]) -> str:
    """The warning for rows that name one person by different identifiers."""
    shown = "; ".join(f"{other} and {by_id}" for other, by_id in pairs[:3])
    more = f" and {len(pairs) - 3} more" if len(pairs) > 3 else ""
    return (
        f"--input: {len(pairs)} person(s) may be named twice, by LinkedIn URL (or name) in one row "
        f"and by person id in another whose row has it ({shown}{more}): each row is revealed, and "
        "may be paid for, as the ledger knows a person by what was sent; if the id and URL are "
        "one person's, drop one of the rows to pay once"
    )


def balance(client: CloduraClient, warn: Warn) -> dict[str, Any] | None:
    """The credit balance, in one quiet attempt; None (and a warning) when it cannot be read."""
    try:
        found = client.credits(once=True)
    except CloduraError as exc:
        warn(f"could not read the credit balance ({exc}); assuming the dearer plan")
        return None
    if plan_family(found) is None:
        keys = ", ".join(sorted(map(str, found))[:8]) or "none"
        warn(
            f"the credit balance has neither plan's shape (keys: {keys}); assuming the dearer plan"
        )
        return None
    return found


def reveal(
    client: CloduraClient,
    ledger: Ledger,
    account: str,
    inputs: Inputs,
    options: RevealOptions,
    webhook: str | None,
    *,
    confirm: Confirm,
    warn: Warn,
    progress: Progress | None = None,
    notice: Callable[[str], None] | None = None,
    rescue: Callable[[str], None] | None = None,
    confirm_stuck: Callable[[int], None] | None = None,
    polling: Polling | None = None,
) -> RevealResult:
    """Reveal every target: nobody already answered by the ledger is submitted again, the
    worst case is priced, held to ``--max-credits`` and confirmed first, and (``options.wait``)
    jobs are polled while the submissions go on. ``warn`` hears at once what the user must know
    before being asked; ``notice``, on an interrupt, what is left pending; ``rescue``, an
    answer the ledger could not record; ``confirm_stuck``, with --refresh, how many people have
    a job whose answer was lost or not read (it raises to keep them as they are)."""
    stuck = _stuck(ledger, account, inputs, options, confirm_stuck)
    to_submit, _, before, family = _priced(
        client, ledger, account, inputs, options, warn, stuck=stuck
    )
    if to_submit:
        _guard(options, len(to_submit), family, confirm)
        # Room for every answer to come, found before anything is paid for.
        ledger.reserve(min(RESERVE_CAP, len(to_submit) * RESERVE_PER_SUBMISSION))
    # With nobody to submit, the balance was not read: the plan is asked for only if a job
    # finishes whose cost depends on it (one submitted earlier, or finished by another hand).
    from clodura_cli.tracking import family_of

    family_source = None if family else lambda: family_of(client)
    revealer = Revealer(
        client, ledger, account, options.kind, webhook_url=webhook, partners=options.partners,
        concurrency=options.concurrency or 4, family=family, family_source=family_source,
        rescue=rescue, polling=polling,
    )  # fmt: skip
    deadline = time.monotonic() + options.timeout
    showing = progress(len(inputs.targets)) if progress else contextlib.nullcontext(None)
    with showing as on_update:
        # Polling starts while submissions go on: each job is looked at about a second after
        # it was submitted, on threads of its own.
        poller = Poller(revealer, deadline, on_update=on_update) if options.wait else None
        try:
            run = revealer.submit(
                inputs.targets, refresh=options.refresh, stuck=stuck,
                on_job=poller.add if poller else None,
            )  # fmt: skip
            done = poller.finish() if poller else {}
        except BaseException:
            if poller:
                _left_pending(poller.pending_count(), notice)
                poller.stop()
            abandoned = revealer.abandon_sending()
            if abandoned:
                warn(f"{abandoned} submission(s) were on their way when the run stopped: they "
                     "may have been charged; see `clodura track --pending`")  # fmt: skip
            raise
    entries = [Entry(e.target, done.get(e.job.id, e.job), e.source) for e in run.entries]
    result = RevealResult(entries, run.fatal, stopped_because=revealer.stopped_because)
    result.notices, result.warnings = sources(
        run.entries, len(run.not_submitted), waiting=options.wait
    )
    if revealer.from_earlier:
        result.notices.append(
            f"{revealer.from_earlier} answered by an earlier reveal that found them (the newest "
            "found nothing; `clodura track` shows both)"
        )
    result.notices += [f"read {where}" for where in sorted(revealer.found_at)]
    if before is not None and run.count("submitted") and not any(e.job.is_pending for e in entries):
        result.spending = spending(entries, before, balance(client, result.warnings.append))
    return result


def _priced(
    client: CloduraClient,
    ledger: Ledger,
    account: str,
    inputs: Inputs,
    options: RevealOptions,
    warn: Warn,
    *,
    stuck: bool = False,
) -> tuple[list[Target], list[Entry], dict[str, Any] | None, str | None]:
    """Who the ledger leaves to submit and who it answers, and the balance and plan family the
    submissions are priced by (the balance is read only when someone is left to submit)."""
    to_submit, known = plan_reveals(
        ledger, account, options.kind, inputs.targets, options.refresh, options.partners, stuck
    )
    before = balance(client, warn) if to_submit else None
    return to_submit, known, before, plan_family(before) if before else None


def _stuck(
    ledger: Ledger,
    account: str,
    inputs: Inputs,
    options: RevealOptions,
    confirm_stuck: Callable[[int], None] | None,
) -> bool:
    """--refresh over people whose job's answer was lost or not read: they may have been
    charged, so they are submitted again only once ``confirm_stuck`` agrees."""
    if not options.refresh:
        return False
    _, known = plan_reveals(ledger, account, options.kind, inputs.targets, True, options.partners)
    count = sum(1 for entry in known if replaceable_stuck(entry.job))
    if not count:
        return False
    if confirm_stuck is None:
        raise UsageError(
            f"--refresh: {count} person(s) have a job whose answer was lost or not read and may "
            "have been charged; add --yes to submit them again"
        )
    confirm_stuck(count)
    return True


def _guard(options: RevealOptions, count: int, family: str | None, confirm: Confirm) -> None:
    """The credit guard, before anything is submitted: --max-credits, then ``confirm``."""
    worst = worst_case(options.kind, family, count)
    plan = family or "unknown plan, priced as Multi-Provider"
    if options.max_credits is not None and worst > options.max_credits:
        raise CreditGuardError(
            f"--max-credits {options.max_credits}: {count} {options.kind} reveal(s) may cost up to "
            f"{worst} credits ({plan}); nothing was submitted. Raise --max-credits or reveal fewer"
        )
    confirm(count, worst, plan)


def _left_pending(pending: int, notice: Callable[[str], None] | None) -> None:
    """On an interrupt during a wait: how many jobs are left, and how to pick them up."""
    from clodura_cli.base import stopping

    if notice is not None and stopping.is_stopping() and pending:
        notice(
            f"{pending} reveal job(s) still pending; their tracking ids are in the ledger: "
            "resume with `clodura track --wait`"
        )


def sources(
    entries: list[Entry], not_submitted: int, *, waiting: bool = True
) -> tuple[list[str], list[str]]:
    """Notices and warnings on where each answer came from (the ledger, another run, now)."""
    notices, warnings = [], []
    from_ledger = sum(1 for e in entries if e.source == "ledger")
    pending = sum(1 for e in entries if e.source == "pending" and e.job.status != "unknown")
    elsewhere = [e for e in entries if e.source == "pending" and claimed_elsewhere(e.job)]
    unknown = [
        e
        for e in entries
        if e.source == "pending" and e.job.status == "unknown" and e not in elsewhere
    ]
    if elsewhere:
        notices.append(
            f"{len(elsewhere)} being submitted by another run right now: waiting for it"
            if waiting
            else f"{len(elsewhere)} being submitted by another run right now: not waited for "
            "(--no-wait); run this again once it ends, and the ledger answers for them"
        )
    if from_ledger:
        notices.append(
            f"{from_ledger} answered from the ledger: no credits spent on them "
            "(--refresh to reveal again)"
        )
    if pending:
        notices.append(f"{pending} already submitted earlier: polling them, not resubmitting")
    if unknown:
        warnings.append(
            f"{len(unknown)} earlier submission(s) have no answer recorded and may have been "
            "charged; not resubmitted (see `clodura track --pending`)"
        )
    if not_submitted:
        warnings.append(f"{not_submitted} not submitted: the run stopped at the error below")
    return notices, warnings


def spending(
    entries: list[Entry], before: dict[str, Any], after: dict[str, Any] | None
) -> str | None:
    """What this run spent: from its own jobs' answers when they all say, else from the
    balance (which other runs at the same time move too); both balances shown."""
    from clodura_cli.credits import pools

    def left(balance: dict[str, Any]) -> str:
        return ", ".join(f"{pool.name} {pool.remaining}" for pool in pools(balance)[1])

    balances = f"; balance before: {left(before)}; after: {left(after)}" if after else ""
    mine = [e.job.credits for e in entries if e.source == "submitted"]
    if mine and all(credits is not None for credits in mine):
        return (
            f"credits spent by this run: {sum(c or 0 for c in mine)} (from its answers{balances})"
        )
    moved = spent_between(before, after) if after else None
    if moved is None:
        return None
    return (
        f"credits spent: {moved}, by the balance (other runs at the same time count too{balances})"
    )


def failure(result: RevealResult, options: RevealOptions) -> CloduraError | None:
    """The error the run ends with, if any: the one that stopped it, an answer not understood,
    jobs still pending after the wait, submissions whose answer was lost, or refusals."""
    if result.fatal is not None:
        return result.fatal
    entries = result.entries
    check_understood((e.job for e in entries), waiting=True)
    pending = [e.job for e in entries if e.job.is_pending]
    if pending and options.wait:
        return still_pending(
            pending,
            options.timeout,
            "their tracking ids are in the ledger: resume with `clodura track --wait`",
            why=result.stopped_because,
        )
    elsewhere = [e.job for e in entries if e.source == "pending" and claimed_elsewhere(e.job)]
    if elsewhere and options.wait:  # --no-wait asks for no answer: a notice says it (sources)
        return PendingJobsError(
            f"{len(elsewhere)} person(s) are being submitted by another clodura run right now "
            "and have no answer yet: run this again once it ends (the ledger then answers for "
            "them; nothing is submitted twice)",
            [],
        )
    unconfirmed = [
        e.job
        for e in entries
        if e.source == "submitted" and e.job.status in ("unknown", "not_sent")
    ]
    if unconfirmed:
        lost = sum(1 for job in unconfirmed if job.status == "unknown")
        return UnconfirmedRevealsError(
            f"{len(unconfirmed)} submission(s) failed ({unconfirmed[0].message}); {lost} may "
            "have reached the API and are recorded as unknown, not resubmitted: "
            "see `clodura track --pending`"
        )
    stuck = [
        e.job for e in entries
        if e.source == "pending" and e.job.status == "unknown" and not claimed_elsewhere(e.job)
    ]  # fmt: skip
    if stuck:
        return UnconfirmedRevealsError(
            f"{len(stuck)} person(s) have an earlier submission whose answer was lost: it may "
            "have been charged, so it was not resubmitted; settle it with `clodura track "
            "--attach PERSON_ID=TRACKING_ID` (an id found elsewhere) or `clodura track "
            "--abandon PERSON_ID` (then --refresh submits again)"
        )
    rejected = [e.job for e in entries if e.job.status == "rejected" and e.source == "submitted"]
    if rejected:
        return refusal_error(
            f"{len(rejected)} reveal(s) refused by the API ({rejected[0].message}); "
            "nothing charged for them"
        )
    failed = [e.job for e in entries if e.job.status == "failed"]
    if failed:
        earlier = sum(1 for e in entries if e.job.status == "failed" and e.source == "ledger")
        again = f"; {earlier} answered so before, from the ledger (--refresh asks again)"
        return refusal_error(
            f"{len(failed)} reveal(s) failed at the API ({failed[0].message or 'no reason given'})"
            + (again if earlier else "")
        )
    return None


def tally(entries: list[Entry]) -> str:
    """One line of counts for the end of a run: found, not found, failed (with the first
    reasons), still pending, without an answer, and how many the ledger answered."""
    counts: dict[str, int] = {}
    reasons: list[str] = []
    for entry in entries:
        job = entry.job
        if job.status == "completed":
            result = job.result or {}
            what = "found" if result.get("email") or result.get("phones") else "not found"
        elif job.status in ("failed", "rejected"):
            what = "failed"
            if job.message and job.message not in reasons:
                reasons.append(job.message)
        elif job.is_pending:
            what = "pending"
        else:
            what = "without an answer" if job.status in ("unknown", "unread") else job.status
        counts[what] = counts.get(what, 0) + 1
    parts = [f"{counts.pop('found', 0)} found"]
    for what in ("not found", "failed", "pending", "without an answer", *sorted(counts)):
        if counts.get(what):
            reason = f" ({'; '.join(reasons[:2])})" if what == "failed" and reasons else ""
            parts.append(f"{counts.pop(what)} {what}{reason}")
    from_ledger = sum(1 for e in entries if e.source == "ledger")
    ledger = f"; {from_ledger} of them answered from the ledger" if from_ledger else ""
    if not any(e.source == "submitted" for e in entries):
        ledger += "; nothing submitted, no credits spent"
    return f"{len(entries)} reveal(s): {', '.join(parts)}{ledger}"


def preview(
    options: RevealOptions,
    inputs: Inputs,
    webhook: str | None,
    base_url: str,
    checked: tuple[CloduraClient, Ledger, str] | None,
    warn: Warn,
) -> dict[str, Any]:
    """What a dry run shows: the bodies that would be sent, what the ledger already answers,
    and the worst-case cost (priced by the plan when a client and ledger are ``checked``)."""
    to_submit, known = inputs.targets, list[Entry]()
    family = None
    if checked is not None:
        to_submit, known, _, family = _priced(*checked, inputs, options, warn)
    path = spec.REVEAL_EMAIL_PATH if options.kind == EMAIL else spec.REVEAL_PHONE_PATH
    return {
        "method": "POST",
        "url": base_url + path,
        "bodies": [reveal_body(options.kind, t, webhook, options.partners) for t in to_submit],
        "fromLedger": sum(1 for e in known if e.source == "ledger"),
        "alreadyPending": sum(1 for e in known if e.source == "pending"),
        "planFamily": family,
        "worstCaseCredits": worst_case(options.kind, family, len(to_submit)),
    }


#: Why a row has no job: the run stopped at an error before sending it.
NOT_SENT = "not sent: the run stopped at an error before it (run again to send it)"


def input_rows(
    kind: str, entries: list[Entry], inputs: Inputs, suppressed: set[str]
) -> list[dict[str, Any]]:
    """Every input row in input order, as the paid commands give them back: a duplicate with
    its own record and the one job it shares (a pending one too, with its tracking id), a row
    that named nobody as ``skipped`` (with why), one on a --suppress list as ``suppressed``,
    one a run stopped by an error did not send as ``not_sent``."""
    from dataclasses import replace

    by_key = {target_key(e.target.identifiers): e for e in entries}
    rows = []
    for row in inputs.rows:
        entry = by_key.get(row.key) if row.key is not None else None
        if entry is not None:
            made = output_row(replace(entry, target=replace(entry.target, record=row.record)))
        elif row.key is None:
            made = blank_row(row.record, kind, "skipped", row.problem)
        elif row.key in suppressed:
            made = blank_row(row.record, kind, "suppressed", None)
        else:
            made = blank_row(row.record, kind, "not_sent", NOT_SENT)
        rows.append(kept_beside(row.record, made, KEPT_BESIDE))
    return rows


#: A reveal's columns that another step may have written before it (a verification's credits,
#: the other reveal's tracking id): an input's own value is kept beside the reveal's. A
#: reveal's own status and message are not: a rerun of a pending file updates them.
KEPT_BESIDE = ("credits", "trackingId", "provider", "emailStatus", "phoneTypes")


def job_rows(jobs: list[Job]) -> list[dict[str, Any]]:
    """Ledger jobs as output rows."""
    import datetime as dt

    from clodura_cli.store.ledger import identity_of

    rows = []
    for job in jobs:
        target = Target(job.identifiers, dict(job.record), identity_of(job.identifiers))
        submitted = dt.datetime.fromtimestamp(job.submitted_at, dt.timezone.utc)
        row = {
            "kind": job.kind,
            "submittedAt": submitted.strftime("%Y-%m-%d %H:%M:%SZ"),
            **output_row(Entry(target, job, "ledger")),
        }
        if job.message and not row.get("revealMessage"):
            row["revealMessage"] = job.message
        rows.append(row)
    return rows
