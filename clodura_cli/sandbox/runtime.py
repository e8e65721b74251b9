"""Running the emulator: in-process behind an httpx transport, or on a loopback port."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import threading
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

import httpx

from clodura_cli.sandbox.app import (
    DEFAULT_JOB_DELAY,
    DroppedConnection,
    SandboxApp,
    SimulatedTimeout,
)
from clodura_cli.sandbox.faults import Faults

JOB_DELAY_ENV = "CLODURA_SANDBOX_JOB_DELAY"
FAULTS_ENV = "CLODURA_SANDBOX_FAULTS"
_apps: dict[Path, SandboxApp] = {}
_apps_lock = threading.Lock()


def state_path(data_dir: Path) -> Path:
    """Where the sandbox keeps what must outlive a process."""
    return data_dir / "sandbox" / "state.db"


def in_process_app(data_dir: Path) -> SandboxApp:
    """The emulator of this process for a data directory (one per directory, made on first use).

    Its job delay and faults come from CLODURA_SANDBOX_JOB_DELAY and CLODURA_SANDBOX_FAULTS (JSON).
    """
    with _apps_lock:
        app = _apps.get(data_dir)
        if app is None:
            faults = Faults.from_mapping(json.loads(os.environ.get(FAULTS_ENV) or "{}"))
            delay = float(os.environ.get(JOB_DELAY_ENV) or DEFAULT_JOB_DELAY)
            app = SandboxApp(state_path(data_dir), job_delay=delay, faults=faults)
            _apps[data_dir] = app
        return app


def forget_apps() -> None:
    """Drop every in-process emulator (tests start each case afresh)."""
    with _apps_lock:
        for app in _apps.values():
            app.state.close()
        _apps.clear()


def reset(data_dir: Path) -> bool:
    """Delete the sandbox's persisted state; True when there was some."""
    forget_apps()
    folder = state_path(data_dir).parent
    existed = folder.exists()
    shutil.rmtree(folder, ignore_errors=True)
    return existed


class SandboxTransport(httpx.BaseTransport):
    """Sends requests straight to the emulator, turning its simulated faults into httpx errors."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        read_timeout = request.extensions.get("timeout", {}).get("read")

        def app_with_timeout(environ: dict[str, Any], start_response: Any) -> Any:
            environ["clodura.read_timeout"] = read_timeout
            return self.app(environ, start_response)

        try:
            return httpx.WSGITransport(app=app_with_timeout).handle_request(request)
        except DroppedConnection:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None
        except SimulatedTimeout:
            raise httpx.ReadTimeout("The read operation timed out", request=request) from None


class _Handler(ServerHandler):
    http_version = "1.1"

    def handle_error(self) -> None:
        # A dropped connection: say nothing and close, so the client sees the socket close.
        if isinstance(sys.exc_info()[1], DroppedConnection):
            self.request_handler.close_connection = True  # type: ignore[attr-defined]
            return
        super().handle_error()


class _RequestHandler(WSGIRequestHandler):
    """One connection, many requests (HTTP/1.1 keep-alive), as a real API server does."""

    quiet = True
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, delayed ACKs stall each answer.
    disable_nagle_algorithm = True

    def handle(self) -> None:
        self.close_connection = True
        while True:
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline or len(self.raw_requestline) > 65536:
                return
            if not self.parse_request():
                return
            handler = _Handler(
                self.rfile,
                self.wfile,  # type: ignore[arg-type]
                self.get_stderr(),
                self.get_environ(),
                multithread=True,
            )
            handler.request_handler = self  # type: ignore[attr-defined]
            handler.run(self.server.get_app())  # type: ignore[attr-defined]
            self.wfile.flush()
            if self.close_connection:
                return

    def log_message(self, format: str, *args: Any) -> None:
        if not self.quiet:
            super().log_message(format, *args)


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class _IPv6ThreadingServer(_ThreadingServer):
    address_family = socket.AF_INET6


def make_server(app: SandboxApp, host: str, port: int, *, quiet: bool = True) -> WSGIServer:
    """A threaded HTTP server for the emulator (port 0 picks a free one)."""
    handler = type("RequestHandler", (_RequestHandler,), {"quiet": quiet})
    server_class = _IPv6ThreadingServer if ":" in host else _ThreadingServer
    server = server_class((host, port), handler)
    server.set_app(app)
    return server
