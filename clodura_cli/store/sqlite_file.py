"""A SQLite file shared by threads and processes: WAL, one lock, immediate write transactions.

Every text bound to a statement, in any of the tool's files, goes through
``base.encoding.escape_halves``: SQLite refuses half a character (a lone surrogate, which an
answer or a non-UTF-8 argument may carry), and a refused write after a paid call would lose the
answer. Each one is written as its ``\\uXXXX`` escape, one to one: two names that differ only
there stay two people (a replacement character made them one, and the second was answered with
the first's paid job).
"""

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from clodura_cli.api.errors import LocalStateError
from clodura_cli.base.encoding import escape_halves
from clodura_cli.store.files import private_dir

sqlite3.register_adapter(str, escape_halves)

T = TypeVar("T")

#: How long opening a file another process is setting up may take before it counts as busy.
OPEN_TIMEOUT = 30.0
#: How long a write waits for another process's transaction before the file counts as busy.
BUSY_TIMEOUT = 30.0


def from_row(
    kind: type[T],
    row: sqlite3.Row,
    *,
    renamed: Mapping[str, str] | None = None,
    **read: Callable[[Any], Any],
) -> T:
    """A dataclass from a table row: each field from the column of its name (or the one
    ``renamed`` names for it), through the function ``read`` gives for it if any (``result=
    json.loads``). NULL stays None; a column the row lacks (a file of an older format read
    without upgrading it) leaves the field its default."""
    from dataclasses import fields  # the ledger's records; a page cache or the sandbox needs none

    present = set(row.keys())  # a Row's own `in` looks at its values, not its column names
    values = {}
    for field in fields(kind):  # type: ignore[arg-type]
        column = (renamed or {}).get(field.name, field.name)
        if column in present:
            value = row[column]
            reader = read.get(field.name)
            values[field.name] = value if value is None or reader is None else reader(value)
    return kind(**values)


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
    ledger = path is None or path.name == "ledger.db"
    what = f"the ledger {path}" if ledger else f"{path}"
    folder_closed = path is not None and not os.access(path.parent, os.W_OK)
    if "full" in str(exc) or "readonly" in str(exc) or "read-only" in str(exc) or folder_closed:
        why = (
            f"the folder {path.parent} cannot be written" if folder_closed and path
            else "the disk is full or the folder is read-only"
        )  # fmt: skip
        return LocalStateError(
            f"{what} cannot be written ({exc}): {why}; free space or fix the "
            "permissions, then run the command again (what was recorded is kept)"
        )
    if not ledger:
        return LocalStateError(f"{what} cannot be read ({exc})")
    # Never advise moving or deleting it: it holds paid jobs, and a new ledger would pay again.
    return LocalStateError(
        f"the ledger {path} cannot be read ({exc}); it holds your paid jobs: keep it, and make a "
        f"copy first with `clodura track --backup FILE` (or cp {path}*)"
    )


def _create_private(path: Path) -> None:
    """Create the file owner-only before SQLite opens it (its -wal and -shm take its mode).
    An existing file is not opened here: closing any descriptor of a file drops every POSIX
    lock this process holds on it, SQLite's own included (another connection of this process
    would lose its locks, and another process could then checkpoint its journal away)."""
    if path.exists():
        return
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600))


def _unwritable(path: Path, exc: OSError) -> LocalStateError:
    return LocalStateError(
        f"the data folder {path.parent} cannot be written ({exc.strerror or exc}): the ledger "
        f"lives there; set CLODURA_DATA_DIR to a folder you can write, or fix its permissions"
    )


def _open_read_only(path: Path, schema: "str | Schema") -> sqlite3.Connection:
    """The file opened for reading only: as usual where SQLite can keep its shared-memory file
    beside it, else as an immutable file (a folder nobody can write, so nobody changes it).
    No file yet: an empty database of the schema, in memory (nothing to read, nothing made)."""
    if not path.exists():
        db = sqlite3.connect(":memory:", check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.executescript(schema if isinstance(schema, str) else schema.create)
        return db
    with _explained(path):
        for flags in ("mode=ro", "mode=ro&immutable=1"):
            db = sqlite3.connect(
                f"{path.absolute().as_uri()}?{flags}", uri=True, timeout=BUSY_TIMEOUT,
                check_same_thread=False,
            )  # fmt: skip
            db.row_factory = sqlite3.Row
            try:
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.OperationalError:
                db.close()
                continue
            return db
        raise LocalStateError(f"the ledger {path} cannot be opened for reading")


class Schema(NamedTuple):
    """A database's tables: the whole of them for a new file, and the steps that bring a file
    of an older format to them (each step: the version it reaches, its SQL statements)."""

    version: int
    create: str
    #: A step is SQL statements, or a function given the connection (inside the transaction)
    #: for what SQL cannot say.
    steps: tuple[tuple[int, str | Callable[[sqlite3.Connection], None]], ...] = ()


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


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a database file through SQLite's backup interface, owner-only."""
    os.close(os.open(target, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))
    reader = sqlite3.connect(str(source), timeout=BUSY_TIMEOUT)
    writer = sqlite3.connect(str(target))
    try:
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()


def _run(db: sqlite3.Connection, statements: str) -> None:
    """Statements one by one, inside the open transaction (executescript would commit it)."""
    for statement in statements.split(";"):
        if statement.strip():
            db.execute(statement)


class SharedDatabase:
    """One connection guarded by a lock; writes take the file's lock at once (BEGIN IMMEDIATE)."""

    def __init__(
        self, path: Path | None, schema: "str | Schema", *, read_only: bool = False
    ) -> None:
        """``read_only``: only read (a listing), which works in a folder that cannot be
        written; nothing is created or upgraded."""
        self._path = path
        self._lock = threading.RLock()
        #: How deep the write transactions of the thread holding the lock are nested.
        self._depth = 0
        if read_only and path is not None:
            self._db = _open_read_only(path, schema)
            return
        if path is not None:
            try:
                private_dir(path.parent)
                _create_private(path)
            except OSError as exc:
                raise _unwritable(path, exc) from None
        self._db = sqlite3.connect(
            str(path) if path is not None else ":memory:",
            timeout=BUSY_TIMEOUT,
            check_same_thread=False,
        )
        self._db.row_factory = sqlite3.Row
        with self._lock, _explained(path):
            _retry_while_busy(lambda: self._prepare(path is not None, schema))
        with self.write():
            pass  # a file another process holds is found busy now, before anything is paid for

    def _prepare(self, on_disk: bool, schema: "str | Schema") -> None:
        if on_disk:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        if isinstance(schema, str):
            self._db.executescript(schema)
            self._db.commit()
            return
        if self._format(schema) == schema.version:
            return  # nothing to create or upgrade: no write, no lock taken
        self._db.execute("BEGIN IMMEDIATE")
        try:
            tables = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if not tables:
                _run(self._db, schema.create)
            elif version > schema.version:
                raise LocalStateError(
                    f"the ledger {self._path} was written by a newer clodura (format {version}; "
                    f"this one knows {schema.version}): upgrade clodura to use it"
                )
            elif version < schema.version:
                self._migrate(version, schema)
            self._db.execute(f"PRAGMA user_version = {int(schema.version)}")
        except BaseException:
            self._db.rollback()
            raise
        self._db.commit()

    def _format(self, schema: "Schema") -> int | None:
        """The file's format version, None for a file with no tables yet."""
        tables = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        self._db.commit()  # the reads above must not hold a transaction open
        return int(version) if tables else None

    def _migrate(self, version: int, schema: "Schema") -> None:
        """Bring an older file to ``schema``, in place, after a copy of it as it was: a file in
        use holds paid work, and the copy is what a failed upgrade falls back to."""
        if self._path is not None:
            # Copied through a second connection: one holding a write transaction cannot be
            # the source of a backup, and in WAL mode the other reads the file as it was.
            copy = self._path.with_name(f"{self._path.name}.v{version}.bak")
            copy_database(self._path, copy)
        for reached, step in schema.steps:
            if reached > version:
                if callable(step):
                    step(self._db)
                else:
                    _run(self._db, step)

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, serialised within this process and against other processes.
        Nested in another (the same thread holds the lock), it is part of the outer one: one
        commit for all, or none."""
        with self._lock, _explained(self._path):
            if self._depth:
                self._depth += 1
                try:
                    yield self._db
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self._db
            except BaseException:
                self._db.rollback()
                raise
            finally:
                self._depth = 0
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


class Tables:
    """Some tables of a shared file, with the clock that dates their changes: the parts of the
    ledger (its deliveries, paid items, emitted people) are each one."""

    def __init__(self, store: SharedDatabase, clock: Callable[[], float]) -> None:
        self._store = store
        self._clock = clock
