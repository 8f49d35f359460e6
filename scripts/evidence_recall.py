"""Does the answer reach the prompt? For each answerable question: retrieve, choose evidence
sentences exactly as `ask` does, and check whether the accepted answer's text is in them (every
entry for match "all"), and how many prompt tokens the answer prompt takes. No generation.

Usage: python scripts/evidence_recall.py QUESTIONS.jsonl --index DIR [--budget N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import load_settings  # noqa: E402
from bot.core import evidence  # noqa: E402
from bot.core.answering import Answerer  # noqa: E402
from bot.core.evaluation import contains_answer, load_questions  # noqa: E402
from bot.core.grounding import prepare  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("questions")
    ap.add_argument("--index", required=True)
    ap.add_argument("--budget", type=int, default=None)
    args = ap.parse_args()
    flags = {"index_dir": args.index}
    if args.budget:
        flags["prompt_budget"] = args.budget
    s = load_settings(flags).settings
    ans = Answerer(s)
    model = ans.model
    hit_passages = hit_evidence = n = 0
    tokens = []
    for q in load_questions(Path(args.questions)):
        passages = ans.index.search(q.question, k=s.k)
        pool = evidence.candidates(prepare(passages))
        evidence.score(q.question, pool, embed=ans._embed)
        chosen = evidence.select(pool, s.prompt_budget, model.count_tokens)
        shown = evidence.render(chosen)
        prompt, _ = model.format(ans.messages(q.question, shown))
        tokens.append(len(model.tokenize(prompt)))
        if not (q.expects_answer and q.answers):
            continue
        n += 1
        in_passages = contains_answer(" ".join(p.text for p in passages), q.answers, q.match)
        in_evidence = contains_answer(shown, q.answers, q.match)
        hit_passages += in_passages
        hit_evidence += in_evidence
        if in_passages and not in_evidence:
            print(f"lost {q.id}: {q.question} -> {q.gold_text()}", file=sys.stderr)
    print(f"answer text in retrieved passages: {hit_passages}/{n}; in chosen evidence: {hit_evidence}/{n}")
    print(f"answer prompt tokens: median {statistics.median(tokens):.0f}, max {max(tokens)} over {len(tokens)} questions")


if __name__ == "__main__":
    main()
