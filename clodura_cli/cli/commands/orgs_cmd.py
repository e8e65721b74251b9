"""`clodura orgs`: Search Organizations, through the same paging and output as `search`."""

from typing import Any

from clodura_cli.api import spec
from clodura_cli.cli import options
from clodura_cli.cli.commands.search_cmd import with_org_search_options
from clodura_cli.cli.session import ApiOptions
from clodura_cli.search_run import SearchOptions

EXAMPLES = (
    "Examples:\n\n"
    "  clodura orgs --sandbox --domain clodura.ai\n\n"
    '  clodura orgs --industry-keyword FinTech --employees "51 - 200" --all -o orgs.csv\n\n'
    "  clodura orgs --domain acme.com -f jsonl | clodura search --org-id - --seniority CEO\n\n"
    "  clodura orgs --name Acme --dry-run\n\n"
)


@options.with_api_options
@with_org_search_options
@options.with_filters(spec.ORG_FIELDS)
def orgs(*, flags: dict[str, Any], opts: SearchOptions, api: ApiOptions) -> None:
    """Search organisations (Search Organizations) with any of its filters; at least one.

    Use an organisation's id in `clodura search --org-id` for the most precise people search.
    """
    from clodura_cli.api.endpoints import ORGANISATIONS
    from clodura_cli.api.errors import UsageError
    from clodura_cli.api.filters import PAGING_FIELDS
    from clodura_cli.cli.commands.search_flow import run_search

    if not any(v for k, v in flags.items() if k not in PAGING_FIELDS) and not opts.presets:
        raise UsageError(
            "orgs: give at least one filter (the API needs one), e.g. --domain acme.com or "
            "--name Acme; see `clodura orgs --help`"
        )
    run_search(flags, opts._replace(endpoint=ORGANISATIONS), api)
