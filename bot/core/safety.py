"""Article text is data, never instructions.

Before a passage goes into a prompt, sentences that address an AI system or try to change its
instructions are blanked out (replaced by spaces of the same length, so character offsets stay
valid) and chat-template control tokens are defused. The answer checker then checks against the
same blanked text, so a sentence that only a planted instruction could support is dropped.
"""

from __future__ import annotations

import re

from bot.core.citations import passage_sentences

_AI = r"(?:ai|a\.i\.|assistants?|chat ?bots?|bots?|language models?|llms?|models?|gpt|chatgpt|systems?)"
PATTERNS = [
    re.compile(r"\b(?:ignore|disregard|forget|override|bypass)\b[^.!?]{0,60}\b(?:instructions?|prompts?|rules|directions|guidelines|above|previous|prior|earlier)\b", re.I),
    re.compile(rf"\b(?:you are|you're|act as|pretend to be|you must now)\b[^.!?]{{0,30}}\b{_AI}\b", re.I),
    re.compile(rf"\b{_AI}\b[^.!?]{{0,80}}\b(?:must|should|shall|need to|are required to|are instructed to|will now)\b[^.!?]{{0,40}}\b(?:answer|reply|respond|say|output|print|write|state|include|ignore)\b", re.I),
    re.compile(r"\b(?:respond|reply|answer|say|output|print|write|type|repeat)\b[^.!?]{0,30}\b(?:only|exactly|solely|nothing but|verbatim)\b", re.I),
    re.compile(r"\b(?:system prompt|new instructions?|hidden instructions?|developer mode|jailbreak|prompt injection)\b", re.I),
    re.compile(r"\b(?:system|admin|administrator|developer|operator)\s+(?:override|message|note|notice|command|instruction)s?\b", re.I),
    re.compile(r"\binstructions?\s+(?:to|for)\s+(?:the\s+)?(?:ai|assistant|model|bot|reader model|language model)\b", re.I),
    re.compile(r"<\|[^|>]{1,40}\|>|\[/?INST\]|<</?SYS>>|^\s*(?:system|assistant)\s*:", re.I | re.M),
]
_CONTROL = re.compile(r"<\|[^|>]{0,40}\|>|\[/?INST\]|<</?SYS>>")


def planted_spans(text: str) -> list[tuple[int, int]]:
    """Spans of sentences that look like instructions aimed at a model."""
    spans = []
    for a, b in passage_sentences(text):
        seg = text[a:b]
        if any(p.search(seg) for p in PATTERNS):
            spans.append((a, b))
    return spans


def blank_planted(text: str) -> tuple[str, int]:
    """The text with planted instructions replaced by spaces (same length), and how many."""
    spans = planted_spans(text)
    if not spans:
        return _CONTROL.sub(lambda m: " " * len(m.group(0)), text), 0
    chars = list(text)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return _CONTROL.sub(lambda m: " " * len(m.group(0)), "".join(chars)), len(spans)


def for_prompt(blanked: str, removed: int) -> str:
    """Collapse the blanked text for the prompt, noting where something was removed."""
    text = re.sub(r" {6,}", " [instruction-like text removed] ", blanked) if removed else blanked
    return " ".join(text.split())
