"""`newsbot doctor`: effective settings and where each came from, versions, models, index."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Optional

import typer

from bot.cli.common import ChromaOpt, IndexOpt, JsonOpt, LlmUrlOpt, out, print_json, settings_from
from bot.errors import ExitCode

PACKAGES = ("newsbot", "llama-cpp-python", "chromadb", "onnxruntime", "tokenizers", "bm25s", "typer", "textual", "rich")


def register(app: typer.Typer) -> None:
    @app.command()
    def doctor(
        index: Optional[Path] = IndexOpt,
        chroma_url: Optional[str] = ChromaOpt,
        llm_url: Optional[str] = LlmUrlOpt,
        deep: bool = typer.Option(False, "--deep", help="Re-hash model files instead of trusting verification stamps, "
                                  "load the chat model and let it read a prompt."),
        repair: bool = typer.Option(True, "--repair/--no-repair", help="Remove leftovers of an interrupted ingest."),
        json_: bool = JsonOpt,
    ) -> None:
        """Check settings, packages, models and the index; exit non-zero when something is wrong."""
        from bot.models import CATALOGUE, status

        loaded = settings_from(index_dir=index, chroma_url=chroma_url, llm_url=llm_url)
        s = loaded.settings
        problems: list[str] = []
        versions = {}
        for pkg in PACKAGES:
            try:
                versions[pkg] = metadata.version(pkg)
            except metadata.PackageNotFoundError:
                versions[pkg] = None
                if pkg != "newsbot":
                    problems.append(f"package {pkg} is not installed: run `make run` or `pip install -e .`")
        models = []
        for spec in CATALOGUE.values():
            st = status(spec, s.models_dir, deep=deep).to_json()
            st["needed"] = spec.name in (s.chat_model, s.embed_model)
            models.append(st)
            if st["needed"] and not st["verified"]:
                what = st["problem"] or "missing"
                problems.append(f"model {spec.name}: {what}; run `newsbot models pull {spec.name}`")
        if not s.llm_url:
            _check_chat_model(s, deep, problems, models)
        if s.llm_url:
            _check_llm_server(s, problems)
        idx_report = _index_report(s, repair, problems)
        report = {
            "ok": not problems,
            "problems": problems,
            "settings": {name: {"value": str(getattr(s, name)) if getattr(s, name) is not None else None,
                                "from": loaded.origins[name]} for name in type(s).model_fields},
            "setting_groups": setting_groups(type(s)),
            "config_file": str(loaded.config_file) if loaded.config_file else None,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpu_threads": os.cpu_count(),
            "model_threads": s.resolved_threads(),
            "packages": versions,
            "models": models,
            "index": idx_report,
        }
        if json_:
            print_json(report)
        else:
            _print(report)
        if problems:  # 4 when the index (missing or damaged) is all that is wrong
            index_only = all(p.startswith("index") for p in problems) and idx_report.get("state") in ("missing", "error")
            raise typer.Exit(ExitCode.INDEX if index_only else ExitCode.FAILURE)


def setting_groups(model) -> dict[str, dict]:
    """group -> {"title", "settings": {name: description}}: the settings in their groups
    (bot.config.GROUPS), in the order `doctor` shows them."""
    from bot.config import GROUPS

    fields = model.model_fields
    return {g: {"title": title, "settings": {n: fields[n].description or "" for n in names}}
            for g, (title, names) in GROUPS.items()}


def _check_chat_model(s, deep: bool, problems: list[str], models: list[dict]) -> None:
    """The chat model `ask` would load: a file given by path must be a complete GGUF file (its
    header, and a size that holds its tensors); with --deep the model is loaded, and read a prompt
    in a child process (a build the CPU cannot run crashes rather than raising)."""
    from bot.models import CATALOGUE, gguf_problem

    if s.chat_model in CATALOGUE:
        spec = CATALOGUE[s.chat_model]
        if spec.role != "chat":
            problems.append(f"chat_model {s.chat_model} is a {spec.role} model; give a chat model")
            return
        if not next((m["verified"] for m in models if m["name"] == spec.name), False):
            return  # already reported with the catalogue
        path = Path(s.models_dir) / spec.name / spec.files[0].filename
    else:
        path = Path(s.chat_model).expanduser()
        if not path.is_file():
            problems.append(f"chat model file {s.chat_model} not found; give a .gguf file or a catalogue name")
            return
        bad = gguf_problem(path)
        if bad:
            problems.append(f"chat model file {path}: {bad}; give a complete .gguf file or a catalogue name")
            return
    if deep:
        from bot.backends.llm import load_chat_model, runs_here
        from bot.errors import NewsbotError

        try:
            model = load_chat_model(s)
            getattr(model, "llm", None)  # the in-process model loads on first use
        except NewsbotError as exc:
            problems.append(f"chat model {path} does not load: {exc.one_line()}")
            return
        why = runs_here(path, s.resolved_threads())
        if why:
            problems.append(f"chat model {path} {why}: this llama-cpp-python build cannot run here; rebuild it with "
                            "`rm -rf .venv ~/.cache/pip/wheels && make install`")


def _check_llm_server(s, problems: list[str]) -> None:
    import httpx

    url = s.llm_url.rstrip("/") + ("" if s.llm_url.rstrip("/").endswith("/v1") else "/v1")
    try:
        httpx.get(f"{url}/models", timeout=min(5.0, s.llm_timeout)).raise_for_status()
    except httpx.HTTPError as exc:
        problems.append(f"model server {url} does not answer ({type(exc).__name__}: {exc}); start it or fix --llm-url")


def _index_report(s, repair: bool, problems: list[str]) -> dict:
    try:
        from bot.core.index import inspect_index
    except ImportError:
        return {"path": str(s.index_dir), "state": "unknown"}
    try:
        rep = inspect_index(s, repair=repair)
    except Exception as exc:  # report, don't crash: doctor must always answer
        problems.append(f"index {s.index_dir}: {exc}")
        return {"path": str(s.index_dir), "state": "error", "error": str(exc)}
    for p in rep.get("problems", []):
        problems.append(f"index: {p}")
    return rep


def _print(r: dict) -> None:
    from rich.table import Table

    out.print(f"[bold]newsbot {r['packages'].get('newsbot')}[/] · Python {r['python']} · {r['cpu_threads']} CPU threads (model uses {r['model_threads']})")
    out.print(f"config file: {r['config_file'] or 'none'}")
    t = Table(title="Settings", show_lines=False)
    t.add_column("setting")
    t.add_column("value")
    t.add_column("from")
    t.add_column("meaning", overflow="fold")
    for group in r["setting_groups"].values():
        t.add_row(f"[bold]{group['title']}[/]", end_section=False)
        names = list(group["settings"])
        for i, name in enumerate(names):
            v = r["settings"][name]
            t.add_row("  " + name, str(v["value"]), v["from"], group["settings"][name], end_section=i == len(names) - 1)
    out.print(t)
    out.print("packages: " + ", ".join(f"{k} {v or '[red]missing[/]'}" for k, v in r["packages"].items()))
    for m in r["models"]:
        mark = "[green]verified[/]" if m["verified"] else ("[red]" + (m["problem"] or "missing") + "[/]")
        out.print(f"model {m['name']} ({m['role']}{', in use' if m['needed'] else ''}): {mark} {m['path']}")
    idx = r["index"]
    out.print("index: " + ", ".join(f"{k}={v}" for k, v in idx.items() if k not in ("problems", "repaired")))
    for rep in idx.get("repaired", []) or []:
        out.print(f"[yellow]repaired:[/] {rep}")
    if r["problems"]:
        for p in r["problems"]:
            out.print(f"[red]problem:[/] {p}")
    else:
        out.print("[green]all good[/]")
