"""`clodura listen` at the command line: the banner, a line per delivery, JSON Lines of the
jobs answered, and how the receiver stops (Ctrl-C, SIGTERM, --until-done, --timeout)."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from clodura_cli.api.errors import PendingJobsError, UsageError
from clodura_cli.cli import report
from clodura_cli.cli.session import ApiOptions
from clodura_cli.listen import ListenOptions, WebhookServer, bound, heartbeat
from clodura_cli.store import config
from clodura_cli.store.formats import json_text
from clodura_cli.store.ledger import Ledger
from clodura_cli.webhooks import Received, Receiver


def serve(
    settings: ListenOptions,
    api: ApiOptions,
    *,
    until_done: bool,
    timeout: float | None,
    lines: bool,
) -> None:
    """Receive until stopped; deliveries in progress finish first."""
    from clodura_cli.cli.app import Terminated
    from clodura_cli.reveal_run import job_rows

    ledger = Ledger(config.ledger_file())
    secret = api.webhook_secret()
    account = api.account()
    lock = threading.Lock()

    def heard(received: Received) -> None:
        with lock:
            report.say(line_for(received))
            if lines and received.jobs:
                for row in job_rows(received.jobs):
                    sys.stdout.write(json_text(row) + "\n")
                sys.stdout.flush()

    server = bound(settings, Receiver(ledger, secret), heard)
    for line in banner(server.url, settings.path, secret is not None, settings.host):
        report.say(line)
    ended: dict[str, Any] = {}
    watcher = threading.Thread(
        target=_watch, args=(server, ledger, account, until_done, timeout, ended), daemon=True
    )
    with heartbeat(server.receiver, server.url):
        watcher.start()
        try:
            server.serve_forever(poll_interval=0.2)
        except (KeyboardInterrupt, Terminated):
            pass  # a receiver is meant to be stopped: deliveries in progress finish below
        finally:
            server.server_close()
    report.info("stopped")
    pending = ended.get("pending")
    if pending:
        raise PendingJobsError(
            f"{len(pending)} job(s) still waiting for an answer after {timeout:g}s",
            [job.tracking_id or "" for job in pending],
        )


def _watch(
    server: WebhookServer,
    ledger: Ledger,
    account: str | None,
    until_done: bool,
    timeout: float | None,
    ended: dict[str, Any],
) -> None:
    """Stop the receiver when no job waits any more (--until-done) or at --timeout."""
    if not until_done and timeout is None:
        return
    end = None if timeout is None else time.monotonic() + timeout
    while True:
        waiting = [job for job in ledger.jobs(account, pending_only=True)]
        if until_done and not waiting:
            break
        if end is not None and time.monotonic() >= end:
            ended["pending"] = waiting
            break
        time.sleep(0.2)
    server.shutdown()


def banner(url: str, path: str, verified: bool, host: str) -> list[str]:
    """What a receiver says when it starts."""
    local = url[: -len(path)] if url.endswith(path) else url
    lines = [
        f"listening on {url}",
        f"forward a public https URL to {local} with a tunnel (cloudflared tunnel --url {local}, "
        "ngrok http, or a reverse proxy), then pass it to reveal as "
        f"--webhook-url https://YOUR-TUNNEL-HOST{path}",
        "deliveries are verified with the webhook secret (X-Clodura-Signature)"
        if verified
        else "deliveries are NOT verified: no webhook secret is set (clodura config set "
        "webhook-secret, or CLODURA_WEBHOOK_SECRET)",
    ]
    if host in ("0.0.0.0", "::"):
        lines.append(
            "warning: listening on every interface: anyone who can reach this machine can post "
            "to it; prefer 127.0.0.1 behind a tunnel"
        )
    return lines


def line_for(received: Any) -> str:
    """One line per delivery: time, tracking id, person, status, verified or not."""
    stamp = dt.datetime.now().strftime("%H:%M:%S")
    status = received.state
    if received.state == "applied" and received.jobs:
        status = ",".join(sorted({job.status for job in received.jobs}))
    verified = {True: "verified", False: "signature missing or wrong", None: "not verified"}[
        received.verified
    ]
    return f"{stamp}  {received.tracking_id or '-'}  {received.person or '-'}  {status}  {verified}"


@contextlib.contextmanager
def receiving(
    settings: ListenOptions, api: ApiOptions, ledger: Ledger, configured: str | None
) -> Iterator[str]:
    """A receiver in this process for the length of a run (--listen); yields the webhook URL
    to send: ``configured`` (a tunnel's public URL), else the receiver's own, which only the
    sandbox or a loopback API can reach (any other API: a usage error, before anything is
    sent)."""
    from clodura_cli.api.urls import is_loopback
    from clodura_cli.listen import running

    local = api.use_sandbox or is_loopback(urlsplit(api.resolved_base_url()).hostname or "")
    if configured is None and not local:
        raise UsageError(
            "--listen: the API cannot reach a receiver on this machine; start a tunnel to it "
            f"(port {settings.port}) and pass its public https URL as --webhook-url"
        )
    receiver = Receiver(ledger, api.webhook_secret())
    with running(settings, receiver, lambda got: report.info(line_for(got))) as server:
        report.info(f"receiving deliveries at {server.url}")
        yield configured or server.url
