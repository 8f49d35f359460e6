"""Grounding: a sentence the model wrote, checked against the retrieved passage it cites.

Shared by briefings (which check the model's paragraph sentence by sentence against packed
passages) and answers (whose evidence sentences come from the same prepared passages). A passage
is prepared once: planted instructions blanked (same length, so offsets stay valid) for the
checker, and collapsed for the prompt. Text is only ever removed from a sentence, never added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from bot.core import checking
from bot.core import citations as cit
from bot.core import safety
from bot.core.types import Citation, Passage, Sentence


@dataclass
class Prepared:
    """A passage as the model sees it (numbered, instructions blanked) and as the checker sees it."""

    passage: Passage
    checked: str  # passage text with planted instructions blanked (same length as passage.text)
    prompt_text: str
    removed: int = 0


def prepare(passages: list[Passage]) -> list[Prepared]:
    out = []
    for p in passages:
        blanked, removed = safety.blank_planted(p.text)
        out.append(Prepared(p, blanked, safety.for_prompt(blanked, removed), removed))
    return out


def check_answer(raw: str, question: str, packed: list[Prepared], keep_unsupported: bool = False,
                 article_text: Callable[[str], str | None] | None = None,
                 ) -> tuple[list[Sentence], list[Citation], bool, str]:
    """Split the model's text into sentences, check each against its cited passage (or find the
    retrieved passage that supports it), renumber citations 1..m in order of appearance.
    Returns (sentences, citations, refused, refusal_reason)."""
    sentences: list[Sentence] = []
    citations: list[Citation] = []
    by_chunk: dict[str, int] = {}
    claims = 0
    declined = False
    bare: list[int] = []  # passages cited by a marker that came with no words
    for piece in cit.split_sentences(raw):
        text, cited = cit.parse_markers(piece)
        if not text or not any(ch.isalnum() for ch in text):
            bare.extend(cited)
            continue
        if cit.is_refusal(text):
            declined = True
            continue
        claims += 1
        choice = _attribute(text, cited, question, packed)
        if choice is None:
            for shorter in without_one_phrase(text):
                choice = _attribute(shorter, cited, question, packed)
                if choice is not None:
                    text = shorter  # an unsupported detail was cut; what is left is checked
                    break
        reason = "no cited passage supports it"
        if choice is not None:
            missing = off_topic(question, choice[0], article_text)
            if missing:
                choice, reason = None, f"its passage's article never mentions {', '.join(missing)}"
        if choice is None:
            if keep_unsupported:
                ns = [add_citation(packed[c - 1], None, by_chunk, citations) for c in cited if 1 <= c <= len(packed)]
                sentences.append(Sentence(text, ns, False, reason))
            continue
        prep, support = choice
        n = add_citation(prep, support, by_chunk, citations)
        sentences.append(Sentence(text, [n], True))
    supported = [s for s in sentences if s.supported]
    if not supported and bare and not claims and not declined:
        found = _quote_for(question, [packed[n - 1] for n in bare if 1 <= n <= len(packed)], article_text)
        if found:
            prep, text, support = found
            return [Sentence(text, [add_citation(prep, support, by_chunk, citations)], True)], citations, False, ""
    if not supported:
        if declined and not claims:
            return [], [], True, "the model found no answer in the passages"
        return (sentences if keep_unsupported else []), (citations if keep_unsupported else []), True, \
            "no sentence of the answer is supported by the passages"
    return sentences, citations, False, ""


def _quote_for(question: str, preps: list[Prepared], article_text) -> tuple[Prepared, str, cit.Support] | None:
    """When the model points at a passage ("[3]") but writes nothing, answer with that passage's
    sentence that best matches the question, quoted verbatim (so it is checked by construction)."""
    q = cit.content_tokens(question) - checking.QUESTION_WORDS
    if len(q) < 2:
        return None
    best = None
    for prep in preps:
        for a, b in cit.passage_sentences(prep.checked):
            seg = prep.checked[a:b].strip()
            overlap = len(cit.content_tokens(seg) & q)
            if overlap >= max(2, 0.6 * len(q)) and checking.fits_type(question, seg) and (best is None or overlap > best[0]):
                best = (overlap, prep, seg)
    if best is None:
        return None
    _, prep, seg = best
    support = cit.check(seg, prep.checked, question, meta_text(prep.passage))
    if not support.ok or off_topic(question, prep, article_text):
        return None
    return prep, seg, support


_PHRASES = (
    re.compile(r",\s+[^,]{2,80},\s*"),  # an aside between commas
    re.compile(r"\s+\((?:[^()]{1,80})\)"),  # a parenthesis
    re.compile(r"\s*\b(?:from|in|according to|see|per)\s+(?:the\s+)?(?:passage|article|text|source)s?\b\s*", re.I),  # meta-talk
    re.compile(r"\s+(?:from|of|at|in|with|for|by)\s+(?:the\s+)?[A-Z][\w'’.&-]*"
               r"(?:\s+(?:(?:of|and|for|the|on)\s+)*[A-Z][\w'’.&-]*){0,6}(?=[\s,.;]|$)"),  # "from the Ministry of Truth"
    re.compile(r",\s+(?:the\s+)?[A-Z][\w'’&-]*(?:\s+[A-Z][\w'’&-]*){0,3}(?=\s*[.!?]?$)"),  # a trailing ", France"
)


def without_one_phrase(text: str) -> list[str]:
    """The sentence with one unsupported-looking detail removed (an aside, a parenthesis, or a
    prepositional phrase of names): small models like to add such details. Text is only ever
    removed, never added, and the remainder must pass the check on its own."""
    out = []
    for pattern in _PHRASES:
        for m in pattern.finditer(text):
            cut = (text[:m.start()] + " " + text[m.end():]).strip()
            cut = re.sub(r"\s+([.,;!?])", r"\1", " ".join(cut.split()))
            if len(cut.split()) >= 2 and cut not in out:
                out.append(cut)
    return out[:8]


_TITLED = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof|Professor)\.?\s+([A-Z][\w'’-]+)")
_GIVEN = r"[A-Z][a-z][\w'’-]*"


def full_names(text: str, evidence: str) -> str:
    """A title and surname ("Mr Vole") written as the one full name of the evidence that ends in
    that surname ("Ann Vole"): news gives the full name once and "Mr Vole" after, and a reader who
    asks who it was wants the name. Two full names with that surname, or none, leave it as it is."""
    def full(m: re.Match) -> str:
        surname = m.group(1)
        found = set()
        for given in re.findall(rf"\b((?:{_GIVEN}\s+){{1,2}}){re.escape(surname)}\b", evidence):
            ws = given.split()
            while ws and ws[0].lower() in checking.NOT_GIVEN_NAMES:  # "Minister Ann Vole": the post is no name
                ws.pop(0)
            if ws:
                found.add(" ".join(ws))
        return f"{found.pop()} {surname}" if len(found) == 1 else m.group(0)

    return _TITLED.sub(full, text)


def _attribute(text: str, cited: list[int], question: str, packed: list[Prepared]):
    """The cited passage that supports the sentence, else the best supporting retrieved one."""
    best = None
    for n in cited:
        if 1 <= n <= len(packed):
            prep = packed[n - 1]
            s = cit.check(text, prep.checked, question, meta_text(prep.passage))
            if s.ok and (best is None or s.score > best[1].score):
                best = (prep, s)
    if best:
        return best
    already = {id(packed[n - 1]) for n in cited if 1 <= n <= len(packed)}
    for prep in packed:
        if id(prep) in already:
            continue
        s = cit.check(text, prep.checked, question, meta_text(prep.passage))
        if s.ok and (best is None or s.score > best[1].score):
            best = (prep, s)
    return best


def off_topic(question: str, prep: Prepared, article_text, outlets: list[str] | None = None) -> list[str]:
    """Names of the question missing from the supporting article (at most one may be missing when
    the question names four or more; an outlet the question attributes to need not be in it).
    An attributed name the article itself mentions is no contradiction unless it is one of the
    index's `outlets`: "Ernst and Young's report" in an article about the firm's report is the
    firm's, not an outlet's."""
    text = None
    if article_text is not None:
        try:
            text = article_text(prep.passage.article_id)
        except Exception:
            text = None
    meta = meta_text(prep.passage)
    article = " ".join(x for x in (text or prep.checked, meta) if x)
    parts = checking.split_question(question)
    if len(parts) > 1:
        # a two-part question's evidence may come from two articles: each need only be about one
        # part (one of that part's names may be missing, as "US Navy" for "a US military ship")
        return min((m if len(m) > 1 or len(cit.names(p)) < 2 else [] for p in parts
                    for m in [cit.missing_entities(p, article)]), key=len)
    lead, asked = context_lead(question)
    missing = cit.missing_entities(asked, article)
    if lead:
        # a sentence that sets the scene may span two articles ("Ann Vole spoke about the strike and,
        # as acting mayor, about the floods."): it rules an article out only if it holds none of its names
        scene = cit.missing_entities(lead, article)
        if len(scene) == len(cit.missing_entities(lead, "")):
            missing = sorted(set(missing) | set(scene))
    if not cit.names(question) and not shares_topic(question, article):
        return ["(the question's subject)"]
    # "according to the Herald": an outlet is rarely named in its own article; it must only not
    # contradict the outlet the article is filed under
    outlet = cit.attribution_names(question)
    if outlet:
        filed = {cit.stem(w) for w in cit.words(prep.passage.outlet or "")}
        missing = [m for m in missing if m not in outlet]
        if filed and not (outlet & filed):
            known = {cit.stem(w) for o in outlets or [] for w in cit.words(o)}
            mentioned = cit.known_form({cit.stem(w) for w in cit.words(article)}, 4)
            missing = sorted(set(missing) | {n for n in outlet if n in known or not mentioned(n)})
    if len(missing) == 1 and len(cit.names(asked)) >= 4:
        return []
    return missing


def context_lead(question: str) -> tuple[str, str]:
    """(the statements before a question sentence, the rest): ("Ann Vole spoke twice.", "What did
    she say?"); ("", question) when it opens with the question."""
    pieces = cit.split_sentences(question)
    at = next((i for i, p in enumerate(pieces) if p.rstrip().endswith("?")), 0)
    return " ".join(pieces[:at]), " ".join(pieces[at:]) or question


def shares_topic(question: str, article: str, least: int = 2, words: int = 4) -> bool:
    """An article is about a question that names nothing ("What is the maximum fine for breaching
    the privacy laws?") when it holds `least` of its content words, for a question of `words` or
    more: a sentence about a cricketer's fine shares only "fine" with it. Other forms of a word count
    (5 letters: "breached" for "breaching")."""
    asked = cit.content_tokens(question)
    if len(asked) < words:
        return True
    known = cit.known_form(cit.content_tokens(article), 5)
    return sum(1 for t in asked if known(t)) >= least


def meta_text(p: Passage) -> str:
    """What the prompt shows about a passage besides its text: naming its outlet is no invention."""
    return " ".join(x for x in (p.title, p.outlet) if x)


def add_citation(prep: Prepared, support, by_chunk: dict[str, int], citations: list[Citation]) -> int:
    """The number of the citation for `prep`, adding it (with its quoted span) if it is new."""
    p = prep.passage
    if p.chunk_id in by_chunk:
        n = by_chunk[p.chunk_id]
        if support is not None and citations[n - 1].quote == p.text:
            _set_quote(citations[n - 1], p, support)
        return n
    n = len(citations) + 1
    by_chunk[p.chunk_id] = n
    c = Citation(n=n, article_id=p.article_id, title=p.title, outlet=p.outlet, date=p.date,
                 source_file=p.source_file, chunk_id=p.chunk_id, passage=p.text, quote=p.text,
                 start=p.start, end=p.end, files=p.files or [p.source_file])
    if support is not None:
        _set_quote(c, p, support)
    citations.append(c)
    return n


def _set_quote(c: Citation, p: Passage, support) -> None:
    c.quote = p.text[support.quote_start:support.quote_end]
    c.start = p.start + support.quote_start
    c.end = p.start + support.quote_end


def compose(sentences: list[Sentence]) -> str:
    out = []
    for s in sentences:
        marks = "".join(f"[{n}]" for n in s.citations)
        body = s.text.rstrip()
        closing = ""
        if len(body) > 1 and body[-1] in "\"”'’)" and body[-2] in ".!?":  # …minorities." -> …minorities" [2].
            body, closing = body[:-1], body[-1]
        end = body[-1] if body and body[-1] in ".!?" else "."
        body = (body[:-1] if body and body[-1] in ".!?" else body) + closing
        flag = "" if s.supported else " (unsupported)"
        out.append(f"{body} {marks}{end}{flag}".replace("  ", " ") if marks else f"{body}{end}{flag}")
    return " ".join(out)
