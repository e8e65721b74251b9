"""Reveal results arrive by webhook: `clodura listen`, `reveal --listen`, `track --import`.

The sandbox here has no track endpoint (CLODURA_SANDBOX_TRACK=off, `sandbox serve --no-track`),
as the vendor documents: results come only by delivery.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import signal
import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import (
    CLODURA,
    DEADLINE,
    base_env,
    error_line,
    loopback,
    person_ids,
    run_cli,
    sandbox_fails,
    spawn,
    wait_for,
)

from clodura_cli.listen import ListenOptions, running
from clodura_cli.sandbox.data import build_dataset
from clodura_cli.sandbox.keys import SANDBOX_KEYS, WEBHOOK_SECRET
from clodura_cli.sandbox.reveal import job_outcome
from clodura_cli.sandbox.state import Job as SandboxJob
from clodura_cli.store.ledger import Ledger, identity_of
from clodura_cli.webhooks import Receiver, signature

SECRET = "s3cret-for-tests"
#: Twenty people the sandbox answers (a failed reveal would end the run with exit 6).
PEOPLE = [p for p in person_ids(30, start=300) if not sandbox_fails(p)][:20]


def expected_emails(people: list[str], key: str = "sandbox-standard") -> dict[str, Any]:
    family = SANDBOX_KEYS[key].family
    found = {}
    for person in people:
        job = SandboxJob("t", key, "email", {"personId": person}, 0, 0, "queued", None, 0)
        dataset = build_dataset()
        _, result, _ = job_outcome(job, dataset.people[dataset.by_id[person]], family)
        found[person] = (result or {}).get("email")
    return found


# reveal --listen over the in-process sandbox -------------------------------------------------


def test_reveal_listen_gets_every_email_with_no_track_endpoint(
    monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    monkeypatch.setenv("CLODURA_SANDBOX_TRACK", "off")
    result = run_cli("reveal", "email", "--sandbox", "--listen", "--listen-port", "0", *PEOPLE,
                     "-f", "jsonl", "--timeout", "60")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    got = {row["personId"]: row["email"] for row in result.jsonl()}
    assert got == expected_emails(PEOPLE)
    # The receiver does not know the plan; the run does (Standard: 2 for a verified email).
    costs = {row["personId"]: row["credits"] for row in result.jsonl()}
    assert costs == {
        row["personId"]: 2 if row["emailStatus"] == "verified" else 0 for row in result.jsonl()
    }
    assert "receiving deliveries at http://127.0.0.1:" in result.stderr
    assert result.stderr.count(" verified") >= len(PEOPLE)  # every delivery signed and checked
    answers = Ledger(isolated / "data" / "ledger.db").answers()
    assert sum(1 for a in answers if a.call == "webhook") == len(PEOPLE)


def test_reveal_listen_to_a_remote_api_needs_a_public_url(emulator: Any) -> None:
    result = run_cli("reveal", "email", "1", "--listen", env={
        "CLODURA_BASE_URL": "https://api.clodura.ai", "CLODURA_API_KEY": "k-0123456789"})  # fmt: skip
    assert result.exit_code == 2
    assert "pass its public https URL as --webhook-url" in str(error_line(result.stderr))


def test_without_a_track_endpoint_or_a_receiver_the_wait_ends_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLODURA_SANDBOX_TRACK", "off")
    started = time.monotonic()
    result = run_cli("reveal", "email", "--sandbox", PEOPLE[0], "--timeout", "120")
    assert result.exit_code == 8
    line = str(error_line(result.stderr))
    assert "this API delivers results only to your webhook: run `clodura listen`" in line
    assert time.monotonic() - started < 60
    again = run_cli("track", "--wait", "--sandbox", "--timeout", "120")
    assert again.exit_code == 8 and "clodura track --import" in again.stderr


# clodura listen in a process of its own, beside `sandbox serve --no-track` ---------------------


@contextlib.contextmanager
def serving(home: Path, *args: str) -> Iterator[str]:
    """`clodura sandbox serve --no-track` on a free port; its URL."""
    command = [CLODURA, "sandbox", "serve", "--port", "0", "--no-track", "--job-delay", "0.2",
               *args]  # fmt: skip
    with spawn(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
               env=base_env(home)) as process:  # fmt: skip
        assert process.stdout is not None
        first = process.stdout.readline()
        yield first.split()[-1]
        process.terminate()


@contextlib.contextmanager
def listening(env: dict[str, str], *args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`clodura listen --port 0` in a process of its own; its delivery URL."""
    command = [CLODURA, "listen", "--port", "0", *args]
    with spawn(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
               env=env) as process:  # fmt: skip
        assert process.stderr is not None
        first = process.stderr.readline()
        assert first.startswith("listening on http://127.0.0.1:"), first
        yield process, first.split()[-1]


@pytest.mark.loopback
def test_listen_in_one_process_reveal_in_another_then_track_wait(tmp_path: Path) -> None:
    with serving(tmp_path) as api:
        env = {**base_env(tmp_path), "CLODURA_BASE_URL": api, "CLODURA_API_KEY": "sandbox-standard",
               "CLODURA_WEBHOOK_SECRET": WEBHOOK_SECRET}  # fmt: skip
        with listening(env, "-f", "jsonl") as (receiver, hook):
            people = PEOPLE[:8]
            submitted = subprocess.run(
                [CLODURA, "reveal", "email", "--no-wait", "--webhook-url", hook, *people, "-f",
                 "jsonl"], capture_output=True, text=True, env=env, timeout=DEADLINE, check=False,
            )  # fmt: skip
            assert submitted.returncode == 0, submitted.stderr
            waited = subprocess.run(
                [CLODURA, "track", "--wait", "--timeout", "60", "-f", "jsonl"],
                capture_output=True, text=True, env=env, timeout=DEADLINE * 2, check=False,
            )  # fmt: skip
            receiver.send_signal(signal.SIGTERM)
            out, err = receiver.communicate(timeout=DEADLINE)
    assert waited.returncode == 0, waited.stderr
    ledger = Ledger(tmp_path / "data" / "ledger.db")
    assert {j.person_id: (j.result or {}).get("email") for j in ledger.jobs()} == expected_emails(
        people
    )
    assert receiver.returncode == 0, err
    assert "stopped" in err and err.count("  verified") == len(people)
    assert {json.loads(line)["personId"] for line in out.splitlines()} == set(people)


@pytest.mark.slow
def test_listen_until_done_and_timeout(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    with listening(env, "--until-done") as (receiver, _):
        assert receiver.wait(timeout=DEADLINE) == 0  # nothing pending: done at once
    ledger = Ledger(tmp_path / "data" / "ledger.db")
    ids = {"personId": "42"}
    job, _ = ledger.claim("acct", "email", identity_of(ids), ids, ids)
    ledger.update(job.id, tracking_id="T-42", status="queued")
    with listening(env, "--timeout", "1") as (receiver, _):
        _, err = receiver.communicate(timeout=DEADLINE)
    assert receiver.returncode == 8
    assert "1 job(s) still waiting for an answer after 1s" in err


@pytest.mark.slow
def test_kill_9_loses_nothing_that_was_acknowledged(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    acknowledged: list[bytes] = []
    with listening(env) as (receiver, hook):
        stop = threading.Event()

        def post() -> None:
            with httpx.Client(timeout=5) as client:
                for n in range(500):
                    body = json.dumps({"trackingId": f"K{n}", "status": "completed"}).encode()
                    try:
                        answer = client.post(hook, content=body,
                                             headers={"Content-Type": "application/json"})  # fmt: skip
                    except httpx.HTTPError:
                        return
                    if answer.status_code == 200:
                        acknowledged.append(body)
                    if stop.is_set():
                        return

        thread = threading.Thread(target=post)
        thread.start()
        wait_for(lambda: len(acknowledged) >= 20, "twenty deliveries acknowledged")
        os.kill(receiver.pid, signal.SIGKILL)
        stop.set()
        thread.join(timeout=DEADLINE)
    kept = {
        d.body for d in Ledger(tmp_path / "data" / "ledger.db").deliveries().listed("unmatched")
    }
    assert acknowledged and set(acknowledged) <= kept


# The receiver in this process: signatures, limits, browsers ---------------------------------------


@pytest.fixture
def receiver_url(isolated: Path) -> Iterator[tuple[str, Ledger]]:
    ledger = Ledger(isolated / "data" / "ledger.db")
    options = ListenOptions(port=0)
    with running(options, Receiver(ledger, SECRET)) as server:
        yield server.url, ledger


def queued_job(ledger: Ledger, person: str = "222", tracking_id: str = "T1") -> int:
    ids = {"personId": person}
    job, _ = ledger.claim("acct", "email", identity_of(ids), ids, ids)
    ledger.update(job.id, tracking_id=tracking_id, status="queued")
    return job.id


def post(url: str, body: bytes, **headers: str) -> httpx.Response:
    return loopback.post(url, content=body, headers={"Content-Type": "application/json", **headers})


DONE = json.dumps({"trackingId": "T1", "status": "completed", "email": "bob@acme.example",
                   "emailStatus": "verified", "credits": 2}).encode()  # fmt: skip


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("header", [sign(DONE), "sha256=" + sign(DONE), sign(DONE).upper()])
def test_a_signed_delivery_is_applied(receiver_url: tuple[str, Ledger], header: str) -> None:
    url, ledger = receiver_url
    job_id = queued_job(ledger)
    answer = post(url, DONE, **{"X-Clodura-Signature": header})
    assert answer.status_code == 200
    job = ledger.get(job_id)
    assert (job.status, (job.result or {}).get("email")) == ("completed", "bob@acme.example")


@pytest.mark.parametrize("header", [None, sign(DONE, "other-secret"), "sha256=", "garbage"])
def test_a_missing_or_wrong_signature_is_kept_aside_never_applied(
    receiver_url: tuple[str, Ledger], header: str | None
) -> None:
    url, ledger = receiver_url
    job_id = queued_job(ledger)
    extra = {} if header is None else {"X-Clodura-Signature": header}
    answer = post(url, DONE, **extra)
    assert answer.status_code == 401
    assert ledger.get(job_id).status == "queued"
    listed = run_cli("track", "--unverified", "-f", "jsonl")
    assert listed.exit_code == 0 and listed.jsonl()[0]["trackingId"] == "T1"
    applied = run_cli("track", "--apply-unverified")
    assert applied.exit_code == 0, applied.stderr
    assert ledger.get(job_id).status == "completed"


def test_a_redelivery_is_applied_once(receiver_url: tuple[str, Ledger]) -> None:
    url, ledger = receiver_url
    job_id = queued_job(ledger)
    for _ in range(3):
        assert post(url, DONE, **{"X-Clodura-Signature": sign(DONE)}).status_code == 200
    job = ledger.get(job_id)
    assert job.credits == 2
    assert [a.call for a in ledger.answers(job_id)] == ["webhook"]
    assert len(ledger.deliveries().listed("applied")) == 1


def test_a_delivery_before_its_job_is_matched_later(receiver_url: tuple[str, Ledger]) -> None:
    url, ledger = receiver_url
    early = json.dumps({"trackingId": "T-early", "status": "completed",
                        "email": "ann@acme.example"}).encode()  # fmt: skip
    assert post(url, early, **{"X-Clodura-Signature": sign(early)}).status_code == 200
    assert len(ledger.deliveries().listed("unmatched")) == 1
    assert run_cli("track", "--unmatched", "-f", "jsonl").jsonl()[0]["trackingId"] == "T-early"
    job_id = queued_job(ledger, "333", "T-early")  # recorded by hand: no submission to read
    reparsed = run_cli("track", "--reparse")
    assert "1 of 1 unmatched deliveries matched" in reparsed.stderr
    assert (ledger.get(job_id).result or {}).get("email") == "ann@acme.example"


def test_a_delivery_that_beats_the_submission_answer_is_applied_with_it(
    receiver_url: tuple[str, Ledger],
) -> None:
    from clodura_cli.reveal import Tracker

    url, ledger = receiver_url
    early = json.dumps({"trackingId": "T-fast", "status": "completed",
                        "email": "cy@acme.example"}).encode()  # fmt: skip
    post(url, early, **{"X-Clodura-Signature": sign(early)})
    ids = {"personId": "444"}
    job, _ = ledger.claim("acct", "email", identity_of(ids), ids, ids)
    recorded = Tracker(None, ledger).record_submission(  # type: ignore[arg-type]
        job, {"trackingId": "T-fast", "status": "queued"}
    )
    assert (recorded.status, (recorded.result or {}).get("email")) == (
        "completed", "cy@acme.example")  # fmt: skip


def test_matched_by_person_when_the_delivery_has_no_tracking_id(
    receiver_url: tuple[str, Ledger],
) -> None:
    url, ledger = receiver_url
    job_id = queued_job(ledger, "555", "T-other")
    body = json.dumps({"personId": "555", "type": "email", "status": "done",
                       "email": "dee@acme.example"}).encode()  # fmt: skip
    assert post(url, body, **{"X-Clodura-Signature": sign(body)}).status_code == 200
    assert (ledger.get(job_id).result or {}).get("email") == "dee@acme.example"


def _batch(*results: tuple[str, str]) -> list[dict[str, str]]:
    return [{"trackingId": t, "status": "completed", "email": e} for t, e in results]


@pytest.mark.parametrize(
    ("wrap", "key", "headers"),
    [(None, "trackingId", {}), ("events", "trackingId", {}), ("jobs", "jobId", {}),
     (None, "id", {}), ("events", "trackingId", {"X-Request-Id": "req-9f8e"})],
    ids=["bare array", "under one key", "jobs", "a bare array of ids and statuses",
         "a proxy's request id in a header"],
)  # fmt: skip
def test_a_batch_delivery_answers_each_job_by_its_own_tracking_id(
    receiver_url: tuple[str, Ledger], wrap: str | None, key: str, headers: dict[str, str]
) -> None:
    url, ledger = receiver_url
    first, second = queued_job(ledger, "222", "T1"), queued_job(ledger, "333", "T2")
    results = [
        {key if k == "trackingId" else k: v for k, v in r.items()}
        for r in _batch(("T2", "cy@acme.example"), ("T1", "bob@acme.example"))
    ]
    body = json.dumps({wrap: results} if wrap else results).encode()
    signed = {"X-Clodura-Signature": sign(body), **headers}
    assert post(url, body, **signed).status_code == 200
    emails = [(ledger.get(job).result or {}).get("email") for job in (first, second)]
    assert emails == ["bob@acme.example", "cy@acme.example"]
    assert [d.state for d in ledger.deliveries().listed("applied")] == ["applied"]


PHONES = [{"id": "ph1", "number": "+14155550101"}, {"id": "ph2", "number": "+14155550102"}]


@pytest.mark.parametrize(
    ("delivery", "headers"),
    [({"status": "completed", "phones": PHONES}, {"X-Tracking-Id": "T1"}),
     ({"personId": "222", "type": "phone", "status": "completed", "phones": PHONES}, {}),
     ({"trackingId": "T1", "status": "completed", "results": [
         {"requestId": "r1", "phones": PHONES[:1]}, {"requestId": "r2", "phones": PHONES[1:]}]},
      {}),
     ([{"id": "p1", "status": "done", "phones": PHONES[:1]},
       {"id": "p2", "status": "done", "phones": PHONES[1:]}], {"X-Tracking-Id": "T1"})],
    ids=["the id in a header", "the person at the top", "the id at the top",
         "the id in a header, results with plain ids"],
)  # fmt: skip
def test_one_jobs_answer_whose_entries_have_ids_is_no_batch(
    receiver_url: tuple[str, Ledger], delivery: Any, headers: dict[str, str]
) -> None:
    """A review: phones with their own ids were taken for a batch of jobs, and the job they
    answer stayed queued."""
    url, ledger = receiver_url
    ids = {"personId": "222"}
    job, _ = ledger.claim("acct", "phone", identity_of(ids), ids, ids)
    ledger.update(job.id, tracking_id="T1", status="queued")
    body = json.dumps(delivery).encode()
    assert post(url, body, **headers, **{"X-Clodura-Signature": sign(body)}).status_code == 200
    answered = ledger.get(job.id)
    assert answered.status == "completed"
    assert len((answered.result or {}).get("phones") or []) >= 1


def test_a_batch_with_a_result_for_an_unknown_job_stays_unmatched_until_reparse(
    receiver_url: tuple[str, Ledger],
) -> None:
    url, ledger = receiver_url
    first = queued_job(ledger, "222", "T1")
    body = json.dumps(_batch(("T1", "bob@acme.example"), ("T9", "eve@acme.example"))).encode()
    assert post(url, body, **{"X-Clodura-Signature": sign(body)}).status_code == 200
    assert (ledger.get(first).result or {}).get("email") == "bob@acme.example"
    assert len(ledger.deliveries().listed("unmatched")) == 1
    later = queued_job(ledger, "999", "T9")
    reparsed = run_cli("track", "--reparse")
    assert reparsed.exit_code == 0, reparsed.stderr
    assert (ledger.get(later).result or {}).get("email") == "eve@acme.example"
    assert [a.call for a in ledger.answers(first)] == ["webhook"]  # not applied a second time
    assert ledger.deliveries().listed("unmatched") == []


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status"),
    [
        ("POST", "", {"Content-Type": "application/json"}, b"x" * (1024 * 1024 + 1), 413),
        ("POST", "", {"Content-Type": "text/plain"}, b"{}", 415),
        ("POST", "", {"Content-Type": "application/json", "Origin": "https://evil.example"},
         b"{}", 403),
        ("GET", "", {}, b"", 405),
        ("POST", "/other", {"Content-Type": "application/json"}, b"{}", 404),
    ],
    ids=["too large", "not json", "from a web page", "not a post", "another path"],
)  # fmt: skip
def test_what_a_receiver_refuses(
    receiver_url: tuple[str, Ledger],
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    status: int,
) -> None:
    url, ledger = receiver_url
    target = url.rsplit("/", 1)[0] + path if path else url
    answer = loopback.request(method, target, content=body or None, headers=headers)
    assert answer.status_code == status
    assert ledger.deliveries().listed("unmatched") == []
    assert ledger.deliveries().listed("unverified") == []


def test_the_receiver_says_it_is_alive_while_it_runs(isolated: Path) -> None:
    ledger = Ledger(isolated / "data" / "ledger.db")
    with running(ListenOptions(port=0), Receiver(ledger, None)) as server:
        assert ledger.deliveries().receiver_alive() == server.url
    assert ledger.deliveries().receiver_alive() is None


def test_a_kept_open_connection_does_not_hold_up_a_stopping_receiver(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sender that keeps its connection open between deliveries (HTTP/1.1 does by default)
    once made `listen` wait out the client timeout before it could stop."""
    import http.client

    from clodura_cli import listen

    monkeypatch.setattr(listen._Handler, "timeout", 300.0)  # waiting it out would be seen
    ledger = Ledger(isolated / "data" / "ledger.db")
    with running(ListenOptions(port=0), Receiver(ledger, SECRET)) as server:
        host, port = server.server_address[:2]
        sender = http.client.HTTPConnection(str(host), int(port), timeout=DEADLINE)
        sender.request("POST", "/webhook", DONE, {"Content-Type": "application/json",
                                                  "X-Clodura-Signature": sign(DONE)})  # fmt: skip
        answer = sender.getresponse()
        assert answer.status == 200 and answer.getheader("Connection") != "close"
        answer.read()  # the connection stays open, waiting for the next delivery
        started = time.monotonic()
    assert time.monotonic() - started < 60  # stopped without the 300 s wait
    assert sender.sock is not None and sender.sock.recv(1) == b""  # closed by the receiver
    sender.close()
    assert ledger.deliveries().receiver_alive() is None


def test_forward_to_passes_body_and_signature_unchanged(isolated: Path) -> None:
    from fake import Answer, fake_server

    ledger = Ledger(isolated / "data" / "ledger.db")
    with fake_server(lambda r: Answer(200, b"{}")) as target:
        options = ListenOptions(port=0, forward_to=target.url + "/hook")
        with running(options, Receiver(ledger, SECRET)) as server:
            post(server.url, DONE, **{"X-Clodura-Signature": sign(DONE)})
            wait_for(lambda: target.received, "the forwarded delivery")
    [forwarded] = target.received
    assert forwarded.body == DONE and forwarded.path == "/hook"
    assert forwarded.headers["x-clodura-signature"] == sign(DONE)


# track --import ---------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["one body", "an array", "json lines", "with headers"])
def test_track_import_applies_captured_deliveries(isolated: Path, shape: str) -> None:
    ledger = Ledger(isolated / "data" / "ledger.db")
    ids = [queued_job(ledger, str(600 + n), f"T-imp{n}") for n in range(2)]
    bodies = [{"trackingId": f"T-imp{n}", "status": "completed", "email": f"p{n}@acme.example"}
              for n in range(2)]  # fmt: skip
    source = isolated / "captured.json"
    if shape == "one body":
        source.write_text(json.dumps(bodies[0]))
    elif shape == "an array":
        source.write_text(json.dumps(bodies))
    elif shape == "json lines":
        source.write_text("".join(json.dumps(b) + "\n" for b in bodies))
    else:
        raw = json.dumps(bodies[0])
        good = {"headers": {"X-Clodura-Signature": sign(raw.encode())}, "body": raw}
        bad = {"headers": {"X-Clodura-Signature": "nope"}, "body": json.dumps(bodies[1])}
        source.write_text(json.dumps([good, bad]))
    # A capture without its headers is applied only where no secret asks for signatures.
    secret = {"CLODURA_WEBHOOK_SECRET": SECRET} if shape == "with headers" else {}
    result = run_cli("track", "--import", str(source), env=secret)
    assert result.exit_code == 0, result.stderr
    emails = [(ledger.get(i).result or {}).get("email") for i in ids]
    if shape == "one body":
        assert "1 applied" in result.stderr and emails == ["p0@acme.example", None]
    elif shape == "with headers":
        assert "1 applied" in result.stderr and "1 unverified" in result.stderr
        assert emails == ["p0@acme.example", None]
    else:
        assert "2 applied" in result.stderr and emails == ["p0@acme.example", "p1@acme.example"]
    again = run_cli("track", "--import", str(source))
    assert "already applied" in again.stderr


def test_an_answer_holding_half_a_character_is_applied_and_kept_exactly(isolated: Path) -> None:
    """JSON may carry a lone surrogate (an emoji cut in two), which SQLite refuses: the paid
    answer failed to be stored (an internal error, the job left queued for ever)."""
    ledger = Ledger(isolated / "data" / "ledger.db")
    job_id = queued_job(ledger, "777", "T-half")
    source = isolated / "captured.json"
    source.write_text(
        '{"trackingId": "T-half", "status": "completed", "email": "ana@acme.example", '
        '"firstName": "Ana\\ud83d", "lastName": "Lee", "companyDomain": "acme.example", '
        '"message": "done \\udc80"}'
    )
    result = run_cli("track", "--import", str(source))
    assert result.exit_code == 0, result.stderr
    assert "1 applied" in result.stderr
    job = ledger.get(job_id)
    assert job.status == "completed"
    assert job.result is not None and job.result["email"] == "ana@acme.example"
    # Lossless where JSON is stored: the answer reads back as it came.
    assert job.result["firstName"] == "Ana\ud83d"
    shown = run_cli("track", "T-half", "--raw")
    assert shown.exit_code == 0, shown.stderr
    assert "Ana\\ud83d" in shown.stdout


def test_with_a_secret_an_imported_body_without_its_signature_is_kept_aside(
    isolated: Path,
) -> None:
    """A webhook inspector's capture may hold forged posts: with a secret set, a body imported
    without its headers was applied, an attacker's email and all (a paid-path trial)."""
    ledger = Ledger(isolated / "data" / "ledger.db")
    job_id = queued_job(ledger, "640", "T-forged")
    source = isolated / "captured.json"
    forged = {"trackingId": "T-forged", "status": "completed", "email": "x@evil.example"}
    source.write_text(json.dumps([forged, {"headers": "x", "body": forged}]))
    secret = {"CLODURA_WEBHOOK_SECRET": SECRET}
    result = run_cli("track", "--import", str(source), env=secret)
    assert result.exit_code == 0, result.stderr
    assert "0 applied" in result.stderr and "2 unverified" in result.stderr
    assert ledger.get(job_id).status == "queued"
    assert len(ledger.deliveries().listed("unverified")) == 1  # one body, twice
    looked = run_cli("track", "--apply-unverified", env=secret)  # once the user has looked
    assert looked.exit_code == 0, looked.stderr
    assert (ledger.get(job_id).result or {}).get("email") == "x@evil.example"


# The secret ----------------------------------------------------------------------------------------


def test_the_webhook_secret_comes_from_stdin_and_is_never_shown(isolated: Path) -> None:
    refused = run_cli("config", "set", "webhook-secret", SECRET)
    assert refused.exit_code == 2 and "not on the command line" in refused.stderr
    stored = run_cli("config", "set", "webhook-secret", input=SECRET + "\n")
    assert stored.exit_code == 0, stored.stderr
    assert SECRET not in stored.stdout + stored.stderr
    path = isolated / "config" / "webhook-secrets"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and SECRET in path.read_text()
    for args in (("config", "get", "webhook-secret"), ("config", "list")):
        shown = run_cli(*args)
        assert SECRET not in shown.stdout and "never shown" in shown.stdout


def test_the_sandbox_signs_with_the_secret_it_shows() -> None:
    shown = run_cli("sandbox", "keys")
    assert WEBHOOK_SECRET in shown.stdout
    body = b'{"x": 1}'
    assert signature(WEBHOOK_SECRET, body) == sign(body, WEBHOOK_SECRET)
