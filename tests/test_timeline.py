"""`newsbot timeline`: the dated events of a story in order, each a sentence quoted from its
article; time words resolved against the article's date; undated articles after, said so. Invented
dated articles through a real ingest (real embedder), then the seeds."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.config import Settings
from bot.core.index import Index
from bot.core.timeline import event_date, timeline

from conftest import MODELS_DIR, SEEDS
from test_stories import FERRY_A, FERRY_B, FERRY_C, FOOTBALL, VOLCANO, _write


@pytest.mark.parametrize("sentence,article_date,want", [
    ("The bank raised rates on Tuesday.", "2024-05-09", "2024-05-07"),  # a Thursday: the Tuesday before
    ("The bank raised rates today.", "2024-05-09", "2024-05-09"),
    ("The talks collapsed yesterday.", "2024-05-09", "2024-05-08"),
    ("The ship sank on 3 March 2021.", "2024-05-09", "2021-03-03"),
    ("The ship sank on December 30.", "2024-01-02", "2023-12-30"),  # a date after the article's: last year
    ("Talks resume next Monday.", "2024-05-09", "2024-05-13"),
    ("Troops arrived.", "2024-05-09", "2024-05-09"),  # no time words: the article's date
    ("Troops arrived on Monday.", None, None),  # undated article: nothing to resolve against
])
def test_event_dates(sentence, article_date, want):
    assert event_date(sentence, article_date)[0] == want


def test_timeline_orders_dated_events_and_places_undated_after(tmp_path, real_embedder):
    s = Settings(index_dir=tmp_path / "index", models_dir=MODELS_DIR)
    news = tmp_path / "news"
    _write(news, "c_report.json", FERRY_C, "Courier", "2024-05-15")  # added first, but the latest
    _write(news, "a_gazette.json", FERRY_A, "Gazette", "2024-05-11")
    _write(news, "b_tribune.json", FERRY_B, "Tribune")  # undated
    _write(news, "d_football.json", FOOTBALL, "Herald", "2024-05-12")
    _write(news, "e_volcano.json", VOLCANO, "Tribune", "2024-05-12")
    with Index(s, embedder=real_embedder) as idx:
        idx.ingest([news])
        t = timeline(idx, "ferry collision Port Melville")
    assert t.resolved_by == "search" and t.dated >= 3 and t.undated >= 1
    files = [e.file for e in t.events]
    assert set(files) == {"a_gazette.json", "b_tribune.json", "c_report.json"}  # the story's, nothing else
    dated = [e for e in t.events if e.date]
    assert [e.date for e in dated] == sorted(e.date for e in dated)
    assert all(e.date is None for e in t.events[len(dated):])  # undated last
    assert "undated" in t.note and "order they were added" in t.note
    crash = next(e for e in t.events if e.text.startswith("Two ferries collided"))
    assert crash.date == "2024-05-11" and crash.file == "a_gazette.json"
    report = next(e for e in t.events if "released on Monday" in e.text)
    assert report.date == "2024-05-13" and "Monday" in report.when  # Monday before Wednesday 2024-05-15
    for e in t.events:  # every event is a verbatim, located quote
        with Index(s, embedder=real_embedder) as idx:
            assert idx.article(e.article_id).text[e.start:e.end] == e.text


def test_timeline_of_the_seeds(tmp_path, real_embedder):
    s = Settings(index_dir=tmp_path / "index", models_dir=MODELS_DIR)
    with Index(s, embedder=real_embedder) as idx:
        idx.ingest([SEEDS])
    res = CliRunner().invoke(app, ["timeline", "Uyghur sanctions", "--index", str(s.index_dir), "--json"])
    assert res.exit_code == 0, res.output
    t = json.loads(res.output)
    assert t["dated"] >= 2 and t["undated"] >= 1
    first_dated = [e for e in t["events"] if e["date"]]
    # Blinken's meetings "last week" come before the sanctions "Monday" (the article is of 2021-03-22)
    assert first_dated[0]["text"].startswith("Secretary of State Antony Blinken") and first_dated[0]["date"] < "2021-03-22"
    sanctions = next(e for e in first_dated if e["text"].startswith("The United States Treasury announced"))
    assert sanctions["date"] == "2021-03-22" and sanctions["file"] == "001_f1ab6b9cd4ab454a.txt"
    assert t["events"][-1]["date"] is None and t["events"][-1]["file"] == "000_f5417470653ab08f.txt"
    again = json.loads(CliRunner().invoke(app, ["timeline", t["story"], "--index", str(s.index_dir), "--json"]).output)
    assert again["resolved_by"] == "story id" and again["events"] == t["events"]
    text = CliRunner().invoke(app, ["timeline", t["story"], "--index", str(s.index_dir)]).output
    assert "undated articles (in the order they were added)" in text and "2021-03-22" in text


def test_timeline_errors_are_one_line(tmp_path, real_embedder):
    res = CliRunner().invoke(app, ["timeline", "anything", "--index", str(tmp_path / "none")])
    assert res.exit_code == 4 and "Traceback" not in res.output
    s = Settings(index_dir=tmp_path / "index", models_dir=MODELS_DIR)
    with Index(s, embedder=real_embedder) as idx:
        idx.ingest([SEEDS])
    for target in ("  ", "zebra quokka marmalade"):  # nothing given; words no article holds
        res = CliRunner().invoke(app, ["timeline", target, "--index", str(s.index_dir)])
        assert res.exit_code == 2 and "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1
    res = CliRunner().invoke(app, ["stories", "--since", "last tuesday", "--index", str(s.index_dir)])
    assert res.exit_code == 2 and "Bad date" in res.output
