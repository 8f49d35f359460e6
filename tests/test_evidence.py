"""Evidence selection on invented passages: which sentences reach the prompt, in what order,
within what budget, and how they are shown."""

from bot.core import evidence
from bot.core.grounding import prepare
from bot.core.types import Passage


def P(text, f, title="", outlet=None, date=None, start=0):
    return Passage(chunk_id=f"{f}:0", article_id=f, text=text, start=start, end=start + len(text), position=0,
                   title=title, outlet=outlet, date=date, source_file=f"{f}.txt")


FERRY = ("Heavy seas closed the harbour on Monday. Three ferries sank off the coast near Port Vell. "
         "The ferry company said it would pay for repairs. Divers searched the wreck overnight.")
COUNCIL = ("The council approved a new budget. It includes 4 million dollars for roads. "
           "The mayor, Ana Ruiz, said the budget was fair.")


def pool(question, passages):
    sents = evidence.candidates(prepare(passages))
    evidence.score(question, sents)
    return sents


def words(t):
    return len(t.split())


def test_the_sentence_that_answers_ranks_first():
    sents = pool("How many ferries sank off the coast?", [P(COUNCIL, "c"), P(FERRY, "f")])
    assert max(sents, key=lambda s: s.score).text.startswith("Three ferries sank")


def test_selection_respects_the_budget_and_numbers_in_reading_order():
    sents = pool("How many ferries sank off the coast?", [P(FERRY, "f"), P(COUNCIL, "c")])
    chosen = evidence.select(sents, 25, words, min_sentences=1)
    assert sum(words(s.text) for s in chosen) <= 25 + 4 * len(chosen) and [s.n for s in chosen] == list(range(1, len(chosen) + 1))
    f = [s for s in chosen if s.article_id == "f"]
    assert [s.order for s in f] == sorted(s.order for s in f)  # an article's sentences in its own order


def test_a_sentence_opening_with_a_pronoun_brings_its_predecessor():
    sents = pool("How much money is included for roads?", [P(COUNCIL, "c")])
    chosen = evidence.select(sents, 12, words, min_sentences=1, max_sentences=2)
    texts = [s.text for s in chosen]
    assert texts[0] == "The council approved a new budget." and texts[1].startswith("It includes 4 million")


def test_a_sentence_two_overlapping_chunks_hold_is_a_candidate_once():
    first = P(FERRY, "f")
    second = P("Three ferries sank off the coast near Port Vell. Divers searched the wreck overnight.", "f", start=40)
    second.chunk_id = "f:1"
    other = P("Three ferries sank off the coast near Port Vell. Nobody was hurt.", "g")
    texts = [s.text for s in evidence.candidates(prepare([first, second, other]))]
    assert texts.count("Three ferries sank off the coast near Port Vell.") == 2  # once per article
    assert texts.count("Divers searched the wreck overnight.") == 1


def test_fit_leaves_out_the_weakest_sentences_until_the_whole_prompt_fits():
    q = "How many ferries sank off the coast?"
    chosen = evidence.select(pool(q, [P(FERRY, "f"), P(COUNCIL, "c")]), 1000, words, min_sentences=1)
    size = lambda ch: 30 + words(evidence.render(ch))  # noqa: E731 (a question and system text of 30 words)
    assert size(chosen) > 60
    fitted = evidence.fit(chosen, size, 60, min_sentences=1)
    assert size(fitted) <= 60 and len(fitted) < len(chosen)
    assert any(s.text.startswith("Three ferries sank") for s in fitted)  # the best one stays
    assert min(s.score for s in fitted) >= max(s.score for s in chosen if s not in fitted)
    assert [s.n for s in fitted] == list(range(1, len(fitted) + 1))
    assert evidence.fit(chosen, size, 0) == chosen  # 0: no limit
    assert len(evidence.fit(chosen, size, 1, min_sentences=2)) == 2  # never below the least


def test_fit_keeps_a_pronoun_sentence_with_its_predecessor():
    q = "How much money is included for roads, and who is the mayor?"
    chosen = evidence.select(pool(q, [P(COUNCIL, "c")]), 1000, words, min_sentences=1)
    for most in range(1, 40):
        fitted = evidence.fit(chosen, lambda ch: words(evidence.render(ch)), most, min_sentences=1)
        texts = [s.text for s in fitted]
        if any(t.startswith("It includes") for t in texts):
            assert "The council approved a new budget." in texts


def test_render_groups_by_article_with_outlet_and_date():
    sents = pool("How many ferries sank?", [P(FERRY, "f", title="Ferries lost in storm", outlet="ABC", date="2001-12-24")])
    text = evidence.render(evidence.select(sents, 200, words))
    assert text.splitlines()[0] == "Article (ABC, 2001-12-24): Ferries lost in storm" and "[1] Heavy seas" in text


def test_a_title_that_is_only_the_lead_is_not_repeated():
    sents = pool("How many ferries sank?", [P(FERRY, "f", title="Heavy seas closed the harbour on Monday.")])
    assert evidence.render(evidence.select(sents, 200, words)).splitlines()[0] == "Article"


def test_best_passage_sentences_are_the_whole_best_passage_in_order():
    sents = pool("How many ferries sank off the coast?", [P(COUNCIL, "c"), P(FERRY, "f")])
    retry = evidence.best_passage_sentences(sents)
    assert [s.n for s in retry] == [1, 2, 3, 4] and retry[1].text.startswith("Three ferries")
