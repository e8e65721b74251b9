"""A prospector's week (issue 25): reveal summaries, credit caps on search, memory by preset,
cron-friendly messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import pages_requested, run_cli, sent

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


# 5. search credit cap -------------------------------------------------------------------------


def test_a_search_planning_more_than_the_cap_sends_nothing(emulator: SandboxApp) -> None:
    result = run_cli("search", "--sandbox", "--seniority", "Manager", "--limit", "250",
                     "--max-credits", "100")  # fmt: skip
    assert result.exit_code == 4
    assert (
        "--max-credits 100: this search may fetch up to 250 records, a credit each; nothing sent"
    ) in result.stderr
    assert sent(emulator) == []


def test_all_stops_at_the_cap_and_exits_0(emulator: SandboxApp) -> None:
    result = run_cli("search", "--sandbox", "--seniority", "Manager", "--all", "--max-credits",
                     "250", "-f", "jsonl")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert len(result.jsonl()) == 250
    assert sum(per_page for _, per_page in pages_requested(emulator)) == 250
    assert "--max-credits 250: stopped at 250 records fetched (a credit each)" in result.stderr
    orgs = run_cli("orgs", "--sandbox", "--industry", "Computer Software", "--all",
                   "--max-credits", "7", "-f", "jsonl")  # fmt: skip
    assert orgs.exit_code == 0, orgs.stderr
    assert len(orgs.jsonl()) == 7
    assert [b["perPage"] for b in sent(emulator, "orgs")] == [7]


def test_dry_run_prints_the_most_the_run_can_cost(emulator: SandboxApp) -> None:
    capped = run_cli("search", "--sandbox", "--title", "cto", "--all", "--max-credits", "250",
                     "--dry-run")  # fmt: skip
    assert capped.exit_code == 0, capped.stderr
    assert json.loads(capped.stdout)["worstCaseCredits"] == 250
    limited = run_cli("search", "--sandbox", "--title", "cto", "--limit", "130", "--dry-run")
    assert json.loads(limited.stdout)["worstCaseCredits"] == 130
    everything = run_cli("search", "--sandbox", "--title", "cto", "--all", "--dry-run")
    assert json.loads(everything.stdout)["worstCaseCredits"] == 100 * 100
    assert sent(emulator) == []


def test_new_only_never_fetches_a_page_past_the_cap(emulator: SandboxApp) -> None:
    args = ["search", "--sandbox", "--seniority", "Manager", "--new-only", "--limit", "30",
            "--max-credits", "45", "-f", "jsonl"]  # fmt: skip
    first = run_cli(*args)
    assert first.exit_code == 0, first.stderr
    assert len(first.jsonl()) == 30
    emulator.log.clear()
    second = run_cli(*args)  # everyone of the first page was seen: the next page would pass 45
    assert second.exit_code == 0, second.stderr
    assert pages_requested(emulator) == [(1, 30)]
    assert "--max-credits 45: stopped at 30 records fetched" in second.stderr
