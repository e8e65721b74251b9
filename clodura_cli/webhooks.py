"""Webhook deliveries, as one use case: checked, kept raw in the ledger, matched to their job
and read by the same reader as track answers.

The vendor documents one way to get a reveal's result: a POST to the ``webhookUrl`` sent with
the request. Whatever brings a delivery in (`clodura listen`, `reveal --listen`,
`track --import`) hands it to a ``Receiver``:

1. its signature is checked when a secret is set (``X-Clodura-Signature``: HMAC-SHA256 of the
   raw body, hex, optionally ``sha256=``); a missing or wrong one is kept aside, never applied;
2. in one ledger transaction the raw body and its headers (secrets left out) are kept, and the
   delivery is matched (by tracking id, else by the person it names among the open jobs of the
   kind it carries) and applied; a delivery that matches no job is kept as unmatched;
3. only then is it acknowledged: nothing acknowledged is lost, and a redelivery of the same
   body changes nothing (one update, credits counted once).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from clodura_cli.api.answers import delivery_facts, delivery_parts
from clodura_cli.reveal import Tracker, base_kind, stored_payload
from clodura_cli.store.deliveries import StoredDelivery
from clodura_cli.store.ledger import Job, Ledger, identity_of

SIGNATURE_HEADER = "x-clodura-signature"
#: The largest delivery a receiver reads (413 past it).
MAX_DELIVERY_BYTES = 1024 * 1024
#: Headers never kept with a delivery.
_SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "x-api-key"})


def signature(secret: str, body: bytes) -> str:
    """The signature a delivery of ``body`` carries under ``secret``: HMAC-SHA256, hex."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed(secret: str, body: bytes, header: str | None) -> bool:
    """True when ``header`` is the body's signature (``sha256=`` allowed), compared in
    constant time."""
    if not header:
        return False
    given = header.strip()
    given = given[len("sha256=") :] if given.lower().startswith("sha256=") else given
    return hmac.compare_digest(given.lower(), signature(secret, body))


@dataclass
class Received:
    """What became of one delivery."""

    #: applied, already (a redelivery), unmatched, or unverified (kept aside, not applied).
    state: str
    delivery_id: int
    jobs: list[Job] = field(default_factory=list)
    tracking_id: str | None = None
    #: True: signed right; False: signature missing or wrong; None: no secret to check with.
    verified: bool | None = None
    #: Who the delivery names, when it names someone.
    person: str | None = None


class Receiver:
    """Takes deliveries into one ledger."""

    def __init__(self, ledger: Ledger, secret: str | None) -> None:
        self.ledger = ledger
        self.secret = secret or None
        self.deliveries = ledger.deliveries()
        self.tracker = Tracker(None, ledger)  # type: ignore[arg-type]  # no API call is made

    def receive(
        self,
        body: bytes,
        headers: Mapping[str, str],
        *,
        source: str = "listen",
    ) -> Received:
        """Keep, match and apply one delivery, in one transaction. When a secret is set, one
        without a right signature is kept aside, unverified, whatever its source: an imported
        body without its headers too (a capture may hold forged posts)."""
        lowered = {name.lower(): value for name, value in headers.items()}
        kept = {n: v for n, v in lowered.items() if n not in _SECRET_HEADERS}
        verified = None
        if self.secret is not None:
            verified = signed(self.secret, body, lowered.get(SIGNATURE_HEADER))
        payload = stored_payload(body)
        facts = delivery_facts(payload, kept)
        digest = hashlib.sha256(body).hexdigest()
        with self.ledger.batch():
            stored, new = self.deliveries.store(
                digest, body, kept, verified, source, facts.tracking_id
            )
            if not new:
                state = "already" if stored.state == "applied" else stored.state
                return Received(state, stored.id, [], facts.tracking_id, stored.verified)
            if verified is False:
                return Received("unverified", stored.id, [], facts.tracking_id, False)
            return self.apply(stored, payload)

    def apply(self, stored: StoredDelivery, payload: Any = None) -> Received:
        """Match a kept delivery to its jobs and apply it. A batch is applied result by result;
        a delivery any result of which matches no job stays listed as unmatched (with the jobs
        it did answer), so that ``--reparse`` tries it again once those jobs exist."""
        if payload is None:
            payload = stored_payload(stored.body)
        received = Received("unmatched", stored.id, [], None, stored.verified)
        missed = 0
        with self.ledger.batch():
            for part in delivery_parts(payload, stored.headers):
                missed += not self._apply_part(part, stored, received)
            applied = [job.id for job in received.jobs]
            self.deliveries.settle(stored.id, "unmatched" if missed else "applied", applied)
        if received.jobs or not missed:
            received.state = "applied"
        if received.person is None:
            received.person = next((j.person_id for j in received.jobs), None)
        return received

    def _apply_part(self, part: Any, stored: StoredDelivery, received: Received) -> bool:
        """Apply one result of a delivery to its jobs; False when it matches none."""
        facts = delivery_facts(part, stored.headers)
        received.tracking_id = received.tracking_id or facts.tracking_id
        named = next((a.person_id or a.linkedin_url for a in facts.named), None)
        received.person = received.person or named
        jobs = self.match(facts)
        if not jobs:
            verified = self.apply_verification(part, stored.body)
            received.person = received.person or verified
            return verified is not None
        for job in jobs:
            outcome = self.tracker.read(job, part, stored.headers)
            received.jobs.append(
                self.tracker.apply_track(job, outcome, part, stored.body, stored.headers,
                                         call="webhook")
            )  # fmt: skip
        return True

    def apply_verification(self, payload: Any, body: bytes) -> str | None:
        """A queued verification's verdict (matched by its document id): the item is updated,
        and its email returned; None when the delivery is not one."""
        from clodura_cli.vendor import VERIFY, verification_document

        document = verification_document(payload)
        if document is None:
            return None
        items = self.ledger.items()
        found = items.by_document(str(document))
        for item in found:
            reading = VERIFY.read(200, payload, item.body)
            if reading.status == "pending":
                continue
            items.answered(
                item.id, reading.status, result=reading.result, credits=reading.credits,
                document_id=reading.document_id, message=reading.message, answer=body,
            )  # fmt: skip
        return str(found[0].body.get("email")) if found else None

    def match(self, facts: Any) -> list[Job]:
        """The jobs a delivery answers: those with its tracking id, else the open jobs (of the
        kind it carries) of the people it names. One that neither says nor shows its kind
        ("not found") while a person has open jobs of both kinds answers neither: kept."""
        if facts.tracking_id:
            jobs = self.ledger.by_tracking_id(facts.tracking_id)
            if jobs:
                return jobs
        found: dict[int, Job] = {}
        for asked in facts.named:
            who = identity_of({"personId": asked.person_id, "linkedinUrl": asked.linkedin_url})
            for kind in ("email", "phone", "phone+partners"):
                if facts.kind is None or base_kind(kind) == facts.kind:
                    for job in self.ledger.open_jobs_of(kind, who):
                        found[job.id] = job
        if facts.kind is None and len({base_kind(job.kind) for job in found.values()}) > 1:
            return []
        return list(found.values())

    def apply_kept(self, state: str) -> list[Received]:
        """Apply the deliveries kept in ``state`` (unverified: after the user looked;
        unmatched: once their job exists)."""
        return [self.apply(stored) for stored in self.deliveries.listed(state)]


def import_items(text: str) -> list[tuple[bytes, dict[str, str] | None]]:
    """Deliveries captured elsewhere (a webhook inspector, a no-code tool): a JSON body, a JSON
    array of bodies, or JSON Lines. An item ``{"headers": {...}, "body": ...}`` carries its
    headers (with a secret set, its signature is what lets it be applied); a body given as text
    is kept byte for byte, one given as JSON is kept as compact JSON."""
    import json

    from clodura_cli.api.errors import UsageError

    stripped = text.strip()
    if not stripped:
        raise UsageError("--import: nothing to import")
    try:
        whole = json.loads(stripped)
        values = whole if isinstance(whole, list) else [whole]
    except ValueError:
        values = []
        for number, line in enumerate(stripped.splitlines(), 1):
            if line.strip():
                try:
                    values.append(json.loads(line))
                except ValueError:
                    raise UsageError(f"--import: line {number} is not JSON") from None
    items: list[tuple[bytes, dict[str, str] | None]] = []
    for value in values:
        if isinstance(value, dict) and "body" in value and set(value) <= {"body", "headers"}:
            body, headers = value["body"], value.get("headers")
            raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            given = (
                {str(k): str(v) for k, v in headers.items()} if isinstance(headers, dict) else None
            )
            items.append((raw, given))
        else:
            items.append((json.dumps(value).encode(), None))
    return items
