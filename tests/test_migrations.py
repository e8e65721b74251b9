"""Ledgers in use hold paid work: each change of format upgrades them in place, after a copy.

`tests/data/ledger-v0.sql` is the schema every ledger had before formats were numbered (as
written by clodura 0.x up to the batch that introduced versions); a ledger of each older format
is built here and opened by today's code.
"""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest
from helpers import person_ids, run_cli

from clodura_cli import vendor
from clodura_cli.sandbox.app import SandboxApp
from clodura_cli.store.ledger import SCHEMA, Ledger

DATA = Path(__file__).parent / "data"


#: Formats that only keyed data again: their tables are the format before's (no file of their own).
SAME_TABLES = {6: 5}


def schema_of(version: int) -> Path:
    """The schema of an older format, as kept under tests/data."""
    return DATA / f"ledger-v{SAME_TABLES.get(version, version)}.sql"


def v0_ledger(path: Path, version: int = 0) -> None:
    """A ledger as clodura wrote it in an older format (0: before formats were numbered): two
    paid jobs, their answers, memory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(schema_of(version).read_text())
    db.execute(f"PRAGMA user_version = {version}")
    rows = [
        ("acct", "email", "111", None, None, json.dumps({"personId": "111"}),
         json.dumps({"personId": "111", "firstName": "Ann"}), "T-111", "completed",
         json.dumps({"email": "ann@x.example", "emailStatus": "verified"}), 2, None, 1.0, 2.0),
        ("acct", "phone", "222", None, None, json.dumps({"personId": "222"}),
         json.dumps({"personId": "222"}), "T-222", "queued", None, None, None, 3.0, 3.0),
    ]  # fmt: skip
    db.executemany(
        "INSERT INTO jobs (account, kind, person_id, linkedin_url, name_key, identifiers, record, "
        "tracking_id, status, result, credits, message, submitted_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    db.execute("INSERT INTO answers (job_id, call, received_at, body) VALUES (1, 'submit', 1, ?)",
               (b'{"trackingId": "T-111", "status": "queued"}',))  # fmt: skip
    db.execute("INSERT INTO emitted VALUES ('default', 'query|abc', '333', 5.0)")
    db.commit()
    db.close()


@pytest.mark.parametrize("version", range(SCHEMA.version))
def test_an_older_ledger_is_upgraded_in_place_after_a_copy(tmp_path: Path, version: int) -> None:
    path = tmp_path / "ledger.db"
    v0_ledger(path, version)
    before = sqlite3.connect(path).execute("SELECT * FROM jobs ORDER BY id").fetchall()
    ledger = Ledger(path)
    jobs = ledger.jobs()
    assert [(j.person_id, j.kind, j.status, j.tracking_id, j.credits) for j in reversed(jobs)] == [
        ("111", "email", "completed", "T-111", 2),
        ("222", "phone", "queued", "T-222", None),
    ]
    assert jobs[-1].result == {"email": "ann@x.example", "emailStatus": "verified"}
    assert [a.body for a in ledger.answers(1)] == [b'{"trackingId": "T-111", "status": "queued"}']
    assert ledger.emitted_people("default", "query|abc").seen() == {"333"}
    now = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert now == SCHEMA.version
    copy = path.with_name(f"ledger.db.v{version}.bak")
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    kept = sqlite3.connect(copy)
    assert kept.execute("SELECT * FROM jobs ORDER BY id").fetchall() == before
    assert kept.execute("PRAGMA user_version").fetchone()[0] == version
    tables = {row[0] for row in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert {"deliveries", "receivers", "track_endpoints", "reserve"} <= tables


def test_the_upgraded_ledger_takes_what_the_new_format_allows(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    v0_ledger(path)
    ledger = Ledger(path)
    # A tracking id may now name two jobs (a batch id); credits may be decimal.
    from clodura_cli.store.ledger import identity_of

    ids = {"personId": "444"}
    job, _ = ledger.claim("acct", "email", identity_of(ids), ids, ids)
    updated = ledger.update(job.id, tracking_id="T-111", credits=0.04, interim={"email": "i@x"})
    assert (updated.tracking_id, updated.credits, updated.interim) == (
        "T-111",
        0.04,
        {"email": "i@x"},
    )
    assert ledger.keep_answer(job.id, "track", b"{}", {"x-request-id": "R1"})
    assert ledger.answers(job.id)[0].headers == {"x-request-id": "R1"}


def test_opening_an_upgraded_ledger_again_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    v0_ledger(path)
    Ledger(path).close()
    copy = path.with_name("ledger.db.v0.bak")
    stamp = copy.stat().st_mtime_ns
    Ledger(path).close()
    assert copy.stat().st_mtime_ns == stamp


def test_a_ledger_from_a_newer_clodura_is_refused_not_damaged(tmp_path: Path) -> None:
    path = tmp_path / "data" / "ledger.db"
    v0_ledger(path)
    Ledger(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA.version + 1}")
    db.commit()
    db.close()
    result = run_cli("track", "--wait", env={"CLODURA_DATA_DIR": str(path.parent)})
    assert result.exit_code == 9
    assert "written by a newer clodura" in result.stderr


def test_the_commands_work_on_an_upgraded_ledger(isolated: Path, emulator: SandboxApp) -> None:
    path = isolated / "data" / "ledger.db"
    v0_ledger(path)
    listed = run_cli("track", "-f", "jsonl")
    assert listed.exit_code == 0, listed.stderr
    assert {row["personId"] for row in listed.jsonl()} == {"111", "222"}
    person = person_ids(1, start=3)[0]
    revealed = run_cli("reveal", "email", "--sandbox", person, "-f", "jsonl")
    assert revealed.exit_code == 0, revealed.stderr
    assert revealed.jsonl()[0]["revealStatus"] == "completed"


@pytest.mark.parametrize("version", range(SCHEMA.version))
def test_every_older_format_has_its_schema_kept_for_these_tests(version: int) -> None:
    """A new format keeps its predecessor's schema under tests/data, for a test like these."""
    assert schema_of(version).exists()


def test_a_format_5_ledger_keys_each_linkedin_profile_once(tmp_path: Path) -> None:
    """Format 6 spells a LinkedIn URL one way however it was written (a %2D, capitals); a
    format-5 ledger kept each spelling as a person of its own. An answer that found nothing
    keeps answering only for the spelling that was sent."""
    from clodura_cli.store.ledger import identity_of

    path = tmp_path / "ledger.db"
    v0_ledger(path, 5)
    db = sqlite3.connect(path)
    jobs = [  # (the key format 5 gave it, what was sent, status, result)
        ("https://www.linkedin.com/in/ann%2dlee/", "https://www.linkedin.com/in/Ann%2DLee/",
         "completed", {"email": "ann@acme.example", "emailStatus": "verified"}),
        ("https://www.linkedin.com/in/cy%2dfox/", "https://www.linkedin.com/in/cy%2dfox/",
         "completed", {"email": None}),
        ("https://www.linkedin.com/in/di%2dlu/", "https://www.linkedin.com/in/di%2dlu/",
         "queued", None),
    ]  # fmt: skip
    db.executemany(
        "INSERT INTO jobs (account, kind, linkedin_url, identifiers, record, tracking_id, status, "
        "result, credits, submitted_at, updated_at) VALUES ('acct', 'email', ?, ?, '{}', 'T', ?, "
        "?, 1, 4.0, 4.0)",
        [(key, json.dumps({"linkedinUrl": sent}), status, json.dumps(result))
         for key, sent, status, result in jobs],
    )  # fmt: skip
    db.execute("INSERT INTO identities VALUES (1, 'acct', 'email', 'linkedin_url', "
               "'https://www.linkedin.com/in/bob%2dday/')")  # fmt: skip
    items = [  # as format 5 keyed them: a URL lower-cased, each escape as written
        ("enrich-person", "linkedin:https://www.linkedin.com/in/ann%2dlee/", "completed"),
        ("enrich-org", "https://www.linkedin.com/company/acme%2dco/|technographics", "completed"),
        ("enrich-person", "name:ann|lee|https://www.linkedin.com/company/acme%2dco/", "pending"),
        ("enrich-org", "https://www.linkedin.com/company/m%c3%b6ller-ag/|", "completed"),
        ("enrich-person", "linkedin:https://www.linkedin.com/in/cy%2dfox/", "no_match"),
        ("verify", "standard:ann.smith@linkedin.com", "completed"),
        ("enrich-person", "email:x@linkedin.com", "completed"),
        ("enrich-person", "name:ann|lee|linkedin.com", "completed"),
        ("news", 'body:{"orgLinkedinUrl": "https://www.linkedin.com/company/A%2Db/", "q": "a|b"}',
         "completed"),
        ("news", "none|2024-01-01|2024-02-01||||1", "completed"),
        ("verify", "standard:ann@acme.example", "completed"),
    ]  # fmt: skip
    db.executemany(
        "INSERT INTO items (account, endpoint, item_key, body, record, status, submitted_at, "
        "updated_at) VALUES ('acct', ?, ?, '{}', '{}', ?, 5.0, 5.0)",
        items,
    )
    db.commit()
    db.close()
    ledger = Ledger(path)

    def newest(url: str) -> int | None:
        job = ledger.latest("acct", "email", identity_of({"linkedinUrl": url}))
        return job.id if job else None

    assert newest("https://www.linkedin.com/in/ann-lee/") == 3  # found: every spelling
    assert newest("https://www.linkedin.com/in/di-lu/") == 5  # still pending: never twice
    assert newest("https://www.linkedin.com/in/cy-fox/") is None  # found nobody: asked again
    assert newest("https://www.linkedin.com/in/Bob-Day") == 1  # learnt from an answer
    keys = [
        row[0] for row in sqlite3.connect(path).execute("SELECT item_key FROM items ORDER BY id")
    ]
    # What today's commands key the same requests by, however the user writes the URL.
    today = [
        vendor.person_purchase({"linkedinUrl": "https://www.linkedin.com/in/Ann%2DLee"}, "r").key,
        vendor.org_purchase({"orgLinkedinUrl": "http://linkedin.com/company/acme-co"},
                            ["technographics"], "r").key,
        vendor.person_purchase({"firstName": "Ann", "lastName": "Lee",
                                "orgLinkedinUrl": "linkedin.com/company/Acme-Co/"}, "r").key,
        vendor.org_purchase({"orgLinkedinUrl": "https://www.linkedin.com/company/M%C3%B6ller-AG"},
                            [], "r").key,
    ]  # fmt: skip
    assert keys[:4] == today
    assert keys[4:] == [
        key for _, key, _ in items[4:]
    ]  # no match, emails, raw bodies: as they were
    found = ledger.items().latest(
        "acct", "enrich-person", "linkedin:https://www.linkedin.com/in/ann-lee/"
    )
    assert found is not None and found.id == 1


def test_a_format_6_ledger_keys_each_name_in_one_unicode_form(tmp_path: Path) -> None:
    """Format 7 compares names in one Unicode form: "José Núñez" typed (NFC) and exported by a
    Mac (NFD) were two people, each paid for. A found answer, a pending job, what an answer
    taught and an enrichment by name answer for both spellings after the upgrade; an answer
    that found nothing keeps answering only for the spelling sent."""
    import unicodedata

    from clodura_cli.store.ledger import identity_of

    def nfd(text: str) -> str:
        return unicodedata.normalize("NFD", text)

    def old_key(first: str, last: str, domain: str) -> str:  # as format 6 keyed a name
        return "|".join(part.strip().casefold() for part in (first, last, domain))

    path = tmp_path / "ledger.db"
    v0_ledger(path, 6)
    db = sqlite3.connect(path)
    people = [  # (first, last, status, result), each asked with the decomposed spelling
        ("José", "Núñez", "completed", {"email": "jose@acme.example", "emailStatus": "verified"}),
        ("Zoë", "Brontë", "queued", None),
        ("Renée", "Côté", "completed", {"email": None}),
    ]  # fmt: skip
    for first, last, status, result in people:
        sent = {"firstName": nfd(first), "lastName": nfd(last), "companyDomain": "acme.example"}
        db.execute(
            "INSERT INTO jobs (account, kind, name_key, identifiers, record, tracking_id, status, "
            "result, credits, submitted_at, updated_at) VALUES ('acct', 'email', ?, ?, '{}', "
            "'T', ?, ?, 1, 4.0, 4.0)",
            (old_key(*sent.values()), json.dumps(sent), status, json.dumps(result)),
        )
    db.execute("INSERT INTO identities VALUES (1, 'acct', 'email', 'name_key', ?)",
               (old_key(nfd("Åsa"), nfd("Öberg"), "acme.example"),))  # fmt: skip
    db.executemany(
        "INSERT INTO items (account, endpoint, item_key, body, record, status, submitted_at, "
        "updated_at) VALUES ('acct', 'enrich-person', ?, '{}', '{}', 'completed', 5.0, 5.0)",
        [(f"name:{nfd('josé')}|{nfd('núñez')}|{nfd('acme señor')}",),
         ("name:x|y|straße.de/",)],  # a website in the company-page column, as format 6 kept it
    )  # fmt: skip
    db.commit()
    db.close()
    ledger = Ledger(path)

    def newest(first: str, last: str) -> int | None:
        who = {"firstName": first, "lastName": last, "companyDomain": "acme.example"}
        job = ledger.latest("acct", "email", identity_of(who))
        return job.id if job else None

    assert newest("José", "Núñez") == 3  # found: both spellings now
    assert newest("Zoë", "Brontë") == 4  # still pending: never twice
    assert newest("Renée", "Côté") is None  # found nobody: asked again
    assert newest("Åsa", "Öberg") == 1  # learnt from an answer
    today = vendor.person_purchase(
        {"firstName": "José", "lastName": "Núñez", "organisationName": "Acme Señor"}, "r"
    ).key
    assert ledger.items().latest("acct", "enrich-person", today) is not None
    website = vendor.person_purchase(
        {"firstName": "X", "lastName": "Y", "orgLinkedinUrl": "Straße.de"}, "r"
    ).key
    assert ledger.items().latest("acct", "enrich-person", website) is not None
    assert path.with_name("ledger.db.v6.bak").exists()
