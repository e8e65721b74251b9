"""`clodura verify`: email verification through the ledger (each address paid for once)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from clodura_cli.api.errors import UsageError
from clodura_cli.cli import options
from clodura_cli.cli.commands.paid_flow import PaidOptions, with_paid_options
from clodura_cli.cli.session import ApiOptions

COLUMNS = ("email", "verdict", "state", "deep", "verifiedAt", "documentId", "status", "credits",
           "message")  # fmt: skip

# fmt: off
Emails = Annotated[list[str] | None, typer.Argument(
    help="Email addresses to verify.", show_default=False, metavar="[EMAIL]...",
)]
Deep = Annotated[bool, typer.Option(
    "--deep", help="Deep verification (0.1 credits instead of 0.04); may be queued, so it needs "
                   "--webhook-url.",
)]
WebhookUrl = Annotated[str | None, typer.Option(
    "--webhook-url", show_default=False,
    help="Where the API posts a queued verdict (https; or CLODURA_WEBHOOK_URL); receive it "
         "with `clodura listen`.",
)]
# fmt: on


@options.with_api_options
@with_paid_options
def verify(
    emails: Emails = None,
    deep: Deep = False,
    webhook_url: WebhookUrl = None,
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

      clodura verify --deep --webhook-url https://hooks.example.org/clodura bob@acme.com
    """
    from clodura_cli.cli.commands import paid_flow
    from clodura_cli.vendor import EMAIL_COLUMNS, VERIFY, verify_purchase, verify_row

    hook = api.setting("webhook-url", webhook_url)
    if deep and not hook and not api.use_sandbox:
        raise UsageError(
            "--deep: a deep verification may be queued and its verdict posted to a webhook; "
            "give --webhook-url (or CLODURA_WEBHOOK_URL)"
        )
    rows = paid_flow.read_records(paid_opts.input_file, emails or [], "email", EMAIL_COLUMNS)
    purchases = paid_flow.purchases_of(rows, lambda _, r: verify_purchase(r, deep, hook))

    def rows_of(bought: Any) -> list[dict[str, Any]]:
        item = bought.item
        row = verify_row(bought.purchase.record, item.result)
        return [{**row, "status": item.status, "credits": item.credits, "message": item.message}]

    paid_flow.run_paid(VERIFY, purchases, paid_opts, api, rows_of, COLUMNS, "verification",
                       suppress=suppress)  # fmt: skip
