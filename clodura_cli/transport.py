"""How a request reaches the API: one send() that answers a Reply or raises a TransportError.

The client's retry loop, error mapping and parsing are the same whatever carries the request:
httpx over the network (``HttpxSender``), or a direct call into the in-process emulator
(``clodura_cli.sandbox.runtime.DirectSender``), which spares a sandbox run the httpx import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from clodura_cli.errors import APIConnectionError, APITimeoutError, TransportError

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

    def send(self, method: str, path: str, body: Any) -> Reply:
        """Send ``body`` (JSON, or None for no body); raise TransportError when no answer came."""

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
    ) -> None:
        import httpx

        self._httpx = httpx
        self._http = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers=dict(headers),
            limits=httpx.Limits(max_connections=max_connections),
            follow_redirects=False,
            verify=verify,
        )

    def send(self, method: str, path: str, body: Any) -> Reply:
        """One request over httpx."""
        try:
            response = self._http.request(method, path, json=body)
            content = response.read()
        except self._httpx.TransportError as exc:
            raise transport_error(exc, path, self._httpx) from None
        return Reply(
            response.status_code,
            {name.lower(): value for name, value in response.headers.items()},
            content,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()


def transport_error(exc: Exception, path: str, httpx: Any) -> TransportError:
    """Our error for an httpx transport failure, saying whether the request may have left."""
    # Connect failures and pool waits happen before a single byte of the request is written.
    not_sent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"timed out ({detail})", path, request_sent=not not_sent)
    return APIConnectionError(f"connection failed ({detail})", path, request_sent=not not_sent)
