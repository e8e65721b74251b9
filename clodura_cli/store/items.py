"""Paid items in the ledger file: every verification, enrichment and news request, written
before it leaves, with its answer as received, so that none is paid for twice.

An item is what one request buys, named by a key (``verify:deep:ann@acme.com``,
``enrich-org:123:technographics``). Its status moves through:

    unknown    written before the request is sent; stays so if no answer arrives (it may
               have been charged: not sent again without --refresh)
    pending    the API queued it (202): the answer comes by webhook
    completed  answered with what was paid for
    no_match   answered that nothing matched (nothing charged)
    unread     answered in a shape that could not be read: kept, shown, never empty
    rejected   the API refused it (4xx: nothing charged)
    not_sent   certainly never left this machine
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from clodura_cli.base.encoding import escape_halves
from clodura_cli.base.text import folded
from clodura_cli.store.sqlite_file import Tables, from_row

#: A LinkedIn URL (already in its one spelling, ``normal_linkedin``) at the start of a key part.
LINKEDIN_PART = re.compile(r"^(?:https?://)?(?:[a-z0-9-]+\.)?linkedin\.com/")


def company_part(text: str) -> str:
    """A company in the key of an enrichment by name: a LinkedIn URL as it is, any other text
    (a name, a website given as the company's page) folded, as names are."""
    return text if LINKEDIN_PART.match(text) else folded(text)


ITEMS_SQL = """
CREATE TABLE items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    item_key TEXT NOT NULL,
    body TEXT NOT NULL,
    record TEXT NOT NULL,
    status TEXT NOT NULL,
    result TEXT,
    credits NUMERIC,
    document_id TEXT,
    message TEXT,
    answer BLOB,
    headers TEXT,
    submitted_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX items_key ON items (account, endpoint, item_key);
CREATE INDEX items_document ON items (document_id)"""

#: Answered: the ledger answers for the item from now on (unless --refresh or --max-age).
ANSWERED = frozenset({"completed", "no_match"})
#: Not to be sent again without --refresh: it may have been charged, or is on its way.
BLOCKING = ANSWERED | {"unknown", "pending", "unread"}


@dataclass
class Item:
    """One paid request and what came of it."""

    id: int
    account: str
    endpoint: str
    key: str
    body: dict[str, Any]
    record: dict[str, Any]
    status: str
    result: Any
    credits: float | None
    document_id: str | None
    message: str | None
    answer: bytes | None
    headers: dict[str, str] | None
    submitted_at: float
    updated_at: float


class PaidItems(Tables):
    """The items of one ledger file."""

    def claim(
        self,
        account: str,
        endpoint: str,
        key: str,
        body: dict[str, Any],
        record: dict[str, Any],
        *,
        refresh: bool = False,
        max_age: float | None = None,
    ) -> tuple[Item, bool]:
        """The item that answers for ``key``, and True when it is new and must be sent.

        Inside one write transaction, so that two runs at once send it once. An answered item
        is reused unless ``refresh`` or older than ``max_age`` seconds; an unknown, pending or
        unread one is reused unless ``refresh``."""
        now = self._clock()
        with self._store.write() as db:
            row = db.execute(
                "SELECT * FROM items WHERE account = ? AND endpoint = ? AND item_key = ? "
                "ORDER BY id DESC LIMIT 1",
                (account, endpoint, key),
            ).fetchone()
            if (
                row is not None
                and not refresh
                and row["status"] in BLOCKING
                and not _stale(row["status"], row["updated_at"], now, max_age)
            ):
                return _item(row), False
            cursor = db.execute(
                "INSERT INTO items (account, endpoint, item_key, body, record, status, "
                "submitted_at, updated_at) VALUES (?, ?, ?, ?, ?, 'unknown', ?, ?)",
                (account, endpoint, key, _json(body), _json(record), now, now),
            )
            return self._get(db, int(cursor.lastrowid or 0)), True

    def holds(self, account: str, endpoint: str, key: str, max_age: float | None = None) -> bool:
        """True when a claim would reuse what the ledger has (nothing would be sent)."""
        row = self._newest("status, updated_at", account, endpoint, key)
        if row is None or row["status"] not in BLOCKING:
            return False
        return not _stale(row["status"], row["updated_at"], self._clock(), max_age)

    def answered(
        self,
        item_id: int,
        status: str,
        *,
        result: Any = None,
        credits: float | None = None,
        document_id: str | None = None,
        message: str | None = None,
        answer: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Item:
        """Record what came of an item (its answer kept as received)."""
        with self._store.write() as db:
            db.execute(
                "UPDATE items SET status = ?, result = ?, credits = ?, "
                "document_id = COALESCE(?, document_id), message = ?, "
                "answer = COALESCE(?, answer), headers = COALESCE(?, headers), updated_at = ? "
                "WHERE id = ?",
                (status, None if result is None else _json(result), credits, document_id,
                 message, answer, None if headers is None else json.dumps(headers),
                 self._clock(), item_id),
            )  # fmt: skip
            return self._get(db, item_id)

    def latest(self, account: str, endpoint: str, key: str) -> Item | None:
        """The newest item of a key, whatever its status, or None."""
        row = self._newest("*", account, endpoint, key)
        return None if row is None else _item(row)

    def get(self, item_id: int) -> Item:
        """An item as the ledger holds it now (another run or a delivery may have answered it)."""
        with self._store.reading() as db:
            return self._get(db, item_id)

    def _newest(self, columns: str, account: str, endpoint: str, key: str) -> sqlite3.Row | None:
        """The newest row of a key (``columns`` of it), or None."""
        rows = self._store.read(
            f"SELECT {columns} FROM items WHERE account = ? AND endpoint = ? AND item_key = ? "
            "ORDER BY id DESC LIMIT 1",
            (account, endpoint, key),
        )
        return rows[0] if rows else None

    def by_document(self, document_id: str) -> list[Item]:
        """The items a document id (a queued verification's) names."""
        rows = self._store.read("SELECT * FROM items WHERE document_id = ?", (document_id,))
        return [_item(row) for row in rows]

    def listed(self, endpoint: str | None = None, status: str | None = None) -> list[Item]:
        """Items, newest first, of one endpoint and status if given."""
        clauses, values = [], []
        for column, value in (("endpoint", endpoint), ("status", status)):
            if value is not None:
                clauses.append(f"{column} = ?")
                values.append(value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._store.read(f"SELECT * FROM items{where} ORDER BY id DESC", values)
        return [_item(row) for row in rows]

    def _get(self, db: sqlite3.Connection, item_id: int) -> Item:
        return _item(db.execute("SELECT * FROM items WHERE id = ?", (item_id,)).fetchone())


def _stale(status: str, updated_at: float, now: float, max_age: float | None) -> bool:
    return max_age is not None and status in ANSWERED and now - updated_at > max_age


def _json(value: Any) -> str:
    return escape_halves(json.dumps(value, ensure_ascii=False, sort_keys=True))


def _item(row: sqlite3.Row) -> Item:
    loads = json.loads
    return from_row(Item, row, renamed={"key": "item_key"}, body=loads, record=loads,
                    result=loads, credits=float, headers=loads)  # fmt: skip
