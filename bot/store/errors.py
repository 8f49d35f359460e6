"""Registry failures in words: SQLite errors that are not bugs (damage, a lock, a read-only or
full disk) become an `IndexError_`/`DiskFull` (exit 4) that says what to do; programming errors
stay unexpected. The connection and cursor classes translate at every execute and fetch."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from bot.errors import DiskFull, IndexError_, NewsbotError, UsageError, low_space, names_full_disk, read_only_fs


def lock_error(root: Path, timeout: float) -> IndexError_:
    return IndexError_("Index is locked", f"another newsbot process is writing to {root}; wait for it to finish and try "
                       f"again (waited {timeout:g}s; raise lock_timeout to wait longer).")


def no_index(root: Path) -> IndexError_:
    return IndexError_("No index", f"no index at {root}: run `newsbot ingest FOLDER --index {root}` first.")


# SQLite's extended result codes for a failed write (IOERR_WRITE, _FSYNC, _DIR_FSYNC, _TRUNCATE) or
# a failure to make the WAL's shared-memory file (IOERR_SHMOPEN, _SHMSIZE, _SHMMAP): on a full disk
# these come instead of SQLITE_FULL (e.g. a reader that must create registry.sqlite-shm)
_WRITE_IOERRS = {778, 1034, 1290, 1546, 4618, 4874, 5386}
_SQLITE_CANTOPEN = 14


def not_writable(root: Path) -> bool:
    return read_only_fs(root) or (root.is_dir() and not os.access(root, os.W_OK))


def registry_error(root: Path, exc: sqlite3.Error) -> NewsbotError | None:
    """The index error for a registry failure that is not a bug (damage, lock, read-only, full
    disk); None for programming errors, which stay unexpected."""
    text = " ".join(str(exc).split())
    low = text.lower()
    path = root / "registry.sqlite"
    code = getattr(exc, "sqlite_errorcode", None) or 0
    if names_full_disk(exc):
        return DiskFull(root, path, text)
    if isinstance(exc, sqlite3.OperationalError):
        if "locked" in low or "busy" in low:
            return IndexError_("Index is locked", f"{path}: {text}; another newsbot process is writing to {root}, "
                               "wait for it to finish and try again.")
        if "readonly" in low or "read-only" in low:
            return IndexError_("Index is read-only", f"{path}: {text}; make {root} writable, or give another --index.")
        if code in _WRITE_IOERRS or code & 0xFF == _SQLITE_CANTOPEN:
            if low_space(root):
                return DiskFull(root, path, text)
            if not_writable(root):
                return IndexError_("Index is read-only", f"{path}: {text}; make {root} writable, or give another --index.")
        if code in _WRITE_IOERRS:  # not damage: do not advise deleting the index
            return IndexError_("Index write failed", f"{path}: {text}{_fsize_limit()}; check the disk holding {root} "
                               "(free space, the file size limit), then run the command again.")
        if not any(w in low for w in ("disk i/o", "no such table", "no such column", "unable to open", "malformed",
                                      "corrupt", "not a database")):
            return None
    elif type(exc) is not sqlite3.DatabaseError and not isinstance(exc, (sqlite3.InternalError, sqlite3.DataError)):
        return None  # IntegrityError, ProgrammingError, ...: a bug, not damage
    return IndexError_("Index registry unreadable", f"{path}: {text}; run `newsbot doctor`, or delete {root} and "
                       "ingest again.")


def _fsize_limit() -> str:
    """The process's file size limit (`ulimit -f`), when there is one: writes past it fail with EFBIG."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    except (ImportError, OSError, ValueError):
        return ""
    return "" if soft == resource.RLIM_INFINITY else f" (the file size limit is {soft} bytes: `ulimit -f`)"


def _translate(cur_or_conn, exc: sqlite3.Error):
    err = registry_error(getattr(cur_or_conn, "index_root", None) or Path("."), exc)
    if err is None:
        raise exc
    raise err from None


class RegistryCursor(sqlite3.Cursor):
    """Registry damage found while reading rows becomes an IndexError_ (exit 4) that says what to do."""

    @property
    def index_root(self):
        return getattr(self.connection, "index_root", None)

    def execute(self, *args):
        try:
            return super().execute(*args)
        except sqlite3.Error as exc:
            _translate(self, exc)

    def executemany(self, *args):
        try:
            return super().executemany(*args)
        except sqlite3.Error as exc:
            _translate(self, exc)

    def executescript(self, *args):
        try:
            return super().executescript(*args)
        except sqlite3.Error as exc:
            _translate(self, exc)

    def fetchone(self):
        try:
            return super().fetchone()
        except sqlite3.Error as exc:
            _translate(self, exc)

    def fetchmany(self, *args):
        try:
            return super().fetchmany(*args)
        except sqlite3.Error as exc:
            _translate(self, exc)

    def fetchall(self):
        try:
            return super().fetchall()
        except sqlite3.Error as exc:
            _translate(self, exc)

    def __next__(self):
        try:
            return super().__next__()
        except sqlite3.Error as exc:
            _translate(self, exc)


class RegistryConnection(sqlite3.Connection):
    index_root: Path | None = None

    def cursor(self, factory=RegistryCursor):
        return super().cursor(factory)

    def execute(self, *args):
        return self.cursor().execute(*args)

    def executemany(self, *args):
        return self.cursor().executemany(*args)

    def executescript(self, *args):
        return self.cursor().executescript(*args)


def make_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if names_full_disk(exc):
            raise DiskFull(path, path, exc.strerror or exc) from None
        raise UsageError("Bad index directory", f"cannot create {path} ({exc.strerror or exc}); give a directory you "
                         "can write with --index.") from None
