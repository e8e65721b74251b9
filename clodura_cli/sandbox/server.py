"""Serving the emulator on a loopback port (`clodura sandbox serve`, the loopback tests)."""

from __future__ import annotations

import socket
import sys
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from clodura_cli.sandbox.app import DroppedConnection, SandboxApp


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
