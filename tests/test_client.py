"""The client alone, against httpx.MockTransport: errors, retries, and tolerant parsing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from clodura_cli.api import errors, spec
from clodura_cli.api.client import CloduraClient, RequestEvent
from clodura_cli.api.retry import RetryPolicy

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A mock API that answers from a list of responses and records every request."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def make_client(
    recorder: Recorder, sleeps: list[float] | None = None, **kwargs: object
) -> CloduraClient:
    waits = sleeps if sleeps is not None else []
    return CloduraClient(
        "test-key-5678",
        transport=httpx.MockTransport(recorder),
        sleep=waits.append,
        **kwargs,  # type: ignore[arg-type]
    )


def ok(payload: object) -> httpx.Response:
    return httpx.Response(200, json=payload)


def test_requests_carry_key_agent_and_json_body() -> None:
    recorder = Recorder(ok([]))
    make_client(recorder).search_people({"page": 1, "perPage": 5})
    [request] = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == "https://api.clodura.ai/api/v1/search/people"
    assert request.headers["X-API-KEY"] == "test-key-5678"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"].startswith("clodura-cli/")
    assert json.loads(request.content) == {"page": 1, "perPage": 5}


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (402, errors.PaymentRequiredError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (422, errors.UnprocessableEntityError),
        (409, errors.APIError),
    ],
)
def test_each_status_has_its_exception_with_status_message_and_path(
    status: int, cls: type[errors.APIError]
) -> None:
    recorder = Recorder(httpx.Response(status, json={"message": "nope", "statusCode": status}))
    with pytest.raises(cls) as caught:
        make_client(recorder).credits()
    assert type(caught.value) is cls
    assert (caught.value.status, caught.value.message, caught.value.path) == (
        status,
        "nope",
        "/api/v1/credits",
    )
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"error": "bad key"}', "bad key"),
        (b'{"detail": "slow down"}', "slow down"),
        (b'{"message": ["a", "b"]}', '["a", "b"]'),
        (b"plain words   of text", "plain words of text"),
        (b"<html><title>Oops</title></html>", "Oops"),
        (b"", "(empty body)"),
    ],
)
def test_error_message_comes_from_the_body(body: bytes, message: str) -> None:
    recorder = Recorder(httpx.Response(400, content=body))
    with pytest.raises(errors.BadRequestError) as caught:
        make_client(recorder).credits()
    assert caught.value.message == message


def test_429_waits_what_retry_after_says() -> None:
    sleeps: list[float] = []
    recorder = Recorder(
        httpx.Response(429, headers={"Retry-After": "3"}, json={"message": "slow"}),
        httpx.Response(429, json={"message": "slow"}),
        ok({"remainingCredits": 5}),
    )
    assert make_client(recorder, sleeps).credits() == {"remainingCredits": 5}
    assert sleeps[0] == 3.0
    assert 0.25 <= sleeps[1] <= 1.0  # no hint: backoff (second retry: 0.5 to 1 s)
    assert len(recorder.requests) == 3


def test_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(max_retries=8, initial_delay=0.5, max_delay=4.0)
    for retry_number, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (8, 4.0)]:
        waits = [policy.backoff(retry_number) for _ in range(50)]
        assert all(ceiling / 2 <= w <= ceiling for w in waits)
    assert policy.delay(9, None) is None
    assert policy.delay(1, 61.0) is None
    assert policy.delay(1, 60.0) == 60.0


def test_retries_stop_after_max_and_raise_the_last_error() -> None:
    sleeps: list[float] = []
    recorder = Recorder(httpx.Response(503, json={"message": "down"}))
    events: list[RequestEvent] = []
    client = make_client(recorder, sleeps, retry=RetryPolicy(max_retries=2), on_event=events.append)
    with pytest.raises(errors.ServerError):
        client.credits()
    assert len(recorder.requests) == 3
    assert len(sleeps) == 2
    assert [e.retry_in is not None for e in events] == [True, True, False]


@pytest.mark.parametrize("method", ["reveal_email", "reveal_phone"])
@pytest.mark.parametrize(
    ("answer", "cls"),
    [
        (httpx.Response(500, json={"message": "boom"}), errors.ServerError),
        (httpx.ReadTimeout("read timed out"), errors.APITimeoutError),
        (httpx.RemoteProtocolError("server disconnected"), errors.APIConnectionError),
        (httpx.Response(200, content=b'{"trackingId": "ab'), errors.InvalidResponseError),
    ],
)
def test_a_reveal_that_may_have_reached_the_server_is_never_resent(
    method: str, answer: httpx.Response | Exception, cls: type[Exception]
) -> None:
    recorder = Recorder(answer, ok({"trackingId": "t1", "status": "queued"}))
    with pytest.raises(cls) as caught:
        getattr(make_client(recorder), method)({"personId": "1", "webhookUrl": "https://x.io/h"})
    assert len(recorder.requests) == 1
    if isinstance(caught.value, errors.TransportError):
        assert caught.value.request_sent


@pytest.mark.parametrize(
    "answer",
    [
        httpx.ConnectError("connection refused"),
        httpx.Response(429, headers={"Retry-After": "0"}, json={"message": "slow"}),
    ],
)
def test_a_reveal_is_retried_when_it_certainly_did_not_reach_the_server(
    answer: httpx.Response | Exception,
) -> None:
    recorder = Recorder(answer, ok({"trackingId": "t1", "status": "queued"}))
    result = make_client(recorder).reveal_email({"personId": "1", "webhookUrl": "https://x.io/h"})
    assert result.payload["trackingId"] == "t1"
    assert len(recorder.requests) == 2


@pytest.mark.parametrize(
    "payload",
    [
        [{"personId": "1"}],
        {"data": [{"personId": "1"}]},
        {"results": [{"personId": "1"}]},
        {"people": [{"personId": "1"}], "total": 1},
    ],
)
def test_search_accepts_a_bare_or_wrapped_list(payload: object) -> None:
    assert make_client(Recorder(ok(payload))).search_people({"page": 1, "perPage": 1}) == [
        {"personId": "1"}
    ]


def test_search_keeps_unknown_fields_and_either_location_shape() -> None:
    record = {
        "personId": "1",
        "personCity": ["Pune"],
        "companyEmployeeSize": ["51-100"],
        "seniority": ["Wizard"],
        "newField": {"nested": True},
    }
    assert make_client(Recorder(ok([record]))).search_people({"page": 1, "perPage": 1}) == [record]


def test_search_404_and_empty_list_are_both_no_results() -> None:
    for answer in (httpx.Response(404, json={"message": "No results found"}), ok([])):
        assert make_client(Recorder(answer)).search_people({"page": 1, "perPage": 1}) == []


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"total": 3}, "expected a list of people, got an object (keys: total)"),
        ("people", "expected a list of people, got str"),
        ([1, 2], "record 0 is int, not an object"),
    ],
)
def test_search_refuses_shapes_it_cannot_read(payload: object, message: str) -> None:
    with pytest.raises(errors.InvalidResponseError) as caught:
        make_client(Recorder(ok(payload)), retry=RetryPolicy(max_retries=0)).search_people(
            {"page": 1, "perPage": 1}
        )
    assert message in caught.value.message


def test_loopback_http_is_allowed_and_other_http_refused() -> None:
    for url in ("http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9"):
        CloduraClient("k", url, transport=httpx.MockTransport(Recorder(ok([])))).close()
    with pytest.raises(errors.InsecureTransportError):
        CloduraClient("k", "http://10.0.0.5")


def test_the_key_is_not_in_any_error_message() -> None:
    recorder = Recorder(httpx.ConnectError("refused"))
    with pytest.raises(errors.APIConnectionError) as caught:
        make_client(recorder, retry=RetryPolicy(max_retries=0)).credits()
    assert "test-key-5678" not in str(caught.value)
    assert not caught.value.request_sent


@pytest.mark.parametrize(
    ("path", "noun"),
    [(spec.SEARCH_PEOPLE_PATH, "people"), (spec.ORG_SEARCH_PATH, "organisations"),
     (spec.ORG_NEWS_PATH, "articles"), ("/api/v1/taxonomy", "records")],
)  # fmt: skip
def test_an_unreadable_list_is_named_by_what_its_endpoint_lists(path: str, noun: str) -> None:
    from clodura_cli.api.parsing import people_from_payload

    with pytest.raises(errors.InvalidResponseError) as caught:
        people_from_payload("text", path)
    assert caught.value.message == f"expected a list of {noun}, got str"


def test_a_lazy_client_sends_nothing_begun_after_an_interrupt_while_it_opens() -> None:
    # Threads waiting while the first request opened the connection (0.2 s for httpx and the
    # certificates) sent their requests even when Ctrl-C came meanwhile.
    import threading

    from clodura_cli.api.transport import Reply
    from clodura_cli.base import stopping

    opening, may_open, sent = threading.Event(), threading.Event(), []

    class Sender:
        def send(self, request: object) -> Reply:
            sent.append(request)
            return Reply(200, {}, b"[]")

        def close(self) -> None:
            """Nothing to close."""

    def slow_to_open(headers: object, timeout: float) -> Sender:
        opening.set()
        assert may_open.wait(60)
        return Sender()

    client = CloduraClient("test-key-5678", sender=slow_to_open, lazy=True)
    errors_seen: list[Exception] = []

    def search() -> None:
        try:
            client.search_people({"page": 1, "perPage": 1})
        except errors.CloduraError as exc:
            errors_seen.append(exc)

    threads = [threading.Thread(target=search) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        assert opening.wait(60)
        stopping.begin()
        may_open.set()
        for thread in threads:
            thread.join(60)
    finally:
        stopping.reset()
    assert sent == []
    assert [(type(e), e.request_sent) for e in errors_seen] == [
        (errors.APIConnectionError, False)
    ] * 4  # type: ignore[attr-defined]
    client.close()


def test_a_client_is_opened_when_made_unless_lazy() -> None:
    made: list[str] = []

    def factory(headers: object, timeout: float) -> object:
        made.append("sender")
        raise RuntimeError("cannot open")

    with pytest.raises(RuntimeError):  # paid work: a bad setup fails before anything is claimed
        CloduraClient("test-key-5678", sender=factory)  # type: ignore[arg-type]
    lazy = CloduraClient("test-key-5678", sender=factory, lazy=True)  # type: ignore[arg-type]
    assert made == ["sender"]  # only the eager one so far
    lazy.close()
    with pytest.raises(errors.APIConnectionError, match="the client is closed"):
        lazy.search_people({"page": 1, "perPage": 1})  # none is made once closed
    assert made == ["sender"]


def _interrupted_run(
    answer: Callable[[int], tuple[int, dict[str, str], bytes]],
    *,
    throttle: object = None,
    waits: list[float],
) -> tuple[list[int], float]:
    """Pages 1, 2 and 3 of one per page, fetched one by one as a one-page search or
    --concurrency 1 fetches them, the app's Ctrl-C handler in place and Ctrl-C sent when the
    run first begins a wait (a retry's or the throttle's). The pages sent, and how long the
    interrupt took to end the run."""
    import signal
    import threading
    import time

    from clodura_cli.api import retry
    from clodura_cli.api.paging import PageRequest, fetch_one_by_one
    from clodura_cli.api.transport import Reply
    from clodura_cli.base import stopping

    main = threading.main_thread().ident
    assert main is not None and main == threading.get_ident()
    sent: list[int] = []
    interrupted: list[float] = []
    default_wait = retry.Clock().sleep  # what a run waits with, outside the tests' fake clock

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if not interrupted:
            interrupted.append(time.monotonic())
            signal.pthread_kill(main, signal.SIGINT)
        default_wait(seconds)

    class Sender:
        def send(self, request: Any) -> Reply:
            sent.append(request.body["page"])
            return Reply(*answer(request.body["page"]))

        def close(self) -> None:
            """Nothing to close."""

    def on_sigint(signum: int, frame: Any) -> None:  # as the app's handler does
        stopping.begin()
        raise KeyboardInterrupt

    if throttle is not None:
        throttle._sleep = wait  # type: ignore[attr-defined]
    client = CloduraClient("test-key-5678", sender=lambda h, t: Sender(), sleep=wait,
                           throttle=throttle)  # type: ignore[arg-type]  # fmt: skip
    pages = [PageRequest(n, 1) for n in (1, 2, 3)]
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        with pytest.raises(KeyboardInterrupt):
            for _ in fetch_one_by_one(lambda p: client.search_people(p._asdict()), pages):
                pass
        took = time.monotonic() - interrupted[0]
    finally:
        signal.signal(signal.SIGINT, previous)
        stopping.reset()
        client.close()
    return sent, took


@pytest.mark.real_clock
def test_ctrl_c_during_the_throttles_spacing_sends_no_further_page() -> None:
    # The throttle's sleep ran on in the page's thread and page 2 went out after Ctrl-C (and
    # the run waited for it): the wait ends at the interrupt, and nothing is sent after it.
    from clodura_cli.api.throttle import Throttle

    waits: list[float] = []
    record = b'[{"personId": "1"}]'
    throttle = Throttle(1, 1 / 30)  # a request every 30 s
    sent, took = _interrupted_run(lambda page: (200, {}, record), throttle=throttle, waits=waits)
    assert sent == [1]
    assert waits and waits[0] > 20  # the spacing was being waited out
    assert took < 8  # not the 30 s spacing, nor the 10 s grace for a page in flight


@pytest.mark.real_clock
def test_ctrl_c_during_a_retry_wait_ends_the_run_at_once() -> None:
    # A 503 asking for 30 s: Ctrl-C in that wait took the whole 10 s grace, with nothing in
    # flight; the wait ends at the interrupt and the retry is never sent.
    waits: list[float] = []
    busy = (503, {"retry-after": "30"}, b'{"message": "busy"}')
    sent, took = _interrupted_run(lambda page: busy, waits=waits)
    assert sent == [1]
    assert waits == [30.0]
    assert took < 8
