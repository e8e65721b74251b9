"""Dialects: the other shapes the real API may answer in (API contract, Part B2).

The emulator answers in the documented shape by default. A dialect rewrites its reveal,
track and search answers into one of the shapes public code shows, so that the client's
tolerant reader is tested against each:

- ``flat``: ids as ``id``, status words in capitals, the result flat at the top level as in
  the webhook payload, phones as plain strings;
- ``wrapped``: everything under ``data``, ``tracking_id``, words like ``in_progress`` and
  ``success``, an email only inside ``providers[]``;
- ``upper``: the documented envelope with upper-case words and the result as a ``results`` list;
- ``seed``: search records as in the vendor's example (locations and size as arrays);
- ``jsend``: JSend envelopes (``status: success`` at the top, the job's own status inside), the
  email under ``contact.work_email`` and phones as ``phone_numbers`` objects, keys no documented
  shape uses: read by evidence, not by key names (B4).

Email Verification, Enrich Contacts, Enrich Company and Company News (clodura_cli.sandbox.vendor)
answer in the default shape whatever the dialect: no dialect rewrites them yet.
"""

from __future__ import annotations

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
