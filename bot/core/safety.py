"""Article text is data, never instructions.

Before a passage goes into a prompt, text that addresses an AI system, tries to change its
instructions or poses as a question already answered ("Q: … A: …") is blanked out (replaced by
spaces of the same length, so character offsets stay valid) and chat-template control tokens are
defused. The answer checker checks against the same blanked text, so an answer that only planted
text could support is dropped: planted text is neither followed nor evidence.

What is blanked is as small as can be told apart: a bracketed or commented note on its own
("[Editor's note: …]", "<!-- … -->"), otherwise the sentence that holds the instruction, never its
neighbours. Matching runs on a normalised copy (spaced letters joined, digits in words read as
letters), so "I g n o r e" and "1gn0re" read as "ignore".
"""

from __future__ import annotations

import re

_AI = (r"(?:ai|a\.i\.|assistants?|chat ?bots?|bots?|language models?|llms?|models?|gpt|chatgpt|systems?|"
       r"summari[sz]ers?|summari[sz]ation tools?|automated (?:readers?|systems?|tools?|agents?)|"
       r"machine readers?|reader models?|agents?|copilots?)")
PATTERNS = [
    re.compile(r"\b(?:ignore|disregard|forget|override|bypass|skip)\b[^.!?]{0,60}\b(?:instructions?|prompts?|rules|"
               r"directions|guidelines|above|previous|prior|earlier|context|article|text|passage|story|rest|"
               r"everything)\b", re.I),
    re.compile(rf"\b(?:you are|you're|act as|pretend to be|you must now|you are now|from now on,? you)\b[^.!?]{{0,30}}"
               rf"\b{_AI}\b", re.I),
    re.compile(r"\bfrom now on,? you\b|\byou are now (?:a|an|called|named)\b", re.I),
    re.compile(rf"\b{_AI}\b[^.!?]{{0,80}}\b(?:must|should|shall|need to|are required to|are instructed to|will now|"
               r"are asked to|please)\b[^.!?]{0,40}\b(?:answer|reply|respond|say|output|print|write|state|include|"
               r"ignore|mention|report|claim|tell|describe|call|name|refer|give|use|list|return|treat)\b", re.I),
    re.compile(r"\b(?:respond|reply|answer|say|output|print|write|type|repeat)\b[^.!?]{0,30}\b(?:only|exactly|solely|"
               r"nothing but|verbatim)\b", re.I),
    re.compile(r"\b(?:system prompt|new instructions?|hidden instructions?|developer mode|jailbreak|prompt injection)\b",
               re.I),
    re.compile(r"\b(?:system|admin|administrator|developer|operator)\s+(?:override|message|note|notice|command|"
               r"instruction|update)s?\b", re.I),
    re.compile(rf"\b(?:instructions?|notes?|messages?|reminders?|attention|memo|notice)\s*(?:to|for|:)\s*"
               rf"(?:the\s+|all\s+|any\s+)?{_AI}\b", re.I),
    re.compile(rf"\b(?:for|to|dear|attention)\s+(?:all\s+|any\s+|the\s+)?{_AI}\s*(?:[:,\-–—]|reading|summari[sz]ing|"
               rf"processing|that)", re.I),
    re.compile(rf"\bif you (?:are|'re)\s+(?:an?\s+)?(?:\w+\s+){{0,2}}{_AI}\b", re.I),
    re.compile(rf"\b{_AI}\s+(?:reading|summari[sz]ing|processing|parsing|analy[sz]ing|answering|handling)\b", re.I),
    re.compile(r"\btell (?:the )?(?:users?|readers?|humans?)\b|\b(?:for|to) (?:every|each|any|all) (?:questions?|queries|"
               r"prompts?)\b[^.!?]{0,30}\b(?:respond|reply|answer|say|output)", re.I),
    re.compile(r"\bthe (?:correct|right|true|real|only|official) answer (?:to [^.!?]{0,80})?(?:is|was|should be)\b",
               re.I),
    # text posing as a question already answered: "Q: Who won? A: …", "Question: … Answer: …"
    re.compile(r"(?:^|[\s\[(>*#-])(?:q|question)\s*[:.)-]\s*[^?\n]{2,200}\?\s*[\"”']?\s*(?:a|answer)\s*[:.)-]", re.I),
    re.compile(r"[\"']answer[\"']\s*:", re.I),  # {"answer": "…"}
    re.compile(r"(?:^|\s)#{2,}\s*(?:instruction|system|prompt|response|assistant)s?\b|\[\s*(?:system|inst|"
               r"instructions?|assistant|admin)\s*\]|<\s*/?\s*(?:system|instructions?|assistant)\s*>", re.I),
    # other languages: "ignore the instructions", "answer only"
    re.compile(r"\b(?:ignor\w*|olvid\w*|oubli\w*|vergiss\w*|dimentic\w*|negeer\w*)\b[^.!?]{0,60}\b(?:instru[cç]\w*|"
               r"istruzion\w*|anweisung\w*|consignes?|anleitung\w*|regeln|r[eè]gles|reglas|instructies)\b", re.I),
    re.compile(r"\b(?:r[ée]ponds?|r[ée]pondez|responde|antworte|rispondi|antwoord)\b[^.!?]{0,40}\b(?:seulement|"
               r"uniquement|solo|nur|soltanto|alleen|únicamente|unicamente)\b", re.I),
    re.compile(r"<\|[^|>]{1,40}\|>|\[/?INST\]|<</?SYS>>|^\s*(?:system|assistant)\s*:", re.I | re.M),
]
_CONTROL = re.compile(r"<\|[^|>]{0,40}\|>|\[/?INST\]|<</?SYS>>")
# a note set apart from the sentence it follows: blanked alone when it is the planted part
_NOTE = re.compile(r"\[[^\[\]]{3,600}\]|\([^()]{3,600}\)|<!--.*?-->|\{[^{}]{3,600}\}|\*[^*\n]{3,400}\*", re.S)
# a block opened by a system tag ("[SYSTEM]", "### Instruction") runs to its end tag or paragraph end
_BLOCK = re.compile(r"(?:\[\s*(?:system|inst|instructions?|admin)\s*\]|(?<![^\s])#{2,}\s*(?:instruction|system|prompt)s?\b)"
                    r"[ \t:]*\n.*?(?:#{2,}\s*end\b[^\n]*|(?=\n\s*\n)|$)", re.I | re.S)
# letters spelt out one by one ("i g n o r e   a l l"): news never writes ten in a row
_SPELT = re.compile(r"(?<!\S)(?:\w {1,3}){7,}\w(?!\S)")
_LEET_WORD = re.compile(r"\b(?=\w*[a-zA-Z])(?=\w*\d)\w+\b")
# text posing as a question already answered, up to the end of its answer
_QA = re.compile(r"(?<![\w'])(?:Q|Question)\s*[:.)-]\s*[^?\n]{2,200}\?\s*[\"”']?\s*(?:A|Answer)\s*[:.)-][^\n]*?"
                 r"(?:[.!?][\"”']?(?=\s|$)|$)", re.I)
# sentence ends, line breaks, and a "Q:" opening a line of its own
_BREAK = re.compile(r"(?<=[.!?])[\"”')\]]*\s+|\n+|\s+(?=(?:Q|Question)\s*[:.)]\s)")
_SPACED = re.compile(r"\b(?:\w[ .]){2,}\w\b")
_LEET = str.maketrans("013457@$", "oieastas")


def _normal(text: str) -> str:
    """Spaced letters joined ("i g n o r e" -> "ignore"), digits inside words read as letters."""
    text = _SPACED.sub(lambda m: re.sub(r"[ .]", "", m.group(0)), text)
    return re.sub(r"\b(?=[\w@$]*[a-zA-Z])(?=[\w@$]*[013457@$])[\w@$]+", lambda m: m.group(0).translate(_LEET), text)


def is_planted(text: str) -> bool:
    norm = _normal(text)
    if any(p.search(text) or p.search(norm) for p in PATTERNS):
        return True
    # a sentence written mostly in digits-for-letters ("7H3 M4RK37 15 N0W…") is disguised, not news
    tokens = re.findall(r"\w+", text)
    leet = [t for t in tokens if _LEET_WORD.fullmatch(t) and not re.fullmatch(r"\d+(?:st|nd|rd|th|s|am|pm|km|m|kg|g|ml|mm|cm)", t, re.I)]
    return len(leet) >= 3 and len(leet) * 2 >= len(tokens)


def _segments(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in _BREAK.finditer(text):
        if m.start() > start:
            out.append((start, m.start()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


def _inside(i: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= i < b for a, b in spans)


def _spelt_end(text: str, end: int) -> int:
    """A spelt-out run ends its sentence unless lower-case words carry it on ("… and say X won.")."""
    m = re.match(r"\s+[a-z][^.!?\n]*[.!?]?", text[end:])
    return end + m.end() if m else end


def planted_spans(text: str) -> list[tuple[int, int]]:
    """Spans of planted text: notes that hold an instruction on their own, then whole sentences."""
    # a bare tag ("[SYSTEM]") heads the sentence it opens: that sentence goes, by the step below
    spans = [(m.start(), m.end()) for m in _BLOCK.finditer(text)]
    spans += [(m.start(), m.end()) for m in _QA.finditer(text) if not _inside(m.start(), spans)]
    spans += [(m.start(), _spelt_end(text, m.end())) for m in _SPELT.finditer(text)
              if (len(m.group(0).replace(" ", "")) >= 10 or is_planted(m.group(0))) and not _inside(m.start(), spans)]
    spans += [(m.start(), m.end()) for m in _NOTE.finditer(text)
              if len(m.group(0).split()) >= 3 and is_planted(m.group(0)) and not _inside(m.start(), spans)]
    chars = list(text)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    rest = "".join(chars)
    spans += [(a, b) for a, b in _segments(rest) if rest[a:b].strip() and is_planted(rest[a:b])]
    return sorted(spans)


def blank_planted(text: str) -> tuple[str, int]:
    """The text with planted instructions replaced by spaces (same length), and how many."""
    spans = planted_spans(text)
    chars = list(text)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return _CONTROL.sub(lambda m: " " * len(m.group(0)), "".join(chars)), len(spans)


def for_prompt(blanked: str, removed: int) -> str:
    """Collapse the blanked text for the prompt, noting where something was removed."""
    text = re.sub(r" {6,}", " [instruction-like text removed] ", blanked) if removed else blanked
    return " ".join(text.split())
