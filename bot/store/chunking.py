"""Sentence-aware chunking with character offsets.

`split_sentences(text)` (bot.text.sentence_spans) gives (start, end) spans of sentences (a fast
regex splitter that knows common abbreviations, initials and decimals; ~100x faster than pysbd on
this corpus).
`chunk_spans(text, count_tokens)` packs whole sentences into chunks of about `target_words`
words / `target_tokens` embedder tokens, never more than `max_tokens`, with one sentence of
overlap between neighbours; an over-long sentence is split on whitespace. Every span satisfies
`text[start:end] == chunk_text`, so a citation can highlight the exact source span.
"""

from __future__ import annotations

import re
from typing import Callable

from bot.text import sentence_spans as split_sentences  # the splitter lives in bot.text (re-exported)

TARGET_WORDS = 110
TARGET_TOKENS = 160
MAX_TOKENS = 256  # the embedder's hard limit (incl. special tokens)
TITLE_RESERVE = 40  # tokens kept free for the "title. " prefix embedded with later chunks


def _overhead(count_tokens: Callable[[str], int]) -> int:
    """Special tokens counted for every text (CLS/SEP for BERT tokenizers, 0 for estimates)."""
    empty, one = count_tokens(""), count_tokens("a")
    return empty if one > empty else 0


def _split_long(text: str, s: int, e: int, n_tok: int, limit: int) -> list[tuple[int, int]]:
    """Split an over-long span on whitespace into pieces of roughly `limit` tokens."""
    words = [(m.start() + s, m.end() + s) for m in re.finditer(r"\S+", text[s:e])]
    if not words:
        return [(s, e)]
    per_word = max(n_tok / len(words), 1e-6)
    step = max(1, int(limit / per_word))
    return [(words[i][0], words[min(i + step, len(words)) - 1][1]) for i in range(0, len(words), step)]


def chunk_spans(text: str, count_tokens: Callable[[str], int] | None = None, target_words: int = TARGET_WORDS,
                target_tokens: int = TARGET_TOKENS, max_tokens: int = MAX_TOKENS, overlap: int = 1,
                sentences: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Chunk spans of `text` (see module doc)."""
    if count_tokens is None:
        count_tokens = lambda t: max(1, int(len(t.split()) * 1.3))  # noqa: E731
    overhead = _overhead(count_tokens)
    hard = max(16, max_tokens - overhead - TITLE_RESERVE)
    sents = sentences if sentences is not None else split_sentences(text)
    units: list[tuple[int, int, int, int]] = []  # start, end, tokens, words
    for s, e in sents:
        seg = text[s:e]
        n = max(1, count_tokens(seg) - overhead)
        if n > hard:
            for ps, pe in _split_long(text, s, e, n, min(hard, target_tokens)):
                piece = text[ps:pe]
                pn = max(1, count_tokens(piece) - overhead)
                while pn > hard and len(piece.split()) > 1:  # very dense tokens: halve again
                    sub = _split_long(text, ps, pe, pn, hard // 2)
                    if len(sub) == 1:
                        break
                    for ss, se in sub:
                        units.append((ss, se, max(1, count_tokens(text[ss:se]) - overhead), len(text[ss:se].split())))
                    piece = ""
                    break
                if piece:
                    units.append((ps, pe, pn, len(piece.split())))
        else:
            units.append((s, e, n, len(seg.split())))
    chunks: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        j, tok, words = i, 0, 0
        while j < len(units):
            ut, uw = units[j][2], units[j][3]
            if j > i and (tok + ut > target_tokens or words + uw > target_words * 1.15 or tok + ut > hard):
                break
            tok += ut
            words += uw
            j += 1
            if words >= target_words:
                break
        chunks.append((units[i][0], units[j - 1][1]))
        if j >= len(units):
            break
        # one sentence of overlap, unless the chunk is a single unit (no progress otherwise)
        i = j - overlap if overlap and j - overlap > i else j
    return chunks


def token_counter(embedder) -> Callable[[str], int]:
    """The embedder's exact token count (special tokens included).

    Works around tokenizer.json files that carry fixed padding/truncation (all-MiniLM's pads
    every text to 128 tokens, which would make every count 128): counts with an unpadded,
    untruncated copy of the embedder's tokenizer when it has one."""
    tok = getattr(embedder, "counter", None) or getattr(embedder, "tokenizer", None)
    if tok is not None and hasattr(tok, "to_str"):
        try:
            from tokenizers import Tokenizer

            counter = Tokenizer.from_str(tok.to_str())
            counter.no_padding()
            counter.no_truncation()
            return lambda text: len(counter.encode(text).ids)
        except Exception:  # pragma: no cover - fall back to the embedder's own count
            pass
    if embedder is not None:
        return embedder.count_tokens
    return lambda t: max(1, int(len(t.split()) * 1.3))
