"""Bench section 2: retrieval latency through `Index.search` on synthetic corpora grown from a
real index (varied copies of its chunks, perturbed copies of their vectors: see bench/run.py)."""

from __future__ import annotations

import random
import re
import shutil
import time
from pathlib import Path

import numpy as np

from bench.common import log, pct, questions
from bot.config import Settings


# --------------------------------------------------------------------------- 2. retrieval

_WORD = re.compile(r"[A-Za-z]{4,}")


def _vary(text: str, donor: str, rng: random.Random, rate: float = 0.15) -> str:
    words = _WORD.findall(donor) or ["report"]
    return _WORD.sub(lambda m: rng.choice(words) if rng.random() < rate else m.group(0), text)


def build_synthetic(base: Settings, seed_index: Path, n_chunks: int, dest: Path) -> float:
    """An index of n_chunks chunks: the real chunks of `seed_index`, then varied copies."""
    from bot.core.index import Index, _meta_for_chroma

    t0 = time.perf_counter()
    src = Index(base.model_copy(update={"index_dir": seed_index}))
    arts = [dict(r) for r in src.registry.all_articles()]
    chunks = {}
    for r in src.registry.all_chunks():
        chunks.setdefault(r["article_id"], []).append(dict(r))
    vecs = src.store().get_embeddings([c["id"] for cs in chunks.values() for c in cs])
    src.close()
    pool = [c["text"] for cs in chunks.values() for c in cs]
    rng = random.Random(1234)
    nrng = np.random.default_rng(1234)
    outlets = ["ABC", "SMH", "The Age", "Reuters", "AP", "Guardian", "Courier", "Mercury"]
    dst = Index(base.model_copy(update={"index_dir": dest}))
    dst.db(create=True)
    store = dst.store()
    total = 0
    copy = 0
    cols = list(arts[0].keys())
    while total < n_chunks:
        a_rows, c_rows, f_rows = [], [], []
        ids, embs, docs, metas = [], [], [], []
        for a in arts:
            cs = chunks.get(a["id"], [])
            if not cs or total >= n_chunks:
                continue
            cs = cs[: n_chunks - total]
            if copy == 0:
                aid, texts = a["id"], [c["text"] for c in cs]
                row = dict(a)
            else:
                aid = f"{a['id'][:10]}{copy:06x}"
                texts = [_vary(c["text"], rng.choice(pool), rng) for c in cs]
                row = dict(a)
                row.update(id=aid, hash=aid, title=f"{a['title']} ({outlets[copy % len(outlets)]} edition {copy})",
                           outlet=outlets[copy % len(outlets)], source_file=f"copy{copy}_{a['source_file']}",
                           path=f"synthetic/copy{copy}/{a['source_file']}", dup_of=None, similarity=None, minhash=None,
                           date=f"{1990 + copy % 30}-{1 + copy % 12:02d}-{1 + copy % 28:02d}",
                           date_int=int(f"{1990 + copy % 30}{1 + copy % 12:02d}{1 + copy % 28:02d}"))
            pos, parts, spans = 0, [], []
            for t in texts:
                spans.append((pos, pos + len(t)))
                parts.append(t)
                pos += len(t) + 2
            row["text"] = "\n\n".join(parts)
            row["n_chunks"] = len(texts)
            a_rows.append([row[k] for k in cols])
            f_rows.append((row["path"], row["path"], row["source_file"], None, aid))
            for i, (t, (s, e)) in enumerate(zip(texts, spans)):
                cid = f"{aid}:{i}"
                c_rows.append((cid, aid, i, s, e, t))
                v = vecs[cs[i]["id"]]
                if copy:
                    v = v + nrng.normal(0, 0.02, v.shape).astype(np.float32)
                    v = v / np.linalg.norm(v)
                ids.append(cid)
                embs.append(v)
                docs.append(t)
                metas.append(_meta_for_chroma(aid, i, s, e, row))
            total += len(texts)
        store.upsert(ids, np.asarray(embs, dtype=np.float32), docs, metas)
        with dst.registry.transaction() as tx:
            tx.bulk_insert(cols, a_rows, c_rows, f_rows)
        copy += 1
    dst.keyword()  # build and save the bm25 sidecar, as ingest does
    dst.close()
    return time.perf_counter() - t0


def bench_retrieval(base: Settings, seed_index: Path, sizes: list[int], work: Path, reps: int) -> dict:
    from bot.backends.embedder import load_embedder
    from bot.core.index import Index

    emb = load_embedder(base)
    qs = questions()
    out = {}
    for n in sizes:
        dest = work / f"synthetic-{n}"
        log(f"retrieval: building {n:,} chunks")
        build_s = build_synthetic(base, seed_index, n, dest)
        s = base.model_copy(update={"index_dir": dest})
        res = {"build_s": round(build_s, 1)}
        with Index(s, embedder=emb) as idx:
            real = idx.counts()[1]
            for q in qs[:3]:  # warm: load the keyword index, the HNSW segments, the embedder
                for mode in ("dense", "keyword", "hybrid"):
                    idx.search(q, k=8, mode=mode)
            times = {m: [] for m in ("dense", "keyword", "hybrid")}
            for _ in range(reps):
                for q in qs:
                    for mode in times:
                        t0 = time.perf_counter()
                        idx.search(q, k=8, mode=mode)
                        times[mode].append((time.perf_counter() - t0) * 1000)
        res["chunks"] = real
        for mode, ts in times.items():
            res[mode] = {"p50_ms": round(pct(ts, 50), 2), "p95_ms": round(pct(ts, 95), 2), "n": len(ts)}
        log(f"retrieval {n:,}: " + ", ".join(f"{m} p50 {res[m]['p50_ms']} / p95 {res[m]['p95_ms']} ms" for m in times))
        out[str(n)] = res
        shutil.rmtree(dest, ignore_errors=True)
    return out
