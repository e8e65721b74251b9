"""Pages a search paid for, kept for a while (the ``search-cache-ttl`` setting, 1 hour by
default): a rerun of the same query reuses the pages it has instead of paying for them again,
so an interrupted export resumes where it stopped. ``--refresh`` asks the API again.

A page is keyed by the account, the endpoint and the exact request body (filters, page and
perPage). The file lives in the cache folder, owner-only: it holds the records as received.
A cache that cannot be opened or written is dropped for the run with one warning; the search
goes on without it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clodura_cli.base.encoding import escape_halves
from clodura_cli.store.sqlite_file import Schema, SharedDatabase

SCHEMA = Schema(
    version=1,
    create="""CREATE TABLE pages (
    account TEXT NOT NULL,
    request TEXT NOT NULL,
    fetched_at REAL NOT NULL,
    records TEXT NOT NULL,
    PRIMARY KEY (account, request)
);
CREATE INDEX pages_age ON pages (fetched_at)""",
)


@dataclass
class Reused:
    """What a run took from the cache: pages of results, records, empty pages (where the
    results ended, or an answer of none), and when the oldest was fetched."""

    pages: int = 0
    records: int = 0
    empty: int = 0
    oldest: float | None = None


class PageCache:
    """The pages of one account, fresh for ``ttl`` seconds."""

    def __init__(
        self,
        path: Path,
        account: str,
        ttl: float,
        *,
        refresh: bool = False,
        warn: Callable[[str], None] = lambda text: None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._path = path
        self._account = account
        self._ttl = ttl
        self._refresh = refresh
        self._warn = warn
        self._clock = clock or _now
        self._lock = threading.Lock()
        self._db: SharedDatabase | None = None
        self._broken = False
        self.reused = Reused()
        #: Pages fetched (and kept) by this run.
        self.kept = 0
        #: What the pages reused said the sandbox does not emulate (kept with such a page).
        self.not_emulated: set[str] = set()

    def _open(self) -> SharedDatabase | None:
        if self._db is None and not self._broken:
            try:
                self._db = SharedDatabase(self._path, SCHEMA)
                with self._db.write() as db:  # what has gone stale goes
                    db.execute("DELETE FROM pages WHERE fetched_at < ?",
                               (self._clock() - self._ttl,))  # fmt: skip
            except Exception as exc:  # any failure of a cache only costs the cache
                self._give_up(exc)
        return self._db

    def _give_up(self, exc: Exception) -> None:
        from clodura_cli.api.errors import LocalStateError

        self._broken, self._db = True, None
        why = "busy, unreadable or not writable" if isinstance(exc, LocalStateError) else exc
        self._warn(
            f"the page cache {self._path} cannot be used ({why}); searching without it (pages "
            "are not kept for a rerun; the file only holds such pages: deleting it is safe)"
        )

    def get(self, endpoint_path: str, body: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The records of a page fetched within the ttl, or None (never with --refresh)."""
        if self._refresh:
            return None
        with self._lock:
            db = self._open()
            if db is None:
                return None
            try:
                rows = db.read(
                    "SELECT fetched_at, records FROM pages WHERE account = ? AND request = ? "
                    "AND fetched_at >= ?",
                    (self._account, _request(endpoint_path, body), self._clock() - self._ttl),
                )
                records = json.loads(rows[0]["records"]) if rows else None
            except Exception as exc:
                self._give_up(exc)
                return None
            if isinstance(records, dict):  # a sandbox page, with what it did not emulate
                notes = records.get("notEmulated")
                self.not_emulated.update(map(str, notes if isinstance(notes, list) else []))
                records = records.get("records")
            if not isinstance(records, list):
                return None
            fetched = float(rows[0]["fetched_at"])
            if records:  # an empty page (where the results ended) is no page of results
                self.reused.pages += 1
                self.reused.records += len(records)
            else:
                self.reused.empty += 1
            self.reused.oldest = min(self.reused.oldest or fetched, fetched)
            return records

    def put(
        self,
        endpoint_path: str,
        body: dict[str, Any],
        records: list[dict[str, Any]],
        not_emulated: Iterable[str] = (),
    ) -> None:
        """Keep a page just paid for; with a sandbox page, the filters it said it does not
        emulate (said again when the page is reused). A page of the real API is kept as its
        list of records, as before."""
        notes = sorted(not_emulated)
        kept: Any = {"records": records, "notEmulated": notes} if notes else records
        with self._lock:
            db = self._open()
            if db is None:
                return
            try:
                with db.write() as conn:
                    conn.execute(
                        "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?)",
                        (self._account, _request(endpoint_path, body), self._clock(),
                         escape_halves(json.dumps(kept, ensure_ascii=False))),
                    )  # fmt: skip
                self.kept += 1
            except Exception as exc:
                self._give_up(exc)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def _now() -> float:
    return time.time()  # looked up at each call: a test may move the clock


def _request(endpoint_path: str, body: dict[str, Any]) -> str:
    return endpoint_path + " " + escape_halves(json.dumps(body, sort_keys=True, ensure_ascii=False))
