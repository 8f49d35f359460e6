"""Hybrid retrieval over an index: dense (vector store) and keyword (bm25s) rankings fused with
reciprocal rank fusion, near-duplicates collapsed, then diversified across articles.

Chunks the vector store returns that the registry lacks (orphans of an interrupted ingest or
removal) are ignored; a passage's text and fields always come from the registry.
"""

from __future__ import annotations

from bot.store.parsing import date_bound
from bot.store.retrieval import chroma_where, collapse_duplicates, diversify, matches, rrf
from bot.store.records import Passage
from bot.errors import IndexError_, UsageError

MODES = ("dense", "keyword", "hybrid")


def date_filters(since: str | None, until: str | None) -> tuple[int | None, int | None]:
    try:
        return date_bound(since), date_bound(until, end=True)
    except ValueError as exc:
        raise UsageError("Bad date", f"{exc}.") from None


def search(lib, query: str, k: int = 8, source: str | None = None, since: str | None = None,
           until: str | None = None, mode: str = "hybrid") -> list[Passage]:
    """The k best passages of `lib` (an `Index`) for `query`; see the module docstring."""
    if mode not in MODES:
        raise UsageError("Bad search mode", f"{mode!r}; use dense, keyword or hybrid.")
    if k < 1:
        raise UsageError("Bad k", f"{k}: the number of passages must be at least 1.")
    lo, hi = date_filters(since, until)
    lib.check()
    reg = lib.registry
    reg.connect()
    if lib.counts()[1] == 0:
        raise IndexError_("Index is empty", f"{lib.root} holds no articles; run `newsbot ingest PATH` first.")
    if not query or not query.strip():
        return []
    n = max(4 * k, 24)
    dense: list[str] = []
    dscore: dict[str, float] = {}
    kw_ids: list[str] = []
    kscore: dict[str, float] = {}
    if mode in ("dense", "hybrid"):
        hits = lib.store().query(lib.embed_query(query), n + 8, chroma_where(source, lo, hi))
        known = reg.known_chunks([h[0] for h in hits])
        for cid, dist in hits:
            if cid in known and cid not in dscore:
                dense.append(cid)
                dscore[cid] = 1.0 - dist
        dense = dense[:n]
    if mode in ("keyword", "hybrid"):
        allowed = None
        if source or lo is not None or hi is not None:
            allowed = {cid for outlet, day, cid in reg.chunk_scope()
                       if matches({"outlet": outlet, "date_int": day}, source, lo, hi)}
        for cid, sc in lib.keyword().search(query, n, allowed):
            kw_ids.append(cid)
            kscore[cid] = sc
    if mode == "dense":
        ranked = [(c, dscore[c]) for c in dense]
    elif mode == "keyword":
        ranked = [(c, kscore[c]) for c in kw_ids]
    else:
        ranked = rrf([dense, kw_ids])
    found = passages(reg, [c for c, _ in ranked])
    drank = {c: i + 1 for i, c in enumerate(dense)}
    krank = {c: i + 1 for i, c in enumerate(kw_ids)}
    score = dict(ranked)
    for p in found:
        p.score = float(score.get(p.chunk_id, 0.0))
        p.dense_rank = drank.get(p.chunk_id)
        p.keyword_rank = krank.get(p.chunk_id)
    aids = list({p.article_id for p in found})  # only the retrieved articles: no scan of the table
    found = collapse_duplicates(found, reg.dup_groups(aids))
    return diversify(found, k)


def passages(reg, ids: list[str]) -> list[Passage]:
    """The registry's passages for chunk ids, in the order given (unknown ids skipped); `files`
    lists the article's own file first, then the other files holding the same text."""
    if not ids:
        return []
    rows = {r["id"]: r for r in reg.chunks_with_articles(ids)}
    names = reg.file_names(sorted({r["article_id"] for r in rows.values()}))
    out = []
    for cid in ids:
        r = rows.get(cid)
        if r is None:
            continue
        files = names.get(r["article_id"], [])
        files = [r["source_file"]] + [f for f in files if f != r["source_file"]]
        out.append(Passage(chunk_id=cid, article_id=r["article_id"], text=r["text"], start=r["start"], end=r["end"],
                           position=r["position"], title=r["title"], outlet=r["outlet"], date=r["date"],
                           source_file=r["source_file"], files=files))
    return out
