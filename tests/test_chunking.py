"""Chunking: exact offsets, token bounds, overlap, long sentences, abbreviations, speed."""

from __future__ import annotations

import time

from hypothesis import given, settings as hsettings, strategies as st

from bot.store.chunking import MAX_TOKENS, chunk_spans, split_sentences, token_counter
from bot.store.parsing import parse_file

from conftest import LEE, SEEDS


def test_sentences_respect_abbreviations_and_decimals():
    text = "Mr. Smith met Dr. J. Jones at 4.30 p.m. in the U.S. Treasury. It rained! Then \"Go,\" he said. Done"
    sents = [text[s:e] for s, e in split_sentences(text)]
    assert sents == ["Mr. Smith met Dr. J. Jones at 4.30 p.m. in the U.S. Treasury.", "It rained!",
                     "Then \"Go,\" he said.", "Done"]


def test_paragraph_breaks_split():
    text = "A headline without a stop\n\nBody starts here. And goes on."
    assert [text[s:e] for s, e in split_sentences(text)] == ["A headline without a stop", "Body starts here.", "And goes on."]


def _articles(n=40):
    files = sorted(LEE.glob("*.txt"))[:n] + sorted(SEEDS.glob("*.txt"))
    return [parse_file(f).articles[0] for f in files]


def test_real_chunks_bounded_and_exact(real_embedder):
    count = token_counter(real_embedder)
    assert count("hello world") < 10  # not the tokenizer.json's fixed 128 padding
    for a in _articles():
        spans = chunk_spans(a.text, count)
        assert spans
        for s, e in spans:
            chunk = a.text[s:e]
            assert chunk == chunk.strip() and chunk
            assert count(a.title + ". " + chunk) <= MAX_TOKENS
            assert len(chunk.split()) <= 160
        # consecutive chunks overlap by at most one sentence and cover the text in order
        for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
            assert s1 < s2 <= e1 or s2 >= e1
        assert spans[0][0] == 0 and spans[-1][1] == len(a.text.rstrip())


def test_overlap_of_one_sentence():
    text = " ".join(f"Sentence number {i} has a few words in it to fill space." for i in range(40))
    spans = chunk_spans(text)
    assert len(spans) > 2
    for (s1, e1), (s2, _e2) in zip(spans, spans[1:]):
        assert s2 < e1  # overlap
        overlap = text[s2:e1]
        assert len(split_sentences(overlap)) == 1


def test_overlong_sentence_split_on_whitespace():
    text = "word " * 1000 + "end."
    spans = chunk_spans(text.strip())
    assert len(spans) > 3
    for s, e in spans:
        assert text[s:e].split()  # whole words only
        assert len(text[s:e].split()) <= 200


def test_chunking_is_fast(real_embedder):
    arts = _articles(300)
    count = token_counter(real_embedder)
    t = time.perf_counter()
    n = sum(len(chunk_spans(a.text, count)) for a in arts)
    assert time.perf_counter() - t < 3.0 and n > len(arts)


@hsettings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list("ab .!?\n\"'A1") + ["Mr.", "U.S.", "  ", "\n\n", "word ", "é"]), max_size=300).map("".join)
       | st.text(max_size=400))
def test_spans_are_valid_for_any_text(text):
    spans = chunk_spans(text, target_words=8, target_tokens=12, max_tokens=60)
    pos = 0
    for s, e in spans:
        assert 0 <= s < e <= len(text)
        assert text[s:e] == text[s:e].strip()
        assert s >= 0 and e >= pos  # ordered
        pos = s
    covered = set()
    for s, e in spans:
        covered.update(range(s, e))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
