"""Checks on URLs the tool sends to: the API base URL and webhook URLs."""

import ipaddress
from typing import NamedTuple
from urllib.parse import unquote, urlsplit, urlunsplit

from clodura_cli.api import spec
from clodura_cli.api.errors import InsecureTransportError, UsageError
from clodura_cli.base.text import has_controls, pattern, quoted

DEFAULT_BASE_URL = "https://api.clodura.ai"
#: Longer base URLs than this are refused: no real one is near it.
MAX_URL_LENGTH = 2048


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and literal loopback addresses, where plain http never leaves the
    machine. Other names (``foo.localhost``) are not trusted: they resolve as DNS says."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host(url: str) -> tuple[str, str]:
    try:
        parts = urlsplit(url.strip())
        return parts.scheme.lower(), parts.hostname or ""
    except ValueError:
        return "", ""


def check_base_url(base_url: str) -> str:
    """The base URL, parsed once: scheme and host in lower case (every later decision, such as
    "plain http never goes through a proxy", reads this form), without a trailing slash, a
    query or the API's own `/api/v1` (every path adds it); plain http only to loopback."""
    if len(base_url) > MAX_URL_LENGTH or has_controls(base_url):
        raise UsageError(
            f"base URL {quoted(base_url)} is not an http(s) URL (too long, or it holds control "
            f"characters); use e.g. {DEFAULT_BASE_URL}"
        )
    scheme, host = _host(base_url)
    if scheme not in ("http", "https") or not host:
        raise UsageError(
            f"base URL {quoted(base_url)} is not an http(s) URL; use e.g. {DEFAULT_BASE_URL}"
        )
    if scheme == "http" and not is_loopback(host):
        raise InsecureTransportError(
            f"base URL {quoted(base_url)} uses plain http; the API key is only sent over https "
            "(or http to a loopback address such as 127.0.0.1)"
        )
    parts = urlsplit(base_url.strip())
    netloc = parts.netloc
    if "@" in netloc:
        raise UsageError(f"base URL {quoted(base_url)}: give no user or password in it")
    path = parts.path.rstrip("/")
    if path.lower().endswith("/api/v1"):
        path = path[: -len("/api/v1")]
    return urlunsplit((scheme, netloc.lower(), path, "", ""))


def check_webhook_url(url: str) -> str:
    """A webhook URL the API may post results to: https, or http only to loopback; never one
    with spaces or control characters (a CR/LF would forge a header of the request)."""
    scheme, host = _host(url)
    clean = not has_controls(url) and not any(ch.isspace() for ch in url)
    if clean and host and (scheme == "https" or (scheme == "http" and is_loopback(host))):
        return url
    raise UsageError(
        f"--webhook-url: {quoted(url)} must be an https:// URL (http only to loopback), "
        "without spaces or control characters"
    )


class ApiPath(NamedTuple):
    """A path given to `clodura api`, as it will be sent and as the API will route it."""

    #: The path sent: under /api/v1, dot segments resolved, no fragment.
    path: str
    #: The query string as given (sent as is).
    query: str
    #: The path as a server routes it: percent-decoded, lower case, single slashes; what
    #: decides whether a request spends credits.
    canonical: str

    def ends_with(self, tail: str) -> bool:
        """True when the routed path ends in ``tail`` (e.g. ``email/match``)."""
        return self.canonical.endswith("/" + tail.strip("/").lower())


_SLASHES = pattern(r"/{2,}")


def api_path(text: str) -> ApiPath:
    """``/api/v1/...`` as given, or a path relative to it (``credits`` -> ``/api/v1/credits``),
    normalised the way the HTTP stack sends it and the server reads it. A path whose ``..``
    would leave /api/v1 is refused."""
    raw = text.strip()
    if not raw or any(ch.isspace() for ch in raw) or "://" in raw or has_controls(raw):
        raise UsageError(
            f"api: {quoted(text)} is not an API path; give e.g. credits or /api/v1/credits"
        )
    raw = raw.split("#", 1)[0]  # a fragment is never sent
    path_part, _, query = raw.partition("?")
    prefix = spec.API_PREFIX.strip("/")
    stripped = path_part.lstrip("/")
    if not (stripped.lower() + "/").startswith(prefix + "/"):
        stripped = f"{prefix}/{stripped}"
    segments: list[str] = []
    for segment in stripped.split("/"):
        # `..;x` is `..` to servers that drop ;params (Tomcat): it leaves its folder too.
        word = unquote(segment)
        if word.split(";", 1)[0] == "..":
            word = ".."
        if word in ("", "."):
            continue
        if word == "..":
            if len(segments) <= len(prefix.split("/")):
                raise UsageError(
                    f"api: {quoted(text)} leaves {spec.API_PREFIX}; give a path under it"
                )
            segments.pop()
            continue
        segments.append(segment)
    path = "/" + "/".join(segments)
    if has_controls(unquote(path)):  # %00 and the like: no server reads them alike
        raise UsageError(f"api: {quoted(text)} holds a control character; give a plain path")
    # As servers read a path, for telling which endpoint it is (a reveal goes through the
    # ledger): `;params` dropped from each segment (Tomcat, Spring), trailing dots and spaces
    # too (IIS). `email/match;x` was sent around the ledger and paid for again.
    words = (word.split(";", 1)[0].rstrip(". ") for word in unquote(path).lower().split("/"))
    canonical = _SLASHES.sub("/", "/".join(words)).rstrip("/")
    return ApiPath(path, query, canonical)


def account_id(base_url: str, api_key: str) -> str:
    """Which account a job belongs to, without storing the key: the URL and a short key hash."""
    from clodura_cli.base.digest import sha256_hex

    digest = sha256_hex(api_key.encode())[:16]
    return f"{base_url}#{digest}"
