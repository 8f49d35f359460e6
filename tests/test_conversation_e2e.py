"""A follow-up chain end to end on the seeds: the real model, embedder and index, through the CLI
(`ask`, then `ask --follow-up`)."""

import json

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.config import Settings
from bot.core.index import Index
from tests.conftest import MODELS_DIR, SEEDS

pytestmark = pytest.mark.slow


def test_what_positions_do_they_hold_after_which_officials_were_sanctioned(tmp_path, real_model, real_embedder):
    settings = Settings(index_dir=tmp_path / "index", models_dir=MODELS_DIR)
    Index(settings, embedder=real_embedder).ingest([SEEDS])
    run = CliRunner()
    first = run.invoke(app, ["ask", "Which officials were sanctioned?", "--index", str(settings.index_dir), "--json"])
    assert first.exit_code == 0, first.output
    a1 = json.loads(first.stdout)
    assert not a1["refused"] and "Wang Junzheng" in a1["answer"] and "Chen Mingguo" in a1["answer"]
    second = run.invoke(app, ["ask", "What positions do they hold?", "--follow-up", "--index", str(settings.index_dir),
                              "--json"])
    assert second.exit_code == 0, second.output
    a2 = json.loads(second.stdout)
    assert "Wang Junzheng" in a2["standalone"] and "Chen Mingguo" in a2["standalone"]
    assert a2["conversation"] is not None and not a2["refused"], a2.get("why") or a2["refusal_reason"]
    text = a2["answer"]
    assert "Production and Construction Corps" in text or "XPCC" in text, text
    assert "Public Security Bureau" in text, text
    assert a2["citations"] and all(s["citations"] for s in a2["sentences"])
    # the third question: how the outlets differ, answered by comparing the story's articles
    third = run.invoke(app, ["ask", "Did all outlets list the same allies?", "--follow-up", "--index",
                             str(settings.index_dir), "--json"])
    assert third.exit_code == 0, third.output
    a3 = json.loads(third.stdout)
    assert not a3["refused"] and a3["answer"].startswith("No: "), a3.get("why") or a3["refusal_reason"]
    assert a3["conversation"] == a2["conversation"] and "European Union" in a3["answer"]
    assert sorted({c["source_file"] for c in a3["citations"]}) == sorted(p.name for p in SEEDS.iterdir()
                                                                         if p.suffix == ".txt")
