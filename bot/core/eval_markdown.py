"""The terminal table and Markdown report of a `newsbot eval` summary and its records
(`summary_rows`, `kind_rows`, `render_report`); the summary itself is built in eval_report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.core.eval_report import FUNNEL, cited_files

if TYPE_CHECKING:
    from bot.core.evaluation import EvalResult, Question


# -- Markdown report ----------------------------------------------------------------------------
METRIC_ROWS = [
    ("correct_and_cited", "Correct and cited (answerable)", "pct"),
    ("answer_accuracy", "Answer accuracy (answerable)", "pct"),
    ("token_f1", "Token F1 (answerable)", "num"),
    ("refused_correctly", "Refused correctly (unanswerable)", "pct"),
    ("overall_accuracy", "Overall accuracy", "pct"),
    ("recall_at_k", "Retrieval recall@k", "pct"),
    ("recall_at_1", "Retrieval recall@1", "pct"),
    ("mrr", "Retrieval MRR", "num"),
    ("citation_precision", "Citation precision", "pct"),
    ("citation_source_accuracy", "Citation source accuracy", "pct"),
    ("refusal_precision", "Refusal precision", "pct"),
    ("refusal_recall", "Refusal recall", "pct"),
    ("instruction_resistance", "Planted-instruction resistance", "pct"),
    ("wrong_among_answered", "Wrong among answered", "pct"),
]


def fmt(value: Any, kind: str = "num") -> str:
    if value is None:
        return "n/a"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def summary_rows(summary: dict) -> list[tuple[str, str, str]]:
    """(metric, value, over) rows shared by the terminal table and the report."""
    rows = []
    counts = summary.get("counts", {})
    for key, label, kind in METRIC_ROWS:
        label = label.replace("@k", f"@{summary['k']}") if summary.get("k") else label
        n = counts.get(key)
        over = "citation" if key == "citation_precision" else "question"
        rows.append((label, fmt(summary.get(key), kind), f"{n} {over}{'' if n == 1 else 's'}" if n is not None else ""))
    for key, label in (("first_token_ms", "Time to first token"), ("total_ms", "Total time")):
        t = summary.get(key) or {}
        rows.append((label, f"p50 {_ms(t.get('p50'))} / p95 {_ms(t.get('p95'))}", f"{t.get('n', 0)} answers"))
    med = summary.get("median_s_per_question")
    rows.append(("Median time per question", "n/a" if med is None else f"{med:.1f}s",
                 f"{(summary.get('total_ms') or {}).get('n', 0)} answers"))
    for key, label in (("prompt_tokens", "Prompt tokens"), ("completion_tokens", "Completion tokens")):
        t = summary.get(key) or {}
        mean, p50 = t.get("mean"), t.get("p50")
        rows.append((label, f"{t.get('total', 0):,} (mean {'n/a' if mean is None else f'{mean:,.0f}'}"
                            f"{'' if p50 is None else f', median {p50:,.0f}'})", ""))
    pc = summary.get("prefix_cache") or {}
    if pc.get("model_calls"):
        saved = f", ~{pc['est_saved_s']:.1f}s saved" if pc.get("est_saved_s") is not None else ""
        rows.append(("Prompt prefix reused from cache",
                     f"{pc['reused_tokens']:,} tokens ({fmt(pc.get('share'), 'pct')}){saved}",
                     f"{pc['model_calls']} model calls"))
    return rows


def _ms(v: float | None) -> str:
    return "n/a" if v is None else (f"{v / 1000:.2f}s" if v >= 1000 else f"{v:.0f}ms")


def _cell(text: Any, limit: int = 160) -> str:
    s = " ".join(str(text).split())
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return s.replace("|", "\\|")


def _yn(v: Any) -> str:
    return "-" if v is None else ("yes" if v else "**no**")


def failure_reasons(s: dict) -> list[str]:
    reasons = []
    if s.get("correct") is False:
        reasons.append("refused an answerable question" if s.get("refused") and s.get("f1") is not None
                       else ("did not refuse an unanswerable question" if s.get("f1") is None and not s.get("refused")
                             else "answer does not contain an accepted answer"))
    if s.get("correct") and s.get("correct_and_cited") is False:
        reasons.append("correct but not cited to an expected source" if not s.get("cited_expected")
                       else "cites files outside the expected sources")
    if s.get("citation_source_ok") is False and s.get("correct") is not True:
        reasons.append("cited files " + ("missing" if not s.get("cited_outside") else "outside the expected sources"))
    if s.get("resisted") is False:
        reasons.append("contains forbidden text: " + ", ".join(repr(f) for f in s.get("forbidden_found", [])))
    return reasons


def stage_rows(summary: dict) -> list[tuple[str, str, str]]:
    """(stage, passed, share) rows of the funnel, then where failed questions were lost and the repairs."""
    st = summary.get("stages") or {}
    rows = [("Answerable questions with sources", str(st.get("questions", 0)), "")]
    for key, label in FUNNEL:
        c = st.get(key) or {}
        rows.append((label, f"{c.get('count', 0)} of {c.get('n', 0)}", fmt(c.get("rate"), "pct")))
    for where, n in (st.get("lost_at") or {}).items():
        rows.append((f"Lost at: {where}", str(n), ""))
    wrong = st.get("repairs_wrong") or {}
    for name, n in (st.get("repairs") or {}).items():
        rows.append((f"Answers from repair {name}", str(n), f"{wrong.get(name, 0)} wrong"))
    return rows


def kind_rows(summary: dict) -> list[tuple[str, ...]]:
    """(kind, n, correct and cited, refused correctly, answered, wrong, wrong among answered) rows."""
    return [(kind, str(v["n"]), fmt(v.get("correct_and_cited"), "pct"), fmt(v.get("refused_correctly"), "pct"),
             str(v.get("answered", 0)), str(v.get("wrong", 0)), fmt(v.get("wrong_among_answered"), "pct"))
            for kind, v in (summary.get("by_kind") or {}).items()]


KIND_COLUMNS = ("kind", "n", "correct and cited", "refused correctly", "answered", "wrong", "wrong among answered")


def _table(header: tuple[str, ...] | list[str], rows: list[tuple[str, ...]]) -> list[str]:
    return (["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            + ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows])


def lost_line(r: dict) -> str | None:
    """Where a failed answer was lost, for the failure entry, with the checks' reasons."""
    s = r["scores"]
    stages = r.get("stages") if isinstance(r.get("stages"), dict) else {}
    where = s.get("lost_at")
    if where is None and s.get("wrong") and stages:
        where = "checks accepted an answer" + (f" (repair {s['repaired']})" if s.get("repaired") else "")
    if where is None:
        return None
    if where == "not retrieved":
        where = "expected source not retrieved"
    elif where == "not packed":
        where = "gold not packed (retrieved, but left out of the prompt)"
    elif where == "wrong answer" and s.get("repaired"):
        where += f" (repair {s['repaired']})"
    rejected = [str(x) for x in stages.get("rejected") or []]
    if where == "checks rejected" and rejected:
        return f"checks rejected: {'; '.join(rejected)}"
    return where


def _checks(checks: Any) -> str:
    if not isinstance(checks, dict) or not checks:
        return ""
    return ", ".join(f"{k} {'yes' if v is True else 'no' if v is False else fmt(v)}" for k, v in checks.items())


def render_report(result: EvalResult, questions: list[Question], title: str = "newsbot eval") -> str:
    summary = result.summary
    by_id = {q.id: q for q in questions}
    lines = [f"# {title}", ""]
    lines.append(f"{summary['scored']} of {summary['questions']} questions scored; model {summary.get('model') or '?'}; "
                 f"k = {summary.get('k') or 'default'}; {summary['failures']} failing.")
    lines += ["", "## Summary", "", "| Metric | Value | Over |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in summary_rows(summary)]
    lines += ["", "## Stages", "", "Answerable questions with expected sources, stage by stage "
              "(over the answers that record the stage).", ""]
    lines += _table(("Stage", "Questions", "Share"), stage_rows(summary))
    lines += ["", "## By kind", ""]
    lines += _table(KIND_COLUMNS, kind_rows(summary))
    lines += ["", "## Questions", "",
              "| id | correct | F1 | recall@k | MRR | retrieved | packed | model | accepted | cites expected | refused "
              "| TTFT | total | question |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in result.records:
        s = r["scores"]
        t = r.get("timings") or {}
        model = (r.get("stages") or {}).get("model") if isinstance(r.get("stages"), dict) else None
        lines.append(f"| {_cell(r['id'])} | {_yn(s.get('correct'))} | {fmt(s.get('f1'))} | {fmt(s.get('recall_at_k'))} | "
                     f"{fmt(s.get('mrr'))} | {_yn(s.get('gold_retrieved'))} | {_yn(s.get('gold_packed'))} | "
                     f"{_cell(model or '-')} | {_yn(s.get('checks_accepted'))} | {_yn(s.get('cited_expected'))} | "
                     f"{'yes' if s.get('refused') else 'no'} | "
                     f"{_ms(t.get('first_token_ms'))} | {_ms(t.get('total_ms'))} | {_cell(r.get('question', ''), 80)} |")
    failures = [r for r in result.records if not r["scores"].get("passed", True)]
    lines += ["", f"## Failures ({len(failures)})", ""]
    if not failures:
        lines.append("None.")
    for r in failures:
        q = by_id.get(str(r["id"]))
        s = r["scores"]
        lines += [f"### {r['id']}: {_cell(r.get('question', ''), 300)}", ""]
        lines.append(f"- Why: {'; '.join(failure_reasons(s)) or 'failed a check'}")
        lost = lost_line(r)
        if lost:
            lines.append(f"- Lost at: {_cell(lost, 300)}")
        lines.append(f"- Expected: {_cell(q.gold_text() if q else '-', 300)}")
        if q and q.sources:
            lines.append(f"- Expected sources: {', '.join(q.sources)}")
        given = "(refused) " if r.get("refused") else ""
        lines.append(f"- Given: {given}{_cell(r.get('answer', ''), 600) or '(empty)'}")
        if r.get("error"):
            lines.append(f"- Error: {_cell(r['error'], 300)}")
        lines.append(f"- Cited files: {', '.join(cited_files(r)) or 'none'}; "
                     f"retrieved: {', '.join(dict.fromkeys(x.get('source_file', '') for x in r.get('retrieved') or [])) or 'none'}")
        sents = [x for x in r.get("sentences") or [] if isinstance(x, dict)]
        if any(x.get("checks") or x.get("evidence") for x in sents):
            lines.append("- Sentences:")
            for x in sents:
                checks = _checks(x.get("checks"))
                lines.append(f"  - {_cell(x.get('text', ''), 200)} ({'supported' if x.get('supported') else 'unsupported'}"
                             f"{'; ' + checks if checks else ''})")
                for ev in x.get("evidence") or []:
                    lines.append(f"    - evidence: {_cell(ev, 200)}")
        cits = r.get("citations") or []
        if cits:
            lines += ["- Cited passages:", ""]
            for c in cits:
                lines.append(f"  > [{c.get('n')}] {c.get('source_file', '')} ({c.get('chunk_id', '')}): "
                             f"{_cell(c.get('passage') or c.get('quote') or '', 500)}")
                lines.append("")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
