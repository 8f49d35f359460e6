"""Pilot tests of the stories screen and a story's timeline: an index of two stories (the seeds,
one story of two reports, and an invented football report), the table at 80 columns, the live
filter, Enter on a story (its events in order), Enter on an event (the article at the quoted
sentence), Esc back; the palette entry. Hash embedder and a scripted model: no real model."""

from __future__ import annotations

import json
import shutil

import pytest
from textual.command import CommandPalette

from bot.config import Settings
from bot.tui.app import MainScreen
from bot.tui.commands import ACTIONS
from bot.tui.screens import ArticleScreen, StoriesScreen, TimelineScreen
from bot.tui.screens.stories import UNDATED, date_span
from tests.tui_support import SEEDS, make, text_of, until

FOOTBALL = ("Riverton Rovers won the national football cup final 3-1 at Eastfield Stadium on Saturday, with striker "
            "Malik Osei scoring twice in the second half. Rovers coach Dana Whitfield praised her defence. It is the "
            "club's first cup in thirty years, and thousands of fans celebrated in Riverton overnight.")


@pytest.fixture(scope="module")
def two_stories(tmp_path_factory):
    from bot.core.index import Index
    from tests.fakes import HashEmbedder

    root = tmp_path_factory.mktemp("stories")
    news = root / "news"
    news.mkdir()
    (news / "football.json").write_text(json.dumps(
        {"title": "Rovers win the cup", "text": FOOTBALL, "source": "Herald", "date": "2024-05-12"}))
    for f in SEEDS.glob("*.txt"):
        shutil.copy(f, news / f.name)
    settings = Settings(index_dir=root / "index")
    index = Index(settings, embedder=HashEmbedder())
    index.ingest([news])
    return settings, index


async def _stories(pilot) -> StoriesScreen:
    app = pilot.app
    await until(pilot, lambda: app.main.index_counts is not None)
    app.main.sources.list.focus()
    await pilot.press("s")
    await until(pilot, lambda: isinstance(app.screen, StoriesScreen) and app.screen.query_one("#stories").row_count == 2)
    return app.screen


def test_date_span():
    assert date_span(None, None) == "undated"
    assert date_span("2021-03-22", "2021-03-22") == "2021-03-22"
    assert date_span("2021-03-15", "2021-03-22") == "2021-03-15–03-22"
    assert date_span("2021-12-30", "2022-01-02") == "2021-12-30–2022-01-02"


@pytest.mark.anyio
async def test_stories_list_filter_timeline_and_article_at_the_span(two_stories):
    from bot.core.stories import list_stories
    from bot.core.timeline import timeline

    settings, index = two_stories
    want = list_stories(index)
    sanctions = next(s for s in want if "Treasury" in s.headline)
    events = timeline(index, sanctions.id).events
    app, _ = make(settings, index=index)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _stories(pilot)
        table = screen.query_one("#stories")
        assert [str(k.value) for k in table.rows] == [s.id for s in want]  # the core's order
        widths = sum(c.get_render_width(table) for c in table.columns.values())
        assert widths <= 80 and table.max_scroll_x == 0
        row = table.get_row(sanctions.id)
        assert row[0].plain == sanctions.headline and row[2:4] == [str(len(sanctions.articles)), str(sanctions.reports)]
        football = table.get_row(next(s.id for s in want if s is not sanctions))
        assert football[1].plain == "2024-05-12" and "Herald" in football[4].plain
        shown = {b.binding.description for b in screen.active_bindings.values() if b.binding.show}
        assert {"Back", "Open", "Filter"} <= shown
        # the live filter
        box = screen.query_one("#stories-filter")
        box.focus()
        await pilot.press(*"rovers")
        await until(pilot, lambda: table.row_count == 1)
        box.value = "zzzq"
        await until(pilot, lambda: table.row_count == 0)
        assert "No story matches" in text_of(screen.query_one("#stories-status"))
        box.value = ""
        await until(pilot, lambda: table.row_count == 2)
        # Enter on the sanctions story: its timeline, in order
        table.focus()
        table.move_cursor(row=[str(k.value) for k in table.rows].index(sanctions.id))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TimelineScreen) and app.screen.timeline is not None)
        tl = app.screen
        rows = tl.query_one("#events")
        assert rows.row_count == len(events) >= 2
        got = [rows.get_row_at(i) for i in range(rows.row_count)]
        assert [r[0].plain for r in got] == [e.date or UNDATED for e in events]
        assert [r[1].plain for r in got] == [f"“{e.text.strip()}”" for e in events]
        dated = [e.date for e in events if e.date]
        assert dated == sorted(dated) and any(e.date is None for e in events)  # the seeds: one undated
        assert UNDATED in [r[0].plain for r in got][-1]
        assert "Back" in {b.binding.description for b in tl.active_bindings.values() if b.binding.show}
        # Enter on the second event: the article at the quoted sentence
        rows.focus()
        rows.move_cursor(row=1)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen) and app.screen.span is not None)
        e = events[1]
        assert app.screen.article_id == e.article_id and app.screen.span == (e.start, e.end)
        assert e.text.strip()[:40] in text_of(app.screen.query_one(".-span"))
        # Esc back, screen by screen
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is tl)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))


def test_the_palette_has_the_stories_entry():
    assert ("stories", "s") in {(a, k) for _t, _h, a, k in ACTIONS}


@pytest.mark.anyio
async def test_palette_opens_the_stories(two_stories):
    settings, index = two_stories
    app, _ = make(settings, index=index)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.main.index_counts is not None)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"stories")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, StoriesScreen) and app.screen.query_one("#stories").row_count == 2)


async def open_stories_until(pilot, app, status: str) -> None:
    """Open the stories screen from the sources list and wait until its status line says `status`."""
    await until(pilot, lambda: app.main.index_counts is not None)
    app.main.sources.list.focus()
    await pilot.press("s")
    await until(pilot, lambda: isinstance(app.screen, StoriesScreen)
                and status in text_of(app.screen.query_one("#stories-status")))


@pytest.mark.anyio
async def test_an_empty_index_says_so(tmp_path):
    from bot.core.index import Index
    from tests.fakes import HashEmbedder

    settings = Settings(index_dir=tmp_path / "none")
    app, _ = make(settings, index=Index(settings, embedder=HashEmbedder()))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_stories_until(pilot, app, "index is empty")


@pytest.mark.anyio
async def test_a_failure_to_list_stories_is_shown_in_one_red_line(two_stories, monkeypatch):
    import bot.core.stories
    from bot.errors import NewsbotError

    settings, index = two_stories

    def broken(_index):
        raise NewsbotError("Index is read-only", "copy the index to a writable place.")

    monkeypatch.setattr(bot.core.stories, "list_stories", broken)
    app, _ = make(settings, index=index)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_stories_until(pilot, app, "read-only")
        assert text_of(app.screen.query_one("#stories-status")) == "Index is read-only: copy the index to a writable place."
