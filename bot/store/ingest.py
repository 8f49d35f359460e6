"""Ingest: files -> articles -> chunks -> vectors, one `IngestRun` per `newsbot ingest`.

Crash safety: per article, embed -> vector store upsert (deterministic ids) -> one registry
transaction (article + chunks + file row + generation++). A file's row gets its hash only when
all its articles are committed, so an interrupted file is parsed again by the next run. The
vector store can therefore only ever hold orphans, which searches ignore and `doctor` deletes.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from bot.store.chunking import chunk_spans
from bot.store.ingest_files import IngestReport, collect_files  # noqa: F401 (re-exported)
from bot.store.parsing import SUPPORTED_EXTS, date_int, normalize_text, parse_file
from bot.store.records import Article
from bot.errors import DiskFull, UsageError
from bot.store.dedup import NearDuplicates, minhash_of
from bot.store.stories import assign_stories

Progress = Callable[[int, int, str], None]


def article_hash(text: str) -> str:
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


def embed_text(title: str, chunk_text: str, position: int) -> str:
    """What gets embedded: later chunks carry the article title for context."""
    return chunk_text if position == 0 or not title else f"{title}. {chunk_text}"


def meta_for_chroma(aid: str, pos: int, start: int, end: int, art_row: dict) -> dict:
    outlet = art_row.get("outlet") or ""
    return {"article_id": aid, "position": pos, "start": start, "end": end, "title": art_row.get("title") or "",
            "outlet": outlet, "outlet_lc": outlet.strip().lower(), "date": art_row.get("date") or "",
            "date_int": int(art_row.get("date_int") or 0), "source_file": art_row.get("source_file") or ""}


@dataclass
class _Pending:
    art: Article
    aid: str
    hash: str
    spans: list[tuple[int, int]]
    old_aid: str | None  # single-article file: the article it held before (replaced atomically)
    dup_of: str | None
    similarity: float | None
    minhash: bytes
    file_key: str  # the file plan it belongs to


@dataclass
class _FilePlan:
    path: str
    name: str
    file_hash: str  # "" when the file had errors (so it is parsed again next time)
    keys: dict[str, str]  # key -> article id
    pending: int = 0


class IngestRun:
    """The state of one ingest: the files planned, the articles waiting to be embedded, the
    near-duplicate index. Made by `Index.ingest` under the write lock, with the registry open."""

    def __init__(self, lib, outlet: str | None, progress: Progress | None, total: int, rep: IngestReport,
                 date: str | None = None):
        self.lib = lib
        self.reg = lib.registry
        self.outlet, self.date = outlet, date  # fallbacks for articles whose files give none
        self.progress = progress
        self.total = total
        self.rep = rep
        self.dedup = NearDuplicates(self.reg)
        self.plans: dict[str, _FilePlan] = {}
        self.plan_order: list[str] = []
        self.pending: list[_Pending] = []
        self.pending_ids: dict[str, _Pending] = {}
        self.done_files = 0

    def run(self, files: list[Path], paths: list[Path]) -> None:
        for f in files:
            self.plan_file(f)
            if sum(len(p.spans) for p in self.pending) >= self.lib.batch_chunks:
                self.flush()
        self.flush()
        dirs = [Path(p).expanduser().absolute() for p in paths if Path(p).is_dir()]
        if dirs:
            self.prune(dirs, {str(f.absolute()) for f in files})

    def _failed(self, shown: str, reason: str) -> None:
        self.rep.failed.append({"file": shown, "reason": reason})
        self.done_files += 1

    def _read(self, path: Path, shown: str) -> bytes | None:
        max_mb = self.lib.settings.max_file_mb
        try:
            st = path.stat()
            if st.st_size > max_mb * 1024 * 1024:
                self._failed(shown, f"file too large ({st.st_size / 1048576:.1f} MB > max_file_mb {max_mb:g} MB)")
                return None
            if not path.is_file():
                self._failed(shown, "not a regular file")
                return None
            return path.read_bytes()
        except PermissionError:
            self._failed(shown, "permission denied (unreadable)")
        except OSError as exc:
            self._failed(shown, f"unreadable ({exc.strerror or exc})")
        return None

    def plan_file(self, path: Path) -> None:
        rep, reg = self.rep, self.reg
        ap = str(path.absolute())
        shown = str(path)
        data = self._read(path, shown)
        if data is None:
            return
        fhash = hashlib.sha256(data).hexdigest()
        old_rows = reg.file_rows(ap)
        if old_rows and all(r["file_hash"] == fhash for r in old_rows):
            rep.unchanged += len(old_rows)
            self.done_files += 1
            return
        res = parse_file(path, outlet=self.outlet, max_mb=self.lib.settings.max_file_mb, data=data, date=self.date)
        for reason in res.errors:
            rep.failed.append({"file": shown, "reason": reason})
        if not res.articles:
            self.done_files += 1
            return
        old_by_key = {r["key"]: r["article_id"] for r in old_rows}
        old_aids = set(old_by_key.values())
        plan = _FilePlan(ap, path.name, "" if res.errors else fhash, {})
        self.plans[ap] = plan
        self.plan_order.append(ap)
        single = len(res.articles) == 1 and len(old_aids) <= 1
        arts: list[tuple[Article, str, str]] = []
        for art in res.articles:
            h = article_hash(art.text)
            if h[:16] in plan.keys.values():  # the same article twice in one file
                rep.duplicates += 1
                rep.duplicate_of.append({"file": shown, "article": h[:16], "of": path.name})
                continue
            plan.keys[art.key] = h[:16]
            arts.append((art, h[:16], h))
        new_aids = set(plan.keys.values())
        for art, aid, h in arts:
            if aid in old_aids:
                rep.unchanged += 1  # same text (possibly moved within a multi-article file)
                continue
            existing = reg.article_with_file(aid)
            if existing is not None or aid in self.pending_ids:
                rep.duplicates += 1
                of = existing["name"] if existing is not None else self.pending_ids[aid].art.source_file
                rep.duplicate_of.append({"file": shown, "article": aid, "of": of})
                continue
            old_aid = old_by_key.get(art.key)
            if single and old_aids:
                old_aid = next(iter(old_aids))
            if old_aid is not None and old_aid not in new_aids:
                rep.updated += 1
            else:
                rep.added += 1
            self._plan_article(art, aid, h, shown, plan, old_aid if single else None)

    def _plan_article(self, art: Article, aid: str, h: str, shown: str, plan: _FilePlan, old_aid: str | None) -> None:
        mh = minhash_of(art.text)
        dup_of, sim = self.dedup.find(mh, aid, self.reg, self._pending_root)
        if dup_of:
            self.rep.near_duplicates += 1
            of_row = self.reg.source_file(dup_of)
            of = of_row[0] if of_row else (self.pending_ids[dup_of].art.source_file if dup_of in self.pending_ids else dup_of)
            self.rep.near_duplicate_of.append({"file": shown, "article": aid, "of": of, "of_article": dup_of,
                                               "similarity": round(sim, 3)})
        self.dedup.add(aid, mh)
        spans = chunk_spans(art.text, self.lib.count_tokens)
        p = _Pending(art, aid, h, spans, old_aid, dup_of, sim, mh.hashvalues.astype(np.uint64).tobytes(), plan.path)
        self.pending.append(p)
        self.pending_ids[aid] = p
        plan.pending += 1

    def _pending_root(self, aid: str) -> str | None:
        p = self.pending_ids.get(aid)
        return None if p is None else (p.dup_of or aid)

    def flush(self) -> None:
        rep = self.rep
        pend, self.pending = self.pending, []
        if pend:
            texts, ids, docs, metas = [], [], [], []
            for p in pend:
                row = self._article_row(p)
                for pos, (s, e) in enumerate(p.spans):
                    chunk = p.art.text[s:e]
                    ids.append(f"{p.aid}:{pos}")
                    docs.append(chunk)
                    texts.append(embed_text(p.art.title, chunk, pos))
                    metas.append(meta_for_chroma(p.aid, pos, s, e, row))
            t = time.perf_counter()
            vecs = self.lib.embedder.embed(texts)
            rep.embed_seconds += time.perf_counter() - t
            self.lib.store().upsert(ids, vecs, docs, metas)
            for p in pend:
                self._commit_article(p)
                rep.chunks_added += len(p.spans)
                self.pending_ids.pop(p.aid, None)
                plan = self.plans.get(p.file_key)
                if plan:
                    plan.pending -= 1
        # file rows (hashes, duplicates, dropped keys) once all their articles are committed
        for ap in list(self.plan_order):
            plan = self.plans[ap]
            if plan.pending > 0:
                continue
            self._commit_file(plan)
            self.plan_order.remove(ap)
            del self.plans[ap]
            self.done_files += 1
            if self.progress:
                self.progress(self.done_files, self.total, plan.name)
        if self.progress and not self.plan_order:
            self.progress(self.done_files, self.total, "")

    @staticmethod
    def _article_row(p: _Pending) -> dict:
        a = p.art
        return {"id": p.aid, "hash": p.hash, "title": a.title, "outlet": a.outlet, "date": a.date,
                "date_int": date_int(a.date), "url": a.url, "author": a.author, "source_file": a.source_file,
                "path": a.path, "text": a.text, "n_chunks": len(p.spans), "dup_of": p.dup_of,
                "similarity": p.similarity, "minhash": p.minhash, "added_at": time.time()}

    def _commit_article(self, p: _Pending) -> None:
        row = self._article_row(p)
        gone: list[str] = []
        with self.reg.transaction() as tx:
            tx.put_article(row, p.spans, p.art.key)
            if p.old_aid and p.old_aid != p.aid:  # a changed single-article file: swap atomically
                tx.drop_file(p.art.path, p.old_aid)
                gone = self.lib.gc_articles([p.old_aid])
        self.lib.delete_chunks_from_store(gone)

    def _commit_file(self, plan: _FilePlan) -> None:
        """Record the file's rows with its hash; drop rows of articles it no longer holds."""
        fh = plan.file_hash or None
        cur = {(r["key"], r["article_id"]): r["file_hash"] for r in self.reg.file_rows(plan.path)}
        want = set(plan.keys.items())
        if set(cur) == want and all(cur[x] == fh for x in want):
            return
        gone: list[str] = []
        with self.reg.transaction() as tx:
            for key, aid in want:
                if not tx.has_article(aid):
                    continue  # not committed (should not happen): the file stays unhashed, parsed again next time
                tx.put_file(key, plan.path, plan.name, fh, aid)
            stale = [x for x in cur if x not in want]
            tx.drop_file_keys(stale)
            gone = self.lib.gc_articles([aid for _k, aid in stale])
        self.lib.delete_chunks_from_store(gone)

    def prune(self, dirs: list[Path], seen: set[str]) -> None:
        """Forget files under the ingested folders that no longer exist on disk."""
        victims: list[str] = []
        for d in dirs:
            prefix = str(d).rstrip(os.sep) + os.sep
            for path in self.reg.paths(under=prefix):
                if path not in seen and not os.path.lexists(path):
                    victims.append(path)
        for path in victims:
            before = self.lib.counts()[0]
            self.lib.remove_paths([path])
            self.rep.removed += before - self.lib.counts()[0]


def ingest(lib, paths: list[Path], outlet: str | None = None, progress: Progress | None = None,
           date: str | None = None) -> IngestReport:
    """`Index.ingest`: under the write lock, restore what the vector store lacks, then one IngestRun."""
    t0 = time.perf_counter()
    files, missing = collect_files([Path(p) for p in paths])
    if missing:
        raise UsageError("Path not found", ", ".join(missing))
    if not files:
        exts = " ".join(sorted(SUPPORTED_EXTS))
        raise UsageError("Nothing to ingest", f"no supported files in {', '.join(str(p) for p in paths)} (supported: {exts}).")
    rep = IngestReport(files=len(files))
    try:
        _ingest(lib, files, paths, outlet, progress, rep, date)
    except DiskFull as exc:  # say it in ingest's words: the same ingest again carries on
        raise exc.again("run the same `newsbot ingest` again: it carries on where this one stopped") from None
    finally:
        lib._run = None
    rep.seconds = time.perf_counter() - t0
    return rep


def _ingest(lib, files: list[Path], paths: list[Path], outlet: str | None, progress, rep: IngestReport,
            date: str | None = None) -> None:
    with lib.write_lock():
        lib.db(create=True)
        t = time.perf_counter()
        rep.restored = restore_store(lib)
        if rep.restored:
            rep.embed_seconds += time.perf_counter() - t
        lib._run = IngestRun(lib, outlet, progress, len(files), rep, date)
        gen0 = lib.generation()
        done = False
        try:
            lib._run.run(files, paths)
            if lib.settings.chroma_url:  # record the server state the sidecar is in step with
                from bot.store.remote import sync_from_store

                sync_from_store(lib)
            rep.stories = len(set(assign_stories(lib).values()))  # the new articles join or start stories
            done = True
        finally:
            try:
                if lib.generation() != gen0 or lib.keyword_stale():
                    lib.rebuild_keyword(save=True, strict=done)
            except DiskFull:
                if done:  # everything else is in: say so, rather than leave it to every reader
                    raise
            except Exception:
                pass  # rebuilt lazily by the next reader or `newsbot doctor`
        rep.articles, rep.chunks = lib.counts()


def restore_store(lib, store_ids: set[str] | None = None) -> int:
    """Embed again the registry's chunks that the vector store lacks (a deleted or emptied
    `chroma/`, a store restored from an old copy); returns how many. Cheap when nothing is
    missing: the store is listed only when it holds fewer chunks than the registry. Call it
    under the write lock. Not with a Chroma server: there the registry follows the server
    (bot.store.remote), and `exists()` has already synced it."""
    chunks = lib.chunk_count()
    if not chunks or (lib.settings.chroma_url and store_ids is None):
        return 0
    if store_ids is None:
        stored = lib.store_count()
        if stored is not None and stored >= chunks:
            return 0
        store_ids = set(lib.store().get_ids())
    missing = sorted(lib.registry.chunk_ids() - store_ids)
    for s in range(0, len(missing), lib.batch_chunks):
        rows = lib.registry.chunks_with_articles(missing[s:s + lib.batch_chunks])
        vecs = lib.embedder.embed([embed_text(r["title"], r["text"], r["position"]) for r in rows])
        lib.store().upsert([r["id"] for r in rows], vecs, [r["text"] for r in rows],
                            [meta_for_chroma(r["article_id"], r["position"], r["start"], r["end"], dict(r)) for r in rows])
    return len(missing)
