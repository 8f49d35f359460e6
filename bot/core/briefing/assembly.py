"""Assembling the paragraph: the model's sentences checked one by one (grounding), unsupported
ones dropped, filled up with extractive key sentences, a checked sentence on the differences
between outlets, citations renumbered, and the account of the articles used and left out."""

from __future__ import annotations

import re


from bot.core import citations as cit
from bot.core.grounding import Prepared, add_citation, check_answer, compose, prepare
from bot.core.briefing.differences import _DIFF_FRAME, CheckedDifference, Version
from bot.core.briefing.records import MAX_SENTENCES, MAX_WORDS, MIN_SENTENCES, Brief, Doc, Key, _article_ref, short_title, word_count
from bot.core.types import Citation, Sentence


class Assembly:
    """The assembly half of `Briefer` (a mixin: it uses the session's settings and model)."""

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
        who = lambda d: d.row.outlet or d.row.title or d.row.file  # noqa: E731
        return CheckedDifference(detail, lead, clause_a, clause_b, pa, pb, sa, sb, who(va.doc), who(vb.doc))

    @staticmethod
    def _label(doc: Doc, first: bool) -> str:
        if doc.row.outlet:
            return doc.row.outlet
        title = short_title(doc.row.title, 4)
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
