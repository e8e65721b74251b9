"""Every API fault, for every command, over loopback: retries, exit code, one clear line.

The command runs in-process (so retry delays can be shrunk) against `clodura sandbox serve`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import Run, Server, error_line, loopback, run_cli

from clodura_cli.sandbox.data import build_dataset

pytestmark = pytest.mark.loopback

KEY = "sandbox-multi"
HOOK = "https://hooks.example.com/clodura"
PEOPLE = [p.record["personId"] for p in build_dataset().people[2000:2200]]


@pytest.fixture
def api(server: Server, monkeypatch: pytest.MonkeyPatch) -> Server:
    return server.point(monkeypatch, KEY, CLODURA_MAX_RETRIES="2")


#: The timeout of the rows that make the server hold an answer past it: short, so they end
#: soon, yet long enough for the retry's answer on a busy machine. Other rows keep the default.
SHORT_TIMEOUT = "1.0"


_next_person = iter(PEOPLE)


def command_args(name: str, server: Server) -> tuple[list[str], str]:
    """The command line for a command under test, and the endpoint it calls."""
    if name == "search":
        return ["search", "--title", "cto", "--per-page", "5"], "search"
    if name == "search --all":
        return ["search", "--seniority", "Chairman", "--all", "--concurrency", "1"], "search"
    if name == "reveal":
        return ["reveal", "email", next(_next_person), "--webhook-url", HOOK], "email"
    if name == "track":
        answer = loopback.post(
            f"{server.url}/api/v1/search/people/phone/match",
            json={"personId": next(_next_person)},
            headers={"X-API-KEY": KEY},
        )
        server.clear_log()
        return ["track", answer.json()["trackingId"]], "track"
    return ["credits", "-f", "json"], "credits"


COMMANDS = ["search", "search --all", "reveal", "track", "credits"]

# fault, scripted times, faults settings, (exit, attempts) for idempotent calls, for reveals, fragment
ROWS: list[tuple[str, int, dict[str, Any], tuple[int, int], tuple[int, int], str]] = [
    ("429", 1, {"retry_after": 0}, (0, 2), (0, 2), ""),
    ("429", 1, {"omit_retry_after": True}, (0, 2), (0, 2), ""),
    ("429", 9, {"retry_after": 3600}, (5, 1), (5, 1), "the API asks to wait 3600s"),
    ("500", 1, {}, (0, 2), (7, 1), "HTTP 500"),
    ("502", 1, {}, (0, 2), (7, 1), "HTTP 502"),
    ("503", 1, {}, (0, 2), (7, 1), "HTTP 503"),
    ("503", 9, {}, (7, 3), (7, 1), "HTTP 503"),
    ("drop", 1, {}, (0, 2), (7, 1), "connection failed"),
    ("drop", 9, {}, (7, 3), (7, 1), "connection failed"),
    ("timeout", 1, {"timeout_delay": 5.0}, (0, 2), (7, 1), "timed out"),
    ("html200", 1, {}, (0, 2), (7, 1), "not valid JSON (text/html"),
    ("html", 1, {}, (0, 2), (7, 1), "502 Bad Gateway"),
    ("html", 9, {}, (7, 3), (7, 1), "502 Bad Gateway"),
    ("truncate", 1, {}, (0, 2), (7, 1), "not valid JSON"),
    ("truncate", 9, {}, (7, 3), (7, 1), "not valid JSON"),
    ("empty", 1, {}, (0, 2), (7, 1), "empty response body"),
    ("wrongtype", 1, {}, (0, 2), (7, 1), "not valid JSON (text/plain"),
    # A well-formed answer of the wrong shape will not change on a retry: it fails at once.
    ("object", 9, {}, (7, 1), (7, 1), ""),
]

OBJECT_MESSAGES = {
    "search": "expected a list of people, got an object",
    "search --all": "expected a list of people, got an object",
    "track": "answer not understood: no status and no result (keys: items, unexpected)",
    "reveal": "answer not understood: no tracking id (trackingId, tracking_id, id, jobId, requestId) and no status and no result",
}


def one_error_line(result: Run) -> str | None:
    return error_line(result.stderr, required=False)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("fault", "times", "settings", "idempotent", "revealing", "fragment"),
    ROWS,
    ids=[f"{r[0]}x{r[1]}{'-' + next(iter(r[2])) if r[2] else ''}" for r in ROWS],
)
def test_fault_matrix(
    api: Server,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    fault: str,
    times: int,
    settings: dict[str, Any],
    idempotent: tuple[int, int],
    revealing: tuple[int, int],
    fragment: str,
) -> None:
    args, endpoint = command_args(command, api)
    if fault == "timeout":
        monkeypatch.setenv("CLODURA_TIMEOUT", SHORT_TIMEOUT)
    api.set_faults(script=[f"{fault}:{times}@{endpoint}"], **settings)
    result = run_cli(*args)
    expected_exit, attempts = revealing if command == "reveal" else idempotent
    if fault == "object" and command == "credits":
        expected_exit, attempts = 0, 1  # an object is a credits answer: shown as the API sent it
    if fault == "empty" and command == "track":
        expected_exit, attempts = 0, 1  # an empty answer while pending: still pending, no retry
    if fault == "empty" and command == "reveal":
        fragment = "no tracking id"  # an empty submission answer: kept, the job is unknown
    calls = [e for e in api.log() if e["endpoint"] == endpoint]
    if command == "search --all":
        # The first page takes the fault; how many pages follow depends on the data.
        calls = [e for e in calls if e["body"]["page"] == 1]
    line = one_error_line(result)
    assert result.exit_code == expected_exit, result.stderr
    if expected_exit == 0:
        assert line is None
        assert len(calls) == attempts
        if fault != "object" and attempts > 1:
            assert "retry:" in result.stderr
    else:
        assert len(calls) == attempts
        assert line is not None
        if fault == "object":
            assert OBJECT_MESSAGES[command] in line
        else:
            assert fragment in line
        assert "(" in line  # what to do comes in parentheses, or the reveal's own advice
    if command == "reveal":
        # The person was submitted once, whatever happened, and is in the ledger.
        people = [c["body"]["personId"] for c in calls if c["status"] != 429]
        assert len(set(people)) <= 1 and len(people) <= 1


def test_a_failing_page_of_an_all_export_keeps_jsonl_but_no_half_json(
    api: Server, tmp_path: Path
) -> None:
    args = [
        "search",
        "--seniority",
        "Manager",
        "--all",
        "--concurrency",
        "1",
        "--fields",
        "personId",
    ]
    api.set_faults(script=["400:1@search+2"])
    as_jsonl = run_cli(*args, "-f", "jsonl")
    assert as_jsonl.exit_code == 6
    assert "error: page 3 (records 201-300): HTTP 400" in as_jsonl.stderr
    assert len(as_jsonl.stdout.splitlines()) == 200
    api.set_faults(script=["400:1@search+2"])
    as_json = run_cli(*args, "-f", "json")
    assert as_json.exit_code == 6 and as_json.stdout == ""
    api.set_faults(script=["400:1@search+2"])
    target = tmp_path / "managers.csv"
    to_file = run_cli(*args, "-o", str(target))
    assert to_file.exit_code == 6
    assert not target.exists() and not list(tmp_path.glob(".managers*"))
