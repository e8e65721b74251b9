"""`clodura search`: every Search People filter as a flag, results in any format."""

import sys
from typing import Annotated, Any

import typer

from clodura_cli.api import spec
from clodura_cli.api.errors import UsageError
from clodura_cli.cli import options, report, terminal
from clodura_cli.cli.options import F
from clodura_cli.cli.session import ApiOptions
from clodura_cli.search_run import SearchOptions

EXAMPLES = (
    "Examples:\n\n"
    '  clodura search --sandbox --seniority CEO --employees 51-200 --country "United States"\n\n'
    '  clodura search --title "vp sales" --funded-from 2024-01-01 --all -o leads.csv\n\n'
    "  clodura search --domain acme.com --limit 250 -f jsonl | jq -r .linkedinUrl\n\n"
    "  clodura search --seniority Director --function Marketing --dry-run\n\n"
    "  clodura search --preset cfos-fintech --funded-from -90d --new-only -o new.csv\n\n"
)


SearchAppend = Annotated[bool, typer.Option(
    "--append", rich_help_panel=options.OUTPUT_PANEL,
    help=f"Add to the -o file instead of replacing it ({options.APPENDABLE}; a header only "
         "when the file is new). A failed run leaves the file as it was.",
)]  # fmt: skip
SearchRefresh = Annotated[bool, typer.Option(
    "--refresh", rich_help_panel="Paging",
    help="Ask the API again for pages this account fetched within search-cache-ttl (default "
         "1 hour), instead of reusing them for free.",
)]  # fmt: skip


def with_search_options(function: F, presets: Any = options.Presets) -> F:
    """The options `search` and `orgs` share (paging, presets, output), declared once and
    handed over as one ``opts: SearchOptions``; ``presets``: the --preset that completes
    to presets of the command's kind."""
    params = [
        ("limit", options.Limit, None), ("all_pages", options.AllPages, False),
        ("max_credits", options.SearchMaxCredits, None),
        ("concurrency", options.Concurrency, None), ("rate", options.Rate, None),
        ("preset", presets, None), *options.output_params(append=SearchAppend),
        ("wide", options.Wide, False),
        ("dry_run", options.DryRun, False), ("suppress", options.Suppress, None),
        ("refresh", SearchRefresh, False),
    ]  # fmt: skip

    def build(preset: list[str] | None, suppress: list[str] | None, **values: Any) -> SearchOptions:
        out = options.output_options(values)
        if not suppress:
            return SearchOptions(presets=preset or (), **values, out=out)
        from clodura_cli.cli import report
        from clodura_cli.suppress import load

        lists = load(suppress)
        for warning in lists.warnings() if lists is not None else ():
            report.warn(warning)
        return SearchOptions(presets=preset or (), suppress=lists, **values, out=out)

    return options.inject(function, "opts", params, build)


def with_org_search_options(function: F) -> F:
    """`orgs`'s: the same options, its --preset offering organisation presets."""
    return with_search_options(function, options.OrgPresets)


@options.with_api_options
@with_search_options
@options.with_filters(spec.SEARCH_FIELDS)
def search(
    filters: Annotated[
        list[str] | None,
        typer.Option(
            "--filters",
            help="A preset file anywhere (applied after --preset; flags override both).",
            metavar="PATH",
            rich_help_panel="Presets",
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
    memory: Annotated[
        str | None,
        typer.Option(
            "--memory",
            metavar="NAME",
            help="With --new-only or --forget: remember people under NAME (default: the preset's "
            "name, or the query's filters without a preset).",
            rich_help_panel="Presets",
        ),
    ] = None,
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
    *,
    flags: dict[str, Any],
    opts: SearchOptions,
    api: ApiOptions,
) -> None:
    """Search people with any combination of Search People filters."""
    from clodura_cli.cli.commands.search_flow import run_search

    org_ids = None
    if flags["organizationId"] == "-":
        flags, org_ids = {**flags, "organizationId": None}, _org_ids_from_stdin()
    forgetting = "all" if forget_all else "query" if forget else None
    if memory is not None and not (new_only or forget):
        raise UsageError("--memory: give it with --new-only (or --forget), which it names")
    if memory is not None and (not memory.strip() or len(memory) > 200):
        raise UsageError(f"--memory: {memory!r} is not a name; use a short text like cfos-weekly")
    own = opts._replace(filter_files=filters or (), new_only=new_only, forget=forgetting,
                        org_ids=org_ids, memory=memory)  # fmt: skip
    run_search(flags, own, api)


def _org_ids_from_stdin() -> list[str]:
    """`--org-id -`: organisation ids from stdin (JSON Lines records, a CSV or TSV with an id
    column, or one id a line)."""
    if terminal.is_terminal("stdin"):
        raise UsageError("--org-id -: standard input is a terminal; pipe the ids in")
    from clodura_cli.inputs import org_ids_from_text, read_input  # not at start-up

    ids, warnings = org_ids_from_text(read_input("-", sys.stdin, "--org-id -").text)
    for warning in warnings:
        report.warn(warning)
    if not ids and warnings:
        raise UsageError(
            "--org-id -: no organisation ids on standard input (pipe `clodura orgs` output; "
            "with --layout, add --fields organisationId)"
        )
    return ids  # none at all: the search upstream found no organisation
