"""`clodura reveal` at the command line: inputs and webhook from the flags, the credit prompt,
progress, messages and output. What happens in between is `clodura_cli.reveal_run`."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from clodura_cli import config, reveal_run, spec
from clodura_cli.cli import report, terminal
from clodura_cli.cli.render import destination, render
from clodura_cli.cli.session import ApiOptions, open_connection
from clodura_cli.errors import CreditGuardError, MissingKeyError, UsageError
from clodura_cli.inputs import EMAIL, Inputs
from clodura_cli.ledger import Ledger
from clodura_cli.output import check_fields, parse_fields
from clodura_cli.reveal import REVEAL_ROW_FIELDS, output_row
from clodura_cli.reveal_run import RevealOptions

CONFIRM_ABOVE = 50


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
    from clodura_cli.cli.progress import count_progress

    # Submissions and polls each get --concurrency requests in flight, so waiting for results
    # does not slow the submissions down.
    workers = (options.concurrency or 4) * (2 if options.wait else 1)
    connection = open_connection(api, concurrency=workers, rate=options.rate)
    ledger = Ledger(config.ledger_file())
    with connection.client:
        result = reveal_run.reveal(
            connection.client, ledger, connection.account, inputs, options, webhook,
            confirm=lambda count, worst, family: _confirm(options, count, worst, family),
            warn=report.warn, progress=lambda total: count_progress("revealing", total),
            on_interrupt=_say_what_is_pending,
        )  # fmt: skip
    for notice in result.notices:
        report.info(notice)
    for warning in result.warnings:
        report.warn(warning)
    finished = [e for e in result.entries if not e.job.is_pending or not options.wait]
    with destination(options.output, chosen) as stream:
        render(
            (output_row(e) for e in finished), chosen, columns, stream,
            to_terminal=terminal.output_to_terminal(options.output),
            summary=options.kind, raw_csv=options.raw_csv,
        )  # fmt: skip
    if result.spending is not None:
        report.info(result.spending)
    error = reveal_run.failure(result, options)
    if error is not None and options.wait and result.fatal is None:
        for entry in result.entries:
            if entry.job.is_pending:
                report.info(f"pending: {entry.job.tracking_id or ''}")
    if error is not None:
        raise error


def read_inputs(
    kind: str, rows_from_args: list[tuple[str, dict[str, Any]]], input_file: str | None
) -> Inputs:
    """Targets from the arguments and the --input file, with per-row problems reported."""
    inputs = reveal_run.load_inputs(
        kind, rows_from_args, input_file, sys.stdin, terminal.is_terminal("stdin")
    )
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


def resolve_webhook(options: RevealOptions, api: ApiOptions) -> str | None:
    """--webhook-url, else CLODURA_WEBHOOK_URL, else the profile's webhook-url, else (sandbox)
    a placeholder; checked."""
    configured = api.setting("webhook-url", options.webhook_url)
    return reveal_run.webhook_for(options, configured, api.use_sandbox)


def _confirm(options: RevealOptions, count: int, worst: int, family: str | None) -> None:
    """The credit guard: --max-credits, then a question on a terminal above 50 credits."""
    plan = family or "unknown plan, priced as Multi-Provider"
    if options.max_credits is not None and worst > options.max_credits:
        raise CreditGuardError(
            f"--max-credits {options.max_credits}: {count} {options.kind} reveal(s) may cost up to "
            f"{worst} credits ({plan}); nothing was submitted. Raise --max-credits or reveal fewer"
        )
    if worst > CONFIRM_ABOVE and not options.yes and terminal.can_ask():
        question = (
            f"Reveal {count} {options.kind}(s), which may cost up to {worst} credits ({plan})?"
        )
        if not typer.confirm(question, err=True):
            raise CreditGuardError("stopped before submitting: not confirmed")


def _say_what_is_pending(pending: int) -> None:
    """On an interrupt during a wait: how many jobs are left, and how to pick them up."""
    from clodura_cli import stopping

    if stopping.is_stopping() and pending:
        report.info(
            f"{pending} reveal job(s) still pending; their tracking ids are in the ledger: "
            "resume with `clodura track --wait`"
        )


def _dry_run(options: RevealOptions, inputs: Inputs, webhook: str | None, api: ApiOptions) -> None:
    """Print what would be submitted, what the ledger answers, and the worst-case cost."""
    from clodura_cli.urls import DEFAULT_BASE_URL

    base = DEFAULT_BASE_URL if api.use_sandbox else api.resolved_base_url()
    try:
        connection = open_connection(api)
    except MissingKeyError:
        report.warn("no API key: the ledger and the plan could not be checked")
        shown = reveal_run.preview(options, inputs, webhook, base, None, report.warn)
    else:
        with connection.client:
            checked = (connection.client, Ledger(config.ledger_file()), connection.account)
            shown = reveal_run.preview(options, inputs, webhook, base, checked, report.warn)
    sys.stdout.write(json.dumps(shown, indent=2) + "\n")
