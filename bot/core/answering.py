"""Grounded answers: retrieve → pack → prompt → stream → check every sentence → Answer.

One code path for `ask`, `eval` and the TUI. The model never sees article text as instructions
(bot.core.safety), and nothing it writes reaches the reader unless the cited passage supports it
(bot.core.citations); otherwise the answer is a plain refusal with the closest passages.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Callable

from bot.core import citations as cit
from bot.core import prompts, safety
from bot.core.session import Session
from bot.core.types import Answer, Citation, Passage, Sentence

REFUSAL_TEXT = "The articles don't say."


@dataclass
class Prepared:
    """A passage as the model sees it (numbered, instructions blanked) and as the checker sees it."""

    passage: Passage
    checked: str  # passage text with planted instructions blanked (same length as passage.text)
    prompt_text: str
    removed: int = 0


def prepare(passages: list[Passage]) -> list[Prepared]:
    out = []
    for p in passages:
        blanked, removed = safety.blank_planted(p.text)
        out.append(Prepared(p, blanked, safety.for_prompt(blanked, removed), removed))
    return out


def render_passage(template: prompts.Template, n: int, prep: Prepared, text: str | None = None) -> str:
    p = prep.passage
    meta = f" ({p.date})" if p.date else ""
    return template.render(n=str(n), title=p.title, meta=meta, text=text if text is not None else prep.prompt_text)


def pack(prepared: list[Prepared], budget: int, count_tokens: Callable[[str], int],
         template: prompts.Template) -> tuple[list[Prepared], list[str]]:
    """Passages in rank order until the token budget is spent; the first one is trimmed to fit
    rather than dropped. Returns the packed passages and their rendered blocks."""
    packed: list[Prepared] = []
    blocks: list[str] = []
    used = 0
    for prep in prepared:
        block = render_passage(template, len(packed) + 1, prep)
        cost = count_tokens(block) + 1
        if used + cost > budget:
            if packed:
                continue  # a shorter passage further down may still fit
            words = prep.prompt_text.split()
            keep = max(16, int(len(words) * budget / max(cost, 1)) - 8)
            block = render_passage(template, 1, prep, " ".join(words[:keep]) + " …")
            cost = count_tokens(block) + 1
        packed.append(prep)
        blocks.append(block)
        used += cost
        if used >= budget:
            break
    return packed, blocks


def check_answer(raw: str, question: str, packed: list[Prepared], keep_unsupported: bool = False,
                 article_text: Callable[[str], str | None] | None = None,
                 ) -> tuple[list[Sentence], list[Citation], bool, str]:
    """Split the model's text into sentences, check each against its cited passage (or find the
    retrieved passage that supports it), renumber citations 1..m in order of appearance.
    Returns (sentences, citations, refused, refusal_reason)."""
    sentences: list[Sentence] = []
    citations: list[Citation] = []
    by_chunk: dict[str, int] = {}
    claims = 0
    declined = False
    bare: list[int] = []  # passages cited by a marker that came with no words
    for piece in cit.split_sentences(raw):
        text, cited = cit.parse_markers(piece)
        if not text or not any(ch.isalnum() for ch in text):
            bare.extend(cited)
            continue
        if cit.is_refusal(text):
            declined = True
            continue
        claims += 1
        choice = _attribute(text, cited, question, packed)
        if choice is None:
            for shorter in _without_one_phrase(text):
                choice = _attribute(shorter, cited, question, packed)
                if choice is not None:
                    text = shorter  # an unsupported detail was cut; what is left is checked
                    break
        reason = "no cited passage supports it"
        if choice is not None:
            missing = _off_topic(question, choice[0], article_text)
            if missing:
                choice, reason = None, f"its passage's article never mentions {', '.join(missing)}"
        if choice is None:
            if keep_unsupported:
                ns = [add_citation(packed[c - 1], None, by_chunk, citations) for c in cited if 1 <= c <= len(packed)]
                sentences.append(Sentence(text, ns, False, reason))
            continue
        prep, support = choice
        n = add_citation(prep, support, by_chunk, citations)
        sentences.append(Sentence(text, [n], True))
    supported = [s for s in sentences if s.supported]
    if not supported and bare and not claims and not declined:
        found = _quote_for(question, [packed[n - 1] for n in bare if 1 <= n <= len(packed)], article_text)
        if found:
            prep, text, support = found
            return [Sentence(text, [add_citation(prep, support, by_chunk, citations)], True)], citations, False, ""
    if not supported:
        if declined and not claims:
            return [], [], True, "the model found no answer in the passages"
        return (sentences if keep_unsupported else []), (citations if keep_unsupported else []), True, \
            "no sentence of the answer is supported by the passages"
    return sentences, citations, False, ""


def _quote_for(question: str, preps: list[Prepared], article_text) -> tuple[Prepared, str, cit.Support] | None:
    """When the model points at a passage ("[3]") but writes nothing, answer with that passage's
    sentence that best matches the question, quoted verbatim (so it is checked by construction)."""
    q = cit.content_tokens(question) - _QUESTION_WORDS
    if len(q) < 2:
        return None
    best = None
    for prep in preps:
        for a, b in cit.passage_sentences(prep.checked):
            seg = prep.checked[a:b].strip()
            overlap = len(cit.content_tokens(seg) & q)
            if overlap >= max(2, 0.6 * len(q)) and _has_answer_type(question, seg) and (best is None or overlap > best[0]):
                best = (overlap, prep, seg)
    if best is None:
        return None
    _, prep, seg = best
    support = cit.check(seg, prep.checked, question, _meta_text(prep.passage))
    if not support.ok or _off_topic(question, prep, article_text):
        return None
    return prep, seg, support


_QUESTION_WORDS = frozenset({"many", "much", "name", "happen", "happened", "kind", "type"})


def _has_answer_type(question: str, sentence: str) -> bool:
    """A quoted sentence can only stand in for an answer if it holds the kind of thing asked for:
    a number for how many/much/old, a name for who, a number or date for when."""
    q = question.lower()
    new_numbers = cit.numbers(sentence) - cit.numbers(question)
    if re.search(r"\bhow (many|much|old|long|far|big)\b|\bwhat (number|percentage|total)\b", q):
        return bool(new_numbers)
    if re.search(r"\bwhen\b|\bwhat (year|date|day|time)\b", q):
        return bool(new_numbers) or bool(re.search(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b", sentence.lower()))
    if re.search(r"\bwho(m|se)?\b", q):
        return bool(cit.names(sentence) - cit.names(question) - cit.content_tokens(question))
    return True


_PHRASES = (
    re.compile(r",\s+[^,]{2,80},\s*"),  # an aside between commas
    re.compile(r"\s+\((?:[^()]{1,80})\)"),  # a parenthesis
    re.compile(r"\s*\b(?:from|in|according to|see|per)\s+(?:the\s+)?(?:passage|article|text|source)s?\b\s*", re.I),  # meta-talk
    re.compile(r"\s+(?:from|of|at|in|with|for|by)\s+(?:the\s+)?[A-Z][\w'’.&-]*"
               r"(?:\s+(?:(?:of|and|for|the|on)\s+)*[A-Z][\w'’.&-]*){0,6}(?=[\s,.;]|$)"),  # "from the Ministry of Truth"
)


def _without_one_phrase(text: str) -> list[str]:
    """The sentence with one unsupported-looking detail removed (an aside, a parenthesis, or a
    prepositional phrase of names): small models like to add such details. Text is only ever
    removed, never added, and the remainder must pass the check on its own."""
    out = []
    for pattern in _PHRASES:
        for m in pattern.finditer(text):
            cut = (text[:m.start()] + " " + text[m.end():]).strip()
            cut = re.sub(r"\s+([.,;!?])", r"\1", " ".join(cut.split()))
            if len(cut.split()) >= 2 and cut not in out:
                out.append(cut)
    return out[:8]


def _attribute(text: str, cited: list[int], question: str, packed: list[Prepared]):
    """The cited passage that supports the sentence, else the best supporting retrieved one."""
    best = None
    for n in cited:
        if 1 <= n <= len(packed):
            prep = packed[n - 1]
            s = cit.check(text, prep.checked, question, _meta_text(prep.passage))
            if s.ok and (best is None or s.score > best[1].score):
                best = (prep, s)
    if best:
        return best
    already = {id(packed[n - 1]) for n in cited if 1 <= n <= len(packed)}
    for prep in packed:
        if id(prep) in already:
            continue
        s = cit.check(text, prep.checked, question, _meta_text(prep.passage))
        if s.ok and (best is None or s.score > best[1].score):
            best = (prep, s)
    return best


def _off_topic(question: str, prep: Prepared, article_text) -> list[str]:
    """Names of the question missing from the supporting article (at most one may be missing when
    the question names four or more)."""
    text = None
    if article_text is not None:
        try:
            text = article_text(prep.passage.article_id)
        except Exception:
            text = None
    missing = cit.missing_entities(question, " ".join(x for x in (text or prep.checked, _meta_text(prep.passage)) if x))
    if len(missing) == 1 and len(cit.names(question)) >= 4:
        return []
    return missing


def _meta_text(p: Passage) -> str:
    """What the prompt shows about a passage besides its text: naming its outlet is no invention."""
    return " ".join(x for x in (p.title, p.outlet) if x)


def add_citation(prep: Prepared, support, by_chunk: dict[str, int], citations: list[Citation]) -> int:
    """The number of the citation for `prep`, adding it (with its quoted span) if it is new."""
    p = prep.passage
    if p.chunk_id in by_chunk:
        n = by_chunk[p.chunk_id]
        if support is not None and citations[n - 1].quote == p.text:
            _set_quote(citations[n - 1], p, support)
        return n
    n = len(citations) + 1
    by_chunk[p.chunk_id] = n
    c = Citation(n=n, article_id=p.article_id, title=p.title, outlet=p.outlet, date=p.date,
                 source_file=p.source_file, chunk_id=p.chunk_id, passage=p.text, quote=p.text,
                 start=p.start, end=p.end, files=p.files or [p.source_file])
    if support is not None:
        _set_quote(c, p, support)
    citations.append(c)
    return n


def _set_quote(c: Citation, p: Passage, support) -> None:
    c.quote = p.text[support.quote_start:support.quote_end]
    c.start = p.start + support.quote_start
    c.end = p.start + support.quote_end


def compose(sentences: list[Sentence]) -> str:
    out = []
    for s in sentences:
        marks = "".join(f"[{n}]" for n in s.citations)
        body = s.text.rstrip()
        closing = ""
        if len(body) > 1 and body[-1] in "\"”'’)" and body[-2] in ".!?":  # …minorities." -> …minorities" [2].
            body, closing = body[:-1], body[-1]
        end = body[-1] if body and body[-1] in ".!?" else "."
        body = (body[:-1] if body and body[-1] in ".!?" else body) + closing
        flag = "" if s.supported else " (unsupported)"
        out.append(f"{body} {marks}{end}{flag}".replace("  ", " ") if marks else f"{body}{end}{flag}")
    return " ".join(out)


class Answerer(Session):
    """Answers questions from an index with a chat model. Cheap to build; the index, embedder and
    model are opened on first use and reused for every later question."""

    def messages(self, question: str, blocks: list[str]) -> list[dict]:
        pdir = self.settings.prompts_dir
        system = prompts.load(pdir, "answer.system").render()
        user = prompts.load(pdir, "answer.user").render(passages="\n\n".join(blocks), question=question.strip())
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def ask(self, question: str, *, k: int | None = None, source: str | None = None, since: str | None = None,
            until: str | None = None, keep_unsupported: bool = False, on_token: Callable[[str], None] | None = None,
            save: bool = True) -> Answer:
        from bot.errors import UsageError

        question = " ".join((question or "").split())
        if not question:
            raise UsageError("Empty question", "ask something, e.g. newsbot ask \"Who was sanctioned?\"")
        t0 = time.perf_counter()
        passages = self.index.search(question, k=k or self.settings.k, source=source, since=since, until=until)
        retrieve_ms = (time.perf_counter() - t0) * 1000
        model = self.model
        answer = Answer(question=question, answer=REFUSAL_TEXT, refused=True, retrieved=passages, model=model.name)
        answer.timings = {"retrieve_ms": round(retrieve_ms, 1)}
        if not passages:
            answer.refusal_reason = "no passage matches the question"
            return self._finish(answer, t0, save)
        template = prompts.load(self.settings.prompts_dir, "passage")
        packed, blocks = pack(prepare(passages), self.settings.prompt_budget, model.count_tokens, template)
        messages = self.messages(question, blocks)
        raw_parts: list[str] = []
        first: float | None = None
        with self._lock:
            for piece in model.stream(messages, max_tokens=self.settings.max_tokens, stop=["\n\nQuestion:", "</passages>"]):
                if first is None:
                    first = (time.perf_counter() - t0) * 1000
                raw_parts.append(piece)
                if on_token:
                    on_token(piece)
            cancelled = model.cancel_event.is_set()
        stats = model.last
        answer.raw = "".join(raw_parts).strip()
        answer.prompt_tokens = stats.prompt_tokens
        answer.completion_tokens = stats.completion_tokens
        answer.timings["first_token_ms"] = round(first if first is not None else (time.perf_counter() - t0) * 1000, 1)
        answer.timings["cached_prompt_tokens"] = stats.cached_tokens
        if cancelled:
            answer.refusal_reason = "cancelled"
            return self._finish(answer, t0, save=False)
        sentences, citations, refused, reason = check_answer(answer.raw, question, packed, keep_unsupported,
                                                             article_text=self._article_text)
        answer.sentences, answer.citations, answer.refused, answer.refusal_reason = sentences, citations, refused, reason
        if not refused or (keep_unsupported and sentences):
            answer.answer = compose(sentences)
        return self._finish(answer, t0, save)

    def _article_text(self, article_id: str) -> str | None:
        getter = getattr(self.index, "article", None)
        return getter(article_id).get("text") if getter else None

    def _finish(self, answer: Answer, t0: float, save: bool) -> Answer:
        answer.timings["total_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        answer.timings.setdefault("first_token_ms", answer.timings["total_ms"])
        if save:
            try:
                self.history.add(answer, "ask")
            except Exception:  # history is a convenience; never lose an answer over it
                pass
        return answer
