"""A full disk during ingest and a read-only index: what a hostile machine does to newsbot's writes.
Real Chroma and SQLite files in a temporary directory; no chat model."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core.index import Index
from bot.errors import IndexError_

from conftest import MODELS_DIR
from tests.fakes import HashEmbedder
from tests.hostile_support import one_line_error, run


# -- beyond the list: a full disk during ingest, a read-only index ----------------------------------
# Expected: one line "Disk full: ...; free some space ..., then run the same `newsbot ingest` again",
# exit 4, and never a half-written index: the same ingest run again gives exactly a clean ingest's
# chunks, and `articles`/`doctor` right after the failure see a consistent (shorter) index.

class _FastEmbedder(HashEmbedder):
    """Hashed vectors (no ONNX: these tests are about writes, not meaning), token counts from
    MiniLM's tokenizer so that the chunks are the real ones."""

    def __init__(self, real):
        super().__init__()
        self.counter = real.counter


@pytest.fixture
def fast_embedder(real_embedder, monkeypatch):
    emb = _FastEmbedder(real_embedder)
    monkeypatch.setattr("bot.backends.embedder.load_embedder", lambda settings: emb)
    return emb


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    """40 distinct articles (made up here, so CI always has them), two or three chunks each."""
    rnd = random.Random(13)
    words = ["".join(rnd.choice("abcdefghiklmnoprstuw") for _ in range(rnd.randint(3, 9))) for _ in range(3000)]
    d = tmp_path_factory.mktemp("many")
    for n in range(40):
        paras = ["The " + " ".join(rnd.choice(words) for _ in range(rnd.randint(60, 110))) + "." for _ in range(3)]
        (d / f"art{n:02d}.txt").write_text(f"Report number {n} on {rnd.choice(words)}\n\n" + "\n\n".join(paras) + "\n")
    return d


def _chunks(root: Path) -> list:
    con = sqlite3.connect(root / "registry.sqlite")
    try:
        return sorted(con.execute("SELECT id, start, end, text FROM chunks"))
    finally:
        con.close()


@pytest.fixture(scope="module")
def clean_many(many, tmp_path_factory, real_embedder) -> list:
    root = tmp_path_factory.mktemp("clean") / "idx"
    with Index(Settings(index_dir=root, models_dir=MODELS_DIR), embedder=_FastEmbedder(real_embedder)) as idx:
        rep = idx.ingest([many])
    assert rep.ok and rep.added == 40
    return _chunks(root)


def _articles(root: Path) -> int:
    r = run("articles", "--index", root, "--json")
    assert r.exit_code == 0, (r.stdout, r.stderr)
    return len(json.loads(r.stdout))


def _doctor_index(root: Path, *flags) -> dict:
    r = run("doctor", "--index", root, "--json", *flags)
    return json.loads(r.stdout)["index"]


def _same_as_clean_after_rerun(root: Path, many: Path, clean: list, fast_embedder, **env) -> None:
    """The same ingest again: exit 0, exactly the clean chunks, in Chroma too; doctor finds it healthy."""
    r = run("ingest", many, "--index", root, "--json", **env)
    assert r.exit_code == 0, (r.stdout, r.stderr)
    assert _chunks(root) == clean
    with Index(Settings(index_dir=root, models_dir=MODELS_DIR), embedder=fast_embedder) as idx:
        assert set(idx.store().get_ids()) >= {c[0] for c in clean}
    data = _doctor_index(root)
    assert data["state"] == "ok" and data["problems"] == [] and data["keyword"] == "ok", data
    assert data["chunks"] == data["store_chunks"] == len(clean), data


def test_registry_full_mid_ingest(many, clean_many, tmp_path, fast_embedder, monkeypatch):
    """A real SQLITE_FULL (the registry may grow no further), which rolls the whole transaction back
    as a full disk does: it was `Unexpected error: OperationalError: cannot rollback - no transaction
    is active`, exit 1."""
    from bot.store.registry import Registry

    root = tmp_path / "idx"
    opened = Registry.connect

    def capped(self, create=False):
        conn = opened(self, create)
        conn.execute("PRAGMA max_page_count = 60")  # about half of what the 40 articles need
        return conn

    monkeypatch.setattr(Registry, "connect", capped)
    r = run("ingest", many, "--index", root, NEWSBOT_INGEST_BATCH="16")
    one_line_error(r, 4, "Disk full", "registry.sqlite", "database or disk is full", "free some space",
                   "run the same `newsbot ingest` again")
    monkeypatch.setattr(Registry, "connect", opened)
    assert 0 < _articles(root) < 40  # what was committed, consistent
    data = _doctor_index(root, "--no-repair")
    assert data["state"] == "ok" and data["problems"] == [], data
    _same_as_clean_after_rerun(root, many, clean_many, fast_embedder, NEWSBOT_INGEST_BATCH="16")


@pytest.mark.parametrize("error,free,expect", [
    ("Query error: Database error: error returned from database: (code: 13) database or disk is full", None, "Disk full"),
    # what Chroma said on a real full tmpfs, naming no cause: put down to the disk when it is nearly full
    ("Error in compaction: Failed to apply logs to the metadata segment", 1 << 20, "Disk full"),
    ("Error in compaction: Failed to apply logs to the metadata segment", None, "Vector store error while writing"),
])
def test_vector_store_full_mid_ingest(many, clean_many, tmp_path, fast_embedder, monkeypatch, error, free, expect):
    from chromadb.api.models.Collection import Collection
    from chromadb.errors import InternalError

    from bot.errors import free_space

    root = tmp_path / "idx"
    upsert, calls = Collection.upsert, []

    def failing(self, *a, **kw):
        calls.append(1)
        if len(calls) >= 3:
            raise InternalError(error)
        return upsert(self, *a, **kw)

    monkeypatch.setattr(Collection, "upsert", failing)
    if free is not None:
        monkeypatch.setattr("bot.errors.free_space", lambda path: free)
    r = run("ingest", many, "--index", root, NEWSBOT_INGEST_BATCH="16")
    text = one_line_error(r, 4, expect, str(root / "chroma"), error)
    if expect == "Disk full":
        assert "free some space" in text and "run the same `newsbot ingest` again" in text, text
    monkeypatch.setattr(Collection, "upsert", upsert)
    monkeypatch.setattr("bot.errors.free_space", free_space)
    assert 0 < _articles(root) < 40
    assert _doctor_index(root, "--no-repair")["problems"] == []
    _same_as_clean_after_rerun(root, many, clean_many, fast_embedder, NEWSBOT_INGEST_BATCH="16")


def test_keyword_index_cannot_be_saved(many, clean_many, tmp_path, fast_embedder, monkeypatch):
    """Every article is in, but the keyword index did not fit: said, not left to every reader."""
    import errno

    from bot.backends.keyword import KeywordIndex

    def full(self, directory):
        raise OSError(errno.ENOSPC, "No space left on device")

    save = KeywordIndex.save
    monkeypatch.setattr(KeywordIndex, "save", full)
    r = run("ingest", many, "--index", root := tmp_path / "idx")
    one_line_error(r, 4, "Disk full", str(root / "keyword"), "No space left on device", "run the same `newsbot ingest` again")
    assert _articles(root) == 40
    data = _doctor_index(root, "--no-repair")
    assert data["problems"] == [] and data["keyword"].startswith("stale"), data
    monkeypatch.setattr(KeywordIndex, "save", save)
    _same_as_clean_after_rerun(root, many, clean_many, fast_embedder)


def test_registry_write_errors_never_advise_deleting_the_index(tmp_path, monkeypatch):
    """On a full disk a reader gets SQLITE_IOERR_SHMSIZE ("disk I/O error": it cannot make
    registry.sqlite-shm), which said "... or delete DIR and ingest again" of a healthy index."""
    from bot.core.index import _registry_error

    exc = sqlite3.OperationalError("disk I/O error")
    exc.sqlite_errorcode = 4874  # SQLITE_IOERR_SHMSIZE
    monkeypatch.setattr("bot.errors.free_space", lambda path: 0)
    err = _registry_error(tmp_path, exc)
    assert err.title == "Disk full" and err.code == 4 and "delete" not in err.message
    monkeypatch.setattr("bot.errors.free_space", lambda path: 10 << 30)
    err = _registry_error(tmp_path, exc)
    assert err.title == "Index write failed" and err.code == 4 and "delete" not in err.message
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = 13
    assert _registry_error(tmp_path, full).title == "Disk full"


def _mount(*args) -> bool:
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("mount"):
        return False
    import subprocess

    return subprocess.run(["mount", *map(str, args)], capture_output=True).returncode == 0


def _umount(path: Path) -> None:
    import subprocess

    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # as a new process would: no Chroma client held open
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs (skipped where mounting is not permitted, e.g. CI not run as root)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt):
        pytest.skip("cannot mount a tmpfs here (needs root and a container that allows it)")
    yield mnt
    _umount(tmp_path / "ro")
    _umount(mnt)


def test_real_full_disk_then_freed_then_read_only(many, clean_many, small_disk, tmp_path, fast_embedder):
    from chromadb.api.client import SharedSystemClient

    root = small_disk / "idx"
    r = run("ingest", many, "--index", root, NEWSBOT_INGEST_BATCH="16")
    one_line_error(r, 4, "Disk full", str(root), "free some space", "run the same `newsbot ingest` again")
    r = run("articles", "--index", root, "--json")  # a consistent part, or (no room for -shm) a clear line
    if r.exit_code:
        one_line_error(r, 4, "Disk full")
    else:
        assert len(json.loads(r.stdout)) < 40
    # stories of the articles in (they need the vector store, which Chroma may not read on a full disk)
    one_line_error(run("stories", "--index", root), 4, "Disk full")
    SharedSystemClient.clear_system_cache()
    assert _mount("-o", "remount,size=64m", small_disk)  # free space
    _same_as_clean_after_rerun(root, many, clean_many, fast_embedder, NEWSBOT_INGEST_BATCH="16")

    # the same index, read-only: listed and checked, not written
    ro = tmp_path / "ro"
    ro.mkdir()
    SharedSystemClient.clear_system_cache()
    assert _mount("--bind", root, ro) and _mount("-o", "remount,bind,ro", ro)
    assert not (ro / "registry.sqlite-shm").exists()  # closed cleanly: SQLite would have to create it
    assert _articles(ro) == 40
    data = _doctor_index(ro)
    assert data["state"] == "ok" and data["problems"] == [] and "read-only" in data["note"], data
    one_line_error(run("ingest", many, "--index", ro), 4, "Index not writable", "Read-only file system")
    with Index(Settings(index_dir=ro, models_dir=MODELS_DIR), embedder=fast_embedder) as idx:
        with pytest.raises(IndexError_, match="read-only"):
            idx.search("report", k=3)
