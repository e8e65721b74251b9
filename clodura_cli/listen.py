"""A webhook receiver on a local port: HTTP in, a ``Receiver`` behind it (standard library only).

It answers only what a webhook sender needs and refuses what a browser could send: POST on one
path, ``Content-Type: application/json`` (a page cannot send that across origins without a
preflight, which is never granted), no ``Origin`` header, bodies of at most 1 MiB; a bounded
number of connections at once, and a deadline for slow clients. Each delivery is committed to
the ledger before it is acknowledged.
"""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from clodura_cli.webhooks import MAX_DELIVERY_BYTES, SIGNATURE_HEADER, Received, Receiver

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
DEFAULT_PATH = "/webhook"
#: Connections served at once; past them a new one is closed at once.
MAX_CONNECTIONS = 64
#: Seconds a client may take to send its request.
CLIENT_TIMEOUT = 10.0
#: How often the receiver says it is alive in the ledger.
HEARTBEAT = 2.0


@dataclass
class ListenOptions:
    """Where the receiver listens and what it does with deliveries."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    path: str = DEFAULT_PATH
    forward_to: str | None = None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = CLIENT_TIMEOUT
    # Headers and body go out in two writes: without this, delayed ACKs hold each answer 40 ms.
    disable_nagle_algorithm = True
    server: WebhookServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per delivery is written by the command, not one per request

    # A sender may keep its connection open between deliveries. Waiting for its next request
    # line, the connection is idle: a stopping receiver closes it rather than wait out the
    # client timeout. One whose request line has come is busy and is answered first.
    def handle_one_request(self) -> None:
        if not self.server.idle(self.connection):
            self.close_connection = True  # the receiver is stopping: no further request
            return
        try:
            super().handle_one_request()
        finally:
            self.server.busy(self.connection)

    def parse_request(self) -> bool:
        self.server.busy(self.connection)
        return super().parse_request()

    def _answer(self, status: int, message: str, *, close: bool = False) -> None:
        body = json.dumps({"message": message}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def _route(self) -> bool:
        if self.path.split("?", 1)[0] != self.server.hook_path:
            self._answer(404, "not found")
            return False
        return True

    def do_POST(self) -> None:
        if not self._route():
            return
        if "origin" in {name.lower() for name in self.headers}:
            self._answer(403, "requests from web pages are refused", close=True)
            return
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            self._answer(415, "send JSON with Content-Type: application/json", close=True)
            return
        length = self.headers.get("Content-Length")
        if length is None or not length.strip().isdigit():
            self._answer(411, "a Content-Length is required", close=True)
            return
        if int(length) > MAX_DELIVERY_BYTES:
            self._answer(413, "a delivery may hold at most 1 MiB", close=True)
            return
        body = self.rfile.read(int(length))
        headers = {name: value for name, value in self.headers.items()}
        received = self.server.receiver.receive(body, headers)
        if received.state == "unverified":
            self._answer(401, "signature missing or wrong; kept aside, not applied")
        else:
            self._answer(200, f"received ({received.state})")
        self.server.heard(received, body, headers)

    def _not_allowed(self) -> None:
        if self._route():
            self._answer(405, "only POST")

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _not_allowed


class WebhookServer(ThreadingHTTPServer):
    """The receiver's HTTP server; deliveries in progress finish before it closes."""

    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        options: ListenOptions,
        receiver: Receiver,
        on_delivery: Callable[[Received], None] | None = None,
    ) -> None:
        if ":" in options.host:
            self.address_family = socket.AF_INET6
        # Set before binding: a port in use makes the base class close the server at once.
        self._forwarder: threading.Thread | None = None
        self._idle: set[socket.socket] = set()
        self._idle_lock = threading.Lock()
        self._closing = False
        super().__init__((options.host, options.port), _Handler)
        self.receiver = receiver
        self.hook_path = options.path
        self.on_delivery = on_delivery
        self.forward_to = options.forward_to
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._forwards: queue.Queue[tuple[bytes, dict[str, str]] | None] = queue.Queue()
        if self.forward_to:
            self._forwarder = threading.Thread(target=self._forward, daemon=True)
            self._forwarder.start()

    @property
    def url(self) -> str:
        """The local URL deliveries are posted to."""
        host, port = str(self.server_address[0]), self.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}{self.hook_path}"

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)  # too many at once: this one is closed
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def idle(self, connection: socket.socket) -> bool:
        """Mark a connection as waiting for its next request; False once the receiver stops."""
        with self._idle_lock:
            if self._closing:
                return False
            self._idle.add(connection)
            return True

    def busy(self, connection: socket.socket) -> None:
        with self._idle_lock:
            self._idle.discard(connection)

    def _close_idle(self) -> None:
        """Stop waiting on kept-alive connections; deliveries being read are answered first.
        A request that arrives just now is not acknowledged, so its sender delivers it again."""
        with self._idle_lock:
            self._closing = True
            idle, self._idle = self._idle, set()
        for connection in idle:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def heard(self, received: Received, body: bytes, headers: dict[str, str]) -> None:
        """After a delivery was acknowledged: tell the command, forward it if asked."""
        if self.on_delivery is not None:
            self.on_delivery(received)
        if self.forward_to and received.verified is not False:
            self._forwards.put((body, headers))

    def _forward(self) -> None:
        """Forward each delivery, body and signature unchanged (as `stripe listen` does)."""
        import urllib.request

        while True:
            item = self._forwards.get()
            if item is None:
                return
            body, headers = item
            forwarded = {"Content-Type": "application/json"}
            signature = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER), None)
            if signature:
                forwarded["X-Clodura-Signature"] = signature
            request = urllib.request.Request(
                str(self.forward_to), data=body, headers=forwarded, method="POST"
            )
            with contextlib.suppress(OSError):
                urllib.request.urlopen(request, timeout=CLIENT_TIMEOUT).close()

    def server_close(self) -> None:
        self._close_idle()
        super().server_close()
        if self._forwarder is not None:
            self._forwards.put(None)
            self._forwarder.join(timeout=CLIENT_TIMEOUT)


@contextlib.contextmanager
def running(
    options: ListenOptions,
    receiver: Receiver,
    on_delivery: Callable[[Received], None] | None = None,
) -> Iterator[WebhookServer]:
    """A receiver serving on a thread of its own, saying it is alive in the ledger, for the
    length of the block (`reveal --listen`)."""
    server = bound(options, receiver, on_delivery)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              name="listen", daemon=True)  # fmt: skip
    thread.start()
    with heartbeat(receiver, server.url):
        try:
            yield server
        finally:
            server.shutdown()
            thread.join(timeout=CLIENT_TIMEOUT)
            server.server_close()


def bound(
    options: ListenOptions,
    receiver: Receiver,
    on_delivery: Callable[[Received], None] | None = None,
) -> WebhookServer:
    """The receiver's server, listening; a port in use (another receiver) or an address not
    of this machine is a usage error naming it, before anything is sent."""
    from clodura_cli.api.errors import UsageError

    try:
        return WebhookServer(options, receiver, on_delivery)
    except OSError as exc:
        raise UsageError(
            f"listen: cannot listen on {options.host}:{options.port} ({exc.strerror or exc}); "
            "choose another --port (--listen-port with --listen)"
        ) from None


@contextlib.contextmanager
def heartbeat(receiver: Receiver, url: str) -> Iterator[None]:
    """The receiver is alive in the ledger (for `reveal --wait` and `track --wait` in other
    processes) while the block runs."""
    started = time.time()
    stop = threading.Event()
    deliveries = receiver.ledger.deliveries()
    deliveries.beat(url, started)

    def beat() -> None:
        while not stop.wait(HEARTBEAT):
            with contextlib.suppress(Exception):
                deliveries.beat(url, started)

    thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=HEARTBEAT * 2)
        with contextlib.suppress(Exception):
            deliveries.stop_beating()
