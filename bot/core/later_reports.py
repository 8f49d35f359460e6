"""Time: when the evidence holds two dated reports that give different figures for the thing an
answer counts ("12 homes" on 1 March, "30 homes" on 3 March), the answer gives the later figure and
says that the earlier one existed, citing both. Briefings do the same across a story
(briefing/differences/compare._updates); here it is one answer's evidence sentences.

Only dated articles take part: an undated report cannot be placed before or after another."""

from __future__ import annotations

from bot.core import citations as cit
from bot.core.briefing.differences.claims import counted


def _date(sentence) -> str | None:
    return getattr(sentence.prep.passage, "date", None) or None


def _same_thing(question: str, a: str, b: str) -> bool:
    """Two sentences about what the question asks: each holds half its content words or more."""
    q = cit.content_tokens(question)
    need = max(1, len(q) // 2)
    return len(cit.content_tokens(a) & q) >= need and len(cit.content_tokens(b) & q) >= need


def other_report(question: str, text: str, used: list, chosen: list):
    """(the answer's sentence, its phrase, the other sentence, its phrase) when a sentence of another
    dated article counts the same thing as the answer's evidence with another number (the latest
    such report); else None."""
    numbers = cit.numbers(text)
    for e in used:
        day = _date(e)
        mine = {noun: v for noun, v in counted(e.text).items() if v[0] in numbers} if day else {}
        best = None
        for t in chosen:
            other_day = _date(t)
            if not mine or t is e or not other_day or other_day == day or t.article_id == e.article_id \
                    or (best is not None and other_day <= best[0]) or not _same_thing(question, e.text, t.text):
                continue
            for noun, (value, phrase) in counted(t.text).items():
                if noun in mine and value != mine[noun][0]:
                    best = (other_day, t, phrase, mine[noun][1])
                    break
        if best is not None:
            _, t, phrase, own = best
            return e, own, t, phrase
    return None


def apply(question: str, pieces: list[tuple[str, list]], chosen: list) -> tuple[list[tuple[str, list]], bool]:
    """`pieces` ((sentence, evidence) of a checked answer) with the time principle applied: the
    answer holding an earlier figure is replaced by the later one, and a sentence says what the
    earlier report gave. Every new sentence is the reports' own phrase, cited. (pieces, changed)."""
    for i, (text, used) in enumerate(pieces):
        found = other_report(question, text, used, chosen)
        if found is None:
            continue
        mine, own, other, phrase = found
        if _date(mine) > _date(other):  # the answer already has the later figure: say the earlier existed
            return pieces[: i + 1] + [(f"An earlier report ({_date(other)}) gave {phrase}.", [other])] + pieces[i + 1:], True
        later = (f"{_capital(phrase)}, according to the later report ({_date(other)}).", [other])
        earlier = (f"An earlier report ({_date(mine)}) gave {own}.", [mine])
        return pieces[:i] + [later, earlier] + pieces[i + 1:], True
    return pieces, False


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
