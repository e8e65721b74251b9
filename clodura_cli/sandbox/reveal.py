"""Reveal jobs as the emulator runs them: validation, queuing, and deterministic results."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from clodura_cli.base.digest import stable_number
from clodura_cli.base.text import pattern
from clodura_cli.sandbox.data import RESERVED_SUFFIXES, VENDOR_ORGANIZATION_ID, Dataset, Person
from clodura_cli.sandbox.keys import SANDBOX_KEYS, STANDARD
from clodura_cli.sandbox.search import (
    ApiProblem,
    check_domain,
    check_linkedin,
    matching_indexes,
)
from clodura_cli.sandbox.state import Account, Job

EMAIL = "email"
PHONE = "phone"
_NAME_FIELDS = ("firstName", "lastName", "companyDomain")
_EMAIL_FIELDS = {"personId", "linkedinUrl", *_NAME_FIELDS, "webhookUrl"}
_PHONE_FIELDS = {"personId", "linkedinUrl", "revealPhoneNumberViaPartners", "webhookUrl"}
_URL_RE = pattern(r"^https?://[^\s/]+", re.IGNORECASE)
_PROVIDERS = ("clodura", "provider-b", "provider-c")
_PHONE_TYPES = ("mobile", "direct", "office")
_AREA_CODES = ("212", "312", "415", "512", "617", "646", "720", "206")


def _strings(body: Mapping[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if name in body and not (isinstance(body[name], str) and body[name].strip()):
            raise ApiProblem(400, f"{name} must be a non-empty string")


def _webhook(body: Mapping[str, Any], required: bool) -> None:
    url = body.get("webhookUrl")
    if url is None:
        if required:
            raise ApiProblem(400, "webhookUrl is required")
        return
    if not isinstance(url, str) or not _URL_RE.match(url):
        raise ApiProblem(400, "webhookUrl must be an http(s) URL")


def validate_email_reveal(body: Mapping[str, Any]) -> dict[str, Any]:
    """The identifiers of a valid Reveal Email body, or the 400/422 the API answers."""
    unknown = sorted(set(body) - _EMAIL_FIELDS)
    if unknown:
        raise ApiProblem(400, f"Unknown parameter '{unknown[0]}'")
    _strings(body, ("personId", "linkedinUrl", *_NAME_FIELDS))
    _webhook(body, required=True)
    names = [name for name in _NAME_FIELDS if name in body]
    if "personId" in body:
        return {"personId": body["personId"]}
    if "linkedinUrl" in body:
        check_linkedin(body["linkedinUrl"])
        return {"linkedinUrl": body["linkedinUrl"]}
    if names and len(names) < len(_NAME_FIELDS):
        missing = ", ".join(n for n in _NAME_FIELDS if n not in body)
        raise ApiProblem(
            422, f"firstName, lastName and companyDomain go together; missing {missing}"
        )
    if not names:
        raise ApiProblem(400, "Give personId, linkedinUrl, or firstName + lastName + companyDomain")
    check_domain(body["companyDomain"])
    return {name: body[name] for name in _NAME_FIELDS}


def validate_phone_reveal(body: Mapping[str, Any]) -> dict[str, Any]:
    """The identifiers of a valid Reveal Phone body, or the 400/422 the API answers."""
    unknown = sorted(set(body) - _PHONE_FIELDS)
    if unknown:
        raise ApiProblem(400, f"Unknown parameter '{unknown[0]}'")
    _strings(body, ("personId", "linkedinUrl"))
    partners = body.get("revealPhoneNumberViaPartners", False)
    if not isinstance(partners, bool):
        raise ApiProblem(400, "revealPhoneNumberViaPartners must be a boolean")
    if partners and "webhookUrl" not in body:
        raise ApiProblem(422, "webhookUrl is required when revealPhoneNumberViaPartners is true")
    _webhook(body, required=False)
    identifiers: dict[str, Any]
    if "personId" in body:
        identifiers = {"personId": body["personId"]}
    elif "linkedinUrl" in body:
        check_linkedin(body["linkedinUrl"])
        identifiers = {"linkedinUrl": body["linkedinUrl"]}
    else:
        raise ApiProblem(400, "Give personId or linkedinUrl")
    if partners:
        identifiers["revealPhoneNumberViaPartners"] = True
    return identifiers


def check_can_reveal(account: Account, kind: str) -> None:
    """403 for a plan without reveals, 402 for an empty pool."""
    plan = SANDBOX_KEYS[account.key]
    if plan.reveals_forbidden:
        raise ApiProblem(403, f"The {plan.name} plan does not include reveals; upgrade your plan")
    if plan.family == STANDARD:
        empty = (
            account.contacts_used >= plan.max_contacts
            if kind == EMAIL
            else account.direct_dials_used >= plan.max_direct_dials
        )
    else:
        empty = account.remaining <= 0
    if empty:
        raise ApiProblem(402, "Credits exhausted; upgrade your plan or add credits")


def find_person(dataset: Dataset, identifiers: Mapping[str, Any]) -> Person | None:
    """The person a reveal names, if the data set has them."""
    index: int | None
    if "personId" in identifiers:
        index = dataset.by_id.get(identifiers["personId"])
    elif "linkedinUrl" in identifiers:
        index = dataset.by_linkedin.get(profile_key(identifiers["linkedinUrl"]))
    else:
        body = {name: identifiers[name] for name in ("firstName", "lastName")}
        body["companyDomain"] = [identifiers["companyDomain"]]
        found = matching_indexes(dataset, body, frozenset())
        index = found[0] if found else None
    return None if index is None else dataset.person(index)


def profile_key(url: str) -> str:
    """A LinkedIn profile URL as the data set indexes it: https://www., lower case, no query,
    one trailing slash."""
    url = url.split("?", maxsplit=1)[0].rstrip("/").lower() + "/"
    return re.sub(r"^https?://([a-z]{2,3}\.)?", "https://www.", url)


def sandbox_address(first: str, last: str, domain: str) -> str:
    """The address the sandbox gives first.last at a company domain (under a reserved name)."""
    return _email_address(first, last, _reserved(domain))


def reserved_domain(domain: str) -> str:
    """A company domain as the sandbox's addresses use it (see _reserved)."""
    return _reserved(domain)


def _email_address(first: str, last: str, domain: str) -> str:
    local = re.sub(r"[^\w.]", "", f"{first}.{last}".lower()).strip(".")
    return f"{local}@{domain}"


def _reserved(domain: str) -> str:
    """A domain under a reserved name: synthetic domains already are; any other is moved under
    `.example`, so that no sandbox email can reach a real inbox (RFC 2606)."""
    domain = domain.casefold()
    if domain.endswith(RESERVED_SUFFIXES):
        return domain
    return domain.replace(".", "-") + ".example"


#: Of a hundred people, how many the sandbox fails to reveal: a failed job, the run exits 6.
FAILING_PERCENT = 3


def fails(person_id: str, kind: str) -> bool:
    """True when the sandbox fails this person's reveal of this kind (email or phone)."""
    return stable_number(person_id, kind) % 100 < FAILING_PERCENT


def job_outcome(
    job: Job, person: Person | None, family: str
) -> tuple[str, dict[str, Any] | None, int]:
    """Final status, result and credit cost of a job; the same inputs give the same answer."""
    seed = person.record["personId"] if person else repr(sorted(job.input.items()))
    roll = stable_number(seed, job.type) % 100
    if person is not None and roll < FAILING_PERCENT:
        return "failed", None, 0
    if job.type == EMAIL:
        status, result, cost = _email_outcome(job, person, family, roll)
    else:
        status, result, cost = _phone_outcome(job, person, family, roll)
    if person is not None:
        # A result names the person it found, whichever identifier was sent.
        record = person.record
        named = {
            name: record[name] for name in ("personId", "linkedinUrl", "firstName", "lastName")
        }
        result = {**named, "companyDomain": person.company.domains[0], **result}
    return status, result, cost


def _email_outcome(
    job: Job, person: Person | None, family: str, roll: int
) -> tuple[str, dict[str, Any], int]:
    if person is not None:
        record = person.record
        domain = _reserved(person.company.domains[0])
        address = _email_address(record["firstName"], record["lastName"], domain)
        status = "verified" if roll < 68 else "guessed" if roll < 85 else "not_found"
        if person.company.id == VENDOR_ORGANIZATION_ID:
            status = "verified"  # the vendor example: always found, at a reserved domain
    elif "firstName" in job.input:
        inputs = job.input
        domain = _reserved(inputs["companyDomain"])
        address = _email_address(inputs["firstName"], inputs["lastName"], domain)
        status = "guessed" if roll < 50 else "not_found"
    else:
        address, status = "", "not_found"
    result: dict[str, Any] = {
        "email": address if status != "not_found" else None,
        "emailStatus": status,
    }
    if family == STANDARD:
        cost = 2 if status == "verified" else 0
    else:
        cost = 0 if status == "not_found" else 1 + roll % 6
        result["provider"] = _PROVIDERS[roll % len(_PROVIDERS)] if cost else None
        result["providers"] = [
            {"provider": name, "email": result["email"], "emailStatus": status}
            for name in _PROVIDERS[: 1 + roll % len(_PROVIDERS)]
        ]
    return "completed", result, cost


def _phone_outcome(
    job: Job, person: Person | None, family: str, roll: int
) -> tuple[str, dict[str, Any], int]:
    partners = bool(job.input.get("revealPhoneNumberViaPartners"))
    found = person is not None and roll < (75 if partners else 55)
    phones = []
    if found:
        # 555-0100 to 555-0199: reserved for fiction in North America, never a real line.
        # Seeded by the person found, however asked (by URL too: not one number for all).
        assert person is not None
        digest = stable_number(str(person.record["personId"]), "phone")
        area = _AREA_CODES[digest % len(_AREA_CODES)]
        number = f"+1 {area} 555 01{digest // len(_AREA_CODES) % 100:02d}"
        phones.append({"number": number, "type": _PHONE_TYPES[roll % 3]})
    result: dict[str, Any] = {"phones": phones}
    if family == STANDARD:
        cost = 2 if found else 0
    else:
        cost = 10 + roll % 11 if found else 0
        result["providers"] = (
            [{"provider": _PROVIDERS[roll % 3], "phones": phones}] if found else []
        )
    return "completed", result, cost


def charge(account: Account, kind: str, cost: int) -> Account:
    """The balance after a settled job's cost is taken from its pools (never below empty)."""
    plan = SANDBOX_KEYS[account.key]
    if cost <= 0:
        return account
    if plan.family != STANDARD:
        return account._replace(remaining=max(0, account.remaining - cost))
    if kind == PHONE:
        return account._replace(
            direct_dials_used=min(plan.max_direct_dials, account.direct_dials_used + 1),
            contacts_used=min(plan.max_contacts, account.contacts_used + cost - 1),
        )
    return account._replace(contacts_used=min(plan.max_contacts, account.contacts_used + cost))
