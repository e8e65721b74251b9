"""The credit balance in both plan shapes, as rows a person can read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clodura_cli.errors import InvalidResponseError
from clodura_cli.reveal import MULTI_PROVIDER, STANDARD, plan_family


@dataclass(frozen=True)
class Pool:
    """One pool of credits: used and maximum where the plan says, and what remains."""

    name: str
    remaining: int
    used: int | None = None
    maximum: int | None = None


def _number(balance: dict[str, Any], key: str) -> int:
    value = balance.get(key)
    try:
        return int(str(value).strip().replace(",", ""))
    except ValueError:
        raise InvalidResponseError(
            f"credits: {key} is {value!r}, not a number", "/api/v1/credits"
        ) from None


def pools(balance: dict[str, Any]) -> tuple[str, list[Pool]]:
    """The plan family and its pools; Standard's maxContacts arrives as a string."""
    family = plan_family(balance)
    if family == MULTI_PROVIDER:
        return family, [Pool("credits", _number(balance, "remainingCredits"))]
    if family == STANDARD:
        result = []
        for name, used_key, max_key in (
            ("contact views", "contactsView", "maxContacts"),
            ("direct dials", "directDials", "maxDirectDials"),
        ):
            if used_key in balance or max_key in balance:
                used, maximum = _number(balance, used_key), _number(balance, max_key)
                result.append(Pool(name, max(0, maximum - used), used, maximum))
        return family, result
    keys = ", ".join(sorted(balance)) or "none"
    raise InvalidResponseError(
        f"credits: neither plan shape (keys: {keys}); see it with -f json", "/api/v1/credits"
    )
