"""`Briefer`: a briefing from start to end (select, cluster, plan the prompt, generate, assemble)."""

from __future__ import annotations

import time
from typing import Callable


from bot.core import citations as cit
from bot.core import prompts
from bot.core.grounding import Prepared, prepare
from bot.core.session import Session
from bot.core.briefing.assembly import Assembly, _drop_cut_off
from bot.core.briefing.differences import Comparison, compare
from bot.core.briefing.records import Brief, Doc, Key, _ms, short_title
from bot.core.briefing.selection import Selection, cluster, idf_of, sentence_scores
from bot.core.types import Passage

# ----------------------------------------------------------------------------- the briefer


class Briefer(Selection, Assembly, Session):
    """Writes briefings from an index with a chat model. Cheap to build; the index, embedder
    and model are opened on first use and reused."""

    def __init__(self, settings, index=None, model=None, history=None, passage_budget: int | None = None,
                 services=None):
        super().__init__(settings, index, model, history, services=services)
        # prompt tokens for key passages (settings.brief_passage_budget, default PASSAGE_BUDGET)
        self.passage_budget = settings.brief_passage_budget if passage_budget is None else passage_budget

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
        groups = cluster(self.vectors(docs), self.settings.brief_cluster_threshold) if len(docs) > 1 else [[0]]
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
        max_tokens = self.settings.brief_max_tokens  # default MAX_TOKENS
        budget = max(120, min(self.passage_budget, model.n_ctx - max_tokens - system_cost - 64))
        keys, spare, scores = self.plan(docs, groups, topic, model.count_tokens, budget)
        prepared = prepare([k.passage for k in keys])
        ok = [(p, k) for p, k in zip(prepared, keys) if not p.removed]  # planted instructions: never a key passage
        packed, keys = [p for p, _ in ok], [k for _, k in ok]
        spare = [k for k in spare if not prepare([k.passage])[0].removed]
        main = groups[0] if groups else []
        comparison = compare([docs[i] for i in main], self.index.embedder.embed) if len(main) > 1 else \
            Comparison([], [], [])
        timings["extract_ms"] = _ms(t2)

        # generation
        raw = ""
        first: float | None = None
        t3 = time.perf_counter()
        if packed:
            attempt = list(zip(packed, keys))
            while attempt:
                msgs = self.messages(topic, [p for p, _ in attempt], [k for _, k in attempt], groups_of)
                try:
                    gen = self.generate(msgs, max_tokens=max_tokens, stop=["\n\n\n", "</passages>"], t0=t0,
                                        on_token=on_token)
                    raw, first = gen.text, gen.first_ms
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
        self.assemble(brief, raw, topic, packed, keys, spare, comparison, scores, {docs[i].id for i in main})
        self.account(brief, docs, dups, groups)
        timings["check_ms"] = _ms(t4)
        timings["total_ms"] = _ms(t0)
        brief.timings = timings
        if save:
            self.save(brief)
        return brief
