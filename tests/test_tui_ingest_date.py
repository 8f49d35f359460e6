"""Pilot test of the library's ingest form: the date field beside the outlet goes to articles whose
files give none; a bad date is one red line and nothing is ingested."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.tui.screens import LibraryScreen
from tests.tui_support import make, of, text_of, until


@pytest.mark.anyio
async def test_library_ingest_date_field(tmp_path):
    from bot.core.index import Index
    from tests.fakes import HashEmbedder

    news = tmp_path / "news"
    news.mkdir()
    (news / "plain.txt").write_text("Council opens new library\n\nThe town council opened a new library on Monday.\n")
    settings = Settings(index_dir=tmp_path / "lib")
    index = Index(settings, embedder=HashEmbedder())
    app, _ = make(settings, index=index)
    posted = []
    async with app.run_test(size=(100, 30), message_hook=posted.append) as pilot:
        await until(pilot, lambda: app.main.index_counts == (0, 0))
        app.main.sources.list.focus()
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen))
        screen = app.screen
        table = screen.query_one("#articles")
        date = screen.query_one("#ingest-date")
        assert date.placeholder == "its date, YYYY-MM-DD (optional)"
        screen.query_one("#ingest-path").value = str(news)
        date.value = "2024-13-40"
        date.focus()
        await pilot.press("enter")
        await until(pilot, lambda: "Bad date" in text_of(screen.query_one("#library-status")))
        status = text_of(screen.query_one("#library-status"))
        assert "2024-13-40" in status and len(status.strip().splitlines()) == 1
        assert not of(posted, LibraryScreen.Ingested) and app.focused is date

        date.value = "2024-05-07"
        screen.query_one("#ingest-outlet").value = "Gazette"
        await pilot.press("enter")
        await until(pilot, lambda: of(posted, LibraryScreen.Ingested) and table.row_count == 1, timeout=20)
    [row] = index.articles()
    assert (row.date, row.outlet) == ("2024-05-07", "Gazette")
