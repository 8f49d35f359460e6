"""Checks of meaning, on top of the lexical check in `citations`: does the evidence state *this*
answer to *this* question?

- `expected_type(question)`: what kind of thing the question asks for (a number, a date, a
  person's name, a place's name), from its wording alone.
- `fits_type(question, answer)`: the answer holds such a thing, and one the question did not
  already contain ("Who…?" answered with "12 workers" does not fit).
- `adds_something(question, answer)`: the answer is not the question restated.
An answer of the right kind that the evidence gives for another thing (a percentage as a count) is
found by `misfits`, which reads the evidence around it.
The judge (a yes/no question to the chat model, scored by `ChatModel.yes_probability` from the
next token's probabilities, prompt `prompts/judge.user.txt`) is run by `answering`: it needs the model.
"""

from __future__ import annotations

import re

from bot.core import citations as cit

# words of a question that name the kind of answer, not its topic ("how many", "what happened")
QUESTION_WORDS = frozenset({"many", "much", "name", "happen", "happened", "kind", "type"})

_NUMBER_Q = re.compile(
    r"\bhow (?:many|much|old|long|far|big|large|tall|high|fast|heavy|deep)\b|\bby how much\b|"
    r"\bwhat (?:was |is |were |are )?(?:the )?(?:number|percentage|proportion|rate|total|figure|amount|age|price|"
    r"cost|score|margin|vote|toll|death toll|tally|sum|value|size)\b|\bto what (?:level|rate|figure)\b", re.I)
# "when" opens the question (or a second part of it); "…visiting troops when he said…" asks no date
_DATE_Q = re.compile(r"^\s*(?:and\s+)?when\b|[,;]\s*(?:and\s+)?when\b|\bsince when\b|"
                     r"\b(?:what|which) (?:year|date|day|month|time|week)\b|\bon what date\b", re.I)
_PERSON_Q = re.compile(r"^\s*(?:and\s+)?(?:who|whom|whose)\b|[,;]\s*(?:and\s+)?who\b", re.I)
_PLACE_Q = re.compile(r"^\s*where\b|\b(?:in|at|to|from) (?:which|what) (?:\w+ ){0,2}(?:city|town|country|suburb|state|region|"
                      r"village|venue|street|area|place|port|province|island|hospital|prison|river|airport|base|camp)\b", re.I)
# the earlier question a follow-up carries along (bot.core.conversation): "… (after: Which yacht…?)"
CARRIED = re.compile(r"\s*\((?:after|about): .*\)\s*$")
_LIST_Q = re.compile(r"\b(?:which|what|name(?: the)?)\s+(two|three|four|five|six|seven|eight|2|3|4|5|6|7|8)\b", re.I)
_WHY_Q = re.compile(r"^\s*why\b|\bwhat (?:was|is) the reason\b|\bfor what reason\b|"
                    r"^\s*what (?:caused|led to|prompted|sparked|triggered)\b", re.I)
# things that are named by a proper name: "Which company…?" is not answered by "a buyer"
_NAMED_THINGS = (r"company|firm|airline|bank|carrier|club|team|party|newspaper|network|broadcaster|university|ship|yacht|"
                 r"vessel")
_NAME_Q = re.compile(r"\b(?:what|which) (?:is|was|are|were) the (?:names?|title) of\b|^\s*name the\b|"
                     r"\bwhat (?:is|was) \w+(?: \w+)? called\b|"
                     rf"^\s*(?:which|what) (?:\w+ )?(?:{_NAMED_THINGS})\b", re.I)
# a question for someone's own words: "How did Ann Vole describe the plan?", "What did she call it?",
# "What did the mayor say the council had become?"
_WORDS_Q = re.compile(r"^\s*(?:.*?,\s*)?(?:how|what) (?:did|does|do|has|had) (?:[\w'’.,-]+ ){1,20}?"
                      r"(?:describe|call|say|label|brand|liken|reply)\b|\bwhat (?:word|words|term|phrase) did\b", re.I)

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_DATE = re.compile(rf"\b{_MONTH}\b|\b(?:1[89]|20)\d\d\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|"
                   r"\b(?:yesterday|today|tomorrow|tonight|overnight|(?:last|next|this) (?:week|month|year|night|weekend)|"
                   r"mid-?(?:year|week|month)|(?:first|second) half|(?:early|late) (?:next|this|last) \w+)\b|"
                   r"\b\d{1,2}(?:st|nd|rd|th)\b|\b(?:christmas|new year|easter|boxing day)\b", re.I)


_PART = re.compile(r",?\s+(?:and|while|but)\s+(?=(?:who|whom|whose|what|which|when|where|why|how|"
                   r"(?:on|in|at|to|for|from) (?:which|what))\b)", re.I)


def split_question(question: str) -> list[str]:
    """A two-part question ("Who…, and which…?") as its parts; a simple question as itself."""
    parts = [p.strip(" ,?") for p in _PART.split(question) if p.strip(" ,?")]
    return parts if len(parts) > 1 else [question]


_HE = re.compile(r"\b(?:he|she|him)\b|\b(?:his|her)\b(?=\s+[a-z])", re.I)


def answer_parts(question: str) -> list[str]:
    """A two-part question as questions that stand alone, asked one at a time: "How old was Ann
    Vole when she retired, and what was the name of her farm?" -> ["How old was Ann Vole when she
    retired?", "What was the name of Ann Vole's farm?"] (a later part's he/she/his/her is the
    first part's name). A simple question as itself."""
    parts = split_question(question)
    if not 2 <= len(parts) <= 3:
        return [question]
    names = [re.sub(r"['’]s$", "", n) for n in _spans(_NAME_SPAN, parts[0]) if n.lower() not in QUESTION_OPENERS]
    name = next((n for n in names if " " in n), names[0] if names else None)
    out = [parts[0]]
    for part in parts[1:]:
        if name and not _HE.search(parts[0][: parts[0].find(name)] if name in parts[0] else ""):
            part = _HE.sub(lambda m: name + "'s" if m.group(0).lower() in ("his", "her") else name, part, count=1)
        out.append(part)
    return [p[0].upper() + p[1:] + "?" for p in out]


def own_question(question: str) -> str:
    """A follow-up without the earlier question it carries ("… (after: Which yacht…?)")."""
    return CARRIED.sub("", question) or question


# a clause before the question proper, with no question word of its own
_LEAD = re.compile(r"^(?:(?!\b(?:who|whom|whose|what|which|when|where|why|how)\b)[^,?])*,\s*"
                   r"(?=(?:who|whom|whose|what|which|when|where|why|how)\b)", re.I)


def expected_type(question: str) -> str | None:
    """'number' | 'date' | 'person' | 'name' | 'place' | 'reason' | None (anything may answer)."""
    q = own_question(" ".join(question.split()))  # a follow-up's carried topic is not what it asks
    q = _LEAD.sub("", q)  # "According to the mayor, why…?" asks why
    # two-part questions ("Who…, and how many…?") ask for several kinds: the answer need fit only one
    # (a relative "who" after a noun, as in "the pilot who…", does not start a second question)
    if re.search(r"(?:,|;|\band\b|\bor\b)\s*(?:who|whom|what|which|when|where|why|how)\b", q, re.I):
        return None
    if _NUMBER_Q.search(q):
        return "number"
    if _DATE_Q.search(q):
        return "date"
    if _PERSON_Q.search(q):
        return "person"
    if _NAME_Q.search(q):
        return "name"
    if _PLACE_Q.search(q):
        return "place"
    if _WHY_Q.search(q):
        return "reason"
    return None


def asks_for_words(question: str) -> bool:
    """The question asks what someone said or how they described something (and for no number,
    date, name or place): the answer is best given in that person's quoted words."""
    q = own_question(" ".join(question.split()))
    return bool(_WORDS_Q.search(q)) and expected_type(q) is None


# what someone called or how they described a thing: the words are the answer, where "What did she
# say she would do?" asks what she said, and a paraphrase answers it
_NAMING_Q = re.compile(r"\b(?:describe|call|label|brand|liken)\b|\bwhat (?:word|words|term|phrase) did\b", re.I)


def asks_how_named(question: str) -> bool:
    """A question for someone's words that asks what they called something or how they described
    it (not what they said): only their words answer it."""
    return asks_for_words(question) and bool(_NAMING_Q.search(own_question(question)))


def holds_quotation(question: str, answer: str, quotations: list[str]) -> bool:
    """The answer repeats at least two content words of one of the quotations that the question
    does not hold itself (it gives the quoted words, or a close paraphrase of them)."""
    own = cit.content_tokens(answer) - cit.content_tokens(question)
    return any(len(own & cit.content_tokens(q)) >= 2 for q in quotations)


def new_names(question: str, answer: str) -> set[str]:
    """Names of the answer the question does not hold, in any form ("Malaysia" is in "Which
    Malaysian city…?": a 5-letter prefix, as citations.missing_entities matches word forms)."""
    in_question = cit.known_form(cit.names(question) | cit.content_tokens(question))
    return {n for n in cit.names(answer) if not in_question(n)}


def listed(question: str) -> int:
    """How many items a question asks for ("Which three banks…?" -> 3), else 0."""
    m = _LIST_Q.search(CARRIED.sub("", question))
    return int(cit.numbers(m.group(1)).pop()) if m else 0


def fits_type(question: str, answer: str) -> bool:
    wanted = listed(question)
    if wanted and len(set(_spans(_NAME_SPAN, answer))) < wanted:
        return False  # "Which two films…?" answered with one (an item may be named in the question too)
    kind = expected_type(question)
    if kind is None:
        return True
    new_numbers = cit.numbers(answer) - cit.numbers(question)
    if kind == "number":
        return bool(new_numbers)
    if kind == "date":
        q_dates = {m.group(0).lower() for m in _DATE.finditer(question)}
        return bool(new_numbers) or any(m.group(0).lower() not in q_dates for m in _DATE.finditer(answer))
    if kind in ("person", "name", "place"):
        return bool(new_names(question, answer))
    if kind == "reason":
        return len(cit.content_tokens(answer) - cit.content_tokens(question)) >= 2 and not only_a_report(answer)
    return True


# what someone said, and the words that make what they said a cause ("because", "out of
# respect", "to avoid", "blamed") or a purpose ("to protect"; not "to the court")
_REPORT = re.compile(r"\b(?:said|says|say|told|tells|stated|states|added|adds|explained|explains)\b")  # not "United States"
_CAUSE = re.compile(r"\b(?:because|caus\w*|due|owing|thanks to|result\w*|since|so that|so as|in order|after|following|"
                    r"amid|given|out of|fears?|feared|lack\w*|blam\w*|reasons?|meant|means|led to|lead to|leads to|"
                    r"prompt\w*|forc\w*|concern\w*|worr\w*|risk\w*|danger\w*|threat\w*|unable|fail\w*|"
                    r"(?-i:to (?!the\b|a\b|an\b|his\b|her\b|their\b|its\b|this\b|that\b|these\b|those\b)[a-z]+))\b", re.I)


def only_a_report(answer: str) -> bool:
    """An answer to "why" that only reports what someone said, with no word that ties it to a
    cause or purpose: "The mayor said the guards had the crowd under control" answers no "why"."""
    return bool(_REPORT.search(answer)) and not _CAUSE.search(answer)


def adds_something(question: str, answer: str) -> bool:
    """The answer says something the question does not: a number, a name or a content word. A
    fuller form of a name the question holds ("Ann Vole" for "Vole") is not something new, unless a
    name is what is asked for ("Who is Vole's wife?" may be answered "Ann Vole")."""
    q_tokens = cit.content_tokens(question) | cit.names(question)
    if expected_type(question) not in ("person", "name"):
        q_names = cit.names(question)
        for span in _spans(_NAME_SPAN, answer):
            ws = cit.words(span)
            if len(ws) > 1 and cit.stem(ws[-1]) in q_names and ws[-1].lower() not in _TITLES \
                    and _extends(ws, question):  # same surname
                q_tokens = q_tokens | {cit.stem(w) for w in ws}
    if cit.numbers(answer) - cit.numbers(question):
        return True
    if ({w.lower() for w in cit.words(answer)} - {w.lower() for w in cit.words(question)}) & cit.WEEKDAYS:
        return True  # weekdays are stopwords, but "Thursday and Friday" answers "On which days…?"
    if cit.names(answer) - q_tokens:
        return True
    return bool(cit.content_tokens(answer) - q_tokens)  # "pseudomonas" answers "which bacterium?"


def _extends(ws: list[str], question: str) -> bool:
    """The name `ws` is a fuller form of one in the question: each question name ending in the same
    word has all its words in it ("Ann Vole" for "Vole"; "Collingwood River" is not the "Franklin
    River" of the question but another river)."""
    have = {cit.stem(w) for w in ws}
    q_spans = [cit.words(span) for span in name_spans(question)]
    ends = [{cit.stem(w) for w in q if w.lower() not in _TITLES} for q in q_spans if q and cit.stem(q[-1]) == cit.stem(ws[-1])]
    return not ends or any(names <= have for names in ends)


_NAME_SPAN = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:of\s+|de\s+|van\s+|bin\s+)?[A-Z][\w'’-]*)*")
_NUMBER_SPAN = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?%?|\b(?:" + "|".join(sorted(cit.NUMBER_WORDS, key=len, reverse=True)) + r")\b", re.I)


def name_spans(text: str) -> list[str]:
    """Runs of capitalised words, without a leading common word ("In Lyon" -> "Lyon")."""
    return _spans(_NAME_SPAN, text)


def _spans(pattern: re.Pattern, text: str) -> list[str]:
    """Numbers, or runs of capitalised words without a leading common word ("In Lyon" -> "Lyon")."""
    out = []
    for m in pattern.finditer(text):
        span = m.group(0).strip()
        if pattern is _NAME_SPAN:
            words = span.split()
            while words and (words[0].lower() in _COMMON_CAPS or words[0].lower() in cit.STOPWORDS):
                words.pop(0)
            span = " ".join(words)
            if not span or re.fullmatch(_MONTH, span.lower()):
                continue
        out.append(span)
    return out


def typed_spans(question: str, texts: list[str], most: int = 4) -> list[tuple[str, int]]:
    """(span, index of its text) for the numbers ("How many…?") or capitalised names (who, where,
    what is the name) in `texts` that the question does not already hold, in order, at most
    `most`: the candidate answers when the model's own words failed the checks."""
    kind = expected_type(question)
    if kind == "number":
        pattern, seen = _NUMBER_SPAN, cit.numbers(question)
    elif kind in ("person", "name", "place"):
        pattern, seen = _NAME_SPAN, cit.names(question) | cit.content_tokens(question)
    else:
        return []
    out: list[tuple[str, int]] = []
    for i, text in enumerate(texts):
        for span in _spans(pattern, text):
            if pattern is _NAME_SPAN:  # what the question already names is no answer: "Mayor Ida Crane of Dunmore" -> "Dunmore"
                words = span.split()
                while words and ({cit.stem(w) for w in cit.words(words[0])} <= seen or words[0] in ("of", "de", "van", "bin")):
                    words.pop(0)
                span = " ".join(words)
            toks = cit.numbers(span) if pattern is _NUMBER_SPAN else new_names(question, span)
            if not toks or toks <= seen or any(span.lower() == s.lower() for s, _ in out):
                continue
            out.append((span, i))
            if len(out) >= most:
                return out
    return out


def _key(question: str, answer: str) -> tuple[str, re.Pattern] | None:
    """The part of an answer that answers: its first number (for how many / when) or name (for
    who / where / what is the name) that the question does not already hold."""
    kind = expected_type(question)
    if kind == "number":  # dates are made of several numbers: no single key to swap
        pattern, seen = _NUMBER_SPAN, cit.numbers(question)
        keys = [k for k in _spans(pattern, answer) if not cit.numbers(k) <= seen]
    elif kind in ("person", "name", "place"):
        pattern, seen = _NAME_SPAN, cit.names(question) | cit.content_tokens(question)
        keys = [k for k in _spans(pattern, answer) if {cit.stem(w) for w in cit.words(k)} - seen]
    else:
        return None
    return (keys[0], pattern) if keys else None


def rivals(question: str, answer: str, evidence: str, most: int = 3) -> list[str]:
    """The answer with its key number or name swapped for another one the evidence holds: what a
    judge should like less than the answer if the answer is right ("Six midwives were suspended"
    against "70 midwives were suspended" when the evidence mentions both)."""
    found = _key(question, answer)
    if found is None:
        return []
    key, pattern = found
    own = cit.numbers(answer) | {cit.stem(w) for w in cit.words(answer)}
    q = cit.numbers(question) | cit.names(question) | cit.content_tokens(question)
    out: list[str] = []
    for alt in _spans(pattern, evidence):
        toks = cit.numbers(alt) | {cit.stem(w) for w in cit.words(alt)}
        if not toks or toks & own or toks <= q or alt in out:
            continue
        out.append(alt)
        if len(out) >= most:
            break
    return [answer.replace(key, alt, 1) for alt in out]


_TITLES = frozenset("""sir lord lady dame mr mrs ms dr president minister premier king queen prince princess general
senator judge justice professor saint st""".split())
QUESTION_OPENERS = frozenset("who whom whose what which when where why how".split())
_COMMON_CAPS = frozenset("""the a an in on at he she it they we this that these those there mr mrs ms dr but and so
however meanwhile earlier later today yesterday monday tuesday wednesday thursday friday saturday sunday""".split())
# capitalised words before a name that are no one's given name: titles, posts, sentence openers
NOT_GIVEN_NAMES = _TITLES | _COMMON_CAPS | frozenset("""prime foreign deputy acting opposition leader secretary
treasurer attorney governor chief commissioner police superintendent inspector detective sergeant constable captain
coach chairman director spokesman spokeswoman federal state labor liberal greens democrat republican""".split())
