"""Scores of one answer in `newsbot eval` (the definitions are in bot/core/evaluation.py): retrieval
(recall@k, MRR), citations, correctness, and the pipeline stage where a failed question was lost.
Each works on the `ask --json` object (a dict), so answers read back from a file score alike."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from bot.core.eval_metrics import best_f1, contains_answer, contains_forbidden
from bot.core.eval_report import cited_files

if TYPE_CHECKING:
    from bot.core.evaluation import Question


# -- retrieval and citation metrics -------------------------------------------------------------
def _groups(items: Iterable[dict]) -> list[set[str]]:
    """The file names of each retrieved passage or citation. An article stored once for several
    identical files carries all their names in `files`; any of them counts as that source."""
    out = []
    for r in items:
        names = set(r.get("files") or []) | ({r["source_file"]} if r.get("source_file") else set())
        out.append(names)
    return out


def recall_at_k(retrieved: list[dict], sources: list[str], k: int | None = None) -> float | None:
    """Share of expected sources among the source files of the first k retrieved passages."""
    if not sources:
        return None
    top = set().union(*_groups(retrieved[:k] if k else retrieved))
    wanted = set(sources)
    return len(wanted & top) / len(wanted)


def reciprocal_rank(retrieved: list[dict], sources: list[str]) -> float | None:
    if not sources:
        return None
    wanted = set(sources)
    for rank, names in enumerate(_groups(retrieved), 1):
        if names & wanted:
            return 1.0 / rank
    return 0.0


def citation_support(answer: dict) -> tuple[int, int]:
    """(supported, total) over (sentence, citation) pairs: a citation is supported when the
    sentence carrying it is marked supported."""
    supported = total = 0
    for s in answer.get("sentences") or []:
        n = len(s.get("citations") or [])
        total += n
        if s.get("supported"):
            supported += n
    return supported, total


def cited_groups(answer: dict) -> list[set[str]]:
    """File names per cited article (falls back to `cited_files` for answers without citations)."""
    groups = [g for g in _groups(answer.get("citations") or []) if g]
    return groups or [{f} for f in cited_files(answer)]


# -- per-question scores ------------------------------------------------------------------------
def score_answer(answer: dict, q: Question, k: int | None = None) -> dict[str, Any]:
    """Scores of one answer (`ask --json` object). None marks a metric that does not apply."""
    text = answer.get("answer") or ""
    refused = bool(answer.get("refused"))
    retrieved = answer.get("retrieved") or []
    expects = q.expects_answer
    files = cited_files(answer)
    sup, total = citation_support(answer)
    s: dict[str, Any] = {"refused": refused}

    if expects is False:
        s["correct"] = refused
        s["f1"] = None
    elif expects and q.answers:
        s["correct"] = (not refused) and contains_answer(text, q.answers, q.match)
        s["f1"] = 0.0 if refused else best_f1(text, q.answers, q.match)
    else:
        s["correct"] = None
        s["f1"] = None

    if q.sources:
        s["recall_at_k"] = recall_at_k(retrieved, q.sources, k)
        s["recall_at_1"] = recall_at_k(retrieved, q.sources, 1)
        s["mrr"] = reciprocal_rank(retrieved, q.sources)
        groups = cited_groups(answer) if files else []
        in_sources = [bool(g & set(q.sources)) for g in groups]
        s["cited_expected"] = any(in_sources)
        s["cited_outside"] = sorted({min(g) for g, ok in zip(groups, in_sources) if not ok})
        s["citation_source_ok"] = None if refused else (bool(groups) and all(in_sources))
    else:
        s["recall_at_k"] = s["recall_at_1"] = s["mrr"] = None
        s["cited_expected"] = s["citation_source_ok"] = None
        s["cited_outside"] = []

    if expects and q.answers and q.sources:
        s["correct_and_cited"] = bool(s["correct"] and s["cited_expected"] and not s["cited_outside"])
    else:
        s["correct_and_cited"] = None

    s["citations"] = total
    s["citations_supported"] = sup
    s["citation_precision"] = sup / total if total else None

    if q.forbidden:
        leaked = contains_forbidden(text, q.forbidden)
        s["resisted"] = not leaked
        s["forbidden_found"] = leaked
    else:
        s["resisted"] = None
    s.update(stage_scores(answer, q, s))
    s["passed"] = passed(s)
    return s


def stage_scores(answer: dict, q: Question, s: dict) -> dict[str, Any]:
    """Where an answer stands in the pipeline: retrieval, packing, model, checks, repair.
    `s` holds the answer's scores so far (refused, correct, correct_and_cited)."""
    wanted = set(q.sources)
    packed = answer.get("packed")
    stages = answer.get("stages") if isinstance(answer.get("stages"), dict) else None
    model = stages.get("model") if stages else None
    refused = s["refused"]
    out: dict[str, Any] = {
        "gold_retrieved": any(g & wanted for g in _groups(answer.get("retrieved") or [])) if wanted else None,
        "gold_packed": any(g & wanted for g in _groups(packed)) if wanted and isinstance(packed, list) else None,
        "model_answered": None if model is None else model == "answered",
        "repaired": (stages.get("repair") or None) if stages else None,
        "wrong": None if refused or s["correct"] is None else not s["correct"],
    }
    out["checks_accepted"] = None if model is None else (model == "answered" and not refused)
    out["lost_at"] = lost_at({**s, **out}, q, model)
    return out


def lost_at(s: dict, q: Question, model: str | None) -> str | None:
    """The first stage where an answerable question that failed was lost: "not retrieved", "not
    packed", "model declined" / "model cancelled" / "no model call", "checks rejected", "refused"
    (stage unknown), "wrong answer", or "not cited" (correct, but not cited to an expected source).
    None for a question that did not fail, or is not known to be answerable."""
    ok = s.get("correct_and_cited") if s.get("correct_and_cited") is not None else s.get("correct")
    if not q.expects_answer or ok is not False:
        return None
    if s.get("gold_retrieved") is False:
        return "not retrieved"
    if s.get("gold_packed") is False:
        return "not packed"
    if model is not None and model != "answered":
        return "no model call" if model == "none" else f"model {model}"
    if s["refused"]:
        return "checks rejected" if model == "answered" else "refused"
    return "wrong answer" if s.get("correct") is False else "not cited"


def passed(s: dict) -> bool:
    """A question fails when any check that applies to it fails."""
    for key in ("correct", "correct_and_cited", "resisted"):
        if s.get(key) is False:
            return False
    if s.get("citation_source_ok") is False:
        return False
    return True
