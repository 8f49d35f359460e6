"""Stories: articles grouped by the event they report, kept in the registry (`articles.story`).

An article joins the story whose articles it is most like on average (average link), when that
reaches STORY_THRESHOLD; otherwise it starts a story of its own, named after it ("s" + the first
11 hex digits of its id). "Like" is the cosine of the two articles' vectors (the mean of their
chunk embeddings, as stored in the vector store) plus NAMES_WEIGHT times the overlap of the names
they mention (capitalised words, weighted by rarity: two bushfire reports share "Blue Mountains",
not just "Australia"), both taken from the article's lead (its first chunk, its first LEAD_CHARS):
the lead says what happened, and a news bulletin's later items ("Meanwhile, ...") are other
stories. Two dated articles more than MAX_DAYS apart are not the same story.
A near-duplicate (`dup_of`) always joins the story of the article it copies; a byte-identical copy
is the same article row already. When a new article makes two stories alike enough, the younger
merges into the older (so the order articles arrive in matters less).

Stories are assigned at the end of every ingest (`assign_stories`), and for an index written
before stories existed on the first read that needs them; the article vectors and names are kept
(`articles.story_vec`, `articles.names`) so a later ingest compares new articles without reading
the vector store again.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from bot.errors import DiskFull, low_space
from bot.text import STOPWORDS, stem

STORY_THRESHOLD = 0.75  # average link (cosine + NAMES_WEIGHT x names overlap); tuned on lee_background
NAMES_WEIGHT = 0.5
MAX_DAYS = 7  # dated articles further apart than this are different stories
LEAD_CHARS = 1000  # the opening that says what an article reports
STORY_METHOD = "lead-1"  # recorded with the stories (meta `stories`); another value: they are made again

_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_SENT = re.compile(r"(?<=[.!?\"”])\s+")
_MONTHS = frozenset("january february march april may june july august september october november december".split())
_NOT_NAMES = frozenset("""the a an in on at he she it they we this that these those there after before while when
during however but and so its his her their as by for from with about mr mrs ms dr our if meanwhile""".split())


def names_of(text: str) -> frozenset[str]:
    """Stems of the capitalised words of `text` (a sentence's first word only when it is not a
    common word): the people, places and organisations it mentions."""
    out: set[str] = set()
    for sent in _SENT.split(text):
        for i, w in enumerate(_WORD.findall(sent)):
            lw = w.lower()
            if not w[0].isupper() or len(w) < 3 or lw in STOPWORDS or lw in _MONTHS or (i == 0 and lw in _NOT_NAMES):
                continue
            out.add(stem(w))
    return frozenset(out)


def story_id(article_id: str) -> str:
    return "s" + article_id[:11]


@dataclass
class Item:
    """One article as the grouping sees it (in ingest order)."""

    id: str
    vec: np.ndarray  # L2-normalised article vector
    names: frozenset[str]
    day: int = 0  # date as YYYYMMDD, 0 when undated
    dup_of: str | None = None
    story: str | None = None  # already assigned (kept unless a merge moves it)


def _ordinal(day: int) -> int | None:
    try:
        return date(day // 10000, day // 100 % 100, day % 100).toordinal() if day else None
    except ValueError:
        return None


@dataclass
class _Groups:
    items: list[Item]
    threshold: float
    weight: float
    max_days: int
    idf: dict[str, float] = field(default_factory=dict)

    def __post_init__(self):
        n = max(len(self.items), 1)
        df: dict[str, int] = {}
        for it in self.items:
            for x in it.names:
                df[x] = df.get(x, 0) + 1
        self.idf = {x: math.log((n + 1) / c) for x, c in df.items()}
        self.vecs = np.stack([it.vec for it in self.items]).astype(np.float32) if self.items else np.zeros((0, 1))
        self.days = [_ordinal(it.day) for it in self.items]
        self.mass = [sum(self.idf[x] for x in it.names) for it in self.items]

    def sims(self, i: int, members: list[int]) -> np.ndarray:
        """Likeness of item i to each of `members`: cosine + weight x names overlap (idf-weighted,
        over the geometric mean of the two sets' weights); 0 for dated pairs too far apart."""
        cos = self.vecs[members] @ self.vecs[i]
        out = cos.astype(np.float64)
        a = self.items[i]
        for k, j in enumerate(members):
            if cos[k] + self.weight < self.threshold:
                continue  # names cannot lift it over the threshold
            b = self.items[j]
            shared = sum(self.idf[x] for x in a.names & b.names)
            if shared:
                out[k] += self.weight * shared / math.sqrt(max(self.mass[i] * self.mass[j], 1e-9))
            if self.days[i] is not None and self.days[j] is not None and abs(self.days[i] - self.days[j]) > self.max_days:
                out[k] = 0.0
        return out

    def link(self, a: list[int], b: list[int]) -> float:
        """Average link between two groups of items."""
        return float(np.mean(np.concatenate([self.sims(i, b) for i in a])))


def group(items: list[Item], threshold: float = STORY_THRESHOLD, weight: float = NAMES_WEIGHT,
          max_days: int = MAX_DAYS) -> dict[str, str]:
    """The story id of every item. Items that have a story keep it (unless a merge moves their
    story into an older one); the others join or start stories one at a time, in order. Only the
    stories holding an item within reach (cosine + weight >= threshold) are scored: names add at
    most `weight`, so no other story can reach the threshold on average."""
    g = _Groups(items, threshold, weight, max_days)
    pos = {it.id: i for i, it in enumerate(items)}
    stories: dict[str, list[int]] = {}  # story id -> item indexes; dict order = age of the story
    where: list[str | None] = [it.story or None for it in items]
    for i, sid in enumerate(where):
        if sid:
            stories.setdefault(sid, []).append(i)
    for i, it in enumerate(items):
        if where[i]:
            continue
        sid = where[pos[it.dup_of]] if it.dup_of in pos else None
        if sid is None:
            best, best_score = None, threshold
            for s in _within_reach(g, [i], where, stories):
                score = float(np.mean(g.sims(i, _roots(g, stories[s]))))
                if score >= best_score:
                    best, best_score = s, score
            sid = best
        if sid is None:
            sid = story_id(it.id)
            stories[sid] = []
        stories[sid].append(i)
        where[i] = sid
        _merge(g, stories, sid, where)
    return {it.id: where[i] for i, it in enumerate(items)}


def _roots(g: _Groups, members: list[int]) -> list[int]:
    """The members that are not near-duplicate copies (copies count once)."""
    return [j for j in members if g.items[j].dup_of is None] or members


def _within_reach(g: _Groups, mine: list[int], where: list[str | None], stories: dict[str, list[int]]) -> list[str]:
    """The stories (oldest first) holding an item whose cosine to one of `mine` could reach the
    threshold with the names' help."""
    near = np.nonzero((g.vecs[mine] @ g.vecs.T).max(axis=0) + g.weight >= g.threshold)[0]
    found = {where[j] for j in near if where[j]}
    return [s for s in stories if s in found]


def _merge(g: _Groups, stories: dict[str, list[int]], sid: str, where: list[str | None]) -> None:
    """Merge the grown story with the others it is now alike enough to (the younger into the older)."""
    while True:
        mine = _roots(g, stories[sid])
        best, best_score = None, g.threshold
        for s in _within_reach(g, mine, where, stories):
            if s == sid:
                continue
            score = g.link(mine, _roots(g, stories[s]))
            if score >= best_score:
                best, best_score = s, score
        if best is None:
            return
        order = list(stories)
        old, young = (best, sid) if order.index(best) < order.index(sid) else (sid, best)
        stories[old] = sorted(stories[old] + stories.pop(young))
        for j in stories[old]:
            where[j] = old
        sid = old


def article_vector(chunk_vectors: list[np.ndarray]) -> np.ndarray | None:
    """The mean of an article's chunk embeddings, L2-normalised (None without any)."""
    if not chunk_vectors:
        return None
    v = np.mean(np.stack(chunk_vectors), axis=0).astype(np.float32)
    return v / max(float(np.linalg.norm(v)), 1e-9)


def assign_stories(lib, save: bool = True) -> dict[str, str]:
    """Give every article of `lib` (an Index) a story; returns article id -> story id. New
    articles are compared by their stored vectors (read from the vector store once, then kept in
    the registry). Saved when `save` and the registry can hold stories (schema 3, writable) and no
    writer holds the index (a reader does not wait for an ingest: it groups in memory). Stories
    made by another STORY_METHOD are made again, all of them."""
    reg = lib.registry
    same_method = reg.story_method() == STORY_METHOD
    if same_method and not reg.unassigned_stories():
        return reg.story_of()
    rows = [dict(r) for r in reg.story_rows()]
    if not same_method:
        for r in rows:
            r["story"] = r["story_vec"] = r["names"] = None
    todo = [r for r in rows if r["story_vec"] is None]
    if todo and lib._run is None and not lib.settings.chroma_url and low_space(lib.root):
        # Chroma, read on a full disk, can hang rather than fail (an ingest has just written to it)
        raise DiskFull(lib.root, lib.root / "chroma", "too little room to read the vector store for stories",
                       again="run the same command again")
    vecs = _article_vectors(lib, todo)
    items: list[Item] = []
    fresh: dict[str, tuple[bytes | None, str | None]] = {}
    for r in rows:
        vec = np.frombuffer(r["story_vec"], dtype=np.float32) if r["story_vec"] is not None else vecs[r["id"]]
        names = frozenset(r["names"].split()) if r["names"] is not None else names_of(lead_text(r["text"]))
        if r["story_vec"] is None or r["names"] is None:
            fresh[r["id"]] = (vec.astype(np.float32).tobytes() if r["story_vec"] is None else None,
                              " ".join(sorted(names)) if r["names"] is None else None)
        items.append(Item(r["id"], vec, names, int(r["date_int"] or 0), r["dup_of"], r["story"]))
    of = group(items)
    if save and not reg.read_only and reg.has_story_columns():
        changed = [(r["id"], of[r["id"]], *fresh.get(r["id"], (None, None))) for r in rows
                   if of[r["id"]] != r["story"] or r["id"] in fresh]
        _save(lib, changed)
    return of


def lead_text(text: str) -> str:
    """The opening of an article, up to LEAD_CHARS and the end of a sentence: what it reports
    (a bulletin's later items, "Meanwhile, ...", are other stories)."""
    if len(text) <= LEAD_CHARS:
        return text
    cut = max(text.rfind(". ", 0, LEAD_CHARS), text.rfind(".\n", 0, LEAD_CHARS))
    return text[:cut + 1] if cut > LEAD_CHARS // 3 else text[:LEAD_CHARS]


def _save(lib, changed: list[tuple]) -> None:
    """Write the story columns (and the method they were made by); skipped when another process
    holds the index (it will assign them itself, or the next reader will) or it cannot be written."""
    from bot.errors import IndexError_

    if lib._run is not None:  # inside an ingest: the write lock is ours already
        lib.registry.set_stories(changed, STORY_METHOD)
        return
    try:
        with lib.write_lock(timeout=0):
            lib.registry.set_stories(changed, STORY_METHOD)
    except IndexError_:
        pass  # busy, read-only or a full disk: computed again by the next reader


def _article_vectors(lib, rows: list) -> dict[str, np.ndarray]:
    """The vector of each article of `rows`: the stored embedding of its first chunk (its lead),
    else (the store lacks it) an embedding of its opening."""
    got: dict[str, np.ndarray] = {}
    ids = [f"{r['id']}:0" for r in rows]
    for s in range(0, len(ids), 1000):
        got.update(lib.embeddings(ids[s:s + 1000]))
    out = {r["id"]: article_vector([got[f"{r['id']}:0"]]) for r in rows if f"{r['id']}:0" in got}
    todo = [r for r in rows if r["id"] not in out]
    if todo:
        for r, v in zip(todo, lib.embedder.embed([lead_text(r["text"]) for r in todo])):
            out[r["id"]] = article_vector([np.asarray(v, dtype=np.float32)])
    return out
