"""Questions about how the outlets differ (bot.core.comparing): recognised on invented questions,
then answered over invented articles through a real ingest (real embedder, real Chroma) with a
scripted model that must never be called: the difference is cited on both sides; articles that
agree give a refusal that says so; an ordinary question still goes to the model."""

from __future__ import annotations

import json

import pytest

from bot.config import Settings
from bot.core import comparing
from bot.core.answering import Answerer
from bot.core.index import Index

from conftest import MODELS_DIR
from fakes import ScriptedModel


@pytest.mark.parametrize("question, yes", [
    ("Did all outlets list the same allies?", True),
    ("Do the reports agree on who chaired the inquiry?", True),
    ("How do the articles differ on the number of passengers?", True),
    ("Which outlet reported the fire first?", False),        # about one outlet, not a comparison
    ("Did the council agree to the new budget?", False),     # agreeing, but not the outlets
    ("Which countries were listed in the report?", False),
])
def test_a_comparison_question_is_about_the_outlets_differing(question, yes):
    assert comparing.is_comparison(question) is yes


def test_the_kind_of_difference_asked_for():
    assert comparing.wanted_kinds("Did all outlets list the same allies?") == ["list"]
    assert comparing.wanted_kinds("Do the reports agree on how many passengers were aboard?") == ["how many"]
    assert "who" in comparing.wanted_kinds("Do the articles agree on who led the rescue?")


HARBOUR_A = ("Ferry operators from Norway, Denmark and Sweden signed a joint safety pact in Bergen on Tuesday. "
             "Transport minister Ola Berg said the pact would cut accidents on the busy routes. "
             "The pact takes effect next spring.")
HARBOUR_B = ("Ferry operators from Norway and Denmark signed a joint safety pact in Bergen on Tuesday. "
             "Transport minister Ola Berg said the pact would cut accidents on the busy routes. "
             "Inspections will double under the new rules.")


def _write(folder, name, text, outlet):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps({"title": text.split(".")[0], "text": text, "source": outlet,
                                           "date": "2024-03-05"}))


def _answerer(tmp_path, real_embedder, a_text, b_text):
    news = tmp_path / "news"
    _write(news, "pact_gazette.json", a_text, "Gazette")
    _write(news, "pact_tribune.json", b_text, "Tribune")
    settings = Settings(index_dir=tmp_path / "index", models_dir=MODELS_DIR)
    idx = Index(settings, embedder=real_embedder)
    idx.ingest([news])
    model = ScriptedModel(["Evidence: 1\nAnswer: Norway and Denmark."], judge=0.9)
    return Answerer(settings, index=idx, model=model), model


def test_outlets_that_list_different_countries_are_compared_not_asked(tmp_path, real_embedder):
    ans, model = _answerer(tmp_path, real_embedder, HARBOUR_A, HARBOUR_B)
    a = ans.ask("Did all outlets list the same countries in the ferry safety pact?", save=False)
    assert not a.refused and model.history == []  # no model call: the comparison answered
    assert a.answer.startswith("No: ") and a.stages["repair"] == "compared_outlets"
    assert "Gazette" in a.answer and "Tribune" in a.answer and "Sweden" in a.answer
    assert sorted(c.source_file for c in a.citations) == ["pact_gazette.json", "pact_tribune.json"]
    assert a.sentences[0].citations == [1, 2] and a.sentences[0].checks["compared"] == "list"
    assert any("Sweden" in e for e in a.sentences[0].evidence)


def test_outlets_that_agree_give_a_refusal_that_says_nothing_differed(tmp_path, real_embedder):
    agreeing = ("A safety pact for ferries was signed in Bergen on Tuesday by operators from Norway and Denmark. "
                "Ola Berg, the transport minister, expects fewer accidents on the crowded crossings. "
                "Unions welcomed the agreement.")
    ans, model = _answerer(tmp_path, real_embedder, HARBOUR_B, agreeing)
    a = ans.ask("Did all outlets list the same countries in the ferry safety pact?", save=False)
    assert a.refused and model.history == [] and "no difference" in a.refusal_reason


def test_an_ordinary_question_still_goes_to_the_model(tmp_path, real_embedder):
    ans, model = _answerer(tmp_path, real_embedder, HARBOUR_A, HARBOUR_B)
    ans.ask("Which countries signed the ferry safety pact?", save=False)
    assert len(model.history) == 1
