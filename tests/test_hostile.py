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
from typer.testing import CliRunner

from bot.cli.app import app
from bot.config import Settings, load_settings
from bot.core.index import Index
from bot.core.session import check_question
from bot.errors import IndexError_, UsageError
from bot.models import gguf_problem

from conftest import MODELS_DIR, SEEDS
from tests.fakes import HashEmbedder

runner = CliRunner()
NO_MODEL = "/nonexistent/model.gguf"


def run(*args, **env):
    for k, v in env.items():
        os.environ[k] = v
    try:
        return runner.invoke(app, [str(a) for a in args])
    finally:
        for k in env:
            os.environ.pop(k, None)


def one_line_error(r, code: int, *needles: str) -> str:
    """The command failed with `code` and one line on stderr that names each needle."""
    assert r.exit_code == code, (r.exit_code, r.stdout, r.stderr)
    text = r.stderr.strip()
    assert text.startswith("newsbot: ") and "\n" not in text and "Unexpected" not in text, text
    for n in needles:
        assert n in text, (n, text)
    return text


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


# -- beyond the list: a full disk during ingest, a read-only index ----------------------------------
# Expected: one line "Disk full: ...; free some space ..., then run the same `newsbot ingest` again",
# exit 4, and never a half-written index: the same ingest run again gives exactly a clean ingest's
# chunks, and `articles`/`doctor` right after the failure see a consistent (shorter) index.

class _FastEmbedder(HashEmbedder):
    """Hashed vectors (no ONNX: these tests are about writes, not meaning), token counts from
    MiniLM's tokenizer so that the chunks are the real ones."""

    def __init__(self, real):
        super().__init__()
        self.counter = real.counter


@pytest.fixture
def fast_embedder(real_embedder, monkeypatch):
    emb = _FastEmbedder(real_embedder)
    monkeypatch.setattr("bot.backends.embedder.load_embedder", lambda settings: emb)
    return emb


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    """40 distinct articles (made up here, so CI always has them), two or three chunks each."""
    rnd = random.Random(13)
    words = ["".join(rnd.choice("abcdefghiklmnoprstuw") for _ in range(rnd.randint(3, 9))) for _ in range(3000)]
    d = tmp_path_factory.mktemp("many")
    for n in range(40):
        paras = ["The " + " ".join(rnd.choice(words) for _ in range(rnd.randint(60, 110))) + "." for _ in range(3)]
        (d / f"art{n:02d}.txt").write_text(f"Report number {n} on {rnd.choice(words)}\n\n" + "\n\n".join(paras) + "\n")
    return d


def _chunks(root: Path) -> list:
    con = sqlite3.connect(root / "registry.sqlite")
    try:
        return sorted(con.execute("SELECT id, start, end, text FROM chunks"))
    finally:
        con.close()


@pytest.fixture(scope="module")
def clean_many(many, tmp_path_factory, real_embedder) -> list:
    root = tmp_path_factory.mktemp("clean") / "idx"
    with Index(Settings(index_dir=root, models_dir=MODELS_DIR), embedder=_FastEmbedder(real_embedder)) as idx:
        rep = idx.ingest([many])
    assert rep.ok and rep.added == 40
    return _chunks(root)


def _articles(root: Path) -> int:
    r = run("articles", "--index", root, "--json")
    assert r.exit_code == 0, (r.stdout, r.stderr)
    return len(json.loads(r.stdout))


def _doctor_index(root: Path, *flags) -> dict:
    r = run("doctor", "--index", root, "--json", *flags)
    return json.loads(r.stdout)["index"]


def _same_as_clean_after_rerun(root: Path, many: Path, clean: list, fast_embedder, **env) -> None:
    """The same ingest again: exit 0, exactly the clean chunks, in Chroma too; doctor finds it healthy."""
    r = run("ingest", many, "--index", root, "--json", **env)
    assert r.exit_code == 0, (r.stdout, r.stderr)
    assert _chunks(root) == clean
    with Index(Settings(index_dir=root, models_dir=MODELS_DIR), embedder=fast_embedder) as idx:
        assert set(idx.store().get_ids()) >= {c[0] for c in clean}
    data = _doctor_index(root)
    assert data["state"] == "ok" and data["problems"] == [] and data["keyword"] == "ok", data
    assert data["chunks"] == data["store_chunks"] == len(clean), data


def test_registry_full_mid_ingest(many, clean_many, tmp_path, fast_embedder, monkeypatch):
    """A real SQLITE_FULL (the registry may grow no further), which rolls the whole transaction back
    as a full disk does: it was `Unexpected error: OperationalError: cannot rollback - no transaction
    is active`, exit 1."""
    from bot.store.registry import Registry

    root = tmp_path / "idx"
    opened = Registry.connect

    def capped(self, create=False):
        conn = opened(self, create)
        conn.execute("PRAGMA max_page_count = 60")  # about half of what the 40 articles need
        return conn

    monkeypatch.setattr(Registry, "connect", capped)
    r = run("ingest", many, "--index", root, NEWSBOT_INGEST_BATCH="16")
    one_line_error(r, 4, "Disk full", "registry.sqlite", "database or disk is full", "free some space",
                   "run the same `newsbot ingest` again")
    monkeypatch.setattr(Registry, "connect", opened)
    assert 0 < _articles(root) < 40  # what was committed, consistent
    data = _doctor_index(root, "--no-repair")
    assert data["state"] == "ok" and data["problems"] == [], data
    _same_as_clean_after_rerun(root, many, clean_many, fast_embedder, NEWSBOT_INGEST_BATCH="16")


@pytest.mark.parametrize("error,free,expect", [
    ("Query error: Database error: error returned from database: (code: 13) database or disk is full", None, "Disk full"),
    # what Chroma said on a real full tmpfs, naming no cause: put down to the disk when it is nearly full
    ("Error in compaction: Failed to apply logs to the metadata segment", 1 << 20, "Disk full"),
    ("Error in compaction: Failed to apply logs to the metadata segment", None, "Vector store error while writing"),
])
def test_vector_store_full_mid_ingest(many, clean_many, tmp_path, fast_embedder, monkeypatch, error, free, expect):
    from chromadb.api.models.Collection import Collection
    from chromadb.errors import InternalError

    from bot.errors import free_space

    root = tmp_path / "idx"
    upsert, calls = Collection.upsert, []

    def failing(self, *a, **kw):
        calls.append(1)
        if len(calls) >= 3:
            raise InternalError(error)
        return upsert(self, *a, **kw)

    monkeypatch.setattr(Collection, "upsert", failing)
    if free is not None:
        monkeypatch.setattr("bot.errors.free_space", lambda path: free)
    r = run("ingest", many, "--index", root, NEWSBOT_INGEST_BATCH="16")
    text = one_line_error(r, 4, expect, str(root / "chroma"), error)
    if expect == "Disk full":
        assert "free some space" in text and "run the same `newsbot ingest` again" in text, text
    monkeypatch.setattr(Collection, "upsert", upsert)
    monkeypatch.setattr("bot.errors.free_space", free_space)
    assert 0 < _articles(root) < 40
    assert _doctor_index(root, "--no-repair")["problems"] == []
    _same_as_clean_after_rerun(root, many, clean_many, fast_embedder, NEWSBOT_INGEST_BATCH="16")


def test_keyword_index_cannot_be_saved(many, clean_many, tmp_path, fast_embedder, monkeypatch):
    """Every article is in, but the keyword index did not fit: said, not left to every reader."""
    import errno

    from bot.backends.keyword import KeywordIndex

    def full(self, directory):
        raise OSError(errno.ENOSPC, "No space left on device")

    save = KeywordIndex.save
    monkeypatch.setattr(KeywordIndex, "save", full)
    r = run("ingest", many, "--index", root := tmp_path / "idx")
    one_line_error(r, 4, "Disk full", str(root / "keyword"), "No space left on device", "run the same `newsbot ingest` again")
    assert _articles(root) == 40
    data = _doctor_index(root, "--no-repair")
    assert data["problems"] == [] and data["keyword"].startswith("stale"), data
    monkeypatch.setattr(KeywordIndex, "save", save)
    _same_as_clean_after_rerun(root, many, clean_many, fast_embedder)


def test_registry_write_errors_never_advise_deleting_the_index(tmp_path, monkeypatch):
    """On a full disk a reader gets SQLITE_IOERR_SHMSIZE ("disk I/O error": it cannot make
    registry.sqlite-shm), which said "... or delete DIR and ingest again" of a healthy index."""
    from bot.core.index import _registry_error

    exc = sqlite3.OperationalError("disk I/O error")
    exc.sqlite_errorcode = 4874  # SQLITE_IOERR_SHMSIZE
    monkeypatch.setattr("bot.errors.free_space", lambda path: 0)
    err = _registry_error(tmp_path, exc)
    assert err.title == "Disk full" and err.code == 4 and "delete" not in err.message
    monkeypatch.setattr("bot.errors.free_space", lambda path: 10 << 30)
    err = _registry_error(tmp_path, exc)
    assert err.title == "Index write failed" and err.code == 4 and "delete" not in err.message
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = 13
    assert _registry_error(tmp_path, full).title == "Disk full"


def _mount(*args) -> bool:
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("mount"):
        return False
    import subprocess

    return subprocess.run(["mount", *map(str, args)], capture_output=True).returncode == 0


def _umount(path: Path) -> None:
    import subprocess

    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()  # as a new process would: no Chroma client held open
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs (skipped where mounting is not permitted, e.g. CI not run as root)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt):
        pytest.skip("cannot mount a tmpfs here (needs root and a container that allows it)")
    yield mnt
    _umount(tmp_path / "ro")
    _umount(mnt)


def test_real_full_disk_then_freed_then_read_only(many, clean_many, small_disk, tmp_path, fast_embedder):
    from chromadb.api.client import SharedSystemClient

    root = small_disk / "idx"
    r = run("ingest", many, "--index", root, NEWSBOT_INGEST_BATCH="16")
    one_line_error(r, 4, "Disk full", str(root), "free some space", "run the same `newsbot ingest` again")
    r = run("articles", "--index", root, "--json")  # a consistent part, or (no room for -shm) a clear line
    if r.exit_code:
        one_line_error(r, 4, "Disk full")
    else:
        assert len(json.loads(r.stdout)) < 40
    # stories of the articles in (they need the vector store, which Chroma may not read on a full disk)
    one_line_error(run("stories", "--index", root), 4, "Disk full")
    SharedSystemClient.clear_system_cache()
    assert _mount("-o", "remount,size=64m", small_disk)  # free space
    _same_as_clean_after_rerun(root, many, clean_many, fast_embedder, NEWSBOT_INGEST_BATCH="16")

    # the same index, read-only: listed and checked, not written
    ro = tmp_path / "ro"
    ro.mkdir()
    SharedSystemClient.clear_system_cache()
    assert _mount("--bind", root, ro) and _mount("-o", "remount,bind,ro", ro)
    assert not (ro / "registry.sqlite-shm").exists()  # closed cleanly: SQLite would have to create it
    assert _articles(ro) == 40
    data = _doctor_index(ro)
    assert data["state"] == "ok" and data["problems"] == [] and "read-only" in data["note"], data
    one_line_error(run("ingest", many, "--index", ro), 4, "Index not writable", "Read-only file system")
    with Index(Settings(index_dir=ro, models_dir=MODELS_DIR), embedder=fast_embedder) as idx:
        with pytest.raises(IndexError_, match="read-only"):
            idx.search("report", k=3)
