"""Webhook deliveries in the ledger file: each kept raw before it is acknowledged, with its
state (applied, unmatched, unverified); the receivers' heartbeats; which APIs have no track
endpoint."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from dataclasses import dataclass

from clodura_cli.store.sqlite_file import Tables

#: Deliveries whose signature failed are kept aside, at most this many and this much (the
#: oldest dropped first): a vendor that does not sign is found, a flood is not stored.
UNVERIFIED_COUNT = 1000
UNVERIFIED_BYTES = 50 * 1024 * 1024
#: A receiver whose heartbeat is older than this is taken as gone.
ALIVE_WITHIN = 15.0
#: Seconds a track endpoint found missing is remembered so before it is asked again.
TRACK_RECHECK = 3600.0


@dataclass(frozen=True)
class StoredDelivery:
    """One delivery as kept."""

    id: int
    received_at: float
    digest: str
    body: bytes
    headers: dict[str, str]
    #: True: the signature was right; False: missing or wrong; None: no secret to check with.
    verified: bool | None
    state: str
    job_ids: list[int]
    source: str
    tracking_id: str | None


class Deliveries(Tables):
    """The deliveries, receivers and track endpoints of one ledger file."""

    def store(
        self,
        digest: str,
        body: bytes,
        headers: dict[str, str],
        verified: bool | None,
        source: str,
        tracking_id: str | None,
    ) -> tuple[StoredDelivery, bool]:
        """Keep a delivery (once per body: a redelivery finds the first); returns it and
        whether it is new. An unverified one takes its place among the capped unverified."""
        with self._store.write() as db:
            found = self._by_digest(db, digest)
            if found is not None:
                if verified and found.state == "unverified":
                    db.execute(
                        "UPDATE deliveries SET verified = 1, state = 'received' WHERE id = ?",
                        (found.id,),
                    )
                    found = self._by_digest(db, digest)
                    assert found is not None
                    return found, True
                return found, False
            state = "unverified" if verified is False else "received"
            db.execute(
                "INSERT INTO deliveries (received_at, digest, body, headers, verified, state, "
                "source, tracking_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (self._clock(), digest, body, json.dumps(headers),
                 None if verified is None else int(verified), state, source, tracking_id),
            )  # fmt: skip
            if state == "unverified":
                self._cap_unverified(db)
            stored = self._by_digest(db, digest)
            assert stored is not None
            return stored, True

    def settle(self, delivery_id: int, state: str, job_ids: list[int]) -> None:
        """Record what became of a delivery: applied to these jobs, or unmatched."""
        with self._store.write() as db:
            db.execute(
                "UPDATE deliveries SET state = ?, jobs = ? WHERE id = ?",
                (state, json.dumps(job_ids), delivery_id),
            )

    def unmatched_for(self, tracking_id: str) -> list[StoredDelivery]:
        """Deliveries kept unmatched that name this tracking id, oldest first."""
        rows = self._store.read(
            "SELECT * FROM deliveries WHERE state = 'unmatched' AND tracking_id = ? ORDER BY id",
            (tracking_id,),
        )
        return [_delivery(row) for row in rows]

    def listed(self, state: str) -> list[StoredDelivery]:
        """Deliveries in one state, oldest first."""
        rows = self._store.read("SELECT * FROM deliveries WHERE state = ? ORDER BY id", (state,))
        return [_delivery(row) for row in rows]

    def _by_digest(self, db: sqlite3.Connection, digest: str) -> StoredDelivery | None:
        row = db.execute("SELECT * FROM deliveries WHERE digest = ?", (digest,)).fetchone()
        return None if row is None else _delivery(row)

    def _cap_unverified(self, db: sqlite3.Connection) -> None:
        rows = db.execute(
            "SELECT id, LENGTH(body) FROM deliveries WHERE state = 'unverified' ORDER BY id DESC"
        ).fetchall()
        total, keep = 0, list[int]()
        for delivery_id, size in rows:
            total += size
            if len(keep) >= UNVERIFIED_COUNT or total > UNVERIFIED_BYTES:
                break
            keep.append(delivery_id)
        dropped = [row[0] for row in rows if row[0] not in set(keep)]
        db.executemany("DELETE FROM deliveries WHERE id = ?", [(i,) for i in dropped])

    # Receivers ---------------------------------------------------------------------------------

    def beat(self, url: str, started_at: float) -> None:
        """This process receives deliveries at ``url``: say so (again)."""
        with self._store.write() as db:
            db.execute(
                "INSERT OR REPLACE INTO receivers VALUES (?, ?, ?, ?, ?)",
                (socket.gethostname(), os.getpid(), url, started_at, self._clock()),
            )

    def stop_beating(self) -> None:
        """This process no longer receives deliveries."""
        with self._store.write() as db:
            db.execute(
                "DELETE FROM receivers WHERE host = ? AND pid = ?",
                (socket.gethostname(), os.getpid()),
            )

    def receiver_alive(self) -> str | None:
        """The URL of a receiver whose heartbeat is recent, if any."""
        rows = self._store.read(
            "SELECT url FROM receivers WHERE beat_at >= ? ORDER BY beat_at DESC LIMIT 1",
            (self._clock() - ALIVE_WITHIN,),
        )
        return str(rows[0][0]) if rows else None

    # Track endpoints ---------------------------------------------------------------------------

    def note_track(self, base_url: str, available: bool) -> None:
        """Remember whether the API at ``base_url`` answers track calls."""
        with self._store.write() as db:
            db.execute(
                "INSERT OR REPLACE INTO track_endpoints VALUES (?, ?, ?)",
                (base_url, int(available), self._clock()),
            )

    def track_available(self, base_url: str) -> bool | None:
        """What is remembered of the API's track endpoint (None: nothing yet). That it is
        missing is remembered for TRACK_RECHECK seconds, then asked again: an API may gain
        it, and a wrong judgement must not stop polling for ever."""
        rows = self._store.read(
            "SELECT available, noted_at FROM track_endpoints WHERE base_url = ?", (base_url,)
        )
        if not rows:
            return None
        available = bool(rows[0][0])
        if not available and self._clock() - float(rows[0][1]) > TRACK_RECHECK:
            return None
        return available


def _delivery(row: sqlite3.Row) -> StoredDelivery:
    return StoredDelivery(
        id=row["id"],
        received_at=row["received_at"],
        digest=row["digest"],
        body=bytes(row["body"]),
        headers=json.loads(row["headers"] or "{}"),
        verified=None if row["verified"] is None else bool(row["verified"]),
        state=row["state"],
        job_ids=json.loads(row["jobs"] or "[]"),
        source=row["source"],
        tracking_id=row["tracking_id"],
    )
