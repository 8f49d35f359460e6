"""The judge as a classifier: precision and recall of `yes_probability` on labelled
(question, answer, evidence, right/wrong) pairs built from an eval answers file.

Pairs:
- every answered question with gold: the answer as given, its cited quotes as evidence, labelled
  by the eval's `correct` (an answered unanswerable question is wrong);
- for every correct answer, a grounded-but-wrong one: another sentence of the same cited passage
  that holds none of the accepted answers, proposed as the answer (the failure a lexical check
  cannot see).

Usage: python scripts/judge_eval.py ANSWERS.jsonl QUESTIONS.jsonl [--index DIR] [--out pairs.jsonl]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import load_settings  # noqa: E402
from bot.core import citations as cit  # noqa: E402
from bot.core.answering import judge_messages  # noqa: E402
from bot.core.evaluation import contains_answer, load_questions  # noqa: E402


def pairs(answers: list[dict], questions: dict) -> list[dict]:
    out = []
    for r in answers:
        q = questions.get(str(r["id"]))
        s = r.get("scores") or {}
        if q is None or r.get("refused") or s.get("correct") is None:
            continue
        quotes = [c.get("quote") or "" for c in r.get("citations") or []]
        text = re.sub(r"\s*\[\d+\]", "", r.get("answer", "")).strip()
        out.append({"id": r["id"], "question": q.question, "answer": text, "evidence": quotes, "label": bool(s["correct"]),
                    "origin": "given"})
        if s["correct"] and q.answers:
            for c in r.get("citations") or []:
                for a, b in cit.passage_sentences(c.get("passage") or ""):
                    sent = " ".join(c["passage"][a:b].split())
                    if len(sent) > 30 and not contains_answer(sent, q.answers, "any") and sent not in quotes:
                        out.append({"id": r["id"], "question": q.question, "answer": sent, "evidence": [sent],
                                    "label": False, "origin": "other_sentence"})
                        break
                break
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("answers")
    ap.add_argument("questions")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    qs = {q.id: q for q in load_questions(Path(args.questions))}
    recs = [json.loads(line) for line in open(args.answers, encoding="utf-8") if line.strip()]
    ps = pairs(recs, qs)
    s = load_settings().settings
    from bot.backends.llm import load_chat_model

    model = load_chat_model(s)
    for i, p in enumerate(ps):
        shown = "\n".join(f"[{n}] {' '.join(e.split())}" for n, e in enumerate(p["evidence"], 1))
        p["p_yes"] = model.yes_probability(judge_messages(s.prompts_dir, p["question"], p["answer"], shown))
        print(f"{i + 1}/{len(ps)} {p['id']} {p['origin']:<14} label={p['label']!s:<5} p={p['p_yes']:.3f}", file=sys.stderr)
    if args.out:
        Path(args.out).write_text("".join(json.dumps(p) + "\n" for p in ps), encoding="utf-8")
    report(ps)


def report(ps: list[dict]) -> None:
    pos = sum(p["label"] for p in ps)
    print(f"{len(ps)} pairs: {pos} right, {len(ps) - pos} wrong "
          f"({sum(p['origin'] == 'given' for p in ps)} given answers, {sum(p['origin'] != 'given' for p in ps)} other sentences)")
    print("threshold | accepts right (recall) | accepted that are right (precision) | rejects wrong")
    for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        acc = [p for p in ps if p["p_yes"] is not None and p["p_yes"] >= t]
        tp = sum(p["label"] for p in acc)
        rej_wrong = sum(1 for p in ps if not p["label"] and (p["p_yes"] is None or p["p_yes"] < t))
        print(f"{t:.1f} | {tp}/{pos} = {tp / max(pos, 1):.2f} | {tp}/{len(acc)} = {tp / max(len(acc), 1):.2f} | "
              f"{rej_wrong}/{len(ps) - pos}")


if __name__ == "__main__":
    main()
