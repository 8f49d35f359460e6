"""Follow-up questions: a question asked after others is turned into one that stands alone before
anything is retrieved, deterministically (no model call, no prompt tokens):

- "they / them / their" -> the names the previous answer gave ("Which officials were sanctioned?"
  -> "Wang Junzheng and Chen Mingguo"; "What positions do they hold?" -> "What positions do Wang
  Junzheng and Chen Mingguo hold?"); "he / she / his / her / him" -> its first name;
- a question that still leans on the conversation ("What about Canada?", "And it?") keeps its
  words and carries the previous question along: "What about Canada? (after: Which allies…?)".
Earlier answers are context for understanding the question, never evidence: the standalone
question is retrieved and checked like any first question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core import checking


@dataclass
class Turn:
    question: str  # as it was searched for (standalone)
    answer: str
    refused: bool = False


_AFTER = re.compile(r"\s*\(after: (.*)\)\s*$")
_PLURAL = re.compile(r"\b(they|them|their|theirs)\b", re.I)
_SINGULAR = re.compile(r"\b(he|she|him|his|her|hers)\b", re.I)
_LEANS = re.compile(r"^\s*(?:and|but|so|also|what about|how about|and what about|what of)\b|\b(?:it|its|this|that|these|"
                    r"those|there|the other|the same|the first|the second|the former|the latter)\b", re.I)


def _names(text: str, question: str) -> list[str]:
    """Names an answer gives that its question did not ask with, in order, without markers."""
    clean = re.sub(r"\s*\[\d+\]", "", text)
    asked = {w.lower() for w in re.findall(r"[A-Za-z][\w'’-]*", question)}
    out: list[str] = []
    for span in checking.name_spans(clean):
        span = re.sub(r"['’]s$", "", span)
        if span.lower() not in checking.QUESTION_OPENERS and not {w.lower() for w in span.split()} <= asked \
                and span not in out:
            out.append(span)
    return out


_ORG_WORDS = frozenset("""department ministry bureau office council committee government party union commission bank
corporation company group association university court service agency authority police army league club""".split())


def _referents(names: list[str]) -> list[str]:
    """What a pronoun most likely points at: the people named (two or more words, not an
    organisation's name), else every name."""
    people = [n for n in names if len(n.split()) >= 2 and n.split()[-1].lower() not in _ORG_WORDS]
    return people or names


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def standalone(question: str, turns: list[Turn]) -> str:
    """The question as one that stands alone, given the conversation so far (oldest first)."""
    question = " ".join(question.split())
    if not turns:
        return question
    last = turns[-1]
    names = [] if last.refused else _names(last.answer, last.question)
    if not names:
        names = _names(last.question, "")
    names = _referents(names)
    out = question
    if names and _PLURAL.search(out):
        who = _join(names[:4])
        out = _PLURAL.sub(lambda m: who + "'s" if m.group(1).lower().startswith("their") else who, out)
    elif names and _SINGULAR.search(out):
        one = names[0]
        out = _SINGULAR.sub(lambda m: one + "'s" if m.group(1).lower() in ("his", "hers") else one, out, count=1)
    if out == question and _LEANS.search(question):
        # the question the chain leaned on, not the whole chain nested: it names the topic
        anchor = _AFTER.search(last.question)
        before = (anchor.group(1) if anchor else last.question).rstrip("?")
        out = f"{question.rstrip('?')}? (after: {before}?)"
    return out
