"""--limit never asks for a record past the limit; --all stops at the end of the results."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from helpers import DEADLINE, pages_requested, run_cli

from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.sandbox.faults import Faults, ScriptedFault
from clodura_cli.sandbox.search import matching_people


@pytest.mark.parametrize(
    ("limit", "pages"),
    [
        (1, [(1, 1)]),
        (25, [(1, 25)]),
        (99, [(1, 99)]),
        (100, [(1, 100)]),
        (250, [(1, 100), (2, 100), (5, 50)]),
    ],
)
def test_limit_serves_exactly_what_it_prints(
    emulator: SandboxApp, limit: int, pages: list[tuple[int, int]]
) -> None:
    result = run_cli("search", "--sandbox", "--limit", str(limit), "--concurrency", "1")
    assert result.exit_code == 0, result.stderr
    records = result.jsonl()
    assert len(records) == limit
    assert emulator.records_served() == limit
    assert pages_requested(emulator) == pages
    assert len({r["personId"] for r in records}) == limit


def test_limit_records_are_the_first_n_of_the_result_set_in_order(emulator: SandboxApp) -> None:
    result = run_cli("search", "--sandbox", "--seniority", "Manager", "--limit", "999")
    expected = matching_people(emulator.dataset, {"seniority": ["Manager"]}, frozenset())[:999]
    assert [r["personId"] for r in result.jsonl()] == [p.record["personId"] for p in expected]
    assert emulator.records_served() == 999


def test_limit_that_paging_cannot_reach_exactly_stops_short_and_says_so(
    emulator: SandboxApp,
) -> None:
    result = run_cli("search", "--sandbox", "--limit", "101")
    assert result.exit_code == 0
    assert len(result.jsonl()) == 100
    assert emulator.records_served() == 100
    assert "--limit 101" in result.stderr and "fetching 100 records instead" in result.stderr


def test_limit_starts_at_the_given_page(emulator: SandboxApp) -> None:
    result = run_cli("search", "--sandbox", "--page", "3", "--per-page", "20", "--limit", "30")
    assert result.exit_code == 0
    everyone = matching_people(emulator.dataset, {}, frozenset())
    assert [r["personId"] for r in result.jsonl()] == [
        p.record["personId"] for p in everyone[40:70]
    ]
    assert emulator.records_served() == 30


def test_limit_stops_at_the_end_of_the_results(emulator: SandboxApp) -> None:
    total = len(
        matching_people(
            emulator.dataset, {"industry": ["Banking"], "seniority": ["CEO"]}, frozenset()
        )
    )
    assert 0 < total < 100
    result = run_cli(
        "search", "--sandbox", "--industry", "Banking", "--seniority", "CEO", "--limit", "500"
    )
    assert len(result.jsonl()) == total
    # 500 = 5 pages of 100: the first comes back short, so at most the ones in flight follow.
    assert pages_requested(emulator)[0] == (1, 100)


def test_all_fetches_every_page_until_a_short_one(emulator: SandboxApp) -> None:
    total = len(matching_people(emulator.dataset, {"seniority": ["CXO"]}, frozenset()))
    assert 700 < total < 1000
    result = run_cli("search", "--sandbox", "--seniority", "CXO", "--all", "--concurrency", "3")
    assert result.exit_code == 0, result.stderr
    records = result.jsonl()
    assert len(records) == total
    assert len({r["personId"] for r in records}) == total
    pages = sorted(pages_requested(emulator))
    assert pages[: total // 100 + 1] == [(n, 100) for n in range(1, total // 100 + 2)]
    assert "truncated" not in result.stderr


def test_all_keeps_page_order_when_pages_arrive_out_of_order(
    emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Page 1 is held until page 3 has been answered: a later page always arrives first.
    answer = SandboxApp._answer
    third_answered = threading.Event()
    held: list[bool] = []
    answered: list[int] = []

    def held_answer(self: SandboxApp, *args: Any) -> Any:
        entry = args[5]
        page = entry["body"]["page"] if entry["endpoint"] == "search" else None
        if page == 1:
            held.append(third_answered.wait(DEADLINE))
        result = answer(self, *args)
        answered.append(page)
        if page == 3:
            third_answered.set()
        return result

    monkeypatch.setattr(SandboxApp, "_answer", held_answer)
    result = run_cli("search", "--sandbox", "--seniority", "Director", "--all", "--per-page", "50",
                     "--concurrency", "4")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert held == [True] and answered.index(3) < answered.index(1)
    expected = matching_people(emulator.dataset, {"seniority": ["Director"]}, frozenset())
    assert len(expected) > 200  # more than the four pages first in flight
    assert [r["personId"] for r in result.jsonl()] == [p.record["personId"] for p in expected]


def test_all_says_when_the_api_window_truncates(emulator: SandboxApp) -> None:
    result = run_cli("search", "--sandbox", "--all", "--fields", "personId", "--concurrency", "8")
    assert result.exit_code == 0
    assert len(result.jsonl()) == 10_000
    assert max(page for page, _ in pages_requested(emulator)) == 100
    assert "results may be truncated" in result.stderr


def test_a_failed_page_names_the_page_and_keeps_earlier_jsonl(emulator: SandboxApp) -> None:
    emulator.set_faults(Faults(script=[ScriptedFault.parse("400@search+2")]))
    result = run_cli("search", "--sandbox", "--all", "--concurrency", "1")
    assert result.exit_code == 6
    assert "error: page 3 (records 201-300): HTTP 400" in result.stderr
    everyone = matching_people(emulator.dataset, {}, frozenset())
    assert [r["personId"] for r in result.jsonl()] == [p.record["personId"] for p in everyone[:200]]
