"""Retrieval quality: recall@1/3/5/8 and MRR of dense, keyword and hybrid search on a QA file.

    python scripts/retrieval_recall.py [--index DIR] [--qa dev_qa.jsonl] [--json]

Ingests seeds/ (no outlet) and lee_background/ (--source ABC) into the index (a temporary one
by default; an existing index is reused incrementally), then asks every answerable question.
A hit at rank r: the r-th passage's source_file is one of the question's `sources`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("NEWSBOT_SHARED_DATA", REPO.parent / "shared" / "data"))
KS = (1, 3, 5, 8)


_FILES: dict[str, list[str]] = {}


def _files(index, passage) -> list[str]:
    out = [passage.source_file]
    for aid in [passage.article_id, *passage.duplicates]:
        if aid not in _FILES:
            _FILES[aid] = index.article(aid)["files"]
        out.extend(_FILES[aid])
    return out


def evaluate(index, questions: list[dict], modes=("dense", "keyword", "hybrid"), k: int = 8) -> dict:
    results = {}
    for mode in modes:
        hits = {kk: 0 for kk in KS}
        rr = 0.0
        misses = []
        for q in questions:
            passages = index.search(q["question"], k=k, mode=mode)
            files = [p.source_file for p in passages]
            # an article ingested from several identical files (or with collapsed near-duplicate
            # copies) stands for all of them
            rank = next((i + 1 for i, p in enumerate(passages) if set(_files(index, p)) & set(q["sources"])), None)
            for kk in KS:
                hits[kk] += int(rank is not None and rank <= kk)
            rr += 1.0 / rank if rank else 0.0
            if rank is None or rank > 5:
                misses.append({"id": q.get("id"), "rank": rank, "got": files[:3]})
        n = max(1, len(questions))
        results[mode] = {**{f"recall@{kk}": round(hits[kk] / n, 3) for kk in KS}, "mrr": round(rr / n, 3),
                         "n": len(questions), "misses": misses}
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=None)
    ap.add_argument("--qa", type=Path, default=SHARED / "dev_qa.jsonl")
    ap.add_argument("--seeds", type=Path, default=REPO / "seeds")
    ap.add_argument("--lee", type=Path, default=SHARED / "lee_background")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from bot.config import load_settings
    from bot.core.index import Index

    tmp = None
    if args.index is None:
        tmp = tempfile.TemporaryDirectory(prefix="newsbot-recall-")
        args.index = Path(tmp.name) / "index"
    s = load_settings({"index_dir": args.index}).settings
    idx = Index(s)
    r1 = idx.ingest([args.seeds])
    r2 = idx.ingest([args.lee], outlet="ABC")
    qs = [json.loads(line) for line in args.qa.read_text().splitlines() if line.strip()]
    qs = [q for q in qs if q.get("answerable", True) and q.get("sources")]
    res = evaluate(idx, qs)
    idx.close()
    if args.json:
        print(json.dumps({"ingest": [r1.to_json(), r2.to_json()], "results": res}, indent=2))
    else:
        print(f"{len(qs)} answerable questions, index {args.index} ({r2.articles} articles, {r2.chunks} chunks)")
        print(f"{'mode':8} " + " ".join(f"{'R@' + str(k):>6}" for k in KS) + f" {'MRR':>6}")
        for mode, r in res.items():
            print(f"{mode:8} " + " ".join(f"{r[f'recall@{k}']:6.3f}" for k in KS) + f" {r['mrr']:6.3f}")
        for mode, r in res.items():
            for m in r["misses"]:
                print(f"  {mode} miss@5: {m['id']} rank={m['rank']} top={m['got']}")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
