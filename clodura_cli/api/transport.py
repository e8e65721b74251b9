"""How a request reaches the API: one send() that answers a Reply or raises a TransportError.

The client's retry loop, error mapping and parsing are the same whatever carries the request:
httpx over the network (``HttpxSender``), or a direct call into the in-process emulator
(``clodura_cli.sandbox.runtime.DirectSender``), which spares a sandbox run the httpx import.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from clodura_cli.api.errors import (
    APIConnectionError,
    APITimeoutError,
    InvalidResponseError,
    ResponseTooLargeError,
    TransportError,
)

#: The most a decoded answer may hold, unless the ``max-response-mb`` setting says otherwise.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024

if TYPE_CHECKING:
    import ssl

    import httpx


@dataclass
class Reply:
    """An HTTP answer as the client reads it."""

    status_code: int
    #: Header names in lower case.
    headers: Mapping[str, str]
    content: bytes


class Sender(Protocol):
    """Carries one request and brings back its answer."""

    def send(
        self, method: str, path: str, body: Any, headers: Mapping[str, str] | None = None
    ) -> Reply:
        """Send ``body`` (JSON, or None for no body) with any extra ``headers``; raise
        TransportError when no answer came."""

    def close(self) -> None:
        """Release connections."""


class HttpxSender:
    """Requests over the network with httpx: one connection pool, no redirects, TLS verified."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        *,
        timeout: float,
        max_connections: int,
        transport: httpx.BaseTransport | None = None,
        verify: ssl.SSLContext | bool = True,
        max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        deadline: float | None = None,
    ) -> None:
        """``timeout`` bounds each wait for bytes; ``deadline`` (twice the timeout unless
        given) bounds a whole answer, so a server trickling a byte at a time cannot hold a run
        for ever. ``max_bytes`` caps the decoded body, decompressed as it streams in."""
        import httpx

        self._httpx = httpx
        self._max_bytes = max_bytes
        self._deadline = deadline if deadline is not None else 2 * timeout
        self._http = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers=dict(headers),
            limits=httpx.Limits(max_connections=max_connections),
            follow_redirects=False,
            verify=verify,
            # Plain http is allowed only to loopback: never hand that request, key included, to
            # a proxy named in the environment. https keeps HTTPS_PROXY (a CONNECT tunnel).
            trust_env=not base_url.startswith("http://"),
        )

    def send(
        self, method: str, path: str, body: Any, headers: Mapping[str, str] | None = None
    ) -> Reply:
        """One request over httpx, its answer read against the size cap and the deadline."""
        end = time.monotonic() + self._deadline
        try:
            with self._http.stream(method, path, json=body, headers=headers) as response:
                headers = {name.lower(): value for name, value in response.headers.items()}
                content = self._read(response, path, end)
        except self._httpx.DecodingError as exc:
            raise InvalidResponseError(
                f"the answer claims an encoding it does not have ({exc})", path
            ) from None
        except self._httpx.TransportError as exc:
            raise transport_error(exc, path, self._httpx) from None
        return Reply(response.status_code, headers, content)

    def _read(self, response: httpx.Response, path: str, end: float) -> bytes:
        """The decoded body, a chunk at a time: past the cap or the deadline, stop reading."""
        limit = self._max_bytes
        declared = response.headers.get("content-length", "")
        plain = not response.headers.get("content-encoding")
        if plain and declared.isdigit() and int(declared) > limit:
            raise _too_large(path, limit)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise _too_large(path, limit)
            chunks.append(chunk)
            if time.monotonic() > end:
                raise APITimeoutError(
                    f"timed out: the answer took longer than {self._deadline:g}s in all "
                    "(the deadline is twice the timeout setting)",
                    path,
                    request_sent=True,
                )
        return b"".join(chunks)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()


def _too_large(path: str, limit: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"the answer is larger than {limit / 1048576:g} MiB (the max-response-mb setting); "
        "nothing of it is used",
        path,
    )


def transport_error(exc: Exception, path: str, httpx: Any) -> TransportError:
    """Our error for an httpx transport failure, saying whether the request may have left."""
    # Connect failures and pool waits happen before a single byte of the request is written.
    not_sent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"timed out ({detail})", path, request_sent=not not_sent)
    return APIConnectionError(f"connection failed ({detail})", path, request_sent=not not_sent)
