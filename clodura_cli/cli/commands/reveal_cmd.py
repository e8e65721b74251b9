"""`clodura reveal email|phone`: reveal contact details without ever paying twice."""

from dataclasses import replace
from typing import Annotated, Any, NamedTuple

import typer

from clodura_cli.cli import options
from clodura_cli.cli.options import F
from clodura_cli.cli.session import ApiOptions
from clodura_cli.reveal_run import RevealOptions

app = typer.Typer(
    help="Reveal emails or phone numbers; every job is kept in a local ledger.\n\n"
    "Example:\n\n  clodura search --seniority CEO --limit 20 | clodura reveal email --input -",
    no_args_is_help=True,
)

INPUT_PANEL = "People"
REVEAL_PANEL = "Reveal"

PersonIds = Annotated[
    list[str] | None,
    typer.Argument(help="Person ids to reveal.", metavar="[PERSON_ID]..."),
]
# One option a few lines, as in options.py.
# fmt: off
LinkedinUrls = Annotated[list[str] | None, typer.Option(
    "--linkedin-url", rich_help_panel=INPUT_PANEL,
    help="Standard LinkedIn profile URL. Repeatable.",
)]
InputFile = Annotated[str | None, typer.Option(
    "--input", "-i", metavar="FILE", rich_help_panel=INPUT_PANEL,
    help="JSON Lines, a JSON array, CSV with a header (any `clodura search` output, with "
         "--layout too), or one person id per line; - reads stdin.",
)]
TrustIds = Annotated[bool, typer.Option(
    "--trust-ids", rich_help_panel=INPUT_PANEL,
    help="Send person ids as they are, even those a spreadsheet seems to have damaged "
         "(2.15846224800326E+018, a decimal point, digits after the 15th all zeros).",
)]
WebhookUrl = Annotated[str | None, typer.Option(
    "--webhook-url", rich_help_panel=REVEAL_PANEL,
    help="Where the API posts results (https; or CLODURA_WEBHOOK_URL).",
)]
Wait = Annotated[bool, typer.Option(
    "--wait/--no-wait", rich_help_panel=REVEAL_PANEL,
    help="Poll until every job is done; --no-wait only submits and prints the tracking ids.",
)]
Timeout = Annotated[float, typer.Option(
    "--timeout", min=0, callback=options.finite, rich_help_panel=REVEAL_PANEL,
    help="Seconds to wait for the jobs before exiting 8 (resume with `clodura track --wait`).",
)]
Refresh = Annotated[bool, typer.Option(
    "--refresh", rich_help_panel=REVEAL_PANEL,
    help="Reveal again people the ledger already has a result for (spends credits again).",
)]
MaxCredits = Annotated[int | None, typer.Option(
    "--max-credits", min=0, metavar="N", rich_help_panel=REVEAL_PANEL,
    help="Exit 4 without submitting when the worst-case cost is above N.",
)]
Yes = Annotated[bool, typer.Option(
    "--yes", "-y", rich_help_panel=REVEAL_PANEL,
    help="Do not ask before a run that may cost over 50 credits.",
)]
DryRun = Annotated[bool, typer.Option(
    "--dry-run", rich_help_panel=REVEAL_PANEL,
    help="Print what would be submitted, what the ledger answers and the worst-case cost; "
         "submit nothing.",
)]
# fmt: on


def with_reveal_options(function: F) -> F:
    """The options both reveal commands take, declared once, handed over as one
    ``run: RevealOptions`` (its kind is set by the command)."""
    from clodura_cli.reveal_run import RevealOptions

    params = [
        ("input_file", InputFile, None), ("trust_ids", TrustIds, False),
        ("suppress", options.Suppress, None),
        ("webhook_url", WebhookUrl, None), ("wait", Wait, True),
        ("timeout", Timeout, 300.0), ("concurrency", options.Concurrency, None),
        ("rate", options.Rate, None), ("refresh", Refresh, False),
        ("max_credits", MaxCredits, None), ("dry_run", DryRun, False), ("yes", Yes, False),
        ("listen", options.Listen, False), ("listen_port", options.ListenPort, 8787),
        ("listen_host", options.ListenHost, "127.0.0.1"),
        ("listen_path", options.ListenPath, "/webhook"),
        *options.output_params(append=options.Append),
    ]  # fmt: skip

    def build(**values: Any) -> RevealOptions:
        out = options.output_options(values)
        return RevealOptions(kind="", **values, out=out)

    return options.inject(function, "run", params, build)


class People(NamedTuple):
    """Who the command line names, besides --input."""

    ids: list[str]
    linkedin_urls: list[str]


def with_people(function: F) -> F:
    """The person ids and --linkedin-url both reveal commands take, first in their help,
    handed over as one ``people: People``."""
    params = [("person_ids", PersonIds, None), ("linkedin_url", LinkedinUrls, None)]

    def build(person_ids: list[str] | None, linkedin_url: list[str] | None) -> People:
        return People(person_ids or [], linkedin_url or [])

    return options.inject(function, "people", params, build, first=True)


@app.command()
@options.with_api_options
@with_reveal_options
@with_people
def email(
    first_name: Annotated[
        str | None,
        typer.Option(
            help="First name (with --last-name and --domain).", rich_help_panel=INPUT_PANEL
        ),
    ] = None,
    last_name: Annotated[
        str | None, typer.Option(help="Last name.", rich_help_panel=INPUT_PANEL)
    ] = None,
    domain: Annotated[
        str | None, typer.Option(help="Bare company domain.", rich_help_panel=INPUT_PANEL)
    ] = None,
    *,
    people: People,
    run: RevealOptions,
    api: ApiOptions,
) -> None:
    """Reveal email addresses of people by id, LinkedIn URL, or name and company domain.

    Examples:

      clodura reveal email 3597524184265130552 --webhook-url https://hooks.example.com/clodura

      clodura search --title cto --limit 50 | clodura reveal email --input - -f csv > ctos.csv

      clodura reveal email --first-name Kapil --last-name Khangaonkar --domain clodura.ai --sandbox
    """
    from clodura_cli.cli.commands.reveal_flow import run_reveal
    from clodura_cli.inputs import EMAIL, from_arguments

    rows = from_arguments(EMAIL, *people, (first_name, last_name, domain))
    run_reveal(replace(run, kind=EMAIL), rows, api)


@app.command()
@options.with_api_options
@with_reveal_options
@with_people
def phone(
    partners: Annotated[
        bool,
        typer.Option(
            "--partners",
            help="Also ask partner providers (needs a webhook URL).",
            rich_help_panel=REVEAL_PANEL,
        ),
    ] = False,
    *,
    people: People,
    run: RevealOptions,
    api: ApiOptions,
) -> None:
    """Reveal phone numbers of people by id or LinkedIn URL.

    Examples:

      clodura reveal phone 3597524184265130552 --sandbox

      clodura reveal phone --input leads.csv --partners --webhook-url https://hooks.example.com/c
    """
    from clodura_cli.cli.commands.reveal_flow import run_reveal
    from clodura_cli.inputs import PHONE, from_arguments

    rows = from_arguments(PHONE, *people, (None, None, None))
    run_reveal(replace(run, kind=PHONE, partners=partners), rows, api)
