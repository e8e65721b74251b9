"""Talking to the Clodura API: what it documents (spec), how requests travel and are retried,
and how its answers are read. Imports nothing of ours but ``clodura_cli.base``."""
