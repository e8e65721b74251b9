"""`clodura credits`: the account's balance, for both plan families."""

from __future__ import annotations

import json
import sys

from clodura_cli.cli import options, terminal
from clodura_cli.cli.session import ApiOptions, open_client


@options.with_api_options
def credits(fmt: options.Format = None, *, api: ApiOptions) -> None:
    """Show the credit balance: a table with usage bars; the API's answer as is with -f json;
    one row per pool (plan, pool, used, maximum, remaining) with -f csv or -f jsonl.

    Examples:

      clodura credits

      clodura credits -f json | jq .remainingCredits

      clodura credits -f csv >> balance-history.csv
    """
    chosen = fmt or ("table" if terminal.is_terminal("stdout") else "json")
    with open_client(api) as client:
        balance = client.credits()
    if chosen == "json":
        sys.stdout.write(json.dumps(balance, indent=2) + "\n")
        return
    from clodura_cli.credits import pools

    family, rows = pools(balance)
    if chosen in ("csv", "jsonl"):
        from clodura_cli.output import write_records

        records = (
            {"plan": family, "pool": pool.name, "used": pool.used, "maximum": pool.maximum,
             "remaining": pool.remaining}
            for pool in rows
        )  # fmt: skip
        write_records(records, chosen, sys.stdout, ["plan", "pool", "used", "maximum", "remaining"])
        return
    from clodura_cli.cli.table import render_credits

    render_credits(family, rows, sys.stdout, to_terminal=terminal.is_terminal("stdout"))
