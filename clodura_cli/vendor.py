"""The vendor's other paid endpoints: email verification, person and organisation enrichment,
company news. For each: the body sent (British spelling, as documented), the ledger key of what
it buys, its price, how its answer is read by evidence, and the output row.

Reading by evidence (Part B4): an answer is complete only when it holds what was paid for, for
what was asked; an answer that names another email, person or organisation, or holds nothing
recognisable, is ``unread`` (kept raw, reported, never printed as an empty success). What was
paid for is looked for wherever the shapes of Part B2 put it: under envelopes (``data``,
``results``, JSend), in a nested ``person`` / ``organization`` / ``pagination``, under other
spellings (snake_case, American) or a bare ``id``; the rows name it as documented.
"""

from __future__ import annotations

import contextlib
import math
import re
from typing import Any

from clodura_cli.api import spec
from clodura_cli.api.answers import classify_word, says_nothing_found
from clodura_cli.api.errors import ValidationError
from clodura_cli.api.linkedin import member_urn, normal_linkedin, profile_slug
from clodura_cli.base.encoding import escape_halves, has_halves
from clodura_cli.base.text import column_key, folded, pattern
from clodura_cli.inputs import column, damaged_id
from clodura_cli.paid import PaidEndpoint, Purchase, Reading
from clodura_cli.store.items import Item, PaidItems, company_part

VERDICTS = ("Deliverable", "Undeliverable", "Risky (Catch-all)", "Pending")
NEWS_CATEGORIES = (
    "Acquisition", "Announcements", "Bankruptcy", "Expansion", "IPO", "Investment", "Issue",
    "Launch", "Layoff", "Partnership", "Patent", "Funding",
)  # fmt: skip
ADD_ONS = {"technographics": "includeTechnographics", "acquisitions": "includeAcquisitions",
           "funding": "includeFunding"}  # fmt: skip
STANDARD_PRICE, DEEP_PRICE = 0.04, 0.1
NEWS_PRICE = 2.0
NEWS_MAX_PAGE = 100
#: A domain or website given where an organisation id is wanted (acme.com, www.acme.com/x).
_DOMAIN_LIKE = pattern(r"^(?:https?://)?(?:[\w-]+\.)+[a-z]{2,}(?:/\S*)?\Z", re.IGNORECASE)
#: An address: no space, comma or semicolon in it (a list pasted as one), a domain of labels.
_EMAIL = pattern(r"^[^@\s,;]+@(?:[\w-]+\.)+[\w-]+\Z")
#: The most specific first: a bare ``credits`` beside ``creditsCharged`` may be a balance.
_CREDIT_KEYS = ("creditsUsed", "credits_used", "creditUsed", "creditsCharged", "credits")


# Helpers shared by the readers ----------------------------------------------------------------


def data_of(payload: Any) -> Any:
    """The answer's content: under ``data`` / ``result`` when wrapped, else the answer."""
    if isinstance(payload, dict):
        for key in ("data", "result", "results"):
            if key in payload:
                inner = payload[key]
                return inner[0] if isinstance(inner, list) and len(inner) == 1 else inner
    return payload


def _credits(payload: Any) -> float | None:
    """What an answer says the request cost: in each of its envelope and its content, the most
    specific key (a bare ``credits`` beside ``creditsCharged`` may be the balance); when the two
    say different amounts, unknown (one may be a balance or a running total, and a wrong cost
    is never shown as known)."""
    return _one_amount(_credit_amounts(payload))


def _stated_cost(payload: Any, parts: list[dict[str, Any]]) -> float | None:
    """``_credits``, or, when neither the envelope nor the content names a cost, the first
    that the answer's deeper ``parts`` name (None: unknown, the documented price applies)."""
    amounts = _credit_amounts(payload)
    if not amounts:
        return _number(_first(parts, _CREDIT_KEYS, _is_number))
    return _one_amount(amounts)


def _one_amount(found: set[float]) -> float | None:
    """The cost the amounts agree on; None for two different ones, or one that cannot be
    read."""
    if any(math.isnan(amount) for amount in found):
        return None  # a cost was given that cannot be read
    return next(iter(found)) if len(found) == 1 else None


def _credit_amounts(payload: Any) -> set[float]:
    """The amounts an answer's envelope and content each give as its cost (most specific key
    first in each): one when they agree."""
    found = set()
    for source in (payload, data_of(payload)):
        if isinstance(source, dict):
            # The most specific key present decides: one it cannot read ("2 credits") makes
            # the cost unknown, never the bare `credits` beside it (perhaps the balance).
            given = next((v for k in _CREDIT_KEYS if (v := column(source, k)) is not None), None)
            amount = _amount(given)
            if given is not None:
                found.add(amount if amount is not None else math.nan)
    return found


def _amount(value: Any) -> float | None:
    """A number of credits: 2, 0.04, or "0.04" as some answers write it."""
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _empty(value: Any) -> bool:
    return value is None or value in ({}, [], "")


_UNREAD = ("answer not understood: ", "; kept in the ledger")


def _unread(why: str) -> Reading:
    return Reading("unread", message=why.join(_UNREAD))


def _reason(reading: Reading) -> str:
    """Why a reading is not a delivery, without the words ``_unread`` puts around it."""
    message = reading.message or reading.status
    return message.removeprefix(_UNREAD[0]).removesuffix(_UNREAD[1])


#: A LinkedIn profile's or company page's own part of its URL: what two spellings of one URL
#: share (``/in/ann-lee/en/``, ``%2D``, ``http://linkedin.com/in/Ann-Lee``).
_PROFILE_SLUG = pattern(r"linkedin\.com/in/([^/?#\s]+)", re.IGNORECASE)
_COMPANY_SLUG = pattern(r"linkedin\.com/company/([^/?#\s]+)", re.IGNORECASE)
#: A profile's old public URL (``/pub/ann-lee/12/345/678``): its name part begins the slug.
_PUBLIC_SLUG = pattern(r"linkedin\.com/pub/([^/?#\s]+)", re.IGNORECASE)
#: Where an answer about a person holds their employer (its URLs and emails are not theirs).
_EMPLOYER_KEYS = frozenset(
    column_key(k)
    for k in ("organisation", "organization", "company", "organisationDetails", "employer")
)


def _slug(url: Any, kind: Any) -> str | None:
    """A profile's (``_PROFILE_SLUG``) or company page's (``_COMPANY_SLUG``) slug, decoded and
    in lower case; None for any other text."""
    from urllib.parse import unquote

    found = kind.search(url) if isinstance(url, str) else None
    return unquote(found.group(1)).casefold() if found else None


def _other_slug(found: list[str], asked: str | None) -> bool:
    """True when the slugs found name another page than the one asked: a numeric page id
    (``/company/1035/``) and a name (``/company/microsoft/``) may be one page, so numeric ones
    are not compared; a named one that differs still is."""
    if not asked or asked.isdigit():
        return False
    named = [slug for slug in found if not slug.isdigit()]
    return bool(named) and asked not in named


def _own_texts(person: dict[str, Any]) -> list[str]:
    """The texts a person's object holds: its values, its lists (of texts, or of objects'
    texts: ``emails: [{"email": ...}]``), and the same in the objects it holds (``contact``,
    ``social``), but never its employer's."""
    texts: list[str] = []

    def take(value: Any, depth: int) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, list):
            for item in value:
                take(item, depth)
        elif isinstance(value, dict) and depth < 2:
            for key, inner in value.items():
                if column_key(str(key)) not in _EMPLOYER_KEYS:
                    take(inner, depth + 1)

    take(person, 0)
    return texts


#: Letters a name may be written with in ASCII, both ways: spelt out (Müller, Mueller) and
#: stripped (Müller, Muller; Åkesson, Akesson; Łukasz, Lukasz).
_SPELT_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe",
                            "å": "aa", "œ": "oe", "ł": "l", "đ": "d", "ı": "i"})  # fmt: skip
_STRIPPED = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d",
                           "ı": "i"})  # fmt: skip


def same_address(one: str, other: str) -> bool:
    """Two spellings of one email address: case aside, and a domain in Unicode or in its
    ASCII form (``bücher.de``, ``xn--bcher-kva.de``)."""

    def spelt(address: str) -> str:
        local, _, domain = address.strip().casefold().rpartition("@")
        with contextlib.suppress(UnicodeError):
            domain = domain.encode("idna").decode("ascii")
        return f"{local}@{domain}"

    return spelt(one) == spelt(other)


def _words(name: Any, folding: dict[int, str]) -> list[str]:
    """A name's words as compared: letters and digits, case folded, its letters written in
    ASCII by ``folding`` then without accents; ``and`` and ``&`` left out."""
    import unicodedata

    text = str(name).casefold().translate(folding)
    decomposed = "".join(c for c in unicodedata.normalize("NFKD", text)
                         if not unicodedata.combining(c))  # fmt: skip
    return [w for w in re.split(r"[^\w]+|_", decomposed) if w and w != "and"]


#: Words that join the parts of a name (Silva dos Santos, Ortega y Gasset, van den Berg, Pérez
#: de la Fuente): a spelling may leave them out.
_JOINING = frozenset("y e i dos das do da de del della di du la le van von der den ten ter "
                     "bin ibn al el".split())  # fmt: skip
#: Past this many words a name is compared by its first ones (a long field is no name).
_MOST_WORDS = 12


def _within(one: list[str], other: list[str]) -> bool:
    """True when ``one``'s letters are those of a run of ``other``'s words, in order: ``Lee``
    in ``Lee-Park`` and ``Lee, CPA``, ``de la Cruz`` in ``Delacruz``, ``Vanderberg`` in ``Van
    der Berg``; never part of a word (``Li`` in ``Williams``)."""
    joined = "".join(one)
    return any(
        "".join(other[start:end]) == joined
        for start in range(len(other))
        for end in range(start + 1, len(other) + 1)
    )


def _begins(slug: str, public: str) -> bool:
    """True when a profile's slug begins with the name part of an old ``/pub/`` URL, written in
    ASCII either way (``juergen-mueller-3c2b1a`` for ``/pub/jürgen-müller/...``)."""
    for folding in (_SPELT_OUT, _STRIPPED):
        words, start = _words(slug, folding), _words(public, folding)
        if start and words[: len(start)] == start:
            return True
    return False


def _alike(named: Any, asked: Any) -> bool:
    """Two spellings of one name: written in ASCII either way (ü as ue or u), one's letters are
    a run of the other's words, also without the words that join them (``Silva dos Santos``).
    An empty one says nothing. ``Li`` and ``Williams``, ``Smith`` and ``Goldsmith``, ``Johnson
    & Johnson`` and ``Johnson Controls`` are two names; so are ``Garcia Lopez`` and ``Lopez
    Garcia`` (another order is refused: kept, and shown as unread)."""
    for folding in (_SPELT_OUT, _STRIPPED):
        one, other = _words(named, folding)[:_MOST_WORDS], _words(asked, folding)[:_MOST_WORDS]
        if not one or not other or _within(one, other) or _within(other, one):
            return True
        bare = [[w for w in words if w not in _JOINING] or words for words in (one, other)]
        if _within(*bare) or _within(*reversed(bare)):
            return True
    return False


_COMPANY_SUFFIXES = pattern(r"\b(inc|llc|ltd|limited|corp|corporation|co|company|gmbh|plc|sa|ag|"
                            r"the)\b", re.IGNORECASE)  # fmt: skip


def _same_company(named: Any, asked: str) -> bool:
    """Two company names for one company: the words of one among the other's once the legal
    suffixes are dropped (``Acme`` and ``ACME Corp.``, ``Johnson & Johnson`` and ``Johnson and
    Johnson``; not ``Apple`` and ``Pineapple Studios``)."""
    return _alike(*(_COMPANY_SUFFIXES.sub(" ", str(n)) for n in (named, asked)))


def _another_person(person: dict[str, Any], organisation: Any, body: dict[str, Any]) -> str | None:
    """Why the person an answer describes is not the one asked for, or None: by what was sent,
    strongest first. A LinkedIn profile settles it; else an email; else the last name and the
    employer (a first name may be spelt otherwise: Bob for Robert). Spellings that may be one
    name (a suffix, a second name, Müller and Mueller) are not told apart: only a plain
    mismatch is refused."""
    texts = _own_texts(person)
    if "linkedinUrl" in body:
        wanted = _slug(body["linkedinUrl"], _PROFILE_SLUG)
        profiles = [t for t in texts if _slug(t, _PROFILE_SLUG)]
        slugs = [str(_slug(t, _PROFILE_SLUG)) for t in profiles]
        public = _slug(body["linkedinUrl"], _PUBLIC_SLUG)
        if public and slugs and not any(_begins(slug, public) for slug in slugs):
            return f"it names {profiles[0]}, not {body['linkedinUrl']}"
        if _other_slug(slugs, wanted):
            return f"it names {profiles[0]}, not {body['linkedinUrl']}"
        return None
    if "email" in body:
        emails = [t.strip() for t in texts if _EMAIL.match(t.strip())]
        if emails and not any(same_address(e, body["email"]) for e in emails):
            return f"it names {emails[0]}, not {body['email']}"
        return None
    last = column(person, "lastName", "surname")
    if last and not _alike(last, body.get("lastName", "")):
        first = column(person, "firstName") or ""
        return f"it names {first} {last}".rstrip() + f", not {body['firstName']} {body['lastName']}"
    return _another_company(organisation, body)


def _another_company(organisation: Any, body: dict[str, Any]) -> str | None:
    """Why the organisation an answer describes is not the one asked for (by its LinkedIn
    page, else by its name), or None."""
    if not isinstance(organisation, dict):
        return None
    if body.get("orgLinkedinUrl"):
        wanted = _slug(body["orgLinkedinUrl"], _COMPANY_SLUG)
        pages = [v for v in organisation.values() if _slug(v, _COMPANY_SLUG)]
        if _other_slug([str(_slug(p, _COMPANY_SLUG)) for p in pages], wanted):
            return f"it names the company {pages[0]}, not {body['orgLinkedinUrl']}"
        return None
    name = column(organisation, "organisationName", "name")
    if body.get("organisationName") and name and not _same_company(name, body["organisationName"]):
        return f"it names the company {name}, not {body['organisationName']}"
    return None


def _opened(
    payload: Any, body: dict[str, Any], no_match: str, missing: str
) -> tuple[dict[str, Any], float | None] | Reading:
    """The object an enrichment answer holds and the credits it names; or what the answer
    comes to without one: an empty answer is a no match (0 credits unless it names some),
    anything else but an object is unread (``missing`` says what it lacks)."""
    data = data_of(payload)
    credits = _credits(payload)
    if _empty(data) or says_nothing_found(payload, body):
        return Reading("no_match", None, credits or 0.0, message=no_match)
    if not isinstance(data, dict):
        return _unread(missing)
    return data, credits


# 7. Email verification ------------------------------------------------------------------------

#: How an input file may name its columns (compared by ``column_key``).
EMAIL_COLUMNS = ("email", "emailAddress", "workEmail")


def verify_purchase(record: dict[str, Any], deep: bool, webhook: str | None) -> Purchase:
    """One verification: the record's email (refused when it is not an address)."""
    email = _bare_email(column(record, *EMAIL_COLUMNS))
    if not email:
        raise ValidationError("email", "none in this row")
    if has_halves(email):  # half a character: no address, and charged all the same
        raise ValidationError("email", f"{escape_halves(email)!r} is not valid UTF-8 text")
    if not _EMAIL.match(email):
        raise ValidationError("email", f"{email!r} is not an email address")
    body: dict[str, Any] = {"email": email, "deepVerification": deep}
    if webhook:
        body["webhookUrl"] = webhook
    key = f"{'deep' if deep else 'standard'}:{email.lower()}"
    return Purchase(key, body, {**record, "email": email})


def _bare_email(value: Any) -> str:
    """An address as written in a CRM or a mail header: quotes, angle brackets and a
    ``mailto:`` taken off (``"Ann" <ann@acme.com>`` is ann@acme.com)."""
    # Punctuation a pasted list leaves after an address (`ann@acme.com,`): not part of it.
    text = str(value or "").strip().rstrip(".,;: ")
    if "<" in text and text.endswith(">"):
        text = text[text.rindex("<") + 1 : -1]
    text = text.strip().strip("\"'").strip().rstrip(".,;: ")
    return text[len("mailto:") :] if text.lower().startswith("mailto:") else text


#: Where a verification's fields may be named (compared as ``column`` compares names).
_VERDICT_KEYS = ("verdict", "result", "emailStatus", "status")
_STATE_KEYS = ("state", "verificationState", "status")
_DOCUMENT_KEYS = ("documentId", "docId", "id", "requestId", "jobId", "uuid")
_VERIFIED_AT_KEYS = ("verifiedAt", "timestamp", "checkedAt")
_SEARCH_DEPTH = 4


def read_verification(status: int, payload: Any, body: dict[str, Any]) -> Reading:
    """A verdict for the address asked, or pending (202, In-progress, Pending), or unread.

    By evidence (B4): the verdict is read in whichever object of the answer holds one (under
    the known keys, else a value that is a verdict word); the address, document id, state and
    time are read in that object, then in the envelopes around it."""
    entry = _verification_entry(payload, body["email"])
    if entry is None:
        return _unread("no verification in the answer")
    if isinstance(entry, str):
        return _unread(f"it verifies {entry}, not {body['email']}")
    # By value too (B4): addresses under keys no list foresees (an echo of the input, "to").
    addresses = [a for a in _texts_in(payload) if _EMAIL.match(a.strip())]
    if addresses and not any(same_address(a, body["email"]) for a in addresses):
        return _unread(f"it verifies {addresses[0].strip()}, not {body['email']}")
    verdict, chain = entry
    state = _first(
        chain, _STATE_KEYS, lambda v: isinstance(v, str) and _verdict(v) in (None, "Pending")
    )
    document = _first(chain, _DOCUMENT_KEYS, lambda v: isinstance(v, (str, int)))
    price = DEEP_PRICE if body.get("deepVerification") else STANDARD_PRICE
    deep = _first(chain, ("deepVerification", "deep"), lambda v: isinstance(v, bool))
    result = {"verdict": verdict,
              "state": _state_word(state),
              "deep": bool(body.get("deepVerification") if deep is None else deep),
              "verifiedAt": _first(chain, _VERIFIED_AT_KEYS, lambda v: isinstance(v, str)),
              "documentId": None if document is None else str(document)}  # fmt: skip
    pending = status == 202 or verdict == "Pending" or classify_word(state) == "pending"
    credits = _stated_cost(payload, chain)  # None (two different amounts): the price
    if pending:
        return Reading("pending", {**result, "verdict": "Pending"}, credits if credits else price,
                       result["documentId"])  # fmt: skip
    if verdict is None:
        return _unread(f"no verdict ({', '.join(VERDICTS)}) in the answer")
    return Reading("completed", result, price if credits is None else credits,
                   result["documentId"])  # fmt: skip


def verification_document(payload: Any) -> str | None:
    """The document id a verification answer (or a delivery) carries, wherever it sits."""
    entry = _verification_entry(payload, None)
    if not isinstance(entry, tuple):
        return None
    document = _first(entry[1], _DOCUMENT_KEYS, lambda v: isinstance(v, (str, int)))
    return None if document is None else str(document)


def _verification_entry(
    payload: Any, email: str | None
) -> tuple[str | None, list[Any]] | str | None:
    """(verdict, the object holding it and the objects around it, innermost first) for the
    address asked; the address when the answer verifies only another one; None when the
    answer holds no object. Without a verdict anywhere, the innermost object is the entry."""
    tree = _tree(payload)
    if not tree:
        return None
    held = [(verdict, chain) for chain in tree if (verdict := _verdict_in(chain[0])) is not None]
    other = None
    for verdict, chain in sorted(held, key=lambda found: -len(found[1])):
        named = _first(chain, ("email", "emailAddress", "address"), lambda v: isinstance(v, str))
        if email is not None and named and not same_address(named, email):
            other = other or named
            continue
        return verdict, chain
    if other is not None:
        return str(other)
    chain = max(tree, key=len)
    named = _first(chain, ("email", "emailAddress", "address"), lambda v: isinstance(v, str))
    if email is not None and named and not same_address(named, email):
        return str(named)
    return None, chain


def _tree(payload: Any) -> list[list[dict[str, Any]]]:
    """Every object of an answer, outermost first, each as a chain: the object, then the
    objects around it (innermost first); lists are looked into, a few levels deep."""
    chains: list[list[dict[str, Any]]] = []
    queue: list[tuple[Any, list[dict[str, Any]]]] = [(payload, [])]
    while queue and len(chains) < 500:
        value, around = queue.pop(0)
        if isinstance(value, dict):
            chain = [value, *around]
            chains.append(chain)
            if len(chain) <= _SEARCH_DEPTH:
                queue += [(v, chain) for v in value.values() if isinstance(v, (dict, list))]
        elif isinstance(value, list) and len(around) <= _SEARCH_DEPTH:
            queue += [(v, around) for v in value if isinstance(v, (dict, list))]
    return chains


def _texts_in(payload: Any) -> list[str]:
    """The texts an answer's objects hold (their values, and lists of texts), a few levels
    deep."""
    texts: list[str] = []
    for chain in _tree(payload):
        for value in chain[0].values():
            items = value if isinstance(value, list) else [value]
            texts += [text for text in items if isinstance(text, str)]
    if isinstance(payload, str):
        texts.append(payload)
    return texts


def _first(chain: list[dict[str, Any]], names: tuple[str, ...], accept: Any) -> Any:
    """The first accepted value under one of ``names`` (in that order), looking in each object
    of ``chain`` in turn."""
    wanted = [column_key(name) for name in names]
    for part in chain:
        keyed = {column_key(str(k)): v for k, v in part.items()}
        for name in wanted:
            value = keyed.get(name)
            if value not in (None, "") and accept(value):
                return value
    return None


def _verdict_in(part: dict[str, Any]) -> str | None:
    """The verdict an object holds: under a known key, else a value that says it (B4)."""
    found = _first([part], _VERDICT_KEYS, lambda v: isinstance(v, str) and _verdict(v))
    if found is not None:
        return _verdict(found)
    for value in part.values():
        if isinstance(value, str) and _word(value) in _VERDICT_WORDS:
            return _verdict(value)
    return None


def _state_word(state: Any) -> str | None:
    """A verification's state in the documented words (Completed, In-progress) when it is one
    of the words for them, else as given."""
    if state is None:
        return None
    return {"completed": "Completed", "pending": "In-progress"}.get(
        classify_word(state) or "", str(state)
    )


def _whole(value: Any) -> int | None:
    """A count however it is written: 2, 2.0 or "2" (B2: numbers may come as text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(value: Any) -> float | None:
    return float(value) if _is_number(value) else None


def _word(value: Any) -> str:
    return re.sub(r"[^a-z]", "", str(value or "").lower())


#: Words that are a verdict whatever key holds them.
_VERDICT_WORDS = frozenset(("deliverable", "undeliverable", "riskycatchall", "catchall"))


def _verdict(value: Any) -> str | None:
    word = _word(value)
    if not word:
        return None
    if "catchall" in word or word.startswith("risky"):
        return "Risky (Catch-all)"
    if word in ("undeliverable", "invalid", "bounce", "bounced"):
        return "Undeliverable"
    if word in ("deliverable", "valid"):
        return "Deliverable"
    if word in ("pending", "inprogress", "queued"):
        return "Pending"
    return None


def verify_worst(body: dict[str, Any]) -> float:
    return DEEP_PRICE if body.get("deepVerification") else STANDARD_PRICE


def verify_row(record: dict[str, Any], result: Any) -> dict[str, Any]:
    result = result if isinstance(result, dict) else {}
    return {**record, **{name: result.get(name) for name in
                         ("verdict", "state", "deep", "verifiedAt", "documentId")}}  # fmt: skip


VERIFY = PaidEndpoint("verify", spec.VERIFY_EMAIL_PATH, verify_worst, read_verification)


# 8. Person enrichment -------------------------------------------------------------------------

_PERSON_INPUTS = {
    "linkedinUrl": ("linkedinUrl", "linkedin", "linkedinProfile", "profileUrl"),
    "email": ("email", "emailAddress", "workEmail"),
    "firstName": ("firstName", "first"),
    "lastName": ("lastName", "last", "surname"),
    "orgLinkedinUrl": ("orgLinkedinUrl", "companyLinkedinUrl", "organisationLinkedinUrl"),
    "organisationName": ("organisationName", "companyName", "company", "organisation"),
}


PERSON_INPUT_COLUMNS = tuple(name for names in _PERSON_INPUTS.values() for name in names)
ORG_INPUT_COLUMNS = ("organisationId", "orgId", "orgLinkedinUrl", "organisationLinkedinUrl",
                     "companyLinkedinUrl", "linkedinUrl")  # fmt: skip


def person_purchase(
    record: dict[str, Any], label: str, dropped: list[str] | None = None
) -> Purchase:
    """One person to enrich: the identifiers the record has (refused, naming the row, when
    they cannot match: nothing, or a name without any company)."""
    body = {}
    for name, spellings in _PERSON_INPUTS.items():
        value = column(record, *spellings)
        if value is not None and str(value).strip():
            body[name] = str(value).strip()
    unusable = _unusable_identifiers(body)  # dropped: each would be paid for, and match nobody
    if "orgLinkedinUrl" in body:
        body["orgLinkedinUrl"] = normal_company_url(body["orgLinkedinUrl"])
    _refuse_halves(label, body)
    if not body:
        raise ValidationError(label, "has no identifier (linkedinUrl, email, or first and last "
                                     "name with orgLinkedinUrl or organisationName)"
                                     + "".join(f"; {why}" for why in unusable))  # fmt: skip
    named = "firstName" in body and "lastName" in body
    company = "orgLinkedinUrl" in body or "organisationName" in body
    if not ("linkedinUrl" in body or "email" in body or (named and company)):
        raise ValidationError(label, "cannot match: first and last name need orgLinkedinUrl or "
                                     "organisationName (or give linkedinUrl or email)"
                                     + "".join(f"; {why}" for why in unusable))  # fmt: skip
    if dropped is not None:  # a row sent all the same: what it was sent without, said
        dropped += [f"{label}: {why}; sent without it" for why in unusable]
    return Purchase(person_key(body), body, {**record, "matchConfidence": match_confidence(body)})


def _unusable_identifiers(body: dict[str, Any]) -> list[str]:
    """Take out of an enrichment body an email that is no address and a LinkedIn URL that is
    no profile's (a Sales Navigator link); say why each went. The others are normalised."""
    from clodura_cli.api.filters import linkedin_profile_url

    why = []
    if "email" in body:
        email = _bare_email(body["email"])
        if _EMAIL.match(email):
            body["email"] = email
        else:
            why.append(f"email {body.pop('email')!r} is not an address")
    if "linkedinUrl" in body:
        url = body["linkedinUrl"]
        slug = profile_slug(url)
        if slug is not None:  # a profile, or a page of it (/details/...): the profile
            body["linkedinUrl"] = linkedin_profile_url(f"https://www.linkedin.com/in/{slug}/",
                                                       "linkedinUrl")  # fmt: skip
        elif urn := member_urn(url):  # case-sensitive: kept as written, its page cut off
            body["linkedinUrl"] = f"https://www.linkedin.com/in/{urn}/"
        elif "linkedin.com/pub/" in url.lower():  # an old public profile: the API's to match
            body["linkedinUrl"] = normal_linkedin(url) or url
        else:  # a Sales Navigator link, a company page, a slug, another site, "n/a"
            body.pop("linkedinUrl")
            try:
                linkedin_profile_url(url, "linkedinUrl")
                why.append(f"linkedinUrl {url!r} is not a LinkedIn profile URL")
            except ValidationError as exc:
                why.append(exc.message.removeprefix("linkedinUrl: "))
    return why


def _refuse_halves(label: str, body: dict[str, Any]) -> None:
    """Half a character in what is sent (bytes of another encoding in an argument, a cut emoji
    in JSON): it finds nobody for a price, and stored it could pass for another name."""
    for name, value in body.items():
        texts = value if isinstance(value, list) else [value]
        for text in texts:
            if isinstance(text, str) and has_halves(text):
                shown = escape_halves(text)
                raise ValidationError(label, f"{name} {shown!r} is not valid UTF-8 text")


def person_key(body: dict[str, Any]) -> str:
    """Who a person enrichment is for, by the strongest identifier it sends: the same LinkedIn
    URL (or else email, or else name at company) asked again is the same item, whatever else
    the row holds."""
    if "linkedinUrl" in body:
        return f"linkedin:{body['linkedinUrl']}"
    if "email" in body:
        return f"email:{body['email'].lower()}"
    company = company_part(str(body.get("orgLinkedinUrl") or body.get("organisationName")))
    return f"name:{folded(body['firstName'])}|{folded(body['lastName'])}|{company}"


def normal_company_url(url: str) -> str:
    """A company's LinkedIn URL as compared: https://www.linkedin.com/company/slug/."""
    return normal_linkedin(url) or url.strip()


def match_confidence(body: dict[str, Any]) -> str:
    """As documented: a LinkedIn URL is the highest; an email or a name with the company's
    LinkedIn URL medium; a name with the company's name low."""
    if "linkedinUrl" in body:
        return "highest"
    if "email" in body or "orgLinkedinUrl" in body:
        return "medium"
    return "low"


def read_person(status: int, payload: Any, body: dict[str, Any]) -> Reading:
    """A person (2 credits), only their organisation (1), no match (0), or unread. The person
    is the answer's content, or the object it holds under ``person`` or ``contact``."""
    opened = _opened(payload, body, "no match", "no person in the answer")
    if isinstance(opened, Reading):
        return opened
    data, credits = opened
    found = _person_in(data)
    person = data if found is None else found
    organisation = _organisation(person) or _organisation(data)
    # Organisation details only are checked too: they may name the person asked by email.
    another = _another_person(person, organisation, body)
    if another is not None:
        return _unread(another)
    if found is not None:
        if found is not data and organisation is not None:
            found = {**found, "organisation": organisation}  # as the documented answer has it
        return Reading("completed", found, 2.0 if credits is None else credits)
    if organisation is not None:
        return Reading("completed", data, 1.0 if credits is None else credits,
                       message="organisation details only")  # fmt: skip
    if _says_not_found(data):
        return Reading("no_match", None, credits or 0.0, message="no match")
    return _unread("no person or organisation in the answer")


def _person_in(data: dict[str, Any]) -> dict[str, Any] | None:
    """The object that describes a person (an id, a LinkedIn URL, or first and last names):
    the answer's content, or what it holds under ``person`` or ``contact``."""
    for part in (data, column(data, "person", "contact")):
        if isinstance(part, dict) and (
            column(part, "personId", "id")
            or column(part, "linkedinUrl", "linkedin")
            or (column(part, "firstName") and column(part, "lastName"))
        ):
            return part
    return None


def _says_not_found(data: dict[str, Any]) -> bool:
    """True for an answer whose status or match type is a word for "nothing found"
    (``NOT_FOUND``, ``no_match``, ``none``)."""
    return _first([data], ("status", "matchType"),
                  lambda v: classify_word(v) == "not_found") is not None  # fmt: skip


def _organisation(data: dict[str, Any]) -> dict[str, Any] | None:
    inner = column(data, "organisation", "organisationDetails", "company")
    if isinstance(inner, dict) and (column(inner, "organisationId", "organisationName", "name",
                                           "domain")):  # fmt: skip
        return inner
    return None


def person_worst(body: dict[str, Any]) -> float:
    return 2.0


PERSON_FIELDS = ("personId", "firstName", "lastName", "linkedinUrl", "personTitle",
                 "functional", "seniority", "personCity", "personState",
                 "personCountry")  # fmt: skip
ORG_FIELDS = ("organisationId", "organisationName", "domain", "industry", "employeeSize",
              "revenue")  # fmt: skip


#: Other names an answer may give an id under (a flat answer's bare ``id``).
_ID_NAMES = {"personId": ("personId", "id"), "organisationId": ("organisationId", "orgId", "id")}


def person_row(record: dict[str, Any], result: Any) -> dict[str, Any]:
    data = result if isinstance(result, dict) else {}
    row = dict(record)
    for name in PERSON_FIELDS:
        value = column(data, *_ID_NAMES.get(name, (name,)))
        if value is not None or name not in row:
            row[name] = value if value is not None else row.get(name)
    organisation = _organisation(data) or {}
    for name in ORG_FIELDS:
        found = column(organisation, *_ID_NAMES.get(name, (name,)))
        row[name] = found if organisation else row.get(name)
    return row


ENRICH_PERSON = PaidEndpoint("enrich-person", spec.ENRICH_PERSON_PATH, person_worst, read_person)


# 9. Organisation enrichment -------------------------------------------------------------------


def org_purchase(record: dict[str, Any], add_ons: list[str], label: str) -> Purchase:
    """One organisation: its id (wins when both are given), else its LinkedIn URL."""
    body = org_of(record, label)
    for add_on in add_ons:
        body[ADD_ONS[add_on]] = True
    key = f"{organisation_named(body)}|{'+'.join(sorted(add_ons))}"
    return Purchase(key, body, record)


def org_of(record: dict[str, Any], label: str) -> dict[str, Any]:
    """How a body names a row's organisation: its id (wins when both are given), else its
    LinkedIn URL; an id a spreadsheet damaged is never sent."""
    # Not a CRM's own `Id` (a Salesforce record id is no organisation's), nor a person's
    # profile in a people file's linkedinUrl.
    org_id = column(record, "organisationId", "orgId")
    url = column(record, "orgLinkedinUrl", "organisationLinkedinUrl", "companyLinkedinUrl")
    page = column(record, "linkedinUrl")
    if not url and isinstance(page, str) and "/company/" in page.lower():
        url = page
    if isinstance(org_id, str) and "linkedin.com/" in org_id.lower():
        if "/company/" not in org_id.lower():  # a person's profile on a line of its own
            raise ValidationError(label, f"{org_id.strip()!r} is no company's LinkedIn page "
                                         "(https://www.linkedin.com/company/NAME/)")  # fmt: skip
        org_id, url = None, url or org_id  # a company page on a line of its own
    elif isinstance(org_id, str) and _DOMAIN_LIKE.match(org_id.strip()):
        domain = org_id.strip()
        raise ValidationError(label, f"{domain!r} is a domain, not an organisation id; find "
                                     f"its id with `clodura orgs --domain {domain}`")  # fmt: skip
    body: dict[str, Any] = {}
    damage = None if org_id is None else damaged_id(org_id)
    if damage is not None and not url:
        raise ValidationError(label, f"organisation id {org_id} is {damage}: a spreadsheet "
                                     "damaged it, and the row has no orgLinkedinUrl")  # fmt: skip
    if org_id is not None and str(org_id).strip() and damage is None:
        body["organisationId"] = str(org_id).strip()
    elif url:
        body["orgLinkedinUrl"] = normal_company_url(str(url))
    else:
        raise ValidationError(label, "has no organisationId or orgLinkedinUrl")
    _refuse_halves(label, body)
    return body


def organisation_named(body: dict[str, Any]) -> str:
    """The organisation a body asks about, as its ledger key names it: its id, else its
    LinkedIn URL (as sent: one spelling however the user wrote it)."""
    url = body.get("orgLinkedinUrl")
    return body.get("organisationId") or (url if isinstance(url, str) else "none")


def read_org(status: int, payload: Any, body: dict[str, Any]) -> Reading:
    """An organisation (the answer's content, or the object it holds under ``organisation``
    or ``company``), not found (0 credits), or unread."""
    opened = _opened(payload, body, "organisation not found", "no organisation in the answer")
    if isinstance(opened, Reading):
        return opened
    data, credits = opened
    org = next((part for part in (data, column(data, "organisation", "company"))
                if isinstance(part, dict) and column(part, "organisationId", "organisationName",
                                                     "name", "domain")), None)  # fmt: skip
    if org is None:
        if _says_not_found(data):
            return Reading("no_match", None, credits or 0.0, message="organisation not found")
        return _unread("no organisation in the answer")
    named = column(org, "organisationId", "orgId", "id")
    asked = body.get("organisationId")
    if asked and named is not None and str(named) != asked:
        return _unread(f"it describes organisation {named}, not {asked}")
    another = None if asked else _another_company(org, body)
    if another is not None:
        return _unread(another)
    return Reading("completed", org, org_worst(body) if credits is None else credits)


def org_worst(body: dict[str, Any]) -> float:
    return 1.0 + sum(1 for flag in ADD_ONS.values() if body.get(flag))


#: Enrich Company's fields, as the documentation names them.
COMPANY_FIELDS = ("organisationId", "organisationName", "domain", "linkedinUrl", "foundedYear",
                  "industry", "employeeSize", "revenue", "hqAddress", "phone", "website",
                  "technographics", "acquisitions", "funding")  # fmt: skip


def org_row(record: dict[str, Any], result: Any) -> dict[str, Any]:
    """The input row with the organisation's fields. In a person's row (a people file) a
    field the row holds otherwise (the person's own linkedinUrl) keeps it: the organisation's
    goes beside it as organisationLinkedinUrl, never over it."""
    data = documented(result if isinstance(result, dict) else {}, COMPANY_FIELDS, "organisationId")
    row = dict(record)
    persons = any(row.get(key) for key in ("personId", "firstName", "lastName"))
    for key, value in data.items():
        held = row.get(key)
        own = key in _A_PERSONS_OWN  # the switchboard is never the person's phone
        kept = held in (None, "", []) or held == value
        if not persons or (kept and not own) or key.startswith("organi"):
            row[key] = value
        else:
            row[f"organisation{key[:1].upper()}{key[1:]}"] = value
    return row


#: Fields a person's row holds of the person: an organisation's go beside them, never in them.
_A_PERSONS_OWN = frozenset({"phone", "phones", "email", "linkedinUrl"})


def documented(data: dict[str, Any], names: tuple[str, ...], id_name: str) -> dict[str, Any]:
    """An answer's object with each field ``names`` spells otherwise under its documented name
    (``organization_name``, ``organizationName``: ``organisationName``) and a bare ``id`` as
    ``id_name``; other fields as they are, and a documented spelling given too wins."""
    spelled = {column_key(name): name for name in names}
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = spelled.get(column_key(str(key)), key)
        out[key if name != key and name in data else name] = value
    if id_name not in out and "id" in out:
        out[id_name] = out.pop("id")
    return out


ENRICH_ORG = PaidEndpoint("enrich-org", spec.ENRICH_ORG_PATH, org_worst, read_org)


# 10. Company news -----------------------------------------------------------------------------


def news_body(org: dict[str, Any], since: str, until: str, categories: list[str],
              keywords: list[str], title: str | None, page: int) -> dict[str, Any]:  # fmt: skip
    body: dict[str, Any] = {**org, "publishedSince": since, "publishedUntil": until}
    if title:
        body["articleTitle"] = title
    if categories:
        body["category"] = categories
    if keywords:
        body["keywords"] = keywords
    body["page"] = page
    return body


def news_purchase(body: dict[str, Any]) -> Purchase:
    """One news request, keyed by everything that changes its answer: the organisation, the
    window, the filters, the page (1 when not sent, as the API defaults) and any other field a
    body sent through `clodura api` carries (``perPage``)."""
    _refuse_halves("news", body)
    parts = [organisation_named(body), body["publishedSince"], body["publishedUntil"],
             ",".join(sorted(body.get("category", []))),
             ",".join(sorted(k.lower() for k in body.get("keywords", []))),
             body.get("articleTitle") or "", str(body.get("page", 1))]  # fmt: skip
    known = {"organisationId", "orgLinkedinUrl", "publishedSince", "publishedUntil", "category",
             "keywords", "articleTitle", "page"}  # fmt: skip
    others = {k: v for k, v in body.items() if k not in known}
    if others:
        import json

        parts.append(json.dumps(others, sort_keys=True))
    return Purchase("|".join(parts), body, {})


#: Where a news answer may hold its articles.
_ARTICLE_LISTS = ("articles", "news", "data", "results", "items")


def read_news(status: int, payload: Any, body: dict[str, Any]) -> Reading:
    """A page of articles (2 credits, even empty), or unread. The articles, the organisation
    and the number of pages are read wherever the answer's objects (not its lists) hold
    them: at the top, or in envelopes (``data``) and parts (``pagination``)."""
    if isinstance(payload, list):
        payload = {"articles": payload}
    if not isinstance(payload, dict):
        return _unread("no articles in the answer")
    parts = _objects(payload)
    named = _first(parts, ("organisationId", "orgId"), lambda v: isinstance(v, (str, int)))
    asked = body.get("organisationId")
    if asked and named is not None and str(named) != asked:
        return _unread(f"it holds news of {named}, not {asked}")
    url = _first(parts, ("orgLinkedinUrl", "linkedinUrl"), lambda v: isinstance(v, str))
    another = None if asked else _another_company({"url": url}, body)
    if another is not None:
        return _unread(another)
    articles = next((part[key] for part in parts for key in _ARTICLE_LISTS
                     if isinstance(part.get(key), list)), None)  # fmt: skip
    if articles is None and says_nothing_found(payload, body):
        articles = []  # "No news found": a page of none, paid for as any page
    if articles is None:
        return _unread("no articles in the answer")
    expected = asked or (None if named is None else str(named))
    for article in (a for a in articles if isinstance(a, dict)):
        # Each article may say whose it is: one of another organisation is not this one's news.
        of = column(article, "organisationId", "orgId")
        if of is not None and expected and str(of) != expected:
            return _unread(f"it holds an article of {of}, not of {expected}")
        page = column(article, "orgLinkedinUrl")
        another = None if asked else _another_company({"url": page}, body)
        if another is not None:
            return _unread(another)
    pages = _whole(_first(parts, ("totalPages", "pages"), lambda v: _whole(v) is not None))
    result = {"articles": articles,
              "totalPages": pages,
              "organisationId": None if named is None and not asked else str(named or asked),
              "orgLinkedinUrl": url or body.get("orgLinkedinUrl")}  # fmt: skip
    credits = _stated_cost(payload, parts)  # None (two different amounts): the price
    return Reading("completed", result, NEWS_PRICE if credits is None else credits)


def _objects(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """An answer's objects, outermost first, without looking into its lists."""
    found: list[dict[str, Any]] = []
    queue: list[Any] = [payload]
    while queue and len(found) < 50:
        part = queue.pop(0)
        found.append(part)
        queue += [value for value in part.values() if isinstance(value, dict)]
    return found


def news_worst(body: dict[str, Any]) -> float:
    return NEWS_PRICE


def news_rows(result: Any) -> list[dict[str, Any]]:
    """One row per article, with the organisation's id and LinkedIn URL on each; its fields
    in the order a reader wants them (a narrow table keeps the first: when, the headline)."""
    data = result if isinstance(result, dict) else {}
    lead = {"organisationId": data.get("organisationId"),
            "orgLinkedinUrl": data.get("orgLinkedinUrl")}  # fmt: skip
    rows = []
    for article in data.get("articles") or []:
        if not isinstance(article, dict):
            rows.append({**lead, "article": article})
            continue
        fields = {**lead, **documented(article, ARTICLE_FIELDS, "articleId")}
        first = {name: fields.pop(name) for name in _ARTICLE_ORDER if name in fields}
        rows.append({**first, **fields})
    return rows


#: The fields a news row starts with, in order; the others follow as the answer has them.
_ARTICLE_ORDER = ("publishedAt", "title", "category", "source", "organisationId", "summary",
                  "url", "articleId", "orgLinkedinUrl")  # fmt: skip
#: An article's fields in a news row, as the rows name them.
ARTICLE_FIELDS = ("organisationId", "orgLinkedinUrl", "articleId", "title", "url", "publishedAt",
                  "category", "source", "summary")  # fmt: skip


NEWS = PaidEndpoint("news", spec.ORG_NEWS_PATH, news_worst, read_news)

#: Every paid endpoint, by its path: what `clodura api` sends through the ledger.
BY_PATH = {e.path: e for e in (VERIFY, ENRICH_PERSON, ENRICH_ORG, NEWS)}


BY_NAME = {e.name: e for e in BY_PATH.values()}
#: The items whose kept answer a newer reader may read otherwise: not those the API refused,
#: never sent, or answered with an error.
_REREAD = ("completed", "no_match", "unread", "pending")


def reparse_items(items: PaidItems) -> tuple[int, list[tuple[Item, str]]]:
    """Read every kept answer of a verification, enrichment or news request again with this
    version's readers and record what it recovers (an answer an older version could not
    read); returns how many items changed, and the delivered ones this version would not
    deliver, with why (an answer it reads as about someone else), left as they are: a result
    the user has is never taken back by a reader's doubt. The answers are kept as they are."""
    from clodura_cli.api.answers import error_envelope
    from clodura_cli.api.parsing import first_value

    changed, doubted = 0, []
    for item in items.listed():
        endpoint = BY_NAME.get(item.endpoint)
        status = (item.headers or {}).get(":status", "200")
        if endpoint is None or item.answer is None or item.status not in _REREAD:
            continue
        if not status.isdigit() or not 200 <= int(status) < 300:
            continue
        try:
            payload = first_value(item.answer)
        except (ValueError, RecursionError):
            continue
        if error_envelope(payload, item.body) is not None:
            continue
        reading = endpoint.read(int(status), payload, item.body)
        if (reading.status, reading.result) == (item.status, item.result):
            continue
        if item.status in ("completed", "no_match") and reading.status not in (
            "completed", "no_match"
        ):  # fmt: skip
            doubted.append((item, _reason(reading)))
            continue
        items.answered(
            item.id, reading.status, result=reading.result, credits=reading.credits,
            document_id=reading.document_id, message=reading.message,
        )  # fmt: skip
        changed += 1
    return changed, doubted


def items_named(items: PaidItems, reference: str) -> list[Item]:
    """The items a reference names: an email, a LinkedIn URL, an organisation id, or a whole
    ledger key, as `track --raw` takes them."""
    wanted = {reference.strip().casefold()}
    url = normal_linkedin(reference)
    if url and "linkedin.com" in url:
        wanted.add(url.casefold())
    found = []
    for item in items.listed():
        key = item.key
        names = {key, key.split(":", 1)[-1], key.split("|", 1)[0]}
        if wanted & {name.casefold() for name in names}:
            found.append(item)
    return found


def purchase_for_body(endpoint: PaidEndpoint, body: dict[str, Any]) -> Purchase:
    """A body sent as it is (by `clodura api`), keyed as its command would key it, so that
    the command and `api` answer for each other; a body no command would send is keyed by
    itself."""
    import json

    if any(isinstance(url := body.get(name), str) and normal_linkedin(url) != url
           for name in ("linkedinUrl", "orgLinkedinUrl")):  # fmt: skip
        # Sent in a spelling no command sends: what it finds (or not) is for that spelling.
        return Purchase("body:" + json.dumps(body, sort_keys=True), body, {})
    try:
        if endpoint is VERIFY:
            made = verify_purchase(body, bool(body.get("deepVerification")), None)
        elif endpoint is ENRICH_PERSON:
            made = person_purchase(body, "body")
        elif endpoint is ENRICH_ORG:
            add_ons = [name for name, flag in ADD_ONS.items() if body.get(flag)]
            made = org_purchase(body, add_ons, "body")
        else:
            made = news_purchase(body)
    except (ValidationError, KeyError):
        return Purchase("body:" + json.dumps(body, sort_keys=True), body, {})
    return Purchase(made.key, body, made.record)
