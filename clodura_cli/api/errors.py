"""Every error the library raises, in one tree.

CloduraError
├── UsageError                  bad input, caught before any request is sent
│   ├── ValidationError         a filter or option value the API would reject
│   └── InsecureTransportError  the key would travel over plain http
├── MissingKeyError             no API key configured
├── APIError                    the API answered, and not with success
│   ├── BadRequestError         400
│   ├── AuthenticationError     401
│   ├── PaymentRequiredError    402
│   ├── PermissionDeniedError   403
│   ├── NotFoundError           404
│   ├── UnprocessableEntityError 422
│   ├── RateLimitError          429
│   └── ServerError             5xx
├── TransportError              no usable answer arrived
│   ├── APIConnectionError      connection refused, reset or dropped
│   └── APITimeoutError         connect, read or pool timeout
├── InvalidResponseError        an answer that is not the JSON we expected
│   └── UnreadableAnswerError   a reveal or track answer whose id, status or result we cannot find
├── CreditGuardError            a reveal run would cost more than allowed
├── PendingJobsError            reveal jobs still unfinished when the wait ended
├── UnconfirmedRevealsError     reveals whose submission may or may not have reached the API
└── RejectedRevealsError        reveals the API refused (no job, no charge)
    ├── RefusedForCreditsError  ... because of credits (exit 4)
    └── RefusedForKeyError      ... because of the key or the plan (exit 3)
"""

from __future__ import annotations


class CloduraError(Exception):
    """Base class of every error this package raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        #: Where the error happened, when it matters (e.g. "page 7"); set by whoever knows.
        self.context: str | None = None
        #: The body of the answer that caused it, as received, when there was one.
        self.raw: bytes | None = None
        #: That answer's headers, secrets left out.
        self.headers: dict[str, str] | None = None


class UsageError(CloduraError):
    """The command line or input is wrong; nothing was sent."""


class ValidationError(UsageError):
    """A value the API would reject, named by its field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class MissingKeyError(CloduraError):
    """No API key was configured."""


class UnsendableKeyError(CloduraError):
    """The API key holds characters an HTTP header cannot carry (never echoed)."""


class InsecureTransportError(UsageError):
    """The API key would be sent over plain http to a non-loopback host."""


class APIError(CloduraError):
    """The API answered with an error status."""

    def __init__(
        self,
        status: int,
        message: str,
        path: str,
        *,
        retry_after: float | None = None,
        body: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.path = path
        self.retry_after = retry_after
        self.body = body

    def __str__(self) -> str:
        return f"HTTP {self.status} from {self.path}: {self.message}"


class BadRequestError(APIError):
    """400: a parameter value the API rejected."""


class AuthenticationError(APIError):
    """401: the key is missing or invalid."""


class PaymentRequiredError(APIError):
    """402: the credits are exhausted."""


class PermissionDeniedError(APIError):
    """403: the plan does not include this endpoint."""


class NotFoundError(APIError):
    """404: no results, or an unknown tracking id."""


class UnprocessableEntityError(APIError):
    """422: an invalid combination of parameters."""


class RateLimitError(APIError):
    """429: too many requests, still refused after the retries."""


class ServerError(APIError):
    """5xx: the API failed."""


class TransportError(CloduraError):
    """No usable answer arrived from the API."""

    def __init__(self, message: str, path: str, *, request_sent: bool) -> None:
        super().__init__(message)
        self.path = path
        #: False only when the request certainly never left this machine.
        self.request_sent = request_sent


class APIConnectionError(TransportError):
    """The connection was refused, reset or dropped."""


class APITimeoutError(TransportError):
    """The API did not answer in time."""


class InvalidResponseError(CloduraError):
    """The API answered, but not with the JSON we expected."""

    def __init__(self, message: str, path: str, *, status: int = 200) -> None:
        super().__init__(message)
        self.path = path
        self.status = status


class ResponseTooLargeError(InvalidResponseError):
    """The answer grew past the size cap (the ``max-response-mb`` setting); never retried."""


class UnreadableAnswerError(InvalidResponseError):
    """Reveal or track answers we could not read; they are kept in the ledger as received."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "")


class LocalStateError(CloduraError):
    """The ledger file is busy (held by another process) or unreadable."""


class CreditGuardError(CloduraError):
    """A reveal run would cost more credits than the user allowed."""


class PendingJobsError(CloduraError):
    """Reveal jobs were still unfinished when the wait ended."""

    def __init__(self, message: str, tracking_ids: list[str]) -> None:
        super().__init__(message)
        self.tracking_ids = tracking_ids


class UnconfirmedRevealsError(CloduraError):
    """Submissions whose answer was lost: they may have reached the API and may be charged."""


class RejectedRevealsError(CloduraError):
    """Submissions the API refused: no job was created and nothing was charged."""


class RefusedForCreditsError(RejectedRevealsError):
    """Refused because the credits ran out (the answer said so in words)."""


class RefusedForKeyError(RejectedRevealsError):
    """Refused because of the key or the plan (the answer said so in words)."""


def refusal_error(message: str) -> RejectedRevealsError:
    """The refusal error a refusal's own words call for: credits, the key, or anything else."""
    lowered = message.lower()
    if any(word in lowered for word in _CREDIT_WORDS):
        return RefusedForCreditsError(message)
    if any(word in lowered for word in _KEY_WORDS):
        return RefusedForKeyError(message)
    return RejectedRevealsError(message)


_CREDIT_WORDS = ("credit", "balance", "quota", "insufficient fund")
_KEY_WORDS = (
    "api key", "api-key", "apikey", "unauthori", "forbidden", "invalid key", "authenticat",
    "permission", "plan",
)  # fmt: skip


_STATUS_ERRORS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def make_status_error(
    status: int, message: str, path: str, *, retry_after: float | None = None, body: str = ""
) -> APIError:
    """Build the exception class that stands for an HTTP error status."""
    if status >= 500:
        cls: type[APIError] = ServerError
    else:
        cls = _STATUS_ERRORS.get(status, APIError)
    return cls(status, message, path, retry_after=retry_after, body=body)


#: Errors after which a run sends nothing more: every other paid request would fail alike.
STOPS_A_RUN = (AuthenticationError, PermissionDeniedError, PaymentRequiredError, RateLimitError)


def state_after_failure(exc: CloduraError) -> str:
    """What a failed paid request means in the ledger: ``rejected`` (refused, no charge),
    ``not_sent`` (it never left), or ``unknown`` (it may have reached the API and been
    charged: a 5xx, a lost or unreadable answer)."""
    if isinstance(exc, TransportError):
        return "unknown" if exc.request_sent else "not_sent"
    if isinstance(exc, APIError) and 400 <= exc.status < 500:
        return "rejected"
    return "unknown"
