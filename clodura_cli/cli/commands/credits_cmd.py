"""`clodura credits`: the account's balance, for both plan families."""

import sys

from clodura_cli.cli import options, terminal
from clodura_cli.cli.session import ApiOptions, open_client
from clodura_cli.store.formats import json_text

POOL_COLUMNS = ("plan", "pool", "used", "maximum", "remaining", "checkedAt")


@options.with_api_options
def credits(fmt: options.Format = None, *, api: ApiOptions) -> None:
    """Show the credit balance: a table with usage bars; the API's answer as is with -f json;
    one row per pool (plan, pool, used, maximum, remaining, and when it was checked) in the
    other formats (JSON Lines in a pipe, unless the format setting says otherwise).

    Examples:

      clodura credits

      clodura credits -f jsonl | jq -r '"\\(.pool): \\(.remaining) left"'

      clodura credits -f jsonl >> balance-history.jsonl   # a line a pool, each run
    """
    chosen = api.output_format(fmt, None)
    with open_client(api) as client:
        balance = client.credits()
    if chosen == "json":
        sys.stdout.write(json_text(balance, indent=2) + "\n")
        return
    from clodura_cli.credits import pools

    family, rows = pools(balance)
    if chosen != "table":
        import datetime as dt

        from clodura_cli.cli.render import Output, write_output

        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        records = (
            {"plan": family, "pool": pool.name, "used": pool.used, "maximum": pool.maximum,
             "remaining": pool.remaining, "checkedAt": now}
            for pool in rows
        )  # fmt: skip
        write_output(records, Output(chosen, columns=POOL_COLUMNS), empty_header=False)
        return
    from clodura_cli.cli.table import render_credits

    render_credits(family, rows, sys.stdout, to_terminal=terminal.is_terminal("stdout"))
