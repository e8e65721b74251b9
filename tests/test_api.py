"""`clodura api`: any endpoint with the key, retries, exit codes and ledger of the others."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fake import Answer, Received, fake_server
from helpers import run_cli

from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.sandbox.data import build_dataset
from clodura_cli.sandbox.faults import Faults, ScriptedFault
from clodura_cli.store.ledger import Ledger

KEY = "k-test-0123456789"


def logged(emulator: SandboxApp) -> list[tuple[str, str, Any]]:
    return [(e["method"], e["path"], e["body"]) for e in emulator.log]


def test_fields_build_the_body_and_choose_the_method(emulator: SandboxApp, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("from a file\n")
    result = run_cli(
        "api", "search/people", "--sandbox", "-F", "page=1", "-F", "perPage=2",
        "-f", "seniority[]=CEO", "-f", "seniority[]=Founder", "-F", "includeSimilarTitles=false",
        "-f", "personTitle[]=ceo",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert logged(emulator) == [
        ("POST", "/api/v1/search/people", {
            "page": 1, "perPage": 2, "seniority": ["CEO", "Founder"],
            "includeSimilarTitles": False, "personTitle": ["ceo"],
        })
    ]  # fmt: skip
    emulator.log.clear()
    run_cli("api", "/api/v1/credits", "--sandbox")
    run_cli("api", "credits", "--sandbox", "-X", "delete")
    assert [(m, p) for m, p, _ in logged(emulator)] == [
        ("GET", "/api/v1/credits"),
        ("DELETE", "/api/v1/credits"),
    ]


def test_typed_fields() -> None:
    from clodura_cli.cli.commands.api_cmd import build_body

    assert build_body(["a=true", "n=12"], ["t=true", "f=false", "z=null", "i=-3", "x=1.5e2"]) == {
        "a": "true", "n": "12", "t": True, "f": False, "z": None, "i": -3, "x": 150.0,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["credits", "-f", "novalue"], "give key=value"),
        (["credits", "-H", "X-Api-Key: stolen"], "it is never replaced"),
        (["credits", "-H", "nocolon"], "give 'Name: value'"),
        (["credits", "-X", "FETCH"], "is not an HTTP method"),
        (["http://evil.example/x"], "is not an API path"),
        (["credits", "--paginate"], "--paginate: only for POST"),
    ],
)
def test_mistakes_are_exit_2_and_send_nothing(
    emulator: SandboxApp, args: list[str], says: str
) -> None:
    result = run_cli("api", *args, "--sandbox")
    assert result.exit_code == 2
    assert says in result.stderr
    assert emulator.log == []


def test_the_answer_passes_through_as_received_with_headers_on_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = b'{"b": 2,   "a": [1]}'

    def answer(request: Received) -> Answer:
        return Answer(200, body, {"X-Custom": "yes"})

    with fake_server(answer) as fake:
        monkeypatch.setenv("CLODURA_BASE_URL", fake.url)
        monkeypatch.setenv("CLODURA_API_KEY", KEY)
        result = run_cli("api", "anything/here", "-H", "X-Trace: 42", "-i")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == body.decode()
    assert "HTTP 200" in result.stderr and "x-custom: yes" in result.stderr
    [request] = fake.received
    assert request.path == "/api/v1/anything/here" and request.method == "GET"
    assert request.headers["x-trace"] == "42" and request.headers["x-api-key"] == KEY


@pytest.mark.parametrize(
    ("status", "code"), [(400, 6), (401, 3), (402, 4), (404, 6), (429, 5), (500, 7)]
)
def test_error_answers_print_their_body_and_exit_with_the_documented_code(
    monkeypatch: pytest.MonkeyPatch, status: int, code: int
) -> None:
    with fake_server(lambda r: Answer(status, b'{"message": "nope"}')) as fake:
        monkeypatch.setenv("CLODURA_BASE_URL", fake.url)
        monkeypatch.setenv("CLODURA_API_KEY", KEY)
        monkeypatch.setenv("CLODURA_MAX_RETRIES", "1")
        result = run_cli("api", "credits")
    assert result.exit_code == code
    assert result.stdout == '{"message": "nope"}'
    assert "nope" in result.stderr


def test_get_is_retried_but_a_post_only_when_surely_not_processed(emulator: SandboxApp) -> None:
    emulator.set_faults(Faults(script=[ScriptedFault("500", 1, "credits")]))
    assert run_cli("api", "credits", "--sandbox").exit_code == 0
    assert [p for _, p, _ in logged(emulator)].count("/api/v1/credits") == 2
    emulator.log.clear()
    emulator.set_faults(Faults(script=[ScriptedFault("500", 1, "search")]))
    failed = run_cli("api", "search/people", "--sandbox", "-F", "page=1", "-F", "perPage=1")
    assert failed.exit_code == 7
    assert len(logged(emulator)) == 1  # a POST may have been processed: never resent
    emulator.log.clear()
    emulator.set_faults(Faults(script=[ScriptedFault("429", 1, "search")]))
    limited = run_cli("api", "search/people", "--sandbox", "-F", "page=1", "-F", "perPage=1")
    assert limited.exit_code == 0
    assert len(logged(emulator)) == 2  # a 429 was certainly not processed


def test_paginate_follows_pages_and_prints_json_lines(emulator: SandboxApp) -> None:
    result = run_cli(
        "api", "search/people", "--sandbox", "--paginate", "-F", "perPage=100",
        "-f", "companyDomain[]=clodura.ai",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = result.jsonl()
    assert rows and all("clodura.ai" in r["companyDomain"] for r in rows)
    pages = [body["page"] for _, _, body in logged(emulator)]
    assert pages[0] == 1 and len(rows) < 100 * len(pages)


def test_a_reveal_through_api_is_claimed_in_the_ledger(
    emulator: SandboxApp, isolated: Path
) -> None:
    person = build_dataset().person(31).record["personId"]
    args = ("api", "search/people/email/match", "--sandbox", "-f", f"personId={person}",
            "-f", "webhookUrl=https://hooks.example.com/h")  # fmt: skip
    first = run_cli(*args)
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)["status"] == "queued"
    ledger = Ledger(isolated / "data" / "ledger.db")
    [job] = ledger.jobs()
    ledger.close()
    assert job.person_id == person and job.tracking_id == json.loads(first.stdout)["trackingId"]
    again = run_cli(*args)
    assert again.exit_code == 0
    assert "answered from the ledger" in again.stderr
    assert json.loads(again.stdout)["trackingId"] == job.tracking_id
    reveal = run_cli("reveal", "email", "--sandbox", "--no-wait", "-f", "jsonl", person)
    assert "already submitted earlier" in reveal.stderr
    assert len([e for e in emulator.log if e["endpoint"] == "email"]) == 1


def test_dry_run_prints_the_request_and_sends_nothing(emulator: SandboxApp) -> None:
    result = run_cli(
        "api", "organisation/search", "--sandbox", "-f", "domain=acme.com", "--dry-run"
    )
    assert json.loads(result.stdout) == {
        "method": "POST",
        "url": "https://api.clodura.ai/api/v1/organisation/search",
        "body": {"domain": "acme.com"},
    }
    assert emulator.log == []


def test_the_sandbox_answers_unknown_endpoints_with_a_json_404(emulator: SandboxApp) -> None:
    result = run_cli("api", "taxonomy/industries", "--sandbox")
    assert result.exit_code == 6
    assert json.loads(result.stdout)["message"] == "No route for GET /api/v1/taxonomy/industries"
    assert "check the path" in result.stderr


def test_a_query_reaches_the_server_as_a_query_and_shows_in_verbose(
    emulator: SandboxApp,
) -> None:
    """The query goes as the request's query (QUERY_STRING), never glued into the path, and
    --verbose names it."""
    result = run_cli("api", "credits?x=1&kind=phone", "--sandbox", "-v")
    assert result.exit_code == 0, result.stderr
    [entry] = emulator.log
    assert (entry["path"], entry["query"]) == ("/api/v1/credits", "x=1&kind=phone")
    assert "/api/v1/credits?x=1&kind=phone" in result.stderr


def test_a_key_typed_into_a_query_is_not_logged(emulator: SandboxApp) -> None:
    from clodura_cli.sandbox import DEFAULT_KEY

    result = run_cli("api", f"credits?token={DEFAULT_KEY}", "--sandbox", "-v")
    assert result.exit_code == 0, result.stderr
    assert emulator.log[0]["query"] == f"token={DEFAULT_KEY}"  # sent as typed
    assert "/api/v1/credits?token=*** " in result.stderr
    assert DEFAULT_KEY not in result.stderr
