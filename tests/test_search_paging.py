"""--limit never asks for a record past the limit; --all stops at the end of the results."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from helpers import DEADLINE, pages_requested, run_cli, wait_for

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


@pytest.mark.parametrize("concurrency", [1, 3])
def test_ctrl_c_leaves_a_page_in_flight_time_to_arrive(concurrency: int) -> None:
    """A page asked for may have been charged: after Ctrl-C the fetcher waits for it (up to
    INTERRUPT_GRACE) before the interrupt goes on, so that the page cache can keep it; whether
    pages go one by one (a one-page search, --concurrency 1) or through the pool."""
    import signal
    import time

    from clodura_cli.api.paging import PageRequest, fetch_in_order, fetch_one_by_one
    from clodura_cli.base import stopping

    interrupted = threading.Event()
    kept: list[int] = []
    main = threading.main_thread().ident
    assert main == threading.get_ident(), "signals reach the main thread only"

    def on_sigint(signum: int, frame: Any) -> None:  # as the app's handler does
        stopping.begin()
        interrupted.set()
        raise KeyboardInterrupt

    def fetch(page: PageRequest) -> list[dict[str, Any]]:
        assert main is not None
        wait_for(lambda: _waiting_for_pages(main), "the fetcher to wait for the page")
        signal.pthread_kill(main, signal.SIGINT)  # Ctrl-C while this page is in flight
        assert interrupted.wait(DEADLINE)
        time.sleep(0.2)  # the answer is still on its way when the interrupt is raised
        kept.append(page.page)  # what the page cache does with an answer
        return [{"personId": str(page.page)}]

    pages = [PageRequest(1, 1)]
    fetched = (
        fetch_one_by_one(fetch, pages) if concurrency == 1 else fetch_in_order(fetch, pages, 3)
    )
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        with pytest.raises(KeyboardInterrupt):
            list(fetched)
        assert kept == [1]  # not raised before the page in flight had arrived
    finally:
        signal.signal(signal.SIGINT, previous)
        stopping.reset()


def _waiting_for_pages(thread: int) -> bool:
    """True while ``thread`` waits for a page in flight (the pool's or the lone fetch's wait),
    not while it is still starting the thread that fetches it."""
    import sys

    frame, callee = sys._current_frames().get(thread), None
    while frame is not None and any(
        part in frame.f_code.co_filename for part in ("threading.py", "concurrent")
    ):
        frame, callee = frame.f_back, frame
    return (
        frame is not None
        and frame.f_code.co_name in ("_beside", "fetch_in_order")
        and callee is not None
        and callee.f_code.co_name == "wait"
    )


def test_a_lone_page_is_fetched_under_the_hooks_every_thread_gets() -> None:
    """A one-page fetch runs in a thread started without threading.Thread: it still gets the
    trace and profile hooks threading gives every new thread (coverage, a debugger), so the
    code it runs is measured and can be stepped through."""
    from clodura_cli.api import paging

    calls: list[tuple[str, int]] = []

    def tracer(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code.co_name == "one_page":
            calls.append(("trace", threading.get_ident()))

    def profiler(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code.co_name == "one_page":
            calls.append(("profile", threading.get_ident()))

    def one_page(request: paging.PageRequest) -> list[dict[str, Any]]:
        return [{"page": request.page}]

    trace, profile = threading.gettrace(), threading.getprofile()
    threading.settrace(tracer)  # type: ignore[arg-type]
    threading.setprofile(profiler)  # type: ignore[arg-type]
    try:
        assert paging._beside(one_page, paging.PageRequest(3, 1)) == [{"page": 3}]
    finally:
        threading.settrace(trace)  # type: ignore[arg-type]
        threading.setprofile(profile)  # type: ignore[arg-type]
    assert sorted(kind for kind, _ in calls) == ["profile", "trace"]
    assert all(ident != threading.get_ident() for _, ident in calls)  # in the page's thread
