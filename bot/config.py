"""Settings: one model, filled from defaults < newsbot.toml < NEWSBOT_* env < command-line flags.

The config file is `./newsbot.toml` if it exists, otherwise `<user config dir>/newsbot.toml`
(or the file named by NEWSBOT_CONFIG). Every field can be set in the file (same name), in the
environment (`NEWSBOT_<FIELD>` upper-cased) or, where the command offers it, by a flag.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_cache_dir, user_config_dir
from pydantic import BaseModel, Field, ValidationError

from bot.errors import UsageError

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "NEWSBOT_"


def _default_models_dir() -> Path:
    return Path(user_cache_dir("newsbot")) / "models"


def _default_prompts_dir() -> Path:
    return REPO_ROOT / "prompts"


class Settings(BaseModel):
    """Every knob of newsbot, in groups (`GROUPS`). Field descriptions are shown by `newsbot doctor`.

    The groups are a presentation: names stay flat (`k`, not `retrieval.k`), so a config file key,
    an environment variable (`NEWSBOT_<FIELD>`) and a flag keep naming one field."""

    model_config = {"extra": "forbid", "validate_assignment": True, "allow_inf_nan": False}

    # index: where the index lives and how long to wait for another process's lock
    index_dir: Path = Field(Path("index"), description="On-disk index (Chroma store, keyword index, registry, history).")
    lock_timeout: float = Field(10.0, ge=0, le=86400, description="Seconds to wait for another process's index lock.")
    # ingest
    max_file_mb: float = Field(20.0, gt=0, le=4096, description="Larger input files are refused by ingest.")
    ingest_batch: int = Field(1024, ge=1, le=1_000_000, description="Chunks ingest embeds at a time (sorted by length: less padding).")
    # retrieval
    k: int = Field(8, ge=1, le=100, description="Passages considered per question before packing.")
    # answering and checking (`ask`)
    max_tokens: int = Field(96, ge=8, le=8192, description="Most tokens generated for an answer.")
    prompt_budget: int = Field(260, ge=64, le=131072, description="Prompt tokens spent on the evidence sentences of an answer.")
    prompt_max: int = Field(450, ge=0, le=131072, description="Most prompt tokens of an answer call (system, evidence and question): the weakest evidence sentences are left out to stay under it (0: no limit).")
    max_question_chars: int = Field(1000, ge=10, le=100000, description="Longest question accepted, in characters.")
    answer_parts: bool = Field(True, description="Ask a two-part question (\"Who…, and which…?\") one part at a time; both must pass the checks.")
    judge_threshold: float = Field(0.35, ge=0.0, le=1.0, description="Least judge score for an answer to be shown: the yes/no judge's P(yes) for the answer less its P(yes) for 'The sentences do not say.' (0: no judge).")
    typed_repair: bool = Field(True, description="When the model's answer to a 'where' question fails the checks, ask again choosing only among the evidence's names (a grammar); for a question about someone's words whose evidence quotes direct speech, ask again choosing among those quotations, and use the pick when the first answer repeats none of them or was refused (when the pick fails its checks and the question asks what someone called a thing or how they described it, such a first answer is refused too). The pick is checked like any answer.")
    doubt_threshold: float = Field(0.45, ge=0.0, le=1.0, description="When the model's own P('Evidence: none') was at least this, its answer needs quote_threshold from the judge (1: never).")
    quote_threshold: float = Field(0.4, ge=0.0, le=1.0, description="Least judge score for a second try: the typed choice, the quotation chosen for a question about someone's words, or an evidence sentence quoted when the model wrote no answer.")
    # briefings (`brief`)
    brief_passage_budget: int = Field(560, ge=120, le=131072, description="Prompt tokens spent on the key passages of a briefing.")
    brief_max_tokens: int = Field(220, ge=16, le=8192, description="Most tokens generated for a briefing's paragraph.")
    brief_cluster_threshold: float = Field(0.55, ge=0.0, le=1.0, description="Least cosine of two article vectors for them to tell the same event.")
    brief_dense_relevant: float = Field(0.35, ge=0.0, le=1.0, description="Least cosine of topic and passage for a dense-only hit to count as relevant.")
    # models (in-process llama.cpp and the ONNX embedder)
    models_dir: Path = Field(default_factory=_default_models_dir, description="Where pulled models live.")
    prompts_dir: Path = Field(default_factory=_default_prompts_dir, description="Prompt template files.")
    chat_model: str = Field("qwen2.5-coder-1.5b-instruct", description="Catalogue name or path to a .gguf file.")
    embed_model: str = Field("all-minilm-l6-v2", description="Catalogue name of the embedding model (an index holds the vectors of one).")
    n_ctx: int = Field(4096, ge=512, le=131072, description="Model context size in tokens.")
    n_threads: int = Field(0, ge=0, le=1024, description="CPU threads for the model (0: all cores).")
    n_batch: int = Field(512, ge=8, le=131072, description="Prompt batch size for llama.cpp.")
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature (0: deterministic).")
    seed: int = Field(42, ge=0, le=2**32 - 1, description="Random seed for generation.")
    # servers
    chroma_url: str | None = Field(None, description="Use a Chroma server (http://host:port) instead of the embedded store.")
    llm_url: str | None = Field(None, description="Use an OpenAI-compatible server (http://host:port/v1) for generation.")
    llm_timeout: float = Field(120.0, gt=0, le=86400, description="Seconds to wait on the model server.")

    def resolved_threads(self) -> int:
        return self.n_threads or (os.cpu_count() or 1)


# group -> (title, its settings in the order `doctor` shows them); every field is in exactly one
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "index": ("Index", ("index_dir", "lock_timeout")),
    "ingest": ("Ingest", ("max_file_mb", "ingest_batch")),
    "retrieval": ("Retrieval", ("k",)),
    "answering": ("Answering and checking (ask)", ("max_tokens", "prompt_budget", "prompt_max", "max_question_chars", "answer_parts",
                                                   "judge_threshold", "typed_repair", "doubt_threshold", "quote_threshold")),
    "brief": ("Briefings (brief)", ("brief_passage_budget", "brief_max_tokens", "brief_cluster_threshold",
                                    "brief_dense_relevant")),
    "models": ("Models", ("models_dir", "prompts_dir", "chat_model", "embed_model", "n_ctx", "n_threads", "n_batch",
                          "temperature", "seed")),
    "servers": ("Servers", ("chroma_url", "llm_url", "llm_timeout")),
}


def group_of(name: str) -> str:
    """The group (a key of GROUPS) a setting belongs to."""
    for group, (_title, names) in GROUPS.items():
        if name in names:
            return group
    raise KeyError(name)


def allowed_range(name: str) -> str:
    """" (allowed: 1 to 100)" for a numeric setting with bounds, else ""."""
    field_ = Settings.model_fields.get(name)
    if field_ is None:
        return ""
    lo = hi = None
    for m in field_.metadata:
        for attr, side in (("ge", "lo"), ("gt", "lo"), ("le", "hi"), ("lt", "hi")):
            v = getattr(m, attr, None)
            if v is not None:
                num = f"{v:g}" if isinstance(v, float) else str(v)
                text = f"{'more than ' if attr == 'gt' else 'less than ' if attr == 'lt' else ''}{num}"
                lo, hi = (text, hi) if side == "lo" else (lo, text)
    if lo is None and hi is None:
        return ""
    if lo is not None and hi is not None:
        return f" (allowed: {lo} to {hi})"
    return f" (allowed: {'at least ' + lo if lo is not None else 'at most ' + hi})"


def check_index_dir(path: Path, origin: str | None = None) -> None:
    """A usage error (exit 2) when `path` cannot be an index directory: a regular file, or a
    path under a regular file. (A directory that cannot be created is caught when it is made.)"""
    path = Path(path).expanduser()
    what = f"index_dir {path}" + (f" ({origin})" if origin and origin != "default" else "")
    try:
        if path.exists() and not path.is_dir():
            raise UsageError("Bad index directory", f"{what} is a file, not a directory; give a directory "
                             "with --index.")
        for parent in path.absolute().parents:
            if parent.exists():
                if not parent.is_dir():
                    raise UsageError("Bad index directory", f"{what} is under {parent}, which is a file, not a "
                                     "directory; give a directory with --index.")
                break
    except OSError as exc:  # e.g. a name too long
        raise UsageError("Bad index directory", f"{what}: {exc.strerror or exc}; give a directory with --index.") from None


@dataclass
class LoadedSettings:
    settings: Settings
    origins: dict[str, str] = field(default_factory=dict)  # field -> "default" | "file:PATH" | "env:NAME" | "flag"
    config_file: Path | None = None


def config_file_path() -> Path | None:
    explicit = os.environ.get(ENV_PREFIX + "CONFIG")
    if explicit:
        return Path(explicit)
    local = Path("newsbot.toml")
    if local.is_file():
        return local
    user = Path(user_config_dir("newsbot")) / "newsbot.toml"
    return user if user.is_file() else None


def load_settings(flags: dict[str, Any] | None = None) -> LoadedSettings:
    """Build the settings; `flags` holds command-line values (None means: not given)."""
    values: dict[str, Any] = {}
    origins: dict[str, str] = {name: "default" for name in Settings.model_fields}
    path = config_file_path()
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise UsageError("Bad config file", f"{path}: {exc}. Fix or remove it.") from None
        data = data.get("newsbot", data)
        for key, value in data.items():
            if key not in Settings.model_fields:
                raise UsageError("Bad config file", f"{path}: unknown setting '{key}'. Known: {', '.join(Settings.model_fields)}.")
            values[key] = value
            origins[key] = f"file:{path}"
    for name in Settings.model_fields:
        env = ENV_PREFIX + name.upper()
        if env in os.environ:
            values[name] = os.environ[env] or None
            origins[name] = f"env:{env}"
    for name, value in (flags or {}).items():
        if value is not None:
            values[name] = value
            origins[name] = "flag"
    try:
        settings = Settings(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = ".".join(str(p) for p in err["loc"])
        raise UsageError("Bad setting", f"{name} ({origins.get(name, '?')}): {err['msg']}{allowed_range(name)}.") from None
    check_index_dir(settings.index_dir, origins["index_dir"])
    return LoadedSettings(settings, origins, path)
