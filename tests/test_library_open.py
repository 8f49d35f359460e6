"""Server mode: the sidecar sync runs when the library is opened (`Index.open()`: before the
registry's first connection, and by check/counts/remove/doctor), once per Index; `exists()` is a
pure check. The sync itself is replaced by a counter (tests/test_servers.py runs the real one)."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.errors import IndexError_
from bot.store.library import Index


@pytest.fixture
def syncs(monkeypatch):
    calls = []
    monkeypatch.setattr("bot.store.remote.sync_from_store", lambda idx, force=False: calls.append(idx))
    return calls


def test_exists_does_not_sync(tmp_path, syncs):
    idx = Index(Settings(index_dir=tmp_path / "ix", chroma_url="http://127.0.0.1:9"))
    assert idx.exists() is False and syncs == []


def test_opening_syncs_once(tmp_path, syncs):
    idx = Index(Settings(index_dir=tmp_path / "ix", chroma_url="http://127.0.0.1:9"))
    assert idx.counts() == (0, 0)
    assert syncs == [idx]
    with pytest.raises(IndexError_):
        idx.check()  # no sidecar was built (an empty server): no index
    idx.open()
    assert syncs == [idx]


def test_the_registry_opens_the_library_first(tmp_path, syncs):
    idx = Index(Settings(index_dir=tmp_path / "ix", chroma_url="http://127.0.0.1:9"))
    idx.db(create=True)  # what ingest does first: a fresh machine syncs before it creates the sidecar
    assert syncs == [idx]
    idx.close()


def test_embedded_mode_never_syncs(tmp_path, syncs):
    idx = Index(Settings(index_dir=tmp_path / "ix"))
    idx.db(create=True)
    assert idx.open() is idx and idx.counts() == (0, 0) and syncs == []
    idx.close()
