"""Hypothesis drives the command line with random flags and values: it never crashes.

Every case must end with exit 0 or a documented error code (never 1, the code of a bug) and
without a traceback. `make test` runs 250 cases a command line, enough to catch a shape of
input that breaks; `make fuzz` runs 20,000 (CLODURA_FUZZ_EXAMPLES) to find the rare one.
"""

from __future__ import annotations

import json
import os

import pytest
from helpers import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clodura_cli.api import spec

EXAMPLES = int(os.environ.get("CLODURA_FUZZ_EXAMPLES", "250"))
pytestmark = pytest.mark.fuzz

DOCUMENTED = {0, 2, 3, 4, 5, 6, 7, 8, 9}

texts = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "-", "--", "=", "../x", "0", "-1", "101", "9" * 30, "null", "true"]),
    st.sampled_from([v for f in spec.SEARCH_FIELDS for v in f.choices]),
    st.sampled_from(["2024-01-31", "2024-02-30", "today", "-90d", "-0y", "acme.com", "www.x.io"]),
    st.sampled_from(["https://www.linkedin.com/in/x/", "linkedin.com/sales/x", "http://10.0.0.1"]),
)
search_flags = [f.flag.split("/")[0] for f in spec.SEARCH_FIELDS] + [
    "--exact-titles", "--limit", "--format", "--fields", "--per-page", "--concurrency",
    "--preset", "--filters", "--profile", "--rate", "--new-only", "--dry-run", "--raw-csv",
    "--bogus", "-f", "-o",
]  # fmt: skip
reveal_flags = [
    "--linkedin-url", "--first-name", "--last-name", "--domain", "--input", "--webhook-url",
    "--timeout", "--max-credits", "--refresh", "--partners", "--format", "--fields", "--yes",
    "--concurrency", "--rate",
]  # fmt: skip
BOOLEAN = {"--exact-titles", "--new-only", "--dry-run", "--raw-csv", "--refresh", "--partners",
           "--yes", "--exclude-location", "--all-offices", "--exclude-viewed", "--similar-titles"}  # fmt: skip


def arguments(flags: list[str]) -> st.SearchStrategy[list[str]]:
    def pair(flag: str) -> st.SearchStrategy[list[str]]:
        if flag in BOOLEAN:
            return st.just([flag])
        return texts.map(lambda value: [flag, value])

    return st.lists(st.sampled_from(flags).flatmap(pair), max_size=6).map(
        lambda parts: [token for part in parts for token in part]
    )


def output_path_safe(args: list[str], tmp: str) -> list[str]:
    """Keep -o and --input inside the test's folder; keep searches small and fast."""
    fixed = []
    for index, token in enumerate(args):
        previous = args[index - 1] if index else ""
        value = token
        if previous in ("-o", "--input", "--filters"):
            value = os.path.join(tmp, "f" + str(abs(hash(token)) % 1000) + ".csv")
        if previous == "--limit" and token.isdigit():
            value = str(min(int(token), 300))
        fixed.append(value)
    return fixed


def check(result: object) -> None:
    exit_code = result.exit_code  # type: ignore[attr-defined]
    stderr = result.stderr  # type: ignore[attr-defined]
    assert exit_code in DOCUMENTED, (exit_code, stderr)
    assert "Traceback" not in stderr


fuzz = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


@fuzz
@given(args=arguments(search_flags), sandbox=st.booleans())
def test_search_never_crashes(tmp_path_factory: object, args: list[str], sandbox: bool) -> None:
    tmp = str(tmp_path_factory.mktemp("fuzz"))  # type: ignore[attr-defined]
    extra = ["--sandbox"] if sandbox else []
    check(run_cli("search", *extra, *output_path_safe(args, tmp)))


@fuzz
@given(kind=st.sampled_from(["email", "phone"]), ids=st.lists(texts, max_size=3),
       args=arguments(reveal_flags), mode=st.sampled_from(["--dry-run", "--no-wait"]))  # fmt: skip
def test_reveal_never_crashes(
    tmp_path_factory: object, kind: str, ids: list[str], args: list[str], mode: str
) -> None:
    tmp = str(tmp_path_factory.mktemp("fuzz"))  # type: ignore[attr-defined]
    safe_ids = [i for i in ids if not i.startswith("-")]
    check(
        run_cli(
            "reveal", kind, "--sandbox", mode, *safe_ids, *output_path_safe(args, tmp), input=""
        )
    )


@fuzz
@given(
    command=st.sampled_from(["save", "show", "list", "delete", "path"]),
    name=texts,
    args=arguments([*search_flags[:20], "--force", "--description", "--resolve"]),
)
def test_preset_never_crashes(command: str, name: str, args: list[str]) -> None:
    if name.startswith("-"):
        name = "x" + name
    check(run_cli("preset", command, *([name] if command not in ("list", "path") else []), *args))


@fuzz
@given(
    command=st.sampled_from(["get", "set", "unset", "list", "path"]),
    name=st.one_of(st.sampled_from(["format", "per-page", "base-url", "webhook-url", "timeout",
                                    "concurrency", "max-retries", "rate"]), texts),
    value=texts,
    profile=st.one_of(st.none(), texts),
)  # fmt: skip
def test_config_never_crashes(command: str, name: str, value: str, profile: str | None) -> None:
    args = {"get": [name], "set": [name, value], "unset": [name]}.get(command, [])
    extra = ["--profile", profile] if profile and not profile.startswith("-") else []
    # "--" ends the options, so a value such as "-1" reaches the command as a value.
    check(run_cli("config", command, *extra, "--", *args))


# Hostile answers: bodies of any depth, size, encoding and content, through the client and
# the table. Every one is read, or refused with a CloduraError; nothing else escapes.

_text_values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["\x1b]52;c;eA==\x07", "\x1b[2J", "\u202eevil", "a\nb\rc", "\x00", "=1+1"]),
    st.integers(),
    st.none(),
    st.lists(st.text(max_size=5), max_size=3),
)
_records = st.dictionaries(
    st.sampled_from(["personId", "firstName", "lastName", "personTitle", "personCity", "x"]),
    _text_values,
    max_size=6,
)


def _nested(depth: int, opener: bytes) -> bytes:
    return opener * depth


_bodies = st.one_of(
    st.binary(max_size=2000),
    st.builds(_nested, st.integers(1, 200_000), st.sampled_from([b"[", b'{"a":', b"[{"])),
    st.lists(_records, max_size=5).map(lambda rows: json.dumps({"people": rows}).encode()),
    st.lists(_records, max_size=5).map(lambda rows: json.dumps(rows).encode("utf-16")),
    st.text(max_size=300).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.sampled_from(
        [b"", b"null", b"{}", b"[]", b'"x"', b"1e999999", b"[1]" * 3, b"\xef\xbb\xbf[]"]
    ),
)


@settings(
    max_examples=min(EXAMPLES, 300),
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    status=st.sampled_from([200, 200, 200, 400, 404, 429, 500]),
    body=_bodies,
    content_type=st.sampled_from(["application/json", "text/html", "", "application/json; charset=utf-16"]),
    gzipped=st.booleans(),
)  # fmt: skip
def test_any_answer_is_read_or_refused_never_a_crash(
    status: int, body: bytes, content_type: str, gzipped: bool
) -> None:
    import gzip
    import io

    import httpx

    from clodura_cli.api.client import CloduraClient
    from clodura_cli.api.errors import CloduraError
    from clodura_cli.api.retry import RetryPolicy
    from clodura_cli.cli.table import render_table

    headers = {"Content-Type": content_type}
    if gzipped:
        headers["Content-Encoding"] = "gzip"
        body = gzip.compress(body) if len(body) % 2 else body  # half of them not really gzip

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=headers, content=body)

    client = CloduraClient(
        "k-fuzz-0123456789",
        "https://api.example.test",
        transport=httpx.MockTransport(answer),
        retry=RetryPolicy(max_retries=0),
    )
    try:
        rows = client.search_people({"page": 1, "perPage": 10})
    except CloduraError:
        return
    finally:
        client.close()
    stream = io.StringIO()
    render_table(rows, None, stream, to_terminal=False)
    assert "\x1b" not in stream.getvalue() and "\u202e" not in stream.getvalue()


@settings(
    max_examples=min(EXAMPLES, 100),
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.binary(max_size=3000), kind=st.sampled_from(["email", "phone"]))  # fmt: skip
def test_random_bytes_as_input_never_crash(
    tmp_path_factory: object, data: bytes, kind: str
) -> None:
    path = os.path.join(str(tmp_path_factory.mktemp("fuzz")), "input")  # type: ignore[attr-defined]
    with open(path, "wb") as stream:
        stream.write(data)
    check(run_cli("reveal", kind, "--sandbox", "--dry-run", "--input", path))
