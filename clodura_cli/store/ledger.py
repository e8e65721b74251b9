"""The reveal ledger: every reveal job, written before its request leaves, in one SQLite file.

A job's status moves through:

    unknown    written before the request is sent; stays so if the answer never arrives
    queued / processing   the API answered with a tracking id
    unread     an answer said "done" without what was paid for, or named someone else: kept,
               polled on, never delivered (a newer reader may read it: track --reparse)
    completed / failed    final, from an answer that holds the evidence
    abandoned  given up by the user (track --abandon); --refresh may submit again
    forgotten  a not-found answer the user chose to ask again (track --forget-not-found)
    rejected   the API refused the submission (no job, no charge)
    not_sent   the request certainly never left this machine

Several processes may use the ledger at once (WAL mode); a person is claimed inside one write
transaction, so two runs revealing the same person submit once.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clodura_cli.api.linkedin import normal_linkedin
from clodura_cli.base.text import folded
from clodura_cli.store.deliveries import Deliveries
from clodura_cli.store.items import ITEMS_SQL, LINKEDIN_PART, PaidItems, company_part
from clodura_cli.store.sqlite_file import Schema, SharedDatabase, Tables, from_row

FINAL = frozenset({"completed", "failed", "abandoned"})
PENDING = frozenset({"queued", "processing"})
#: Still waiting for an answer that can be used: polled, listed as pending. ``unread``: an answer
#: said the job was done without holding what was paid for (or named someone else).
OPEN = PENDING | {"unread"}
#: Statuses under which the person must not be submitted again: it may cost twice.
BLOCKING = FINAL | OPEN | {"unknown"}

#: The message of a job whose not-found answer was forgotten.
FORGOTTEN = "not found; forgotten by track --forget-not-found: may be asked again"

#: Answers are kept up to this size each.
MAX_ANSWER_BYTES = 1024 * 1024
#: And up to this much per job, besides the submission's answer and the one that made the job
#: final, which are always kept: a job polled for hours must not fill the disk.
MAX_JOB_ANSWER_BYTES = 4 * 1024 * 1024

_JOBS = """
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    kind TEXT NOT NULL,
    person_id TEXT,
    linkedin_url TEXT,
    name_key TEXT,
    identifiers TEXT NOT NULL,
    record TEXT NOT NULL,
    tracking_id TEXT,
    status TEXT NOT NULL,
    result TEXT,
    credits NUMERIC,
    message TEXT,
    submitted_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    interim TEXT,
    dropped_answers INTEGER NOT NULL DEFAULT 0
)"""
_JOB_INDEXES = """
CREATE INDEX jobs_person ON jobs (account, kind, person_id);
CREATE INDEX jobs_linkedin ON jobs (account, kind, linkedin_url);
CREATE INDEX jobs_name ON jobs (account, kind, name_key);
CREATE INDEX jobs_status ON jobs (account, status);
CREATE INDEX jobs_tracking ON jobs (tracking_id)
"""
_V0_COLUMNS = (
    "id, account, kind, person_id, linkedin_url, name_key, identifiers, record, tracking_id, "
    "status, result, credits, message, submitted_at, updated_at"
)
_WEBHOOKS = """
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at REAL NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    body BLOB NOT NULL,
    headers TEXT,
    verified INTEGER,
    state TEXT NOT NULL,
    jobs TEXT,
    source TEXT NOT NULL,
    tracking_id TEXT
);
CREATE INDEX deliveries_state ON deliveries (state);
CREATE INDEX deliveries_tracking ON deliveries (tracking_id);
CREATE TABLE receivers (
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    url TEXT NOT NULL,
    started_at REAL NOT NULL,
    beat_at REAL NOT NULL,
    PRIMARY KEY (host, pid)
);
CREATE TABLE track_endpoints (
    base_url TEXT PRIMARY KEY,
    available INTEGER NOT NULL,
    noted_at REAL NOT NULL
)"""
_IDENTITIES = """
CREATE TABLE identities (
    job_id INTEGER NOT NULL REFERENCES jobs (id),
    account TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX identities_value ON identities (account, kind, name, value);
CREATE UNIQUE INDEX identities_once ON identities (job_id, name, value);
CREATE INDEX jobs_open ON jobs (status)"""


def _sent_identity(db: sqlite3.Connection) -> None:
    """Format 3: a job is known by the identifier it sent and nothing else (a person id a
    spreadsheet damaged must not answer for the person its row's LinkedIn URL names); what the
    answers name is learnt apart (the identities table)."""
    rows = db.execute("SELECT id, identifiers FROM jobs").fetchall()
    for row in rows:
        who = identity_of(json.loads(row[1]))
        db.execute(
            "UPDATE jobs SET person_id = ?, linkedin_url = ?, name_key = ? WHERE id = ?",
            (who.person_id, who.linkedin_url, who.name_key, row[0]),
        )
    _run_sql(db, _IDENTITIES)


def _memory_by_name(db: sqlite3.Connection) -> None:
    """Format 5: `--new-only` remembers a preset's people under the preset's name, not under
    the name and a hash of its filters (editing the preset made everyone new again). Memory
    kept under every earlier version of a preset's filters is merged into its name."""
    queries = [row[0] for row in db.execute("SELECT DISTINCT query FROM emitted")]
    for query in queries:
        sources, _, _ = query.rpartition("|")
        if not sources or sources == "query":
            continue  # an ad-hoc query keeps its hash
        db.execute(
            "INSERT OR IGNORE INTO emitted (profile, query, person_id, emitted_at) "
            "SELECT profile, ?, person_id, emitted_at FROM emitted WHERE query = ?",
            (sources, query),
        )
        db.execute("DELETE FROM emitted WHERE query = ?", (query,))


def _key_again(db: sqlite3.Connection, name: str, again: Callable[[str], str | None]) -> None:
    """Key jobs (by what they sent) and what answers taught (``again`` of the value) anew under
    ``name`` (``linkedin_url``, ``name_key``), as today's ``identity_of`` keys them. A final
    answer that found nothing keeps its key: it answers for the spelling that was sent only."""
    rekeyed = []
    for job_id, sent, key, status, result in db.execute(
        f"SELECT id, identifiers, {name}, status, result FROM jobs WHERE {name} IS NOT NULL"
    ):
        now = getattr(identity_of(json.loads(sent)), name)
        if now != key and (status not in FINAL or found_in(status, result and json.loads(result))):
            rekeyed.append((now, job_id))
    db.executemany(f"UPDATE jobs SET {name} = ? WHERE id = ?", rekeyed)
    learnt = db.execute(
        "SELECT rowid, job_id, account, kind, value FROM identities WHERE name = ?", (name,)
    ).fetchall()
    for rowid, job_id, account, kind, value in learnt:
        key = again(value)
        if key and key != value:
            db.execute(
                "INSERT OR IGNORE INTO identities VALUES (?, ?, ?, ?, ?)",
                (job_id, account, kind, name, key),
            )
            db.execute("DELETE FROM identities WHERE rowid = ?", (rowid,))


def _one_key_a_profile(db: sqlite3.Connection) -> None:
    """Format 6: one LinkedIn URL, one spelling (``normal_linkedin``), sent and kept however
    it was written (%2D or %C3%B6, capitals, a language segment like /de). Before, each
    spelling was a person of its own, and a reveal or enrichment of one was paid for again
    under another. Jobs, what answers taught (identities) and paid items are keyed again,
    except answers that found nothing: those answer for the spelling that was sent only."""
    _key_again(db, "linkedin_url", normal_linkedin)
    items = db.execute(
        "SELECT id, item_key FROM items WHERE status != 'no_match' AND item_key LIKE "
        "'%linkedin.com/%'"
    ).fetchall()
    db.executemany(
        "UPDATE items SET item_key = ? WHERE id = ?",
        [(_item_key_again(key), item_id) for item_id, key in items],
    )


def _names_one_form(db: sqlite3.Connection) -> None:
    """Format 7: a name is compared in one Unicode form (``folded``): "José" composed (NFC) and
    decomposed (NFD, a Mac's export) were two people, each paid for. Jobs asked by name, what
    answers taught (identities) and enrichments by name are keyed again, except answers that
    found nothing (they answer for the spelling sent only)."""
    _key_again(db, "name_key", lambda value: "|".join(folded(p) for p in value.split("|")))
    items = db.execute(
        "SELECT id, item_key FROM items WHERE status != 'no_match' AND item_key LIKE 'name:%'"
    ).fetchall()
    rekeyed_items = []
    for item_id, key in items:
        first, _, rest = key[len("name:") :].partition("|")
        last, _, company = rest.partition("|")
        again = f"name:{folded(first)}|{folded(last)}|{company_part(company)}"
        if again != key:
            rekeyed_items.append((again, item_id))
    db.executemany("UPDATE items SET item_key = ? WHERE id = ?", rekeyed_items)


def _item_key_again(key: str) -> str:
    """A paid item's key with its LinkedIn URL spelt as format 6 spells it, where the key
    holds one: a person's enrichment (``linkedin:URL``, ``name:FIRST|LAST|URL``), an
    organisation's enrichment or its news (``URL|...``). Any other key (a raw body's, an
    email's, a name at a company named in words) stays as it is."""
    if key.startswith("linkedin:"):
        return "linkedin:" + (normal_linkedin(key.removeprefix("linkedin:")) or "")
    if key.startswith("body:"):
        return key
    parts = key.split("|")
    at = 2 if key.startswith("name:") else 0
    if len(parts) > at and LINKEDIN_PART.match(parts[at]):
        parts[at] = normal_linkedin(parts[at]) or parts[at]
    return "|".join(parts)


def _run_sql(db: sqlite3.Connection, statements: str) -> None:
    for statement in statements.split(";"):
        if statement.strip():
            db.execute(statement)


SCHEMA = Schema(
    version=7,
    create=f"""{_JOBS};
{_JOB_INDEXES};
CREATE TABLE answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL REFERENCES jobs (id),
    call TEXT NOT NULL,
    received_at REAL NOT NULL,
    body BLOB NOT NULL,
    truncated INTEGER NOT NULL DEFAULT 0,
    headers TEXT
);
CREATE INDEX answers_job ON answers (job_id);
CREATE TABLE emitted (
    profile TEXT NOT NULL,
    query TEXT NOT NULL,
    person_id TEXT NOT NULL,
    emitted_at REAL NOT NULL,
    PRIMARY KEY (profile, query, person_id)
);
CREATE TABLE reserve (space BLOB);
{_WEBHOOKS};
{_IDENTITIES};
{ITEMS_SQL}
""",
    steps=(
        # 1: a tracking id may name several jobs (a batch id); credits may be decimal; interim
        # values and answers not kept are recorded; answers keep their headers.
        (
            1,
            f"""{_JOBS.replace("CREATE TABLE jobs", "CREATE TABLE jobs_v1")};
INSERT INTO jobs_v1 ({_V0_COLUMNS}) SELECT {_V0_COLUMNS} FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_v1 RENAME TO jobs;
{_JOB_INDEXES};
ALTER TABLE answers ADD COLUMN headers TEXT;
CREATE TABLE reserve (space BLOB)
""",
        ),
        # 2: webhook deliveries (kept raw, matched to jobs), receivers' heartbeats, and which
        # APIs have no track endpoint.
        (2, _WEBHOOKS),
        (3, _sent_identity),
        # 4: verifications, enrichments and news requests: paid items.
        (4, ITEMS_SQL),
        (5, _memory_by_name),
        (6, _one_key_a_profile),
        (7, _names_one_form),
    ),
)


@dataclass
class Job:
    """One row of the ledger."""

    id: int
    account: str
    kind: str
    person_id: str | None
    linkedin_url: str | None
    name_key: str | None
    identifiers: dict[str, Any]
    record: dict[str, Any]
    tracking_id: str | None
    status: str
    result: dict[str, Any] | None
    credits: float | None
    message: str | None
    submitted_at: float
    updated_at: float
    #: Values an answer carried while the job was still pending: kept, never the result.
    interim: dict[str, Any] | None = None
    #: Answers between the first and the last that were not kept (the per-job cap).
    dropped_answers: int = 0

    @property
    def is_final(self) -> bool:
        """True once the job has its final result."""
        return self.status in FINAL

    @property
    def is_pending(self) -> bool:
        """True while the API is still working on the job."""
        return self.status in PENDING

    @property
    def is_open(self) -> bool:
        """True while the job waits for an answer that can be used (pending or unread)."""
        return self.status in OPEN

    @property
    def found(self) -> bool:
        """True when the job completed with what was paid for: an email or a phone number."""
        return found_in(self.status, self.result)


@dataclass(frozen=True)
class StoredAnswer:
    """An answer to a paid call (a submission or a track), as received."""

    job_id: int
    call: str
    received_at: float
    body: bytes
    truncated: bool
    #: The answer's headers (cookies, auth and anything carrying the key left out).
    headers: dict[str, str] | None = None


@dataclass(frozen=True)
class Identity:
    """The ways a person can be recognised in the ledger."""

    person_id: str | None = None
    linkedin_url: str | None = None
    name_key: str | None = None


class Ledger:
    """The SQLite ledger file; safe to share between threads and processes."""

    def __init__(self, path: Path, clock: Any = time.time, *, read_only: bool = False) -> None:
        """``read_only``: for listing only; works where the data folder cannot be written."""
        self.path = path
        self._clock = clock
        self._store = SharedDatabase(path, SCHEMA, read_only=read_only)

    def close(self) -> None:
        """Close the file."""
        self._store.close()

    def latest_found(self, account: str, kind: str, who: Identity) -> Job | None:
        """The newest job for this person that found what was paid for, if any (a newer one
        may have found nothing: a --refresh)."""
        with self._store.reading() as db:
            return self._latest(db, account, kind, who, found=True)

    def _latest(
        self, db: sqlite3.Connection, account: str, kind: str, who: Identity, *, found: bool = False
    ) -> Job | None:
        """The newest job for this person (``found``: the newest that found something)."""
        done = " AND jobs.status = 'completed'" if found else ""
        most = 50 if found else 1
        asked = [(column, value) for column, value in (
            ("person_id", who.person_id),
            ("linkedin_url", who.linkedin_url),
            ("name_key", who.name_key),
        ) if value]  # fmt: skip
        if not asked:
            return None
        clauses = " OR ".join(f"{column} = ?" for column, _ in asked)
        values = [value for _, value in asked]
        rows = db.execute(
            f"SELECT * FROM jobs WHERE account = ? AND kind = ? AND ({clauses})"
            f"{done} ORDER BY id DESC LIMIT {most}",
            (account, kind, *values),
        ).fetchall()
        either = " OR ".join("(identities.name = ? AND identities.value = ?)" for _ in asked)
        pairs = [part for pair in asked for part in pair]
        learnt = db.execute(
            "SELECT jobs.* FROM identities JOIN jobs ON jobs.id = identities.job_id "
            f"WHERE identities.account = ? AND identities.kind = ? AND ({either}){done} "
            f"ORDER BY jobs.id DESC LIMIT {most}",
            (account, kind, *pairs),
        ).fetchall()
        jobs = sorted({row["id"]: _job(row) for row in [*rows, *learnt]}.items(), reverse=True)
        if found:
            return next((job for _, job in jobs if job.found), None)
        return jobs[0][1] if jobs else None

    def learn(self, job: Job, named: Identity) -> None:
        """What a found answer ``named`` of the person (their id, LinkedIn URL, name and
        domain) answers for them from now on. Only a found result teaches: a not-found answer
        stays tied to the identifier that was sent."""
        if not job.found:
            return
        learnt = [(name, value) for name, value in (
            ("person_id", named.person_id), ("linkedin_url", named.linkedin_url),
            ("name_key", named.name_key)) if value and value != getattr(job, name)]  # fmt: skip
        if not learnt:
            return
        with self._store.write() as db:
            db.executemany(
                "INSERT OR IGNORE INTO identities VALUES (?, ?, ?, ?, ?)",
                [(job.id, job.account, job.kind, name, value) for name, value in learnt],
            )

    def forget_not_found(self, since: float | None = None) -> list[Job]:
        """Mark the not-found answers (jobs submitted since ``since``) as forgotten, so that the
        person may be asked again; their raw answers stay. Returns the jobs forgotten."""
        with self._store.write() as db:
            rows = db.execute(
                "SELECT * FROM jobs WHERE status = 'completed' AND submitted_at >= ?",
                (since or 0.0,),
            ).fetchall()
            found_nothing = [job for job in map(_job, rows) if not job.found]
            db.executemany(
                "UPDATE jobs SET status = 'forgotten', message = ?, updated_at = ? WHERE id = ?",
                [(FORGOTTEN, self._clock(), job.id) for job in found_nothing],
            )
        return found_nothing

    def forget_open(self, accounts: list[str], why: str) -> int:
        """Mark the jobs of ``accounts`` still waiting for an answer (or whose answer was lost)
        as forgotten: the API they were sent to no longer knows them (the sandbox, reset), so
        a reveal asks again; their answers stay. Returns how many."""
        marks = ",".join("?" * len(accounts))
        with self._store.write() as db:
            changed = db.execute(
                f"UPDATE jobs SET status = 'forgotten', message = ?, updated_at = ? WHERE "
                f"account IN ({marks}) AND status IN ('unknown', 'queued', 'processing', "
                "'unread')",
                (why, self._clock(), *accounts),
            )
            return changed.rowcount

    def latest(self, account: str, kind: str, who: Identity) -> Job | None:
        """The newest job for this person, if any."""
        with self._store.reading() as db:
            return self._latest(db, account, kind, who)

    def claim(
        self,
        account: str,
        kind: str,
        who: Identity,
        identifiers: dict[str, Any],
        record: dict[str, Any],
        *,
        refresh: bool = False,
        replace: Callable[[Job], bool] | None = None,
    ) -> tuple[Job, bool]:
        """The job that answers for this person, and True when it is new and must be submitted.

        A new job is written with status ``unknown`` before its request is sent. An existing
        final job is reused unless ``refresh``; a pending or unknown one is reused unless
        ``replace`` (asked inside the transaction) says it may be replaced.
        """
        with self._store.write() as db:
            existing = self._latest(db, account, kind, who)
            if (
                existing is not None
                and existing.status in BLOCKING
                and not (refresh and existing.is_final)
                and not (replace is not None and replace(existing))
            ):
                return existing, False
            return self._insert(db, account, kind, who, identifiers, record, None, "unknown"), True

    def update(self, job_id: int, *, unless_final: bool = False, **changes: Any) -> Job:
        """Store new values for a job (status, tracking_id, result, credits, message, interim).
        ``unless_final``: in the same transaction, a job that has its final answer (another
        hand may have finished it since it was read) keeps it; only a tracking id it lacks is
        still added."""
        allowed = {"status", "tracking_id", "result", "credits", "message", "interim"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)}")
        for name in ("result", "interim"):
            if changes.get(name) is not None:
                changes[name] = _json(changes[name])
        with self._store.write() as db:
            if unless_final:
                now = db.execute(
                    "SELECT status, tracking_id FROM jobs WHERE id = ?", (job_id,)
                ).fetchone()
                if now is not None and now["status"] in FINAL:
                    keep = now["tracking_id"] is None and changes.get("tracking_id") is not None
                    changes = {"tracking_id": changes["tracking_id"]} if keep else {}
            if changes:
                assignments = ", ".join(f"{name} = ?" for name in changes)
                db.execute(
                    f"UPDATE jobs SET {assignments}, updated_at = ? WHERE id = ?",
                    (*changes.values(), self._clock(), job_id),
                )
            return _job(db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone())

    def keep_answer(
        self,
        job_id: int,
        call: str,
        body: bytes,
        headers: dict[str, str] | None = None,
        *,
        final: bool = False,
    ) -> bool:
        """Store an answer to a paid call exactly as received (at most MAX_ANSWER_BYTES), with
        its headers. Past MAX_JOB_ANSWER_BYTES for the job, an answer that is neither the
        submission's nor a final one is counted, not kept; returns whether it was kept."""
        kept = body[:MAX_ANSWER_BYTES]
        with self._store.write() as db:
            if call == "track" and not final:
                stored = db.execute(
                    "SELECT COALESCE(SUM(LENGTH(body)), 0) FROM answers WHERE job_id = ?",
                    (job_id,),
                ).fetchone()[0]
                if stored + len(kept) > MAX_JOB_ANSWER_BYTES:
                    db.execute(
                        "UPDATE jobs SET dropped_answers = dropped_answers + 1 WHERE id = ?",
                        (job_id,),
                    )
                    return False
            db.execute(
                "INSERT INTO answers (job_id, call, received_at, body, truncated, headers) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (job_id, call, self._clock(), kept, int(len(body) > MAX_ANSWER_BYTES),
                 None if headers is None else json.dumps(headers)),
            )  # fmt: skip
        return True

    def answers(self, job_id: int | None = None) -> list[StoredAnswer]:
        """The stored answers of one job, or of every job, oldest first."""
        sql = "SELECT * FROM answers" + (" WHERE job_id = ?" if job_id is not None else "")
        rows = self._store.read(sql + " ORDER BY id", () if job_id is None else (job_id,))
        return [
            from_row(StoredAnswer, row, body=bytes, truncated=bool, headers=json.loads)
            for row in rows
        ]

    def reserve(self, size: int) -> None:
        """Make sure ``size`` bytes can be written to the ledger before paying for anything:
        write them, then free them, so the file (and its journal) keep the room for the
        answers to come. A full disk is found now, when nothing has been submitted."""
        with self._store.write() as db:
            db.execute("INSERT INTO reserve VALUES (zeroblob(?))", (max(0, int(size)),))
        with self._store.write() as db:
            db.execute("DELETE FROM reserve")

    def by_person(self, person_id: str) -> list[Job]:
        """Every job for a person id, asked by it or answered with it (a job asked by LinkedIn
        URL whose answer named the id), newest first."""
        rows = self._store.read(
            "SELECT * FROM jobs WHERE person_id = ? OR id IN (SELECT job_id FROM identities "
            "WHERE name = 'person_id' AND value = ?) ORDER BY id DESC",
            (person_id, person_id),
        )
        return [_job(row) for row in rows]

    def by_linkedin(self, url: str) -> list[Job]:
        """Every job for a LinkedIn profile (however its URL is written), asked by it or
        answered with it, newest first."""
        key = normal_linkedin(url)
        rows = self._store.read(
            "SELECT * FROM jobs WHERE linkedin_url = ? OR id IN (SELECT job_id FROM identities "
            "WHERE name = 'linkedin_url' AND value = ?) ORDER BY id DESC",
            (key, key),
        )
        return [_job(row) for row in rows]

    def jobs_by_ids(self, job_ids: Iterable[int]) -> list[Job]:
        """The jobs with these ids, as the ledger holds them now."""
        ids = list(job_ids)
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        rows = self._store.read(f"SELECT * FROM jobs WHERE id IN ({marks})", ids)
        return [_job(row) for row in rows]

    def get(self, job_id: int) -> Job:
        """A job as the ledger holds it now."""
        return _job(self._store.read("SELECT * FROM jobs WHERE id = ?", (job_id,))[0])

    def by_tracking_id(self, tracking_id: str) -> list[Job]:
        """Every job with this tracking id (a batch id may name several), oldest first."""
        rows = self._store.read(
            "SELECT * FROM jobs WHERE tracking_id = ? ORDER BY id", (tracking_id,)
        )
        return [_job(row) for row in rows]

    def record_tracked(
        self, account: str, tracking_id: str, kind: str, identifiers: dict[str, Any]
    ) -> Job:
        """A job learnt of through `track ID` that this ledger did not hold yet."""
        who = identity_of(identifiers)
        with self._store.write() as db:
            return self._insert(
                db, account, kind, who, identifiers, identifiers, tracking_id, "queued"
            )

    def _insert(
        self,
        db: sqlite3.Connection,
        account: str,
        kind: str,
        who: Identity,
        identifiers: dict[str, Any],
        record: dict[str, Any],
        tracking_id: str | None,
        status: str,
    ) -> Job:
        now = self._clock()
        cursor = db.execute(
            "INSERT INTO jobs (account, kind, person_id, linkedin_url, name_key, identifiers, "
            "record, tracking_id, status, submitted_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                account,
                kind,
                who.person_id,
                who.linkedin_url,
                who.name_key,
                _json(identifiers),
                _json(record),
                tracking_id,
                status,
                now,
                now,
            ),
        )
        return _job(db.execute("SELECT * FROM jobs WHERE id = ?", (cursor.lastrowid,)).fetchone())

    def deliveries(self) -> Deliveries:
        """The webhook deliveries, receivers and track endpoints kept in the same file."""
        return Deliveries(self._store, self._clock)

    def items(self) -> PaidItems:
        """The paid verifications, enrichments and news requests kept in the same file."""
        return PaidItems(self._store, self._clock)

    def batch(self) -> contextlib.AbstractContextManager[Any]:
        """One transaction around several changes: all are committed together, or none."""
        return self._store.write()

    def open_jobs_of(self, kind: str, who: Identity) -> list[Job]:
        """A person's jobs of a kind still waiting for an answer (or whose answer was lost),
        of any account, newest first: what a delivery naming the person may answer."""
        found = []
        for column, value in (("person_id", who.person_id), ("linkedin_url", who.linkedin_url)):
            if value:
                rows = self._store.read(
                    f"SELECT * FROM jobs WHERE {column} = ? AND kind = ? AND status IN "
                    "('queued', 'processing', 'unread', 'unknown') ORDER BY id DESC",
                    (value, kind),
                )
                found += [_job(row) for row in rows]
        return list({job.id: job for job in found}.values())

    def emitted_people(self, profile: str, query: str) -> EmittedPeople:
        """The record of people `search --new-only` emitted for a profile and query."""
        return EmittedPeople(self._store, self._clock, profile, query)

    def jobs(
        self, account: str | None = None, *, pending_only: bool = False, limit: int | None = None
    ) -> list[Job]:
        """Jobs newest first; only unfinished ones (pending or unknown) with ``pending_only``."""
        sql = "SELECT * FROM jobs"
        conditions, values = [], []
        if account is not None:
            conditions.append("account = ?")
            values.append(account)
        if pending_only:
            conditions.append("status IN ('queued', 'processing', 'unread', 'unknown')")
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_job(row) for row in self._store.read(sql, values)]


class SeenLookup:
    """The people `--new-only` saw before, as a set that reads the ledger only for the ids it
    is asked about (a memory of a million people costs nothing to open), plus those added."""

    def __init__(self, memory: EmittedPeople) -> None:
        self._memory = memory
        self._added: set[str] = set()

    def __contains__(self, person_id: object) -> bool:
        return person_id in self._added or (
            isinstance(person_id, str) and self._memory.knows(person_id)
        )

    def add(self, person_id: str) -> None:
        self._added.add(person_id)


class EmittedPeople(Tables):
    """Who `search --new-only` has already emitted, per profile and query (same file)."""

    def __init__(self, store: SharedDatabase, clock: Any, profile: str, query: str) -> None:
        super().__init__(store, clock)
        self.profile = profile
        self.query = query

    def seen(self) -> set[str]:
        """Person ids emitted before for this profile and query (all of them: for tests and
        small uses; a search asks ``lookup()``, whose cost does not grow with the memory)."""
        rows = self._store.read(
            "SELECT person_id FROM emitted WHERE profile = ? AND query = ?",
            (self.profile, self.query),
        )
        return {row[0] for row in rows}

    def lookup(self) -> SeenLookup:
        """Who was emitted before, asked one person at a time through the table's key."""
        return SeenLookup(self)

    def count(self, most: int) -> int:
        """How many people were emitted for this query, counted up to ``most`` (what costs
        the same for a memory of a million)."""
        rows = self._store.read(
            "SELECT count(*) FROM (SELECT 1 FROM emitted WHERE profile = ? AND query = ? LIMIT ?)",
            (self.profile, self.query, most),
        )
        return int(rows[0][0])

    def knows(self, person_id: str) -> bool:
        """True when this person was emitted before for this profile and query."""
        rows = self._store.read(
            "SELECT 1 FROM emitted WHERE profile = ? AND query = ? AND person_id = ?",
            (self.profile, self.query, person_id),
        )
        return bool(rows)

    def forget(self, *, every_query: bool = False, dry_run: bool = False) -> int:
        """Forget who was emitted for this query (or for every query of the profile); returns
        how many people were (``dry_run``: would be) forgotten."""
        if dry_run:
            where = "profile = ?" + ("" if every_query else " AND query = ?")
            values = (self.profile,) if every_query else (self.profile, self.query)
            rows = self._store.read(f"SELECT count(*) FROM emitted WHERE {where}", values)
            return int(rows[0][0])
        with self._store.write() as db:
            if every_query:
                cursor = db.execute("DELETE FROM emitted WHERE profile = ?", (self.profile,))
            else:
                cursor = db.execute(
                    "DELETE FROM emitted WHERE profile = ? AND query = ?",
                    (self.profile, self.query),
                )
            return int(cursor.rowcount)

    def adopt(self, query: str) -> int:
        """Take over who was emitted under another name of the same query (a name an earlier
        version gave it), in place: nobody remembered is lost, each person is kept once.
        Returns how many were taken over."""
        held = "SELECT 1 FROM emitted WHERE profile = ? AND query = ? LIMIT 1"
        if not self._store.read(held, (self.profile, query)):
            return 0  # the usual case: no write, no lock
        with self._store.write() as db:
            moved = db.execute(
                "UPDATE OR IGNORE emitted SET query = ? WHERE profile = ? AND query = ?",
                (self.query, self.profile, query),
            ).rowcount
            # What stayed behind was remembered under this name already.
            db.execute("DELETE FROM emitted WHERE profile = ? AND query = ?", (self.profile, query))
            return int(moved)

    def record(self, person_ids: Iterable[str]) -> None:
        """Remember that these people were emitted."""
        now = self._clock()
        with self._store.write() as db:
            db.executemany(
                "INSERT OR IGNORE INTO emitted VALUES (?, ?, ?, ?)",
                [(self.profile, self.query, pid, now) for pid in person_ids],
            )


def found_in(status: str, result: Any) -> bool:
    """True for a job that completed with what was paid for: an email or a phone number."""
    found = result if isinstance(result, dict) else {}
    return status == "completed" and bool(found.get("email") or found.get("phones"))


def identity_of(identifiers: dict[str, Any]) -> Identity:
    """How the ledger recognises a person from reveal identifiers or an input record."""
    person_id = identifiers.get("personId")
    linkedin = identifiers.get("linkedinUrl")
    first, last = identifiers.get("firstName"), identifiers.get("lastName")
    domain = identifiers.get("companyDomain")
    if isinstance(domain, list):
        domain = domain[0] if domain else None
    name_key = None
    if first and last and domain:
        name_key = "|".join(folded(str(part)) for part in (first, last, domain))
    return Identity(
        person_id=str(person_id) if person_id else None,
        linkedin_url=normal_linkedin(str(linkedin)) if linkedin else None,
        name_key=name_key,
    )


def _job(row: sqlite3.Row) -> Job:
    loads = json.loads
    return from_row(Job, row, identifiers=loads, record=loads, result=loads, interim=loads)


def _json(value: Any) -> str:
    """A value as JSON for a column; one nested past reading is stored capped (its answer is
    kept as received in any case)."""
    try:
        return json.dumps(value)
    except RecursionError:
        from clodura_cli.base.values import cap_depth

        return json.dumps(cap_depth(value))
