"""`clodura reveal` at the command line: inputs and webhook from the flags, the credit prompt,
progress, messages and output. What happens in between is `clodura_cli.reveal_run`."""

from __future__ import annotations

import sys
from typing import Any

import typer

from clodura_cli import reveal_run
from clodura_cli.api.errors import CreditGuardError, MissingKeyError, UsageError
from clodura_cli.cli import report, terminal
from clodura_cli.cli.render import Output, write_output
from clodura_cli.cli.session import ApiOptions, open_connection
from clodura_cli.inputs import EMAIL, Inputs
from clodura_cli.output import chosen_columns
from clodura_cli.reveal import REVEAL_COLUMNS, output_row
from clodura_cli.reveal_run import RevealOptions
from clodura_cli.store import config
from clodura_cli.store.formats import json_text
from clodura_cli.store.ledger import Ledger

CONFIRM_ABOVE = 50


def run_reveal(
    options: RevealOptions, rows_from_args: list[tuple[str, dict[str, Any]]], api: ApiOptions
) -> None:
    """The whole reveal command."""
    inputs = read_inputs(options.kind, rows_from_args, options.input_file)
    configured = api.setting("webhook-url", options.webhook_url)  # flag, environment, profile
    webhook = reveal_run.webhook_for(options, configured, api.use_sandbox)
    chosen = api.output_format(options.fmt, options.output)
    options.concurrency = int(api.setting("concurrency", options.concurrency))
    columns = chosen_columns(options.fields, REVEAL_COLUMNS, report.warn)
    if options.dry_run:
        _dry_run(options, inputs, webhook, api)
        return
    from clodura_cli.cli.progress import count_progress

    connection = open_connection(api, concurrency=options.workers, rate=options.rate)
    with connection.client:
        result = reveal_run.reveal(
            connection.client, Ledger(config.ledger_file()), connection.account, inputs, options,
            webhook, confirm=lambda count, worst, plan: _ask(options, count, worst, plan),
            warn=report.warn, progress=lambda total: count_progress("revealing", total),
            notice=report.info, rescue=lambda text: report.say(text, prefix="error:"),
            confirm_stuck=lambda count: _ask_stuck(options, count),
        )  # fmt: skip
    for notice in result.notices:
        report.info(notice)
    for warning in result.warnings:
        report.warn(warning)
    finished = [e for e in result.entries if not e.job.is_pending or not options.wait]
    output = Output(chosen, options.output, columns, raw=options.raw_csv, summary=options.kind)
    write_output((output_row(e) for e in finished), output, empty_header=False)
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


def _ask(options: RevealOptions, count: int, worst: int, plan: str) -> None:
    """Above 50 credits, on a terminal and without --yes: ask before submitting."""
    if worst > CONFIRM_ABOVE and not options.yes and terminal.can_ask():
        question = (
            f"Reveal {count} {options.kind}(s), which may cost up to {worst} credits ({plan})?"
        )
        if not typer.confirm(question, err=True):
            raise CreditGuardError("stopped before submitting: not confirmed")


def _ask_stuck(options: RevealOptions, count: int) -> None:
    """--refresh over jobs whose answer was lost: --yes, or a yes on a terminal."""
    if options.yes:
        return
    question = (
        f"--refresh: {count} person(s) have a job whose answer was lost or not read, which may "
        "have been charged. Submit them again (they may be charged again)?"
    )
    if terminal.can_ask():
        if not typer.confirm(question, err=True):
            raise UsageError("--refresh: not confirmed; those jobs are kept as they are")
        return
    raise UsageError(
        f"--refresh: {count} person(s) have a job whose answer was lost or not read and may have "
        "been charged; add --yes to submit them again"
    )


def _dry_run(options: RevealOptions, inputs: Inputs, webhook: str | None, api: ApiOptions) -> None:
    """Print what would be submitted, what the ledger answers, and the worst-case cost."""
    from clodura_cli.api.urls import DEFAULT_BASE_URL

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
    sys.stdout.write(json_text(shown, indent=2) + "\n")
