"""`clodura listen`: receive the API's webhook deliveries, as `stripe listen` does."""

from typing import Annotated

import typer

from clodura_cli.api.errors import UsageError
from clodura_cli.cli import options
from clodura_cli.cli.session import ApiOptions
from clodura_cli.listen import DEFAULT_HOST, DEFAULT_PATH, DEFAULT_PORT, ListenOptions

LISTEN_PANEL = "Receiver"

# fmt: off
Host = Annotated[str, typer.Option(
    "--host", rich_help_panel=LISTEN_PANEL,
    help="Address to listen on (127.0.0.1; 0.0.0.0 is every interface, with a warning).",
)]
Port = Annotated[int, typer.Option(
    "--port", min=0, max=65535, rich_help_panel=LISTEN_PANEL, help="Port; 0 picks a free one.",
)]
HookPath = Annotated[str, typer.Option(
    "--path", rich_help_panel=LISTEN_PANEL, help="The path deliveries are posted to.",
)]
# fmt: on


def check_path(path: str) -> str:
    """A receiver's path: one absolute path, nothing else."""
    if not path.startswith("/") or any(ch.isspace() or ch in "?#" for ch in path):
        raise UsageError(f"--path: {path!r} is not a path; use e.g. {DEFAULT_PATH}")
    return path


@options.with_api_options
def listen(
    host: Host = DEFAULT_HOST,
    port: Port = DEFAULT_PORT,
    path: HookPath = DEFAULT_PATH,
    forward_to: Annotated[
        str | None,
        typer.Option(
            "--forward-to",
            metavar="URL",
            rich_help_panel=LISTEN_PANEL,
            help="Forward each accepted delivery, body and signature unchanged, to URL.",
        ),
    ] = None,
    until_done: Annotated[
        bool,
        typer.Option(
            "--until-done", help="Exit 0 as soon as no job of this account waits for an answer."
        ),
    ] = False,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            min=0,
            callback=options.finite,
            help="Stop after SECONDS; exit 8 listing the jobs still waiting, if any.",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            rich_help_panel=options.OUTPUT_PANEL,
            help="jsonl: each job a delivery answers, as a JSON line on stdout.",
        ),
    ] = None,
    *,
    api: ApiOptions,
) -> None:
    """Receive webhook deliveries of reveal results into the ledger, until Ctrl-C: the API
    posts each result to the webhookUrl sent with the reveal; forward a public https URL to this
    receiver with a tunnel (cloudflared, ngrok, a reverse proxy) and pass that URL as
    --webhook-url. Each delivery is kept in the ledger before it is acknowledged.

    Examples:

      clodura listen --port 8787

      cloudflared tunnel --url http://127.0.0.1:8787

      clodura listen --until-done --timeout 3600 -f jsonl | jq .email
    """
    from clodura_cli.cli.commands.listen_flow import serve

    if fmt is not None and fmt.lower() != "jsonl":
        raise UsageError(f"--format: {fmt!r}; listen writes JSON Lines (-f jsonl) or nothing")
    if forward_to is not None:
        from clodura_cli.api.urls import check_webhook_url

        check_webhook_url(forward_to)
    settings = ListenOptions(host, port, check_path(path), forward_to)
    serve(settings, api, until_done=until_done, timeout=timeout, lines=fmt is not None)
