"""`clodura enrich person|org`: contact and company enrichment through the ledger."""

import re
from typing import Annotated, Any

import typer

from clodura_cli.api import spec
from clodura_cli.api.errors import UsageError
from clodura_cli.cli import options, report
from clodura_cli.cli.commands.paid_flow import PaidOptions, with_paid_options
from clodura_cli.cli.session import ApiOptions

app = typer.Typer(
    help="Enrich people or organisations; every answer is kept in the local ledger and never "
    "paid for twice.\n\nExample:\n\n  clodura search --seniority CEO --limit 20 | clodura enrich "
    "person --input -",
    no_args_is_help=True,
)
PERSON_COLUMNS = ("linkedinUrl", "email", "firstName", "lastName", "organisationName",
                  "matchConfidence", "personId", "personTitle", "functional", "seniority",
                  "personCity", "personState", "personCountry", "organisationId", "domain",
                  "industry", "employeeSize", "revenue", "status", "credits",
                  "message")  # fmt: skip
ORG_COLUMNS = ("organisationId", "organisationName", "domain", "linkedinUrl", "foundedYear",
               "industry", "employeeSize", "revenue", "hqAddress", "phone", "website",
               "technographics", "acquisitions", "funding", "status", "credits",
               "message")  # fmt: skip


#: Who `enrich person` looks for: Enrich Person's body fields, a flag each.
# fmt: off
PERSON_FIELDS = tuple(
    spec.Field(api, flag, spec.Kind.STRING, None, help) for api, flag, help in (
        ("linkedinUrl", "--linkedin-url", "The person's LinkedIn URL (match confidence: highest)."),
        ("email", "--email", "The person's email (medium; better with the first and last name)."),
        ("firstName", "--first-name",
         "First name: with --last-name and --org-linkedin-url or --org-name."),
        ("lastName", "--last-name", "Last name."),
        ("organisationName", "--org-name", "The employer's name (with the names: low confidence)."),
        ("orgLinkedinUrl", "--org-linkedin-url",
         "The employer's LinkedIn URL (with the names: medium confidence)."),
    )
)
#: How a refusal names the person given by flags (not a line of --input).
_FLAGS = "enrich person"


def _as_flags(text: str) -> str:
    """A refusal naming the body's fields (orgLinkedinUrl) as flags (--org-linkedin-url)."""
    for field in PERSON_FIELDS:
        text = re.sub(rf"\b{field.api}\b", field.flag, text)
    return text


OrgIds = Annotated[list[str] | None, typer.Argument(
    help="Organisation ids to enrich.", metavar="[ORG_ID]...",
)]
OrgLinkedinUrls = Annotated[list[str] | None, typer.Option(
    "--org-linkedin-url", help="A company's LinkedIn URL. Repeatable.",
)]
Technographics = Annotated[bool, typer.Option(
    "--technographics", help="Add-on: the technologies it uses (+1 credit an organisation).",
)]
Acquisitions = Annotated[bool, typer.Option(
    "--acquisitions", help="Add-on: the companies it bought (+1 credit an organisation).",
)]
Funding = Annotated[bool, typer.Option(
    "--funding", help="Add-on: its funding rounds (+1 credit an organisation).",
)]
# fmt: on


def _no(flag: str) -> Any:
    """A --no- form the add-ons had as typer's on/off pairs: they are off unless given, so it
    is hidden; kept so that scripts using it still run (it wins over the add-on)."""
    return typer.Option(flag, hidden=True)


@app.command(
    epilog="Examples:\n\n  clodura enrich person --sandbox --linkedin-url "
    "https://www.linkedin.com/in/aarav-hernandez-7b16da/\n\n  clodura enrich person --email "
    "ann@acme.com --first-name Ann --last-name Lee\n\n  clodura search --title cto --limit 50 "
    "| clodura enrich person --input - -o ctos.csv"
)
@with_paid_options
@options.with_filters(PERSON_FIELDS)
def person(
    suppress: options.Suppress = None,
    *,
    flags: dict[str, Any],
    paid_opts: PaidOptions,
    api: ApiOptions,
) -> None:
    """Enrich people by LinkedIn URL (highest confidence), email (medium), or first and last
    name with the company's LinkedIn URL (medium) or name (low). 2 credits for a person, 1 for
    organisation details only, 0 for no match."""
    from clodura_cli.cli.commands import paid_flow
    from clodura_cli.vendor import (
        ENRICH_PERSON,
        PERSON_INPUT_COLUMNS,
        person_purchase,
        person_row,
    )

    given = {k: v for k, v in flags.items() if v}
    rows = [(_FLAGS, given)] if given else []
    if given:  # the flags' mistake ends the run, before anything is read or sent
        try:
            person_purchase(given, _FLAGS)
        except UsageError as exc:
            raise UsageError(_as_flags(exc.message)) from None  # flags, not the body's fields
    read = paid_flow.read_records(paid_opts.input_file, [], "linkedinUrl", PERSON_INPUT_COLUMNS)
    dropped: list[str] = []  # identifiers taken out of rows that are sent all the same
    purchases = paid_flow.purchases_of([*rows, *read.rows], lambda label, record: (
        person_purchase(record, label, dropped)), read.columns)  # fmt: skip
    for why in dropped:
        report.warn(_as_flags(why) if why.startswith(_FLAGS) else f"--input {why}")
    paid_flow.run_paid(ENRICH_PERSON, purchases, paid_opts, api, _rows(person_row),
                       PERSON_COLUMNS, "enrichment", suppress=suppress)  # fmt: skip


@app.command(
    epilog="Examples:\n\n  clodura enrich org --sandbox 6964146847109114255 --funding\n\n"
    "  clodura orgs --domain acme.com -f jsonl | clodura enrich org --input -\n\n"
    "  clodura enrich org --org-linkedin-url https://www.linkedin.com/company/acme/"
)
@with_paid_options
def org(
    org_ids: OrgIds = None,
    org_linkedin_url: OrgLinkedinUrls = None,
    technographics: Technographics = False,
    acquisitions: Acquisitions = False,
    funding: Funding = False,
    no_technographics: Annotated[bool, _no("--no-technographics")] = False,
    no_acquisitions: Annotated[bool, _no("--no-acquisitions")] = False,
    no_funding: Annotated[bool, _no("--no-funding")] = False,
    *,
    paid_opts: PaidOptions,
    api: ApiOptions,
) -> None:
    """Enrich organisations by id or LinkedIn URL: firmographics (1 credit), and the
    technographics, acquisitions and funding add-ons (+1 credit each)."""
    from clodura_cli.cli.commands import paid_flow
    from clodura_cli.vendor import ENRICH_ORG, ORG_INPUT_COLUMNS, org_purchase, org_row

    add_ons = [name for name, on, off in (("technographics", technographics, no_technographics),
               ("acquisitions", acquisitions, no_acquisitions), ("funding", funding, no_funding))
               if on and not off]  # fmt: skip
    read = paid_flow.read_records(
        paid_opts.input_file, org_ids or [], "organisationId", ORG_INPUT_COLUMNS
    )
    rows = [*read.rows, *[(f"--org-linkedin-url {u}", {"orgLinkedinUrl": u})
                          for u in org_linkedin_url or []]]  # fmt: skip
    paid_flow.warn_one_organisation_twice(rows, "1 credit or more each")
    purchases = paid_flow.purchases_of(
        rows, lambda label, r: org_purchase(r, add_ons, label), read.columns
    )
    paid_flow.run_paid(ENRICH_ORG, purchases, paid_opts, api, _rows(org_row), ORG_COLUMNS,
                       "enrichment")  # fmt: skip


def _rows(row: Any) -> Any:
    def rows_of(bought: Any) -> list[dict[str, Any]]:
        item = bought.item
        made = row(bought.purchase.record, item.result)
        return [{**made, "status": item.status, "credits": item.credits, "message": item.message}]

    return rows_of
