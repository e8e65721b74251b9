"""base.digest gives hashlib's SHA-256 digests, with or without CPython's own module."""

from __future__ import annotations

import hashlib
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clodura_cli.base import digest


@given(st.binary(max_size=300))
def test_the_digest_is_hashlibs(data: bytes) -> None:
    assert digest.sha256_hex(data) == hashlib.sha256(data).hexdigest()


def test_without_the_built_in_module_hashlib_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in ("_sha256", "_sha2"):
        monkeypatch.setitem(sys.modules, module, None)  # import raises ImportError
    digest._constructor.cache_clear()  # found once a process: find it again without them
    try:
        assert digest._constructor() is hashlib.sha256
        assert digest.sha256_hex(b"abc") == hashlib.sha256(b"abc").hexdigest()
    finally:
        digest._constructor.cache_clear()


def test_stable_numbers_are_the_first_eight_bytes_of_the_joined_parts() -> None:
    expected = int.from_bytes(hashlib.sha256(b"a|b").digest()[:8], "big")
    assert digest.stable_number("a", "b") == expected
    assert digest.stable_number("a", "b") != digest.stable_number("b", "a")
