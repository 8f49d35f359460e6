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


def test_every_setting_is_in_exactly_one_group_and_documented():
    from bot.config import GROUPS, Settings, group_of

    names = [n for _title, group in GROUPS.values() for n in group]
    assert sorted(names) == sorted(Settings.model_fields) and len(names) == len(set(names))
    assert list(Settings.model_fields) == names  # the model lists them in their groups' order
    assert all(Settings.model_fields[n].description for n in names)
    assert group_of("k") == "retrieval" and group_of("brief_passage_budget") == "brief"


def test_grouped_settings_keep_their_flat_names(tmp_path, monkeypatch):
    cfg = tmp_path / "cfg.toml"
    cfg.write_text("brief_max_tokens = 200\nprompt_budget = 300\n")
    monkeypatch.setenv("NEWSBOT_CONFIG", str(cfg))
    monkeypatch.setenv("NEWSBOT_INGEST_BATCH", "16")
    monkeypatch.setenv("NEWSBOT_BRIEF_PASSAGE_BUDGET", "400")
    loaded = load_settings()
    s, o = loaded.settings, loaded.origins
    assert s.ingest_batch == 16 and o["ingest_batch"] == "env:NEWSBOT_INGEST_BATCH"
    assert s.brief_passage_budget == 400 and s.brief_max_tokens == 200 and s.prompt_budget == 300


def test_briefing_and_ingest_knobs_default_to_the_old_constants(tmp_path):
    from bot.config import Settings
    from bot.core.briefing import CLUSTER_THRESHOLD, DENSE_RELEVANT, MAX_TOKENS, PASSAGE_BUDGET, Briefer
    from bot.store.library import Index

    s = Settings()
    assert (s.brief_passage_budget, s.brief_max_tokens) == (PASSAGE_BUDGET, MAX_TOKENS)
    assert (s.brief_cluster_threshold, s.brief_dense_relevant) == (CLUSTER_THRESHOLD, DENSE_RELEVANT)
    assert Briefer(s).passage_budget == PASSAGE_BUDGET
    assert Briefer(s.model_copy(update={"brief_passage_budget": 300})).passage_budget == 300
    assert Index(s).batch_chunks == 1024
    assert Index(Settings(ingest_batch=7)).batch_chunks == 7
