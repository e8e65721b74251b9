"""`clodura credits`: the account's balance, for both plan families."""

from __future__ import annotations

import json
import sys

from clodura_cli.cli import options
from clodura_cli.cli.session import ApiOptions, open_client
from clodura_cli.errors import UsageError


def credits(
    fmt: options.Format = None,
    sandbox: options.Sandbox = False,
    base_url: options.BaseUrl = None,
    verbose: options.Verbose = False,
    profile: options.Profile = None,
) -> None:
    """Show the credit balance: a table with usage bars, or the API's JSON with -f json.

    Examples:

      clodura credits

      clodura credits -f json | jq .remainingCredits
    """
    api = ApiOptions(sandbox=sandbox, base_url=base_url, verbose=verbose, profile_name=profile)
    chosen = fmt or ("table" if sys.stdout.isatty() else "json")
    if chosen not in ("table", "json"):
        raise UsageError(f"--format: credits are shown as table or json, not {chosen!r}")
    with open_client(api) as client:
        balance = client.credits()
    if chosen == "json":
        sys.stdout.write(json.dumps(balance, indent=2) + "\n")
        return
    from clodura_cli.cli.table import render_credits
    from clodura_cli.credits import pools

    family, rows = pools(balance)
    render_credits(family, rows, sys.stdout, to_terminal=sys.stdout.isatty())
