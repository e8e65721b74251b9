"""Tolerant reading of API answers: every shape the contract allows, the rest refused clearly."""

from __future__ import annotations

import json
import re
from typing import Any

from clodura_cli.api import spec
from clodura_cli.api.errors import InvalidResponseError
from clodura_cli.base.text import SERVER_TEXT_LIMIT, one_line, pattern

#: Keys under which a search answer may wrap its list instead of sending a bare array.
LIST_WRAPPER_KEYS = ("data", "results", "people")
_MESSAGE_KEYS = ("message", "error", "detail")
_SNIPPET_LENGTH = 200


def first_value(content: bytes | str) -> Any:
    """The first JSON value of a body: a byte-order mark skipped, whatever the content type
    says, and trailing text after the value (``<!-- 0.012s -->``) ignored. ValueError when the
    body holds no JSON value; RecursionError when it nests too deeply to read."""
    text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
    text = text.lstrip("\ufeff \t\r\n")
    value, _ = json.JSONDecoder().raw_decode(text)
    return value


def decode_json(content: bytes, content_type: str, path: str, status: int) -> Any:
    """Parse a response body as JSON, or explain what arrived instead."""
    try:
        return json.loads(content)  # bytes straight in: no copy of the body as text
    except RecursionError:
        raise _too_deep(path, status) from None
    except (ValueError, UnicodeDecodeError):
        pass  # empty, not JSON, not UTF-8, a BOM or trailing text: look closer below
    text = content.decode("utf-8", errors="replace")
    if not text.strip(" \t\r\n\ufeff"):
        raise InvalidResponseError(
            f"empty response body (status {status}) where JSON was expected", path, status=status
        )
    try:
        return first_value(text)
    except RecursionError:
        raise _too_deep(path, status) from None
    except ValueError:
        kind = content_type.split(";", 1)[0].strip() or "no content type"
        raise InvalidResponseError(
            f"response is not valid JSON ({kind}, {len(content)} bytes): {body_snippet(text)!r}",
            path,
            status=status,
        ) from None


def _too_deep(path: str, status: int) -> InvalidResponseError:
    return InvalidResponseError("unreadable answer: JSON nested too deeply", path, status=status)


def loads_or_none(text: str | bytes) -> Any:
    """JSON, or None when the text is not JSON (or nests too deeply to read)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def body_snippet(text: str) -> str:
    """The readable start of a body: an HTML page's title, else its first characters."""
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    if title:
        text = title.group(1)
    elif text.lstrip().startswith("<"):
        text = re.sub(r"<[^>]*>", " ", text)
    return one_line(text, _SNIPPET_LENGTH)


#: Messages that say the credits are spent, not ones that say a request cost none ("no credits
#: charged", "0 credits used", "your credits were not deducted").
NO_CREDITS = pattern(
    r"\b(insufficient|not enough|out of) credits?\b"
    r"|\b(no|zero|0) (remaining |available )?credits? (left|remaining|available)\b"
    r"|\bno (remaining|available) credits?\b|\bcredits? (balance )?(is |are )?(zero|0)\b"
    r"|\bno( \w+)? credits? (left|remaining|available)\b"
    r"|\binsufficient (balance|funds)\b|\bcredits?: ?0\b"
    r"|\bno credits? found\b|\bpayment required\b"
    r"|\bcredits? (are |is |have been )?(exhausted|depleted|insufficient|used up|exceeded)\b"
    r"|\bcredit (limit|balance) (reached|exceeded|is (zero|0|exhausted))\b",
    re.IGNORECASE,
)


def error_message(content: bytes) -> str:
    """The server's explanation of an error: a message field when JSON, else the body's start."""
    text = content.decode("utf-8", errors="replace")
    payload = loads_or_none(text)
    if isinstance(payload, dict):
        for key in _MESSAGE_KEYS:
            value = payload.get(key)
            if isinstance(value, str) and value.strip():
                return one_line(value, SERVER_TEXT_LIMIT) or "(unprintable message)"
            if isinstance(value, (list, dict)) and value:
                return one_line(json.dumps(value, ensure_ascii=False), _SNIPPET_LENGTH)
    return body_snippet(text) or "(empty body)"


def people_from_payload(
    payload: Any, path: str, list_keys: tuple[str, ...] = LIST_WRAPPER_KEYS
) -> list[dict[str, Any]]:
    """The records of a search answer: a bare array, or a list wrapped in an object under one
    of ``list_keys``."""
    records = payload
    if isinstance(payload, dict):
        for key in list_keys:
            if isinstance(payload.get(key), list):
                records = payload[key]
                break
        else:
            keys = ", ".join(sorted(map(str, payload))[:8]) or "none"
            raise InvalidResponseError(
                f"expected a list of {_noun(path)}, got an object (keys: {keys})", path
            )
    if not isinstance(records, list):
        raise InvalidResponseError(
            f"expected a list of {_noun(path)}, got {type(records).__name__}", path
        )
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise InvalidResponseError(
                f"record {index} is {type(record).__name__}, not an object: {record!r:.80}", path
            )
    return records


#: What the list an endpoint answers with holds, for messages (any other: records).
_NOUNS = {
    spec.SEARCH_PEOPLE_PATH: "people",
    spec.ORG_SEARCH_PATH: "organisations",
    spec.ORG_NEWS_PATH: "articles",
}


def _noun(path: str) -> str:
    return _NOUNS.get(path, "records")


def object_from_payload(payload: Any, path: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """An answer that must be a JSON object holding the ``required`` keys."""
    if not isinstance(payload, dict):
        raise InvalidResponseError(f"expected a JSON object, got {type(payload).__name__}", path)
    missing = [key for key in required if key not in payload]
    if missing:
        raise InvalidResponseError(f"answer lacks {', '.join(missing)}", path)
    return payload


def as_list(value: Any) -> list[Any]:
    """A field that may be a string or an array, as a list (None is empty)."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]
