"""The installed `clodura` command, as a subprocess in a pipe, against `clodura sandbox serve`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import (
    CLODURA,
    DEADLINE,
    OLD_BYTES,
    Server,
    base_env,
    interrupt_export,
    loopback,
    read_pty_until,
    spawn,
    wait_for,
)

pytestmark = pytest.mark.loopback

KEY = "sandbox-standard"


@pytest.fixture
def env(server: Server, tmp_path: Path) -> dict[str, str]:
    return server.env_for(tmp_path, KEY)


def clodura(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLODURA, *args], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )


def test_serve_prints_its_keys(tmp_path: Path) -> None:
    from clodura_cli.sandbox.keys import SANDBOX_KEYS

    command = [CLODURA, "sandbox", "serve", "--port", "0"]
    with spawn(command, stdout=subprocess.PIPE, env=base_env(tmp_path)) as process:
        assert process.stdout is not None
        shown = read_pty_until(process.stdout.fileno(), b" clodura search\n").decode()
        lines = shown.splitlines()
        assert lines[0].startswith("Sandbox API listening on http://127.0.0.1:"), shown
        url = lines[0].split()[-1]
        printed = {line.split()[1]: line for line in lines if line.startswith("  key ")}
        assert sorted(printed) == sorted(SANDBOX_KEYS)
        for key, plan in SANDBOX_KEYS.items():
            assert plan.name in printed[key]
        assert lines[-1] == (
            f"Try: CLODURA_BASE_URL={url} CLODURA_API_KEY=sandbox-standard clodura search"
        )
        # The URL printed is where it listens, and each key printed is one it takes.
        for key in printed:
            answer = loopback.get(f"{url}/api/v1/credits", headers={"X-API-KEY": key})
            assert answer.status_code == 200, key
        refused = loopback.get(f"{url}/api/v1/credits", headers={"X-API-KEY": "sandbox-nope"})
        assert refused.status_code == 401


def test_search_in_a_pipe_defaults_to_jsonl(server: Server, env: dict[str, str]) -> None:
    done = clodura("search", "--seniority", "CEO", "--limit", "30", env=env)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(records) == 30
    assert all("CEO" in r["seniority"] for r in records)
    log = server.log()
    assert [(e["body"]["page"], e["body"]["perPage"]) for e in log] == [(1, 30)]
    assert log[0]["plan"] == "Prospect Pro"
    assert sum(e["records"] for e in log) == 30


def test_all_export_over_http_is_complete_and_in_order(server: Server, env: dict[str, str]) -> None:
    done = clodura(
        "search", "--seniority", "CXO", "--all", "-f", "csv", "--fields", "personId", env=env
    )
    assert done.returncode == 0, done.stderr
    ids = done.stdout.splitlines()[1:]
    served = sum(e["records"] for e in server.log())
    assert len(ids) == len(set(ids)) == served > 700


def test_closed_pipe_ends_quietly(server: Server, env: dict[str, str]) -> None:
    script = (
        f'"{CLODURA}" search --all --fields personId | head -n 1; '
        'echo "status ${PIPESTATUS[0]}" >&2'
    )
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert done.stdout.count("\n") == 1
    assert "status 0" in done.stderr
    assert "Traceback" not in done.stderr and "error" not in done.stderr


def test_a_reader_that_goes_away_leaves_no_paid_page_behind(
    server: Server, env: dict[str, str]
) -> None:
    # `search --all | head`: the pages in flight when head left were charged, then lost with the
    # connection closed under them (and retried into it, on stderr): a rerun paid for them again.
    server.set_faults(latency=0.3)
    env["CLODURA_SEARCH_CACHE_TTL"] = "3600"  # the suite turns the page cache off
    script = (
        f'"{CLODURA}" search --seniority CXO --all -f csv --fields personId | head -n 2; '
        'echo "status ${PIPESTATUS[0]}" >&2'
    )
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert "status 0" in done.stderr and "retry" not in done.stderr, done.stderr
    paid = sorted(e["body"]["page"] for e in server.log() if e["records"])
    assert paid[:2] == [1, 2], paid
    server.clear_log()
    again = clodura("search", "--seniority", "CXO", "--all", "-f", "csv", "--fields", "personId",
                    env=env)  # fmt: skip
    assert again.returncode == 0, again.stderr
    asked = [e["body"]["page"] for e in server.log()]
    assert not set(asked) & set(paid), (paid, asked)
    assert f"reused {len(paid)} pages" in again.stderr


def test_a_page_that_fails_leaves_the_pages_in_flight_kept(
    server: Server, env: dict[str, str]
) -> None:
    # The third page answered 422 while the fourth and later were in flight: the client closed
    # under them (retried into it, on stderr), and a rerun paid for them again.
    server.set_faults(latency=0.3, script=["422:1@search+2"])
    env["CLODURA_SEARCH_CACHE_TTL"] = "3600"  # the suite turns the page cache off
    args = ("search", "--seniority", "Manager", "--all", "--concurrency", "4", "-f", "jsonl")
    failed = clodura(*args, env=env)
    assert failed.returncode == 6 and "Bad file descriptor" not in failed.stderr, failed.stderr
    paid = sorted(e["body"]["page"] for e in server.log() if e["records"])
    assert len(paid) > 2, paid
    server.clear_log()
    server.set_faults(latency=0)
    again = clodura(*args, env=env)
    assert again.returncode == 0, again.stderr
    asked = [e["body"]["page"] for e in server.log()]
    assert not set(asked) & set(paid), (paid, asked)


def test_verbose_logs_requests_and_retries_but_never_the_key(
    server: Server, env: dict[str, str]
) -> None:
    server.set_faults(retry_after=0, script=["429:1@search", "503:1@search"])
    env["CLODURA_API_KEY"] = "sandbox-multi"
    done = clodura("search", "-v", "--title", "cto", "--limit", "5", env=env)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 5
    assert [e["status"] for e in server.log()] == [429, 503, 200]
    lines = done.stderr.splitlines()
    assert sum(line.startswith("retry:") for line in lines) == 2
    assert sum(line.startswith("http: POST /api/v1/search/people -> ") for line in lines) == 3
    assert "sandbox-multi" not in done.stderr + done.stdout


def test_a_query_goes_over_http_as_the_query(server: Server, env: dict[str, str]) -> None:
    """Through httpx and a real server: the query arrives as QUERY_STRING, not in the path."""
    done = clodura("api", "credits?x=1&kind=phone", "-v", env=env)
    assert done.returncode == 0, done.stderr
    [entry] = server.log()
    assert (entry["path"], entry["query"]) == ("/api/v1/credits", "x=1&kind=phone")
    assert "http: GET /api/v1/credits?x=1&kind=phone -> 200" in done.stderr


def test_cron_logs_quiet_retries_and_timestamped_lines(server: Server, env: dict[str, str]) -> None:
    import re

    server.set_faults(retry_after=0, script=["429:1@search"])
    quiet = clodura("search", "-q", "--title", "cto", "--limit", "5", env=env)
    assert quiet.returncode == 0, quiet.stderr
    assert [e["status"] for e in server.log()] == [429, 200]  # it did retry, silently
    assert quiet.stderr == ""
    server.set_faults(retry_after=0, script=["429:1@search"])
    stamped = clodura("search", "--title", "cto", "--limit", "5", "-o", "/dev/null", env={
        **env, "CLODURA_LOG_TIMESTAMPS": "1"})  # fmt: skip
    lines = stamped.stderr.splitlines()
    assert len(lines) == 2 and lines[0].split(" ", 1)[1].startswith("retry: ")
    iso = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d ")
    assert all(iso.match(line) for line in lines), lines
    flag = clodura("search", "--title", "cto", "--limit", "1", "-o", "/dev/null",
                   "--log-timestamps", env=env)  # fmt: skip
    assert (
        iso.match(flag.stderr) and flag.stderr.split(" ", 1)[1] == "wrote 1 record to /dev/null\n"
    )
    failed = clodura("--log-timestamps", "search", "--seniority", "Boss", env=env)
    assert failed.returncode == 2 and iso.match(failed.stderr), failed.stderr


def test_dropped_connection_and_truncated_body_are_retried(
    server: Server, env: dict[str, str]
) -> None:
    server.set_faults(script=["drop:1@search", "truncate:1@search"])
    done = clodura("search", "--limit", "3", env=env)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 3
    assert [e["fault"] for e in server.log()] == ["drop", "truncate", None]


def test_persistent_5xx_exits_7(server: Server, env: dict[str, str]) -> None:
    server.set_faults(script=["502:9@search"])
    env["CLODURA_MAX_RETRIES"] = "1"
    done = clodura("search", "--limit", "3", env=env)
    assert done.returncode == 7
    assert done.stderr.splitlines()[-1] == (
        "error: page 1 (records 1-3): HTTP 502 from /api/v1/search/people: Bad Gateway "
        "(the API failed; try again later)"
    )
    assert "Traceback" not in done.stderr
    assert len(server.log()) == 2


def test_connection_refused_exits_7(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    env.update(CLODURA_BASE_URL="http://127.0.0.1:9", CLODURA_API_KEY=KEY, CLODURA_MAX_RETRIES="1")
    done = clodura("search", env=env)
    assert done.returncode == 7
    assert "connection failed" in done.stderr


def test_ctrl_c_exits_130_and_leaves_the_output_file_as_it_was(
    server: Server, env: dict[str, str], tmp_path: Path
) -> None:
    # (A new file is never created: test_reliability's SIGTERM test.)
    target = tmp_path / "leads.jsonl"
    target.write_bytes(OLD_BYTES)
    ended = interrupt_export(server, env, target, signal.SIGINT)
    stderr = ended.stderr
    assert ended.exit_code == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert target.read_bytes() == OLD_BYTES
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".leads")] == []


def test_reveal_pipeline_times_out_then_track_wait_finishes_in_a_new_process(
    server: Server, env: dict[str, str]
) -> None:
    found = clodura("search", "--title", "cto", "--limit", "4", env=env)
    env["CLODURA_WEBHOOK_URL"] = "https://hooks.example.com/clodura"
    first = subprocess.run(
        [CLODURA, "reveal", "email", "--input", "-", "--timeout", "0.3", "-f", "csv"],
        input=found.stdout, capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert first.returncode == 8, first.stderr
    pending = [
        line.split()[-1] for line in first.stderr.splitlines() if line.startswith("pending:")
    ]
    assert len(pending) == 4
    second = clodura("track", "--wait", "-f", "jsonl", env=env)
    assert second.returncode == 0, second.stderr
    rows = [json.loads(line) for line in second.stdout.splitlines()]
    assert {r["trackingId"] for r in rows} == set(pending)
    assert {r["revealStatus"] for r in rows} <= {"completed", "failed"}
    email_posts = [e for e in server.log() if e["endpoint"] == "email"]
    assert len(email_posts) == 4
    third = subprocess.run(
        [CLODURA, "reveal", "email", "--input", "-", "-f", "csv"],
        input=found.stdout, capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert third.returncode == 0
    assert len([e for e in server.log() if e["endpoint"] == "email"]) == 4
    assert "4 answered from the ledger" in third.stderr


def test_sigkill_during_submissions_loses_no_tracking_id(
    server: Server, env: dict[str, str], tmp_path: Path
) -> None:
    from clodura_cli.sandbox.data import build_dataset
    from clodura_cli.store.ledger import Ledger

    server.set_faults(latency=0.15)
    ids = [p.record["personId"] for p in build_dataset().people[100:160]]
    command = [CLODURA, "reveal", "email", "--no-wait", "--concurrency", "4", *ids]
    run_env = {**env, "CLODURA_WEBHOOK_URL": "https://hooks.example.com/c"}
    with spawn(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=run_env) as run:
        wait_for(lambda: server.count("email") >= 10, "ten submissions received")
        run.kill()
        run.wait(timeout=DEADLINE)
    # Requests the server had already received finish there; wait for them, not for a time.
    wait_for(lambda: server.stats()["inFlight"] == 0, "the server to finish what it received")
    # A request the kill cut before its body arrived is logged without it: nothing was asked.
    logged = [e for e in server.log() if e["endpoint"] == "email"]
    received = [e["body"]["personId"] for e in logged if isinstance(e["body"], dict)]
    assert len(logged) >= 10 and len(received) < len(ids)
    jobs = {job.person_id: job for job in Ledger(tmp_path / "data" / "ledger.db").jobs()}
    for person_id in received:
        job = jobs[person_id]
        assert (job.status == "queued" and job.tracking_id) or (
            job.status == "unknown" and job.tracking_id is None
        ), job
    assert any(job.status == "queued" for job in jobs.values())
    for job in jobs.values():
        if job.tracking_id:
            answer = loopback.get(
                f"{server.url}/api/v1/search/people/track/{job.tracking_id}",
                headers={"X-API-KEY": KEY},
            )
            assert answer.status_code == 200
    listed = clodura("track", "-f", "jsonl", env=env)
    rows = {json.loads(line)["personId"]: json.loads(line) for line in listed.stdout.splitlines()}
    for person_id in received:
        assert rows[person_id]["revealStatus"] in ("queued", "unknown")


def test_on_a_terminal_a_costly_run_asks_first_and_no_means_nothing_sent(
    server: Server, env: dict[str, str]
) -> None:
    import pty

    from clodura_cli.sandbox.data import build_dataset

    ids = [p.record["personId"] for p in build_dataset().people[300:330]]  # 30 x 2 = 60 > 50
    master, slave = pty.openpty()
    run_env = {**env, "CLODURA_WEBHOOK_URL": "https://hooks.example.com/c", "TERM": "dumb"}
    try:
        with spawn([CLODURA, "reveal", "email", *ids], stdin=slave, stdout=slave, stderr=slave,
                   close_fds=True, env=run_env) as run:  # fmt: skip
            os.close(slave)
            seen = read_pty_until(master, b"[y/N]")
            assert b"may cost up to 60 credits (standard)" in seen
            os.write(master, b"n\n")
            assert run.wait(timeout=DEADLINE) == 4
    finally:
        os.close(master)
    assert [e for e in server.log() if e["endpoint"] == "email"] == []


@pytest.mark.parametrize(("answer", "code", "submitted"), [(b"n\n", 4, 0), (b"y\n", 0, 30)])
def test_at_the_end_of_a_pipe_the_question_is_asked_on_the_terminal(
    answer: bytes, code: int, submitted: int, server: Server, env: dict[str, str]
) -> None:
    """`search ... | clodura reveal --input -` typed at a terminal: stdin is the pipe, stderr the
    terminal, which is also the process's controlling terminal (/dev/tty)."""
    import fcntl
    import pty
    import termios

    from clodura_cli.sandbox.data import build_dataset

    ids = [p.record["personId"] for p in build_dataset().people[500:530]]  # 30 x 2 = 60 > 50
    master, slave = pty.openpty()

    def controlling_terminal() -> None:  # what a shell gives the commands of a pipeline
        fcntl.ioctl(2, termios.TIOCSCTTY, 0)

    run_env = {**env, "CLODURA_WEBHOOK_URL": "https://hooks.example.com/c", "TERM": "dumb"}
    try:
        with spawn([CLODURA, "reveal", "email", "--input", "-", "--no-wait", "-f", "jsonl"],
                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=slave,
                   start_new_session=True, preexec_fn=controlling_terminal,
                   env=run_env) as run:  # fmt: skip
            os.close(slave)
            assert run.stdin is not None and run.stdout is not None
            run.stdin.write("".join(f"{i}\n" for i in ids).encode())
            run.stdin.close()
            seen = read_pty_until(master, b"[y/N]")
            assert b"Reveal 30 email(s), which may cost up to 60 credits (standard)?" in seen
            os.write(master, answer)
            out = run.stdout.read()
            assert run.wait(timeout=DEADLINE) == code
    finally:
        os.close(master)
    assert len([e for e in server.log() if e["endpoint"] == "email"]) == submitted
    assert len(out.splitlines()) == submitted


#: Runs a command as the terminal's own session, as a login shell runs it: Ctrl-C typed at the
#: terminal (\x03) sends SIGINT to it, through the terminal driver, as it would to a person.
CONTROLLING_TERMINAL = (
    "import fcntl, os, sys, termios; os.setsid(); fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def on_a_terminal(args: list[str], env: dict[str, str], answer: bytes) -> tuple[int, bytes]:
    """Run `clodura ARGS` with a terminal as stdin, stdout and stderr; once it asks [y/N],
    type ``answer``. The exit code and all the terminal showed."""
    import pty

    master, slave = pty.openpty()
    command = [sys.executable, "-c", CONTROLLING_TERMINAL, CLODURA, *args]
    run_env = {**env, "CLODURA_WEBHOOK_URL": "https://hooks.example.com/c", "TERM": "dumb"}
    try:
        with spawn(command, stdin=slave, stdout=slave, stderr=slave, close_fds=True,
                   env=run_env) as run:  # fmt: skip
            os.close(slave)
            seen = read_pty_until(master, b"[y/N]")  # or until it ends without asking
            if b"[y/N]" in seen:
                os.write(master, answer)
            seen += read_pty_until(master, b"\0never\0")  # until it ends
            return run.wait(timeout=DEADLINE), seen
    finally:
        os.close(master)


def test_on_a_terminal_yes_submits_a_costly_run_without_asking(
    server: Server, env: dict[str, str]
) -> None:
    from clodura_cli.sandbox.data import build_dataset

    ids = [p.record["personId"] for p in build_dataset().people[330:360]]  # 60 credits > 50
    code, seen = on_a_terminal(["reveal", "email", "--yes", "--no-wait", *ids], env, b"n\n")
    assert b"[y/N]" not in seen
    assert code == 0, seen
    assert len([e for e in server.log() if e["endpoint"] == "email"]) == 30


def test_ctrl_c_at_the_prompt_exits_130_and_sends_nothing(
    server: Server, env: dict[str, str]
) -> None:
    from clodura_cli.sandbox.data import build_dataset

    ids = [p.record["personId"] for p in build_dataset().people[360:390]]
    code, seen = on_a_terminal(["reveal", "email", "--no-wait", *ids], env, b"\x03")
    assert b"may cost up to 60 credits (standard)" in seen and b"[y/N]" in seen
    assert code == 130, seen
    assert b"interrupted" in seen and b"Traceback" not in seen
    assert [e for e in server.log() if e["endpoint"] == "email"] == []


def test_without_a_terminal_a_costly_run_never_prompts(server: Server, env: dict[str, str]) -> None:
    from clodura_cli.sandbox.data import build_dataset

    ids = [p.record["personId"] for p in build_dataset().people[400:430]]
    env["CLODURA_WEBHOOK_URL"] = "https://hooks.example.com/c"
    done = subprocess.run(
        [CLODURA, "reveal", "email", "--no-wait", *ids],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len([e for e in server.log() if e["endpoint"] == "email"]) == 30


def test_the_key_never_appears_in_any_output_or_file_but_the_key_store(
    server: Server, env: dict[str, str], tmp_path: Path
) -> None:
    from clodura_cli.sandbox.data import build_dataset

    secret = "sandbox-multi"
    del env["CLODURA_API_KEY"]
    login = subprocess.run(
        [CLODURA, "auth", "login", "--with-key"], input=secret, capture_output=True, text=True,
        env=env, timeout=30, check=False,
    )  # fmt: skip
    assert login.returncode == 0, login.stderr
    env["CLODURA_WEBHOOK_URL"] = "https://hooks.example.com/c"
    person = build_dataset().people[5].record["personId"]
    server.set_faults(retry_after=0, script=["429:1@search", "502:1@credits"])
    commands = [
        ["search", "-v", "--seniority", "CEO", "--limit", "3"],
        ["search", "-v", "--dry-run", "--seniority", "CEO"],
        ["search", "-v", "--limit", "2", "-o", str(tmp_path / "out.csv")],
        ["reveal", "email", "-v", person],
        ["reveal", "email", "-v", "--dry-run", person],
        ["reveal", "phone", "-v", "--no-wait", person],
        ["track", "-v", "--wait"],
        ["track"],
        ["credits", "-v", "-f", "json"],
        ["auth", "status", "--check"],
        ["config", "list"],
        ["config", "path"],
        ["preset", "save", "p", "--seniority", "CEO"],
        ["preset", "show", "p", "--resolve"],
        ["search", "-v", "--preset", "p", "--new-only", "--limit", "2"],
        ["track", "-v", "0123456789abcdef"],
        ["search", "--bogus-flag"],
    ]
    for command in commands:
        done = clodura(*command, env=env)
        assert secret not in done.stdout + done.stderr, command
        assert "Traceback" not in done.stderr, command
    assert any(
        line.startswith("http: ") for line in clodura(*commands[0], env=env).stderr.splitlines()
    )
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"credentials", "ledger.db", "p.yaml", "out.csv"}
    for path in written:
        holds_key = secret.encode() in path.read_bytes()
        assert holds_key == (path.name == "credentials"), path
