"""Time to first token with the prompt read in cancellable slices (bot.backends.llm.PREFILL_SLICE)
against one whole-prompt `create_completion` and raw llama.cpp (eval + sample), on the same
~400-token prompt in one process, the KV cache reset before every run; then how long a cancel
0.5 s into a long prompt takes to return.

    flock /tmp/newsbot-model.lock .venv/bin/python scripts/cancel_timing.py --runs 3 --slices 32 64 128
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from pathlib import Path

from bot.backends import llm as llm_mod
from bot.backends.llm import load_chat_model
from bot.config import load_settings

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def prompt_tokens(model, n: int) -> list[int]:
    text = " ".join(p.read_text() for p in sorted(SEEDS.iterdir()) if p.is_file())
    words = text.split()
    msgs = [{"role": "system", "content": "Answer from the passages."},
            {"role": "user", "content": " ".join(words[: int(n * 0.7)]) + "\nWho was sanctioned?"}]
    prompt, _ = model.format(msgs)
    return model.tokenize(prompt)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tokens", type=int, default=400)
    ap.add_argument("--slices", type=int, nargs="*", default=[64])
    a = ap.parse_args()
    model = load_chat_model(load_settings().settings)
    llm = model.llm
    tokens = prompt_tokens(model, a.tokens)
    print(f"{model.name}: {len(tokens)} prompt tokens, n_batch {llm.n_batch}, {model.n_threads} threads")

    def whole() -> float:  # the path before slicing: one create_completion reads the whole prompt
        llm.reset()
        t0 = time.perf_counter()
        for _ in llm.create_completion(tokens, max_tokens=1, temperature=0.0, top_k=1, stream=True):
            break
        return (time.perf_counter() - t0) * 1000

    def sliced(size: int) -> float:
        llm_mod.PREFILL_SLICE = size
        llm.reset()
        t0 = time.perf_counter()
        for _ in model.stream_tokens(tokens, max_tokens=1, stop=[]):
            break
        return (time.perf_counter() - t0) * 1000

    def raw() -> float:  # as bench/run.py measures raw llama.cpp
        llm.reset()
        t0 = time.perf_counter()
        llm.eval(tokens)
        llm.sample(top_k=1, temp=0.0)
        return (time.perf_counter() - t0) * 1000

    runs: dict[str, list[float]] = {"raw": [], "whole": [], **{f"slice{s}": [] for s in a.slices}}
    for r in range(a.runs):  # interleaved, so a busy moment hits every variant alike
        runs["raw"].append(raw())
        runs["whole"].append(whole())
        for s in a.slices:
            runs[f"slice{s}"].append(sliced(s))
        print(f"run {r + 1}: " + ", ".join(f"{k} {v[-1]:.0f}" for k, v in runs.items()))
    # the median, and the fastest run (the least disturbed by other work on a shared machine)
    base, fast = statistics.median(runs["raw"]), min(runs["raw"])
    for k, v in runs.items():
        print(f"{k:>9}: median {statistics.median(v):7.0f} ms ({statistics.median(v) / base:.3f}x raw), "
              f"fastest {min(v):7.0f} ms ({min(v) / fast:.3f}x raw)")

    long = prompt_tokens(model, 1400)
    for s in a.slices:
        llm_mod.PREFILL_SLICE = s
        llm.reset()
        timer = threading.Timer(0.5, model.cancel)
        t0 = time.perf_counter()
        timer.start()
        got = list(model.stream_tokens(long, max_tokens=32, stop=[]))
        took = time.perf_counter() - t0
        print(f"cancel 0.5 s into {len(long)} tokens, slice {s}: returned after {took:.2f} s "
              f"({took - 0.5:.2f} s after the cancel), {len(got)} pieces")


if __name__ == "__main__":
    main()
