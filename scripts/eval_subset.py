"""Scores of a part of an eval run, from its answers file, without asking again: e.g. the fifth of
dev_qa held aside while tuning (ids ending in 3 or 8) and the rest.

Usage: python scripts/eval_subset.py ANSWERS.jsonl QUESTIONS.jsonl [--ids-ending 38]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.eval_report import summarize  # noqa: E402
from bot.core.evaluation import build_record, load_questions, read_answers, _strip  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("answers")
    ap.add_argument("questions")
    ap.add_argument("--ids-ending", default="38", help="last characters of the held-aside ids (default 38)")
    args = ap.parse_args()
    qs = load_questions(Path(args.questions))
    by_id = {q.id: q for q in qs}
    recs, _ = read_answers(Path(args.answers))
    recs = [build_record(_strip(r, by_id[str(r["id"])]), by_id[str(r["id"])], None) for r in recs if str(r["id"]) in by_id]
    held = [q for q in qs if q.id[-1] in args.ids_ending]
    rest = [q for q in qs if q.id[-1] not in args.ids_ending]
    out = {}
    for name, part in (("all", qs), ("held", held), ("rest", rest)):
        s = summarize(recs, part)
        out[name] = {k: s.get(k) for k in ("scored", "correct_and_cited", "refused_correctly", "wrong_among_answered",
                                           "answer_accuracy", "median_s_per_question")}
        out[name]["prompt_tokens_p50"] = (s.get("prompt_tokens") or {}).get("p50")
        out[name]["counts"] = {k: s["counts"].get(k) for k in ("correct_and_cited", "refused_correctly", "wrong_among_answered")}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
