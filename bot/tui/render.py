"""Rendering helpers of the TUI: plain functions from the core objects (`Answer`, `Citation`,
`Brief`) to Rich `Text` for the screen, or to plain text for the clipboard. Testable without an app."""

from __future__ import annotations

from typing import Iterable

from rich.style import Style
from rich.text import Text

from bot.core import explain
from bot.core.types import Answer, Brief, Citation, Sentence

QUOTE_STYLE = "bold black on yellow"
MARKER_STYLE = "bold cyan"
UNCHECKED_STYLE = "italic red"
CURSOR = "▌"
# context shown around the quote in a source card (characters): the quote stays near the top
BEFORE, AFTER = 60, 160
BEFORE_EXPANDED = 160


def plural(n: int, word: str, many: str | None = None) -> str:
    """"1 source", "2 sources" (not "1 source(s)")."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def marker(n: int) -> Text:
    """A citation marker `[n]`; clicking it selects source n (action on the answer view)."""
    return Text(f"[{n}]", style=Style.parse(MARKER_STYLE) + Style(meta={"@click": f"select_marker({n})"}))


def render_sentences(sentences: Iterable[Sentence]) -> Text:
    """Checked sentences with their markers; sentences that failed the check are flagged."""
    out = Text()
    for i, s in enumerate(sentences):
        if i:
            out.append(" ")
        body = s.text.rstrip()
        end = body[-1] if body and body[-1] in ".!?" and s.citations else ""
        body = body[:-1].rstrip() if end else body
        if s.supported:
            out.append(body)
        else:
            out.append("⚠ unchecked: ", style="bold red")
            out.append(body, style=UNCHECKED_STYLE)
        if s.citations:
            out.append(" ")
        for n in s.citations:
            out.append_text(marker(n))
        out.append(end, style=UNCHECKED_STYLE if not s.supported else "")
        if not s.supported and s.reason:
            out.append(f" ({s.reason})", style="dim red")
    return out


def find_quote(text: str, quote: str, start: int | None = None, end: int | None = None) -> tuple[int, int] | None:
    """Where `quote` lies in `text`: the given offsets when they match, else the first occurrence."""
    if not quote:
        return None
    if start is not None and end is not None and 0 <= start < end <= len(text) and text[start:end] == quote:
        return start, end
    i = text.find(quote)
    if i >= 0:
        return i, i + len(quote)
    # whitespace may differ between the quote and the text: match on the first words
    head = " ".join(quote.split()[:6])
    i = text.find(head) if head else -1
    return (i, min(len(text), i + len(quote))) if i >= 0 else None


def highlight(text: str, span: tuple[int, int] | None) -> Text:
    out = Text(text)
    if span:
        out.stylize(QUOTE_STYLE, span[0], span[1])
    return out


def source_meta(c: Citation) -> str:
    return " · ".join(x for x in (c.outlet, c.date, c.source_file) if x)


def render_source(c: Citation, expanded: bool = False) -> Text:
    """A source card: marker, title, outlet · date · file, then the passage with the quote
    highlighted: the quote with some context, more of it (to the passage's end) when expanded."""
    out = Text()
    out.append(f"[{c.n}] ", style=MARKER_STYLE)
    out.append(c.title or c.source_file, style="bold")
    out.append("\n" + source_meta(c) + "\n", style="dim")
    passage = c.passage or c.quote
    span = find_quote(passage, c.quote)
    if span is None:
        out.append_text(Text(passage.strip()))
        if c.quote and c.quote != passage:
            out.append("\n“")
            out.append(c.quote, style=QUOTE_STYLE)
            out.append("”")
        return out
    a, b = span
    before, after = (BEFORE_EXPANDED, len(passage)) if expanded else (BEFORE, AFTER)
    lo = _start_near(passage, max(0, a - before), a)
    while lo < a and passage[lo].isspace():
        lo += 1
    hi = min(len(passage), b + after)
    if hi < len(passage):
        sp = passage.rfind(" ", b, hi)
        hi = sp if sp > b else hi
    if lo > 0:
        out.append("…")
    out.append_text(highlight(passage[lo:hi], (a - lo, b - lo)))
    if hi < len(passage):
        out.append("…")
    return out


def _start_near(text: str, lo: int, a: int) -> int:
    """A start for an excerpt at or after `lo` and before `a`: a sentence start if there is one
    in between, else a word start."""
    if lo <= 0:
        return 0
    for mark in (". ", "? ", "! ", "\n"):
        i = text.find(mark, lo, a)
        if i >= 0:
            return i + len(mark)
    sp = text.find(" ", lo, a)
    return sp + 1 if sp >= 0 else lo


def brief_citations(brief: Brief) -> list[Citation]:
    return list(brief.citations)


def outlet_label(brief: Brief, version: dict) -> str:
    """Who reported a version: its outlet, else the cited article's file (never a truncated lead
    sentence, which is what the core falls back to when an article names no outlet)."""
    n = version.get("citation")
    n = n.get("n") if isinstance(n, dict) else n
    c = next((c for c in brief.citations if c.n == n), None)
    if c is not None:
        return c.outlet or c.source_file  # the version's marker [n] follows its text
    who = str(version.get("outlet") or "unknown outlet")
    return who if len(who) <= 30 else "an article without an outlet"


def render_brief(brief: Brief) -> Text:
    """A briefing's checked sentences (or its paragraph) and what it drew on. Where outlets differ
    is rendered apart (`differences`), so its lines can be indented as blocks."""
    out = Text()
    if brief.sentences:
        out.append_text(render_sentences(brief.sentences))
    else:
        out.append(brief.paragraph or "No briefing could be written from the articles.")
    return out


def brief_footer(brief: Brief) -> str:
    """The same count the Sources title shows (passages), and the articles they come from."""
    bits = [plural(len(brief.citations), "passage") + " cited"]
    if brief.articles_used:
        bits.append("from " + plural(len(brief.articles_used), "article"))
    return " ".join(bits)


def differences(brief: Brief) -> list[tuple[str, list[tuple[str, str, int | None]]]]:
    """(detail, [(who, text, n)]) for each difference between outlets."""
    out = []
    for d in brief.differences or []:
        versions = []
        for v in d.get("versions") or []:
            n = v.get("citation")
            n = n.get("n") if isinstance(n, dict) else n
            versions.append((outlet_label(brief, v), " ".join(str(v.get("text", "")).split()),
                             n if isinstance(n, int) else None))
        out.append((str(d.get("detail", "")), versions))
    return out


def article_paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the non-empty lines of an article."""
    out = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


# -- plain text, for the clipboard ---------------------------------------------------------------
def source_plain(c: Citation) -> str:
    """One cited passage as plain text: where it is from, the quote, the passage."""
    head = f"[{c.n}] {c.title or c.source_file}"
    meta = source_meta(c)
    lines = [head, f"    {meta}" if meta else "", f"    “{c.quote}”" if c.quote else ""]
    if c.passage and c.passage.strip() != (c.quote or "").strip():
        lines.append("    Passage: " + " ".join(c.passage.split()))
    return "\n".join(x for x in lines if x)


def answer_plain(answer: Answer) -> str:
    """An answer with its citations as plain text: question, answer with [n] markers, then each
    source with its file and the quoted evidence (a refusal: its reason and the closest passages)."""
    lines = [f"Q: {answer.question}"]
    if answer.standalone:
        lines.append(f"Searched for: {answer.standalone}")
    lines.append("")
    if answer.refused and answer.refusal_reason == "cancelled":
        lines.append("Cancelled." + (f" Partial, unchecked text: {answer.raw}" if answer.raw else ""))
    else:
        lines.append(answer.answer or "The articles don't say.")
    if answer.citations:
        lines += ["", "Sources:"] + [source_plain(c) for c in answer.citations]
    elif answer.refused and answer.refusal_reason != "cancelled":
        why = explain.refusal(answer)  # the same words as the checks view and `ask`
        lines.append(f"Why: {why.why}.")
        if why.closest:
            lines += ["", "Closest passages:"]
            lines += [f"- {c.title or c.source_file}" + (f" ({c.source_file})" if c.title else "") for c in why.closest]
    return "\n".join(lines) + "\n"


def brief_plain(brief: Brief) -> str:
    lines = [f"Briefing: {brief.topic or 'the newest articles'}", "", brief.paragraph or ""]
    for detail, versions in differences(brief):
        lines += ["", f"Where outlets differ: {detail}"] + [f"  {who}: {text}" for who, text, _n in versions]
    if brief.citations:
        lines += ["", "Sources:"] + [source_plain(c) for c in brief.citations]
    return "\n".join(lines) + "\n"
