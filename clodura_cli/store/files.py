"""Writing the tool's own files: atomically, readable by the owner only."""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from clodura_cli.base.encoding import ERRORS


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
def replaced_atomically(path: Path, *, private: bool, binary: bool = False) -> Iterator[Any]:
    """A text (or ``binary``) stream whose content replaces ``path`` only if the block ends
    without error.

    With ``private`` the file is created with mode 0600. Otherwise an existing file keeps its
    mode, and a new one gets the umask's mode without group or world write.
    """
    import fcntl
    import tempfile  # only a write needs it: a dry run starts faster without

    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:  # the error names the file asked for, not the hidden one beside it
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    # Held until the file has its name (through a second descriptor: the stream closes
    # first): how a later run tells a live write from a dead one's leftover.
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    held = os.dup(fd)
    try:
        mode = None
        if not private:
            try:
                mode = stat.S_IMODE(path.stat().st_mode)
            except FileNotFoundError:
                mode = new_file_mode()
        opened = (os.fdopen(fd, "wb") if binary
                  else os.fdopen(fd, "w", encoding="utf-8", errors=ERRORS, newline=""))  # fmt: skip
        with opened as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        # Owner-only while partial (mkstemp's 0600): what a killed run leaves is personal data
        # nobody else may read; the file's own mode only once it is whole.
        if mode is not None:
            os.fchmod(held, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    finally:
        os.close(held)
    _sweep_leftovers(path)


#: A partial file younger than this is never taken for a dead run's.
_LEFTOVER_AGE = 60.0


def _sweep_leftovers(path: Path) -> None:
    """Remove the partial files that runs killed while writing ``path`` left beside it (a
    kill -9, a power cut): hidden, they held part of an export, personal data, for ever. One
    is a dead run's when nobody holds its lock and it is over a minute old; a live run's
    (another run writing the same file now) is left alone."""
    import fcntl
    import glob
    import time

    pattern = os.path.join(glob.escape(str(path.parent)), f".{glob.escape(path.name)}.*.part")
    # Only names mkstemp makes (8 of its characters between prefix and suffix): a user's own
    # `.leads.csv.draft-notes.part` is not ours.
    ours = re.compile(re.escape(f".{path.name}.") + r"[a-z0-9_]{8}\.part")
    for leftover in glob.glob(pattern):
        if not ours.fullmatch(os.path.basename(leftover)):
            continue
        try:
            if time.time() - os.lstat(leftover).st_mtime < _LEFTOVER_AGE:
                continue
            fd = os.open(leftover, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.unlink(leftover)
        except OSError:
            pass  # held: a run is writing it
        finally:
            os.close(fd)


@contextlib.contextmanager
def written_directly(path: Path, binary: bool = False) -> Iterator[Any]:
    """A text (or ``binary``) stream onto a device, a FIFO, a socket or a descriptor's name:
    these are written, never replaced."""
    text = {} if binary else {"encoding": "utf-8", "errors": ERRORS, "newline": ""}
    mode = "wb" if binary else "w"
    if stat.S_ISSOCK(path.stat().st_mode):
        import socket

        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(str(path))
            with sock.makefile(mode, **text) as stream:  # type: ignore[call-overload]
                yield stream
        return
    own = descriptor_named(path)
    if isinstance(own, int):
        # One of this process's descriptors: written through a copy of it, as the shell opened
        # it (`>`: from the start, emptied; `>>`: added at the end). Opening its name again
        # would empty a file opened with `>>`.
        with os.fdopen(os.dup(own), mode, **text) as stream:  # type: ignore[call-overload]
            yield stream
        return
    with open(path, mode, **text) as stream:  # type: ignore[call-overload]
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


# Output files ---------------------------------------------------------------------------------


def output_target(path: str, *, appending: bool = False) -> Path | None:
    """The regular file ``--output PATH`` names (through a symlink, the file it points to), or
    None for a stream written directly; a folder, a file in a missing folder, or a symlink
    another user planted in a shared folder is refused."""
    from clodura_cli.api.errors import UsageError

    target = Path(path)
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise UsageError(f"--output: cannot use {path!r}: {exc.strerror}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise UsageError(f"--output: {path!r} is a folder; give a file name inside it")
    link = target.is_symlink()
    if link:  # before anything follows it, even to a device
        _refuse_planted_symlink(target, path)
    if is_stream(target):
        return None
    if link:
        target = Path(os.path.realpath(target))
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise UsageError(f"--output: folder {str(directory)!r} does not exist")
    # Replaced, a file is written beside it and renamed: its folder must take new files. Added
    # to (--append), an existing file is written itself. A read-only file system refuses root.
    if appending and target.exists():
        # The file itself is written, and a note beside it (.NAME.appending) says where the
        # run started, so that a killed run's rows are cut by the next.
        if not os.access(target, os.W_OK) or not _takes_new_files(directory):
            raise UsageError(f"--output: cannot write to {path!r} (no permission, or a "
                             "read-only file system)")  # fmt: skip
    elif not os.access(directory, os.W_OK | os.X_OK) or not _takes_new_files(directory):
        raise UsageError(
            f"--output: cannot write in folder {str(directory)!r} (no permission, or a read-only "
            "file system)"
        )
    return target


def _takes_new_files(directory: Path) -> bool:
    """Whether a file can be made in ``directory``, tried (and removed): root passes every
    permission check, and a read-only or virtual file system (/sys, /proc) still refuses.
    Checked before anything is paid for, not found out when the results are written."""
    import tempfile

    try:
        fd, name = tempfile.mkstemp(prefix=".clodura-", suffix=".probe", dir=directory)
    except OSError:
        return False
    os.close(fd)
    try:  # a file is written beside the target and renamed onto it (chattr +a refuses that)
        os.replace(name, name + "2")
        name += "2"
    except OSError:
        return False
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)
    return True


def _refuse_planted_symlink(link: Path, given: str) -> None:
    """The rule the kernel's protected_symlinks applies to opens: in a world-writable sticky
    folder (/tmp), a symlink is followed only when its owner is the user or the folder's owner.
    Anyone may plant one there, pointing at a file the user can write and they cannot."""
    from clodura_cli.api.errors import UsageError

    folder = link.parent if str(link.parent) else Path(".")
    shared = folder.stat()
    owner = os.lstat(link).st_uid
    sticky_and_open = shared.st_mode & stat.S_ISVTX and shared.st_mode & stat.S_IWOTH
    if sticky_and_open and owner not in (os.geteuid(), shared.st_uid):
        raise UsageError(
            f"--output: {given!r} is a symlink owned by another user in the shared folder "
            f"{str(folder)!r}; it is not followed (it could point anywhere): remove it or write "
            "somewhere else"
        )


def is_stream(target: Path) -> bool:
    """A device, FIFO or socket, or the name of an open descriptor (``/dev/stdout``,
    ``/dev/fd/N``, ``/proc/self/fd/N``: it may lead to a regular file the shell opened):
    written, never replaced. Any other path is an ordinary file, new or existing, wherever it
    is: /dev/shm holds ordinary files, and a symlink there is replaced where it points."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        return True
    return descriptor_named(target) is not None


#: The names of this process's standard streams.
_STANDARD = {"stdin": 0, "stdout": 1, "stderr": 2}


def descriptor_named(target: Path) -> int | str | None:
    """The open descriptor a path names by itself, not through links a user made:
    ``/dev/stdout`` (1), ``/dev/fd/N`` or ``/proc/self/fd/N`` (N), this process's
    ``/proc/PID/fd/N`` (N); another process's (the path, a str); None for any other path."""
    parts = Path(os.path.abspath(target)).parts
    if parts[1:2] == ("dev",) and len(parts) == 3 and parts[2] in _STANDARD:
        return _STANDARD[parts[2]]
    if parts[1:3] == ("dev", "fd") and len(parts) == 4 and parts[3].isdigit():
        return int(parts[3])
    if parts[1:2] == ("proc",) and parts[3:4] == ("fd",) and len(parts) == 5:
        if parts[2] in ("self", str(os.getpid())) and parts[4].isdigit():
            return int(parts[4])
        return str(target)
    return None


def atomic_output(path: str, binary: bool = False) -> contextlib.AbstractContextManager[Any]:
    """A text (or ``binary``) stream for ``--output PATH``.

    A regular file (new or existing) is replaced only when the block ends without error, and
    an existing one keeps its mode; through a symlink, the file it points to is replaced. A
    device, FIFO or socket (``/dev/null``, ``/dev/stdout``, a named pipe) is written directly.
    """
    target = output_target(path)
    if target is None:
        return written_directly(Path(path), binary)
    return replaced_atomically(target, private=False, binary=binary)


class Appending:
    """A file being appended to under its lock: the stream, and what the file held before."""

    def __init__(self, stream: TextIO, path: Path | None, start: int, line_end: str = "\n") -> None:
        self.stream = stream
        self.path = path
        #: The file's size when this run took the lock (0: new or empty).
        self.start = start
        #: How the file ends its lines: a CSV a spreadsheet saved ends them with CR LF, and
        #: the rows added end theirs the same way.
        self.line_end = line_end


@contextlib.contextmanager
def appended(
    path: str,
    on_wait: Callable[[], None] | None = None,
    on_repair: Callable[[int], None] | None = None,
) -> Iterator[Appending]:
    """Append to ``path`` (created if new), one writer at a time.

    The file is locked (flock) for the whole run; another run appending to it waits, after
    ``on_wait``. A failed run removes exactly the bytes it added, under the lock, and a file it
    created and left empty; whatever other runs appended before or after is kept. A run killed
    outright (SIGKILL, a power cut) cannot: the size it started from is noted beside the file
    first (``.NAME.appending``), and the next run to append cuts what it left (``on_repair``
    hears how many bytes), so that its rows are not written twice.
    """
    target = output_target(path, appending=True)
    if target is None:
        with written_directly(Path(path)) as stream:
            yield Appending(stream, None, 0)
        return
    fd, created = _open_locked(target, on_wait)
    journal = target.with_name(f".{target.name}.appending")
    try:
        start = _repaired(fd, journal, on_repair)
        _note_start(journal, fd, start)
        # The stream writes through a second descriptor of the same open file: closing it
        # (which may flush a buffer) happens before the cut below, and the lock, which
        # belongs to the open file, is held until ``fd`` closes.
        stream = os.fdopen(os.dup(fd), "a", encoding="utf-8", errors=ERRORS, newline="")
        try:
            line_end = _line_end(fd, start) if start else "\n"
            if start and not _ends_with_newline(fd, start):
                stream.write(line_end)
            yield Appending(stream, target, start, line_end)
            stream.flush()
            os.fsync(stream.fileno())
            journal.unlink(missing_ok=True)  # the rows are in: nothing to cut any more
            stream.close()
        except BaseException:
            with contextlib.suppress(OSError):
                stream.close()
            os.ftruncate(fd, start)
            journal.unlink(missing_ok=True)
            if created and start == 0:
                target.unlink(missing_ok=True)
            raise
    finally:
        os.close(fd)


def _repaired(fd: int, journal: Path, on_repair: Callable[[int], None] | None) -> int:
    """The size to append from: a run killed while appending (its note is there, and the lock
    this run holds was free) had added what lies past the size it noted: cut."""
    stat = os.fstat(fd)
    size = stat.st_size
    try:
        device, inode, noted = map(int, journal.read_text(encoding="ascii").split())
    except (OSError, ValueError):
        return size
    # The same file (one written anew since, under the same name, is not cut).
    if (device, inode) == (stat.st_dev, stat.st_ino) and 0 <= noted < size:
        os.ftruncate(fd, noted)
        if on_repair is not None:
            on_repair(size - noted)
        return noted
    return size


def _note_start(journal: Path, target: int, start: int) -> None:
    """Note, durably and owner-only, which file this run appends to and from what size."""
    stat = os.fstat(target)
    fd = os.open(journal, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, f"{stat.st_dev} {stat.st_ino} {start}".encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def _open_locked(target: Path, on_wait: Callable[[], None] | None) -> tuple[int, bool]:
    """A descriptor of ``target`` holding its exclusive lock, and whether this run created it.

    A run that created the file and failed removes it: whoever was waiting on the removed file
    opens the path again."""

    while True:
        created = False
        try:
            fd = os.open(target, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_EXCL, new_file_mode())
            created = True
        except FileExistsError:
            try:
                fd = os.open(target, os.O_RDWR | os.O_APPEND)
            except FileNotFoundError:
                continue
        _lock(fd, on_wait)
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(target))
        except FileNotFoundError:
            same = False
        if same:
            return fd, created
        os.close(fd)


@contextlib.contextmanager
def held(lock: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """The block runs while this process holds ``lock`` (a lock file, made owner-only and
    kept), after any other run holding it has let go (``on_wait`` is called first)."""
    private_dir(lock.parent)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _lock(fd, on_wait)
        yield
    finally:
        os.close(fd)


def _lock(fd: int, on_wait: Callable[[], None] | None) -> None:
    """Take the exclusive lock of an open file, saying so first (``on_wait``) when another
    process holds it."""
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        if on_wait is not None:
            on_wait()
        fcntl.flock(fd, fcntl.LOCK_EX)


def _ends_with_newline(fd: int, size: int) -> bool:
    return os.pread(fd, 1, size - 1) == b"\n"


def _line_end(fd: int, size: int) -> str:
    """CR LF when the file's first line ends so, else LF."""
    head = os.pread(fd, min(size, 64 * 1024), 0)
    at = head.find(b"\n")
    return "\r\n" if at > 0 and head[at - 1 : at] == b"\r" else "\n"


def remove_database(path: Path) -> bool:
    """Delete a SQLite file with its journal files; True when it existed."""
    existed = path.exists()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return existed
