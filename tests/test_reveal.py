"""`clodura reveal`: inputs, exact bodies, webhooks, waiting, the ledger and the credit guard."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from helpers import person_ids, run_cli, sandbox_fails, sent

from clodura_cli import reveal, reveal_run
from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.sandbox.data import build_dataset
from clodura_cli.sandbox.faults import Faults, ScriptedFault
from clodura_cli.store.ledger import PENDING, Ledger

HOOK = "https://example.com/clodura-sandbox-webhook"
PEOPLE = [p.record for p in build_dataset().people[:12]]


@pytest.fixture(autouse=True)
def quick_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reveal, "POLL_INITIAL", 0.05)
    monkeypatch.setattr(reveal, "POLL_MAX", 0.1)


def ids(count: int, start: int = 0) -> list[str]:
    return person_ids(count, start)


def reveal_email(*args: str, input: str | None = None) -> Any:
    # One submission at a time, so that the emulator's log is in input order.
    return run_cli(
        "reveal", "email", "--sandbox", "-f", "jsonl", "--concurrency", "1", *args, input=input
    )


def ledger(isolated: Path) -> Ledger:
    return Ledger(isolated / "data" / "ledger.db")


# Inputs and bodies --------------------------------------------------------------------------


def test_person_ids_as_arguments(emulator: SandboxApp) -> None:
    result = reveal_email(*ids(3))
    assert result.exit_code == 0, result.stderr
    assert sent(emulator, "email") == [{"personId": pid, "webhookUrl": HOOK} for pid in ids(3)]
    rows = result.jsonl()
    assert [r["personId"] for r in rows] == ids(3)
    assert all(r["revealStatus"] in ("completed", "failed") for r in rows)


def test_linkedin_urls_and_a_name_with_domain(emulator: SandboxApp) -> None:
    person = PEOPLE[0]
    result = reveal_email(
        "--linkedin-url", person["linkedinUrl"].replace("https://www.", ""),
        "--first-name", "Ada", "--last-name", "Lovelace", "--domain", "Analytical.io",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert sent(emulator, "email") == [
        {"linkedinUrl": person["linkedinUrl"], "webhookUrl": HOOK},
        {
            "firstName": "Ada",
            "lastName": "Lovelace",
            "companyDomain": "analytical.io",
            "webhookUrl": HOOK,
        },
    ]


def test_a_name_needs_all_three_parts(emulator: SandboxApp) -> None:
    result = reveal_email("--first-name", "Ada", "--domain", "x.io")
    assert result.exit_code == 2
    assert "--first-name, --last-name and --domain go together" in result.stderr
    assert emulator.log == []


@pytest.mark.parametrize("shape", ["jsonl", "json", "csv", "lines"])
def test_input_file_in_every_form(emulator: SandboxApp, tmp_path: Path, shape: str) -> None:
    records = PEOPLE[:4]
    path = tmp_path / f"in.{shape}"
    if shape == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in records) + "\n")
    elif shape == "json":
        path.write_text(json.dumps(records))
    elif shape == "csv":
        path.write_text(run_cli("search", "--sandbox", "--limit", "4", "-f", "csv").stdout)
        emulator.log.clear()
    else:
        path.write_text("\ufeff" + "\n".join(str(r["personId"]) for r in records) + "\n\n")
    result = reveal_email("--input", str(path))
    assert result.exit_code == 0, result.stderr
    expected = ids(4) if shape != "csv" else [r["personId"] for r in _first_search(emulator, 4)]
    assert [b["personId"] for b in sent(emulator, "email")] == expected


def _first_search(emulator: SandboxApp, count: int) -> list[dict[str, Any]]:
    from clodura_cli.sandbox.search import matching_people

    return [p.record for p in matching_people(emulator.dataset, {}, frozenset())[:count]]


def test_stdin_rows_are_taken_by_id_then_url_then_name_and_bad_rows_skipped(
    emulator: SandboxApp,
) -> None:
    lines = [
        {"personId": ids(1)[0], "linkedinUrl": "https://www.linkedin.com/in/ignored/"},
        {"linkedinUrl": PEOPLE[1]["linkedinUrl"]},
        {"firstName": "Ada", "lastName": "Lovelace", "companyDomain": ["acme.com", "acme.io"]},
        {"firstName": "No", "lastName": "Domain"},
        {"personId": ids(1)[0]},
    ]
    text = "\n".join(json.dumps(line) for line in lines) + "\nnot json\n"
    result = reveal_email("--input", "-", input=text)
    assert result.exit_code == 0, result.stderr
    assert sent(emulator, "email") == [
        {"personId": ids(1)[0], "webhookUrl": HOOK},
        {"linkedinUrl": PEOPLE[1]["linkedinUrl"], "webhookUrl": HOOK},
        {
            "firstName": "Ada",
            "lastName": "Lovelace",
            "companyDomain": "acme.com",
            "webhookUrl": HOOK,
        },
    ]
    assert (
        "line 4: has no personId or linkedinUrl, or firstName + lastName + companyDomain; skipped"
        in result.stderr
    )
    assert "line 6: not valid JSON; skipped" in result.stderr
    assert "1 duplicate input(s) revealed once" in result.stderr
    rows = result.jsonl()  # every input row that held a record, in input order
    assert [
        (r.get("personId"), r.get("linkedinUrl"), r.get("lastName"), r["revealStatus"])
        for r in rows
    ] == [
        # The id is sent; its answer names another URL than the row's: not this row's person.
        (ids(1)[0], "https://www.linkedin.com/in/ignored/", None, "mismatch"),
        (PEOPLE[1]["personId"], PEOPLE[1]["linkedinUrl"], PEOPLE[1]["lastName"], "completed"),
        (None, None, "Lovelace", "completed"),
        (None, None, "Domain", "skipped"),
        (ids(1)[0], PEOPLE[0]["linkedinUrl"], PEOPLE[0]["lastName"], "completed"),  # one job
    ]
    assert rows[4]["trackingId"] == rows[0]["trackingId"] and rows[4]["email"]
    assert "email" not in rows[0]
    assert rows[3]["revealMessage"] == (
        "has no personId or linkedinUrl, or firstName + lastName + companyDomain"
    )


def test_a_file_has_every_result_column_whichever_row_comes_first(
    emulator: SandboxApp, tmp_path: Path
) -> None:
    """The first input row names nobody: the file's header still holds the paid columns, and
    fed back in, the file's own revealStatus and revealMessage are replaced, not kept."""
    people = ids(2)
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in [
        {"firstName": "only"}, {"personId": people[0]}, {"personId": people[1], "note": "x"},
    ]) + "\n")  # fmt: skip
    out = tmp_path / "out.csv"
    first = run_cli("reveal", "email", "--sandbox", "--concurrency", "1", "--input", str(source),
                    "-o", str(out))  # fmt: skip
    assert first.exit_code == 0, first.stderr
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {"personId", "note", "email", "emailStatus", "revealStatus", "trackingId",
            "credits", "revealMessage"} <= set(rows[0])  # fmt: skip
    assert [(r["personId"], r["revealStatus"]) for r in rows] == [
        ("", "skipped"), (people[0], "completed"), (people[1], "completed")
    ]  # fmt: skip
    assert rows[0]["revealMessage"].startswith("has no personId or linkedinUrl")
    assert all("@" in r["email"] for r in rows[1:]) and rows[2]["note"] == "x"
    again = reveal_email("--input", str(out), "-f", "jsonl")
    assert again.exit_code == 0, again.stderr
    assert [r["revealMessage"] for r in again.jsonl()] == [rows[0]["revealMessage"], None, None]
    assert len(sent(emulator, "email")) == 2  # the second run: all from the ledger


def test_nothing_to_reveal_is_a_usage_error(emulator: SandboxApp) -> None:
    result = reveal_email()
    assert result.exit_code == 2
    assert "nothing to reveal" in result.stderr
    names_nobody = reveal_email("--input", "-", input="firstName\nAnn\n")
    assert names_nobody.exit_code == 2
    assert names_nobody.stderr.endswith(
        "error: nothing to reveal: no row of --input - names a person (see the warnings above); "
        "nothing sent\n"
    )  # it said "give ... or --input FILE", which was given


@pytest.mark.parametrize(
    "command", [["reveal", "email"], ["verify"], ["enrich", "person"], ["enrich", "org"], ["news"]]
)
@pytest.mark.parametrize("text", ["", "personId,email,organisationId\n", "\ufeff"])
def test_an_input_file_with_no_record_says_so(
    tmp_path: Path, text: str, command: list[str]
) -> None:
    """It said "give ... or --input FILE", which was given."""
    path = tmp_path / "leads.csv"
    path.write_text(text, encoding="utf-8")
    result = run_cli(*command, "--sandbox", "--input", str(path))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: --input {path}: no records in it (empty, or a header alone); nothing sent\n"
    )


@pytest.mark.parametrize("command", [["reveal", "email"], ["verify"], ["enrich", "person"]])
@pytest.mark.parametrize("piped", ["", "\n\n", "[]\n"])
def test_an_empty_pipe_is_a_day_with_nothing_new_not_an_error(
    emulator: SandboxApp, command: list[str], piped: str
) -> None:
    """`search --new-only ... | reveal email --input -` on a day with nothing new: exit 0."""
    result = run_cli(*command, "--sandbox", "--input", "-", "-f", "jsonl", input=piped)
    assert result.exit_code == 0, result.stderr
    assert "nothing on standard input (the command before found none)" in result.stderr
    assert (result.stdout, emulator.log) == ("", [])


# Webhook rules ------------------------------------------------------------------------------


def test_email_reveal_without_a_webhook_exits_2_saying_how_to_set_one() -> None:
    result = run_cli("reveal", "email", "123")
    assert result.exit_code == 2
    assert "--webhook-url" in result.stderr and "CLODURA_WEBHOOK_URL" in result.stderr


def test_webhook_from_the_environment_and_the_flag(
    emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLODURA_WEBHOOK_URL", "https://hooks.example.com/env")
    reveal_email(ids(1)[0])
    reveal_email(ids(1, 1)[0], "--webhook-url", "http://127.0.0.1:9000/hook")
    assert [b["webhookUrl"] for b in sent(emulator, "email")] == [
        "https://hooks.example.com/env",
        "http://127.0.0.1:9000/hook",
    ]


def test_webhook_must_be_https_or_loopback(emulator: SandboxApp) -> None:
    result = reveal_email(ids(1)[0], "--webhook-url", "http://hooks.example.com/x")
    assert result.exit_code == 2
    assert "must be an https:// URL" in result.stderr
    assert emulator.log == []


def test_phone_sends_webhook_only_when_given_and_partners_needs_one(
    emulator: SandboxApp,
) -> None:
    first, second = [i for i in ids(6) if not sandbox_fails(i, "phone")][:2]
    result = run_cli("reveal", "phone", "--sandbox", "-f", "jsonl", first)
    assert result.exit_code == 0, result.stderr
    run_cli("reveal", "phone", "--sandbox", "--partners", second)
    assert sent(emulator, "phone") == [
        {"personId": first, "webhookUrl": HOOK},
        {"personId": second, "revealPhoneNumberViaPartners": True, "webhookUrl": HOOK},
    ]
    without = run_cli("reveal", "phone", "--partners", "123")
    assert without.exit_code == 2 and "--partners need a webhook URL" in without.stderr
    row = result.jsonl()[0]
    assert set(row) >= {"phones", "phoneTypes", "revealStatus", "trackingId"}


# The pipeline, waiting and the ledger ----------------------------------------------------------


def test_search_to_reveal_to_csv_is_one_spreadsheet(emulator: SandboxApp) -> None:
    found = run_cli("search", "--sandbox", "--seniority", "CXO", "--title", "cfo", "--limit", "5")
    assert found.exit_code == 0
    result = run_cli(
        "reveal", "email", "--sandbox", "--input", "-", "-f", "csv", input=found.stdout
    )
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    searched = found.jsonl()
    assert [r["personId"] for r in rows] == [r["personId"] for r in searched]
    assert list(rows[0])[:3] == ["personId", "firstName", "lastName"]
    for name in ("email", "emailStatus", "revealStatus", "trackingId", "provider"):
        assert name in rows[0]
    tracked = {e["path"].rsplit("/", 1)[1] for e in emulator.log if e["endpoint"] == "track"}
    assert {r["trackingId"] for r in rows} <= tracked
    completed = [r for r in rows if r["revealStatus"] == "completed"]
    assert completed and all(
        r["emailStatus"] in ("verified", "guessed", "not_found") for r in completed
    )


def test_no_wait_only_submits_and_prints_tracking_ids(emulator: SandboxApp) -> None:
    result = reveal_email("--no-wait", *ids(2))
    assert result.exit_code == 0
    rows = result.jsonl()
    assert [r["revealStatus"] for r in rows] == ["queued", "queued"]
    assert all(len(r["trackingId"]) == 32 for r in rows)
    assert sent(emulator, "track") == []


def test_a_person_already_revealed_is_answered_from_the_ledger(
    emulator: SandboxApp, isolated: Path
) -> None:
    first = reveal_email(*ids(3))
    assert len(sent(emulator, "email")) == 3
    second = reveal_email(*ids(4))
    assert second.exit_code == 0
    assert [b["personId"] for b in sent(emulator, "email")] == [*ids(3), ids(4)[3]]
    assert "3 answered from the ledger: no credits spent on them" in second.stderr
    assert second.jsonl()[:3] == first.jsonl()
    refreshed = reveal_email("--refresh", ids(1)[0])
    assert refreshed.exit_code == 0
    assert len(sent(emulator, "email")) == 5


#: Ways people and spreadsheets write one profile's URL (the sandbox's slugs hold hyphens).
SPELLINGS = {
    "a percent-escaped hyphen": lambda url: url.replace("-", "%2D", 1),
    "a language segment": lambda url: url + "de/",
    "http, a mobile subdomain, capitals, a query": lambda url: (
        "http://m.linkedin.com/in/"
        + url.removeprefix("https://www.linkedin.com/in/").upper()
        + "?trk=x"
    ),
}


@pytest.mark.parametrize("spelling", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_one_profile_however_its_url_is_written_is_sent_and_paid_for_once(
    emulator: SandboxApp, spelling: Any
) -> None:
    url = PEOPLE[0]["linkedinUrl"]
    first = reveal_email("--linkedin-url", spelling(url))
    assert first.exit_code == 0, first.stderr
    assert first.jsonl()[0]["revealStatus"] == "completed" and first.jsonl()[0]["email"]
    again = reveal_email("--linkedin-url", url)
    assert again.exit_code == 0, again.stderr
    assert sent(emulator, "email") == [{"linkedinUrl": url, "webhookUrl": HOOK}]  # one spelling
    assert "1 answered from the ledger" in again.stderr
    assert again.jsonl()[0]["email"] == first.jsonl()[0]["email"]


def test_pending_jobs_are_polled_not_resubmitted(emulator: SandboxApp) -> None:
    reveal_email("--no-wait", *ids(2))
    result = reveal_email(*ids(2))
    assert result.exit_code == 0
    assert len(sent(emulator, "email")) == 2
    assert "2 already submitted earlier: polling them, not resubmitting" in result.stderr
    assert {r["revealStatus"] for r in result.jsonl()} <= {"completed", "failed"}


def test_timeout_exits_8_then_track_wait_finishes_the_same_jobs(
    emulator: SandboxApp, isolated: Path
) -> None:
    emulator.job_delay = 1.0
    result = reveal_email("--timeout", "0.2", *ids(3))
    assert result.exit_code == 8
    pending_ids = [
        line.split()[-1] for line in result.stderr.splitlines() if line.startswith("pending:")
    ]
    assert len(pending_ids) == 3
    # Every input row is written, a pending one with its tracking id (and no result).
    rows = result.jsonl()
    assert [(r["personId"], r["revealStatus"] in PENDING, r.get("email")) for r in rows] == [
        (person, True, None) for person in ids(3)
    ]
    assert [r["trackingId"] for r in rows] == pending_ids
    assert "clodura track --wait" in result.stderr
    from clodura_cli.sandbox.runtime import forget_apps, in_process_app

    forget_apps()  # a new process: only the files remain
    again = run_cli("track", "--sandbox", "--wait", "-f", "jsonl")
    assert again.exit_code == 0, again.stderr
    finished = again.jsonl()
    assert {r["trackingId"] for r in finished} == set(pending_ids)
    assert {r["revealStatus"] for r in finished} <= {"completed", "failed"}
    assert len(sent(in_process_app(isolated / "data"), "email")) == 0


def test_a_reveal_whose_answer_timed_out_is_unknown_and_never_resubmitted(
    emulator: SandboxApp, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLODURA_TIMEOUT", "0.5")
    emulator.set_faults(Faults(script=[ScriptedFault("timeout", 1, "email")]))
    result = reveal_email(ids(1)[0])
    assert result.exit_code == 7
    assert "may have reached the API and are recorded as unknown" in result.stderr
    assert len(sent(emulator, "email")) == 1
    [job] = ledger(isolated).jobs()
    assert (job.status, job.tracking_id) == ("unknown", None)
    again = reveal_email(ids(1)[0])
    assert len(sent(emulator, "email")) == 1
    assert "not resubmitted" in again.stderr


@pytest.mark.parametrize("fault", ["500", "drop"])
def test_a_5xx_or_dropped_reveal_is_not_retried(emulator: SandboxApp, fault: str) -> None:
    emulator.set_faults(Faults(script=[ScriptedFault(fault, 1, "email")]))
    result = reveal_email(ids(1)[0])
    assert result.exit_code == 7
    assert len(sent(emulator, "email")) == 1


def test_429_on_a_reveal_is_retried(emulator: SandboxApp) -> None:
    emulator.set_faults(Faults(retry_after=0, script=[ScriptedFault("429", 1, "email")]))
    result = reveal_email(ids(1)[0])
    assert result.exit_code == 0, result.stderr
    assert [e["status"] for e in emulator.log if e["endpoint"] == "email"] == [429, 200]


def test_a_rejected_reveal_exits_6_and_costs_nothing(emulator: SandboxApp, isolated: Path) -> None:
    emulator.set_faults(Faults(script=[ScriptedFault("422", 1, "email")]))
    result = reveal_email(*ids(2))
    assert result.exit_code == 6
    assert "1 reveal(s) refused by the API" in result.stderr
    statuses = sorted(job.status for job in ledger(isolated).jobs())
    assert statuses[-1] == "rejected"
    reveal_email(*ids(2))  # a rejected one may be submitted again
    assert len(sent(emulator, "email")) == 3


# Credits ------------------------------------------------------------------------------------


def test_credit_guard_refuses_before_submitting(emulator: SandboxApp) -> None:
    result = reveal_email("--max-credits", "3", *ids(2))
    assert result.exit_code == 4
    assert "may cost up to 4 credits (standard)" in result.stderr
    assert sent(emulator, "email") == []
    assert reveal_email("--max-credits", "4", *ids(2)).exit_code == 0


def test_credit_guard_prices_multi_provider_plans(
    emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLODURA_API_KEY", "sandbox-multi")
    email = reveal_email("--max-credits", "11", *ids(2))
    assert email.exit_code == 4 and "up to 12 credits (multi-provider)" in email.stderr
    phone = run_cli("reveal", "phone", "--sandbox", "--max-credits", "39", *ids(2))
    assert phone.exit_code == 4 and "up to 40 credits" in phone.stderr
    assert sent(emulator, "email") == sent(emulator, "phone") == []


def test_ledger_answers_cost_nothing_in_the_estimate(emulator: SandboxApp) -> None:
    reveal_email(*ids(2))
    emulator.log.clear()
    # Of three people two are in the ledger: only the third is priced (2 credits, standard).
    refused = reveal_email("--max-credits", "1", *ids(3))
    assert refused.exit_code == 4, refused.stderr
    assert "1 email reveal(s) may cost up to 2 credits (standard)" in refused.stderr
    result = reveal_email("--max-credits", "2", *ids(3))
    assert result.exit_code == 0, result.stderr
    assert "2 answered from the ledger" in result.stderr
    assert sent(emulator, "email") == [{"personId": ids(3)[2], "webhookUrl": HOOK}]
    assert [r["personId"] for r in result.jsonl()] == ids(3)


def test_dry_run_shows_bodies_ledger_and_estimate(emulator: SandboxApp) -> None:
    reveal_email(ids(1)[0])
    emulator.log.clear()
    result = reveal_email("--dry-run", *ids(3))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "method": "POST",
        "url": "https://api.clodura.ai/api/v1/search/people/email/match",
        "bodies": [{"personId": pid, "webhookUrl": HOOK} for pid in ids(2, 1)],
        "fromLedger": 1,
        "alreadyPending": 0,
        "planFamily": "standard",
        "worstCaseCredits": 4,
    }
    assert [e["endpoint"] for e in emulator.log] == ["credits"]


def test_credits_spent_are_reported(emulator: SandboxApp) -> None:
    result = reveal_email(*ids(6))
    rows = result.jsonl()
    verified = sum(1 for r in rows if r.get("emailStatus") == "verified")
    assert f"credits spent by this run: {2 * verified} (from its answers" in result.stderr
    assert sum(r["credits"] or 0 for r in rows) == 2 * verified


def test_credits_spent_count_this_runs_jobs_while_another_run_spends() -> None:
    """The balance moved by 50 (another run spent 44 meanwhile); this run's jobs say 6."""
    from clodura_cli.reveal import Entry
    from clodura_cli.reveal_run import spending as _spending
    from clodura_cli.store.ledger import Job

    def entry(credits: int | None, source: str = "submitted") -> Entry:
        job = Job(1, "a", "email", "1", None, None, {}, {}, "t", "completed", None, credits,
                  None, 0.0, 0.0)  # fmt: skip
        return Entry(None, job, source)  # type: ignore[arg-type]

    before = {"remainingCredits": 500}
    after = {"remainingCredits": 450}
    mine = [entry(2), entry(4), entry(None, "ledger")]
    assert _spending(mine, before, after) == (
        "credits spent by this run: 6 (from its answers; balance before: credits 500; "
        "after: credits 450)"
    )
    unknown = [entry(2), entry(None)]
    assert _spending(unknown, before, after) == (
        "credits spent: 50, by the balance (other runs at the same time count too; balance "
        "before: credits 500; after: credits 450)"
    )


def test_402_exits_4_and_403_exits_3(monkeypatch: pytest.MonkeyPatch, emulator: SandboxApp) -> None:
    monkeypatch.setenv("CLODURA_API_KEY", "sandbox-exhausted")
    exhausted = reveal_email(*ids(2))
    assert exhausted.exit_code == 4
    assert "HTTP 402" in exhausted.stderr
    assert len(sent(emulator, "email")) == 1  # one at a time: the first 402 stops the run
    assert [(r["personId"], r["revealStatus"]) for r in exhausted.jsonl()] == [
        (ids(2)[0], "rejected"), (ids(2)[1], "not_sent")
    ]  # fmt: skip
    assert exhausted.jsonl()[1]["revealMessage"] == reveal_run.NOT_SENT
    monkeypatch.setenv("CLODURA_API_KEY", "sandbox-free")
    free = run_cli("reveal", "phone", "--sandbox", *ids(2))
    assert free.exit_code == 3
    assert "HTTP 403" in free.stderr


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (
            "sandbox-standard",
            {"contactsView": 142, "maxContacts": "5000", "directDials": 38, "maxDirectDials": 1000},
        ),
        ("sandbox-multi", {"remainingCredits": 100000}),
    ],
)
def test_credits_in_both_plan_shapes(
    monkeypatch: pytest.MonkeyPatch, key: str, expected: dict[str, Any]
) -> None:
    monkeypatch.setenv("CLODURA_API_KEY", key)
    as_json = run_cli("credits", "--sandbox", "-f", "json")
    assert (as_json.exit_code, json.loads(as_json.stdout)) == (0, expected)
    table = run_cli("credits", "--sandbox", "-f", "table").stdout
    if key == "sandbox-standard":
        assert "contact views" in table and "4,858" in table and "3%" in table
        assert "direct dials" in table and "962" in table
    else:
        assert "100,000" in table and "multi-provider" in table


# Track --------------------------------------------------------------------------------------


def test_track_lists_the_ledger_newest_first_and_pending(emulator: SandboxApp) -> None:
    reveal_email(*ids(2))
    reveal_email("--no-wait", ids(1, 2)[0])
    listed = run_cli("track", "-f", "jsonl").jsonl()
    assert [r["personId"] for r in listed] == [ids(1, 2)[0], *reversed(ids(2))]
    pending = run_cli("track", "--pending", "-f", "jsonl").jsonl()
    assert [r["revealStatus"] for r in pending] == ["queued"]
    assert len(run_cli("track", "--limit", "1", "-f", "jsonl").jsonl()) == 1


def test_track_an_id_fetches_and_records_it(emulator: SandboxApp) -> None:
    submitted = reveal_email("--no-wait", ids(1)[0]).jsonl()[0]
    emulator.job_delay = 0
    result = run_cli("track", "--sandbox", "--wait", submitted["trackingId"], "-f", "json")
    assert result.exit_code == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert row["trackingId"] == submitted["trackingId"]
    assert row["revealStatus"] in ("completed", "failed")


def test_track_an_unknown_id_exits_6(emulator: SandboxApp) -> None:
    result = run_cli("track", "--sandbox", "0123456789abcdef")
    assert result.exit_code == 6
    assert "Unknown tracking id '0123456789abcdef'" in result.stderr


def test_a_person_another_run_is_submitting_is_still_pending_not_done(isolated: Path) -> None:
    """A reveal waiting on another run's claim ended with an empty row and exit 0 (a paid-path
    trial); it is exit 8, and nothing is submitted twice."""
    from clodura_cli.api.urls import account_id
    from clodura_cli.reveal import identity_of
    from clodura_cli.sandbox.data import build_dataset
    from clodura_cli.sandbox.keys import DEFAULT_KEY
    from clodura_cli.store.ledger import Ledger

    person = build_dataset().person(5).record["personId"]
    ids = {"personId": person}
    ledger = Ledger(isolated / "data" / "ledger.db")
    ledger.claim(account_id("sandbox", DEFAULT_KEY), "email", identity_of(ids), ids, ids)
    args = ["reveal", "email", "--sandbox", person, "-f", "jsonl"]
    waited = run_cli(*args, "--timeout", "0.5")
    assert waited.exit_code == 8, waited.stderr
    assert "1 person(s) are being submitted by another clodura run right now" in waited.stderr
    # --no-wait asks for no answer: it says so, and a pipeline goes on (exit 0, as for queued).
    submitted = run_cli(*args, "--no-wait")
    assert submitted.exit_code == 0, submitted.stderr
    assert "1 being submitted by another run right now: not waited for (--no-wait)" in (
        submitted.stderr
    )
    [job] = ledger.jobs()
    assert job.status == "unknown" and job.tracking_id is None  # no second submission


def test_a_submission_abandoned_on_its_way_is_said_and_not_waited_for(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped twice while a submission was on its way, a run left its job `unknown` without
    a word: for 90 s every later run took it for a live claim (and exited 0, empty)."""
    from clodura_cli.api.client import CloduraClient
    from clodura_cli.reveal import ABANDONED_IN_FLIGHT
    from clodura_cli.sandbox.data import build_dataset
    from clodura_cli.store.ledger import Ledger

    person = build_dataset().person(6).record["personId"]

    def stopped(self: Any, body: Any) -> Any:
        raise KeyboardInterrupt  # the second Ctrl-C, while the request is on its way

    with monkeypatch.context() as patched:
        patched.setattr(CloduraClient, "reveal_email", stopped)
        interrupted = run_cli("reveal", "email", "--sandbox", person, "--no-wait")
    assert interrupted.exit_code == 130
    assert "1 submission(s) were on their way when the run stopped" in interrupted.stderr
    [job] = Ledger(isolated / "data" / "ledger.db").jobs()
    assert job.status == "unknown" and job.message == ABANDONED_IN_FLIGHT
    again = run_cli("reveal", "email", "--sandbox", person, "--no-wait")
    assert again.exit_code == 7  # may have been charged: settled by hand, never resubmitted
    assert "an earlier submission whose answer was lost" in again.stderr


def test_a_refresh_that_found_nothing_does_not_hide_what_was_paid_for(isolated: Path) -> None:
    """After a --refresh that found nothing, every reveal of the person printed email null,
    'not found': the email paid for before was only in `clodura track` (a paid-path trial)."""
    from clodura_cli.api.urls import account_id
    from clodura_cli.reveal import identity_of
    from clodura_cli.sandbox.keys import DEFAULT_KEY
    from clodura_cli.store.ledger import Ledger

    [person] = person_ids(1, start=40)
    first = run_cli("reveal", "email", "--sandbox", person, "-f", "jsonl")
    assert first.exit_code == 0, first.stderr
    [found] = first.jsonl()
    assert found["email"]
    ledger = Ledger(isolated / "data" / "ledger.db")
    ids = {"personId": person}
    newer, is_new = ledger.claim(account_id("sandbox", DEFAULT_KEY), "email", identity_of(ids),
                                 ids, ids, refresh=True)  # fmt: skip
    assert is_new
    ledger.update(newer.id, status="completed", tracking_id="T-refresh", result={"email": None})
    again = run_cli("reveal", "email", "--sandbox", person, "-f", "jsonl")
    assert again.exit_code == 0, again.stderr
    assert [r["email"] for r in again.jsonl()] == [found["email"]]
    assert "1 answered by an earlier reveal that found them" in again.stderr


def test_track_wait_does_not_call_another_runs_submission_lost(isolated: Path) -> None:
    """`track --wait` said a job another run was submitting right now had lost its answer and
    offered --abandon, after which --refresh would pay for the person twice (a review)."""
    from clodura_cli.api.urls import account_id
    from clodura_cli.reveal import identity_of
    from clodura_cli.sandbox.keys import DEFAULT_KEY
    from clodura_cli.store.ledger import Ledger

    ids = {"personId": "4242"}
    Ledger(isolated / "data" / "ledger.db").claim(
        account_id("sandbox", DEFAULT_KEY), "email", identity_of(ids), ids, ids
    )
    waited = run_cli("track", "--sandbox", "--wait", "--timeout", "0.5")
    assert waited.exit_code == 8, waited.stderr
    assert "1 job(s) are being submitted by another clodura run right now" in waited.stderr
    assert "--abandon PERSON_ID` gives one up" not in waited.stderr
    assert "have no tracking id (status unknown: the submission's answer was lost)" not in (
        waited.stderr
    )  # nor counted among the lost in the warning


def test_an_identifier_holding_half_a_character_is_not_sent(
    emulator: SandboxApp, tmp_path: Path
) -> None:
    """Bytes of another encoding in an argument, or a cut emoji in JSON, made a name no UTF-8
    holds: sent, it finds nobody for a price; stored, it could pass for another person's name
    (a review). It is refused before anything is sent."""
    by_name = run_cli("reveal", "email", "--sandbox", "--first-name", "Ren\udce9e",
                      "--last-name", "Roy", "--domain", "acme.com")  # fmt: skip
    assert by_name.exit_code == 2
    assert "--first-name/--last-name/--domain: the identifier is not valid UTF-8 text" in (
        by_name.stderr
    )
    rows = tmp_path / "people.jsonl"
    rows.write_text('{"firstName": "Ann\\ud83d", "lastName": "Roy", "companyDomain": "a.com"}\n'
                    '{"linkedinUrl": "https://www.linkedin.com/in/ann\\udc01"}\n')  # fmt: skip
    from_file = run_cli("reveal", "email", "--sandbox", "--input", str(rows))
    assert from_file.exit_code == 2
    assert from_file.stderr.count("the identifier is not valid UTF-8 text; skipped") == 2
    assert [e for e in emulator.log if e["endpoint"] == "email"] == []


def test_a_run_that_submits_nothing_still_costs_the_jobs_it_sees_finish(
    emulator: SandboxApp, isolated: Path
) -> None:
    """`reveal --no-wait`, then the same reveal again: the second run submits nothing (it
    never read the balance) and polls the jobs to their end; their cost on the Standard plan
    is known (2 for a verified email) and shown, not null."""
    people = ids(3)
    first = reveal_email("--no-wait", *people)
    assert first.exit_code == 0, first.stderr
    second = reveal_email(*people)
    assert second.exit_code == 0, second.stderr
    rows = second.jsonl()
    assert [r["revealStatus"] for r in rows] == ["completed"] * 3
    expected = [2 if r["emailStatus"] == "verified" else 0 for r in rows]
    assert [r["credits"] for r in rows] == expected
    by_person = {j.person_id: j.credits for j in ledger(isolated).jobs()}
    assert [by_person[person] for person in people] == expected
    assert len(sent(emulator, "email")) == 3  # the second run submitted nothing


def test_a_job_finished_by_another_hand_is_costed_when_a_reveal_claims_it(
    isolated: Path,
) -> None:
    """A receiver (or another run) finished the job and could not cost it: the reveal that
    finds it in the ledger costs it before showing it."""
    from clodura_cli.credits import STANDARD
    from clodura_cli.inputs import Target
    from clodura_cli.store.ledger import identity_of

    book = ledger(isolated)
    who = {"personId": "1877055212287098270"}
    job, _ = book.claim("acct", "email", identity_of(who), who, dict(who))
    book.update(job.id, tracking_id="t-1", status="completed",
                result={**who, "email": "a@example.com", "emailStatus": "verified"})  # fmt: skip
    revealer = reveal.Revealer(None, book, "acct", "email", family=STANDARD)  # type: ignore[arg-type]
    (entry,) = revealer.submit([Target(who, dict(who), identity_of(who))]).entries
    assert (entry.source, entry.job.credits, book.get(job.id).credits) == ("ledger", 2, 2)


def test_a_job_is_finished_and_costed_in_one_write(isolated: Path) -> None:
    """Another process reading between two writes would see a finished job with no cost."""
    from clodura_cli.credits import STANDARD
    from clodura_cli.store.ledger import identity_of

    book = ledger(isolated)
    who = {"personId": "1877055212287098270"}
    job, _ = book.claim("acct", "email", identity_of(who), who, dict(who))
    job = book.update(job.id, tracking_id="t-1", status="processing")
    writes: list[dict[str, Any]] = []
    real = book.update

    def spied(job_id: int, **changes: Any) -> Any:
        writes.append(changes)
        return real(job_id, **changes)

    book.update = spied  # type: ignore[method-assign]
    tracker = reveal.Tracker(None, book, family=STANDARD)  # type: ignore[arg-type]
    answer = {"trackingId": "t-1", "type": "email", "status": "completed", "input": who,
              "result": {**who, "email": "a@example.com", "emailStatus": "verified"}}  # fmt: skip
    done = tracker.apply_track(job, tracker.read(job, answer), answer, b"{}")
    assert done.credits == 2
    finishing = [w for w in writes if w.get("status") == "completed"]
    assert [w.get("credits") for w in finishing] == [2]


def test_a_delivery_that_beats_the_submissions_answer_keeps_the_job_finished(
    isolated: Path,
) -> None:
    """The webhook came before the submission's answer and finished the job (matched by the
    person): the answer's "queued" does not reopen it, it only adds the tracking id."""
    from clodura_cli.credits import STANDARD
    from clodura_cli.store.ledger import identity_of

    book = ledger(isolated)
    who = {"personId": "1877055212287098270"}
    stale, _ = book.claim("acct", "email", identity_of(who), who, dict(who))
    book.update(stale.id, status="completed",
                result={**who, "email": "a@example.com", "emailStatus": "verified"})  # fmt: skip
    tracker = reveal.Tracker(None, book, family=STANDARD)  # type: ignore[arg-type]
    job = tracker.record_submission(stale, {"trackingId": "t-1", "status": "queued"})
    assert (job.status, job.tracking_id, job.credits) == ("completed", "t-1", 2)
    assert book.get(stale.id).status == "completed"


@pytest.mark.parametrize(
    ("result", "cost"),
    [
        ({"email": "a@x.com", "emailStatus": "verified"}, 2),
        ({"email": "a@x.com", "emailStatus": "VERIFIED"}, 2),
        ({"email": "a@x.com", "emailStatus": "guessed"}, 0),
        ({"email": None, "emailStatus": "not_found"}, 0),
        ({"email": "a@x.com"}, None),  # a flat delivery says nothing of the status
        ({"email": "a@x.com", "emailStatus": "valid"}, None),  # a word the plan's rule lacks
    ],
)
def test_a_standard_email_costs_what_its_status_says_or_is_unknown(
    result: dict[str, Any], cost: int | None
) -> None:
    from clodura_cli.credits import STANDARD
    from clodura_cli.store.ledger import Job

    job = Job(1, "a", "email", "1", None, None, {}, {}, "t", "completed", result, None, None, 0, 0)
    assert reveal.known_cost("email", STANDARD, job) == cost


def test_a_failed_reveal_keeps_the_rows_own_email_and_says_why(
    emulator: SandboxApp, tmp_path: Path
) -> None:
    failing = next(p for p in person_ids(200) if sandbox_fails(p))
    source = tmp_path / "in.csv"
    source.write_text(f"personId,email\n{failing},old@example.org\n")
    result = reveal_email("--input", str(source))
    assert result.exit_code == 6, result.stderr
    (row,) = result.jsonl()
    assert (row["revealStatus"], row["email"]) == ("failed", "old@example.org")
    assert row["revealMessage"]


def test_a_job_the_track_endpoint_forgot_stops_only_its_own_polling(
    emulator: SandboxApp, monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    """A job the API no longer knows (404 naming it, past the grace) is not asked again in
    that run and exits 8 saying so; polling goes on for everyone else, in that run and the
    next (one such 404 switched polling off for good)."""
    monkeypatch.setattr(reveal, "TRACK_404_GRACE", 0.0)
    forgotten, other, later = ids(3)
    assert reveal_email("--no-wait", forgotten).exit_code == 0
    from clodura_cli.sandbox.runtime import reset

    assert reset(isolated / "data")  # the emulator forgets its jobs; the ledger does not
    both = reveal_email(forgotten, other, "--timeout", "20")
    assert both.exit_code == 8, both.stderr
    assert "the track endpoint does not know this tracking id" in both.stderr
    rows = {r["personId"]: r for r in both.jsonl()}
    assert rows[other]["revealStatus"] == "completed" and rows[forgotten].get("email") is None
    after = reveal_email(later)
    assert after.exit_code == 0, after.stderr
    assert after.jsonl()[0]["revealStatus"] == "completed"


def test_a_track_endpoint_found_missing_is_asked_again_later_or_by_a_run_with_it_on(
    isolated: Path,
) -> None:
    from clodura_cli.store.deliveries import TRACK_RECHECK

    now = [1000.0]
    book = Ledger(isolated / "ledger.db", clock=lambda: now[0])

    def run(mode: str = "auto", remember: bool = True) -> reveal.Polling:  # one run's view
        return reveal.Polling("https://api.example", mode, book.deliveries(), remember)

    run().note(False)
    assert not run().usable()
    now[0] += TRACK_RECHECK + 1
    assert run().usable()  # asked again: an API may gain it, a judgement may be wrong
    run().note(False)
    assert not run().usable()
    run("on").note(True)
    assert run().usable()  # a run with track-endpoint on that was answered undoes it
    run("on").note(False)
    assert run().usable()  # "on" never records the endpoint as missing
    sandbox = run(remember=False)
    sandbox.note(False)
    assert not sandbox.usable() and run().usable()  # the sandbox's: for that run only


@pytest.mark.parametrize(
    "command",
    [["reveal", "email", "--sandbox", "--input", "-"], ["verify", "--sandbox", "--input", "-"],
     ["enrich", "person", "--sandbox", "--input", "-"], ["search", "--sandbox", "--org-id", "-"]],
)  # fmt: skip
@pytest.mark.parametrize("ascii_only", [False, True])
def test_a_table_drawn_for_a_terminal_is_refused_as_input(
    emulator: SandboxApp, command: list[str], ascii_only: bool
) -> None:
    """`search -f table | reveal email --input -` sent each border line as a person id."""
    table = run_cli("search", "--sandbox", "--seniority", "CEO", "--limit", "3", "-f", "table")
    assert table.exit_code == 0 and "\u2501" in table.stdout
    text = table.stdout
    if ascii_only:  # a table drawn with ASCII rules
        text = "+------+-------+\n| Name | Title |\n+------+-------+\n| Kofi | CEO   |\n"
    emulator.log.clear()
    result = run_cli(*command, input=text)
    assert result.exit_code == 2, result.stderr
    assert "a table drawn for a terminal, not records" in result.stderr
    assert emulator.log == []


def test_a_delivery_landing_between_a_look_and_its_write_is_kept(isolated: Path) -> None:
    """A poll read the job open, then a receiver finished it, then the poll's "processing"
    was written: the delivered result must stand (the write checks in its own transaction)."""
    from clodura_cli.credits import STANDARD
    from clodura_cli.store.ledger import identity_of

    book = ledger(isolated)
    who = {"personId": "1877055212287098270"}
    job, _ = book.claim("acct", "email", identity_of(who), who, dict(who))
    job = book.update(job.id, tracking_id="t-1", status="queued")
    real_get = book.get

    def get_then_delivered(job_id: int) -> Any:
        seen = real_get(job_id)
        book.update(job_id, status="completed", credits=2,
                    result={**who, "email": "a@example.com", "emailStatus": "verified"})  # fmt: skip
        return seen

    book.get = get_then_delivered  # type: ignore[method-assign]
    tracker = reveal.Tracker(None, book, family=STANDARD)  # type: ignore[arg-type]
    answer = {"trackingId": "t-1", "status": "processing"}
    done = tracker.apply_track(job, tracker.read(job, answer), answer, b"{}")
    book.get = real_get  # type: ignore[method-assign]
    kept = book.get(job.id)
    assert (done.status, kept.status, (kept.result or {}).get("email"), kept.credits) == (
        "completed", "completed", "a@example.com", 2
    )  # fmt: skip


def test_a_found_answer_after_a_not_found_one_is_kept_and_priced(isolated: Path) -> None:
    """A not-found came first (a webhook), then the email (3 credits on some plans): what
    was paid for is kept, and priced as found; a not-found after a found changes nothing."""
    from clodura_cli.credits import STANDARD
    from clodura_cli.store.ledger import identity_of

    book = ledger(isolated)
    who = {"personId": "1877055212287098270"}
    job, _ = book.claim("acct", "email", identity_of(who), who, dict(who))
    job = book.update(job.id, tracking_id="t-1", status="completed", credits=0,
                      result={"email": None, "emailStatus": "not_found"})  # fmt: skip
    tracker = reveal.Tracker(None, book, family=STANDARD)  # type: ignore[arg-type]
    found = {"trackingId": "t-1", "status": "completed", "personId": who["personId"],
             "email": "a@example.com", "emailStatus": "verified"}  # fmt: skip
    done = tracker.apply_track(job, tracker.read(job, found), found, b"{}", call="webhook")
    assert (done.status, (done.result or {}).get("email"), done.credits) == (
        "completed", "a@example.com", 2
    )  # fmt: skip
    nothing = {"trackingId": "t-1", "status": "not_found", "personId": who["personId"]}
    after = tracker.apply_track(done, tracker.read(done, nothing), nothing, b"{}", call="webhook")
    assert ((after.result or {}).get("email"), after.credits) == ("a@example.com", 2)


def test_a_delivery_that_shows_no_kind_closes_neither_of_a_persons_two_jobs(
    isolated: Path, tmp_path: Path
) -> None:
    from clodura_cli.store.ledger import identity_of

    book = ledger(isolated)
    who = {"personId": "1877055212287098270"}
    for kind, tracking in (("email", "T1"), ("phone", "T2")):
        job, _ = book.claim("acct", kind, identity_of(who), who, dict(who))
        book.update(job.id, tracking_id=tracking, status="queued")
    delivery = tmp_path / "d.json"
    delivery.write_text(json.dumps({**who, "status": "NOT_FOUND", "message": "Nothing found"}))
    imported = run_cli("track", "--import", str(delivery))
    assert imported.exit_code == 0, imported.stderr
    assert {j.kind: j.status for j in book.jobs()} == {"email": "queued", "phone": "queued"}
    assert "Nothing found" in run_cli("track", "--unmatched", "-f", "jsonl").stdout


def test_track_raw_finds_a_job_asked_by_url_by_the_person_id_its_answer_named(
    emulator: SandboxApp,
) -> None:
    person = PEOPLE[0]
    asked = reveal_email("--linkedin-url", person["linkedinUrl"])
    assert asked.exit_code == 0, asked.stderr
    assert asked.jsonl()[0]["personId"] == person["personId"]  # the answer named it
    raw = run_cli("track", person["personId"], "--raw")
    assert raw.exit_code == 0, raw.stderr
    assert {row["trackingId"] for row in json.loads(raw.stdout)} == {asked.jsonl()[0]["trackingId"]}


def test_sandbox_reset_forgets_the_sandboxs_waiting_reveals_in_the_ledger(
    emulator: SandboxApp, isolated: Path
) -> None:
    """Reset, the sandbox forgets its jobs: the ledger's waiting ones are forgotten too, so the
    next reveal asks again instead of waiting for a job nobody will answer."""
    person = ids(1)[0]
    assert reveal_email("--no-wait", person).exit_code == 0
    reset = run_cli("sandbox", "reset")
    assert reset.exit_code == 0, reset.stderr
    assert "1 sandbox reveal(s) still waiting in the ledger forgotten" in reset.stderr
    from clodura_cli.sandbox.runtime import in_process_app

    again = reveal_email(person)
    assert again.exit_code == 0, again.stderr
    assert again.jsonl()[0]["revealStatus"] == "completed"
    assert len(sent(in_process_app(isolated / "data"), "email")) == 1  # asked again, anew


def _shared_id_pair(isolated: Path) -> tuple[Ledger, Any, Any]:
    """Two jobs on one tracking id: 111's final (not found, 0 credits), 222's still queued."""
    from clodura_cli.store.ledger import identity_of

    book = ledger(isolated)
    jobs = []
    for person in ("111", "222"):
        who = {"personId": person}
        job, _ = book.claim("acct", "email", identity_of(who), who, dict(who))
        jobs.append(job)
    first = book.update(jobs[0].id, tracking_id="T", status="completed", credits=0,
                        result={"email": None, "emailStatus": "not_found"})  # fmt: skip
    second = book.update(jobs[1].id, tracking_id="T", status="queued")
    return book, first, second


@pytest.mark.parametrize(
    "named",
    [{}, {"firstName": "Bea", "lastName": "Bee", "companyDomain": "b.com"}],
    ids=["nobody", "a name only"],
)
def test_an_answer_for_a_shared_id_that_names_no_one_comparable_changes_neither_job(
    isolated: Path, named: dict[str, Any]
) -> None:
    """A review: such an answer reopened the finished not-found job (its cost cleared), and
    one naming a person by name alone (never compared) filled both jobs with that email."""
    from clodura_cli.credits import STANDARD

    book, first, second = _shared_id_pair(isolated)
    tracker = reveal.Tracker(None, book, family=STANDARD)  # type: ignore[arg-type]
    answer = {"trackingId": "T", "status": "completed", "email": "bea@b.com",
              "emailStatus": "verified", **named}  # fmt: skip
    for job in (first, second):
        tracker.apply_track(job, tracker.read(job, answer), answer, b"{}", call="webhook")
    after = {job.person_id: job for job in book.jobs()}
    assert (after["111"].status, after["111"].credits, after["111"].result) == (
        "completed", 0, {"email": None, "emailStatus": "not_found"}
    )  # fmt: skip
    assert (after["222"].status, after["222"].result) == ("unread", None)


def test_a_job_the_track_endpoint_did_not_know_is_asked_again_by_a_later_run(
    isolated: Path,
) -> None:
    """Not asked again in the run that heard the 404; a later run asks once more."""
    from clodura_cli.api.client import RawAnswer
    from clodura_cli.credits import STANDARD
    from clodura_cli.store.ledger import identity_of

    book = ledger(isolated)
    who = {"personId": "111"}
    job, _ = book.claim("acct", "email", identity_of(who), who, dict(who))
    job = book.update(job.id, tracking_id="TC", status="queued",
                      message=f"{reveal.UNKNOWN_TO_TRACK} (404)")  # fmt: skip
    asked: list[str] = []

    class Client:
        def track(self, tracking_id: str) -> RawAnswer:
            asked.append(tracking_id)
            body = {"trackingId": tracking_id, "status": "completed", "personId": "111",
                    "email": "a@x.com", "emailStatus": "verified"}  # fmt: skip
            return RawAnswer(body, json.dumps(body).encode(), {})

    later = reveal.Tracker(Client(), book, family=STANDARD)  # type: ignore[arg-type]
    (done,) = later.wait([job], timeout=10)
    assert asked == ["TC"] and done.status == "completed"


def test_a_name_written_composed_and_decomposed_is_one_person(emulator: SandboxApp) -> None:
    """A file merged from a Mac's export (NFD) and a typed list (NFC): one submission."""
    import unicodedata

    rows = [{"firstName": form("José"), "lastName": form("Núñez"), "companyDomain": "acme.example"}
            for form in (lambda t: unicodedata.normalize("NFC", t),
                         lambda t: unicodedata.normalize("NFD", t))]  # fmt: skip
    assert rows[0] != rows[1]
    result = reveal_email("--input", "-", input="\n".join(map(json.dumps, rows)))
    assert result.exit_code in (0, 6), result.stderr
    assert len(sent(emulator, "email")) == 1
    assert len(result.jsonl()) == 2  # both rows back, one job


def test_track_wait_ends_as_reveal_wait_does_when_a_job_failed(emulator: SandboxApp) -> None:
    """A cron job split into `reveal --no-wait` and a later `track --wait` heard of no failure
    (exit 0): it now exits 6, as `reveal --wait` does for the same jobs."""
    people = person_ids(200)
    failing = next(p for p in people if sandbox_fails(p))
    fine = next(p for p in people if not sandbox_fails(p))
    assert reveal_email("--no-wait", failing, fine).exit_code == 0
    waited = run_cli("track", "--sandbox", "--wait", "-f", "jsonl")
    assert waited.exit_code == 6, waited.stderr
    assert "1 reveal(s) failed at the API" in waited.stderr
    assert {r["revealStatus"] for r in waited.jsonl()} == {"completed", "failed"}


def test_a_sandbox_run_without_its_track_endpoint_leaves_the_next_run_polling(
    monkeypatch: pytest.MonkeyPatch, isolated: Path
) -> None:
    """CLODURA_SANDBOX_TRACK=off is a setting of one run: the next run, with the endpoint on,
    polled nothing for an hour (the sandbox's missing endpoint was remembered)."""
    from clodura_cli.sandbox.runtime import forget_apps

    person = ids(1)[0]
    monkeypatch.setenv("CLODURA_SANDBOX_TRACK", "off")
    forget_apps()
    off = reveal_email(person)
    assert off.exit_code == 8 and "only to your webhook" in off.stderr
    monkeypatch.delenv("CLODURA_SANDBOX_TRACK")
    forget_apps()
    on = reveal_email(ids(1, 1)[0])
    assert on.exit_code == 0, on.stderr
    assert on.jsonl()[0]["revealStatus"] == "completed"


def test_a_person_named_by_id_in_one_row_and_by_url_in_another_is_warned_of(
    emulator: SandboxApp, tmp_path: Path
) -> None:
    """Both rows are revealed (the ledger knows a person by what was sent, and trusting a row's
    pairing could give one person another's email), but the user is told, naming the rows,
    before anything is paid; different people raise nothing."""
    ann, bob, cy = _first_search(emulator, 3)
    path = tmp_path / "mixed.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["personId", "linkedinUrl", "firstName", "lastName", "companyDomain"])
        writer.writerow([ann["personId"], ann["linkedinUrl"], "", "", ""])
        writer.writerow([bob["personId"], "", "Bob", "Ray", "acme.com"])
        writer.writerow([cy["personId"], cy["linkedinUrl"], "", "", ""])
        writer.writerow(["", ann["linkedinUrl"].upper(), "", "", ""])  # Ann again, by her URL
        writer.writerow(["", "", "bob", "RAY", "ACME.com"])  # Bob again, by name
    result = run_cli("reveal", "email", "--sandbox", "--input", str(path), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert (
        "warning: --input: 2 person(s) may be named twice, by LinkedIn URL (or name) in one row "
        "and by person id in another whose row has it (line 5 and line 2; line 6 and line 3): each "
        "row is revealed, and may be paid for" in result.stderr
    )
    assert len(json.loads(result.stdout)["bodies"]) == 5
    alone = run_cli("reveal", "phone", "--sandbox", "--input", str(path), "--dry-run")
    assert "(line 5 and line 2)" in alone.stderr  # a phone is never asked by name
    others = run_cli("reveal", "email", "--sandbox", "--dry-run", ann["personId"],
                     "--linkedin-url", bob["linkedinUrl"])  # fmt: skip
    assert "named twice" not in others.stderr


def test_no_wait_to_a_webhook_in_the_built_in_sandbox_says_nothing_will_be_posted(
    emulator: SandboxApp,
) -> None:
    """The in-process sandbox ends with the run: a `clodura listen` waiting for its deliveries
    waited for ever, and nothing said so."""
    (person,) = _first_search(emulator, 1)
    hook = "http://127.0.0.1:9/hook"
    result = run_cli("reveal", "email", "--sandbox", "--no-wait", "--webhook-url", hook,
                     person["personId"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert (
        f"the built-in sandbox stops with this run: it posts none of the 1 pending answer(s) to "
        f"{hook}; `clodura track --wait --sandbox` asks for them" in result.stderr
    )
    other = _first_search(emulator, 2)[1]
    placeholder = run_cli("reveal", "email", "--sandbox", "--no-wait", other["personId"])
    assert placeholder.exit_code == 0 and "stops with this run" not in placeholder.stderr


def test_a_row_whose_id_names_another_person_is_never_given_that_persons_email(
    emulator: SandboxApp, tmp_path: Path
) -> None:
    """The id column sorted apart from the rest (a spreadsheet's one-column sort): each row's
    id is its neighbour's. The answers name the id's own LinkedIn URL, which is not the row's:
    the row is marked, and gets neither that email nor that person's other fields."""
    people = _first_search(emulator, 3)
    ids = [p["personId"] for p in people]
    path = tmp_path / "shifted.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["personId", "firstName", "linkedinUrl"])
        for person, shifted in zip(people, [*ids[1:], ids[0]], strict=True):
            writer.writerow([shifted, person["firstName"], person["linkedinUrl"]])
        first = people[0]  # a row whose id and URL agree (the URL spelled otherwise)
        writer.writerow([first["personId"], first["firstName"], first["linkedinUrl"].upper()])
    result = run_cli("reveal", "email", "--sandbox", "--input", str(path), "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    rows = result.jsonl()
    assert [row["revealStatus"] for row in rows] == ["mismatch"] * 3 + ["completed"]
    for row, person, owner in zip(rows, people, [*people[1:], people[0]], strict=False):
        assert "email" not in row and "lastName" not in row and "companyDomain" not in row
        assert row["revealMessage"].startswith(
            f"the answer for person id {owner['personId']} names {owner['linkedinUrl']}, not this "
            f"row's {person['linkedinUrl']}: the row's id and URL are two people's; left out"
        )
    assert rows[3]["lastName"] == first["lastName"] and "email" in rows[3]
    assert (
        "warning: 3 row(s) hold a person id and a LinkedIn URL of two different people"
        in result.stderr
    )


def test_a_website_in_the_domain_column_is_read_as_its_domain(tmp_path: Path) -> None:
    """A CRM's Website column (https://www.acme.com/) skipped every row ("not a bare
    domain"); it is the domain, said once. An address is still refused."""
    path = tmp_path / "names.csv"
    path.write_text("firstName,lastName,Website\nSara,Lee,https://www.Acme.com/about\n"
                    "Ann,Ray,www.beta.io\nBo,Ko,bo@gamma.io\n"
                    "John,Smith,https://www.linkedin.com/company/acme-corp/\n"
                    "Jo,Sm,https://sites.google.com/view/gamma\n")  # fmt: skip
    result = run_cli("reveal", "email", "--sandbox", "--input", str(path), "--dry-run")
    assert result.exit_code == 0, result.stderr
    domains = [b["companyDomain"] for b in json.loads(result.stdout)["bodies"]]
    assert domains == ["acme.com", "beta.io"]
    assert (
        "warning: --input: a website read as its domain, as the API wants it: line 2: "
        "'https://www.Acme.com/about' read as the domain 'acme.com'; line 3: 'www.beta.io' read "
        "as the domain 'beta.io'\n" in result.stderr
    )
    assert "line 4: companyDomain: 'bo@gamma.io' is not a bare domain" in result.stderr
    # A page on a platform is not the company's site: a reveal at linkedin.com finds another.
    assert (
        "line 5: companyDomain: 'https://www.linkedin.com/company/acme-corp/' is a page on "
        "linkedin.com, not the company's own site; give the company's domain; skipped"
    ) in result.stderr
    assert (
        "line 6: companyDomain: 'https://sites.google.com/view/gamma' is a page on google.com"
        in (result.stderr)
    )


ANN = "https://www.linkedin.com/in/ann-lee/"
BOB = "https://www.linkedin.com/in/bob-ray/"


@pytest.mark.parametrize(
    ("row", "answer", "mismatch"),
    [
        ({"linkedinUrl": ANN}, {"linkedinUrl": "ann-lee"}, False),  # a slug: not compared
        ({"linkedinUrl": ANN}, {"linkedinUrl": "https://www.linkedin.com/company/acme/"}, False),
        ({"linkedinUrl": "https://www.linkedin.com/company/acme/"}, {"linkedinUrl": ANN}, False),
        ({"linkedinUrl": "http://linkedin.com/in/Ann-Lee?trk=x"}, {"linkedinUrl": ANN}, False),
        ({"linkedinUrl": ANN + "\u200b"}, {"linkedinUrl": ANN}, False),  # pasted with junk
        ({"linkedinUrl": f"({ANN})."}, {"linkedinUrl": ANN}, False),
        (
            {"linkedinUrl": ANN},
            {"linkedinUrl": "https://www.linkedin.com/in/ACoAAB1x2y3Z4aBcDeFgHiJkL"},
            False,
        ),
        (
            {"linkedinUrl": "https://www.linkedin.com/in/acoaching-bob/"},
            {"linkedinUrl": ANN},
            True,
        ),  # a name that starts so is no URN
        (
            {"linkedinUrl": BOB},
            {"linkedinUrl": ANN, "colleagues": [{"linkedinUrl": BOB}]},
            True,
        ),  # the person's own profile is the one at its top, not a colleague's
        (
            {"linkedinUrl": BOB},
            {"email": "bob@acme.com", "reportsTo": {"linkedinUrl": ANN}},
            False,
        ),  # a manager's profile says nothing of the person
        ({"linkedinUrl": BOB}, {"providers": [{"profile": ANN}]}, False),
        # The answer's own profile under a key in another case or spelling, or deeper.
        ({"linkedinUrl": BOB}, {"linkedinURL": ANN}, True),
        ({"linkedinUrl": BOB}, {"linkedinProfile": ANN}, True),
        ({"linkedinUrl": BOB}, {"result": {"LinkedInUrl": ANN}}, True),
        ({"linkedinUrl": BOB}, {"personDetails": {"linkedinUrl": ANN}}, True),
        ({"linkedinUrl": BOB}, {"companyLinkedinUrl": "https://www.linkedin.com/in/x-y/"}, False),
        # Someone else's LinkedIn key is not the person's own.
        ({"linkedinUrl": BOB}, {"email": "bob@acme.com", "managerLinkedinUrl": ANN}, False),
        ({"linkedinUrl": BOB}, {"ownerLinkedinUrl": ANN, "colleaguesLinkedinUrls": [ANN]}, False),
        # A vanity URL changed since: the answer's name is the row's.
        (
            {
                "linkedinUrl": "https://www.linkedin.com/in/ann-lee-old/",
                "firstName": "Ann",
                "lastName": "LEE",
            },
            {"linkedinUrl": ANN, "firstName": "ann", "lastName": "Lee"},
            False,
        ),
        ({"linkedinUrl": BOB}, {"linkedinUrl": ANN}, True),
        (
            {"linkedinUrl": BOB, "firstName": "Bob", "lastName": "Ray"},
            {"linkedinUrl": ANN, "firstName": "Ann", "lastName": "Lee"},
            True,
        ),
        ({"linkedin_url": BOB}, {"linkedinUrl": ANN}, True),  # the row's column spelled otherwise
        ({"linkedinUrl": BOB}, {"person": {"linkedinUrl": ANN}}, True),  # named deeper
        ({"linkedinUrl": BOB}, {"linkedinUrl": [ANN]}, True),
        ({"linkedinUrl": BOB}, {"linkedinProfileUrl": ANN}, True),
        ({"linkedinUrl": BOB}, {"data": {"profile": {"linkedin": ANN}}}, True),
        ({"linkedinUrl": BOB}, {"people": [{"linkedinUrl": ANN}, {"linkedinUrl": BOB}]}, False),
        # The person's own key in other spellings (each had become no mismatch).
        ({"linkedinUrl": BOB}, {"personLinkedinUrl": ANN}, True),
        ({"linkedinUrl": BOB}, {"contactLinkedinUrl": ANN}, True),
        ({"linkedinUrl": BOB}, {"linkedinProfiles": [ANN]}, True),
        ({"linkedinUrl": BOB}, {"linkedinProfileLink": ANN}, True),
        ({"linkedinUrl": BOB}, {"socialLinkedinUrl": ANN}, True),
        ({"linkedinUrl": BOB}, {"person": {"personLinkedInUrl": ANN}}, True),
        ({"linkedinUrl": BOB}, {"colleagueLinkedinUrl": ANN}, False),
        ({"linkedinUrl": BOB}, {"employerLinkedinUrl": ANN}, False),
        # A column spelled twice, the first empty: the second is the row's (it was not read).
        ({"linkedin_url": None, "linkedinUrl": BOB}, {"linkedinUrl": ANN}, True),
        (
            {
                "linkedinUrl": "https://www.linkedin.com/in/ann-lee-old/",
                "firstName": "",
                "First Name": "Ann",
                "lastName": "Lee",
            },
            {"linkedinUrl": ANN, "firstName": "Ann", "lastName": "Lee"},
            False,
        ),
        # A member URN holds - and _ (base64url): never compared with a vanity name.
        (
            {"linkedinUrl": "https://www.linkedin.com/in/ACoAAAKm3zEB0R_aH5gv4Ipa38nBM2FhyetP7-g"},
            {"linkedinUrl": ANN},
            False,
        ),
    ],
)
def test_a_mismatch_needs_the_answers_profiles_to_leave_out_the_rows(
    row: dict[str, Any], answer: dict[str, Any], mismatch: bool
) -> None:
    """A mismatch hides a paid email: never for a slug, a company page, a member URN, another
    spelling, or a renamed profile of the same name; always when the answer names profiles,
    wherever it puts them, and none is the row's."""
    from clodura_cli.inputs import Target
    from clodura_cli.store.ledger import Identity

    target = Target({"personId": "1"}, {"personId": "1", **row}, Identity("1"))
    assert (reveal.another_persons(target, answer) is not None) is mismatch


def test_a_mismatched_row_shows_neither_the_email_nor_the_interim_one() -> None:
    """The interim address seen while the job was pending is the other person's too."""
    from clodura_cli.inputs import Target
    from clodura_cli.store.ledger import Identity, Job

    result = {"email": "ann@acme.com", "emailStatus": "verified", "linkedinUrl": ANN}
    job = Job(1, "a", "email", "1", None, None, {}, {}, "t", "completed", result, 2, None, 0, 0,
              interim={"email": "ann@acme.com"})  # fmt: skip
    target = Target({"personId": "1"}, {"personId": "1", "linkedinUrl": BOB}, Identity("1"))
    row = reveal.output_row(reveal.Entry(target, job, "submitted"))
    assert row["revealStatus"] == "mismatch"
    assert "ann@acme.com" not in json.dumps(row)


def test_one_person_id_with_two_profiles_in_an_input_is_warned_of(tmp_path: Path) -> None:
    """Both rows got the id's email, said only as "1 duplicate input revealed once"."""
    path = tmp_path / "ids.csv"
    path.write_text(f"personId,linkedinUrl\n111,{ANN}\n111,{BOB}\n111,{ANN.upper()}\n")
    result = run_cli("reveal", "email", "--sandbox", "--input", str(path), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert (
        "warning: --input line 3: person id 111 with another LinkedIn profile than on line 2: at "
        "most one of the rows is that person, and both get the id's answer; check the id column"
        in result.stderr
    )
    assert "line 4: person id" not in result.stderr  # the same profile, spelled otherwise


def test_named_twice_sees_duplicate_id_rows_and_the_arguments_too(tmp_path: Path) -> None:
    """A duplicate id row naming a URL another row is sent by, and --linkedin-url beside a
    file row by id with that URL, were revealed twice without the warning."""
    path = tmp_path / "rows.csv"
    path.write_text(f"personId,linkedinUrl\n111,{ANN}\n,{BOB}\n111,{BOB}\n")
    rows = run_cli("reveal", "email", "--sandbox", "--input", str(path), "--dry-run")
    assert "may be named twice" in rows.stderr and "(line 3 and line 4)" in rows.stderr
    one = tmp_path / "one.csv"
    one.write_text(f"personId,linkedinUrl\n222,{BOB}\n")
    both = run_cli("reveal", "email", "--sandbox", "--input", str(one), "--linkedin-url", BOB,
                   "--dry-run")  # fmt: skip
    assert f"(--linkedin-url '{BOB}' and line 2)" in both.stderr


def test_a_domain_flag_on_a_platform_never_suggests_the_platform() -> None:
    result = run_cli("reveal", "email", "--sandbox", "--first-name", "John", "--last-name",
                     "Smith", "--domain", "https://www.linkedin.com/company/acme/", "--dry-run")  # fmt: skip
    assert result.exit_code == 2
    assert "give the company's own domain" in result.stderr and "'linkedin.com'" not in (
        result.stderr
    )


def test_a_member_urn_is_sent_as_written_and_its_lower_cased_job_still_answers(
    isolated: Path, emulator: SandboxApp
) -> None:
    """A URN is case-sensitive to the API (base64url): it was sent lower-cased. It is compared
    in lower case still (a CRM that lower-cased it names the same member, once), so a job an
    earlier version kept under the lower-cased URL answers for it: nobody is paid for twice
    across the upgrade, nor a suppression list's lower-cased URN passed by."""
    import sqlite3

    urn = "https://www.linkedin.com/in/ACoAAAKm3zEB0R_aH5gv4Ipa38nBM2FhyetP7-g/"
    dry = run_cli("reveal", "email", "--sandbox", "--linkedin-url", urn, "--linkedin-url",
                  "linkedin.com/in/" + urn.split("/in/")[1].lower(), "--dry-run")  # fmt: skip
    assert dry.exit_code == 0, dry.stderr
    assert [b["linkedinUrl"] for b in json.loads(dry.stdout)["bodies"]] == [urn]
    assert "1 duplicate input(s) revealed once" in dry.stderr
    first = run_cli("reveal", "email", "--sandbox", "--linkedin-url", urn, "-f", "jsonl")
    assert first.exit_code == 0, first.stderr
    assert [b["linkedinUrl"] for b in sent(emulator, "email")] == [urn]
    path = isolated / "data" / "ledger.db"
    with sqlite3.connect(path) as db:  # as an earlier version wrote it
        db.execute("UPDATE jobs SET linkedin_url = lower(linkedin_url), identifiers = "
                   "lower(identifiers)")  # fmt: skip
    db.close()
    emulator.log.clear()
    again = run_cli("reveal", "email", "--sandbox", "--linkedin-url", urn, "-f", "jsonl")
    assert again.exit_code == 0, again.stderr
    assert sent(emulator, "email") == []
    assert again.jsonl()[0]["revealStatus"] == first.jsonl()[0]["revealStatus"]
    raw = run_cli("track", "--raw", urn)
    assert raw.exit_code == 0 and json.loads(raw.stdout), raw.stderr
    listed = path.parent / "dnc.txt"
    listed.write_text(urn.lower() + "\n")
    emulator.log.clear()
    kept = run_cli("reveal", "email", "--sandbox", "--linkedin-url", urn, "--refresh",
                   "--suppress", str(listed))  # fmt: skip
    assert "1 of 1 people skipped" in kept.stderr and sent(emulator, "email") == []


def test_reveal_appends_to_the_file_an_earlier_reveal_wrote(
    tmp_path: Path, emulator: SandboxApp
) -> None:
    """A daily search -> reveal -> one file chain had no way to add the day's reveals
    (`No such option: --append`), although the README's --append section names reveal."""
    people = person_ids(4)
    out = tmp_path / "revealed.csv"
    first = run_cli("reveal", "email", "--sandbox", *people[:2], "-o", str(out))
    assert first.exit_code == 0, first.stderr
    before = out.read_bytes()
    more = run_cli("reveal", "email", "--sandbox", *people[2:], "-o", str(out), "--append")
    assert more.exit_code == 0, more.stderr
    assert out.read_bytes().startswith(before)
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["personId"] for r in rows] == people
    assert all(r["revealStatus"] and r["trackingId"] for r in rows), rows
    # A file without the columns a reveal fills is refused before anything is sent.
    emulator.log.clear()
    plain = tmp_path / "plain.csv"
    plain.write_text("personId,firstName\n1,Ann\n")
    refused = run_cli("reveal", "phone", "--sandbox", people[0], "-o", str(plain), "--append")
    assert refused.exit_code == 2 and emulator.log == []
    assert "it lacks phones, revealStatus, trackingId" in refused.stderr
    # A file of track's rows has every column a reveal writes, and is another command's.
    jobs = tmp_path / "jobs.csv"
    assert run_cli("track", "--sandbox", "-f", "csv", "-o", str(jobs)).exit_code == 0
    mixed = run_cli("reveal", "email", "--sandbox", people[0], "-o", str(jobs), "--append")
    assert mixed.exit_code == 2 and "holds another command's rows" in mixed.stderr
