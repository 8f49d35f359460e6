"""Widgets of the newsbot TUI. Each widget owns the messages it posts (nested `Message`
dataclasses) and renders the same core objects the CLI prints (`Answer`, `Citation`, briefs).

Rendering helpers are plain functions returning Rich `Text`, so they can be tested without an app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import ListItem, ListView, Static

from bot.core.checking import describe as describe_checks
from bot.core.types import Answer, Brief, Citation, Sentence

QUOTE_STYLE = "bold black on yellow"
MARKER_STYLE = "bold cyan"
UNCHECKED_STYLE = "italic red"
CURSOR = "▌"
# context shown around the quote in a source card (characters): the quote stays near the top
BEFORE, AFTER = 60, 160
BEFORE_EXPANDED = 160


# --------------------------------------------------------------------------------------------
# rendering helpers
# --------------------------------------------------------------------------------------------
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


def render_source(c: Citation, expanded: bool = False) -> Text:
    """A source card: marker, title, outlet · date · file, then the passage with the quote
    highlighted: the quote with some context, more of it (to the passage's end) when expanded."""
    out = Text()
    out.append(f"[{c.n}] ", style=MARKER_STYLE)
    out.append(c.title or c.source_file, style="bold")
    meta = " · ".join(x for x in (c.outlet, c.date, c.source_file) if x)
    out.append("\n" + meta + "\n", style="dim")
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


def render_brief(brief: Brief) -> Text:
    """A briefing's checked sentences (or its paragraph), where outlets differ (a difference is
    {"detail", "versions": [{"outlet", "text", "citation": Citation JSON}]}) and the article count."""
    out = Text()
    if brief.sentences:
        out.append_text(render_sentences(brief.sentences))
    else:
        out.append(brief.paragraph or "No briefing could be written from the articles.")
    if brief.differences:
        out.append("\n\nWhere outlets differ", style="bold")
        for d in brief.differences:
            out.append("\n• ")
            out.append(str(d.get("detail", "")), style="bold")
            for v in d.get("versions") or []:
                out.append("\n   ")
                out.append(f"{v.get('outlet') or 'unknown outlet'}: ", style="italic")
                out.append(str(v.get("text", "")))
                n = v.get("citation")
                n = n.get("n") if isinstance(n, dict) else n
                if isinstance(n, int):
                    out.append(" ")
                    out.append_text(marker(n))
    if brief.articles_used:
        out.append(f"\n\n{len(brief.articles_used)} article(s) used", style="dim")
    return out


# --------------------------------------------------------------------------------------------
# answer view
# --------------------------------------------------------------------------------------------
class AnswerView(Static):
    """The question and its answer: streamed raw text while generating, then the checked
    sentences with clickable citation markers. Also shows notices and errors."""

    DEFAULT_CSS = """
    AnswerView { padding: 0 1; width: 100%; height: auto; }
    """

    @dataclass
    class MarkerClicked(Message):
        """A citation marker was clicked."""

        n: int

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.raw = ""
        self.state = "empty"  # empty | notice | streaming | answer | brief | error
        self.heading = ""

    def _show(self, body: Text, heading: str | None = None) -> None:
        out = Text()
        heading = self.heading if heading is None else heading
        if heading:
            out.append(heading + "\n\n", style="bold")
        out.append_text(body)
        self.update(out)

    def notice(self, text: str | Text, heading: str = "") -> None:
        self.state = "notice"
        self.heading = heading
        self._show(text if isinstance(text, Text) else Text(text), heading)

    def begin(self, heading: str) -> None:
        self.state = "streaming"
        self.heading = heading
        self.raw = ""
        self._show(Text("Searching the articles; then the model reads the passages (the first time, it loads)…",
                        style="dim italic"))

    def append(self, token: str) -> None:
        if self.state != "streaming":
            return
        self.raw += token
        body = Text(self.raw)
        body.append(CURSOR, style="bold")
        self._show(body)

    def show_answer(self, answer: Answer) -> None:
        self.state = "answer"
        self.heading = "Q: " + answer.question + (f"  (searched for: {answer.standalone})" if answer.standalone else "")
        body = Text()
        if answer.refused and answer.refusal_reason == "cancelled":
            body.append("Cancelled.", style="bold yellow")
            if answer.raw:
                body.append("\nPartial, unchecked text: ", style="dim")
                body.append(answer.raw, style="dim italic")
        elif answer.refused:
            body.append(answer.answer or "The articles don't say.", style="bold")
            if answer.refusal_reason:
                body.append(f"\n({answer.refusal_reason})", style="dim")
            if answer.sentences:
                body.append("\n\n")
                body.append_text(render_sentences(answer.sentences))
        elif answer.sentences:
            body.append_text(render_sentences(answer.sentences))
            for s in answer.sentences:
                if s.supported and s.checks:
                    checks = describe_checks(answer.question, s.checks, (answer.stages or {}).get("repair"))
                    body.append(f"\n✓ {checks}", style="dim green")
        else:
            body.append(answer.answer)
        foot = [answer.model] if answer.model else []
        if answer.citations:
            foot.append(f"{len(answer.citations)} source(s)")
        if answer.completion_tokens:
            foot.append(f"{answer.completion_tokens} tokens")
        if foot:
            body.append("\n\n" + " · ".join(foot), style="dim")
        self._show(body)

    def show_brief(self, brief: Brief, topic: str | None) -> None:
        self.state = "brief"
        self.heading = "Briefing: " + (topic or "the newest articles")
        self._show(render_brief(brief))

    def show_error(self, title: str, message: str) -> None:
        self.state = "error"
        body = Text()
        body.append(title, style="bold red")
        if message:
            body.append("\n" + message)
        self._show(body)

    def action_select_marker(self, n: int) -> None:
        self.post_message(self.MarkerClicked(n))


# --------------------------------------------------------------------------------------------
# sources pane
# --------------------------------------------------------------------------------------------
class SourceItem(ListItem):
    """One cited passage."""

    DEFAULT_CSS = """
    SourceItem { padding: 0 1 1 1; height: auto; }
    """

    def __init__(self, citation: Citation) -> None:
        super().__init__()
        self.citation = citation
        self.expanded = False

    def compose(self) -> ComposeResult:
        yield Static(render_source(self.citation, self.expanded), classes="source-text")

    def set_expanded(self, expanded: bool) -> None:
        if expanded != self.expanded:
            self.expanded = expanded
            for static in self.query(".source-text").results(Static):  # none yet before compose
                static.update(render_source(self.citation, expanded))


class SourceList(ListView):
    """The cited passages; highlighting one (arrows, number keys, marker clicks) expands it,
    Enter opens its article."""

    @dataclass
    class CitationSelected(Message):
        """Source `citation.n` became the selected one."""

        citation: Citation

    @dataclass
    class OpenArticle(Message):
        """The user asked to open the article of `citation` at its quote."""

        citation: Citation

    @property
    def citations(self) -> list[Citation]:
        return [item.citation for item in self.query(SourceItem)]

    def on_list_view_highlighted(self, event: ListView.Highlighted) -> None:
        if event.list_view is not self:
            return
        for item in self.query(SourceItem):
            item.set_expanded(item is event.item)
        if isinstance(event.item, SourceItem):
            self.post_message(self.CitationSelected(event.item.citation))

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        if event.list_view is self and isinstance(event.item, SourceItem):
            event.stop()
            self.post_message(self.OpenArticle(event.item.citation))

    @property
    def selected(self) -> Citation | None:
        item = self.highlighted_child
        return item.citation if isinstance(item, SourceItem) else None


class SourcesPane(Vertical):
    """Title line plus the list of cited passages."""

    DEFAULT_CSS = """
    SourcesPane { height: 1fr; }
    SourcesPane > SourceList { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield SourceList(id="sources")

    def on_mount(self) -> None:
        self.border_title = "Sources"

    @property
    def list(self) -> SourceList:
        return self.query_one(SourceList)

    async def show(self, citations: list[Citation], title: str = "Sources") -> None:
        lst = self.list
        await lst.clear()
        self.border_title = f"{title} ({len(citations)})" if citations else title
        if citations:
            await lst.extend([SourceItem(c) for c in citations])
            lst.index = 0  # the first source starts selected (expanded)

    def select(self, n: int) -> Citation | None:
        """Select source n (1-based marker number); returns it, or None when there is no such source."""
        lst = self.list
        for i, item in enumerate(lst.query(SourceItem)):
            if item.citation.n == n:
                if lst.index == i:
                    item.set_expanded(True)
                    lst.post_message(SourceList.CitationSelected(item.citation))
                lst.index = i
                lst.focus()
                self.call_after_refresh(item.scroll_visible, top=True, animate=False)
                return item.citation
        return None


class StatusLine(Static):
    """One line above the footer: index size, model, what is running."""

    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; }
    """

    busy_text = ""


def article_paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the non-empty lines of an article."""
    out = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


class ArticleBody(VerticalScroll):
    """A whole article as paragraphs; the quoted span is highlighted and scrolled into view."""

    DEFAULT_CSS = """
    ArticleBody > .paragraph { margin: 0 0 1 0; padding: 0 1; }
    ArticleBody > .-span { border-left: thick $warning; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.span: tuple[int, int] | None = None

    async def show(self, text: str, span: tuple[int, int] | None) -> Static | None:
        self.span = span
        await self.remove_children()
        first: Static | None = None
        widgets = []
        for a, b in article_paragraphs(text):
            para = Text(text[a:b])
            hit = span is not None and a < span[1] and span[0] < b
            if hit:
                para.stylize(QUOTE_STYLE, max(0, span[0] - a), min(b, span[1]) - a)
            w = Static(para, classes="paragraph" + (" -span" if hit else ""))
            if hit and first is None:
                first = w
            widgets.append(w)
        await self.mount_all(widgets)
        return first
