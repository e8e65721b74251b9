"""Waiting instead of paying or giving up: `verify --listen` receives queued verdicts itself, and
an item another run is sending right now is waited for, not sent again nor called lost."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from fake import Answer, Received, fake_server
from helpers import run_cli, sent

from clodura_cli import paid
from clodura_cli.sandbox import vendor
from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.sandbox.data import build_dataset
from clodura_cli.store import config
from clodura_cli.store.ledger import Ledger

KEY = "live-key-for-tests-0123456789"
CATCH_ALL = next(c for c in build_dataset().companies if vendor.is_catch_all(c))


def test_verify_listen_receives_the_queued_verdict_in_the_same_run(emulator: SandboxApp) -> None:
    queued = f"who@{CATCH_ALL.domains[0]}"
    result = run_cli("verify", "--sandbox", "--deep", "--listen", "--listen-port", "0", queued,
                     "-f", "jsonl")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    (request,) = sent(emulator, "verify")
    assert request["deepVerification"] is True
    assert request["webhookUrl"].startswith("http://127.0.0.1:")
    assert "receiving deliveries at " + request["webhookUrl"] in result.stderr
    assert "waiting up to 300 s for 1 queued verification(s)" in result.stderr
    (row,) = result.jsonl()
    assert (row["email"], row["verdict"], row["status"], row["state"]) == (
        queued,
        vendor.deep_verdict(queued),
        "completed",
        "Completed",
    )
    assert row["credits"] == 0.1
    (item,) = Ledger(config.ledger_file()).items().listed("verify")
    assert (item.status, item.document_id) == ("completed", row["documentId"])


def test_verify_listen_keeps_what_was_not_delivered_in_time_as_pending_and_exits_8(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def queue(request: Received) -> Answer:
        email = json.loads(request.body)["email"]
        answer = {"email": email, "deepVerification": True, "documentId": "doc-1",
                  "state": "Queued"}  # fmt: skip
        return Answer(202, json.dumps(answer).encode(), {"Content-Type": "application/json"})

    with fake_server(queue) as fake:
        monkeypatch.setenv("CLODURA_BASE_URL", fake.url)
        monkeypatch.setenv("CLODURA_API_KEY", KEY)
        result = run_cli("verify", "--deep", "--listen", "--listen-port", "0", "--timeout",
                         "0.5", "bob@acme.com", "-f", "jsonl")  # fmt: skip
    assert result.exit_code == 8, result.stderr  # still pending when the wait ended, as reveal
    assert len(fake.received) == 1
    (row,) = result.jsonl()
    assert (row["status"], row["documentId"]) == ("pending", "doc-1")
    assert "error: 1 verification(s) still queued after 0.5s" in result.stderr


def test_listen_needs_a_tunnel_for_an_api_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLODURA_BASE_URL", "https://api.clodura.example")
    monkeypatch.setenv("CLODURA_API_KEY", KEY)
    result = run_cli("verify", "--deep", "--listen", "bob@acme.com")
    assert result.exit_code == 2
    assert "--listen: the API cannot reach a receiver on this machine" in result.stderr


def _ledger_account(emulator: SandboxApp) -> str:
    warm = run_cli("verify", "--sandbox", "warm@pixelhealth.test")
    assert warm.exit_code == 0, warm.stderr
    return Ledger(config.ledger_file()).items().listed("verify")[0].account


def test_an_item_another_run_is_sending_is_waited_for_not_sent_again(
    emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = _ledger_account(emulator)
    items = Ledger(config.ledger_file()).items()
    email = "ann@pixelhealth.test"
    body = {"email": email, "deepVerification": False}
    other, is_new = items.claim(account, "verify", f"standard:{email}", body, {"email": email})
    assert is_new  # "another run" has claimed it and is sending it now
    answered_by_other = {"email": email, "verdict": "Deliverable", "state": "Completed",
                         "documentId": "from-the-other-run"}  # fmt: skip
    real_settle = paid.settle
    waits: list[float] = []

    def settle(*args: Any, **kwargs: Any) -> Any:
        def sleep(seconds: float) -> None:
            waits.append(seconds)  # the other run's answer lands while this one waits
            items.answered(other.id, "completed", result=answered_by_other, credits=0.04)

        return real_settle(*args, sleep=sleep)

    monkeypatch.setattr(paid, "settle", settle)
    emulator.log.clear()
    result = run_cli("verify", "--sandbox", email, "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert sent(emulator, "verify") == []
    assert waits, "it waited"
    assert "waiting for 1 verification(s) another clodura run is sending right now" in (
        result.stderr
    )
    (row,) = result.jsonl()
    assert (row["documentId"], row["status"]) == ("from-the-other-run", "completed")


@pytest.mark.parametrize("left", ["answered unknown", "claimed long ago"])
def test_an_item_a_dead_run_left_is_reported_at_once(
    left: str, emulator: SandboxApp, isolated: Path
) -> None:
    account = _ledger_account(emulator)
    # A recent claim answered "unknown" (its request failed), or a claim a run left long ago.
    now = [time.time() - 5 if left == "answered unknown" else time.time() - 3600]
    items = Ledger(config.ledger_file(), clock=lambda: now[0]).items()
    email = "ann@pixelhealth.test"
    item, _ = items.claim(account, "verify", f"standard:{email}", {"email": email}, {})
    if left == "answered unknown":
        now[0] += 1
        items.answered(item.id, "unknown", message="the connection broke")
    emulator.log.clear()
    result = run_cli("verify", "--sandbox", email)
    assert result.exit_code == 7
    assert "another clodura run is sending" not in result.stderr
    assert sent(emulator, "verify") == []


def test_a_news_page_past_the_last_known_one_is_not_paid_for(emulator: SandboxApp) -> None:
    org = build_dataset().companies[0].id
    window = ("--since", "2023-01-01", "--until", "2026-11-30")
    past = run_cli("news", "--sandbox", org, *window, "--page", "99", "-f", "jsonl")
    assert past.exit_code == 0, past.stderr  # nothing known yet: the API is asked
    assert [b["page"] for b in sent(emulator, "news")] == [99]
    first = run_cli("news", "--sandbox", org, *window, "-f", "jsonl")
    assert first.exit_code == 0, first.stderr
    (item,) = [
        i for i in Ledger(config.ledger_file()).items().listed("news") if i.body["page"] == 1
    ]
    pages = item.result["totalPages"]
    assert isinstance(pages, int) and 1 <= pages < 98
    emulator.log.clear()
    beyond = run_cli("news", "--sandbox", org, *window, "--page", str(pages + 1), "-f", "jsonl")
    assert beyond.exit_code == 0, beyond.stderr
    assert sent(emulator, "news") == []
    assert beyond.stdout == ""
    assert (f"news: page {pages + 1} is past the last page ({pages}) the API gave for this "
            "query; nothing sent (--refresh asks anyway)") in beyond.stderr  # fmt: skip
    asked = run_cli("news", "--sandbox", org, *window, "--page", str(pages + 1), "--refresh")
    assert asked.exit_code == 0, asked.stderr
    assert [b["page"] for b in sent(emulator, "news")] == [pages + 1]
