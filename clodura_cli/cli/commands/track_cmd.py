"""`clodura track`: the state of reveal jobs, from the API or from the ledger, and the
ledger's own tools (raw answers, rereading them, a backup, settling stuck jobs)."""

from collections.abc import Callable
from typing import Annotated, Any

import typer

from clodura_cli.api.errors import UsageError
from clodura_cli.cli import options, report
from clodura_cli.cli.session import ApiOptions
from clodura_cli.output import OutputOptions

LEDGER_PANEL = "Ledger"

# One option a few lines, as in options.py.
# fmt: off
TrackingIds = Annotated[list[str] | None, typer.Argument(
    help="Tracking ids to fetch (or, with --raw, person ids); none lists the ledger.",
    metavar="[TRACKING_ID]...",
)]
Wait = Annotated[bool, typer.Option(
    "--wait", help="Poll until the jobs are done; with no id, every open job of this account.",
)]
Timeout = Annotated[float, typer.Option(
    help="Seconds to wait before exiting 8.", min=0, callback=options.finite,
)]
Pending = Annotated[bool, typer.Option(
    "--pending", help="List only jobs still waiting for an answer (pending, unread or unknown).",
)]
Limit = Annotated[int | None, typer.Option(help="List at most N jobs.", min=1)]
Raw = Annotated[bool, typer.Option(
    "--raw", rich_help_panel=LEDGER_PANEL,
    help="Print the answers stored for the given jobs (tracking id, person id or LinkedIn URL) "
         "or paid requests (email, LinkedIn URL, organisation id) as JSON, as received; no API "
         "call.",
)]
Reparse = Annotated[bool, typer.Option(
    "--reparse", rich_help_panel=LEDGER_PANEL,
    help="Read every stored answer again with this version's reader and update the jobs, "
         "verifications, enrichments and news; no API call.",
)]
Backup = Annotated[str | None, typer.Option(
    "--backup", metavar="FILE", rich_help_panel=LEDGER_PANEL,
    help="Write a consistent copy of the ledger (your paid jobs) to FILE, even while other runs "
         "use it; no API call.",
)]
Attach = Annotated[str | None, typer.Option(
    "--attach", metavar="PERSON_ID=TRACKING_ID", rich_help_panel=LEDGER_PANEL,
    help="Give a person's stuck job (its answer lost) a tracking id found elsewhere, to track "
         "it; the person by id or by the LinkedIn URL it was asked by.",
)]
Abandon = Annotated[str | None, typer.Option(
    "--abandon", metavar="PERSON_ID", rich_help_panel=LEDGER_PANEL,
    help="Give a person's stuck job (by id or LinkedIn URL) up, after printing its answers; "
         "`reveal --refresh` may then submit again (and may be charged again).",
)]
ForgetNotFound = Annotated[bool, typer.Option(
    "--forget-not-found", rich_help_panel=LEDGER_PANEL,
    help="Forget the not-found answers (their raw answers stay), so that `reveal` asks for "
         "those people again; says how many.",
)]
Since = Annotated[str | None, typer.Option(
    "--since", metavar="DATE", rich_help_panel=LEDGER_PANEL,
    help="With --forget-not-found: only jobs submitted on or after DATE (2026-11-30, or "
         "2026-11-30T09:00).",
)]
Import = Annotated[str | None, typer.Option(
    "--import", metavar="FILE", rich_help_panel=LEDGER_PANEL,
    help="Apply webhook deliveries captured elsewhere (a JSON body, an array, or JSON Lines; - "
         "for stdin), as `clodura listen` would.",
)]
Unmatched = Annotated[bool, typer.Option(
    "--unmatched", rich_help_panel=LEDGER_PANEL,
    help="List the deliveries that matched no job (--reparse matches them once it exists).",
)]
Unverified = Annotated[bool, typer.Option(
    "--unverified", rich_help_panel=LEDGER_PANEL,
    help="List the deliveries kept aside for a missing or wrong signature.",
)]
ApplyUnverified = Annotated[bool, typer.Option(
    "--apply-unverified", rich_help_panel=LEDGER_PANEL,
    help="Apply the deliveries kept aside as unverified (look at them first).",
)]
Kind = Annotated[str | None, typer.Option(
    "--kind", rich_help_panel=LEDGER_PANEL,
    help="email or phone: which of a person's jobs --attach or --abandon means.",
)]
# fmt: on


@options.with_api_options
@options.with_output_options
def track(
    tracking_ids: TrackingIds = None,
    wait: Wait = False,
    timeout: Timeout = 300.0,
    pending: Pending = False,
    limit: Limit = None,
    raw: Raw = False,
    reparse: Reparse = False,
    backup: Backup = None,
    attach: Attach = None,
    abandon: Abandon = None,
    forget_not_found: ForgetNotFound = False,
    since: Since = None,
    import_: Import = None,
    unmatched: Unmatched = False,
    unverified: Unverified = False,
    apply_unverified: ApplyUnverified = False,
    kind: Kind = None,
    concurrency: options.Concurrency = None,
    rate: options.Rate = None,
    *,
    out: OutputOptions,
    api: ApiOptions,
) -> None:
    """Show reveal jobs: fetch given tracking ids, list the ledger, or wait for open jobs.

    Examples:

      clodura track --pending

      clodura track --wait

      clodura track 6f1c2e0a9b7d4c55a1e2f3a4b5c6d7e8 -f json

      clodura track 3597524184265130552 --raw

      clodura track --attach 3597524184265130552=6f1c2e0a9b7d4c55a1e2f3a4b5c6d7e8

      clodura track --import deliveries.jsonl

      clodura track --forget-not-found --since 2026-11-30

      clodura track --backup ledger-copy.db
    """
    from clodura_cli.cli.commands import track_flow as flow

    if kind is not None and kind not in ("email", "phone"):
        raise UsageError(f"--kind: {kind!r} is not a kind; use email or phone")
    actions: dict[str, tuple[object, Callable[[], None]]] = {
        "--backup": (backup, lambda: flow.backup(str(backup))),
        "--raw": (raw or None, lambda: flow.print_raw(tracking_ids or [])),
        "--reparse": (reparse or None, flow.reparse),
        "--attach": (attach, lambda: flow.attach(str(attach), kind)),
        "--abandon": (abandon, lambda: flow.abandon(str(abandon), kind)),
        "--forget-not-found": (forget_not_found or None, lambda: flow.forget_not_found(since)),
        "--import": (import_, lambda: flow.import_deliveries(str(import_), api)),
        "--apply-unverified": (apply_unverified or None, flow.apply_unverified),
    }
    chosen = [name for name, (value, _) in actions.items() if value is not None]
    if since is not None and chosen != ["--forget-not-found"]:
        raise UsageError("--since: give it with --forget-not-found")
    if len(chosen) > 1:
        raise UsageError(f"{' and '.join(chosen)}: give one of them")
    if chosen:
        return actions[chosen[0]][1]()
    if unmatched or unverified:
        return flow.held("unmatched" if unmatched else "unverified", _deliveries(out, api))
    asked = flow.TrackOptions(tracking_ids or [], wait, timeout, pending, limit, concurrency, rate,
                              kind)  # fmt: skip
    flow.show_jobs(asked, _jobs(out, api), api)


def _deliveries(out: OutputOptions, api: ApiOptions) -> Any:
    """Where the kept deliveries go: --format and --output only."""
    from clodura_cli.cli.render import Output

    return Output(api.output_format(out.fmt, out.output), out.output, summary="records")


def _jobs(out: OutputOptions, api: ApiOptions) -> Any:
    """Where the jobs go, as the output options say."""
    from clodura_cli.cli.render import layout_columns, output_for
    from clodura_cli.output import chosen_columns
    from clodura_cli.reveal import REVEAL_COLUMNS

    columns = chosen_columns(out.fields, REVEAL_COLUMNS, report.warn,
                             layout_columns(out, "people"))  # fmt: skip
    return output_for(
        out,
        api,
        api.output_format(out.fmt, out.output),
        columns,
        summary="jobs",
        kind="people",
        extra=(
            "personId",
            "kind",
            "emailStatus",
            "phoneTypes",
            "revealStatus",
            "trackingId",
            "provider",
            "credits",
            "submittedAt",
        ),
    )
