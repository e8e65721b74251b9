"""The command layer: typer commands, messages on stderr, and rendering for people."""
