"""Differences between outlets, found deterministically in the article text: lists of names and
counted things (numbers with their noun) that two versions of one event give differently."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable


from bot.core import citations as cit
from bot.core.grounding import Prepared
from bot.core.briefing.records import Doc, _join

# -- differences --------------------------------------------------------------------------

_NAME = r"(?:[Tt]he\s+)?[A-Z][\w’'\-]*(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w’'\-]*)*"
_LIST = re.compile(rf"({_NAME}(?:\s*,\s*{_NAME})*\s*,?\s+(?:and|&)\s+{_NAME})")
_SPLIT_LIST = re.compile(r"\s*,\s*(?:and\s+|&\s+)?|\s+(?:and|&)\s+")
_NUM_NOUN = re.compile(r"(?<![\w.$])(\d[\d,]*(?:\.\d+)?)\s*(?:per\s?cent\b|%|([a-z][a-z\-]{2,}))")
_NOT_COUNTED = frozenset("""am pm years year days day hours hour weeks week months month minutes minute seconds
second times time per and or to of in on at a the percent cent kilometres kilometre km metres""".split())
_DIFF_FRAME = "accounts reports differ names gives number article report"


def _entity_key(name: str) -> str:
    name = re.sub(r"^(?:the)\s+", "", name.strip(), flags=re.I)
    return " ".join(name.lower().replace("’", "'").split())


def name_lists(sentence: str) -> list[tuple[str, list[str]]]:
    """Lists of two or more names in a sentence ("Canada and the United Kingdom"): each as
    (the exact list text, the names)."""
    out = []
    for m in _LIST.finditer(sentence):
        text = m.group(1)
        parts = [p for p in _SPLIT_LIST.split(text) if p.strip()]
        names = []
        for j, p in enumerate(parts):
            key = _entity_key(p)
            if not key or key in cit.STOPWORDS or key in cit._COMMON_START:
                continue
            if j == 0 and m.start() == 0 and " " not in key and key in cit._COMMON_START:
                continue
            names.append(p.strip())
        # a list that starts with a sentence-initial common word ("However, Canada and Britain")
        if names and _entity_key(names[0]) in cit._COMMON_START:
            names = names[1:]
        if len(names) >= 2:
            start = text.find(names[0])
            out.append((text[start:] if start >= 0 else text, names))
    return out


def counted(sentence: str) -> dict[str, tuple[str, str]]:
    """Numbers with the noun they count: {noun stem: (number, exact text)} ("500 residents")."""
    out: dict[str, tuple[str, str]] = {}
    for m in _NUM_NOUN.finditer(sentence):
        num = m.group(1).replace(",", "").rstrip(".")
        noun = m.group(2)
        if noun is None:
            noun = "percent"
        elif noun in _NOT_COUNTED or noun in cit.STOPWORDS:
            continue
        if re.fullmatch(r"(?:19|20)\d\d", num):
            continue  # a year
        out.setdefault(cit.stem(noun), (num, m.group(0)))
    return out


@dataclass
class CheckedDifference:
    detail: str
    lead: str
    clause_a: str
    clause_b: str
    prep_a: Prepared
    prep_b: Prepared
    support_a: cit.Support
    support_b: cit.Support
    who_a: str
    who_b: str

    @property
    def text(self) -> str:
        return f"{self.lead}: {self.clause_a}, while {self.clause_b}."


@dataclass
class Version:
    doc: Doc
    index: int  # sentence number in the article
    phrase: str  # the differing detail, exactly as the article writes it


def find_differences(docs: list[Doc], same_source: Callable[[Doc, Doc], bool] | None = None,
                     limit: int = 3) -> list[tuple[str, Version, Version, float]]:
    """Details that articles from different sources (outlets, else files) of one event report
    differently: a list of names that shares at least two names with the other's list but not
    all of them (and the extra names appear nowhere in the other article), or one noun counted
    with different numbers in closely matching sentences. Only what the texts say; best first."""
    same_source = same_source or (lambda a, b: a.source == b.source)
    found: list[tuple[str, Version, Version, float]] = []
    seen: set[tuple] = set()
    info = []
    for d in docs:
        sents = []
        for i, (a, b) in enumerate(d.sentences):
            s = d.text[a:b]
            sents.append((i, s, name_lists(s), counted(s)))
        info.append((d, sents, " ".join(d.text.lower().replace("’", "'").split())))
    for x in range(len(info)):
        for y in range(x + 1, len(info)):
            da, sa, low_a = info[x]
            db, sb, low_b = info[y]
            if same_source(da, db):
                continue
            if da.row.date and db.row.date and da.row.date != db.row.date:
                continue  # different days: an update, not a disagreement
            for ia, ta, lists_a, nums_a in sa:
                for ib, tb, lists_b, nums_b in sb:
                    for pa, na in lists_a:
                        for pb, nb in lists_b:
                            ka, kb = {_entity_key(n) for n in na}, {_entity_key(n) for n in nb}
                            shared = ka & kb
                            if len(shared) < 2 or ka == kb:
                                continue
                            only_a, only_b = ka - kb, kb - ka
                            if any(e in low_b for e in only_a) or any(e in low_a for e in only_b):
                                continue  # the other article names it elsewhere: no disagreement
                            key = ("names", frozenset(ka), frozenset(kb))
                            if key in seen:
                                continue
                            seen.add(key)
                            shown = [n for n in na if _entity_key(n) in shared]
                            detail = f"the names listed with {_join(shown)}"
                            found.append((detail, Version(da, ia, pa), Version(db, ib, pb), 2.0 + len(shared)))
                    if nums_a and nums_b:
                        common = set(nums_a) & set(nums_b)
                        ta_tok, tb_tok = cit.content_tokens(ta), cit.content_tokens(tb)
                        sim = len(ta_tok & tb_tok) / max(len(ta_tok | tb_tok), 1)
                        for noun in sorted(common):
                            (va, pa), (vb, pb) = nums_a[noun], nums_b[noun]
                            if va == vb or sim < 0.3:
                                continue
                            if re.search(rf"(?<![\d.]){re.escape(vb)}\b", low_a.replace(",", "")) or \
                                    re.search(rf"(?<![\d.]){re.escape(va)}\b", low_b.replace(",", "")):
                                continue
                            key = ("num", noun, va, vb)
                            if key in seen:
                                continue
                            seen.add(key)
                            word = re.sub(r"^[\d,.]+\s*", "", pa) or noun
                            found.append((f"the number of {word}", Version(da, ia, pa), Version(db, ib, pb), 1.0 + sim))
    found.sort(key=lambda f: -f[3])
    return found[:limit]
