"""`newsbot brief`: one checked paragraph about a topic, or about the newest articles."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from bot.cli.common import ChromaOpt, IndexOpt, JsonOpt, LlmUrlOpt, ModelOpt, SinceOpt, SourceOpt, UntilOpt, err, out, print_json, settings_from


def register(app: typer.Typer) -> None:
    @app.command()
    def brief(
        topic: Optional[str] = typer.Argument(None, help="What to brief on (default: the newest articles)."),
        index: Optional[Path] = IndexOpt,
        model: Optional[str] = ModelOpt,
        since: Optional[str] = SinceOpt,
        until: Optional[str] = UntilOpt,
        source: Optional[str] = SourceOpt,
        articles: int = typer.Option(8, "--articles", "-n", min=1, help="How many articles to consider."),
        chroma_url: Optional[str] = ChromaOpt,
        llm_url: Optional[str] = LlmUrlOpt,
        json_: bool = JsonOpt,
    ) -> None:
        """One paragraph: what happened, who did what, when, what others said; every sentence cited and checked."""
        from bot.core.briefing import Briefer

        s = settings_from(index_dir=index, chat_model=model, chroma_url=chroma_url, llm_url=llm_url).settings
        briefer = Briefer(s)
        briefer.index.check()  # a missing or damaged index fails before the model is loaded
        if not json_ and sys.stdout.isatty():
            err.print("[dim]reading the articles and writing the briefing…[/]")
        result = briefer.brief(topic, since=since, until=until, source=source, articles=articles)
        if json_:
            print_json(result.to_json())
            return
        print_brief(result)


def print_brief(b) -> None:
    from rich.markup import escape

    out.print(escape(b.paragraph))
    out.print()
    for c in b.citations:
        meta = " · ".join(x for x in (c.outlet, c.date, c.source_file) if x)
        out.print(f"[bold][{c.n}][/] {escape(c.title)} [dim]({escape(meta)})[/]")
        out.print(f"    “{escape(' '.join(c.quote.split()))}” [dim]chars {c.start}–{c.end}[/]")
    if b.differences:
        out.print()
        out.print("[bold]Reported differently:[/]")
        for d in b.differences:
            out.print(f"  · {escape(d['detail'])}")
            for v in d["versions"]:
                n = v["citation"].get("n") or ""
                mark = f"[{n}] " if n else ""
                out.print(f"      {escape(mark)}{escape(str(v['outlet']))}: “{escape(' '.join(v['text'].split()))}”")
    if b.updates:
        out.print()
        out.print("[bold]Figures a later report changed:[/]")
        for d in b.updates:
            out.print(f"  · {escape(d['detail'])}")
            for v in d["versions"]:
                n = v["citation"].get("n") or ""
                out.print(f"      {escape(f'[{n}] ' if n else '')}{escape(str(v.get('date') or ''))}: “{escape(' '.join(v['text'].split()))}”")
    if b.only_reported:
        out.print()
        out.print("[bold]Reported by one outlet only:[/]")
        for o in b.only_reported:
            out.print(f"  · {escape(o['outlet'])}: “{escape(o['text'])}”")
    out.print()
    out.print(f"[bold]Articles used ({len(b.articles_used)}):[/]")
    for a in b.articles_used:
        marks = "".join(f"[{n}]" for n in a.get("citations", []))
        out.print(f"  · {escape(a.get('title') or a['id'])} [dim]({escape(a.get('file') or '')}) {escape(marks)}[/]")
    if b.articles_left_out:
        out.print(f"[bold]Left out ({len(b.articles_left_out)}):[/]")
        for a in b.articles_left_out[:15]:
            out.print(f"  · {escape(a.get('title') or a['id'])} [dim]({escape(a.get('file') or '')}; {escape(a.get('reason', ''))})[/]")
        if len(b.articles_left_out) > 15:
            out.print(f"  [dim]… and {len(b.articles_left_out) - 15} more (see --json)[/]")
    t = b.timings
    out.print(f"[dim]{b.model} · {b.prompt_tokens} prompt tokens · {b.completion_tokens} generated · total {t.get('total_ms', 0) / 1000:.1f}s[/]")
