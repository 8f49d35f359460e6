"""The checks and refusals, in plain words (bot.core.explain), on invented answers."""

from bot.core import explain
from bot.core.types import Answer, Passage, Sentence
from tests.fakes import FakeIndex, ScriptedModel


def _p(text: str, f: str = "a.txt", title: str = "Plane crash") -> Passage:
    return Passage(chunk_id=f + ":0", article_id=f, text=text, start=0, end=len(text), position=0, title=title,
                   outlet=None, date=None, source_file=f, files=[f])


def _refused(question: str, passages: list[Passage], model: str, reason: str, rejected=(), raw: str = "") -> Answer:
    return Answer(question=question, answer="The articles don't say.", refused=True, retrieved=passages,
                  refusal_reason=reason, raw=raw, stages={"model": model, "repair": None, "rejected": list(rejected)})


CRASH = _p("A light plane crashed near Dubbo on Sunday, killing the pilot. Police said the pilot was 54.")


def test_a_declined_question_says_what_the_articles_mention_and_what_they_never_say():
    a = _refused("What was the pilot's name?", [CRASH], "declined", "the model found no answer in the passages")
    r = explain.refusal(a)
    assert r.why == "the articles mention “pilot” but never give the name"
    a = _refused("Who flew the plane that crashed near Dubbo?", [CRASH], "declined", "the model found no answer in the passages")
    assert explain.refusal(a).why == "the articles mention “plane”, “crashed” and “Dubbo” but never name anyone"
    a = _refused("How fast was the plane flying?", [CRASH], "declined", "the model found no answer in the passages")
    assert explain.refusal(a).why == "the articles mention “plane” but never give the number asked for"
    a = _refused("Which engine did the plane use?", [CRASH], "declined", "the model found no answer in the passages")
    assert explain.refusal(a).why == "the articles mention “plane” but never state the answer"


def test_nothing_retrieved_or_a_name_no_passage_holds():
    a = _refused("What did the Martian colony vote for?", [], "none", "no passage matches the question")
    assert explain.refusal(a).why == "no passage about “Martian colony vote” was found"
    a = _refused("How old was Gutnick when he crashed?", [CRASH], "declined", "the model found no answer in the passages")
    assert explain.refusal(a).why == "no passage found mentions Gutnick"


def test_rejected_answers_say_what_the_model_wrote_and_which_check_failed():
    a = _refused("Who was the pilot?", [CRASH], "answered",
                 "no sentence of the answer passed the checks: not in the evidence: John Smith was the pilot",
                 rejected=["not in the evidence: John Smith was the pilot"],
                 raw="Evidence: 1\nAnswer: John Smith was the pilot [1].")
    assert explain.refusal(a).why == ("the model's answer (“John Smith was the pilot.”) was not supported by the "
                                      "passages: “John Smith was the pilot” is not in them")
    a = _refused("How old was the pilot?", [CRASH], "answered", "no sentence of the answer passed the checks: judge: …",
                 rejected=["judge: the evidence does not state it (score 0.01: p=0.21)", "not a number"])
    why = explain.refusal(a).why
    assert why.startswith("the model's answer was not supported by the passages: ")
    assert "did not find it stated in them (p=0.21, score 0.01)" in why and "did not give a number, as asked" in why
    a = _refused("How many planes crashed?", [CRASH], "answered", "no sentence of the answer passed the checks: …",
                 rejected=["a number the evidence gives for something else", "not a reason"])
    why = explain.refusal(a).why
    assert "the number it gave counts something else in them" in why and "did not give a reason" in why
    a = _refused("How did the pilot describe the storm?", [CRASH], "answered", "no sentence of the answer passed the checks: …",
                 rejected=["a paraphrase of words the evidence quotes, and no quotation passed"])
    assert explain.refusal(a).why.endswith("it paraphrased words they quote, and none of the quotations checked out")


def test_known_unknowns_cancels_and_half_answers():
    a = _refused("What caused the crash?", [CRASH], "declined", "the articles say this is not known")
    assert explain.refusal(a).why == "the articles say this is not known"
    a = _refused("What caused the crash?", [CRASH], "cancelled", "cancelled")
    assert "cancelled" in explain.refusal(a).why
    a = _refused("Who died, and where did the plane crash?", [CRASH], "declined part",
                 "only part of the question was answered (The pilot died.); the model found no answer in the passages")
    why = explain.refusal(a).why
    assert why.startswith("only part of the question was answered (“The pilot died.”); for the rest, the articles mention")


def test_closest_passages_have_file_title_and_a_short_snippet():
    long = _p("word " * 100, "b.txt", "Long")
    a = _refused("What was the pilot's name?", [CRASH, long], "declined", "the model found no answer in the passages")
    c = explain.refusal(a).closest
    assert [x.source_file for x in c] == ["a.txt", "b.txt"] and c[0].title == "Plane crash"
    assert c[0].snippet.startswith("A light plane crashed") and len(c[1].snippet) <= 161 and c[1].snippet.endswith("…")
    assert explain.refusal(a).to_json()["closest"][1]["source_file"] == "b.txt"


def test_each_check_of_a_sentence_in_words():
    s = Sentence("Jane Roe flew it [1].", [1], True, evidence=["Jane Roe flew it."],
                 checks={"lexical": True, "type": True, "judge": 0.63, "judge_p": 0.83})
    got = explain.checks("Who flew the plane?", s)
    assert [(c.name, c.passed) for c in got] == [("words", True), ("kind", True), ("judge", True)]
    assert "gives a name" in got[1].detail and "p=0.83, 0.63 above" in got[2].detail
    quoted = Sentence("Jane Roe flew it.", [1], True, checks={"lexical": True, "type": True, "quoted": True})
    assert explain.checks("Who flew the plane?", quoted)[0].name == "quoted"
    flagged = Sentence("The plane was red.", [], False, "not in the evidence")
    assert [(c.passed, c.detail) for c in explain.checks("Who flew the plane?", flagged)] == [(False, "not in the evidence")]
    said = Sentence('"We flew it home" [1].', [1], True, checks={"lexical": True, "type": True, "judge": 0.45})
    last = explain.checks("How did Jane Roe describe the flight?", said, repair="quoted_words")[-1]
    assert last.name == "repair" and "speaker's own words" in last.detail


# -- `newsbot ask`'s human output and --json, with a scripted model -------------------------------
def _cli(monkeypatch, replies, passages, judge=0.9):
    from bot.backends import llm
    from bot.core import index

    model = ScriptedModel(replies, judge=judge)
    monkeypatch.setattr(index, "Index", lambda settings: FakeIndex(passages))
    monkeypatch.setattr(llm, "load_chat_model", lambda settings: model)
    return model


def test_ask_shows_each_sentences_evidence_and_checks(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from bot.cli.app import app

    _cli(monkeypatch, ["Evidence: 2\nAnswer: The pilot was 54 [1]."], [CRASH])
    r = CliRunner().invoke(app, ["ask", "How old was the pilot?", "--index", str(tmp_path / "ix")])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == "The pilot was 54 [1]."
    assert "evidence [1]: “Police said the pilot was 54.”" in r.stdout
    assert "✓ every name, number and date is in the evidence" in r.stdout
    assert "✓ gives a number, as asked" in r.stdout and "(p=0.90, 0.70 above “the sentences do not say”)" in r.stdout


def test_a_refusal_says_why_in_words_and_lists_the_closest_passages(monkeypatch, tmp_path):
    import json

    from typer.testing import CliRunner

    from bot.cli.app import app

    _cli(monkeypatch, ["Evidence: none"] * 4, [CRASH])
    r = CliRunner().invoke(app, ["ask", "What was the pilot's name?", "--index", str(tmp_path / "ix")])
    assert r.exit_code == 0, r.output
    assert "Why: the articles mention “pilot” but never give the name." in r.stdout
    assert "· Plane crash (a.txt): A light plane crashed near Dubbo" in r.stdout
    r = CliRunner().invoke(app, ["ask", "What was the pilot's name?", "--index", str(tmp_path / "ix"), "--json"])
    data = json.loads(r.stdout)
    assert data["refused"] and data["why"] == "the articles mention “pilot” but never give the name"
    assert data["closest"][0] == {"source_file": "a.txt", "title": "Plane crash",
                                  "snippet": CRASH.text}
    assert "sentences" in data and "refusal_reason" in data  # the old fields stay


def test_a_hyphenated_name_is_found_by_its_parts_and_the_failed_part_is_the_one_quoted():
    a = _refused("What was on the Dubbo-Sydney plane?", [_p("The plane flew from Dubbo to Sydney.")], "declined",
                 "the model found no answer in the passages")
    assert "no passage found mentions" not in explain.refusal(a).why
    a = _refused("Who died, and how old was the pilot?", [CRASH], "answered",
                 "only part of the question was answered (The pilot died.); no sentence of the answer passed the checks: …",
                 rejected=["not in the evidence: He was 45"],
                 raw="Evidence: 1\nAnswer: The pilot died [1].\n--- next part ---\nEvidence: 2\nAnswer: He was 45 [2].")
    assert "the model's answer (“He was 45.”)" in explain.refusal(a).why


def test_a_compared_sentence_says_the_outlets_were_compared():
    from bot.core import explain
    from bot.core.types import Sentence

    s = Sentence("The Gazette lists Norway and Sweden, while the Tribune lists Norway.", [1, 2], True,
                 checks={"lexical": True, "compared": "list"})
    said = [c.detail for c in explain.checks("Did all outlets list the same countries?", s)]
    assert any("compared claim by claim" in t and "the names they list" in t for t in said)
