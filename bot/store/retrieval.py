"""Pure ranking helpers used by `Index.search`: reciprocal-rank fusion, near-duplicate
collapsing, per-article diversity, and the Chroma `where` filter for outlet/date ranges."""

from __future__ import annotations

from typing import Hashable, Iterable, Sequence, TypeVar

from bot.store.records import Passage

T = TypeVar("T", bound=Hashable)


def rrf(rankings: Sequence[Sequence[T]], k: int = 60, weights: Sequence[float] | None = None) -> list[tuple[T, float]]:
    """Reciprocal-rank fusion: score(id) = sum_r w_r / (k + rank_r(id)), rank from 1; best first.
    Ties keep the order of first appearance (earlier ranking, then earlier rank)."""
    scores: dict[T, float] = {}
    first: dict[T, tuple[int, int]] = {}
    for r, ranking in enumerate(rankings):
        w = weights[r] if weights is not None else 1.0
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + w / (k + rank)
            first.setdefault(item, (rank, r))
    return sorted(scores.items(), key=lambda kv: (-kv[1], first[kv[0]]))


def collapse_duplicates(passages: Sequence[Passage], group_of: dict[str, str]) -> list[Passage]:
    """Keep passages of the best-ranked copy of each near-duplicate group; passages of other
    copies are dropped and their article ids recorded in the kept passages' `duplicates`.

    `group_of` maps article id -> group id (the first copy's id; absent means its own group)."""
    chosen: dict[str, str] = {}  # group -> article id kept
    kept: list[Passage] = []
    dropped: dict[str, list[str]] = {}
    for p in passages:
        g = group_of.get(p.article_id, p.article_id)
        keep = chosen.setdefault(g, p.article_id)
        if keep == p.article_id:
            kept.append(p)
        else:
            lst = dropped.setdefault(g, [])
            if p.article_id not in lst:
                lst.append(p.article_id)
    for p in kept:
        g = group_of.get(p.article_id, p.article_id)
        for aid in dropped.get(g, []):
            if aid not in p.duplicates:
                p.duplicates.append(aid)
    return kept


def diversify(passages: Sequence[Passage], k: int, per_article: int = 2) -> list[Passage]:
    """The top k, at most `per_article` passages per article while other articles remain;
    if fewer articles exist, the remaining slots are filled in rank order."""
    picked: list[Passage] = []
    counts: dict[str, int] = {}
    rest: list[Passage] = []
    for p in passages:
        if counts.get(p.article_id, 0) < per_article:
            counts[p.article_id] = counts.get(p.article_id, 0) + 1
            picked.append(p)
        else:
            rest.append(p)
        if len(picked) >= k:
            break
    if len(picked) < k:
        order = {id(p): i for i, p in enumerate(passages)}
        picked = sorted(picked + rest[: k - len(picked)], key=lambda p: order[id(p)])
    return picked[:k]


def chroma_where(outlet: str | None = None, since: int | None = None, until: int | None = None) -> dict | None:
    """The Chroma `where` filter for an outlet (case-insensitive) and a YYYYMMDD date range."""
    conds: list[dict] = []
    if outlet:
        conds.append({"outlet_lc": outlet.strip().lower()})
    if since is not None:
        conds.append({"date_int": {"$gte": int(since)}})
    if until is not None:
        conds.append({"date_int": {"$lte": int(until)}})
        if since is None:  # undated articles (date_int 0) match no date range
            conds.append({"date_int": {"$gt": 0}})
    if not conds:
        return None
    return conds[0] if len(conds) == 1 else {"$and": conds}


def matches(meta: dict, outlet: str | None = None, since: int | None = None, until: int | None = None) -> bool:
    """The same filter as `chroma_where`, for registry rows (keyword search)."""
    if outlet and (meta.get("outlet") or "").strip().lower() != outlet.strip().lower():
        return False
    d = int(meta.get("date_int") or 0)
    if (since is not None or until is not None) and d <= 0:
        return False
    if since is not None and d < since:
        return False
    if until is not None and d > until:
        return False
    return True


def dedupe_ids(ids: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    return [i for i in ids if not (i in seen or seen.add(i))]
