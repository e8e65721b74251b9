"""The undocumented answers: every shape the real API may send is read, and nothing paid for
is lost (API contract, Part B2). A matrix over the emulator's dialects, then single answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli, sandbox_fails

from clodura_cli.api.answers import read_answer
from clodura_cli.sandbox.data import build_dataset
from clodura_cli.sandbox.dialects import DIALECTS
from clodura_cli.sandbox.keys import SANDBOX_KEYS
from clodura_cli.sandbox.reveal import job_outcome
from clodura_cli.sandbox.state import Job as SandboxJob
from clodura_cli.store.ledger import Ledger

KEY = "sandbox-multi"
HOOK = "https://hooks.example.com/h"
#: People the sandbox answers for both kinds (a failed reveal would end the run with exit 6).
PEOPLE = [
    p.record["personId"] for p in build_dataset().people[40:60]
    if not sandbox_fails(p.record["personId"], "email")
    and not sandbox_fails(p.record["personId"], "phone")
][:12]  # fmt: skip


def expected(kind: str) -> dict[str, Any]:
    """What the emulator decides for each person: the email, or the phone numbers."""
    family = SANDBOX_KEYS[KEY].family
    found: dict[str, Any] = {}
    for person_id in PEOPLE:
        job = SandboxJob("t", KEY, kind, {"personId": person_id}, 0, 0, "queued", None, 0)
        person = build_dataset().people[build_dataset().by_id[person_id]]
        _, result, _ = job_outcome(job, person, family)
        if kind == "email":
            found[person_id] = result["email"] if result else None
        else:
            found[person_id] = [p["number"] for p in (result or {}).get("phones", [])]
    return found


@pytest.fixture
def dialect_env(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> str:
    monkeypatch.setenv("CLODURA_SANDBOX_DIALECT", request.param)
    monkeypatch.setenv("CLODURA_API_KEY", KEY)
    return str(request.param)


def ledger_values(isolated: Path, kind: str) -> dict[str, Any]:
    ledger = Ledger(isolated / "data" / "ledger.db")
    try:
        jobs = ledger.jobs()
        answers = ledger.answers()
    finally:
        ledger.close()
    assert {a.job_id for a in answers if a.call == "submit"} == {j.id for j in jobs}
    key = "email" if kind == "email" else "phones"
    values = {}
    for job in jobs:
        value = (job.result or {}).get(key)
        values[job.person_id] = value if kind == "email" else [p["number"] for p in value or []]
    return values


def output_values(rows: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return {row["personId"]: row["email"] if kind == "email" else row["phones"] for row in rows}


@pytest.mark.slow  # 66 reveals that wait for their jobs
@pytest.mark.parametrize("dialect_env", DIALECTS, indirect=True)
@pytest.mark.parametrize("kind", ["email", "phone"])
@pytest.mark.parametrize("how", ["wait", "no-wait then track", "input"])
def test_every_dialect_delivers_what_was_paid_for(
    dialect_env: str, kind: str, how: str, isolated: Path
) -> None:
    want = expected(kind)
    assert any(want.values())  # the sample has people with something to find
    base = ["reveal", kind, "--sandbox", "-f", "jsonl", "--webhook-url", HOOK]
    if how == "input":
        source = isolated / "people.jsonl"
        source.write_text("".join(json.dumps({"personId": p}) + "\n" for p in PEOPLE))
        result = run_cli(*base, "--input", str(source))
    elif how == "wait":
        result = run_cli(*base, *PEOPLE)
    else:
        first = run_cli(*base, "--no-wait", *PEOPLE)
        assert first.exit_code == 0, first.stderr
        assert all(row["trackingId"] for row in first.jsonl())
        result = run_cli("track", "--sandbox", "--wait", "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    rows = result.jsonl()
    assert output_values(rows, kind) == want
    assert {row["revealStatus"] for row in rows} <= {"completed", "failed"}
    assert ledger_values(isolated, kind) == want


# Single answers, one row a variant -----------------------------------------------------------

E = "ann.lee@acme.example"
READER_CASES: list[tuple[str, Any, dict[str, Any]]] = [
    ("documented submission", {"trackingId": "t1", "status": "queued"},
     {"status": "pending", "tracking_id": "t1", "email": None}),
    ("tracking_id alias", {"tracking_id": "t2", "status": "queued"}, {"tracking_id": "t2"}),
    ("id alias", {"id": "t3"}, {"tracking_id": "t3", "status": None}),
    ("jobId alias", {"jobId": 77, "status": "accepted"}, {"tracking_id": "77", "status": "pending"}),
    ("id under data", {"data": {"tracking_id": "t4", "status": "pending"}},
     {"tracking_id": "t4", "status": "pending"}),
    ("upper-case pending", {"status": "PENDING"}, {"status": "pending"}),
    ("in progress with a space", {"status": "In Progress"}, {"status": "pending", "ledger": "processing"}),
    ("in_progress", {"status": "in_progress"}, {"status": "pending", "ledger": "processing"}),
    ("flat completed", {"status": "COMPLETED", "email": E}, {"status": "completed", "email": E}),
    ("success word", {"status": "success", "result": {"email": E}}, {"status": "completed", "email": E}),
    ("SUCCESS under data", {"data": {"status": "SUCCESS", "email": E, "emailStatus": "verified"}},
     {"status": "completed", "email": E, "email_status": "verified"}),
    ("unknown word is not final", {"status": "mulling"}, {"status": None, "word": "mulling"}),
    ("unknown word but an email: done", {"status": "mulling", "email": E}, {"status": "completed"}),
    ("a not-found word is an answer", {"status": "NOT_FOUND"}, {"status": "completed", "email": None}),
    ("no_results", {"status": "no_results"}, {"status": "completed"}),
    ("cancelled", {"status": "Cancelled"}, {"status": "failed"}),
    ("result as a list", {"status": "done", "results": [{"email": E}]}, {"status": "completed", "email": E}),
    ("a bare list", [{"email": E, "emailStatus": "guessed"}], {"status": "completed", "email": E}),
    ("email only in providers", {"status": "completed", "result": {"providers": [
        {"provider": "b", "email": "x@y.example", "emailStatus": "guessed"},
        {"provider": "a", "email": E, "emailStatus": "verified"}]}},
     {"email": E, "email_status": "verified"}),
    ("phones as strings", {"status": "completed", "phone": ["+1 212 555 0100", "+1 212 555 0101"]},
     {"phones": ["+1 212 555 0100", "+1 212 555 0101"]}),
    ("phones as objects", {"result": {"phones": [{"number": "+1 212 555 0102", "type": "mobile"}]}},
     {"status": "completed", "phones": ["+1 212 555 0102"]}),
    ("phones only in providers", {"status": "completed", "result": {"providers": [
        {"provider": "a", "phones": ["+1 212 555 0103"]}]}}, {"phones": ["+1 212 555 0103"]}),
    ("odd values", {"status": 7, "email": 12, "phones": [None, True, ""]},
     {"status": None, "email": None, "phones": []}),
    ("status beside an email found by what it is", {"status": "success", "data": {
        "requestId": "t5", "status": "completed",
        "result": {"contact": {"work_email": E, "email_status": "verified"}}}},
     {"status": "completed", "email": E, "email_status": "verified"}),
    ("a not-found result is final", {"result": {"email": None, "emailStatus": "not_found"}},
     {"status": "completed", "email": None}),
    ("credits", {"status": "completed", "email": E, "credits": 3}, {"credits": 3.0}),
    ("unknown fields are kept", {"status": "completed", "result": {"email": E, "seniorityScore": 9}},
     {"kept": {"seniorityScore": 9}}),
    ("nothing at all", {}, {"status": None, "tracking_id": None}),
    ("a string", "OK", {"status": None, "email": None}),
]  # fmt: skip


@pytest.mark.parametrize(("payload", "want"), [c[1:] for c in READER_CASES],
                         ids=[c[0] for c in READER_CASES])  # fmt: skip
def test_the_reader_reads_every_variant(payload: Any, want: dict[str, Any]) -> None:
    outcome = read_answer(payload)
    result = outcome.result or {}
    got = {
        "status": outcome.status,
        "word": outcome.word,
        "tracking_id": outcome.tracking_id,
        "email": result.get("email"),
        "email_status": result.get("emailStatus"),
        "phones": [p["number"] for p in result.get("phones") or []],
        "credits": outcome.credits,
        "ledger": outcome.ledger_status,
        "kept": {k: v for k, v in result.items() if k == "seniorityScore"},
    }
    for name, value in want.items():
        assert got[name] == value, (name, got)


# Kept answers: --raw and --reparse ------------------------------------------------------------


def test_raw_answers_are_printed_without_calling_the_api_and_reparse_recovers_them(
    monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    monkeypatch.setenv("CLODURA_SANDBOX_DIALECT", "flat")
    monkeypatch.setenv("CLODURA_API_KEY", KEY)
    want = {p: e for p, e in expected("email").items() if e}
    person = next(iter(want))
    done = run_cli("reveal", "email", "--sandbox", "-f", "jsonl", "--webhook-url", HOOK, person)
    assert done.exit_code == 0, done.stderr
    [row] = done.jsonl()
    from clodura_cli.sandbox.runtime import in_process_app

    emulator = in_process_app(isolated / "data")
    emulator.log.clear()
    shown = run_cli("track", row["trackingId"], "--raw")
    assert shown.exit_code == 0, shown.stderr
    answers = json.loads(shown.stdout)
    # The submission, then every poll (one that came before the job was done says so).
    calls = [a["call"] for a in answers]
    assert calls[0] == "submit" and calls[1:] == ["track"] * (len(calls) - 1) and len(calls) > 1
    assert answers[0]["body"] == {"id": row["trackingId"], "status": "PENDING"}
    assert answers[-1]["body"]["email"] == want[person]
    assert emulator.log == []  # no API call
    by_person = json.loads(run_cli("track", person, "--raw").stdout)
    assert by_person == answers
    # An older version kept the job but lost the email: the stored answers still hold it.
    ledger = Ledger(isolated / "data" / "ledger.db")
    [job] = ledger.jobs()
    ledger.update(job.id, result=None, status="failed")
    reparsed = run_cli("track", "--reparse")
    assert reparsed.exit_code == 0, reparsed.stderr
    assert "1 job(s) and 0 verification, enrichment or news answer(s) updated" in reparsed.stderr
    [job] = ledger.jobs()
    ledger.close()
    assert job.status == "completed" and job.result is not None
    assert job.result["email"] == want[person]
    assert emulator.log == []


def test_raw_for_an_unknown_job_is_a_usage_error() -> None:
    result = run_cli("track", "nope", "--raw")
    assert result.exit_code == 2
    assert "nothing in the ledger for 'nope'" in result.stderr


def test_an_unreadable_submission_exits_7_and_keeps_the_answer(
    monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    from clodura_cli.sandbox.runtime import in_process_app

    emulator = in_process_app(isolated / "data")
    monkeypatch.setattr(
        "clodura_cli.sandbox.dialects.submission", lambda dialect, tid: {"ok": True, "ref": tid}
    )
    result = run_cli("reveal", "email", "--sandbox", "--webhook-url", HOOK, PEOPLE[0])
    assert result.exit_code == 7
    assert "answer not understood: no tracking id" in result.stderr
    assert f"clodura track {PEOPLE[0]} --raw" in result.stderr
    assert len([e for e in emulator.log if e["endpoint"] == "email"]) == 1
    raw = json.loads(run_cli("track", PEOPLE[0], "--raw").stdout)
    assert raw[0]["body"]["ok"] is True
    again = run_cli("reveal", "email", "--sandbox", "--webhook-url", HOOK, PEOPLE[0])
    assert len([e for e in emulator.log if e["endpoint"] == "email"]) == 1  # never paid twice
    assert again.exit_code != 0


# Search, credits and edge blocks ---------------------------------------------------------------


def mock_client(status: int, content: bytes, content_type: str = "application/json") -> Any:
    import httpx

    from clodura_cli.api.client import CloduraClient

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=content, headers={"Content-Type": content_type})

    return CloduraClient(
        "k", "https://api.example.test/api/v1/", transport=httpx.MockTransport(answer)
    )


@pytest.mark.parametrize(
    ("status", "body", "kind", "outcome"),
    [
        (404, b'{"message": "No Results found, may be you can tweak the filters"}', "json", []),
        (404, b"No results", "text/plain", []),
        (
            404,
            b"<!DOCTYPE html><html><title>404 Not Found</title></html>",
            "text/html",
            "HTML page",
        ),
        (404, b"", "text/html", "empty body"),
        (
            200,
            b'{"people": [{"personId": "1"}], "pagination": {"page": 1}}',
            "json",
            [{"personId": "1"}],
        ),
        (200, b'{"results": [{"personId": "2"}]}', "json", [{"personId": "2"}]),
        (200, b'{"success": false, "message": "Insufficient credits"}', "json", "PaymentRequired"),
        (200, b'{"success": false, "message": "Bad filter"}', "json", "BadRequest"),
    ],
)
def test_search_answers_are_read_or_refused_loudly(
    status: int, body: bytes, kind: str, outcome: Any
) -> None:
    from clodura_cli.api.errors import CloduraError

    client = mock_client(status, body, "application/json" if kind == "json" else kind)
    assert client.base_url == "https://api.example.test"  # /api/v1 is normalised away
    if isinstance(outcome, list):
        assert client.search_people({"page": 1, "perPage": 10}) == outcome
        return
    with pytest.raises(CloduraError) as caught:
        client.search_people({"page": 1, "perPage": 10})
    text = f"{type(caught.value).__name__} {caught.value}"
    assert outcome in text
    if status == 404:
        assert "https://api.example.test/api/v1/search/people" in text
        assert "CLODURA_BASE_URL" in text


def test_a_page_longer_than_asked_for_is_cut_to_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from clodura_cli.api.client import CloduraClient

    def thirty(self: CloduraClient, endpoint: Any, body: Any) -> list[dict[str, Any]]:
        return [{"personId": str(i)} for i in range(30)]

    monkeypatch.setattr(CloduraClient, "search", thirty)
    result = run_cli("search", "--sandbox", "--limit", "10", "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert [r["personId"] for r in result.jsonl()] == [str(i) for i in range(10)]


@pytest.mark.parametrize(
    ("balance", "shown"),
    [
        ({"remainingCredits": "Unlimited"}, "Unlimited"),
        ({"remainingCredits": 12.5}, "12.5"),
        ({"remainingCredits": None}, "null"),
        ({"remainingCredits": "1,250"}, "1,250"),
        (
            {
                "contactsView": 3,
                "maxContacts": "Unlimited",
                "directDials": None,
                "maxDirectDials": 20,
            },
            "Unlimited",
        ),
    ],
)
def test_credits_values_show_as_given(
    monkeypatch: pytest.MonkeyPatch, balance: dict[str, Any], shown: str
) -> None:
    from clodura_cli.api.client import CloduraClient

    monkeypatch.setattr(CloduraClient, "credits", lambda self: balance)
    result = run_cli("credits", "--sandbox", "-f", "table")
    assert result.exit_code == 0, result.stderr
    assert shown in result.stdout


def test_a_403_web_page_is_an_edge_block_not_a_plan_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from clodura_cli.api.errors import make_status_error
    from clodura_cli.cli.exit_codes import ExitCode, classify

    page = "<!DOCTYPE html><title>Attention Required! | Cloudflare</title>"
    code, message = classify(
        make_status_error(403, "Attention Required! | Cloudflare", "/x", body=page)
    )
    assert code == ExitCode.AUTH
    assert "blocked before reaching the API (Cloudflare or a proxy)" in message
    assert "plan" not in message
    _, plain = classify(make_status_error(403, "Upgrade", "/x", body='{"message": "Upgrade"}'))
    assert "your plan does not include this endpoint" in plain


@pytest.mark.parametrize("dialect", ["default", "seed"])
def test_seed_shaped_records_fill_the_table_csv_and_json(
    monkeypatch: pytest.MonkeyPatch, dialect: str
) -> None:
    """The vendor example's arrays (locations, size) become flat cells; JSON keeps the shape."""
    monkeypatch.setenv("CLODURA_SANDBOX_DIALECT", dialect)
    query = ("search", "--sandbox", "--domain", "clodura.ai", "--title", "CEO")
    table = run_cli(*query, "-f", "table", env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.stderr
    assert "Pune, Maharashtra, India" in table.stdout
    assert "[" not in table.stdout

    csv_run = run_cli(*query, "-f", "csv", "--fields", "personId,personCity,companyEmployeeSize")
    assert csv_run.exit_code == 0, csv_run.stderr
    assert csv_run.stdout.splitlines()[:2] == [
        "personId,personCity,companyEmployeeSize",
        "3597524184265130552,Pune," + ("51-100" if dialect == "seed" else "51 - 200"),
    ]

    record = json.loads(run_cli(*query, "-f", "json").stdout)[0]
    if dialect == "seed":
        assert record["personCity"] == ["Pune"] and record["companyEmployeeSize"] == ["51-100"]
    else:
        assert record["personCity"] == "Pune" and isinstance(record["companyEmployeeSize"], str)


@pytest.mark.parametrize(
    ("status", "body", "content_type", "code", "says"),
    [
        (404, b"<html><body>Not Found</body></html>", "text/html", 7, "CLODURA_BASE_URL"),
        (404, b"", "application/json", 7, "CLODURA_BASE_URL"),
        (404, b'{"message": "No results found"}', "application/json", 0, "No results"),
        (200, b'{"success": false, "message": "Insufficient credits"}', "application/json", 4,
         "Insufficient credits"),
        (200, b'{"success": false, "message": "Bad filter"}', "application/json", 6, "Bad filter"),
    ],
)  # fmt: skip
def test_search_over_http_never_prints_an_empty_success(
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    body: bytes,
    content_type: str,
    code: int,
    says: str,
) -> None:
    from fake import Answer, always, fake_server

    with fake_server(always(Answer(status, body, {"Content-Type": content_type}))) as fake:
        monkeypatch.setenv("CLODURA_BASE_URL", fake.url)
        monkeypatch.setenv("CLODURA_API_KEY", "k-test-0123456789")
        result = run_cli("search", "--title", "CEO", "-f", "jsonl")
    assert result.exit_code == code, result.stderr
    assert says in result.stderr
    assert result.stdout == ""
    assert fake.paths() == ["/api/v1/search/people"]


@pytest.mark.parametrize("envelope", ["people", "data", "results"])
def test_search_envelopes_over_http_are_read(
    monkeypatch: pytest.MonkeyPatch, envelope: str
) -> None:
    from fake import Answer, always, fake_server

    page = {envelope: [{"personId": "11"}, {"personId": "12"}], "pagination": {"total": 2}}
    with fake_server(always(Answer(200, json.dumps(page).encode()))) as fake:
        monkeypatch.setenv("CLODURA_BASE_URL", fake.url + "/api/v1")
        monkeypatch.setenv("CLODURA_API_KEY", "k-test-0123456789")
        result = run_cli("search", "--title", "CEO", "--limit", "2", "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert [r["personId"] for r in result.jsonl()] == ["11", "12"]
    assert fake.paths() == ["/api/v1/search/people"]
