"""A prospector's week (issue 25): reveal summaries, credit caps on search, memory by preset,
cron-friendly messages."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    CLODURA,
    DEADLINE,
    Server,
    base_env,
    pages_requested,
    run_cli,
    sent,
    spawn,
    wait_for,
)

from clodura_cli import reveal
from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.sandbox.data import build_dataset
from clodura_cli.sandbox.reveal import fails

DATA = build_dataset()
#: Someone whose email reveal the sandbox fails, and two it finds.
FAILING = next(
    p.record["personId"] for p in (DATA.person(i) for i in range(3000))
    if fails(p.record["personId"], "email")
)  # fmt: skip


@pytest.fixture(autouse=True)
def quick_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reveal, "POLL_INITIAL", 0.05)
    monkeypatch.setattr(reveal, "POLL_MAX", 0.1)


def _found_ids(count: int) -> list[str]:
    rows = run_cli("search", "--sandbox", "--limit", "20", "-f", "jsonl").jsonl()
    return [r["personId"] for r in rows if r["personId"] != FAILING][:count]


# 8. reveal summaries --------------------------------------------------------------------------


def test_reveal_says_what_it_found_wrote_and_spent(tmp_path: Path, emulator: SandboxApp) -> None:
    ids = _found_ids(6)
    target = tmp_path / "emails.csv"
    first = run_cli("reveal", "email", "--sandbox", "-o", str(target), *ids, "1")
    assert first.exit_code == 0, first.stderr  # "1" is nobody: not found is an answer
    rows = target.read_text().splitlines()
    assert len(rows) == 1 + 7
    found = sum(1 for line in rows[1:] if "@" in line)
    assert f"wrote 7 records to {target}" in first.stderr
    assert f"7 reveal(s): {found} found, {7 - found} not found\n" in first.stderr
    assert "credits spent by this run: " + str(2 * found) in first.stderr
    again = run_cli("reveal", "email", "--sandbox", *ids[:2], "-f", "jsonl")
    assert again.exit_code == 0, again.stderr
    assert (
        "2 reveal(s): 2 found; 2 of them answered from the ledger; nothing submitted, no "
        "credits spent"
    ) in again.stderr


def test_a_reveal_the_api_failed_exits_6_with_the_reason(emulator: SandboxApp) -> None:
    (good,) = _found_ids(1)
    result = run_cli("reveal", "email", "--sandbox", FAILING, good, "-f", "jsonl")
    assert result.exit_code == 6, result.stderr
    rows = {r["personId"]: r for r in result.jsonl()}
    assert rows[FAILING]["revealStatus"] == "failed"
    assert rows[good]["revealStatus"] == "completed" and rows[good]["email"]
    assert "2 reveal(s): 1 found, 1 failed (the API answered 'failed')" in result.stderr
    assert "error: 1 reveal(s) failed at the API (the API answered 'failed')" in result.stderr
    assert len(sent(emulator, "email")) == 2


# 5. search credit cap -------------------------------------------------------------------------


def test_a_search_planning_more_than_the_cap_sends_nothing(emulator: SandboxApp) -> None:
    result = run_cli("search", "--sandbox", "--seniority", "Manager", "--limit", "250",
                     "--max-credits", "100")  # fmt: skip
    assert result.exit_code == 4
    assert (
        "--max-credits 100: this search may fetch up to 250 records, a credit each; nothing sent"
    ) in result.stderr
    assert sent(emulator) == []


def test_all_stops_at_the_cap_and_exits_0(emulator: SandboxApp) -> None:
    result = run_cli("search", "--sandbox", "--seniority", "Manager", "--all", "--max-credits",
                     "250", "-f", "jsonl")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    # Whole pages of 100 under the cap: a rerun with a higher cap reuses them, none overlaps.
    assert len(result.jsonl()) == 200
    assert sorted(pages_requested(emulator)) == [(1, 100), (2, 100)]
    assert "--max-credits 250: stopped at 200 records fetched (a credit each" in result.stderr
    orgs = run_cli("orgs", "--sandbox", "--industry", "Computer Software", "--all",
                   "--max-credits", "7", "-f", "jsonl")  # fmt: skip
    assert orgs.exit_code == 0, orgs.stderr
    assert len(orgs.jsonl()) == 7
    assert [b["perPage"] for b in sent(emulator, "orgs")] == [7]


def test_all_under_a_cap_counts_whole_pages_of_the_per_page_given(
    emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--per-page 50 --max-credits 250: 250 records in pages 1-5 of 50, the very pages an
    uncapped --all asks for. The cap was rounded down to pages of 100 whatever --per-page said
    (200 records), and then, planned with the fewest requests (100, 100, 50), a rerun with a
    higher cap paid again for records it had (page 3 of 100 holds records 200-249)."""
    monkeypatch.setenv("CLODURA_SEARCH_CACHE_TTL", "1h")
    args = ["search", "--sandbox", "--seniority", "Manager", "--all", "--per-page", "50"]
    planned = json.loads(run_cli(*args, "--max-credits", "250", "--dry-run").stdout)
    assert planned["worstCaseCredits"] == 250
    assert planned["pages"] == [{"page": n, "perPage": 50} for n in range(1, 6)]
    result = run_cli(*args, "--max-credits", "250", "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert len(result.jsonl()) == 250
    assert sorted(pages_requested(emulator)) == [(n, 50) for n in range(1, 6)]
    assert (
        "--max-credits 250: stopped at 250 records fetched (a credit each; whole pages of 50"
        in (result.stderr)
    )
    emulator.log.clear()
    more = run_cli(*args, "--max-credits", "300", "-f", "jsonl")
    assert more.exit_code == 0, more.stderr
    assert len(more.jsonl()) == 300
    assert pages_requested(emulator) == [(6, 50)]  # only the 50 records not bought before


def test_several_organisations_under_a_cap_start_where_per_page_says(
    emulator: SandboxApp,
) -> None:
    """`--org-id -` re-plans each organisation within what is left of the cap: it left out
    --per-page, so that --page 2 started at record 25, not 10."""
    from clodura_cli.sandbox.data import build_dataset

    org = build_dataset().person(0).record["organizationId"]
    args = ["search", "--sandbox", "--org-id", "-", "--all", "--per-page", "10", "--page", "2"]
    result = run_cli(*args, "--max-credits", "30", "-f", "jsonl", input=f"{org}\n{org}\n")
    assert result.exit_code == 0, result.stderr
    assert {size for _, size in pages_requested(emulator)} <= {10}
    assert all(page >= 2 for page, _ in pages_requested(emulator))


def test_dry_run_prints_the_most_the_run_can_cost(emulator: SandboxApp) -> None:
    capped = run_cli("search", "--sandbox", "--title", "cto", "--all", "--max-credits", "250",
                     "--dry-run")  # fmt: skip
    assert capped.exit_code == 0, capped.stderr
    assert json.loads(capped.stdout)["worstCaseCredits"] == 200
    limited = run_cli("search", "--sandbox", "--title", "cto", "--limit", "130", "--dry-run")
    assert json.loads(limited.stdout)["worstCaseCredits"] == 130
    everything = run_cli("search", "--sandbox", "--title", "cto", "--all", "--dry-run")
    assert json.loads(everything.stdout)["worstCaseCredits"] == 100 * 100
    assert sent(emulator) == []


def test_new_only_never_fetches_a_page_past_the_cap(emulator: SandboxApp) -> None:
    args = ["search", "--sandbox", "--seniority", "Manager", "--new-only", "--limit", "30",
            "--max-credits", "45", "-f", "jsonl"]  # fmt: skip
    first = run_cli(*args)
    assert first.exit_code == 0, first.stderr
    assert len(first.jsonl()) == 30
    emulator.log.clear()
    second = run_cli(*args)  # everyone of the first page was seen: the next page would pass 45
    assert second.exit_code == 0, second.stderr
    assert pages_requested(emulator) == [(1, 30)]
    assert "--max-credits 45: stopped at 30 records fetched (a credit each; whole pages of 30," in (
        second.stderr
    )


# 6. --new-only memory by preset name ----------------------------------------------------------


def _ids(result: Any) -> list[str]:
    assert result.exit_code == 0, result.stderr
    return [row["personId"] for row in result.jsonl()]


def test_editing_a_preset_keeps_its_memory(emulator: SandboxApp) -> None:
    assert run_cli("preset", "save", "mgrs", "--seniority", "Manager").exit_code == 0
    args = ["search", "--sandbox", "--preset", "mgrs", "--new-only", "--limit", "10", "-f", "jsonl"]
    first = _ids(run_cli(*args))
    assert len(first) == 10
    edited = run_cli("preset", "save", "mgrs", "--seniority", "Manager", "--seniority",
                     "Director", "--force")  # fmt: skip
    assert edited.exit_code == 0, edited.stderr
    everyone = _ids(run_cli("search", "--sandbox", "--preset", "mgrs", "--limit", "40",
                            "-f", "jsonl"))  # fmt: skip
    assert set(first) & set(everyone[:20]), "the edited preset finds some of the same people"
    again = run_cli(*args)
    second = _ids(again)
    assert len(second) == 10 and not set(second) & set(first)
    assert second == [i for i in everyone if i not in first][:10]
    forgot = run_cli("search", "--sandbox", "--preset", "mgrs", "--new-only", "--forget")
    assert "--new-only: forgot 20 people seen for preset:mgrs" in forgot.stderr


def test_memory_names_what_ad_hoc_queries_share(emulator: SandboxApp) -> None:
    base = ["search", "--sandbox", "--new-only", "--memory", "weekly", "-f", "jsonl"]
    first = _ids(run_cli(*base, "--title", "cto", "--limit", "5"))
    broader = _ids(run_cli(*base, "--title", "cto", "--seniority", "CXO", "--limit", "5"))
    assert not set(first) & set(broader)
    alone = _ids(run_cli("search", "--sandbox", "--new-only", "--title", "cto", "--limit", "5",
                         "-f", "jsonl"))  # fmt: skip
    assert alone == first  # without --memory the query's own memory is empty
    wrong = run_cli("search", "--sandbox", "--title", "cto", "--memory", "weekly")
    assert wrong.exit_code == 2
    assert "--memory: give it with --new-only (or --forget)" in wrong.stderr


def test_memory_kept_under_old_preset_keys_is_found_after_the_upgrade(
    isolated: Path, emulator: SandboxApp
) -> None:
    import sqlite3

    from clodura_cli.store.ledger import SCHEMA

    assert SCHEMA.version >= 5  # upgraded through format 5, which merged the memory
    assert run_cli("preset", "save", "mgrs", "--seniority", "Manager").exit_code == 0
    seen = _ids(run_cli("search", "--sandbox", "--preset", "mgrs", "--limit", "6", "-f", "jsonl"))
    path = isolated / "data" / "ledger.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript((Path(__file__).parent / "data" / "ledger-v4.sql").read_text())
    db.execute("PRAGMA user_version = 4")
    rows = [("default", "preset:mgrs|1111aaaa", p, 1.0) for p in seen[:3]]
    rows += [("default", "preset:mgrs|2222bbbb", p, 2.0) for p in seen[2:]]  # edited once
    rows += [("default", "query|3333cccc", "42", 3.0)]
    db.executemany("INSERT INTO emitted VALUES (?, ?, ?, ?)", rows)
    db.commit()
    db.close()
    result = run_cli("search", "--sandbox", "--preset", "mgrs", "--new-only", "--limit", "4",
                     "-f", "jsonl")  # fmt: skip
    fresh = _ids(result)
    assert not set(fresh) & set(seen)
    assert "6 seen before skipped" in result.stderr
    keys = (
        sqlite3.connect(path)
        .execute("SELECT query, count(*) FROM emitted GROUP BY query ORDER BY query")
        .fetchall()
    )
    assert keys == [("preset:mgrs", 10), ("query|3333cccc", 1)]
    copies = list(path.parent.glob("ledger*.db*"))
    assert any("v4" in c.name for c in copies), copies  # the copy made before the upgrade


def test_repeated_values_in_another_order_are_the_same_query(emulator: SandboxApp) -> None:
    # `--seniority CEO --seniority Founder` then `--seniority Founder --seniority CEO`: the
    # second run printed the same people as new (another memory), and missed the page cache.
    flags = ["search", "--sandbox", "--new-only", "--limit", "8", "-f", "jsonl"]
    first = _ids(run_cli(*flags, "--seniority", "CEO", "--seniority", "Founder"))
    second = _ids(run_cli(*flags, "--seniority", "Founder", "--seniority", "CEO"))
    assert len(first) == len(second) == 8 and not set(first) & set(second)
    bodies = [body["seniority"] for body in sent(emulator)]
    assert bodies and all(b == ["CEO", "Founder"] for b in bodies), bodies


def test_a_cap_that_cannot_get_past_the_people_seen_says_so(emulator: SandboxApp) -> None:
    """`--new-only --limit 10 --max-credits 5` paid each night for the same 5 people at the top
    of the search, found nobody new, and said nothing of why."""
    args = ["search", "--sandbox", "--seniority", "CEO", "--new-only", "--limit", "10",
            "--max-credits", "5", "-f", "jsonl"]  # fmt: skip
    assert len(_ids(run_cli(*args))) == 5
    again = run_cli(*args)
    assert _ids(again) == []
    assert ("warning: --max-credits 5 stopped the search among people seen before: a run with "
            "the same cap pays for the same ones again; raise --max-credits to get past "
            "them") in again.stderr  # fmt: skip


def test_memory_kept_under_the_order_given_is_taken_over(
    isolated: Path, emulator: SandboxApp
) -> None:
    """Earlier versions named an ad hoc query by its values in the order given: what they
    remembered under that name is the query's memory, moved in place."""
    import hashlib
    import sqlite3

    flags = ["--seniority", "Founder", "--seniority", "CEO"]
    seen = _ids(run_cli("search", "--sandbox", *flags, "--limit", "5", "-f", "jsonl"))
    # Another query's run makes the ledger and its memory table.
    other = ["--new-only", "--title", "cto", "--limit", "1", "-f", "jsonl"]
    first = _ids(run_cli("search", "--sandbox", *other))
    given = json.dumps({"seniority": ["Founder", "CEO"]}, sort_keys=True).encode()
    old_key = "query|" + hashlib.sha256(given).hexdigest()[:16]
    path = isolated / "data" / "ledger.db"
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO emitted VALUES ('default', ?, ?, 1.0)",
                       [(old_key, p) for p in seen])  # fmt: skip
    db.close()
    # A dry run writes nothing, the move included; then the values in either order find it.
    assert run_cli("search", "--sandbox", "--new-only", *flags, "--dry-run").exit_code == 0
    with sqlite3.connect(path) as db:
        assert (
            db.execute("SELECT count(*) FROM emitted WHERE query = ?", (old_key,)).fetchone()[0]
            == 5
        )
    db.close()
    typed = ["--seniority", "CEO", "--seniority", "Founder"]  # not the order remembered
    result = run_cli("search", "--sandbox", "--new-only", *typed, "--limit", "3", "-f", "jsonl")
    assert not set(_ids(result)) & set(seen)
    assert "5 seen before skipped" in result.stderr
    with sqlite3.connect(path) as db:
        keys = db.execute("SELECT query, count(*) FROM emitted GROUP BY query").fetchall()
    db.close()
    assert old_key not in dict(keys) and sorted(dict(keys).values()) == [1, 8], keys
    assert len(first) == 1


# 9. tables ------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [50, 80, 120])
def test_ids_and_times_are_shown_whole_or_left_out_with_a_hint(
    width: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    from clodura_cli.cli.table import render_table

    monkeypatch.setenv("COLUMNS", str(width))
    rows = [{"email": f"person{n}@example.com", "verdict": "Risky (Catch-all)",
             "documentId": f"{n:024x}", "verifiedAt": f"2026-12-01T10:0{n}:00Z",
             "trackingId": f"6f1c2e0a9b7d4c55a1e2f3a4b5c6d7e{n}",
             "message": "a long message " * 5} for n in range(3)]  # fmt: skip
    out = io.StringIO()
    render_table(rows, None, out, to_terminal=True, summary="records")
    shown = out.getvalue()
    hint = capsys.readouterr().err.strip()
    assert all(len(line) <= width for line in shown.splitlines())
    assert len(hint) <= width
    for name in ("documentId", "verifiedAt", "trackingId"):
        if name in shown.splitlines()[1]:
            assert all(row[name] in shown for row in rows), (name, shown)
        else:
            assert name in hint or "columns not shown" in hint, (name, hint)


# 12. smaller ----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_stopping_sandbox_serve_is_no_error(signum: int, isolated: Path) -> None:
    command = [CLODURA, "sandbox", "serve", "--port", "0"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    with spawn(command, env=base_env(isolated), **pipes) as serve:
        assert serve.stdout is not None
        banner = [serve.stdout.readline()]
        while banner[-1] and not banner[-1].startswith("Try: "):
            banner.append(serve.stdout.readline())  # ends at "Try:", or at EOF if it died
        assert banner[0].startswith("Sandbox API listening on http://127.0.0.1:"), banner
        assert banner[-1].startswith("Try: "), banner
        serve.send_signal(signum)
        _, err = serve.communicate(timeout=DEADLINE)
    assert serve.returncode == 0, err
    assert err == "sandbox stopped\n"


@pytest.mark.slow
def test_top_help_fits_a_40_line_screen_and_exit_codes_are_a_topic(isolated: Path) -> None:
    env = {**base_env(isolated), "COLUMNS": "80"}
    top = subprocess.run([CLODURA, "--help"], capture_output=True, text=True, env=env,
                         timeout=DEADLINE, check=False)  # fmt: skip
    assert top.returncode == 0, top.stderr
    lines = top.stdout.splitlines()
    assert len(lines) <= 40, top.stdout
    assert all(len(line) <= 80 for line in lines)
    assert "clodura help exit-codes" in top.stdout and "130" not in top.stdout
    for command in ("search", "orgs", "reveal", "verify", "enrich", "news", "values", "help"):
        assert any(line.startswith(f"│ {command} ") for line in lines), command
    codes = run_cli("help", "exit-codes")
    assert codes.exit_code == 0
    assert "    4  credits: 402, or a credit guard stopped the run\n" in codes.stdout
    assert "  130  interrupted (Ctrl-C)" in codes.stdout
    unknown = run_cli("help", "exit-code")
    assert (
        unknown.exit_code == 2 and "help: 'exit-code' is not a topic or command" in unknown.stderr
    )


def test_api_include_shows_the_status_and_headers_of_an_error_too(emulator: SandboxApp) -> None:
    result = run_cli("api", "--sandbox", "search/people/track/nope", "-i")
    assert result.exit_code == 6
    lines = result.stderr.splitlines()
    assert "HTTP 404" in lines
    assert "content-type: application/json" in lines
    assert json.loads(result.stdout)["message"] == "Unknown tracking id 'nope'"


def test_an_empty_upstream_is_an_empty_result(tmp_path: Path, emulator: SandboxApp) -> None:
    orgs = run_cli("orgs", "--sandbox", "--domain", "nothing.invalid", "-f", "jsonl")
    assert orgs.exit_code == 0 and orgs.stdout == ""
    target = tmp_path / "people.csv"
    result = run_cli("search", "--sandbox", "--org-id", "-", "-o", str(target), input=orgs.stdout)
    assert result.exit_code == 0, result.stderr
    assert "--org-id -: no organisations on standard input (the search before found none)" in (
        result.stderr
    )
    assert target.read_text().startswith("personId,firstName,")
    assert sent(emulator) == []
    junk = run_cli("search", "--sandbox", "--org-id", "-", input="not an id\n")
    assert junk.exit_code == 2


# 1. the page cache ----------------------------------------------------------------------------


@pytest.fixture
def cache_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLODURA_SEARCH_CACHE_TTL", "1h")


def test_a_rerun_reuses_the_pages_it_paid_for(
    cache_on: None, tmp_path: Path, emulator: SandboxApp
) -> None:
    args = ["search", "--sandbox", "--seniority", "Manager", "--limit", "250"]
    first = run_cli(*args, "-o", str(tmp_path / "a.csv"))
    assert first.exit_code == 0, first.stderr
    assert sum(n for _, n in pages_requested(emulator)) == 250
    emulator.log.clear()
    again = run_cli(*args, "-o", str(tmp_path / "b.csv"))
    assert again.exit_code == 0, again.stderr
    assert sent(emulator) == []  # nothing asked, nothing paid
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert ("reused 3 pages, 250 records, fetched just now: no credits spent for them "
            "(--refresh asks the API again)") in again.stderr  # fmt: skip
    more = run_cli("search", "--sandbox", "--seniority", "Manager", "--limit", "300", "-f", "jsonl")
    assert more.exit_code == 0, more.stderr
    assert [b["page"] for b in sent(emulator)] == [3]  # only the page it did not have
    emulator.log.clear()
    refreshed = run_cli(*args, "--refresh", "-f", "jsonl")
    assert refreshed.exit_code == 0, refreshed.stderr
    assert sum(n for _, n in pages_requested(emulator)) == 250
    assert "reused" not in refreshed.stderr


_RERUN = """
import sys
sys.argv = ["clodura", *sys.argv[1:]]
from clodura_cli.cli.entry import main
try:
    main()
finally:
    loaded = [name for name in ("httpx", "clodura_cli.sandbox.app") if name in sys.modules]
    sys.stderr.write("loaded: " + " ".join(loaded) + "\\n")
"""


@pytest.mark.loopback
@pytest.mark.parametrize("where", ["loopback API", "sandbox"])
def test_a_rerun_from_the_page_cache_loads_no_network_stack_nor_emulator(
    where: str, server: Server, tmp_path: Path
) -> None:
    # The client was built before a page was looked up: a rerun that sent nothing still loaded
    # httpx and the certificate store (0.2 s), or the whole emulator.
    env = {**base_env(tmp_path), "CLODURA_SEARCH_CACHE_TTL": "1h"}
    if where == "sandbox":
        args = ["search", "--sandbox", "--title", "cto", "--limit", "30", "-f", "jsonl"]
    else:
        env.update(CLODURA_BASE_URL=server.url, CLODURA_API_KEY="sandbox-multi")
        args = ["search", "--title", "cto", "--limit", "30", "-f", "jsonl"]
    runs = [subprocess.run([sys.executable, "-c", _RERUN, *args], capture_output=True, text=True,
                           env=env, timeout=DEADLINE, check=False) for _ in range(2)]  # fmt: skip
    assert [run.returncode for run in runs] == [0, 0], runs[1].stderr
    assert runs[0].stdout == runs[1].stdout and len(runs[1].stdout.splitlines()) == 30
    first, again = (run.stderr.splitlines()[-1] for run in runs)
    assert first == ("loaded: clodura_cli.sandbox.app" if where == "sandbox" else "loaded: httpx")
    assert "reused 1 page, 30 records" in runs[1].stderr
    assert again == "loaded: "


def test_a_rerun_of_all_counts_the_pages_of_results_it_reused(
    cache_on: None, emulator: SandboxApp
) -> None:
    # `--all` asks for pages past the last one while it reads (they come back empty and cost
    # nothing): a rerun said "reused 4 pages, 4 records" for one page of results.
    args = ["search", "--sandbox", "--title", "chief technology officer", "--city", "Pune",
            "--all", "-f", "jsonl"]  # fmt: skip
    first = run_cli(*args)
    assert first.exit_code == 0, first.stderr
    found = len(first.jsonl())
    assert 0 < found < 25  # one page of results
    again = run_cli(*args)
    assert again.exit_code == 0, again.stderr
    assert again.stdout == first.stdout
    assert f"reused 1 page, {found} record" in again.stderr
    # And an answer of no results, reused, still says so.
    none = ["search", "--sandbox", "--org-name", "Nonexistent Zzyzx", "--limit", "5"]
    assert run_cli(*none).exit_code == 0
    emulator.log.clear()
    rerun = run_cli(*none)
    assert rerun.exit_code == 0 and emulator.log == []
    assert "reused the answer of no results fetched just now (--refresh asks the API again)" in (
        rerun.stderr
    )


@pytest.mark.parametrize(
    "command",
    [["verify", "--sandbox", "a@b.com", "b@c.com", "--yes"],
     ["reveal", "email", "--sandbox", "3597524184265130552", "--yes", "--no-wait"]],
    ids=["verify", "reveal"],
)  # fmt: skip
def test_paid_work_fails_before_claiming_when_the_client_cannot_open(
    command: list[str], isolated: Path
) -> None:
    # Opened with its first request, a client that could not open left every input claimed
    # in the ledger as "may have reached the API" (found in review). Paid work opens first.
    import sqlite3

    (isolated / "data").mkdir(parents=True, exist_ok=True)
    (isolated / "data" / "sandbox").write_text("")  # a file where the emulator's folder goes
    result = run_cli(*command)
    assert result.exit_code == 9, result.stderr
    assert "cannot be written (Not a directory)" in result.stderr
    ledger = isolated / "data" / "ledger.db"
    if ledger.exists():
        with sqlite3.connect(ledger) as db:
            claimed = [
                db.execute(f"select count(*) from {t}").fetchone()[0] for t in ("items", "jobs")
            ]
        assert claimed == [0, 0]


def test_pages_go_stale_after_the_ttl_and_zero_turns_the_cache_off(
    cache_on: None, monkeypatch: pytest.MonkeyPatch, emulator: SandboxApp, isolated: Path
) -> None:
    import time

    args = ["search", "--sandbox", "--title", "cto", "--limit", "10", "-f", "jsonl"]
    assert run_cli(*args).exit_code == 0
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3601)  # an hour and a second later
    emulator.log.clear()
    assert run_cli(*args).exit_code == 0
    assert len(sent(emulator)) == 1
    monkeypatch.setattr(time, "time", real)
    monkeypatch.setenv("CLODURA_SEARCH_CACHE_TTL", "0")
    emulator.log.clear()
    off = run_cli(*args)
    assert off.exit_code == 0
    assert len(sent(emulator)) == 1
    assert "search-cache-ttl is 0: the pages kept before were deleted" in off.stderr
    assert not list((isolated / "cache").glob("pages.db*"))  # no records left behind
    bad = run_cli(*args, env={"CLODURA_SEARCH_CACHE_TTL": "an hour"})
    assert (
        bad.exit_code == 2 and "CLODURA_SEARCH_CACHE_TTL: 'an hour' is not a duration" in bad.stderr
    )


def test_a_cache_that_cannot_be_written_is_skipped_with_a_warning(
    cache_on: None, isolated: Path, emulator: SandboxApp
) -> None:
    folder = isolated / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pages.db").mkdir()  # a folder where the file should be: unusable
    result = run_cli("search", "--sandbox", "--title", "cto", "--limit", "5", "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert len(result.jsonl()) == 5
    assert "warning: the page cache " in result.stderr
    assert "cannot be used" in result.stderr and "searching without it" in result.stderr


@pytest.mark.loopback
def test_an_interrupted_export_resumes_without_paying_again(server: Any, tmp_path: Path) -> None:
    env = {**server.env_for(tmp_path, "sandbox-standard"), "CLODURA_SEARCH_CACHE_TTL": "1h"}
    server.set_faults(latency=0.3)
    target = tmp_path / "all.csv"
    command = [CLODURA, "search", "--seniority", "Manager", "--all", "--concurrency", "1",
               "-o", str(target)]  # fmt: skip
    with spawn(command, env=env, stderr=subprocess.PIPE, text=True) as run:
        wait_for(lambda: server.count("search") >= 3, "three pages fetched")
        run.send_signal(signal.SIGINT)
        _, err = run.communicate(timeout=DEADLINE)
    assert run.returncode == 130
    assert not target.exists()
    assert "page(s) fetched are kept: run the same command again to resume" in err
    fetched = server.count("search")
    server.set_faults(latency=0)
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    reused = int(done.stderr.split("reused ")[1].split(" page")[0])
    assert reused >= fetched - 1  # a page in flight at the interrupt may not have been kept
    bodies = [e["body"] for e in server.log() if e["endpoint"] == "search"]
    pages = [b["page"] for b in bodies]
    assert len(pages) == len(set(pages)) + (fetched - reused)  # pages asked twice: none kept


# Found by a review -----------------------------------------------------------------------------


def test_a_layout_append_that_cannot_take_the_results_is_refused_before_paying(
    tmp_path: Path, emulator: SandboxApp
) -> None:
    crm = tmp_path / "crm.csv"
    made = run_cli("search", "--sandbox", "--seniority", "CEO", "--limit", "2", "--layout",
                   "hubspot", "-o", str(crm))  # fmt: skip
    assert made.exit_code == 0, made.stderr
    verify = run_cli("verify", "--sandbox", "new@pixelhealth.test", "--layout", "hubspot",
                     "-o", str(crm), "--append")  # fmt: skip
    assert verify.exit_code == 2
    assert "lacks verdict, state" in verify.stderr
    assert sent(emulator, "verify") == []
    for fmt in ("jsonl", "csv"):
        result = run_cli("verify", "--sandbox", "a@pixelhealth.test", "--layout", "hubspot",
                         "-f", fmt)  # fmt: skip
        assert result.exit_code == 0, result.stderr
        assert "Undeliverable" in result.stdout or "Deliverable" in result.stdout  # the verdict
        assert "verdict" in result.stdout and "First Name" in result.stdout
    queued = run_cli("reveal", "email", "--sandbox", "--no-wait", "--layout", "hubspot", "-f",
                     "jsonl", _found_ids(1)[0])  # fmt: skip
    (row,) = queued.jsonl()
    assert row["revealStatus"] == "queued" and row["trackingId"]  # pending is not a not-found


def test_forget_with_dry_run_forgets_nothing(emulator: SandboxApp) -> None:
    args = ["search", "--sandbox", "--title", "cto", "--new-only", "--memory", "m"]
    first = _ids(run_cli(*args, "--limit", "5", "-f", "jsonl"))
    dry = run_cli(*args, "--forget", "--dry-run")
    assert "--new-only: would forget (--dry-run: nothing forgotten) 5 people" in dry.stderr
    again = _ids(run_cli(*args, "--limit", "5", "-f", "jsonl"))
    assert not set(first) & set(again)


@pytest.mark.slow  # starts `clodura sandbox serve`: not in make test-fast
def test_a_busy_port_is_a_usage_error_not_a_crash(isolated: Path) -> None:
    import socket

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = str(taken.getsockname()[1])
    try:
        listen = run_cli("verify", "--sandbox", "--deep", "--listen", "--listen-port", port,
                         "who@pixelhealth.test")  # fmt: skip
        assert listen.exit_code == 2, listen.stderr
        assert "cannot listen on 127.0.0.1:" in listen.stderr and "Traceback" not in listen.stderr
        env = base_env(isolated)
        serve = subprocess.run([CLODURA, "sandbox", "serve", "--port", port], env=env,
                               capture_output=True, text=True, timeout=DEADLINE, check=False)  # fmt: skip
        assert serve.returncode == 2, serve.stderr
        assert f"sandbox serve: cannot listen on 127.0.0.1:{port}" in serve.stderr
    finally:
        taken.close()


def test_help_takes_a_subcommand_and_a_failed_reveal_stays_exit_6(emulator: SandboxApp) -> None:
    assert "Usage: clodura reveal email" in run_cli("help", "reveal", "email").stdout
    first = run_cli("reveal", "email", "--sandbox", FAILING)
    assert first.exit_code == 6
    again = run_cli("reveal", "email", "--sandbox", FAILING)
    assert again.exit_code == 6
    assert "answered so before, from the ledger (--refresh asks again)" in again.stderr
    assert len(sent(emulator, "email")) == 1  # not paid, nor asked, twice


def test_a_real_apis_page_is_kept_as_its_records_and_a_sandbox_page_with_its_notes(
    tmp_path: Path,
) -> None:
    """The stored form of a page of the real API is the list of records, as files written by
    earlier versions hold it; only a sandbox page that did not emulate a filter says so."""
    import sqlite3

    from clodura_cli.store.page_cache import PageCache

    cache = PageCache(tmp_path / "pages.db", "acct", 3600.0)
    cache.put("/p", {"page": 1}, [{"personId": "1"}])
    cache.put("/p", {"page": 2}, [{"personId": "2"}], {"technologyParameters"})
    cache.close()
    with sqlite3.connect(tmp_path / "pages.db") as db:
        stored = [json.loads(row[0]) for row in db.execute("SELECT records FROM pages ORDER BY 1")]
    assert [{"personId": "1"}] in stored
    assert {"records": [{"personId": "2"}], "notEmulated": ["technologyParameters"]} in stored
    again = PageCache(tmp_path / "pages.db", "acct", 3600.0)
    assert again.get("/p", {"page": 1}) == [{"personId": "1"}]
    assert again.not_emulated == set()
    assert again.get("/p", {"page": 2}) == [{"personId": "2"}]
    assert again.not_emulated == {"technologyParameters"}
    again.close()


def test_a_page_holding_half_a_character_is_kept(tmp_path: Path) -> None:
    """A lone surrogate in a record (an answer) or in a filter (argv in a non-UTF-8 locale)
    once made the cache give up for the run, with a warning to delete the file."""
    from clodura_cli.store.page_cache import PageCache

    warned: list[str] = []
    cache = PageCache(tmp_path / "pages.db", "acct", 3600.0, warn=warned.append)
    cache.put("/p", {"page": 1, "personTitle": ["CEO\udce9"]}, [{"firstName": "Ana\ud83d"}])
    cache.close()
    assert warned == []
    again = PageCache(tmp_path / "pages.db", "acct", 3600.0)
    assert again.get("/p", {"page": 1, "personTitle": ["CEO\udce9"]}) == [
        {"firstName": "Ana\ud83d"}
    ]
    again.close()
