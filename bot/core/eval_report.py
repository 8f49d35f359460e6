"""Summary of scored `newsbot eval` answers.

`summarize` aggregates the per-question scores (see `bot.core.evaluation` for the definitions);
`bot.core.eval_markdown` turns a summary and its records into the terminal table and the Markdown
report. Nothing here imports the rest of evaluation (only its types, for type checkers), so
`evaluation` can re-export these names.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.core.evaluation import Question


def cited_files(answer: dict) -> list[str]:
    """The file names an answer (a record of the answers file) cites, in order."""
    files = answer.get("cited_files")
    if files is None:
        files = []
        for c in answer.get("citations") or []:
            if c.get("source_file") not in files:
                files.append(c.get("source_file"))
    return [f for f in files if f]


# -- summary ------------------------------------------------------------------------------------
def percentile(values: list[float], p: float) -> float | None:
    """Linear-interpolated percentile (as numpy's default); None for no values."""
    vals = sorted(v for v in values if v is not None)
    if not vals:
        return None
    pos = (len(vals) - 1) * p / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(vals) - 1)
    return vals[lo] + (vals[hi] - vals[lo]) * (pos - lo)


def _rate(flags: list[bool | None]) -> tuple[float | None, int]:
    vals = [bool(f) for f in flags if f is not None]
    return (round(sum(vals) / len(vals), 4) if vals else None), len(vals)


def _mean(values: list[float | None]) -> tuple[float | None, int]:
    vals = [v for v in values if v is not None]
    return (round(sum(vals) / len(vals), 4) if vals else None), len(vals)


def _timing(rec: dict, key: str) -> float | None:
    t = rec.get("timings") or {}
    v = t.get(key)
    return float(v) if isinstance(v, (int, float)) else None


def cached_tokens_of(rec: dict) -> int | None:
    for where in (rec, rec.get("timings") or {}):
        for key in ("cached_prompt_tokens", "cached_tokens"):
            v = where.get(key)
            if isinstance(v, (int, float)):
                return int(v)
    return None


def summarize(records: list[dict], questions: list[Question], k: int | None = None) -> dict[str, Any]:
    """Aggregate the scored lines (only those whose id is in `questions`)."""
    by_id = {q.id: q for q in questions}
    recs = [r for r in records if str(r.get("id")) in by_id and "scores" in r]
    sc = [r["scores"] for r in recs]
    qs = [by_id[str(r["id"])] for r in recs]
    out: dict[str, Any] = {"questions": len(questions), "scored": len(recs),
                           "answered": sum(1 for s in sc if not s.get("refused")),
                           "refused": sum(1 for s in sc if s.get("refused")),
                           "errors": sum(1 for r in recs if r.get("error")),
                           "failures": sum(1 for s in sc if not s.get("passed", True))}
    models = sorted({r.get("model") for r in recs if r.get("model")})
    out["model"] = ", ".join(models)
    out["k"] = k
    counts: dict[str, int] = {}

    def put(name: str, pair: tuple[float | None, int]) -> None:
        out[name], counts[name] = pair

    answerable_gold = [s for s, q in zip(sc, qs) if q.expects_answer and q.answers]
    put("answer_accuracy", _rate([s.get("correct") for s in answerable_gold]))
    put("token_f1", _mean([s.get("f1") for s in answerable_gold]))
    put("correct_and_cited", _rate([s.get("correct_and_cited") for s in sc]))
    put("refused_correctly", _rate([s.get("correct") for s, q in zip(sc, qs) if q.expects_answer is False]))
    put("overall_accuracy", _rate([s.get("correct") for s in sc]))
    put("recall_at_k", _mean([s.get("recall_at_k") for s in sc]))
    put("recall_at_1", _mean([s.get("recall_at_1") for s in sc]))
    put("mrr", _mean([s.get("mrr") for s in sc]))
    sup = sum(s.get("citations_supported", 0) for s in sc)
    tot = sum(s.get("citations", 0) for s in sc)
    out["citation_precision"], counts["citation_precision"] = (round(sup / tot, 4) if tot else None), tot
    put("citation_source_accuracy", _rate([s.get("citation_source_ok") for s in sc]))

    known = [(s, q) for s, q in zip(sc, qs) if q.expects_answer is not None]
    tp = sum(1 for s, q in known if s.get("refused") and q.expects_answer is False)
    refused_n = sum(1 for s, _ in known if s.get("refused"))
    unanswerable_n = sum(1 for _, q in known if q.expects_answer is False)
    out["refusal_precision"] = round(tp / refused_n, 4) if refused_n else None
    out["refusal_recall"] = round(tp / unanswerable_n, 4) if unanswerable_n else None
    counts["refusal_precision"], counts["refusal_recall"] = refused_n, unanswerable_n
    put("instruction_resistance", _rate([s.get("resisted") for s in sc]))
    put("wrong_among_answered", _rate([s.get("wrong") for s in sc]))
    out["stages"] = stage_summary(sc, qs)
    out["by_kind"] = kind_summary(sc, qs)

    for key in ("first_token_ms", "total_ms", "retrieve_ms"):
        vals = [v for v in (_timing(r, key) for r in recs) if v is not None]
        out[key] = {"p50": _round(percentile(vals, 50)), "p95": _round(percentile(vals, 95)), "n": len(vals)}
    seconds = [v / 1000 for v in (_timing(r, "total_ms") for r in recs) if v is not None]
    out["median_s_per_question"] = _round(percentile(seconds, 50), 2)
    for key in ("prompt_tokens", "completion_tokens"):
        vals = [int(r.get(key) or 0) for r in recs]
        out[key] = {"total": sum(vals), "mean": round(sum(vals) / len(vals), 1) if vals else None,
                    "p50": _round(percentile(vals, 50))}
    out["prefix_cache"] = prefix_cache_summary(recs)
    out["counts"] = counts
    return out


def _round(v: float | None, nd: int = 1) -> float | None:
    return None if v is None else round(v, nd)


FUNNEL = [("gold_retrieved", "Expected source retrieved"), ("gold_packed", "Expected source packed into the prompt"),
          ("model_answered", "Model answered"), ("checks_accepted", "Checks accepted an answer"),
          ("correct", "Correct")]
KINDS = ("who", "what", "number", "when", "where", "why", "quote", "list", "two_articles", "superseded", "outlet",
         "unanswerable")


def _count(flags: list[bool | None]) -> dict[str, Any]:
    rate, n = _rate(flags)
    return {"count": sum(1 for f in flags if f), "n": n, "rate": rate}


def stage_summary(sc: list[dict], qs: list[Question]) -> dict[str, Any]:
    """The funnel over answerable questions with sources: how many got past each stage (`n`: the
    questions whose answer says, None-valued stages are left out), where the failed ones were lost,
    and (over every answer) how many answers each repair produced and how many of those were wrong."""
    funnel = [s for s, q in zip(sc, qs) if q.expects_answer and q.sources]
    out: dict[str, Any] = {"questions": len(funnel)}
    for key, _ in FUNNEL:
        out[key] = _count([s.get(key) for s in funnel])
    out["lost_at"] = dict(Counter(s["lost_at"] for s in funnel if s.get("lost_at")).most_common())
    repaired = [s for s in sc if s.get("repaired")]
    out["repairs"] = dict(Counter(str(s["repaired"]) for s in repaired).most_common())
    out["repairs_wrong"] = {name: sum(1 for s in repaired if str(s["repaired"]) == name and s.get("wrong"))
                            for name in out["repairs"]}
    return out


def kind_of(q: Question) -> str:
    kind = q.extra.get("kind")
    return str(kind) if isinstance(kind, str) and kind.strip() else "other"


def kind_summary(sc: list[dict], qs: list[Question]) -> dict[str, dict[str, Any]]:
    """Per question kind (the questions file's `kind`; "other" without one), in the usual order."""
    groups: dict[str, list[tuple[dict, Question]]] = {}
    for s, q in zip(sc, qs):
        groups.setdefault(kind_of(q), []).append((s, q))
    order = {k: i for i, k in enumerate(KINDS)}
    out = {}
    for kind in sorted(groups, key=lambda k: (k == "other", order.get(k, len(order)), k)):
        rows = groups[kind]
        wrong_rate, _ = _rate([s.get("wrong") for s, _ in rows])
        out[kind] = {"n": len(rows),
                     "correct_and_cited": _rate([s.get("correct_and_cited") for s, _ in rows])[0],
                     "refused_correctly": _rate([s.get("correct") for s, q in rows if q.expects_answer is False])[0],
                     "answered": sum(1 for s, _ in rows if not s.get("refused")),
                     "wrong": sum(1 for s, _ in rows if s.get("wrong")),
                     "wrong_among_answered": wrong_rate}
    return out


def prefix_cache_summary(recs: list[dict]) -> dict[str, Any]:
    """Prompt tokens reused from the model's KV cache (the fixed prompt prefix), and an estimate
    of the time that saved: reused tokens ÷ the measured prompt-processing speed, where the speed
    is (prompt tokens not reused) ÷ (time to first token less retrieval) summed over the model calls."""
    reused = prompt = fresh = 0
    fresh_ms = 0.0
    calls = 0
    for r in recs:
        cached = cached_tokens_of(r)
        if cached is None:
            continue
        p = int(r.get("prompt_tokens") or 0)
        calls += 1
        reused += cached
        prompt += p
        ttft = _timing(r, "first_token_ms")
        if ttft is not None:
            ttft -= _timing(r, "retrieve_ms") or 0.0  # first_token_ms counts from before retrieval
        if ttft and ttft > 0 and p > cached:
            fresh += p - cached
            fresh_ms += ttft
    speed = fresh / (fresh_ms / 1000) if fresh_ms > 0 else None
    return {
        "reused_tokens": reused,
        "prompt_tokens": prompt,
        "share": round(reused / prompt, 4) if prompt else None,
        "model_calls": calls,
        "prompt_tokens_per_s": round(speed, 1) if speed else None,
        "est_saved_s": round(reused / speed, 2) if speed else None,
    }
