"""Helpers the tests share: running the command in-process and reading the emulator's log."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from typer import testing as typer_testing
from typer.main import get_command
from typer.testing import CliRunner

from clodura_cli.cli.app import app
from clodura_cli.sandbox.app import SandboxApp


@dataclass
class Run:
    """What one in-process `clodura` run printed and returned."""

    exit_code: int
    stdout: str
    stderr: str

    def jsonl(self) -> list[dict[str, Any]]:
        """stdout as JSON Lines."""
        return [json.loads(line) for line in self.stdout.splitlines()]


_runner = CliRunner()
# Building the click command tree from the typer app takes most of an in-process run; the
# tree holds no per-run state, so the test runner builds it once. There is no public way: typer
# 0.28's CliRunner.invoke takes only a Typer app and calls typer.main.get_command on it itself.
_command_cache: dict[int, Any] = {}


def _cached_command(typer_app: Any) -> Any:
    key = id(typer_app)
    if key not in _command_cache:
        _command_cache[key] = get_command(typer_app)
    return _command_cache[key]


typer_testing._get_command = _cached_command


def run_cli(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Run:
    """Run `clodura ARGS` in this process, as the installed command would."""
    result = _runner.invoke(app, list(args), input=input, env=env)
    return Run(result.exit_code, result.stdout, result.stderr)


#: Bytes no export writes: a run that fails must leave them as they are, to the last byte.
OLD_BYTES = b"old\r\nexport \xff without a final newline"

#: An export that writes two pages, then fails on the third (exit 6) under
#: fail_on_the_third_page: one that has begun writing its output when it fails.
FAILING_EXPORT = ["search", "--sandbox", "--seniority", "Manager", "--all", "--concurrency", "1",
                  "--fields", "personId", "-f", "jsonl"]  # fmt: skip


def fail_on_the_third_page(emulator: SandboxApp) -> None:
    """The emulator answers the third search request with a 400."""
    from clodura_cli.sandbox.faults import Faults, ScriptedFault

    emulator.set_faults(Faults(script=[ScriptedFault("400", 1, "search", after=2)]))


def sent(emulator: SandboxApp, endpoint: str = "search") -> list[Any]:
    """Bodies of the requests the emulator received at one endpoint, in order."""
    return [entry["body"] for entry in emulator.log if entry["endpoint"] == endpoint]


def pages_requested(emulator: SandboxApp) -> list[tuple[int, int]]:
    """(page, perPage) of every search request the emulator received, in arrival order."""
    return [(body["page"], body["perPage"]) for body in sent(emulator)]


CLODURA = str(Path(sys.executable).with_name("clodura"))


class SkippingClock:
    """Real time, except that a sleep returns at once and moves this clock forward instead: the
    throttle's spacing and pauses and the retries' backoff keep their order and length in this
    clock's time and cost no real time. ``slept`` lists every wait asked for."""

    def __init__(self) -> None:
        self._ahead = 0.0
        self._lock = threading.Lock()
        self.slept: list[float] = []

    def monotonic(self) -> float:
        with self._lock:
            return time.monotonic() + self._ahead

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self._ahead += max(0.0, seconds)


#: One client for every request a test makes to a loopback server. `httpx.get` and friends build
#: a client each time, and each loads the certificate store (50 ms of CPU): hundreds of tests
#: called them several times each. Plain http on loopback needs no certificates.
loopback = httpx.Client(verify=False, timeout=60.0)


@dataclass
class Server:
    """A running `clodura sandbox serve` and how to talk to its control plane."""

    url: str
    process: subprocess.Popen[str]

    def log(self) -> list[dict[str, Any]]:
        return loopback.get(f"{self.url}/_sandbox/log").json()  # type: ignore[no-any-return]

    def clear_log(self) -> None:
        loopback.delete(f"{self.url}/_sandbox/log").raise_for_status()

    def set_faults(self, **faults: Any) -> None:
        loopback.put(f"{self.url}/_sandbox/faults", json=faults).raise_for_status()

    def set_job_delay(self, seconds: float) -> None:
        """Reveal jobs take this long from now on; pending jobs too."""
        loopback.put(f"{self.url}/_sandbox/job-delay", json={"seconds": seconds}).raise_for_status()

    def stats(self) -> dict[str, Any]:
        return loopback.get(f"{self.url}/_sandbox/stats").json()  # type: ignore[no-any-return]

    def reset(self) -> None:
        """A clean start for the next test: no faults, an empty log, the usual job delay."""
        self.set_faults()
        self.set_job_delay(SERVER_JOB_DELAY)
        self.clear_log()

    def env_for(self, home: Path, key: str, **extra: str) -> dict[str, str]:
        """A clean server, and the environment of a `clodura` process that uses it."""
        self.reset()
        return {**base_env(home), "CLODURA_BASE_URL": self.url, "CLODURA_API_KEY": key, **extra}

    def point(self, monkeypatch: Any, key: str, **extra: str) -> Server:
        """A clean server, and this test's in-process runs pointed at it."""
        self.reset()
        for name, value in {"CLODURA_BASE_URL": self.url, "CLODURA_API_KEY": key, **extra}.items():
            monkeypatch.setenv(name, value)
        return self

    def count(self, endpoint: str) -> int:
        """How many requests to one endpoint the server has logged."""
        return sum(1 for entry in self.log() if entry["endpoint"] == endpoint)


#: The sandbox's generated data set, shared by every test: each test's own cache folder links its
#: `sandbox` folder here. The file is named by the code's version and replaced atomically, so
#: tests (and their `clodura` processes) read one copy instead of generating it (0.3 s) each time.
SHARED_SANDBOX = Path(tempfile.gettempdir()) / f"clodura-tests-{os.getuid()}" / "sandbox"


def cache_dir(home: Path) -> Path:
    """A test's cache folder (CLODURA_CACHE_DIR) whose sandbox data set is the shared one."""
    cache = home / "cache"
    cache.mkdir(mode=0o700, parents=True, exist_ok=True)
    link = cache / "sandbox"
    if not link.is_symlink() and not link.exists():
        SHARED_SANDBOX.mkdir(mode=0o700, parents=True, exist_ok=True)
        link.symlink_to(SHARED_SANDBOX)
    return cache


def base_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLODURA_")}
    env.update(
        CLODURA_DATA_DIR=str(tmp_path / "data"),
        CLODURA_CONFIG_DIR=str(tmp_path / "config"),
        CLODURA_CACHE_DIR=str(cache_dir(tmp_path)),
        NO_COLOR="1",
        # Each test asks the API what it tests; the page cache's own tests turn it on.
        CLODURA_SEARCH_CACHE_TTL="0",
    )
    return env


#: Generous: CI's machine may be busy. A wait that ends early costs nothing.
DEADLINE = 60.0
SERVER_JOB_DELAY = 0.2


def wait_for(condition: Callable[[], Any], what: str, deadline: float = DEADLINE) -> Any:
    """Poll ``condition`` until it returns something true; fail the test past the deadline."""
    end = time.monotonic() + deadline
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {deadline:.0f} s waiting for {what}")
        time.sleep(0.02)


def read_pty_until(master: int, marker: bytes, deadline: float = DEADLINE) -> bytes:
    """What a pseudo-terminal showed until ``marker`` appeared (or the deadline passed)."""
    import select

    seen = b""
    end = time.monotonic() + deadline
    while marker not in seen and time.monotonic() < end:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the other side closed
                break
            seen += chunk
    return seen


@contextlib.contextmanager
def spawn(args: list[str], **popen: Any) -> Iterator[subprocess.Popen[Any]]:
    """A subprocess that is killed and reaped when the block ends, also when a test fails."""
    process = subprocess.Popen(args, **popen)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        with contextlib.suppress(ValueError):  # communicate() may have closed the pipes
            process.communicate(timeout=DEADLINE)
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def interrupt_export(server: Server, env: dict[str, str], target: Path, signum: int) -> Run:
    """Start `search --all -o TARGET` (100 pages, 0.2 s each), send ``signum`` once pages have
    been served and the export is still running, and return how it ended."""
    server.set_faults(latency=0.2)
    command = [CLODURA, "search", "--all", "--concurrency", "1", "-o", str(target)]
    with spawn(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as run:
        wait_for(lambda: server.count("search") >= 3, "three pages requested")
        assert run.poll() is None
        run.send_signal(signum)
        stdout, stderr = run.communicate(timeout=DEADLINE)
    return Run(run.returncode, stdout, stderr)


@contextlib.contextmanager
def running_server(home: Path) -> Iterator[Server]:
    """`clodura sandbox serve` on a free loopback port, stopped afterwards."""
    command = [CLODURA, "sandbox", "serve", "--port", "0", "--job-delay", str(SERVER_JOB_DELAY)]
    with spawn(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=base_env(home)
    ) as process:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("Sandbox API listening on http://127.0.0.1:"), first
        yield Server(first.split()[-1], process)
        process.terminate()
        process.wait(timeout=DEADLINE)


def run_in_pty(args: list[str], columns: int, env: dict[str, str], rows: int = 50) -> Run:
    """Run `clodura ARGS` on a pseudo-terminal of the given width (stdout and stderr both on
    it, as in a real terminal); the screen's text, escape sequences removed, is ``stdout``."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    run_env = {**env, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)}
    run_env.pop("NO_COLOR", None)
    seen = b""
    try:
        with spawn([CLODURA, *args], stdin=slave, stdout=slave, stderr=slave, close_fds=True,
                   env=run_env) as process:  # fmt: skip
            os.close(slave)
            slave = -1
            seen = read_pty_until(master, b"\0never\0")
            code = process.wait(timeout=DEADLINE)
    finally:
        os.close(master)
        if slave != -1:
            os.close(slave)
    return Run(code, "\n".join(screen(seen.decode("utf-8", errors="replace"), columns)), "")


def screen(text: str, columns: int) -> list[str]:
    """What a terminal ``columns`` wide shows after ``text``: a small emulator that follows
    carriage returns, line feeds, cursor moves and line erasing, and ignores colours. Lines
    left on screen by a progress bar, or overwritten by it, show as they would to a person."""
    import re

    lines: list[list[str]] = [[]]
    row = col = 0
    tokens = re.finditer(r"\x1b\[([0-?]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b.|.",
                         text, re.DOTALL)  # fmt: skip
    for token in tokens:
        piece = token.group(0)
        if token.group(2) is not None:
            params = token.group(1) or ""
            if params.startswith("?"):
                continue  # modes such as hiding the cursor
            number = int(params.split(";")[0] or 1)
            final = token.group(2)
            if final == "A":
                row = max(0, row - number)
            elif final == "B":
                row += number
            elif final == "C":
                col += number
            elif final == "D":
                col = max(0, col - number)
            elif final == "G":
                col = number - 1
            elif final == "K":
                mode = token.group(1) or "0"
                while len(lines) <= row:
                    lines.append([])
                lines[row] = [] if mode == "2" else lines[row][:col]
            continue
        if piece.startswith("\x1b"):
            continue
        if piece == "\r":
            col = 0
        elif piece == "\n":
            row, col = row + 1, 0
        elif piece == "\b":
            col = max(0, col - 1)
        elif piece >= " ":
            if col >= columns:
                row, col = row + 1, 0
            while len(lines) <= row:
                lines.append([])
            line = lines[row]
            line.extend(" " * (col + 1 - len(line)))
            line[col] = piece
            col += 1
        while len(lines) <= row:
            lines.append([])
    return ["".join(line).rstrip() for line in lines]


def error_line(stderr: str, *, required: bool = True) -> str | None:
    """The one ``error:`` line of a run's stderr: never two, never a traceback. Without
    ``required``, None when the run printed no error."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 if required else len(lines) <= 1, stderr
    return lines[0] if lines else None


def person_ids(count: int, start: int = 0) -> list[str]:
    """Ids of ``count`` people of the sandbox data set, from index ``start``."""
    from clodura_cli.sandbox.data import build_dataset

    return [build_dataset().person(i).record["personId"] for i in range(start, start + count)]


@dataclass
class Arranged:
    """What a run printed on each stream, as bytes, however each stream was arranged."""

    exit_code: int
    stdout: bytes
    stderr: bytes


def run_arranged(
    command: list[str],
    env: dict[str, str],
    terminals: set[str],
    *,
    stdin: bytes = b"",
    columns: int = 100,
) -> Arranged:
    """Run ``command`` with each of stdin, stdout and stderr named in ``terminals`` on a
    pseudo-terminal of its own and the others on a pipe (stdin: ``stdin`` is written to it) or,
    for stdout, a file: every arrangement a person's shell makes (`cmd > file` typed at a
    terminal is stdout a file, stderr a terminal). A terminal stdout is raw, so the bytes
    read back are the bytes written."""
    import fcntl
    import pty
    import select
    import struct
    import tempfile
    import termios
    import tty

    masters: dict[str, int] = {}
    ends: dict[str, Any] = {}
    opened: list[int] = []
    for name in ("stdin", "stdout", "stderr"):
        if name in terminals:
            master, slave = pty.openpty()
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
            if name == "stdout":
                tty.setraw(slave)
            masters[name], ends[name] = master, slave
            opened.append(slave)
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the child, closed below
    ends.setdefault("stdin", subprocess.PIPE)
    ends.setdefault("stdout", spool)
    ends.setdefault("stderr", subprocess.PIPE)
    run_env = {**env, "TERM": "xterm-256color", "COLUMNS": str(columns)}
    seen = {name: b"" for name in masters}
    piped_err = b""
    try:
        with spawn(command, stdin=ends["stdin"], stdout=ends["stdout"], stderr=ends["stderr"],
                   env=run_env) as process:  # fmt: skip
            for fd in opened:
                os.close(fd)
            opened.clear()
            if process.stdin is not None:
                process.stdin.write(stdin)
                process.stdin.close()
            readers = {masters[n]: n for n in ("stdout", "stderr") if n in masters}
            if process.stderr is not None:
                readers[process.stderr.fileno()] = "piped"
            end = time.monotonic() + DEADLINE
            while readers and time.monotonic() < end:
                ready, _, _ = select.select(list(readers), [], [], 0.2)
                for fd in ready:
                    try:
                        chunk = os.read(fd, 65536)
                    except OSError:  # the terminal's last writer closed it
                        chunk = b""
                    if not chunk:
                        del readers[fd]
                    elif readers[fd] == "piped":
                        piped_err += chunk
                    else:
                        seen[readers[fd]] += chunk
            code = process.wait(timeout=DEADLINE)
    finally:
        for fd in [*opened, *masters.values()]:
            with contextlib.suppress(OSError):
                os.close(fd)
    spool.seek(0)
    stdout = seen["stdout"] if "stdout" in masters else spool.read()
    spool.close()
    stderr = seen["stderr"] if "stderr" in masters else piped_err
    return Arranged(code, stdout, stderr)


def sandbox_fails(person_id: str, kind: str = "email") -> bool:
    """True when the sandbox fails this person's reveal (about 3 in 100): the run exits 6."""
    from clodura_cli.sandbox.reveal import fails

    return fails(person_id, kind)
