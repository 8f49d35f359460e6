"""Briefings on a tiny fake index with a scripted model and the hashing embedder: clustering,
key-sentence selection, difference detection, fill-up, citations, budget, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.fakes import FakeIndex, HashEmbedder
from bot.backends.llm import ContextOverflow
from tests.fakes import ScriptedModel
from bot.core import citations as cit
from bot.core.briefing import (Brief, Briefer, Doc, cluster, counted, find_differences, idf_of, name_lists,
                               sentence_scores)
from bot.store.chunking import split_sentences
from bot.store.records import ArticleRecord
from bot.errors import NewsbotError

A = ("Sanctions on two officials",
     "The Treasury sanctioned two Chinese officials, Wang Junzheng and Chen Mingguo, on Monday. "
     "The officials are linked to abuses against Uyghurs in Xinjiang. "
     "The action was coordinated with Canada and the United Kingdom, officials said. "
     "China rejected the move and promised a response.")
B = ("US, allies sanction Chinese officials",
     "The United States imposed sanctions on Wang Junzheng and Chen Mingguo over abuses in Xinjiang. "
     "The designations were taken together with the United Kingdom, Canada and European Union. "
     "Beijing said it firmly opposed the decision. "
     "About 500 people protested outside the embassy.")
C = ("Bushfire threatens Hill Top",
     "A huge bushfire pushed towards the town of Hill Top in New South Wales on Tuesday. "
     "About 500 residents left their homes for nearby Mittagong as the fire approached. "
     "Firefighters said strong winds made the blaze hard to control. "
     "Police closed the Hume Highway near Goulburn because of a new blaze.")
D = ("Fire crews battle Hill Top blaze",
     "Firefighters in New South Wales battled a bushfire near Hill Top on Tuesday. "
     "About 800 residents left their homes for nearby Mittagong, police said. "
     "The Rural Fire Service said more than 60 homes were under threat. "
     "Crews expect milder weather tomorrow.")


def _doc(row_id, title, text, outlet=None, date=None, rank=0):
    d = Doc(ArticleRecord(id=row_id, title=title, outlet=outlet, date=date, file=f"{row_id}.txt", chunks=1), text, rank)
    d.sentences = split_sentences(text)
    d.tokens = [cit.content_tokens(text[a:b]) for a, b in d.sentences]
    return d


def _briefer(settings, docs, replies):
    model = ScriptedModel(replies)
    return Briefer(settings, index=FakeIndex(docs=docs), model=model), model


# ----------------------------------------------------------------------------- pieces


def test_cluster_groups_similar_vectors_in_order():
    v = np.array([[1, 0, 0], [0.95, 0.05, 0], [0, 1, 0], [0.05, 0.98, 0], [0, 0, 1]], dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    assert cluster(v) == [[0, 1], [2, 3], [4]]
    assert cluster(v, threshold=-1.0) == [[0, 1, 2, 3, 4]]
    assert cluster(np.zeros((0, 3))) == []


def test_cluster_by_event_on_hash_embeddings():
    e = HashEmbedder()
    v = e.embed([A[1], B[1], C[1], D[1]])
    groups = cluster(v)
    assert sorted(map(sorted, groups)) == [[0, 1], [2, 3]]


def test_key_sentences_prefer_central_lead_and_topic_and_skip_junk():
    a = _doc("a", *A)
    b = _doc("b", *B)
    junk = _doc("c", "x", "Short one. See https://t.co/abc for the video of the Treasury sanctions on Wang Junzheng today.")
    sc = sentence_scores([a, b, junk], idf_of([a, b, junk]))
    # the lead (who, what, when; shared by both articles) beats the reaction
    assert sc["a"][0] == max(sc["a"]) and sc["a"][0] > sc["a"][3]
    assert sc["c"] == [0.0, 0.0]  # too short; a link
    topical = sentence_scores([a, b], idf_of([a, b]), cit.content_tokens("China response"))
    plain = sentence_scores([a, b], idf_of([a, b]))
    assert topical["a"][3] / plain["a"][3] > topical["a"][1] / plain["a"][1]


def test_name_lists_and_counted_numbers():
    assert name_lists("It acted with Canada and the United Kingdom, officials said.") == [
        ("Canada and the United Kingdom", ["Canada", "the United Kingdom"])]
    lists = name_lists("However, the United Kingdom, Canada and European Union joined.")
    assert lists and lists[0][1] == ["the United Kingdom", "Canada", "European Union"]
    assert name_lists("Nothing to list here.") == []
    assert counted("About 500 residents left in 2001 at 4 pm.") == {cit.stem("resident"): ("500", "About 500 residents")}


def test_difference_in_partner_lists_between_outlets():
    a, b = _doc("a", *A, outlet="Daily A"), _doc("b", *B, outlet="Wire B")
    found = find_differences([a, b])
    assert len(found) == 1
    detail, va, vb = found[0].detail, found[0].a, found[0].b
    assert found[0].kind == "list" and "Canada" in detail and "United Kingdom" in detail
    assert {va.phrase, vb.phrase} == {"Canada and the United Kingdom", "the United Kingdom, Canada and European Union"}
    # the same outlet is not a disagreement
    assert find_differences([_doc("a", *A, outlet="X"), _doc("b", *B, outlet="X")]) == []


def test_no_difference_when_the_other_article_names_it_elsewhere():
    a = _doc("a", A[0], A[1] + " The European Union is expected to follow.", outlet="Daily A")
    b = _doc("b", *B, outlet="Wire B")
    assert find_differences([a, b]) == []


def test_number_difference_in_matching_sentences_and_not_across_days():
    c, d = _doc("c", *C, outlet="ABC"), _doc("d", *D, outlet="SBS")
    found = find_differences([c, d])
    assert [f.detail for f in found] == ["the number of residents"]
    assert {found[0].a.phrase, found[0].b.phrase} == {"About 500 residents", "About 800 residents"}
    c2, d2 = _doc("c", *C, outlet="ABC", date="2001-12-25"), _doc("d", *D, outlet="SBS", date="2001-12-26")
    assert find_differences([c2, d2]) == []


# ----------------------------------------------------------------------------- the briefing


def _check_shape(b, n_articles_min=1):
    assert 4 <= len(b.sentences) <= 7, b.paragraph
    assert all(s.supported and s.citations for s in b.sentences)
    for s in b.sentences:
        for n in s.citations:
            c = b.citations[n - 1]
            assert c.n == n and c.quote and c.quote in c.passage
    assert [c.n for c in b.citations] == list(range(1, len(b.citations) + 1))
    assert len(b.articles_used) >= n_articles_min
    assert "\n" not in b.paragraph


def test_seeds_like_briefing_cites_both_and_reports_difference(settings):
    docs = [(*A, None, None), (*B, None, "2021-03-22")]
    reply = ("The Treasury sanctioned Wang Junzheng and Chen Mingguo on Monday [1]. "
             "They are linked to abuses against Uyghurs in Xinjiang [2]. "
             "The moon landed on Mars [3].")
    br, model = _briefer(settings, docs, [reply])
    br.index.rows[1].story = "st-1"  # articles carry their story id where stories were made
    b = br.brief()
    _check_shape(b, 2)
    assert {a["id"]: a["story"] for a in b.articles_used} == {"a000": None, "a001": "st-1"}
    assert "moon" not in b.paragraph  # unsupported: dropped
    assert b.paragraph.startswith("The Treasury sanctioned Wang Junzheng and Chen Mingguo on Monday [1].")
    assert {a["id"] for a in b.articles_used} == {"a000", "a001"} and b.articles_left_out == []
    assert len(b.differences) == 1
    d = b.differences[0]
    texts = {v["text"] for v in d["versions"]}
    assert any("Canada and the United Kingdom" in t for t in texts)
    assert any("European Union" in t for t in texts)
    for v in d["versions"]:
        c = v["citation"]
        art = FakeIndex(docs=docs).article(c["article_id"])["text"]
        assert art[c["start"]:c["end"]] == c["quote"] and c["n"] >= 1
        assert b.citations[c["n"] - 1].quote == c["quote"]
    last = b.sentences[-1]
    assert len(last.citations) == 2 and "European Union" in last.text
    assert f"[{last.citations[0]}], while" in b.paragraph
    # the prompt was compact and carried numbered key passages
    user = model.history[0][1]["content"]
    assert "[1] (" in user and "Story 1:" in user
    data = json.loads(json.dumps(b.to_json()))
    assert set(data) >= {"topic", "paragraph", "sentences", "citations", "articles_used", "articles_left_out",
                         "differences", "updates", "only_reported", "repairs", "model", "prompt_tokens",
                         "completion_tokens", "timings"}
    assert data["differences"][0]["kind"] == "list" and data["differences"][0]["in_paragraph"]
    assert data["sentences"][0] == {"text": b.sentences[0].text, "citations": [1], "supported": True}


def test_fill_up_when_the_model_writes_nothing_supported(settings):
    br, _ = _briefer(settings, [(*C, "ABC", None), (*D, "ABC", None)], ["The articles do not say."])
    b = br.brief("bushfire Hill Top")
    _check_shape(b, 2)
    # extractive sentences, main development (a lead) first
    first = b.citations[b.sentences[0].citations[0] - 1]
    assert first.start == 0
    assert b.differences == []  # one outlet: no disagreement
    assert len(b.paragraph.split()) <= 160


def test_topic_selects_by_retrieval_and_reports_left_out(settings):
    docs = [(*A, "X", None), (*C, "ABC", None), (*D, "ABC", None), (*B, "Y", None)]
    br, model = _briefer(settings, docs, ["A huge bushfire pushed towards Hill Top on Tuesday [1]."])
    b = br.brief("bushfire Hill Top residents", articles=2)
    assert br.index.searches == ["bushfire Hill Top residents"]
    ids = {a["id"] for a in b.articles_used} | {a["id"] for a in b.articles_left_out}
    assert ids <= {"a001", "a002"} and {a["id"] for a in b.articles_used} >= {"a001"}
    assert "Sanctions" not in model.history[0][1]["content"]


def test_no_topic_briefs_newest_first_and_folds_duplicates(settings):
    docs = [(*A, None, "2021-03-20"), (*B, None, "2021-03-22"), (*C, "ABC", "2001-12-25"), (*D, "ABC", "2001-12-26")]
    br, _ = _briefer(settings, docs, [""])
    br.index.rows[0].dup_of = "a001"  # A is a near-duplicate of B: one story
    docs_sel, dups = br.select(None, None, None, None, 2)
    assert [d.id for d in docs_sel] == ["a001", "a003"]
    assert dups == [] or all("near-duplicate" in d["reason"] for d in dups)
    docs_all, dups = br.select(None, None, None, None, 10)
    assert "a000" not in [d.id for d in docs_all] and dups[0]["id"] == "a000"


def test_many_articles_stay_within_the_prompt_budget(settings):
    docs = []
    for i in range(60):
        base = [A, B, C, D][i % 4]
        docs.append((f"{base[0]} {i}", base[1] + f" Item {i} was noted by reporter number {i}.", f"Outlet{i % 3}", None))
    br, model = _briefer(settings, docs, [""])
    b = br.brief(articles=60)
    _check_shape(b, 1)
    prompt = sum(len(m["content"]) for m in model.history[0]) // 4
    assert prompt < 1000
    assert len(b.articles_used) + len(b.articles_left_out) >= 60


def test_context_overflow_retries_with_fewer_passages(settings):
    class Tight(ScriptedModel):
        def stream(self, messages, max_tokens=160, stop=None, grammar=None):
            if sum(len(m["content"]) for m in messages) > 1200:
                raise ContextOverflow(5000, 4096)
            yield from super().stream(messages, max_tokens, stop, grammar)

    model = Tight(["The Treasury sanctioned Wang Junzheng and Chen Mingguo on Monday [1]."])
    br = Briefer(settings, index=FakeIndex(docs=[(*A, None, None), (*B, None, None), (*C, None, None), (*D, None, None)]),
                 model=model)
    b = br.brief()
    _check_shape(b)
    assert len(model.history) == 1


def test_history_saved_and_errors(settings, tmp_path):
    from bot.core.history import History

    br, _ = _briefer(settings, [(*C, "ABC", None), (*D, "ABC", None)], [""])
    br.brief("bushfire")
    rows = History(settings.index_dir / "history.sqlite").list()
    assert rows[0]["kind"] == "brief" and rows[0]["question"] == "bushfire"
    with pytest.raises(NewsbotError, match="Nothing on that topic"):
        br.brief("quantum chromodynamics")
    with pytest.raises(NewsbotError, match="No articles match"):
        br.brief(source="Nobody")
    empty = Briefer(settings, index=FakeIndex(docs=[]), model=ScriptedModel([""]))
    with pytest.raises(NewsbotError, match="empty"):
        empty.brief()


def test_cli_brief_on_missing_index_is_one_line_error(tmp_path):
    from bot.cli.app import app

    res = CliRunner().invoke(app, ["brief", "--index", str(tmp_path / "none"), "--json"])
    assert res.exit_code != 0
    assert "Traceback" not in res.output


def test_cli_brief_json_and_text(settings, monkeypatch):
    import bot.core.briefing as briefing
    from bot.cli.app import app

    fake = FakeIndex(docs=[(*A, "Daily A", None), (*B, "Wire B", None)])
    orig = briefing.Briefer.__init__

    def init(self, s, index=None, model=None, **kw):
        orig(self, s, index=fake, model=ScriptedModel(["The Treasury sanctioned Wang Junzheng and Chen Mingguo on Monday [1]."]), **kw)

    monkeypatch.setattr(briefing.Briefer, "__init__", init)
    res = CliRunner().invoke(app, ["brief", "--json", "--index", str(settings.index_dir)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["paragraph"] and data["differences"][0]["versions"][0]["outlet"] in ("Daily A", "Wire B")
    res = CliRunner().invoke(app, ["brief", "Wang Junzheng", "--index", str(settings.index_dir), "--articles", "2"])
    assert res.exit_code == 0, res.output
    assert "Articles used (2)" in res.stdout and "Reported differently" in res.stdout


def test_detail_sentences_need_not_restate_the_topic_and_cut_off_sentences_go(settings):
    from bot.core.briefing import _drop_cut_off

    reply = ("A huge bushfire pushed towards Hill Top on Tuesday [1]. "
             "Police closed the Hume Highway near Goulburn because of a new blaze [4]. The Rural Fire Service said more")
    br, _ = _briefer(settings, [(*C, "ABC", None), (*D, "ABC", None)], [reply])
    b = br.brief("bushfire")
    assert "Hume Highway" in b.paragraph
    assert "said more" not in b.paragraph
    assert _drop_cut_off("A b c [1]. Osama bin") == "A b c [1]."
    assert _drop_cut_off("A b [1].") == "A b [1]." and _drop_cut_off("fragment only") == ""


def test_history_gives_a_saved_briefing_back_typed(settings, tmp_path):
    from bot.core.history import History
    from bot.core.types import Answer

    br, _ = _briefer(settings, [(*A, "Herald", "2021-03-20"), (*B, "Times", "2021-03-22")], [""])
    b = br.brief()
    h = History(tmp_path / "h.sqlite")
    bid = h.add(b)
    aid = h.add(Answer(question="Who?", answer="Nobody.", refused=True))
    back = h.get(bid)
    assert isinstance(back, Brief) and back.to_json() == b.to_json()
    assert Brief.from_json(b.to_json()).to_json() == b.to_json()
    assert isinstance(h.get(aid), Answer)
    assert [r["kind"] for r in h.list()] == ["ask", "brief"]
