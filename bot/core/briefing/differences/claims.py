"""What a sentence claims, in the parts outlets disagree on: lists of names, counted things
(numbers with their noun), people (with their roles) and times (weekdays, dates). Pure regex
work on one sentence; comparing two sentences is compare.py's."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core import citations as cit

# -- lists of names -------------------------------------------------------------------------

_NAME = r"(?:[Tt]he\s+)?[A-Z][\w’'\-]*(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w’'\-]*)*"
_LIST = re.compile(rf"({_NAME}(?:\s*,\s*{_NAME})*\s*,?\s+(?:and|&)\s+{_NAME})")
_SPLIT_LIST = re.compile(r"\s*,\s*(?:and\s+|&\s+)?|\s+(?:and|&)\s+")


def entity_key(name: str) -> str:
    name = re.sub(r"^(?:the)\s+", "", name.strip(), flags=re.I)
    return " ".join(name.lower().replace("’", "'").split())


def name_lists(sentence: str) -> list[tuple[str, list[str]]]:
    """Lists of two or more names in a sentence ("Canada and the United Kingdom"): each as
    (the exact list text, the names)."""
    out = []
    for m in _LIST.finditer(sentence):
        text = m.group(1)
        parts = [p for p in _SPLIT_LIST.split(text) if p.strip()]
        names = [p.strip() for p in parts if entity_key(p) and entity_key(p) not in cit.STOPWORDS
                 and entity_key(p) not in cit._COMMON_START]
        if len(names) >= 2:
            start = text.find(names[0])
            out.append((text[start:] if start >= 0 else text, names))
    return out


# -- counted things -------------------------------------------------------------------------

_NUM_NOUN = re.compile(r"(?<![\w.$])(\d[\d,]*(?:\.\d+)?)\s*(?:per\s?cent\b|%|([a-z][a-z\-]{2,}))")
_NOT_COUNTED = frozenset("""am pm years year days day hours hour weeks week months month minutes minute seconds
second times time per and or to of in on at a the percent cent kilometres kilometre km metres""".split())
_QUALIFIER = re.compile(r"(?:\b(?:about|around|some|nearly|almost|roughly|more than|less than|fewer than|at least|"
                        r"over|up to|an estimated)\s+)$", re.I)


def counted(sentence: str) -> dict[str, tuple[str, str]]:
    """Numbers with the noun they count: {noun stem: (number, exact text)} ("500 residents")."""
    out: dict[str, tuple[str, str]] = {}
    for m in _NUM_NOUN.finditer(sentence):
        num = m.group(1).replace(",", "").rstrip(".")
        noun = m.group(2)
        if noun is None:
            noun = "percent"
        elif noun in _NOT_COUNTED or noun in cit.STOPWORDS:
            continue
        if re.fullmatch(r"(?:19|20)\d\d", num):
            continue  # a year
        q = _QUALIFIER.search(sentence[:m.start()])
        out.setdefault(cit.stem(noun), (num, (q.group(0) if q else "") + m.group(0)))
    return out


# -- people ---------------------------------------------------------------------------------

# words that make a name a person's when they stand before it ("Secretary of State Antony
# Blinken", "press secretary Jen Psaki") or after it (", the director of ..."); honorifics count
# as person markers but not as roles
TITLES = frozenset("""president vice prime minister secretary senator governor mayor premier chancellor king
queen prince princess pope director chairman chairwoman chair chief commissioner spokesman spokeswoman
spokesperson ambassador general colonel captain sergeant inspector superintendent constable commander admiral
lieutenant major judge justice attorney leader deputy treasurer professor lord bishop archbishop coach
executive manager head founder editor correspondent officer acting former assistant senior junior
president-elect premier-elect chairperson envoy negotiator sheriff""".split())
_MODIFIERS = frozenset("acting former assistant senior junior vice deputy".split())  # not a title alone
_HONORIFICS = frozenset("mr mrs ms miss dr sir dame rev mr. mrs. ms. dr.".split())
# a capitalised run ending in one of these is an organisation or place, not a person
_ORG = frozenset("""department bureau union kingdom states commission committee corps council party government
ministry office house court service services police force forces army navy association agency bank
university news region province administration republic nations authority board group company corporation
institute centre center school hospital airport station city county river street road highway""".split())
_SPEECH = re.compile(r"^\s*(?:,\s*)?(?:said|says|told|added|announced|warned|stated|met|raised|explained|noted)\b")
_TOKEN = re.compile(r"[A-Za-z][\w.'’\-]*")
_NAME_TOKEN = re.compile(r"^(?:[A-Z][a-z][\w'’\-]*|[A-Z]\.)$")
_APPOSITIVE = re.compile(r"^\s*,\s*(?:the\s+|a\s+|an\s+)?((?:[\w'’\-]+\s+){0,2}?(?:%s)\b[^,;()]*)" % "|".join(
    sorted(TITLES, key=len, reverse=True)), re.I)


@dataclass
class Person:
    name: str  # as written ("Antony Blinken")
    start: int  # offsets in the sentence of the whole mention, role included
    end: int
    role: str = ""  # "Secretary of State"; "" when none is given

    @property
    def key(self) -> str:
        """The surname, which other mentions share ("Mr Howard", "John Howard")."""
        return re.sub(r"['’]s$", "", self.name.split()[-1]).lower()

    def same(self, other: "Person") -> bool:
        """The same person: same surname, or one is named by a single word of the other's name."""
        ta = [w.lower() for w in self.name.split() if len(w.rstrip(".")) > 1]
        tb = [w.lower() for w in other.name.split() if len(w.rstrip(".")) > 1]
        if not ta or not tb:
            return False
        if len(ta) == 1 or len(tb) == 1:
            return bool(set(ta) & set(tb))
        return ta[-1] == tb[-1]

    def role_words(self) -> frozenset[str]:
        return frozenset(w for w in re.findall(r"[a-z\-]+", self.role.lower()) if w in TITLES)


def persons(sentence: str) -> list[Person]:
    """People named in a sentence, in order: a capitalised name of one to four words marked as a
    person by a title or honorific before it, a role after it (", the director of …") or a
    verb of speech or meeting after it. Organisations and places ("the Treasury Department")
    are not people."""
    toks = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(sentence)]
    out: list[Person] = []
    i = 0
    while i < len(toks):
        low = toks[i][2].lower().rstrip(",")
        if low not in TITLES and low not in _HONORIFICS:
            i += 1
            continue
        # a run of titles ("Secretary of State", "press secretary", "Foreign Minister")
        j = i
        while j < len(toks) and (toks[j][2].lower() in TITLES or toks[j][2].lower() in _HONORIFICS):
            j += 1
        if j + 1 < len(toks) and toks[j][2].lower() in ("of", "for") and _NAME_TOKEN.match(toks[j + 1][2]) \
                and toks[j + 1][2].lower() not in TITLES:
            j += 2  # "Secretary of State", "Minister for Health"
        k = j
        while k < len(toks) and k - j < 4 and _NAME_TOKEN.match(toks[k][2]) and toks[k][2].lower() not in TITLES \
                and sentence[toks[k - 1][1]:toks[k][0]].strip() == "":
            k += 1
        titled = [t[2] for t in toks[i:j] if t[2].lower() not in _MODIFIERS and t[2].lower() not in _HONORIFICS]
        # a lowercase title needs a full name ("press secretary Jen Psaki", not "senior Chinese officials")
        enough = k - j >= 2 or any(t[:1].isupper() for t in titled) or (not titled and j > i)
        if k > j and toks[k - 1][2].lower() not in _ORG and (titled or j > i and not titled and toks[i][2].lower() in _HONORIFICS) and enough:
            first = i
            while first > 0 and sentence[toks[first - 1][1]:toks[first][0]].strip() == "" and \
                    _NAME_TOKEN.match(toks[first - 1][2]) and toks[first - 1][2].lower() not in cit._COMMON_START:
                first -= 1  # "Foreign Affairs Commission Director": the body the title belongs to
            role = sentence[toks[first][0]:toks[j - 1][1]]
            role = "" if role.lower().rstrip(".") in _HONORIFICS else role
            out.append(Person(sentence[toks[j][0]:toks[k - 1][1]], toks[first][0], toks[k - 1][1], role))
            i = k
            continue
        i = max(j, i + 1)
    taken = [(p.start, p.end) for p in out]
    # names without a title before them: a role after them, or a verb of speech
    for m in re.finditer(r"(?<![\w.])((?:[A-Z][a-z][\w'’\-]*|[A-Z]\.)(?:\s+(?:[A-Z][a-z][\w'’\-]*|[A-Z]\.)){1,3})", sentence):
        if any(a <= m.start() < b for a, b in taken):
            continue
        words = m.group(1).split()
        if words[0].lower() in cit._COMMON_START or words[-1].lower() in _ORG or \
                any(w.lower() in TITLES or w.lower() in cit.STOPWORDS for w in words):
            continue
        rest = sentence[m.end():]
        app = _APPOSITIVE.match(rest)
        if app:
            role = " ".join(app.group(1).split()[:12]).rstrip(".")
            out.append(Person(m.group(1), m.start(), m.end(), role))
        elif _SPEECH.match(rest):
            out.append(Person(m.group(1), m.start(), m.end()))
    out.sort(key=lambda p: p.start)
    return out


def mentions_person(text: str, person: Person) -> bool:
    """Does `text` name this person as a person (a mention with a title, role or verb of speech,
    or the full name)? "the Biden administration" does not name Joe Biden as someone who acted."""
    if person.name in text and " " in person.name:
        return True
    return any(p.same(person) for p in persons(text))


# -- times ----------------------------------------------------------------------------------

_WEEKDAY = re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(rf"\b(?:(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS})|({_MONTHS})\s+(\d{{1,2}})(?:st|nd|rd|th)?)\b(?:,?\s+(\d{{4}}))?")


def whens(sentence: str) -> dict[str, tuple[str, str]]:
    """Times a sentence gives, by kind: {"weekday": (value, text), "date": ("March 19", text)}."""
    out: dict[str, tuple[str, str]] = {}
    m = _WEEKDAY.search(sentence)
    if m:
        out["weekday"] = (m.group(1).lower(), m.group(0))
    m = _DATE.search(sentence)
    if m:
        day, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        out["date"] = (f"{month.lower()} {int(day)}", m.group(0))
    return out


# -- clauses --------------------------------------------------------------------------------

_CLAUSE_END = re.compile(r",\s+(?:leading|which|who|while|where|adding|saying|both|but|and\s+(?:represent|said))\b|[;:(]|"
                         r"\s+[-–—]+\s+|,\s*[\"“]")


def clause_from(sentence: str, start: int, max_words: int = 20) -> str:
    """The sentence from `start` to the end of its clause (a comma before "which", "leading",
    a semicolon, a dash…), at most `max_words` words; the trailing full stop dropped."""
    rest = sentence[start:]
    m = _CLAUSE_END.search(rest)
    text = rest[:m.start()] if m else rest
    words = text.split()
    if len(words) > max_words:
        words = words[:max_words]
        while words and (words[-1].lower() in cit.STOPWORDS or words[-1].lower() in ("the", "a", "an")):
            words.pop()
    return " ".join(words).rstrip(" ,.;:").rstrip("”\"'’") if words else ""


def lower_first(text: str) -> str:
    """"About 500 residents" -> "about 500 residents"; names keep their capital."""
    first = text.split(" ", 1)[0]
    if first.lower() in cit._COMMON_START or first.lower() in cit.STOPWORDS or first.lower() in (
            "about", "around", "some", "nearly", "almost", "more", "over", "up"):
        return text[:1].lower() + text[1:]
    return text
