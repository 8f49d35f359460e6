"""The timeline of a story: its events in order, each a sentence quoted from an article (file,
date, character offsets), chosen without a model: an article's lead sentence (what happened) and
the sentences that say when something happened (a date, a weekday, yesterday, last week...).

When an article is dated, a sentence's own time words are resolved against that date ("Monday" in
an article of Wednesday 2021-03-24 is 2021-03-22, "yesterday" the day before); otherwise the
event takes the article's date. Undated articles cannot be placed in time: their events follow the
dated ones, in the order the articles were added (and their order in the article), and each says
so. The same event told by two articles (most of its words shared) is listed once, with the
other article under `also_in`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from bot.core import citations as cit
from bot.core.stories import Resolved, copies_of, lead_sentence, make_story, resolve
from bot.store.base import BaseIndex
from bot.text import normalize_date, sentence_spans

PER_ARTICLE = 3  # the lead and up to two dated sentences per article
SAME_EVENT = 0.7  # share of content words for two sentences to tell the same event
_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_FULL_DATE = re.compile(rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\s+\d{{4}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|"
                        r"\d{4}-\d{2}-\d{2})\b", re.I)
_DAY_MONTH = re.compile(rf"\b(?:(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})|({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?)\b", re.I)
_RELATIVE = re.compile(r"\b(yesterday|today|tonight|overnight|this (?:morning|afternoon|evening|week)|last (?:night|week|month)|"
                       r"(?:on |last |this |next )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|tomorrow)\b", re.I)


_ASIDE = re.compile(r"(?:Meanwhile|Elsewhere|In other news|Separately)\b")


@dataclass
class Event:
    n: int
    date: str | None  # when it happened, as far as the text and the article's date say; None: undated
    when: str  # how that date was found, in words
    text: str  # the sentence, verbatim
    article_id: str
    file: str
    outlet: str | None
    article_date: str | None
    start: int
    end: int
    also_in: list[str] = field(default_factory=list)  # files of other articles telling the same event

    def to_json(self) -> dict:
        return asdict(self)


def event_date(sentence: str, article_date: str | None) -> tuple[str | None, str]:
    """(ISO date, how it was found) of what `sentence` reports, in an article of `article_date`."""
    m = _FULL_DATE.search(sentence)
    if m and normalize_date(m.group(0)):
        return normalize_date(m.group(0)), f"stated: {m.group(0)}"
    try:
        d = date.fromisoformat(article_date) if article_date else None
    except ValueError:
        d = None
    if d is None:
        return None, "undated article: placed by the order articles were added"
    m = _DAY_MONTH.search(sentence)
    if m:
        day, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        got = normalize_date(f"{day} {month} {d.year}")
        if got:
            if got > article_date:  # "December 30" in an article of January 2: last year
                got = normalize_date(f"{day} {month} {d.year - 1}") or got
            return got, f"stated: {m.group(0)} (year of the article)"
    m = _RELATIVE.search(sentence)
    if m:
        word = m.group(1).lower()
        day = word.split()[-1]
        if day in _DAYS:
            back = (d.weekday() - _DAYS.index(day)) % 7
            if word.startswith("next") or (word.startswith("this") and back):
                back = -((_DAYS.index(day) - d.weekday()) % 7 or 7)
            elif word.startswith("last") and back == 0:
                back = 7
            return (d - timedelta(days=back)).isoformat(), f"{m.group(1)}, in an article of {article_date}"
        shift = {"yesterday": 1, "tomorrow": -1, "last night": 1, "last week": 7, "last month": 30}.get(word, 0)
        about = "about " if word in ("last week", "last month") else ""
        return (d - timedelta(days=shift)).isoformat(), f"{about}{m.group(1)}, in an article of {article_date}"
    return article_date, "the article's date"


def _pick(text: str, story_words: set[str]) -> list[tuple[int, int]]:
    """The sentences of an article that state events: its lead, then those that say when and
    share two words or more with the story's leads (an aside about something else does not).
    A quotation is what someone said, not an event: only a lead may be one."""
    lead = lead_sentence(text)
    spans = [lead] if lead else []
    for a, b in sentence_spans(text):
        if len(spans) >= PER_ARTICLE:
            break
        s = text[a:b]
        if (a, b) == lead or len(s.split()) < 6 or s[:1] in "\"“'‘" or _ASIDE.match(s):
            continue
        if (_FULL_DATE.search(s) or _DAY_MONTH.search(s) or _RELATIVE.search(s)) and \
                len(cit.content_tokens(s) & story_words) >= 2:
            spans.append((a, b))
    return spans


@dataclass
class Timeline:
    query: str
    story: str
    resolved_by: str
    headline: str
    events: list[Event]
    dated: int
    undated: int
    note: str

    def to_json(self) -> dict:
        d = asdict(self)
        d["events"] = [e.to_json() for e in self.events]
        return d


def timeline(index: BaseIndex, target: str) -> Timeline:
    found: Resolved = resolve(index, target)
    members = found.members
    every = {r.id: index.article(r.id).text or "" for r in members}
    copy_of = copies_of(members, every)
    files = {r.id: r.file for r in members}
    copies: dict[str, list[str]] = {}
    for aid, (of, _how) in copy_of.items():
        copies.setdefault(of, []).append(files[aid])
    texts = {aid: t for aid, t in every.items() if aid not in copy_of}
    story_words: set[str] = set()
    for text in texts.values():
        lead = lead_sentence(text)
        story_words |= cit.content_tokens(text[lead[0]:lead[1]]) if lead else set()
    found_events: list[tuple[tuple, Event, set[str]]] = []
    for pos, r in enumerate(members):
        if r.id not in texts:
            continue  # a copy: its events are the original's (listed under also_in)
        text = texts[r.id]
        for a, b in _pick(text, story_words):
            s = text[a:b]
            day, how = event_date(s, r.date)
            e = Event(0, day, how, s, r.id, r.file, r.outlet, r.date, a, b, also_in=list(copies.get(r.id, [])))
            toks = cit.content_tokens(s)
            same = next((x for x in found_events if toks and len(toks & x[2]) / len(toks | x[2]) >= SAME_EVENT), None)
            if same is not None:
                same[1].also_in.append(r.file)
                continue
            found_events.append(((day is None, day or "", pos, a), e, toks))
    found_events.sort(key=lambda x: x[0])
    events = [e for _k, e, _t in found_events]
    for i, e in enumerate(events, 1):
        e.n = i
    dated = sum(1 for e in events if e.date)
    undated = len(events) - dated
    note = "in date order" if not undated else \
        ("no article of this story is dated: events are in the order the articles were added, then their order "
         "in each article" if not dated else
         f"{dated} dated events in date order, then {undated} from undated articles in the order they were added")
    headline = make_story(index, found.story, members).headline if members else ""
    return Timeline(target, found.story, found.how, headline,
                    events, dated, undated, note)
