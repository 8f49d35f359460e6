"""The index with the real embedder and a real Chroma in a temporary directory."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from bot.core.index import Index, inspect_index
from bot.errors import IndexError_, UsageError

from conftest import LEE, SEEDS


class CountingEmbedder:
    """Wraps the real embedder and counts what it embeds."""

    def __init__(self, inner):
        self.inner = inner
        self.texts = 0
        self.name, self.dim, self.max_tokens = inner.name, inner.dim, inner.max_tokens
        self.counter = getattr(inner, "counter", None)

    def embed(self, texts):
        self.texts += len(texts)
        return self.inner.embed(texts)

    def count_tokens(self, text):
        return self.inner.count_tokens(text)


@pytest.fixture
def corpus(tmp_path) -> Path:
    d = tmp_path / "corpus"
    (d / "lee").mkdir(parents=True)
    for f in sorted(LEE.glob("*.txt"))[:20]:
        shutil.copy(f, d / "lee" / f.name)
    shutil.copytree(SEEDS, d / "seeds")
    return d


@pytest.fixture
def emb(real_embedder):
    return CountingEmbedder(real_embedder)


def consistent(idx: Index) -> tuple[int, int]:
    """Registry, Chroma and bm25 hold exactly the same chunk ids; returns (articles, chunks)."""
    reg = {r[0] for r in idx.db().execute("SELECT id FROM chunks")}
    store = idx.store().get_ids()
    assert len(store) == len(set(store))
    assert set(store) == reg
    kw = idx.keyword()
    assert set(kw.ids) == reg and len(kw.ids) == len(reg)
    assert kw.generation == idx.generation()
    for r in idx.db().execute("SELECT c.start, c.end, c.text, a.text FROM chunks c JOIN articles a ON a.id=c.article_id"):
        assert r[3][r[0]:r[1]] == r[2]
    a, c = idx.counts()
    assert c == len(reg)
    return a, c


def test_ingest_reingest_change_remove(settings, corpus, emb):
    idx = Index(settings, embedder=emb)
    rep = idx.ingest([corpus / "seeds", corpus / "lee"], outlet="ABC")
    assert rep.added == 22 and rep.failed == [] and rep.chunks_added == rep.chunks > 22
    assert emb.texts == rep.chunks_added
    a, c = consistent(idx)
    assert a == 22
    arts = {x["file"]: x for x in idx.articles()}
    assert arts["000_f5417470653ab08f.txt"]["title"] == "Biden Adds Sanctions To China For Uyghur Mistreatment"
    assert arts["000_f5417470653ab08f.txt"]["outlet"] == "ABC"  # --source fills a missing outlet
    assert arts["001_f1ab6b9cd4ab454a.txt"]["date"] == "2021-03-22"
    assert idx.outlets() == sorted({x["outlet"] for x in idx.articles() if x["outlet"]})

    # idempotent: nothing parsed into the embedder, nothing added
    emb.texts = 0
    gen = idx.generation()
    rep2 = idx.ingest([corpus / "seeds", corpus / "lee"], outlet="ABC")
    assert (rep2.added, rep2.updated, rep2.unchanged, rep2.chunks_added, emb.texts) == (0, 0, 22, 0, 0)
    assert idx.generation() == gen

    # a changed file replaces its old chunks
    f = corpus / "lee" / "leebg_003.txt"
    old_id = next(x["id"] for x in idx.articles() if x["file"] == "leebg_003.txt")
    f.write_text(f.read_text() + " The council later confirmed a zebra crossing would be painted outside the school.")
    rep3 = idx.ingest([corpus / "lee"], outlet="ABC")
    assert (rep3.updated, rep3.added, rep3.unchanged) == (1, 0, 19)
    consistent(idx)
    new = next(x for x in idx.articles() if x["file"] == "leebg_003.txt")
    assert new["id"] != old_id and not idx.db().execute("SELECT 1 FROM chunks WHERE article_id=?", (old_id,)).fetchone()
    assert any("zebra crossing" in p.text for p in idx.search("zebra crossing outside the school", k=3, mode="keyword"))

    # remove by id and by path
    res = idx.remove(new["id"])
    assert res["removed"] == [new["id"]]
    res = idx.remove(str(corpus / "lee" / "leebg_004.txt"))
    assert len(res["removed"]) == 1
    a, _ = consistent(idx)
    assert a == 20
    assert not any(p.source_file in ("leebg_003.txt", "leebg_004.txt")
                   for p in idx.search("zebra crossing school", k=8, mode="hybrid"))
    with pytest.raises(UsageError):
        idx.remove("no-such-thing")

    # a file deleted from an ingested folder is forgotten on the next ingest of that folder
    (corpus / "lee" / "leebg_005.txt").unlink()
    rep4 = idx.ingest([corpus / "lee"], outlet="ABC")
    assert rep4.removed == 1
    # leebg_003 and 004 come back (they still exist on disk)
    assert rep4.added == 2
    a, _ = consistent(idx)
    assert a == 21
    idx.close()


def test_duplicates_and_near_duplicates(settings, tmp_path, emb):
    d = tmp_path / "dups"
    d.mkdir()
    src = (LEE / "leebg_001.txt").read_text()
    (d / "a.txt").write_text(src)
    (d / "b.txt").write_text(src)  # the same article from two files
    edited = src.replace("Hundreds of people", "Several hundred people").replace("today", "on Monday") + " More later."
    (d / "c.txt").write_text(edited)  # a lightly edited wire copy
    (d / "other.txt").write_text((LEE / "leebg_002.txt").read_text())
    idx = Index(settings, embedder=emb)
    rep = idx.ingest([d], outlet="Wire")
    assert (rep.added, rep.duplicates, rep.near_duplicates) == (3, 1, 1)
    assert rep.duplicate_of[0]["of"] == "a.txt" and rep.near_duplicate_of[0]["of"] == "a.txt"
    arts = {x["file"]: x for x in idx.articles()}
    assert arts["a.txt"]["files"] == ["a.txt", "b.txt"]
    assert arts["c.txt"]["dup_of"] == arts["a.txt"]["id"]
    consistent(idx)
    hits = idx.search("residents left Hill Top for Mittagong", k=5)
    ids = [p.article_id for p in hits]
    assert arts["a.txt"]["id"] in ids and arts["c.txt"]["id"] not in ids  # copies collapsed
    top = next(p for p in hits if p.article_id == arts["a.txt"]["id"])
    assert arts["c.txt"]["id"] in top.duplicates
    assert top.files == ["a.txt", "b.txt"]  # a citation of it names both identical files
    # removing one file of a duplicate keeps the article; removing the first copy re-links the near-dup
    idx.remove(str(d / "a.txt"))
    arts = {x["id"]: x for x in idx.articles()}
    assert [x["files"] for x in arts.values() if "b.txt" in x["files"]] == [["b.txt"]]
    idx.remove("b.txt")
    assert all(x["dup_of"] is None for x in idx.articles())
    consistent(idx)
    idx.close()


def test_cp1252_and_bad_inputs(settings, tmp_path, emb):
    d = tmp_path / "mixed"
    d.mkdir()
    (d / "pound.txt").write_bytes(b"Prices rise\n\nA pint now costs \xa35 in central London, the survey found.\n")
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (d / "lines.jsonl").write_text('{"title": "Good one", "text": "A good article line with enough words."}\n'
                                   '{"title": broken\n'
                                   '{"title": "Good two", "text": "Another good article line with words."}\n')
    (d / "big.txt").write_bytes(b"word " * 250_000)
    (d / "dangling.txt").symlink_to(d / "does-not-exist.txt")
    s = settings.model_copy(update={"max_file_mb": 1.0})
    idx = Index(s, embedder=emb)
    rep = idx.ingest([d])
    reasons = {Path(f["file"]).name: f["reason"] for f in rep.failed}
    assert set(reasons) == {"empty.txt", "binary.txt", "lines.jsonl", "big.txt", "dangling.txt"}
    assert reasons["empty.txt"] == "empty file" and "binary" in reasons["binary.txt"]
    assert reasons["lines.jsonl"].startswith("line 2:") and "too large" in reasons["big.txt"]
    assert rep.added == 3 and not rep.ok
    pound = next(a for a in idx.articles() if a["file"] == "pound.txt")
    assert "£5" in idx.article(pound["id"])["text"]
    # a file with an error is parsed (and reported) again, but its good lines are not re-embedded
    emb.texts = 0
    rep2 = idx.ingest([d / "lines.jsonl"])
    assert rep2.unchanged == 2 and len(rep2.failed) == 1 and emb.texts == 0
    consistent(idx)
    idx.close()


def test_missing_paths_and_empty(settings, tmp_path, emb):
    idx = Index(settings, embedder=emb)
    with pytest.raises(UsageError):
        idx.ingest([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError):
        idx.ingest([tmp_path / "empty"])
    with pytest.raises(IndexError_, match="newsbot ingest"):
        idx.search("anything")
    assert inspect_index(settings)["state"] == "missing"


def test_lock_blocks_second_writer(settings, corpus, emb):
    s = settings.model_copy(update={"lock_timeout": 0.3})
    holder = Index(s, embedder=emb)
    other = Index(s, embedder=emb)
    with holder.write_lock():
        with pytest.raises(IndexError_, match="another newsbot process is writing"):
            other.ingest([corpus / "seeds"])
    # readers are not blocked by a writer
    other.ingest([corpus / "seeds"])
    started, done = threading.Event(), threading.Event()

    def hold():
        with holder.write_lock():
            started.set()
            done.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    started.wait(5)
    try:
        assert other.search("sanctions Xinjiang", k=2)
    finally:
        done.set()
        t.join()


def test_doctor_repairs_orphans_and_stale_keyword(settings, corpus, emb):
    idx = Index(settings, embedder=emb)
    idx.ingest([corpus / "seeds"])
    # simulate a crash after the Chroma upsert, before the registry commit
    vec = emb.embed(["orphan"])
    idx.store().upsert(["deadbeefdeadbeef:0"], vec, ["orphan text"], [{"article_id": "deadbeefdeadbeef"}])
    idx.db().execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
    assert all(p.chunk_id != "deadbeefdeadbeef:0" for p in idx.search("orphan text", k=8, mode="dense"))
    idx.close()
    rep = inspect_index(settings, embedder=emb)
    assert rep["state"] == "ok" and rep["problems"] == []
    assert any("orphan" in r for r in rep["repaired"]) and any("keyword" in r for r in rep["repaired"])
    rep = inspect_index(settings, embedder=emb)
    assert rep["repaired"] == [] and rep["problems"] == [] and rep["keyword"] == "ok"
    idx = Index(settings, embedder=emb)
    consistent(idx)
