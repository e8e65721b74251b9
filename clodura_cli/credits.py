"""Credits: the balance in both plan shapes as rows a person can read, and what reveals cost."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from clodura_cli.api.errors import InvalidResponseError
from clodura_cli.inputs import EMAIL, PHONE

STANDARD = "standard"
MULTI_PROVIDER = "multi-provider"
#: Worst-case credits per reveal, by plan family and kind (Part A of the API contract).
WORST_CASE = {
    (STANDARD, EMAIL): 2,
    (STANDARD, PHONE): 2,
    (MULTI_PROVIDER, EMAIL): 6,
    (MULTI_PROVIDER, PHONE): 20,
}


def plan_family(balance: dict[str, Any]) -> str | None:
    """Which plan family a Credits answer belongs to, or None when it is neither shape."""
    if "remainingCredits" in balance:
        return MULTI_PROVIDER
    if "contactsView" in balance or "maxContacts" in balance:
        return STANDARD
    return None


def worst_case(kind: str, family: str | None, count: int) -> int:
    """The most ``count`` reveals can cost; an unknown family is assumed the dearer one."""
    per = WORST_CASE[(family or MULTI_PROVIDER, kind)]
    return per * count


def spent_between(before: dict[str, Any], after: dict[str, Any]) -> int | None:
    """Credits the balance moved by between two Credits answers of the same plan."""
    family = plan_family(before)
    if family != plan_family(after) or family is None:
        return None
    try:
        if family == MULTI_PROVIDER:
            return int(before["remainingCredits"]) - int(after["remainingCredits"])
        return sum(
            int(after.get(name, 0)) - int(before.get(name, 0))
            for name in ("contactsView", "directDials")
        )
    except (TypeError, ValueError):
        return None


Amount = Union[int, float, str, None]  # noqa: UP007 - a runtime alias on Python 3.10


@dataclass(frozen=True)
class Pool:
    """One pool of credits: used and maximum where the plan says, and what remains."""

    name: str
    #: Numbers where the API sent numbers (or numeric strings); otherwise the value as given
    #: ("Unlimited", None): shown, never an error.
    remaining: Amount
    used: Amount = None
    maximum: Amount = None


def _number(balance: dict[str, Any], key: str) -> Amount:
    value = balance.get(key)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return value
    try:
        number = float(str(value).strip().replace(",", ""))
    except ValueError:
        return value if value is None else str(value)
    return int(number) if number.is_integer() else number


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
                numeric = all(isinstance(v, (int, float)) for v in (used, maximum))
                left = max(0, maximum - used) if numeric else maximum  # type: ignore[operator]
                result.append(Pool(name, left, used, maximum))
        return family, result
    keys = ", ".join(sorted(balance)) or "none"
    raise InvalidResponseError(
        f"credits: neither plan shape (keys: {keys}); see it with -f json", "/api/v1/credits"
    )
