"""Attacks that used to work: each test reproduces one and checks what the tool does now."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake import Answer, FakeServer, Received, Script, always, fake_server
from helpers import (
    DEADLINE,
    FAILING_EXPORT,
    OLD_BYTES,
    Run,
    base_env,
    error_line,
    fail_on_the_third_page,
    run_cli,
)

from clodura_cli.sandbox.app import SandboxApp

SEARCH = ("search", "--sandbox", "--title", "CEO", "--limit", "3")
KEY = "k-test-0123456789"


def point_at(monkeypatch: pytest.MonkeyPatch, fake: FakeServer) -> None:
    monkeypatch.setenv("CLODURA_BASE_URL", fake.url)
    monkeypatch.setenv("CLODURA_API_KEY", KEY)


def search_against(
    monkeypatch: pytest.MonkeyPatch, script: Answer | Script, *extra: str, **env: str
) -> tuple[Run, FakeServer]:
    """`clodura search --title CEO -f jsonl` (then ``extra``, which may override the format)
    against a fake server answering by ``script`` (or always with one answer), ``env`` set."""
    with fake_server(script if callable(script) else always(script)) as fake:
        point_at(monkeypatch, fake)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        result = run_cli("search", "--title", "CEO", "-f", "jsonl", *extra)
    return result, fake


def one_line(stderr: str) -> str:
    return str(error_line(stderr))


# -- output files ----------------------------------------------------------------------------


def test_a_symlink_to_a_device_is_written_not_replaced(tmp_path: Path) -> None:
    link = tmp_path / "null-link"
    link.symlink_to("/dev/null")
    result = run_cli(*SEARCH, "-o", str(link))
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == "/dev/null"
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_is_written_directly(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    result = run_cli(*SEARCH, "-f", "jsonl", "-o", str(fifo))
    reader.join(DEADLINE)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert len(got[0].decode().splitlines()) == 3


def test_a_folder_is_refused_by_the_name_the_user_gave(
    tmp_path: Path, emulator: SandboxApp
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    result = run_cli(*SEARCH, "-f", "csv", "-o", str(folder))
    assert result.exit_code == 2
    assert f"--output: {str(folder)!r} is a folder" in one_line(result.stderr)
    assert emulator.log == []
    assert list(folder.iterdir()) == []


def test_replacing_a_file_keeps_its_mode(tmp_path: Path, emulator: SandboxApp) -> None:
    target = tmp_path / "pii.csv"
    target.write_bytes(OLD_BYTES)
    target.chmod(0o600)
    fail_on_the_third_page(emulator)
    failed = run_cli(*FAILING_EXPORT, "-o", str(target))
    assert failed.exit_code == 6, failed.stderr
    assert target.read_bytes() == OLD_BYTES  # a failed run leaves the file as it was
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    result = run_cli(*SEARCH, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text().startswith("personId,")


def test_a_partial_file_is_owner_only_until_it_is_whole(tmp_path: Path) -> None:
    """A cron trial found a killed export's hidden partial file (personal data) at 0644; it is
    0600 while being written, and takes the file's own mode once whole."""
    from clodura_cli.store.files import replaced_atomically

    target = tmp_path / "leads.csv"
    target.write_text("old\n")
    target.chmod(0o644)
    with replaced_atomically(target, private=False) as stream:
        stream.write("new\n")
        (partial,) = tmp_path.glob(".leads.csv.*.part")
        assert stat.S_IMODE(partial.stat().st_mode) == 0o600
    assert (target.read_text(), stat.S_IMODE(target.stat().st_mode)) == ("new\n", 0o644)


_WRITER = """
import sys, time
from pathlib import Path
from clodura_cli.store.files import replaced_atomically
with replaced_atomically(Path(sys.argv[1]), private=False) as stream:
    stream.write("personId\\n1\\n")
    stream.flush()
    print("writing", flush=True)
    time.sleep(600)
"""


def test_a_killed_runs_partial_file_is_removed_by_the_next_and_a_live_ones_kept(
    tmp_path: Path,
) -> None:
    """A run killed mid-write (kill -9, a power cut) left `.leads.csv.XXXX.part` beside the
    file for ever: part of an export, personal data, hidden."""
    target = tmp_path / "leads.csv"

    def writer() -> tuple[subprocess.Popen[str], Path]:
        before = set(tmp_path.glob(".leads.csv.*.part"))
        child = subprocess.Popen([sys.executable, "-c", _WRITER, str(target)],
                                 stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert child.stdout is not None and child.stdout.readline() == "writing\n"
        (part,) = set(tmp_path.glob(".leads.csv.*.part")) - before
        os.utime(part, (0, 0))  # as old as can be: only its lock tells it is alive
        return child, part

    killed, dead_part = writer()
    killed.kill()
    killed.wait(DEADLINE)
    killed.stdout.close()  # type: ignore[union-attr]
    live, live_part = writer()
    try:
        fresh = tmp_path / ".leads.csv.fresh.part"  # a run that has just begun, not yet locked
        fresh.write_text("x")
        other = tmp_path / ".other.csv.old12345.part"
        mine = tmp_path / ".leads.csv.draft-notes.part"  # a user's own file (a review)
        for kept in (other, mine):
            kept.write_text("x")
            os.utime(kept, (0, 0))
        result = run_cli(*SEARCH, "-o", str(target))
        assert result.exit_code == 0, result.stderr
        assert sorted(tmp_path.glob(".*.part")) == sorted([live_part, fresh, other, mine])
        assert not dead_part.exists()
    finally:
        live.kill()
        live.wait(DEADLINE)
        live.stdout.close()  # type: ignore[union-attr]


def test_a_new_export_is_never_group_or_world_writable(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        result = run_cli(*SEARCH, "-o", str(tmp_path / "new.csv"))
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o644


@pytest.fixture(params=["tmp", "dev-shm"])
def folder(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A folder for output files: the test's own, or one under /dev/shm (a memory file system
    under /dev, whose files are ordinary files all the same)."""
    if request.param == "tmp":
        yield tmp_path
        return
    if not Path("/dev/shm").is_dir():
        pytest.skip("no /dev/shm here")
    shm = Path(tempfile.mkdtemp(dir="/dev/shm", prefix="clodura-test-"))
    try:
        yield shm
    finally:
        shutil.rmtree(shm)


def test_a_symlinked_file_is_replaced_where_it_points(folder: Path, emulator: SandboxApp) -> None:
    tmp_path = folder
    real = tmp_path / "real.jsonl"
    real.write_bytes(OLD_BYTES)
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    fail_on_the_third_page(emulator)
    failed = run_cli(*FAILING_EXPORT, "-o", str(link))
    assert failed.exit_code == 6, failed.stderr
    assert link.is_symlink() and real.read_bytes() == OLD_BYTES  # a failed run changes neither
    left = sorted(p.name for p in tmp_path.iterdir() if "jsonl" in p.name)
    assert left == ["link.jsonl", "real.jsonl"]  # and no temporary
    result = run_cli(*SEARCH, "-o", str(link))
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink()
    assert len(real.read_text().splitlines()) == 3


@pytest.mark.loopback  # a `clodura` process: its stdout must be a file the shell opened
@pytest.mark.parametrize("shell", [">", ">>"])
@pytest.mark.parametrize("fmt", ["jsonl", "xlsx"])
def test_dev_stdout_writes_into_the_file_the_shell_opened(
    tmp_path: Path, fmt: str, shell: str
) -> None:
    """`clodura ... -o /dev/stdout > file` (or `>>`): written through the shell's descriptor as
    it opened it, never replaced (the shell's descriptor would point elsewhere) nor opened
    again (that would empty a file opened with `>>`); a workbook comes out whole."""
    target = tmp_path / f"all.{fmt}"
    kept = b"kept\n" if shell == ">>" else b""
    target.write_bytes(kept)
    inode = target.stat().st_ino
    with target.open("ab" if shell == ">>" else "wb") as opened:
        done = subprocess.run(
            [str(Path(sys.executable).parent / "clodura"), *SEARCH, "-f", fmt,
             "-o", "/dev/stdout"],
            stdout=opened, stderr=subprocess.PIPE, env=base_env(tmp_path), timeout=60,
            check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert target.stat().st_ino == inode
    written = target.read_bytes()
    assert written.startswith(kept)
    if fmt == "jsonl":
        assert len(written[len(kept) :].splitlines()) == 3
    elif shell == ">":
        import zipfile

        with zipfile.ZipFile(target) as book:
            assert book.testzip() is None
            assert "xl/worksheets/sheet1.xml" in book.namelist()


def test_dash_is_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli(*SEARCH, "-f", "jsonl", "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert len(result.jsonl()) == 3
    assert not (tmp_path / "-").exists()


# -- redirects ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize(
    ("args", "path"),
    [(("search", "--title", "CEO", "-f", "jsonl"), "/api/v1/search/people"),
     (("credits", "-f", "json"), "/api/v1/credits")],
    ids=["search", "credits"],
)  # fmt: skip
def test_a_redirect_is_never_followed(
    monkeypatch: pytest.MonkeyPatch, status: int, args: tuple[str, ...], path: str
) -> None:
    # The redirect points back at the same server, which records whatever reaches it: a
    # client that followed it would send the request, and the key, a second time.
    where: dict[str, str] = {}
    with fake_server(lambda _: Answer(status, b"", {"Location": where["url"] + "/moved"})) as api:
        where["url"] = api.url
        monkeypatch.setenv("CLODURA_BASE_URL", api.url)
        monkeypatch.setenv("CLODURA_API_KEY", "k-redirected-0123456789")
        result = run_cli(*args)
    assert api.paths() == [path]
    assert result.exit_code == 6
    assert f"HTTP {status} from {path}" in one_line(result.stderr)


# -- proxies ---------------------------------------------------------------------------------

PAGE = json.dumps({"people": [{"personId": "1"}]}).encode()


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_plain_http_to_loopback_never_goes_through_a_proxy(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    with (
        fake_server(always(Answer(200, PAGE))) as proxy,
        fake_server(always(Answer(200, PAGE))) as api,
    ):
        point_at(monkeypatch, api)
        monkeypatch.setenv(variable, proxy.url)
        result = run_cli("search", "--title", "CEO", "--limit", "1", "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert proxy.received == []
    assert api.paths() == ["/api/v1/search/people"]


def test_https_still_honours_https_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The request for an https API goes to the proxy as a CONNECT tunnel (the key stays
    inside TLS); NO_PROXY lets a host bypass it."""
    with fake_server(always(Answer(502))) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("CLODURA_API_KEY", KEY)
        monkeypatch.setenv("CLODURA_MAX_RETRIES", "0")
        result = run_cli("search", "--title", "CEO", "--limit", "1", "-f", "jsonl")
        assert [(r.method, r.path) for r in proxy.received] == [("CONNECT", "api.clodura.ai:443")]
        assert KEY not in repr(proxy.received)
        assert result.exit_code == 7
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        monkeypatch.setenv("CLODURA_BASE_URL", "https://127.0.0.1:9")  # nothing listens
        bypass = run_cli("search", "--title", "CEO", "--limit", "1", "-f", "jsonl")
        assert bypass.exit_code == 7
        assert len(proxy.received) == 1


# -- unbounded answers -----------------------------------------------------------------------


def test_an_answer_past_the_cap_exits_7_without_a_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    chunks = (b"x" * 65536 for _ in range(48))  # 3 MiB, streamed with no length given
    result, fake = search_against(
        monkeypatch, Answer(200, chunks=chunks), CLODURA_MAX_RESPONSE_MB="1"
    )
    assert result.exit_code == 7
    assert "larger than 1 MiB" in one_line(result.stderr)
    assert "max-response-mb" in result.stderr
    assert len(fake.received) == 1


def test_a_declared_length_past_the_cap_is_refused_before_reading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = b"[" + b"0," * 600_000 + b"0]"
    result, _ = search_against(monkeypatch, Answer(200, body), CLODURA_MAX_RESPONSE_MB="1")
    assert result.exit_code == 7
    assert "larger than 1 MiB" in result.stderr


@pytest.mark.slow
def test_a_gzip_bomb_is_cut_at_the_cap_as_it_expands(monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 100_000
    gzipped = Answer(200, bomb, {"Content-Encoding": "gzip"})
    result, _ = search_against(monkeypatch, gzipped, CLODURA_MAX_RESPONSE_MB="2")
    assert result.exit_code == 7
    assert "larger than 2 MiB" in result.stderr


@pytest.mark.slow
def test_a_trickling_server_meets_the_overall_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    def trickle(request: Received) -> Answer:
        def drip() -> object:
            while True:
                yield b" "
                time.sleep(0.1)

        return Answer(200, chunks=drip())  # type: ignore[arg-type]

    result, _ = search_against(monkeypatch, trickle, CLODURA_TIMEOUT="0.5", CLODURA_MAX_RETRIES="0")
    assert result.exit_code == 7
    assert "longer than 1s in all" in result.stderr


# -- text from the server --------------------------------------------------------------------

HOSTILE = (
    "\x1b]52;c;cm0gLXJmIH4=\x07"  # OSC 52: write to the clipboard
    "\x1b[2J\x1b[H"  # clear the screen
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"  # OSC 8 link
    "bad key\nerror: forged second line \u202egnp.exe" + "A" * 5000
)


@pytest.mark.parametrize("as_json", [True, False])
def test_server_text_in_an_error_is_one_clean_short_line(
    monkeypatch: pytest.MonkeyPatch, as_json: bool
) -> None:
    body = json.dumps({"message": HOSTILE}).encode() if as_json else HOSTILE.encode()
    content_type = "application/json" if as_json else "text/plain"
    result, _ = search_against(monkeypatch, Answer(400, body, {"Content-Type": content_type}))
    assert result.exit_code == 6
    line = one_line(result.stderr)
    assert line.startswith("error: ")
    assert not any(ch in line for ch in "\x1b\x07\u202e")
    assert "forged second line" in line and "click" in line
    assert line.count("A") <= 300


def test_tables_strip_bidi_overrides_and_cut_huge_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    record = {"personId": "1", "firstName": "\u202eevil", "personTitle": "T" * 5_000_000}
    page = json.dumps({"people": [record]}).encode()
    result, _ = search_against(monkeypatch, Answer(200, page), "--limit", "1", "-f", "table")
    assert result.exit_code == 0, result.stderr
    assert "\u202e" not in result.stdout and "evil" in result.stdout
    assert result.stdout.count("T") < 1000


# -- deep nesting and junk input -------------------------------------------------------------


def test_a_deeply_nested_answer_is_unreadable_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    result, _ = search_against(monkeypatch, Answer(200, b"[" * 100_000), CLODURA_MAX_RETRIES="0")
    assert result.exit_code == 7
    assert "nested too deeply" in one_line(result.stderr)


def test_a_deeply_nested_error_body_still_gives_its_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, _ = search_against(monkeypatch, Answer(400, b"[" * 100_000))
    assert result.exit_code == 6
    assert len(one_line(result.stderr)) < 600


def test_a_deeply_nested_input_line_is_skipped(emulator: SandboxApp, tmp_path: Path) -> None:
    person = emulator.dataset.person(3).record["personId"]
    source = tmp_path / "in.jsonl"
    source.write_text('{"a":' + "[" * 50_000 + "\n" + json.dumps({"personId": person}) + "\n")
    result = run_cli("reveal", "email", "--sandbox", "--no-wait", "--input", str(source))
    assert result.exit_code == 0, result.stderr
    assert "line 1: JSON nested too deeply; skipped" in result.stderr
    assert [body["personId"] for body in emulator_bodies(emulator)] == [person]


def emulator_bodies(emulator: SandboxApp) -> list[dict[str, object]]:
    return [entry["body"] for entry in emulator.log if entry["endpoint"] == "email"]


def test_random_bytes_as_input_are_never_paid_submissions(
    emulator: SandboxApp, tmp_path: Path
) -> None:
    import random

    junk = random.Random(7).randbytes(20_000)
    source = tmp_path / "junk.bin"
    source.write_bytes(junk)
    result = run_cli("reveal", "email", "--sandbox", "--no-wait", "--yes", "--input", str(source))
    assert result.exit_code == 2
    assert "looks like binary data" in one_line(result.stderr)
    assert emulator.log == []


def test_ids_with_controls_or_bad_utf8_are_skipped_and_odd_ids_flagged(
    emulator: SandboxApp, tmp_path: Path
) -> None:
    person = emulator.dataset.person(4).record["personId"]
    source = tmp_path / "ids.txt"
    source.write_bytes(
        b"12\x0034\n"  # NUL
        b"56\x1b[2J78\n"  # an escape sequence
        b"9\xff\xfe1\n"  # not UTF-8
        b"abc-123\n" + person.encode() + b"\n"  # not digits: flagged, still sent
    )
    result = run_cli("reveal", "email", "--sandbox", "--no-wait", "--input", str(source))
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: --input line 1: the identifier holds control characters; skipped",
        "warning: --input line 2: the identifier holds control characters; skipped",
        "warning: --input line 3: the identifier is not valid UTF-8; skipped",
        "warning: --input line 4: person id 'abc-123' is not digits as documented ids are; "
        "sent anyway",
    ]
    assert "--input: 4 warnings (above)" in result.stderr
    assert sorted(body["personId"] for body in emulator_bodies(emulator)) == sorted(
        ["abc-123", person]
    )


def test_a_person_id_typed_with_a_letter_is_flagged_as_in_a_file(emulator: SandboxApp) -> None:
    """`reveal email 18770552l2287098270` (an l for a 1) was sent without a word; the same
    id in a file is flagged."""
    result = run_cli("reveal", "email", "--sandbox", "18770552l2287098270", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("warning:")] == [
        "warning: argument '18770552l2287098270': person id '18770552l2287098270' is not digits "
        "as documented ids are; sent anyway"
    ]
    assert [b["personId"] for b in json.loads(result.stdout)["bodies"]] == ["18770552l2287098270"]
    wide = "\uff11\uff18\uff17\uff17"  # full-width digits: isdigit() took them for an id
    result = run_cli("reveal", "email", "--sandbox", wide, "--dry-run")
    assert f"warning: argument '{wide}': person id '{wide}' is not digits" in result.stderr


# -- keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["abc\ndef0123456", "clé-0123456789", "k\x1b[2J0123456"])
def test_a_key_that_cannot_be_sent_is_refused_before_sending(
    monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    with fake_server(always(Answer(200, PAGE))) as fake:
        monkeypatch.setenv("CLODURA_BASE_URL", fake.url)
        monkeypatch.setenv("CLODURA_API_KEY", key)
        result = run_cli("search", "--title", "CEO", "-f", "jsonl")
    assert result.exit_code == 3
    line = one_line(result.stderr)
    assert "the API key contains characters that cannot be sent (in CLODURA_API_KEY)" in line
    assert key.strip()[:3] not in line.replace("CLODURA", "")
    assert fake.received == []


def test_auth_login_refuses_a_key_that_cannot_be_sent(isolated: Path) -> None:
    result = run_cli("auth", "login", "--with-key", input="clé-0123456789\n")
    assert result.exit_code == 3
    assert "cannot be sent; nothing stored" in result.stderr
    assert not (isolated / "config" / "credentials").exists()


# -- the ledger ------------------------------------------------------------------------------


def test_a_busy_ledger_is_named_with_its_own_exit_code(
    monkeypatch: pytest.MonkeyPatch, isolated: Path, emulator: SandboxApp
) -> None:
    import sqlite3

    from clodura_cli.store import sqlite_file
    from clodura_cli.store.ledger import Ledger

    path = isolated / "data" / "ledger.db"
    Ledger(path).close()
    monkeypatch.setattr(sqlite_file, "BUSY_TIMEOUT", 0.2)
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        person = emulator.dataset.person(5).record["personId"]
        reveal = run_cli("reveal", "email", "--sandbox", "--no-wait", person)
        search = run_cli("search", "--sandbox", "--title", "CEO", "--new-only", "-f", "jsonl")
    finally:
        holder.rollback()
        holder.close()
    for result in (reveal, search):
        assert result.exit_code == 9, result.stderr
        assert f"the ledger {path} is busy (another clodura is running?)" in one_line(result.stderr)
    assert emulator.log == []


def test_a_corrupt_ledger_is_named_and_never_moved_aside(
    isolated: Path, emulator: SandboxApp
) -> None:
    path = isolated / "data" / "ledger.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    result = run_cli("search", "--sandbox", "--title", "CEO", "--new-only", "-f", "jsonl")
    assert result.exit_code == 9
    line = one_line(result.stderr)
    assert f"the ledger {path} cannot be read" in line
    assert "clodura track --backup FILE" in line
    assert "mv " not in line and "move" not in line and "delete" not in line
    assert emulator.log == []


# -- smaller holes ---------------------------------------------------------------------------


def test_retry_after_as_an_http_date() -> None:
    from clodura_cli.api.retry import parse_retry_after

    now = 1_700_000_000.0  # Tue, 14 Nov 2023 22:13:20 GMT
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:25 GMT", now) == 5.0
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None


def test_a_retry_after_date_too_far_away_exits_5_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import datetime, timedelta, timezone
    from email.utils import format_datetime

    later = format_datetime(datetime.now(timezone.utc) + timedelta(hours=2), usegmt=True)
    answer = Answer(429, b'{"message": "slow down"}', {"Retry-After": later})
    result, fake = search_against(monkeypatch, answer)
    assert result.exit_code == 5
    assert len(fake.received) == 1
    assert "the API asks to wait 71" in result.stderr or "the API asks to wait 72" in result.stderr


@pytest.mark.parametrize("url", ["http://foo.localhost:8080", "http://127.0.0.1.nip.io"])
def test_plain_http_only_to_localhost_or_a_literal_loopback_ip(url: str) -> None:
    result = run_cli("search", "--base-url", url, "--title", "CEO", "--dry-run")
    assert result.exit_code == 2
    assert one_line(result.stderr) == (
        f"error: base URL '{url}' uses plain http; the API key is only sent over https "
        "(or http to a loopback address such as 127.0.0.1)"
    )


@pytest.mark.parametrize("name", ["good\n", "a\x1bb", "x\u202ey"])
def test_preset_names_with_control_characters_are_refused(name: str, isolated: Path) -> None:
    result = run_cli("preset", "save", name, "--seniority", "CEO")
    assert result.exit_code == 2
    assert "preset name" in one_line(result.stderr)
    assert not (isolated / "config" / "presets").exists() or not any(
        (isolated / "config" / "presets").iterdir()
    )


@pytest.mark.parametrize("value", ["https://hooks.example.com/a\nb", "25\x1b[2J", "json\t"])
def test_config_values_with_control_characters_are_refused(value: str, isolated: Path) -> None:
    name = "webhook-url" if value.startswith("https") else "per-page"
    result = run_cli("config", "set", name, value)
    assert result.exit_code == 2
    assert f"{name}: the value holds control characters; nothing stored" in one_line(result.stderr)
    assert not (isolated / "config" / "config.yaml").exists()


def test_track_wait_fails_while_jobs_stay_unknown(isolated: Path, emulator: SandboxApp) -> None:
    from clodura_cli.api.urls import account_id
    from clodura_cli.sandbox.keys import DEFAULT_KEY
    from clodura_cli.store.ledger import Identity, Ledger

    ledger = Ledger(isolated / "data" / "ledger.db")
    account = account_id("sandbox", DEFAULT_KEY)
    job, new = ledger.claim(account, "email", Identity("77", None, None), {"personId": "77"}, {})
    # Submitted, and its answer lost: the run says so on the job (a claim without a word, this
    # recent, is another run's submission on its way: track --wait exits 8 for it).
    ledger.update(job.id, message="connection reset while the answer was read")
    ledger.close()
    assert new and job.status == "unknown"
    result = run_cli("track", "--sandbox", "--wait", "--timeout", "5", "-f", "jsonl")
    assert result.exit_code == 7
    assert "1 job(s) still unknown" in result.stderr
    assert [row["revealStatus"] for row in result.jsonl()] == ["unknown"]
    assert [e["endpoint"] for e in emulator.log if e["endpoint"] != "credits"] == []


# -- YAML ------------------------------------------------------------------------------------

BOMB = (
    'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    + "".join(
        f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "personTitle: *i\n"
)


def test_a_yaml_alias_bomb_in_a_preset_is_refused_small(tmp_path: Path, isolated: Path) -> None:
    assert len(BOMB) < 500
    preset = tmp_path / "bomb.yaml"
    preset.write_text(BOMB)
    result = run_cli("search", "--sandbox", "--filters", str(preset), "--dry-run")
    assert result.exit_code == 2
    line = one_line(result.stderr)
    assert "aliases (*name) are not allowed here" in line
    assert len(line) < 400


def test_a_yaml_alias_in_the_config_file_is_refused(isolated: Path) -> None:
    config = isolated / "config" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("x: &x [1, 2]\nprofiles:\n  default:\n    per-page: *x\n")
    result = run_cli("config", "list")
    assert result.exit_code == 2
    assert "aliases (*name) are not allowed here" in one_line(result.stderr)


def test_a_long_bad_value_is_quoted_short(tmp_path: Path) -> None:
    result = run_cli("search", "--seniority", "X" * 5000, "--dry-run")
    assert result.exit_code == 2
    line = one_line(result.stderr)
    assert line.count("X") <= 80


def test_a_lone_surrogate_the_api_sends_is_written_escaped_in_json(tmp_path: Path) -> None:
    """JSON may carry "\\udc80", and json.loads keeps it as a lone surrogate, which no UTF-8
    holds: JSON and JSON Lines write it escaped, as valid UTF-8 that reads back the same,
    even where stdout would otherwise pass it on raw (the C locale, as under cron)."""
    from clodura_cli.store.formats import json_text

    record = {"firstName": "bad\udc80x", "lastName": "Ünal\ud83d"}
    text = json_text(record)
    assert text == '{"firstName": "bad\\udc80x", "lastName": "Ünal\\ud83d"}'
    assert json.loads(text.encode("utf-8").decode("utf-8")) == record
    assert json_text({"a": "x\x7fy"}) == '{"a": "x\\u007fy"}'  # DEL: ASCII, still escaped
    probe = (
        "import sys\n"
        "from clodura_cli.cli.render import Output, write_output\n"
        "write_output([{'personId': '1', 'firstName': 'bad\\udc80x'}], Output('json'))\n"
        "write_output([{'personId': '2', 'firstName': 'bad\\udc80y'}], Output('jsonl'))\n"
    )
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0",
           "PYTHONIOENCODING": "", "HOME": str(tmp_path)}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                          timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = done.stdout.decode("utf-8")  # strict: no raw surrogate escaped its JSON
    assert written.count("bad\\udc80") == 2


#: A page whose values and one key hold half a character (an emoji cut in two by a length
#: limit, as JSON may carry it): no UTF-8 can hold it, so every format but JSON writes U+FFFD.
_HALVES = (
    b'[{"personId": "31", "firstName": "Ana\\ud83d", "lastName": "bad\\udc80x", '
    b'"note\\udc81": "y"}]'
)
_HALF_WARNING = "warning: a value held half a character (a lone surrogate"


def csv_on_stdout(
    env: dict[str, str], page: bytes, fields: str
) -> subprocess.CompletedProcess[bytes]:
    """`clodura search ... -f csv` in a process of its own (its stdout as ``env`` sets it up),
    against a server answering ``page``."""
    with fake_server(always(Answer(200, page))) as fake:
        return subprocess.run(
            [sys.executable, "-m", "clodura_cli", "search", "--title", "CEO", "--limit", "1",
             "-f", "csv", "--fields", fields],
            env={**env, "CLODURA_API_KEY": KEY, "CLODURA_BASE_URL": fake.url},
            capture_output=True, timeout=DEADLINE, check=False,
        )  # fmt: skip


@pytest.mark.parametrize("fmt", ["csv", "tsv", "table"])
def test_half_a_character_in_an_answer_is_written_as_a_replacement(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fmt: str
) -> None:
    """A CSV file failed mid-write on such a value (a traceback, the paid records lost)."""
    target = tmp_path / f"people.{fmt}"
    result, fake = search_against(
        monkeypatch, Answer(200, _HALVES), "--limit", "1", "--fields", "all", "-f", fmt,
        "-o", str(target),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count(_HALF_WARNING) == 1
    text = target.read_bytes().decode("utf-8")  # strict: every byte is valid UTF-8
    if fmt == "table":
        assert "Ana\ufffd" in text and "bad\ufffdx" in text and "note\ufffd" in text
        return
    header, row = csv.reader(io.StringIO(text), delimiter="," if fmt == "csv" else "\t")
    written = dict(zip(header, row, strict=True))
    assert {name: written[name] for name in ("personId", "firstName", "lastName", "note\ufffd")} == {
        "personId": "31", "firstName": "Ana\ufffd", "lastName": "bad\ufffdx", "note\ufffd": "y",
    }  # fmt: skip
    assert len(fake.received) == 1


def test_half_a_character_in_a_workbook_is_a_replacement(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("xlsxwriter")
    import zipfile

    target = tmp_path / "people.xlsx"
    result, _ = search_against(
        monkeypatch, Answer(200, _HALVES), "--limit", "1", "--fields", "all", "-f", "xlsx",
        "-o", str(target),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    with zipfile.ZipFile(target) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "Ana\ufffd" in sheet and "bad\ufffdx" in sheet and "note\ufffd" in sheet


@pytest.mark.slow  # Python processes of their own
@pytest.mark.parametrize(
    "locale",
    [
        {"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": ""},  # stdout passed it on as a raw byte
        {"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8"},  # stdout failed mid-write
        {"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-16"},  # its encoder takes only bytes
        {"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-32"},
    ],
    ids=["surrogateescape", "utf-8", "utf-16", "utf-32"],
)
def test_half_a_character_on_stdout_is_a_replacement(
    tmp_path: Path, locale: dict[str, str]
) -> None:
    env = {**base_env(tmp_path), "LANG": "C.UTF-8", "PYTHONUTF8": "0", **locale}
    done = csv_on_stdout(env, _HALVES, "personId,firstName,lastName")
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode(locale["PYTHONIOENCODING"] or "utf-8").splitlines() == [
        "personId,firstName,lastName",
        "31,Ana\ufffd,bad\ufffdx",
    ]
    assert done.stderr.decode(locale["PYTHONIOENCODING"] or "utf-8").count(_HALF_WARNING) == 1


@pytest.mark.slow  # Python processes of their own
def test_paths_and_file_names_go_to_stdout_as_the_bytes_they_are(tmp_path: Path) -> None:
    """A folder or a preset whose name is not UTF-8 (read by Python as U+DC80-U+DCFF) is
    printed as its own bytes, so that `cd "$(clodura preset path)"` and a TAB still work."""
    home = os.fsdecode(bytes(tmp_path) + b"/h\xe9")
    os.makedirs(home)
    env = {**base_env(tmp_path), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": home}
    for name in ("CLODURA_CONFIG_DIR", "CLODURA_DATA_DIR", "CLODURA_CACHE_DIR"):
        env.pop(name)
    env = {k: v for k, v in env.items() if not k.startswith("XDG_")}

    def clodura(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-m", "clodura_cli", *args], env=env,
                              capture_output=True, timeout=DEADLINE, check=False)  # fmt: skip

    folder = clodura("preset", "path")
    assert folder.returncode == 0, folder.stderr
    assert folder.stdout == os.fsencode(home) + b"/.config/clodura/presets\n"
    assert (
        b"config: " + os.fsencode(home) + b"/.config/clodura/" in clodura("config", "path").stdout
    )
    presets = Path(folder.stdout[:-1].decode("utf-8", "surrogateescape"))
    presets.mkdir(parents=True)
    (presets / os.fsdecode(b"ab\xe9.yaml")).write_text("seniority: [CEO]\n", encoding="utf-8")
    listed = clodura("preset", "list")
    assert listed.stdout.startswith(b"ab\xe9\t"), listed.stdout
    offered = clodura("__complete-values", "preset", "zsh", "ab")
    assert offered.stdout == b"ab\xe9\n" and offered.stderr == b""


def test_appending_under_a_name_written_with_half_a_character_keeps_its_cells(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The header holds `note\ufffd`; the next run's records still say `note\udc81`: their
    cells were left empty under it."""
    target = tmp_path / "people.csv"
    first, _ = search_against(monkeypatch, Answer(200, _HALVES), "--limit", "1", "--fields",
                              "all", "-f", "csv", "-o", str(target))  # fmt: skip
    assert first.exit_code == 0, first.stderr
    again, _ = search_against(monkeypatch, Answer(200, _HALVES), "--limit", "1", "-f", "csv",
                              "--append", "-o", str(target))  # fmt: skip
    assert again.exit_code == 0, again.stderr
    header, *rows = csv.reader(io.StringIO(target.read_text(encoding="utf-8")))
    assert len(rows) == 2
    assert [dict(zip(header, row, strict=True))["note\ufffd"] for row in rows] == ["y", "y"]


def test_user_mistakes_read_as_one_plain_line(tmp_path: Path, emulator: SandboxApp) -> None:
    """From a new user's walkthrough: each said something else (no extension, a hidden
    temporary file's name, Python's own errno text, no did-you-mean)."""
    folder = tmp_path / "team"
    folder.mkdir()
    into_folder = run_cli(*SEARCH, "-o", str(folder))
    assert into_folder.exit_code == 2
    assert one_line(into_folder.stderr) == (
        f"error: --output: {str(folder)!r} is a folder; give a file name inside it"
    )
    missing = run_cli("track", "--import", str(tmp_path / "nosuch.jsonl"))
    assert missing.exit_code == 2
    assert one_line(missing.stderr) == (
        f"error: --import: cannot read {str(tmp_path / 'nosuch.jsonl')!r}: No such file or "
        "directory"
    )
    topic = run_cli("help", "exit-code")
    assert topic.exit_code == 2
    assert "error: help: 'exit-code' is not a topic or command; did you mean 'exit-codes'?" in (
        topic.stderr
    )
    assert emulator.log == []


def test_an_output_folder_that_refuses_files_names_the_file_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not the hidden temporary file beside it (`.x.csv.3hyo8afa.part`)."""
    import errno

    from clodura_cli.store import files

    def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / ".x.csv.ab.part"))

    monkeypatch.setattr("tempfile.mkstemp", refused)
    with (
        pytest.raises(OSError) as raised,
        files.replaced_atomically(tmp_path / "x.csv", private=False),
    ):
        pass
    assert raised.value.filename == str(tmp_path / "x.csv")
    assert raised.value.errno == errno.EACCES


@pytest.mark.slow  # Python processes of their own
def test_a_stdout_encoding_is_named_as_the_user_set_it(tmp_path: Path) -> None:
    """cp1252's codec calls itself "charmap", which the warning quoted."""
    env = {**base_env(tmp_path), "PYTHONIOENCODING": "cp1252"}
    page = json.dumps([{"personId": "1", "firstName": "Ōta 名"}]).encode()
    done = csv_on_stdout(env, page, "personId,firstName")
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode("cp1252").splitlines() == ["personId,firstName", "1,?ta ?"]
    assert (
        done.stderr.decode("cp1252").count(
            "warning: standard output's encoding (cp1252) cannot hold some characters"
        )
        == 1
    )


def test_the_formula_guard_covers_the_header_a_server_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Field names are cells too, and the server decides some: `=HYPERLINK(...)` as a field
    name reached the header row unguarded (a spreadsheet user's trial)."""
    page = json.dumps([{"personId": "1", '=HYPERLINK("http://evil","x")': "a", "@SUM(A1)": "b"}])
    target = tmp_path / "people.csv"
    first, _ = search_against(monkeypatch, Answer(200, page.encode()), "--limit", "1",
                              "--fields", "all", "-f", "csv", "-o", str(target))  # fmt: skip
    assert first.exit_code == 0, first.stderr
    header = target.read_text().splitlines()[0]
    assert header.startswith("personId,")
    assert header.endswith(""","'=HYPERLINK(""http://evil"",""x"")",'@SUM(A1)""")
    again, _ = search_against(monkeypatch, Answer(200, page.encode()), "--limit", "1", "-f",
                              "csv", "--append", "-o", str(target))  # fmt: skip
    assert again.exit_code == 0, again.stderr  # the guarded names read back as the fields
    rows = target.read_text().splitlines()[1:]
    assert len(rows) == 2 and all(row.startswith("1,") and row.endswith(",a,b") for row in rows)
    raw, _ = search_against(monkeypatch, Answer(200, page.encode()), "--limit", "1",
                            "--fields", "all", "-f", "csv", "--raw-csv")  # fmt: skip
    assert raw.stdout.splitlines()[0].endswith(',"=HYPERLINK(""http://evil"",""x"")",@SUM(A1)')
