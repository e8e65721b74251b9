"""Every performance figure of clodura-cli, measured in one run against a loopback sandbox.

Each figure is a ratio of two things measured in the same run (medians of several runs), so a
noisy machine moves both sides. Prints one line per figure: figure, measured, target, PASS/FAIL.
Exit status 1 when any figure fails.
"""

from __future__ import annotations

import json
import os
import platform
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
LATENCY = 0.05
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
DRY_FILTERS = [
    "--seniority", "CEO", "--title", "vp sales", "--employees", "51-200", "--country", "India",
    "--city", "Pune", "--revenue", "1B+", "--domain", "acme.com", "--industry", "Software",
    "--tech", "AWS", "--web-keyword", "CRM",
]  # fmt: skip


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


def medians(commands: dict[str, list[str]], env: dict[str, str], rounds: int) -> dict[str, float]:
    """Median wall time of each command, the commands interleaved round by round."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, args in commands.items():
            times[name].append(run(args, env)[0])
    return {name: statistics.median(values) for name, values in times.items()}


def serve(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [CLODURA, "sandbox", "serve", "--port", "0", "--latency", str(LATENCY), "--job-delay", "1"],
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


def startup_figures(env: dict[str, str]) -> list[Figure]:
    floor = [PYTHON, "-c", "import typer"]
    measured = medians(
        {
            "typer": floor,
            "version": [CLODURA, "--version"],
            "help": [CLODURA, "search", "--help"],
            "dry": [CLODURA, "search", "--dry-run", *DRY_FILTERS],
        },
        env,
        ROUNDS,
    )
    base = measured["typer"]
    rows = [("start-up (--version)", "version", 1.3), ("help (search --help)", "help", 2.0),
            ("dry run (10 filters)", "dry", 2.0)]  # fmt: skip
    return [
        Figure(
            name,
            measured[key] / base,
            f"<= {limit}x import typer",
            measured[key] / base <= limit,
            f"{measured[key] * 1000:.0f} ms vs {base * 1000:.0f} ms",
        )
        for name, key, limit in rows
    ]


def export_figures(env: dict[str, str], url: str) -> list[Figure]:
    search = [CLODURA, "search", "--all", "-f", "jsonl"]
    ideal = 100 * LATENCY / 4
    four = statistics.median(run([*search, "--concurrency", "4"], env)[0] for _ in range(3))
    one = statistics.median(run([*search, "--concurrency", "1"], env)[0] for _ in range(2))
    return [
        Figure("export speed (10,000 records, concurrency 4)", four / ideal, "<= 1.3x ideal",
               four / ideal <= 1.3, f"{four:.2f} s vs ideal {ideal:.2f} s"),
        Figure("export speed-up over --concurrency 1", one / four, ">= 3x", one / four >= 3,
               f"{one:.2f} s vs {four:.2f} s"),
    ]  # fmt: skip


def memory_and_cpu_figures(env: dict[str, str], tmp: Path) -> list[Figure]:
    figures = []
    results: dict[tuple[str, int], tuple[float, int]] = {}
    for fmt in ("jsonl", "csv"):
        for limit in (100, 10_000):
            samples = [
                run([CLODURA, "search", "--limit", str(limit), "-f", fmt, "-o", str(tmp / f"out.{fmt}")], env)
                for _ in range(3)
            ]  # fmt: skip
            results[(fmt, limit)] = (
                statistics.median(cpu for _, cpu, _ in samples),
                int(statistics.median(rss for _, _, rss in samples)),
            )
        small, big = results[(fmt, 100)][1], results[(fmt, 10_000)][1]
        figures.append(Figure(f"memory, {fmt} (peak RSS 10,000 vs 100 records)", big / small,
                              "<= 1.25x", big / small <= 1.25, f"{big / 1024:.1f} MiB vs {small / 1024:.1f} MiB"))  # fmt: skip
    per_record = (results[("csv", 10_000)][0] - results[("csv", 100)][0]) / 9_900 * 1e6
    figures.append(Figure("CPU per record (csv export)", per_record, "<= 50 us", per_record <= 50,
                          f"{per_record:.1f} us"))  # fmt: skip
    return figures


def reveal_figures(env: dict[str, str], url: str) -> list[Figure]:
    from clodura_cli.sandbox.data import build_dataset

    people = [p.record["personId"] for p in build_dataset().people[:500]]
    control(url, "/_sandbox/log", "DELETE")
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
        Figure("reveal throughput (500 emails, --wait)", wall / ideal, "<= 1.5x ideal", wall / ideal <= 1.5,
               f"{wall:.2f} s vs ideal {ideal:.2f} s"),
        Figure("polling cost (track requests per job)", per_job, "<= 3", per_job <= 3,
               f"{tracks} track requests for {submitted} jobs"),
    ]  # fmt: skip


def wasted_credit_figures(env: dict[str, str], url: str, tmp: Path) -> list[Figure]:
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
        ratio = served / printed if printed else float("inf")
        figures.append(Figure(f"wasted credits (--limit {limit})", ratio, "exactly 1.0", served == printed,
                              f"{served} served, {printed} printed"))  # fmt: skip
    return figures


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="clodura-bench-") as folder:
        tmp = Path(folder)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLODURA_")}
        env.update(CLODURA_CONFIG_DIR=str(tmp / "config"), CLODURA_DATA_DIR=str(tmp / "data"),
                   NO_COLOR="1", CLODURA_WEBHOOK_URL="https://hooks.example.com/bench")  # fmt: skip
        server, url = serve({**env, "CLODURA_DATA_DIR": str(tmp / "server")})
        api_env = {**env, "CLODURA_BASE_URL": url, "CLODURA_API_KEY": "sandbox-multi"}
        steps: list[Callable[[], list[Figure]]] = [
            lambda: startup_figures(env),
            lambda: export_figures(api_env, url),
            lambda: memory_and_cpu_figures(api_env, tmp),
            lambda: reveal_figures(api_env, url),
            lambda: wasted_credit_figures(api_env, url, tmp),
        ]
        figures: list[Figure] = []
        try:
            for step in steps:
                for figure in step():
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
