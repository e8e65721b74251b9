"""`clodura help`: topics that do not belong to one command (exit codes), and any command's
help by name."""

import sys
from typing import Annotated

import typer

from clodura_cli.api.errors import UsageError
from clodura_cli.cli import complete
from clodura_cli.cli.app import COMMANDS

TOPICS = ("exit-codes",)


def help(
    topic: Annotated[
        str | None,
        typer.Argument(
            help="exit-codes, or a command's name.",
            metavar="[TOPIC]",
            autocompletion=complete.choices((*TOPICS, *COMMANDS)),
        ),
    ] = None,
    subcommand: Annotated[
        list[str] | None,
        typer.Argument(help="A subcommand (`clodura help reveal email`).", metavar="[SUBCOMMAND]"),
    ] = None,
) -> None:
    """Show a help topic (exit-codes) or a command's help.

    Examples:

      clodura help exit-codes

      clodura help search

      clodura help reveal email
    """
    from clodura_cli.cli.app import main

    if topic is None:
        return main(["--help"])
    if topic == "exit-codes":
        from clodura_cli.cli.exit_codes import EXIT_CODE_HELP

        sys.stdout.write("Exit codes of every clodura command:\n\n")
        for code, text in EXIT_CODE_HELP.items():
            sys.stdout.write(f"  {int(code):>3}  {text}\n")
        return None
    if topic in COMMANDS:
        return main([topic, *(subcommand or []), "--help"])
    from clodura_cli.base import fuzzy

    close = fuzzy.best(topic, ["exit-codes", *COMMANDS])
    guess = f"did you mean {close!r}? " if close else ""
    raise UsageError(
        f"help: {topic!r} is not a topic or command; {guess}use exit-codes or one of "
        f"{', '.join(COMMANDS)}"
    )
