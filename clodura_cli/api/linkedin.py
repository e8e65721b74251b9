"""One spelling for every LinkedIn URL: what is sent to the API, and what the ledger, answers
and suppression lists tell people and companies apart by.

People and spreadsheets write one profile many ways: capitals, http or https, www., m. or a
country's subdomain, a query or fragment, a trailing slash or none, percent-escapes (%2D for
a hyphen, %C3%B6 for ö, or the letter itself, composed or not), a language segment after the
name (/in/ann-lee/de/). Each of these is one profile. The canonical form is lower case on
https://www.linkedin.com, without query, fragment or language segment, with a trailing
slash; a character a path segment may not hold as it is (ö) is percent-escaped from UTF-8, as
LinkedIn's own links carry it, and any other is not (%2D is -). A member URN (/in/ACoAAB1x...)
is sent in the case it was written in, and compared in lower case. Because this one form is
sent, an answer (found or not) is the answer to every spelling of it.
"""

from __future__ import annotations

import re
import unicodedata

_HOST = re.compile(r"^(?:https?://)?(?:[a-z0-9-]+\.)?linkedin\.com(?=/|$)")
#: A language segment after a profile's name: /in/ann-lee/de, /in/ann-lee/pt-br.
_LANGUAGE = re.compile(r"^[a-z]{2}(?:[-_][a-z]{2})?$")
#: A URL already in the canonical spelling, and one that ends in a language segment.
_CANONICAL = re.compile(r"^https://www\.linkedin\.com/(?:[a-z0-9\-._~!$&'()*+,;=:@]+/)*\Z")
_WITH_LANGUAGE = re.compile(r"^https://www\.linkedin\.com/in/[^/]+/[a-z]{2}(?:[-_][a-z]{2})?/\Z")
#: What a path segment keeps unescaped: RFC 3986's characters allowed in one but "/".
_PATH_SAFE = "-._~!$&'()*+,;=:@"


def normal_linkedin(url: str | None, *, as_sent: bool = False) -> str | None:
    """The canonical form of a LinkedIn URL (see the module's text); None for nothing. A URL
    of another site is only trimmed and lower-cased. Each segment of the path is decoded on
    its own (an escaped / stays in its segment); escapes that are not UTF-8 (%F6, from
    another encoding) are kept as written, not guessed at. ``as_sent``: a member URN keeps
    the case it was written in (the API's to read); without, the URL as compared, all in
    lower case (a CRM that lower-cased a URN names the same member)."""
    if not url or not url.strip():
        return None
    if _CANONICAL.match(url) and not _WITH_LANGUAGE.match(url):
        return url  # most URLs, as sent and kept: nothing to decode, escape or fold
    written = url.strip().split("?")[0].split("#")[0]
    text = written.lower()
    site = _HOST.match(text)
    if not site:
        return text.rstrip("/") + "/"
    segments = [_segment(part) for part in text[site.end() :].split("/") if part]
    if len(segments) == 3 and segments[0] == "in" and _LANGUAGE.match(segments[2]):
        segments.pop()
    if (
        as_sent
        and len(segments) >= 2
        and segments[0] == "in"
        and _MEMBER_URN.fullmatch(segments[1])
    ):  # a member URN is case-sensitive (base64) to the API: sent as written
        segments[1] = [part for part in written[site.end() :].split("/") if part][1]
    return "https://www.linkedin.com/" + "".join(f"{part}/" for part in segments)


def _segment(text: str) -> str:
    """One segment of a path in its canonical spelling."""
    from urllib.parse import quote, unquote

    try:
        decoded = unicodedata.normalize("NFC", unquote(text, errors="strict")).lower()
        return quote(decoded, safe=_PATH_SAFE)
    except UnicodeDecodeError:
        return text
    except UnicodeEncodeError:  # half a character: kept, for the caller to refuse
        return decoded


#: Characters a pasted URL may carry that are no part of it: zero-width spaces and joiners,
#: a byte-order mark, and quotes or punctuation around it.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_AROUND = "\"'()[]<>.,;: \t"


def profile_slug(url: object) -> str | None:
    """The profile a LinkedIn URL names, as compared: the name after /in/ in the canonical
    spelling. None for anything else: a company page, a slug alone, a member URN
    (/in/ACoAA..., another name for a profile that is not compared with its vanity name)."""
    if not isinstance(url, str):
        return None
    text = url.translate(_INVISIBLE).strip(_AROUND)
    if "linkedin.com/in/" not in text.lower():
        return None
    canonical = normal_linkedin(text) or ""
    match = re.match(r"^https://www\.linkedin\.com/in/([^/]+)/", canonical)
    slug = match.group(1) if match else None
    if slug is None or _MEMBER_URN.fullmatch(slug):
        return None
    return slug


def member_urn(url: str) -> str | None:
    """The member URN a profile URL is written with (/in/ACoAAB1x2y3Z.../), as written: it is
    case-sensitive. None for a URL by a vanity name, or none at all."""
    text = url.translate(_INVISIBLE).strip(_AROUND)  # as pasted: <URL>, "URL", URL.
    found = re.search(rf"linkedin\.com/in/({_MEMBER_URN.pattern})(?=[/?#]|$)", text, re.I)
    return found.group(1) if found else None


#: A member URN in a profile URL (/in/ACoAAB1x2y3Z...): ACoAA, then base64url's letters,
#: digits, - and _.
_MEMBER_URN = re.compile(r"acoaa[a-z0-9_-]{10,}", re.IGNORECASE)
