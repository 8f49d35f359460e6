"""What a chat-model rewrite of follow-ups would cost and give, beside the deterministic one
(bot.core.conversation): for each follow-up of a chains file, the previous turn (its standalone
question and the answer an eval gave) is shown to the model, which writes the question so it
stands alone. Prints prompt tokens and seconds per rewrite, and how often each rewrite holds the
names of the hand-written standalone form (a rough proxy for "resolved right").

    flock /tmp/newsbot-model.lock .venv/bin/python scripts/rewrite_cost.py tests/data/followup_qa.jsonl \
        --answers eval-out/followups/answers.jsonl --limit 20
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from bot.backends.llm import load_chat_model
from bot.config import load_settings
from bot.core import checking
from bot.core.conversation import Turn, standalone

SYSTEM = ("Rewrite the user's follow-up question so that it can be understood without the conversation: "
          "replace pronouns (he, she, they, it, that) with what they refer to. Reply with the question only.")


def names(text: str) -> set[str]:
    return {w.lower() for n in checking.name_spans(text) for w in n.split() if len(w) > 2}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("questions")
    ap.add_argument("--answers", required=True, help="an eval answers file of the same chains")
    ap.add_argument("--limit", type=int, default=0)
    a = ap.parse_args()
    qs = [json.loads(line) for line in open(a.questions) if line.strip()]
    ans = {d["id"]: d for d in (json.loads(line) for line in open(a.answers) if line.strip())}
    model = load_chat_model(load_settings().settings)
    model.load()
    rows = []
    for q in qs:
        if not q.get("follows") or q["follows"] not in ans or q["id"] not in ans:
            continue
        prev = ans[q["follows"]]
        prev_q = prev.get("standalone") or prev["question"]
        user = f"Previous question: {prev_q}\nPrevious answer: {prev['answer']}\nFollow-up: {q['question']}"
        msgs = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]
        t0 = time.perf_counter()
        rewritten = model.complete(msgs, max_tokens=48, stop=["\n"]).strip()
        secs = time.perf_counter() - t0
        det = standalone(q["question"], [Turn(prev_q, prev["answer"], prev["refused"])])
        gold = names(q.get("standalone", "")) - names(q["question"])
        rows.append((q["id"], model.last.prompt_tokens, model.last.completion_tokens, secs,
                     bool(gold & names(rewritten)),
                     bool(gold & names(det)), rewritten, det))
        print(f"{q['id']}: {secs:.1f}s {model.last.prompt_tokens}+{model.last.completion_tokens} tok | model: {rewritten} | rule: {det}")
        if a.limit and len(rows) >= a.limit:
            break
    with_names = [r for r in rows if names(next(x for x in qs if x["id"] == r[0]).get("standalone", ""))
                  - names(next(x for x in qs if x["id"] == r[0])["question"])]
    print(f"\n{len(rows)} follow-ups: model rewrite median {statistics.median(r[3] for r in rows):.2f} s, "
          f"{statistics.median(r[1] for r in rows):.0f} prompt + {statistics.median(r[2] for r in rows):.0f} completion tokens; "
          f"the deterministic rewrite: no model call")
    print(f"of {len(with_names)} whose standalone form adds names: the model's rewrite holds one of them "
          f"{sum(r[4] for r in with_names)} times, the deterministic one {sum(r[5] for r in with_names)} times")


if __name__ == "__main__":
    main()
