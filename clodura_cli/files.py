"""Writing the tool's own files: atomically, readable by the owner only."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO


def private_dir(path: Path) -> Path:
    """Create the folder, and any missing parent, readable by the owner only.

    Folders that already exist keep their mode.
    """
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)
    return path


@contextlib.contextmanager
def replaced_atomically(path: Path, *, private: bool) -> Iterator[TextIO]:
    """A text stream whose content replaces ``path`` only if the block ends without error.

    With ``private`` the file is created with mode 0600; otherwise with the usual umask.
    """
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        if not private:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step; the file is created with mode 0600."""
    private_dir(path.parent)
    with replaced_atomically(path, private=True) as stream:
        stream.write(text)


def readable_by_others(path: Path) -> bool:
    """True when the group or others may read the file."""
    try:
        return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except FileNotFoundError:
        return False
