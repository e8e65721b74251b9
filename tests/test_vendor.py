"""verify, enrich person, enrich org, news: each request claimed in the ledger before it leaves,
answers read by evidence, never paid for twice (against a scripted loopback server)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fake import Answer, FakeServer, Received, fake_server
from helpers import run_cli

from clodura_cli.store.ledger import Ledger

KEY = "live-key-for-tests-0123456789"


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[Received], Answer]], Any]:
    """Point the CLI at a fake API answering with ``script``."""
    stack: list[Any] = []

    def start(script: Callable[[Received], Answer]) -> FakeServer:
        manager = fake_server(script)
        fake = manager.__enter__()
        stack.append(manager)
        monkeypatch.setenv("CLODURA_BASE_URL", fake.url)
        monkeypatch.setenv("CLODURA_API_KEY", KEY)
        monkeypatch.setenv("CLODURA_MAX_RETRIES", "1")
        return fake

    yield start  # type: ignore[misc]
    for manager in reversed(stack):
        manager.__exit__(None, None, None)


def body(request: Received) -> dict[str, Any]:
    return json.loads(request.body)


def as_json(value: Any, status: int = 200) -> Answer:
    return Answer(status, json.dumps(value).encode(), {"Content-Type": "application/json"})


def verdicts(request: Received) -> Answer:
    email = body(request)["email"]
    verdict = "Undeliverable" if email.startswith("no") else "Deliverable"
    return as_json({"email": email, "deepVerification": False, "documentId": f"doc-{email}",
                    "state": "Completed", "verdict": verdict, "verifiedAt": "2026-12-01T10:00:00Z",
                    "creditsUsed": 0.04})  # fmt: skip


# verify ---------------------------------------------------------------------------------------


def test_punctuation_after_an_address_is_not_part_of_it(api: Any) -> None:
    """A pasted list's `ann@acme.com,` was sent as a new address and paid for again; `a,b` in
    one cell is refused (two addresses, or none)."""
    fake = api(verdicts)
    first = run_cli("verify", "ann@acme.com", "-f", "jsonl")
    assert first.exit_code == 0, first.stderr
    again = run_cli("verify", "ann@acme.com,", "ann@acme.com;", "ann@acme.com.", "bob@acme.com:",
                    "cy@acme.com,dee@acme.com", "-f", "jsonl")  # fmt: skip
    assert again.exit_code == 0, again.stderr
    assert [body(r)["email"] for r in fake.received] == ["ann@acme.com", "bob@acme.com"]
    assert "'cy@acme.com,dee@acme.com' is not an email address; skipped" in again.stderr
    assert [r.get("email") for r in again.jsonl()][:4] == ["ann@acme.com"] * 3 + ["bob@acme.com"]


def test_verify_sends_once_and_answers_again_from_the_ledger(api: Any) -> None:
    fake = api(verdicts)
    first = run_cli("verify", "ann@acme.com", "no-one@acme.com", "-f", "jsonl",
                    "--concurrency", "1")  # fmt: skip
    assert first.exit_code == 0, first.stderr
    assert [(r.method, r.path) for r in fake.received] == [("POST", "/api/v1/verify/email")] * 2
    assert [body(r) for r in fake.received] == [
        {"email": "ann@acme.com", "deepVerification": False},
        {"email": "no-one@acme.com", "deepVerification": False},
    ]
    rows = first.jsonl()
    assert [(r["email"], r["verdict"], r["status"], r["credits"]) for r in rows] == [
        ("ann@acme.com", "Deliverable", "completed", 0.04),
        ("no-one@acme.com", "Undeliverable", "completed", 0.04),
    ]
    assert "credits spent by this run: 0.08" in first.stderr
    again = run_cli("verify", "ANN@acme.com", "-f", "jsonl")
    assert again.exit_code == 0, again.stderr
    assert len(fake.received) == 2
    assert again.jsonl()[0]["verdict"] == "Deliverable"
    assert "1 answered from the ledger: no credits spent on them" in again.stderr


def test_verify_input_rows_come_back_with_the_verdict_columns(api: Any, tmp_path: Path) -> None:
    api(verdicts)
    path = tmp_path / "contacts.csv"
    path.write_text("Name,E-mail Address\nAnn,ann@acme.com\nBob,not-an-address\n")
    result = run_cli("verify", "--input", str(path), "-f", "csv", "--fields",
                     "Name,email,verdict")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["Name,email,verdict", "Ann,ann@acme.com,Deliverable",
                                          "Bob,,"]  # fmt: skip
    assert "--input line 3: email: 'not-an-address' is not an email address; skipped" in (
        result.stderr
    )  # which row


def test_verify_rows_keep_the_input_header_order_whichever_cells_are_blank(
    api: Any, tmp_path: Path
) -> None:
    """The first row's blank cells do not move its columns behind the verdict's."""
    api(verdicts)
    path = tmp_path / "contacts.csv"
    path.write_text("Name,Company,email,Owner\n,,ann@acme.com,\nBob,Acme,bob@acme.com,me\n")
    result = run_cli("verify", "--input", str(path), "-f", "csv", "--concurrency", "1")
    assert result.exit_code == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.startswith("Name,Company,email,Owner,")
    assert rows[1].startswith("Bob,Acme,bob@acme.com,me,")


def test_fields_may_name_the_inputs_own_columns_without_a_warning(api: Any, tmp_path: Path) -> None:
    """--fields Owner,verdict: Owner is the input's column, filled from each row; it was
    called "not a known field", "kept as an empty column"."""
    api(verdicts)
    path = tmp_path / "contacts.csv"
    path.write_text("email,Owner\nann@acme.com,rep1\n")
    result = run_cli("verify", "--input", str(path), "-f", "csv", "--fields", "Owner,verdict")
    assert result.exit_code == 0, result.stderr
    assert "not a known field" not in result.stderr
    assert "layout's columns" not in result.stderr  # no CRM's export
    assert result.stdout.splitlines()[:2] == ["Owner,verdict", "rep1,Deliverable"]


def test_verify_appends_under_a_header_without_the_inputs_own_columns(
    api: Any, tmp_path: Path
) -> None:
    """--append to a file an earlier run wrote: the input's extra columns are left out, and
    the run is written, never refused after paying."""
    fake = api(verdicts)
    out = tmp_path / "verdicts.csv"
    first = run_cli("verify", "ann@acme.com", "-o", str(out))
    assert first.exit_code == 0, first.stderr
    header = out.read_text().splitlines()[0]
    path = tmp_path / "contacts.csv"
    path.write_text("email,Note\nbob@acme.com,call back\n")
    more = run_cli("verify", "--input", str(path), "-o", str(out), "--append")
    assert more.exit_code == 0, more.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == header and "Note" not in header and len(lines) == 3
    assert lines[2].startswith("bob@acme.com,") and "call back" not in lines[2]
    assert [body(r)["email"] for r in fake.received] == ["ann@acme.com", "bob@acme.com"]
    assert (  # said, not silent
        f"warning: --append: {out} has no column for the input's Note: those cells are not "
        "written (write to a new file to keep them)\n" in more.stderr
    )


def test_append_to_a_header_in_capitals_says_how_to_mend_it(api: Any, tmp_path: Path) -> None:
    """A sheet that saved EMAIL,VERDICT... is refused before anything is sent, saying which
    columns to rename; its columns are not guessed at (an input's own Status would then stand
    in for the result's status, as a review found)."""
    fake = api(verdicts)
    out = tmp_path / "verdicts.csv"
    assert run_cli("verify", "ann@acme.com", "-o", str(out)).exit_code == 0
    head, row = out.read_text().splitlines()
    out.write_text(f"{head.upper()}\n{row}\n")
    before = out.read_bytes()
    more = run_cli("verify", "bob@acme.com", "-o", str(out), "--append")
    assert more.exit_code == 2 and out.read_bytes() == before and len(fake.received) == 1
    assert (
        f"error: --append: {out} has other columns; it lacks email, verdict, status, credits; "
        "rename its EMAIL for email, VERDICT for verdict, STATUS for status, CREDITS for credits "
        "in the header\n"
    ) in more.stderr


def test_a_suppressed_address_counts_once_however_many_rows_ask_for_it(
    api: Any, tmp_path: Path
) -> None:
    fake = api(verdicts)
    listed = tmp_path / "dnc.txt"
    listed.write_text("ann@acme.com\n")
    result = run_cli("verify", "ann@acme.com", "ANN@acme.com", "bob@acme.com", "-f", "jsonl",
                     "--suppress", str(listed))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "--suppress: 1 of 2 verifications skipped" in result.stderr
    assert [r["status"] for r in result.jsonl()] == ["suppressed", "suppressed", "completed"]
    assert [body(r)["email"] for r in fake.received] == ["bob@acme.com"]


def test_fields_all_names_every_rows_columns_and_the_whole_input_header(
    api: Any, tmp_path: Path
) -> None:
    """A first row that is skipped (no address) does not decide the columns of --fields all,
    and a column blank in every row, or with no name, stays where the input had it."""
    api(verdicts)
    path = tmp_path / "contacts.csv"
    path.write_text("Name,email,Phone,,Company,Notes\nZ,,,e0,R,\nA,ann@acme.com,,e1,P,\n")
    for fields in ([], ["--fields", "all"]):
        result = run_cli("verify", "--input", str(path), "-f", "csv", *fields)
        assert result.exit_code == 0, result.stderr
        header, first, second = list(csv.reader(io.StringIO(result.stdout)))
        assert header[:6] == ["Name", "email", "Phone", "", "Company", "Notes"]
        assert {"verdict", "status", "credits"} <= set(header)
        answered = dict(zip(header, second, strict=True))
        assert (answered["verdict"], answered[""], first[0]) == ("Deliverable", "e1", "Z")


def test_append_with_fields_all_takes_the_files_header(api: Any, tmp_path: Path) -> None:
    api(verdicts)
    out = tmp_path / "verdicts.csv"
    assert run_cli("verify", "ann@acme.com", "-o", str(out)).exit_code == 0
    header = out.read_text().splitlines()[0]
    more = run_cli("verify", "bob@acme.com", "-o", str(out), "--append", "--fields", "all")
    assert more.exit_code == 0, more.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == header and lines[2].startswith("bob@acme.com,Deliverable,")


def test_a_suppressed_row_fed_back_in_shows_no_credits_spent(api: Any, tmp_path: Path) -> None:
    fake = api(verdicts)
    earlier = tmp_path / "earlier.csv"
    assert run_cli("verify", "ann@acme.com", "bob@acme.com", "-o", str(earlier)).exit_code == 0
    listed = tmp_path / "dnc.txt"
    listed.write_text("ann@acme.com\n")
    again = run_cli("verify", "--input", str(earlier), "--suppress", str(listed), "-f", "jsonl",
                    "--refresh")  # fmt: skip
    assert again.exit_code == 0, again.stderr
    rows = again.jsonl()
    assert [(r["email"], r["status"], r["credits"]) for r in rows] == [
        ("ann@acme.com", "suppressed", None), ("bob@acme.com", "completed", 0.04)
    ]  # fmt: skip
    assert rows[0]["verdict"] == "Deliverable"  # the file's own earlier verdict, kept
    assert len(fake.received) == 3


def test_a_table_without_the_commands_column_is_refused_naming_it(api: Any) -> None:
    fake = api(verdicts)
    result = run_cli(
        "verify", "--input", "-", input="personId,firstName\n2158462248003261247,Ann\n"
    )
    assert result.exit_code == 2
    assert "--input: the table has no email column (its columns: personId, firstName)" in (
        result.stderr
    )
    assert fake.received == []


def test_a_verdict_for_another_address_is_unread_kept_and_not_paid_again(api: Any) -> None:
    fake = api(lambda r: as_json({"email": "someone@else.com", "verdict": "Deliverable"}))
    result = run_cli("verify", "ann@acme.com", "-f", "jsonl")
    assert result.exit_code == 7
    assert result.jsonl()[0]["status"] == "unread"
    assert result.jsonl()[0]["verdict"] is None
    assert "it verifies someone@else.com, not ann@acme.com" in result.stderr
    again = run_cli("verify", "ann@acme.com", "-f", "jsonl")
    assert len(fake.received) == 1 and again.exit_code == 7  # still not understood, not resent
    (item,) = Ledger(_ledger()).items().listed("verify")
    assert item.answer == b'{"email": "someone@else.com", "verdict": "Deliverable"}'


def test_a_queued_verification_is_pending_with_a_hint(api: Any) -> None:
    api(lambda r: as_json({"email": body(r)["email"], "documentId": "D1", "state": "In-progress",
                           "verdict": "Pending", "verifiedAt": None}, 202))  # fmt: skip
    result = run_cli("verify", "ann@acme.com", "--deep", "--webhook-url",
                     "https://hooks.example.org/x", "-f", "jsonl")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    (row,) = result.jsonl()
    assert (row["verdict"], row["status"], row["documentId"], row["credits"]) == (
        "Pending",
        "pending",
        "D1",
        0.1,
    )
    assert "queued by the API: the answer is posted to the webhook" in result.stderr


def test_a_verification_queued_with_no_webhook_says_nothing_can_receive_it(api: Any) -> None:
    """It said the answer is posted to the webhook, when none was given (an attacker's trial):
    the user waited for a verdict nothing could bring."""
    api(lambda r: as_json({"status": "success", "data": {"email": body(r)["email"],
                                                         "state": "In-progress"}}))  # fmt: skip
    result = run_cli("verify", "ann@acme.com", "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert result.jsonl()[0]["status"] == "pending"
    assert "posted to the webhook" not in result.stderr
    assert (
        "warning: 1 verification(s) queued by the API with no webhook to post the answer "
        "to: nothing can receive it; ask again with --webhook-url URL and --refresh"
    ) in (result.stderr)


def test_deep_verification_needs_a_webhook(api: Any) -> None:
    fake = api(verdicts)
    result = run_cli("verify", "--deep", "ann@acme.com")
    assert result.exit_code == 2
    assert "--deep: a deep verification may be queued" in result.stderr
    assert fake.received == []


def test_deep_verification_needs_a_webhook_in_the_sandbox_too(emulator: Any) -> None:
    """A verdict the sandbox queues is only ever posted: without a receiver it was paid for
    (0.1) and could never arrive."""
    result = run_cli("verify", "--sandbox", "--deep", "who@meridiantechnologies.example")
    assert result.exit_code == 2
    assert "--deep: a deep verification may be queued" in result.stderr
    assert emulator.log == []


def test_the_credit_guard_counts_decimal_prices(api: Any) -> None:
    fake = api(verdicts)
    refused = run_cli("verify", "a@x.com", "b@x.com", "--max-credits", "0.05")
    assert refused.exit_code == 4
    assert (
        "--max-credits 0.05: 2 verification(s) may cost up to 0.08 credits; they were not "
        "sent" in refused.stderr
    )
    assert fake.received == []
    allowed = run_cli("verify", "a@x.com", "b@x.com", "--max-credits", "0.08", "-f", "jsonl")
    assert allowed.exit_code == 0 and len(fake.received) == 2


def test_an_answer_lost_to_a_server_error_is_never_sent_again_without_refresh(api: Any) -> None:
    answers = iter([Answer(500, b"oops"), *[None] * 5])

    def script(request: Received) -> Answer:
        return next(answers) or verdicts(request)

    fake = api(script)
    lost = run_cli("verify", "ann@acme.com", "-f", "jsonl")
    assert lost.exit_code == 7 and lost.jsonl()[0]["status"] == "unknown"
    held = run_cli("verify", "ann@acme.com", "-f", "jsonl")
    assert held.exit_code == 7 and len(fake.received) == 1
    refreshed = run_cli("verify", "ann@acme.com", "--refresh", "-f", "jsonl")
    assert refreshed.exit_code == 0 and len(fake.received) == 2
    assert refreshed.jsonl()[0]["verdict"] == "Deliverable"


# enrich person --------------------------------------------------------------------------------


def test_enrich_person_sends_the_british_spelling_and_shows_the_confidence(
    api: Any, tmp_path: Path
) -> None:
    person = {"personId": "42", "firstName": "Ann", "lastName": "Lee",
              "linkedinUrl": "https://www.linkedin.com/in/ann-lee/", "personTitle": "CTO",
              "organisation": {"organisationId": "7", "organisationName": "Acme"}}  # fmt: skip

    def script(request: Received) -> Answer:
        sent = body(request)
        if sent.get("organisationName") == "Nobody Inc":
            return as_json({"data": None, "message": "No match found"})
        return as_json({"data": person, "creditsUsed": 2})

    fake = api(script)
    path = tmp_path / "search.jsonl"
    path.write_text(
        json.dumps({"firstName": "Ann", "lastName": "Lee", "organizationName": "Acme"}) + "\n"
        + json.dumps({"firstName": "Zed", "lastName": "Q", "organizationName": "Nobody Inc"})
        + "\n" + json.dumps({"firstName": "Solo", "lastName": "Name"}) + "\n"
    )  # fmt: skip
    result = run_cli("enrich", "person", "--input", str(path), "-f", "jsonl",
                     "--concurrency", "1")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert [body(r) for r in fake.received] == [
        {"firstName": "Ann", "lastName": "Lee", "organisationName": "Acme"},
        {"firstName": "Zed", "lastName": "Q", "organisationName": "Nobody Inc"},
    ]
    assert "line 3: cannot match: first and last name need orgLinkedinUrl" in result.stderr
    ann, zed, solo = result.jsonl()
    assert (solo["firstName"], solo["status"]) == ("Solo", "skipped")
    assert (ann["matchConfidence"], ann["personId"], ann["personTitle"], ann["organisationId"],
            ann["status"], ann["credits"]) == ("low", "42", "CTO", "7", "completed", 2)  # fmt: skip
    assert (zed["status"], zed["credits"], zed["personId"]) == ("no_match", 0, None)


def test_enrich_person_refuses_a_person_it_cannot_match(api: Any) -> None:
    fake = api(verdicts)
    result = run_cli("enrich", "person", "--first-name", "Ann", "--last-name", "Lee")
    assert result.exit_code == 2
    assert "error: enrich person: cannot match" in result.stderr
    assert fake.received == []


def test_enrich_person_never_sends_an_address_or_url_that_cannot_match(
    api: Any, tmp_path: Path
) -> None:
    """`--email notanemail` and a Sales Navigator link were sent (and may be charged); verify
    and search refuse them. A row keeps its other identifiers; one with none left is skipped."""
    fake = api(verdicts)
    flags = run_cli("enrich", "person", "--email", "notanemail")
    assert flags.exit_code == 2 and fake.received == []
    assert flags.stderr == (
        "error: enrich person: has no identifier (--linkedin-url, --email, or first and last "
        "name with --org-linkedin-url or --org-name); --email 'notanemail' is not an address\n"
    )
    path = tmp_path / "people.csv"
    path.write_text(
        "linkedinUrl,email\n"
        '"https://www.linkedin.com/sales/lead/ACwAAA,NAME",\n'
        "https://www.linkedin.com/in/ann-lee/,not-an-address\n"
        "https://www.linkedin.com/sales/people/ACwBBB,bo@acme.com;\n"
    )
    result = run_cli("enrich", "person", "--input", str(path), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["bodies"] == [
        {"linkedinUrl": "https://www.linkedin.com/in/ann-lee/"}, {"email": "bo@acme.com"},
    ]  # fmt: skip
    assert "--input line 2: has no identifier" in result.stderr
    assert "is a Sales Navigator URL, which the API does not support" in result.stderr
    assert "--input line 3: email 'not-an-address' is not an address; sent without it" in (
        result.stderr
    )  # a row sent all the same says what it was sent without
    legacy = tmp_path / "legacy.csv"
    legacy.write_text("linkedinUrl\nhttps://www.linkedin.com/pub/ann-lee/1/23/456\n")
    kept = run_cli("enrich", "person", "--input", str(legacy), "--dry-run")
    assert json.loads(kept.stdout)["bodies"] == [
        {"linkedinUrl": "https://www.linkedin.com/pub/ann-lee/1/23/456/"}
    ]  # an old /pub/ profile is the API's to match, not dropped
    junk = tmp_path / "junk.csv"
    junk.write_text("firstName,lastName,organisationName,linkedinUrl\nA,B,,n/a\n"
                    "C,D,Acme,https://www.linkedin.com/company/acme/\nE,F,,ann-lee\n"
                    "G,H,,https://www.linkedin.com/in/gh-1/details/experience/\n")  # fmt: skip
    sent = run_cli("enrich", "person", "--input", str(junk), "--dry-run")
    assert json.loads(sent.stdout)["bodies"] == [
        {"firstName": "C", "lastName": "D", "organisationName": "Acme"},
        {"linkedinUrl": "https://www.linkedin.com/in/gh-1/", "firstName": "G", "lastName": "H"},
    ]  # "n/a", a company page, a slug: never sent as the person's profile
    assert sent.stderr.count("skipped") == 2 and sent.stderr.count("sent without it") == 1


def test_enrich_person_flags_that_cannot_match_are_named_as_flags(api: Any) -> None:
    fake = api(verdicts)
    result = run_cli("enrich", "person", "--first-name", "Ann", "--last-name", "Lee")
    assert result.exit_code == 2
    assert "first and last name need --org-linkedin-url or --org-name (or give --linkedin-url" in (
        result.stderr
    )
    assert fake.received == []


def test_enrich_person_answer_naming_someone_else_is_unread(api: Any) -> None:
    api(lambda r: as_json({"data": {"personId": "9",
                                    "linkedinUrl": "https://www.linkedin.com/in/other/"}}))  # fmt: skip
    result = run_cli("enrich", "person", "--linkedin-url", "linkedin.com/in/ann-lee", "-f", "jsonl")
    assert result.exit_code == 7
    assert result.jsonl()[0]["status"] == "unread"
    assert result.jsonl()[0]["matchConfidence"] == "highest"


# enrich org -----------------------------------------------------------------------------------


def test_enrich_org_add_ons_are_part_of_what_is_bought(api: Any) -> None:
    fake = api(lambda r: as_json({"data": {"organisationId": "7", "organisationName": "Acme",
                                           "funding": []}}))  # fmt: skip
    plain = run_cli("enrich", "org", "7", "-f", "jsonl")
    funded = run_cli("enrich", "org", "7", "--funding", "-f", "jsonl")
    again = run_cli("enrich", "org", "7", "--funding", "-f", "jsonl")
    assert (plain.exit_code, funded.exit_code, again.exit_code) == (0, 0, 0)
    assert [body(r) for r in fake.received] == [
        {"organisationId": "7"}, {"organisationId": "7", "includeFunding": True},
    ]  # fmt: skip
    assert [plain.jsonl()[0]["credits"], funded.jsonl()[0]["credits"]] == [1, 2]


def test_enrich_org_from_orgs_output_and_damaged_ids(api: Any) -> None:
    fake = api(lambda r: as_json({"data": {"organisationId": body(r).get("organisationId", "8"),
                                           "organisationName": "Acme"}}))  # fmt: skip
    lines = [{"organisationId": "6964146847109114255"},
             {"organisationId": "6.96414684710911E+18"},
             {"organisationId": "6964146847109110000",
              "orgLinkedinUrl": "https://www.linkedin.com/company/acme/"}]  # fmt: skip
    text = "".join(json.dumps(line) + "\n" for line in lines)
    result = run_cli("enrich", "org", "--input", "-", "-f", "jsonl", "--concurrency", "1",
                     input=text)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert [body(r) for r in fake.received] == [
        {"organisationId": "6964146847109114255"},
        {"orgLinkedinUrl": "https://www.linkedin.com/company/acme/"},
    ]
    assert "line 2: organisation id 6.96414684710911E+18 is in scientific notation" in (
        result.stderr
    )


def test_enrich_org_of_a_people_file_keeps_each_persons_own_fields(api: Any) -> None:
    """A people file (`search -f csv`) through enrich org: the person's LinkedIn URL stays;
    the company page goes beside it. An organisations file takes the new values in place."""
    company = "https://www.linkedin.com/company/acme/"
    api(lambda r: as_json({"organisationId": "77", "linkedinUrl": company, "revenue": "1B+"}))
    person = {"personId": "2158462248003261247", "linkedinUrl": "https://www.linkedin.com/in/ann/",
              "organizationId": "77", "revenue": "1M-10M"}  # fmt: skip
    result = run_cli("enrich", "org", "--input", "-", "-f", "jsonl", input=json.dumps(person))
    assert result.exit_code == 0, result.stderr
    (row,) = result.jsonl()
    assert (row["linkedinUrl"], row["organisationLinkedinUrl"]) == (person["linkedinUrl"], company)
    assert (row["revenue"], row["organisationRevenue"]) == ("1M-10M", "1B+")
    org = {"organisationId": "77", "linkedinUrl": company, "revenue": "1M-10M"}
    again = run_cli("enrich", "org", "--input", "-", "-f", "jsonl", "--refresh",
                    input=json.dumps(org))  # fmt: skip
    assert again.exit_code == 0, again.stderr
    (row,) = again.jsonl()
    assert (row["revenue"], "organisationRevenue" in row) == ("1B+", False)


# news -----------------------------------------------------------------------------------------


def news_pages(total: int, per_page: int = 2) -> Callable[[Received], Answer]:
    def script(request: Received) -> Answer:
        page = body(request).get("page", 1)
        articles = [{"title": f"p{page}-{i}", "publishedAt": "2026-11-01", "category": "Funding"}
                    for i in range(per_page)] if page <= total else []  # fmt: skip
        return as_json({"organisationId": "7", "page": page, "totalPages": total,
                        "articles": articles})  # fmt: skip

    return script


def test_news_all_fetches_exactly_the_pages_there_are(api: Any) -> None:
    fake = api(news_pages(3))
    result = run_cli("news", "7", "--since", "2026-01-01", "--until", "2026-11-30", "--all",
                     "--category", "funding", "-f", "jsonl")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    sent = [body(r) for r in fake.received]
    assert sorted(b["page"] for b in sent) == [1, 2, 3]
    assert sent[0] == {"organisationId": "7", "publishedSince": "2026-01-01",
                       "publishedUntil": "2026-11-30", "category": ["Funding"], "page": 1}  # fmt: skip
    rows = result.jsonl()
    assert [r["title"] for r in rows] == ["p1-0", "p1-1", "p2-0", "p2-1", "p3-0", "p3-1"]
    assert {r["organisationId"] for r in rows} == {"7"}
    assert "credits spent by this run: 6" in result.stderr
    again = run_cli("news", "7", "--since", "2026-01-01", "--until", "2026-11-30", "--all",
                    "--category", "Funding", "-f", "jsonl")  # fmt: skip
    assert len(fake.received) == 3 and len(again.jsonl()) == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["7", "--category", "Fundng"],
            "--category: 'Fundng' is not a news category; did you mean 'Funding'?",
        ),
        (["7", "--since", "2026-02-30"], "--since: '2026-02-30' is not a real date"),
        (["7", "--since", "2026-05-01", "--until", "2026-04-01"], "--until: 2026-04-01 is before"),
        ([], "give an ORG_ID or --org-linkedin-url"),
        (["7", "--page", "101"], "101"),
        (["7", "--keyword", "caf\udce9"], "news: keywords 'caf\\\\udce9' is not valid UTF-8 text"),
        (["7\udce9"], "ORG_ID: organisationId '7\\\\udce9' is not valid UTF-8 text"),
        (["6.96414684710911E+18"], "ORG_ID: organisation id 6.96414684710911E+18 is in scientific"),
        (["-", "--input", "orgs.csv"], "ORG_ID -: reads standard input, as --input - does"),
    ],
)
def test_news_input_errors_send_nothing(api: Any, args: list[str], message: str) -> None:
    fake = api(news_pages(1))
    result = run_cli("news", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert fake.received == []


def test_news_asks_for_each_organisation_of_an_input(api: Any, tmp_path: Path) -> None:
    """--input was offered by the help and ignored ("give an ORG_ID"), and `news -` paid for
    the news of an organisation called "-". Each organisation of a file or of stdin is asked
    for once, --all pages each to its own end; a damaged id is skipped, a word warned of."""
    pages = news_pages(2)

    def each_its_own(request: Received) -> Answer:  # the answer names the organisation asked
        answer = json.loads(pages(request).body)
        return as_json({**answer, "organisationId": body(request)["organisationId"]})

    fake = api(each_its_own)
    path = tmp_path / "orgs.csv"
    path.write_text("organisationId,name\n7,Acme\n8,Beta\n7,Acme again\n6.9E+18,Gone\n")
    result = run_cli("news", "--input", str(path), "--since", "2026-01-01", "--until",
                     "2026-11-30", "--all", "-f", "jsonl")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    asked = sorted((body(r)["organisationId"], body(r)["page"]) for r in fake.received)
    assert asked == [("7", 1), ("7", 2), ("8", 1), ("8", 2)]
    assert "--input line 5: organisation id 6.9E+18 is in scientific notation" in result.stderr
    assert len(result.jsonl()) == 8
    piped = run_cli("news", "-", "--since", "2026-01-01", "--until", "2026-11-30", "-f", "jsonl",
                    input='{"organisationId": "9"}\n{"organisationId": "acme"}\n')  # fmt: skip
    assert piped.exit_code == 0, piped.stderr
    assert sorted(body(r)["organisationId"] for r in fake.received[4:]) == ["9", "acme"]
    assert (
        "warning: --input line 2: organisation id 'acme' is not digits as the API's ids are; sent anyway"
        in piped.stderr
    )


def test_dry_run_prints_bodies_and_the_worst_case(api: Any) -> None:
    fake = api(verdicts)
    result = run_cli("verify", "a@x.com", "b@x.com", "--dry-run")
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    assert shown["bodies"] == [{"email": "a@x.com", "deepVerification": False},
                               {"email": "b@x.com", "deepVerification": False}]  # fmt: skip
    assert (shown["url"], shown["worstCaseCredits"]) == (f"{fake.url}/api/v1/verify/email", 0.08)
    assert fake.received == []


# The ledger -----------------------------------------------------------------------------------


def test_two_runs_at_once_claim_an_item_once(isolated: Path) -> None:
    items = Ledger(_ledger()).items()
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def claim() -> None:
        barrier.wait()
        _, is_new = items.claim("acct", "verify", "standard:a@x.com", {"email": "a@x.com"}, {})
        results.append(is_new)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [False] * 7 + [True]


def test_max_age_makes_old_answers_stale(isolated: Path) -> None:
    now = [1000.0]
    items = Ledger(_ledger(), clock=lambda: now[0]).items()
    item, _ = items.claim("acct", "verify", "k", {}, {})
    items.answered(item.id, "completed", result={"verdict": "Deliverable"}, credits=0.04)
    now[0] += 3 * 86400
    assert items.claim("acct", "verify", "k", {}, {}, max_age=4 * 86400)[1] is False
    assert items.claim("acct", "verify", "k", {}, {}, max_age=2 * 86400)[1] is True


def _ledger() -> Path:
    from clodura_cli.store import config

    return config.ledger_file()


def test_api_posts_to_the_paid_paths_go_through_the_ledger(api: Any) -> None:
    fake = api(verdicts)
    first = run_cli("verify", "ann@acme.com", "-f", "jsonl")
    assert first.exit_code == 0
    for path in ("verify/email", "/api/v1/verify/./email", "VERIFY/EMAIL/"):
        again = run_cli("api", path, "-f", "email=Ann@acme.com", "-F", "deepVerification=false")
        assert again.exit_code == 0, again.stderr
        assert "answered from the ledger (completed)" in again.stderr
        assert json.loads(again.stdout)["verdict"] == "Deliverable"
    assert len(fake.received) == 1
    other = run_cli("api", "verify/email", "-f", "email=bob@acme.com")
    assert other.exit_code == 0 and len(fake.received) == 2
    assert json.loads(other.stdout)["email"] == "bob@acme.com"
    assert run_cli("verify", "bob@acme.com").exit_code == 0 and len(fake.received) == 2


def test_a_queued_verdict_arrives_by_import_and_is_then_answered_from_the_ledger(
    api: Any, tmp_path: Path
) -> None:
    fake = api(lambda r: as_json({"email": body(r)["email"], "documentId": "D7",
                                  "state": "In-progress", "verdict": "Pending"}, 202))  # fmt: skip
    hook = ["--webhook-url", "https://hooks.example.org/x"]
    queued = run_cli("verify", "ann@acme.com", "--deep", *hook, "-f", "jsonl")
    assert queued.jsonl()[0]["status"] == "pending"
    delivery = tmp_path / "delivery.json"
    delivery.write_text(json.dumps({"email": "ann@acme.com", "deepVerification": True,
                                    "documentId": "D7", "state": "Completed",
                                    "verdict": "Risky (Catch-all)", "creditsUsed": 0.1}))  # fmt: skip
    imported = run_cli("track", "--import", str(delivery))
    assert imported.exit_code == 0, imported.stderr
    done = run_cli("verify", "ann@acme.com", "--deep", *hook, "-f", "jsonl")
    assert done.exit_code == 0, done.stderr
    assert (done.jsonl()[0]["verdict"], done.jsonl()[0]["status"]) == (
        "Risky (Catch-all)",
        "completed",
    )
    assert len(fake.received) == 1


# Against the sandbox ---------------------------------------------------------------------------


def test_the_four_commands_end_to_end_in_the_sandbox(emulator: Any) -> None:
    from clodura_cli.sandbox.data import build_dataset

    person = build_dataset().person(0)
    record, org = person.record, person.record["organizationId"]
    verify = run_cli("verify", "--sandbox", "someone@nowhere.invalid", "-f", "jsonl")
    enrich = run_cli("enrich", "person", "--sandbox", "--linkedin-url", record["linkedinUrl"],
                     "-f", "jsonl")  # fmt: skip
    company = run_cli("enrich", "org", "--sandbox", org, "--technographics", "-f", "jsonl")
    news = run_cli("news", "--sandbox", org, "--since", "2023-01-01", "--until", "today",
                   "--all", "-f", "jsonl")  # fmt: skip
    for result in (verify, enrich, company, news):
        assert result.exit_code == 0, result.stderr
    assert verify.jsonl()[0]["verdict"] == "Undeliverable"
    (row,) = enrich.jsonl()
    assert (row["personId"], row["organisationId"], row["status"], row["credits"]) == (
        record["personId"],
        org,
        "completed",
        2,
    )
    (firm,) = company.jsonl()
    assert (firm["organisationId"], firm["credits"]) == (org, 2)
    assert isinstance(firm["technographics"], list)
    bodies = [entry["body"] for entry in emulator.log if entry["endpoint"] == "news"]
    pages = [b["page"] for b in bodies]
    articles = news.jsonl()
    assert sorted(pages) == list(range(1, len(pages) + 1))
    assert len(articles) <= 10 * len(pages) and all(a["organisationId"] == org for a in articles)
    again = run_cli("news", "--sandbox", org, "--since", "2023-01-01", "--until", "today",
                    "--all", "-f", "jsonl")  # fmt: skip
    assert again.jsonl() == articles
    assert sum(1 for entry in emulator.log if entry["endpoint"] == "news") == len(pages)


def test_a_profile_or_company_url_written_another_way_is_not_paid_for_again(
    emulator: Any,
) -> None:
    from clodura_cli.sandbox.data import build_dataset
    from clodura_cli.sandbox.vendor import company_linkedin_url

    dataset = build_dataset()
    person = dataset.person(1).record["linkedinUrl"]
    company = company_linkedin_url(dataset.companies[0])
    escaped = company.replace("-", "%2D")
    worker = next(
        p.record for p in dataset.people if p.record["organizationId"] == dataset.companies[0].id
    )
    named = ["--first-name", worker["firstName"], "--last-name", worker["lastName"]]
    # (the command, and the row's column that echoes the input as given, if any)
    runs = [
        (["enrich", "person", "--linkedin-url", person], None),
        (["enrich", "person", "--linkedin-url", person.replace("-", "%2d", 1)], None),
        (["enrich", "person", "--linkedin-url", person + "fr/"], None),
        (["enrich", "org", "--org-linkedin-url", company], "orgLinkedinUrl"),
        (["enrich", "org", "--org-linkedin-url", escaped], "orgLinkedinUrl"),
        (["enrich", "person", *named, "--org-linkedin-url", company], "orgLinkedinUrl"),
        (["enrich", "person", *named, "--org-linkedin-url", escaped + "?trk=1"], "orgLinkedinUrl"),
    ]
    rows = []
    for words, echoed in runs:
        result = run_cli(*words, "--sandbox", "-f", "jsonl")
        assert result.exit_code == 0, (words, result.stderr)
        (row,) = result.jsonl()
        if echoed:
            assert row.pop(echoed) == words[-1]
        rows.append(row)
    assert [entry["endpoint"] for entry in emulator.log] == [
        "enrich-person", "enrich-org", "enrich-person"
    ]  # fmt: skip
    assert rows[1] == rows[2] == rows[0] and rows[4] == rows[3] and rows[6] == rows[5]
    assert emulator.log[0]["body"] == {"linkedinUrl": person}  # the one spelling, as sent
    assert emulator.log[1]["body"] == {"orgLinkedinUrl": company}
    assert rows[0]["status"] == rows[3]["status"] == "completed"


def test_a_raw_body_in_a_spelling_no_command_sends_answers_only_for_itself(
    emulator: Any,
) -> None:
    """`clodura api` sends a body as written: what it finds (here nothing: the sandbox does
    not read %2D) is for that spelling, not for the one `enrich person` sends."""
    from clodura_cli.sandbox.data import build_dataset

    person = build_dataset().person(1).record["linkedinUrl"]
    odd = person.replace("-", "%2D", 1)
    raw = run_cli("api", "cleanup/enrich", "--sandbox", "-f", f"linkedinUrl={odd}")
    assert raw.exit_code in (0, 6), raw.stderr
    enriched = run_cli("enrich", "person", "--sandbox", "--linkedin-url", odd, "-f", "jsonl")
    assert enriched.exit_code == 0, enriched.stderr
    assert enriched.jsonl()[0]["status"] == "completed"
    assert [e["body"] for e in emulator.log if e["endpoint"] == "enrich-person"] == [
        {"linkedinUrl": odd}, {"linkedinUrl": person}
    ]  # fmt: skip
    again = run_cli("api", "cleanup/enrich", "--sandbox", "-f", f"linkedinUrl={person}")
    assert again.exit_code == 0, again.stderr
    assert sum(1 for e in emulator.log if e["endpoint"] == "enrich-person") == 2  # the command's


def test_no_news_still_costs_its_request_and_a_refusal_is_exit_6(emulator: Any) -> None:
    nobody = "https://www.linkedin.com/company/nobody/"
    empty = run_cli("news", "--sandbox", "--org-linkedin-url", nobody, "-f", "jsonl")
    assert (empty.exit_code, empty.stdout) == (0, "")
    assert "credits spent by this run: 2" in empty.stderr
    assert "No results\n" in empty.stderr  # a table showed nothing at all
    rejected = run_cli("api", "organisation/news", "--sandbox", "-f", "organisationId=1")
    assert rejected.exit_code == 6
    assert "publishedSince is required); nothing charged" in rejected.stderr
    (item,) = Ledger(_ledger()).items().listed("news", "rejected")
    assert item.credits is None


@pytest.mark.parametrize("terminals", [{"stderr"}, {"stdout", "stderr"}])
@pytest.mark.slow
def test_paid_commands_on_a_terminal_show_progress_and_their_rows(
    tmp_path: Path, terminals: set[str]
) -> None:
    from helpers import CLODURA, base_env, run_arranged

    command = [CLODURA, "verify", "--sandbox", "a@nowhere.invalid", "b@nowhere.invalid",
               "-f", "jsonl"]  # fmt: skip
    ran = run_arranged(command, base_env(tmp_path), terminals)
    assert ran.exit_code == 0, ran.stderr
    lines = ran.stdout.decode().replace("\r\n", "\n").splitlines()
    assert [json.loads(line)["email"] for line in lines] == ["a@nowhere.invalid",
                                                             "b@nowhere.invalid"]  # fmt: skip
    assert b"Traceback" not in ran.stderr and b"internal error" not in ran.stderr


def test_the_same_person_or_company_in_another_form_is_not_paid_again(api: Any) -> None:
    def script(request: Received) -> Answer:
        sent = body(request)
        if "organisationId" in sent or "orgLinkedinUrl" in sent:
            return as_json({"data": {"organisationId": "7", "organisationName": "Acme"}})
        return as_json({"data": {"personId": "42", "linkedinUrl": sent.get("linkedinUrl")}})

    fake = api(script)
    url = "https://www.linkedin.com/in/ann-lee/"
    full = json.dumps({"linkedinUrl": url, "firstName": "Ann", "lastName": "Lee",
                       "organizationName": "Acme"}) + "\n"  # fmt: skip
    assert run_cli("enrich", "person", "--input", "-", input=full).exit_code == 0
    again = run_cli("enrich", "person", "--linkedin-url", "http://LinkedIn.com/in/Ann-Lee")
    assert again.exit_code == 0 and "1 answered from the ledger" in again.stderr
    for form in ("https://www.linkedin.com/company/acme", "https://www.linkedin.com/company/acme/",
                 "https://WWW.LinkedIn.com/company/Acme/?trk=x"):  # fmt: skip
        assert run_cli("enrich", "org", "--org-linkedin-url", form).exit_code == 0
    assert [body(r) for r in fake.received][1:] == [
        {"orgLinkedinUrl": "https://www.linkedin.com/company/acme/"}
    ]


@pytest.mark.parametrize("written", ['"a@b.test"', "<A@b.test>", "mailto:a@b.test"])
def test_an_address_as_a_crm_or_mail_header_writes_it(api: Any, written: str) -> None:
    fake = api(verdicts)
    assert run_cli("verify", "a@b.test").exit_code == 0
    again = run_cli("verify", "--input", "-", "-f", "jsonl", input=written + "\n")
    assert again.exit_code == 0, again.stderr
    assert len(fake.received) == 1 and again.jsonl()[0]["email"].lower() == "a@b.test"


def test_news_all_stops_at_the_cap_and_ends_well_as_search_all_does(api: Any) -> None:
    """--max-credits with --all is the cap doing its job (as `search --all` has it): what was
    paid for is written, the stop is said, exit 0. It exited 4, unlike search."""
    fake = api(news_pages(500, per_page=1))
    result = run_cli("news", "7", "--all", "--max-credits", "5", "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert [r["title"] for r in result.jsonl()] == ["p1-0", "p2-0"]
    assert sorted(body(r)["page"] for r in fake.received) == [1, 2]
    assert (
        "--max-credits 5: 1 more news request(s) fit after the 2 credits spent; the rest of "
        "--all is not sent" in result.stderr
    )
    assert "the API has 500 pages; --all stops at page 100" in result.stderr


def test_a_news_dry_run_counts_every_page_of_all_and_what_refresh_sends(api: Any) -> None:
    """The dry run's worst case was one page for --all (up to 100 are bought), and it counted
    a page the ledger holds as answered under --refresh, which sends it again (2 credits)."""
    fake = api(news_pages(3))
    shown = run_cli("news", "7", "--all", "--page", "3", "--dry-run")
    assert json.loads(shown.stdout)["worstCaseCredits"] == 2 * 98  # pages 3 to 100
    capped = run_cli("news", "7", "--all", "--dry-run", "--max-credits", "9")
    assert json.loads(capped.stdout)["worstCaseCredits"] == 8  # the whole requests that fit
    over = run_cli("news", "7", "--all", "--dry-run", "--max-credits", "1.5")
    assert json.loads(over.stdout)["worstCaseCredits"] == 2  # the first, which the run refuses
    assert run_cli("news", "7", "--all", "--max-credits", "1.5").exit_code == 4
    assert run_cli("news", "7", "-f", "jsonl").exit_code == 0  # page 1, now in the ledger
    held = json.loads(run_cli("news", "7", "--dry-run").stdout)
    assert (held["fromLedger"], held["worstCaseCredits"], held["bodies"]) == (1, 0, [])
    again = json.loads(run_cli("news", "7", "--dry-run", "--refresh").stdout)
    assert (again["fromLedger"], again["worstCaseCredits"]) == (0, 2)
    assert [b["page"] for b in again["bodies"]] == [1]
    assert len(fake.received) == 1  # the dry runs sent nothing
    # --all once the ledger knows there are 3 pages: pages 2 and 3 at most (it said 198),
    # and nothing once it holds them.
    known = json.loads(run_cli("news", "7", "--all", "--dry-run").stdout)
    assert (known["fromLedger"], known["worstCaseCredits"]) == (1, 4)
    assert run_cli("news", "7", "--all", "-f", "jsonl").exit_code == 0
    assert len(fake.received) == 3
    done = json.loads(run_cli("news", "7", "--all", "--dry-run").stdout)
    assert (done["fromLedger"], done["worstCaseCredits"]) == (1, 0)
    # --refresh buys page 1 again, and its answer says how many pages there are now.
    renewed = json.loads(run_cli("news", "7", "--all", "--dry-run", "--refresh").stdout)
    assert renewed["worstCaseCredits"] == 2 * 100


def test_verify_csv_columns_are_the_rows_own(api: Any, tmp_path: Path) -> None:
    api(verdicts)
    path = tmp_path / "c.csv"
    path.write_text("Name,Email\nAnn,ann@acme.com\n")
    result = run_cli("verify", "--input", str(path), "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "Name,Email,email,verdict,state,deep,verifiedAt,documentId,status,credits,message"
    )


def test_verify_input_every_row_comes_back(api: Any, tmp_path: Path) -> None:
    fake = api(verdicts)
    path = tmp_path / "crm.csv"
    path.write_bytes(b"\xef\xbb\xbfName,E-mail Address\r\nAnn,ann@acme.test\r\nAnn2,ANN@acme.test"
                     b"\r\nBad,notanemail\r\nZed,no-zed@acme.test\r\n")  # fmt: skip
    listed = tmp_path / "suppress.txt"
    listed.write_text("no-zed@acme.test\n")
    result = run_cli("verify", "--input", str(path), "--suppress", str(listed), "-f", "csv",
                     "--fields", "Name,verdict,status")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Name,verdict,status", "Ann,Deliverable,completed", "Ann2,Deliverable,completed",
        "Bad,,skipped", "Zed,,suppressed",
    ]  # fmt: skip
    assert len(fake.received) == 1


def test_api_news_without_a_page_is_the_commands_page_1_and_other_fields_are_apart(
    api: Any,
) -> None:
    fake = api(news_pages(1))
    window = ["--since", "2026-01-01", "--until", "2026-11-30"]
    assert run_cli("news", "7", *window, "-f", "jsonl").exit_code == 0
    fields = ["-f", "organisationId=7", "-f", "publishedSince=2026-01-01",
              "-f", "publishedUntil=2026-11-30"]  # fmt: skip
    same = run_cli("api", "organisation/news", *fields)
    assert same.exit_code == 0 and "answered from the ledger" in same.stderr
    other = run_cli("api", "organisation/news", *fields, "-F", "perPage=100")
    assert other.exit_code == 0 and "answered from the ledger" not in other.stderr
    assert len(fake.received) == 2


def test_an_item_holding_half_a_character_is_stored_and_read_back(isolated: Path) -> None:
    """JSON may carry a lone surrogate (an emoji cut in two), which SQLite refuses: a verify or
    enrich answer holding one was lost after it was paid for, its item left `unknown`."""
    items = Ledger(_ledger()).items()
    record = {"email": "ana@x.com", "firstName": "Ana\ud83d"}  # a row of `--input`
    item, is_new = items.claim("acct", "verify", "standard:ana@x.com", {"email": "ana@x.com"},
                               record)  # fmt: skip
    assert is_new
    done = items.answered(item.id, "completed", result={"verdict": "Deliverable \udc80"},
                          credits=0.04, message="ok \ud83d", document_id="d\ud83d")  # fmt: skip
    assert done.record == record
    assert done.result == {"verdict": "Deliverable \udc80"}  # JSON: kept exactly
    assert done.message == "ok \\ud83d" and done.document_id == "d\\ud83d"  # escaped
    assert items.claim("acct", "verify", "standard:ana@x.com", {}, {})[1] is False


@pytest.mark.parametrize(
    "text",
    [
        "personId,email\n111,\n222,b@acme.com\n",
        "email,personId\n,111\nb@acme.com,222\n",
        '{"personId": "111"}\n{"personId": "222", "email": "b@acme.com"}\n',
    ],
    ids=["csv", "csv, email first", "json lines"],
)
def test_a_row_without_an_email_keeps_its_columns(api: Any, tmp_path: Path, text: str) -> None:
    """`111,` under `personId,email` was read as a bare line: 111 moved into the email column
    ('111' is not an email address) and the row lost its personId (a cron-user trial)."""
    fake = api(verdicts)
    path = tmp_path / "rows.txt"
    path.write_text(text)
    result = run_cli("verify", "--input", str(path), "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    rows = result.jsonl()
    assert [(r["personId"], r.get("email"), r["status"]) for r in rows] == [
        ("111", None, "skipped"), ("222", "b@acme.com", "completed"),
    ]  # fmt: skip
    line = 1 if text.startswith("{") else 2  # under a CSV's header
    assert f"warning: --input line {line}: email: none in this row; skipped" in result.stderr
    assert len(fake.received) == 1


def test_enrichment_inputs_holding_half_a_character_are_not_sent(api: Any, tmp_path: Path) -> None:
    """As for reveals and verifications: such a name finds nobody, and is charged."""
    fake = api(verdicts)
    rows = tmp_path / "people.jsonl"
    rows.write_text(
        '{"linkedinUrl": "https://www.linkedin.com/in/ann\\udc01"}\n'
        '{"firstName": "Bo\\ud83d", "lastName": "Li", "organisationName": "Acme"}\n'
    )
    people = run_cli("enrich", "person", "--input", str(rows), "-f", "jsonl")
    assert people.exit_code == 2
    assert people.stderr.count("is not valid UTF-8 text; skipped") == 2
    assert "line 2: firstName 'Bo\\\\ud83d' is not valid UTF-8 text; skipped" in people.stderr
    org = run_cli("enrich", "org", "12\udce9")
    assert org.exit_code == 2
    assert "argument 1: organisationId '12\\\\udce9' is not valid UTF-8 text" in org.stderr
    assert fake.received == []


def test_an_email_holding_half_a_character_is_not_verified(api: Any, tmp_path: Path) -> None:
    """An address with a lone surrogate (bytes of another encoding, a cut emoji in JSON) is no
    address: it was sent, and a verification is charged whatever it finds."""
    fake = api(verdicts)
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"email": "ann\\udce9@acme.com"}\n{"email": "bob@acme.com"}\n')
    result = run_cli("verify", "--input", str(rows), "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert [r["status"] for r in result.jsonl()] == ["skipped", "completed"]
    assert "email: 'ann\\\\udce9@acme.com' is not valid UTF-8 text; skipped" in result.stderr
    assert [body(r)["email"] for r in fake.received] == ["bob@acme.com"]


ORG = ["enrich", "org", "77"]


def by_name(first: str, last: str, company: str) -> list[str]:
    return ["enrich", "person", "--first-name", first, "--last-name", last, "--org-name", company]


def said(message: str, **around: Any) -> dict[str, Any]:
    return {"status": "error", "message": message, **around}


def failed(message: str) -> dict[str, Any]:
    return {"success": False, "message": message}


#: (what it is, command, answer, exit code, the item's status)
ERROR_ANSWERS: list[tuple[str, list[str], Any, int, str]] = [
    ("a server error", ["enrich", "person", "--linkedin-url", "https://www.linkedin.com/in/ann/"],
     said("Internal server error", data=None), 7, "unknown"),
    ("no credits", ORG, {"error": "Insufficient credits", "data": []}, 4, "rejected"),
    ("JSend fail", ORG, {"status": "fail", "data": {}}, 6, "rejected"),
    ("news", ["news", "77"], said("upstream timeout", data=[]), 7, "unknown"),
    ("a no match said as an error", ORG, said("No match found", data=None), 0, "no_match"),
    ("nothing found said otherwise", ORG, said("No matching records found"), 0, "no_match"),
    ("credits spoken of, not spent", ORG, said("Temporary failure; your credits were not "
                                               "deducted"), 7, "unknown"),
    ("found, of the account", ORG, said("No active subscription found for this API key"), 3,
     "rejected"),
    ("success false, credits spoken of", ORG, failed("Temporary failure; your credits were not "
                                                     "deducted"), 6, "rejected"),
    ("success false, nothing found", ORG, failed("No matching records found"), 0, "no_match"),
    ("not found, no credits charged", ORG, said("No matching company found, no credits "
                                                "charged"), 0, "no_match"),
    ("not found, words of a request", ORG, failed("Organisation not found. Please send a valid "
                                                  "id"), 0, "no_match"),
    ("not found, quoting words of an account", by_name("Jane", "Doe", "Plan International"),
     said("No person found for Jane Doe at Plan International"), 0, "no_match"),
    ("the key refused in a not-found sentence", ORG, said("User not found. Check your key"), 3,
     "rejected"),
    ("could not be found, no credits", ORG, failed("Person could not be found; no credits "
                                                   "charged"), 0, "no_match"),
    # A fifth review: what is not a record is no "no match" (held, or the account's).
    ("a service not available", ORG, said("Enrichment service not available, try again later"),
     7, "unknown"),
    ("a route not found", ORG, said("Endpoint not found"), 7, "unknown"),
    ("no account found: unclear, held", ORG, said("No account found"), 7, "unknown"),
    ("not found, a key revoked", ORG, said("No data found: key revoked"), 3, "rejected"),
    ("a not-found with a remark on the plan", ORG,
     said("No match found. No credits were deducted from your plan"), 0, "no_match"),
    ("API key not found, asked for Ke", by_name("Ann", "Ke", "Acme"), said("API key not found"),
     3, "rejected"),
    # A sixth review: limits, credits, plans and servers speak first; a record last.
    ("a rate limit, no data", ORG, said("Rate limit exceeded. No data returned"), 5,
     "rejected"),
    ("no email credits", ORG, said("No email credits remaining"), 4, "rejected"),
    ("not in the plan", ORG, said("Results are not available on your current plan"), 3,
     "rejected"),
    ("a server error, no data", ORG, said("Internal server error: no data returned"), 7,
     "unknown"),
    ("someone's LinkedIn account: not ours, held", ORG,
     said("Profile not found: LinkedIn account suspended"), 7, "unknown"),
    # A seventh review: a no match is kept for ever only when nothing else is said beside it.
    ("a not-found beside a failure", ORG, said("Something went wrong, no results found"), 7,
     "unknown"),
    ("a not-found beside our account", ORG, said("Your account is suspended. No data found."), 3,
     "rejected"),
    ("a not-found beside an offer", ORG, said("No results; upgrade for more sources"), 7,
     "unknown"),
    ("a not-found beside a quota not used", ORG,
     said("No match found. This lookup did not count against your quota"), 0, "no_match"),
    ("a not-found beside advice and a balance", ORG,
     said("No contact found; 0 credits used, 95 credits remaining. Try a full name"), 0,
     "no_match"),
    ("the surname Key", by_name("John", "Key", "Acme"), said("Person John Key not found"), 0,
     "no_match"),
]  # fmt: skip


@pytest.mark.parametrize(("command", "answer", "exit_code", "status"),
                         [case[1:] for case in ERROR_ANSWERS],
                         ids=[case[0] for case in ERROR_ANSWERS])  # fmt: skip
def test_a_200_that_holds_only_an_error_is_that_error_not_a_no_match(
    api: Any, isolated: Path, command: list[str], answer: Any, exit_code: int, status: str
) -> None:
    """Such answers were a no match or an empty page of news, 0 credits, kept as final: that
    person or company was never asked again (an attacker's trial)."""
    fake = api(lambda request: as_json(answer))
    result = run_cli(*command, "-f", "jsonl")
    assert result.exit_code == exit_code, result.stderr
    assert all(row.get("articleId") is None for row in result.jsonl())
    endpoint = "news" if command[0] == "news" else f"enrich-{command[1]}"
    (item,) = Ledger(isolated / "data" / "ledger.db").items().listed(endpoint)
    assert item.status == status
    assert json.loads(item.answer) == answer  # kept as received
    assert len(fake.received) == 1


def test_paid_answers_are_shown_raw_and_read_again_by_track(api: Any, isolated: Path) -> None:
    """An unread verification said "kept in the ledger", but `track --raw` knew only reveal
    jobs and `--reparse` read only theirs: the one way out was --refresh, paying again."""
    import sqlite3

    bob = {"data": {"personId": "222", "firstName": "Bob", "lastName": "Smith"}}
    fake = api(
        lambda r: as_json(
            bob
            if "enrich" in r.path
            else {"emailAddress": "bob@other.com", "result": "Deliverable"}
        )
    )
    unread = run_cli("verify", "ann@acme.com")
    assert unread.exit_code == 7
    raw = run_cli("track", "--raw", "ANN@acme.com")
    assert raw.exit_code == 0, raw.stderr
    [shown] = json.loads(raw.stdout)
    assert (shown["endpoint"], shown["status"], shown["body"]) == (
        "verify",
        "unread",
        {"emailAddress": "bob@other.com", "result": "Deliverable"},
    )
    assert shown["sent"]["email"] == "ann@acme.com"
    # What an older version recorded: Bob taken for Ann, and Ann's verdict left unread.
    run_cli("enrich", "person", "--first-name", "Ann", "--last-name", "Lee", "--org-name", "Acme")
    ledger = isolated / "data" / "ledger.db"
    with contextlib.closing(sqlite3.connect(ledger)) as db, db:
        db.execute("UPDATE items SET status = 'completed', result = ? WHERE endpoint = ?",
                   (json.dumps(bob["data"]), "enrich-person"))  # fmt: skip
        db.execute(
            "UPDATE items SET answer = ? WHERE endpoint = 'verify'",
            (json.dumps({"email": "ann@acme.com", "result": "Deliverable"}).encode(),),
        )
    reparsed = run_cli("track", "--reparse")
    assert reparsed.exit_code == 0, reparsed.stderr
    assert "1 verification, enrichment or news answer(s) updated" in reparsed.stderr
    # A result delivered earlier is never taken back by a reader's doubt (a review: a fuzzy
    # check took results users had): it is named, and left as it was.
    assert (
        "1 answer(s) delivered earlier would not be delivered by this version (the first, "
        "enrich-person name:ann|lee|acme: it names Bob Smith, not Ann Lee)"
    ) in reparsed.stderr
    items = {i.endpoint: i for i in Ledger(ledger).items().listed()}
    enriched, verified = items["enrich-person"], items["verify"]
    assert (enriched.status, enriched.result) == ("completed", bob["data"])
    assert (verified.status, verified.result["verdict"]) == ("completed", "Deliverable")
    assert len(fake.received) == 2  # no API call


def test_the_no_forms_of_the_add_ons_still_run_and_win() -> None:
    """The add-ons were on/off pairs; their --no- forms are hidden now (a review: scripts that
    use them must still run)."""
    result = run_cli("enrich", "org", "--sandbox", "77", "--funding", "--no-funding",
                     "--acquisitions", "--no-technographics", "--dry-run")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["bodies"] == [
        {"organisationId": "77", "includeAcquisitions": True}
    ]
    assert "--no-funding" not in run_cli("enrich", "org", "--help").stdout


def test_an_account_refused_in_a_200_stops_the_run_and_is_asked_again_later(api: Any) -> None:
    """A third review: each of 10,000 rows was sent on an expired plan, and kept as "may have
    been charged", never sent again. Such a refusal is the account's: the run stops."""
    refusal = {"status": "error", "message": "No active subscription found for this API key"}
    fake = api(lambda request: as_json(refusal))
    first = run_cli("enrich", "org", "77", "78", "79", "--concurrency", "1")
    assert first.exit_code == 3, first.stderr
    assert len(fake.received) == 1
    again = run_cli("enrich", "org", "77", "--concurrency", "1")
    assert again.exit_code == 3 and len(fake.received) == 2  # refused: asked again, not held


def test_a_news_row_starts_with_when_and_the_headline() -> None:
    """A narrow table showed articleId, category, publishedAt, source, summary, and left the
    headline out ("not shown: title"): the rows put what a reader scans first."""
    from clodura_cli.vendor import news_rows

    answer = {"organisationId": "7", "articles": [
        {"id": "a1", "url": "https://n.example/1", "summary": "s", "source": "Wire",
         "category": "Funding", "title": "Acme raises", "publishedAt": "2026-11-01", "x": 1},
    ]}  # fmt: skip
    (row,) = news_rows(answer)
    assert list(row) == ["publishedAt", "title", "category", "source", "organisationId",
                         "summary", "url", "articleId", "orgLinkedinUrl", "x"]  # fmt: skip


def test_an_input_column_a_result_would_replace_is_kept_beside_it(api: Any, tmp_path: Path) -> None:
    """A CRM's own status ("Customer - do not contact"), state (CA) and credits were written
    over by the verification's, and lost. They are kept as `NAME (input)`; a rerun over its
    own output adds nothing."""
    api(verdicts)
    path = tmp_path / "crm.csv"
    path.write_text("email,status,state,credits\nann@acme.com,Customer - do not contact,CA,VIP\n")
    first = run_cli("verify", "--input", str(path), "-f", "jsonl")
    assert first.exit_code == 0, first.stderr
    (row,) = first.jsonl()
    assert (row["status"], row["state"], row["credits"]) == ("completed", "Completed", 0.04)
    assert (row["status (input)"], row["state (input)"], row["credits (input)"]) == (
        "Customer - do not contact", "CA", "VIP"
    )  # fmt: skip
    assert "message (input)" not in row  # nothing to keep
    again = tmp_path / "verified.csv"
    assert run_cli("verify", "--input", str(path), "-o", str(again)).exit_code == 0
    rerun = run_cli("verify", "--input", str(again), "-f", "csv")
    assert rerun.exit_code == 0 and rerun.stdout == again.read_text()
    # A row skipped before, mended in the file and run again, says how it ends now only.
    mended = tmp_path / "mended.csv"
    mended.write_text("email\nann@acme.com\nbob@acme\n")
    assert run_cli("verify", "--input", str(mended), "-o", str(again)).exit_code == 0
    again.write_text(again.read_text().replace("bob@acme,", "bob@acme.com,", 1))
    _, fixed = run_cli("verify", "--input", str(again), "-f", "jsonl").jsonl()
    assert fixed["status"] == "completed" and not any("(input)" in key for key in fixed)
    # A CRM's own status that happens to be one of the tool's words is the CRM's.
    crm = tmp_path / "dnc.csv"
    crm.write_text("email,status,message\nann@acme.com,rejected,Asked us never to email again\n")
    (kept,) = run_cli("verify", "--input", str(crm), "-f", "jsonl").jsonl()
    assert (kept["status (input)"], kept["message (input)"]) == (
        "rejected", "Asked us never to email again"
    )  # fmt: skip


def test_a_reveal_after_another_keeps_the_first_ones_tracking_id_and_credits(
    tmp_path: Path,
) -> None:
    """reveal phone over reveal email's output replaced its trackingId and credits."""
    found = run_cli("search", "--sandbox", "--limit", "3", "-f", "csv", "--fields",
                    "personId,linkedinUrl")  # fmt: skip
    people = tmp_path / "people.csv"
    people.write_text(found.stdout)
    emails = tmp_path / "emails.csv"
    assert run_cli("reveal", "email", "--sandbox", "--input", str(people), "-o",
                   str(emails)).exit_code in (0, 6)  # fmt: skip
    phones = run_cli("reveal", "phone", "--sandbox", "--input", str(emails), "-f", "jsonl")
    assert phones.exit_code in (0, 6), phones.stderr
    before = list(csv.DictReader(io.StringIO(emails.read_text())))
    for row, earlier in zip(phones.jsonl(), before, strict=True):
        assert row["trackingId (input)"] == earlier["trackingId"] != row["trackingId"]
        assert row.get("email") == (earlier["email"] or None)  # the first reveal's, kept


def test_append_never_lets_an_inputs_column_in_another_case_replace_a_result(
    api: Any, tmp_path: Path
) -> None:
    """Two reviews: the input's Verdict/Status/State (a CRM's) were written over the paid
    verdict, status and state of the file's columns, which differ from them only in case; a
    skipped row took them too. They are the input's own columns, left out and said."""

    def two_verdicts(request: Received) -> Answer:
        email = body(request)["email"]
        verdict = "Risky (Catch-all)" if email.startswith("cy") else "Deliverable"
        return as_json({"email": email, "state": "Completed", "verdict": verdict,
                        "creditsUsed": 0.04})  # fmt: skip

    api(two_verdicts)
    out = tmp_path / "verdicts.csv"
    assert run_cli("verify", "ann@acme.com", "-o", str(out)).exit_code == 0
    path = tmp_path / "crm.csv"
    path.write_text("Email,Status,State,Verdict\ncy@acme.com,Customer - do not contact,CA,"
                    "Deliverable\nbob@acme,Lead,NY,Deliverable\n")  # fmt: skip
    more = run_cli("verify", "--input", str(path), "-o", str(out), "--append")
    assert more.exit_code == 0, more.stderr
    cy, bob = list(csv.DictReader(io.StringIO(out.read_text())))[1:]
    assert (cy["email"], cy["verdict"], cy["state"], cy["status"]) == (
        "cy@acme.com", "Risky (Catch-all)", "Completed", "completed"
    )  # fmt: skip
    assert (bob["verdict"], bob["state"], bob["status"]) == ("", "", "skipped")
    assert "has no column for the input's Email, Status, State, Verdict: those cells" in (
        more.stderr
    )


def test_enrich_person_appends_to_a_file_it_wrote_itself(emulator: Any, tmp_path: Path) -> None:
    """The append check wanted every field enrich may write: a file its first run wrote with
    no email found was refused ("lacks email"). Another command's file still is."""
    people = run_cli("search", "--sandbox", "--limit", "2", "-f", "jsonl").jsonl()
    out = tmp_path / "profiles.csv"
    first = run_cli("enrich", "person", "--sandbox", "--linkedin-url", people[0]["linkedinUrl"],
                    "-o", str(out))  # fmt: skip
    assert first.exit_code == 0 and "email" not in out.read_text().splitlines()[0].split(",")
    more = run_cli("enrich", "person", "--sandbox", "--linkedin-url", people[1]["linkedinUrl"],
                   "-o", str(out), "--append")  # fmt: skip
    assert more.exit_code == 0, more.stderr
    assert len(out.read_text().splitlines()) == 3
    other = run_cli("verify", "--sandbox", "a@b.test", "-o", str(out), "--append")
    assert other.exit_code == 2 and "it lacks email, verdict" in other.stderr


def test_news_input_warns_of_one_organisation_named_twice_and_keeps_each_last_page(
    emulator: Any, tmp_path: Path
) -> None:
    """By id in one row and by its page in another, one organisation was paid for twice
    without a word; and with two organisations a --page past their known last pages was sent
    (the check ran for one organisation only)."""
    org = "6964146847109114255"
    page = "https://www.linkedin.com/company/pixel-health/"
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(f"organisationId,linkedinUrl\n{org},{page}\n,{page}\n")
    twice = run_cli("news", "--sandbox", "--input", str(mixed), "--dry-run")
    assert twice.exit_code == 0, twice.stderr
    assert (
        f"warning: --input line 3 names by its page ({page}) the organisation --input line 2 "
        "names by id: both are asked for, each paid for" in twice.stderr
    )
    two = tmp_path / "two.csv"
    two.write_text(f"organisationId\n{org}\n1446746359372763756\n")
    every = run_cli("news", "--sandbox", "--input", str(two), "--since", "-3650d", "--all")
    assert every.exit_code == 0, every.stderr
    emulator.log.clear()
    past = run_cli("news", "--sandbox", "--input", str(two), "--since", "-3650d", "--page", "40")
    assert past.exit_code == 0 and past.stdout == "" and emulator.log == []
    assert past.stderr.count("news: page 40 is past the last page") == 2


@pytest.mark.parametrize(("cost", "read"), [(0.04, 0.04), ("0.04", 0.04), ("2 credits", 0.04)],
                         ids=["a number", "text", "unreadable: the documented price"])  # fmt: skip
def test_a_specific_credits_key_wins_over_a_bare_one(api: Any, cost: Any, read: float) -> None:
    """`credits` beside `creditsCharged` may be the balance: read first, a verification of
    0.04 was recorded as 998 credits (and still was when the cost came as text)."""
    api(lambda request: as_json({"email": body(request)["email"], "verdict": "Deliverable",
                                 "state": "Completed", "creditsCharged": cost,
                                 "credits": 998}))  # fmt: skip
    result = run_cli("verify", "ann@acme.com", "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert result.jsonl()[0]["credits"] == read


@pytest.mark.parametrize(
    ("text", "bodies", "said"),
    [
        # A company page or a domain on a line of its own.
        (
            "https://www.linkedin.com/company/acme/\nacme.com\n",
            [{"orgLinkedinUrl": "https://www.linkedin.com/company/acme/"}],
            "line 2: 'acme.com' is a domain, not an organisation id; find its id with `clodura "
            "orgs --domain acme.com`; skipped",
        ),
        # A CRM's own Id is no organisation's; its company page is.
        (
            "Id,Name,Company LinkedIn URL\n0015g00000XyZabAAB,Acme,"
            "https://www.linkedin.com/company/acme/\n",
            [{"orgLinkedinUrl": "https://www.linkedin.com/company/acme/"}],
            "",
        ),
        # A people file: the person's profile is not the company's page, whatever the order.
        (
            "personId,linkedinUrl,organizationId\n1,https://www.linkedin.com/in/ann-a/,\n",
            [],
            "line 2: has no organisationId or orgLinkedinUrl; skipped",
        ),
        (
            '{"linkedinUrl": "https://www.linkedin.com/in/ann-a/", "organizationId": null, '
            '"orgLinkedinUrl": "https://www.linkedin.com/company/acme/"}\n',
            [{"orgLinkedinUrl": "https://www.linkedin.com/company/acme/"}],
            "",
        ),
        # A person's profile on a line of its own is no organisation's page.
        (
            "https://www.linkedin.com/in/ann-a/\n",
            [],
            "line 1: 'https://www.linkedin.com/in/ann-a/' is no company's LinkedIn page",
        ),
        # A LinkedIn URL column holding company pages, however it is spelled.
        (
            "Name,LinkedIn URL\nAcme,https://www.linkedin.com/company/acme/\n",
            [{"orgLinkedinUrl": "https://www.linkedin.com/company/acme/"}],
            "",
        ),
        # A one-column file's name is never sent as an id.
        (
            "orgs\n6964146847109114255\n",
            [{"organisationId": "6964146847109114255"}],
            "--input line 1: 'orgs' reads as a column's name, not a value; skipped",
        ),
        # Ids quoted whole, as a one-column CSV writes them: the first was skipped as the
        # list's name, the others sent with their quotes (and paid for).
        (
            '"6964146847109114255"\n"6964146847109114256"\n',
            [{"organisationId": "6964146847109114255"}, {"organisationId": "6964146847109114256"}],
            "",
        ),
    ],
)
def test_enrich_org_sends_only_what_names_an_organisation(
    tmp_path: Path, text: str, bodies: list[dict[str, Any]], said: str
) -> None:
    """A Salesforce Id (0015g...) and a person's profile were sent as the organisation, and
    `acme.com` as its id: each paid for, none an organisation."""
    path = tmp_path / "orgs.csv"
    path.write_text(text)
    result = run_cli("enrich", "org", "--sandbox", "--input", str(path), "--dry-run")
    if not bodies:
        assert result.exit_code == 2 and said in result.stderr
        return
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["bodies"] == bodies
    assert said in result.stderr


def test_enrich_org_is_refused_to_append_into_a_people_file(emulator: Any, tmp_path: Path) -> None:
    """An enrich person file has organisationId, status and credits, all the org check asked:
    the company page then landed in the people's linkedinUrl column."""
    people = run_cli("search", "--sandbox", "--limit", "1", "-f", "jsonl").jsonl()
    out = tmp_path / "people.csv"
    assert run_cli("enrich", "person", "--sandbox", "--linkedin-url", people[0]["linkedinUrl"],
                   "-o", str(out)).exit_code == 0  # fmt: skip
    before = out.read_bytes()
    org = run_cli("enrich", "org", "--sandbox", str(people[0]["organizationId"]), "-o", str(out),
                  "--append")  # fmt: skip
    assert org.exit_code == 2 and out.read_bytes() == before
    assert "holds another command's rows (its matchConfidence column)" in org.stderr


def test_arguments_go_on_beside_an_input_file_with_no_record(api: Any, tmp_path: Path) -> None:
    api(verdicts)
    empty = tmp_path / "empty.csv"
    empty.write_text("email\n")
    result = run_cli("verify", "a@acme.com", "--input", str(empty), "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert [row["email"] for row in result.jsonl()] == ["a@acme.com"]


def test_enrich_org_warns_of_one_organisation_named_by_id_and_by_page(tmp_path: Path) -> None:
    page = "https://www.linkedin.com/company/pixel-health/"
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(f"organisationId,linkedinUrl\n6964146847109114255,{page}\n,{page}\n")
    result = run_cli("enrich", "org", "--sandbox", "--input", str(mixed), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert (
        f"warning: --input line 3 names by its page ({page}) the organisation --input line 2 "
        "names by id: both are asked for, each paid for (1 credit or more each)" in result.stderr
    )


@pytest.mark.parametrize(
    "answer",
    [
        {
            "success": True,
            "credits": 998,
            "data": {"result": "Deliverable", "creditsCharged": 0.04},
        },
        {"credits": 0.04, "data": {"result": "Deliverable", "creditsUsed": 1523}},
        {"credits": 998, "data": {"result": "Deliverable", "credits": 0.05}},
    ],
)
def test_an_answer_giving_two_costs_is_priced_as_documented(
    api: Any, answer: dict[str, Any]
) -> None:
    """The envelope and the content each give an amount (one a balance or a running total):
    998 or 1523 was recorded as the cost. Which is right cannot be known from the answer: a
    verification then costs its documented price."""
    api(lambda request: as_json({**answer, "email": body(request)["email"]}))
    result = run_cli("verify", "ann@acme.com", "-f", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert result.jsonl()[0]["credits"] == 0.04


def test_enrich_person_sends_a_profile_given_by_its_member_urn(tmp_path: Path) -> None:
    """A URN is case-sensitive: kept as written (two that differ in case alone are two
    people), its page cut off (one person, one purchase)."""
    urn = "https://www.linkedin.com/in/ACoAABcdEfGh1234567/"
    other = "https://www.linkedin.com/in/ACoAAbcdefgh1234567/"
    path = tmp_path / "urn.csv"
    path.write_text(f"firstName,lastName,organisationName,linkedinUrl\nAnn,Lee,Acme,{urn}\n"
                    f"Ann,Lee,Acme,{urn}details/experience/\nCy,Oh,Gamma,{other}\n")  # fmt: skip
    result = run_cli("enrich", "person", "--input", str(path), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert [b["linkedinUrl"] for b in json.loads(result.stdout)["bodies"]] == [urn, other]
    assert "sent without" not in result.stderr
    # base64url's - and _, and a URL pasted with punctuation around it: each was lower-cased
    # into one person, or refused and the row sent on its name alone.
    dashed = "https://www.linkedin.com/in/ACoAAAKm3zEB0R_aH5gv4Ipa38nBM2FhyetP7-g/"
    path.write_text(f"firstName,lastName,organisationName,linkedinUrl\nAnn,Lee,Acme,{dashed}\n"
                    f"Bo,Ray,Beta,{dashed[:-3]}G/\nCy,Oh,Gamma,<{urn[:-1]}>\n"
                    f'Di,Lu,Delta,"{other[:-1]}."\n')  # fmt: skip
    result = run_cli("enrich", "person", "--input", str(path), "--dry-run")
    assert result.exit_code == 0, result.stderr
    sent_urls = [b["linkedinUrl"] for b in json.loads(result.stdout)["bodies"]]
    assert sent_urls == [dashed, dashed[:-3] + "G/", urn, other]
    assert "sent without" not in result.stderr and "duplicate" not in result.stderr


def test_a_rerun_over_a_json_lines_file_the_tool_wrote_adds_nothing(
    api: Any, tmp_path: Path
) -> None:
    api(verdicts)
    first = tmp_path / "v1.jsonl"
    source = tmp_path / "in.csv"
    source.write_text("email\nann@acme.com\nbob@acme\n")
    assert run_cli("verify", "--input", str(source), "-o", str(first)).exit_code == 0
    first.write_text(first.read_text().replace('"bob@acme"', '"bob@acme.com"'))
    rows = run_cli("verify", "--input", str(first), "-f", "jsonl").jsonl()
    assert rows[1]["status"] == "completed" and not any("(input)" in k for r in rows for k in r)
