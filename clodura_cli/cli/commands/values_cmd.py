"""`clodura values`: the known values of a filter, fuzzy-matched, in any output format."""

from typing import Annotated

import typer

from clodura_cli.api.vocabulary import field_names
from clodura_cli.cli import complete, options

EXAMPLES = (
    "Examples:\n\n"
    "  clodura values industry software\n\n"
    "  clodura values country us -f json\n\n"
    "  clodura values seniority vp\n\n"
    "  clodura values funding-type -f csv -o funding-types.csv\n\n"
)


def values(
    field: Annotated[
        str,
        typer.Argument(
            metavar="FIELD",
            help="A filter with known values: " + ", ".join(field_names()) + ".",
            autocompletion=complete.choices(field_names()),
        ),
    ],
    text: Annotated[
        str | None,
        typer.Argument(
            metavar="[TEXT]",
            help="Only the values TEXT matches: words they start with, an abbreviation, a "
            "code (us, gbr), an older name, a near spelling.",
        ),
    ] = None,
    fmt: options.Format = None,
    output: options.Output = None,
) -> None:
    """List a filter's known values, or those TEXT matches.

    Closed lists take only these; open ones also send other values, with a warning.
    """
    from clodura_cli.api.vocabulary import list_values
    from clodura_cli.cli import report
    from clodura_cli.cli.render import Output, report_written, write_output
    from clodura_cli.cli.session import ApiOptions

    chosen = ApiOptions().output_format(fmt, output)
    found = list_values(field, text)
    shown = Output(chosen, output, found.columns, summary="values")
    written = write_output(found.records, shown)
    report_written(shown, written)
    if written == 0:
        report.info(f"no known {found.noun} matches {text!r}")
