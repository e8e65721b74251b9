"""SHA-256 without loading OpenSSL's hashes: the digests every start may need.

``import hashlib`` loads OpenSSL's library, about 5 ms of every start that computes an account
id, the help cache's key or the sandbox's stable choices. CPython's own SHA-256 module gives the
same digests and loads in half a millisecond; hashlib stays the fallback where an interpreter
lacks it. HMAC signatures keep using hmac and hashlib: only webhooks need them.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from hashlib import _Hash


@functools.cache  # found once: the sandbox derives thousands of stable numbers a run
def _constructor() -> Callable[[bytes], _Hash]:
    for module in ("_sha256", "_sha2"):  # CPython 3.10-3.11, then 3.12 and later
        try:
            return __import__(module).sha256  # type: ignore[no-any-return]
        except (ImportError, AttributeError):
            continue
    from hashlib import sha256

    return sha256


def sha256(data: bytes = b"") -> _Hash:
    """A SHA-256 hash object, as ``hashlib.sha256(data)``."""
    return _constructor()(data)


def sha256_hex(data: bytes) -> str:
    """The SHA-256 digest of ``data`` in hex."""
    return sha256(data).hexdigest()


def stable_number(*parts: str) -> int:
    """A 64-bit number derived from ``parts`` alone, the same in every run and on every machine."""
    return int.from_bytes(sha256("|".join(parts).encode()).digest()[:8], "big")
