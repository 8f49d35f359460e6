"""Choosing what a briefing covers: the relevant articles, one vector per article, clusters of
articles about the same event, and key sentences scored by centrality and position."""

from __future__ import annotations

import math

import numpy as np

from bot.core import citations as cit
from bot.core.briefing.records import (CLUSTER_THRESHOLD, DENSE_RELEVANT, MAX_WORDS_KEY, MIN_WORDS_KEY, _JUNK, Doc, Key,
                                     _article_ref)
from bot.core.types import Passage
from bot.text import date_int
from bot.text import sentence_spans as split_sentences

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


class Selection:
    """The selection half of `Briefer` (a mixin: it uses the session's index)."""

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
        by_id = {r.id: r for r in rows}
        canon = {r.id: (r.dup_of if r.dup_of in by_id else r.id) for r in rows}
        order: list[str] = []
        if topic:
            passages = self.index.search(topic, k=max(3 * n, 24), source=source, since=since, until=until)
            close = self._close_to(topic, [p for p in passages if p.keyword_rank is None and p.dense_rank is not None],
                                   self.settings.brief_dense_relevant)
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
            idx = {r.id: i for i, r in enumerate(rows)}
            order = sorted({canon[r.id] for r in rows}, key=lambda a: (-date_int(by_id[a].date), -idx[a]))
        order = order[:max(1, n)]
        docs = self.docs([by_id[aid] for aid in order])
        dups = []
        chosen = set(order)
        for r in rows:
            if r.id != canon[r.id] and canon[r.id] in chosen:
                dups.append(_article_ref(r) | {"reason": f"near-duplicate of {canon[r.id]}"})
        return docs, dups

    def docs(self, rows: list, first_rank: int = 0) -> list[Doc]:
        """Articles (rows of `Index.articles()`) read and split for comparing, in the order given."""
        docs = []
        for rank, row in enumerate(rows, first_rank):
            d = Doc(row, self.index.article(row.id).text, rank)
            d.sentences = [(a, b) for a, b in split_sentences(d.text)]
            d.tokens = [cit.content_tokens(d.text[a:b]) for a, b in d.sentences]
            docs.append(d)
        return docs

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
        ids = [f"{d.id}:{i}" for d in docs for i in range(int(d.row.chunks or 1))]
        got: dict[str, np.ndarray] = {}
        try:
            for s in range(0, len(ids), 500):
                got.update(self.index.embeddings(ids[s:s + 500]))
        except Exception:
            got = {}
        for j, d in enumerate(docs):
            rows = [got[f"{d.id}:{i}"] for i in range(int(d.row.chunks or 1)) if f"{d.id}:{i}" in got]
            if rows:
                v = np.mean(np.stack(rows), axis=0)
                vecs[j] = v / max(float(np.linalg.norm(v)), 1e-9)
        missing = [j for j, v in enumerate(vecs) if v is None]
        if missing:
            texts = [f"{docs[j].row.title or ''}. {docs[j].text[:600]}" for j in missing]
            emb = self.index.embedder.embed(texts)
            for j, v in zip(missing, emb):
                vecs[j] = np.asarray(v, dtype=np.float32)
        return np.stack(vecs) if vecs else np.zeros((0, 1), dtype=np.float32)

    def chunk_spans(self, doc: Doc) -> list[tuple[str, int, int]]:
        if doc.chunks:
            return doc.chunks
        n = int(doc.row.chunks or 0)
        spans: list[tuple[str, int, int]] = []
        try:
            if n:
                spans = [(p.chunk_id, p.start, p.end) for p in self.index.passages([f"{doc.id}:{i}" for i in range(n)])]
        except Exception:
            spans = []
        doc.chunks = spans or [(f"{doc.id}:0", 0, len(doc.text))]
        return doc.chunks

    def key_passage(self, doc: Doc, i: int, score: float = 0.0, first: int | None = None) -> Key:
        """Sentence `i` of the article as a passage (from sentence `first` on, when given: a
        sentence with the one that names what its pronoun stands for)."""
        a, b = doc.sentences[i if first is None else first][0], doc.sentences[i][1]
        chunk = next((c for c in self.chunk_spans(doc) if c[1] <= a and b <= c[2]), None) or \
            next((c for c in self.chunk_spans(doc) if c[1] <= a < c[2]), self.chunk_spans(doc)[0])
        r = doc.row
        # the chunk id is made unique per sentence while checking; the citation gets the real one
        p = Passage(chunk_id=f"{chunk[0]}#{a}", article_id=doc.id, text=doc.text[a:b], start=a, end=b,
                    position=int(str(chunk[0]).rsplit(":", 1)[-1]) if str(chunk[0]).rsplit(":", 1)[-1].isdigit() else 0,
                    title=r.title or "", outlet=r.outlet, date=r.date,
                    source_file=r.file or "", score=score,
                    duplicates=[])
        return Key(doc, i, score, p)
