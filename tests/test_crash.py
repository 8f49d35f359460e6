"""SIGKILL in the middle of an ingest: the index stays usable, doctor repairs what is left,
and the same ingest run again completes with no duplicate chunks."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bot.core.index import Index, inspect_index

from conftest import LEE


def _committed(registry: Path) -> int:
    try:
        with sqlite3.connect(f"file:{registry}?mode=ro", uri=True, timeout=1) as c:
            return c.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_sigkill_mid_ingest_then_rerun(settings, tmp_path, real_embedder):
    files = sorted(LEE.glob("*.txt"))[:60]
    env = dict(os.environ, NEWSBOT_INGEST_BATCH="24", NEWSBOT_INDEX_DIR=str(settings.index_dir))
    cmd = [sys.executable, "-m", "bot", "ingest", *map(str, files), "--source", "ABC"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    registry = settings.index_dir / "registry.sqlite"
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and _committed(registry) < 5:
        time.sleep(0.05)
    assert proc.poll() is None, "ingest finished before it could be killed: " + proc.stderr.read().decode()[-500:]
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    killed_at = _committed(registry)
    assert 0 < killed_at < 60

    # usable right away: search works on what was committed, orphans are ignored
    idx = Index(settings, embedder=real_embedder)
    assert idx.search("bushfire", k=3)
    idx.close()
    rep = inspect_index(settings, embedder=real_embedder)
    assert rep["state"] == "ok" and rep["problems"] == [], rep

    proc = subprocess.run(cmd + ["--json"], env=env, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    idx = Index(settings, embedder=real_embedder)
    a, c = idx.counts()
    chunk_ids = [r[0] for r in idx.db().execute("SELECT id FROM chunks")]
    store_ids = idx.store().get_ids()
    assert len(store_ids) == len(set(store_ids)) == len(chunk_ids) == c
    assert set(store_ids) == set(chunk_ids) == set(idx.keyword().ids)
    files_indexed = {f for r in idx.articles() for f in r["files"]}
    assert files_indexed == {f.name for f in files}
    n_chunks = sum(r["chunks"] for r in idx.articles())
    assert n_chunks == c
    idx.close()
    rep = inspect_index(settings, embedder=real_embedder)
    assert rep["problems"] == [] and rep["repaired"] == [] and rep["articles"] == a
