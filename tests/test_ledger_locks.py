"""Two connections of one process to the ledger, and other processes opening it meanwhile:
nothing written is lost (closing a descriptor of the file would drop SQLite's own locks)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import DEADLINE

from clodura_cli.store.ledger import Ledger

OTHER = """
import sys
from pathlib import Path
from clodura_cli.store.ledger import Ledger
for _ in range(30):
    Ledger(Path(sys.argv[1])).close()
"""

WRITER = """
import subprocess, sys
from pathlib import Path
from clodura_cli.store.ledger import Ledger, identity_of
path = Path(sys.argv[1])
first = Ledger(path)
for n in range(3):
    ids = {"personId": str(n)}
    job, _ = first.claim("a", "email", identity_of(ids), ids, ids)
    first.update(job.id, tracking_id=f"T{n}", status="queued")
    Ledger(path)  # a second connection of this process, as a command's helpers open one
    subprocess.run([sys.executable, "-c", sys.argv[2], str(path)], check=True)
"""


@pytest.mark.slow
def test_nothing_written_is_lost_when_the_ledger_is_opened_again(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    done = subprocess.run([sys.executable, "-c", WRITER, str(path), OTHER], capture_output=True,
                          text=True, timeout=DEADLINE, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    jobs = Ledger(path).jobs()
    assert sorted(job.tracking_id or "" for job in jobs) == ["T0", "T1", "T2"]
