"""Stories as a reader sees them: each story's headline, date span, articles, outlets and
independent reports, and finding the story a command names (a story id, an article id, or a topic
resolved by retrieval). The grouping itself is bot.store.stories (made at ingest, kept in the
registry); nothing here needs a model.

Independent reports: the story's articles with copies counted once: near-identical copies found at
ingest (`dup_of`), and within a story an article whose word 3-shingles are mostly (COPY_CONTAINMENT)
in another's (one outlet's copy of a wire story with paragraphs added or cut, which the Jaccard
test of ingest misses). A byte-identical copy is one article already (its files are in `files`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from bot.core import citations as cit
from bot.errors import IndexError_, UsageError
from bot.store.base import BaseIndex
from bot.store.records import ArticleRecord
from bot.text import date_int, sentence_spans

HEADLINE_WORDS = 14
COPY_CONTAINMENT = 0.8  # an article whose 3-shingles are this much in another's of its story is a copy of it


@dataclass
class Story:
    id: str
    headline: str  # the lead sentence of its most central article, shortened
    lead: dict  # that sentence, cited: article_id, file, date, start, end, text
    first_date: str | None
    last_date: str | None
    articles: list[dict]  # {id, title, file, files, outlet, date, dup_of}, in the order they were added
    outlets: list[str]
    reports: int  # independent reports (copies count once)
    files: int  # files holding its articles (byte-identical copies included)
    copies: list[dict] = field(default_factory=list)  # {article, of, how}: the articles not counted as reports

    def to_json(self) -> dict:
        return asdict(self)


def lead_sentence(text: str) -> tuple[int, int] | None:
    """The span of an article's first real sentence (four words or more)."""
    for a, b in sentence_spans(text or ""):
        if len(text[a:b].split()) >= 4:
            return a, b
    return None


def headline_of(sentence: str, words: int = HEADLINE_WORDS) -> str:
    """A short headline from a lead sentence: the sentence when short, else up to its last clause
    break within `words` words (after six at least), else its first `words` words without a name
    cut in half; with an ellipsis."""
    s = " ".join(sentence.split()).rstrip(".")
    ws = s.split()
    if len(ws) <= words + 2:
        return s
    head = ws[:words]
    breaks = [i for i, w in enumerate(head) if i >= 5 and w[-1] in ",;:"]
    if breaks:
        head = head[:breaks[-1] + 1]
    else:
        while len(head) > 6 and head[-1][:1].isupper() and ws[len(head)][:1].isupper():
            head = head[:-1]  # "... New South" + "Wales": stop before the name
    return " ".join(head).rstrip(",;: ") + "…"


def _central(rows: list[ArticleRecord], texts: dict[str, str]) -> ArticleRecord:
    """The article whose lead sentence the others share most words with (ties: the earliest dated,
    then the first added)."""
    if len(rows) == 1:
        return rows[0]
    toks = {r.id: cit.content_tokens(texts[r.id]) for r in rows}

    def score(r: ArticleRecord) -> tuple:
        span = lead_sentence(texts[r.id])
        lead = cit.content_tokens(texts[r.id][span[0]:span[1]]) if span else set()
        shared = sum(len(lead & toks[o.id]) / max(len(lead), 1) for o in rows if o.id != r.id)
        return (-round(shared, 6), date_int(r.date) or 99999999)

    return min(rows, key=score)


def list_stories(index: BaseIndex, source: str | None = None, since: str | None = None,
                 until: str | None = None) -> list[Story]:
    """The stories of the articles that pass the filters (a story lists only those articles), the
    most reported first, then the newest, then in the order they began."""
    rows = index.articles(source=source, since=since, until=until)
    if not rows:
        if not index.counts()[0]:
            raise IndexError_("Index is empty", "no stories; run `newsbot ingest PATH` first.")
        return []
    order = {aid: i for i, aid in enumerate(index.stories())}
    rows.sort(key=lambda r: order.get(r.id, len(order)))
    groups: dict[str, list[ArticleRecord]] = {}
    for r in rows:
        groups.setdefault(r.story or "s" + r.id[:11], []).append(r)
    stories = [make_story(index, sid, members) for sid, members in groups.items()]
    first = {sid: i for i, sid in enumerate(groups)}
    stories.sort(key=lambda s: (-s.reports, -date_int(s.last_date), first[s.id]))
    return stories


def copies_of(members: list[ArticleRecord], texts: dict[str, str]) -> dict[str, tuple[str, str]]:
    """article id -> (the earlier article of the story it copies, how it was found), for the copies."""
    from bot.store.dedup import containment

    ids = {r.id for r in members}
    out: dict[str, tuple[str, str]] = {r.id: (r.dup_of, "near-identical (found at ingest)")
                                       for r in members if r.dup_of in ids}
    originals = [r for r in members if r.id not in out]
    for i, r in enumerate(originals):
        for o in originals[:i]:
            if o.id not in out and containment(texts[r.id], texts[o.id]) >= COPY_CONTAINMENT:
                out[r.id] = (o.id, "one contains the other")
                break
    return out


def make_story(index: BaseIndex, sid: str, members: list[ArticleRecord]) -> Story:
    texts = {r.id: index.article(r.id).text or "" for r in members}
    copies = copies_of(members, texts) if len(members) > 1 else {}
    roots = {r.id for r in members if r.id not in copies}
    head = _central([r for r in members if r.id in roots], texts)
    span = lead_sentence(texts[head.id]) or (0, min(len(texts[head.id]), 200))
    sentence = texts[head.id][span[0]:span[1]]
    dates = sorted(r.date for r in members if r.date)
    return Story(
        id=sid, headline=headline_of(sentence or head.title), first_date=dates[0] if dates else None,
        last_date=dates[-1] if dates else None,
        lead={"article_id": head.id, "file": head.file, "date": head.date, "outlet": head.outlet,
              "start": span[0], "end": span[1], "text": sentence},
        articles=[{"id": r.id, "title": r.title, "file": r.file, "files": r.files, "outlet": r.outlet, "date": r.date,
                   "dup_of": r.dup_of} for r in members],
        outlets=sorted({r.outlet for r in members if r.outlet}), reports=len(roots),
        files=sum(max(len(r.files), 1) for r in members),
        copies=[{"article": a, "of": of, "how": how} for a, (of, how) in copies.items()])


@dataclass
class Resolved:
    story: str
    how: str  # "story id", "article id" or "search"
    members: list[ArticleRecord] = field(default_factory=list)  # in the order they were added


def resolve(index: BaseIndex, target: str, k: int = 8) -> Resolved:
    """The story `target` names: a story id (or a unique prefix of one), an article id (or a
    unique prefix: its story), else the story whose passages rank best for `target` as a topic
    (each retrieved passage that shares its words votes 1/rank for its article's story)."""
    target = (target or "").strip()
    if not target:
        raise UsageError("No story given", "give a story id (see `newsbot stories`) or a topic.")
    of = index.stories()
    rows = index.articles()
    if not rows:
        raise IndexError_("Index is empty", "no stories; run `newsbot ingest PATH` first.")
    by_story: dict[str, list[ArticleRecord]] = {}
    order = {aid: i for i, aid in enumerate(of)}
    for r in sorted(rows, key=lambda r: order.get(r.id, len(order))):
        by_story.setdefault(of.get(r.id) or "s" + r.id[:11], []).append(r)
    if re.fullmatch(r"[0-9a-fs]{4,}", target.lower()):
        t = target.lower()
        hits = [s for s in by_story if s.startswith(t)]
        if len(hits) == 1:
            return Resolved(hits[0], "story id", by_story[hits[0]])
        arts = [r for r in rows if r.id.startswith(t)]
        if len({of.get(r.id) for r in arts}) == 1 and arts:
            sid = of.get(arts[0].id) or "s" + arts[0].id[:11]
            return Resolved(sid, "article id", by_story[sid])
    votes: dict[str, float] = {}
    for rank, p in enumerate(index.search(target, k=k)):
        sid = of.get(p.article_id)
        # a passage the keyword search found shares the topic's words; dense search always answers
        if sid is not None and p.keyword_rank is not None:
            votes[sid] = votes.get(sid, 0.0) + 1.0 / (rank + 1)
    if not votes:
        raise UsageError("No such story", f"no story id starts with {target!r} and no article mentions its words; "
                         "see `newsbot stories`.")
    sid = max(votes, key=lambda s: (votes[s], -list(by_story).index(s) if s in by_story else 0))
    return Resolved(sid, "search", by_story.get(sid, []))
