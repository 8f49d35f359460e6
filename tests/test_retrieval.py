"""Ranking helpers (pure) and hybrid search on real embeddings with filters."""

from __future__ import annotations

import pytest

from bot.core.index import Index
from bot.store.retrieval import chroma_where, collapse_duplicates, diversify, matches, rrf
from bot.core.types import Passage

from conftest import LEE, SEEDS


def P(cid, aid):
    return Passage(chunk_id=cid, article_id=aid, text="", start=0, end=0, position=0, title="", outlet=None,
                   date=None, source_file=aid + ".txt")


def test_rrf():
    fused = rrf([["a", "b", "c"], ["b", "d"]])
    assert [x for x, _ in fused] == ["b", "a", "d", "c"]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)
    assert rrf([]) == []


def test_collapse_and_diversify():
    ps = [P("x:0", "x"), P("y:0", "y"), P("x:1", "x"), P("x:2", "x"), P("z:0", "z")]
    kept = collapse_duplicates(ps, {"y": "x"})
    assert [p.chunk_id for p in kept] == ["x:0", "x:1", "x:2", "z:0"] and kept[0].duplicates == ["y"]
    assert [p.chunk_id for p in diversify(kept, 3)] == ["x:0", "x:1", "z:0"]
    assert [p.chunk_id for p in diversify([P("x:0", "x"), P("x:1", "x"), P("x:2", "x")], 3)] == ["x:0", "x:1", "x:2"]


def test_filters():
    assert chroma_where() is None
    assert chroma_where("ABC") == {"outlet_lc": "abc"}
    assert chroma_where("abc", 20010101, 20011231) == {"$and": [{"outlet_lc": "abc"}, {"date_int": {"$gte": 20010101}},
                                                                {"date_int": {"$lte": 20011231}}]}
    assert matches({"outlet": "ABC", "date_int": 20210322}, "abc", 20210101, 20211231)
    assert not matches({"outlet": "ABC", "date_int": 0}, None, None, 20211231)


@pytest.fixture(scope="module")
def index(tmp_path_factory, real_embedder):
    from bot.config import Settings
    from conftest import MODELS_DIR

    s = Settings(index_dir=tmp_path_factory.mktemp("ret") / "index", models_dir=MODELS_DIR)
    idx = Index(s, embedder=real_embedder)
    idx.ingest([SEEDS])
    idx.ingest(sorted(LEE.glob("*.txt"))[:30], outlet="ABC")
    yield idx
    idx.close()


@pytest.mark.parametrize("mode", ["dense", "keyword", "hybrid"])
def test_modes_find_the_article(index, mode):
    hits = index.search("How many residents left Hill Top for Mittagong?", k=5, mode=mode)
    assert hits and hits[0].source_file == "leebg_001.txt"
    p = hits[0]
    art = index.article(p.article_id)
    assert art["text"][p.start:p.end] == p.text
    assert len(hits) <= 5 and max(sum(h.article_id == a for h in hits) for a in {h.article_id for h in hits}) <= 2


def test_hybrid_ranks_and_filters(index):
    hits = index.search("sanctions on Xinjiang officials", k=4)
    assert {h.source_file for h in hits[:2]} <= {"000_f5417470653ab08f.txt", "001_f1ab6b9cd4ab454a.txt"}
    assert all(h.dense_rank or h.keyword_rank for h in hits)
    abc = index.search("sanctions on Xinjiang officials", k=4, source="abc")
    assert abc and all(h.outlet == "ABC" for h in abc)
    dated = index.search("sanctions", k=4, since="2021-03-01", until="2021-03")
    assert [h.source_file for h in dated] and all(h.date == "2021-03-22" for h in dated)
    assert index.search("sanctions", k=4, since="2022", mode="keyword") == []
    assert index.articles(since="2021", until="2021-12-31")[0]["file"] == "001_f1ab6b9cd4ab454a.txt"
    assert index.search("   ") == []
