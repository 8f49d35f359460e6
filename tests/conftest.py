"""Shared fixtures. Tests never touch the user's real config, index or history: an autouse
fixture points NEWSBOT_CONFIG at an empty file and runs each test in its own directory.
Models are shared (read-only) from the real models dir that `make test` fills."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import Settings, load_settings

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SHARED_DATA = Path(os.environ.get("NEWSBOT_SHARED_DATA", REPO.parent / "shared" / "data"))
LEE = SHARED_DATA / "lee_background"
DEV_QA = SHARED_DATA / "dev_qa.jsonl"
# the real models dir, resolved once before the autouse fixture isolates the environment
MODELS_DIR = load_settings().settings.models_dir


@pytest.fixture(autouse=True)
def _isolate(tmp_path, monkeypatch):
    cfg = tmp_path / "_newsbot.toml"
    cfg.write_text("")
    monkeypatch.setenv("NEWSBOT_CONFIG", str(cfg))
    for name in list(os.environ):
        if name.startswith("NEWSBOT_") and name not in ("NEWSBOT_CONFIG", "NEWSBOT_SHARED_DATA"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NEWSBOT_MODELS_DIR", str(MODELS_DIR))
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Settings with a fresh index dir and the real models dir."""
    return Settings(index_dir=tmp_path / "index", models_dir=MODELS_DIR)


@pytest.fixture(scope="session")
def real_embedder():
    from bot.backends.embedder import load_embedder

    return load_embedder(Settings(models_dir=MODELS_DIR))


@pytest.fixture(scope="session")
def real_model():
    """The default chat model, loaded once for the whole session (temperature 0, fixed seed)."""
    from bot.backends.llm import load_chat_model

    return load_chat_model(Settings(models_dir=MODELS_DIR))


@pytest.fixture
def hash_embedder():
    from tests.fakes import HashEmbedder

    return HashEmbedder()


@pytest.fixture
def slice_bound(real_model) -> float:
    """How long a cancel may take to act while a prompt is read: the guarantee is one slice
    (PREFILL_SLICE tokens), and how long a slice takes depends on the machine (~1.8 s on 2 idle
    cores, more on a loaded one), so it is timed here: 1.5 slices, at least 2 s."""
    import time

    from bot.backends.llm import PREFILL_SLICE

    llm = real_model.llm
    tokens = llm.tokenize((" news of the day" * PREFILL_SLICE).encode(), add_bos=False, special=False)[:PREFILL_SLICE]
    llm.reset()
    t0 = time.perf_counter()
    llm.eval(tokens)
    took = time.perf_counter() - t0
    llm.reset()
    return max(2.0, 1.5 * took + 0.3)
