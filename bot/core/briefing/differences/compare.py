"""Claims compared across outlets: sentences of two articles on one event are aligned (embedding
similarity plus shared words and names), and aligned sentences that give a different person,
number or time are differences; a list of names that shares two names but not all is one even
unaligned (two shared names already anchor it). Articles of different days are not compared
for disagreements: a number that changed between them is an update. A key sentence with no
counterpart in the other article is "only X reports", never a contradiction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from bot.core import citations as cit
from bot.core.briefing.differences.claims import (_MODIFIERS, clause_from, counted, entity_key, mentions_person, name_lists,
                                                   persons, whens)
from bot.core.briefing.records import _JUNK, Doc, _join

ALIGN_COS = 0.45  # least cosine of two sentences (with ALIGN_OVERLAP of their words) to report the same thing
ALIGN_OVERLAP = 0.25  # least share of the shorter sentence's content words the other holds
ALIGN_COS_ALONE = 0.7  # a cosine this high aligns without shared words (paraphrases)
# a sentence whose speaker is only a pronoun ("…,” he stated.") means little on its own
_UNNAMED_SPEAKER = re.compile(r"^(?:he|she|they|it|this|these)\b|[”\"],?\s+(?:he|she|they)\s+[a-z]+", re.I)
SAME_CLAIM = 0.4  # least word overlap of two aligned sentences for their numbers or days to be compared
MAX_SENTENCES = 40  # per article: the first ones carry the story; bounded embedding cost


@dataclass
class Version:
    doc: Doc
    index: int  # sentence number in the article
    phrase: str  # the differing detail, exactly as the article writes it
    clause: str = ""  # the clause around it, verbatim, for the plain sentence


@dataclass
class Finding:
    kind: str  # "list", "who", "role", "how many", "when", "update"
    detail: str  # what differs, in words ("the people named", "the number of residents")
    a: Version
    b: Version  # for an update: the later report
    score: float


@dataclass
class OnlyReport:
    doc: Doc
    index: int
    text: str


@dataclass
class Comparison:
    differences: list[Finding]
    updates: list[Finding]
    only: list[OnlyReport]


@dataclass
class _Sent:
    index: int
    text: str
    tokens: set[str]
    names: set[str]


def _sentences(d: Doc) -> list[_Sent]:
    out = []
    for i, (a, b) in enumerate(d.sentences[:MAX_SENTENCES]):
        s = " ".join(d.text[a:b].split())
        if len(s.split()) < 5 or _JUNK.search(s):
            continue
        out.append(_Sent(i, s, cit.content_tokens(s), cit.names(s)))
    return out


def _overlap(x: _Sent, y: _Sent) -> float:
    return len(x.tokens & y.tokens) / max(min(len(x.tokens), len(y.tokens)), 1)


def _aligned(cos: float, x: _Sent, y: _Sent) -> bool:
    return (cos >= ALIGN_COS and _overlap(x, y) >= ALIGN_OVERLAP) or cos >= ALIGN_COS_ALONE


def compare(docs: list[Doc], embed: Callable[[list[str]], np.ndarray] | None = None,
            same_source: Callable[[Doc, Doc], bool] | None = None, limit: int = 4) -> Comparison:
    """Differences (best first, at most `limit`), updates and one-sided reports among `docs`.
    Without `embed` sentences align on shared words alone (their overlap stands in for the cosine)."""
    same_source = same_source or (lambda a, b: a.source == b.source)
    sents = [_sentences(d) for d in docs]
    vecs: list[np.ndarray | None] = [None] * len(docs)
    if embed is not None and len(docs) > 1:
        flat = [s.text for ss in sents for s in ss]
        if flat:
            allv = np.asarray(embed(flat), dtype=np.float32)
            pos = 0
            for j, ss in enumerate(sents):
                vecs[j] = allv[pos:pos + len(ss)]
                pos += len(ss)
    diffs: list[Finding] = []
    updates: list[Finding] = []
    has_counterpart: list[set[int]] = [set() for _ in docs]
    seen: set[tuple] = set()
    for x in range(len(docs)):
        for y in range(x + 1, len(docs)):
            da, db = docs[x], docs[y]
            dated_apart = bool(da.row.date and db.row.date and da.row.date != db.row.date)
            other_source = not same_source(da, db)
            if not other_source and not dated_apart:
                continue  # one outlet on one day: nothing to compare
            sa, sb = sents[x], sents[y]
            if vecs[x] is not None and vecs[y] is not None and len(sa) and len(sb):
                cos = vecs[x] @ vecs[y].T
            else:
                cos = np.array([[_overlap(s, t) for t in sb] for s in sa], dtype=np.float32).reshape(len(sa), len(sb))
            for i, s in enumerate(sa):
                for j, t in enumerate(sb):
                    c = float(cos[i, j])
                    if _aligned(c, s, t) or _overlap(s, t) >= 0.5:
                        has_counterpart[x].add(s.index)
                        has_counterpart[y].add(t.index)
            if dated_apart:
                older, newer = (x, y) if da.row.date < db.row.date else (y, x)
                updates += _updates(docs[older], docs[newer], sents[older], sents[newer],
                                    cos if older == x else cos.T, seen)
                continue  # different days: an update, not a disagreement
            diffs += _lists(da, db, sa, sb, seen)
            best_a = {i: int(np.argmax(cos[i])) for i in range(len(sa))} if len(sb) else {}
            for i, s in enumerate(sa):
                if not len(sb):
                    break
                j = best_a[i]
                t = sb[j]
                if not _aligned(float(cos[i, j]), s, t):
                    continue
                pair = (da, db, s, t, float(cos[i, j]))
                diffs += _who(*pair, sa, sb, cos, seen) + _numbers(*pair, seen) + _whens(*pair, seen)
            diffs += _roles(da, db, sa, sb, seen)
    diffs.sort(key=lambda f: -f.score)
    updates.sort(key=lambda f: -f.score)
    # one-sided: no counterpart anywhere, and a name no other outlet's article mentions at all
    only = []
    for k, d in enumerate(docs):
        others = [o for o in docs if not same_source(o, d)]
        if not others:
            continue
        elsewhere = set().union(*(cit.names(o.text) | cit.content_tokens(o.text) for o in others))
        for s in sents[k][:12]:  # the top of an article is what it reports
            own = cit.names(" ".join(s.text.split()[1:])) - elsewhere  # not the capitalised first word
            if s.index not in has_counterpart[k] and own and 6 <= len(s.text.split()) <= 45 \
                    and not _UNNAMED_SPEAKER.search(s.text):
                only.append(OnlyReport(d, s.index, s.text))
    return Comparison(diffs[:limit], updates[:2], only)


def find_differences(docs: list[Doc], same_source: Callable[[Doc, Doc], bool] | None = None, limit: int = 4,
                     embed: Callable[[list[str]], np.ndarray] | None = None) -> list[Finding]:
    """The differences of `compare`, best first."""
    return compare(docs, embed, same_source, limit).differences


# -- the kinds of difference ------------------------------------------------------------------


def _low(d: Doc) -> str:
    return " ".join(d.text.lower().replace("’", "'").split())


def _lists(da: Doc, db: Doc, sa: list[_Sent], sb: list[_Sent], seen: set) -> list[Finding]:
    """A list of names sharing at least two names with the other's list but not all of them,
    whose extra names appear nowhere in the other article."""
    out = []
    low_a, low_b = _low(da), _low(db)
    for s in sa:
        for t in sb:
            for pa, na in name_lists(s.text):
                for pb, nb in name_lists(t.text):
                    ka, kb = {entity_key(n) for n in na}, {entity_key(n) for n in nb}
                    shared = ka & kb
                    if len(shared) < 2 or ka == kb:
                        continue
                    if any(e in low_b for e in ka - kb) or any(e in low_a for e in kb - ka):
                        continue  # the other article names it elsewhere: no disagreement
                    key = ("list", frozenset(ka), frozenset(kb))
                    if key in seen:
                        continue
                    seen.add(key)
                    shown = [n for n in na if entity_key(n) in shared]
                    out.append(Finding("list", f"who is listed with {_join(shown)}", Version(da, s.index, pa, pa),
                                       Version(db, t.index, pb, pb), 3.0 + len(shared)))
    return out


def _who(da: Doc, db: Doc, s: _Sent, t: _Sent, c: float, sa: list[_Sent], sb: list[_Sent], cos, seen: set) -> list[Finding]:
    """The first person of two aligned sentences differs, the rest of their clauses says the
    same thing, neither names the other's person, and no other sentence of the other article
    aligned with this claim names that person."""
    pa, pb = persons(s.text), persons(t.text)
    if not pa or not pb:
        return []
    a, b = pa[0], pb[0]
    if a.same(b) or mentions_person(t.text, a) or mentions_person(s.text, b):
        return []
    clause_a, clause_b = clause_from(s.text, a.start), clause_from(t.text, b.start)
    # the claim besides who must be the same one ("met the officials in Alaska"), not two people
    # saying two things on one subject
    rest_a = cit.content_tokens(clause_a[a.end - a.start:]) - cit.names(clause_a[a.end - a.start:])
    rest_b = cit.content_tokens(clause_b[b.end - b.start:]) - cit.names(clause_b[b.end - b.start:])
    if not rest_a or not rest_b or len(rest_a & rest_b) / min(len(rest_a), len(rest_b)) < 0.5:
        return []
    ia = next(i for i, x in enumerate(sa) if x is s)
    ib = next(j for j, y in enumerate(sb) if y is t)
    for j, y in enumerate(sb):  # does the other article also credit a with this claim?
        if _aligned(float(cos[ia, j]), s, y) and mentions_person(y.text, a):
            return []
    for i, x in enumerate(sa):
        if _aligned(float(cos[i, ib]), x, t) and mentions_person(x.text, b):
            return []
    key = ("who", a.key, b.key)
    if key in seen:
        return []
    seen.add(key)
    return [Finding("who", "who did it", Version(da, s.index, s.text[a.start:a.end], clause_a),
                    Version(db, t.index, t.text[b.start:b.end], clause_b), 2.5 + c)]


def _roles(da: Doc, db: Doc, sa: list[_Sent], sb: list[_Sent], seen: set) -> list[Finding]:
    """One person given another rank of the same role ("Commissioner" vs "Deputy Commissioner",
    "President" vs "former President"); two different roles may both be true."""
    out = []
    first_b: dict[str, tuple[_Sent, object]] = {}
    for t in sb:
        for p in persons(t.text):
            if p.role_words():
                first_b.setdefault(p.key, (t, p))
    done: set[str] = set()
    for s in sa:
        for p in persons(s.text):
            if p.key in done or not p.role_words() or p.key not in first_b:
                continue
            done.add(p.key)
            t, q = first_b[p.key]
            if p.role_words() == q.role_words() or not (p.role_words() ^ q.role_words()) <= _MODIFIERS:
                continue  # "Prime Minister" and "Liberal leader" can both be true: only a rank differs
            key = ("role", p.key)
            if key in seen:
                continue
            seen.add(key)
            out.append(Finding("role", f"the role of {p.name}", Version(da, s.index, p.role, clause_from(s.text, p.start)),
                               Version(db, t.index, q.role, clause_from(t.text, q.start)), 2.0))
    return out


def _numbers(da: Doc, db: Doc, s: _Sent, t: _Sent, c: float, seen: set) -> list[Finding]:
    """One noun counted with different numbers, neither number appearing in the other article."""
    out = []
    if _overlap(s, t) < SAME_CLAIM:
        return out  # two figures of two things ("500 left", "200 returned")
    na, nb = counted(s.text), counted(t.text)
    low_a, low_b = _low(da).replace(",", ""), _low(db).replace(",", "")
    for noun in sorted(set(na) & set(nb)):
        (va, pa), (vb, pb) = na[noun], nb[noun]
        if va == vb:
            continue
        if re.search(rf"(?<![\d.]){re.escape(vb)}\b", low_a) or re.search(rf"(?<![\d.]){re.escape(va)}\b", low_b):
            continue
        key = ("num", noun, va, vb)
        if key in seen:
            continue
        seen.add(key)
        word = re.sub(r"^.*?[\d,.]+\s*", "", pa) or noun
        out.append(Finding("how many", f"the number of {word}", Version(da, s.index, pa, clause_from(s.text, s.text.find(pa))),
                           Version(db, t.index, pb, clause_from(t.text, t.text.find(pb))), 1.5 + c))
    return out


def _whens(da: Doc, db: Doc, s: _Sent, t: _Sent, c: float, seen: set) -> list[Finding]:
    """The same kind of time (a weekday, a date) given differently, the other's nowhere in the
    other article."""
    out = []
    if _overlap(s, t) < SAME_CLAIM:
        return out
    wa, wb = whens(s.text), whens(t.text)
    for kind in sorted(set(wa) & set(wb)):
        (va, pa), (vb, pb) = wa[kind], wb[kind]
        if va == vb or vb in _low(da) or va in _low(db):
            continue
        key = ("when", va, vb)
        if key in seen:
            continue
        seen.add(key)
        out.append(Finding("when", "when it happened", Version(da, s.index, pa, _clause_of(s.text, pa)),
                           Version(db, t.index, pb, _clause_of(t.text, pb)), 1.5 + c))
    return out


def _clause_of(sentence: str, phrase: str) -> str:
    """The clause that holds `phrase`: from the start of the sentence or the last comma before it."""
    at = sentence.find(phrase)
    start = sentence.rfind(", ", 0, at)
    start = 0 if start < 0 else start + 2
    text = clause_from(sentence, start, 24)
    return text if phrase in text else clause_from(sentence, at, 24)


def _updates(old: Doc, new: Doc, so: list[_Sent], sn: list[_Sent], cos, seen: set) -> list[Finding]:
    """A number for the same noun, in aligned sentences of a later report, that differs."""
    out = []
    for i, s in enumerate(so):
        no = counted(s.text)
        if not no:
            continue
        for j, t in enumerate(sn):
            if not _aligned(float(cos[i, j]), s, t):
                continue
            nn = counted(t.text)
            for noun in sorted(set(no) & set(nn)):
                (vo, po), (vn, pn) = no[noun], nn[noun]
                if vo == vn:
                    continue
                key = ("update", noun, vo, vn)
                if key in seen:
                    continue
                seen.add(key)
                word = re.sub(r"^.*?[\d,.]+\s*", "", pn) or noun
                out.append(Finding("update", f"the number of {word}", Version(old, s.index, po, clause_from(s.text, s.text.find(po))),
                                   Version(new, t.index, pn, t.text), 1.0 + float(cos[i, j])))
    return out
