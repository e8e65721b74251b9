"""Exit codes, and the one table that turns an exception into a code and a hint."""

from __future__ import annotations

from enum import IntEnum

from clodura_cli.api import errors


class ExitCode(IntEnum):
    """What the process exit status means."""

    OK = 0
    INTERNAL = 1
    USAGE = 2
    AUTH = 3
    CREDITS = 4
    RATE_LIMITED = 5
    REJECTED = 6
    NETWORK = 7
    PENDING = 8
    LEDGER = 9
    INTERRUPTED = 130
    TERMINATED = 143


EXIT_CODE_HELP = {
    ExitCode.OK: "success, including a search with no results; a receiver stopped by the user",
    ExitCode.INTERNAL: "unexpected internal error",
    ExitCode.USAGE: "usage or validation error, detected before any request is sent",
    ExitCode.AUTH: "authentication or permission: no key, 401, 403",
    ExitCode.CREDITS: "credits: 402, or a credit guard stopped the run",
    ExitCode.RATE_LIMITED: "rate limited: 429 still returned after the retries",
    ExitCode.REJECTED: "request rejected by the API: 400, 422, or an unknown tracking id",
    ExitCode.NETWORK: "network failure, timeout, 5xx or unreadable response after the retries",
    ExitCode.PENDING: "still pending: a wait for reveal jobs reached its timeout (or no receiver)",
    ExitCode.LEDGER: "the local ledger is busy (another clodura holds it) or unreadable",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C); partial output files are not left behind",
    ExitCode.TERMINATED: "terminated (SIGTERM); likewise nothing partial is left behind",
}

#: Hints too long for a line of the table.
_RAISE_THE_CAP = "if such an answer is expected, raise it: clodura config set max-response-mb N"
_SEE_TRACK = "the API does not know it: see the tracking ids in `clodura track`"
_SLOW_DOWN = "still rate limited after the retries; try again later or lower --concurrency"
_CHECK_NETWORK = "check your network and CLODURA_BASE_URL, then try again"
_NOT_JSON = "the API sent an answer that is not the expected JSON; try again later"

#: Checked in order: the first class the exception is an instance of decides.
ERROR_TABLE: tuple[tuple[type[errors.CloduraError], ExitCode, str], ...] = (
    (errors.UsageError, ExitCode.USAGE, ""),
    (errors.LocalStateError, ExitCode.LEDGER, ""),
    (errors.CreditGuardError, ExitCode.CREDITS, ""),
    (errors.PendingJobsError, ExitCode.PENDING, ""),
    (errors.UnconfirmedRevealsError, ExitCode.NETWORK, ""),
    (errors.UnreadableAnswerError, ExitCode.NETWORK, ""),
    (errors.ResponseTooLargeError, ExitCode.NETWORK, _RAISE_THE_CAP),
    (errors.RefusedForCreditsError, ExitCode.CREDITS, ""),
    (errors.RefusedForKeyError, ExitCode.AUTH, ""),
    (errors.RejectedRevealsError, ExitCode.REJECTED, ""),
    (errors.MissingKeyError, ExitCode.AUTH, ""),
    (errors.UnsendableKeyError, ExitCode.AUTH, ""),
    (errors.AuthenticationError, ExitCode.AUTH, "check the key in CLODURA_API_KEY"),
    (errors.PermissionDeniedError, ExitCode.AUTH, "your plan does not include this endpoint"),
    (errors.NotFoundError, ExitCode.REJECTED, _SEE_TRACK),
    (errors.PaymentRequiredError, ExitCode.CREDITS, "credits exhausted: see `clodura credits`"),
    (errors.RateLimitError, ExitCode.RATE_LIMITED, _SLOW_DOWN),
    (errors.ServerError, ExitCode.NETWORK, "the API failed; try again later"),
    (errors.APIError, ExitCode.REJECTED, "the API rejected the request"),
    (errors.TransportError, ExitCode.NETWORK, _CHECK_NETWORK),
    (errors.InvalidResponseError, ExitCode.NETWORK, _NOT_JSON),
)


_key_source = "in CLODURA_API_KEY"


def note_key_source(where: str) -> None:
    """Where the key in use came from, for the hint of a 401 (never the key itself)."""
    global _key_source
    _key_source = where


def classify(error: errors.CloduraError) -> tuple[ExitCode, str]:
    """The exit code and the one-line message for an error."""
    code, hint = next(
        ((code, hint) for cls, code, hint in ERROR_TABLE if isinstance(error, cls)),
        (ExitCode.INTERNAL, ""),
    )
    message = str(error)
    if error.context:
        message = f"{error.context}: {message}"
    if isinstance(error, errors.AuthenticationError):
        hint = f"check the key {_key_source}"
    if isinstance(error, errors.NotFoundError) and "/track/" not in error.path:
        hint = "no such endpoint or record: check the path"
    if isinstance(error, errors.PermissionDeniedError) and error.body.lstrip().startswith("<"):
        hint = "blocked before reaching the API (Cloudflare or a proxy): a web page, not the API"
    if isinstance(error, errors.RateLimitError) and error.retry_after is not None:
        from clodura_cli.api.retry import RETRY_AFTER_CAP

        if error.retry_after > RETRY_AFTER_CAP:  # not retried: a run does not wait that long
            hint = (f"the API asks to wait {error.retry_after:g}s, longer than a run waits "
                    f"({RETRY_AFTER_CAP:g}s); try again later")  # fmt: skip
        else:
            hint = f"the API asks to wait {error.retry_after:g}s; {hint}"
    return code, f"{message} ({hint})" if hint else message
