"""`clodura search`: every Search People filter as a flag, results in any format."""

from typing import Annotated, Any

import typer

from clodura_cli import spec
from clodura_cli.cli import complete, options
from clodura_cli.cli.session import ApiOptions


def opt(api_name: str, fields: Any = spec.FIELDS_BY_API) -> Any:
    """The typer option for a search field, from its entry in the spec (Search People's, or
    with ``fields`` another endpoint's)."""
    fld = fields[api_name]
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
        autocompletion=complete.choices(fld.choices) if fld.choices else None,
    )


Text = str | None
Many = list[str] | None
Flag = bool | None


SEARCH_EXAMPLES = (
    "Examples:\n\n"
    '  clodura search --sandbox --seniority CEO --employees 51-200 --country "United States"\n\n'
    '  clodura search --title "vp sales" --funded-from 2024-01-01 --all -o leads.csv\n\n'
    "  clodura search --domain acme.com --limit 250 -f jsonl | jq -r .linkedinUrl\n\n"
    "  clodura search --seniority Director --function Marketing --dry-run\n\n"
    "  clodura search --preset cfos-fintech --funded-from -90d --new-only -o new.csv\n\n"
)


@options.with_api_options
def search(
    ctx: typer.Context,
    page: Annotated[int | None, opt("page")] = None,
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
    concurrency: options.Concurrency = None,
    rate: options.Rate = None,
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
    preset: Annotated[
        list[str] | None,
        typer.Option(
            help="Saved preset to start from (repeatable; later ones override earlier ones).",
            rich_help_panel="Presets",
            show_default=False,
            autocompletion=complete.preset_names,
        ),
    ] = None,
    filters: Annotated[
        list[str] | None,
        typer.Option(
            "--filters",
            help="A preset file anywhere (applied after --preset; flags override both).",
            metavar="PATH",
            rich_help_panel="Presets",
            show_default=False,
        ),
    ] = None,
    new_only: Annotated[
        bool,
        typer.Option(
            "--new-only",
            help="Print only people this profile has not printed before for this preset or query; "
            "with --limit N, the next N such people.",
            rich_help_panel="Presets",
        ),
    ] = False,
    forget: Annotated[
        bool,
        typer.Option(
            "--forget",
            help="With --new-only: forget who was printed for this query, then stop (no search).",
            rich_help_panel="Presets",
        ),
    ] = False,
    forget_all: Annotated[
        bool,
        typer.Option(
            "--forget-all",
            help="Forget who --new-only printed for every query of this profile, then stop.",
            rich_help_panel="Presets",
        ),
    ] = False,
    append: Annotated[
        bool,
        typer.Option(
            "--append",
            help="Add to the -o file instead of replacing it (CSV and JSON Lines; the CSV header "
            "only when the file is new). A failed run leaves the file as it was.",
            rich_help_panel=options.OUTPUT_PANEL,
        ),
    ] = False,
    wide: options.Wide = False,
    fmt: options.Format = None,
    output: options.Output = None,
    fields: options.Fields = None,
    raw_csv: options.RawCsv = False,
    dry_run: options.DryRun = False,
    *,
    api: ApiOptions,
) -> None:
    """Search people with any combination of Search People filters."""
    from clodura_cli.cli.search_flow import SearchOptions, run_search

    flags = {f.api: ctx.params[f.param] for f in spec.SEARCH_FIELDS}
    org_ids = None
    if org_id == "-":
        from clodura_cli.cli.search_flow import org_ids_from_stdin

        flags["organizationId"], org_ids = None, org_ids_from_stdin()
    run_search(
        flags,
        SearchOptions(
            limit=limit, all_pages=all_pages, concurrency=concurrency, rate=rate, fmt=fmt,
            output=output, fields=fields, dry_run=dry_run, presets=preset or [],
            filter_files=filters or [], new_only=new_only, raw_csv=raw_csv, append=append,
            forget="all" if forget_all else "query" if forget else None, wide=wide,
            org_ids=org_ids,
        ),
        api,
    )  # fmt: skip
