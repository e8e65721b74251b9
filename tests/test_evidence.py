"""Paid answers are believed by evidence, not key names (API contract, Part B4).

A drift matrix: one row per answer shape a vendor's engineers might have written, run through
`clodura reveal` against a loopback server that answers the submission and the track calls as
the row says. Each row names what must be delivered (or nothing), the job's status in the
ledger and the exit code. Then properties, recovery (--reparse) and settling stuck jobs.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fake import Answer, Received, fake_server
from helpers import error_line, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clodura_cli import reveal
from clodura_cli.api.answers import Asked, read_answer
from clodura_cli.store.ledger import Ledger

KEY = "k-evidence-0123456789"
HOOK = "https://hooks.example.com/clodura"
STANDARD = {"contactsView": 10, "maxContacts": "1000", "directDials": 1, "maxDirectDials": 50}
ALICE, BOB = "alice@acme.example", "bob@acme.example"
BIG = "2158462248003261247"


@dataclass
class Row:
    """One answer shape and what the tool must make of it."""

    name: str
    kind: str
    submit: Any
    track: list[Any] = field(default_factory=list)
    #: person -> the email (str), the phone numbers (list), or None: nothing delivered.
    delivered: dict[str, Any] = field(default_factory=dict)
    status: str = "completed"
    exit: int = 0
    people: tuple[str, ...] = ("222",)
    #: Extra reveal arguments (--linkedin-url instead of ids, ...).
    args: tuple[str, ...] = ()
    #: Something stderr must say.
    says: str = ""
    credits: Any = "unset"


def done(email: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"trackingId": "T1", "status": "completed", "email": email, **extra}


Q = {"trackingId": "T1", "status": "queued"}
PEOPLE_LIST = {"trackingId": "T1", "status": "completed", "results": [
    {"personId": "111", "email": ALICE, "emailStatus": "verified"},
    {"personId": "222", "email": BOB, "emailStatus": "verified"},
]}  # fmt: skip

ROWS = [
    # The right person -------------------------------------------------------------------------
    Row("a list of people: only the one asked", "email", Q, [PEOPLE_LIST], {"222": BOB}),
    Row("a list without the one asked: unread", "email", Q, [PEOPLE_LIST], {"333": None},
        "unread", 7, ("333",), says="answer for someone else"),
    Row("a map keyed by id", "email", Q, [{"trackingId": "T1", "status": "done", "data": {
        "111": {"email": ALICE}, "222": {"email": BOB}}}], {"222": BOB}),
    Row("a map keyed by id without the one asked", "email", Q, [{"status": "done", "data": {
        "111": {"email": ALICE}}}], {"222": None}, "unread", 7),
    Row("a flat answer naming someone else", "email", Q,
        [{"status": "completed", "personId": "111", "email": ALICE}], {"222": None}, "unread", 7),
    Row("someone else's email nested deeper", "email", Q, [{"status": "completed", "result": {
        "person": {"personId": "111", "contact": {"email": ALICE}}}}], {"222": None}, "unread", 7),
    Row("a provider's email for someone else is not the person's", "email", Q,
        [{"trackingId": "T1", "status": "completed", "providers": [
            {"personId": "999", "email": ALICE, "emailStatus": "verified"}]}],
        {"222": None}, "unread", 7, says="answer for someone else"),
    Row("of two providers, the one not naming someone else", "email", Q,
        [{"trackingId": "T1", "status": "completed", "providers": [
            {"personId": "999", "email": ALICE, "emailStatus": "verified"},
            {"email": BOB, "emailStatus": "valid"}]}], {"222": BOB}),
    Row("a provider's phone for someone else is not the person's", "phone", Q,
        [{"trackingId": "T1", "status": "completed", "providers": [
            {"personId": "999", "phones": ["+1 212 555 0199"]}]}],
        {"222": None}, "unread", 7, says="answer for someone else"),
    Row("an id as a JSON number", "email", Q, [{"status": "completed", "results": [
        {"personId": 111, "email": ALICE}, {"personId": 222, "email": BOB}]}], {"222": BOB}),
    Row("a big id keeps every digit", "email", Q, [{"status": "completed", "results": [
        {"personId": int(BIG) + 1, "email": ALICE}]}], {BIG: None}, "unread", 7, (BIG,)),
    Row("matched by LinkedIn URL", "email", Q, [{"status": "completed", "results": [
        {"linkedinUrl": "https://www.linkedin.com/in/alice/", "email": ALICE},
        {"linkedinUrl": "https://linkedin.com/in/Bob", "email": BOB}]}],
        {"bob": BOB}, people=(), args=("--linkedin-url", "https://www.linkedin.com/in/bob/")),
    Row("a batch id shared by two people", "email", {"trackingId": "BATCH", "status": "queued"},
        [{"trackingId": "BATCH", "status": "completed", "results": [
            {"personId": "111", "email": ALICE}, {"personId": "222", "email": BOB}]}],
        {"111": ALICE, "222": BOB}, people=("111", "222")),
    # Envelopes ----------------------------------------------------------------------------------
    Row("success at the top of a submission is not done", "email",
        {"status": "success", "message": "Request accepted", "trackingId": "T1"},
        [Q, done(BOB, emailStatus="verified")], {"222": BOB}),
    Row("JSend: the inner status is the job's", "email",
        {"status": "success", "data": {"trackingId": "T1", "status": "queued"}},
        [done(BOB)], {"222": BOB}),
    Row("success true with an inner pending word", "phone",
        {"success": True, "data": {"tracking_id": "T1", "status": "pending"}},
        [{"success": True, "data": {"status": "success", "phones": ["+1 212 555 0100"]}}],
        {"222": ["+1 212 555 0100"]}),
    Row("an envelope's success over an inner processing", "email", Q,
        [{"status": "success", "data": {"trackingId": "T1", "status": "processing"}}, done(BOB)],
        {"222": BOB}),
    Row("ok at the top with the email inside", "email", Q,
        [{"status": "ok", "result": {"email": BOB}}], {"222": BOB}),
    # Done needs evidence -------------------------------------------------------------------------
    Row("done with an unknown email key", "email", Q,
        [{"status": "completed", "result": {"work_email": BOB, "email_status": "verified"}}],
        {"222": BOB}, credits=2),
    Row("done with an email under a path nobody documented", "email", Q,
        [{"status": "completed", "result": {"data": {"person": {"contact": {"mail": BOB}}}}}],
        {"222": BOB}, says="read email from"),
    Row("done with phone_numbers objects", "phone", Q, [{"status": "completed", "result": {
        "phone_numbers": [{"phone_number": "+1 202-555-0147", "phone_type": "mobile"}]}}],
        {"222": ["+1 202-555-0147"]}),
    Row("phones as a map of types", "phone", Q, [{"status": "completed", "result": {
        "contact": {"mobile": "+1 312 555 0100", "direct": "+1 312 555 0101"}}}],
        {"222": ["+1 312 555 0100", "+1 312 555 0101"]}),
    Row("a phone with a country code apart", "phone", Q, [{"status": "completed", "result": {
        "phone": {"number": "20 7946 0000", "countryCode": "44", "type": "office"}}}],
        {"222": ["+44 20 7946 0000"]}),
    Row("done without anything: unread", "email", Q, [{"status": "completed"}], {"222": None},
        "unread", 7, says="no email address for 222"),
    Row("phone done with an empty result object: unread", "phone", Q,
        [{"status": "completed", "result": {}}], {"222": None}, "unread", 7),
    Row("emailStatus not_found is an answer", "email", Q,
        [done(None, emailStatus="not_found")], {"222": None}),
    Row("a NOT_FOUND word is an answer", "email", Q, [{"status": "NOT_FOUND"}], {"222": None}),
    Row("no phones found is an answer", "phone", Q, [{"status": "completed", "phones": []}],
        {"222": []}),
    Row("upper-case words and statuses", "email", Q,
        [{"status": "COMPLETED", "email": BOB, "emailStatus": "VERIFIED"}], {"222": BOB},
        credits=2),
    Row("the submission is already the result", "email",
        {"trackingId": "T1", "status": "completed", "email": BOB, "emailStatus": "verified"}, [],
        {"222": BOB}),
    Row("credits the answer reports", "email", Q, [done(BOB, credits=3)], {"222": BOB},
        credits=3),
    # Interim values -------------------------------------------------------------------------------
    Row("an email while pending is interim, the final one is the result", "email", Q,
        [{"status": "processing", "email": ALICE}, done(BOB)], {"222": BOB}),
    Row("an email while pending forever is never delivered", "email", Q,
        [{"status": "processing", "email": ALICE}], {"222": None}, "processing", 8),
    Row("an email in the submission while queued is interim", "email",
        {"trackingId": "T1", "status": "queued", "email": ALICE}, [done(BOB)], {"222": BOB}),
    # Ids from anywhere ----------------------------------------------------------------------------
    *[
        Row(f"the id as {name}", "email", {name: "T1", "status": "queued"}, [done(BOB)],
            {"222": BOB})
        for name in ("_id", "requestId", "request_id", "job_id", "uuid")
    ],
    Row("a one-element list", "email", [{"trackingId": "T1", "status": "queued"}], [done(BOB)],
        {"222": BOB}),
    Row("only a Location header", "email",
        Answer(202, b"", {"Location": "/api/v1/search/people/track/T1"}), [done(BOB)],
        {"222": BOB}),
    Row("only an X-Request-Id header", "email", Answer(200, b"{}", {"X-Request-Id": "T1"}),
        [done(BOB)], {"222": BOB}),
    # Refusals: no job, no charge, nobody blocked ---------------------------------------------------
    Row("insufficient credits in words", "email", {"error": "Insufficient credits"}, [],
        {"222": None}, "rejected", 4),
    Row("a key refused in words", "email", {"error": "Invalid API key"}, [], {"222": None},
        "rejected", 3),
    Row("another refusal in words", "email", {"success": False, "message": "Bad person"}, [],
        {"222": None}, "rejected", 6),
    # Reading bytes -----------------------------------------------------------------------------------
    Row("a byte-order mark", "email", b"\xef\xbb\xbf" + json.dumps(Q).encode(),
        [b"\xef\xbb\xbf" + json.dumps(done(BOB)).encode()], {"222": BOB}),
    Row("text/plain", "email", Answer(200, json.dumps(Q).encode(), {"Content-Type": "text/plain"}),
        [Answer(200, json.dumps(done(BOB)).encode(), {"Content-Type": "text/plain"})],
        {"222": BOB}),
    Row("trailing text after the JSON", "email", json.dumps(Q).encode() + b"\n<!-- 0.012s -->",
        [json.dumps(done(BOB)).encode() + b"<!-- 0.012s -->"], {"222": BOB}),
    Row("an empty 200 while pending", "email", Q, [b"", b"", done(BOB)], {"222": BOB}),
    # Polling is a guess --------------------------------------------------------------------------------
    Row("a track 404 forever never fails a job", "email", Q,
        [Answer(404, b'{"message": "Not Found"}')], {"222": None}, "queued", 8,
        says="the track endpoint does not know this tracking id"),
    Row("a track 404 from no route: only the webhook", "email", Q,
        [Answer(404, b'{"message": "Cannot GET /api/v1/search/people/track/T1"}')],
        {"222": None}, "queued", 8, says="this API delivers results only to your webhook"),
    Row("one tracking id for two people, an answer naming nobody", "email", Q, [done(BOB)],
        {"111": None, "222": None}, "unread", 7, people=("111", "222"),
        says="whose result it is cannot be read"),
    Row("a track error naming no job never fails it", "email", Q,
        [{"status": "error", "message": "Tracking id not found"}], {"222": None}, "queued", 8,
        says="the track endpoint answered an error that does not name this job"),
    Row("an unknown word forever", "email", Q, [{"status": "mulling"}], {"222": None}, "queued", 8,
        says="'mulling'"),
]  # fmt: skip


def _answer(value: Any) -> Answer:
    if isinstance(value, Answer):
        return value
    if isinstance(value, bytes):
        return Answer(200, value)
    return Answer(200, json.dumps(value).encode())


def _script(row: Row) -> Any:
    tracks: Iterator[Any] = iter(row.track)
    last: list[Any] = [row.track[-1] if row.track else Q]

    def answer(request: Received) -> Answer:
        if request.path.endswith("/credits"):
            return _answer(STANDARD)
        if request.method == "POST":
            return _answer(row.submit)
        last[0] = next(tracks, last[0])
        return _answer(last[0])

    return answer


@pytest.fixture
def fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reveal, "POLL_INITIAL", 0.05)
    monkeypatch.setattr(reveal, "POLL_MAX", 0.1)
    monkeypatch.setattr(reveal, "TRACK_404_GRACE", 0.0)


def _delivered(row: Row, output: dict[str, Any]) -> Any:
    return output.get("email") if row.kind == "email" else output.get("phones")


@pytest.mark.slow  # rows left open wait out a real --timeout
@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_the_drift_matrix(
    row: Row, monkeypatch: pytest.MonkeyPatch, isolated: Path, fast_polls: None
) -> None:
    # A row that ends open (unread, still pending) waits out its whole timeout: 1 s is twenty
    # polls. A row that ends final stops as soon as it is: a long timeout costs it nothing
    # and keeps it from failing on a busy machine.
    timeout = "1" if row.exit in (7, 8) else "10"
    with fake_server(_script(row)) as fake:
        monkeypatch.setenv("CLODURA_BASE_URL", fake.url)
        monkeypatch.setenv("CLODURA_API_KEY", KEY)
        result = run_cli("reveal", row.kind, *row.people, *row.args, "--webhook-url", HOOK,
                         "--timeout", timeout, "-f", "jsonl")  # fmt: skip
    assert result.exit_code == row.exit, result.stderr
    if row.says:
        assert row.says in result.stderr
    jobs = Ledger(isolated / "data" / "ledger.db").jobs()
    assert {job.status for job in jobs} == {row.status}, [(j.status, j.message) for j in jobs]
    rows = {str(r.get("personId") or "bob"): r for r in result.jsonl()}
    for person, value in row.delivered.items():
        shown = rows.get(person, {})
        if value is None:
            assert not _delivered(row, shown), shown
            assert all(not (job.result or {}).get("email") for job in jobs)
        else:
            assert _delivered(row, shown) == value, shown
    if row.credits != "unset":
        assert [job.credits for job in jobs] == [row.credits]
    if row.status == "rejected":  # nobody blocked: the next run submits again
        posts = sum(1 for r in fake.received if r.method == "POST")
        with fake_server(_script(row)) as again:
            monkeypatch.setenv("CLODURA_BASE_URL", again.url)
            run_cli("reveal", row.kind, *row.people, "--webhook-url", HOOK, "--timeout", "1")
        assert posts == 1 and sum(1 for r in again.received if r.method == "POST") == 1


def test_the_matrix_is_wide() -> None:
    assert len(ROWS) >= 40


# Properties ---------------------------------------------------------------------------------------

_EMAILISH = st.text(alphabet="abc@.xyz-+ ", max_size=12)
_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | _EMAILISH,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["email", "mail", "result", "data", "status", "results",
                                       "personId", "contact", "phones"]), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip


@pytest.mark.slow  # generated inputs by the hundred
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_JSONISH)
def test_an_answer_without_an_email_address_never_yields_one(payload: Any) -> None:
    text = json.dumps(payload)
    outcome = read_answer(payload, "email", Asked("222"))
    found = (outcome.result or {}).get("email")
    if found is not None:
        assert "@" in found and found in text  # only ever an address the answer holds
        local, _, domain = found.partition("@")
        assert local and "." in domain


@pytest.mark.slow  # generated inputs by the hundred
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_JSONISH, st.sampled_from(["result", "data", "results", "person"]))
def test_an_email_that_belongs_to_someone_else_is_never_delivered(noise: Any, where: str) -> None:
    other = {"personId": "111", "email": ALICE}
    payload = {"status": "completed", where: [other] if where == "results" else other,
               "extra": noise}  # fmt: skip
    outcome = read_answer(payload, "email", Asked("222"))
    assert (outcome.result or {}).get("email") != ALICE
    assert (outcome.interim or {}).get("email") != ALICE


# Recovery -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "submit",
    [
        Answer(200, b"\xef\xbb\xbf" + json.dumps(done(BOB)).encode()),
        Answer(200, json.dumps(done(BOB)).encode() + b"<!-- 0.012s -->"),
        Answer(202, b"", {"Location": "/api/v1/search/people/track/T-LOC"}),
    ],
    ids=["bom", "trailing text", "header-only id"],
)
def test_reparse_recovers_what_an_older_reader_lost(
    submit: Answer, monkeypatch: pytest.MonkeyPatch, isolated: Path, fast_polls: None
) -> None:
    with fake_server(_script(Row("x", "email", submit, [Q]))) as fake:
        monkeypatch.setenv("CLODURA_BASE_URL", fake.url)
        monkeypatch.setenv("CLODURA_API_KEY", KEY)
        run_cli("reveal", "email", "222", "--webhook-url", HOOK, "--no-wait")
    ledger = Ledger(isolated / "data" / "ledger.db")
    [job] = ledger.jobs()
    ledger.update(job.id, status="unknown", result=None, tracking_id=None)  # an older reader
    reparsed = run_cli("track", "--reparse")
    assert reparsed.exit_code == 0, reparsed.stderr
    [job] = ledger.jobs()
    if submit.status == 202:
        assert (job.tracking_id, job.status) == ("T-LOC", "queued")
    else:
        assert (job.status, (job.result or {}).get("email")) == ("completed", BOB)


# Settling stuck jobs ----------------------------------------------------------------------------------


@contextlib.contextmanager
def losing(monkeypatch: pytest.MonkeyPatch, *who: str) -> Iterator[Any]:
    """A server that loses the first submission's answer (a 500; later ones are queued as T1)
    and whose track endpoint knows T1; a reveal of ``who`` through it already ran: the
    person's job is unknown."""
    posts: list[int] = []

    def answer(request: Received) -> Answer:
        if request.path.endswith("/credits"):
            return _answer(STANDARD)
        if request.method == "POST":
            posts.append(1)
            return Answer(500, b'{"message": "boom"}') if len(posts) == 1 else _answer(Q)
        return _answer(done(BOB))

    with fake_server(answer) as fake:
        monkeypatch.setenv("CLODURA_BASE_URL", fake.url)
        monkeypatch.setenv("CLODURA_API_KEY", KEY)
        assert run_cli("reveal", "email", *who, "--webhook-url", HOOK).exit_code == 7
        yield fake


@pytest.fixture
def lost(monkeypatch: pytest.MonkeyPatch, isolated: Path, fast_polls: None) -> Iterator[Any]:
    """``losing``, after a reveal of person 222."""
    with losing(monkeypatch, "222") as fake:
        yield fake


def _posts(fake: Any) -> int:
    return sum(1 for r in fake.received if r.method == "POST")


def test_attach_gives_a_lost_job_its_id_and_tracks_it(lost: Any, isolated: Path) -> None:
    attached = run_cli("track", "--attach", "222=T1")
    assert attached.exit_code == 0, attached.stderr
    waited = run_cli("track", "--wait", "--timeout", "5", "-f", "jsonl")
    assert waited.exit_code == 0, waited.stderr
    assert waited.jsonl()[0]["email"] == BOB
    jobs = Ledger(isolated / "data" / "ledger.db").jobs()
    assert [(j.status, j.tracking_id) for j in jobs] == [("completed", "T1")]
    assert _posts(lost) == 1


def test_attach_applies_a_delivery_already_kept_for_that_tracking_id(
    lost: Any, isolated: Path, tmp_path: Path
) -> None:
    """The delivery came while the job had no tracking id (kept unmatched): attaching the id
    answers the job at once, with no wait for a delivery that already came."""
    delivery = tmp_path / "delivery.json"
    delivery.write_text(json.dumps({"trackingId": "T7", "status": "completed", "email": BOB,
                                    "emailStatus": "verified"}))  # fmt: skip
    imported = run_cli("track", "--import", str(delivery))
    assert imported.exit_code == 0, imported.stderr
    assert "T7" in run_cli("track", "--unmatched", "-f", "jsonl").stdout
    attached = run_cli("track", "--attach", "222=T7")
    assert attached.exit_code == 0, attached.stderr
    assert "a delivery kept for it answered it: completed" in attached.stderr
    (job,) = Ledger(isolated / "data" / "ledger.db").jobs()
    assert (job.status, job.tracking_id, (job.result or {}).get("email")) == (
        "completed", "T7", BOB
    )  # fmt: skip
    assert "T7" not in run_cli("track", "--unmatched", "-f", "jsonl").stdout
    assert _posts(lost) == 1


def test_abandon_shows_the_answers_and_lets_refresh_submit_again(lost: Any, isolated: Path) -> None:
    given_up = run_cli("track", "--abandon", "222")
    assert given_up.exit_code == 0, given_up.stderr
    assert json.loads(given_up.stdout)[0]["body"] == {"message": "boom"}
    assert "may be charged again" in given_up.stderr
    plain = run_cli("reveal", "email", "222", "--webhook-url", HOOK)
    assert plain.exit_code == 0, plain.stderr
    assert _posts(lost) == 1  # an abandoned job still answers without --refresh
    again = run_cli("reveal", "email", "222", "--webhook-url", HOOK, "--refresh", "-f", "jsonl")
    assert again.exit_code == 0, again.stderr
    assert again.jsonl()[0]["email"] == BOB and _posts(lost) == 2
    jobs = Ledger(isolated / "data" / "ledger.db").jobs()
    assert [j.status for j in jobs] == ["completed", "abandoned"]


def test_refresh_over_a_lost_job_needs_yes_without_a_terminal(lost: Any) -> None:
    refused = run_cli("reveal", "email", "222", "--webhook-url", HOOK, "--refresh")
    assert refused.exit_code == 2
    assert "add --yes" in str(error_line(refused.stderr))
    assert _posts(lost) == 1
    agreed = run_cli("reveal", "email", "222", "--webhook-url", HOOK, "--refresh", "--yes",
                     "-f", "jsonl")  # fmt: skip
    assert agreed.exit_code == 0, agreed.stderr
    assert agreed.jsonl()[0]["email"] == BOB and _posts(lost) == 2


def test_a_lost_job_blocks_the_person_until_settled(lost: Any) -> None:
    plain = run_cli("reveal", "email", "222", "--webhook-url", HOOK)
    assert plain.exit_code == 7
    line = str(error_line(plain.stderr))
    assert "may have been charged" in line and "--attach" in line and "--abandon" in line
    assert _posts(lost) == 1


def test_attach_takes_a_tracking_id_that_ends_in_an_equals_sign(lost: Any, isolated: Path) -> None:
    attached = run_cli("track", "--attach", "222=dHJhY2s=")
    assert attached.exit_code == 0, attached.stderr
    (job,) = Ledger(isolated / "data" / "ledger.db").jobs()
    assert job.tracking_id == "dHJhY2s="


def test_attach_names_the_choice_when_a_person_has_two_kinds(lost: Any) -> None:
    run_cli("reveal", "phone", "222", "--no-wait")  # answered Q: a phone job, queued
    both = run_cli("track", "--attach", "222=T9")
    assert both.exit_code == 2 and "add --kind" in str(error_line(both.stderr))
    one = run_cli("track", "--attach", "222=T9", "--kind", "email")
    assert one.exit_code == 0, one.stderr


def test_a_job_finished_elsewhere_is_costed_by_the_run_unless_given_up(tmp_path: Path) -> None:
    """A receiver does not know the plan; the run that looks at the job next does, and costs
    it (Standard: 2 for a verified email). A job given up by hand may have been charged: its
    cost stays unknown."""
    from clodura_cli import tracking
    from clodura_cli.credits import STANDARD
    from clodura_cli.store.ledger import identity_of

    ledger = Ledger(tmp_path / "ledger.db")
    jobs = []
    for person in ("111", "222"):
        ids = {"personId": person}
        job, _ = ledger.claim("acct", "email", identity_of(ids), ids, ids)
        jobs.append(ledger.update(job.id, tracking_id="T" + person, status="queued"))
    ledger.update(
        jobs[0].id, status="completed", result={"email": ALICE, "emailStatus": "verified"}
    )  # as a receiver leaves it
    tracking.abandon(ledger, "222", None)
    run = reveal.Tracker(None, ledger, family=STANDARD)  # type: ignore[arg-type]  # no API call
    assert [run._poll(job).credits for job in jobs] == [2, None]
    assert [job.credits for job in ledger.jobs_by_ids([j.id for j in jobs])] == [2, None]


def test_a_job_asked_by_linkedin_url_is_found_by_it_in_any_spelling(
    monkeypatch: pytest.MonkeyPatch, isolated: Path, fast_polls: None
) -> None:
    """--raw, --attach and --abandon take the LinkedIn URL a person was asked by (such a job
    has no person id to name it by)."""
    url = "https://www.linkedin.com/in/ann-lee/"
    with losing(monkeypatch, "--linkedin-url", url) as fake:
        raw = run_cli("track", "--raw", "http://linkedin.com/in/Ann%2DLee")
        assert raw.exit_code == 0, raw.stderr
        assert [row["body"] for row in json.loads(raw.stdout)] == [{"message": "boom"}]
        attached = run_cli("track", "--attach", "https://uk.linkedin.com/in/ann-lee/?trk=a=T1== ")
        assert attached.exit_code == 0, attached.stderr
        waited = run_cli("track", "--wait", "--timeout", "5", "-f", "jsonl")
        assert waited.exit_code == 0, waited.stderr
        given_up = run_cli("track", "--abandon", url)
        assert given_up.exit_code == 2  # nothing stuck any more: the job has its answer
    (job,) = Ledger(isolated / "data" / "ledger.db").jobs()
    assert (job.status, job.tracking_id, (job.result or {}).get("email")) == (
        "completed",
        "T1==",
        BOB,
    )
    assert _posts(fake) == 1


@pytest.mark.parametrize(
    ("payload", "asked", "email"),
    [
        # Asked by name: the provider names the person the entry names.
        ({"status": "completed", "personId": "602", "providers": [
            {"personId": "602", "email": ALICE, "status": "verified"}]}, Asked(), ALICE),
        # A blank id names nobody.
        ({"status": "completed", "providers": [{"personId": "", "email": ALICE}]},
         Asked("602"), ALICE),
        # One profile, written another way (percent-encoded; the mobile subdomain).
        ({"status": "completed", "providers": [{"email": ALICE, "linkedinUrl":
            "https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa"}]},
         Asked(None, "https://www.linkedin.com/in/josé-garcía/"), ALICE),
        ({"status": "completed", "providers": [
            {"linkedinUrl": "https://m.linkedin.com/in/jo", "email": ALICE}]},
         Asked(None, "https://www.linkedin.com/in/jo"), ALICE),
        # Someone else: kept, not read.
        ({"status": "completed", "providers": [{"personId": "999", "email": ALICE}]},
         Asked("602"), None),
        ({"status": "completed", "personId": "602", "providers": [
            {"personId": "999", "email": ALICE}]}, Asked(), None),
        # Found by the search of the whole entry too, not only among the providers (a review).
        ({"trackingId": "t1", "status": "completed", "data": {
            "personId": "123", "linkedinUrl": "https://www.linkedin.com/in/ann", "providers": [
                {"linkedinUrl": "https://www.linkedin.com/in/bob", "email": ALICE}]}},
         Asked("123"), None),
        # A profile with nothing of its kind to compare with is not taken as the person's.
        ({"status": "completed", "providers": [
            {"personId": "", "linkedinUrl": "https://www.linkedin.com/in/bob", "email": ALICE}]},
         Asked("602"), None),
    ],
)  # fmt: skip
def test_a_provider_is_read_unless_it_names_someone_else(
    payload: dict[str, Any], asked: Asked, email: str | None
) -> None:
    """The first version of the providers check refused every provider naming anyone for a job
    asked by name, and a blank id or another spelling of the profile (a review)."""
    outcome = read_answer(payload, "email", asked)
    assert (outcome.result or {}).get("email") == email
    assert outcome.status == ("completed" if email else "unread")
