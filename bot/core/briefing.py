"""Briefings: one checked paragraph about a topic, or about the newest articles.

select articles (retrieval for a topic, newest N without one; near-duplicates count once)
→ group them by event (greedy cosine clustering of article vectors)
→ key sentences per article (extractive: centrality to its event + position in the article)
→ a compact prompt of numbered key passages (bounded budget, whatever the number of articles)
→ the model writes 4–7 sentences, each checked by `grounding.check_answer` (the same checker as
  `ask`); unsupported ones are dropped; too few → filled up with extractive key sentences
→ differences between outlets (lists of names, numbers), found deterministically in the
  article text and stated in one attributed sentence whose clauses are checked too.

Key passages are single sentences of the article text, so every citation quotes an exact span
with article offsets; its `chunk_id` is the stored chunk that holds the sentence.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from bot.core import citations as cit
from bot.core import prompts
from bot.core.grounding import Prepared, add_citation, check_answer, compose, prepare
from bot.core.session import Session
from bot.store.chunking import split_sentences
from bot.core.types import Citation, Passage, Sentence

PASSAGE_BUDGET = 560  # prompt tokens spent on key passages
MAX_TOKENS = 220  # generated tokens for the paragraph
MIN_SENTENCES, MAX_SENTENCES, MAX_WORDS = 4, 7, 150
DENSE_RELEVANT = 0.35  # cosine of topic and passage for a dense-only hit to count as relevant
CLUSTER_THRESHOLD = 0.55  # cosine of article vectors: same event
MIN_WORDS_KEY, MAX_WORDS_KEY = 6, 45  # key sentences outside this range are skipped
_JUNK = re.compile(r"https?://|pic\.twitter|t\.co/|@\w+\)|\(RELATED|^\W*$|developing story", re.I)


# ----------------------------------------------------------------------------- data


@dataclass
class Brief:
    topic: str | None
    paragraph: str = ""
    sentences: list[Sentence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    articles_used: list[dict] = field(default_factory=list)
    articles_left_out: list[dict] = field(default_factory=list)
    differences: list[dict] = field(default_factory=list)
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    raw: str = ""  # what the model wrote, before checking

    def to_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "paragraph": self.paragraph,
            "sentences": [s.to_json() for s in self.sentences],
            "citations": [c.to_json() for c in self.citations],
            "articles_used": self.articles_used,
            "articles_left_out": self.articles_left_out,
            "differences": self.differences,
            "model": self.model,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "timings": self.timings,
            "raw": self.raw,
        }


@dataclass
class Doc:
    """A selected article with what the briefing needs of it."""

    row: dict  # from Index.articles()
    text: str
    rank: int  # relevance order (0 = most relevant / newest)
    sentences: list[tuple[int, int]] = field(default_factory=list)
    tokens: list[set[str]] = field(default_factory=list)  # content tokens per sentence
    chunks: list[tuple[str, int, int]] = field(default_factory=list)  # (chunk id, start, end)
    duplicates: list[dict] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.row["id"]

    @property
    def source(self) -> str:
        """Who reports it: the outlet, else the file name."""
        return self.row.get("outlet") or self.row.get("file") or self.id

    def all_tokens(self) -> set[str]:
        out: set[str] = set()
        for t in self.tokens:
            out |= t
        return out


@dataclass
class Key:
    """A key sentence: a span of an article, as a passage."""

    doc: Doc
    index: int  # sentence number in the article
    score: float
    passage: Passage


# ----------------------------------------------------------------------------- pure helpers


def cluster(vectors: np.ndarray, threshold: float = CLUSTER_THRESHOLD) -> list[list[int]]:
    """Greedy centroid clustering of L2-normalised rows, in row order (most relevant first):
    each row joins the cluster whose centroid is most similar if that cosine reaches the
    threshold, else starts a new one; then clusters whose centroids meet the threshold merge.
    Deterministic; O(n * clusters)."""
    n = len(vectors)
    if n == 0:
        return []
    vecs = np.asarray(vectors, dtype=np.float32)
    groups: list[list[int]] = []
    sums: list[np.ndarray] = []
    for i in range(n):
        v = vecs[i]
        if groups:
            cents = np.stack([s / max(np.linalg.norm(s), 1e-9) for s in sums])
            sims = cents @ v
            j = int(np.argmax(sims))
            if sims[j] >= threshold:
                groups[j].append(i)
                sums[j] = sums[j] + v
                continue
        groups.append([i])
        sums.append(v.copy())
    merged = True
    while merged and len(groups) > 1:
        merged = False
        cents = np.stack([s / max(np.linalg.norm(s), 1e-9) for s in sums])
        sims = cents @ cents.T
        np.fill_diagonal(sims, -1)
        a, b = np.unravel_index(int(np.argmax(sims)), sims.shape)
        if sims[a, b] >= threshold:
            a, b = min(a, b), max(a, b)
            groups[a] = sorted(groups[a] + groups[b])
            sums[a] = sums[a] + sums[b]
            del groups[b], sums[b]
            merged = True
    return groups


def sentence_scores(docs: list[Doc], idf: dict[str, float], topic_tokens: set[str] = frozenset()) -> dict[str, list[float]]:
    """Key-sentence scores for the articles of one event: centrality (how much of the event's
    shared, distinctive vocabulary a sentence carries) × a bonus for the lead × topic overlap.
    Sentences that cannot be key sentences (too short/long, links) score 0."""
    m = max(len(docs), 1)
    df: dict[str, int] = {}
    for d in docs:
        for t in d.all_tokens():
            df[t] = df.get(t, 0) + 1
    out: dict[str, list[float]] = {}
    for d in docs:
        scores = []
        for i, ((a, b), toks) in enumerate(zip(d.sentences, d.tokens)):
            text = d.text[a:b]
            nwords = len(text.split())
            if not toks or nwords < MIN_WORDS_KEY or nwords > MAX_WORDS_KEY or _JUNK.search(text):
                scores.append(0.0)
                continue
            central = sum((df.get(t, 0) / m) * idf.get(t, 1.0) for t in toks) / math.sqrt(len(toks))
            lead = 1.35 if i == 0 else 1.15 if i == 1 else 1.0
            topical = 1.0 + (len(toks & topic_tokens) / len(topic_tokens) if topic_tokens else 0.0)
            scores.append(central * lead * topical)
        out[d.id] = scores
    return out


def idf_of(docs: list[Doc]) -> dict[str, float]:
    df: dict[str, int] = {}
    for d in docs:
        for t in d.all_tokens():
            df[t] = df.get(t, 0) + 1
    n = len(docs)
    return {t: math.log((n + 1) / (c + 0.5)) + 0.5 for t, c in df.items()}


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
            if da.row.get("date") and db.row.get("date") and da.row["date"] != db.row["date"]:
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


def _join(items: list[str]) -> str:
    items = [i.strip() for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def short_title(title: str | None, words: int = 7) -> str:
    ws = (title or "").replace("…", "").split()
    if not ws:
        return ""
    return " ".join(ws[:words]) + ("…" if len(ws) > words else "")


def word_count(text: str) -> int:
    return len(cit.parse_markers(text)[0].split())


# ----------------------------------------------------------------------------- the briefer


class Briefer(Session):
    """Writes briefings from an index with a chat model. Cheap to build; the index, embedder
    and model are opened on first use and reused."""

    def __init__(self, settings, index=None, model=None, history=None, passage_budget: int = PASSAGE_BUDGET):
        super().__init__(settings, index, model, history)
        self.passage_budget = passage_budget

    # ------------------------------------------------------------------ selection

    def select(self, topic: str | None, since, until, source, n: int) -> tuple[list[Doc], list[dict]]:
        """The relevant articles (best first) and the near-duplicates folded into them."""
        from bot.errors import IndexError_, UsageError

        rows = self.index.articles(source=source, since=since, until=until)
        if not rows:
            total = self.index.counts()[0]
            if not total:
                raise IndexError_("Index is empty", "no articles to brief; run `newsbot ingest PATH` first.")
            raise UsageError("No articles match", "no article matches --source/--since/--until; widen the filters.")
        by_id = {r["id"]: r for r in rows}
        canon = {r["id"]: (r.get("dup_of") if r.get("dup_of") in by_id else r["id"]) for r in rows}
        order: list[str] = []
        if topic:
            passages = self.index.search(topic, k=max(3 * n, 24), source=source, since=since, until=until)
            close = self._close_to(topic, [p for p in passages if p.keyword_rank is None and p.dense_rank is not None])
            for p in passages:
                # a keyword hit, or a dense-only hit that is really close (dense search always answers)
                relevant = p.keyword_rank is not None or p.chunk_id in close or \
                    (p.keyword_rank is None and p.dense_rank is None)
                aid = canon.get(p.article_id, p.article_id)
                if relevant and aid in by_id and aid not in order:
                    order.append(aid)
            if not order:
                raise UsageError("Nothing on that topic", f"no indexed article is about {topic!r}; try other words.")
        else:
            idx = {r["id"]: i for i, r in enumerate(rows)}
            order = sorted({canon[r["id"]] for r in rows}, key=lambda a: (-_date_int(by_id[a].get("date")), -idx[a]))
        order = order[:max(1, n)]
        docs = []
        for rank, aid in enumerate(order):
            text = self.index.article(aid)["text"]
            docs.append(Doc(by_id[aid], text, rank))
        dups = []
        chosen = set(order)
        for r in rows:
            if r["id"] != canon[r["id"]] and canon[r["id"]] in chosen:
                dups.append(_article_ref(r) | {"reason": f"near-duplicate of {canon[r['id']]}"})
        for d in docs:
            d.sentences = [(a, b) for a, b in split_sentences(d.text)]
            d.tokens = [cit.content_tokens(d.text[a:b]) for a, b in d.sentences]
        return docs, dups

    def _close_to(self, topic: str, passages: list[Passage], threshold: float = DENSE_RELEVANT) -> set[str]:
        """Chunk ids of passages whose embedding is close to the topic's."""
        if not passages:
            return set()
        emb = self.index.embedder
        q = emb.embed([topic])[0]
        got: dict[str, np.ndarray] = {}
        try:
            got = self.index.embeddings([p.chunk_id for p in passages])
        except Exception:
            got = {}
        todo = [p for p in passages if p.chunk_id not in got]
        if todo:
            got.update(zip([p.chunk_id for p in todo], emb.embed([p.text for p in todo])))
        return {cid for cid, v in got.items() if float(np.dot(q, v) / max(np.linalg.norm(v), 1e-9)) >= threshold}

    def vectors(self, docs: list[Doc]) -> np.ndarray:
        """One L2-normalised vector per article: the mean of its stored chunk embeddings, else
        an embedding of its title and lead."""
        vecs: list[np.ndarray | None] = [None] * len(docs)
        ids = [f"{d.id}:{i}" for d in docs for i in range(int(d.row.get("chunks") or 1))]
        got: dict[str, np.ndarray] = {}
        try:
            for s in range(0, len(ids), 500):
                got.update(self.index.embeddings(ids[s:s + 500]))
        except Exception:
            got = {}
        for j, d in enumerate(docs):
            rows = [got[f"{d.id}:{i}"] for i in range(int(d.row.get("chunks") or 1)) if f"{d.id}:{i}" in got]
            if rows:
                v = np.mean(np.stack(rows), axis=0)
                vecs[j] = v / max(float(np.linalg.norm(v)), 1e-9)
        missing = [j for j, v in enumerate(vecs) if v is None]
        if missing:
            texts = [f"{docs[j].row.get('title') or ''}. {docs[j].text[:600]}" for j in missing]
            emb = self.index.embedder.embed(texts)
            for j, v in zip(missing, emb):
                vecs[j] = np.asarray(v, dtype=np.float32)
        return np.stack(vecs) if vecs else np.zeros((0, 1), dtype=np.float32)

    def chunk_spans(self, doc: Doc) -> list[tuple[str, int, int]]:
        if doc.chunks:
            return doc.chunks
        n = int(doc.row.get("chunks") or 0)
        spans: list[tuple[str, int, int]] = []
        try:
            if n:
                spans = [(p.chunk_id, p.start, p.end) for p in self.index.passages([f"{doc.id}:{i}" for i in range(n)])]
        except Exception:
            spans = []
        doc.chunks = spans or [(f"{doc.id}:0", 0, len(doc.text))]
        return doc.chunks

    def key_passage(self, doc: Doc, i: int, score: float = 0.0) -> Key:
        a, b = doc.sentences[i]
        chunk = next((c for c in self.chunk_spans(doc) if c[1] <= a and b <= c[2]), None) or \
            next((c for c in self.chunk_spans(doc) if c[1] <= a < c[2]), self.chunk_spans(doc)[0])
        r = doc.row
        # the chunk id is made unique per sentence while checking; the citation gets the real one
        p = Passage(chunk_id=f"{chunk[0]}#{a}", article_id=doc.id, text=doc.text[a:b], start=a, end=b,
                    position=int(str(chunk[0]).rsplit(":", 1)[-1]) if str(chunk[0]).rsplit(":", 1)[-1].isdigit() else 0,
                    title=r.get("title") or "", outlet=r.get("outlet"), date=r.get("date"),
                    source_file=r.get("file") or "", score=score,
                    duplicates=[])
        return Key(doc, i, score, p)

    # ------------------------------------------------------------------ planning

    def plan(self, docs: list[Doc], groups: list[list[int]], topic: str | None, count_tokens: Callable[[str], int],
             budget: int) -> tuple[list[Key], list[Key], dict[str, list[float]]]:
        """Key passages for the prompt (main event first, within `budget` tokens) and spare key
        sentences for filling up. Returns (prompt keys, spare keys, scores by article)."""
        idf = idf_of(docs)
        topic_tokens = cit.content_tokens(topic or "")
        scores: dict[str, list[float]] = {}
        for g in groups:
            scores.update(sentence_scores([docs[i] for i in g], idf, topic_tokens))
        few = len(docs) <= 3
        quotas: list[tuple[Doc, int]] = []
        for gi, g in enumerate(groups):
            members = sorted(g, key=lambda i: docs[i].rank)
            if gi == 0:
                for j, i in enumerate(members[:5]):
                    quotas.append((docs[i], 4 if few else (3 if j == 0 else 2)))
            else:
                quotas.append((docs[members[0]], 2 if few else 1))
        picked: list[Key] = []
        spare: list[Key] = []
        used = 0
        for doc, quota in quotas:
            if used >= budget - 24 and len(spare) >= 8:
                break  # the prompt is full and there is enough to fill up from
            sc = scores.get(doc.id, [])
            ranked = [i for i in sorted(range(len(sc)), key=lambda i: -sc[i]) if sc[i] > 0]
            take = sorted(ranked[:quota])  # article order reads better
            for i in take:
                key = self.key_passage(doc, i, sc[i])
                cost = count_tokens(self._render_line(len(picked) + 1, key.passage, key.passage.text)) + 1
                if used + cost > budget:
                    spare.append(key)
                    continue
                picked.append(key)
                used += cost
            for i in ranked[quota:quota + 2]:
                spare.append(self.key_passage(doc, i, sc[i]))
        return picked, spare, scores

    def _render_line(self, n: int, p: Passage, text: str) -> str:
        label = p.outlet or short_title(p.title, 6) or p.source_file
        if p.date:
            label += f", {p.date}"
        return prompts.load(self.settings.prompts_dir, "brief.passage").render(n=str(n), source=label, text=text)

    def messages(self, topic: str | None, packed: list[Prepared], keys: list[Key], groups_of: dict[str, int]) -> list[dict]:
        pdir = self.settings.prompts_dir
        lines: list[str] = []
        story = None
        for n, (prep, key) in enumerate(zip(packed, keys), 1):
            g = groups_of.get(key.doc.id, 0)
            if g != story:
                story = g
                lines.append(f"Story {len({groups_of.get(k.doc.id, 0) for k in keys[:n]})}:")
            lines.append(self._render_line(n, prep.passage, prep.prompt_text))
        focus = f"Topic: {topic.strip()}" if topic else "Cover Story 1 first, then the other stories."
        system = prompts.load(pdir, "brief.system").render()
        user = prompts.load(pdir, "brief.user").render(passages="\n".join(lines), topic=focus)
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    # ------------------------------------------------------------------ the briefing

    def brief(self, topic: str | None = None, *, since: str | None = None, until: str | None = None,
              source: str | None = None, articles: int = 8, on_token: Callable[[str], None] | None = None,
              save: bool = True) -> Brief:
        from bot.backends.llm import ContextOverflow
        from bot.errors import UsageError

        topic = " ".join((topic or "").split()) or None
        if articles < 1:
            raise UsageError("Bad --articles", "give at least 1.")
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        docs, dups = self.select(topic, since, until, source, articles)
        timings["select_ms"] = _ms(t0)

        t1 = time.perf_counter()
        groups = cluster(self.vectors(docs)) if len(docs) > 1 else [[0]]
        # main event first: with a topic the one holding the most relevant article, else the biggest
        if topic:
            groups.sort(key=lambda g: min(docs[i].rank for i in g))
        else:
            groups.sort(key=lambda g: (-len(g), min(docs[i].rank for i in g)))
        groups_of = {docs[i].id: gi for gi, g in enumerate(groups) for i in g}
        timings["cluster_ms"] = _ms(t1)

        model = self.model
        brief = Brief(topic=topic, model=model.name)
        t2 = time.perf_counter()
        system_cost = model.count_tokens(prompts.load(self.settings.prompts_dir, "brief.system").render()) + 80
        budget = max(120, min(self.passage_budget, model.n_ctx - MAX_TOKENS - system_cost - 64))
        keys, spare, _ = self.plan(docs, groups, topic, model.count_tokens, budget)
        prepared = prepare([k.passage for k in keys])
        ok = [(p, k) for p, k in zip(prepared, keys) if not p.removed]  # planted instructions: never a key passage
        packed, keys = [p for p, _ in ok], [k for _, k in ok]
        spare = [k for k in spare if not prepare([k.passage])[0].removed]
        main = groups[0] if groups else []
        diffs = find_differences([docs[i] for i in main]) if len(main) > 1 else []
        timings["extract_ms"] = _ms(t2)

        # generation
        raw = ""
        first: float | None = None
        t3 = time.perf_counter()
        if packed:
            attempt = list(zip(packed, keys))
            while attempt:
                msgs = self.messages(topic, [p for p, _ in attempt], [k for _, k in attempt], groups_of)
                parts: list[str] = []
                try:
                    with self._lock:
                        for piece in model.stream(msgs, max_tokens=MAX_TOKENS, stop=["\n\n\n", "</passages>"]):
                            if first is None:
                                first = _ms(t0)
                            parts.append(piece)
                            if on_token:
                                on_token(piece)
                    raw = "".join(parts).strip()
                    packed, keys = [p for p, _ in attempt], [k for _, k in attempt]
                    break
                except ContextOverflow:
                    attempt = attempt[: len(attempt) // 2]  # never fail on size: fewer passages
            stats = model.last
            brief.prompt_tokens, brief.completion_tokens = stats.prompt_tokens, stats.completion_tokens
            if model.cancel_event.is_set():
                raise UsageError("Cancelled", "the briefing was cancelled.")
        timings["generate_ms"] = _ms(t3)
        timings["first_token_ms"] = round(first if first is not None else _ms(t0), 1)
        brief.raw = raw

        t4 = time.perf_counter()
        raw = _drop_cut_off(raw)
        self.assemble(brief, raw, topic, packed, keys, spare, diffs)
        self.account(brief, docs, dups, groups)
        timings["check_ms"] = _ms(t4)
        timings["total_ms"] = _ms(t0)
        brief.timings = timings
        if save:
            try:
                self.history.add(brief.to_json(), kind="brief")
            except Exception:  # history is a convenience; never lose a briefing over it
                pass
        return brief

    # ------------------------------------------------------------------ assembly

    def assemble(self, brief: Brief, raw: str, topic: str | None, packed: list[Prepared], keys: list[Key],
                 spare: list[Key], diffs: list) -> None:
        """Checked model sentences, filled up to 4–7 with key sentences, plus the differences
        sentence; citations renumbered in order of appearance; at most ~150 words."""
        # no question: a briefing sentence need not restate the topic (the checker would reject
        # sentences that do not), and nothing is allowed for restating it
        question = ""
        sentences, cits, _, _ = check_answer(raw, question, packed)
        pos = {p.passage.chunk_id: i + 1 for i, p in enumerate(packed)}
        chosen: list[tuple[str, int]] = []  # (model sentence, 1-based index of its packed passage)
        for s in sentences:
            if not s.supported or not s.citations or word_count(s.text) > 55:
                continue
            if any(_similar(s.text, t) for t, _ in chosen):
                continue  # the small model repeats itself
            chosen.append((s.text, pos[cits[s.citations[0] - 1].chunk_id]))

        # differences: every one checked; the best one also goes into the paragraph
        checked_diffs = [d for d in (self._check_difference(*f[:3], question) for f in diffs) if d is not None]
        n_diff = 1 if checked_diffs else 0
        diff_words = word_count(checked_diffs[0].text) if checked_diffs else 0
        chosen = chosen[:MAX_SENTENCES - n_diff]

        # fill up from key sentences (prompt passages first, in story order, then spares)
        pool = [(" ".join(p.passage.text.split()), p) for p in packed]
        pool += [(" ".join(p.passage.text.split()), p) for p in prepare([k.passage for k in spare])]
        # only sentences the checker accepts against their own passage (it cannot match every
        # spelling, e.g. two-letter names)
        pool = [(t, p) for t, p in pool if cit.check(t, p.checked, question, p.passage.title).ok]
        extra: list[tuple[str, Prepared]] = []
        target_articles = min(3, len({p.passage.article_id for _, p in pool}))

        def arts() -> set[str]:
            return {packed[n - 1].passage.article_id for _, n in chosen} | {p.passage.article_id for _, p in extra}

        def count() -> int:
            return len(chosen) + len(extra) + n_diff

        def words() -> int:
            return sum(word_count(t) for t, _ in chosen) + sum(word_count(t) for t, _ in extra) + diff_words

        def fresh(text: str) -> bool:
            return not any(_similar(text, t) for t, _ in chosen + extra)

        # coverage: draw on at least three articles when there are that many, if it fits
        for text, prep in pool:
            if len(arts()) >= target_articles or count() >= MAX_SENTENCES:
                break
            if prep.passage.article_id in arts() or not fresh(text) or word_count(text) > 35:
                continue
            if words() + word_count(text) > MAX_WORDS and count() >= MIN_SENTENCES:
                continue
            extra.append((text, prep))
        # at least four sentences: short ones first, then any
        for limit in (35, 10_000):
            for text, prep in pool:
                if count() >= MIN_SENTENCES:
                    break
                if fresh(text) and word_count(text) <= limit:
                    extra.append((text, prep))
        # in story order (main development first), after what the model wrote
        order = {id(p): i for i, (_, p) in enumerate(pool)}
        extra.sort(key=lambda e: order[id(e[1])])

        # one checked pass over the whole text, so citations are numbered in order of appearance
        allp: list[Prepared] = list(packed)
        for _, p in extra:
            if all(q.passage.chunk_id != p.passage.chunk_id for q in allp):
                allp.append(p)
        idx = {p.passage.chunk_id: i + 1 for i, p in enumerate(allp)}
        lines = [f"{t} [{n}]" for t, n in chosen] + [f"{t} [{idx[p.passage.chunk_id]}]" for t, p in extra]
        sents, citations, _, _ = check_answer("\n".join(lines), question, allp)
        sents = [s for s in sents if s.supported]

        # keep within ~150 words: drop the last ordinary sentences (never below four, never the lead)
        # (first the last sentence whose article another sentence also cites, so coverage stays)
        diff_arts = {checked_diffs[0].prep_a.passage.article_id, checked_diffs[0].prep_b.passage.article_id} \
            if checked_diffs else set()
        while len(sents) + n_diff > MIN_SENTENCES and sum(word_count(s.text) for s in sents) + diff_words > MAX_WORDS + 10:
            art = [citations[s.citations[0] - 1].article_id for s in sents]
            drop = next((i for i in range(len(sents) - 1, 0, -1)
                         if art[i] in diff_arts or art.count(art[i]) > 1), len(sents) - 1)
            sents.pop(drop)

        # cite the differences (after the ordinary sentences) and render the paragraph
        by_chunk = {c.chunk_id: c.n for c in citations}
        inline: dict[int, tuple[str, str, str]] = {}
        brief.differences = []
        for k, d in enumerate(checked_diffs):
            na = add_citation(d.prep_a, d.support_a, by_chunk, citations)
            nb = add_citation(d.prep_b, d.support_b, by_chunk, citations)
            brief.differences.append({"detail": d.detail, "versions": [
                {"outlet": d.who_a, "text": d.prep_a.passage.text, "citation": na},
                {"outlet": d.who_b, "text": d.prep_b.passage.text, "citation": nb},
            ]})
            if k == 0:
                inline[len(sents)] = (d.lead, d.clause_a, d.clause_b)
                sents.append(Sentence(d.text, [na, nb], True))
        kept = {n: citations[n - 1] for n in range(1, len(citations) + 1)}
        sents, citations, mapping = _renumber(sents, citations)
        for d in brief.differences:
            for v in d["versions"]:
                old = kept[v["citation"]]
                v["citation"] = Citation(**{**old.to_json(), "n": mapping.get(old.n, 0),
                                            "chunk_id": old.chunk_id.split("#", 1)[0]}).to_json()
        for c in citations:
            c.chunk_id = c.chunk_id.split("#", 1)[0]
        brief.sentences, brief.citations = sents, citations
        brief.paragraph = compose_brief(sents, inline)

    def _check_difference(self, detail: str, va: Version, vb: Version, question: str) -> "CheckedDifference | None":
        """The attributed sentence for one difference; each clause must pass the sentence
        checker against its own passage, or the difference is not reported."""
        ka, kb = self.key_passage(va.doc, va.index), self.key_passage(vb.doc, vb.index)
        pa, pb = prepare([ka.passage])[0], prepare([kb.passage])[0]
        if pa.removed or pb.removed:
            return None
        verb = "gives" if detail.startswith("the number of") else "names"

        def clause(v: Version, key: Key, prep: Prepared, first: bool):
            # the claim (what the article says) is checked; the label is the article's metadata
            # (outlet, else a short title), so it is not a claim about the passage
            label = self._label(v.doc, first)
            sup = cit.check(f"The article {verb} {v.phrase}", prep.checked, f"{_DIFF_FRAME} {detail} {question}",
                            key.passage.title)
            return (f"{label} {verb} {v.phrase}", sup) if sup.ok else (None, None)

        clause_a, sa = clause(va, ka, pa, True)
        clause_b, sb = clause(vb, kb, pb, False)
        if clause_a is None or clause_b is None:
            return None  # never report what the passages do not say
        lead = f"Accounts differ on {detail}"
        who = lambda d: d.row.get("outlet") or d.row.get("title") or d.row.get("file")  # noqa: E731
        return CheckedDifference(detail, lead, clause_a, clause_b, pa, pb, sa, sb, who(va.doc), who(vb.doc))

    @staticmethod
    def _label(doc: Doc, first: bool) -> str:
        if doc.row.get("outlet"):
            return doc.row["outlet"]
        title = short_title(doc.row.get("title"), 4)
        if title:
            return f"{'an article' if first else 'another'} ({title})"
        return "an article" if first else "another"

    def account(self, brief: Brief, docs: list[Doc], dups: list[dict], groups: list[list[int]]) -> None:
        cited: dict[str, list[int]] = {}
        for c in brief.citations:
            cited.setdefault(c.article_id, [])
            if c.n not in cited[c.article_id]:
                cited[c.article_id].append(c.n)
        group_of = {docs[i].id: gi for gi, g in enumerate(groups) for i in g}
        used, left = [], []
        for d in docs:
            ref = _article_ref(d.row) | {"event": group_of.get(d.id, 0) + 1}
            if d.id in cited:
                used.append(ref | {"citations": cited[d.id]})
            else:
                why = "not cited in the paragraph" if group_of.get(d.id, 0) == 0 else "another event, left out for space"
                left.append(ref | {"reason": why})
        brief.articles_used = used
        brief.articles_left_out = left + dups


def compose_brief(sents: list[Sentence], inline: dict[int, tuple[str, str, str]] | None = None) -> str:
    """The paragraph: like `compose`, but a differences sentence carries each citation after
    the clause it supports."""
    out = []
    for i, s in enumerate(sents):
        if inline and i in inline and len(s.citations) == 2:
            lead, a, b = inline[i]
            out.append(f"{lead}: {a} [{s.citations[0]}], while {b} [{s.citations[1]}].")
        else:
            out.append(compose([s]))
    return " ".join(out)


def _renumber(sents: list[Sentence], citations: list[Citation]) -> tuple[list[Sentence], list[Citation], dict[int, int]]:
    """Citations 1..m in order of appearance in the kept sentences; unused ones dropped."""
    mapping: dict[int, int] = {}
    out: list[Citation] = []
    for s in sents:
        for n in s.citations:
            if n not in mapping:
                c = citations[n - 1]
                mapping[n] = len(out) + 1
                out.append(Citation(**{**c.to_json(), "n": mapping[n]}))
    return [Sentence(s.text, [mapping[n] for n in s.citations], s.supported, s.reason) for s in sents], out, mapping


def _drop_cut_off(raw: str) -> str:
    """Without the last sentence when generation stopped in the middle of it (token limit)."""
    text = raw.rstrip()
    if not text or re.search(r"[.!?][\"”’')\]]*$|\]\s*[.!?]?$", text):
        return text
    ends = [m.end() for m in re.finditer(r"[.!?][\"”’')]*(?:\s*\[[^\]]*\d[^\]]*\])*[.!?]?(?=\s)", text)]
    return text[:ends[-1]] if ends else ""


def _similar(a: str, b: str, threshold: float = 0.6) -> bool:
    ta, tb = cit.content_tokens(a), cit.content_tokens(b)
    if not ta or not tb:
        return False
    return len(ta & tb) / min(len(ta), len(tb)) >= threshold


def _article_ref(row: dict) -> dict:
    return {"id": row["id"], "title": row.get("title"), "outlet": row.get("outlet"), "date": row.get("date"),
            "file": row.get("file")}


def _date_int(iso: str | None) -> int:
    if not iso:
        return 0
    digits = re.sub(r"\D", "", iso)[:8]
    return int(digits) if digits else 0


def _ms(t: float) -> float:
    return round((time.perf_counter() - t) * 1000, 1)
