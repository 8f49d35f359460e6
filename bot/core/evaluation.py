"""`newsbot eval`: answer a fixed list of questions and score the answers.

Pure metric functions work on the `ask --json` object (a dict), so results read back from an
answers file (`--resume`) are scored exactly like fresh ones. `run_eval` takes any object with an
`ask(question, *, k=..., save=...) -> Answer` method (the real `Answerer`, or a fake in tests),
writes one JSON line per question and flushes it as soon as the answer is done.

Definitions (the gold fields come from the questions file):

- answer accuracy: an answerable question with `answers` is correct when it was not refused and
  the answer contains (case-insensitively) one `|`-alternative of an entry — of every entry when
  `"match": "all"`. An unanswerable question (`"answerable": false`) is correct when refused.
- token F1: SQuAD-style F1 between the answer and the best accepted answer (0 when refused).
- recall@k: share of the expected `sources` among the source files of the first k retrieved
  passages; MRR: 1 / rank of the first retrieved passage from an expected source (0 if none).
- citation precision: over every (sentence, citation) pair, the share whose sentence is marked
  `supported` (micro-averaged over all answers).
- citation source accuracy: over answered (not refused) questions with `sources`, the share whose
  cited files are non-empty and all among `sources`.
- correct and cited: over answerable questions with `answers` and `sources`, the share answered
  correctly, citing at least one expected source and no file outside `sources`.
- refused correctly: over unanswerable questions, the share refused.
- refusal precision / recall: refusal is the positive class, over questions whose answerability
  is known (`answerable` given, or implied by `answers` / `sources`).
- instruction resistance: over questions with `forbidden`, the share whose answer contains none
  of the forbidden strings (case-insensitive).
- wrong among answered: over answered (not refused) questions with gold, the share not correct
  (an answer to an unanswerable question, or one without an accepted answer).

Stages (from the answer's optional `packed` and `stages` fields; None where an answer lacks them):
`gold_retrieved` / `gold_packed`: an expected source among the retrieved / packed passages;
`model_answered`: the model call answered; `checks_accepted`: it answered and the final answer is
not a refusal; `repaired`: the repair that produced the answer; `lost_at`: for an answerable
question that failed, the first stage where it was lost (see `lost_at`).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from bot.core.eval_metrics import (alternatives, best_f1, contains_answer, contains_forbidden,  # noqa: F401 (re-exported)
                                   normalize_answer, token_f1)
from bot.core.eval_markdown import METRIC_ROWS, fmt, render_report, summary_rows  # noqa: F401 (re-exported)
from bot.core.eval_report import (cached_tokens_of, cited_files, percentile, prefix_cache_summary,  # noqa: F401 (re-exported)
                                  summarize)
from bot.core.eval_scoring import (citation_support, cited_groups, lost_at, passed, reciprocal_rank,  # noqa: F401 (re-exported)
                                   recall_at_k, score_answer, stage_scores)
from bot.errors import UsageError

KNOWN_FIELDS = ("id", "question", "answers", "match", "sources", "answerable", "forbidden")


# -- questions ----------------------------------------------------------------------------------
@dataclass
class Question:
    id: str
    question: str
    answers: list[str] = field(default_factory=list)  # entries, each with `|`-separated alternatives
    match: str = "any"  # "any" | "all"
    sources: list[str] = field(default_factory=list)
    answerable: bool | None = None  # None: not stated (see `expects_answer`)
    forbidden: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # unknown fields, carried through
    line: int = 0

    @property
    def expects_answer(self) -> bool | None:
        """True / False when answerability is known, None for a question without gold data."""
        if self.answerable is not None:
            return self.answerable
        if self.answers or self.sources:
            return True
        return None

    def gold_text(self) -> str:
        if self.expects_answer is False:
            return "(refusal)"
        if not self.answers:
            return "-"
        sep = " AND " if self.match == "all" else " ; "
        return sep.join(" | ".join(alternatives(a)) for a in self.answers)


def _str_list(value: Any, name: str, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError("Bad questions file", f"{where}: '{name}' must be a list of strings.")
    return list(value)


def parse_question(obj: Any, where: str, line: int = 0) -> Question:
    if not isinstance(obj, dict):
        raise UsageError("Bad questions file", f"{where}: expected a JSON object, got {type(obj).__name__}.")
    qid = obj.get("id")
    if qid is None or isinstance(qid, (bool, dict, list)) or str(qid).strip() == "":
        raise UsageError("Bad questions file", f"{where}: missing 'id'.")
    text = obj.get("question")
    if not isinstance(text, str) or not text.strip():
        raise UsageError("Bad questions file", f"{where}: missing or empty 'question'.")
    match = obj.get("match", "any")
    if match not in ("any", "all"):
        raise UsageError("Bad questions file", f"{where}: 'match' must be \"any\" or \"all\", not {match!r}.")
    answerable = obj.get("answerable")
    if answerable is not None and not isinstance(answerable, bool):
        raise UsageError("Bad questions file", f"{where}: 'answerable' must be true or false.")
    return Question(
        id=str(qid), question=text.strip(),
        answers=[a for a in _str_list(obj.get("answers"), "answers", where) if a.strip()],
        match=match, sources=_str_list(obj.get("sources"), "sources", where), answerable=answerable,
        forbidden=[f for f in _str_list(obj.get("forbidden"), "forbidden", where) if f.strip()],
        extra={k: v for k, v in obj.items() if k not in KNOWN_FIELDS}, line=line,
    )


def load_questions(path: Path) -> list[Question]:
    """Read a questions file; any problem is a UsageError naming file:line."""
    path = Path(path)
    if not path.is_file():
        raise UsageError("Questions file not found", f"{path}: no such file. Give a .jsonl file, one question a line.")
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise UsageError("Bad questions file", f"{path}: not UTF-8 text ({exc.reason}).") from None
    except OSError as exc:
        raise UsageError("Cannot read questions file", f"{path}: {exc.strerror or exc}.") from None
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        where = f"{path}:{n}"
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise UsageError("Bad questions file", f"{where}: not valid JSON ({exc.msg} at column {exc.colno}).") from None
        q = parse_question(obj, where, n)
        if q.id in seen:
            raise UsageError("Bad questions file", f"{where}: duplicate id '{q.id}' (first on line {seen[q.id]}).")
        seen[q.id] = n
        questions.append(q)
    if not questions:
        raise UsageError("Bad questions file", f"{path}: no questions in it.")
    return questions


# -- the runner ---------------------------------------------------------------------------------
@dataclass
class EvalResult:
    records: list[dict]  # one per question of the questions file, in its order (answered or resumed)
    summary: dict[str, Any]
    resumed: int = 0  # lines kept from an earlier run
    answered: int = 0  # questions answered by this run
    dropped_lines: int = 0  # unreadable lines removed from the output file on resume


def read_answers(path: Path) -> tuple[list[dict], int]:
    """Complete lines of an answers file (with an id), and how many lines were unreadable."""
    good: list[dict] = []
    bad = 0
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return [], 0
    except OSError as exc:
        raise UsageError("Cannot read answers file", f"{path}: {exc.strerror or exc}.") from None
    for raw in text.splitlines():
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError:
            bad += 1
            continue
        if isinstance(obj, dict) and obj.get("id") is not None:
            good.append(obj)
        else:
            bad += 1
    return good, bad


def _rewrite(path: Path, records: list[dict]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False, default=str) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _answer_json(answer: Any) -> dict:
    if isinstance(answer, dict):
        return dict(answer)
    return answer.to_json()


def build_record(answer_json: dict, q: Question, k: int | None, cached: int | None = None) -> dict:
    rec: dict[str, Any] = {"id": q.id}
    rec.update(answer_json)
    rec["id"] = q.id
    if cached is not None and cached_tokens_of(rec) is None:
        rec["cached_prompt_tokens"] = cached
    extra = {key: v for key, v in q.extra.items() if key in rec}
    rec.update({key: v for key, v in q.extra.items() if key not in rec})
    if extra:
        rec["input_extra"] = extra
    rec["scores"] = score_answer(rec, q, k)
    return rec


ProgressFn = Callable[[int, int, "Question", dict | None], None]


def run_eval(answerer: Any, questions: list[Question], output: Path, *, k: int | None = None,
             resume: bool = False, progress: ProgressFn | None = None,
             should_stop: Callable[[], bool] | None = None, **ask_kwargs: Any) -> EvalResult:
    """Answer every question (skipping, with `resume`, ids already in `output`), append one
    scored line per answer to `output` as it finishes, and summarise all of them.

    `progress(done, total, question, record)` is called before each question (record None) and
    after it (with the record); `should_stop()` lets a caller end the run between questions;
    `ask_kwargs` (e.g. keep_unsupported=True) go to every `ask()` call."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    by_id = {q.id: q for q in questions}
    kept: dict[str, dict] = {}
    dropped = 0
    if resume and output.exists():
        old, dropped = read_answers(output)
        for r in old:
            rid = str(r["id"])
            if rid in by_id and not r.get("error"):  # an error line (context overflow) is retried
                kept[rid] = build_record(_strip(r, by_id[rid]), by_id[rid], k)  # re-scored with today's metrics
        others = [r for r in old if str(r["id"]) not in by_id]  # lines of other questions stay as they are
        # rewritten whole (atomically): drops a line cut off by an interruption, error lines, duplicates
        _rewrite(output, others + list(kept.values()))
    else:
        output.write_text("", encoding="utf-8")

    todo = [q for q in questions if q.id not in kept]
    total = len(questions)
    done = len(kept)
    fresh: dict[str, dict] = {}
    with open(output, "a", encoding="utf-8") as fh:
        for q in todo:
            if should_stop and should_stop():
                break
            if progress:
                progress(done, total, q, None)
            chain = _chain(q, by_id, {**kept, **fresh})
            rec = answer_one(answerer, q, k, **({"follows": chain} if chain else {}), **ask_kwargs)
            fh.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
            fresh[q.id] = rec
            done += 1
            if progress:
                progress(done, total, q, rec)
    records = [kept.get(q.id) or fresh.get(q.id) for q in questions]
    records = [r for r in records if r is not None]
    return EvalResult(records, summarize(records, questions, k), resumed=len(kept), answered=len(fresh),
                      dropped_lines=dropped)


def _chain(q: Question, by_id: dict[str, Question], done: dict[str, dict]) -> list:
    """The conversation a question continues (`"follows": "<id>"`, a chain of them), as the
    answers already given, oldest first; [] for a question asked alone."""
    from bot.core.types import Answer

    out: list = []
    cur, seen = q.extra.get("follows"), {q.id}
    while cur is not None and str(cur) in done and str(cur) not in seen:
        seen.add(str(cur))
        rec = done[str(cur)]
        out.insert(0, Answer.from_json({"question": rec.get("question", ""), "answer": rec.get("answer", ""),
                                        "refused": bool(rec.get("refused")), "standalone": rec.get("standalone", "")}))
        cur = by_id[str(cur)].extra.get("follows") if str(cur) in by_id else None
    return out


def _strip(rec: dict, q: Question) -> dict:
    """The answer part of a stored line: without scores and the fields carried from the question
    (a carried field that collided with an answer key sits in input_extra; the top-level one is the answer's)."""
    collided = rec.get("input_extra") or {}
    return {key: v for key, v in rec.items()
            if key not in ("scores", "input_extra") and (key not in q.extra or key in collided)}


def answer_one(answerer: Any, q: Question, k: int | None, **ask_kwargs: Any) -> dict:
    """Ask one question; a per-question failure that leaves the model usable (context overflow)
    becomes an error line, anything else stops the run."""
    from bot.backends.llm import ContextOverflow

    model = getattr(answerer, "model", None)
    before = getattr(model, "last", None) if model is not None else None
    t0 = time.perf_counter()
    try:
        answer = answerer.ask(q.question, k=k, save=False, **ask_kwargs)
    except ContextOverflow as exc:
        rec = {"id": q.id, "question": q.question, "answer": "", "refused": True, "sentences": [], "citations": [],
               "cited_files": [], "retrieved": [], "model": getattr(model, "name", ""), "prompt_tokens": 0,
               "completion_tokens": 0, "timings": {"total_ms": round((time.perf_counter() - t0) * 1000, 1)},
               "error": exc.one_line()}
        return build_record(rec, q, k)
    model = getattr(answerer, "model", None)  # may have been created lazily by ask()
    last = getattr(model, "last", None) if model is not None else None
    cached = None
    if last is not None and last is not before:  # the model ran for this question
        cached = int(getattr(last, "cached_tokens", 0) or 0)
    return build_record(_answer_json(answer), q, k, cached)
