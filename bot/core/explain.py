"""The checks and refusals of an answer, in plain words for the reader (`ask`'s output, the TUI).

Two things are said: for each shown sentence, which check it passed (`checks`); for a refusal, why
(`refusal`), built from how the answer was reached (`Answer.stages`, `refusal_reason`) and what
retrieval found: "no passage about X was found", "the articles mention the pilot but never name
anyone", "the model's answer was not supported by the passages: …", with the closest passages.
Headless: plain strings and dataclasses, no markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core import checking
from bot.core import citations as cit
from bot.core.types import Answer, Sentence


@dataclass
class Check:
    name: str  # "words" | "kind" | "judge" | "doubt" | "quoted" | "compared" | "time" | "repair" | "checks"
    passed: bool
    detail: str  # what was checked, in plain words

    def to_json(self) -> dict:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


@dataclass
class Closest:
    source_file: str
    title: str
    snippet: str  # the passage's opening words (empty when the answer was reloaded without its text)

    def to_json(self) -> dict:
        return {"source_file": self.source_file, "title": self.title, "snippet": self.snippet}


@dataclass
class Refusal:
    why: str  # one plain sentence, without a final full stop
    closest: list[Closest] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"why": self.why, "closest": [c.to_json() for c in self.closest]}


_KIND = {"number": "a number", "date": "a date", "person": "a name", "name": "a name", "place": "a place",
         "reason": "a reason"}
# what the articles fail to give, by the kind of thing asked for
_NEVER = {"number": "never give the number asked for", "date": "never say when", "person": "never name anyone",
          "name": "never give the name", "place": "never say where", "reason": "never say why"}


_DIFFER = {"list": "the names they list", "who": "who they name", "role": "a role", "how many": "a number",
           "when": "the time"}


def checks(question: str, sentence: Sentence, repair: str | None = None) -> list[Check]:
    """Each check of one answer sentence, passed or not, in plain words."""
    if not sentence.supported:
        return [Check("checks", False, sentence.reason or "not supported by the evidence")]
    c = sentence.checks or {}
    out: list[Check] = []
    if c.get("quoted"):
        out.append(Check("quoted", True, "quoted verbatim from the article"))
    elif "lexical" in c:
        out.append(Check("words", bool(c["lexical"]), "every name, number and date is in the evidence"))
    kind = checking.expected_type(question)
    if "type" in c and kind:
        out.append(Check("kind", bool(c["type"]), f"gives {_KIND[kind]}, as asked"))
    if "judge" in c:
        p = f"p={float(c['judge_p']):.2f}, " if "judge_p" in c else ""
        out.append(Check("judge", True, f"the model, asked again, says the evidence states it ({p}{float(c['judge']):.2f} above “the sentences do not say”)"))
    if c.get("compared"):
        what = _DIFFER.get(c["compared"], c["compared"])
        out.append(Check("compared", True, f"the outlets' articles compared claim by claim: they differ in {what}"))
    if c.get("doubt") is not None:
        out.append(Check("doubt", True, f"the model nearly declined (P(none) {float(c['doubt']):.2f}), so the judge had to be surer"))
    if c.get("later_report"):
        out.append(Check("time", True, "two dated reports give different figures: the later one is given, the earlier one said"))
    if repair == "retry_best_passage":
        out.append(Check("repair", True, "found on a second reading of the best passage"))
    elif repair == "typed_answer":
        out.append(Check("repair", True, "chosen on a second reading among the places the evidence names"))
    elif repair == "quoted_words":
        out.append(Check("repair", True, "given in the speaker's own words, chosen on a second reading among the evidence's quotations"))
    return out


def closest(answer: Answer, most: int = 3, chars: int = 160) -> list[Closest]:
    """The passages retrieval ranked first: where the reader can look for themselves."""
    out = []
    for p in answer.retrieved[:most]:
        text = " ".join((p.text or "").split())
        snippet = text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0] + "…"
        out.append(Closest(p.source_file, p.title or "", snippet))
    return out


def refusal(answer: Answer) -> Refusal:
    """Why the answer was refused, in plain words, and the closest passages."""
    return Refusal(_why(answer), closest(answer))


def _why(answer: Answer) -> str:
    stages = answer.stages or {}
    reason = answer.refusal_reason or ""
    question = answer.standalone or answer.question
    model = stages.get("model")
    if model == "cancelled" or reason == "cancelled":
        return "it was cancelled before an answer was written and checked"
    if not answer.retrieved:
        return f"no passage about {_topic(question)} was found"
    texts = " ".join(p.text or "" for p in answer.retrieved)
    part = re.match(r"only part of the question was answered \((.*)\); (.*)$", reason, re.S)
    if part:
        return f"only part of the question was answered (“{part.group(1)}”); for the rest, {_inner(answer, question, texts, part.group(2))}"
    return _inner(answer, question, texts, reason)


def _inner(answer: Answer, question: str, texts: str, reason: str) -> str:
    """The reason of one (part of a) question: nothing found, the model declined, or the checks."""
    stages = answer.stages or {}
    missing = _missing_names(question, texts) if texts.strip() else []
    if missing:
        return f"no passage found mentions {_join(missing)}"
    if reason.startswith("the articles say this is not known"):
        return "the articles say this is not known"
    rejected = [r for r in stages.get("rejected") or [] if r]
    if reason.startswith("the model found no answer") or (stages.get("model") in ("declined", "declined part") and not rejected):
        found = _found_words(question, texts)
        kind = checking.expected_type(question) or ("name" if re.search(r"\bnames?\b", question, re.I) else None)
        if found:
            return f"the articles mention {_join(found)} but {_NEVER.get(kind, 'never state the answer')}"
        if not texts.strip():  # reloaded from history: the passages' text was not kept
            return "the model found no answer in the passages"
        return "the passages found do not answer it"
    if rejected:
        said = _model_said(answer.raw)
        lead = f"the model's answer (“{said}”) was not supported by the passages" if said \
            else "the model's answer was not supported by the passages"
        return f"{lead}: {'; '.join(dict.fromkeys(_plain(r) for r in rejected[:3]))}"
    return reason or "no answer passed the checks"


def _plain(rejected: str) -> str:
    """One of the checks' reasons (bot.core.answering) as a reader would put it."""
    m = re.match(r"not in the evidence: (.*)", rejected)
    if m:  # the checks keep 80 characters of the sentence
        said = m.group(1).strip()
        return f"“{said}{'…' if len(m.group(1)) >= 80 else ''}” is not in them"
    if rejected == "restates the question":
        return "it only restated the question"
    m = re.match(r"not an? (\w+)$", rejected)
    if m:
        return f"it did not give {_KIND.get(m.group(1), 'the kind of thing asked for')}, as asked"
    m = re.match(r"fewer than the (\d+) items asked for", rejected)
    if m:
        return f"it gave fewer than the {m.group(1)} items asked for"
    if rejected.startswith("a percentage, sum or time"):
        return "it gave a percentage, a sum or a time where a count was asked for"
    if rejected == "a number the evidence gives for something else":
        return "the number it gave counts something else in them"
    m = re.match(r"judge: the evidence does not state it \((?:score ([\d.-]+): )?p=([\d.]+)\)", rejected)
    if m:
        return f"asked again, the model did not find it stated in them (p={m.group(2)}{', score ' + m.group(1) if m.group(1) else ''})"
    m = re.match(r"judge prefers (['\"])(.*)\1 \((?:p=|score )([\d.-]+)\) to the answer", rejected)
    if m:
        return f"they fit “{m.group(2)}” better (score {m.group(3)})"
    if rejected.startswith("a paraphrase of words the evidence quotes"):
        return "it paraphrased words they quote, and none of the quotations checked out"
    if rejected.startswith("judge: quoted sentence refused"):
        return "no sentence of them states it either"
    return rejected


def _model_said(raw: str) -> str:
    """The model's last answer line ("Answer: …": a retry's, or the part that failed), without its
    markers, shortened."""
    found = re.findall(r"answer\s*:\s*([^\n]+)", raw or "", re.I)
    text = cit.parse_markers(found[-1])[0].strip() if found else ""
    return text if len(text) <= 100 else text[:100].rsplit(" ", 1)[0] + "…"


def _words(question: str) -> list[str]:
    """The question's own words, in order: no question words, stopwords or the "(after: …)" tail."""
    question = re.sub(r"\s*\(after:.*$", "", question)
    seen, out = set(), []
    for w in cit.words(question):
        w = re.sub(r"['’]s$", "", w)
        low = w.lower()
        if low in cit.STOPWORDS or low in checking.QUESTION_OPENERS or len(w) < 3 or low in _GENERIC or low in seen:
            continue
        seen.add(low)
        out.append(w)
    return out


# question words that say what is asked, not what it is about
_GENERIC = frozenset("""name names many much long old kind type number happen happened did does list give tell
year years date time near since ago like""".split())


def _topic(question: str) -> str:
    words = _words(question)
    return "“" + " ".join(words[:6]) + "”" if words else "the question"


def _missing_names(question: str, texts: str) -> list[str]:
    """Names the question uses that no retrieved passage holds (by stem)."""
    have = {cit.stem(w) for w in cit.words(texts)}
    q = re.sub(r"\s*\(after:.*$", "", question)
    named = cit.names(q)  # capitalised words, a sentence-initial common word ("Name…", "Did…") left out
    out = []
    for span in checking.name_spans(q):
        span = re.sub(r"['’]s$", "", span)
        toks = [cit.stem(w) for w in cit.words(span) if cit.stem(w) in named]
        # "Paris-Miami" is there when "Paris" and "Miami" are
        there = lambda t: t in have or ("-" in t and all(cit.stem(x) in have for x in t.split("-") if x))
        if toks and not any(there(t) for t in toks):
            out.append(span)
    return out


def _found_words(question: str, texts: str, most: int = 3) -> list[str]:
    """The question's words the passages do hold, as the question spells them."""
    have = {cit.stem(w) for w in cit.words(texts)}
    return ["“" + w + "”" for w in _words(question) if cit.stem(w) in have][:most]


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
