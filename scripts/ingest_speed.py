"""Ingest throughput vs the raw embedder, on the same chunks, in one run.

    python scripts/ingest_speed.py [PATH...] [--source ABC] [--json]

Ingests PATHs (default: seeds/ and lee_background/) from scratch into a temporary index with a
pre-loaded embedder, then embeds exactly the same chunk texts again with the bare embedder.
`measure_ingest_speed()` is reusable by the benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("NEWSBOT_SHARED_DATA", REPO.parent / "shared" / "data"))


def measure_ingest_speed(paths: list[Path], settings=None, embedder=None, outlet: str | None = None) -> dict:
    from bot.backends.embedder import load_embedder
    from bot.config import load_settings
    from bot.core.index import Index, embed_text

    with tempfile.TemporaryDirectory(prefix="newsbot-speed-") as tmp:
        s = (settings or load_settings().settings).model_copy(update={"index_dir": Path(tmp) / "index"})
        emb = embedder or load_embedder(s)
        emb.embed(["warm up the session"])  # first-call overhead is not throughput
        idx = Index(s, embedder=emb)
        rep = idx.ingest(paths, outlet=outlet)
        rows = idx.registry.chunks_with_articles()
        texts = [embed_text(r["title"], r["text"], r["position"]) for r in rows]
        # the raw embedder on the same texts, in the same batches the ingest used (a shared
        # machine's load varies: compare like with like)
        t = time.perf_counter()
        for i in range(0, len(texts), idx.batch_chunks):
            emb.embed(texts[i:i + idx.batch_chunks])
        raw = time.perf_counter() - t
        again = idx.ingest(paths, outlet=outlet)
        idx.close()
    ingest_cps = rep.chunks_added / rep.seconds if rep.seconds else 0.0
    raw_cps = len(texts) / raw if raw else 0.0
    return {"articles": rep.articles, "chunks": rep.chunks_added, "ingest_seconds": round(rep.seconds, 2),
            "embed_seconds_in_ingest": round(rep.embed_seconds, 2), "ingest_chunks_per_s": round(ingest_cps, 1),
            "raw_embed_seconds": round(raw, 2), "raw_chunks_per_s": round(raw_cps, 1),
            "ratio": round(ingest_cps / raw_cps, 3) if raw_cps else None,
            "reingest_seconds": round(again.seconds, 2), "reingest_unchanged": again.unchanged,
            "reingest_chunks_added": again.chunks_added}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--source", default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.paths:
        res = measure_ingest_speed(args.paths, outlet=args.source)
    else:
        res = measure_ingest_speed([REPO / "seeds", SHARED / "lee_background"])
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        print(f"{res['articles']} articles, {res['chunks']} chunks")
        print(f"ingest:       {res['ingest_seconds']:7.2f} s  {res['ingest_chunks_per_s']:7.1f} chunks/s "
              f"(embedding {res['embed_seconds_in_ingest']:.2f} s of it)")
        print(f"raw embedder: {res['raw_embed_seconds']:7.2f} s  {res['raw_chunks_per_s']:7.1f} chunks/s")
        print(f"ratio:        {res['ratio']:.2f}")
        print(f"re-ingest:    {res['reingest_seconds']:7.2f} s, {res['reingest_unchanged']} unchanged, "
              f"{res['reingest_chunks_added']} chunks embedded")


if __name__ == "__main__":
    main()
