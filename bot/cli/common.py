"""Helpers shared by the command modules: settings from flags, JSON printing, consoles."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.console import Console

from bot.config import LoadedSettings, load_settings

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

IndexOpt = typer.Option(None, "--index", help="Index directory (default ./index).", show_default=False)
ChromaOpt = typer.Option(None, "--chroma-url", help="Use a Chroma server at this URL instead of the embedded store.", show_default=False)
ModelOpt = typer.Option(None, "--model", help="Chat model: catalogue name or path to a .gguf file.", show_default=False)
LlmUrlOpt = typer.Option(None, "--llm-url", help="Use an OpenAI-compatible server for generation.", show_default=False)
JsonOpt = typer.Option(False, "--json", help="Print JSON instead of text.")
SourceOpt = typer.Option(None, "--source", help="Only articles from this outlet (case-insensitive).", show_default=False)
SinceOpt = typer.Option(None, "--since", help="Only articles dated on/after YYYY[-MM[-DD]].", show_default=False)
UntilOpt = typer.Option(None, "--until", help="Only articles dated on/before YYYY[-MM[-DD]].", show_default=False)


def settings_from(**flags: Any) -> LoadedSettings:
    return load_settings({k: v for k, v in flags.items() if v is not None})


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()
