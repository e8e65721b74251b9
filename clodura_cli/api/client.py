"""The Clodura API client: one httpx connection pool, retries in one place, typed errors."""

import contextlib
import functools
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote

from clodura_cli import __version__
from clodura_cli.api import retry as retry_settings
from clodura_cli.api import spec
from clodura_cli.api.endpoints import PEOPLE, Endpoint
from clodura_cli.api.errors import (
    APIConnectionError,
    APIError,
    CloduraError,
    InvalidResponseError,
    NotFoundError,
    ResponseTooLargeError,
    TransportError,
    make_status_error,
)
from clodura_cli.api.parsing import (
    NO_CREDITS,
    decode_json,
    error_message,
    object_from_payload,
    people_from_payload,
)
from clodura_cli.api.retry import RetryPolicy, parse_retry_after
from clodura_cli.api.throttle import Throttle
from clodura_cli.api.transport import (
    DEFAULT_MAX_RESPONSE_BYTES,
    HttpxSender,
    Params,
    Reply,
    Request,
    Sender,
)
from clodura_cli.api.urls import DEFAULT_BASE_URL, check_base_url
from clodura_cli.base import stopping

if TYPE_CHECKING:
    import ssl

    import httpx

__all__ = ["DEFAULT_BASE_URL", "CloduraClient", "RequestEvent"]

DEFAULT_TIMEOUT = 30.0
USER_AGENT = f"clodura-cli/{__version__}"


class RequestEvent(NamedTuple):
    """What happened to one attempt of a request; handed to the ``on_event`` hook."""

    method: str
    path: str
    attempt: int
    elapsed: float
    status: int | None
    #: Why the attempt failed, when it did.
    error: str | None = None
    #: Seconds until the next attempt, when one will be made.
    retry_in: float | None = None
    #: The full URL and the JSON body sent (never the headers: they hold the key).
    url: str = ""
    body: Any = None


EventHook = Callable[[RequestEvent], None]


class RawAnswer(NamedTuple):
    """A decoded answer, its body exactly as received and its headers (kept for paid calls)."""

    payload: Any
    content: bytes
    headers: dict[str, str]


#: Headers never kept with an answer: they carry sessions or credentials.
_SECRET_HEADERS = frozenset({"set-cookie", "cookie", "authorization", "x-api-key"})


class CloduraClient:
    """Calls the Clodura API; every method returns parsed JSON or raises a CloduraError."""

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        transport: "httpx.BaseTransport | None" = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        on_event: EventHook | None = None,
        sleep: Callable[[float], None] | None = None,
        max_connections: int = 16,
        throttle: Throttle | None = None,
        verify: "ssl.SSLContext | bool" = True,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        sender: Callable[[Mapping[str, str], float], Sender] | None = None,
        lazy: bool = False,
    ) -> None:
        """``sender`` builds what carries the requests from the headers and the timeout;
        by default httpx over the network, through ``transport`` when one is given. ``sleep``
        waits before a retry: by default that of ``retry.CLOCK`` when the client is built.

        ``lazy`` builds the sender with the first request, not here: for a search, whose pages
        may all come from the page cache. Never for paid work recorded before it is sent: a
        sender that cannot be built must fail the run before anything is claimed."""
        self.base_url = check_base_url(base_url)
        self.throttle = throttle
        self.retry = retry or RetryPolicy()
        self._on_event = on_event
        self._sleep = sleep or retry_settings.CLOCK.sleep
        self._key = api_key.encode("utf-8", errors="replace")
        #: Filters an emulator said it took without applying them (X-Sandbox-Not-Emulated).
        self.not_emulated: set[str] = set()
        headers = {"X-API-KEY": api_key, "User-Agent": USER_AGENT, "Accept": "application/json"}
        if sender is None:

            def sender(headers: Mapping[str, str], timeout: float) -> Sender:
                return HttpxSender(
                    self.base_url,
                    headers,
                    timeout=timeout,
                    max_connections=max_connections,
                    transport=transport,
                    verify=verify,
                    max_bytes=max_response_bytes,
                )

        self._make_sender = functools.partial(sender, headers, timeout)
        self._sender: Sender | None = None if lazy else self._make_sender()
        self._sender_lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> "CloduraClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool (if one was opened); a lazy client opens none after."""
        with self._sender_lock:
            if self._sender is not None:
                self._sender.close()
            self._closed = True

    def _carrier(self) -> Sender:
        """What carries the requests; a lazy client makes it for the first one, so that a
        search answered from the page cache never loads httpx and the certificate store
        (about 0.2 s), nor the emulator."""
        with self._sender_lock:
            if self._sender is None:
                if self._closed:  # nothing would close one made now
                    raise APIConnectionError(
                        "not sent: the client is closed", "", request_sent=False
                    )
                self._sender = self._make_sender()
            return self._sender

    # The endpoints ---------------------------------------------------------------------------

    def search_people(self, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        """One page of Search People; an exhausted result set (404 included) is an empty list."""
        return self.search(PEOPLE, body)

    def search(self, endpoint: Endpoint, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        """One page of a paged search endpoint (people or organisations); an exhausted result
        set (404 included) is an empty list."""
        path = endpoint.path
        received: list[Reply] = []
        try:
            payload = self.request("POST", path, json=dict(body), received=received)
        except NotFoundError as exc:
            if not exc.body.strip() or exc.body.lstrip().startswith("<"):
                # A web page or nothing at all: a wrong URL or a proxy, not "no results".
                what = "an HTML page" if exc.body.strip() else "an empty body"
                raise InvalidResponseError(
                    f"404 with {what} from {self.base_url}{path}: is CLODURA_BASE_URL right? "
                    "(the API answers 'no results' with JSON or text, not with a web page)",
                    path,
                    status=404,
                ) from None
            return []
        said = received[-1].headers.get("x-sandbox-not-emulated", "") if received else ""
        self.not_emulated.update(name.strip() for name in said.split(",") if name.strip())
        return people_from_payload(payload, path, endpoint.list_keys)

    def reveal_email(self, body: Mapping[str, Any]) -> RawAnswer:
        """Queue an email reveal; never resent once it may have left. The answer is read by
        ``clodura_cli.api.answers``, whatever its shape, and kept as received."""
        return self._raw("POST", spec.REVEAL_EMAIL_PATH, dict(body))

    def reveal_phone(self, body: Mapping[str, Any]) -> RawAnswer:
        """Queue a phone reveal; never resent once it may have left."""
        return self._raw("POST", spec.REVEAL_PHONE_PATH, dict(body))

    def track(self, tracking_id: str) -> RawAnswer:
        """The state of one reveal job, as received."""
        return self._raw("GET", f"{spec.TRACK_PATH}/{quote(tracking_id, safe='')}", None)

    def paid(self, path: str, body: Mapping[str, Any]) -> RawAnswer:
        """A paid request (verification, enrichment, news): never resent once it may have
        left; the answer is kept as received (its status under the ``:status`` header)."""
        from clodura_cli.api.answers import error_envelope  # the reader: paid runs only

        answer = self._raw("POST", path, dict(body), read_failures=True)
        problem = error_envelope(answer.payload, body)
        if problem is not None:  # a 200 that holds only an error is the error it names
            status, message = problem
            error = make_status_error(
                status, message, path, body=answer.content[:500].decode("utf-8", "replace")
            )
            error.raw, error.headers = answer.content, answer.headers
            raise error
        return answer

    def _raw(self, method: str, path: str, body: Any, *, read_failures: bool = False) -> RawAnswer:
        received: list[Reply] = []
        try:
            # An empty success is read too: an id may come in a header, and an empty track
            # answer says the job is still pending.
            payload = self.request(
                method, path, json=body, idempotent=method == "GET", received=received,
                empty_ok=True, read_failures=read_failures,
            )  # fmt: skip
        except CloduraError as exc:
            if received:  # an unreadable answer is kept too
                exc.raw, exc.headers = received[-1].content, self.kept_headers(received[-1])
            raise
        last = received[-1] if received else Reply(200, {}, b"")
        return RawAnswer(payload, last.content, self.kept_headers(last))

    def kept_headers(self, reply: Reply) -> dict[str, str]:
        """The headers of an answer worth keeping with it: none that carries a session, a
        credential or the key."""
        key = self._key.decode("utf-8", errors="replace")
        kept = {
            name: value
            for name, value in reply.headers.items()
            if name.lower() not in _SECRET_HEADERS and not (key and key in value)
        }
        return {":status": str(reply.status_code), **kept}

    def redacted(self, content: bytes) -> bytes:
        """An answer with every occurrence of the key replaced: a server that echoes the key
        must not get it stored in the ledger or printed. Its spellings in JSON (``\\/``,
        ``\\u002B``) and in a URL (``%2f``), in any mix, are replaced too: decoded, they are
        the key."""
        if not self._key or self._key_pattern is None:
            return content
        return self._key_pattern.sub(b"***", content)

    @functools.cached_property
    def _key_pattern(self) -> "re.Pattern[bytes] | None":
        """The key as an answer may spell it: each character but letters and digits as itself,
        a JSON escape or a URL escape."""
        if not self._key:
            return None
        parts = []
        for char in self._key.decode("utf-8", errors="replace"):
            raw = re.escape(char.encode())
            if char.isascii() and char.isalnum():
                parts.append(raw)
                continue
            code = ord(char)
            forms = [raw, rb"\\u(?i:%04x)" % code if code < 0x10000 else raw]
            if char in '/"\\':  # JSON's own escapes: \/ \" \\
                forms.append(re.escape(b"\\" + char.encode()))
            forms += [b"(?i:" + re.escape(quote(char, safe="").encode()) + b")"]
            parts.append(b"(?:" + b"|".join(forms) + b")")
        return re.compile(b"".join(parts))

    def _without_key(self, reply: Reply) -> Reply:
        """The answer with the key replaced by *** in its body and its header values."""
        if not self._key:
            return reply
        headers = reply.headers
        redact = self.redacted
        if any(redact(value.encode()) != value.encode() for value in headers.values()):
            headers = {name: redact(value.encode()).decode() for name, value in headers.items()}
        return Reply(reply.status_code, headers, redact(reply.content))

    def credits(self, *, once: bool = False) -> dict[str, Any]:
        """The account's credit balance, in whichever plan shape the API uses. ``once``: a
        single quiet attempt, for a balance that only refines an estimate."""
        path = spec.CREDITS_PATH
        if once:
            payload = self.request("GET", path, retry=RetryPolicy(max_retries=0), quiet=True)
        else:
            payload = self.request("GET", path)
        return object_from_payload(payload, path)

    # The one request loop ------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        idempotent: bool = True,
        received: list[Reply] | None = None,
        retry: RetryPolicy | None = None,
        quiet: bool = False,
        headers: Mapping[str, str] | None = None,
        raw: bool = False,
        params: Params = None,
        empty_ok: bool = False,
        read_failures: bool = False,
    ) -> Any:
        """Send a request, retrying what may be retried, and return its decoded JSON body.

        Retried for every request: 429 and a connection that failed before the request was sent.
        Retried only when ``idempotent``: 5xx, timeouts after sending, dropped connections and
        unreadable answers, since a non-idempotent request may already have taken effect.
        ``retry`` replaces the client's policy for this request; ``quiet`` reports nothing.
        ``headers`` are added (they never replace the key), ``params`` form the query; with
        ``raw``, a success is returned as the Reply itself, not decoded. ``received`` collects
        every answer, the key redacted from its body.
        """
        if headers:
            headers = {k: v for k, v in headers.items() if k.lower() != "x-api-key"}
        policy = retry or self.retry
        emit = (lambda *args, **kwargs: None) if quiet else self._emit
        shown = path  # what --verbose and the logs name: the path and its query
        if params:
            from urllib.parse import urlencode

            key = self._key.decode("utf-8", errors="replace")
            pairs = params.items() if isinstance(params, Mapping) else params
            # A key typed into a query is never logged either.
            shown = path + "?" + urlencode([(k, v.replace(key, "***") if key else v)
                                            for k, v in pairs], safe="*")  # fmt: skip
        attempt = 0
        while True:
            attempt += 1
            carrier = self._carrier()
            if stopping.is_stopping():
                # Interrupted (perhaps while the first request made the carrier): nothing new
                # goes out, and nothing is retried.
                raise APIConnectionError(
                    "not sent: the run was interrupted", path, request_sent=False
                )
            started = time.monotonic()
            status: int | None = None
            retry_after: float | None = None
            try:
                with self.throttle.slot() if self.throttle else contextlib.nullcontext():
                    started = time.monotonic()  # --verbose times the request, not the slot
                    if stopping.is_stopping():  # interrupted while waiting for the slot
                        raise APIConnectionError(
                            "not sent: the run was interrupted", path, request_sent=False
                        )
                    # A server that echoes the key (in an error message, a debug field, a
                    # header) gets it replaced here, before anything reads, keeps or prints
                    # the answer: the result, the error message, the ledger, `api -i`.
                    reply = self._without_key(
                        carrier.send(Request(method, path, json, headers, params))
                    )
                    if received is not None:
                        received.append(reply)
                    status = reply.status_code
                    if self.throttle:
                        self.throttle.observe(reply.headers)
                    outcome = self._outcome(
                        reply, path, raw=raw, empty_ok=empty_ok, read_failures=read_failures
                    )
                if not isinstance(outcome, CloduraError):
                    if self.throttle:
                        self.throttle.succeeded()
                    emit(method, shown, attempt, started, status, body=json)
                    return outcome
                error: CloduraError = outcome
                if isinstance(error, APIError):
                    retry_after = error.retry_after
                    if error.status == 429 and self.throttle:
                        # A pause longer than the cap is not waited out: the run stops instead.
                        pause = retry_after if policy.delay(1, retry_after) else None
                        self.throttle.rate_limited(pause)
            except TransportError as exc:
                error = exc
            retryable = _is_retryable(error, idempotent) and not stopping.is_stopping()
            wait = policy.delay(attempt, retry_after) if retryable else None
            emit(method, shown, attempt, started, status, _describe(error), wait, body=json)
            if wait is None:
                raise error
            self._sleep(wait)

    def _outcome(self, response: Reply, path: str, *, raw: bool = False, empty_ok: bool = False,
                 read_failures: bool = False) -> Any:  # fmt: skip
        """The decoded body of a success (the Reply with ``raw``; None for an empty body with
        ``empty_ok``), or the error a response stands for (not raised). A 200 that says
        ``"success": false`` is an error, unless ``read_failures`` (a paid answer, read by
        ``answers.error_envelope``, which tells a no match from an error)."""
        content = response.content
        status = response.status_code
        if raw and 200 <= status < 300:
            return response
        if empty_ok and 200 <= status < 300 and not content.strip(b" \t\r\n"):
            return None
        if 200 <= status < 300:
            try:
                payload = decode_json(
                    content, response.headers.get("content-type", ""), path, status
                )
            except InvalidResponseError as exc:
                return exc
            if isinstance(payload, dict) and payload.get("success") is False and not read_failures:
                # A 200 that says it failed: an error with its message, never an empty success.
                message = error_message(content)
                refused = 402 if NO_CREDITS.search(message) else 400
                return make_status_error(
                    refused, message, path, body=content[:500].decode("utf-8", errors="replace")
                )
            return payload
        return make_status_error(
            status,
            error_message(content),
            path,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
            body=content[:500].decode("utf-8", errors="replace"),
        )

    def _emit(
        self,
        method: str,
        path: str,
        attempt: int,
        started: float,
        status: int | None,
        error: str | None = None,
        retry_in: float | None = None,
        body: Any = None,
    ) -> None:
        if self._on_event is not None:
            elapsed = time.monotonic() - started
            url = self.base_url + path
            event = RequestEvent(method, path, attempt, elapsed, status, error, retry_in, url, body)
            self._on_event(event)


def _is_retryable(error: CloduraError, idempotent: bool) -> bool:
    if isinstance(error, APIError):
        if error.status == 429:
            return True
        return idempotent and error.status >= 500
    if isinstance(error, TransportError):
        return idempotent or not error.request_sent
    if isinstance(error, ResponseTooLargeError):
        return False  # the same answer would come again
    return idempotent and isinstance(error, InvalidResponseError)


def _describe(error: CloduraError) -> str:
    if isinstance(error, APIError):
        return f"HTTP {error.status}: {error.message}"
    return error.message
