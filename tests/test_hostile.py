"""Issue 13, items 3-10: what a hostile user does to the index, the models and the command line.
Real Chroma and SQLite files in a temporary directory, damaged by the test itself; no chat model
(every `ask` here gets a model path that does not exist, so an error that came after the index
and argument checks would be exit 3, and the model is never loaded)."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import struct
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.core.index import Index
from bot.core.session import check_question
from bot.errors import UsageError
from bot.models import gguf_problem

from conftest import MODELS_DIR, SEEDS
from tests.hostile_support import one_line_error, run

NO_MODEL = "/nonexistent/model.gguf"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, real_embedder) -> Path:
    """An index of seeds/ (never opened again in this process: each test damages a copy)."""
    root = tmp_path_factory.mktemp("hostile") / "base"
    with Index(Settings(index_dir=root, models_dir=MODELS_DIR), embedder=real_embedder) as idx:
        idx.ingest([SEEDS])
    return root


@pytest.fixture
def index(seeded, tmp_path) -> Path:
    dst = tmp_path / "idx"
    shutil.copytree(seeded, dst)
    return dst


def _ids(root: Path, real_embedder) -> tuple[set, set, int]:
    with Index(Settings(index_dir=root, models_dir=MODELS_DIR), embedder=real_embedder) as idx:
        reg = {r[0] for r in idx.db().execute("SELECT id FROM chunks")}
        return reg, set(idx.store().get_ids()), len(idx.keyword().ids)


# -- 3: a missing or emptied chroma/ ---------------------------------------------------------------

@pytest.mark.parametrize("how", ["deleted", "emptied"])
def test_missing_vector_store_is_noticed_and_ingest_restores_it(index, how, real_embedder):
    shutil.rmtree(index / "chroma")
    if how == "emptied":
        (index / "chroma").mkdir()
    one_line_error(run("articles", "--index", index, "--json"), 4, "Index out of step", "holds 0 of the registry's",
                   "newsbot doctor", "newsbot ingest")
    one_line_error(run("ask", "Who was sanctioned?", "--index", index, NEWSBOT_CHAT_MODEL=NO_MODEL), 4,
                   "Index out of step")
    r = run("ingest", SEEDS, "--index", index, "--json")
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)
    assert rep["unchanged"] == 2 and rep["restored"] == rep["chunks"] > 0
    reg, store, kw = _ids(index, real_embedder)
    assert reg == store and kw == len(reg)
    assert run("articles", "--index", index, "--json").exit_code == 0
    r = run("ingest", SEEDS, "--index", index, "--json")  # nothing left to restore
    assert json.loads(r.stdout)["restored"] == 0


def test_doctor_repairs_a_missing_store_and_shows_the_true_count(index, real_embedder):
    shutil.rmtree(index / "chroma")
    r = run("doctor", "--index", index, "--json")
    data = json.loads(r.stdout)["index"]
    assert any("re-embedded" in x for x in data["repaired"]), data
    assert data["store_chunks"] == data["chunks"] > 0 and data["problems"] == []
    reg, store, _ = _ids(index, real_embedder)
    assert reg == store


def test_keyword_index_with_the_wrong_chunks_is_rebuilt(index, real_embedder):
    from bot.backends.keyword import KeywordIndex

    with Index(Settings(index_dir=index, models_dir=MODELS_DIR), embedder=real_embedder) as idx:
        # same generation, one chunk: a keyword index from another state of the registry
        KeywordIndex.build(["x:0"], ["unrelated words"], idx.generation()).save(idx.keyword_dir)
    with Index(Settings(index_dir=index, models_dir=MODELS_DIR), embedder=real_embedder) as idx:
        assert set(idx.keyword().ids) == {r[0] for r in idx.db().execute("SELECT id FROM chunks")}


# -- 4: page-level damage inside registry.sqlite ---------------------------------------------------

def _damage_pages(path: Path) -> None:
    """Random bytes over every page but the first (the schema) and the articles table's root (what
    opening the registry reads): the damage is found by a later query, not on opening."""
    con = sqlite3.connect(path)
    page = con.execute("PRAGMA page_size").fetchone()[0]
    count = con.execute("PRAGMA page_count").fetchone()[0]
    keep = {1} | {r[0] for r in con.execute("SELECT rootpage FROM sqlite_master WHERE name='articles'")}
    con.close()
    assert not (path.parent / "registry.sqlite-wal").exists()
    rnd = random.Random(13)
    with open(path, "r+b") as fh:
        for n in range(1, count + 1):
            if n not in keep:
                fh.seek((n - 1) * page + 100)
                fh.write(bytes(rnd.randrange(256) for _ in range(page - 200)))
    con = sqlite3.connect(path)  # as the issue found it: opens, then fails on a page
    con.execute("SELECT 1 FROM articles LIMIT 1")
    with pytest.raises(sqlite3.DatabaseError):
        con.execute("SELECT COUNT(*), SUM(LENGTH(text)) FROM chunks").fetchall()
    con.close()


@pytest.mark.parametrize("cmd", [["articles", "--json"], ["ask", "Who was sanctioned?"], ["ingest", SEEDS],
                                 ["remove", "000_f5417470653ab08f.txt"]])
def test_page_damage_in_the_registry_is_an_index_error(index, cmd):
    _damage_pages(index / "registry.sqlite")
    r = run(*cmd, "--index", index, NEWSBOT_CHAT_MODEL=NO_MODEL)
    one_line_error(r, 4, "registry.sqlite", "run `newsbot doctor`, or delete", "ingest again")


def test_doctor_on_page_damage_exits_4(index):
    _damage_pages(index / "registry.sqlite")
    r = run("doctor", "--index", index, "--json")
    data = json.loads(r.stdout)
    assert r.exit_code == 4 and data["index"]["state"] == "error", data["index"]
    assert any("registry.sqlite" in p and "ingest again" in p for p in data["problems"]), data["problems"]


# -- 5: numbers on the command line and in settings ------------------------------------------------

@pytest.mark.parametrize("k", ["0", "-1", "101", "many"])
def test_ask_k_out_of_range_is_a_usage_error(index, k):
    r = run("ask", "Who was sanctioned?", "--index", index, "--k", k, NEWSBOT_CHAT_MODEL=NO_MODEL)
    assert r.exit_code == 2 and "--k" in r.output and "Traceback" not in r.output, r.output


@pytest.mark.parametrize("args", [["history", "--limit", "0"], ["history", "--show", "-1"],
                                  ["brief", "--articles", "0"], ["eval", "q.jsonl", "--k", "0"]])
def test_other_numeric_options_are_checked(args):
    r = run(*args)
    assert r.exit_code == 2 and "Invalid value" in r.output, r.output


@pytest.mark.parametrize("name,value", [("K", "0"), ("K", "-1"), ("N_CTX", "100"), ("TEMPERATURE", "nan"),
                                        ("LOCK_TIMEOUT", "inf"), ("MAX_FILE_MB", "0"), ("SEED", "-5"),
                                        ("MAX_TOKENS", "1000000"), ("MAX_QUESTION_CHARS", "0")])
def test_numeric_settings_out_of_range_are_usage_errors(index, name, value):
    r = run("articles", "--index", index, **{f"NEWSBOT_{name}": value})
    one_line_error(r, 2, "Bad setting", name.lower(), f"env:NEWSBOT_{name}", "allowed")


def test_ingest_batch_env_is_checked(index):
    r = run("ingest", SEEDS, "--index", index, NEWSBOT_INGEST_BATCH="-3")
    one_line_error(r, 2, "NEWSBOT_INGEST_BATCH", "1 to 1000000")


def test_search_refuses_k_below_one(index, real_embedder):
    with Index(Settings(index_dir=index, models_dir=MODELS_DIR), embedder=real_embedder) as idx:
        with pytest.raises(UsageError):
            idx.search("sanctions", k=0)
        assert idx.search("sanctions", k=1)


# -- 6: no index there -----------------------------------------------------------------------------

@pytest.mark.parametrize("cmd", [["articles", "--json"], ["articles"], ["ask", "Who was sanctioned?"],
                                 ["brief", "sanctions"], ["eval", "QFILE"], ["remove", "abc"]])
def test_a_missing_index_is_exit_4_with_what_to_do(tmp_path, cmd):
    qfile = tmp_path / "q.jsonl"
    qfile.write_text('{"id": "q1", "question": "Who was sanctioned?"}\n')
    missing = tmp_path / "nowhere"
    cmd = [str(qfile) if c == "QFILE" else c for c in cmd]
    r = run(*cmd, "--index", missing, NEWSBOT_CHAT_MODEL=NO_MODEL)
    one_line_error(r, 4, f"no index at {missing}", f"newsbot ingest FOLDER --index {missing}")
    assert not missing.exists()


def test_doctor_on_a_missing_index_is_exit_4(tmp_path):
    missing = tmp_path / "nowhere"
    r = run("doctor", "--index", missing)
    assert r.exit_code == 4 and "all good" not in r.stdout
    assert f"no index at {missing}" in r.stdout and "newsbot ingest FOLDER" in r.stdout


# -- 7: doctor checks the model it would load ------------------------------------------------------

def _gguf(path: Path, tensor_bytes: int | None) -> Path:
    """A GGUF v3 file with one F32 tensor of 256x256 (262144 bytes of data), cut to `tensor_bytes`."""
    def s(b: bytes) -> bytes:
        return struct.pack("<Q", len(b)) + b

    head = b"GGUF" + struct.pack("<IQQ", 3, 1, 1)
    head += s(b"general.alignment") + struct.pack("<II", 4, 32)
    head += s(b"w") + struct.pack("<I", 2) + struct.pack("<QQ", 256, 256) + struct.pack("<IQ", 0, 0)
    head += b"\0" * (-len(head) % 32)
    path.write_bytes(head + b"\0" * (256 * 256 * 4 if tensor_bytes is None else tensor_bytes))
    return path


def test_gguf_check(tmp_path):
    assert gguf_problem(_gguf(tmp_path / "ok.gguf", None)) is None
    assert "truncated" in gguf_problem(_gguf(tmp_path / "cut.gguf", 1000))
    (tmp_path / "head.gguf").write_bytes((tmp_path / "ok.gguf").read_bytes()[:30])
    assert "cut short" in gguf_problem(tmp_path / "head.gguf")
    (tmp_path / "text.gguf").write_text("not a model at all")
    assert "magic" in gguf_problem(tmp_path / "text.gguf")
    real = MODELS_DIR / "qwen2.5-coder-0.5b-instruct" / "model.gguf"
    if real.is_file():  # the header only is read
        assert gguf_problem(real) is None


def _models_with_embedder(tmp_path: Path) -> Path:
    mdir = tmp_path / "models"
    shutil.copytree(MODELS_DIR / "all-minilm-l6-v2", mdir / "all-minilm-l6-v2")  # keeps mtimes: stamps stay valid
    return mdir


def test_doctor_fails_a_cut_model_given_by_path(tmp_path, index):
    cut = _gguf(tmp_path / "cut.gguf", 1000)
    r = run("doctor", "--index", index, "--json", NEWSBOT_CHAT_MODEL=str(cut))
    data = json.loads(r.stdout)
    assert r.exit_code == 1 and not data["ok"]
    assert any(str(cut) in p and "truncated" in p for p in data["problems"]), data["problems"]
    ok = _gguf(tmp_path / "ok.gguf", None)
    r = run("doctor", "--index", index, "--json", NEWSBOT_CHAT_MODEL=str(ok))
    assert r.exit_code == 0, json.loads(r.stdout)["problems"]


def test_doctor_deep_loads_the_chat_model(tmp_path, index, monkeypatch):
    import bot.backends.llm as llm
    from bot.errors import ModelError

    loaded = []

    def fake_load(settings, model=None):
        loaded.append(settings.chat_model)
        raise ModelError("Could not load model", "llama.cpp refused it")

    monkeypatch.setattr(llm, "load_chat_model", fake_load)
    ok = _gguf(tmp_path / "ok.gguf", None)
    mdir = _models_with_embedder(tmp_path)
    r = run("doctor", "--index", index, "--json", "--deep", NEWSBOT_CHAT_MODEL=str(ok), NEWSBOT_MODELS_DIR=str(mdir))
    data = json.loads(r.stdout)
    assert loaded == [str(ok)] and r.exit_code == 1
    assert any("does not load" in p and "llama.cpp refused it" in p for p in data["problems"]), data["problems"]


def test_doctor_deep_reports_a_model_that_crashes_when_it_reads_a_prompt(tmp_path, index, monkeypatch):
    import bot.backends.llm as llm

    monkeypatch.setattr(llm, "load_chat_model", lambda settings, model=None: object())
    monkeypatch.setattr(llm, "runs_here", lambda path, n_threads=2: "crashed (SIGSEGV) reading a prompt")
    ok = _gguf(tmp_path / "ok.gguf", None)
    mdir = _models_with_embedder(tmp_path)
    r = run("doctor", "--index", index, "--json", "--deep", NEWSBOT_CHAT_MODEL=str(ok), NEWSBOT_MODELS_DIR=str(mdir))
    data = json.loads(r.stdout)
    assert r.exit_code == 1
    assert any("crashed (SIGSEGV)" in p and "make install" in p for p in data["problems"]), data["problems"]


def test_doctor_deep_sha_mismatch_removes_the_stamp(tmp_path, index):
    mdir = _models_with_embedder(tmp_path)
    env = {"NEWSBOT_MODELS_DIR": str(mdir), "NEWSBOT_CHAT_MODEL": str(_gguf(tmp_path / "ok.gguf", None))}
    onnx = mdir / "all-minilm-l6-v2" / "model.onnx"
    st = onnx.stat()
    data = bytearray(onnx.read_bytes())
    data[5000] ^= 0xFF
    onnx.write_bytes(bytes(data))
    os.utime(onnx, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size and mtime: the stamp still matches

    def embedder_status():
        r = run("doctor", "--index", index, "--json", *extra, **env)
        return r.exit_code, next(m for m in json.loads(r.stdout)["models"] if m["name"] == "all-minilm-l6-v2")

    extra: list[str] = []
    code, m = embedder_status()
    assert code == 0 and m["verified"]  # plain doctor trusts the stamp (by design: no re-hash)
    extra = ["--deep", "--no-repair"]
    code, m = embedder_status()
    assert code == 1 and not m["verified"] and "sha256" in m["problem"]
    assert not (mdir / "all-minilm-l6-v2" / "model.onnx.verified").exists()
    extra = []
    code, m = embedder_status()
    assert code == 1 and not m["verified"]  # the stamp no longer vouches for the file


# -- 8: --index that cannot be a directory ---------------------------------------------------------

def test_index_that_is_a_file_or_under_one_is_a_usage_error(tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    for bad in (f, f / "sub"):
        for cmd in (["ingest", SEEDS], ["articles"], ["doctor"], ["ask", "Who?"]):
            one_line_error(run(*cmd, "--index", bad, NEWSBOT_CHAT_MODEL=NO_MODEL), 2, "Bad index directory", str(bad))


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
def test_index_that_cannot_be_created_is_a_usage_error():
    one_line_error(run("ingest", SEEDS, "--index", "/proc/x/y"), 2, "Bad index directory", "cannot create /proc/x/y")


# -- 9: a question longer than the context can hold ------------------------------------------------

def test_a_very_long_question_is_a_usage_error(index):
    question = " ".join(["sanctions"] * 5000)
    r = run("ask", question, "--index", index, NEWSBOT_CHAT_MODEL=NO_MODEL)
    one_line_error(r, 2, "Question too long", "max_question_chars")
    s = load_settings().settings
    assert check_question("  Who   was sanctioned? ", s) == "Who was sanctioned?"
    assert check_question("x" * s.max_question_chars, s)
    with pytest.raises(UsageError, match="too long"):
        check_question("x" * (s.max_question_chars + 1), s)
    with pytest.raises(UsageError, match="Empty"):
        check_question("   ", s)
    short = s.model_copy(update={"max_question_chars": 20})
    with pytest.raises(UsageError):
        check_question("Who was sanctioned by the United States?", short)


# -- 10: ingest output, and text with a few NUL bytes ----------------------------------------------

def test_ingest_errors_go_to_stderr_and_nul_bytes_are_stripped(tmp_path, real_embedder):
    d = tmp_path / "in"
    d.mkdir()
    (d / "empty.txt").write_text("")
    (d / "nul.txt").write_bytes(b"Council approves bridge\n\nThe Bega Valley council voted on Tuesday\x00\x00 to build "
                                b"a new bridge over the river.\x00 Work starts in March.\n")
    (d / "blob.txt").write_bytes(bytes(range(256)) * 8)
    r = run("ingest", d, "--index", tmp_path / "idx")
    assert r.exit_code == 1
    assert "Ingest: 1 added" in r.stdout and "failed:" not in r.stdout and "empty file" not in r.stdout
    errs = r.stderr.strip().splitlines()
    assert len(errs) == 2 and all(e.startswith("failed: ") for e in errs), errs
    assert any("empty.txt: empty file" in e for e in errs) and any("blob.txt: binary" in e for e in errs)
    with Index(Settings(index_dir=tmp_path / "idx", models_dir=MODELS_DIR), embedder=real_embedder) as idx:
        (art,) = idx.articles()
        assert art["file"] == "nul.txt"
        assert "\x00" not in idx.article(art["id"])["text"]
        assert "voted on Tuesday to build" in idx.article(art["id"])["text"]
    r = run("ingest", d, "--index", tmp_path / "idx", "--json")
    assert json.loads(r.stdout)["failed"] and "empty.txt" in r.stderr  # JSON on stdout, errors also on stderr
