"""Misfits: an answer of the right kind that the evidence gives for another thing than the one
asked about. A percentage offered as a count, a number that is no age, a count of other things
than the question's ("11,000 casinos" from "11,000 gaming machines"), a count of the living for
one of the dead ("rescued four people"), a name the evidence gives for another post, a feature
of another kind than the one asked for ("the Indian Ocean" for "which sea"), a name for a
person told by age that no sentence gives beside that age. Most read the
evidence's own words around the answer; the type checks are in `checking`."""

from __future__ import annotations

import re

from bot.core import citations as cit
from bot.core.checking import expected_type, name_spans, own_question

_COUNT_Q = re.compile(r"\bhow many\b", re.I)


# the posts a "who" question names people by; the evidence for a name must give the post asked about
_ROLES = frozenset("""spokesman spokeswoman spokesperson minister director chairman chairwoman chair president secretary
leader official officer commander chief captain skipper coach judge umpire counsel lawyer barrister prosecutor premier
governor mayor envoy ambassador manager executive negotiator commissioner treasurer senator editor founder owner author
referee magistrate coroner""".split())


def role_missing(question: str, evidence: str) -> str | None:
    """The post a who / name question asks about ("the ministry spokesman who…") when the evidence
    never names it: a name the evidence gives for another post ("Foreign Minister Ann Vole") answers
    another question. Only the question's first post counts ("…spokesman who said a new leader…")."""
    if expected_type(question) not in ("person", "name"):
        return None
    roles = [w for w in cit.words(own_question(question)) if w.lower() in _ROLES]
    if not roles:
        return None
    # a 6-letter prefix: "spokeswoman" names the post "spokesman" asks about ("spoke" does not)
    return None if cit.known_form({cit.stem(w) for w in cit.words(evidence)}, 6)(cit.stem(roles[0])) else roles[0].lower()


def misfit(question: str, answer: str, evidence: str) -> str | None:
    """Why the evidence does not give `answer` as the thing asked for, when a reading of its words
    shows it (a percentage for a count, a number that is no age, a count of other things than the
    question's, a count of the living for one of the dead, a name held by another post, an ocean
    for a sea); None."""
    if not_a_count(question, answer, evidence):
        return "a percentage, sum or time given as a count"
    if not_an_age(question, answer, evidence):
        return "a number the evidence does not give as an age"
    if expected_type(question) == "number" and not _COUNTS_NO_THING.search(question) \
            and not counts_the_thing(question, answer) and not counts_the_thing(question, evidence):
        return "a number the evidence gives for something else"
    if a_margin(question, answer, evidence):
        return "a margin or change the evidence gives (\"by 246 runs\"), not the amount asked for"
    if not_the_dead(question, answer, evidence):
        return "a number the evidence does not give as a count of the dead"
    role = role_missing(question, evidence)
    if role:
        return f"the evidence calls no one the {role}"
    if name_not_by_age(question, answer, evidence):
        return "a name the evidence does not give for the person of the age asked about"
    feature = other_feature(question, answer)
    if feature:
        return f"{'an' if feature[0] in 'aeiou' else 'a'} {feature}, not the {_FEATURE_Q.search(question).group(1).lower()} asked for"
    return None


# natural features whose names say what they are ("Indian Ocean", "Lake Eyre"); mount ~ mountain
_FEATURES = {"sea": "sea", "ocean": "ocean", "river": "river", "lake": "lake", "bay": "bay", "gulf": "gulf",
             "strait": "strait", "straits": "strait", "mountain": "mountain", "mount": "mountain", "mt": "mountain",
             "desert": "desert"}  # not creek or harbour: "Cooper Creek" is a river, a harbour often a bay
_FEATURE_Q = re.compile(r"\b(?:which|what)\s+(" + "|".join(k for k in _FEATURES if k not in ("mt", "straits")) + r")\b", re.I)


def other_feature(question: str, answer: str) -> str | None:
    """"Which sea…?" answered with a name that says it is another kind of feature ("the Indian
    Ocean", "Lake Eyre" for "which river"): the kind it names ("ocean"); None. Only a name's first
    or last word counts ("Sea of Japan", "Port Phillip Bay"), and only natural features: a country
    or state may be named for islands ("Solomon Islands")."""
    m = _FEATURE_Q.search(question)
    if not m:
        return None
    asked = _FEATURES[m.group(1).lower()]
    kinds = []
    for name in name_spans(answer):
        ws = [w.lower().rstrip(".") for w in name.split()]
        here = {_FEATURES[w] for w in (ws[0], ws[-1]) if w in _FEATURES}
        if asked in here:
            return None  # one name of the kind asked for answers it
        kinds += sorted(here)
    return kinds[0] if kinds else None


_NOT_A_COUNT = r"(?:\s*(?:%|per\s*cent|percent)|\s*(?:am|pm|a\.m\.|p\.m\.)\b)"


def not_a_count(question: str, answer: str, evidence: str) -> bool:
    """"How many…?" answered with a number the evidence gives only as a percentage, a sum of
    money or a time of day ("75" from "75 per cent", "8" from "$8 million") is no count."""
    if not _COUNT_Q.search(question):
        return False
    new = cit.numbers(answer) - cit.numbers(question)
    if not new:
        return False
    for n in new:
        plain = re.escape(n)
        uses = list(re.finditer(rf"(?<![\d.,]){plain}(?![\d.,]\d)", evidence.replace(",", "")))
        if not uses:
            return False  # a number word or another spelling: cannot tell
        for m in uses:
            before = evidence.replace(",", "")[max(0, m.start() - 1):m.start()]
            after = evidence.replace(",", "")[m.end():m.end() + 9]
            if before != "$" and not re.match(_NOT_A_COUNT, after, re.I):
                return False
    return True


_AGE_Q = re.compile(r"\bhow old\b|\bwhat (?:was |is )?(?:the |his |her |their )?age\b|['’]s age\b|\bat what age\b", re.I)
_N = r"(\d+|[a-z]+(?:-[a-z]+)?)"
_AGES = [re.compile(p, re.I) for p in (
    rf"\b{_N}[- ]years?[- ]old\b", rf"\baged {_N}\b", rf"\bage (?:of )?{_N}\b", rf"\bat {_N}\b",
    rf"\b{_N}-year-old\b", rf"[A-Z][a-z]+,\s+{_N},", rf"\b(?:is|was)\s+{_N}\s*(?:[.,;]|$|when\b)")]


def not_an_age(question: str, answer: str, evidence: str) -> bool:
    """"How old…?" answered with a number the evidence never gives as an age ("8" from "killed
    eight people"). Ages read as news writes them: "54-year-old", "aged 54", "54 years old", "at
    54", "Ann Vole, 54,", "she was 54.". Other questions: False."""
    if not _AGE_Q.search(question):
        return False
    new = cit.numbers(answer) - cit.numbers(question)
    if not new:
        return False
    ages = {n for pattern in _AGES for m in pattern.finditer(evidence) for n in cit.numbers(m.group(1))}
    return not new & ages


def name_not_by_age(question: str, answer: str, evidence: str) -> bool:
    """A who / name question that tells the person by age ("the 21-year-old man police interviewed")
    answered with a name no evidence sentence gives beside that age: news often leaves such a
    person unnamed, and a 1.5B model then names the police officer who spoke. Ages are read as
    `not_an_age` reads them ("21-year-old", "aged 21", "Ann Vole, 21,")."""
    if expected_type(question) not in ("person", "name"):
        return False
    # "21-year-old", "21 years old", "aged 21" (not "at 21": "at 5 Tarn Street" is no age)
    asked = {n for pattern in (_AGES[0], _AGES[1], _AGES[4]) for m in pattern.finditer(question) for n in cit.numbers(m.group(1))}
    named = [w for span in name_spans(answer) for w in span.split()[-1:]
             if cit.stem(w) not in cit.names(question) and w.lower() not in cit.STOPWORDS]
    if not asked or not named:
        return False
    for sentence in cit.split_sentences(evidence):
        aged = any(cit.numbers(m.group(1)) & asked for pattern in _AGES for m in pattern.finditer(sentence))
        if aged and any(re.search(rf"\b{re.escape(w)}\b", sentence) for w in named):
            return False
    return True


_TOKEN = re.compile(r"\d[\d,.]*\d|\d|[A-Za-z][\w'-]*")
_COUNTED = re.compile(r"\bhow many\s+((?:[a-z][\w'-]*\s+){0,2}[a-z][\w'-]*)", re.I)
# "How many did he score?", "How many were hurt?": no thing named to be counted
_COUNTS_NO_THING = re.compile(r"\bhow many\s+(?:did|do|does|were|was|are|is|have|has|had|will|would|could|can)\b", re.I)


def counts_the_thing(question: str, sentence: str, window: int = 3) -> bool:
    """For "How many <things>…?", a sentence offered as the answer counts those things: one of its
    numbers has a word of <things> within `window` words after it ("Thirty members sit…", "the 29
    cabinet members") or just before it ("members: 30"). "Four factions agreed on a cabinet" does not
    answer "How many members does the cabinet have?". Other questions: True."""
    m = _COUNTED.search(question)
    if not m:
        return True
    things = {cit.stem(w) for w in cit.words(m.group(1)) if w.lower() not in cit.STOPWORDS} - {"mani"}
    asked = cit.numbers(question)
    fresh = lambda w: cit.numbers(w) and not asked & cit.numbers(w) and not re.fullmatch(r"(?:1[89]|20)\d\d", w)  # noqa: E731
    # another form of the word counts too ("three referenda" for "how many referendums"): 6 letters
    known = cit.known_form(things, 6)
    return any(known(cit.stem(x)) for near in _around_numbers(sentence, fresh, 1, window) for x in near)


def _around_numbers(text: str, keep, before: int, after: int):
    """For each number of `text` (digits or words) that `keep(token)` accepts, the words within
    `before` words before it and `after` words after it."""
    ws = _TOKEN.findall(cit.surface(text))  # words and numbers, in order
    for i, w in enumerate(ws):
        if keep(w):
            yield ws[max(0, i - before):i] + ws[i + 1:i + 1 + after]


# a question with one of these asks for a difference, which "by N" gives ("won by 12 votes", "rose by 5%")
_DIFFERENCE_Q = re.compile(r"\b(?:by|margin|win|wins|won|beat|beaten|lose|loses|lost|defeat\w*|ris\w*|rose|fall\w*|fell|"
                           r"increas\w*|decreas\w*|drop\w*|cut|grow\w*|grew|climb\w*|jump\w*|reduc\w*|lead|led|more|less|"
                           r"fewer|higher|lower|ahead|behind|differ\w*|gap|short)\b", re.I)


_WORDS = "|".join(sorted(cit.NUMBER_WORDS, key=len, reverse=True))


def a_margin(question: str, answer: str, evidence: str) -> bool:
    """A number question answered with a number the evidence gives only after "by" ("Australia beat
    Tarn by 246 runs", "shares fell by 8 per cent"): that is a margin or a change, not the total,
    score or amount asked for ("What total was Tarn bowled out for?"). A question about a difference
    (won, rose, by how much, margin, more…) may be answered by one."""
    if expected_type(question) != "number" or _DIFFERENCE_Q.search(question):
        return False
    new = cit.numbers(answer) - cit.numbers(question)
    flat = evidence.replace(",", "")
    if not new:
        return False
    for n in new:
        uses = list(re.finditer(rf"(?<![\d.]){re.escape(n)}(?![\d.]?\d)", flat))
        # "backed by 60 per cent of voters", "by 40 of the members": who did it, not a margin; "passed
        # by 15 votes to 8", "by 3-1": a tally
        margin = lambda m: re.search(r"\bby\s+(?:about\s+|almost\s+|nearly\s+|more than\s+)?\$?$", flat[:m.start()], re.I) \
            and not re.match(rf"\s*(?:%|per\s*cent|percent)?\s+of\b|\s*(?:\w+\s+)?(?:to|-)\s*(?:\d|{_WORDS})\b", flat[m.end():], re.I)  # noqa: E731
        if not uses or not all(margin(m) for m in uses):
            return False  # spelt in words, or given once as something else: cannot tell
    return True


# words that make a number a count of the dead ("killed eight", "8 people died", "lost their lives")
_DEATH = re.compile(r"\b(?:kill(?:s|ed|ing)?|dead|deaths?|die[ds]?|dying|fatal\w*|lives|bod(?:y|ies)|drown\w*|"
                    r"perish\w*|murder\w*|toll)\b", re.I)
# a death word in a clause that only places the event ("…at the crash that killed two")
_PLACING = re.compile(r"\b(?:that|which|who|when|where|after|before)\s+(?:\w+\s+){0,2}$", re.I)


def not_the_dead(question: str, answer: str, evidence: str, before: int = 4, after: int = 6) -> bool:
    """"How many … were killed / died?" answered with a number the evidence gives only for something
    else: "police rescued four people", "six of the 15 on board have been recovered". A number counts
    the dead when a word of death is within `before` words before it or `after` words after it
    ("killed eight people", "9,200 servicemen lost their lives"). A question whose word of death
    only places the event ("How many were hurt in the blast that killed two?") asks no count of the
    dead; an answer whose number the evidence does not hold in digits or words cannot be read."""
    m = _COUNT_Q.search(question)
    if not m or not any(not _PLACING.search(question[m.end():d.start()]) for d in _DEATH.finditer(question, m.end())):
        return False
    new = cit.numbers(answer) - cit.numbers(question)
    windows = list(_around_numbers(evidence, lambda w: cit.numbers(w) & new, before, after))
    return bool(windows) and not any(_DEATH.fullmatch(x) for near in windows for x in near)
