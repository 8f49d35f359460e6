"""Making a checked paragraph read like news (issue 15): the sentence that states the main event
(who did what, when) goes first, sentences are put in time order where their articles are dated,
and no sentence opens with a pronoun whose referent is not right before it: the pronoun is
replaced by its referent from the article (and the cited span widened to hold it), or the
sentence is dropped, and whatever leaned on it is then judged the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from bot.core import citations as cit
from bot.core.briefing.differences.claims import name_lists, persons, whens
from bot.core.briefing.records import Key
from bot.core.grounding import Prepared, prepare
from bot.text import date_int

_PERSON = {"he": "", "she": "", "his": "’s", "her": "’s", "him": ""}
_PLURAL = {"they": "", "their": "’s", "them": ""}
_THING = {"it": "", "its": "’s"}
_DEMONSTRATIVE = {"this", "these", "that", "those"}
PRONOUNS = set(_PERSON) | set(_PLURAL) | set(_THING) | _DEMONSTRATIVE
_OPENER = re.compile(r"^\s*([A-Za-z]+)\b")
_WHEN_WORDS = re.compile(r"\b(?:yesterday|today|tonight|last (?:week|month|night|year)|this (?:week|morning)|"
                         r"earlier|on \w+day)\b", re.I)
_SUBJECT = re.compile(r"^((?:The\s+)?[A-Z][\w’'\-.]*(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w’'\-.]*){0,4})\s+[a-z]")


@dataclass
class Item:
    """A sentence of the paragraph being written, with what it rests on."""

    text: str
    prep: Prepared
    key: Key | None  # the article sentence it is checked against (None: not known)
    model_pos: int | None = None  # its place among the model's sentences; None: extractive
    score: float = 0.0  # how central its key sentence is to its event (0..1 within its article)

    @property
    def date(self) -> str:
        return (self.key.doc.row.date if self.key else self.prep.passage.date) or ""


def pronoun_opener(text: str) -> str | None:
    """The pronoun or demonstrative a sentence opens with ("This follows…" -> "this")."""
    m = _OPENER.match(text)
    word = m.group(1).lower() if m else ""
    return word if word in PRONOUNS else None


def lead_score(item: Item) -> float:
    """How well a sentence states the main event: central to it, saying when, opening with who
    acted. A sentence that opens with a pronoun or a quotation cannot lead."""
    t = item.text.lstrip()
    if pronoun_opener(t) or t[:1] in "\"“‘'":
        return -1.0
    when = bool(whens(t)) or bool(_WHEN_WORDS.search(t))
    first = item.key is not None and item.key.index <= 1
    return item.score + (0.3 if when else 0.0) + (0.15 if first else 0.0)


def place_lead(items: list[Item], main: set[str], keep_ratio: float = 0.85, pool: list[Item] = ()) -> list[Item]:
    """The sentence that best states the main event first; the model's own opening stays first
    when it is nearly as good (it was asked to open with the main news). A key sentence from
    `pool` leads instead when no sentence of the paragraph comes close to it."""
    def ok(it: Item) -> bool:
        return it.key is not None and it.key.doc.id in main and lead_score(it) >= 0

    spare = [it for it in pool if ok(it) and all(it.prep.passage.chunk_id != x.prep.passage.chunk_id for x in items)]
    cands = [i for i, it in enumerate(items) if ok(it)]
    if spare:
        top = max(spare, key=lead_score)
        if not cands or max(lead_score(items[i]) for i in cands) < keep_ratio * lead_score(top):
            items = [top] + list(items)
            cands = [0]
    if not cands:
        return items
    best = max(cands, key=lambda i: lead_score(items[i]))
    if items and lead_score(items[0]) >= keep_ratio * lead_score(items[best]) and items[0].key is not None \
            and items[0].key.doc.id in main:
        return items
    return [items[best]] + items[:best] + items[best + 1:]


def order_by_time(items: list[Item]) -> list[Item]:
    """After the lead, sentences in the order of their articles' dates when they span more than
    one day (an undated sentence keeps the date of the one before it); stable otherwise."""
    if len({it.date for it in items if it.date}) < 2 or len(items) < 3:
        return items
    dated, last = [], 0
    for pos, it in enumerate(items[1:]):
        last = date_int(it.date) or last
        dated.append((last, pos, it))
    return [items[0]] + [it for _, _, it in sorted(dated, key=lambda x: (x[0], x[1]))]


def _anchored(prev: Item | None, it: Item) -> bool:
    if prev is None:
        return False
    if it.model_pos is not None and prev.model_pos is not None:
        return prev.model_pos == it.model_pos - 1
    return bool(it.key and prev.key and prev.key.doc.id == it.key.doc.id and prev.key.index == it.key.index - 1)


def _referent(it: Item, word: str) -> tuple[str, int] | None:
    """What the pronoun stands for, from the sentences before its own in the article: the last
    person named (he/she), the last list of names (they), the subject of the sentence before
    (it). Returns (the referent as written, the sentence number holding it)."""
    if it.key is None or word in _DEMONSTRATIVE:
        return None  # "This follows…": the referent is a whole event, not a name
    doc, i = it.key.doc, it.key.index
    for j in range(i - 1, max(-1, i - 4), -1):
        s = doc.text[doc.sentences[j][0]:doc.sentences[j][1]]
        if word in _PERSON:
            ps = persons(s)
            if ps:
                return ps[-1].name, j
        elif word in _PLURAL:
            lists = name_lists(s)
            if lists:
                return lists[-1][0], j
        elif j == i - 1:
            m = _SUBJECT.match(s.strip())
            if m and m.group(1).split()[-1].lower() not in cit.STOPWORDS:
                return m.group(1), j
            return None
    return None


def repair(it: Item, span_key: Callable[[object, int, int], Key]) -> Item | None:
    """The sentence with its opening pronoun replaced by the referent, checked against the span
    of the article from the referent to the sentence; None when that cannot be done."""
    word = pronoun_opener(it.text)
    found = _referent(it, word) if word else None
    if found is None:
        return None
    ref, j = found
    m = _OPENER.match(it.text)
    suffix = {**_PERSON, **_PLURAL, **_THING}.get(word, "")
    text = it.text[:m.start(1)] + ref + suffix + it.text[m.end(1):]
    key = span_key(it.key.doc, j, it.key.index)
    prep = prepare([key.passage])[0]
    if prep.removed or not cit.check(text, prep.checked, "", key.passage.title).ok:
        return None
    return Item(text, prep, key, it.model_pos, it.score)


def fix_dangling(items: list[Item], span_key: Callable[[object, int, int], Key]) -> tuple[list[Item], list[dict]]:
    """No sentence opening with a pronoun unless its referent is the sentence right before it
    (the one before it in its article, or in the model's text): repaired, else dropped.
    Returns (the items, what was done: {"text", "action": "repaired"|"dropped", "to"})."""
    out: list[Item] = []
    log: list[dict] = []
    for it in items:
        word = pronoun_opener(it.text)
        if not word or _anchored(out[-1] if out else None, it):
            out.append(it)
            continue
        fixed = repair(it, span_key)
        if fixed is not None:
            log.append({"text": it.text, "action": "repaired", "to": fixed.text})
            out.append(fixed)
        else:
            log.append({"text": it.text, "action": "dropped"})
    return out, log
