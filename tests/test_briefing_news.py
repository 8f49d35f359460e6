"""Briefings that read like news (issue 15, part 3), on invented sentences: the sentence that
states the event goes first, a dangling pronoun is repaired from its article or dropped with what
leans on it, sentences go in time order with "as of <date>", and the briefing as a whole."""

from __future__ import annotations

from bot.config import Settings
from bot.core import citations as cit
from bot.core.briefing import Briefer
from bot.core.briefing.assembly import _as_of
from bot.core.briefing.newswriting import Item, fix_dangling, order_by_time, place_lead, pronoun_opener
from bot.core.grounding import prepare
from bot.core.types import Citation, Sentence
from tests.fakes import FakeIndex, ScriptedModel

TALKS = ("Geneva talks",
         "Secretary of State Antony Blinken arrived in Geneva on Thursday for talks on the nuclear deal. "
         "He raised the detention of two journalists with the Iranian delegation. "
         "This follows months of stalled negotiations over sanctions. "
         "It was the first meeting in a year.")
OTHER = ("Markets", "Share prices rose sharply in Tokyo after the central bank cut interest rates. "
                    "Analysts expect more cuts next month.")


def _setup(docs=(TALKS, OTHER), dates=(None, None)):
    index = FakeIndex(docs=[(t, x, None, d) for (t, x), d in zip(docs, dates)])
    br = Briefer(Settings(), index=index, model=ScriptedModel([""]))
    sel, _ = br.select(None, None, None, None, 10)
    by_id = {d.id: d for d in sel}
    return br, [by_id[f"a{i:03d}"] for i in range(len(docs))]


def _item(br, doc, i, score=0.5, model_pos=None, text=None):
    key = br.key_passage(doc, i, score)
    return Item(text or " ".join(key.passage.text.split()), prepare([key.passage])[0], key, model_pos, score)


def _span(br):
    return lambda doc, j, i: br.key_passage(doc, i, first=j)


def test_pronoun_openers():
    assert pronoun_opener("This follows a series of statements.") == "this"
    assert pronoun_opener("He raised it.") == "he" and pronoun_opener("Their plan failed.") == "their"
    assert pronoun_opener("Thistle farmers met.") is None and pronoun_opener("The talks ended.") is None


def test_a_dangling_he_is_replaced_by_the_person_named_before_it():
    br, (talks, other) = _setup()
    items = [_item(br, other, 0), _item(br, talks, 1)]
    out, log = fix_dangling(items, _span(br))
    assert [it.text for it in out][1] == "Antony Blinken raised the detention of two journalists with the Iranian delegation."
    assert log == [{"text": items[1].text, "action": "repaired", "to": out[1].text}]
    # the citation now spans the sentence that names him, so the name is checked and quoted
    p = out[1].prep.passage
    assert p.text.startswith("Secretary of State Antony Blinken arrived") and p.text.endswith("Iranian delegation.")
    assert cit.check(out[1].text, out[1].prep.checked).ok


def test_a_pronoun_right_after_its_referent_is_left_alone():
    br, (talks, _) = _setup()
    items = [_item(br, talks, 0), _item(br, talks, 1)]
    out, log = fix_dangling(items, _span(br))
    assert [it.text for it in out] == [it.text for it in items] and log == []


def test_a_dangling_this_is_dropped_with_what_leans_on_it():
    br, (talks, other) = _setup()
    items = [_item(br, other, 0), _item(br, talks, 2), _item(br, talks, 3)]
    out, log = fix_dangling(items, _span(br))
    assert [it.text for it in out] == [items[0].text]
    assert [x["action"] for x in log] == ["dropped", "dropped"]
    # model sentences: anchored by the model's own order, not the article's
    m1 = _item(br, talks, 0, model_pos=0, text="Antony Blinken arrived in Geneva on Thursday.")
    m2 = _item(br, talks, 1, model_pos=1, text="He raised the detention of two journalists.")
    assert fix_dangling([m1, m2], _span(br))[0] == [m1, m2]


def test_the_sentence_that_states_the_event_is_placed_first():
    br, (talks, other) = _setup()
    detail = _item(br, talks, 1, score=0.6)  # a pronoun: never a lead
    lead = _item(br, talks, 0, score=0.5)  # who did what, when
    aside = _item(br, talks, 3, score=0.2)
    out = place_lead([detail, aside, lead], {talks.id})
    assert out[0] is lead and out[1:] == [detail, aside]
    # the first sentence stays when it is nearly as good
    assert place_lead([lead, detail], {talks.id})[0] is lead
    # a sentence of another event never leads
    off = _item(br, other, 0, score=0.99)
    assert place_lead([off, lead], {talks.id})[0] is lead


def test_time_order_and_as_of_the_newest_date():
    br, (a, b, c) = _setup((TALKS, OTHER, ("Later", "Crews expected milder weather over the fire grounds by Sunday.")),
                           ("2001-12-26", "2001-12-24", "2001-12-25"))
    items = [_item(br, a, 0), _item(br, a, 1), _item(br, b, 0), _item(br, c, 0)]
    out = order_by_time(items)
    assert out[0] is items[0] and [it.date for it in out[1:]] == ["2001-12-24", "2001-12-25", "2001-12-26"]
    cits = [Citation(n=1, article_id="x", title="", outlet=None, date="2001-12-24", source_file="", chunk_id="",
                     passage="", quote="", start=0, end=0),
            Citation(n=2, article_id="y", title="", outlet=None, date="2001-12-26", source_file="", chunk_id="",
                     passage="", quote="", start=0, end=0)]
    sents = _as_of([Sentence("About 800 residents left.", [1], True), Sentence("About 900 residents left.", [2], True)], cits)
    assert sents[0].text == "About 800 residents left."
    assert sents[1].text == "As of 26 December 2001, about 900 residents left."
    assert _as_of(sents[:1], cits) == sents[:1]  # one day: nothing to say


def test_briefing_opens_with_the_event_when_the_models_lead_was_dropped(settings):
    docs = [(*TALKS, "Herald", "2021-03-23"), (*OTHER, "Herald", None)]  # the newest: the main event
    reply = ("The Pope arrived in Geneva on Thursday for talks [1]. "  # unsupported: dropped by the checker
             "This follows months of stalled negotiations over sanctions [3]. "
             "He raised the detention of two journalists with the Iranian delegation [2].")
    br = Briefer(settings, index=FakeIndex(docs=docs), model=ScriptedModel([reply]))
    b = br.brief()
    first = b.sentences[0].text
    assert "Pope" not in b.paragraph and not first.startswith(("This", "He ", "It "))
    assert first.startswith("Secretary of State Antony Blinken arrived in Geneva on Thursday")
    for s in b.sentences:
        assert not pronoun_opener(s.text) or s.text.startswith("He raised") and \
            b.sentences[b.sentences.index(s) - 1].text.startswith("Secretary of State"), b.paragraph
    assert "This follows" not in b.paragraph
    assert all(s.supported and s.citations for s in b.sentences)


def test_a_key_sentence_leads_when_no_sentence_of_the_paragraph_states_the_event():
    br, (talks, other) = _setup()
    aside = _item(br, talks, 3, score=0.3)  # "It was the first meeting in a year."
    quote = _item(br, talks, 1, score=0.4)
    lead = _item(br, talks, 0, score=0.9)
    out = place_lead([aside, quote], {talks.id}, pool=[_item(br, other, 0, score=1.0), lead])
    assert out[0] is lead and out[1:] == [aside, quote]
    # a paragraph that already opens with the event is left as it is
    assert place_lead([lead, aside], {talks.id}, pool=[_item(br, talks, 0, score=0.9)]) == [lead, aside]
