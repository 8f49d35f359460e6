"""Removing articles from an index: `newsbot remove` (by id, id prefix, path or file name) and
ingest's pruning of files gone from an ingested folder. Registry first (one transaction), then the
vector store, so the store can only hold orphans; the keyword index is rebuilt after a removal."""

from __future__ import annotations

from pathlib import Path

from bot.errors import UsageError
from bot.store.errors import no_index


def remove(lib, id_or_path: str) -> dict:
    """Remove an article (by id, or a unique id prefix) or everything from a file (by path
    or file name). Returns {"removed": [article ids], "files": [paths], "chunks": n}."""
    if not lib.open().exists():
        raise no_index(lib.root)
    with lib.write_lock():
        reg = lib.registry
        target = id_or_path.strip()
        ids = reg.ids_like(target)
        if not ids and len(target) >= 6 and all(c in "0123456789abcdef" for c in target.lower()):
            ids = reg.ids_like(target.lower(), prefix=True)
            if len(ids) > 1:
                raise UsageError("Ambiguous id", f"{target} matches {len(ids)} articles; give more characters.")
        if ids:
            paths = reg.paths(article_id=ids[0])
            with reg.transaction() as tx:
                tx.drop_files_of(ids)
                gone = lib.gc_articles(ids)
            lib.delete_chunks_from_store(gone)
            result = {"removed": ids, "files": paths, "chunks": len(gone)}
        else:
            p = Path(target).expanduser()
            paths = reg.paths(path=str(p.absolute()))
            if not paths:
                paths = reg.paths(name=p.name)
                if len(paths) > 1:
                    raise UsageError("Ambiguous file name", f"{target} matches {len(paths)} indexed files; give the full path.")
            if not paths:
                raise UsageError("Not in the index", f"no article id or indexed file matches '{target}' (see `newsbot articles`).")
            result = remove_paths(lib, paths)
        lib.rebuild_keyword(save=True)
    return result


def remove_paths(lib, paths: list[str]) -> dict:
    with lib.registry.transaction() as tx:
        aids: list[str] = []
        for p in paths:
            aids.extend(tx.article_ids_at(p))
            tx.drop_path(p)
        exist_before = {a for a in aids if tx.has_article(a)}
        gone = lib.gc_articles(aids)
        removed = [a for a in dict.fromkeys(aids) if a in exist_before and not tx.has_article(a)]
    lib.delete_chunks_from_store(gone)
    return {"removed": removed, "files": paths, "chunks": len(gone)}
