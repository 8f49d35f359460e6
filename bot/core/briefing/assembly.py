"""Assembling the paragraph: the model's sentences checked one by one (grounding), unsupported
ones dropped, filled up with extractive key sentences, a checked sentence on the differences
between outlets, citations renumbered, and the account of the articles used and left out."""

from __future__ import annotations

import re


from bot.core import citations as cit
from bot.core.grounding import Prepared, add_citation, check_answer, compose, prepare
from bot.core.briefing.differences import CheckedDifference, Comparison, check_finding, human_date, label, lower_first
from bot.core.briefing.newswriting import Item, fix_dangling, order_by_time, place_lead, pronoun_opener
from bot.core.briefing.records import MAX_DIFFS, MAX_SENTENCES, MAX_WORDS, MIN_SENTENCES, Brief, Doc, Key, _article_ref, word_count
from bot.core.types import Citation, Sentence


class Assembly:
    """The assembly half of `Briefer` (a mixin: it uses the session's settings and model)."""

    # ------------------------------------------------------------------ assembly

    def assemble(self, brief: Brief, raw: str, topic: str | None, packed: list[Prepared], keys: list[Key],
                 spare: list[Key], diffs, scores: dict[str, list[float]] | None = None,
                 main: set[str] | None = None) -> None:
        """Checked model sentences, filled up to 4–7 with key sentences, the event stated first,
        in time order, no dangling pronoun; then the differences between outlets and a changed
        figure, one plain sentence each; citations renumbered in order of appearance; ~150 words."""
        comparison = diffs if isinstance(diffs, Comparison) else Comparison(list(diffs), [], [])
        scores = scores or {}
        main = main if main is not None else {k.doc.id for k in keys}
        # no question: a briefing sentence need not restate the topic (the checker would reject
        # sentences that do not), and nothing is allowed for restating it
        question = ""

        def norm(key: Key) -> float:
            sc = scores.get(key.doc.id) or [0.0]
            return (sc[key.index] if key.index < len(sc) else 0.0) / (max(sc) or 1.0)

        sentences, cits, _, _ = check_answer(raw, question, packed, keep_unsupported=True)
        key_of = {p.passage.chunk_id: k for p, k in zip(packed, keys)}
        chosen: list[Item] = []
        for pos, s in enumerate(sentences):
            if not s.supported or not s.citations or word_count(s.text) > 55:
                continue
            if any(_similar(s.text, it.text) for it in chosen):
                continue  # the small model repeats itself
            cid = cits[s.citations[0] - 1].chunk_id
            prep = next(p for p in packed if p.passage.chunk_id == cid)
            key = key_of.get(cid)
            chosen.append(Item(s.text, prep, key, pos, norm(key) if key else 0.0))

        # differences and a changed figure: every one checked; the best go into the paragraph
        checked = [d for d in (check_finding(f, self.key_passage) for f in comparison.differences) if d is not None]
        updates = [d for d in (check_finding(f, self.key_passage) for f in comparison.updates) if d is not None]
        inline_diffs = checked[:MAX_DIFFS] + updates[:1]
        diff_words = sum(word_count(d.text) for d in inline_diffs)
        outdated = {(d.second.doc.id, d.second.index) for d in updates[:1]} | \
            {(d.first.doc.id, d.first.index) for d in updates[:1]}
        chosen = [it for it in chosen if not it.key or (it.key.doc.id, it.key.index) not in outdated]
        chosen = chosen[:MAX_SENTENCES - len(inline_diffs)]

        # fill up from key sentences (prompt passages first, in story order, then spares)
        pool: list[Item] = []
        for k, p in list(zip(keys, packed)) + list(zip(spare, prepare([k.passage for k in spare]))):
            text = " ".join(p.passage.text.split())
            # only sentences the checker accepts against their own passage (it cannot match every
            # spelling, e.g. two-letter names), and never an outdated figure
            if (k.doc.id, k.index) not in outdated and cit.check(text, p.checked, question, p.passage.title).ok:
                pool.append(Item(text, p, k, None, norm(k)))
        extra = _fill(chosen, pool, len(inline_diffs), diff_words)
        order = {id(it): i for i, it in enumerate(pool)}
        extra.sort(key=lambda e: order[id(e)])  # in story order (main development first), after the model's

        # read like news: time order, the event first, within ~150 words, nothing dangling
        items = place_lead(order_by_time(chosen + extra), main, pool=[it for it in pool if not _repeats(it, chosen + extra)])
        items = _trim(items, len(inline_diffs), diff_words)
        while len(inline_diffs) > 1 and sum(word_count(it.text) for it in items) + diff_words > MAX_WORDS + 10:
            diff_words -= word_count(inline_diffs.pop().text)  # still listed in `differences`
        span = lambda doc, j, i: self.key_passage(doc, i, first=j)  # noqa: E731
        items, brief.repairs = fix_dangling(items, span)
        if len(items) + len(inline_diffs) < MIN_SENTENCES:  # a dropped sentence: fill up again
            more = [it for it in pool if not pronoun_opener(it.text) and not any(_similar(it.text, x.text) for x in items)]
            items, more_log = fix_dangling(items + more[:MIN_SENTENCES - len(items) - len(inline_diffs)], span)
            brief.repairs += [x for x in more_log if x not in brief.repairs]

        # one checked pass over the whole text, so citations are numbered in order of appearance
        allp: list[Prepared] = []
        for it in items:
            if all(q.passage.chunk_id != it.prep.passage.chunk_id for q in allp):
                allp.append(it.prep)
        idx = {p.passage.chunk_id: i + 1 for i, p in enumerate(allp)}
        lines = [f"{it.text} [{idx[it.prep.passage.chunk_id]}]" for it in items]
        sents, citations, _, _ = check_answer("\n".join(lines), question, allp) if lines else ([], [], True, "")
        sents = [s for s in sents if s.supported]
        sents = _as_of(sents, citations)

        # cite the differences (after the ordinary sentences) and render the paragraph
        by_chunk = {c.chunk_id: c.n for c in citations}
        inline: dict[int, CheckedDifference] = {}
        listed: dict[str, list] = {"differences": [], "updates": []}
        for d in checked + updates:
            na = add_citation(d.prep_a, d.support_a, by_chunk, citations)
            nb = add_citation(d.prep_b, d.support_b, by_chunk, citations)
            in_par = d in inline_diffs
            if in_par:
                inline[len(sents)] = d
                sents.append(Sentence(d.text, [na, nb], True))
            listed["updates" if d.kind == "update" else "differences"].append({
                "kind": d.kind, "detail": d.detail, "in_paragraph": in_par, "versions": [
                    {"outlet": d.who_a, "date": d.first.doc.row.date, "text": d.prep_a.passage.text,
                     "phrase": d.first.phrase, "citation": na},
                    {"outlet": d.who_b, "date": d.second.doc.row.date, "text": d.prep_b.passage.text,
                     "phrase": d.second.phrase, "citation": nb}]})
        kept = {n: citations[n - 1] for n in range(1, len(citations) + 1)}
        sents, citations, mapping = _renumber(sents, citations)
        for d in listed["differences"] + listed["updates"]:
            for v in d["versions"]:
                old = kept[v["citation"]]
                v["citation"] = Citation(**{**old.to_json(), "n": mapping.get(old.n, 0),
                                            "chunk_id": old.chunk_id.split("#", 1)[0]}).to_json()
        for c in citations:
            c.chunk_id = c.chunk_id.split("#", 1)[0]
        brief.differences, brief.updates = listed["differences"], listed["updates"]
        brief.only_reported = [{"outlet": label(o.doc), "article_id": o.doc.id, "text": o.text}
                               for o in comparison.only[:6]]
        brief.sentences, brief.citations = sents, citations
        brief.paragraph = compose_brief(sents, inline)

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


def compose_brief(sents: list[Sentence], inline: dict[int, CheckedDifference] | None = None) -> str:
    """The paragraph: like `compose`, but a differences sentence carries each citation after
    the clause it supports."""
    out = []
    for i, s in enumerate(sents):
        if inline and i in inline and len(s.citations) == 2:
            out.append(inline[i].render(s.citations[0], s.citations[1]))
        else:
            out.append(compose([s]))
    return " ".join(out)


def _fill(chosen: list[Item], pool: list[Item], n_diff: int, diff_words: int) -> list[Item]:
    """Key sentences added to the model's: first from articles not yet cited (up to three
    articles), then short ones, then any, until there are four sentences."""
    extra: list[Item] = []
    target_articles = min(3, len({it.prep.passage.article_id for it in pool}))

    def arts() -> set[str]:
        return {it.prep.passage.article_id for it in chosen + extra}

    def count() -> int:
        return len(chosen) + len(extra) + n_diff

    def words() -> int:
        return sum(word_count(it.text) for it in chosen + extra) + diff_words

    def fresh(text: str) -> bool:
        return not any(_similar(text, it.text) for it in chosen + extra)

    for it in pool:
        if len(arts()) >= target_articles or count() >= MAX_SENTENCES:
            break
        if it.prep.passage.article_id in arts() or not fresh(it.text) or word_count(it.text) > 35:
            continue
        if words() + word_count(it.text) > MAX_WORDS and count() >= MIN_SENTENCES:
            continue
        extra.append(it)
    for limit in (35, 10_000):
        for it in pool:
            if count() >= MIN_SENTENCES:
                break
            if fresh(it.text) and word_count(it.text) <= limit:
                extra.append(it)
    return extra


def _trim(items: list[Item], n_diff: int, diff_words: int) -> list[Item]:
    """At most seven sentences and within ~150 words: drop the last ordinary sentences (never below four, never the lead),
    first one whose article another sentence also cites, so coverage stays."""
    items = list(items)
    del items[max(1, MAX_SENTENCES - n_diff):]
    while len(items) + n_diff > MIN_SENTENCES and sum(word_count(it.text) for it in items) + diff_words > MAX_WORDS + 10:
        art = [it.prep.passage.article_id for it in items]
        drop = next((i for i in range(len(items) - 1, 0, -1) if art.count(art[i]) > 1), len(items) - 1)
        if drop == 0:
            break
        items.pop(drop)
    return items


def _as_of(sents: list[Sentence], citations: list[Citation]) -> list[Sentence]:
    """When the sentences come from reports of more than one day, the first one from the newest
    day says so ("As of 26 December 2001, …"); the date is the article's, not a claim."""
    dates = [citations[s.citations[0] - 1].date or "" if s.citations else "" for s in sents]
    if len({d for d in dates if d}) < 2:
        return sents
    newest = max(d for d in dates if d)
    i = dates.index(newest)
    s = sents[i]
    out = list(sents)
    out[i] = Sentence(f"As of {human_date(newest)}, {lower_first(s.text)}", s.citations, s.supported, s.reason)
    return out


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


def _repeats(it: Item, items: list[Item]) -> bool:
    return any(_similar(it.text, x.text) for x in items)


def _similar(a: str, b: str, threshold: float = 0.6) -> bool:
    ta, tb = cit.content_tokens(a), cit.content_tokens(b)
    if not ta or not tb:
        return False
    return len(ta & tb) / min(len(ta), len(tb)) >= threshold
