"""The one tolerant reader of reveal, track and webhook answers: evidence, not key names.

The reveal and track answers are only half documented (the API contract, Parts B2 and B4).
Whatever shape arrives, it is read here into one ``Outcome``: the job's status, its tracking id
and what was paid for. The rules (B4):

- **Done needs evidence.** A job is complete only when the answer holds what was paid for (an
  email address for an email reveal, at least one phone number for a phone reveal) or says
  explicitly that nothing was found (a not-found word, ``emailStatus: not_found``, an explicit
  empty list of phones). A done word without either is ``unread``: kept, never a success.
- **Find values by what they are.** When the known keys give nothing, the answer is searched
  (bounded) for email addresses, and for phone numbers under keys that speak of phones; where a
  value was found is reported.
- **The right person.** An answer that names people (ids, LinkedIn URLs) or holds several is
  used only for the entry of the person asked; ids compare as exact strings of digits.
- **Envelopes do not speak for the job.** The innermost status wins; "success", "ok",
  "accepted" at the top of a submission mean the request was taken.
- **Interim values.** An email or phone in an answer whose status is still pending is interim.
- **Ids from anywhere.** ``_id``, ``requestId``, ``uuid``, a one-element list, or a header.

Nothing is dropped: fields this reader does not know stay in the result.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from clodura_cli.api.linkedin import normal_linkedin, profile_slug
from clodura_cli.api.parsing import NO_CREDITS, error_message
from clodura_cli.base.text import column_key, pattern

#: Status words, normalised by normal_word ("In Progress" reads as in_progress).
PENDING_WORDS = frozenset(
    "queued pending processing in_progress inprogress running submitted accepted created "
    "started waiting".split()
)
DONE_WORDS = frozenset(
    "completed complete success succeeded successful done finished found ok".split()
)
#: Words that say the job looked and found nothing: an answer, not a failure.
NOT_FOUND_WORDS = frozenset(
    "not_found notfound no_result no_results no_match nomatch unavailable none".split()
)
FAILED_WORDS = frozenset("failed failure error cancelled canceled expired rejected".split())
#: Words at the top of a submission that only say the request was taken.
TAKEN_WORDS = frozenset("success ok accepted created true".split())
#: Pending words that mean the job has not started yet (the rest: it is being worked on).
_QUEUED_WORDS = frozenset("queued pending submitted accepted created waiting".split())
TRACKING_ID_KEYS = (
    "trackingId", "tracking_id", "trackingID", "jobId", "job_id", "requestId", "request_id",
    "_id", "uuid", "id",
)  # fmt: skip
_TRACKING_HEADERS = ("x-tracking-id", "x-request-id", "x-job-id")
_STATUS_KEYS = ("status", "state", "jobStatus", "job_status")
_RESULT_KEYS = ("result", "results", "data", "payload", "response", "contact", "person")
_EMAIL_KEYS = ("email", "emailAddress", "email_address", "workEmail", "work_email")
_EMAIL_STATUS_KEYS = ("emailStatus", "email_status", "verificationStatus", "verification_status")
_PHONE_KEYS = ("phones", "phone", "phoneNumbers", "phone_numbers", "mobile", "directDial")
_MESSAGE_KEYS = ("message", "error", "detail", "reason", "msg")
_CREDIT_KEYS = ("credits", "creditsUsed", "credits_used", "cost")
_PERSON_ID_KEYS = ("personId", "person_id", "personID")
_LINKEDIN_KEYS = ("linkedinUrl", "linkedin_url", "linkedInUrl", "linkedin")
_FIRST_KEYS = ("firstName", "first_name")
_LAST_KEYS = ("lastName", "last_name")
_DOMAIN_KEYS = ("companyDomain", "company_domain", "domain")
#: Envelope fields that describe the job, not its result.
_JOB_KEYS = frozenset(
    [*TRACKING_ID_KEYS, *_STATUS_KEYS, *_MESSAGE_KEYS, "type", "input", "success", "statusCode"]
)
_EMAIL_RANK = {"verified": 0, "valid": 0, "guessed": 1, "catch_all": 1, "unverified": 2}
_EMAIL_NOT_FOUND = frozenset({"not_found", "notfound", "unavailable", "none", "no_email"})
#: An address, internationalised ones (RFC 6531: josé.müller@bücher.example) included.
_EMAIL = pattern(
    r"^[\w.!#$%&'*+/=?^`{|}~-]+@[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)+\Z"
)
_PHONE_KEY = pattern(r"phone|mobile|direct|dial|number|cell|tel", re.IGNORECASE)
_PHONE_TEXT = pattern(r"^\+?[\d\s().-]{7,24}\Z")
#: How far the search for values by what they are looks.
SEARCH_DEPTH = 12
SEARCH_NODES = 5000


@dataclass(frozen=True)
class Asked:
    """Who a job is for, as the answer may name them (ids compare as exact text)."""

    person_id: str | None = None
    linkedin_url: str | None = None


@dataclass
class Outcome:
    """What one reveal, track or webhook answer says about a job."""

    #: "pending", "completed", "failed" or "unread" (a done word without what was paid for);
    #: None when the answer gives no status word we know and no evidence either way.
    status: str | None
    #: The status word as the API sent it.
    word: str | None = None
    tracking_id: str | None = None
    #: The result in our shape (email, emailStatus, phones, providers, ...), unknown fields kept;
    #: only for a final answer with evidence.
    result: dict[str, Any] | None = None
    message: str | None = None
    credits: float | None = None
    #: What the reader looked for and did not find, for the error message.
    missing: list[str] = field(default_factory=list)
    #: An email or phones in an answer still pending: kept, never the result.
    interim: dict[str, Any] | None = None
    #: Where values were found by what they are (``result.data.contact.email``).
    found_at: list[str] = field(default_factory=list)
    #: The answer names people, none of them the one asked: what it named.
    mismatch: str | None = None
    #: The envelope says the request was taken ("success", "accepted" at the top).
    taken: bool = False
    #: The answer explicitly says nothing was found.
    not_found: bool = False

    @property
    def is_final(self) -> bool:
        """True for completed or failed."""
        return self.status in ("completed", "failed")

    @property
    def ledger_status(self) -> str | None:
        """The job status to record: queued, processing, completed, failed or unread."""
        if self.status == "pending":
            word = normal_word(self.word)
            return "queued" if word is None or word in _QUEUED_WORDS else "processing"
        return self.status


def normal_word(word: Any) -> str | None:
    """A status word in lower case with its spaces and dashes as underscores."""
    if isinstance(word, bool):
        return "true" if word else None
    if not isinstance(word, str) or not word.strip():
        return None
    return "_".join(word.strip().casefold().replace("-", " ").split())


def classify_word(word: Any) -> str | None:
    """pending, completed, not_found or failed for a status word; None for one we do not know."""
    normal = normal_word(word)
    if normal is None:
        return None
    for status, words in (("pending", PENDING_WORDS), ("completed", DONE_WORDS),
                           ("not_found", NOT_FOUND_WORDS), ("failed", FAILED_WORDS)):  # fmt: skip
        if normal in words:
            return status
    return None


# Reading ---------------------------------------------------------------------------------------


def read_answer(
    payload: Any,
    kind: str | None = None,
    asked: Asked | None = None,
    headers: Mapping[str, str] | None = None,
) -> Outcome:
    """Read a submission, track or webhook answer for a job of ``kind`` ("email" or "phone";
    None: either) for the person ``asked``, whatever its shape."""
    payload = _unwrapped(payload)
    chain = _envelopes(payload)
    tracking_id = _first_in(chain, TRACKING_ID_KEYS) or _tracking_header(headers)
    word = _inner_word(chain)
    top_word = normal_word(_first_text(chain[0], _STATUS_KEYS)) if chain else None
    if top_word is None and chain and chain[0].get("success") is True:
        top_word = "success"
    taken = top_word in TAKEN_WORDS
    message = _first_in(list(reversed(chain)), _MESSAGE_KEYS)
    entries = _entries(payload, chain)
    chosen, mismatch = _entry_for(entries, asked)
    outcome = Outcome(None, word, tracking_id, message=message, taken=taken)
    if mismatch is not None:
        outcome.status, outcome.mismatch = "unread", mismatch
        outcome.missing.append(f"an entry for the person asked ({mismatch})")
        return outcome
    found = _evidence(chosen, kind, outcome, asked)
    outcome.credits = _credits([*([chosen[1]] if chosen else []), *reversed(chain)])
    if tracking_id is None:
        outcome.missing.append("tracking id (trackingId, tracking_id, id, jobId, requestId)")
    _decide(outcome, classify_word(word), found, kind)
    if outcome.mismatch is not None and outcome.status not in ("pending", "queued"):
        outcome.status = "unread"  # what came back is someone else's: not delivered
        outcome.missing.append(f"an entry for the person asked ({outcome.mismatch})")
    return outcome


def _decide(
    outcome: Outcome, word_class: str | None, found: dict[str, Any] | None, kind: str | None
) -> None:
    """The status from the word and the evidence of what was paid for (B4: done needs
    evidence): an email for an email reveal, a phone for a phone reveal."""
    paid = {"email": ("email",), "phone": ("phones",)}.get(kind or "", ("email", "phones"))
    if found is not None and any(found.get(key) for key in paid):
        if word_class == "pending":
            outcome.status, outcome.interim = "pending", _interim(found)
        else:
            outcome.status, outcome.result = "completed", found
        return
    if outcome.not_found or word_class == "not_found":
        outcome.not_found = True
        outcome.status, outcome.result = "completed", found or {}
        return
    if word_class == "pending":
        outcome.status = "pending"
    elif word_class == "failed":
        outcome.status = "failed"
    elif word_class == "completed":
        outcome.status = "unread"
        outcome.missing.append("what was paid for, in an answer that says the job is done")
    else:
        if outcome.word is None:
            outcome.missing.append("status")
        outcome.missing.append("result")


def _unwrapped(payload: Any) -> Any:
    """A one-element list stands for its element."""
    if isinstance(payload, list) and len(payload) == 1 and isinstance(payload[0], dict):
        return payload[0]
    return payload


def _envelopes(payload: Any) -> list[dict[str, Any]]:
    """The payload and the objects it wraps the job in (``data``, ``result``...), outermost
    first, as long as each inner one still speaks of the job (a status or a tracking id)."""
    chain: list[dict[str, Any]] = []
    current = payload
    while isinstance(current, dict) and len(chain) < 6:
        chain.append(current)
        inner = next(
            (current[k] for k in ("data", "job", "result", "payload", "response")
             if isinstance(current.get(k), dict)),
            None,
        )  # fmt: skip
        if inner is None or not any(k in inner for k in (*_STATUS_KEYS, *TRACKING_ID_KEYS)):
            break
        current = inner
    return chain


def _inner_word(chain: list[dict[str, Any]]) -> str | None:
    """The innermost status word: an envelope's word does not speak for the job."""
    for part in reversed(chain):
        word = _first_text(part, _STATUS_KEYS)
        if word is not None:
            return word
    if chain and isinstance(chain[0].get("success"), bool):
        return "success" if chain[0]["success"] else "failed"
    return None


def _tracking_header(headers: Mapping[str, str] | None) -> str | None:
    """A tracking id given only in a header: Location's last path segment, X-Request-Id..."""
    if not headers:
        return None
    lowered = {name.lower(): value for name, value in headers.items()}
    location = lowered.get("location", "").split("?")[0].rstrip("/")
    if location and "/" in location:
        last = location.rsplit("/", 1)[1]
        if last and last.lower() not in ("match", "email", "phone", "track"):
            return last
    return next((lowered[h].strip() for h in _TRACKING_HEADERS if lowered.get(h, "").strip()), None)


def _entries(payload: Any, chain: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """The objects that may hold the result, with where each sits: the items of a results
    list, the values of a map keyed by id, one result object, or the job object itself."""
    if isinstance(payload, list):
        return [(f"[{i}]", item) for i, item in enumerate(payload) if isinstance(item, dict)]
    if not chain:
        return []
    job = chain[-1]
    path = ".".join(_chain_path(chain)) or ""
    for key in _RESULT_KEYS:
        value = job.get(key)
        where = f"{path}.{key}" if path else key
        if isinstance(value, list) and any(isinstance(item, dict) for item in value):
            return [
                (f"{where}[{i}]", item) for i, item in enumerate(value) if isinstance(item, dict)
            ]
        if isinstance(value, dict) and value:
            keyed = _keyed_by_id(value)
            if keyed:
                return [(f"{where}.{k}", {"personId": k, **v}) for k, v in keyed]
            return [(where, _flat_result(value))]
    flat = {k: v for k, v in job.items() if k not in _JOB_KEYS}
    return [(path, flat)] if flat else []


def _chain_path(chain: list[dict[str, Any]]) -> list[str]:
    names = []
    for outer, inner in itertools.pairwise(chain):
        names.append(next(k for k, v in outer.items() if v is inner))
    return names


def _flat_result(value: dict[str, Any]) -> dict[str, Any]:
    """A result object whose own result sits one level deeper is read at that level too."""
    for key in ("result", "data"):
        inner = value.get(key)
        if isinstance(inner, dict) and not _keyed_by_id(inner):
            merged = {k: v for k, v in value.items() if k != key}
            merged.update(inner)
            return merged
    return value


def _keyed_by_id(value: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """A map from person ids (digits) to their results, or nothing."""
    if value and all(str(k).isdigit() and isinstance(v, dict) for k, v in value.items()):
        return [(str(k), v) for k, v in value.items()]
    return []


def _names(entry: dict[str, Any]) -> tuple[str | None, str | None]:
    """The person id and LinkedIn URL an entry names, if any."""
    person = next((entry[k] for k in _PERSON_ID_KEYS if entry.get(k) is not None), None)
    if isinstance(person, bool) or not isinstance(person, (str, int)):
        person = None
    url = next((entry[k] for k in _LINKEDIN_KEYS if isinstance(entry.get(k), str)), None)
    return (str(person).strip() if person is not None else None), url


def names_someone(payload: Any) -> bool:
    """True when an answer names a person anywhere it may, in a way the reader compares with
    the person asked: a person id or a LinkedIn URL, in an entry, an envelope, or the echo of
    the request (``input``, ``request``). A name alone is not compared: it does not count."""
    payload = _unwrapped(payload)
    chain = _envelopes(payload)
    places = [entry for _, entry in _entries(payload, chain)] + chain
    echoes = [
        p[key] for p in places for key in ("input", "request") if isinstance(p.get(key), dict)
    ]
    return any(any(_names(place)) for place in [*places, *echoes])


#: The entries of an answer that are its person (not a colleague, a manager or a provider's
#: source, which name others), by their keys as compared.
_SELF_PARTS = frozenset({"person", "persondetails", "personinfo", "profile", "profiledetails",
                         "contact", "contactdetails", "data", "result", "details"})  # fmt: skip


#: The keys under which an answer gives its person's own profile, as compared (``linkedinUrl``,
#: ``LinkedInURL``, ``linkedin_profile``, ``personLinkedinUrl``, ``linkedinProfiles``): a
#: LinkedIn or profile key, bare or the person's own (person, contact, member, user, social,
#: lead, prospect, public); not a manager's, owner's, colleague's or company's.
_OWN_PROFILE_KEY = pattern(
    r"(?:person|personal|contact|member|user|employee|social|lead|prospect|public)?"
    r"(?:linkedin(?:public)?(?:profile)?(?:url|link|handle)?|profile(?:url|link)?)s?"
)


def profiles_named(payload: Any, depth: int = 3) -> set[str]:
    """The LinkedIn profiles an answer gives as its person's own: under a profile key (in
    any case or spelling; a list of them too), at its top or in the entries that are that
    person (``person``, ``personDetails``, ``profile``); their slugs (``profile_slug``). Not
    those of others it mentions."""
    if not isinstance(payload, dict) or depth < 0:
        return set()
    found: set[str] = set()
    for name, value in payload.items():
        key = column_key(str(name))
        if _OWN_PROFILE_KEY.fullmatch(key):
            for item in value if isinstance(value, list) else [value]:
                slug = profile_slug(item)
                if slug:
                    found.add(slug)
        if key in _SELF_PARTS and isinstance(value, dict):
            found |= profiles_named(value, depth - 1)
    return found


def person_named(payload: Any, depth: int = 3) -> tuple[str, str] | None:
    """The first and last name an answer gives its person: at its top, else in the entries
    that are that person (``person``, ``profile``)."""
    if not isinstance(payload, dict) or depth < 0:
        return None
    first, last = _first_text(payload, _FIRST_KEYS), _first_text(payload, _LAST_KEYS)
    if first and last:
        return first, last
    for name, value in payload.items():
        found = person_named(value, depth - 1) if column_key(str(name)) in _SELF_PARTS else None
        if found is not None:
            return found
    return None


def named_in(result: dict[str, Any]) -> dict[str, Any]:
    """The identifiers a result names of its person, in request keys (personId, linkedinUrl,
    firstName + lastName + companyDomain): what the ledger may learn from a found answer."""
    person, url = _names(result)
    named: dict[str, Any] = {"personId": person, "linkedinUrl": normal_linkedin(url)}
    first, last = _first_text(result, _FIRST_KEYS), _first_text(result, _LAST_KEYS)
    domain = _first_text(result, _DOMAIN_KEYS) or next(
        (str(v[0]) for k in _DOMAIN_KEYS if isinstance(v := result.get(k), list) and v), None
    )
    if first and last and domain:
        named.update(firstName=first, lastName=last, companyDomain=domain.lower())
    return {name: value for name, value in named.items() if value}


def _entry_for(
    entries: list[tuple[str, dict[str, Any]]], asked: Asked | None
) -> tuple[tuple[str, dict[str, Any]] | None, str | None]:
    """The entry for the person asked, or the mismatch when the answer names only others."""
    if not entries:
        return None, None
    named = [(where, e, *_names(e)) for where, e in entries]
    naming = [n for n in named if n[2] or n[3]]
    if asked is not None and naming and (asked.person_id or asked.linkedin_url):
        want_url = normal_linkedin(asked.linkedin_url)
        for where, entry, person, url in naming:
            if asked.person_id and person is not None and person == asked.person_id:
                return (where, entry), None
            if want_url and url and normal_linkedin(url) == want_url:
                return (where, entry), None
        others = ", ".join(str(p or u) for _, _, p, u in naming[:5])
        who = asked.person_id or asked.linkedin_url
        return None, f"it names {others}, not {who}"
    if len(entries) == 1:
        return entries[0], None
    # Several entries, none naming anyone: the first that holds something.
    for where, entry in entries:
        if any(entry.get(k) for k in (*_EMAIL_KEYS, *_PHONE_KEYS, "providers")):
            return (where, entry), None
    return entries[0], None


# Evidence --------------------------------------------------------------------------------------


def _evidence(
    chosen: tuple[str, dict[str, Any]] | None,
    kind: str | None,
    outcome: Outcome,
    asked: Asked | None,
) -> dict[str, Any] | None:
    """The result in our shape from the chosen entry: known keys first, then values found by
    what they are (never inside an object that names someone else). Sets
    ``outcome.not_found`` for an explicit not-found."""
    if chosen is None:
        return None
    where, entry = chosen
    result = {k: v for k, v in entry.items() if k not in _JOB_KEYS or k == "type"}
    result.pop("type", None)
    providers = [p for p in _as_list(entry.get("providers")) if isinstance(p, dict)]
    # A provider's entry that names someone else is kept, never read as the person's.
    theirs = [p for p in providers if not _for_another(p, asked, entry)]
    email, status = _email(entry, theirs)
    phones = _phones(entry, theirs)
    for key in (*_EMAIL_KEYS, *_EMAIL_STATUS_KEYS, *_PHONE_KEYS):
        result.pop(key, None)
    if kind in (None, "email") and email is None:
        email = _search_email(entry, where, outcome.found_at, asked)
    if status is None:  # beside an email found by what it is (contact.work_email), too
        status = next(
            (str(v) for _, key, v in _walk(entry, where, asked)
             if key in _EMAIL_STATUS_KEYS and isinstance(v, str)),
            None,
        )  # fmt: skip
    if kind in (None, "phone") and not phones:
        phones = _search_phones(entry, where, outcome.found_at, asked)
    if normal_word(status) in _EMAIL_NOT_FOUND and not email:
        outcome.not_found = kind in (None, "email")
    explicit_empty = any(isinstance(entry.get(k), list) and not entry[k] for k in _PHONE_KEYS)
    if kind == "phone" and not phones and explicit_empty:
        outcome.not_found = True
    if email is not None or status is not None or any(k in entry for k in _EMAIL_KEYS):
        result["email"], result["emailStatus"] = email, status
    if phones or any(k in entry for k in _PHONE_KEYS) or kind == "phone":
        result["phones"] = phones
    if providers:
        result["providers"] = providers
    if kind == "email" and not phones:
        result.pop("phones", None)
    others = [p for p in providers if p not in theirs]
    if others and not (
        email if kind == "email" else phones if kind == "phone" else email or phones
    ):
        named = ", ".join(str(n[0] or n[1]) for n in map(_names, others[:5]))
        who = asked.person_id or asked.linkedin_url if asked is not None else None
        outcome.mismatch = f"its providers name {named}, not {who or 'the person asked'}"
    return result


def _email(entry: dict[str, Any], providers: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    email = _email_text(_first_value(entry, _EMAIL_KEYS))
    status = _first_text(entry, _EMAIL_STATUS_KEYS)
    if email is not None:
        return email, status
    candidates = []
    for provider in providers:
        found = _email_text(_first_value(provider, _EMAIL_KEYS))
        if found is not None:
            provider_status = _first_text(provider, _EMAIL_STATUS_KEYS)
            rank = _EMAIL_RANK.get(normal_word(provider_status) or "", 3)
            candidates.append((rank, found, provider_status))
    if candidates:
        _, found, provider_status = min(candidates, key=lambda c: c[0])
        return found, provider_status
    return None, status


def _email_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if _email_text(v)), None)
    if isinstance(value, dict):
        value = _first_value(value, ("email", "address", "value"))
    if isinstance(value, str) and _EMAIL.match(value.strip()):
        return value.strip()
    return None


def _phones(entry: dict[str, Any], providers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    phones: list[dict[str, Any]] = []
    for source in (entry, *providers):
        for key in _PHONE_KEYS:
            for phone in _phone_values(source.get(key), key):
                if phone["number"] not in {p["number"] for p in phones}:
                    phones.append(phone)
        if phones and source is entry:
            break  # top-level phones found: the providers' copies add nothing
    return phones


def _phone_values(value: Any, key: str) -> Iterator[dict[str, Any]]:
    """Phones in a value found under a phone key: strings, objects, lists, or a map whose keys
    are the types (``{"mobile": "+1..."}``)."""
    if isinstance(value, list):
        for item in value:
            yield from _phone_values(item, key)
    elif isinstance(value, dict):
        single = _phone(value)
        if single is not None:
            yield single
            return
        for kind, item in value.items():
            if isinstance(item, (str, int)) and not isinstance(item, bool):
                phone = _phone_text(item)
                if phone is not None:
                    yield {"number": phone, "type": str(kind)}
    else:
        phone = _phone_text(value)
        if phone is not None:
            yield {"number": phone, "type": None}


def _phone_text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    digits = sum(ch.isdigit() for ch in text)
    return text if text and _PHONE_TEXT.match(text) and digits >= 7 else None


def _phone(item: dict[str, Any]) -> dict[str, Any] | None:
    """A phone object: ``{number, type}``, ``{phone_number, phone_type}``, or ``{number,
    countryCode}`` joined into one international number."""
    number = _first_text(item, ("number", "phone", "phoneNumber", "phone_number", "value", "e164"))
    if number is None or _phone_text(number) is None:
        return None
    code = _first_text(item, ("countryCode", "country_code", "dialCode", "dial_code"))
    if code and not number.startswith("+"):
        number = f"+{code.lstrip('+')} {number}"
    kind = item.get("type", item.get("phone_type", item.get("phoneType")))
    return {**item, "number": number, "type": kind}


def _walk(value: Any, where: str, asked: Asked | None) -> Iterator[tuple[str, str, Any]]:
    """(path, key, value) of everything in a value that may belong to the person asked,
    breadth first, bounded in depth and size: what was sent (``input``) is not read as what
    came back, and an object naming someone else is not entered."""
    queue: list[tuple[Any, str, int]] = [(value, where, 0)]
    seen = 0
    while queue and seen < SEARCH_NODES:
        current, path, depth = queue.pop(0)
        if depth > SEARCH_DEPTH:
            continue
        items: list[tuple[str, Any]]
        if isinstance(current, dict):
            if depth and _for_another(current, asked, value):
                continue
            items = [(str(k), v) for k, v in current.items() if k != "input"]
        elif isinstance(current, list):
            items = [(f"[{i}]", v) for i, v in enumerate(current)]
        else:
            continue
        for key, item in items:
            seen += 1
            child = f"{path}{key}" if key.startswith("[") else (f"{path}.{key}" if path else key)
            if not isinstance(item, (dict, list)):
                yield child, key, item
            else:
                queue.append((item, child, depth + 1))


def _for_another(found: dict[str, Any], asked: Asked | None, entry: Any) -> bool:
    """True when an object inside an answer's entry (a provider's, a nested person) names a
    person other than the one the answer is for: the id or profile asked, else the one the
    entry itself names. A blank value names nobody; an object that names someone when there is
    nothing of the same kind to compare with is not taken as the person's either."""
    person, url = _names(found)
    person, url = person or None, url or None
    if person is None and url is None:
        return False
    own_person, own_url = _names(entry) if isinstance(entry, dict) else (None, None)
    want_person = (asked.person_id if asked is not None else None) or own_person or None
    want_url = (asked.linkedin_url if asked is not None else None) or own_url or None
    if want_person and person:
        return person != want_person
    if want_url and url:
        return not _same_profile(url, want_url)
    return True


def _same_profile(one: str, other: str) -> bool:
    """Two LinkedIn URLs of one profile, however written (percent-encoded, m. or a country's
    subdomain). Only for telling whose a value is: the ledger keeps its own normal form."""

    def loose(url: str) -> str:
        text = unquote(url).strip().lower().split("?")[0].split("#")[0].rstrip("/")
        return re.sub(r"^(https?://)?([a-z0-9-]+\.)*linkedin\.com", "", text)

    return normal_linkedin(one) == normal_linkedin(other) or loose(one) == loose(other)


def _search_email(
    entry: dict[str, Any], where: str, found_at: list[str], asked: Asked | None
) -> str | None:
    """An email address anywhere in the entry, preferring keys that speak of mail."""
    hits = [(path, key, v.strip()) for path, key, v in _walk(entry, where, asked)
            if isinstance(v, str) and _EMAIL.match(v.strip())]  # fmt: skip
    if not hits:
        return None
    hits.sort(key=lambda hit: 0 if "mail" in hit[0].lower() else 1)
    found_at.append(f"email from {hits[0][0]}")
    return hits[0][2]


def _search_phones(
    entry: dict[str, Any], where: str, found_at: list[str], asked: Asked | None
) -> list[dict[str, Any]]:
    """Phone numbers anywhere in the entry, under keys that speak of phones."""
    phones: list[dict[str, Any]] = []
    for path, key, value in _walk(entry, where, asked):
        parent = path.rsplit(".", 1)[0] if "." in path else ""
        if not _PHONE_KEY.search(key) and not _PHONE_KEY.search(parent):
            continue
        for phone in _phone_values(value, key):
            if phone["number"] not in {p["number"] for p in phones}:
                phones.append(phone)
                found_at.append(f"phone from {path}")
    return phones


def _interim(found: dict[str, Any]) -> dict[str, Any]:
    interim: dict[str, Any] = {}
    if found.get("email"):
        interim["email"] = found["email"]
    if found.get("phones"):
        interim["phones"] = [p["number"] for p in found["phones"]]
    return interim


def _credits(sources: list[dict[str, Any]]) -> float | None:
    for source in sources:
        value = _first_value(source, _CREDIT_KEYS)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return None


def _first_in(chain: list[dict[str, Any]], keys: tuple[str, ...]) -> str | None:
    """The first text under ``keys``, looking from the innermost envelope out."""
    for part in reversed(chain):
        found = _first_text(part, keys)
        if found is not None:
            return found
    return None


def _first_text(mapping: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = mapping.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
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


# Deliveries ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryFacts:
    """What a webhook delivery says about which job it answers."""

    tracking_id: str | None
    #: The people it names (person ids, LinkedIn URLs).
    named: list[Asked]
    #: "email" or "phone" when it says (a type field) or shows (what it holds); None otherwise.
    kind: str | None


#: Keys an answer that only reports an error may hold besides its (empty) content.
_ERROR_ENVELOPE_KEYS = frozenset(
    "status state message msg error errors error_message errormessage code statuscode success "
    "data result results detail details timestamp requestid request_id path".split()
)
#: What a paid answer may say it did not find: the record asked for (not a service, a route,
#: a user or an account: those are no "no match").
_RECORD = (
    r"(persons?|people|contacts?|records?|match(es)?|results?|data|profiles?|"
    r"organi[sz]ations?|compan(y|ies)|details|emails?( address(es)?)?|entr(y|ies)|leads?|"
    r"news|articles?)"
)
#: Messages that say the record asked for was not found: a no match, kept. Read only after
#: every reading that stops or holds (credits, limits, plan, server): "No data returned: rate
#: limit exceeded" is no "no match".
_NOTHING_FOUND = pattern(
    rf"\b{_RECORD}( [\w'.-]+){{0,4}} (was |were |could |is |are )?not (be )?found\b"
    rf"|\bno (such |matching |valid )?{_RECORD}( \w+){{0,2}} (was |were )?(found|matched)\b"
    rf"|\bno (matching |such )?{_RECORD}\s*([.,;:!)-]|$)"
    rf"|\b(unable to|could ?n[o'’]?t|cannot|did ?n[o'’]?t) (find|locate) (a |an |any |the |this "
    rf"|that )?(matching )?{_RECORD}\b",
    re.IGNORECASE,
)
#: What may stand beside a record not found and change nothing: a remark on charges ("no
#: credits charged", "0 credits used, 95 remaining") or advice ("try a different domain", the
#: vendor's own "may be you can tweak the filters"). Anything else beside it is held.
_BESIDE_NOT_FOUND = pattern(
    r"\b(no|0|zero) (credits?|charges?) (were |was |have been )?(charged|deducted|used|spent)"
    r"( (from|to|on) (your |the )?(account|plan|balance|subscription))?\b"
    r"|\bno (credit|charge) (was )?(made|applied)\b|\bcredits? (were |was )?not (charged|"
    r"deducted|used)\b|\b(you|your (account|subscription|plan|quota)) (was |were )?not charged\b"
    r"|\bcredits? used:? ?0\b|\d+ credits? (remaining|left|available)\b|\bcredits? "
    r"(remaining|left|available):? ?\d+\b|\b(this |the )?(lookup|request|search) did not count "
    r"against (your |the )?quota\b|\bno quota (was )?used\b|\bmay ?be you can tweak the filters\b"
    r"|\b(please )?(try|check|use|give|send|provide)\b(?![^.;]*\blater\b)[^.;]*",
    re.IGNORECASE,
)


#: Words that only link a not-found clause to what it quoted ("No match found for the
#: provided details", "We couldn't find this person").
_LINKING_WORDS = frozenset(
    "for at in with the this that given provided details of on by to an any we our your from "
    "matching query input request search criteria name company organisation organization "
    "person contact profile domain email address url linkedin id".split()
)
#: Our key, plan, subscription or account refused, whatever else a message says ("No data
#: found: key revoked"). Not a person's or a mailbox's account ("LinkedIn account suspended").
_ACCOUNT_REFUSED = pattern(
    r"\b((api |access |secret )?key|token|subscription|plan|licen[cs]e|(?<!linkedin )(?<!email )"
    r"(?<!mailbox )(?<!user )account) (is |was |has been |has )?(revoked|expired|suspended|"
    r"disabled|invalid|inactive|cancel+ed|locked|blocked|closed|ended|not found|not recogni[sz]ed"
    r"|not valid|missing|required)\b|\b(invalid|revoked|expired|unknown|missing) (api |access "
    r"|secret )?(key|token)\b|\bunauthori[sz]ed|\bnot authori[sz]ed\b|\bauthentication "
    r"(failed|required)\b|\baccess denied\b|^\W*(403 )?forbidden\b|\bpermission denied\b(?! "
    r"for)|\bno active (subscription|plan)\b",
    re.IGNORECASE,
)
#: A limit of requests reached: the run stops (as a 429 would), and a later run asks again.
#: Not a quota merely spoken of ("this lookup did not count against your quota").
_RATE_LIMITED = pattern(
    r"\brate[ -]?limit|\btoo many (concurrent )?requests\b|\bconcurrent requests\b|\bthrottl"
    r"|\b(quota|limit|cap)\b[\w\s]{0,30}\b(exceeded|reached|exhausted|used up|hit)\b"
    r"|\b(exceeded|reached|hit) (your |the )?([\w-]+ )?(quota|limit|cap)\b|\busage cap\b",
    re.IGNORECASE,
)
#: What the plan does not include: the account's (403), not a missing record. Not an offer
#: beside one ("No results; upgrade for more sources").
_NOT_IN_THE_PLAN = pattern(
    r"\b(not available|unavailable|not included|access) (on|in|for|with) (your|the|this) "
    r"(current |free )?(plan|tier|account|subscription)\b|\bfree tier\b|\buntil you upgrade\b"
    r"|\bupgrade (your plan )?(is )?required\b|\brequires? (a )?(paid|higher|pro|premium) "
    r"(plan|tier)\b|\b(access|available) for trial accounts\b",
    re.IGNORECASE,
)
#: A server or a lookup that failed: held as maybe charged, never a no match.
_SERVER_FAILED = pattern(
    r"\b(server|timeout|timed out|unavailable|unreachable|upstream|internal|temporar(y|ily)|"
    r"maintenance|overloaded|gateway|exception|error|failed|failure|went wrong|busy|"
    r"in progress|check back)\b",
    re.IGNORECASE,
)
#: Words of a message about the account, read when nothing else was recognised: "User not
#: found. Check your key" refuses the account (the run stops, and it is asked again later).
_ABOUT_THE_ACCOUNT = pattern(
    r"\b(subscription|plan|(api|access|secret)[ _-]?keys?|keys?|tokens?|credentials?|"
    r"workspace|tenant|customer|tier|permissions?)\b",
    re.IGNORECASE,
)
#: What a message may quote of the input: addresses and URLs, and text in double quotes.
_QUOTED = pattern(r"[^\s@/]*[@/]\S*|\"[^\"]{0,200}\"|“[^”]{0,200}”")
#: The longest message read (a longer one is an answer's body, not a sentence).
_MESSAGE_READ = 500


def _own_words(message: str, asked: Mapping[str, Any] | None) -> str:
    """A message without what it quotes of the request: its own words, which say what
    happened. Addresses, URLs and quoted text go, and each request value where it stands as
    whole words ("Plan International", a surname "Key"; "Ke" leaves "API key" whole)."""
    text = _QUOTED.sub(" ", message[:_MESSAGE_READ])
    values = [] if asked is None else list(asked.values())
    texts = [v for value in values for v in (value if isinstance(value, list) else [value])]
    for quoted in sorted({str(t).strip() for t in texts if isinstance(t, str)}, key=len,
                         reverse=True):  # fmt: skip
        if len(quoted) >= 2:
            text = re.sub(rf"(?<!\w){re.escape(quoted)}(?!\w)", " ", text, flags=re.IGNORECASE)
    return " ".join(text.split())


def _envelope_only(payload: Any) -> str | None:
    """The message of an answer that holds nothing but envelope keys around an empty content
    ("" when it has none); None for an answer that holds something else."""
    if not isinstance(payload, dict):
        return None
    if not {str(key).casefold() for key in payload} <= _ERROR_ENVELOPE_KEYS:
        return None  # it holds something else: the reader decides
    if any(payload.get(key) not in (None, "", [], {}) for key in ("data", "result", "results")):
        return None
    texts = [payload.get(k) for k in payload if str(k).casefold() in ("message", "msg", "detail")]
    texts += [payload.get(k) for k in payload if str(k).casefold() in ("error", "errors")]
    return next((t.strip() for t in texts if isinstance(t, str) and t.strip()), "")


def _said(payload: Any) -> str | None:
    """What an answer that holds nothing but an error (or says ``success: false``) says; None
    for any other answer."""
    if isinstance(payload, dict) and payload.get("success") is False:
        return error_message(json.dumps(payload).encode())
    return _envelope_only(payload)


def _reading(message: str, asked: Mapping[str, Any] | None) -> str:
    """What a message of a paid answer that holds nothing else comes to, in the message's own
    words (``_own_words``). First what stops the run or holds the item, then a missing record:
    "account" (the key, plan or subscription refused, or not in the plan), "credits" (spent),
    "rate" (a limit of requests), "error" (a server failed: held), "none" (the record asked for
    was not found: a no match, kept), "account" (words of the account and nothing else), and
    "error" for the rest. What is unclear is held, never kept as a no match."""
    own = _own_words(message, asked)
    for found, reading in ((_ACCOUNT_REFUSED, "account"), (NO_CREDITS, "credits"),
                           (_RATE_LIMITED, "rate"), (_NOT_IN_THE_PLAN, "account"),
                           (_SERVER_FAILED, "error")):  # fmt: skip
        if found.search(own):
            return reading
    if _NOTHING_FOUND.search(own):
        # A no match is kept for ever: only when the message says nothing else than that the
        # record was not found (and what may stand beside it); any other clause holds it.
        rest = _BESIDE_NOT_FOUND.sub(" ", _NOTHING_FOUND.sub(" ", own))
        words = {w.casefold() for w in re.findall(r"[^\W\d_]{2,}", rest)}
        return "error" if words - _LINKING_WORDS else "none"
    return "account" if _ABOUT_THE_ACCOUNT.search(own) else "error"


def says_nothing_found(payload: Any, asked: Mapping[str, Any] | None = None) -> bool:
    """True for an answer that holds nothing but a message saying the record asked for was
    not found (``{"status": "error", "message": "No matching records found"}``): a no match.
    A message about the account (plan, subscription, key) or spent credits is not one."""
    message = _said(payload)
    return bool(message) and _reading(str(message), asked) == "none"


def error_envelope(payload: Any, asked: Mapping[str, Any] | None = None) -> tuple[int, str] | None:
    """A 2xx answer of a paid request (sent with the body ``asked``) that holds nothing but an
    error: the HTTP status it stands for and its message; None for any other answer.

    ``{"status": "error", "message": "Internal server error", "data": null}``,
    ``{"error": "Insufficient credits"}``, ``{"success": false, ...}`` or JSend's
    ``{"status": "fail"}`` is no answer. By what its message comes to (``_reading``): the
    account refused or a plan restriction → 403, credits spent → 402, a limit of requests →
    429 (each stops the run, and a later run asks again); the record not found, and nothing
    else said → a no match, left to the reader; otherwise ``fail`` or ``success: false`` → 400
    (refused), any other error → 500 (it may have been charged: kept, not resent)."""
    message = _said(payload)
    if message is None:
        return None
    refused = payload.get("success") is False
    word = normal_word(payload.get("status") or payload.get("state"))
    if not refused:
        refused = word == "fail"
        error = next((payload[k] for k in payload if str(k).casefold() in ("error", "errors")
                      and payload[k] not in (None, "", [], {}, False)), None)  # fmt: skip
        if word not in ("error", "failed", "failure") and not refused and error is None:
            return None
    reading = _reading(message, asked) if message else "error"
    if reading == "none":
        return None
    if reading in ("account", "credits", "rate"):
        return {"account": 403, "credits": 402, "rate": 429}[reading], message
    shown = message or f"the answer says {word or 'it failed'} and holds nothing else"
    return (400 if refused else 500), shown


#: The keys a batch's results carry their own job's id under: explicit names (a phone's or a
#: provider's ``id`` inside one job's answer is not a job). Items of a bare array that carry
#: a status may use the plain ones too (``id``, ``_id``, ``uuid``).
_BATCH_ID_KEYS = ("trackingId", "tracking_id", "trackingID", "jobId", "job_id", "requestId",
                  "request_id")  # fmt: skip
#: Where an object may hold a batch of results (not ``phones`` or ``providers``: one job's).
_BATCH_KEYS = frozenset("events deliveries items data results payloads batch records jobs".split())


def delivery_parts(payload: Any, headers: Mapping[str, str] | None = None) -> list[Any]:
    """The results one delivery carries, one a job: a batch is read an item at a time; any
    other delivery is one part. A batch is a JSON array of results, bare or the one list of
    an object under a batch key, whose items name two or more jobs by their own tracking ids,
    in a delivery that names no job or person itself. (A request id a proxy adds in a header
    does not make a batch one job: the items' own tracking ids say whose each is; but a bare
    array whose items carry only a plain ``id`` is one job's when a header names the job.)"""
    items, keys = payload, _BATCH_ID_KEYS  # type: tuple[Any, tuple[str, ...]]
    if isinstance(payload, dict):
        if _first_text(payload, TRACKING_ID_KEYS) is not None or any(_names(payload)):
            return [payload]
        lists = [(k, v) for k, v in payload.items() if isinstance(v, list)]
        if len(lists) != 1 or str(lists[0][0]).casefold() not in _BATCH_KEYS:
            return [payload]
        items = lists[0][1]
    elif isinstance(payload, list):
        objects = [item for item in payload if isinstance(item, dict)]
        with_status = objects and all(_first_text(item, _STATUS_KEYS) for item in objects)
        if with_status and _tracking_header(headers) is None:
            keys = TRACKING_ID_KEYS  # results, each with its status: a plain id is the job's
    if not isinstance(items, list):
        return [payload]
    objects = [item for item in items if isinstance(item, dict)]
    ids = {_first_in(_envelopes(item), keys) for item in objects} - {None}
    return objects if len(ids) > 1 else [payload]


def delivery_facts(payload: Any, headers: Mapping[str, str] | None = None) -> DeliveryFacts:
    """The tracking id, people and kind a delivery carries, for matching it to its job."""
    payload = _unwrapped(payload)
    chain = _envelopes(payload)
    tracking_id = _first_in(chain, TRACKING_ID_KEYS) or _tracking_header(headers)
    named = []
    for _, entry in _entries(payload, chain):
        person, url = _names(entry)
        if person or url:
            named.append(Asked(person, url))
    stated = normal_word(_first_in(chain, ("type", "kind", "revealType")))
    kind = stated if stated in ("email", "phone") else None
    if kind is None:
        outcome = read_answer(payload, None, None, headers)
        result = outcome.result or outcome.interim or {}
        kind = "phone" if result.get("phones") else "email" if result.get("email") else None
    return DeliveryFacts(tracking_id, named, kind)
