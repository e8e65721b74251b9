"""Checks on URLs the tool sends to: the API base URL and webhook URLs."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from clodura_cli.api.errors import InsecureTransportError, UsageError
from clodura_cli.base.text import quoted

DEFAULT_BASE_URL = "https://api.clodura.ai"


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
    """The base URL without a trailing slash or the API's own `/api/v1` (every path adds it);
    refuses plain http except to loopback."""
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
    cleaned = base_url.strip().rstrip("/")
    if cleaned.lower().endswith("/api/v1"):
        cleaned = cleaned[: -len("/api/v1")]
    return cleaned


def check_webhook_url(url: str) -> str:
    """A webhook URL the API may post results to: https, or http only to loopback."""
    scheme, host = _host(url)
    if host and (scheme == "https" or (scheme == "http" and is_loopback(host))):
        return url
    raise UsageError(
        f"--webhook-url: {quoted(url)} must be an https:// URL (http only to loopback)"
    )
