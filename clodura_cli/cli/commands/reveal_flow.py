"""`clodura reveal` at the command line: inputs and webhook from the flags, the credit prompt,
progress, messages and output. What happens in between is `clodura_cli.reveal_run`."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from clodura_cli import reveal_run
from clodura_cli.api.errors import CreditGuardError, MissingKeyError, UsageError
from clodura_cli.cli import report, terminal
from clodura_cli.cli.render import (
    Output,
    layout_columns,
    output_for,
    report_written,
    write_output,
)
from clodura_cli.cli.session import ApiOptions, open_connection
from clodura_cli.inputs import EMAIL, Inputs, target_key
from clodura_cli.output import chosen_columns
from clodura_cli.reveal import MISMATCH, REVEAL_COLUMNS
from clodura_cli.reveal_run import RevealOptions
from clodura_cli.store import config
from clodura_cli.store.formats import json_text
from clodura_cli.store.ledger import Ledger

CONFIRM_ABOVE = 50


def run_reveal(
    options: RevealOptions, rows_from_args: list[tuple[str, dict[str, Any]]], api: ApiOptions
) -> None:
    """The whole reveal command."""
    inputs = read_inputs(options.kind, rows_from_args, options.input_file, options.trust_ids)
    dropped = _suppress(inputs, options.suppress)
    configured = api.setting("webhook-url", options.webhook_url)  # flag, environment, profile
    out = options.out
    chosen = api.output_format(out.fmt, out.output)
    options = replace(options, concurrency=int(api.setting("concurrency", options.concurrency)))
    columns = chosen_columns(out.fields, (*REVEAL_COLUMNS, *inputs.columns), report.warn,
                             layout_columns(out, "people"))  # fmt: skip
    output = output_for(out, api, chosen, columns, summary=options.kind, kind="people",
                        extra=_REVEAL_EXTRA[options.kind],
                        input_columns=inputs.columns)  # fmt: skip
    output.check_append(columns or _APPEND_NEEDS[options.kind], ("kind", "submittedAt"))
    # Checked before anything else: a missing webhook is a usage error, whatever the key.
    webhook = (
        None if options.listen else reveal_run.webhook_for(options, configured, api.use_sandbox)
    )
    if options.dry_run:
        _dry_run(options, inputs, webhook, api)
        return
    from clodura_cli.cli.progress import count_progress

    connection = open_connection(api, concurrency=options.workers, rate=options.rate)
    ledger = Ledger(config.ledger_file())
    with connection.client, _receiving(options, api, ledger, configured) as webhook:
        result = reveal_run.reveal(
            connection.client, ledger, connection.account, inputs, options, webhook,
            confirm=lambda count, worst, plan: _ask(options, count, worst, plan),
            warn=report.warn, progress=lambda total: count_progress("revealing", total),
            notice=report.info, rescue=lambda text: report.say(text, prefix="error:"),
            confirm_stuck=lambda count: _ask_stuck(options, count),
            polling=api.polling(connection.account, ledger),
        )  # fmt: skip
    rows = reveal_run.input_rows(options.kind, result.entries, inputs, dropped)
    mismatched = [row for row in rows if row.get("revealStatus") == MISMATCH]
    if mismatched:
        report.warn(f"{len(mismatched)} row(s) hold a person id and a LinkedIn URL of two "
                    f"different people (the answer for the id names another URL): their "
                    f"{options.kind} is left out, revealStatus {MISMATCH} (revealMessage says "
                    "whose it is); check those rows' id column")  # fmt: skip
    if api.use_sandbox and configured and not options.wait and not options.listen:
        pending = sum(entry.job.is_pending for entry in result.entries)
        if pending:
            report.info(f"the built-in sandbox stops with this run: it posts none of the "
                        f"{pending} pending answer(s) to {configured}; `clodura track --wait "
                        "--sandbox` asks for them, or reveal through `clodura sandbox serve` "
                        "(see The sandbox)")  # fmt: skip
    _finish(result, options, output, rows, inputs.columns)


#: After a --layout's columns: who was asked (by id: a layout has no id column), how each
#: reveal ended (a pending one is not a not-found), and what it cost.
_REVEAL_EXTRA = {
    kind: ("personId", found, "revealStatus", "trackingId", "provider", "credits", "revealMessage")
    for kind, found in (("email", "emailStatus"), ("phone", "phoneTypes"))
}


#: What a file --append adds reveals to must have a column for: what was paid for, and how.
_APPEND_NEEDS = {"email": ["email", "revealStatus", "trackingId"],
                 "phone": ["phones", "revealStatus", "trackingId"]}  # fmt: skip


def _finish(
    result: reveal_run.RevealResult,
    options: RevealOptions,
    output: Output,
    rows: Iterable[dict[str, Any]],
    header: Sequence[str] = (),
) -> None:
    """Write the rows (the input table's ``header`` first), say what the run did, and end
    with its error if it has one."""
    for notice in result.notices:
        report.info(notice)
    for warning in result.warnings:
        report.warn(warning)
    report_written(output, write_output(rows, output, empty_header=False, held=True, first=header))
    if result.entries:
        report.info(reveal_run.tally(result.entries))
    if result.spending is not None:
        report.info(result.spending)
    error = reveal_run.failure(result, options)
    if error is not None and options.wait and result.fatal is None:
        for entry in result.entries:
            if entry.job.is_pending:
                report.info(f"pending: {entry.job.tracking_id or ''}")
    if error is not None:
        raise error


@contextlib.contextmanager
def _receiving(
    options: RevealOptions, api: ApiOptions, ledger: Ledger, configured: str | None
) -> Iterator[str | None]:
    """The webhook URL the reveals send; with --listen, a receiver in this process for the
    length of the run (its own URL is sent to the sandbox or a loopback API; any other API
    needs the public URL of a tunnel to it, --webhook-url)."""
    if not options.listen:
        yield reveal_run.webhook_for(options, configured, api.use_sandbox)  # checked before too
        return
    from clodura_cli.cli.commands.listen_flow import receiving
    from clodura_cli.listen import ListenOptions

    settings = ListenOptions(options.listen_host, options.listen_port, options.listen_path)
    with receiving(settings, api, ledger, configured) as url:
        yield reveal_run.webhook_for(options, url, api.use_sandbox)


def _suppress(inputs: Inputs, files: list[str] | None) -> set[str]:
    """Drop from ``inputs.targets`` every person a --suppress list names in any input row
    naming them (not only the first: a duplicate row may hold the listed email or domain);
    returns their keys."""
    if not files:
        return set()
    targets = {target_key(t.identifiers): t for t in inputs.targets}
    rows = [(row.key, {**row.record, **targets[row.key].identifiers}) for row in inputs.rows
            if row.key is not None and row.key in targets]  # fmt: skip
    dropped = suppressed(rows, files, "people")
    inputs.targets = [t for t in inputs.targets if target_key(t.identifiers) not in dropped]
    if not inputs.targets:
        raise UsageError("nothing to reveal: every input is on the suppression list")
    return dropped


def suppressed(rows: list[tuple[str, dict[str, Any]]], files: list[str], noun: str) -> set[str]:
    """The keys of the ``(key, columns)`` rows that --suppress names in any of their rows
    (one person or item may stand in several rows), saying how many of how many it drops."""
    from clodura_cli.suppress import load

    suppression = load(files)
    if suppression is None:
        return set()
    for warning in suppression.warnings():
        report.warn(warning)
    dropped = {key for key, columns in rows if suppression.matches(columns)}
    ignored = f", {suppression.ignored} unusable lines ignored" if suppression.ignored else ""
    report.info(
        f"--suppress: {len(dropped)} of {len({key for key, _ in rows})} {noun} skipped "
        f"({suppression.entries} entries{ignored}); nothing sent for them"
    )
    return dropped


def read_inputs(
    kind: str,
    rows_from_args: list[tuple[str, dict[str, Any]]],
    input_file: str | None,
    trust_ids: bool = False,
) -> Inputs:
    """Targets from the arguments and the --input file, with per-row problems reported."""
    inputs = reveal_run.load_inputs(
        kind, rows_from_args, input_file, sys.stdin, terminal.is_terminal("stdin"),
        trust_ids=trust_ids,
    )  # fmt: skip
    damage = reveal_run.damage_report(inputs)
    if damage is not None:
        report.warn(damage)
    for problem in inputs.problems:  # a file's rows by line; arguments by themselves
        report.warn(problem if problem.startswith(("argument ", "--")) else f"--input {problem}")
    if len(inputs.problems) > 1:
        report.info(f"--input: {len(inputs.problems)} warnings (above)")
    for notice in inputs.notices:  # what is sent differs from what the row says: a warning
        report.warn(notice)
    if inputs.duplicates:
        report.info(f"{inputs.duplicates} duplicate input(s) revealed once")
    if inputs.named_twice:
        report.warn(reveal_run.named_twice(inputs.named_twice))
    for label, first, person_id in inputs.one_id_two_people:
        report.warn(f"--input {label}: person id {person_id} with another LinkedIn profile than "
                    f"on {first}: at most one of the rows is that person, and both get the id's "
                    "answer; check the id column")  # fmt: skip
    if input_file == "-" and not rows_from_args and not inputs.rows and not inputs.problems:
        nothing_piped()
    if not (inputs.targets or inputs.rows or inputs.problems or rows_from_args) and input_file:
        raise UsageError(f"--input {input_file}: no records in it (empty, or a header alone); "
                         "nothing sent")  # fmt: skip
    if not inputs.targets and input_file:
        raise UsageError(f"nothing to reveal: no row of --input {input_file} names a person "
                         "(see the warnings above); nothing sent")  # fmt: skip
    if not inputs.targets:
        raise UsageError(
            "nothing to reveal: give person ids, --linkedin-url, "
            + ("--first-name/--last-name/--domain, " if kind == EMAIL else "")
            + "or --input FILE (- for stdin)"
        )
    return inputs


def nothing_piped() -> None:
    """Standard input held no record (the command before it found none, as a `--new-only`
    search does on a day with nothing new): said, and the run ends well, exit 0."""
    import typer

    report.info("--input -: nothing on standard input (the command before found none): "
                "nothing sent, no credits spent")  # fmt: skip
    raise typer.Exit(0)


def _ask(options: RevealOptions, count: int, worst: int, plan: str) -> None:
    """Above 50 credits, on a terminal and without --yes: ask before submitting."""
    if worst > CONFIRM_ABOVE and not options.yes:
        question = (
            f"Reveal {count} {options.kind}(s), which may cost up to {worst} credits ({plan})?"
        )
        if terminal.confirm(question) is False:
            raise CreditGuardError("stopped before submitting: not confirmed")


def _ask_stuck(options: RevealOptions, count: int) -> None:
    """--refresh over jobs whose answer was lost: --yes, or a yes on a terminal."""
    if options.yes:
        return
    question = (
        f"--refresh: {count} person(s) have a job whose answer was lost or not read, which may "
        "have been charged. Submit them again (they may be charged again)?"
    )
    answer = terminal.confirm(question)
    if answer is False:
        raise UsageError("--refresh: not confirmed; those jobs are kept as they are")
    if answer:
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
