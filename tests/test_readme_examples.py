"""Every shell example in README.md, run as written against the sandbox, so the README cannot rot.

The ```sh blocks run in README order, each in its own bash, all in one shared temporary working
directory (a file one example writes is there for a later one), with the installed `clodura`
first on PATH, `CLODURA_SANDBOX=1`, config, data, cache and home folders of their own,
`NO_COLOR=1` and stdin from /dev/null. Every command must exit 0, or the code that a `# exits N`
comment on its line names; a failure names the command and its README line, with its stderr.
One change is made to the text: a port an example names (`--port 8765`, and the URLs with it)
becomes a free one, so that the test runs beside a server that holds the port.

A block that cannot run here says so on its first line, visibly to readers too:
`# not run by the README test: REASON` (a package install, a real key, a tunnel). A block that
calls a program that is not installed (jq, curl) is skipped, saying so.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import base_env

pytestmark = pytest.mark.loopback

README = Path(__file__).resolve().parent.parent / "README.md"
BIN = Path(sys.executable).parent
#: Fences whose blocks are run, and fences that are not commands (a crontab line, a preset or
#: layout file, the source tree). Any other language fails the test until it is sorted here.
SHELL = {"sh", "bash", "shell"}
NOT_SHELL = {"cron", "yaml", ""}
NOT_RUN = "# not run by the README test:"
#: Each one is an example nobody checks: raising this needs a reason as good as a tunnel's.
MOST_NOT_RUN = 6
EXITS = re.compile(r"#.*\bexits (\d+)\b")
#: Programs beside clodura that examples use and a machine may lack.
OPTIONAL_TOOLS = ("jq", "curl")
#: `clodura listen` and `reveal --listen` take this port unless told otherwise.
LISTEN_PORT = 8787
#: The longest one block may take: a server left in the foreground fails instead of hanging.
BLOCK_TIMEOUT = 120.0
FENCE = re.compile(r"^( *)```(\S*)\s*$")
CLOSING = re.compile(r"^ *```\s*$")


@dataclass
class Command:
    line: int
    text: str
    expected: int

    @property
    def background(self) -> bool:
        return self.text.rstrip().endswith("&")


@dataclass
class Block:
    line: int
    language: str
    text: str
    commands: list[Command] = field(default_factory=list)

    @property
    def not_run(self) -> str | None:
        """Why the README says this block is not run, or None."""
        first = self.text.strip().splitlines()[0] if self.text.strip() else ""
        return first.removeprefix(NOT_RUN).strip() if first.startswith(NOT_RUN) else None

    @property
    def ports(self) -> set[int]:
        """The ports the block's commands name (`--port 8765`, `--listen-port 8787`)."""
        return {int(port) for port in re.findall(r"--(?:listen-)?port (\d+)", self.text)} - {0}

    @property
    def default_listen_port(self) -> bool:
        """Whether a command listens on the default port, which it does not name."""
        return bool(re.search(r"--listen\b(?!-)", self.text)) and "--listen-port" not in self.text

    def on_ports(self, ports: dict[int, int]) -> list[Command]:
        """The commands with each port they name replaced by another."""
        commands = []
        for command in self.commands:
            text = command.text
            for old, new in ports.items():
                text = re.sub(rf"\b{old}\b", str(new), text)
            commands.append(Command(command.line, text, command.expected))
        return commands

    def missing_tools(self, path: str) -> list[str]:
        used = {m for c in self.commands for m in re.findall(r"(?:^|[|;&(]\s*)(\w+)", c.text)}
        return [
            tool for tool in OPTIONAL_TOOLS if tool in used and not shutil.which(tool, path=path)
        ]

    def where(self) -> str:
        return f"README.md:{self.line}"


def fenced_blocks(text: str) -> list[Block]:
    """Every fenced block of a Markdown text, with the line of its opening fence; indented ones
    (in a list item) too, their indentation removed."""
    blocks: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        index += 1
        if not opening:
            continue
        line, indent, body = index, len(opening.group(1)), []
        while not CLOSING.match(lines[index]):
            body.append(
                lines[index][indent:] if not lines[index][:indent].strip() else lines[index]
            )
            index += 1
        index += 1
        blocks.append(Block(line, opening.group(2), "\n".join(body)))
    return blocks


def complete(text: str) -> bool:
    """Whether bash reads ``text`` as whole commands: no open quote, pipe or continuation."""
    done = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True, check=False)
    return done.returncode == 0


def split_commands(block: Block) -> list[Command]:
    """The block's commands, one per logical line (continued lines and open quotes joined);
    comment lines and blank lines are not commands."""
    found: list[Command] = []
    pending: list[str] = []
    start = 0
    for number, line in enumerate(block.text.splitlines(), start=block.line + 1):
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if not pending:
            start = number
        pending.append(line)
        joined = "\n".join(pending)
        if joined.rstrip().endswith("\\") or not complete(joined):
            continue
        exits = EXITS.search(pending[-1])
        found.append(Command(start, joined, int(exits.group(1)) if exits else 0))
        pending = []
    assert not pending, f"README.md:{start}: a command that never ends:\n" + "\n".join(pending)
    return found


def readme_blocks() -> list[Block]:
    blocks = fenced_blocks(README.read_text(encoding="utf-8"))
    for block in blocks:
        assert block.language in SHELL | NOT_SHELL, (
            f"{block.where()}: a ```{block.language} block: add its language to SHELL (run) or "
            "NOT_SHELL (not commands) in tests/test_readme_examples.py"
        )
    shell = [block for block in blocks if block.language in SHELL]
    for block in shell:
        block.commands = split_commands(block)
    return shell


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def script(block: Block, files: Path) -> str:
    """The block as one bash script that keeps each command's exit code, stdout and stderr in
    ``files`` (N.rc, N.out, N.err). A server put in the background is waited for before the
    next command, as a person waits for its banner, and stopped at the end: it must then exit
    0, as a server stopped by SIGTERM does."""
    lines = ["set -o pipefail"]
    stop: list[str] = []
    for index, command in enumerate(block.commands):
        base = shlex.quote(str(files / str(index)))
        lines.append(f"{{ {command.text}\n}} >{base}.out 2>{base}.err </dev/null")
        if not command.background:
            lines.append(f"echo $? >{base}.rc")
            continue
        lines.append(f"pid{index}=$!")
        for port in re.findall(r"--port (\d+)", command.text):
            lines.append(
                f"for _ in $(seq 1200); do (: </dev/tcp/127.0.0.1/{port}) 2>/dev/null && break; "
                "sleep 0.05; done"
            )
        stop.append(f"kill $pid{index} 2>/dev/null; wait $pid{index}; echo $? >{base}.rc")
    return "\n".join(lines + stop[::-1]) + "\n"


def run_block(block: Block, files: Path, cwd: Path, env: dict[str, str]) -> bool:
    """Run the block; False when it ran past BLOCK_TIMEOUT and was killed."""
    path = files / "block.sh"
    path.write_text(script(block, files))
    process = subprocess.Popen(["bash", str(path)], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                               start_new_session=True)  # fmt: skip
    try:
        process.wait(timeout=BLOCK_TIMEOUT)
        return True
    except subprocess.TimeoutExpired:
        return False
    finally:
        # Nothing the block started outlives it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def failures(block: Block, files: Path, finished: bool) -> list[str]:
    """What went wrong, command by command."""
    found: list[str] = []
    for index, command in enumerate(block.commands):
        base = files / str(index)
        rc = base.with_suffix(".rc")
        stderr = base.with_suffix(".err")
        stdout = base.with_suffix(".out")
        if rc.exists():
            code = int(rc.read_text())
            if code == command.expected:
                continue
            problem = f"exit {code}, expected {command.expected}"
        elif not finished and stderr.exists() and not command.background:
            problem = f"still running after {BLOCK_TIMEOUT:.0f} s (a server in the foreground?)"
        else:
            continue  # not reached: the block was stopped at an earlier command
        found.append(
            f"README.md:{command.line}: {problem}\n$ {command.text}\n"
            f"--- stderr ---\n{read_tail(stderr, 3000)}--- stdout ---\n{read_tail(stdout, 1000)}"
        )
    return found


def read_tail(path: Path, size: int) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return ("…" + text[-size:] if len(text) > size else text) or "(nothing)\n"


def example_env(tmp_path: Path, home: Path) -> dict[str, str]:
    """A user's shell with the sandbox on, and nothing of this machine's clodura or XDG setup."""
    env = {k: v for k, v in base_env(tmp_path).items() if not k.startswith("XDG_")}
    del env["CLODURA_SEARCH_CACHE_TTL"]  # the page cache on, as a user has it
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(home),
        CLODURA_SANDBOX="1",
        # Sandbox reveal jobs finish in 0.2 s instead of about a second.
        CLODURA_SANDBOX_JOB_DELAY="0.2",
        # `clodura preset edit` opens this editor, which saves the file unchanged.
        VISUAL="true",
        EDITOR="true",
        COLUMNS="100",
    )
    return env


def test_readme_marks_few_blocks_as_not_run() -> None:
    blocks = readme_blocks()
    not_run = [block for block in blocks if block.not_run is not None]
    for block in not_run:
        assert block.not_run, f"{block.where()}: say why the block is not run"
    assert len(not_run) <= MOST_NOT_RUN, [block.where() for block in not_run]
    assert len(blocks) - len(not_run) >= 15


def test_readme_shell_examples_run_against_the_sandbox(tmp_path: Path) -> None:
    blocks = [block for block in readme_blocks() if block.not_run is None]
    if any(block.default_listen_port for block in blocks) and not port_free(LISTEN_PORT):
        pytest.skip(f"the README's `--listen` examples need port {LISTEN_PORT}, which is in use")
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    env = example_env(tmp_path, home)
    ran: list[str] = []
    skipped: list[str] = []
    failed: list[str] = []
    started = time.monotonic()
    for number, block in enumerate(blocks):
        missing = block.missing_tools(env["PATH"])
        if missing:
            skipped.append(f"{block.where()} (needs {', '.join(missing)}, not installed)")
            continue
        # A port an example names (8765) is another, free one here, so that the test runs beside
        # whatever holds it (a developer's own `sandbox serve`).
        block.commands = block.on_ports({port: free_port() for port in block.ports})
        files = tmp_path / "commands" / str(number)
        files.mkdir(parents=True)
        began = time.monotonic()
        finished = run_block(block, files, work, env)
        found = failures(block, files, finished)
        if not finished and not found:
            found.append(f"{block.where()}: the block ran past {BLOCK_TIMEOUT:.0f} s")
        failed += found
        ran.append(f"{block.where()} {time.monotonic() - began:.1f} s")
    summary = (
        f"ran {len(ran)} README blocks in {time.monotonic() - started:.1f} s: {', '.join(ran)}"
    )
    print(summary)
    assert not failed, "\n\n".join(failed)
    if skipped:
        pytest.skip(f"{summary}; all passed; not run: {'; '.join(skipped)}")


def test_the_reader_finds_every_block_and_splits_it_into_commands() -> None:
    text = "\n".join([
        "Intro", "```sh", "# not run by the README test: a reason", "pipx install .", "```",
        "```sh", "# a comment line", "clodura a \\", "  --b   # exits 3",
        "curl --data '{\"x\":", "  1}'", "", "clodura c &", "```",
        "- a list item:", "", "  ```sh", "  clodura d | jq .x", "  ```",
        "```cron", "0 7 * * * clodura e", "```",
    ])  # fmt: skip
    blocks = fenced_blocks(text)
    assert [(b.line, b.language) for b in blocks] == [
        (2, "sh"),
        (6, "sh"),
        (17, "sh"),
        (20, "cron"),
    ]
    assert blocks[0].not_run == "a reason"
    assert blocks[1].not_run is None
    commands = split_commands(blocks[1])
    assert [(c.line, c.text, c.expected) for c in commands] == [
        (8, "clodura a \\\n  --b   # exits 3", 3),
        (10, "curl --data '{\"x\":\n  1}'", 0),
        (13, "clodura c &", 0),
    ]
    assert commands[2].background
    blocks[2].commands = split_commands(blocks[2])
    assert blocks[2].commands[0].text == "clodura d | jq .x"
    assert blocks[2].missing_tools(path="/nonexistent") == ["jq"]
    serving = Block(1, "sh", "clodura sandbox serve --port 8765 &\ncurl http://127.0.0.1:8765/x")
    serving.commands = split_commands(serving)
    assert serving.ports == {8765}
    assert not serving.default_listen_port
    assert [c.text for c in serving.on_ports({8765: 4321})] == [
        "clodura sandbox serve --port 4321 &",
        "curl http://127.0.0.1:4321/x",
    ]
    assert Block(1, "sh", "clodura reveal email --listen 1").default_listen_port
    listening = Block(1, "sh", "clodura reveal email --listen --listen-port 0 1")
    assert not listening.default_listen_port
    assert listening.ports == set()


def test_a_block_that_hangs_fails_naming_its_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "BLOCK_TIMEOUT", 1.0)
    block = Block(10, "sh", "true\nfalse   # exits 1\nsleep 60\ntrue")
    block.commands = split_commands(block)
    started = time.monotonic()
    assert not run_block(block, tmp_path, tmp_path, dict(os.environ))
    assert time.monotonic() - started < 30
    [failure] = failures(block, tmp_path, finished=False)
    assert failure.startswith("README.md:13: still running after 1 s")
    assert "$ sleep 60" in failure
