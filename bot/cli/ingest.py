"""`newsbot ingest PATH...`, `newsbot articles`, `newsbot remove ID_OR_PATH`."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from rich.markup import escape

from bot.cli.common import ChromaOpt, IndexOpt, JsonOpt, SinceOpt, SourceOpt, UntilOpt, err, out, print_json, settings_from
from bot.errors import ExitCode, UsageError


def register(app: typer.Typer) -> None:
    @app.command()
    def ingest(
        paths: List[Path] = typer.Argument(..., help="Files and folders (searched recursively).", show_default=False),
        index: Optional[Path] = IndexOpt,
        chroma_url: Optional[str] = ChromaOpt,
        source: Optional[str] = typer.Option(None, "--source", help="Outlet for articles whose files don't name one.", show_default=False),
        date: Optional[str] = typer.Option(None, "--date", help="Date for articles whose files don't give one (YYYY-MM-DD).",
                                           show_default=False),
        json_: bool = JsonOpt,
    ) -> None:
        """Index articles (.txt .md .html .json .jsonl, RSS/Atom feeds); unchanged files are skipped."""
        from bot.core.index import Index, collect_files
        from bot.text import given_date

        try:  # before anything is opened or written
            date = given_date(date)
        except ValueError as exc:
            raise UsageError("Bad date", f"{exc}.") from None
        s = settings_from(index_dir=index, chroma_url=chroma_url).settings
        idx = Index(s)
        try:
            total = len(collect_files(paths)[0])
            if total >= 20 and err.is_terminal:
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

                with Progress(TextColumn("ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                              TimeRemainingColumn(), TextColumn("{task.description}"), console=err, transient=True) as bar:
                    task = bar.add_task("", total=total)
                    rep = idx.ingest(paths, outlet=source, date=date,
                                     progress=lambda done, tot, name: bar.update(task, completed=done, total=tot, description=name))
            else:
                rep = idx.ingest(paths, outlet=source, date=date)
        finally:
            idx.close()
        if json_:
            print_json(rep.to_json())
        else:
            _print_report(rep)
        for f in rep.failed:  # errors on stderr, results on stdout
            err.print(f"[red]failed[/]: {escape(f['file'])}: {escape(f['reason'])}", soft_wrap=True)
        if rep.failed:
            raise typer.Exit(ExitCode.FAILURE)

    @app.command()
    def articles(
        index: Optional[Path] = IndexOpt,
        chroma_url: Optional[str] = ChromaOpt,
        source: Optional[str] = SourceOpt,
        since: Optional[str] = SinceOpt,
        until: Optional[str] = UntilOpt,
        json_: bool = JsonOpt,
    ) -> None:
        """List indexed articles: id, title, outlet, date, file, chunks, story."""
        from bot.core.index import Index

        s = settings_from(index_dir=index, chroma_url=chroma_url).settings
        with Index(s) as idx:
            rows = idx.articles(source=source, since=since, until=until)
        if json_:
            print_json([r.to_json() for r in rows])
            return
        if not rows:
            out.print(f"No articles{' match' if (source or since or until) else ''} in {s.index_dir}.")
            return
        from rich.table import Table

        t = Table(title=f"{len(rows)} articles in {s.index_dir}")
        for col in ("id", "title", "outlet", "date", "file", "chunks", "story"):
            t.add_column(col, overflow="fold")
        for r in rows:
            files = r.file + (f" (+{len(r.files) - 1})" if len(r.files) > 1 else "")
            title = r.title + (f" [dim](copy of {r.dup_of})[/]" if r.dup_of else "")
            t.add_row(r.id, title, r.outlet or "", r.date or "", files, str(r.chunks), r.story or "")
        out.print(t)

    @app.command()
    def remove(
        id_or_path: str = typer.Argument(..., help="Article id (or a unique prefix), or an ingested file's path or name.", show_default=False),
        index: Optional[Path] = IndexOpt,
        chroma_url: Optional[str] = ChromaOpt,
        json_: bool = JsonOpt,
    ) -> None:
        """Remove an article (or every article of a file) from the index."""
        from bot.core.index import Index

        s = settings_from(index_dir=index, chroma_url=chroma_url).settings
        with Index(s) as idx:
            res = idx.remove(id_or_path)
            res["articles"], res["chunks_left"] = idx.counts()
        if json_:
            print_json(res)
        elif res["removed"]:
            out.print(f"Removed {len(res['removed'])} article(s) ({', '.join(res['removed'])}), {res['chunks']} chunks; "
                      f"{res['articles']} articles left.")
        else:
            out.print(f"Forgot {', '.join(res['files'])}; its article(s) stay, also ingested from other files.")


def _print_report(rep) -> None:
    parts = [f"[green]{rep.added} added[/]", f"{rep.updated} updated", f"{rep.unchanged} unchanged",
             f"{rep.duplicates} duplicates", f"{rep.near_duplicates} near-duplicates"]
    if rep.removed:
        parts.append(f"{rep.removed} removed")
    if rep.restored:
        parts.append(f"[yellow]{rep.restored} chunks restored to the vector store[/]")
    parts.append((f"[red]{len(rep.failed)} failed[/]") if rep.failed else "0 failed")
    out.print("Ingest: " + ", ".join(parts))
    for d in rep.duplicate_of:
        out.print(f"  duplicate: {d['file']} = {d['of']} (stored once)")
    for d in rep.near_duplicate_of:
        out.print(f"  near-duplicate: {d['file']} ~ {d['of']} (similarity {d['similarity']:.2f})")
    rate = f", {rep.chunks_added / rep.seconds:.1f} chunks/s" if rep.chunks_added and rep.seconds else ""
    out.print(f"{rep.chunks_added} chunks embedded in {rep.seconds:.1f}s (embedding {rep.embed_seconds:.1f}s{rate}). "
              f"Index: {rep.articles} articles, {rep.chunks} chunks, {rep.stories} stories.")
