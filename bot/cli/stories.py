"""`newsbot stories` (articles grouped by event) and `newsbot timeline STORY_OR_TOPIC`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from bot.cli.common import ChromaOpt, IndexOpt, JsonOpt, SinceOpt, SourceOpt, UntilOpt, out, print_json, settings_from


def register(app: typer.Typer) -> None:
    @app.command()
    def stories(
        index: Optional[Path] = IndexOpt,
        chroma_url: Optional[str] = ChromaOpt,
        source: Optional[str] = SourceOpt,
        since: Optional[str] = SinceOpt,
        until: Optional[str] = UntilOpt,
        articles: bool = typer.Option(False, "--articles", "-a", help="List each story's articles too."),
        json_: bool = JsonOpt,
    ) -> None:
        """List stories (articles about one event): headline, dates, articles, outlets, independent reports."""
        from bot.core.index import Index
        from bot.core.stories import list_stories

        s = settings_from(index_dir=index, chroma_url=chroma_url).settings
        with Index(s) as idx:
            rows = list_stories(idx, source=source, since=since, until=until)
        if json_:
            print_json([r.to_json() for r in rows])
            return
        if not rows:
            out.print(f"No stories match in {s.index_dir}.")
            return
        n_art = sum(len(r.articles) for r in rows)
        out.print(f"[bold]{len(rows)} stories[/] ({n_art} articles, {sum(r.reports for r in rows)} independent reports) "
                  f"in {escape(str(s.index_dir))}")
        for r in rows:
            span = _span(r.first_date, r.last_date)
            outlets = ", ".join(r.outlets) or "outlet unknown"
            copies = len(r.copies)
            out.print(f"[cyan]{r.id}[/]  {escape(r.headline)}\n    {span} · {len(r.articles)} article"
                      f"{'s' if len(r.articles) != 1 else ''} · {r.reports} independent report{'s' if r.reports != 1 else ''}"
                      f"{f' (+{copies} cop' + ('ies' if copies > 1 else 'y') + ')' if copies else ''}"
                      f" · {escape(outlets)}")
            if articles:
                copy_of = {c["article"]: c["of"] for c in r.copies}
                for a in r.articles:
                    extra = f" [dim](copy of {copy_of[a['id']]})[/]" if a["id"] in copy_of else ""
                    out.print(f"      {a['id']}  {escape(a['file'])}  {a['date'] or 'undated'}{extra}")

    @app.command()
    def timeline(
        story_or_topic: str = typer.Argument(..., help="A story id (see `newsbot stories`), an article id, or a topic.",
                                             show_default=False),
        index: Optional[Path] = IndexOpt,
        chroma_url: Optional[str] = ChromaOpt,
        json_: bool = JsonOpt,
    ) -> None:
        """The events of a story in time order, each a sentence quoted from its article (file, date)."""
        from bot.core.index import Index
        from bot.core.timeline import timeline as make_timeline

        s = settings_from(index_dir=index, chroma_url=chroma_url).settings
        with Index(s) as idx:
            t = make_timeline(idx, story_or_topic)
        if json_:
            print_json(t.to_json())
            return
        how = "" if t.resolved_by == "story id" else f" [dim](found by {t.resolved_by})[/]"
        out.print(f"[bold]{t.story}[/]  {escape(t.headline)}{how}")
        out.print(f"[dim]{len(t.events)} events: {escape(t.note)}[/]")
        undated_shown = False
        for e in t.events:
            if e.date is None and not undated_shown and t.dated:
                out.print("[dim]undated articles (in the order they were added):[/]")
                undated_shown = True
            when = e.date or "undated"
            src = f"{e.file}, {e.article_date or 'undated'}" + (f", {e.outlet}" if e.outlet else "")
            out.print(f"{e.n:>3}. [bold]{when}[/] “{escape(e.text)}”\n      [dim]— {escape(src)}, chars {e.start}–{e.end}"
                      f"{'; ' + escape(e.when) if e.date and e.when != 'the article' + chr(39) + 's date' else ''}"
                      f"{'; also in ' + escape(', '.join(e.also_in)) if e.also_in else ''}[/]")


def _span(first: str | None, last: str | None) -> str:
    if not first:
        return "undated"
    return first if first == last else f"{first} – {last}"
