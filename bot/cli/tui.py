"""`newsbot tui`: the interactive app (Textual). Textual is imported only inside the command."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from bot.cli.common import ChromaOpt, IndexOpt, LlmUrlOpt, ModelOpt, settings_from


def tui(
    index: Optional[Path] = IndexOpt,
    model: Optional[str] = ModelOpt,
    chroma_url: Optional[str] = ChromaOpt,
    llm_url: Optional[str] = LlmUrlOpt,
    theme: Optional[str] = typer.Option(None, "--theme", envvar="NEWSBOT_THEME",
                                        help="colour theme, e.g. textual-light, nord, gruvbox (Ctrl+P, Theme lists them all)"),
) -> None:
    """Open the app: ask questions, read each answer beside the passages it cites, brief, browse
    the library, reopen history. Press ? inside for the keys."""
    settings = settings_from(index_dir=index, chat_model=model, chroma_url=chroma_url, llm_url=llm_url).settings
    from bot.tui.app import build_app

    build_app(settings, theme=theme).run()


def register(app: typer.Typer) -> None:
    app.command("tui")(tui)
