"""Pilot tests of the TUI: they drive the real app (built by `build_app`, like the CLI does) with a
scripted model, asserting on widgets and on the messages posted; plus SVG snapshots of the main
screens (cursor blinking off). Fast: no real model."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from textual.css.query import NoMatches

from bot.config import Settings
from bot.core.types import Answer, Citation, Sentence
from bot.errors import ModelError
from bot.tui.app import MainScreen, build_app
from bot.tui.screens import ArticleScreen, HelpScreen, HistoryScreen, LibraryScreen
from bot.tui.widgets import QUOTE_STYLE, AnswerView, SourceItem, SourceList

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
TEXT = (SEEDS / "000_f5417470653ab08f.txt").read_text(encoding="utf-8")
QUOTE = "Wang Junzheng, the secretary of the party committee of the Xinjiang Production and Construction Corps"
QUESTION = "Which officials were sanctioned?"
RAW = "The Treasury sanctioned Wang Junzheng and Chen Mingguo [1]."


class FakeIndex:
    def __init__(self, empty: bool = False):
        self.empty = empty
        self.ingested: list[Path] = []

    def counts(self):
        return (0, 0) if self.empty else (2, 12)

    def articles(self, source=None, since=None, until=None):
        rows = [] if self.empty else [
            {"id": "a1", "title": "Biden Adds Sanctions To China For Uyghur Mistreatment", "outlet": "Fox",
             "date": "2021-03-22", "file": "000_f5417470653ab08f.txt", "chunks": 6},
            {"id": "a2", "title": "US sanctions Chinese officials", "outlet": "Daily Caller",
             "date": "2021-03-22", "file": "001_f1ab6b9cd4ab454a.txt", "chunks": 4},
        ]
        return [r for r in rows if not source or r["outlet"] == source]

    def article(self, article_id):
        return {"id": article_id, "title": "Biden Adds Sanctions To China For Uyghur Mistreatment", "outlet": "Fox",
                "date": "2021-03-22", "file": "000_f5417470653ab08f.txt", "text": TEXT}

    def ingest(self, paths, outlet=None, progress=None):
        for i, p in enumerate(paths):
            progress and progress(i + 1, len(paths), Path(p).name)
            self.ingested.append(Path(p))
        self.empty = False

        class Report:
            def to_json(self):
                return {"files": len(paths), "articles_added": 2, "failed": []}

        return Report()


def citation() -> Citation:
    s = TEXT.find(QUOTE)
    para_start = TEXT.rfind("\n", 0, s) + 1
    para_end = TEXT.find("\n", s)
    return Citation(1, "a1", "Biden Adds Sanctions To China For Uyghur Mistreatment", "Fox", "2021-03-22",
                    "000_f5417470653ab08f.txt", "a1:1", TEXT[para_start:para_end], QUOTE, s, s + len(QUOTE))


class FakeAnswerer:
    """Streams RAW word by word through on_token; cancel() stops it like the real Answerer."""

    def __init__(self, delay: float = 0.0, error: Exception | None = None):
        self.delay = delay
        self.error = error
        self.cancelled = threading.Event()
        self.index = FakeIndex()
        self.questions: list[str] = []

    def cancel(self):
        self.cancelled.set()

    def ask(self, question, *, on_token=None, keep_unsupported=False, **kw):
        self.questions.append(question)
        if self.error:
            raise self.error
        self.cancelled.clear()
        done = []
        for i, word in enumerate(RAW.split(" ")):
            if self.cancelled.is_set():
                return Answer(question, "The articles don't say.", True, raw=" ".join(done), refusal_reason="cancelled")
            if self.delay:
                time.sleep(self.delay)
            done.append(word)
            if on_token:
                on_token(word if i == 0 else " " + word)
        return Answer(question, "The Treasury sanctioned Wang Junzheng and Chen Mingguo [1].", False,
                      sentences=[Sentence("The Treasury sanctioned Wang Junzheng and Chen Mingguo.", [1], True)],
                      citations=[citation()], model="scripted", raw=RAW, completion_tokens=9)


@pytest.fixture
def tui_settings(tmp_path) -> Settings:
    return Settings(index_dir=Path("index"))


def make(tui_settings, **kw):
    answerer = kw.pop("answerer", None) or FakeAnswerer()
    return build_app(tui_settings, answerer=answerer, index=kw.pop("index", None) or answerer.index,
                     cursor_blink=False, **kw), answerer


async def until(pilot, cond, timeout: float = 5.0) -> None:
    t0 = time.monotonic()
    while True:
        try:
            if cond():
                return
        except (NoMatches, LookupError):  # not mounted yet
            pass
        if time.monotonic() - t0 > timeout:
            raise AssertionError("timed out waiting for the UI")
        await pilot.pause(0.02)


async def ask(pilot, question: str = QUESTION) -> MainScreen:
    main = pilot.app.main
    await until(pilot, lambda: main.index_counts is not None or main.answer_view.state == "error")
    main.question.value = question
    main.question.focus()
    await pilot.press("enter")
    await until(pilot, lambda: main.answer_view.state in ("answer", "error", "brief") and not main.busy)
    await pilot.pause()
    return main


def of(posted, cls) -> list:
    """The distinct messages of a class posted (a bubbling message is seen once per node)."""
    return list({id(m): m for m in posted if isinstance(m, cls)}.values())


def text_of(widget) -> str:
    r = widget.render()
    return getattr(r, "plain", str(r))


# --------------------------------------------------------------------------------------------
@pytest.mark.anyio
async def test_ask_streams_then_settles_with_sources(tui_settings):
    app, answerer = make(tui_settings, answerer=FakeAnswerer(delay=0.01))
    posted = []
    seen_partial = []
    async with app.run_test(size=(100, 30), message_hook=posted.append) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts == (2, 12))
        view = main.answer_view
        append = view.append

        def spy(token):  # what the screen shows after each streamed piece
            append(token)
            seen_partial.append(text_of(view))

        view.append = spy
        main.question.value = QUESTION
        await pilot.press("enter")
        await until(pilot, lambda: main.answer_view.state == "answer")
        await pilot.pause()
        shown = text_of(main.answer_view)
        items = list(main.sources.list.query(SourceItem))
        cards = [text_of(i.query_one(".source-text")) for i in items]
    assert answerer.questions == [QUESTION]
    assert len(seen_partial) == len(RAW.split(" "))  # one update per streamed piece
    assert seen_partial[0].endswith("The▌") and "Wang Junzheng▌" in seen_partial[4]
    assert "Wang Junzheng and Chen Mingguo [1]." in shown
    assert len(items) == 1 and "[1] Biden Adds Sanctions" in cards[0] and "Fox · 2021-03-22" in cards[0]
    ready = [m for m in of(posted, MainScreen.AnswerReady)]
    assert len(ready) == 1 and ready[0].answer.citations[0].quote == QUOTE
    assert any(m.kind == "ask" for m in of(posted, MainScreen.Shown))


@pytest.mark.anyio
async def test_quote_highlighted_in_source_card(tui_settings):
    app, _ = make(tui_settings)
    async with app.run_test(size=(100, 30)) as pilot:
        main = await ask(pilot)
        static = main.sources.list.query_one(SourceItem).query_one(".source-text")
        rich_text = static.render()._text if hasattr(static.render(), "_text") else None
        visual = static.visual if hasattr(static, "visual") else None
    # the renderable given to the Static is a Rich Text with the quote styled
    from bot.tui.widgets import render_source

    rendered = render_source(citation(), expanded=True)
    spans = [rendered.plain[s.start:s.end] for s in rendered.spans if str(s.style) == QUOTE_STYLE]
    assert spans == [QUOTE]


@pytest.mark.anyio
async def test_number_key_selects_source_and_marker_click(tui_settings):
    app, _ = make(tui_settings)
    posted = []
    async with app.run_test(size=(100, 30), message_hook=posted.append) as pilot:
        main = await ask(pilot)
        assert app.focused is main.sources.list  # focus moved off the question box: keys work
        posted.clear()
        await pilot.press("1")
        await pilot.pause()
        assert [m.citation.n for m in of(posted, SourceList.CitationSelected)] == [1]
        assert main.sources.list.selected.n == 1
        assert main.sources.list.query_one(SourceItem).expanded
        posted.clear()
        await pilot.press("7")  # no such source: a warning, nothing selected
        await pilot.pause()
        assert not [m for m in of(posted, SourceList.CitationSelected)]
        posted.clear()
        main.answer_view.action_select_marker(1)  # what clicking "[1]" in the answer runs
        await pilot.pause()
        assert any(m.n == 1 for m in of(posted, AnswerView.MarkerClicked))
        assert (of(posted, SourceList.CitationSelected))


@pytest.mark.anyio
async def test_open_article_scrolled_to_the_span(tui_settings):
    app, _ = make(tui_settings)
    posted = []
    async with app.run_test(size=(80, 24), message_hook=posted.append) as pilot:
        await ask(pilot)
        await pilot.press("1", "o")
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen) and app.screen.span is not None)
        await pilot.pause(0.1)
        screen = app.screen
        assert TEXT[screen.span[0]:screen.span[1]] == QUOTE
        body = screen.query_one("#article-body")
        span_para = screen.query_one(".-span")
        assert QUOTE in text_of(span_para)
        assert body.scroll_y > 0 and span_para.region.y <= 6  # scrolled: the span is at the top
        assert (of(posted, ArticleScreen.Loaded))
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("enter")  # Enter on the focused source opens it too
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen))


@pytest.mark.anyio
async def test_escape_cancels_the_answer_in_progress(tui_settings):
    app, answerer = make(tui_settings, answerer=FakeAnswerer(delay=0.15))
    posted = []
    async with app.run_test(size=(100, 30), message_hook=posted.append) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts is not None)
        main.question.value = QUESTION
        await pilot.press("enter")
        await until(pilot, lambda: main.answer_view.raw)
        assert main.busy == "ask"
        await pilot.press("escape")
        await until(pilot, lambda: not main.busy, timeout=3)
        await pilot.pause()
        shown = text_of(main.answer_view)
    assert answerer.cancelled.is_set()
    assert "Cancelled." in shown
    ready = [m.answer for m in of(posted, MainScreen.AnswerReady)]
    assert ready and ready[0].refusal_reason == "cancelled"


@pytest.mark.anyio
async def test_model_error_is_shown_with_what_to_do(tui_settings):
    err = ModelError("Model not found", "qwen is not in the models dir. Run `newsbot models pull`.")
    app, _ = make(tui_settings, answerer=FakeAnswerer(error=err))
    posted = []
    async with app.run_test(size=(100, 30), message_hook=posted.append) as pilot:
        main = await ask(pilot)
        shown = text_of(main.answer_view)
        assert main.answer_view.state == "error"
    assert "Model not found" in shown and "newsbot models pull" in shown
    assert any(m.task == "ask" for m in of(posted, MainScreen.WorkFailed))


@pytest.mark.anyio
async def test_empty_index_says_how_to_fill_it(tui_settings):
    answerer = FakeAnswerer()
    answerer.index = FakeIndex(empty=True)
    app, _ = make(tui_settings, answerer=answerer)
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts == (0, 0))
        await pilot.pause()
        shown = text_of(main.answer_view)
    assert "The index is empty." in shown and "Library" in shown and "newsbot ingest" in shown


@pytest.mark.anyio
async def test_brief_without_briefing_module_or_with_a_briefer(tui_settings):
    class FakeBriefer:
        def brief(self, topic=None, *, on_token=None, **kw):
            on_token and on_token("Two officials were sanctioned [1].")
            return {"topic": topic, "paragraph": "Two officials were sanctioned [1].",
                    "sentences": [{"text": "Two officials were sanctioned.", "citations": [1], "supported": True}],
                    "citations": [citation().to_json()],
                    "differences": [{"detail": "who announced it", "versions": [
                        {"outlet": "Fox", "text": "the Treasury Department", "citation": 1}]}],
                    "articles_used": ["a1", "a2"]}

    app, _ = make(tui_settings, briefer=FakeBriefer())
    posted = []
    async with app.run_test(size=(100, 30), message_hook=posted.append) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts is not None)
        main.sources.list.focus()
        await pilot.press("b")
        await until(pilot, lambda: main.answer_view.state == "brief")
        await pilot.pause()
        shown = text_of(main.answer_view)
        assert "Briefing: the newest articles" in shown
        assert "Where outlets differ" in shown and "Fox: the Treasury Department [1]" in shown
        assert len(main.sources.list.query(SourceItem)) == 1
    assert (of(posted, MainScreen.BriefReady))


@pytest.mark.anyio
async def test_brief_unavailable_is_explained(tui_settings, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "bot.core.briefing", None)  # import fails like a missing module
    app, _ = make(tui_settings)
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts is not None)
        main.sources.list.focus()
        await pilot.press("b")
        await until(pilot, lambda: main.answer_view.state == "error")
        assert "Briefings not available" in text_of(main.answer_view)


@pytest.mark.anyio
async def test_library_filters_and_ingest_with_progress(tui_settings, tmp_path):
    app, answerer = make(tui_settings)
    posted = []
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.txt").write_text("Title\n\nBody.")
    async with app.run_test(size=(100, 30), message_hook=posted.append) as pilot:
        await until(pilot, lambda: app.main.index_counts is not None)
        app.main.sources.list.focus()
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen))
        screen = app.screen
        table = screen.query_one("#articles")
        await until(pilot, lambda: table.row_count == 2)
        screen.query_one("#filter-outlet").value = "Fox"
        screen.query_one("#filter-outlet").focus()
        await pilot.press("enter")
        await until(pilot, lambda: table.row_count == 1)
        screen.query_one("#ingest-path").value = str(folder)
        screen.query_one("#ingest-path").focus()
        await pilot.press("enter")
        await until(pilot, lambda: (of(posted, LibraryScreen.Ingested)))
        await pilot.pause()
        assert "Ingest done: files: 1, articles added: 2" in text_of(screen.query_one("#library-status"))
        table.focus()
        await pilot.press("enter")  # opens the article of the row
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen))
    assert answerer.index.ingested == [folder]
    assert (of(posted, LibraryScreen.IngestProgress))


@pytest.mark.anyio
async def test_history_reopens_an_answer(tui_settings):
    app, _ = make(tui_settings)
    posted = []
    async with app.run_test(size=(100, 30), message_hook=posted.append) as pilot:
        main = await ask(pilot)
        main.question.value = "Something else?"
        main.question.focus()
        main.answer_view.notice("cleared")
        main.sources.list.focus()
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        ol = app.screen.query_one("#history-list")
        await pilot.pause(0.2)
        await pilot.press("down", "enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen) and main.answer_view.state == "answer")
        await pilot.pause()
        assert "Wang Junzheng" in text_of(main.answer_view)
        assert len(main.sources.list.query(SourceItem)) == 1


@pytest.mark.anyio
async def test_help_screen(tui_settings):
    app, _ = make(tui_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.sources.list.focus()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


# -- snapshots ---------------------------------------------------------------------------------
async def _answered(pilot):
    await ask(pilot)


async def _article(pilot):
    await ask(pilot)
    await pilot.press("1", "o")
    await until(pilot, lambda: isinstance(pilot.app.screen, ArticleScreen) and pilot.app.screen.span is not None)
    await pilot.pause(0.1)


async def _ready(pilot):
    await until(pilot, lambda: pilot.app.main.index_counts is not None)
    pilot.app.main.sources.list.focus()


async def _library(pilot):
    await _ready(pilot)
    await pilot.press("l")
    await until(pilot, lambda: isinstance(pilot.app.screen, LibraryScreen)
                and pilot.app.screen.query_one("#articles").row_count == 2)


def test_snapshot_welcome(snap_compare, tui_settings):
    app, _ = make(tui_settings)
    assert snap_compare(app, terminal_size=(80, 24), run_before=lambda p: until(p, lambda: p.app.main.index_counts))


def test_snapshot_answer_80x24(snap_compare, tui_settings):
    app, _ = make(tui_settings)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_answered)


def test_snapshot_answer_120x40(snap_compare, tui_settings):
    app, _ = make(tui_settings)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_answered)


def test_snapshot_article(snap_compare, tui_settings):
    app, _ = make(tui_settings)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_article)


def test_snapshot_library(snap_compare, tui_settings):
    app, _ = make(tui_settings)
    assert snap_compare(app, terminal_size=(100, 30), run_before=_library)


def test_snapshot_help(snap_compare, tui_settings):
    app, _ = make(tui_settings)

    async def _help(pilot):
        await _ready(pilot)
        await pilot.press("question_mark")

    assert snap_compare(app, terminal_size=(80, 24), run_before=_help)
