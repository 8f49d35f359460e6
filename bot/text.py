"""Text helpers shared by every layer: sentence splitting, direct speech, stopwords, stems and dates.

It sits beside bot.config and bot.errors, outside the layers (cli/tui -> core -> store ->
backends), and imports none of them, so the keyword index (backends), chunking and dates (store)
and the checker (core) use one home. Where two parts of newsbot need different behaviour the two
versions live here side by side, named for what they are for:

Sentences
  sentence_spans(text)     (start, end) spans of an article's sentences, for chunking (knows
                           abbreviations, initials, decimals; a blank line ends a sentence)
  answer_sentences(text)   a model's answer as sentence strings; a `[n]` marker that opens a
                           sentence goes back to the one before (bot.core.citations.split_sentences)
  passage_sentences(text)  (start, end) spans of a passage's sentences, for quoting
Stopwords
  STOPWORDS                the checker's (bot.core.citations): function words, reporting verbs,
                           titles, weekdays and days relative to today
  KEYWORD_STOPWORDS        the bm25 keyword index's (bot.backends.keyword): function words and
                           their contractions
Stems
  stem(word)               Snowball stem of one word (possessive dropped; words of <= 3 letters kept)
  stem_words(words)        Snowball stems of tokens, as they are when PyStemmer is missing
  lemma_stem(word)         the stem of a lower-case word's dictionary form (taken ~ took ~ taking)
Dates
  normalize_date, date_bound, date_int: ISO dates, --since/--until bounds, YYYYMMDD integers
  given_date               a date a person typed (ingest's --date): YYYY-MM-DD or a ValueError

Behaviour is that of the functions these came from (moved, not changed): the checker's tests
(tests/test_citations.py, test_checking.py, ...) pin it.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

# ----------------------------------------------------------------------------- stopwords

# the checker's (bot.core.citations): words that are not claims
STOPWORDS = frozenset("""
a about above after again against all also am an and any are aren't as at be because been before being
below between both but by can could did do does doing down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most my
myself no nor not of off on once only or other our ours ourselves out over own same she should so some
such than that the their theirs them themselves then there these they this those through to too under
until up very was we were what when where which while who whom why will with would you your yours
yourself yourselves said says say according told tell also new one's per via upon within without among
around across toward towards onto s t don won't can't isn't wasn't weren't hasn't haven't hadn't didn't
doesn't mr mrs ms dr yesterday today tomorrow monday tuesday wednesday thursday friday saturday sunday
""".split())

# the keyword index's (bot.backends.keyword): English function words and question words, which
# carry no topic
KEYWORD_STOPWORDS = frozenset("""
a about above after again against all am an and any are aren't as at be because been before being below between both
but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each few for from further had
hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his how how's i i'd
i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor not of off on once only
or other ought our ours ourselves out over own same shan't she she'd she'll she's should shouldn't so some such than
that that's the their theirs them themselves then there there's these they they'd they'll they're they've this those
through to too under until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where
where's which while who who's whom why why's will with won't would wouldn't you you'd you'll you're you've your yours
yourself yourselves s t also said says say according many much one ones per via yet just
""".split())


# ----------------------------------------------------------------------------- stems

_STEMMER = None


def stem(word: str) -> str:
    """Snowball (Porter 2) stem of a lower-cased word without its possessive: acted ~ act,
    officials ~ official. One stemmer everywhere, so both sides of a comparison agree."""
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english")
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.strip("'-")
    return _STEMMER.stemWord(w) if len(w) > 3 else w


@functools.lru_cache(maxsize=65536)
def lemma_stem(word: str) -> str:
    """The stem of a lower-case word's dictionary form (simplemma), so irregular forms meet:
    taken ~ taking ~ took, fell ~ fallen, sought ~ seek. Capitalised words are names and keep
    their plain stem ("US" is no form of "we")."""
    if not word.islower() or len(word) <= 3:
        return stem(word)
    import simplemma

    return stem(simplemma.lemmatize(word, lang="en"))


# a second stemmer, not shared with `stem`: a PyStemmer object is not safe to use from two threads
# (the TUI checks an answer while a search may run)
_stemmer = None


def stem_words(words: list[str]) -> list[str]:
    """Snowball stems of lower-cased tokens (the tokens as they are when PyStemmer is missing)."""
    global _stemmer
    if _stemmer is None:
        try:
            import Stemmer

            _stemmer = Stemmer.Stemmer("english")
        except ImportError:  # pragma: no cover - PyStemmer is a dependency; degrade gracefully
            _stemmer = False
    return _stemmer.stemWords(words) if _stemmer else words


# ----------------------------------------------------------------------------- sentences of an article

_SPAN_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "col", "lt", "sgt", "capt", "cpt", "cmdr", "adm",
    "rev", "sen", "rep", "gov", "pres", "hon", "inc", "ltd", "co", "corp", "bros", "vs", "etc", "no", "nos",
    "vol", "fig", "approx", "dept", "est", "mt", "ft", "ave", "blvd", "rd", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "tues", "wed", "thu", "thur", "thurs",
    "fri", "sat", "sun", "e.g", "i.e", "a.m", "p.m", "u.s", "u.k", "u.n", "e.u", "d.c", "op", "pty", "plc",
    "assn", "univ", "maj", "brig", "supt", "insp", "det", "const", "cl", "cr", "qld", "vic", "tas",
}

# a sentence end: terminal punctuation, optional closing quotes/brackets, whitespace, then a
# plausible sentence start; or a blank line (paragraph break)
_BOUNDARY = re.compile(r"([.!?…]+[\"'”’)\]]*)(\s+)(?=[\"'“‘(\[]?[A-Z0-9])|(\n[ \t]*\n\s*)")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end), whitespace excluded, covering all non-space text in order."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if m.group(3) is None:
            punct_end = m.end(1)
            if m.group(1).startswith(".") and len(m.group(1).rstrip("\"'”’)]")) == 1:
                wb = _WORD_BEFORE.search(text, max(0, m.start(1) - 30), m.start(1))
                if wb:
                    word = wb.group(1).lower()
                    if word in _SPAN_ABBREV or word.rstrip(".") in _SPAN_ABBREV:
                        continue
                    if len(word) == 1 and word.isalpha() and text[m.start(1) - 1].isupper():
                        continue  # an initial: "J. Smith"
                    if "." in word and len(word) <= 6:  # U.S., a.m., e.g.
                        continue
            cut = punct_end
        else:
            cut = m.start(3)
        _add(text, start, cut, spans)
        start = m.end()
    _add(text, start, len(text), spans)
    return spans


def _add(text: str, s: int, e: int, spans: list[tuple[int, int]]) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e > s:
        spans.append((s, e))


# ----------------------------------------------------------------------------- sentences of an answer and a passage

# a citation marker: [1], [1, 2], [1-3], [passage 2], [sources 1 and 4]
MARKER = re.compile(r"\[\s*(?:(?:passages?|source|sources)\s*)?(\d+(?:\s*(?:,|;|-|–|and)\s*\d+)*)\s*\]", re.I)
# an abbreviation or an initial before a full stop: not the end of a sentence
_ANSWER_ABBREV = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Gen|Sen|Rep|Prof|Inc|Ltd|Co|No|Lt|Col|Capt|Gov|Mt|vs|etc|"
                            r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|approx|est)|\b[A-Z]|\b(?:[A-Z]\.){1,3}[A-Z])\.$")


def answer_sentences(text: str) -> list[str]:
    """Split an answer into sentences; markers that open a sentence go back to the one before."""
    parts: list[str] = []
    for line in re.split(r"\n+", text):
        line = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", line).strip()
        if not line:
            continue
        start = 0
        for m in re.finditer(r"(?<=[.!?])[\"”')\]]*\s+(?=[\[\"“(]?[A-Z0-9])", line):
            head = line[start:m.start()].rstrip()
            if _ANSWER_ABBREV.search(head):
                continue
            parts.append(line[start:m.end()].strip())
            start = m.end()
        parts.append(line[start:].strip())
    merged: list[str] = []
    for p in parts:
        lead = re.match(r"^((?:\s*\[[^\]]*\d[^\]]*\])+)\s*(.*)$", p)
        if lead and merged and MARKER.search(lead.group(1)):
            merged[-1] = merged[-1] + " " + lead.group(1).strip()
            p = lead.group(2)
        if p:
            merged.append(p)
    return [m for m in merged if m.strip()]


def passage_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of a passage."""
    spans = []
    start = 0
    for m in re.finditer(r"(?<=[.!?])[\"”')\]]*\s+(?=[\"“(]?[A-Z0-9])", text):
        if _ANSWER_ABBREV.search(text[start:m.start()].rstrip()):
            continue
        spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    # trimmed, so a sentence after blanked planted text does not start inside it
    return [(a + len(text[a:b]) - len(text[a:b].lstrip()), a + len(text[a:b].rstrip()))
            for a, b in spans if text[a:b].strip()]


# direct speech in one sentence of a passage: closed by a mark, or running on to the sentence's end
# (a quote of several sentences is split with the passage)
_SPEECH = re.compile(r"(?:^|(?<=[\s(\[—–-]))[\"“]([^\"“”]+?)(?:[\"”]|$)")


def quotations(sentence: str, least: int = 2, most: int = 40) -> list[str]:
    """The words a sentence quotes directly, without the marks and the comma or full stop that
    closes them: '"We will win," she said.' -> ['We will win']. Quotes of fewer than `least` or
    more than `most` words are left out (a scare-quoted word names no statement; a long one is
    no short answer)."""
    out = []
    for m in _SPEECH.finditer(sentence.strip()):
        words = m.group(1).strip().rstrip(",.;:").strip()
        if least <= len(words.split()) <= most:
            out.append(words)
    return out


# ----------------------------------------------------------------------------- dates

_MONTH_NAMES = "january february march april may june july august september october november december".split()


def normalize_date(value: Any) -> str | None:
    """Best-effort ISO date (YYYY-MM-DD) from strings, datetimes, struct_time; None if unknown."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "tm_year"):  # time.struct_time (feedparser)
        try:
            return date(value.tm_year, value.tm_mon, value.tm_mday).isoformat()
        except ValueError:
            return None
    if isinstance(value, (int, float)):
        if 19000101 <= int(value) <= 29991231:
            s = str(int(value))
            return normalize_date(f"{s[:4]}-{s[4:6]}-{s[6:]}")
        try:
            return datetime.utcfromtimestamp(float(value)).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    s = str(value).strip()
    if not s:
        return None
    m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})", s) or re.match(r"^(\d{4})/(\d{1,2})/(\d{1,2})", s)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            return None
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(s).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    m = re.match(r"^(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})", s) or None
    if m and m[2].lower()[:3] in [x[:3] for x in _MONTH_NAMES]:
        return _mk(int(m[3]), m[2], int(m[1]))
    m = re.match(r"^([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", s)
    if m and m[1].lower()[:3] in [x[:3] for x in _MONTH_NAMES]:
        return _mk(int(m[3]), m[1], int(m[2]))
    return None


def _mk(year: int, month_name: str, day: int) -> str | None:
    month = [x[:3] for x in _MONTH_NAMES].index(month_name.lower()[:3]) + 1
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def date_bound(value: str | None, end: bool = False) -> int | None:
    """A --since/--until value (YYYY, YYYY-MM or a date) as a YYYYMMDD int; None if not given."""
    if value is None or str(value).strip() == "":
        return None
    s = str(value).strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?", s)
    if m:
        y, mo = int(m[1]), int(m[2]) if m[2] else None
        if mo is None:
            return y * 10000 + (1231 if end else 101)
        if not 1 <= mo <= 12:
            raise ValueError(f"bad month in {s!r}")
        return y * 10000 + mo * 100 + (31 if end else 1)
    iso = normalize_date(s)
    if iso is None:
        raise ValueError(f"cannot read {s!r} as a date (use YYYY-MM-DD)")
    return date_int(iso)


def given_date(value: str | None) -> str | None:
    """A date a person gave (`ingest --date`, the TUI's ingest form) as YYYY-MM-DD; None if not
    given; ValueError (one sentence) if it is not a real YYYY-MM-DD date."""
    s = (value or "").strip()
    if not s:
        return None
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", s)
    try:
        if m:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        pass
    raise ValueError(f"cannot read {s!r} as a date (use YYYY-MM-DD, e.g. 2024-05-07)")


def date_int(iso: str | None) -> int:
    if not iso:
        return 0
    try:
        return int(iso[:10].replace("-", ""))
    except ValueError:
        return 0
