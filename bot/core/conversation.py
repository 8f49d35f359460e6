"""Follow-up questions: a question asked after others is turned into one that stands alone before
anything is retrieved, deterministically (no model call, no prompt tokens):

- "they / them / their" -> the names the previous answer gave ("Which officials were sanctioned?"
  -> "Wang Junzheng and Chen Mingguo"; "What positions do they hold?" -> "What positions do Wang
  Junzheng and Chen Mingguo hold?"): its people, else the countries, teams or bodies it names;
- "he / she / his / her / him" -> a person only: a name of two or more words that is no
  organisation, event, venue or country ("Kofi Annan", not "United Nations" or "Davis Cup"), or the
  one-word answer to a "who" question. After "Who…?" the answer is the person talked about, after
  "Whom did X…?" it is X. When no person is known (the "who" was refused), "he" is left as it is
  and the question carries the one it leans on, rather than pointing at a wrong name;
- a possessive that belongs to the question's own subject ("Which president cut short his
  holiday?") is left alone;
- a question that still leans on the conversation ("What about Canada?", "And in the second
  Test?", "And it?") keeps its words and carries the previous question along:
  "What about Canada? (after: Which allies…?)".
Earlier answers are context for understanding the question, never evidence: the standalone
question is retrieved and checked like any first question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

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
# a fragment with no subject of its own ("And in the second Test?"): it needs the question before
# even when a pronoun in it was resolved
_FRAGMENT = re.compile(r"^\s*(?:(?:and|but|or|so)\s+(?:in|at|on|for|of|from|with|by|during|after|before|what about|"
                       r"how about)\b|(?:what|how) about\b|what of\b)", re.I)
# "Whom did X beat?", "Who did X replace?": the answer is not the person the question is about
_OBJECT_WHO = re.compile(r"^\s*(?:and\s+)?(?:whom\b|who\s+(?:did|does|do)\b|who\s+(?:had|has|have|will|would|is|was)\s+"
                         r"(?-i:[A-Z]))", re.I)
# "Who won his…", "Which president cut short his…": the wh-word is the subject and owns the possessive
_AUX = r"(?:did|does|do|had|has|have|was|were|is|are|will|would|could|should|can)\b"
_SUBJECT_WH = re.compile(rf"^\s*(?:and\s+)?(?:who|which(?:\s+(?!{_AUX})[a-z][\w-]*){{1,3}}?)\s+(?!{_AUX})[a-z]\w*\b", re.I)

# last (or any) words that make a name an organisation, an event or a place rather than a person
_NOT_PERSON = frozenset("""department ministry bureau office council committee government party union commission bank
corporation company group association university court service agency authority police army league club nations
navy force forces airlines airways railways church mosque hospital school college institute foundation fund reserve
federation senate parliament assembly house times post news herald network corps
cup open games olympics championship championships final prize award awards race series trophy war summit
conference festival test tour
oval stadium ground park street road river island bay airport harbour station city state county province
valley mountain mountains coast sea ocean lake region territory""".split())


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    """Country and region names in English (babel's CLDR data, a dependency of trafilatura's)."""
    try:
        from babel import Locale

        return frozenset(n.lower() for n in Locale("en").territories.values())
    except Exception:  # pragma: no cover - babel missing: fall back on the word lists alone
        return frozenset()


def _is_group(name: str) -> bool:
    """An organisation, event, venue or country: not something "he" or "she" points at."""
    words = name.lower().split()
    return (any(w in _NOT_PERSON for w in words) or name.lower() in _countries()
            or name.isupper() or words[0] == "the")


def _is_place(name: str) -> bool:
    """A venue or geographic feature ("Adelaide Oval", "Bass Strait"): what "they" never points at."""
    last = name.lower().split()[-1]
    return last in {"oval", "stadium", "ground", "park", "street", "road", "river", "island", "bay", "airport",
                    "harbour", "station", "valley", "mountain", "mountains", "coast", "sea", "ocean", "lake"}


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


def _people(names: list[str], single: bool = False) -> list[str]:
    """The names that are people: two or more words, not a group ("Kofi Annan"); with `single`, a
    one-word name too ("Szondy", the answer to a "who" question)."""
    return [n for n in names if (len(n.split()) >= 2 or single) and not _is_group(n)]


def _plural_referents(last: Turn) -> list[str]:
    """What "they" most likely points at: the people the last answer named, else the countries,
    teams or bodies it named (not venues), else those of the last question."""
    question = _AFTER.sub("", last.question)
    for names in ([] if last.refused else _names(last.answer, question), _names(question, "")):
        found = _people(names) or [n for n in names if not _is_place(n) and len(n.split()) >= 2] or \
            [n for n in names if not _is_place(n)]
        if found:
            return found
    return []


def _person(last: Turn) -> str | None:
    """Who "he" or "she" most likely is after the last turn; None when no person is known."""
    question = _AFTER.sub("", last.question)
    if _AFTER.search(last.question) and _SINGULAR.search(question):
        return None  # the last question's own "he" was not resolved (it was carried): neither is this one
    answer = [] if last.refused else _names(last.answer, question)
    asked = _names(question, "")
    if _OBJECT_WHO.search(question):  # "Whom did Ann Vole beat?": the talk is still about Ann Vole
        found = _people(asked)
    elif checking.expected_type(question) == "person":  # "Who won…?": the answer is the person
        found = _people(answer, single=True)
    elif checking.expected_type(question) in (None, "name"):  # "Which batsman…?" -> a name
        found = _people(answer, single=len(answer) == 1) or _people(asked)
    else:  # where / when / how many: the person, if any, is in the words of the question
        found = _people(answer) or _people(asked)
    return found[0] if found else None


def _bound(question: str, pronoun: re.Pattern) -> bool:
    """A possessive owned by the question's own subject: "Which president cut short his holiday?"."""
    m = pronoun.search(question)
    return bool(m and (_possessive(m) or m.group(1).lower() in ("their", "theirs")) and _SUBJECT_WH.search(question))


# words after "her" that make it an object ("beat her in", "told her that"), not a possessive ("her age")
_AFTER_OBJECT = frozenset("""in on at to for from with by about after before during since than that as and or but
when where why how if so then again there here yesterday today""".split())


def _possessive(m: re.Match) -> bool:
    word = m.group(1).lower()
    if word in ("his", "hers"):
        return True
    if word != "her":
        return False
    nxt = re.match(r"\s+([A-Za-z][\w'’-]*)", m.string[m.end():])
    return bool(nxt) and nxt.group(1).lower() not in _AFTER_OBJECT


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def standalone(question: str, turns: list[Turn]) -> str:
    """The question as one that stands alone, given the conversation so far (oldest first)."""
    question = " ".join(question.split())
    if not turns:
        return question
    last = turns[-1]
    out = question
    unresolved = False
    if _PLURAL.search(out) and not _bound(out, _PLURAL):
        names = _plural_referents(last)
        if names:
            who = _join(names[:4])
            out = _PLURAL.sub(lambda m: who + "'s" if m.group(1).lower().startswith("their") else who, out)
        else:
            unresolved = True
    elif _SINGULAR.search(out) and not _bound(out, _SINGULAR):
        one = _person(last)
        if one:
            out = _SINGULAR.sub(lambda m: one + "'s" if _possessive(m) else one, out, count=1)
        else:
            unresolved = True
    if unresolved or _FRAGMENT.search(question) or (out == question and _LEANS.search(question)):
        # the question the chain leaned on, not the whole chain nested: it names the topic
        anchor = _AFTER.search(last.question)
        before = (anchor.group(1) if anchor else last.question).rstrip("?")
        out = f"{out.rstrip('?')}? (after: {before}?)"
    return out
