"""bot.text: the one home of sentence splitting, stopwords, stems and dates; the modules that
used to hold their own copies use these."""

from bot import text
from bot.backends import keyword
from bot.core import citations
from bot.store import chunking, parsing


def test_one_home_for_each_helper():
    assert chunking.split_sentences is text.sentence_spans
    assert citations.split_sentences is text.answer_sentences
    assert citations.passage_sentences is text.passage_sentences
    assert citations.STOPWORDS is text.STOPWORDS and citations.stem is text.stem
    assert keyword.STOPWORDS is text.KEYWORD_STOPWORDS
    assert parsing.date_int is text.date_int and parsing.normalize_date is text.normalize_date


def test_the_three_splitters_say_what_they_split():
    article = "Mr. Smith arrived. He left at 5 p.m. on Monday.\n\nA new paragraph"
    assert [article[a:b] for a, b in text.sentence_spans(article)] == [
        "Mr. Smith arrived.", "He left at 5 p.m. on Monday.", "A new paragraph"]
    assert text.answer_sentences("It rose [1]. [2] It fell.") == ["It rose [1]. [2]", "It fell."]
    passage = "It rose. Then it fell."
    assert [passage[a:b] for a, b in text.passage_sentences(passage)] == ["It rose.", "Then it fell."]


def test_dates_and_stems():
    assert text.date_int("2024-03-04") == 20240304 and text.date_int(None) == 0
    assert text.normalize_date("March 22, 2021") == "2021-03-22"
    assert text.stem("officials") == text.stem("official")
    assert text.stem_words(["running"]) == ["run"]


def test_article_record_is_typed_and_prints_as_before():
    from bot.store.records import ArticleRecord

    listed = ArticleRecord(id="a1", title="T", outlet="O", date="2024-01-02", file="f.txt", files=["f.txt"], chunks=2)
    assert list(listed.to_json()) == ["id", "title", "outlet", "date", "url", "author", "file", "files", "path",
                                      "chunks", "hash", "dup_of", "story"]  # the keys `articles --json` printed, + story
    read = ArticleRecord(id="a1", title="T", text="Body.")
    assert read.to_json()["text"] == "Body." and read["text"] == read.text and read.get("nope", 1) == 1


def test_the_direct_speech_of_a_sentence_is_found_without_its_marks():
    assert text.quotations('"The tide has turned against us," the harbour master said.') == ["The tide has turned against us"]
    assert text.quotations("“We will rebuild the pier,” she said.") == ["We will rebuild the pier"]
    # two quotes in one sentence; a one-word scare quote names no statement
    assert text.quotations('He called it a "disaster" and "the worst season in memory".') == ["the worst season in memory"]
    # a quote of several sentences is split with the passage: its first sentence runs to the end
    assert text.quotations('"The pier is gone. We start again on Monday.') == ["The pier is gone. We start again on Monday"]
    assert text.quotations("The harbour master says the season was poor.") == []
    assert text.quotations('"' + "word " * 50 + '"') == []  # too long to be a short answer
