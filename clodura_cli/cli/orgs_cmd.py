"""`clodura orgs`: Search Organizations, through the same paging and output as `search`."""

from typing import Annotated

import typer

from clodura_cli import spec
from clodura_cli.cli import options
from clodura_cli.cli.search_cmd import Flag, Many, Text, opt, with_search_options
from clodura_cli.cli.search_flow import SearchOptions
from clodura_cli.cli.session import ApiOptions

ORGS_EXAMPLES = (
    "Examples:\n\n"
    "  clodura orgs --sandbox --domain clodura.ai\n\n"
    '  clodura orgs --industry-keyword FinTech --employees "51 - 200" --all -o orgs.csv\n\n'
    "  clodura orgs --domain acme.com -f jsonl | clodura search --org-id - --seniority CEO\n\n"
    "  clodura orgs --name Acme --dry-run\n\n"
)


def _org(api_name: str) -> object:
    return opt(api_name, spec.ORG_FIELDS_BY_API)


@options.with_api_options
@with_search_options
def orgs(
    ctx: typer.Context,
    page: Annotated[int | None, _org("page")] = None,
    per_page: Annotated[int | None, _org("perPage")] = None,
    name: Annotated[Text, _org("organisationName")] = None,
    org_id: Annotated[Many, _org("organisationId")] = None,
    domain: Annotated[Text, _org("domain")] = None,
    city: Annotated[Many, _org("organisationCity")] = None,
    state: Annotated[Many, _org("organisationState")] = None,
    country: Annotated[Many, _org("organisationCountry")] = None,
    all_offices: Annotated[Flag, _org("includeAllOffice")] = None,
    industry: Annotated[Many, _org("industry")] = None,
    industry_keyword: Annotated[Many, _org("industryKeywords")] = None,
    business_model: Annotated[Many, _org("businessModel")] = None,
    revenue: Annotated[Many, _org("revenue")] = None,
    employees: Annotated[Many, _org("companyEmployeeSize")] = None,
    web_keyword: Annotated[Many, _org("webKeywords")] = None,
    tech: Annotated[Many, _org("technologyParameters")] = None,
    *,
    opts: SearchOptions,
    api: ApiOptions,
) -> None:
    """Search organisations (Search Organizations) with any of its filters; at least one.

    Use an organisation's id in `clodura search --org-id` for the most precise people search.
    """
    from clodura_cli.cli.search_flow import run_search
    from clodura_cli.errors import UsageError
    from clodura_cli.filters import PAGING_FIELDS
    from clodura_cli.search import ORGANISATIONS

    flags = {f.api: ctx.params[f.param] for f in spec.ORG_FIELDS}
    if not any(v for k, v in flags.items() if k not in PAGING_FIELDS) and not opts.presets:
        raise UsageError(
            "orgs: give at least one filter (the API needs one), e.g. --domain acme.com or "
            "--name Acme; see `clodura orgs --help`"
        )
    opts.endpoint = ORGANISATIONS
    run_search(flags, opts, api)
