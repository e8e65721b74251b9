"""Writing the tool's own files: atomically, readable by the owner only."""

from __future__ import annotations

import contextlib
import os
import stat
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


def new_file_mode() -> int:
    """The mode of a new export file: the umask's, but never writable by group or others."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask & ~0o022


@contextlib.contextmanager
def replaced_atomically(path: Path, *, private: bool) -> Iterator[TextIO]:
    """A text stream whose content replaces ``path`` only if the block ends without error.

    With ``private`` the file is created with mode 0600. Otherwise an existing file keeps its
    mode, and a new one gets the umask's mode without group or world write.
    """
    import tempfile  # only a write needs it: a dry run starts faster without

    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        if not private:
            try:
                mode = stat.S_IMODE(path.stat().st_mode)
            except FileNotFoundError:
                mode = new_file_mode()
            os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def written_directly(path: Path) -> Iterator[TextIO]:
    """A text stream onto a device, a FIFO or a socket: these are written, never replaced."""
    if stat.S_ISSOCK(path.stat().st_mode):
        import socket

        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(str(path))
            with sock.makefile("w", encoding="utf-8", newline="") as stream:
                yield stream
        return
    with open(path, "w", encoding="utf-8", newline="") as stream:
        yield stream


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
