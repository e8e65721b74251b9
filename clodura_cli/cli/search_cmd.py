"""`clodura search`: every Search People filter as a flag, results in any format."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from clodura_cli import spec
from clodura_cli.cli import options, report
from clodura_cli.cli.progress import page_progress
from clodura_cli.cli.render import choose_format, destination, render
from clodura_cli.cli.session import ApiOptions, open_client
from clodura_cli.filters import build_search_body
from clodura_cli.output import parse_fields
from clodura_cli.search import SearchPlan, SearchRun, iterate_records, plan_search


def opt(api_name: str) -> Any:
    """The typer option for a Search People field, from its entry in the spec."""
    fld = spec.FIELDS_BY_API[api_name]
    help_text = fld.help
    if fld.choices:
        kind = "Known values" if fld.open_list else "One of"
        help_text += f" {kind}: {', '.join(fld.choices)}."
    if fld.kind is spec.Kind.ARRAY:
        help_text += " Repeatable."
    return typer.Option(
        fld.flag,
        help=help_text,
        rich_help_panel=fld.panel,
        show_default=False,
        metavar="DATE" if fld.kind is spec.Kind.DATE else None,
    )


Text = str | None
Many = list[str] | None
Flag = bool | None


def search(
    ctx: typer.Context,
    page: Annotated[int, opt("page")] = 1,
    per_page: Annotated[int | None, opt("perPage")] = None,
    limit: Annotated[
        int | None,
        typer.Option(help="Fetch exactly up to N records across pages.", rich_help_panel="Paging"),
    ] = None,
    all_pages: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Fetch every page until the results end (the API stops at page 100).",
            rich_help_panel="Paging",
        ),
    ] = False,
    concurrency: options.Concurrency = 4,
    person_id: Annotated[Text, opt("personId")] = None,
    first_name: Annotated[Text, opt("firstName")] = None,
    last_name: Annotated[Text, opt("lastName")] = None,
    linkedin_url: Annotated[Text, opt("linkedinUrl")] = None,
    seniority: Annotated[Many, opt("seniority")] = None,
    title: Annotated[Many, opt("personTitle")] = None,
    similar_titles: Annotated[Flag, opt("includeSimilarTitles")] = None,
    function: Annotated[Many, opt("functional")] = None,
    email_status: Annotated[Text, opt("contactEmailStatus")] = None,
    exclude_viewed: Annotated[Flag, opt("excludeViewedPeople")] = None,
    city: Annotated[Many, opt("personCity")] = None,
    state: Annotated[Many, opt("personState")] = None,
    country: Annotated[Many, opt("personCountry")] = None,
    exclude_location: Annotated[Flag, opt("personLocationExclude")] = None,
    company_country: Annotated[Many, opt("companyCountry")] = None,
    company_state: Annotated[Many, opt("companyState")] = None,
    company_city: Annotated[Many, opt("companyCity")] = None,
    all_offices: Annotated[Flag, opt("includeAllOffice")] = None,
    org_id: Annotated[Text, opt("organizationId")] = None,
    org_name: Annotated[Text, opt("organizationName")] = None,
    domain: Annotated[Many, opt("companyDomain")] = None,
    employees: Annotated[Many, opt("companyEmployeeSize")] = None,
    industry: Annotated[Many, opt("industry")] = None,
    industry_keyword: Annotated[Many, opt("industryKeywords")] = None,
    revenue: Annotated[Many, opt("revenue")] = None,
    business_model: Annotated[Many, opt("businessModel")] = None,
    funding_type: Annotated[Many, opt("fundingType")] = None,
    funded_from: Annotated[Text, opt("fundingFromDate")] = None,
    funded_to: Annotated[Text, opt("fundingToDate")] = None,
    tech: Annotated[Many, opt("technologyParameters")] = None,
    web_keyword: Annotated[Many, opt("webKeywords")] = None,
    fmt: options.Format = None,
    output: options.Output = None,
    fields: options.Fields = None,
    dry_run: options.DryRun = False,
    sandbox: options.Sandbox = False,
    base_url: options.BaseUrl = None,
    verbose: options.Verbose = False,
) -> None:
    """Search people with any combination of Search People filters.

    Examples:

      clodura search --sandbox --seniority CEO --employees 51-200 --country "United States"

      clodura search --title "vp sales" --funded-from 2024-01-01 --all -o leads.csv

      clodura search --domain acme.com --limit 250 -f jsonl | jq -r .linkedinUrl

      clodura search --seniority Director --function Marketing --dry-run
    """
    request = build_search_body({f.api: ctx.params[f.param] for f in spec.SEARCH_FIELDS})
    for warning in request.warnings:
        report.warn(warning)
    plan = plan_search(request.body, page=page, per_page=per_page, limit=limit, fetch_all=all_pages)
    chosen = choose_format(fmt, output)
    columns = parse_fields(fields)
    api = ApiOptions(sandbox=sandbox, base_url=base_url, verbose=verbose)
    if dry_run:
        print_dry_run(plan, api)
        return
    warn_about_plan(plan, limit)
    run = SearchRun()
    with (
        open_client(api, max_connections=concurrency) as client,
        page_progress(_total_pages(plan), plan.mode != "page") as on_page,
        destination(output) as stream,
    ):
        records = iterate_records(client, plan, concurrency=concurrency, run=run, on_page=on_page)
        to_terminal = output is None and sys.stdout.isatty()
        count = render(records, chosen, columns, stream, to_terminal=to_terminal)
    if count == 0:
        report.info("No results")
    if run.truncated:
        report.warn(
            f"stopped at page {spec.MAX_PAGE}, the end of the API's {spec.RESULT_WINDOW:,}-record "
            "window: results may be truncated; narrow the filters to see the rest"
        )


def _total_pages(plan: SearchPlan) -> int | None:
    pages = plan.pages()
    return len(pages) if isinstance(pages, list) else None


def warn_about_plan(plan: SearchPlan, limit: int | None) -> None:
    """Say what of a --limit cannot be fetched, before fetching."""
    limit_plan = plan.limit_plan
    if limit_plan is None or limit is None:
        return
    if limit_plan.beyond_window:
        report.warn(
            f"--limit {limit}: the API serves no record past number {spec.RESULT_WINDOW:,}; "
            f"fetching up to {limit - limit_plan.beyond_window}"
        )
    if limit_plan.shortfall:
        report.warn(
            f"--limit {limit}: the API's pages (page and perPage at most 100) cannot end exactly "
            f"there without charging for records past the limit; fetching "
            f"{limit_plan.records} records instead"
        )


def print_dry_run(plan: SearchPlan, api: ApiOptions) -> None:
    """Print the first request as JSON, with the planned pages of a multi-page run."""
    url = api.resolved_base_url() + spec.SEARCH_PEOPLE_PATH
    pages = plan.pages()
    preview: dict[str, Any] = {
        "method": "POST",
        "url": url,
        "body": plan.request_body(pages[0] if isinstance(pages, list) and pages else plan.first),
    }
    if plan.mode != "page":
        preview["pages"] = (
            [{"page": p.page, "perPage": p.per_page} for p in pages]
            if isinstance(pages, list)
            else f"pages {plan.first.page}-{spec.MAX_PAGE} of {plan.first.per_page}, "
            "until a page comes back short"
        )
    sys.stdout.write(json.dumps(preview, indent=2, ensure_ascii=False) + "\n")
