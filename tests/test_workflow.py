"""A prospector's week (issue 25): reveal summaries, credit caps on search, memory by preset,
cron-friendly messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import run_cli, sent

from clodura_cli import reveal
from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.sandbox.data import build_dataset
from clodura_cli.sandbox.reveal import _digest

DATA = build_dataset()
#: Someone whose email reveal the sandbox fails, and two it finds.
FAILING = next(
    p.record["personId"] for p in (DATA.person(i) for i in range(3000))
    if _digest(p.record["personId"], "email") % 100 < 3
)  # fmt: skip


@pytest.fixture(autouse=True)
def quick_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reveal, "POLL_INITIAL", 0.05)
    monkeypatch.setattr(reveal, "POLL_MAX", 0.1)


def _found_ids(count: int) -> list[str]:
    rows = run_cli("search", "--sandbox", "--limit", "20", "-f", "jsonl").jsonl()
    return [r["personId"] for r in rows if r["personId"] != FAILING][:count]


# 8. reveal summaries --------------------------------------------------------------------------


def test_reveal_says_what_it_found_wrote_and_spent(tmp_path: Path, emulator: SandboxApp) -> None:
    ids = _found_ids(6)
    target = tmp_path / "emails.csv"
    first = run_cli("reveal", "email", "--sandbox", "-o", str(target), *ids, "1")
    assert first.exit_code == 0, first.stderr  # "1" is nobody: not found is an answer
    rows = target.read_text().splitlines()
    assert len(rows) == 1 + 7
    found = sum(1 for line in rows[1:] if "@" in line)
    assert f"wrote 7 records to {target}" in first.stderr
    assert f"7 reveal(s): {found} found, {7 - found} not found\n" in first.stderr
    assert "credits spent by this run: " + str(2 * found) in first.stderr
    again = run_cli("reveal", "email", "--sandbox", *ids[:2], "-f", "jsonl")
    assert again.exit_code == 0, again.stderr
    assert (
        "2 reveal(s): 2 found; 2 of them answered from the ledger; nothing submitted, no "
        "credits spent"
    ) in again.stderr


def test_a_reveal_the_api_failed_exits_6_with_the_reason(emulator: SandboxApp) -> None:
    (good,) = _found_ids(1)
    result = run_cli("reveal", "email", "--sandbox", FAILING, good, "-f", "jsonl")
    assert result.exit_code == 6, result.stderr
    rows = {r["personId"]: r for r in result.jsonl()}
    assert rows[FAILING]["revealStatus"] == "failed"
    assert rows[good]["revealStatus"] == "completed" and rows[good]["email"]
    assert "2 reveal(s): 1 found, 1 failed (the API answered 'failed')" in result.stderr
    assert "error: 1 reveal(s) failed at the API (the API answered 'failed')" in result.stderr
    assert len(sent(emulator, "email")) == 2
