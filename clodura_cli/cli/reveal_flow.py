"""What `clodura reveal` does, from inputs to output: ledger, guard, submit, wait, report."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from clodura_cli import config, spec
from clodura_cli.cli import report
from clodura_cli.cli.render import destination, render
from clodura_cli.cli.session import ApiOptions, Connection, open_connection
from clodura_cli.errors import (
    CloduraError,
    CreditGuardError,
    MissingKeyError,
    RejectedRevealsError,
    UnconfirmedRevealsError,
    UsageError,
)
from clodura_cli.inputs import EMAIL, Decoded, Inputs, collect, decode, parse_rows
from clodura_cli.ledger import Job, Ledger
from clodura_cli.output import check_fields, parse_fields
from clodura_cli.reveal import (
    REVEAL_ROW_FIELDS,
    Entry,
    Poller,
    Revealer,
    check_understood,
    claimed_elsewhere,
    output_row,
    plan_family,
    plan_reveals,
    reveal_body,
    spent_between,
    still_pending,
    worst_case,
)
from clodura_cli.urls import check_webhook_url

ENV_WEBHOOK_URL = "CLODURA_WEBHOOK_URL"
SANDBOX_WEBHOOK = "https://example.com/clodura-sandbox-webhook"
CONFIRM_ABOVE = 50


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
    max_credits: int | None = None
    dry_run: bool = False
    yes: bool = False
    fmt: str | None = None
    output: str | None = None
    fields: str | None = None
    raw_csv: bool = False


def ledger_path() -> Path:
    """Where the reveal ledger lives."""
    return config.ledger_file()


def read_inputs(
    kind: str, rows_from_args: list[tuple[str, dict[str, Any]]], input_file: str | None
) -> Inputs:
    """Targets from the arguments and the --input file, with per-row problems reported."""
    inputs = Inputs()
    collect(rows_from_args, kind, inputs)
    if input_file is not None:
        decoded = _read_input(input_file)
        rows, problems = parse_rows(decoded.text)
        inputs.problems.extend(problems)
        inputs.non_utf8 = decoded.non_utf8
        collect(rows, kind, inputs)
    for problem in inputs.problems:
        report.warn(f"--input {problem}")
    if len(inputs.problems) > 1:
        report.info(f"--input: {len(inputs.problems)} warnings (above)")
    if inputs.duplicates:
        report.info(f"{inputs.duplicates} duplicate input(s) revealed once")
    if not inputs.targets:
        raise UsageError(
            "nothing to reveal: give person ids, --linkedin-url, "
            + ("--first-name/--last-name/--domain, " if kind == EMAIL else "")
            + "or --input FILE (- for stdin)"
        )
    return inputs


def _read_input(name: str) -> Decoded:
    if name == "-":
        if sys.stdin.isatty():
            raise UsageError("--input -: standard input is a terminal; pipe the records in")
        return decode(
            sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        )
    try:
        return decode(Path(name).read_bytes())
    except OSError as exc:
        raise UsageError(f"--input: cannot read {name!r}: {exc.strerror}") from None


def resolve_webhook(options: RevealOptions, api: ApiOptions) -> str | None:
    """--webhook-url, else CLODURA_WEBHOOK_URL, else the profile's webhook-url, else (sandbox)
    a placeholder; checked."""
    url = api.setting("webhook-url", options.webhook_url) or (
        SANDBOX_WEBHOOK if api.use_sandbox else None
    )
    needed = options.kind == EMAIL or options.partners
    if url is None:
        if needed:
            why = "email reveals" if options.kind == EMAIL else "--partners"
            raise UsageError(
                f"--webhook-url: {why} need a webhook URL the API can post results to; "
                f"pass --webhook-url https://..., set {ENV_WEBHOOK_URL}, or run "
                "`clodura config set webhook-url https://...`"
            )
        return None
    return check_webhook_url(url)


def run_reveal(
    options: RevealOptions, rows_from_args: list[tuple[str, dict[str, Any]]], api: ApiOptions
) -> None:
    """The whole reveal command."""
    inputs = read_inputs(options.kind, rows_from_args, options.input_file)
    webhook = resolve_webhook(options, api)
    chosen = api.output_format(options.fmt, options.output)
    options.concurrency = int(api.setting("concurrency", options.concurrency))
    columns = parse_fields(options.fields)
    for warning in check_fields(columns, (*spec.PERSON_RECORD_FIELDS, *REVEAL_ROW_FIELDS)):
        report.warn(warning)
    if options.dry_run:
        _dry_run(options, inputs, webhook, api)
        return
    # Submissions and polls each get --concurrency requests in flight, so waiting for results
    # does not slow the submissions down.
    workers = (options.concurrency or 4) * (2 if options.wait else 1)
    connection = open_connection(api, concurrency=workers, rate=options.rate)
    ledger = Ledger(ledger_path())
    try:
        entries, fatal, spent = _reveal(options, inputs, webhook, connection, ledger)
    finally:
        connection.client.close()
    finished = [e for e in entries if not e.job.is_pending or not options.wait]
    with destination(options.output, chosen) as stream:
        render(
            (output_row(e) for e in finished),
            chosen,
            columns,
            stream,
            to_terminal=options.output is None and sys.stdout.isatty(),
            summary=options.kind,
            raw_csv=options.raw_csv,
        )
    _finish(options, entries, fatal, spent)


def _reveal(
    options: RevealOptions,
    inputs: Inputs,
    webhook: str | None,
    connection: Connection,
    ledger: Ledger,
) -> tuple[list[Entry], CloduraError | None, str | None]:
    to_submit, _ = plan_reveals(
        ledger, connection.account, options.kind, inputs.targets, options.refresh,
        options.partners,
    )  # fmt: skip
    before: dict[str, Any] | None = None
    family = None
    if to_submit:
        before = _balance(connection)
        family = plan_family(before) if before else None
        _guard(options, worst_case(options.kind, family, len(to_submit)), len(to_submit), family)
    revealer = Revealer(
        connection.client,
        ledger,
        connection.account,
        options.kind,
        webhook_url=webhook,
        partners=options.partners,
        concurrency=options.concurrency or 4,
        family=family,
    )
    from clodura_cli.cli.progress import count_progress

    deadline = time.monotonic() + options.timeout
    with count_progress("revealing", len(inputs.targets)) as advance:
        # Polling starts while submissions go on: each job is looked at about a second after it
        # was submitted, on threads of its own.
        poller = Poller(revealer, deadline, on_update=advance) if options.wait else None
        try:
            run = revealer.submit(
                inputs.targets, refresh=options.refresh, on_job=poller.add if poller else None
            )
            done = poller.finish() if poller else {}
        except BaseException:
            if poller:
                _say_what_is_pending(poller)
                poller.stop()
            raise
    _report_sources(run.entries, len(run.not_submitted))
    entries = [Entry(e.target, done.get(e.job.id, e.job), e.source) for e in run.entries]
    spent = None
    if before is not None and run.count("submitted") and not any(e.job.is_pending for e in entries):
        spent = _spending(entries, before, _balance(connection))
    return entries, run.fatal, spent


def _spending(
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


def _say_what_is_pending(poller: Poller) -> None:
    """On an interrupt during a wait: how many jobs are left, and how to pick them up."""
    from clodura_cli import stopping

    pending = poller.pending_count()
    if stopping.is_stopping() and pending:
        report.info(
            f"{pending} reveal job(s) still pending; their tracking ids are in the ledger: "
            "resume with `clodura track --wait`"
        )


def _balance(connection: Connection) -> dict[str, Any] | None:
    try:
        return connection.client.credits(once=True)
    except CloduraError as exc:
        report.warn(f"could not read the credit balance ({exc}); assuming the dearer plan")
        return None


def _guard(options: RevealOptions, worst: int, count: int, family: str | None) -> None:
    plan = family or "unknown plan, priced as Multi-Provider"
    if options.max_credits is not None and worst > options.max_credits:
        raise CreditGuardError(
            f"--max-credits {options.max_credits}: {count} {options.kind} reveal(s) may cost up to "
            f"{worst} credits ({plan}); nothing was submitted. Raise --max-credits or reveal fewer"
        )
    if worst > CONFIRM_ABOVE and not options.yes and sys.stdin.isatty() and sys.stderr.isatty():
        question = (
            f"Reveal {count} {options.kind}(s), which may cost up to {worst} credits ({plan})?"
        )
        if not typer.confirm(question, err=True):
            raise CreditGuardError("stopped before submitting: not confirmed")


def _report_sources(entries: list[Entry], not_submitted: int) -> None:
    from_ledger = sum(1 for e in entries if e.source == "ledger")
    pending = sum(1 for e in entries if e.source == "pending" and e.job.status != "unknown")
    elsewhere = [e for e in entries if e.source == "pending" and claimed_elsewhere(e.job)]
    unknown = [
        e
        for e in entries
        if e.source == "pending" and e.job.status == "unknown" and e not in elsewhere
    ]
    if elsewhere:
        report.info(f"{len(elsewhere)} being submitted by another run right now: waiting for it")
    if from_ledger:
        report.info(
            f"{from_ledger} answered from the ledger: no credits spent on them "
            "(--refresh to reveal again)"
        )
    if pending:
        report.info(f"{pending} already submitted earlier: polling them, not resubmitting")
    if unknown:
        report.warn(
            f"{len(unknown)} earlier submission(s) have no answer recorded and may have been "
            "charged; not resubmitted (see `clodura track --pending`)"
        )
    if not_submitted:
        report.warn(f"{not_submitted} not submitted: the run stopped at the error below")


def _finish(
    options: RevealOptions, entries: list[Entry], fatal: CloduraError | None, spent: str | None
) -> None:
    if spent is not None:
        report.info(spent)
    if fatal is not None:
        raise fatal
    check_understood((e.job for e in entries), waiting=True)
    pending = [e.job for e in entries if e.job.is_pending]
    if pending and options.wait:
        for job in pending:
            report.info(f"pending: {job.tracking_id or ''}")
        raise still_pending(
            pending,
            options.timeout,
            "their tracking ids are in the ledger: resume with `clodura track --wait`",
        )
    unconfirmed = [
        e.job
        for e in entries
        if e.source == "submitted" and e.job.status in ("unknown", "not_sent")
    ]
    if unconfirmed:
        lost = sum(1 for job in unconfirmed if job.status == "unknown")
        raise UnconfirmedRevealsError(
            f"{len(unconfirmed)} submission(s) failed ({unconfirmed[0].message}); {lost} may "
            "have reached the API and are recorded as unknown, not resubmitted: "
            "see `clodura track --pending`"
        )
    rejected = [e.job for e in entries if e.job.status == "rejected" and e.source == "submitted"]
    if rejected:
        raise RejectedRevealsError(
            f"{len(rejected)} reveal(s) refused by the API ({rejected[0].message}); "
            "nothing charged for them"
        )


def _dry_run(options: RevealOptions, inputs: Inputs, webhook: str | None, api: ApiOptions) -> None:
    """Print what would be submitted, what the ledger answers, and the worst-case cost."""
    from clodura_cli.urls import DEFAULT_BASE_URL

    to_submit = inputs.targets
    known: list[Entry] = []
    family = None
    try:
        connection = open_connection(api)
    except MissingKeyError:
        connection = None
        report.warn("no API key: the ledger and the plan could not be checked")
    if connection is not None:
        with connection.client:
            ledger = Ledger(ledger_path())
            to_submit, known = plan_reveals(
                ledger, connection.account, options.kind, inputs.targets, options.refresh,
                options.partners,
            )  # fmt: skip
            before = _balance(connection) if to_submit else None
            family = plan_family(before) if before else None
    path = spec.REVEAL_EMAIL_PATH if options.kind == EMAIL else spec.REVEAL_PHONE_PATH
    base = DEFAULT_BASE_URL if api.use_sandbox else api.resolved_base_url()
    preview = {
        "method": "POST",
        "url": base + path,
        "bodies": [reveal_body(options.kind, t, webhook, options.partners) for t in to_submit],
        "fromLedger": sum(1 for e in known if e.source == "ledger"),
        "alreadyPending": sum(1 for e in known if e.source == "pending"),
        "planFamily": family,
        "worstCaseCredits": worst_case(options.kind, family, len(to_submit)),
    }
    sys.stdout.write(json.dumps(preview, indent=2) + "\n")


def job_rows(jobs: list[Job]) -> list[dict[str, Any]]:
    """Ledger jobs as output rows."""
    import datetime as dt

    from clodura_cli.inputs import Target
    from clodura_cli.ledger import identity_of

    rows = []
    for job in jobs:
        target = Target(job.identifiers, dict(job.record), identity_of(job.identifiers))
        submitted = dt.datetime.fromtimestamp(job.submitted_at, dt.timezone.utc)
        row = {
            "kind": job.kind,
            "submittedAt": submitted.strftime("%Y-%m-%d %H:%M:%SZ"),
            **output_row(Entry(target, job, "ledger")),
        }
        if job.message and "revealMessage" not in row:
            row["revealMessage"] = job.message
        rows.append(row)
    return rows
