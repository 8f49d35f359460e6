"""Stories (bot.store.stories, bot.core.stories, `newsbot stories`): the grouping on its own (made-up
vectors), then invented articles through a real ingest (real embedder, real Chroma): copies of one
wire story are one story and one independent report, two outlets on one event one story and two
reports, unrelated articles apart, a later article joins the right story; and the seeds."""

from __future__ import annotations

import json
import shutil
import sqlite3

import numpy as np
import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.config import Settings
from bot.core.index import Index
from bot.core.stories import headline_of, list_stories, resolve
from bot.store.stories import Item, group, names_of

from conftest import MODELS_DIR, SEEDS

# ----------------------------------------------------------------------------- the grouping alone


def _vec(*hot: int, dim: int = 16) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    for h in hot:
        v[h] = 1.0
    return v / np.linalg.norm(v)


def test_near_copies_join_their_original_and_unrelated_articles_stay_apart():
    items = [Item("a1", _vec(0, 1), frozenset({"qanta"})), Item("b1", _vec(5, 6), frozenset({"gaza"})),
             Item("a2", _vec(9), frozenset(), dup_of="a1"),  # a copy, however unlike its vector looks
             Item("c1", _vec(11), frozenset())]
    of = group(items)
    assert of["a2"] == of["a1"] == "sa1"
    assert len({of["a1"], of["b1"], of["c1"]}) == 3


def test_shared_names_lift_a_borderline_pair_and_dates_far_apart_split_it():
    a, b = _vec(0, 1, 2), _vec(0, 1, 3)  # cosine 0.67: not the same story on the vectors alone
    assert len(set(group([Item("x", a, frozenset()), Item("y", b, frozenset())]).values())) == 2
    names = frozenset({"tora", "bora"})
    other = [Item(f"o{i}", _vec(8 + i), frozenset({f"n{i}"})) for i in range(4)]  # so the names are rare
    of = group([Item("x", a, names), Item("y", b, names)] + other)
    assert of["x"] == of["y"]
    of = group([Item("x", a, names, day=20011201), Item("y", b, names, day=20011220)] + other)
    assert of["x"] != of["y"]  # 19 days apart: another story, whatever they share


def test_assigned_stories_are_kept_and_a_new_article_joins_the_right_one():
    old = [Item("a1", _vec(0, 1), frozenset(), story="sA"), Item("b1", _vec(5, 6), frozenset(), story="sB")]
    of = group(old + [Item("b2", _vec(5, 6, 7), frozenset())])
    assert of == {"a1": "sA", "b1": "sB", "b2": "sB"}


def test_a_bridging_article_merges_the_younger_story_into_the_older():
    items = [Item("a", _vec(0, 1, 2, 3), frozenset(), story="sa"), Item("b", _vec(0, 1, 2, 4), frozenset(), story="sb")]
    of = group(items + [Item("c", _vec(0, 1, 2), frozenset())])  # cos 0.87 to each: they are one story
    assert set(of.values()) == {"sa"}


def test_names_and_headlines():
    assert {"tora", "bora", "pentagon"} <= names_of("The Pentagon says troops searched Tora Bora on Monday.")
    assert "the" not in names_of("The fire spread.") and "monday" not in names_of("On Monday it rained.")
    assert headline_of("Short lead.") == "Short lead"
    h = headline_of("The nation's road toll has risen to 37, after another death on New South Wales roads over the "
                    "holiday period, police said.")
    assert h.endswith("…") and "New South…" not in h and len(h.split()) <= 14


# ----------------------------------------------------------------------------- invented articles, real ingest

WIRE = ("The Reserve Bank of Norland raised its cash rate by half a percentage point to 4.1 per cent on Tuesday, "
        "its largest increase in a decade. Governor Elena Marsh said inflation of 6.2 per cent in the March quarter "
        "left the board no choice. Economists at Kestrel Bank had expected a quarter-point move. Mortgage holders in "
        "Norland will pay about 90 dollars a month more on an average loan. The Norland dollar rose sharply after the "
        "announcement. Marsh said further increases were likely if prices kept rising.")
NEAR = WIRE.replace("Economists at Kestrel Bank had expected a quarter-point move.",
                    "Most economists had expected a quarter-point move, Kestrel Bank said.")
FERRY_A = ("Two ferries collided in Port Melville harbour on Saturday morning, injuring fourteen passengers. "
           "The Harbour Ferries vessel Saltbush struck the Coral Queen near Kinney Wharf in thick fog, harbourmaster "
           "Tom Okafor said. Three of the injured were taken to Melville General Hospital. Ferry services across "
           "Port Melville were suspended for four hours while divers checked both hulls. The Maritime Safety "
           "Authority has opened an investigation into the collision.")
FERRY_B = ("An investigation is under way after the ferries Saltbush and Coral Queen crashed in fog off Kinney Wharf "
           "in Port Melville. Fourteen people were hurt, three seriously enough to go to Melville General Hospital. "
           "Harbourmaster Tom Okafor said visibility was below fifty metres when the Harbour Ferries boats met. "
           "Commuters were stranded for hours as Port Melville ferry services stopped. The Maritime Safety Authority "
           "will interview both crews.")
FERRY_C = ("The Maritime Safety Authority says the Saltbush ferry was travelling too fast for the fog when it hit the "
           "Coral Queen near Kinney Wharf in Port Melville last weekend. Its preliminary report, released on Monday, "
           "found the Harbour Ferries skipper ignored a radar warning. Harbourmaster Tom Okafor welcomed the report. "
           "Fourteen passengers were injured in the collision.")
FOOTBALL = ("Riverton Rovers won the national football cup final 3-1 at Eastfield Stadium, with striker Malik Osei "
            "scoring twice in the second half. Rovers coach Dana Whitfield praised her defence. It is the club's first "
            "cup in thirty years, and thousands of fans celebrated in Riverton overnight.")
VOLCANO = ("Mount Ardent on the island of Selva erupted before dawn, sending ash twelve kilometres into the sky. "
           "Authorities evacuated four villages on its slopes and closed Selva airport. Volcanologist Priya Nair "
           "said lava flows were moving away from populated areas.")


def _write(folder, name, text, outlet, day=None, title=""):
    folder.mkdir(parents=True, exist_ok=True)
    obj = {"title": title or text.split(".")[0], "text": text, "source": outlet}
    if day:
        obj["date"] = day
    (folder / name).write_text(json.dumps(obj))


@pytest.fixture
def real_settings(tmp_path) -> Settings:
    return Settings(index_dir=tmp_path / "index", models_dir=MODELS_DIR)


def _by_story(idx) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in idx.articles():
        out.setdefault(r.story, set()).add(r.file)
    return out


def test_invented_articles_group_into_stories_with_independent_reports(tmp_path, real_settings, real_embedder):
    news = tmp_path / "news"
    _write(news, "wire_herald.json", WIRE, "Herald", "2024-05-07")
    _write(news, "wire_courier.json", WIRE, "Courier", "2024-05-07")  # byte-identical text: one article
    _write(news, "wire_post.json", NEAR, "Post", "2024-05-07")  # near-identical: a copy
    _write(news, "ferry_gazette.json", FERRY_A, "Gazette", "2024-05-11")
    _write(news, "ferry_tribune.json", FERRY_B, "Tribune", "2024-05-11")
    _write(news, "football.json", FOOTBALL, "Herald", "2024-05-12")
    _write(news, "volcano.json", VOLCANO, "Tribune", "2024-05-12")
    with Index(real_settings, embedder=real_embedder) as idx:
        rep = idx.ingest([news])
        assert rep.near_duplicates == 1 and rep.stories == 4
        groups = _by_story(idx)
        assert sorted(map(sorted, groups.values())) == [
            ["ferry_gazette.json", "ferry_tribune.json"], ["football.json"], ["volcano.json"],
            ["wire_courier.json", "wire_post.json"]]  # (Herald's identical file is the same article)
        stories = {s.lead["file"].split("_")[0].split(".")[0]: s for s in list_stories(idx)}
        wire, ferry = stories["wire"], stories["ferry"]
        assert (len(wire.articles), wire.reports, wire.files) == (2, 1, 3)  # three files, one report
        assert (len(ferry.articles), ferry.reports) == (2, 2) and ferry.outlets == ["Gazette", "Tribune"]
        assert stories["football"].reports == 1 and stories["volcano"].reports == 1
        assert ferry.first_date == ferry.last_date == "2024-05-11"
        assert [s.id for s in list_stories(idx, source="gazette")] == [ferry.id]  # filters narrow the articles
        assert list_stories(idx, since="2024-05-12") and all(s.first_date >= "2024-05-12"
                                                               for s in list_stories(idx, since="2024-05-12"))
        ferry_id = ferry.id
    # incremental: a later report of the ferry crash joins its story, the others keep theirs
    _write(tmp_path / "later", "ferry_report.json", FERRY_C, "Courier", "2024-05-13")
    with Index(real_settings, embedder=real_embedder) as idx:
        idx.ingest([tmp_path / "later"])
        after = _by_story(idx)
        assert after[ferry_id] == {"ferry_gazette.json", "ferry_tribune.json", "ferry_report.json"}
        assert {k: v for k, v in after.items() if k != ferry_id} == {k: v for k, v in groups.items() if k != ferry_id}
        assert resolve(idx, "ferry collision in fog").story == ferry_id
        assert resolve(idx, ferry_id[:6]).how == "story id"


def test_seeds_are_one_story_with_two_independent_reports(tmp_path, real_settings, real_embedder):
    with Index(real_settings, embedder=real_embedder) as idx:
        idx.ingest([SEEDS])
    res = CliRunner().invoke(app, ["stories", "--index", str(real_settings.index_dir), "--json"])
    assert res.exit_code == 0, res.output
    stories = json.loads(res.output)
    assert len(stories) == 1
    s = stories[0]
    assert len(s["articles"]) == 2 and s["reports"] == 2
    assert "sanctions" in s["headline"].lower() and s["lead"]["text"].startswith(s["headline"].rstrip("…"))
    arts = json.loads(CliRunner().invoke(app, ["articles", "--index", str(real_settings.index_dir), "--json"]).output)
    assert {a["story"] for a in arts} == {s["id"]}
    text = CliRunner().invoke(app, ["stories", "--index", str(real_settings.index_dir)]).output
    assert "1 stories" in text and "2 independent reports" in text


def test_an_index_without_stories_gets_them_on_first_read_and_keeps_them(tmp_path, real_settings, real_embedder):
    """An index written before stories (schema 2: no story columns): the upgrade adds the columns,
    the first read that needs stories computes them from the stored vectors and saves them."""
    with Index(real_settings, embedder=real_embedder) as idx:
        idx.ingest([SEEDS])
    db = real_settings.index_dir / "registry.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("DROP INDEX articles_story")
    for col in ("story", "story_vec", "names"):
        conn.execute(f"ALTER TABLE articles DROP COLUMN {col}")
    conn.execute("UPDATE meta SET value='2' WHERE key='schema'")
    conn.commit()
    conn.close()
    with Index(real_settings, embedder=real_embedder) as idx:
        assert idx.registry.unassigned_stories() == 2 and 3 in idx.registry.upgraded
        # listing gives the stories as kept (none yet) and never opens the vector store: it must work
        # on a full disk or a read-only store, where Chroma cannot be read
        assert [r.story for r in idx.articles()] == [None, None] and idx._store is None
        gen = idx.generation()
        assert len(set(idx.stories().values())) == 1
        assert idx.registry.unassigned_stories() == 0 and idx.generation() == gen  # saved; keyword index still valid


def test_cli_errors_are_one_line(tmp_path):
    res = CliRunner().invoke(app, ["stories", "--index", str(tmp_path / "none")])
    assert res.exit_code == 4 and "Traceback" not in res.output
    res = CliRunner().invoke(app, ["stories", "--since", "yesterday-ish", "--index", str(tmp_path / "none")])
    assert res.exit_code in (2, 4) and "Traceback" not in res.output


def test_seeds_copied_twice_count_once(tmp_path, real_settings, real_embedder):
    """The same texts in two files each are one article each: the story still has 2 reports."""
    d = tmp_path / "twice"
    d.mkdir()
    for f in SEEDS.glob("*.txt"):
        shutil.copy(f, d / f.name)
        shutil.copy(f, d / ("copy_" + f.name))
    with Index(real_settings, embedder=real_embedder) as idx:
        idx.ingest([d])
        (s,) = list_stories(idx)
        assert (len(s.articles), s.reports, s.files) == (2, 2, 4)


def test_a_wire_story_run_in_full_and_extended_is_a_copy_not_a_report():
    """Jaccard (ingest's near-duplicate test) misses a copy diluted by added paragraphs; within a
    story, the shorter text found whole in the longer is a copy."""
    from bot.core.stories import copies_of
    from bot.store.records import ArticleRecord

    extended = WIRE + " " + FOOTBALL + " " + VOLCANO  # the wire story, then two unrelated items
    rows = [ArticleRecord(id="w", title="", file="w.txt"), ArticleRecord(id="x", title="", file="x.txt"),
            ArticleRecord(id="f", title="", file="f.txt")]
    texts = {"w": WIRE, "x": extended, "f": FERRY_A}
    assert copies_of(rows, texts) == {"x": ("w", "one contains the other")}
    rows[1].dup_of = "w"
    assert copies_of(rows, texts)["x"] == ("w", "near-identical (found at ingest)")
