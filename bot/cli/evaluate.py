"""`newsbot eval QUESTIONS.jsonl`: answer a fixed list of questions over the index and score them."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

import typer

from bot.cli.common import ChromaOpt, IndexOpt, LlmUrlOpt, ModelOpt, err, out, print_json, settings_from
from bot.errors import ExitCode, NewsbotError, UsageError


def eval_command(
    questions: Path = typer.Argument(..., help="Questions file: one JSON object a line (id, question, and optionally "
                                               "answers, match, sources, answerable, forbidden).", show_default=False),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Answers file, one JSON line per question "
                                          "(default ./QUESTIONS.answers.jsonl).", show_default=False),
    report: Optional[Path] = typer.Option(None, "--report", help="Write a Markdown report here.", show_default=False),
    summary_json: Optional[Path] = typer.Option(None, "--summary-json", help="Write the summary as JSON here.",
                                                show_default=False),
    resume: bool = typer.Option(False, "--resume", help="Skip questions whose id is already in the answers file."),
    index: Optional[Path] = IndexOpt,
    model: Optional[str] = ModelOpt,
    k: Optional[int] = typer.Option(None, "--k", min=1, max=100, help="Passages considered per question.",
                                    show_default=False),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N questions.", show_default=False),
    keep_unsupported: bool = typer.Option(False, "--keep-unsupported", help="Keep sentences the checker could not "
                                          "support (as `ask --keep-unsupported`), to measure raw citation precision."),
    chroma_url: Optional[str] = ChromaOpt,
    llm_url: Optional[str] = LlmUrlOpt,
    json_: bool = typer.Option(False, "--json", help="Print the summary as JSON instead of a table."),
) -> None:
    """Answer every question of QUESTIONS.jsonl and score the answers: accuracy, F1, retrieval recall@k
    and MRR, citation precision and source accuracy, refusals, planted-instruction resistance, wrong
    among answered, timings; per pipeline stage and per question kind."""
    from bot.core.eval_markdown import render_report
    from bot.core.evaluation import load_questions

    qs = load_questions(questions)
    if limit:
        qs = qs[:limit]
    output = output or Path(questions.stem + ".answers.jsonl")
    for p, what in ((output, "-o"), (report, "--report"), (summary_json, "--summary-json")):
        if p is not None and p.exists() and p.resolve() == questions.resolve():
            raise UsageError("Bad output path", f"{what} {p} is the questions file; choose another path.")
        if p is not None and p.is_dir():
            raise UsageError("Bad output path", f"{what} {p} is a directory; give a file name.")
    s = settings_from(index_dir=index, chat_model=model, chroma_url=chroma_url, llm_url=llm_url, k=k).settings

    from bot.core.answering import Answerer

    answerer = Answerer(s)  # one index and one model for the whole run
    answerer.index.check()  # a missing or damaged index fails before the model is loaded
    _load_model(answerer)
    t0 = time.perf_counter()
    result = _run_with_progress(answerer, qs, output, s.k, resume, keep_unsupported)
    wall = time.perf_counter() - t0

    summary = dict(result.summary)
    summary.update({"questions_file": str(questions), "output": str(output), "resumed": result.resumed,
                    "answered_now": result.answered, "wall_s": round(wall, 1), "keep_unsupported": keep_unsupported})
    if json_:
        print_json(summary)
    else:
        _print_summary(summary)
    if result.resumed:
        err.print(f"Resumed: {result.resumed} answers kept from {output}, {result.answered} new.")
    if result.dropped_lines:
        err.print(f"[yellow]Dropped {result.dropped_lines} unreadable line(s) from {output}.[/]")
    written = [str(output)]
    if summary_json:
        _write(summary_json, json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
        written.append(str(summary_json))
    if report:
        _write(report, render_report(result, qs, title=f"newsbot eval: {questions.name}"))
        written.append(str(report))
    err.print("Wrote " + ", ".join(written))


def _load_model(answerer) -> None:
    """Load the model before the first question, so that a missing model fails at once and the
    first question's time to first token does not include loading it."""
    model = answerer.model
    if model.loads_on_first_use:  # LocalLlama loads its weights on first use
        with err.status(f"Loading {model.name}…"):
            model.load()


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError("Cannot write", f"{path}: {exc.strerror or exc}.") from None


def _run_with_progress(answerer, qs, output: Path, k: int, resume: bool, keep_unsupported: bool = False):
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    from bot.core.evaluation import run_eval

    state = {"done": 0, "ok": 0, "scored": 0}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.fields[status]}"),
                  console=err, transient=False) as progress:
        task = progress.add_task("eval", total=len(qs), status="")

        def on_progress(done, total, q, rec):
            state["done"] = done
            if rec is None:
                if progress.tasks[task].completed == 0 and done:
                    progress.reset(task, total=total, completed=done, status="")  # resumed: ETA from here on
                progress.update(task, description=f"eval {q.id}")
                return
            if rec["scores"].get("passed") is not None:
                state["scored"] += 1
                state["ok"] += bool(rec["scores"]["passed"])
            progress.update(task, completed=done, status=f"{state['ok']}/{state['scored']} passed")

        try:
            extra = {"keep_unsupported": True} if keep_unsupported else {}
            return run_eval(answerer, qs, output, k=k, resume=resume, progress=on_progress, **extra)
        except KeyboardInterrupt:
            progress.stop()
            raise NewsbotError("Interrupted", f"{state['done']} of {len(qs)} answers are saved in {output}; "
                                              "run the same command with --resume to finish.", ExitCode.INTERRUPTED)


def _print_summary(summary: dict) -> None:
    from rich.table import Table

    from bot.core.eval_markdown import KIND_COLUMNS, kind_rows, summary_rows

    t = Table(title=f"newsbot eval: {summary['scored']} of {summary['questions']} questions, "
                    f"model {summary.get('model') or '?'}")
    t.add_column("metric")
    t.add_column("value", justify="right")
    t.add_column("over", style="dim")
    for row in summary_rows(summary):
        t.add_row(*row)
    out.print(t)
    kinds = kind_rows(summary)
    if any(row[0] != "other" for row in kinds):  # only when the questions file gives kinds
        t = Table(title="by question kind")
        for i, name in enumerate(KIND_COLUMNS):
            t.add_column(name, justify="left" if i == 0 else "right")
        for row in kinds:
            t.add_row(*row)
        out.print(t)
    if summary.get("failures"):
        out.print(f"{summary['failures']} question(s) failed a check (see --report for details).")


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_command)
