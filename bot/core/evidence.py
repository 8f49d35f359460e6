"""Evidence first: the sentences of the retrieved passages that may answer a question, chosen
before the model sees anything, numbered, and rendered into a compact prompt.

Why sentences and not whole passages: a 1.5B model reads ~65 prompt tokens a second and gets lost
in long text, and the checker needs to know which sentence an answer rests on. Each retrieved
passage is split into sentences; each sentence is ranked by reciprocal-rank fusion of three
signals (question words it contains, weighted by rarity; embedding similarity to the question;
the rank of its passage), and the best are taken until the token budget is spent. A chosen
sentence that opens with a pronoun brings the sentence before it, so "He said…" keeps its subject.
Chosen sentences are shown grouped by article, in article order, numbered [1]..[m].
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, Sequence

from bot.core import checking
from bot.core import citations as cit

_PRONOUN_START = re.compile(r"^\s*[\"“]?(?:he|she|it|they|his|her|its|their|this|these|that|those|but|however|also)\b", re.I)


@dataclass(eq=False)  # compared and hashed by identity: one object per sentence of one passage
class EvSentence:
    """One sentence of one packed passage: `prep` is the answering.Prepared it comes from."""

    prep: object
    start: int  # character offsets within the passage text (prep.checked / prep.passage.text)
    end: int
    text: str
    rank: int  # rank of its passage in retrieval (0 = best)
    order: int  # position of the sentence in its passage
    score: float = 0.0
    n: int = 0  # its number in the prompt (1-based), once chosen

    @property
    def article_id(self) -> str:
        return self.prep.passage.article_id


def candidates(prepared: Sequence) -> list[EvSentence]:
    """Every sentence of every passage (planted instructions already blanked), in rank order. A
    sentence an article repeats, or that two overlapping chunks of it both hold, is kept once (from
    the best-ranked passage): twice in the prompt it costs tokens and shows nothing new."""
    out: list[EvSentence] = []
    seen: set[tuple[str, str]] = set()
    for rank, prep in enumerate(prepared):
        for order, (a, b) in enumerate(cit.passage_sentences(prep.checked)):
            text = " ".join(prep.checked[a:b].split())
            if len(text) < 12 or not any(ch.isalpha() for ch in text) or (prep.passage.article_id, text) in seen:
                continue
            seen.add((prep.passage.article_id, text))
            out.append(EvSentence(prep, a, b, text, rank, order))
    return out


TYPE_BONUS = 1.3
FOLLOW = 0.5  # share of a sentence's word score passed to the sentence after it (reasons follow facts)


def question_parts(question: str) -> list[str]:
    """A two-part question ("Who…, and which…?") as its parts, each carrying the names of the
    whole (the second part often says "he" for a name in the first)."""
    parts = checking.split_question(question)
    if len(parts) < 2:
        return parts
    names = " ".join(sorted({w for w in cit.words(question) if w[0].isupper()}))
    return [f"{p} {names}" for p in parts]


def score(question: str, sents: list[EvSentence], embed: Callable[[list[str]], object] | None = None) -> None:
    """Set each sentence's score: for each part of the question, reciprocal-rank fusion of the
    lexical, dense and passage-rank orders; a sentence keeps its best part's score."""
    if not sents:
        return
    parts = question_parts(question)
    sims = None
    if embed is not None:
        try:
            import numpy as np

            vecs = np.asarray(embed(parts + [s.text for s in sents]), dtype=float)
            sims = vecs[len(parts):] @ vecs[: len(parts)].T  # sentences x parts
        except Exception:  # the embedder is a help, not a requirement
            sims = None
    best = [0.0] * len(sents)
    for j, part in enumerate(parts):
        col = None if sims is None else [float(x) for x in sims[:, j]]
        for i, v in enumerate(_fused(part, sents, col)):
            best[i] = max(best[i], v)
    for s, v in zip(sents, best):
        s.score = v


def _fused(question: str, sents: list[EvSentence], sims: list[float] | None) -> list[float]:
    q = cit.content_tokens(question) | cit.numbers(question)
    toks = [cit.content_tokens(s.text) | cit.numbers(s.text) for s in sents]
    df: dict[str, int] = {}
    for t in toks:
        for w in t & q:
            df[w] = df.get(w, 0) + 1
    n = len(sents)
    lex = [sum(math.log(1 + n / df[w]) for w in t & q) for t in toks]
    prev = {(id(s.prep), s.order): lex[i] for i, s in enumerate(sents)}
    follow = [lex[i] + FOLLOW * prev.get((id(s.prep), s.order - 1), 0.0) for i, s in enumerate(sents)]
    orders = [sorted(range(n), key=lambda i: (-follow[i], sents[i].rank, sents[i].order))]
    weights = [1.0]
    if sims is not None:
        orders.append(sorted(range(n), key=lambda i: -sims[i]))
        weights.append(1.0)
    orders.append(sorted(range(n), key=lambda i: (sents[i].rank, sents[i].order)))
    weights.append(0.5)
    out = [0.0] * n
    for w, order in zip(weights, orders):
        for r, i in enumerate(order):
            out[i] += w / (20 + r)
    return [v * (0.7 if lex[i] == 0 and follow[i] == 0 else 1.0) for i, v in enumerate(out)]


def select(sents: list[EvSentence], budget: int, count_tokens: Callable[[str], int], max_sentences: int = 12,
           min_sentences: int = 3) -> list[EvSentence]:
    """The best sentences within `budget` tokens (each with its predecessor when it opens with a
    pronoun), numbered in reading order: grouped by article (best article first), then by position."""
    by_pos = {(id(s.prep), s.order): s for s in sents}
    chosen: dict[tuple[int, int], EvSentence] = {}
    used = 0
    for s in sorted(sents, key=lambda x: -x.score):
        if len(chosen) >= max_sentences:
            break
        group = [s]
        if _PRONOUN_START.match(s.text):
            prev = by_pos.get((id(s.prep), s.order - 1))
            if prev is not None:
                group.insert(0, prev)
        new = [g for g in group if (id(g.prep), g.order) not in chosen]
        cost = sum(count_tokens(g.text) + 4 for g in new)
        if used + cost > budget and len(chosen) >= min_sentences:
            continue  # a shorter sentence further down may still fit
        for g in new:
            chosen[(id(g.prep), g.order)] = g
        used += cost
    # reading order: articles by their best sentence, sentences by position within the article
    best_of: dict[str, float] = {}
    for s in chosen.values():
        best_of[s.article_id] = max(best_of.get(s.article_id, 0.0), s.score)
    ordered = sorted(chosen.values(), key=lambda s: (-best_of[s.article_id], s.article_id, s.prep.passage.start + s.start))
    for i, s in enumerate(ordered, 1):
        s.n = i
    return ordered


def fit(chosen: list[EvSentence], size: Callable[[list[EvSentence]], int], most: int, min_sentences: int = 3) -> list[EvSentence]:
    """`chosen` without its weakest sentences until `size` (the whole prompt's tokens, system and
    question and article headers included) is at most `most`, keeping `min_sentences`: the budget of
    `select` counts only the sentences, so a long question or many articles would overrun it. A
    sentence that brought its predecessor (it opens with a pronoun) leaves with it. Renumbered."""
    kept = list(chosen)
    while most > 0 and len(kept) > min_sentences and size(kept) > most:
        weakest = min(kept, key=lambda s: s.score)
        gone = {id(weakest)}
        if _PRONOUN_START.match(weakest.text):  # its predecessor came for it, unless chosen on its own merit
            gone |= {id(p) for p in kept if p.prep is weakest.prep and p.order == weakest.order - 1 and p.score < weakest.score}
        nxt = next((n for n in kept if n.prep is weakest.prep and n.order == weakest.order + 1), None)
        if nxt is not None and _PRONOUN_START.match(nxt.text):
            gone.add(id(nxt))  # "He said…" without the sentence naming him
        if len(kept) - len(gone) < min_sentences:
            break
        kept = [s for s in kept if id(s) not in gone]
    for i, s in enumerate(kept, 1):
        s.n = i
    return kept


def header(prep) -> str:
    """What the prompt says about an article: outlet, date and title (the title only when it is
    not just the article's opening words, as for files without a headline)."""
    p = prep.passage
    title = " ".join((p.title or "").split())
    lead = " ".join(p.text.split())[: len(title)] if p.start == 0 else ""
    words = title.split()
    if title and lead.rstrip(".… ") == title.rstrip(".… "):
        title = ""
    elif len(words) > 14:
        title = " ".join(words[:14]) + "…"
    bits = [b for b in (p.outlet, p.date) if b]
    meta = f" ({', '.join(bits)})" if bits else ""
    return f"Article{meta}: {title}".rstrip(": ") if title else f"Article{meta}"


def render(chosen: list[EvSentence]) -> str:
    lines: list[str] = []
    current = None
    for s in chosen:
        if s.article_id != current:
            current = s.article_id
            lines.append(header(s.prep))
        lines.append(f"[{s.n}] {s.text}")
    return "\n".join(lines)


def numbered(sents: list[EvSentence]) -> list[EvSentence]:
    """Copies of `sents` numbered 1..n in the given order (the originals keep their numbers)."""
    out = [EvSentence(s.prep, s.start, s.end, s.text, s.rank, s.order, s.score) for s in sents]
    for i, s in enumerate(out, 1):
        s.n = i
    return out


def confident(question: str, pool: list[EvSentence]) -> bool:
    """Retrieval is confident when one sentence holds most of the question's words."""
    q = cit.content_tokens(question) - checking.QUESTION_WORDS
    if len(q) < 2 or not pool:
        return False
    return max(len(cit.content_tokens(s.text) & q) for s in pool) >= 0.6 * len(q)


def best_passage_sentences(sents: list[EvSentence], limit: int = 14) -> list[EvSentence]:
    """All sentences of the passage holding the best-scored sentence, in order (for a retry)."""
    if not sents:
        return []
    top = max(sents, key=lambda s: s.score)
    return numbered(sorted((s for s in sents if s.prep is top.prep), key=lambda s: s.order)[:limit])


# -- which evidence sentences an answer sentence rests on (answering._support) ----------------
def contributing(sentence: str, question: str, evs: list) -> list:
    """The fewest evidence sentences that together give everything of the answer sentence's own (its
    numbers, names and content words the question does not have); at least the best one."""
    q = cit.content_tokens(question) | cit.names(question)
    own = (cit.content_tokens(sentence) | cit.numbers(sentence) | cit.names(sentence)) - q
    gives = [(own & facts(e.text), e) for e in evs]  # content tokens are stems of words: _facts holds them
    used: list = []
    covered: set[str] = set()
    for got, e in sorted(gives, key=lambda x: -len(x[0])):  # fewest sentences that cover what it says
        if got - covered:
            used.append(e)
            covered |= got
    return sorted(used, key=evs.index) or [max(gives, key=lambda x: len(x[0]))[1]]


def covered(sentence: str, question: str, evs: list, chosen: list, most: int = 2) -> list:
    """`evs` plus up to `most` other chosen sentences that hold a name or number of `sentence`
    missing from `evs`: an answer may join facts from several sentences, each must be in one."""
    evs = list(evs)
    for _ in range(most):
        text = " ".join(e.text for e in evs)
        support = cit.check(sentence, text, question)
        if support.ok or not support.missing:
            break
        lacking = set(support.missing)
        best = max((e for e in chosen if e not in evs), key=lambda e: len(lacking & facts(e.text)), default=None)
        if best is None or not lacking & facts(best.text):
            break
        evs.append(best)
    return evs


def facts(text: str) -> set[str]:
    """What a sentence can give an answer: its numbers and the stems of all its words."""
    return cit.numbers(text) | {cit.stem(w) for w in cit.words(text)}
