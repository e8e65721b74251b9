"""The third attack's findings: each test reproduces one and checks what the tool does now."""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import json
import os
import socket
import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake import Answer, Received, always, fake_server
from helpers import CLODURA, DEADLINE, base_env, error_line, person_ids, run_cli, spawn

from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.store.ledger import MAX_JOB_ANSWER_BYTES, Ledger

KEY = "k-attack-0123456789"
HOOK = "https://hooks.example.com/clodura"


def reveal_once(emulator: SandboxApp) -> str:
    """A person revealed through the ledger, so that a second request would pay twice."""
    person = person_ids(1, start=7)[0]
    first = run_cli("reveal", "email", "--sandbox", person, "-f", "jsonl")
    assert first.exit_code == 0, first.stderr
    assert sum(1 for e in emulator.log if e["endpoint"] == "email") == 1
    return person


# -- 1. reveal paths that skipped the ledger ------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "search/people/./email/match",
        "search/people/x/../email/match",
        "search/people/email/match#frag",
        "search/people/email/match?q=1",
        "search/people/email/match/",
        "search//people/email//match",
        "SEARCH/PEOPLE/EMAIL/MATCH",
        "search/people/email/%6Datch",
        "/api/v1/search/people/%65mail/match",
        # Read alike by servers that drop ;params (Tomcat, Spring) or trailing dots and spaces
        # (IIS): these were sent around the ledger, and paid for again.
        "search/people/email/match;x",
        "search/people/email/match;",
        "search/people/email;v=1/match",
        "search/people/email/match%3Bx",
        "search/people/email/match.",
        "search/people/email/match%20",
        "search/people/x/..;/email/match",  # Tomcat's `..;` is `..`
        "search/people/x/%2e%2e;a=b/email/match",
    ],
)
def test_every_spelling_of_a_reveal_path_goes_through_the_ledger(
    emulator: SandboxApp, path: str
) -> None:
    person = reveal_once(emulator)
    again = run_cli(
        "api", "--sandbox", path, "-f", f"personId={person}", "-f", f"webhookUrl={HOOK}"
    )
    assert again.exit_code == 0, again.stderr
    assert "answered from the ledger" in again.stderr
    assert json.loads(again.stdout)["personId"] == person
    assert sum(1 for e in emulator.log if e["endpoint"] == "email") == 1


def test_a_path_holding_a_control_character_is_refused(emulator: SandboxApp) -> None:
    result = run_cli("api", "--sandbox", "search/people/email/match%00", "-f", "personId=1")
    assert result.exit_code == 2
    assert "holds a control character" in str(error_line(result.stderr))
    assert emulator.log == []


@pytest.mark.parametrize(
    "path", ["../credits", "search/../../x", "/api/v1/../../etc", "/api/v1/..;/x", "..;/..;/etc"]
)
def test_a_path_leaving_api_v1_is_refused(emulator: SandboxApp, path: str) -> None:
    result = run_cli("api", "--sandbox", path)
    assert result.exit_code == 2
    assert "leaves /api/v1" in str(error_line(result.stderr))
    assert emulator.log == []


# -- 2. an upper-case scheme sent the key to a proxy ------------------------------------------------


def test_an_upper_case_http_scheme_never_goes_through_a_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = json.dumps([{"personId": "1"}]).encode()
    with (
        fake_server(always(Answer(200, page))) as proxy,
        fake_server(always(Answer(200, page))) as api,
    ):
        monkeypatch.setenv("CLODURA_BASE_URL", api.url.replace("http://", "HTTP://"))
        monkeypatch.setenv("CLODURA_API_KEY", KEY)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        result = run_cli("search", "--title", "CEO", "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert proxy.received == []
    assert api.paths() == ["/api/v1/search/people"]


# -- 3. a symlink planted in a shared folder ------------------------------------------------------


@pytest.mark.skipif(os.geteuid() != 0, reason="planting a link as another user needs root")
def test_a_symlink_another_user_planted_in_tmp_is_not_followed(tmp_path: Path) -> None:
    shared = tmp_path / "s"
    shared.mkdir()
    shared.chmod(0o1777)
    private = tmp_path / "p"
    private.mkdir(mode=0o700)
    link = shared / "leads.csv"
    link.symlink_to(private / "created")
    os.lchown(link, 4242, 4242)
    result = run_cli("search", "--sandbox", "--title", "CEO", "--limit", "2", "-o", str(link))
    assert result.exit_code == 2
    line = str(error_line(result.stderr))
    assert "symlink owned by another user" in line and "not followed" in line
    assert not (private / "created").exists()
    os.lchown(link, os.geteuid(), os.getegid())  # the user's own link is followed
    own = run_cli("search", "--sandbox", "--title", "CEO", "--limit", "2", "-o", str(link))
    assert own.exit_code == 0, own.stderr
    assert (private / "created").read_text().startswith("personId,")


@pytest.mark.skipif(os.geteuid() != 0, reason="planting a link as another user needs root")
@pytest.mark.parametrize("points_to", ["/proc/self/fd/1", "/dev/null"])
def test_a_planted_symlink_to_a_descriptor_or_device_is_not_followed(
    tmp_path: Path, points_to: str
) -> None:
    """Written directly or not, a link another user planted in a shared folder is refused
    before anything follows it (to a descriptor: whatever file this process has open)."""
    shared = tmp_path / "s"
    shared.mkdir()
    shared.chmod(0o1777)
    link = shared / "leads.csv"
    link.symlink_to(points_to)
    os.lchown(link, 4242, 4242)
    result = run_cli("search", "--sandbox", "--title", "CEO", "--limit", "2", "-o", str(link))
    assert result.exit_code == 2
    assert "symlink owned by another user" in str(error_line(result.stderr))


def test_an_existing_file_never_gets_a_wider_mode(tmp_path: Path) -> None:
    target = tmp_path / "pii.csv"
    target.write_text("old\n")
    target.chmod(0o600)
    old = os.umask(0)
    try:
        result = run_cli("search", "--sandbox", "--title", "CEO", "--limit", "2", "-o", str(target))
    finally:
        os.umask(old)
    assert result.exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


# -- 4. two --append runs at once --------------------------------------------------------------------


def _append(target: Path, env: dict[str, str], *extra: str) -> subprocess.Popen[str]:
    command = [CLODURA, "search", "--sandbox", "--title", "CEO", "--limit", "5", "-f", "csv",
               "--append", "-o", str(target), *extra]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)  # fmt: skip


@pytest.mark.slow
def test_two_appends_at_once_write_one_header(tmp_path: Path) -> None:
    target = tmp_path / "leads.csv"
    env = base_env(tmp_path)
    runs = [_append(target, env), _append(target, env, "--page", "2")]
    for run in runs:
        _, err = run.communicate(timeout=DEADLINE)
        assert run.returncode == 0, err
    rows = list(csv.reader(io.StringIO(target.read_text())))
    assert sum(1 for row in rows if row and row[0] == "personId") == 1
    assert len(rows) == 11 and len({row[0] for row in rows[1:]}) == 10


@contextlib.contextmanager
def _holding(target: Path, lines: str) -> Iterator[None]:
    """Another run appending ``lines`` under the file's lock, then failing."""
    from clodura_cli.store.files import appended

    with contextlib.suppress(RuntimeError), appended(str(target)) as held:
        held.stream.write(lines)
        held.stream.flush()
        yield
        raise RuntimeError("the other run failed")


def _wait_for_the_wait(run: subprocess.Popen[str]) -> None:
    assert run.stderr is not None
    line = run.stderr.readline()
    while line and "waiting for another clodura" not in line:
        line = run.stderr.readline()
    assert "waiting for another clodura that is appending" in line


@pytest.mark.slow
def test_a_failing_append_removes_only_its_own_bytes(tmp_path: Path) -> None:
    target = tmp_path / "leads.csv"
    first = run_cli("search", "--sandbox", "--title", "CEO", "--limit", "3", "-o", str(target))
    assert first.exit_code == 0
    before = target.read_bytes()
    with _holding(target, "a,row,that,fails\n"):
        waiting = _append(target, base_env(tmp_path))
        _wait_for_the_wait(waiting)
    _, err = waiting.communicate(timeout=DEADLINE)
    assert waiting.returncode == 0, err
    after = target.read_bytes()
    assert after.startswith(before) and b"a,row,that,fails" not in after
    assert len(after.splitlines()) == len(before.splitlines()) + 5


@pytest.mark.slow
def test_a_failing_run_that_created_the_file_leaves_the_waiting_runs_rows(tmp_path: Path) -> None:
    from clodura_cli.store.formats import DEFAULT_PERSON_COLUMNS

    target = tmp_path / "new.csv"
    with _holding(target, ",".join(DEFAULT_PERSON_COLUMNS) + "\nhalf,written\n"):
        waiting = _append(target, base_env(tmp_path))
        _wait_for_the_wait(waiting)
    _, err = waiting.communicate(timeout=DEADLINE)
    assert waiting.returncode == 0, err
    rows = list(csv.reader(io.StringIO(target.read_text())))
    assert rows[0][0] == "personId" and len(rows) == 6 and ["half", "written"] not in rows


# -- 5. --append to a file with other columns ---------------------------------------------------------


def test_people_are_not_appended_to_an_organisations_file(
    tmp_path: Path, emulator: SandboxApp
) -> None:
    target = tmp_path / "orgs.csv"
    assert run_cli("orgs", "--sandbox", "--employees", "51-200", "--limit", "2", "-o",
                   str(target)).exit_code == 0  # fmt: skip
    before = target.read_bytes()
    emulator.log.clear()
    result = run_cli("search", "--sandbox", "--title", "CEO", "--limit", "3", "--append", "-o",
                     str(target))  # fmt: skip
    assert result.exit_code == 2
    line = str(error_line(result.stderr))
    assert "has other columns; it lacks personId, firstName" in line
    assert target.read_bytes() == before
    assert emulator.log == []


# -- 6. a full disk during a reveal ------------------------------------------------------------------


def test_a_ledger_that_cannot_record_an_answer_prints_it(
    emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clodura_cli.api.errors import LocalStateError

    original = Ledger.keep_answer

    def full(self: Ledger, job_id: int, call: str, *args: object, **kwargs: object) -> bool:
        if call == "submit":
            raise LocalStateError("the ledger cannot be written (database or disk is full)")
        return original(self, job_id, call, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Ledger, "keep_answer", full)
    people = person_ids(3, start=20)
    result = run_cli("reveal", "email", "--sandbox", "--concurrency", "1", *people)
    assert result.exit_code == 9
    submitted = [e for e in emulator.log if e["endpoint"] == "email"]
    assert len(submitted) == 1  # the run stopped: nothing more paid for
    rescued = [line for line in result.stderr.splitlines() if "NOT RECORDED" in line]
    assert len(rescued) == 1 and people[0] in rescued[0]
    tracking = emulator.state._store.read("SELECT tracking_id FROM jobs")[0][0]
    assert tracking in rescued[0]
    assert "mv " not in result.stderr and "move it" not in result.stderr


def test_a_ledger_without_room_is_found_before_anything_is_sent(
    emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clodura_cli.api.errors import LocalStateError

    def no_room(self: Ledger, size: int) -> None:
        raise LocalStateError("the ledger cannot be written (database or disk is full)")

    monkeypatch.setattr(Ledger, "reserve", no_room)
    result = run_cli("reveal", "email", "--sandbox", *person_ids(2, start=30))
    assert result.exit_code == 9
    assert [e for e in emulator.log if e["endpoint"] == "email"] == []


@pytest.mark.slow
def test_reserve_really_needs_the_room(tmp_path: Path) -> None:
    """The reserve is a real write: under a file-size limit it fails as a full disk would."""
    code = (
        "import resource, signal, sys\n"
        "from pathlib import Path\n"
        "from clodura_cli.store.ledger import Ledger\n"
        "from clodura_cli.api.errors import LocalStateError\n"
        f"ledger = Ledger(Path({str(tmp_path / 'ledger.db')!r}))\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (2_000_000, 2_000_000))\n"
        "ledger.reserve(64 * 1024)\n"
        "try:\n"
        "    ledger.reserve(8 * 1024 * 1024)\n"
        "except LocalStateError as exc:\n"
        "    print('refused:', exc)\n"
    )
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=DEADLINE, check=False)  # fmt: skip
    assert done.stdout.startswith("refused: the ledger"), done.stderr


def test_track_backup_is_a_consistent_copy(isolated: Path, emulator: SandboxApp) -> None:
    reveal_once(emulator)
    copy = isolated / "copy.db"
    result = run_cli("track", "--backup", str(copy))
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    jobs = Ledger(copy).jobs()
    assert len(jobs) == 1 and jobs[0].status == "completed"


# -- 7. `api` reveal after a 500, a 302 or a truncated answer ---------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        Answer(500, b'{"message": "boom"}'),
        Answer(302, b"", {"Location": "https://elsewhere.example/"}),
        Answer(200, b'{"trackingId": "T-1", "sta'),
    ],
    ids=["500", "302", "truncated"],
)
def test_api_reveal_with_a_lost_answer_is_unknown_and_exit_7(
    monkeypatch: pytest.MonkeyPatch, isolated: Path, answer: Answer
) -> None:
    with fake_server(always(answer)) as fake:
        monkeypatch.setenv("CLODURA_BASE_URL", fake.url)
        monkeypatch.setenv("CLODURA_API_KEY", KEY)
        result = run_cli("api", "search/people/email/match", "-f", "personId=555",
                         "-f", f"webhookUrl={HOOK}")  # fmt: skip
    assert result.exit_code == 7, result.stderr
    line = str(error_line(result.stderr))
    assert "may have reached the API and been charged" in line
    assert "nothing was sent" not in result.stderr
    jobs = Ledger(isolated / "data" / "ledger.db").jobs()
    assert [(j.person_id, j.status) for j in jobs] == [("555", "unknown")]


# -- 8. headers that trickle ----------------------------------------------------------------------------


@contextlib.contextmanager
def trickling_headers() -> Iterator[str]:
    """A server that answers with a status line, then one header line every 0.25 s, forever."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        with contextlib.suppress(OSError):
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(b"HTTP/1.1 200 OK\r\n")
                while not stop.wait(0.25):
                    connection.sendall(b"X-Slow: drip\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=DEADLINE)


@pytest.mark.slow
def test_headers_that_trickle_meet_the_overall_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    with trickling_headers() as url:
        monkeypatch.setenv("CLODURA_BASE_URL", url)
        monkeypatch.setenv("CLODURA_API_KEY", KEY)
        monkeypatch.setenv("CLODURA_TIMEOUT", "1")
        monkeypatch.setenv("CLODURA_MAX_RETRIES", "0")
        started = time.monotonic()
        result = run_cli("credits", "-f", "json")
        elapsed = time.monotonic() - started
    assert result.exit_code == 7
    assert "longer than 2s in all" in str(error_line(result.stderr))
    assert elapsed < 20  # without the deadline it never ends


# -- 9. escape codes ------------------------------------------------------------------------------------

SNEAKY = "Ev\u202eil\u009b31m\u2028x"


def test_json_escapes_bidi_and_c1_controls_and_stays_json(emulator: SandboxApp) -> None:
    record = emulator.dataset.people[0].record
    person = record["personId"]
    original = record["lastName"]
    record["lastName"] = SNEAKY
    try:
        for fmt in ("jsonl", "json"):
            result = run_cli("search", "--sandbox", "--person-id", person, "-f", fmt)
            assert result.exit_code == 0
            for raw in ("\u202e", "\u009b", "\u2028"):
                assert raw not in result.stdout
            assert "\\u202e" in result.stdout and "\\u009b" in result.stdout
            loaded = json.loads(result.stdout)
            found = loaded[0] if fmt == "json" else loaded
            assert found["lastName"] == SNEAKY
    finally:
        record["lastName"] = original


def test_preset_list_shows_no_escape_sequence(isolated: Path) -> None:
    folder = isolated / "config" / "presets"
    folder.mkdir(parents=True)
    (folder / "evil.yaml").write_text(
        'description: "\\e]52;c;cm0gLXJmIH4=\\a\\e[2J\\e[Hnice \\u202egnp.exe"\nseniority: [CEO]\n'
    )
    result = run_cli("preset", "list")
    assert result.exit_code == 0, result.stderr
    assert (
        "\x1b" not in result.stdout
        and "\u202e" not in result.stdout
        and "\x07" not in result.stdout
    )
    assert "nice" in result.stdout


def test_track_raw_escapes_what_a_terminal_would_act_on(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = json.dumps({"trackingId": "T-9", "status": "queued", "note": SNEAKY}).encode()
    with fake_server(always(Answer(200, body))) as fake:
        monkeypatch.setenv("CLODURA_BASE_URL", fake.url)
        monkeypatch.setenv("CLODURA_API_KEY", KEY)
        run_cli("reveal", "phone", "777", "--no-wait")
    shown = run_cli("track", "777", "--raw")
    assert shown.exit_code == 0, shown.stderr
    assert "\u202e" not in shown.stdout and "\u009b" not in shown.stdout
    assert json.loads(shown.stdout)[0]["body"]["note"] == SNEAKY


# -- 10. deep values -----------------------------------------------------------------------------------


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("fmt", ["csv", "table", "jsonl", "tsv"])
def test_a_deeply_nested_field_is_written_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    page = ('[{"personId": "1", "firstName": "A", "deep": ' + _deep(600) + "}]").encode()
    with fake_server(always(Answer(200, page))) as fake:
        monkeypatch.setenv("CLODURA_BASE_URL", fake.url)
        monkeypatch.setenv("CLODURA_API_KEY", KEY)
        result = run_cli("search", "--title", "CEO", "-f", fmt, "--fields", "personId,deep")
    assert result.exit_code == 0, result.stderr
    assert "nested deeper than 64 levels" in result.stdout or fmt == "jsonl"


def test_a_paid_answer_with_a_deep_field_is_written_and_tracked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    final = (
        '{"trackingId": "T-deep", "status": "completed", "email": "a@b.example", '
        '"emailStatus": "verified", "extra": ' + _deep(600) + "}"
    ).encode()

    def answer(request: Received) -> Answer:
        if request.path.endswith("/credits"):
            return Answer(200, b'{"remainingCredits": 100}')
        return Answer(200, final)

    with fake_server(answer) as fake:
        monkeypatch.setenv("CLODURA_BASE_URL", fake.url)
        monkeypatch.setenv("CLODURA_API_KEY", KEY)
        revealed = run_cli("reveal", "email", "9", "--webhook-url", HOOK, "-f", "csv")
        tracked = run_cli("track", "-f", "csv")
    assert revealed.exit_code == 0, revealed.stderr
    assert "a@b.example" in revealed.stdout
    assert tracked.exit_code == 0, tracked.stderr
    assert "a@b.example" in tracked.stdout


# -- 11. --input junk -----------------------------------------------------------------------------------


def test_only_cr_and_lf_end_input_lines(emulator: SandboxApp, tmp_path: Path) -> None:
    source = tmp_path / "ids.txt"
    source.write_bytes(b"111\x0c222\n\xe9\xe8\xff\n333\r444\x1c5\n666\xc2\x85777\n888\n")
    result = run_cli("reveal", "email", "--sandbox", "--input", str(source), "--dry-run")
    assert result.exit_code == 0, result.stderr
    bodies = json.loads(result.stdout)["bodies"]
    assert [b["personId"] for b in bodies] == ["333", "888"]
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning: --input")]
    assert [w.split(":")[1].strip() for w in warned] == [
        "--input line 1",
        "--input line 2",
        "--input line 4",
        "--input line 5",
    ]


def test_input_from_dev_zero_stops_with_exit_2(emulator: SandboxApp) -> None:
    started = time.monotonic()
    result = run_cli("reveal", "email", "--sandbox", "--input", "/dev/zero")
    assert result.exit_code == 2
    assert "binary data" in str(error_line(result.stderr))
    assert time.monotonic() - started < 30
    assert emulator.log == []


def test_an_input_past_the_row_cap_is_refused(
    emulator: SandboxApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clodura_cli import inputs

    monkeypatch.setattr(inputs, "MAX_INPUT_ROWS", 50)
    source = tmp_path / "ids.txt"
    source.write_text("".join(f"{n}\n" for n in range(1, 52)))
    result = run_cli("reveal", "email", "--sandbox", "--input", str(source))
    assert result.exit_code == 2
    assert "more than 50 lines" in str(error_line(result.stderr))
    assert emulator.log == []


# -- 12. raw answers without bound, and a server that echoes the key ------------------------------------


def test_one_job_keeps_at_most_its_cap_besides_first_and_last(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.db")
    from clodura_cli.store.ledger import identity_of

    identifiers = {"personId": "1"}
    job, _ = ledger.claim("a", "email", identity_of(identifiers), identifiers, identifiers)
    megabyte = b"x" * (1024 * 1024)
    assert ledger.keep_answer(job.id, "submit", megabyte)
    kept = [ledger.keep_answer(job.id, "track", megabyte) for _ in range(8)]
    assert ledger.keep_answer(job.id, "track", megabyte, final=True)
    stored = ledger.answers(job.id)
    between = sum(len(a.body) for a in stored[1:-1])
    assert between <= MAX_JOB_ANSWER_BYTES and kept.count(False) == 5
    assert ledger.get(job.id).dropped_answers == 5
    assert stored[0].call == "submit" and len(stored) == 5


def test_a_key_echoed_by_the_server_is_never_stored_or_printed(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def echo(request: Received) -> Answer:
        return Answer(200, json.dumps({"trackingId": "T-echo", "status": "queued",
                                       "yourKey": request.headers["x-api-key"]}).encode())  # fmt: skip

    with fake_server(echo) as fake:
        monkeypatch.setenv("CLODURA_BASE_URL", fake.url)
        monkeypatch.setenv("CLODURA_API_KEY", KEY)
        submitted = run_cli("reveal", "phone", "321", "--no-wait", "-f", "jsonl")
        called = run_cli("api", "credits")
    shown = run_cli("track", "321", "--raw")
    for result in (submitted, called, shown):
        assert KEY not in result.stdout and KEY not in result.stderr
    stored = (isolated / "data" / "ledger.db").read_bytes()
    assert KEY.encode() not in stored


def test_a_key_echoed_in_an_error_or_a_paid_answer_never_reaches_a_row_or_the_ledger(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The raw answer was kept without the key, but the message and the result were read from
    the answer as it came: an enrichment row, an -o file and the ledger's message held it."""

    def echo(request: Received) -> Answer:
        key = request.headers["x-api-key"]
        if "credits" in request.path:
            return Answer(200, b'{"remainingCredits": 5}', {"X-Echo": f"key={key}"})
        if "organisation" in request.path:
            body = {"organisationId": "77", "organisationName": "Acme",
                    "debug": {"requestHeaders": {"x-api-key": key}}}  # fmt: skip
            return Answer(200, json.dumps(body).encode())
        return Answer(401, json.dumps({"message": f"Invalid key {key}"}).encode())

    with fake_server(echo) as fake:
        monkeypatch.setenv("CLODURA_BASE_URL", fake.url)
        monkeypatch.setenv("CLODURA_API_KEY", KEY)
        refused = run_cli("enrich", "person", "--linkedin-url",
                          "https://www.linkedin.com/in/ann-lee-1a2b3c/", "-f", "json")  # fmt: skip
        verified = run_cli("verify", "a@b.example", "-o", str(isolated / "out.csv"))
        enriched = run_cli("enrich", "org", "77", "-f", "jsonl")
        again = run_cli("enrich", "org", "77", "-f", "csv")
        included = run_cli("api", "-i", "credits")
    assert refused.exit_code == 3 and verified.exit_code == 3
    assert "Invalid key ***" in refused.stdout
    assert enriched.exit_code == 0 and enriched.jsonl()[0]["organisationName"] == "Acme"
    assert "key=***" in included.stderr
    for result in (refused, verified, enriched, again, included):
        assert KEY not in result.stdout and KEY not in result.stderr
    assert KEY not in (isolated / "out.csv").read_text()
    assert KEY.encode() not in (isolated / "data" / "ledger.db").read_bytes()


def test_a_key_echoed_in_another_spelling_is_replaced_too(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A review: a key holding / or + echoed as JSON escapes it (``\\/``, ``\\u002B``) or as a
    URL does (``%2f``) was stored, decoded, in the result: the key itself."""
    key = "k3y/ABCdef+123/xyz"
    spellings = ['k3y\\/ABCdef+123\\/xyz', "k3y\\u002fABCdef\\u002B123/xyz",
                 "k3y%2FABCdef%2b123%2fxyz"]  # fmt: skip
    echoed = ('{"organisationId": "77", "organisationName": "Acme", "debug": ['
              + ", ".join(f'"{s}"' for s in spellings) + "]}").encode()  # fmt: skip
    with fake_server(always(Answer(200, echoed, {"Content-Type": "application/json"}))) as fake:
        monkeypatch.setenv("CLODURA_BASE_URL", fake.url)
        monkeypatch.setenv("CLODURA_API_KEY", key)
        enriched = run_cli("enrich", "org", "77", "-f", "json")
    assert enriched.exit_code == 0, enriched.stderr
    assert json.loads(enriched.stdout)[0]["debug"] == ["***", "***", "***"]
    stored = (isolated / "data" / "ledger.db").read_bytes()
    for spelling in (key, *spellings):
        assert spelling.encode() not in stored


@pytest.mark.parametrize(
    ("key", "echoed"),
    [('ab"cd/ef12', b'{"echo": "ab\\"cd\\/ef12"}'), ("ab\\cd+ef12", b'{"echo": "ab\\\\cd%2Bef12"}'),
     ("k3y/ABC+1", b'{"echo": "k3y\\u002FABC%2b1"}')],
)  # fmt: skip
def test_the_key_is_replaced_in_every_spelling_of_json_and_urls(key: str, echoed: bytes) -> None:
    from clodura_cli.api.client import CloduraClient

    client = CloduraClient(api_key=key, base_url="https://app.clodura.ai/api/v1")
    assert client.redacted(echoed) == b'{"echo": "***"}'
    assert client.redacted(b'{"echo": "ab cd ef12"}') == b'{"echo": "ab cd ef12"}'


# -- 13. webhook URLs -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://evil.example/x", "javascript:alert(1)", "ftp://x.example"])
def test_api_checks_the_webhook_url_of_a_body(emulator: SandboxApp, url: str) -> None:
    result = run_cli("api", "--sandbox", "search/people/email/match", "-f", "personId=1",
                     "-f", f"webhookUrl={url}")  # fmt: skip
    assert result.exit_code == 2
    assert "must be an https:// URL" in str(error_line(result.stderr))
    assert emulator.log == []


def test_a_webhook_url_with_a_line_break_is_refused(emulator: SandboxApp) -> None:
    result = run_cli("reveal", "email", "--sandbox", "1", "--webhook-url",
                     "https://h.example/x\r\nX-Injected: yes")  # fmt: skip
    assert result.exit_code == 2
    assert emulator.log == []


# -- 14. smaller ones ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_latin1_stdout_writes_with_replacement_and_says_so_once(tmp_path: Path) -> None:
    env = {**base_env(tmp_path), "PYTHONIOENCODING": "latin-1"}
    done = subprocess.run([CLODURA, "search", "--sandbox", "--seniority", "CEO", "--limit", "200",
                           "-f", "csv", "--fields", "firstName,lastName,personTitle"],
                          capture_output=True, env=env, timeout=DEADLINE, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if b"cannot hold some characters" in line]
    assert len(notes) <= 1
    table = subprocess.run([CLODURA, "search", "--sandbox", "--limit", "3", "-f", "table"],
                           capture_output=True, env={**env, "PYTHONIOENCODING": "ascii"},
                           timeout=DEADLINE, check=False)  # fmt: skip
    assert table.returncode == 0, table.stderr


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("X-Evil: a\r\nX-Injected: b", "line break or a control character"),
        ("Content-Length: 5", "set by the HTTP stack itself"),
        ("Host: evil.example", "set by the HTTP stack itself"),
    ],
)
def test_headers_that_would_forge_the_request_are_refused(
    emulator: SandboxApp, header: str, fragment: str
) -> None:
    result = run_cli("api", "--sandbox", "credits", "-H", header)
    assert result.exit_code == 2
    assert fragment in str(error_line(result.stderr))
    assert emulator.log == []


@pytest.mark.parametrize(
    "args",
    [
        ["search", "--sandbox", "--rate", "nan"],
        ["search", "--sandbox", "--rate", "inf"],
        ["reveal", "email", "--sandbox", "1", "--timeout", "nan"],
        ["track", "--wait", "--timeout", "inf"],
        ["api", "--sandbox", "search/people", "-F", "perPage=1e400", "-F", "page=1"],
    ],
)
def test_numbers_that_are_not_finite_are_refused(emulator: SandboxApp, args: list[str]) -> None:
    result = run_cli(*args)
    assert result.exit_code == 2, result.stderr
    assert emulator.log == []


@pytest.mark.parametrize("args", [["--help"], ["search", "--help"], ["reveal", "email", "--help"]])
@pytest.mark.slow
def test_help_into_a_closed_pipe_exits_0(tmp_path: Path, args: list[str]) -> None:
    env = base_env(tmp_path)
    for _ in range(2):  # rendered, then from the help cache
        with spawn(
            [CLODURA, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        ) as run:
            assert run.stdout is not None and run.stderr is not None
            run.stdout.read(10)
            run.stdout.close()
            errors = run.stderr.read()
            assert run.wait(timeout=DEADLINE) == 0, errors
            assert b"Traceback" not in errors and b"Broken pipe" not in errors


@pytest.mark.slow
def test_new_only_into_a_closed_pipe_remembers_nobody_and_says_so(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    command = [CLODURA, "search", "--sandbox", "--seniority", "Manager", "--limit", "300",
               "--new-only", "-f", "jsonl"]  # fmt: skip
    with spawn(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as run:
        assert run.stdout is not None and run.stderr is not None
        run.stdout.readline()
        run.stdout.close()
        errors = run.stderr.read().decode()
        assert run.wait(timeout=DEADLINE) == 0
    assert "nobody of this run is remembered" in errors
    again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=DEADLINE,
                           check=False)  # fmt: skip
    assert len(again.stdout.splitlines()) == 300
    assert "300 new of 300" in again.stderr


def _with_stderr_gone(how: str, command: list[str], env: dict[str, str]) -> int:
    """Run ``command`` with a stderr whose reader is gone, or closed (`2>&-`); its exit code."""
    if how == "closed":
        script = ["bash", "-c", '"$@" 2>&-', "_", *command]
        return subprocess.run(script, env=env, timeout=DEADLINE, check=False).returncode
    read, write = os.pipe()
    os.close(read)  # every write to stderr fails with EPIPE
    try:
        return subprocess.run(command, stderr=write, env=env, timeout=DEADLINE,
                              check=False).returncode  # fmt: skip
    finally:
        os.close(write)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["reader gone", "closed"])
def test_a_run_whose_stderr_is_gone_still_writes_its_file_and_tells_by_its_code(
    tmp_path: Path, how: str
) -> None:
    """`clodura search ... -o f.csv 2>&1 | logger` with logger gone: the first message (the
    sandbox's banner, a notice) met the closed pipe, taken for stdout's reader leaving: exit 0
    and no file; a usage error exited 0 too. With stderr closed: exit 1 and no file."""
    env = base_env(tmp_path)
    out = tmp_path / "f.csv"
    search = [CLODURA, "search", "--sandbox", "--country", "US", "--limit", "30", "-o", str(out)]
    assert _with_stderr_gone(how, search, env) == 0
    assert len(list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))) == 30
    mistake = [CLODURA, "search", "--sandbox", "--seniority", "Bogus", "-o", str(out)]
    assert _with_stderr_gone(how, mistake, env) == 2


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """A file or folder nobody may write: chmod for a user, the immutable attribute for root."""
    if os.geteuid() != 0:
        mode = stat.S_IMODE(folder.stat().st_mode)
        folder.chmod(mode & 0o555)
        try:
            yield
        finally:
            folder.chmod(mode)
        return
    done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"chattr +i is not available here: {done.stderr!r}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


@pytest.mark.slow
def test_a_read_only_data_folder_exits_9_and_track_still_lists(
    isolated: Path, emulator: SandboxApp, tmp_path: Path
) -> None:
    reveal_once(emulator)
    from clodura_cli.sandbox.runtime import forget_apps

    forget_apps()
    gc.collect()  # this process's own connections to the ledger close: a new process reads it
    data = isolated / "data"
    empty = tmp_path / "empty"
    empty.mkdir()
    env = base_env(isolated)

    def clodura(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CLODURA, *args], capture_output=True, text=True,
                              env={**env, **extra}, timeout=DEADLINE, check=False)  # fmt: skip

    frozen = [data, *(p for p in data.iterdir() if p.name.startswith("ledger.db"))]
    with contextlib.ExitStack() as stack:
        for path in [*frozen, empty]:
            stack.enter_context(read_only(path))
        listed = clodura("track", "-f", "jsonl")
        raw = clodura("track", person_ids(1, start=7)[0], "--raw")
        nowhere = clodura("search", "--sandbox", "--title", "CEO", "--new-only",
                          CLODURA_DATA_DIR=str(empty))  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == 1
    assert raw.returncode == 0, raw.stderr
    assert nowhere.returncode == 9, nowhere.stderr
    assert "cannot be written" in str(error_line(nowhere.stderr))


def test_a_key_with_a_vertical_tab_is_read_whole(isolated: Path) -> None:
    store = isolated / "config" / "credentials"
    store.parent.mkdir(parents=True, mode=0o700)
    store.write_text("default=abc\x0bdef\n")
    store.chmod(0o600)
    result = run_cli("search", "--title", "CEO", "-f", "jsonl")
    assert result.exit_code == 3
    assert "cannot be sent" in str(error_line(result.stderr))


def test_a_ca_bundle_adds_to_the_public_cas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import certifi

    from clodura_cli.cli.session import tls_verification

    monkeypatch.setenv("CLODURA_CA_BUNDLE", certifi.where())
    public = len(tls_verification().get_ca_certs())
    bundle = tmp_path / "corp.pem"
    first = Path(certifi.where()).read_text().split("-----END CERTIFICATE-----")[0]
    bundle.write_text(first + "-----END CERTIFICATE-----\n")
    monkeypatch.setenv("CLODURA_CA_BUNDLE", str(bundle))
    assert len(tls_verification().get_ca_certs()) == public > 1


def test_a_huge_base_url_is_refused_in_one_line(emulator: SandboxApp) -> None:
    result = run_cli("search", "--title", "CEO", "--base-url", "https://x.example/" + "a" * 130_000)
    assert result.exit_code == 2
    assert len(str(error_line(result.stderr))) < 400


def test_a_new_output_file_in_dev_shm_is_written(tmp_path: Path) -> None:
    if not Path("/dev/shm").is_dir():
        pytest.skip("no /dev/shm here")
    target = Path("/dev/shm") / f"clodura-{os.getpid()}-{time.monotonic_ns()}.csv"
    try:
        result = run_cli("search", "--sandbox", "--title", "CEO", "--limit", "2", "-o", str(target))
        assert result.exit_code == 0, result.stderr
        assert target.read_text().startswith("personId,")
    finally:
        target.unlink(missing_ok=True)


# -- 3 (of the issue). phone numbers in CSV ------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("+1 312 555 0193", "+1 312 555 0193"),
        ("+13125550193", "+13125550193"),
        ("+1-312-555-0193", "'+1-312-555-0193"),
        ("+1 312  555", "'+1 312  555"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("=1+1", "'=1+1"),
        ("-5", "-5"),
        ("-0.25", "-0.25"),
        ("-007", "'-007"),  # an account code: kept as text, not made -7
        ("-5-1", "'-5-1"),
        ("-5 ", "'-5 "),
        ("-1e3", "'-1e3"),
        ("-\u0663", "'-\u0663"),
        ("\tx", "'\tx"),
    ],
)
def test_phone_numbers_are_written_as_they_are_and_formulas_guarded(
    cell: str, written: str
) -> None:
    from clodura_cli.store.formats import CsvWriter

    stream = io.StringIO()
    writer = CsvWriter(stream, ["phone"])
    writer.write({"phone": cell})
    writer.close()
    assert next(csv.DictReader(io.StringIO(stream.getvalue())))["phone"] == written


def test_revealed_phones_reach_the_csv_without_an_apostrophe(emulator: SandboxApp) -> None:
    people = person_ids(40, start=100)
    result = run_cli("reveal", "phone", "--sandbox", *people, "-f", "csv", "--fields",
                     "personId,phones")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    phones = [row["phones"] for row in csv.DictReader(io.StringIO(result.stdout)) if row["phones"]]
    assert phones and all(p.startswith("+1 ") for p in phones)


@pytest.mark.parametrize(
    "args",
    [
        ["reveal", "email", "1877055212287098270"],
        ["verify", "ann@acme.com"],
        ["enrich", "person", "--email", "ann@acme.com"],
        ["news", "6964146847109114255"],
    ],
    ids=lambda args: args[0],
)
def test_an_output_folder_that_takes_no_file_is_refused_before_anything_is_paid(
    emulator: SandboxApp, args: list[str]
) -> None:
    """As root every permission check passes, and /sys still takes no file: the reveal, the
    verification, the enrichment and the news page were paid for, then the run failed to
    write them (exit 1)."""
    if not Path("/sys").is_dir():
        pytest.skip("no /sys here")
    result = run_cli(*args, "--sandbox", "-o", "/sys/clodura-results.csv")
    assert result.exit_code == 2
    assert error_line(result.stderr) == (
        "error: --output: cannot write in folder '/sys' (no permission, or a read-only file system)"
    )
    assert emulator.log == []
