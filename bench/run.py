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
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script (`python bench/run.py`): bot and bench from this checkout

from bench.common import ASK_Q, DEV_QA, LEE, log, med  # noqa: E402
from bench.processes import bench_cold, bench_memory  # noqa: E402
from bench.retrieval import bench_retrieval  # noqa: E402
from bot.config import Settings, load_settings  # noqa: E402

TARGETS = {
    "ingest_ratio": (">=", 0.8),
    "hybrid_p95_100k_ms": ("<=", 50.0),
    "ask_ttft_ratio": ("<=", 1.15),
    "help_s": ("<=", 0.5),
}


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
