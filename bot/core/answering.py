"""Grounded answers, evidence first: retrieve → choose evidence sentences → the model names the
sentences it uses and answers from them → check words and meaning → Answer.

One code path for `ask`, `eval` and the TUI. The model never sees article text as instructions
(bot.core.safety). Nothing it writes reaches the reader unless
1. every name, number, date and quote in it is in the evidence it rests on (bot.core.citations),
2. it holds the kind of thing the question asks for and is not the question restated
   (bot.core.checking), and
3. the model itself, asked as a yes/no judge, says the evidence states this answer to this
   question: P(yes) from the next token, less its P(yes) for "The sentences do not say.", must
   reach `judge_threshold`.
Before refusing it repairs: an unsupported detail is cut; a model that declines although
retrieval is confident is asked once more with the best passage alone; when the model's words
fail, an evidence sentence that answers the question's type and passes the judge is quoted.
"""

from __future__ import annotations

import time
from typing import Callable

from bot.core import checking, comparing, evidence, later_reports, misfits
from bot.core.output_format import (AnswerStream, answer_messages, grammar, judge_score,  # noqa: F401
                                    parse_output)  # (parse_output re-exported)
from bot.core.conversation import Turn, standalone
from bot.core import citations as cit
from bot.core.grounding import add_citation, compose, full_names, meta_text, off_topic, prepare, without_one_phrase
from bot.core.repairs import Repairs, judge_checks
from bot.core.session import Session, check_question
from bot.core.types import Answer, Citation, Sentence

REFUSAL_TEXT = "The articles don't say."
PART_BUDGET = 0.6  # share of prompt_budget for each part of a two-part question (asked one part at a time)
RIVAL_MARGIN = 0.05  # how much more the judge must like a swapped answer to overrule the model's

class Answerer(Repairs, Session):
    """Answers questions from an index with a chat model. Cheap to build; the index, embedder and
    model are opened on first use and reused for every later question."""

    def messages(self, question: str, sentences: str) -> list[dict]:
        return answer_messages(self.settings.prompts_dir, question, sentences)

    def ask(self, question: str, *, k: int | None = None, source: str | None = None, since: str | None = None,
            until: str | None = None, keep_unsupported: bool = False, on_token: Callable[[str], None] | None = None,
            save: bool = True, follows: list[Answer] | None = None, conversation: int | None = None) -> Answer:
        """`follows`: the conversation so far (oldest first); the question is made standalone from
        it before retrieval (bot.core.conversation) and answered and checked like any other."""
        question = check_question(question, self.settings)  # empty or too long: a usage error
        asked = question
        if follows:
            question = standalone(question, [Turn(a.standalone or a.question, a.answer, a.refused) for a in follows])
        t0 = time.perf_counter()
        if comparing.is_comparison(question):  # how the outlets differ: compared, not written by the model
            return self._compare(question, asked, conversation, t0, save, source=source, since=since, until=until)
        passages = self.index.search(question, k=k or self.settings.k, source=source, since=since, until=until)
        retrieve_ms = (time.perf_counter() - t0) * 1000
        model = self.model
        answer = Answer(question=asked, answer=REFUSAL_TEXT, refused=True, retrieved=passages, model=model.name,
                        standalone=question if question != asked else "", conversation=conversation)
        answer.timings = {"retrieve_ms": round(retrieve_ms, 1)}
        answer.stages = {"model": "none", "repair": None, "rejected": [], "judge_calls": 0}
        self._texts: dict[str, str | None] = {}
        self._nulls: dict[tuple[str, str], float | None] = {}
        self.__dict__.pop("_outlet_list", None)  # read again for each question (an ingest may add outlets)
        if not passages:
            answer.refusal_reason = "no passage matches the question"
            return self._finish(answer, t0, save)
        pool = evidence.candidates(prepare(passages))
        # a follow-up's carried question ("… (after: Which yacht…?)") helps find and read the
        # evidence, but what the answer is checked against is the follow-up itself
        plain = checking.own_question(question)
        carried = question[len(plain):]
        parts = checking.answer_parts(plain) if self.settings.answer_parts else [plain]
        parts = [p + carried for p in parts]
        pools = [pool] if len(parts) == 1 else self._part_pools(answer, parts, passages, k=k, source=source, since=since, until=until)
        results = []
        for i, part in enumerate(parts):
            budget = self.settings.prompt_budget if len(parts) == 1 else int(self.settings.prompt_budget * PART_BUDGET)
            result = self._attempt(answer, part, pools[i], budget, on_token, t0, keep_unsupported, first=i == 0)
            if result == "cancelled":
                answer.stages["model"] = "cancelled"
                answer.refusal_reason = "cancelled"
                return self._finish(answer, t0, save=False)
            if result is None:
                if i > 0:  # half an answer is not shown as an answer: the reader is told what was found
                    found = " ".join(t for r in results for t, _ in r[0])
                    answer.refusal_reason = f"only part of the question was answered ({found[:120]}); {answer.refusal_reason}"
                if keep_unsupported and answer.sentences:
                    answer.answer = compose(answer.sentences)
                return self._finish(answer, t0, save)
            results.append(result)
            if on_token is not None and i + 1 < len(parts):
                on_token(" ")
        out = [piece for r in results for piece in r[0]]
        judged = [r[1]["judge"] for r in results if "judge" in r[1]]
        checks = {**results[0][1], **({"judge": min(judged)} if judged else {})}
        answer.sentences, answer.citations = self._cite(out, checks)
        if keep_unsupported:  # shown flagged, where the model wrote them
            for pos, t in reversed([d for r in results for d in r[2]]):
                answer.sentences.insert(min(pos, len(answer.sentences)), Sentence(t, [], False, "not in the evidence"))
        answer.refused = False
        answer.refusal_reason = None
        answer.answer = compose(answer.sentences)
        return self._finish(answer, t0, save)

    def _part_pools(self, answer: Answer, parts: list[str], passages: list, k: int | None, **filters) -> list[list]:
        """Each part of a two-part question searched for on its own (its facts are often in another
        article than the first part's), ahead of the passages found for the whole question."""
        pools = []
        for part in parts:
            found = self.index.search(checking.own_question(part), k=k or self.settings.k, **filters)
            seen = {p.chunk_id for p in found}
            pools.append(evidence.candidates(prepare(found + [p for p in passages if p.chunk_id not in seen])))
            known = {p.chunk_id for p in answer.retrieved}
            answer.retrieved += [p for p in found if p.chunk_id not in known]
        return pools

    def _compare(self, question: str, asked: str, conversation, t0: float, save: bool, **filters) -> Answer:
        from bot.core.briefing import Briefer

        answer = Answer(question=asked, answer=REFUSAL_TEXT, refused=True, model="",
                        standalone=question if question != asked else "", conversation=conversation)
        answer.stages = {"model": "none", "repair": None, "rejected": [], "judge_calls": 0}
        comparing.answer_comparison(Briefer(self.settings, services=self.services), question, answer, **filters)
        answer.timings = {"first_token_ms": round((time.perf_counter() - t0) * 1000, 1)}
        return self._finish(answer, t0, save)

    def _attempt(self, answer: Answer, question: str, pool: list, budget: int, on_token, t0: float,
                 keep_unsupported: bool, first: bool = True):
        """One question (or one part of a two-part one): evidence, the model, the checks and the
        repairs. (pieces, checks, dropped) when an answer passed; None (the reason set in
        answer.refusal_reason) when not; "cancelled"."""
        evidence.score(question, pool, embed=self._embed)
        chosen = evidence.select(pool, budget, self.model.count_tokens)
        size = lambda ch: self.model.count_tokens("\n".join(m["content"] for m in self.messages(question, evidence.render(ch)))) + 13  # noqa: E731 (+ the chat template's markers)
        chosen = evidence.fit(chosen, size, self.settings.prompt_max)
        answer.packed = list({id(p): p for p in answer.packed + [s.prep.passage for s in chosen]}.values())
        answer.stages["evidence_sentences"] = answer.stages.get("evidence_sentences", 0) + len(chosen)
        raw, cancelled = self._generate(answer, question, chosen, on_token, t0, extra=not first, label="next part")
        if cancelled:
            return "cancelled"
        picks, text, declined = parse_output(raw)
        text = cit.rejoin_digit_groups(text, " ".join(e.text for e in chosen))
        if first:
            answer.stages["model"] = "declined" if declined else "answered"
        elif declined:
            answer.stages["model"] = "declined part"
        own = checking.own_question(question)  # checks and the judge: the follow-up itself
        # a model that nearly declined (P("none") where its reply began) must satisfy the judge as
        # much as a second try: two weak signals of a wrong answer together are a strong one
        doubt = None if declined else self._doubt(answer, question, chosen, first)
        speech = None if declined or not self.settings.typed_repair else self._speech_pick(answer, question, own, chosen, t0)
        if speech == "cancelled":
            return speech
        least = self.settings.quote_threshold if doubt is not None and doubt >= self.settings.doubt_threshold else None
        result = None if declined else self._check(answer, own, text, picks, chosen, least=least)
        if result is not None and least is not None:
            result[1]["doubt"] = round(doubt, 2)
        # a decline resting on evidence that itself says the thing is not known ("the cause is as
        # yet unknown") is the articles' answer: asking again would only find a wrong one
        said_unknown = declined and any(cit.is_refusal(chosen[n - 1].text) for n in picks if 0 < n <= len(chosen))
        if result is None and declined and not said_unknown and evidence.confident(question, pool):
            retry = evidence.best_passage_sentences(pool)
            raw2, cancelled = self._generate(answer, question, retry, None, t0, extra=True, label="retry with the best passage alone")
            if cancelled:
                return "cancelled"
            picks2, text2, declined2 = parse_output(raw2)
            if not declined2:
                result = self._check(answer, own, text2, picks2, retry)
                if result is not None:
                    answer.stages["repair"] = "retry_best_passage"
        if result is None and not said_unknown and (declined or not _has_words(text)):
            # the model named evidence but wrote no usable words: quote the sentence, if the judge
            # is sure of it (an answer the checks rejected is not replaced by a neighbouring quote)
            result = self._quote_evidence(answer, own, [chosen[n - 1] for n in picks if 0 < n <= len(chosen)], chosen)
            if result is not None:
                answer.stages["repair"] = "quoted_evidence"
        if result is None and not declined and self.settings.typed_repair:
            result = self._typed_answer(answer, question, own, chosen, t0)
            if result == "cancelled":
                return result
            if result is not None:
                answer.stages["repair"] = "typed_answer"
        if speech:
            result = self._check_speech(answer, own, speech, chosen, result)
        if result is not None:  # two dated reports of different figures: the later one, and the earlier said
            pieces, changed = later_reports.apply(own, result[0], chosen)
            if changed:
                result = (pieces, {**result[1], "later_report": True}, result[2])
        if result is None:
            answer.refusal_reason = ("the articles say this is not known" if said_unknown
                                     else "the model found no answer in the passages" if declined
                                     else "no sentence of the answer passed the checks: " + "; ".join(answer.stages["rejected"][:3]))
            if keep_unsupported and text and not declined:
                answer.sentences = [Sentence(text, [], False, answer.refusal_reason)]
        return result

    # -- the model --------------------------------------------------------------------------
    def _generate(self, answer: Answer, question: str, chosen: list, on_token, t0: float,
                  extra: bool = False, label: str = "", choices: list[str] | None = None) -> tuple[str, bool]:
        messages = self.messages(question, evidence.render(chosen))
        gen = self.generate(messages, max_tokens=self.settings.max_tokens, stop=["\n\n"], t0=t0,
                            on_token=AnswerStream(on_token), grammar=grammar(len(chosen), choices))
        stats = gen.stats
        if extra:  # a retry or a question's second part: recorded beside the first call
            answer.timings["extra_prompt_tokens"] = answer.timings.get("extra_prompt_tokens", 0) + stats.prompt_tokens
            answer.completion_tokens += stats.completion_tokens
            answer.raw += f"\n--- {label} ---\n" + gen.text
            return gen.text, gen.cancelled
        answer.raw = gen.text
        answer.prompt_tokens = stats.prompt_tokens
        answer.completion_tokens = stats.completion_tokens
        answer.timings["first_token_ms"] = round(gen.first_ms if gen.first_ms is not None else (time.perf_counter() - t0) * 1000, 1)
        answer.timings["cached_prompt_tokens"] = stats.cached_tokens
        return answer.raw, gen.cancelled

    def _doubt(self, answer: Answer, question: str, chosen: list, first: bool) -> float | None:
        """P that the model's reply goes on "Evidence: none" (its prompt is still in the KV cache,
        so this reads one token); kept in stages.p_none for the first part."""
        with self._lock:
            p = self.model.decline_probability(self.messages(question, evidence.render(chosen)), "Evidence:")
        if p is not None and first:
            answer.stages["p_none"] = round(p, 3)
        return p

    def _judge(self, answer: Answer, question: str, text: str, evs: list, role: str = "answer") -> tuple[float, float] | None:
        """(score, P(yes)) of the judge on `text` as the answer to `question` from `evs`
        (output_format.judge_score); None: no judge."""
        if self.settings.judge_threshold <= 0:
            return None
        got = judge_score(lambda m: self._yes(answer, m), self.settings.prompts_dir, question, text,
                          evidence.render(evidence.numbered(evs)), self.__dict__.setdefault("_nulls", {}))
        if got is None:
            return None
        score, p, null = got
        # every verdict is kept: eval scores the judge as a classifier from these
        answer.stages.setdefault("judged", []).append(
            {"role": role, "text": text[:300], "p": round(p, 3), "null": None if null is None else round(null, 3),
             "score": round(score, 3), "evidence": [e.text for e in evs]})
        return score, p

    def _yes(self, answer: Answer, messages: list[dict]) -> float | None:
        t = time.perf_counter()
        with self._lock:
            p = self.model.yes_probability(messages)
        answer.stages["judge_calls"] = answer.stages.get("judge_calls", 0) + 1
        answer.timings["judge_ms"] = round(answer.timings.get("judge_ms", 0.0) + (time.perf_counter() - t) * 1000, 1)
        answer.timings["judge_prompt_tokens"] = answer.timings.get("judge_prompt_tokens", 0) + self.model.last.prompt_tokens
        return p

    def _embed(self, texts: list[str]):
        embedder = getattr(self.index, "embedder", None)
        return embedder.embed(texts) if embedder is not None else None

    # -- checks -----------------------------------------------------------------------------
    def _check(self, answer: Answer, question: str, text: str, picks: list[int], chosen: list, least: float | None = None):
        """(pieces, checks, dropped) when the answer passes every check: pieces are (sentence,
        evidence), dropped (position, sentence) of those no evidence supports; else None (reasons
        are added to answer.stages["rejected"])."""
        rejected = answer.stages["rejected"]
        picked = [chosen[n - 1] for n in picks if 0 < n <= len(chosen)]
        out: list[tuple[str, list]] = []
        dropped: list[tuple[int, str]] = []  # (position, text) of sentences no evidence supports
        who = checking.expected_type(question) in ("person", "name")
        for piece in cit.split_sentences(text):
            clean, markers = cit.parse_markers(piece)
            if not clean or not any(ch.isalnum() for ch in clean) or cit.is_refusal(clean):
                continue
            if who:  # "Mr Vole" as the evidence's one "Ann Vole": the name asked for
                clean = full_names(clean, " ".join(e.text for e in chosen))
            marked = [chosen[n - 1] for n in markers if 0 < n <= len(chosen)]
            found = self._support(question, clean, picked + [m for m in marked if m not in picked], chosen)
            if found is None:
                for shorter in without_one_phrase(clean):
                    found = self._support(question, shorter, picked, chosen)
                    if found is not None:
                        clean = shorter  # an unsupported detail was cut; what is left is checked
                        break
            if found is None:
                rejected.append(f"not in the evidence: {clean[:80]}")
                dropped.append((len(out), clean))
                continue
            out.append((clean, found))
        if not out:
            return None
        whole = " ".join(t for t, _ in out)
        if not checking.adds_something(question, whole):
            rejected.append("restates the question")
            return None
        if not checking.fits_type(question, whole):
            kind = checking.expected_type(question)
            rejected.append(f"not a {kind}" if kind else f"fewer than the {checking.listed(question)} items asked for")
            return None
        evs = list(dict.fromkeys(e for _, found in out for e in found))
        misfit = misfits.misfit(question, whole, " ".join(e.text for e in evs))
        if misfit:
            rejected.append(misfit)
            return None
        shown = list(dict.fromkeys(evs + picked))  # the judge sees what the model named, too
        judged = self._judge(answer, question, whole, shown)
        if judged is not None and judged[0] < (self.settings.judge_threshold if least is None else least):
            rejected.append(f"judge: the evidence does not state it (score {judged[0]:.2f}: p={judged[1]:.2f})")
            return None
        if judged is not None:
            # the same judge on the answer with its key number or name swapped for another one of
            # the evidence: a right answer should win against its rivals
            rival_text = " ".join(e.text for e in shown)
            for rival in checking.rivals(question, whole, rival_text):
                r = self._judge(answer, question, rival, shown, role="rival")
                if r is not None and r[0] > judged[0] + RIVAL_MARGIN:
                    rejected.append(f"judge prefers {rival[:60]!r} (score {r[0]:.2f}) to the answer (score {judged[0]:.2f})")
                    return None
        return out, {"lexical": True, "type": True, **judge_checks(judged)}, dropped

    def _support(self, question: str, sentence: str, first: list, chosen: list) -> list | None:
        """The evidence sentences that support `sentence`: the ones the model named, taken together
        (one answer may join two facts), else the best single chosen sentence."""
        tries = [first] if first else []
        tries += [[s] for s in sorted(chosen, key=lambda s: -s.score) if [s] != first]
        for evs in tries:
            evs = evidence.covered(sentence, question, evs, chosen)
            text = " ".join(e.text for e in evs)
            meta = " ".join(meta_text(e.prep.passage) for e in evs)
            if not cit.check(sentence, text, question, meta).ok:
                continue
            used = evidence.contributing(sentence, question, evs)
            if any(off_topic(question, e.prep, self._article_text, self._outlets()) for e in used):
                continue
            return used
        return None

    def _cite(self, out: list[tuple[str, list]], checks: dict) -> tuple[list[Sentence], list[Citation]]:
        citations: list[Citation] = []
        by_chunk: dict[str, int] = {}
        sentences = []
        for text, evs in out:
            ns = []
            for e in evs:
                support = cit.Support(True, quote_start=e.start, quote_end=e.end)
                ns.append(add_citation(e.prep, support, by_chunk, citations))
            sentences.append(Sentence(text, list(dict.fromkeys(ns)), True, evidence=[e.text for e in evs], checks=dict(checks)))
        return sentences, citations

    def _article_text(self, article_id: str) -> str | None:
        """An article's whole text, read once per question (the checks ask for it per sentence)."""
        texts = self.__dict__.setdefault("_texts", {})
        if article_id not in texts:
            texts[article_id] = self.index.article(article_id).get("text")  # BaseIndex: None when unknown
        return texts[article_id]

    def _outlets(self) -> list[str] | None:
        """The index's outlets, read once per question: a question's "X's report" names an outlet only if one is X."""
        if "_outlet_list" not in self.__dict__:
            self._outlet_list = self.index.outlets()
        return self._outlet_list

    def _finish(self, answer: Answer, t0: float, save: bool) -> Answer:
        answer.timings["total_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        answer.timings.setdefault("first_token_ms", answer.timings["total_ms"])
        if save:
            self.save(answer, "ask")
        return answer


def _has_words(text: str) -> bool:
    return any(ch.isalpha() for ch in cit.parse_markers(text)[0])
