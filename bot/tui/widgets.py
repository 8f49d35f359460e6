"""Widgets of the newsbot TUI. Each widget owns the messages it posts (nested `Message`
dataclasses) and renders the same core objects the CLI prints (`Answer`, `Citation`, briefs);
the rendering itself is in `bot.tui.render` and `bot.tui.checks`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, ListItem, ListView, Static

from bot.core.types import Answer, Brief, Citation
from bot.tui.checks import render_checks
from bot.tui.render import (  # noqa: F401 (re-exported: the tests and screens import them from here)
    CURSOR, MARKER_STYLE, QUOTE_STYLE, UNCHECKED_STYLE, article_paragraphs, brief_citations, brief_footer,
    differences, find_quote, highlight, marker, plural, render_brief, render_sentences, render_source,
)


class QuestionBox(Input):
    """The question box. `/` is the key for "ask": typed into the box while it is empty or still
    holds the question just asked, it selects that text for replacing instead of typing a slash
    (focus stays in the box while an answer is written, and at start)."""

    asked = ""

    async def _on_key(self, event: events.Key) -> None:
        if event.character == "/" and self.value.strip() in ("", self.asked):
            event.stop()
            event.prevent_default()
            self.select_all()
            return
        await super()._on_key(event)


class AnswerView(Static):
    """The question and its answer: the stage, then streamed raw text while generating, then the
    checked sentences with clickable citation markers and the checks. Also notices and errors."""

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
        self.stage_text = ""
        self.answer: Answer | None = None

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
        self.stage("Searching the articles…")

    def stage(self, text: str) -> None:
        """What is happening now (retrieving, reading N passages, writing, checking)."""
        if self.state != "streaming":
            return
        self.stage_text = text
        self._streaming()

    def _streaming(self) -> None:
        body = Text(self.stage_text + "\n\n" if self.stage_text else "", style="dim italic")
        if self.raw:
            body.append(self.raw)
            body.append(CURSOR, style="bold")
        self._show(body)

    def append(self, token: str) -> None:
        if self.state != "streaming":
            return
        self.raw += token
        self._streaming()

    def show_answer(self, answer: Answer) -> None:
        self.state = "answer"
        self.heading = "Q: " + answer.question + (f"\nSearched for: {answer.standalone}" if answer.standalone else "")
        body = Text()
        if answer.refused and answer.refusal_reason == "cancelled":
            body.append("Cancelled.", style="bold yellow")
            if answer.raw:
                body.append("\nPartial, unchecked text: ", style="dim")
                body.append(answer.raw, style="dim italic")
            body.append("\nPress / to ask again.", style="dim")
        elif answer.refused:
            body.append(answer.answer or "The articles don't say.", style="bold")
            if answer.sentences:
                body.append("\n\n")
                body.append_text(render_sentences(answer.sentences))
        elif answer.sentences:
            body.append_text(render_sentences(answer.sentences))
        else:
            body.append(answer.answer)
        self.answer = answer
        checks = render_checks(answer, self.content_size.width)
        if checks:
            body.append("\n\n")
            body.append("Checks\n", style="bold underline")
            body.append_text(checks)
        foot = [answer.model] if answer.model else []
        if answer.citations:
            foot.append(plural(len(answer.citations), "source"))
        if answer.completion_tokens:
            foot.append(plural(answer.completion_tokens, "token") + " written")
        if foot:
            body.append("\n\n" + " · ".join(foot), style="dim")
        self._show(body)

    def on_resize(self) -> None:
        if self.state == "answer" and self.answer is not None:
            self.show_answer(self.answer)  # the checks' indented blocks wrap to the new width

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


class BriefExtras(Vertical):
    """Under a briefing: where outlets differ (each version an indented block, labelled by its
    outlet or file and its marker), and how many passages and articles it drew on."""

    DEFAULT_CSS = """
    BriefExtras { height: auto; padding: 0 1; }
    BriefExtras > .diff-title { text-style: bold; margin-top: 1; }
    BriefExtras > .diff-detail { padding-left: 1; }
    BriefExtras > .diff-version { padding-left: 4; }
    BriefExtras > .brief-count { color: $text-muted; margin-top: 1; }
    """

    async def show(self, brief: Brief | None) -> None:
        await self.remove_children()
        if brief is None:
            return
        widgets: list[Static] = []
        diffs = differences(brief)
        if diffs:
            widgets.append(Static("Where outlets differ", classes="diff-title"))
        for detail, versions in diffs:
            widgets.append(Static(Text("• " + detail, style="bold"), classes="diff-detail"))
            for who, text, n in versions:
                line = Text.assemble((who + ": ", "italic"), text)
                if n is not None:
                    line.append(" ")
                    line.append_text(marker(n))
                widgets.append(Static(line, classes="diff-version"))
        widgets.append(Static(brief_footer(brief), classes="brief-count"))
        await self.mount_all(widgets)

    @property
    def plain(self) -> str:
        return "\n".join(str(s.render().plain) for s in self.query(Static))  # type: ignore[union-attr]


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
    """Title line, the list of cited passages, and why it is empty when it is."""

    DEFAULT_CSS = """
    SourcesPane { height: 1fr; }
    SourcesPane > SourceList { height: 1fr; }
    SourcesPane > #sources-empty { padding: 0 1; color: $text-muted; height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Static("No sources yet: ask a question, and the passages it cites appear here.", id="sources-empty")
        yield SourceList(id="sources")

    def on_mount(self) -> None:
        self.border_title = "Sources"

    @property
    def list(self) -> SourceList:
        return self.query_one(SourceList)

    @property
    def empty_reason(self) -> str:
        return str(self.query_one("#sources-empty", Static).render())

    async def show(self, citations: list[Citation], title: str = "Sources", why_empty: str = "") -> None:
        lst = self.list
        await lst.clear()
        self.border_title = f"{title} ({len(citations)})" if citations else title
        empty = self.query_one("#sources-empty", Static)
        empty.display = not citations
        empty.update(why_empty or "Nothing is cited here.")
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


def why_no_sources(answer: Answer) -> str:
    """What the empty Sources pane says after an answer that cites nothing."""
    if answer.refused and answer.refusal_reason == "cancelled":
        return "Cancelled before anything was cited."
    if answer.refused:
        return "A refusal cites nothing: the closest passages are listed under the answer (Checks)."
    return "This answer cites no passage."


class StatusLine(Static):
    """One line above the footer: index size, model, what is running."""

    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; }
    """

    busy_text = ""


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
