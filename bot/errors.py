"""One error type with a title, a message that says what to do, and an exit code."""

from __future__ import annotations

import errno
import os
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # something failed (e.g. some files could not be ingested)
    USAGE = 2  # bad command line or bad input file
    MODEL = 3  # model missing, corrupt, or failing
    INDEX = 4  # index missing, empty, locked or damaged
    INTERRUPTED = 130


class NewsbotError(Exception):
    """An expected failure. Printed as one line on stderr, never with a traceback."""

    def __init__(self, title: str, message: str = "", code: ExitCode = ExitCode.FAILURE):
        super().__init__(f"{title}: {message}" if message else title)
        self.title = title
        self.message = message
        self.code = ExitCode(code)

    def one_line(self) -> str:
        text = f"{self.title}: {self.message}" if self.message else self.title
        return " ".join(text.split())


class ModelError(NewsbotError):
    def __init__(self, title: str, message: str = ""):
        super().__init__(title, message, ExitCode.MODEL)


class IndexError_(NewsbotError):
    def __init__(self, title: str, message: str = ""):
        super().__init__(title, message, ExitCode.INDEX)


class UsageError(NewsbotError):
    def __init__(self, title: str, message: str = ""):
        super().__init__(title, message, ExitCode.USAGE)


# ----------------------------------------------------------------------------- full disk

LOW_SPACE = 64 * 1024 * 1024  # below this, a write that failed for no stated reason is put down to a full disk
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_FULL_TEXT = ("no space left", "disk is full", "disk full", "(code: 13)", "os error 28", "quota exceeded",
              "os error 122", "file too large", "os error 27")
SQLITE_FULL = 13


def free_space(path) -> int | None:
    """Bytes free to us on the filesystem holding `path` (its nearest existing parent)."""
    p = Path(path).absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    try:
        st = os.statvfs(p)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def read_only_fs(path) -> bool:
    """`path` is on a filesystem mounted read-only (nobody can be writing to it)."""
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def low_space(root) -> bool:
    """Less room left on the disk holding the index `root` than a write may need: LOW_SPACE, or
    as much as its SQLite files hold (a transaction or a compaction may copy that much)."""
    free = free_space(root)
    if free is None:
        return False
    root = Path(root)
    need = max(LOW_SPACE, _size(root / "registry.sqlite") + _size(root / "chroma" / "chroma.sqlite3"))
    return free < need


def names_full_disk(exc: BaseException | str) -> bool:
    """The error says the disk (or a quota, or the file size limit) is full: ENOSPC, EDQUOT, EFBIG,
    SQLITE_FULL, or their text (Chroma's Rust errors carry only text)."""
    if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
        return True
    if getattr(exc, "sqlite_errorcode", None) is not None and exc.sqlite_errorcode & 0xFF == SQLITE_FULL:
        return True
    low = " ".join(str(exc).split()).lower()
    return any(t in low for t in _FULL_TEXT)


class DiskFull(IndexError_):
    """A write to the index failed because its disk is full (exit 4). Nothing is half-written: the
    registry commits one article at a time and the vector store may only gain orphans, so running
    the same command again after freeing space carries on where this one stopped."""

    def __init__(self, root, where, detail, again: str = "run the same command again"):
        self.root, self.where, self.detail = Path(root), str(where), " ".join(str(detail).split())[:300]
        free = free_space(root)
        left = f"; {free / 1048576:.1f} MB left on its disk" if free is not None else ""
        super().__init__("Disk full", f"{self.where}: {self.detail}{left}; free some space on the disk holding "
                         f"{self.root}, or move the index to a bigger disk, then {again}.")

    def again(self, again: str) -> "DiskFull":
        return DiskFull(self.root, self.where, self.detail, again)
