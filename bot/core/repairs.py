"""The second tries of an answer (bot.core.answering), made before refusing: an evidence sentence
quoted when the model wrote no usable words; for "where" questions the same prompt again with
the answer held by a grammar to one of the evidence's names; for a question about someone's words,
the same with the answer held to one of the evidence's quotations. A second try must satisfy the judge
more than a first (`quote_threshold`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core import checking, misfits
from bot.core import citations as cit
from bot.core.grounding import off_topic
from bot.core.output_format import parse_output
from bot.text import quotations

if TYPE_CHECKING:
    from bot.core.types import Answer

TYPED_CHOICES = 12  # most names or numbers of the evidence a second try may choose from


class Repairs:
    """A mixin of the Answerer (it uses the Answerer's settings, _judge, _generate, _check,
    _article_text and _outlets)."""

    def _quote_evidence(self, answer: Answer, question: str, picked: list, chosen: list):
        """When the model's words fail: the evidence sentence that holds the kind of thing asked
        for and shares most with the question, quoted verbatim, if the judge accepts it."""
        q = cit.content_tokens(question) - checking.QUESTION_WORDS
        if len(q) < 2:
            return None
        ranked = []
        for e in list(dict.fromkeys(picked + chosen)):
            overlap = len(cit.content_tokens(e.text) & q)
            if overlap >= max(2, 0.5 * len(q)) and checking.fits_type(question, e.text) \
                    and misfits.misfit(question, e.text, e.text) is None and checking.adds_something(question, e.text) \
                    and not off_topic(question, e.prep, self._article_text, self._outlets()):
                ranked.append((e in picked, overlap, e.score, e))
        ranked.sort(key=lambda r: (r[0], r[1], r[2]), reverse=True)
        for *_, e in ranked[:2]:
            judged = self._judge(answer, question, e.text, [e], role="quote")
            if judged is None or judged[0] >= self.settings.quote_threshold:
                return [(e.text, [e])], {"lexical": True, "type": True, "quoted": True, **judge_checks(judged)}, []
            answer.stages["rejected"].append(f"judge: quoted sentence refused (score {judged[0]:.2f}: p={judged[1]:.2f})")
        return None

    def _typed_answer(self, answer: Answer, question: str, own: str, chosen: list, t0: float):
        """When the model's answer to a "where" question failed the checks: the same prompt again (its
        KV cache holds it) with the answer held by a grammar to one of the names the evidence holds
        and the question does not, or a decline. The pick goes through every check, the judge at
        quote_threshold: a second try must be surer than a first."""
        # places only: a model that answers "where" with the wider region or the question's own
        # town has misread; one that finds no name or number mostly means the articles give none
        # (tuning questions: 2 places right; 17 who / name / how-many retries, none right, 1 wrong)
        if checking.expected_type(own) != "place":
            return None
        cands = checking.typed_spans(own, [s.text for s in chosen], most=TYPED_CHOICES)
        if not cands:
            return None
        raw, cancelled = self._generate(answer, question, chosen, None, t0, extra=True, label="answer of the kind asked for",
                                        choices=[c for c, _ in cands])
        if cancelled:
            return "cancelled"
        picks, text, declined = parse_output(raw)
        return None if declined else self._check(answer, own, text, picks, chosen, least=self.settings.quote_threshold)

    def _speech_pick(self, answer: Answer, question: str, own: str, chosen: list, t0: float):
        """For a question about someone's words ("How did Ann Vole describe the plan?") whose evidence
        quotes direct speech: the same prompt again, at once (the KV cache still holds it), with the
        answer held by a grammar to one of those quotations. A model asked "what did she say" mostly
        paraphrases the sentence that introduces a quote, not the quote; and the judge accepts a
        quotation more readily than the same words unmarked. Returns the raw pick (checked, only
        if needed, by `_check_speech`), None, or "cancelled"."""
        if not checking.asks_for_words(own):
            return None
        said = self._said(chosen)
        if not said:
            return None
        raw, cancelled = self._generate(answer, question, chosen, None, t0, extra=True, label="answer in the speaker's words",
                                        choices=[f'"{q}"' for q in said])
        return "cancelled" if cancelled else raw

    def _check_speech(self, answer: Answer, own: str, raw: str | None, chosen: list, result):
        """The quotation picked by `_speech_pick` replaces the first answer's refusal, or a first
        answer that repeats none of the evidence's quotations, when it passes every check with the
        judge at quote_threshold (a second try must be surer than a first). When the pick fails and the
        question asks what someone called a thing or how they described it, such a first answer is
        refused too: it paraphrases the words asked for, and the judge passes a paraphrase of the
        sentence around a quote as readily as one of the quote (dev_qa and seven fresh sets: two wrong
        answers refused, no right one; "What did she say she would do?" is answered by a paraphrase,
        and one right answer was lost before this was told apart). A declined pick leaves the first answer."""
        if not raw:
            return result
        if result is not None and checking.holds_quotation(own, " ".join(t for t, _ in result[0]), self._said(chosen)):
            return result
        picks, text, declined = parse_output(raw)
        if declined:
            return result
        quoted = self._check(answer, own, text, picks, chosen, least=self.settings.quote_threshold)
        if quoted is None:
            if result is None or not checking.asks_how_named(own):
                return result
            answer.stages["rejected"].append("a paraphrase of words the evidence quotes, and no quotation passed")
            return None
        answer.stages["repair"] = "quoted_words"
        return quoted

    @staticmethod
    def _said(chosen: list) -> list[str]:
        """The evidence's quotations, in order, at most TYPED_CHOICES."""
        return list(dict.fromkeys(q for s in chosen for q in quotations(s.text)))[:TYPED_CHOICES]


def judge_checks(judged: tuple[float, float] | None) -> dict:
    """The judge's part of a sentence's checks: its score (compared with the threshold) and P(yes)."""
    return {} if judged is None else {"judge": round(judged[0], 3), "judge_p": round(judged[1], 3)}
