"""The judge as a classifier: precision and recall of its score (output_format.judge_score: P(yes)
for the answer less P(yes) for "The sentences do not say.") on labelled (question, answer,
evidence, right/wrong) pairs.

--from-run (no model needed): every verdict the judge gave in an eval run (`stages.judged`) on the
model's own answer or a quoted sentence, labelled right when it holds a gold answer (any
unanswerable question's answer is wrong). These are the real pairs the threshold decides.

Otherwise, constructed pairs, re-scored by the model:
- every answered question with gold: the answer as given, its cited quotes as evidence, labelled
  by the eval's `correct` (an answered unanswerable question is wrong);
- for every correct answer, a grounded-but-wrong one: another sentence of the same cited passage
  that holds none of the accepted answers, proposed as the answer (the failure a lexical check
  cannot see).

--from-run --rescore: the same verdicts (the evidence each was given is recorded with it) put to
the judge again under the current settings, so two judges are compared on the same pairs.

Usage: python scripts/judge_eval.py ANSWERS.jsonl QUESTIONS.jsonl [--from-run [--rescore]]
                                   [--ids-ending 38 | --not-ending 38] [--out pairs.jsonl]
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
from bot.core.output_format import judge_score  # noqa: E402
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


def run_pairs(answers: list[dict], questions: dict) -> list[dict]:
    """The judge's own verdicts in an eval run, on the model's answer (each part's) or a quoted sentence."""
    out = []
    for r in answers:
        q = questions.get(str(r["id"]))
        if q is None:
            continue
        for v in (r.get("stages") or {}).get("judged") or []:
            if v.get("role") not in ("answer", "quote"):
                continue  # a rival is wrong by construction; what it decides is whether it beats the answer
            label = bool(q.expects_answer) and contains_answer(v["text"], q.answers, "any")
            out.append({"id": r["id"], "question": q.question, "answer": v["text"], "label": label, "origin": v["role"],
                        "p_yes": v["p"], "score": v["score"], "evidence": v.get("evidence")})
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("answers")
    ap.add_argument("questions")
    ap.add_argument("--out", default=None)
    ap.add_argument("--from-run", action="store_true", help="score the verdicts the eval run recorded (no model)")
    ap.add_argument("--rescore", action="store_true", help="with --from-run: put the run's verdicts (their recorded "
                    "evidence) to the judge again under the current settings and prompts (e.g. another prompts_dir)")
    ap.add_argument("--ids-ending", default="", help="only questions whose id ends in one of these characters")
    ap.add_argument("--not-ending", default="", help="leave out questions whose id ends in one of these characters")
    args = ap.parse_args()
    qs = {q.id: q for q in load_questions(Path(args.questions))}
    recs = [json.loads(line) for line in open(args.answers, encoding="utf-8") if line.strip()]
    recs = [r for r in recs if (not args.ids_ending or str(r["id"])[-1] in args.ids_ending)
            and str(r["id"])[-1] not in args.not_ending]
    if args.from_run and not args.rescore:
        report(run_pairs(recs, qs))
        return
    ps = [p for p in run_pairs(recs, qs) if p["evidence"]] if args.from_run else pairs(recs, qs)
    s = load_settings().settings
    from bot.backends.llm import load_chat_model

    model = load_chat_model(s)
    nulls: dict = {}
    for i, p in enumerate(ps):
        shown = "\n".join(f"[{n}] {' '.join(e.split())}" for n, e in enumerate(p["evidence"], 1))
        got = judge_score(model.yes_probability, s.prompts_dir, p["question"], p["answer"], shown, nulls)
        p["score"], p["p_yes"] = (got[0], got[1]) if got else (None, None)
        print(f"{i + 1}/{len(ps)} {p['id']} {p['origin']:<14} label={p['label']!s:<5} score={p['score']}", file=sys.stderr)
    if args.out:
        Path(args.out).write_text("".join(json.dumps(p) + "\n" for p in ps), encoding="utf-8")
    report(ps)


def report(ps: list[dict]) -> None:
    pos = sum(p["label"] for p in ps)
    origins = ", ".join(f"{sum(p['origin'] == o for p in ps)} {o}" for o in dict.fromkeys(p["origin"] for p in ps))
    print(f"{len(ps)} pairs: {pos} right, {len(ps) - pos} wrong ({origins}); AUC of the score {auc(ps):.3f}")
    print("score threshold | accepts right (recall) | accepted that are right (precision) | rejects wrong")
    for t in (0.2, 0.25, 0.3, 0.33, 0.35, 0.38, 0.4, 0.45, 0.5):
        acc = [p for p in ps if p["score"] is not None and p["score"] >= t]
        tp = sum(p["label"] for p in acc)
        rej_wrong = sum(1 for p in ps if not p["label"] and (p["score"] is None or p["score"] < t))
        print(f"{t:.2f} | {tp}/{pos} = {tp / max(pos, 1):.2f} | {tp}/{len(acc)} = {tp / max(len(acc), 1):.2f} | "
              f"{rej_wrong}/{len(ps) - pos}")


def auc(ps: list[dict]) -> float:
    """How often a right answer's score beats a wrong one's (ties count half): the ranking the
    threshold cuts, whatever the threshold."""
    right = [p["score"] for p in ps if p["label"] and p["score"] is not None]
    wrong = [p["score"] for p in ps if not p["label"] and p["score"] is not None]
    if not right or not wrong:
        return float("nan")
    return sum((r > w) + 0.5 * (r == w) for r in right for w in wrong) / (len(right) * len(wrong))


if __name__ == "__main__":
    main()
