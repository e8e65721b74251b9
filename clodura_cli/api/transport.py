"""How a request reaches the API: one send() that answers a Reply or raises a TransportError.

The client's retry loop, error mapping and parsing are the same whatever carries the request:
httpx over the network (``HttpxSender``), or a direct call into the in-process emulator
(``clodura_cli.sandbox.runtime.DirectSender``), which spares a sandbox run the httpx import.
"""

import threading
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, Union

from clodura_cli.api.errors import (
    APIConnectionError,
    APITimeoutError,
    InvalidResponseError,
    ResponseTooLargeError,
    TransportError,
)

#: The most a decoded answer may hold, unless the ``max-response-mb`` setting says otherwise.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
#: Query parameters: a mapping, or pairs when a name repeats.
Params = Union[Mapping[str, str], Sequence[tuple[str, str]], None]  # noqa: UP007 - runtime alias

if TYPE_CHECKING:
    import ssl

    import httpx


class Reply(NamedTuple):
    """An HTTP answer as the client reads it."""

    status_code: int
    #: Header names in lower case.
    headers: Mapping[str, str]
    content: bytes


class Request(NamedTuple):
    """One request as a Sender carries it."""

    method: str
    path: str
    #: JSON, or None for no body.
    body: Any = None
    #: Added to the sender's own headers.
    headers: Mapping[str, str] | None = None
    #: The query.
    params: Params = None


class Sender(Protocol):
    """Carries one request and brings back its answer."""

    def send(self, request: Request) -> Reply:
        """Send the request; raise TransportError when no answer came."""

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
        transport: "httpx.BaseTransport | None" = None,
        verify: "ssl.SSLContext | bool" = True,
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
            # Plain http (loopback only) never does TLS: loading the certificate store for it
            # would only cost time (tens of ms per client).
            verify=verify if not base_url.startswith("http://") else False,
            # Plain http is allowed only to loopback: never hand that request, key included, to
            # a proxy named in the environment. https keeps HTTPS_PROXY (a CONNECT tunnel).
            trust_env=not base_url.startswith("http://"),
        )
        _bound_by_deadline(self._http)

    def send(self, request: Request) -> Reply:
        """One request over httpx, its answer (headers included) read against the size cap
        and the deadline."""
        path = request.path
        end = time.monotonic() + self._deadline
        _deadline.end = end
        try:
            with self._http.stream(
                request.method,
                path,
                json=request.body,
                headers=request.headers,
                params=_query(request.params),
            ) as response:
                headers = {name.lower(): value for name, value in response.headers.items()}
                content = self._read(response, path, end)
        except self._httpx.DecodingError as exc:
            raise InvalidResponseError(
                f"the answer claims an encoding it does not have ({exc})", path
            ) from None
        except self._httpx.TransportError as exc:
            if time.monotonic() >= end:
                raise self._past_deadline(path) from None
            raise transport_error(exc, path, self._httpx) from None
        finally:
            _deadline.end = None
        return Reply(response.status_code, headers, content)

    def _past_deadline(self, path: str) -> APITimeoutError:
        return APITimeoutError(
            f"timed out: the answer took longer than {self._deadline:g}s in all "
            "(the deadline is twice the timeout setting)",
            path,
            request_sent=True,
        )

    def _read(self, response: "httpx.Response", path: str, end: float) -> bytes:
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
                raise self._past_deadline(path)
        return b"".join(chunks)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()


def _query(params: Params) -> Any:
    """Query parameters as httpx takes them (pairs keep a repeated name)."""
    if params is None or isinstance(params, Mapping):
        return params
    return list(params)


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


# The overall deadline -------------------------------------------------------------------------
# httpx bounds each wait for bytes, not a whole exchange: a server sending one header line every
# half second would hold a request for ever. Every read, write and connect of the connection pool
# is therefore given at most what is left of the request's deadline (set per request, per
# thread, by HttpxSender.send), through a wrapper around httpcore's network backend.


class _Deadline(threading.local):
    end: float | None = None


_deadline = _Deadline()


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    end = _deadline.end
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise error("the overall deadline of the request passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream:
    """A network stream whose every wait ends by the request's deadline."""

    def __init__(self, stream: Any, httpcore: Any) -> None:
        self._stream = stream
        self._httpcore = httpcore

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return bytes(self._stream.read(max_bytes, _left(timeout, self._httpcore.ReadTimeout)))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout, self._httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> "_DeadlineStream":  # fmt: skip
        tls = self._stream.start_tls(
            ssl_context, server_hostname, _left(timeout, self._httpcore.ConnectTimeout)
        )
        return _DeadlineStream(tls, self._httpcore)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend:
    """httpcore's network backend, its streams bounded by the request's deadline."""

    def __init__(self, backend: Any, httpcore: Any) -> None:
        self._backend = backend
        self._httpcore = httpcore

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, **options: Any) -> Any:  # fmt: skip
        stream = self._backend.connect_tcp(
            host, port, _left(timeout, self._httpcore.ConnectTimeout), local_address, **options
        )
        return _DeadlineStream(stream, self._httpcore)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> Any:  # fmt: skip
        stream = self._backend.connect_unix_socket(
            path, _left(timeout, self._httpcore.ConnectTimeout), socket_options
        )
        return _DeadlineStream(stream, self._httpcore)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _bound_by_deadline(client: "httpx.Client") -> None:
    """Give every connection pool of the client (the direct one and any proxy's) the deadline
    backend. httpx offers no public way to pass httpcore a network backend, so this reaches
    for the pools' own attribute; ``test_trickling_headers_meet_the_deadline`` fails if a new
    httpcore moves it."""
    import httpcore

    transports = [client._transport, *client._mounts.values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is not None and not isinstance(backend, _DeadlineBackend):
            pool._network_backend = _DeadlineBackend(backend, httpcore)  # type: ignore[union-attr]
