"""The one tolerant reader of reveal and track answers: every shape the real API may send.

The reveal, track and webhook answers are only half documented (see the API contract, Part
B2). Whatever shape arrives, it is read here into one ``Outcome``: the job's status, its
tracking id and what was paid for (email, phones, providers, credits). The rules:

- the tracking id is ``trackingId``, ``tracking_id``, ``id``, ``jobId`` or ``job_id``, at the
  top or under ``data``;
- status words are compared case-insensitively; an unknown word is never final;
- the result is under ``result``, ``data`` or ``results`` (a list: its items), or flat at the
  top level; a result that carries an email or a phone is done, whatever the word says;
- phones are strings or objects; the best email is taken from ``providers[]`` when there is
  no top-level one.

Nothing is dropped: fields this reader does not know stay in the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Status words, normalised by normal_word ("In Progress" reads as in_progress).
PENDING_WORDS = frozenset(
    "queued pending processing in_progress inprogress running submitted accepted created "
    "started waiting".split()
)
DONE_WORDS = frozenset(
    "completed complete success succeeded successful done finished found".split()
)
FAILED_WORDS = frozenset(
    "failed failure error not_found notfound no_result no_results cancelled canceled expired "
    "rejected".split()
)
#: Pending words that mean the job has not started yet (the rest: it is being worked on).
_QUEUED_WORDS = frozenset("queued pending submitted accepted created waiting".split())
TRACKING_ID_KEYS = ("trackingId", "tracking_id", "trackingID", "id", "jobId", "job_id")
_STATUS_KEYS = ("status", "state", "jobStatus")
_RESULT_KEYS = ("result", "data", "results")
_EMAIL_KEYS = ("email", "emailAddress", "email_address", "workEmail")
_EMAIL_STATUS_KEYS = ("emailStatus", "email_status", "verificationStatus")
_PHONE_KEYS = ("phones", "phone", "phoneNumbers", "phone_numbers", "mobile", "directDial")
_MESSAGE_KEYS = ("message", "error", "detail", "reason")
_CREDIT_KEYS = ("credits", "creditsUsed", "credits_used", "cost")
#: Envelope fields that describe the job, not its result.
_JOB_KEYS = frozenset(
    [*TRACKING_ID_KEYS, *_STATUS_KEYS, *_MESSAGE_KEYS, "type", "input", "success", "statusCode"]
)
_EMAIL_RANK = {"verified": 0, "valid": 0, "guessed": 1, "catch_all": 1, "unverified": 2}


@dataclass
class Outcome:
    """What one reveal or track answer says about a job."""

    #: "pending", "completed" or "failed"; None when the answer gives no status we know.
    status: str | None
    #: The status word as the API sent it.
    word: str | None = None
    tracking_id: str | None = None
    #: The result in our shape (email, emailStatus, phones, providers, ...), unknown fields kept.
    result: dict[str, Any] | None = None
    message: str | None = None
    credits: float | None = None
    #: What the reader looked for and did not find, for the error message.
    missing: list[str] = field(default_factory=list)

    @property
    def is_final(self) -> bool:
        """True for completed or failed."""
        return self.status in ("completed", "failed")

    @property
    def ledger_status(self) -> str | None:
        """The job status to record: queued, processing, completed or failed (None: keep)."""
        if self.status == "pending":
            word = normal_word(self.word)
            return "queued" if word is None or word in _QUEUED_WORDS else "processing"
        return self.status


def normal_word(word: Any) -> str | None:
    """A status word in lower case with its spaces and dashes as underscores."""
    if not isinstance(word, str) or not word.strip():
        return None
    return "_".join(word.strip().casefold().replace("-", " ").split())


def classify_word(word: Any) -> str | None:
    """pending, completed or failed for a status word; None for a word we do not know."""
    normal = normal_word(word)
    if normal is None:
        return None
    for status, words in (("pending", PENDING_WORDS), ("completed", DONE_WORDS),
                           ("failed", FAILED_WORDS)):  # fmt: skip
        if normal in words:
            return status
    return None


def read_answer(payload: Any) -> Outcome:
    """Read a submission, track or webhook answer, whatever its shape."""
    envelope: dict[str, Any] = payload if isinstance(payload, dict) else {}
    inner = envelope.get("data")
    data: dict[str, Any] = inner if isinstance(inner, dict) else {}
    tracking_id = _first_text(envelope, TRACKING_ID_KEYS) or _first_text(data, TRACKING_ID_KEYS)
    word = _first_text(envelope, _STATUS_KEYS) or _first_text(data, _STATUS_KEYS)
    message = _first_text(envelope, _MESSAGE_KEYS) or _first_text(data, _MESSAGE_KEYS)
    parts = _result_parts(payload)
    result = _normal_result(parts)
    credits = _credits(parts, envelope)
    status = classify_word(word)
    if result is not None and (result.get("email") or result.get("phones")):
        status = "completed"  # paid data is final whatever the word says
    elif status is None and word is None and result is not None and "emailStatus" in result:
        status = "completed"  # e.g. {"email": null, "emailStatus": "not_found"}
    missing = []
    if tracking_id is None:
        missing.append("tracking id (trackingId, tracking_id, id, jobId)")
    if word is None and status is None:
        missing.append("status")
    if not (result and (result.get("email") or result.get("phones") or "emailStatus" in result)):
        missing.append("result")
    return Outcome(status, word, tracking_id, result, message, credits, missing)


def _first_text(mapping: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = mapping.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def _result_parts(payload: Any) -> list[dict[str, Any]]:
    """The objects that may hold the result, most specific first."""
    if isinstance(payload, list):
        return [item for item in payload if isinstance(item, dict)]
    if not isinstance(payload, dict):
        return []
    for key in _RESULT_KEYS:
        value = payload.get(key)
        if isinstance(value, dict):
            inner = _result_parts(value) if any(k in value for k in _RESULT_KEYS) else []
            return [*inner, value]
        if isinstance(value, list) and any(isinstance(item, dict) for item in value):
            return [item for item in value if isinstance(item, dict)]
    # Flat: the result's fields sit beside the job's (the webhook payload seen in public code).
    flat = {k: v for k, v in payload.items() if k not in _JOB_KEYS}
    return [flat] if flat else []


def _normal_result(parts: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not parts:
        return None
    result: dict[str, Any] = {}
    for part in reversed(parts):  # the most specific part wins
        result.update({k: v for k, v in part.items() if k not in _JOB_KEYS or k == "type"})
    result.pop("type", None)
    providers = [p for p in _as_list(result.get("providers")) if isinstance(p, dict)]
    email, email_status = _email(parts, providers)
    phones = _phones(parts, providers)
    known_email = any(k in part for part in parts for k in _EMAIL_KEYS)
    known_phone = any(k in part for part in parts for k in _PHONE_KEYS)
    for key in (*_EMAIL_KEYS, *_EMAIL_STATUS_KEYS, *_PHONE_KEYS):
        result.pop(key, None)
    if known_email or email is not None or email_status is not None:
        result["email"] = email
        result["emailStatus"] = email_status
    if known_phone or phones:
        result["phones"] = phones
    if providers:
        result["providers"] = providers
    return result


def _email(
    parts: list[dict[str, Any]], providers: list[dict[str, Any]]
) -> tuple[str | None, str | None]:
    for part in parts:
        email = _email_text(_first_value(part, _EMAIL_KEYS))
        status = _first_text(part, _EMAIL_STATUS_KEYS)
        if email is not None or status is not None:
            if email is None and providers:
                break  # no top-level email: look in the providers
            return email, status
    candidates = []
    for provider in providers:
        email = _email_text(_first_value(provider, _EMAIL_KEYS))
        if email is not None:
            status = _first_text(provider, _EMAIL_STATUS_KEYS)
            candidates.append((_EMAIL_RANK.get((status or "").casefold(), 3), email, status))
    if candidates:
        _, email, status = min(candidates, key=lambda c: c[0])
        return email, status
    for part in parts:
        status = _first_text(part, _EMAIL_STATUS_KEYS)
        if status is not None:
            return None, status
    return None, None


def _email_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if _email_text(v)), None)
    if isinstance(value, dict):
        value = _first_value(value, ("email", "address", "value"))
    if isinstance(value, str) and "@" in value:
        return value.strip()
    return None


def _phones(parts: list[dict[str, Any]], providers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    phones: list[dict[str, Any]] = []
    for source in (*parts, *providers):
        for key in _PHONE_KEYS:
            for item in _as_list(source.get(key)):
                phone = _phone(item)
                if phone is not None and phone["number"] not in {p["number"] for p in phones}:
                    phones.append(phone)
        if phones and source in parts:
            break  # top-level phones found: the providers' copies add nothing
    return phones


def _phone(item: Any) -> dict[str, Any] | None:
    if isinstance(item, (str, int)) and not isinstance(item, bool) and str(item).strip():
        return {"number": str(item).strip(), "type": None}
    if isinstance(item, dict):
        number = _first_text(item, ("number", "phone", "phoneNumber", "value", "e164"))
        if number is None:
            return None
        return {**item, "number": number, "type": item.get("type")}
    return None


def _credits(parts: list[dict[str, Any]], envelope: dict[str, Any]) -> float | None:
    for source in (*parts, envelope):
        value = _first_value(source, _CREDIT_KEYS)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return None


def _first_value(mapping: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if mapping.get(key) is not None:
            return mapping[key]
    return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
