"""Citations: parse `[n]` markers, split an answer into sentences, and check each sentence
against the passage it cites.

The checker is deterministic. A sentence is supported by a passage when
- every number in it (digits or number words) appears in the passage,
- every name (capitalised word) and every quoted phrase appears in the passage (or its article's
  title, or the question itself: restating the question is not a claim),
- at least 60% of its other content words (those not taken from the question) appear in
  the passage,
- and the sentence or its supporting passage sentence shares a content word with the question.
For a supported sentence the quote is the passage sentence that best matches it, with its exact
character offsets in the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

# moved to bot.text (one home for sentences, stopwords, stems and dates), unchanged; used here
from bot.text import MARKER as _MARKER
from bot.text import STOPWORDS, lemma_stem, passage_sentences, stem
from bot.text import answer_sentences as split_sentences  # noqa: F401 (re-exported)

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "thousand": 1000, "dozen": 12,
}

_NUM = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
_QUOTE = re.compile(r"[\"“”]([^\"“”]{3,})[\"“”]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")
REFUSAL = re.compile(
    r"not\s+in\s+(?:the\s+)?articles|"
    r"\b(?:do|does|did)\s*(?:n['’]t|\s+not)\s+(?:say|mention|state|specify|provide|contain|include|give|report|indicate|disclose|reveal)\b|"
    r"\b(?:is|are|was|were)\s*(?:n['’]t|\s+not)\s+(?:yet\s+|(?:as\s+)?yet\s+|so\s+far\s+)?(?:mentioned|provided|specified|stated|given|available|reported|included|known|disclosed|clear)\b|"
    r"\bno\s+(?:information|mention|details?|data|answer)\b|"
    r"\b(?:cannot|can['’]t|unable\s+to)\s+(?:be\s+)?(?:determine|determined|answer|find|found|tell|say|provide)\b|"
    r"\bnot\s+(?:enough|sufficient)\s+information\b|\bthere\s+is\s+no\s+(?:information|mention)\b|"
    # an answer that says the thing is not known says the articles hold no answer
    r"\b(?:is|are|was|were|remains?|remained)\s+(?:as\s+yet\s+|still\s+|so\s+far\s+)?(?:unknown|unclear|undetermined|unconfirmed)\b|"
    r"\b(?:has|have)\s+(?:not\s+|yet\s+)?(?:yet\s+)?(?:to\s+be|been)\s+(?:determined|established|confirmed|released|disclosed)\b",
    re.I,
)


def _norm_acronyms(text: str) -> str:
    # U.S. -> US, U.N. -> UN (so they match both spellings)
    return re.sub(r"\b((?:[A-Za-z]\.){2,})", lambda m: m.group(1).replace(".", ""), text)


_MONTHS = {"jan": "January", "feb": "February", "mar": "March", "apr": "April", "jun": "June", "jul": "July",
           "aug": "August", "sep": "September", "sept": "September", "oct": "October", "nov": "November",
           "dec": "December"}
_MONTH_ABBR = re.compile(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?", re.I)
_PERCENT = re.compile(r"(\d)\s*(?:per\s*cent|percent|pc)\b|(\d)\s+%", re.I)


def surface(text: str) -> str:
    """One spelling for things papers write several ways, so comparisons see through them:
    "25 per cent" / "25 percent" -> "25%", "Sept." / "Sep" -> "September", "U.S." -> "US"."""
    text = _PERCENT.sub(lambda m: (m.group(1) or m.group(2)) + "%", text)
    text = _MONTH_ABBR.sub(lambda m: _MONTHS[m.group(1).lower()] if m.group(0)[0].isupper() else m.group(0), text)
    return _norm_acronyms(text)


_SPLIT_GROUP = re.compile(r"\b(\d{1,3}(?:,\d{3})*), (\d{3})\b")


def rejoin_digit_groups(text: str, evidence: str) -> str:
    """"4, 000" -> "4,000" where the evidence writes "4,000": a small model's tokenizer sometimes
    puts a space after a thousands comma; "In 1999, 500 fled" is left alone unless the evidence
    has "1999,500"."""
    return _SPLIT_GROUP.sub(lambda m: f"{m.group(1)},{m.group(2)}" if f"{m.group(1)},{m.group(2)}" in evidence else m.group(0), text)


def known_form(tokens: set[str], n: int = 5) -> Callable[[str], bool]:
    """A test of whether a token is one of `tokens` or another form of one: the same first `n`
    letters (directs ~ director, Malaysia ~ Malaysian, spokeswoman ~ spokesman at 6)."""
    prefixes = {t[:n] for t in tokens if len(t) >= n}
    return lambda t: t in tokens or (len(t) >= n and t[:n] in prefixes)


def words(text: str) -> list[str]:
    return _WORD.findall(surface(text))


_SCALE = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_SCALED = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(thousand|million|billion|m|bn)\b", re.I)  # "1.5 million" = 1500000


_NUMBER_WORD = r"(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")(?:-(?:one|two|three|four|five|six|seven|eight|nine))?"
_WORD_RUN = re.compile(rf"\b{_NUMBER_WORD}(?:(?:\s+and)?\s+{_NUMBER_WORD})+\b", re.I)


def _compound(m: re.Match) -> str:
    """A run of number words as one number when it is one ("two hundred and thirty", "twenty
    five", "three thousand"), else the run unchanged ("one or two" never gets here; "five six")."""
    total = current = 0
    last = None  # the previous word's value: a unit may follow only a ten or a multiplier
    for w in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)?", m.group(0)):
        if w.lower() == "and":
            continue
        v = _word_number(w)
        if v is None or w.lower() == "dozen":
            return m.group(0)
        if v in (100, 1000):
            if v == 100:
                current = max(current, 1) * 100
            else:
                total, current = total + max(current, 1) * 1000, 0
        elif last is None or last in (100, 1000) or (last % 10 == 0 and 20 <= last <= 90 and v < 10):
            current += v
        else:
            return m.group(0)
        last = v
    return str(total + current)


def _word_number(w: str) -> int | None:
    """"seven" -> 7, "twenty-two" -> 22."""
    w = w.lower()
    if w in NUMBER_WORDS:
        return NUMBER_WORDS[w]
    parts = w.split("-")
    if len(parts) == 2 and parts[0] in NUMBER_WORDS and parts[1] in NUMBER_WORDS:
        tens, unit = NUMBER_WORDS[parts[0]], NUMBER_WORDS[parts[1]]
        if tens % 10 == 0 and 20 <= tens <= 90 and 1 <= unit <= 9:
            return tens + unit
    return None


def numbers(text: str) -> set[str]:
    """Every number in the text as digits: "1,121" -> 1121, "eight" -> 8, "1.5 million" -> 1.5 and
    1500000 (either spelling matches the other)."""
    found: set[str] = set()

    def scaled(m: re.Match) -> str:
        unit = m.group(2).lower()
        value = float(m.group(1)) * (_SCALE.get(unit) or (1_000_000 if unit == "m" else 1_000_000_000))
        found.add(str(int(value)) if value == int(value) else str(value))
        return " "

    text = _SCALED.sub(scaled, text.replace(",", "") if re.search(r"\d,\d{3}", text) else text)
    text = _WORD_RUN.sub(_compound, text)  # "two hundred and thirty" -> 230, not 2, 100 and 30
    found |= {n.replace(",", "").rstrip(".") for n in _NUM.findall(text)}
    for w in words(text):
        v = _word_number(w)
        if v is not None:
            found.add(str(v))
    return {f for f in found if f}


def content_tokens(text: str) -> set[str]:
    return {stem(w) for w in words(text) if w.lower() not in STOPWORDS and len(w) > 2 and w.lower() not in NUMBER_WORDS}


def names(sentence: str) -> set[str]:
    """Capitalised words, except a sentence-initial common word."""
    out = set()
    ws = words(sentence)
    for i, w in enumerate(ws):
        if not w[0].isupper() or w.lower() in NUMBER_WORDS:
            continue
        if w.lower() in STOPWORDS or (i == 0 and w.lower() in _COMMON_START):
            continue
        out.add(stem(w))
    return out


_COMMON_START = frozenset("""the a an in on at he she it they we this that these those there according after before
while when during however but and so yes no both its his her their as by for from with about
who whom whose which what where why how is are was were did does do can could will would should has have had
name list give tell describe explain summarise summarize according""".split())


def quotes(sentence: str) -> list[str]:
    return [q.strip() for q in _QUOTE.findall(sentence)]


def _squash(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(surface(text).lower().split())


def parse_markers(sentence: str) -> tuple[str, list[int]]:
    """Remove `[n]` markers; return the clean sentence and the cited numbers in order."""
    cited: list[int] = []
    for m in _MARKER.finditer(sentence):
        body = m.group(1)
        for part in re.split(r"\s*(?:,|;|and)\s*", body):
            rng = re.split(r"\s*[-–]\s*", part)
            if len(rng) == 2 and rng[0].isdigit() and rng[1].isdigit() and int(rng[1]) - int(rng[0]) < 10:
                cited.extend(range(int(rng[0]), int(rng[1]) + 1))
            elif part.strip().isdigit():
                cited.append(int(part))
    clean = _MARKER.sub("", sentence)
    clean = re.sub(r"\s+([.,;:!?])", r"\1", clean)
    clean = " ".join(clean.split())
    return clean, list(dict.fromkeys(cited))


def is_refusal(text: str) -> bool:
    return bool(REFUSAL.search(text))


@dataclass
class Support:
    ok: bool
    reason: str = ""
    score: float = 0.0
    quote_start: int = 0  # offsets of the best matching passage sentence, within the passage text
    quote_end: int = 0
    missing: list[str] = field(default_factory=list)


def check(sentence: str, passage: str, question: str = "", title: str = "", min_overlap: float = 0.6) -> Support:
    """Does `passage` support `sentence` (a clean sentence, markers removed)?"""
    p_squash = _squash(passage)
    context = passage + " " + title + " " + question
    c_tokens = {stem(w) for w in words(context)}  # every word, for names (short ones like "US" too)
    p_tokens = content_tokens(passage + " " + title)
    missing: list[str] = []

    p_numbers = numbers(passage)
    for n in sorted(numbers(sentence)):
        if n not in p_numbers:
            missing.append(n)
    lacking = [nm for nm in sorted(names(sentence)) if nm not in c_tokens]
    if lacking:
        same = acronym_equivalents(sentence, context, c_tokens)
        missing.extend(nm for nm in lacking if nm not in same)
    # weekdays are stopwords (no name, no number): checked here, or "on Monday" could be invented
    days = {w.lower() for w in words(sentence)} & WEEKDAYS
    missing.extend(d for d in sorted(days) if d not in c_tokens)
    for q in quotes(sentence):
        if _squash(q) not in p_squash:
            missing.append(f'"{q}"')
    if missing:
        return Support(False, "not in passage: " + ", ".join(missing), missing=missing)

    q_tokens = content_tokens(question)
    own = content_tokens(sentence) - q_tokens - names(sentence) - _MEASURE_WORDS - _LIGHT_WORDS
    if own:
        in_passage = known_form(p_tokens)
        found = {t for t in own if in_passage(t)}  # directs ~ director
        if found != own:  # irregular forms: "had taken" for "taking", "fell" for "had fallen"
            found |= _same_lemma(own - found, sentence, passage + " " + title)
        have = len(found) / len(own)
        if have < min_overlap:
            gone = sorted(own - found)
            return Support(False, f"too little of it in passage (missing {', '.join(gone[:6])})", score=have, missing=gone)
    else:
        have = 1.0
    # anything to stand on at all: a name, number, quote or content word of the sentence in the passage
    anchors = (numbers(sentence) & p_numbers) | (names(sentence) & {stem(w) for w in words(passage)}) | (content_tokens(sentence) & p_tokens) \
        | (days & {w.lower() for w in words(passage)})
    if not anchors:
        return Support(False, "nothing of it in passage")
    start, end, best = _best_span(sentence, passage)
    if q_tokens and not _about_question(sentence, passage, start, end, q_tokens):
        # supported by its passage, but about something else than the question (e.g. the text of
        # an instruction planted in the article): not an answer
        return Support(False, "not about the question")
    return Support(True, "", score=have + 0.01 * best, quote_start=start, quote_end=end)


# words that only dress a number ("53 years old", "80 km/h", "six people"): passages say the same
# number in other words, so they are neither required nor counted
_MEASURE_WORDS = frozenset(stem(w) for w in """year years old aged age people person persons percent cent
kilometres kilometers metres meters km kmh hour hours minute minutes day days week weeks month months dollars
million billion thousand total number times""".split())
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
# verbs that carry no fact of their own: "The summit was held on January 4" from "the January 4 summit"
_LIGHT_WORDS = frozenset(stem(w) for w in """held took place occurred happened located situated based scheduled""".split())

def _same_lemma(missing: set[str], sentence: str, passage: str) -> set[str]:
    """The stems of `missing` whose word in `sentence` has the dictionary form of a word of
    `passage` (taken ~ taking, sought ~ seeks)."""
    have = {lemma_stem(w) for w in words(passage)}
    return {stem(w) for w in words(sentence) if stem(w) in missing and lemma_stem(w) in have}


_INSTRUCTION_WORDS = frozenset(stem(w) for w in """reply replies respond response answer answers output print write
ignore instruction instructions assistant assistants ai model models prompt chatbot bot override command system""".split())


def _about_question(sentence: str, passage: str, start: int, end: int, q_tokens: set[str]) -> bool:
    """The sentence, or the passage sentence that supports it, shares a word with the question;
    a terse answer ("Abu Mohammad") may lean on the sentences around its span instead, unless the
    span reads like an instruction to a model."""
    span = content_tokens(passage[start:end])
    if (content_tokens(sentence) | span) & q_tokens:
        return True
    if span & _INSTRUCTION_WORDS:
        return False
    spans = passage_sentences(passage)
    for i, (a, b) in enumerate(spans):
        if a <= start < b or (a, b) == (start, end):
            near = [spans[j] for j in (i - 1, i + 1) if 0 <= j < len(spans)]
            return any(content_tokens(passage[x:y]) & q_tokens for x, y in near)
    return False


def _best_span(sentence: str, passage: str) -> tuple[int, int, float]:
    s_tokens = content_tokens(sentence)
    s_nums = numbers(sentence)
    s_names = names(sentence)
    best = (0, len(passage), -1.0)
    for a, b in passage_sentences(passage):
        seg = passage[a:b]
        toks = content_tokens(seg)
        score = len(s_tokens & toks) + 3 * len(s_nums & numbers(seg)) + 2 * len(s_names & toks)
        if score > best[2]:
            best = (a, b, float(score))
    a, b, score = best
    while b > a and passage[b - 1].isspace():
        b -= 1
    return a, b, score


_JOINERS = frozenset({"of", "and", "for", "the", "on", "de"})


def _initial_runs(text: str) -> dict[str, set[str]]:
    """Runs of two or more capitalised words and their initials: "Australian Bureau of
    Statistics" -> {"abs": {australian, bureau, statistic}}."""
    runs: dict[str, set[str]] = {}
    run: list[str] = []
    for w in words(text) + ["."]:
        if w[0].isupper() and w.lower() not in ("the",):
            run.append(w)
            continue
        if w.lower() in _JOINERS and run:
            run.append(w)
            continue
        while run and run[-1].lower() in _JOINERS:
            run.pop()
        whole = [x for x in run if x[0].isupper()]
        caps = list(whole)
        while caps and caps[0].lower() in STOPWORDS:  # "A United Nations panel…" opens a sentence: UN, not AUN
            caps.pop(0)
        if len(caps) >= 2:
            runs.setdefault("".join(x[0] for x in caps).lower(), set()).update(stem(x) for x in caps)
        # a name inside a longer one: "New South Wales State Emergency Service" holds NSW and SES;
        # three letters at least (two-letter initials of any pair of capitalised words are chance)
        for i in range(len(whole)):  # (before a leading "New" was dropped as a common word)
            for j in range(i + 3, len(whole) + 1):
                runs.setdefault("".join(x[0] for x in whole[i:j]).lower(), set()).update(stem(x) for x in whole[i:j])
        run = []
    return runs


def acronym_equivalents(sentence: str, context: str, context_tokens: set[str] | None = None) -> set[str]:
    """Name stems of `sentence` that `context` states the other way round: "US" where the context
    says "United States", or "United States" where it says "US"."""
    ctoks = context_tokens if context_tokens is not None else {stem(w) for w in words(context)}
    ok: set[str] = set()
    ctx_runs = _initial_runs(context)
    for w in words(sentence):
        if 2 <= len(w) <= 6 and w.isupper() and w.lower() in ctx_runs:
            ok.add(stem(w))
    for acr, stems in _initial_runs(sentence).items():
        if acr in ctoks and 2 <= len(acr) <= 6:
            ok |= stems
    return ok


_NAME_RUN = r"((?:[A-Z][\w.&'’-]*\s+){0,3}[A-Z][\w.&'’-]*)"
_ATTRIBUTION = re.compile(r"\b(?:the |a |an )?" + _NAME_RUN + r"(?:'s?|’s?)?\s+(?:report|article|story|piece|coverage|"
                          r"version|account|reporter|correspondent|broadcast|bulletin)s?\b")


def attribution_names(question: str) -> set[str]:
    """Stems of the outlet a question attributes to: "the FOX News report", "the Herald's
    article" (not "according to Jane Smith" or "what did Jane Smith say": people are named in
    their articles)."""
    out: set[str] = set()
    for m in _ATTRIBUTION.finditer(question):
        out |= {stem(w) for w in words(m.group(1)) if w[0].isupper() and w.lower() not in STOPWORDS}
    return out


def missing_entities(question: str, text: str) -> list[str]:
    """Names in the question (Japan, Whyalla Airlines, ...) that `text` never mentions. A passage
    that supports a sentence but is about another country or company does not answer the
    question. Word forms match on a 4-letter prefix (China ~ Chinese, Japan ~ Japanese)."""
    qwords = words(question)
    wanted = names(question)
    if qwords and qwords[0][0].isupper() and sum(1 for w in qwords if stem(w) == stem(qwords[0]) and w[0].isupper()) == 1:
        wanted.discard(stem(qwords[0]))  # "Talking about…": a question's opening word is no name
    if not wanted:
        return []
    have = {stem(w) for w in words(text)}
    in_text = known_form(have, 4)
    # a first name may be missing when the surname after it is there ("General Musharraf" for
    # "Pervez Musharraf")
    followed = {stem(a) for a, b in zip(qwords, qwords[1:]) if a[0].isupper() and b[0].isupper() and stem(b) in have}
    lacking = [n for n in wanted if n not in followed and not in_text(n)]
    if lacking:
        same = acronym_equivalents(question, text, have)
        lacking = [n for n in lacking if n not in same]
    return sorted(lacking)
