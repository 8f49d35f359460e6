"""Settings precedence: defaults < newsbot.toml < NEWSBOT_* env < flags."""

from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import UsageError


def test_defaults(tmp_path):
    loaded = load_settings()
    assert loaded.settings.index_dir == Path("index")
    assert loaded.settings.chat_model == "qwen2.5-coder-1.5b-instruct"
    assert loaded.origins["chat_model"] == "default"


def test_precedence_file_env_flag(tmp_path, monkeypatch):
    cfg = tmp_path / "cfg.toml"
    cfg.write_text('k = 5\ntemperature = 0.5\nindex_dir = "from-file"\n')
    monkeypatch.setenv("NEWSBOT_CONFIG", str(cfg))
    monkeypatch.setenv("NEWSBOT_TEMPERATURE", "0.7")
    monkeypatch.setenv("NEWSBOT_INDEX_DIR", "from-env")
    loaded = load_settings({"index_dir": Path("from-flag"), "seed": None})
    s, o = loaded.settings, loaded.origins
    assert s.k == 5 and o["k"] == f"file:{cfg}"
    assert s.temperature == 0.7 and o["temperature"] == "env:NEWSBOT_TEMPERATURE"
    assert s.index_dir == Path("from-flag") and o["index_dir"] == "flag"
    assert o["seed"] == "default"


def test_local_newsbot_toml_is_found(tmp_path, monkeypatch):
    monkeypatch.delenv("NEWSBOT_CONFIG")
    (tmp_path / "newsbot.toml").write_text("[newsbot]\nmax_tokens = 99\n")
    loaded = load_settings()
    assert loaded.settings.max_tokens == 99 and loaded.config_file.name == "newsbot.toml"


@pytest.mark.parametrize("text,needle", [("bogus = 1", "unknown setting"), ("k = 'many'", "k"), ("k = [", "Bad config")])
def test_bad_config_is_a_clear_usage_error(tmp_path, monkeypatch, text, needle):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    monkeypatch.setenv("NEWSBOT_CONFIG", str(cfg))
    with pytest.raises(UsageError) as exc:
        load_settings()
    assert needle in exc.value.one_line()


def test_bad_env_value(monkeypatch):
    monkeypatch.setenv("NEWSBOT_N_CTX", "12")
    with pytest.raises(UsageError) as exc:
        load_settings()
    assert "n_ctx" in exc.value.one_line() and "env:NEWSBOT_N_CTX" in exc.value.one_line()
