"""The `clodura` command: answers --version without loading anything, else runs the app."""

from __future__ import annotations

import sys


def main() -> None:
    """Console-script entry point."""
    if sys.argv[1:] == ["--version"]:
        from clodura_cli import __version__

        sys.stdout.write(f"clodura {__version__}\n")
        return
    from clodura_cli.cli.app import main as run

    run()
