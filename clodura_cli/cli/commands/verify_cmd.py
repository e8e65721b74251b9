"""`clodura verify`: email verification through the ledger (each address paid for once)."""

from typing import Annotated, Any

import typer

from clodura_cli.api.errors import UsageError
from clodura_cli.cli import options
from clodura_cli.cli.commands.paid_flow import PaidOptions, with_paid_options
from clodura_cli.cli.session import ApiOptions
from clodura_cli.inputs import Parsed

COLUMNS = ("email", "verdict", "state", "deep", "verifiedAt", "documentId", "status", "credits",
           "message")  # fmt: skip

# fmt: off
Emails = Annotated[list[str] | None, typer.Argument(
    help="Email addresses to verify.", metavar="[EMAIL]...",
)]
Deep = Annotated[bool, typer.Option(
    "--deep", help="Deep verification (0.1 credits instead of 0.04); may be queued, so it needs "
                   "--webhook-url or --listen.",
)]
WebhookUrl = Annotated[str | None, typer.Option(
    "--webhook-url",
    help="Where the API posts a queued verdict (https; or CLODURA_WEBHOOK_URL); receive it "
         "with --listen or `clodura listen`.",
)]
Timeout = Annotated[float, typer.Option(
    "--timeout", min=0, callback=options.finite,
    help="With --listen: seconds to wait for queued verdicts (those still queued are kept as "
         "pending; `clodura listen` or `track --import` completes them later).",
)]
# fmt: on


@with_paid_options
def verify(
    emails: Emails = None,
    deep: Deep = False,
    webhook_url: WebhookUrl = None,
    listen: options.Listen = False,
    listen_port: options.ListenPort = 8787,
    listen_host: options.ListenHost = "127.0.0.1",
    listen_path: options.ListenPath = "/webhook",
    timeout: Timeout = 300.0,
    suppress: options.Suppress = None,
    *,
    paid_opts: PaidOptions,
    api: ApiOptions,
) -> None:
    """Verify email addresses: Deliverable, Undeliverable or Risky (Catch-all); an address
    already verified is answered from the ledger. With --input, the rows come back with the
    verdict columns added.

    Examples:

      clodura verify --sandbox ann@pixelhealth.test

      clodura verify --input contacts.csv -o verified.csv --max-credits 5

      clodura verify --sandbox --deep --listen ann@pixelhealth.test

      clodura verify --deep --webhook-url https://hooks.example.org/clodura bob@acme.com
    """
    from clodura_cli.cli.commands import paid_flow
    from clodura_cli.listen import ListenOptions
    from clodura_cli.vendor import EMAIL_COLUMNS

    hook = api.setting("webhook-url", webhook_url)
    if deep and not hook and not listen:  # the sandbox too: a verdict it queues is only posted
        raise UsageError(
            "--deep: a deep verification may be queued and its verdict posted to a webhook; "
            "give --listen, --webhook-url or CLODURA_WEBHOOK_URL"
        )
    rows = paid_flow.read_records(paid_opts.input_file, emails or [], "email", EMAIL_COLUMNS)
    if not listen or paid_opts.dry_run:
        own = f"http://{listen_host}:{listen_port}{listen_path}" if listen else None
        return _verify(rows, deep, hook or own, suppress, paid_opts, api, None)
    from clodura_cli.cli.commands.listen_flow import receiving
    from clodura_cli.store import config
    from clodura_cli.store.ledger import Ledger

    settings = ListenOptions(listen_host, listen_port, listen_path)
    with receiving(settings, api, Ledger(config.ledger_file()), hook) as url:
        _verify(rows, deep, url, suppress, paid_opts, api, timeout)


def _verify(
    rows: Parsed, deep: bool, hook: str | None, suppress: list[str] | None,
    paid_opts: PaidOptions, api: ApiOptions, wait_pending: float | None,
) -> None:  # fmt: skip
    from clodura_cli.cli.commands import paid_flow
    from clodura_cli.vendor import VERIFY, verify_purchase, verify_row

    purchases = paid_flow.purchases_of(
        rows.rows, lambda _, r: verify_purchase(r, deep, hook), rows.columns
    )

    def rows_of(bought: Any) -> list[dict[str, Any]]:
        item = bought.item
        row = verify_row(bought.purchase.record, item.result)
        return [{**row, "status": item.status, "credits": item.credits, "message": item.message}]

    paid_flow.run_paid(VERIFY, purchases, paid_opts, api, rows_of, COLUMNS, "verification",
                       suppress=suppress, wait_pending=wait_pending)  # fmt: skip
