"""`newsbot ingest / articles / remove` end to end (real embedder, real Chroma)."""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from bot.cli.app import app

from conftest import LEE, SEEDS

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_ingest_articles_remove(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    for f in sorted(LEE.glob("*.txt"))[:6]:
        shutil.copy(f, d)
    shutil.copy(SEEDS / "000_f5417470653ab08f.txt", d)
    (d / "empty.txt").write_text("")
    (d / "bad.jsonl").write_text('{"title": "T", "text": "A perfectly good JSON lines article."}\nnot json\n')
    r = run("ingest", str(d), "--index", "idx", "--source", "ABC", "--json")
    assert r.exit_code == 1, r.output
    rep = json.loads(r.stdout)
    assert rep["added"] == 8 and rep["articles"] == 8
    assert {(f["file"].split("/")[-1], f["reason"].split(":")[0]) for f in rep["failed"]} == {("empty.txt", "empty file"), ("bad.jsonl", "line 2")}

    (d / "empty.txt").unlink()
    (d / "bad.jsonl").write_text('{"title": "T", "text": "A perfectly good JSON lines article."}\n')
    r = run("ingest", str(d), "--index", "idx", "--source", "ABC")
    assert r.exit_code == 0, r.output
    assert "0 added" in r.stdout and "8 unchanged" in r.stdout

    r = run("articles", "--index", "idx", "--json")
    rows = json.loads(r.stdout)
    assert len(rows) == 8 and {"id", "title", "outlet", "date", "file", "chunks"} <= set(rows[0])
    assert run("articles", "--index", "idx", "--source", "nobody", "--json").stdout.strip() == "[]"
    assert "8 articles in idx" in run("articles", "--index", "idx").stdout

    r = run("remove", rows[0]["id"], "--index", "idx")
    assert r.exit_code == 0 and "Removed 1 article" in r.stdout
    assert len(json.loads(run("articles", "--index", "idx", "--json").stdout)) == 7


def test_cli_errors_are_one_line(tmp_path):
    r = runner.invoke(app, ["ingest", str(tmp_path / "missing"), "--index", "idx"])
    assert r.exit_code == 2 and "Path not found" in r.output and "Traceback" not in r.output
    (tmp_path / "empty").mkdir()
    r = runner.invoke(app, ["ingest", str(tmp_path / "empty"), "--index", "idx"])
    assert r.exit_code == 2 and "Nothing to ingest" in r.output
    r = runner.invoke(app, ["remove", "abc", "--index", "idx"])
    assert r.exit_code == 4 and "Traceback" not in r.output
    r = runner.invoke(app, ["articles", "--index", "idx", "--since", "someday"])
    assert r.exit_code in (0, 2)


def test_ingest_date_for_files_without_one(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "plain.txt").write_text("Council opens new library\n\nThe town council opened a new library on Monday.\n")
    (d / "dated.json").write_text(json.dumps({"title": "Bridge reopens", "date": "2021-03-22",
                                              "text": "The old bridge reopened to traffic after repairs."}))
    idx = str(tmp_path / "idx")
    r = run("ingest", str(tmp_path / "in" / "plain.txt"), "--index", idx, "--date", "2024-13-40")
    assert r.exit_code == 2 and "Bad date" in r.output and "2024-13-40" in r.output
    assert len(r.output.strip().splitlines()) == 1 and not (tmp_path / "idx").exists()

    r = run("ingest", str(d), "--index", idx, "--date", "2024-05-07", "--json")
    assert r.exit_code == 0, r.output
    dates = {row["file"]: row["date"] for row in json.loads(run("articles", "--index", idx, "--json").stdout)}
    assert dates == {"plain.txt": "2024-05-07", "dated.json": "2021-03-22"}  # a file's own date is kept
