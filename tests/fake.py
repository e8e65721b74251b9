"""A scripted HTTP server on loopback: it answers whatever the test says, the way a hostile or
misconfigured server, a proxy or an edge page would, and records what it received."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """One request as the server read it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    """What to send back. ``chunks`` are written one by one (a trickle, a huge body)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunks: Iterable[bytes] | None = None


Script = Callable[[Received], Answer]


@dataclass
class FakeServer:
    url: str
    received: list[Received]
    stop: threading.Event

    def paths(self) -> list[str]:
        return [request.path for request in self.received]


def _handler(script: Script, received: list[Received], stop: threading.Event) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Received(
                self.command,
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length),
            )
            received.append(request)
            answer = script(request)
            self.send_response(answer.status)
            headers = {"Content-Type": "application/json", **answer.headers}
            if answer.chunks is None:
                headers["Content-Length"] = str(len(answer.body))
            else:
                headers.setdefault("Connection", "close")
                if "Content-Length" not in headers:
                    headers["Transfer-Encoding"] = "chunked"
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            with contextlib.suppress(OSError):
                if answer.chunks is None:
                    self.wfile.write(answer.body)
                    return
                chunked = headers.get("Transfer-Encoding") == "chunked"
                for chunk in answer.chunks:
                    if stop.is_set():
                        return
                    if chunked:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    else:
                        self.wfile.write(chunk)
                    self.wfile.flush()
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_CONNECT = _serve

    return Handler


@contextlib.contextmanager
def fake_server(script: Script) -> Iterator[FakeServer]:
    """A server on 127.0.0.1 answering by ``script``; stopped (and its trickles cut) afterwards."""
    received: list[Received] = []
    stop = threading.Event()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script, received, stop))
    httpd.daemon_threads = True
    # shutdown() waits for the loop to look again: every 0.5 s by default, for every test.
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield FakeServer(f"http://127.0.0.1:{httpd.server_address[1]}", received, stop)
    finally:
        stop.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def always(answer: Answer) -> Script:
    """A script that gives the same answer to every request."""
    return lambda request: answer
