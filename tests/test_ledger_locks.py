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


def test_two_names_that_differ_in_half_a_character_stay_two_people(tmp_path: Path) -> None:
    """SQLite is given a lone surrogate as its escape, one to one. A replacement character made
    `Ren\\udce9e` and `Ren\\udce8e` (non-UTF-8 argv bytes) one person, and the second reveal
    was answered with the first's paid job (a review)."""
    from clodura_cli.reveal import identity_of
    from clodura_cli.store.ledger import Ledger

    ledger = Ledger(tmp_path / "ledger.db")
    people = [{"firstName": f"Ren{half}e", "lastName": "Dubois", "companyDomain": "acme.example"}
              for half in ("\udce9", "\udce8")]  # fmt: skip
    first, new_first = ledger.claim("a", "email", identity_of(people[0]), people[0], people[0])
    second, new_second = ledger.claim("a", "email", identity_of(people[1]), people[1], people[1])
    assert new_first and new_second and first.id != second.id
    assert ledger.get(second.id).identifiers == people[1]
