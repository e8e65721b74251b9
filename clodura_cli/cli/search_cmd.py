"""`clodura search`: every Search People filter as a flag, results in any format."""

from typing import Annotated, Any

import typer

from clodura_cli import spec
from clodura_cli.cli import complete, options
from clodura_cli.cli.options import F
from clodura_cli.cli.search_flow import SearchOptions
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


def with_search_options(function: F) -> F:
    """The options `search` and `orgs` share (paging, presets, output), declared once and
    handed over as one ``opts: SearchOptions``."""
    params = [
        ("limit", options.Limit, None), ("all_pages", options.AllPages, False),
        ("concurrency", options.Concurrency, None), ("rate", options.Rate, None),
        ("preset", options.Presets, None), ("fmt", options.Format, None),
        ("output", options.Output, None), ("fields", options.Fields, None),
        ("raw_csv", options.RawCsv, False), ("wide", options.Wide, False),
        ("dry_run", options.DryRun, False),
    ]  # fmt: skip

    def build(preset: list[str] | None, **values: Any) -> SearchOptions:
        return SearchOptions(presets=preset or [], **values)

    return options.inject(function, "opts", params, build)


@options.with_api_options
@with_search_options
def search(
    ctx: typer.Context,
    page: Annotated[int | None, opt("page")] = None,
    per_page: Annotated[int | None, opt("perPage")] = None,
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
    *,
    opts: SearchOptions,
    api: ApiOptions,
) -> None:
    """Search people with any combination of Search People filters."""
    from clodura_cli.cli.search_flow import org_ids_from_stdin, run_search

    flags = {f.api: ctx.params[f.param] for f in spec.SEARCH_FIELDS}
    if org_id == "-":
        flags["organizationId"], opts.org_ids = None, org_ids_from_stdin()
    opts.filter_files, opts.new_only, opts.append = filters or [], new_only, append
    opts.forget = "all" if forget_all else "query" if forget else None
    run_search(flags, opts, api)
