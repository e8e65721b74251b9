"""`clodura sandbox`: run the emulator on loopback, or clear its saved state."""

import json
import sys
from typing import Annotated, Any

import typer

from clodura_cli.api.errors import UsageError
from clodura_cli.cli import options, report
from clodura_cli.store import config

app = typer.Typer(
    help="Run the API emulator on loopback, or reset its state.\n\n"
    "Example:\n\n  clodura sandbox serve --port 8765 --latency 0.05",
    no_args_is_help=True,
)

_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def _fraction(help_text: str) -> Any:
    """A fault rate: the fraction of requests, 0 to 1, that get the fault."""
    return typer.Option(help=help_text, min=0, max=1, callback=options.finite)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Loopback address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port; 0 picks a free one.", min=0, max=65535)] = 0,
    job_delay: Annotated[
        float,
        typer.Option(help="Seconds until a reveal job completes.", min=0, callback=options.finite),
    ] = 1.0,
    latency: Annotated[
        float, typer.Option(help="Seconds added to every request.", min=0, callback=options.finite)
    ] = 0.0,
    rate_limit: Annotated[
        float,
        typer.Option(
            help="Requests per second before 429s (0: no limit).", min=0, callback=options.finite
        ),
    ] = 0.0,
    retry_after: Annotated[
        float | None,
        typer.Option(
            help="Retry-After sent with 429s (default: computed from the limit).",
            min=0,
            callback=options.finite,
        ),
    ] = None,
    no_retry_after: Annotated[
        bool, typer.Option("--no-retry-after", help="Send 429s without Retry-After.")
    ] = False,
    rate_limit_headers: Annotated[
        bool,
        typer.Option(
            "--rate-limit-headers",
            help="Send the RateLimit-Limit, -Remaining, -Reset and -Policy headers with every "
            "answer.",
        ),
    ] = False,
    error_rate: Annotated[float, _fraction("Fraction of requests answered 500/502/503.")] = 0.0,
    html_rate: Annotated[float, _fraction("Fraction answered with an HTML error page.")] = 0.0,
    truncate_rate: Annotated[
        float, _fraction("Fraction answered with a truncated JSON body.")
    ] = 0.0,
    drop_rate: Annotated[float, _fraction("Fraction whose connection is dropped.")] = 0.0,
    fault: Annotated[
        list[str] | None,
        typer.Option(
            metavar="FAULT",
            help="A scripted fault: KIND, then :COUNT, @ENDPOINT or +AFTER if needed, e.g. "
            "429:2@search (the next two searches get 429) or 500@search+2 (the third gets "
            "500). Repeatable.",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the random faults.")] = 0,
    dialect: Annotated[
        str,
        typer.Option(
            help="Shape of the answers: default (documented), flat, wrapped, upper, seed or "
            "jsend (the other shapes the real API may send)."
        ),
    ] = "default",
    access_log: Annotated[
        bool, typer.Option("--access-log", help="Log each request on stderr.")
    ] = False,
    no_access_log: Annotated[bool, typer.Option("--no-access-log", hidden=True)] = False,
    no_track: Annotated[
        bool,
        typer.Option(
            "--no-track",
            help="No track endpoint (404), like an API that posts results only to webhooks.",
        ),
    ] = False,
) -> None:
    """Serve the emulator on loopback until Ctrl-C, printing its URL and keys.

    Example:

      clodura sandbox serve --port 8765 &
      export CLODURA_BASE_URL=http://127.0.0.1:8765 CLODURA_API_KEY=sandbox-standard
      clodura search --seniority CEO
    """
    from clodura_cli.sandbox.app import SandboxApp
    from clodura_cli.sandbox.runtime import state_path

    if host not in _LOOPBACK_HOSTS:
        raise UsageError(f"--host: {host!r} is not a loopback address; use 127.0.0.1 or ::1")
    faults = _faults({
        "latency": latency, "rate_limit": rate_limit, "retry_after": retry_after,
        "omit_retry_after": no_retry_after, "rate_limit_headers": rate_limit_headers,
        "error_rate": error_rate, "html_rate": html_rate, "truncate_rate": truncate_rate,
        "drop_rate": drop_rate, "seed": seed, "script": fault or [],
    })  # fmt: skip
    _check_dialect(dialect)
    app_ = SandboxApp(
        state_path(config.data_dir()), job_delay=job_delay, faults=faults, dialect=dialect,
        track=not no_track,
    )  # fmt: skip
    app_.dataset  # noqa: B018 - build the data set before announcing readiness
    _serve(_bound(app_, host, port, access_log and not no_access_log))


def _faults(settings: dict[str, Any]) -> Any:
    """The faults the options ask for; a bad --fault script is a usage error."""
    from clodura_cli.sandbox.faults import Faults, FaultSpecError

    try:
        return Faults.from_mapping(settings)
    except FaultSpecError as exc:
        raise UsageError(f"--fault: {exc}") from None


def _check_dialect(dialect: str) -> None:
    from clodura_cli.sandbox.dialects import check_dialect

    try:
        check_dialect(dialect)
    except ValueError as exc:
        raise UsageError(f"--dialect: {exc}") from None


def _bound(app_: Any, host: str, port: int, access_log: bool) -> Any:
    """The server, listening; a port in use is a usage error."""
    from clodura_cli.sandbox.server import make_server

    try:
        return make_server(app_, host, port, quiet=not access_log)
    except OSError as exc:
        raise UsageError(
            f"sandbox serve: cannot listen on {host}:{port} ({exc.strerror}); choose another "
            "--port (0 picks a free one)"
        ) from None


def _serve(server: Any) -> None:
    """Announce the server's URL and keys on stdout, then serve until stopped."""
    from clodura_cli.cli.app import Terminated
    from clodura_cli.sandbox.keys import SANDBOX_KEYS

    bound_host, bound_port = str(server.server_address[0]), server.server_address[1]
    shown_host = f"[{bound_host}]" if ":" in bound_host else bound_host
    url = f"http://{shown_host}:{bound_port}"
    try:  # from the banner on: a signal right after it stops the server as well
        sys.stdout.write(f"Sandbox API listening on {url}\n")
        for key, plan in SANDBOX_KEYS.items():
            sys.stdout.write(f"  key {key:<18} {plan.name}: {plan.description}\n")
        sys.stdout.write(
            f"Try: CLODURA_BASE_URL={url} CLODURA_API_KEY=sandbox-standard clodura search\n"
        )
        sys.stdout.flush()
        server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, Terminated):
        # Stopping a server is how it ends, not a failure: exit 0, as `clodura listen` does.
        report.info("sandbox stopped")
    finally:
        server.server_close()


@app.command()
def reset() -> None:
    """Forget the sandbox's spent credits and reveal jobs.

    The sandbox's reveals still waiting in your ledger are forgotten too: a reveal asks for
    those people again.

    Example:

      clodura sandbox reset
    """
    from clodura_cli.api.urls import account_id
    from clodura_cli.sandbox.keys import SANDBOX_KEYS
    from clodura_cli.sandbox.runtime import reset as reset_state
    from clodura_cli.store.ledger import Ledger

    cleared = reset_state(config.data_dir())
    report.info("sandbox state cleared" if cleared else "sandbox state was already empty")
    if config.ledger_file().exists():
        accounts = [account_id("sandbox", key) for key in SANDBOX_KEYS]
        forgotten = Ledger(config.ledger_file()).forget_open(
            accounts, "the sandbox was reset and forgot this job; a reveal asks again"
        )
        if forgotten:
            report.info(f"{forgotten} sandbox reveal(s) still waiting in the ledger forgotten")


@app.command()
def keys(
    as_json: Annotated[bool, typer.Option("--json", help="Print the keys as JSON.")] = False,
) -> None:
    """List the sandbox's API keys and the plan each stands for.

    Example:

      clodura sandbox keys --json
    """
    from clodura_cli.sandbox.keys import SANDBOX_KEYS, WEBHOOK_SECRET

    if as_json:
        payload = {key: {"plan": p.name, "family": p.family} for key, p in SANDBOX_KEYS.items()}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    for key, plan in SANDBOX_KEYS.items():
        sys.stdout.write(f"{key:<18} {plan.name}: {plan.description}\n")
    sys.stdout.write(
        f"webhook secret: {WEBHOOK_SECRET} (the sandbox signs its deliveries with it; "
        f"CLODURA_WEBHOOK_SECRET={WEBHOOK_SECRET} clodura listen checks them)\n"
    )
