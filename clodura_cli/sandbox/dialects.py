"""Dialects: the other shapes the real API may answer in (API contract, Part B2).

The emulator answers in the documented shape by default. A dialect rewrites its answers into
one of the shapes public code shows, so that the client's tolerant readers are tested against
each: reveal submissions, track answers and reveal webhook deliveries, search records, and the
answers of Email Verification (its 202 and the signed delivery of a queued verdict too), Enrich
Contacts, Enrich Company and Company News (``vendor_answer``):

- ``flat``: ids as ``id`` (the document id of a verification, the person's and the
  organisation's ids of an enrichment, an article's id), status and verdict words in capitals
  (``COMPLETED``, ``IN_PROGRESS``, ``RISKY_CATCH_ALL``), the result flat at the top level as in
  the webhook payload (an enrichment's fields beside its status; each article carries its
  organisation), no match as ``status: NOT_FOUND``; phones as plain strings;
- ``wrapped``: everything under ``data`` beside ``success: true``, in snake_case
  (``tracking_id``, ``document_id``, ``person_id``, ``total_pages``), words like
  ``in_progress``, ``success`` and ``risky_catch_all``, no match as ``data: null``; a revealed
  email only inside ``providers[]``;
- ``upper``: the documented envelope with upper-case words (``IN-PROGRESS``, ``RISKY
  (CATCH-ALL)``, ``PERSON``) and the result as a ``results`` list (empty while a verification
  is queued or when nothing matched; a news page's articles);
- ``seed``: as in the vendor's example, locations and size as arrays: search records, an
  enriched person's city, state and country, an organisation's ``employeeSize`` (``51-200``)
  and ``hqAddress``; verification and news have no such fields and answer as documented;
- ``jsend``: JSend envelopes (``status: success`` at the top, the job's own status inside) and
  keys no documented shape uses, read by evidence, not by key names (B4): a reveal's email under
  ``contact.work_email`` and phones as ``phone_numbers`` objects; a verification's id as
  ``requestId`` and its verdict under ``result.deliverability`` (``catch_all``); an enriched
  person under ``person`` beside the ``organization`` (American spelling) and ``credits``; news
  under ``news`` beside ``organization`` and ``pagination``; ``data: null`` when nothing matched.

Errors (400, 402...) answer in the documented shape in every dialect.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

DIALECTS = ("default", "flat", "wrapped", "upper", "seed", "jsend")
ENV_DIALECT = "CLODURA_SANDBOX_DIALECT"
_WRAPPED_WORDS = {"queued": "pending", "processing": "in_progress", "completed": "success",
                  "failed": "error"}  # fmt: skip
_ARRAY_FIELDS = ("personCity", "personState", "personCountry", "companyCountry")


def check_dialect(name: str) -> str:
    """The dialect's name, or ValueError naming the known ones."""
    if name not in DIALECTS:
        raise ValueError(f"unknown dialect {name!r}; known: {', '.join(DIALECTS)}")
    return name


def submission(dialect: str, tracking_id: str) -> dict[str, Any]:
    """The answer to a reveal submission."""
    if dialect == "flat":
        return {"id": tracking_id, "status": "PENDING"}
    if dialect == "wrapped":
        return {"success": True, "data": {"tracking_id": tracking_id, "status": "pending"}}
    if dialect == "upper":
        return {"trackingId": tracking_id, "status": "QUEUED"}
    if dialect == "jsend":
        return {"status": "success", "data": {"requestId": tracking_id, "status": "queued"}}
    return {"trackingId": tracking_id, "status": "queued"}


def track(dialect: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A track answer (documented shape in ``payload``) in the dialect's shape."""
    status, result = payload["status"], payload["result"]
    if dialect == "flat":
        if result is None:
            return {"status": status.upper()}
        flat = {"trackingId": payload["trackingId"], "status": status.upper(), "error": None}
        if "phones" in result:
            flat["phone"] = [phone["number"] for phone in result["phones"]]
        else:
            flat.update(email=result.get("email"), emailStatus=result.get("emailStatus"))
        return flat
    if dialect == "wrapped":
        data = {"tracking_id": payload["trackingId"], "status": _WRAPPED_WORDS[status]}
        if result is not None:
            data.update(result)
            if data.get("providers") and "email" in data:
                data.pop("email")  # only the providers carry it
        return {"success": True, "data": data}
    if dialect == "upper":
        upper = {**payload, "status": status.upper()}
        upper.pop("result")
        upper["results"] = [] if result is None else [result]
        return upper
    if dialect == "jsend":
        return {"status": "success", "data": _jsend_job(payload, status, result)}
    return payload


def _jsend_job(payload: dict[str, Any], status: str, result: dict[str, Any] | None) -> Any:
    job: dict[str, Any] = {"requestId": payload["trackingId"], "status": status}
    if result is None:
        return job
    found: dict[str, Any] = {"contact": {}}
    if "phones" in result:
        found["phone_numbers"] = [
            {"phone_number": p["number"], "phone_type": p["type"]} for p in result["phones"]
        ]
    else:
        found["contact"] = {"work_email": result.get("email"),
                            "email_status": result.get("emailStatus")}  # fmt: skip
    job["result"] = found
    return job


def search_record(dialect: str, record: dict[str, Any], vendor_size: str | None) -> dict[str, Any]:
    """A search record: the seed dialect answers locations and size as arrays."""
    if dialect != "seed":
        return record
    shaped = {**record, **{name: [record[name]] for name in _ARRAY_FIELDS if name in record}}
    size = vendor_size or str(record.get("companyEmployeeSize", "")).replace(" ", "")
    shaped["companyEmployeeSize"] = [size]
    return shaped


# Email Verification, Enrich Contacts, Enrich Company, Company News ------------------------------

#: The vendor endpoints whose answers a dialect rewrites (the emulator's names for them).
VENDOR_ENDPOINTS = ("verify", "enrich-person", "enrich-org", "news")
_JSEND_VERDICTS = {"Deliverable": "deliverable", "Undeliverable": "undeliverable",
                   "Risky (Catch-all)": "catch_all"}  # fmt: skip
#: The British spellings the jsend dialect answers in American English (as Search People does).
_AMERICAN = {"organisationId": "organizationId", "organisationName": "organizationName"}


def vendor_answer(dialect: str, endpoint: str, payload: Any) -> Any:
    """A verification, enrichment or news answer (documented shape in ``payload``; for a
    verification also its 202 and its webhook delivery) in the dialect's shape."""
    shape = _VENDOR_SHAPES.get((dialect, endpoint))
    return payload if shape is None else shape(payload)


def _capitals(word: str) -> str:
    """``Risky (Catch-all)`` as RISKY_CATCH_ALL, ``In-progress`` as IN_PROGRESS."""
    return "_".join(re.findall(r"[A-Za-z]+", word)).upper()


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _snake_keys(value: Any) -> Any:
    """Every key of a value in snake_case (``hqAddress`` as ``hq_address``)."""
    if isinstance(value, dict):
        return {_snake(str(k)): _snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snake_keys(item) for item in value]
    return value


def _with_id(org: dict[str, Any]) -> dict[str, Any]:
    """An organisation with its id as ``id``."""
    rest = {k: v for k, v in org.items() if k != "organisationId"}
    return {"id": org["organisationId"], **rest}


def _american(org: dict[str, Any]) -> dict[str, Any]:
    return {_AMERICAN.get(k, k): v for k, v in org.items()}


def _seed_org(org: dict[str, Any]) -> dict[str, Any]:
    """As the vendor's example writes them: size and location as arrays (``51-200``)."""
    shaped = {**org, "employeeSize": [str(org["employeeSize"]).replace(" ", "")]}
    shaped["hqAddress"] = {k: [v] for k, v in org["hqAddress"].items()}
    return shaped


# Verification: {email, deepVerification, documentId, state, verdict, verifiedAt[, creditsUsed]}


def _flat_verify(p: dict[str, Any]) -> dict[str, Any]:
    flat = {"id": p["documentId"], "status": _capitals(p["state"]), "email": p["email"],
            "deepVerification": p["deepVerification"], "verdict": _capitals(p["verdict"]),
            "verifiedAt": p["verifiedAt"]}  # fmt: skip
    return {**flat, **_credits_of(p)}


def _wrapped_verify(p: dict[str, Any]) -> dict[str, Any]:
    data = _snake_keys(p)
    data["state"] = "in_progress" if p["verdict"] == "Pending" else "success"
    data["verdict"] = _capitals(p["verdict"]).lower()
    return {"success": True, "data": data}


def _upper_verify(p: dict[str, Any]) -> dict[str, Any]:
    head = {k: p[k] for k in ("documentId", "email", "deepVerification")}
    found = {"email": p["email"], "verdict": p["verdict"].upper(), "verifiedAt": p["verifiedAt"]}
    results = [] if p["verdict"] == "Pending" else [found]
    return {**head, "state": p["state"].upper(), "results": results, **_credits_of(p)}


def _jsend_verify(p: dict[str, Any]) -> dict[str, Any]:
    queued = p["verdict"] == "Pending"
    job: dict[str, Any] = {"requestId": p["documentId"], "status": "queued" if queued else
                           "completed", "result": None}  # fmt: skip
    if not queued:
        job["result"] = {"email_address": p["email"], "deep_verification": p["deepVerification"],
                         "deliverability": _JSEND_VERDICTS[p["verdict"]],
                         "verified_at": p["verifiedAt"]}  # fmt: skip
    if "creditsUsed" in p:
        job["credits_used"] = p["creditsUsed"]
    return {"status": "success", "data": job}


def _credits_of(p: dict[str, Any]) -> dict[str, Any]:
    return {"creditsUsed": p["creditsUsed"]} if "creditsUsed" in p else {}


# Enrich Contacts: {data: person with organisation | {organisation} | None, matchType?, message?,
# creditsUsed}


def _flat_person(p: dict[str, Any]) -> dict[str, Any]:
    if p["data"] is None:
        return {"status": "NOT_FOUND", "message": p["message"], "creditsUsed": p["creditsUsed"]}
    person = dict(p["data"])
    org = person.pop("organisation")
    flat: dict[str, Any] = {"status": "COMPLETED", "matchType": p["matchType"].upper()}
    if "personId" in person:
        flat["id"] = person.pop("personId")
    return {**flat, **person, "organisation": _with_id(org), "creditsUsed": p["creditsUsed"]}


def _wrapped_found(p: dict[str, Any]) -> dict[str, Any]:
    """Enrich Contacts or Company: the answer under ``data`` in snake_case, ``data: null`` and
    the message beside it when nothing matched."""
    if p["data"] is None:
        return {"success": True, "data": None, "message": p["message"], "credits_used": 0}
    return {"success": True, "data": _snake_keys({**p["data"], **{k: v for k, v in p.items()
                                                                  if k != "data"}})}  # fmt: skip


def _upper_found(p: dict[str, Any]) -> dict[str, Any]:
    """Enrich Contacts or Company: the answer as a ``results`` list, its words in capitals."""
    shaped = {k: v.upper() if k == "matchType" else v for k, v in p.items() if k != "data"}
    return {"results": [] if p["data"] is None else [p["data"]], **shaped}


def _seed_person(p: dict[str, Any]) -> dict[str, Any]:
    if p["data"] is None:
        return p
    places = ("personCity", "personState", "personCountry")
    person: dict[str, Any] = {k: [v] if k in places else v for k, v in p["data"].items()}
    person["organisation"] = _seed_org(p["data"]["organisation"])
    return {**p, "data": person}


def _jsend_person(p: dict[str, Any]) -> dict[str, Any]:
    if p["data"] is None:
        return {"status": "success", "data": None}
    person = dict(p["data"])
    org = person.pop("organisation")
    data = {"person": person or None, "organization": _american(org), "matchType": p["matchType"],
            "credits": p["creditsUsed"]}  # fmt: skip
    return {"status": "success", "data": data}


# Enrich Company: {data: organisation | None, message?, creditsUsed}


def _flat_org(p: dict[str, Any]) -> dict[str, Any]:
    if p["data"] is None:
        return {"status": "NOT_FOUND", "message": p["message"], "creditsUsed": p["creditsUsed"]}
    return {"status": "COMPLETED", **_with_id(p["data"]), "creditsUsed": p["creditsUsed"]}


def _seed_company(p: dict[str, Any]) -> dict[str, Any]:
    return p if p["data"] is None else {**p, "data": _seed_org(p["data"])}


def _jsend_org(p: dict[str, Any]) -> dict[str, Any]:
    if p["data"] is None:
        return {"status": "success", "data": None}
    data = {"organization": _american(p["data"]), "credits": p["creditsUsed"]}
    return {"status": "success", "data": data}


# Company News: {organisationId, orgLinkedinUrl, page, perPage, totalArticles, totalPages,
# articles}


def _flat_news(p: dict[str, Any]) -> dict[str, Any]:
    lead = {"organisationId": p["organisationId"], "orgLinkedinUrl": p["orgLinkedinUrl"]}
    articles = [{"id": a["articleId"], **lead, **{k: v for k, v in a.items() if k != "articleId"}}
                for a in p["articles"]]  # fmt: skip
    counts = {k: p[k] for k in ("page", "perPage", "totalArticles", "totalPages")}
    return {"status": "COMPLETED", **counts, "articles": articles}


def _wrapped_news(p: dict[str, Any]) -> dict[str, Any]:
    return {"success": True, "data": _snake_keys(p)}


def _upper_news(p: dict[str, Any]) -> dict[str, Any]:
    return {**{k: v for k, v in p.items() if k != "articles"}, "results": p["articles"]}


def _jsend_news(p: dict[str, Any]) -> dict[str, Any]:
    data = {
        "organization": {"organizationId": p["organisationId"], "linkedinUrl": p["orgLinkedinUrl"]},
        "news": _snake_keys(p["articles"]),
        "pagination": {"page": p["page"], "per_page": p["perPage"], "total": p["totalArticles"],
                       "total_pages": p["totalPages"]},
    }  # fmt: skip
    return {"status": "success", "data": data}


_VENDOR_SHAPES: dict[tuple[str, str], Callable[[dict[str, Any]], Any]] = {
    ("flat", "verify"): _flat_verify,
    ("flat", "enrich-person"): _flat_person,
    ("flat", "enrich-org"): _flat_org,
    ("flat", "news"): _flat_news,
    ("wrapped", "verify"): _wrapped_verify,
    ("wrapped", "enrich-person"): _wrapped_found,
    ("wrapped", "enrich-org"): _wrapped_found,
    ("wrapped", "news"): _wrapped_news,
    ("upper", "verify"): _upper_verify,
    ("upper", "enrich-person"): _upper_found,
    ("upper", "enrich-org"): _upper_found,
    ("upper", "news"): _upper_news,
    ("seed", "enrich-person"): _seed_person,
    ("seed", "enrich-org"): _seed_company,
    ("jsend", "verify"): _jsend_verify,
    ("jsend", "enrich-person"): _jsend_person,
    ("jsend", "enrich-org"): _jsend_org,
    ("jsend", "news"): _jsend_news,
}
