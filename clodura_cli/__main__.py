"""Lets `python -m clodura_cli` run the command line."""

from clodura_cli.cli.entry import main

main()
