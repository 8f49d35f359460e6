"""The answer's output format: "Evidence: 2, 5\nAnswer: …", enforced with a llama.cpp grammar,
read back from the model's text, and streamed to the reader without its evidence line. Also the
yes/no question put to the judge."""

from __future__ import annotations

import re
from typing import Callable

from bot.core import citations as cit
from bot.core import prompts

# The output format, enforced with a llama.cpp grammar so a small model cannot drift from it: only
# the numbers of sentences that exist can be named.
GRAMMAR = r'''
root ::= "Evidence: " ( "none" | nums "\nAnswer: " line )
nums ::= num ( ", " num ){0,5}
num ::= NUMS
line ::= [^\n\[]+ ( "[" [0-9] [0-9]? "]" [^\n\[]* )*
'''


def grammar(n: int, choices: list[str] | None = None) -> str:
    """The output format for `n` evidence sentences; with `choices`, the answer must be one of
    them word for word (or the model declines)."""
    g = GRAMMAR.replace("NUMS", " | ".join(f'"{i}"' for i in range(max(n, 1), 0, -1)))
    if choices:
        g = g.replace('line ::= [^\\n\\[]+ ( "[" [0-9] [0-9]? "]" [^\\n\\[]* )*',
                      "line ::= " + " | ".join(_literal(c) for c in choices))
    return g


def _literal(text: str) -> str:
    return '"' + " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"') + '"'


_EVIDENCE = re.compile(r"^\s*evidence\s*:\s*([^\n]*)", re.I)
_ANSWER = re.compile(r"\banswer\s*:\s*", re.I)


def parse_output(raw: str) -> tuple[list[int], str, bool]:
    """(evidence numbers, answer text, declined) from "Evidence: 2, 5\\nAnswer: ...". Output
    without the header (a model server without grammars) is read as a plain answer with [n] markers."""
    m = _EVIDENCE.match(raw)
    if not m:
        text = raw.strip()
        return [], text, (not text) or cit.is_refusal(text)
    picks = [int(x) for x in re.findall(r"\d+", m.group(1))]
    a = _ANSWER.search(raw, m.end())
    text = raw[a.end():].strip() if a else raw[m.end():].strip()  # a label-less answer on the next line
    declined = (not picks and "none" in m.group(1).lower()) or not text or cit.is_refusal(text)
    return picks, text, declined


# the answer the judge's P(yes) is measured against (bot.core.answering._judge)
NULL_ANSWER = "The sentences do not say."


def answer_messages(prompts_dir, question: str, sentences: str) -> list[dict]:
    """The answer call: the shared system message, then the numbered evidence and the question."""
    system = prompts.load(prompts_dir, "answer.system").render()
    user = prompts.load(prompts_dir, "answer.user").render(sentences=sentences, question=question.strip())
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def judge_messages(prompts_dir, question: str, answer: str, sentences: str) -> list[dict]:
    """The yes/no question to the judge. It shares the answer prompt's system message, so the
    model's KV cache keeps that prefix from one call to the next."""
    user = prompts.load(prompts_dir, "judge.user").render(sentences=sentences, question=question, answer=answer)
    return [{"role": "system", "content": prompts.load(prompts_dir, "answer.system").render()},
            {"role": "user", "content": user}]


def judge_score(yes: Callable[[list[dict]], float | None], prompts_dir, question: str, answer: str, sentences: str,
                nulls: dict | None = None) -> tuple[float, float, float | None] | None:
    """(score, P(yes), P(yes) for NULL_ANSWER) of the judge on `answer`; None: no judge. `yes` asks
    the model (ChatModel.yes_probability). The score is P(yes) less P(yes) for the null answer on the
    same sentences: a small model says yes to most fluent answers, and how much more it likes this
    one than no answer ranks answers better than P(yes) alone (contextual calibration). `nulls`
    keeps the null's P(yes) per (question, sentences); its prompt prefix is in the KV cache."""
    p = yes(judge_messages(prompts_dir, question, answer, sentences))
    if p is None:
        return None
    nulls = {} if nulls is None else nulls
    if (question, sentences) not in nulls:
        nulls[(question, sentences)] = yes(judge_messages(prompts_dir, question, NULL_ANSWER, sentences))
    null = nulls[(question, sentences)]
    return (p - null if null is not None else p), p, null


class AnswerStream:
    """Passes on only what follows "Answer:" (the reader need not see the evidence numbers)."""

    def __init__(self, sink: Callable[[str], None] | None):
        self.sink = sink
        self.buf = ""
        self.open = False

    def __call__(self, piece: str) -> None:
        if self.sink is None:
            return
        if self.open:
            self.sink(piece)
            return
        self.buf += piece
        m = _ANSWER.search(self.buf)
        if m:
            self.open = True
            if self.buf[m.end():]:
                self.sink(self.buf[m.end():])
        elif "\n" not in self.buf and len(self.buf) > 40 and not _EVIDENCE.match(self.buf):
            self.open = True  # no format at all: stream as it comes
            self.sink(self.buf)
        elif "\n" in self.buf and not _ANSWER.match(self.buf.split("\n", 1)[1]) \
                and not "answer:".startswith(self.buf.split("\n", 1)[1].strip().lower()):
            self.open = True  # an evidence line but no "Answer:" (a server without grammars): the rest
            self.sink(self.buf.split("\n", 1)[1])
