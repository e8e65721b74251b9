"""What the sandbox remembers between processes: credits spent, reveal jobs, people unlocked.

Format 1 (the file's ``user_version``) added three columns to ``accounts`` for the
verification, enrichment and news endpoints, whose prices are decimal (0.04, 0.1): an older
file is upgraded in place when it is opened (after a copy of it, ``state.db.v0.bak``).

- ``fraction`` (Multi-Provider plans): the part of one credit already spent out of
  ``remaining``, 0 <= fraction < 1. The pool is ``remaining - fraction``; ``remaining`` stays the
  whole number the search and reveal endpoints count with, which makes it the pool rounded up.
- ``other_spent`` (every plan): credits spent on those endpoints. On Standard plans it is the
  only record of them (their contact-view and direct-dial pools are not touched, and the
  Credits answer does not show it); on Multi-Provider plans they are also taken from the pool.
- ``verifications``: how many verifications the key has asked for (numbers the document ids).
"""

import json
import sqlite3
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from clodura_cli.sandbox.keys import SANDBOX_KEYS, STANDARD
from clodura_cli.store.sqlite_file import Schema, SharedDatabase

if TYPE_CHECKING:  # decimal is imported by the first decimal amount: a search has none
    from decimal import Decimal

_TABLES = """
CREATE TABLE IF NOT EXISTS accounts (
    key TEXT PRIMARY KEY,
    contacts_used INTEGER NOT NULL,
    direct_dials_used INTEGER NOT NULL,
    remaining INTEGER NOT NULL,
    fraction REAL NOT NULL DEFAULT 0,
    other_spent REAL NOT NULL DEFAULT 0,
    verifications INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS jobs (
    tracking_id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    type TEXT NOT NULL,
    input TEXT NOT NULL,
    created REAL NOT NULL,
    ready REAL NOT NULL,
    status TEXT NOT NULL,
    result TEXT,
    cost INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS unlocked (
    key TEXT NOT NULL,
    person_id TEXT NOT NULL,
    PRIMARY KEY (key, person_id)
);
"""
_SCHEMA = Schema(
    version=1,
    create=_TABLES,
    steps=(
        (
            1,
            "ALTER TABLE accounts ADD COLUMN fraction REAL NOT NULL DEFAULT 0;"
            "ALTER TABLE accounts ADD COLUMN other_spent REAL NOT NULL DEFAULT 0;"
            "ALTER TABLE accounts ADD COLUMN verifications INTEGER NOT NULL DEFAULT 0",
        ),
    ),
)


class Account(NamedTuple):
    """A key's balance; a charge makes a new one, which ``save_account`` stores."""

    key: str
    contacts_used: int
    direct_dials_used: int
    remaining: int
    #: Multi-Provider: the part of one credit already spent out of ``remaining`` (see above).
    fraction: float = 0.0
    #: Credits spent on the verification, enrichment and news endpoints.
    other_spent: float = 0.0
    #: Verifications asked for so far.
    verifications: int = 0

    def balance(self) -> "Decimal":
        """A Multi-Provider pool, to the hundredth of a credit (never below zero)."""
        return max(_decimal(0), _decimal(self.remaining) - _decimal(self.fraction))


class Job(NamedTuple):
    """A reveal job as stored."""

    tracking_id: str
    key: str
    type: str
    input: dict[str, Any]
    created: float
    ready: float
    status: str
    result: dict[str, Any] | None
    cost: int


class SandboxState:
    """A SQLite file shared by every process that emulates the API for the same user."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._store = SharedDatabase(path, _SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self._store.close()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction, serialised within this process and against other processes."""
        return self._store.write()

    def account(self, db: sqlite3.Connection, key: str) -> Account:
        """The key's balance, created from its plan on first use."""
        row = db.execute("SELECT * FROM accounts WHERE key = ?", (key,)).fetchone()
        if row is None:
            plan = SANDBOX_KEYS[key]
            account = Account(
                key, plan.contacts_used, plan.direct_dials_used, plan.remaining_credits
            )
            db.execute(
                "INSERT INTO accounts (key, contacts_used, direct_dials_used, remaining) "
                "VALUES (?, ?, ?, ?)",
                (key, account.contacts_used, account.direct_dials_used, account.remaining),
            )
            return account
        return Account(
            key,
            row["contacts_used"],
            row["direct_dials_used"],
            row["remaining"],
            row["fraction"],
            row["other_spent"],
            row["verifications"],
        )

    def save_account(self, db: sqlite3.Connection, account: Account) -> None:
        """Store a changed balance."""
        db.execute(
            "UPDATE accounts SET contacts_used = ?, direct_dials_used = ?, remaining = ?, "
            "fraction = ?, other_spent = ?, verifications = ? WHERE key = ?",
            (
                account.contacts_used,
                account.direct_dials_used,
                account.remaining,
                account.fraction,
                account.other_spent,
                account.verifications,
                account.key,
            ),
        )

    def add_job(self, db: sqlite3.Connection, job: Job) -> None:
        """Store a new reveal job."""
        db.execute(
            "INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                job.tracking_id,
                job.key,
                job.type,
                json.dumps(job.input),
                job.created,
                job.ready,
                job.status,
                None if job.result is None else json.dumps(job.result),
                job.cost,
            ),
        )

    def job(self, db: sqlite3.Connection, tracking_id: str) -> Job | None:
        """One job by tracking id."""
        row = db.execute("SELECT * FROM jobs WHERE tracking_id = ?", (tracking_id,)).fetchone()
        return None if row is None else _job(row)

    def due_jobs(self, db: sqlite3.Connection, key: str, now: float) -> list[Job]:
        """The key's unfinished jobs whose result is ready."""
        rows = db.execute(
            "SELECT * FROM jobs WHERE key = ? AND status IN ('queued', 'processing') "
            "AND ready <= ? ORDER BY created",
            (key, now),
        ).fetchall()
        return [_job(row) for row in rows]

    def reschedule_pending(self, db: sqlite3.Connection, delay: float) -> None:
        """Unfinished jobs become ready ``delay`` seconds after they were created."""
        db.execute(
            "UPDATE jobs SET ready = created + ? WHERE status IN ('queued', 'processing')",
            (delay,),
        )

    def finish_job(self, db: sqlite3.Connection, job: Job) -> None:
        """Store a job's final status, result and cost."""
        db.execute(
            "UPDATE jobs SET status = ?, result = ?, cost = ? WHERE tracking_id = ?",
            (job.status, json.dumps(job.result), job.cost, job.tracking_id),
        )

    def unlock(self, db: sqlite3.Connection, key: str, person_id: str) -> None:
        """Remember that the key has unlocked (viewed) a person."""
        db.execute("INSERT OR IGNORE INTO unlocked VALUES (?, ?)", (key, person_id))

    def unlocked(self, db: sqlite3.Connection, key: str) -> frozenset[str]:
        """Every person the key has unlocked."""
        rows = db.execute("SELECT person_id FROM unlocked WHERE key = ?", (key,)).fetchall()
        return frozenset(row[0] for row in rows)


def credits_payload(account: Account) -> dict[str, Any]:
    """The Credits answer in the shape of the key's plan family."""
    plan = SANDBOX_KEYS[account.key]
    if plan.family == STANDARD:
        return {
            "contactsView": account.contacts_used,
            "maxContacts": str(plan.max_contacts),
            "directDials": account.direct_dials_used,
            "maxDirectDials": plan.max_direct_dials,
        }
    if not account.fraction:
        return {"remainingCredits": account.remaining}
    # A pool with hundredths spent out of it (verifications): a number like 99999.96.
    return {"remainingCredits": float(account.balance())}


def _decimal(value: float) -> "Decimal":
    """A stored amount as the decimal it was (amounts are kept to the hundredth)."""
    from decimal import Decimal

    return Decimal(str(round(value, 4)))


def spend_decimal(account: Account, cost: "Decimal") -> Account:
    """The balance after a decimal cost: counted in ``other_spent`` on every plan, and taken
    from the pool on Multi-Provider plans (never below empty), ``remaining`` staying the pool
    rounded up."""
    if cost <= 0:
        return account
    account = account._replace(other_spent=float(_decimal(account.other_spent) + cost))
    if SANDBOX_KEYS[account.key].family == STANDARD:
        return account
    left = max(_decimal(0), account.balance() - cost)
    whole = int(left.to_integral_value(rounding="ROUND_CEILING"))
    return account._replace(remaining=whole, fraction=float(whole - left))


def _job(row: sqlite3.Row) -> Job:
    return Job(
        tracking_id=row["tracking_id"],
        key=row["key"],
        type=row["type"],
        input=json.loads(row["input"]),
        created=row["created"],
        ready=row["ready"],
        status=row["status"],
        result=None if row["result"] is None else json.loads(row["result"]),
        cost=row["cost"],
    )
