"""Every performance figure of clodura-cli, measured in one run against a loopback sandbox.

Each figure is a ratio of two things measured in the same run: the median of at least five
runs of each side, the sides taking turns (A B A B ...), so that load on the machine moves
both alike. Prints one line per figure: figure, measured, target, PASS/FAIL. Exit status 1
when any figure fails. BENCH_ROUNDS sets the number of runs (default 7, at least 5).
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CLODURA = str(Path(sys.executable).with_name("clodura"))
PYTHON = sys.executable
COMPLETIONS = Path(__file__).resolve().parent.parent / "completions"
#: Latency of the sandbox for the reveal and limit figures.
LATENCY = 0.05
#: A realistic API latency for the export figures.
EXPORT_LATENCY = 0.3
#: Every figure is the median of at least this many runs, its sides interleaved (A B A B ...).
ROUNDS = max(5, int(os.environ.get("BENCH_ROUNDS", "7")))
DRY_FILTERS = [
    "--seniority", "CEO", "--title", "vp sales", "--employees", "51-200", "--country", "India",
    "--city", "Pune", "--revenue", "1B+", "--domain", "acme.com", "--industry",
    "Software Development",
    "--tech", "AWS", "--web-keyword", "CRM",
]  # fmt: skip
DEMO = ["search", "--sandbox", "--seniority", "CEO", "--seniority", "Founder", "--employees",
        "51-200", "--limit", "10", "--format", "table"]  # fmt: skip


@dataclass
class Figure:
    name: str
    value: float
    target: str
    passed: bool
    detail: str = ""


def run(
    args: list[str], env: dict[str, str], stdout: int | None = subprocess.DEVNULL
) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak RSS (KiB) of one command."""
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=stdout, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"bench: {' '.join(args[:4])}... exited {process.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def interleaved(
    commands: dict[str, list[str]],
    env: dict[str, str],
    rounds: int = ROUNDS,
    before: Callable[[str], None] | None = None,
) -> dict[str, list[tuple[float, float, int]]]:
    """Every (wall, CPU, RSS) sample of each command, the commands taking turns round by round,
    so that a change in the machine's load touches both sides of a ratio alike."""
    samples: dict[str, list[tuple[float, float, int]]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, args in commands.items():
            if before is not None:
                before(name)
            samples[name].append(run(args, env))
    return samples


def median_wall(samples: list[tuple[float, float, int]]) -> float:
    return statistics.median(wall for wall, _, _ in samples)


def serve(env: dict[str, str], *extra: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [CLODURA, "sandbox", "serve", "--port", "0", "--job-delay", "1", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("Sandbox API listening on "):
        raise SystemExit(f"bench: the sandbox did not start: {line!r}")
    return process, line.split()[-1]


def control(url: str, path: str, method: str = "GET", body: object = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def set_faults(url: str, **faults: object) -> None:
    control(url, "/_sandbox/faults", "PUT", faults)
    control(url, "/_sandbox/log", "DELETE")


def ratio(
    name: str, value: float, limit: float, target: str, detail: str, *, most: bool = True
) -> Figure:
    passed = value <= limit if most else value >= limit
    return Figure(name, value, target, passed, detail)


def startup_figures(env: dict[str, str]) -> list[Figure]:
    sandbox_search = ["search", "--sandbox", "--title", "CEO", "--limit", "25", "-f", "json"]
    # The emulator answers every run: with the page cache on, every run after the first was a
    # rerun from the cache, which never loads the emulator (its own figure below). The cache
    # off deletes the pages kept: in a folder of its own.
    fetching = ["env", "CLODURA_SEARCH_CACHE_TTL=0",
                f"CLODURA_CACHE_DIR={env['CLODURA_CACHE_DIR']}-off", CLODURA]  # fmt: skip
    run([*fetching, *sandbox_search], env)  # that folder's sandbox population, made once
    measured = interleaved(
        {
            "typer": [PYTHON, "-c", "import typer"],
            "version": [CLODURA, "--version"],
            "help": [CLODURA, "search", "--help"],
            "dry": [CLODURA, "search", "--dry-run", *DRY_FILTERS],
            "sandbox dry": [*fetching, *sandbox_search, "--dry-run"],
            "sandbox": [*fetching, *sandbox_search],
            "cache dry": [CLODURA, "search", "--sandbox", "--title", "CTO", "--limit", "25",
                          "--dry-run"],
            "cache": [CLODURA, "search", "--sandbox", "--title", "CTO", "--limit", "25"],
        },
        env,
    )  # fmt: skip
    wall = {name: median_wall(samples) for name, samples in measured.items()}
    base = wall["typer"]
    figures = [
        ratio(name, wall[key] / base, limit, f"<= {limit}x import typer",
              f"{wall[key] * 1000:.0f} ms vs {base * 1000:.0f} ms")
        for name, key, limit in (
            ("start-up (--version)", "version", 1.3),
            ("help (search --help)", "help", 2.0),
            ("dry run (10 filters)", "dry", 1.5),
        )
    ]  # fmt: skip
    for name, key, limit in (
        ("sandbox search, 25 records in-process", "sandbox", 1.3),
        ("a rerun from the page cache, 25 records", "cache", 1.3),
    ):
        taken, dry = wall[key], wall[f"{key} dry"]
        detail = f"{taken * 1000:.0f} ms vs {dry * 1000:.0f} ms"
        figures.append(ratio(name, taken / dry, limit, f"<= {limit}x its dry run", detail))
    return figures


#: zsh runs _clodura outside a completion widget with these stand-ins for the completion
#: system's builtins, each printing the candidates it is given.
ZSH_STANDINS = """
compdef() { :; }
_describe() { print -l -- ${(P)4}; }
compadd() { print -l -- ${(P)2}; }
_files() { :; }
compset() { :; }
"""


def completion_figures(env: dict[str, str], tmp: Path) -> list[Figure]:
    """One TAB in each shell, the checked-in script sourced, vs `import typer`: a static case
    (search's flags, from the script's table) and cases that start Python for candidates
    (`clodura __complete-values`). Each side includes starting the shell and sourcing the
    script, which a real TAB does not pay. Shells that are not installed are left out."""
    shell_env = {**env, "PATH": f"{Path(CLODURA).parent}{os.pathsep}{env['PATH']}"}
    for name in ("fintech-cfos", "founders"):
        run([CLODURA, "preset", "save", name, "--seniority", "CXO"], env)

    def bash(*words: str) -> list[str]:
        program = (f"source {COMPLETIONS / 'clodura.bash'}; "
                   f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)}); "
                   f"COMP_CWORD={len(words) - 1}; _clodura_completion clodura")  # fmt: skip
        return ["bash", "--norc", "--noprofile", "-c", program]

    def zsh(*words: str) -> list[str]:
        program = tmp / f"zsh-tab-{len(words)}-{words[-2].strip('-')}.zsh"
        program.write_text(f"{ZSH_STANDINS}\nsource {COMPLETIONS / '_clodura'}\n"
                           f"words=({' '.join(shlex.quote(w) for w in words)}); "
                           f"CURRENT={len(words)}; PREFIX={shlex.quote(words[-1])}\n_clodura\n")  # fmt: skip
        return ["zsh", "-f", str(program)]

    def fish(line: str) -> list[str]:
        program = f"source {COMPLETIONS / 'clodura.fish'}; complete -C {shlex.quote(line)}"
        return ["fish", "--no-config", "-c", program]

    cases = {
        "bash: search's flags (no Python)": bash("clodura", "search", "--s"),
        "bash: --industry values": bash("clodura", "search", "--industry", "Soft"),
        "bash: --preset names": bash("clodura", "search", "--preset", ""),
        "zsh: search's flags (no Python)": zsh("clodura", "search", "--s"),
        "zsh: --industry values": zsh("clodura", "search", "--industry", "Soft"),
        "fish: search's flags (no Python)": fish("clodura search --s"),
        "fish: --industry values": fish("clodura search --industry Soft"),
    }
    cases = {name: args for name, args in cases.items() if shutil.which(args[0])}
    # Scripts printed by earlier versions: typer's mechanism, the whole app for every TAB.
    earlier = ["env", "_CLODURA_COMPLETE=complete_bash", "COMP_WORDS=clodura search --s",
               "COMP_CWORD=2", CLODURA]  # fmt: skip
    measured = interleaved(
        {"typer": [PYTHON, "-c", "import typer"], "earlier": earlier, **cases}, shell_env
    )
    base = median_wall(measured["typer"])
    figures = []
    for name in cases:
        wall = median_wall(measured[name])
        detail = f"{wall * 1000:.0f} ms vs {base * 1000:.0f} ms"
        if name.startswith("bash: search"):
            detail += f"; before, through typer: {median_wall(measured['earlier']) * 1000:.0f} ms"
        figures.append(ratio(f"TAB in {name}", wall / base, 0.8, "<= 0.8x import typer", detail))
    return figures


def demo_figure(env: dict[str, str], tmp: Path) -> list[Figure]:
    """`make demo` right after installation: no cached population yet."""
    runs = []
    for round_ in range(ROUNDS):
        cache = tmp / f"demo-cache-{round_}"
        runs.append(run([CLODURA, *DEMO], {**env, "CLODURA_CACHE_DIR": str(cache)})[0])
    wall = statistics.median(runs)
    return [ratio("make demo, first run (table printed)", wall, 0.5, "<= 0.5 s",
                  f"median of {len(runs)}: {wall * 1000:.0f} ms")]  # fmt: skip


def export_figures(env: dict[str, str], url: str) -> list[Figure]:
    set_faults(url, latency=EXPORT_LATENCY)
    search = [CLODURA, "search", "--all", "-f", "jsonl"]
    measured = interleaved(
        {"four": [*search, "--concurrency", "4"], "one": [*search, "--concurrency", "1"]}, env
    )
    four, one = median_wall(measured["four"]), median_wall(measured["one"])
    ideal = 100 * EXPORT_LATENCY / 4
    return [
        ratio("export, 100 pages at 300 ms (concurrency 4)", four / ideal, 1.15, "<= 1.15x ideal",
              f"{four:.2f} s vs ideal {ideal:.2f} s"),
        ratio("export speed-up over --concurrency 1", one / four, 3.5, ">= 3.5x",
              f"{one:.2f} s vs {four:.2f} s", most=False),
    ]  # fmt: skip


def rate_limited_figures(env: dict[str, str], url: str) -> list[Figure]:
    """A 100-page export against 10 requests/second: without rate-limit headers (the client
    learns the rate from 429s alone), then with them (it paces itself and meets none)."""
    figures = []
    for headers in (False, True):
        walls, limited = [], []
        for _ in range(ROUNDS):
            set_faults(url, rate_limit=10, omit_retry_after=True, rate_limit_headers=headers)
            walls.append(run([CLODURA, "search", "--all", "-f", "jsonl"], env)[0])
            log = control(url, "/_sandbox/log")
            assert isinstance(log, list)
            limited.append(sum(1 for entry in log if entry["status"] == 429))
        wall, count = statistics.median(walls), statistics.median(limited)
        label = "with RateLimit headers" if headers else "no rate-limit headers"
        figures.append(ratio(f"export at 10 req/s, {label}", wall / 10.0, 1.2, "<= 1.2x of 10 s",
                             f"{wall:.2f} s, {count:.0f} answers of 429 (median)"))  # fmt: skip
        figures.append(ratio(f"429s at 10 req/s, {label}", count, 5 if not headers else 0,
                             "<= 5" if not headers else "0", f"per run: {limited}"))  # fmt: skip
    return figures


def cpu_floor(url: str, env: dict[str, str]) -> float:
    """CPU seconds per record of the least any tool must do: parse the pages' JSON, write CSV."""
    import csv
    import io

    request = urllib.request.Request(
        url + "/api/v1/search/people", method="POST",
        headers={"X-API-KEY": env["CLODURA_API_KEY"], "Content-Type": "application/json"},
    )  # fmt: skip
    pages = []
    for page in range(1, 101):
        body = json.dumps({"page": page, "perPage": 100}).encode()
        with urllib.request.urlopen(request, data=body, timeout=30) as answer:
            pages.append(answer.read())
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.process_time()
        sink = io.StringIO()
        writer = csv.writer(sink)
        for raw in pages:
            for record in json.loads(raw):
                writer.writerow(
                    "; ".join(map(str, value)) if isinstance(value, list) else value
                    for value in record.values()
                )
        best = min(best, time.process_time() - started)
    return best / 10_000


def memory_and_cpu_figures(env: dict[str, str], url: str, tmp: Path) -> list[Figure]:
    set_faults(url)
    figures = []
    commands = {
        f"{fmt} {limit}": [CLODURA, "search", "--limit", str(limit), "-f", fmt, "-o", str(tmp / f"out.{fmt}")]
        for fmt in ("jsonl", "csv") for limit in (100, 10_000)
    }  # fmt: skip
    measured = interleaved(commands, env)
    cpu = {name: statistics.median(c for _, c, _ in samples) for name, samples in measured.items()}
    rss = {name: statistics.median(r for _, _, r in samples) for name, samples in measured.items()}
    for fmt in ("jsonl", "csv"):
        small, big = rss[f"{fmt} 100"], rss[f"{fmt} 10000"]
        figures.append(ratio(f"memory, {fmt} (peak RSS 10,000 vs 100 records)", big / small, 1.25,
                             "<= 1.25x", f"{big / 1024:.1f} MiB vs {small / 1024:.1f} MiB"))  # fmt: skip
    per_record = (cpu["csv 10000"] - cpu["csv 100"]) / 9_900
    floor = cpu_floor(url, env)
    figures.append(ratio("CPU per record (csv export) vs a bare loop", per_record / floor, 3.0,
                         "<= 3x json.loads + csv",
                         f"{per_record * 1e6:.1f} us vs floor {floor * 1e6:.1f} us"))  # fmt: skip
    return figures


def reveal_figures(env: dict[str, str], url: str) -> list[Figure]:
    from clodura_cli.sandbox.data import build_dataset

    set_faults(url, latency=LATENCY)
    people = [p.record["personId"] for p in build_dataset().people[:500]]
    wall, _, _ = run(
        [CLODURA, "reveal", "email", "--concurrency", "8", "--timeout", "120", *people], env
    )
    ideal = 500 * LATENCY / 8 + 1.0
    log = control(url, "/_sandbox/log")
    assert isinstance(log, list)
    tracks = sum(1 for entry in log if entry["endpoint"] == "track")
    submitted = sum(1 for entry in log if entry["endpoint"] == "email")
    per_job = tracks / max(1, submitted)
    return [
        ratio("reveal throughput (500 emails, --wait)", wall / ideal, 1.5, "<= 1.5x ideal",
              f"{wall:.2f} s vs ideal {ideal:.2f} s"),
        ratio("polling cost (track requests per job)", per_job, 3, "<= 3",
              f"{tracks} track requests for {submitted} jobs"),
    ]  # fmt: skip


def enrichment_figures(env: dict[str, str], url: str, tmp: Path) -> list[Figure]:
    """A bulk `enrich person` of 100 rows at 300 ms a request, against the ideal for its
    concurrency (every request through the ledger: claimed before, answered after)."""
    from clodura_cli.sandbox.data import build_dataset

    set_faults(url, latency=EXPORT_LATENCY)
    rows = tmp / "enrich.csv"
    urls = [build_dataset().person(i).record["linkedinUrl"] for i in range(100)]
    rows.write_text("linkedinUrl\n" + "".join(f"{u}\n" for u in urls))
    command = [CLODURA, "enrich", "person", "--input", str(rows), "--concurrency", "4",
               "--refresh", "-f", "jsonl"]  # fmt: skip
    walls = [run(command, env)[0] for _ in range(3)]
    wall = statistics.median(walls)
    ideal = 100 * EXPORT_LATENCY / 4
    return [
        ratio("bulk enrichment, 100 rows at 300 ms (conc. 4)", wall / ideal, 1.15,
              "<= 1.15x ideal", f"{wall:.2f} s vs ideal {ideal:.2f} s, median of 3"),
    ]  # fmt: skip


def wasted_credit_figures(env: dict[str, str], url: str, tmp: Path) -> list[Figure]:
    set_faults(url, latency=LATENCY)
    figures = []
    for limit in (1, 99, 101, 250, 999, 1234):
        control(url, "/_sandbox/log", "DELETE")
        out = tmp / "limit.jsonl"
        with out.open("w") as stream:
            process = subprocess.run([CLODURA, "search", "--limit", str(limit), "-f", "jsonl"],
                                     env=env, stdout=stream, stderr=subprocess.DEVNULL, check=False)  # fmt: skip
        printed = len(out.read_text().splitlines())
        stats = control(url, "/_sandbox/stats")
        assert isinstance(stats, dict) and process.returncode == 0
        served = stats["recordsServed"]
        value = served / printed if printed else float("inf")
        figures.append(Figure(f"wasted credits (--limit {limit})", value, "exactly 1.0", served == printed,
                              f"{served} served, {printed} printed"))  # fmt: skip
    return figures


def listen_figures(env: dict[str, str], tmp: Path) -> list[Figure]:
    """`clodura listen` against clients posting as fast as they can (4 keep-alive connections),
    every delivery signed and applied to a job of the ledger (one commit each); beside it, a
    bare loop that only commits the same bodies to SQLite."""
    import hashlib
    import hmac
    import http.client
    import sqlite3
    import threading

    from clodura_cli.store.ledger import Ledger, identity_of

    count, secret = 2000, "bench-secret"
    home = tmp / "listen"
    ledger = Ledger(home / "data" / "ledger.db")
    for n in range(count):
        ids = {"personId": str(10**12 + n)}
        job, _ = ledger.claim("bench", "email", identity_of(ids), ids, ids)
        ledger.update(job.id, tracking_id=f"B{n}", status="queued")
    ledger.close()
    bodies = [
        json.dumps({"trackingId": f"B{n}", "status": "completed",
                    "email": f"p{n}@bench.example", "emailStatus": "verified"}).encode()
        for n in range(count)
    ]  # fmt: skip
    listen_env = {**env, "CLODURA_DATA_DIR": str(home / "data"), "CLODURA_WEBHOOK_SECRET": secret}
    process = subprocess.Popen([CLODURA, "listen", "--port", "0"], env=listen_env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert process.stderr is not None
    url = process.stderr.readline().split()[-1]
    threading.Thread(target=process.stderr.read, daemon=True).start()  # drain the lines
    host, port = url.split("//")[1].split("/")[0].split(":")
    latencies: list[float] = []
    lock = threading.Lock()

    def client(part: list[bytes]) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        for body in part:
            mark = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            started = time.perf_counter()
            connection.request("POST", "/webhook", body=body, headers={
                "Content-Type": "application/json", "X-Clodura-Signature": mark})  # fmt: skip
            answer = connection.getresponse()
            answer.read()
            spent = time.perf_counter() - started
            if answer.status != 200:
                raise SystemExit(f"bench: listen answered {answer.status}")
            with lock:
                latencies.append(spent)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(bodies[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    process.terminate()
    process.wait(timeout=30)
    rate = count / wall
    p99 = sorted(latencies)[int(len(latencies) * 0.99) - 1]
    applied = Ledger(home / "data" / "ledger.db").deliveries().listed("applied")
    bare_db = sqlite3.connect(tmp / "bare.db")
    bare_db.execute("PRAGMA journal_mode=WAL")
    bare_db.execute("PRAGMA synchronous=NORMAL")
    bare_db.execute("CREATE TABLE d (body BLOB)")
    bare_started = time.perf_counter()
    for body in bodies:
        bare_db.execute("INSERT INTO d VALUES (?)", (body,))
        bare_db.commit()
    bare = count / (time.perf_counter() - bare_started)
    return [
        ratio("listen: deliveries applied per second", rate, 300, ">= 300/s",
              f"{len(applied)} of {count} applied in {wall:.2f} s; a bare SQLite commit loop: "
              f"{bare:.0f}/s, listen is {rate / bare:.2f}x of it", most=False),
        ratio("listen: p99 answer time (ms)", p99 * 1000, 50, "<= 50 ms",
              f"median {statistics.median(latencies) * 1000:.1f} ms"),
    ]  # fmt: skip


#: The history the "cost grows with the work" figures run on (issue 24, item 9).
HISTORY = int(os.environ.get("BENCH_HISTORY", "1000000"))


def _history_ledger(path: Path, jobs: int, remembered: int, memory: str) -> tuple[int, int]:
    """A ledger of ``jobs`` revealed people (one in 20,000 still pending) and ``remembered``
    people `--new-only` printed under ``memory``, none of them in the sandbox; returns the
    file's size after the jobs and after the memory."""
    import sqlite3

    env_before = os.environ.get("CLODURA_DATA_DIR")
    os.environ["CLODURA_DATA_DIR"] = str(path.parent)
    try:
        from clodura_cli.api.urls import account_id
        from clodura_cli.sandbox.keys import DEFAULT_KEY
        from clodura_cli.store.ledger import Ledger

        Ledger(path).close()  # the file, in today's format
    finally:
        if env_before is None:
            del os.environ["CLODURA_DATA_DIR"]
        else:
            os.environ["CLODURA_DATA_DIR"] = env_before
    account = account_id("sandbox", DEFAULT_KEY)
    db = sqlite3.connect(path)

    def rows() -> object:
        for n in range(jobs):
            person = str(10**18 + n)
            done = n % 20_000 != 0
            result = json.dumps({"email": f"p{n}@bench.example", "emailStatus": "verified"})
            yield (account, "email", person, json.dumps({"personId": person}),
                   json.dumps({"personId": person, "firstName": "Ann", "lastName": "Lee"}),
                   f"{n:032x}", "completed" if done else "queued", result if done else None,
                   2 if done else None, 1.7e9, 1.7e9)  # fmt: skip

    db.executemany(
        "INSERT INTO jobs (account, kind, person_id, identifiers, record, tracking_id, status, "
        "result, credits, submitted_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows(),  # type: ignore[arg-type]
    )
    db.commit()
    after_jobs = path.stat().st_size
    db.executemany("INSERT INTO emitted VALUES ('default', ?, ?, 1.0e9)",
                   ((memory, str(2 * 10**18 + n)) for n in range(remembered)))  # fmt: skip
    db.commit()
    db.close()
    return after_jobs, path.stat().st_size


def history_figures(env: dict[str, str], tmp: Path) -> list[Figure]:
    """Cost grows with the work, not with the history: the same commands on a ledger of a
    million jobs and a million remembered people, and on an empty one."""
    import sqlite3

    big, empty = tmp / "history" / "ledger.db", tmp / "history-empty" / "ledger.db"
    big.parent.mkdir()
    empty.parent.mkdir()
    started = time.perf_counter()
    with_jobs, with_memory = _history_ledger(big, HISTORY, HISTORY, "memory:bench")
    _history_ledger(empty, 0, 0, "memory:bench")
    made = time.perf_counter() - started
    found = subprocess.run([CLODURA, "search", "--sandbox", "--limit", "100", "-f", "jsonl"],
                           env=env, capture_output=True, text=True, check=True)  # fmt: skip
    people = [json.loads(line)["personId"] for line in found.stdout.splitlines()]
    sides = {"big": big, "empty": empty}

    def on(side: str, *args: str) -> list[str]:
        return ["env", f"CLODURA_DATA_DIR={sides[side].parent}", CLODURA, *args]

    reveal = ["reveal", "email", "--sandbox", "--dry-run", *people]
    new_only = ["search", "--sandbox", "--seniority", "Manager", "--new-only", "--memory",
                "bench", "--limit", "1000", "-f", "jsonl"]  # fmt: skip

    def forget_the_run(name: str) -> None:
        # Each --new-only run starts from the same memory: what a run added is taken out.
        for path in sides.values():
            with sqlite3.connect(path) as db:
                db.execute("DELETE FROM emitted WHERE emitted_at > 1.5e9")

    measured = interleaved({
        "reveal big": on("big", *reveal), "reveal empty": on("empty", *reveal),
        "new big": on("big", *new_only), "new empty": on("empty", *new_only),
        "pending": on("big", "track", "--pending", "-f", "jsonl"),
    }, {**env, "CLODURA_SEARCH_CACHE_TTL": "0"}, before=forget_the_run)  # fmt: skip
    wall = {name: median_wall(samples) for name, samples in measured.items()}
    per_job = with_jobs / max(1, HISTORY)
    per_person = (with_memory - with_jobs) / max(1, HISTORY)
    history = f"{HISTORY:,} jobs + {HISTORY:,} remembered, made in {made:.0f} s"
    return [
        ratio("reveal dry run of 100, big ledger vs empty", wall["reveal big"] / wall["reveal empty"],
              1.3, "<= 1.3x", f"{wall['reveal big'] * 1000:.0f} ms vs "
              f"{wall['reveal empty'] * 1000:.0f} ms; {history}"),
        ratio("search --new-only 1,000, big memory vs empty", wall["new big"] / wall["new empty"],
              1.3, "<= 1.3x", f"{wall['new big'] * 1000:.0f} ms vs {wall['new empty'] * 1000:.0f} ms"),
        ratio("track --pending on the big ledger (s)", wall["pending"], 0.5, "<= 0.5 s",
              f"{HISTORY // 20_000} pending of {HISTORY:,}"),
        ratio("ledger bytes per job", per_job, 1000, "stated in README",
              f"{per_job:.0f} B a job, {per_person:.0f} B a remembered person"),
    ]  # fmt: skip


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="clodura-bench-") as folder:
        tmp = Path(folder)
        # As installed for a user: modules compiled once, not on every start. (PYTHONDONTWRITEBYTECODE,
        # set on some machines, would make every run compile the package from source.)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("CLODURA_") and k != "PYTHONDONTWRITEBYTECODE"}  # fmt: skip
        env.update(CLODURA_CONFIG_DIR=str(tmp / "config"), CLODURA_DATA_DIR=str(tmp / "data"),
                   CLODURA_CACHE_DIR=str(tmp / "cache"), NO_COLOR="1",
                   CLODURA_WEBHOOK_URL="https://hooks.example.com/bench")  # fmt: skip
        subprocess.run([PYTHON, "-m", "compileall", "-q", str(Path(__file__).parent.parent / "clodura_cli")],
                       env=env, check=True)  # fmt: skip
        run([CLODURA, *DEMO], env)  # warm: the population cache, the OS file cache
        server, url = serve({**env, "CLODURA_DATA_DIR": str(tmp / "server")})
        api_env = {**env, "CLODURA_BASE_URL": url, "CLODURA_API_KEY": "sandbox-multi"}
        steps: dict[str, Callable[[], list[Figure]]] = {
            "startup": lambda: startup_figures(env),
            "completion": lambda: completion_figures(env, tmp),
            "demo": lambda: demo_figure(env, tmp),
            "export": lambda: export_figures(api_env, url),
            "rate": lambda: rate_limited_figures(api_env, url),
            "memory": lambda: memory_and_cpu_figures(api_env, url, tmp),
            "reveal": lambda: reveal_figures(api_env, url),
            "enrichment": lambda: enrichment_figures(api_env, url, tmp),
            "credits": lambda: wasted_credit_figures(api_env, url, tmp),
            "listen": lambda: listen_figures(env, tmp),
            "history": lambda: history_figures(env, tmp),
        }
        # BENCH_ONLY=history,startup runs some of them (the names above).
        only = [n for n in os.environ.get("BENCH_ONLY", "").split(",") if n] or list(steps)
        figures: list[Figure] = []
        try:
            for name in only:
                for figure in steps[name]():
                    figures.append(figure)
                    verdict = "PASS" if figure.passed else "FAIL"
                    print(f"{figure.name:<48} {figure.value:>8.2f}  target {figure.target:<22} {verdict}  ({figure.detail})", flush=True)  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=10)
    failed = [f for f in figures if not f.passed]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{len(figures) - len(failed)} of {len(figures)} figures pass")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
