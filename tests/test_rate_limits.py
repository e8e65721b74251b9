"""Rate limits: concurrency and rate back off on 429 and recover; --rate caps the rate."""

from __future__ import annotations

import threading

import pytest
from helpers import Server, run_cli

from clodura_cli.sandbox.data import build_dataset
from clodura_cli.throttle import Throttle


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def test_429_halves_concurrency_and_successes_raise_it_again() -> None:
    throttle = Throttle(8)
    throttle.rate_limited(None)
    assert throttle.concurrency == 4
    throttle.rate_limited(None)
    throttle.rate_limited(None)
    throttle.rate_limited(None)
    assert throttle.concurrency == 1
    for _ in range(3):
        throttle.succeeded()
    assert 2 < throttle.concurrency < 3  # about one more per round of successes
    for _ in range(200):
        throttle.succeeded()
    assert throttle.concurrency == 8


def test_rate_cap_spaces_requests_and_a_429_lowers_it() -> None:
    fake = FakeTime()
    throttle = Throttle(4, max_rate=10, clock=fake.clock, sleep=fake.sleep)
    for _ in range(5):
        with throttle.slot():
            pass
    assert fake.sleeps == [0.1, 0.1, 0.1, 0.1]
    throttle.rate_limited(retry_after=2.0)
    assert throttle.rate is not None and throttle.rate < 10
    before = fake.now
    with throttle.slot():
        pass
    assert fake.now >= before + 2.0  # everyone waits out the Retry-After


def test_slots_never_exceed_the_concurrency() -> None:
    throttle = Throttle(3)
    inside = 0
    most = 0
    lock = threading.Lock()
    barrier = threading.Event()

    def work() -> None:
        nonlocal inside, most
        with throttle.slot():
            with lock:
                inside += 1
                most = max(most, inside)
            barrier.wait(0.05)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 3


@pytest.fixture
def api(server: Server, monkeypatch: pytest.MonkeyPatch) -> Server:
    server.reset()
    monkeypatch.setenv("CLODURA_BASE_URL", server.url)
    monkeypatch.setenv("CLODURA_API_KEY", "sandbox-multi")
    return server


@pytest.mark.loopback
def test_a_10000_record_export_under_a_rate_limit_is_complete_with_few_429s(api: Server) -> None:
    api.set_faults(rate_limit=60)
    result = run_cli("search", "--all", "--fields", "personId", "--concurrency", "8")
    assert result.exit_code == 0, result.stderr
    ids = [line for line in result.stdout.splitlines()]
    assert len(ids) == 10_000 == len(set(ids))
    log = api.log()
    limited = sum(1 for entry in log if entry["status"] == 429)
    pages = sorted((e["body"]["page"]) for e in log if e["status"] == 200)
    assert pages == list(range(1, 101))
    assert limited <= 25, limited


@pytest.mark.loopback
def test_rate_flag_keeps_under_the_limit(api: Server) -> None:
    api.set_faults(rate_limit=30)
    result = run_cli("search", "--limit", "2000", "--fields", "personId", "--rate", "25")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2000
    assert [e["status"] for e in api.log()] == [200] * 20


@pytest.mark.loopback
def test_reveal_submissions_under_a_rate_limit_go_out_once_each(api: Server) -> None:
    api.set_faults(rate_limit=20)
    people = [p.record["personId"] for p in build_dataset().people[3000:3060]]
    result = run_cli(
        "reveal", "email", "--no-wait", "--concurrency", "8", "--webhook-url",
        "https://hooks.example.com/c", *people,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    accepted = [
        e["body"]["personId"] for e in api.log() if e["endpoint"] == "email" and e["status"] == 200
    ]
    assert sorted(accepted) == sorted(people)
    limited = sum(1 for e in api.log() if e["status"] == 429)
    assert limited <= 15, limited
