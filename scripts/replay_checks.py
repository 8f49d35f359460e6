"""A change to the checks or repairs, measured in minutes instead of a full eval: each question of an
eval run is asked again with the model's recorded replies (the answer's `raw`, one reply per
"--- label ---" block) standing in for generation, and its recorded doubt (`stages.p_none`) for the
first reply's; retrieval, evidence, the checks and the judge run for real (the judge's calls are
short: the whole replay costs ~1-4 s a question against ~6 s for `newsbot eval`).

Exact while the change only narrows what passes: a check that now rejects an answer ends where the
recorded run went on (a repair asked for a reply the run never made is answered "Evidence: none",
and the question is marked `replay_gap`). A change to the prompt or the evidence selection needs a
real eval. The judge's P(yes) on one prompt can differ by a few hundredths from the recorded run's
(the KV cache held another prefix), so an answer at the threshold may flip: replay the unchanged
code once, then compare the changed code's replay with it (`--against`).

Writes eval-format records (so scripts/eval_subset.py and scripts/judge_eval.py read them) and
prints each question whose outcome changed.

Usage: python scripts/replay_checks.py ANSWERS.jsonl QUESTIONS.jsonl -o OUT.jsonl
           [--index DIR] [--only refused|answered] [--against EARLIER_REPLAY.jsonl]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bot.core.answering as answering  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.errors import NewsbotError, UsageError  # noqa: E402
from bot.core.evaluation import _answer_json, build_record, load_questions, read_answers  # noqa: E402

_BLOCK = re.compile(r"\n--- (.+?) ---\n")


def replies(raw: str) -> list[tuple[str, str]]:
    """(label, reply) of each model call recorded in an answer's `raw`; the first has no label."""
    pieces = _BLOCK.split(raw or "")
    return [("", pieces[0])] + [(pieces[i], pieces[i + 1]) for i in range(1, len(pieces) - 1, 2)]


def outcome(rec: dict, q) -> str:
    if not q.expects_answer:
        return "refused" if rec.get("refused") else "WRONG (answered)"
    if rec.get("refused"):
        return "refused"
    return "right" if (rec.get("scores") or {}).get("correct_and_cited") else "WRONG"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("answers")
    ap.add_argument("questions")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--index", default=None, help="the index the run used (default: the configured one)")
    ap.add_argument("--only", choices=("refused", "answered"), default=None)
    ap.add_argument("--against", default=None, help="compare outcomes with this replay's, not the recorded run's")
    args = ap.parse_args()
    qs = {q.id: q for q in load_questions(Path(args.questions))}
    for f in filter(None, (args.answers, args.against)):
        if not Path(f).is_file():
            raise UsageError("Answers file not found", f"{f}: no such file. Give an answers file an eval run wrote (-o).")
    recs, _ = read_answers(Path(args.answers))
    base = {str(r["id"]): r for r in (read_answers(Path(args.against))[0] if args.against else recs)}
    flags = {"index_dir": Path(args.index)} if args.index else None
    answerer = answering.Answerer(load_settings(flags).settings)
    state: dict = {}

    def replay(self, answer, question, chosen, on_token, t0, extra=False, label="", choices=None):
        if state["left"] and (not extra or state["left"][0][0] == label):
            text = state["left"].pop(0)[1]
        else:
            text, state["gap"] = "Evidence: none", True
        answer.raw = answer.raw + f"\n--- {label} ---\n" + text if extra else text
        return text, False

    live_doubt = answering.Answerer._doubt

    def doubt(self, answer, question, chosen, first):
        if first and state["p_none"] is not None:
            answer.stages["p_none"] = state["p_none"]
            return state["p_none"]
        return live_doubt(self, answer, question, chosen, first)

    answering.Answerer._generate = replay
    answering.Answerer._doubt = doubt
    changed = 0
    with open(args.out, "w", encoding="utf-8") as out:
        for r in recs:
            q = qs.get(str(r["id"]))
            if q is None or (args.only == "refused" and not r.get("refused")) or (args.only == "answered" and r.get("refused")):
                continue
            state.update(left=replies(r.get("raw") or ""), p_none=(r.get("stages") or {}).get("p_none"), gap=False)
            new = build_record(_answer_json(answerer.ask(q.question, save=False)), q, None)
            new["replay_gap"] = state["gap"]
            out.write(json.dumps(new) + "\n")
            was, now = outcome(base.get(q.id, r), q), outcome(new, q)
            if was != now:
                changed += 1
                print(f"{q.id}: {was} -> {now}{' (replay gap)' if state['gap'] else ''} | {new['answer'][:90]}")
    print(f"{changed} outcome(s) changed; records in {args.out}")


if __name__ == "__main__":
    try:
        main()
    except NewsbotError as exc:  # a missing or bad file, an unknown index: one line, as the CLI says it
        print(f"Error: {exc.one_line()}", file=sys.stderr)
        sys.exit(int(exc.code))
