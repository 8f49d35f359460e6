"""`newsbot ask` and `newsbot history`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from bot.cli.common import ChromaOpt, IndexOpt, JsonOpt, LlmUrlOpt, ModelOpt, SinceOpt, SourceOpt, UntilOpt, err, out, print_json, settings_from


def _register_ask(app: typer.Typer) -> None:
    @app.command()
    def ask(
        question: str = typer.Argument(..., help="The question, in quotes."),
        index: Optional[Path] = IndexOpt,
        model: Optional[str] = ModelOpt,
        k: Optional[int] = typer.Option(None, "--k", min=1, max=100,
                                        help="Passages to retrieve before packing (default: setting k).", show_default=False),
        source: Optional[str] = SourceOpt,
        since: Optional[str] = SinceOpt,
        until: Optional[str] = UntilOpt,
        keep_unsupported: bool = typer.Option(False, "--keep-unsupported", help="Keep sentences that fail the check, flagged."),
        chroma_url: Optional[str] = ChromaOpt,
        llm_url: Optional[str] = LlmUrlOpt,
        follow_up: bool = typer.Option(False, "--follow-up", "-f",
                                       help="Continue the most recent conversation: \"they\", \"it\"… refer to it."),
        conversation: Optional[int] = typer.Option(None, "--conversation", min=1, show_default=False,
                                                   help="Continue the conversation of this history entry."),
        json_: bool = JsonOpt,
    ) -> None:
        """Answer a question from the indexed articles, every sentence cited and checked."""
        from bot.core.answering import Answerer
        from bot.core.conversation import Turn, standalone
        from bot.core.session import check_question

        s = settings_from(index_dir=index, chat_model=model, chroma_url=chroma_url, llm_url=llm_url, k=k).settings
        check_question(question, s)
        answerer = Answerer(s)
        stream = not json_ and sys.stdout.isatty()
        if stream:
            err.print("[dim]thinking…[/]", end="\r")

        def on_token(piece: str) -> None:
            sys.stdout.write(piece)
            sys.stdout.flush()

        follows, thread = _conversation(answerer, follow_up, conversation)
        if follows and not json_:
            made = standalone(question, [Turn(a.standalone or a.question, a.answer, a.refused) for a in follows])
            if made != " ".join(question.split()):
                err.print(f"[dim]Searching for: {made}[/]")
        answer = answerer.ask(question, k=k, source=source, since=since, until=until,
                              keep_unsupported=keep_unsupported, on_token=on_token if stream else None,
                              follows=follows, conversation=thread)
        if json_:
            data = answer.to_json()
            if answer.refused:  # why, in plain words, and where to look (bot.core.explain)
                from bot.core.explain import refusal

                data.update(refusal(answer).to_json())
            print_json(data)
            return
        if stream:
            sys.stdout.write("\n")
        print_answer(answer, streamed=stream)


def _conversation(answerer, follow_up: bool, entry: int | None):
    """(the conversation's answers so far, its id) for --follow-up / --conversation, else ([], None)."""
    if entry is None and not follow_up:
        return [], None
    history = answerer.history
    if entry is None:
        entry = history.latest_ask()
        if entry is None:
            return [], None  # nothing to follow: the question is asked alone
    first, answers = history.thread(entry)
    return answers, first


def print_answer(answer, streamed: bool = False) -> None:
    """The answer, then for each sentence its evidence and the checks it passed; a refusal says why
    in plain words (bot.core.explain) and lists the closest passages."""
    from rich.markup import escape

    from bot.core import explain

    if streamed:
        out.print("[dim]checked:[/]")
    if answer.refused:
        out.print(f"[bold]{escape(answer.answer)}[/]")
        r = explain.refusal(answer)
        out.print(f"[yellow]Why:[/] {escape(r.why)}.")
        if r.closest:
            out.print("[dim]closest passages:[/]")
            for c in r.closest:
                snippet = f": {escape(c.snippet)}" if c.snippet else ""
                head = f"{escape(c.title)} [dim]({escape(c.source_file)})[/]" if c.title else escape(c.source_file)
                out.print(f"  · {head}{snippet}")
    else:
        out.print(escape(answer.answer))
    question = answer.standalone or answer.question
    repair = (answer.stages or {}).get("repair")
    for i, s in enumerate(answer.sentences, 1):
        if len(answer.sentences) > 1 or not s.supported:
            out.print(f"[dim]{i}.[/] {escape(s.text)}" + ("" if s.supported else " [red](unchecked)[/]"))
        for ev in s.evidence:
            n = next((c.n for c in answer.citations if " ".join(c.quote.split()) == " ".join(ev.split())), None)
            out.print(f"   [dim]evidence{f' [{n}]' if n else ''}:[/] “{escape(' '.join(ev.split()))}”")
        for c in explain.checks(question, s, repair):
            mark = "[green]✓[/]" if c.passed else "[red]✗[/]"
            out.print(f"   {mark} [dim]{escape(c.detail)}[/]")
    if answer.citations:
        out.print()
    for c in answer.citations:
        meta = " · ".join(x for x in (c.outlet, c.date, c.source_file) if x)
        out.print(f"[bold][{c.n}][/] {escape(c.title)} [dim]({escape(meta)})[/]")
        quote = " ".join(c.quote.split()).strip("“”\"")
        out.print(f"    “{escape(quote)}” [dim]chars {c.start}–{c.end}[/]")
    t = answer.timings
    out.print(f"[dim]{answer.model} · {answer.prompt_tokens} prompt tokens · first token {t.get('first_token_ms', 0) / 1000:.1f}s · total {t.get('total_ms', 0) / 1000:.1f}s[/]")


def _register_history(app: typer.Typer) -> None:
    @app.command()
    def history(
        index: Optional[Path] = IndexOpt,
        limit: int = typer.Option(20, "--limit", "-n", min=1, help="How many entries."),
        show: Optional[int] = typer.Option(None, "--show", min=1, help="Print one entry in full.", show_default=False),
        json_: bool = JsonOpt,
    ) -> None:
        """List saved answers and briefings (newest first)."""
        from bot.core.history import History

        s = settings_from(index_dir=index).settings
        h = History(s.index_dir / "history.sqlite")
        if show is not None:
            if json_:
                print_json(h.get_json(show))
                return
            from bot.core.types import Answer

            record = h.get(show)
            if isinstance(record, Answer):
                print_answer(record)
            else:
                out.print(record.paragraph)
            return
        rows = h.list(limit)
        if json_:
            print_json(rows)
            return
        if not rows:
            out.print("No history yet: ask something with `newsbot ask \"...\"`.")
            return
        for r in rows:  # a follow-up is indented under the conversation it continues
            mark = "refused" if r["refused"] else "answered"
            lead = f"  ↳ #{r['conversation']} " if r.get("conversation") else ""
            out.print(f"{r['id']:>4}  {r['created']}  {r['kind']:<5} {mark:<8}  {lead}{r['question']}")


def register(app: typer.Typer) -> None:
    _register_ask(app)
    _register_history(app)
