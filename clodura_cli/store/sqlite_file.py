"""A SQLite file shared by threads and processes: WAL, one lock, immediate write transactions."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from clodura_cli.api.errors import LocalStateError
from clodura_cli.store.files import private_dir

#: How long opening a file another process is setting up may take before it counts as busy.
OPEN_TIMEOUT = 30.0
#: How long a write waits for another process's transaction before the file counts as busy.
BUSY_TIMEOUT = 30.0


@contextmanager
def _explained(path: Path | None) -> Iterator[None]:
    """SQLite's errors about the file itself, as errors that name it and say what to do."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise LocalStateError(
                f"the ledger {path} is busy (another clodura is running?); try again when it "
                "has finished"
            ) from None
        raise _unreadable(path, exc) from None
    except sqlite3.DatabaseError as exc:
        raise _unreadable(path, exc) from None


def _unreadable(path: Path | None, exc: Exception) -> LocalStateError:
    return LocalStateError(
        f"the ledger {path} cannot be read ({exc}); move it aside to start a new one "
        f"(mv {path} {path}.broken): the reveals recorded in it are then no longer known, so "
        "keep the old file to look them up"
    )


def _retry_while_busy(step: Callable[[], None]) -> None:
    """Run ``step``, again while the file is locked: switching a new file to WAL mode takes
    an exclusive lock that SQLite does not wait for, so two processes opening a new file at
    once would otherwise see "database is locked" at once."""
    deadline = time.monotonic() + OPEN_TIMEOUT
    delay = 0.005
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(0.2, delay * 2)


class SharedDatabase:
    """One connection guarded by a lock; writes take the file's lock at once (BEGIN IMMEDIATE)."""

    def __init__(self, path: Path | None, schema: str) -> None:
        if path is not None:
            private_dir(path.parent)
            # Created owner-only before SQLite opens it; its -wal and -shm files take its mode.
            os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
        self._path = path
        self._db = sqlite3.connect(
            str(path) if path is not None else ":memory:",
            timeout=BUSY_TIMEOUT,
            check_same_thread=False,
        )
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        with self._lock, _explained(path):
            _retry_while_busy(lambda: self._prepare(path is not None, schema))
        with self.write():
            pass  # a file another process holds is found busy now, before anything is paid for

    def _prepare(self, on_disk: bool, schema: str) -> None:
        if on_disk:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(schema)
        self._db.commit()

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, serialised within this process and against other processes."""
        with self._lock, _explained(self._path):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.rollback()
                raise
            self._db.commit()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection, for queries that change nothing."""
        with self._lock, _explained(self._path):
            yield self._db

    def read(self, sql: str, values: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """The rows of one query."""
        with self.reading() as db:
            return db.execute(sql, values).fetchall()
