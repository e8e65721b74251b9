"""Local state: settings, keys, presets, the ledger and the files the tool writes.
Imports ``clodura_cli.base`` and ``clodura_cli.api``, never the use cases or the CLI."""
