"""Health checks and repairs of an index, for `newsbot doctor`.

What an interrupted ingest or removal can leave, and what is done about it: vector store orphans
(deleted; searches ignore them anyway), registry rows that lost their article or file (removed),
articles with a wrong chunk count (dropped for the next ingest to add again), chunks missing from
the vector store (embedded again), a stale keyword index (rebuilt). A read-only or locked index is
checked without repairing.
"""

from __future__ import annotations

from pathlib import Path

from bot.backends.keyword import KeywordIndex
from bot.errors import IndexError_
from bot.store.errors import no_index, not_writable
from bot.store.library import Index

def inspect_index(settings, repair: bool = True, embedder=None) -> dict:
    """Health of the index for `newsbot doctor`. With `repair`, removes what an interrupted
    ingest left behind (Chroma orphans, unreferenced rows), re-embeds chunks missing from
    Chroma and rebuilds a stale keyword index, naming each repair."""
    root = Path(settings.index_dir)
    rep: dict = {"path": str(root), "state": "missing", "articles": 0, "chunks": 0, "keyword": None,
                 "repaired": [], "problems": []}
    idx = Index(settings, embedder=embedder)
    if not idx.open().exists():
        if root.exists() and (root / "chroma").exists():
            rep["problems"].append(f"{root} has a vector store but no registry.sqlite; delete {root} and ingest again")
        else:
            rep["problems"].append(no_index(root).message)
        return rep
    try:
        idx.db()
        a, c = idx.counts()
        rep.update(articles=a, chunks=c, generation=idx.generation())
        bad = idx.registry.quick_check()
        if bad != "ok":
            rep["problems"].append(f"registry.sqlite is damaged ({bad}); delete {root} and ingest again")
            rep["state"] = "error"
            return rep
        rep["state"] = "ok" if a else "empty"
        locked = False
        if repair:
            try:
                with idx.write_lock(timeout=0):
                    _check(idx, rep, repair=True)
            except IndexError_ as exc:
                if exc.title not in ("Index is locked", "Index not writable"):
                    raise
                locked = exc.title
        if not repair or locked:
            if locked == "Index is locked":
                rep["note"] = "another process is writing to the index; checked without repairing"
            elif locked:
                rep["note"] = "the index is read-only; checked without repairing"
            _check(idx, rep, repair=False)
        rep["articles"], rep["chunks"] = idx.counts()
        rep["generation"] = idx.generation()
    except IndexError_ as exc:
        rep["state"] = "error"
        rep["problems"].append(exc.one_line())
    finally:
        idx.close()
    return rep


def _check(idx: Index, rep: dict, repair: bool) -> None:
    reg = idx.registry
    # registry self-consistency
    loose_chunks, unref, dangling, miscount = reg.inconsistencies()
    if loose_chunks or unref or dangling or miscount:
        what = f"{len(loose_chunks)} chunks without article, {len(unref)} articles without file, {dangling} file rows without article, {len(miscount)} articles with a wrong chunk count"
        if repair:
            with reg.transaction() as tx:
                gone = tx.repair(loose_chunks, unref, miscount)
            idx.delete_chunks_from_store(gone + loose_chunks)
            rep["repaired"].append(f"registry: removed {what}")
        else:
            rep["problems"].append(f"registry inconsistent: {what}; run `newsbot doctor` (with repair)")
    # Chroma vs registry
    if not repair and idx.settings.chroma_url is None and not_writable(idx.root) and (idx.root / "chroma").exists():
        # a read-only index: Chroma cannot even open it (it writes when it opens); count its file
        stored, chunks = idx.store_count(), idx.chunk_count()
        rep["store_chunks"] = stored
        if stored is not None and stored < chunks:
            rep["problems"].append(f"vector store holds {stored} of the registry's {chunks} chunks; make {idx.root} "
                                   "writable and run `newsbot doctor` (it re-embeds them)")
        _check_keyword(idx, rep, repair)
        return
    if idx.settings.chroma_url is None and not (idx.root / "chroma").exists():
        store_ids: set[str] = set()
    else:
        store_ids = set(idx.store().get_ids())
    reg_ids = reg.chunk_ids()
    orphans = store_ids - reg_ids
    missing = reg_ids - store_ids
    rep["store_chunks"] = len(store_ids)
    if orphans:
        if repair:
            idx.store().delete(sorted(orphans))
            rep["repaired"].append(f"vector store: deleted {len(orphans)} orphan chunks left by an interrupted ingest or removal")
        else:
            rep["orphans"] = len(orphans)  # harmless: searches ignore them
    if missing:
        if repair:
            n = idx.restore_store(store_ids)
            rep["repaired"].append(f"vector store: re-embedded {n} chunks missing from it")
        else:
            rep["problems"].append(f"vector store lacks {len(missing)} chunks of the registry; run `newsbot doctor` with repair")
    if repair and (orphans or missing):
        rep["store_chunks"] = idx.store().count()
    _check_keyword(idx, rep, repair)


def _check_keyword(idx: Index, rep: dict, repair: bool) -> None:
    kw_gen = KeywordIndex.read_generation(idx.keyword_dir)
    gen = idx.generation()
    if kw_gen == gen:
        rep["keyword"] = "ok"
    elif repair:
        idx.rebuild_keyword(save=True, strict=True)
        rep["keyword"] = "ok"
        rep["repaired"].append(f"keyword index: rebuilt ({'missing' if kw_gen is None else f'generation {kw_gen}'} -> {gen})")
    else:
        rep["keyword"] = "stale (rebuilt automatically on next use)"
