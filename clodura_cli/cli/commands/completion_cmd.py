"""`clodura completion`: the shell completion scripts."""

import sys
from typing import Annotated

import typer

from clodura_cli.api.errors import UsageError
from clodura_cli.cli import complete
from clodura_cli.cli.complete_scripts import SHELLS, script


def completion(
    shell: Annotated[
        str,
        typer.Argument(
            help="bash, zsh or fish.",
            metavar="SHELL",
            autocompletion=complete.choices(SHELLS),
        ),
    ],
) -> None:
    """Print the shell completion script for bash, zsh or fish.

    Examples:

      clodura completion bash > ~/.local/share/bash-completion/completions/clodura

      clodura completion fish > ~/.config/fish/completions/clodura.fish
    """
    if shell not in SHELLS:
        raise UsageError(f"completion: {shell!r} is not a supported shell; use bash, zsh or fish")
    sys.stdout.write(script(shell))
