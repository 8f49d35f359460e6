"""`make bench`: newsbot's performance figures, each a median of repeated runs, and every
comparison a ratio measured in the same run. Prints a table and writes bench.json at the top of
the checkout. `--quick` is a reduced run for development (smaller corpus, 0.5B model, 1k/10k).

1. ingest: chunks/s of `Index.ingest` over lee_background vs the raw embedder on the same chunk
   texts (the exact strings ingest embeds), same loaded embedder, runs interleaved.
2. retrieval latency p50/p95 at 1k/10k/100k chunks, dense/keyword/hybrid, through `Index.search`.
   The corpus grows from lee_background with varied copies: copy j of a chunk has ~15% of its
   words swapped for words of another chunk and is filed under a synthetic article with its own
   title, date and outlet. Their vectors are perturbed copies of the real embeddings of the
   source chunks (Gaussian noise, renormalised; cosine ~0.93 to the source) instead of being
   embedded: that keeps the 100k build to a couple of minutes on 2 cores. Queries are the
   dev_qa questions, embedded for real on every search.
3. ask: time to first token of `Answerer.ask` (retrieval, packing, prompt, generation) vs raw
   llama.cpp evaluating the identical token list (captured from newsbot's `stream_tokens`) and
   sampling one token, with a second `Llama` of the same file, n_ctx, threads and batch. Both
   on a fresh context (KV cache reset before each run: no prefix reuse), runs interleaved.
4. eval throughput (questions/minute, from the median seconds per question) of `run_eval` with
   the KV prefix reuse newsbot does by default, and with the cache reset before every question;
   the two modes interleaved question by question; the ratio is the median of the per-question ratios.
5. cold start: `newsbot --help`; `newsbot ask` from process start to its first streamed token
   (stdout on a pseudo-terminal, as a user sees it).
6. peak memory (max RSS from wait4) of `newsbot ingest` (lee_background) and `newsbot ask`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pty
import random
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.config import Settings, load_settings  # noqa: E402

DATA = Path(os.environ.get("NEWSBOT_SHARED_DATA", REPO.parent / "shared" / "data"))
LEE = DATA / "lee_background"
DEV_QA = DATA / "dev_qa.jsonl"
NEWSBOT = Path(sys.executable).parent / "newsbot"
ASK_Q = "How many residents left Hill Top for Mittagong?"

TARGETS = {
    "ingest_ratio": (">=", 0.8),
    "hybrid_p95_100k_ms": ("<=", 50.0),
    "ask_ttft_ratio": ("<=", 1.15),
    "help_s": ("<=", 0.5),
}


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def pct(xs, p):
    return float(np.percentile(np.asarray(xs, dtype=float), p)) if xs else None


def log(msg: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


def questions() -> list[str]:
    out = []
    for line in DEV_QA.read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(json.loads(line)["question"])
    return out


# --------------------------------------------------------------------------- 1. ingest

def bench_ingest(base: Settings, files: list[Path], runs: int, work: Path) -> tuple[dict, Path]:
    from bot.backends.embedder import load_embedder
    from bot.core.index import Index, embed_text

    emb = load_embedder(base)
    emb.embed(["warm up the session"])
    src = work / "lee"
    src.mkdir()
    for f in files:
        shutil.copy(f, src / f.name)
    ing, raw, ratios, shares, chunks = [], [], [], [], 0
    last = None
    for r in range(runs):
        idx_dir = work / f"ingest-{r}"
        s = base.model_copy(update={"index_dir": idx_dir})
        with Index(s, embedder=emb) as idx:
            rep = idx.ingest([src])
            chunks = rep.chunks_added
            rows = idx.registry.chunks_with_articles()
        texts = [embed_text(r["title"], r["text"], r["position"]) for r in rows]
        t0 = time.perf_counter()
        emb.embed(texts)
        raw_s = time.perf_counter() - t0
        ing.append(chunks / rep.seconds)
        shares.append(rep.embed_seconds / rep.seconds)
        raw.append(len(texts) / raw_s)
        ratios.append(ing[-1] / raw[-1])
        log(f"ingest run {r + 1}/{runs}: {ing[-1]:.1f} chunks/s, raw embedder {raw[-1]:.1f} chunks/s")
        if last is not None:
            shutil.rmtree(last, ignore_errors=True)
        last = idx_dir
    return {"articles": len(files), "chunks": chunks, "runs": runs, "ingest_chunks_per_s": med(ing),
            "raw_embed_chunks_per_s": med(raw), "ratio": med(ratios), "embedding_share_of_ingest": med(shares),
            "samples": {"ingest": ing, "raw": raw, "ratio": ratios}}, last


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


# --------------------------------------------------------------------------- 3. ask, 4. eval

def _capture_tokens(model) -> dict:
    """Wrap the model's stream_tokens to record the exact token list newsbot sends."""
    seen: dict = {}
    orig = model.stream_tokens

    def wrapped(tokens, max_tokens, stop, **kw):
        seen.setdefault("tokens", list(tokens))  # the answer prompt (the judge's comes later)
        return orig(tokens, max_tokens, stop, **kw)

    model.stream_tokens = wrapped
    return seen


def bench_ask(s: Settings, runs: int) -> dict:
    from llama_cpp import Llama

    from bot.core.answering import Answerer

    answerer = Answerer(s)
    model = answerer.model
    seen = _capture_tokens(model)
    llm = model.llm
    raw = Llama(model_path=str(model.path), n_ctx=model.n_ctx, n_threads=model.n_threads,
                n_threads_batch=model.n_threads, n_batch=model.n_batch, seed=model.seed, verbose=False)
    answerer.index.search(ASK_Q, k=s.k)  # warm the index (keyword sidecar, embedder)

    def newsbot_once() -> float:
        llm.reset()  # fresh context: no KV reuse from the previous run
        ans = answerer.ask(ASK_Q, on_token=lambda _p: answerer.cancel(), save=False)
        return ans.timings["first_token_ms"], ans

    def raw_once(tokens) -> float:
        raw.reset()
        t0 = time.perf_counter()
        raw.eval(tokens)
        raw.sample(top_k=1, temp=0.0)
        return (time.perf_counter() - t0) * 1000

    nb, rw, ratios = [], [], []
    ans = None
    for r in range(runs):
        t, ans = newsbot_once()
        w = raw_once(seen["tokens"])
        nb.append(t)
        rw.append(w)
        ratios.append(t / w)
        log(f"ask run {r + 1}/{runs}: newsbot first token {t:.0f} ms, raw llama.cpp {w:.0f} ms ({len(seen['tokens'])} tokens)")
    # the same prompt again right after: what a repeated question costs with prefix reuse
    t0 = time.perf_counter()
    warm = answerer.ask(ASK_Q, on_token=lambda _p: answerer.cancel(), save=False)
    raw.close()
    return {"model": model.name, "n_ctx": model.n_ctx, "threads": model.n_threads, "n_batch": model.n_batch,
            "prompt_tokens": len(seen["tokens"]), "runs": runs, "newsbot_first_token_ms": med(nb),
            "raw_llama_first_token_ms": med(rw), "ratio": med(ratios), "retrieve_ms": ans.timings.get("retrieve_ms"),
            "repeat_with_kv_reuse_first_token_ms": warm.timings["first_token_ms"],
            "samples": {"newsbot": nb, "raw": rw}}


def bench_eval(s: Settings, n: int, work: Path) -> dict:
    """`run_eval` one question at a time, the two modes interleaved (so both see the same machine
    load): with newsbot's default KV prefix reuse, then with the cache reset first. The reuse run
    of question i follows the no-reuse run of question i-1, whose KV cache holds a prompt with the
    same fixed prefix, exactly as in a plain eval run."""
    from bot.core.answering import Answerer
    from bot.core.evaluation import cached_tokens_of, load_questions, run_eval

    qs = load_questions(DEV_QA)[:n]
    answerer = Answerer(s)
    model = answerer.model
    llm = model.llm
    orig = model.stream_tokens

    def fresh(tokens, max_tokens, stop, **kw):
        llm.reset()
        return orig(tokens, max_tokens, stop, **kw)

    answerer.index.search(qs[0].question, k=s.k)  # warm the index
    llm.reset()
    times: dict[str, list[float]] = {"prefix_reuse": [], "no_reuse": []}
    cached: dict[str, list] = {"prefix_reuse": [], "no_reuse": []}
    for i, q in enumerate(qs):
        for mode in ("prefix_reuse", "no_reuse"):
            model.stream_tokens = orig if mode == "prefix_reuse" else fresh
            out = work / f"eval-{mode}-{i}.jsonl"
            t0 = time.perf_counter()
            run_eval(answerer, [q], out)
            times[mode].append(time.perf_counter() - t0)
            cached[mode].extend(cached_tokens_of(r) for r in _records(out))
        log(f"eval question {i + 1}/{len(qs)}: {times['prefix_reuse'][-1]:.1f}s with prefix reuse, "
            f"{times['no_reuse'][-1]:.1f}s without")
    model.stream_tokens = orig
    res = {"questions": len(qs), "model": model.name}
    for mode, ts in times.items():
        res[mode] = {"questions_per_min": round(60 / med(ts), 2), "median_s_per_question": round(med(ts), 2),
                     "median_cached_prompt_tokens": med(cached[mode]), "samples_s": [round(x, 2) for x in ts]}
    res["speedup"] = round(med([b / a for a, b in zip(times["prefix_reuse"], times["no_reuse"])]), 3)
    return res


def _records(path: Path) -> list[dict]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        out.append(rec.get("answer", rec) if isinstance(rec.get("answer"), dict) else rec)
    return out


# --------------------------------------------------------------------------- 5. cold start, 6. memory

_WRAP = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
         "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode; "
         "print(r, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def run_rss(cmd: list[str], env: dict) -> tuple[int, float, int]:
    """Run to completion; (exit code, wall seconds, max RSS in MB) of that one command. It is started
    by a small wrapper process: a child forked from this (large) process would report this
    process's RSS as its own high-water mark."""
    out = subprocess.run([sys.executable, "-c", _WRAP, *cmd], capture_output=True, text=True, env=env, check=True)
    rc, wall, kb = out.stdout.split()
    return int(rc), float(wall), round(int(kb) / 1024)


def first_stdout_byte(cmd: list[str], env: dict, timeout: float = 300) -> float | None:
    """Seconds from process start to the first byte on stdout (a pseudo-terminal); then stop it."""
    master, slave = pty.openpty()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=slave, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    got = None
    try:
        while time.perf_counter() - t0 < timeout:
            r, _, _ = select.select([master], [], [], 0.5)
            if r:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    break
                if data.strip():
                    got = time.perf_counter() - t0
                    break
            if proc.poll() is not None:
                break
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        os.close(master)
    return got


def bench_cold(s: Settings, index_dir: Path, runs: int, env: dict) -> dict:
    helps = []
    for _ in range(max(5, runs)):
        t0 = time.perf_counter()
        subprocess.run([str(NEWSBOT), "--help"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
        helps.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    py = time.perf_counter() - t0
    asks = []
    for r in range(runs):
        t = first_stdout_byte([str(NEWSBOT), "ask", ASK_Q, "--index", str(index_dir)], env)
        asks.append(t)
        log(f"cold ask run {r + 1}/{runs}: first token after {t if t is None else round(t, 2)} s")
    return {"help_s": round(med(helps), 3), "python_startup_s": round(py, 3),
            "ask_first_token_s": round(med(asks), 2) if med(asks) else None,
            "samples": {"help": [round(x, 3) for x in helps], "ask": asks}}


def bench_memory(index_dir: Path, files_dir: Path, work: Path, env: dict) -> dict:
    rc1, wall1, ing = run_rss([str(NEWSBOT), "ingest", str(files_dir), "--index", str(work / "mem-index"), "--json"], env)
    rc2, wall2, ask = run_rss([str(NEWSBOT), "ask", ASK_Q, "--index", str(index_dir), "--json"], env)
    return {"ingest_max_rss_mb": ing, "ingest_exit": rc1, "ingest_wall_s": round(wall1, 1),
            "ask_max_rss_mb": ask, "ask_exit": rc2, "ask_wall_s": round(wall2, 1)}


# --------------------------------------------------------------------------- report

def check(name: str, value) -> str:
    op, target = TARGETS[name]
    if value is None:
        return "n/a"
    ok = value >= target if op == ">=" else value <= target
    return ("met" if ok else "MISSED") + f" ({op} {target:g})"


def report(res: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"newsbot bench{' (quick)' if res['quick'] else ''}: {res['machine']['cpus']} CPUs, "
                    f"{res['settings']['chat_model']}, {res['machine']['date']}")
    ok = lambda name: name in res and "error" not in res[name]  # noqa: E731
    t.add_column("measure")
    t.add_column("figure", justify="right")
    t.add_column("ratio / target", justify="right")
    ing = res["ingest"]
    t.add_row(f"ingest ({ing['chunks']} chunks, {ing['articles']} articles)", f"{ing['ingest_chunks_per_s']:.1f} chunks/s",
              f"{ing['ratio']:.2f}x raw embedder ({ing['raw_embed_chunks_per_s']:.1f}/s): {check('ingest_ratio', ing['ratio'])}")
    for n, r in (res["retrieval"] if ok("retrieval") else {}).items():
        for mode in ("dense", "keyword", "hybrid"):
            tgt = check("hybrid_p95_100k_ms", r[mode]["p95_ms"]) if (mode == "hybrid" and n == "100000") else ""
            t.add_row(f"retrieval {mode} @ {int(n):,} chunks", f"p50 {r[mode]['p50_ms']:.1f} ms · p95 {r[mode]['p95_ms']:.1f} ms", tgt)
    a = res["ask"] if ok("ask") else None
    if a:
        t.add_row(f"ask first token ({a['prompt_tokens']} prompt tokens)", f"{a['newsbot_first_token_ms']:.0f} ms",
                f"{a['ratio']:.3f}x raw llama.cpp ({a['raw_llama_first_token_ms']:.0f} ms): {check('ask_ttft_ratio', a['ratio'])}")
        t.add_row("ask first token, repeated question (KV reuse)", f"{a['repeat_with_kv_reuse_first_token_ms']:.0f} ms", "")
    e = res["eval"] if ok("eval") else None
    if e:
        t.add_row(f"eval throughput ({e['questions']} questions)", f"{e['prefix_reuse']['questions_per_min']:.2f} q/min with prefix reuse",
                f"{e['speedup']:.2f}x vs {e['no_reuse']['questions_per_min']:.2f} q/min without")
    c = res["cold"] if ok("cold") else None
    if c:
        t.add_row("cold start: newsbot --help", f"{c['help_s']:.2f} s", f"python alone {c['python_startup_s']:.2f} s: {check('help_s', c['help_s'])}")
        t.add_row("cold start: newsbot ask → first token", f"{c['ask_first_token_s']} s", "")
    m = res["memory"] if ok("memory") else None
    if m:
        t.add_row("peak memory: newsbot ingest / ask", f"{m['ingest_max_rss_mb']} MB / {m['ask_max_rss_mb']} MB", "")
    for name in ("retrieval", "ask", "eval", "cold", "memory"):
        if name in res and "error" in res[name]:
            t.add_row(f"{name}: FAILED", res[name]["error"][:80], "")
    Console(width=150).print(t)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small run for development (minutes)")
    ap.add_argument("--out", type=Path, default=REPO / "bench.json")
    ap.add_argument("--only", default="ingest,retrieval,ask,eval,cold,memory")
    ap.add_argument("--runs", type=int, default=None, help="repetitions of ingest, ask and cold ask (default 3; quick 1-2)")
    ap.add_argument("--eval-questions", type=int, default=None, help="questions per eval mode (default 5; quick 2)")
    args = ap.parse_args(argv)
    only = set(args.only.split(","))
    q = args.quick
    loaded = load_settings().settings
    base = Settings(models_dir=loaded.models_dir, prompts_dir=loaded.prompts_dir,
                    chat_model="qwen2.5-coder-0.5b-instruct" if q else loaded.chat_model, n_threads=loaded.n_threads)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update({"NEWSBOT_MODELS_DIR": str(base.models_dir), "NEWSBOT_CHAT_MODEL": base.chat_model,
                "NEWSBOT_CONFIG": os.devnull})
    files = sorted(LEE.glob("*.txt"))[: 60 if q else None]
    res: dict = {"quick": q, "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                         "platform": platform.platform(), "date": time.strftime("%Y-%m-%d %H:%M")},
                 "settings": {"chat_model": base.chat_model, "embed_model": base.embed_model, "n_ctx": base.n_ctx,
                              "threads": base.resolved_threads(), "n_batch": base.n_batch, "k": base.k,
                              "prompt_budget": base.prompt_budget, "max_tokens": base.max_tokens}}
    t_all = time.perf_counter()
    failed: list[str] = []

    def section(name: str, fn):
        if name not in only:
            return
        t0 = time.perf_counter()
        try:
            res[name] = fn()
        except Exception as exc:  # keep the other figures; say what failed
            import traceback

            traceback.print_exc()
            res[name] = {"error": f"{type(exc).__name__}: {exc}"}
            failed.append(name)
        res.setdefault("section_wall_s", {})[name] = round(time.perf_counter() - t0, 1)
        args.out.write_text(json.dumps(res, indent=2) + "\n")  # partial results survive an interruption

    with tempfile.TemporaryDirectory(prefix="newsbot-bench-") as tmp:
        work = Path(tmp)
        log(f"ingest ({len(files)} files)")
        res["ingest"], seed_index = bench_ingest(base, files, args.runs or (1 if q else 3), work)
        s = base.model_copy(update={"index_dir": seed_index})
        sizes = [1000, 10000] if q else [1000, 10000, 100000]
        section("retrieval", lambda: bench_retrieval(base, seed_index, sizes, work, 1 if q else 2))
        section("ask", lambda: bench_ask(s, args.runs or (2 if q else 3)))
        section("eval", lambda: bench_eval(s, args.eval_questions or (2 if q else 5), work))
        section("cold", lambda: bench_cold(s, seed_index, args.runs or (1 if q else 3), env))
        section("memory", lambda: bench_memory(seed_index, work / "lee", work, env))
    res["bench_wall_s"] = round(time.perf_counter() - t_all, 1)
    res["targets"] = {
        "ingest_ratio": check("ingest_ratio", res.get("ingest", {}).get("ratio")),
        "hybrid_p95_100k_ms": check("hybrid_p95_100k_ms", res.get("retrieval", {}).get("100000", {}).get("hybrid", {}).get("p95_ms")),
        "ask_ttft_ratio": check("ask_ttft_ratio", res.get("ask", {}).get("ratio")),
        "help_s": check("help_s", res.get("cold", {}).get("help_s")),
    }
    args.out.write_text(json.dumps(res, indent=2) + "\n")
    report(res)
    log(f"wrote {args.out} in {res['bench_wall_s']}s" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
