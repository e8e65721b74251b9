"""base.digest gives hashlib's SHA-256 digests, with or without CPython's own module."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

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


def test_a_sandbox_search_loads_no_openssl_hashes(tmp_path: Path) -> None:
    """The point of the module: a sandbox search (account id, data set, answer) never imports
    hashlib. Run in a fresh interpreter, as a user's start."""
    import os
    import subprocess

    env = {**os.environ, "CLODURA_CONFIG_DIR": str(tmp_path / "c"),
           "CLODURA_CACHE_DIR": str(tmp_path / "k"), "CLODURA_DATA_DIR": str(tmp_path / "d"),
           "CLODURA_SEARCH_CACHE_TTL": "0"}  # fmt: skip
    code = (
        "import sys\n"
        "sys.argv = ['clodura', 'search', '--sandbox', '--title', 'CEO', '-f', 'jsonl']\n"
        "from clodura_cli.cli.entry import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('hashlib loaded: %s' % ('hashlib' in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert done.stdout.count("\n") == 25, done.stderr  # a page of the default size
    assert done.stderr.endswith("hashlib loaded: False"), done.stderr
