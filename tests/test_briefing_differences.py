"""Claims compared across outlets (issue 15, part 2) on invented article pairs: a person swapped,
a number changed, a day changed, lists differing, a role differing, a later report updating a
figure, one-sided sentences, and paraphrases that agree (which must not be differences)."""

from __future__ import annotations

import numpy as np

from bot.core import citations as cit
from bot.core.briefing import Doc
from bot.core.briefing.differences import (byline_outlet, check_finding, compare, find_differences, human_date,
                                           label, persons, whens)
from bot.store.chunking import split_sentences
from bot.store.records import ArticleRecord
from tests.fakes import FakeIndex, HashEmbedder

EMBED = HashEmbedder().embed


def _doc(row_id, title, text, outlet=None, date=None):
    d = Doc(ArticleRecord(id=row_id, title=title, outlet=outlet, date=date, file=f"{row_id}.txt", chunks=1), text, 0)
    d.sentences = split_sentences(text)
    d.tokens = [cit.content_tokens(text[a:b]) for a, b in d.sentences]
    return d


MEETING_A = ("Talks in Geneva",
             "Trade ministers from twelve countries met in Geneva to discuss farm subsidies. "
             "Prime Minister John Howard met the European delegates in Geneva on Tuesday to press for lower tariffs. "
             "The talks ended without an agreement.")
MEETING_B = ("Geneva trade talks stall",
             "Trade ministers from twelve countries gathered in Geneva for talks on farm subsidies. "
             "Trade Minister Mark Vaile met the European delegates in Geneva on Tuesday to press for lower tariffs. "
             "The talks ended without an agreement.")


def test_persons_roles_and_times_are_read_from_a_sentence():
    ps = persons("Secretary of State Antony Blinken met officials, and Wang Junzheng, the secretary of the "
                 "party committee, said nothing; senior Chinese officials left.")
    assert [(p.name, p.role) for p in ps] == [("Antony Blinken", "Secretary of State"),
                                              ("Wang Junzheng", "secretary of the party committee")]
    assert persons("The Treasury Department said on Monday it would act.") == []  # an organisation
    assert persons("Mr Howard said so.")[0].same(persons("Prime Minister John Howard agreed.")[0])
    assert whens("The fire started on Monday, December 24.") == {"weekday": ("monday", "Monday"),
                                                                   "date": ("december 24", "December 24")}
    assert human_date("2001-12-26") == "26 December 2001"


def test_a_different_person_doing_the_same_thing_is_a_who_difference():
    a, b = _doc("a", *MEETING_A, outlet="Herald"), _doc("b", *MEETING_B, outlet="Courier")
    found = find_differences([a, b], embed=EMBED)
    assert [f.kind for f in found] == ["who"]
    f = found[0]
    assert f.a.phrase == "Prime Minister John Howard" and f.b.phrase == "Trade Minister Mark Vaile"
    assert f.a.clause.startswith("Prime Minister John Howard met the European delegates in Geneva")
    # written as one plain sentence, each side attributed and checked against its own passage
    br = _key_source([a, b])
    d = check_finding(f, br.key_passage)
    assert d is not None
    text = d.render(1, 2)
    assert text.startswith("Herald says Prime Minister John Howard met") and "[1], while Courier says Trade Minister Mark Vaile met" in text
    assert text.endswith("[2].")


def test_no_who_difference_when_the_other_outlet_also_credits_that_person():
    b_text = MEETING_B[1] + " Prime Minister John Howard met the European delegates in Geneva as well."
    a, b = _doc("a", *MEETING_A, outlet="Herald"), _doc("b", MEETING_B[0], b_text, outlet="Courier")
    assert [f for f in find_differences([a, b], embed=EMBED) if f.kind == "who"] == []


def test_a_changed_number_and_a_changed_day_are_differences():
    a = _doc("a", "Flood", "Floodwaters forced about 300 residents from their homes in Lismore on Monday. "
                           "The river peaked overnight.", outlet="ABC")
    b = _doc("b", "Lismore flood", "Floodwaters forced about 450 residents from their homes in Lismore on Sunday. "
                                   "The river peaked overnight.", outlet="SBS")
    kinds = {f.kind: f for f in find_differences([a, b], embed=EMBED)}
    assert set(kinds) == {"how many", "when"}
    assert {kinds["how many"].a.phrase, kinds["how many"].b.phrase} == {"about 300 residents", "about 450 residents"}
    assert {kinds["when"].a.phrase, kinds["when"].b.phrase} == {"Monday", "Sunday"}


def test_a_role_given_differently_is_a_difference_but_an_honorific_is_not():
    a = _doc("a", "Raids", "Police arrested four men in raids across Sydney on Friday. "
                           "Deputy Commissioner Dave Owens said the men would appear in court.", outlet="Herald")
    b = _doc("b", "Sydney raids", "Police arrested four men in raids across Sydney on Friday. "
                                  "Commissioner Dave Owens said the men would appear in court.", outlet="Courier")
    found = find_differences([a, b], embed=EMBED)
    assert [f.kind for f in found] == ["role"] and {found[0].a.phrase, found[0].b.phrase} == {
        "Deputy Commissioner", "Commissioner"}
    c = _doc("c", "Sydney raids", "Police arrested four men in raids across Sydney on Friday. "
                                  "Mr Owens said the men would appear in court.", outlet="Courier")
    assert find_differences([a, c], embed=EMBED) == []


def test_paraphrases_that_agree_are_not_differences():
    a = _doc("a", "Sanctions", "The Treasury sanctioned Wang Junzheng and Chen Mingguo on Monday over abuses in Xinjiang. "
                               "Prime Minister John Howard said about 40 officials attended the meeting.", outlet="Herald")
    b = _doc("b", "US sanctions", "On Monday, Wang Junzheng and Chen Mingguo were sanctioned by the Treasury over Xinjiang abuses. "
                                  "About 40 officials attended the meeting, Mr Howard said.", outlet="Courier")
    c = compare([a, b], EMBED)
    assert c.differences == [] and c.updates == []
    assert c.only == []  # both report both things


def test_a_sentence_only_one_outlet_has_is_only_reported_not_a_difference():
    a = _doc("a", *MEETING_A, outlet="Herald")
    extra = MEETING_A[1] + " Opposition Leader Simon Crean called the talks a failure for Australian farmers."
    a2 = _doc("a", MEETING_A[0], extra, outlet="Herald")
    b = _doc("b", MEETING_A[0], MEETING_A[1], outlet="Courier")
    c = compare([a2, b], EMBED)
    assert c.differences == []
    assert [(o.doc.id, o.text) for o in c.only] == [
        ("a", "Opposition Leader Simon Crean called the talks a failure for Australian farmers.")]
    assert compare([a, b], EMBED).only == []
    # a quote whose speaker is only "he" says little on its own: not listed
    a3 = _doc("a", MEETING_A[0], MEETING_A[1] + " “Farmers in Australia deserve better,” he said.", outlet="Herald")
    assert compare([a3, b], EMBED).only == []
    # one outlet alone: nothing is "only" anyone's
    assert compare([a2, _doc("b", MEETING_A[0], MEETING_A[1], outlet="Herald")], EMBED).only == []


def test_a_later_report_of_another_figure_is_an_update_not_a_difference():
    a = _doc("a", "Fire", "About 500 residents left their homes for Mittagong as the fire approached Hill Top.",
             outlet="ABC", date="2001-12-25")
    b = _doc("b", "Fire", "About 800 residents left their homes for Mittagong as the fire approached Hill Top.",
             outlet="ABC", date="2001-12-26")
    c = compare([b, a], EMBED)
    assert c.differences == []
    assert len(c.updates) == 1
    u = c.updates[0]
    assert (u.a.doc.id, u.b.doc.id) == ("a", "b")  # older, newer
    d = check_finding(u, _key_source([a, b]).key_passage)
    assert d is not None
    assert d.render(1, 2) == ("As of 26 December 2001, about 800 residents left their homes for Mittagong as the fire "
                              "approached Hill Top [1], up from about 500 residents reported on 25 December 2001 [2].")


def test_outlet_from_metadata_byline_or_title():
    assert byline_outlet("By Jane Smith, Reuters\n\nThe talks ended.") == "Reuters"
    assert byline_outlet("WASHINGTON (AP) - The talks ended.") == "AP"
    assert byline_outlet("The talks ended, according to Reuters.") is None
    assert label(_doc("a", "Talks in Geneva end", "x y z", outlet="Herald")) == "Herald"
    assert label(_doc("a", "Talks in Geneva end without a deal today", "By Jane Smith, Reuters\nx")) == "Reuters"
    assert label(_doc("a", "Talks in Geneva end without a deal today", "x y z")) == "the article “Talks in Geneva end without…”"


def _key_source(docs):
    """A Briefer over these articles, for key passages (chunk spans) of their sentences."""
    from bot.config import Settings
    from bot.core.briefing import Briefer

    index = FakeIndex(docs=[(d.row.title, d.text, d.row.outlet, d.row.date) for d in docs])
    br = Briefer(Settings(), index=index, model=object())
    for j, d in enumerate(docs):  # the fake index names its articles a000, a001, ...
        d.chunks = [(f"{d.id}:0", 0, len(d.text))]
    return br


def test_two_different_roles_of_one_person_may_both_be_true():
    a = _doc("a", "Poll", "Voters went to the polls across Australia on Saturday. "
                          "Prime Minister John Howard said the campaign had been hard fought.", outlet="Herald")
    b = _doc("b", "Election", "Voters went to the polls across Australia on Saturday. "
                              "John Howard, the Liberal leader, said the campaign had been hard fought.", outlet="Courier")
    assert find_differences([a, b], embed=EMBED) == []


def test_two_people_saying_two_things_on_one_subject_is_no_who_difference():
    a = _doc("a", "Fires", "Bushfires burned across New South Wales on Tuesday. "
                           "Premier Bob Carr said firefighters across New South Wales had done a great job on the fires.",
             outlet="Herald")
    b = _doc("b", "Fires", "Bushfires burned across New South Wales on Tuesday. "
                           "Commissioner Phil Koperberg said conditions across New South Wales would worsen on the fires.",
             outlet="Courier")
    assert find_differences([a, b], embed=EMBED) == []


def test_figures_of_two_different_things_are_no_difference():
    a = _doc("a", "Fire", "About 500 residents of Hill Top left their homes as the fire approached.", outlet="Herald")
    b = _doc("b", "Fire", "About 200 residents of Mittagong returned to inspect damage after the fire passed.", outlet="Courier")
    # an embedder that finds every pair alike: the sentences' own words must keep them apart
    alike = lambda texts: np.ones((len(texts), 4), dtype=np.float32) / 2  # noqa: E731
    assert find_differences([a, b], embed=alike) == []
    assert find_differences([a, b], embed=EMBED) == []
