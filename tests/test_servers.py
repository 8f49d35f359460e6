"""Scale-out against real servers on 127.0.0.1: `chroma run` (the vector store) and
llama-cpp-python's OpenAI-compatible server with the 0.5B model (generation). Seeds are ingested
through the Chroma server, a second index dir (a "fresh machine") builds its keyword sidecar from
the server, and questions are answered through both servers. Dead ports and a server that never
answers give one-line errors with the documented exit codes. Servers are always stopped.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from bot.config import Settings
from tests.conftest import MODELS_DIR, SEEDS

pytestmark = [pytest.mark.servers, pytest.mark.slow]

SMALL_MODEL = "qwen2.5-coder-0.5b-instruct"
QUESTION = "Which officials were sanctioned?"
BIN = Path(sys.executable).parent
SHORT = {"NEWSBOT_MAX_TOKENS": "24", "NEWSBOT_PROMPT_BUDGET": "240"}  # a short prompt and answer: seconds, not minutes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(cmd: list[str], health: str, log: Path, deadline_s: float):
    """Start `cmd`, poll `health` until it answers 200 (bounded), yield, always stop it."""
    fh = open(log, "wb")
    proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        end = time.monotonic() + deadline_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{cmd[0]} exited with {proc.returncode}: {log.read_text(errors='ignore')[-2000:]}")
            try:
                if httpx.get(health, timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > end:
                raise RuntimeError(f"{health} did not answer within {deadline_s:g}s: {log.read_text(errors='ignore')[-2000:]}")
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        fh.close()


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    exe = BIN / "chroma" if (BIN / "chroma").exists() else shutil.which("chroma")
    assert exe, "the chromadb package's `chroma` executable is missing (pip install -e '.[test]')"
    tmp = tmp_path_factory.mktemp("chroma")
    port = free_port()
    with server([str(exe), "run", "--path", str(tmp / "db"), "--host", "127.0.0.1", "--port", str(port)],
                f"http://127.0.0.1:{port}/api/v2/heartbeat", tmp / "chroma.log", 60):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def llm_url(tmp_path_factory):
    gguf = MODELS_DIR / SMALL_MODEL / "model.gguf"
    assert gguf.is_file(), f"{gguf} missing: run `newsbot models pull {SMALL_MODEL}` (make test does)"
    tmp = tmp_path_factory.mktemp("llm")
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1", "--port", str(port),
           "--n_ctx", "4096", "--n_threads", str(os.cpu_count() or 2), "--seed", "42"]
    with server(cmd, f"http://127.0.0.1:{port}/v1/models", tmp / "llm.log", 120):
        yield f"http://127.0.0.1:{port}/v1"


def newsbot(*args: str, env: dict | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "newsbot"), *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def seeded(chroma_url, tmp_path_factory):
    """Seeds ingested through the Chroma server from machine A's index dir."""
    a = tmp_path_factory.mktemp("machine-a") / "index"
    res = newsbot("ingest", str(SEEDS), "--index", str(a), "--chroma-url", chroma_url, "--json")
    assert res.returncode == 0, res.stderr
    rep = json.loads(res.stdout)
    assert rep["added"] == 2 and rep["chunks"] > 0, rep
    assert not (a / "chroma").exists(), "the embedded store was used instead of the server"
    return a, rep


def test_ingest_goes_to_the_server_and_a_fresh_machine_sees_it(seeded, chroma_url, tmp_path):
    _a, rep = seeded
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.HttpClient(host="127.0.0.1", port=int(chroma_url.rsplit(":", 1)[1]),
                                 settings=ChromaSettings(anonymized_telemetry=False))
    assert client.get_collection("chunks").count() == rep["chunks"]
    b = tmp_path / "machine-b"  # no sidecar yet: built from the server on first use
    res = newsbot("articles", "--index", str(b), "--chroma-url", chroma_url, "--json")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    assert len(rows) == 2 and sum(r["chunks"] for r in rows) == rep["chunks"]
    assert not (b / "chroma").exists()


def test_keyword_sidecar_matches_the_embedded_index(seeded, chroma_url, tmp_path, real_embedder):
    from bot.core.index import Index

    emb = Settings(index_dir=tmp_path / "embedded", models_dir=MODELS_DIR)
    with Index(emb, embedder=real_embedder) as local:
        local.ingest([SEEDS])
        want = {m: [p.chunk_id for p in local.search(QUESTION, k=4, mode=m)] for m in ("keyword", "dense", "hybrid")}
    remote = Settings(index_dir=tmp_path / "fresh", models_dir=MODELS_DIR, chroma_url=chroma_url)
    with Index(remote, embedder=real_embedder) as idx:
        got = {m: [p.chunk_id for p in idx.search(QUESTION, k=4, mode=m)] for m in ("keyword", "dense", "hybrid")}
        passages = idx.search(QUESTION, k=4)
        art = idx.article(passages[0].article_id)
    assert got["keyword"] == want["keyword"] and got["keyword"]
    assert got["dense"] == want["dense"]
    assert got["hybrid"] == want["hybrid"]
    p = passages[0]
    assert art["text"][p.start:p.end] == p.text  # citation offsets hold in the rebuilt article text


def test_sidecar_follows_changes_made_by_another_machine(chroma_url, tmp_path, real_embedder):
    from bot.core.index import Index

    one = Settings(index_dir=tmp_path / "one", models_dir=MODELS_DIR, chroma_url=chroma_url)
    two = Settings(index_dir=tmp_path / "two", models_dir=MODELS_DIR, chroma_url=chroma_url)
    doc = tmp_path / "extra.txt"
    doc.write_text("Zanzibar ferry timetable\n\nThe Zanzibar ferry operator published a new timetable on Friday, "
                   "adding three evening crossings to Dar es Salaam from next month.\n")
    with Index(two, embedder=real_embedder) as t:
        before = t.counts()[0]
        assert not t.search("Zanzibar ferry timetable", k=3, mode="keyword")
    with Index(one, embedder=real_embedder) as o:
        assert o.ingest([doc]).added == 1
    with Index(two, embedder=real_embedder) as t:
        hits = t.search("Zanzibar ferry timetable", k=3, mode="keyword")
        assert hits and "Zanzibar" in hits[0].text and t.counts()[0] == before + 1
        t.remove(hits[0].article_id)
    with Index(one, embedder=real_embedder) as o:
        assert not o.search("Zanzibar ferry timetable", k=3, mode="keyword")
        assert o.counts()[0] == before


def test_ask_through_both_servers_streams(seeded, chroma_url, llm_url, tmp_path):
    res = newsbot("ask", QUESTION, "--index", str(tmp_path / "c"), "--chroma-url", chroma_url, "--llm-url", llm_url,
                  "--model", SMALL_MODEL, "--json", env=SHORT)
    assert res.returncode == 0, res.stderr
    ans = json.loads(res.stdout)
    assert ans["retrieved"] and ans["model"].startswith(SMALL_MODEL + "@")
    assert ans["completion_tokens"] > 0

    from bot.core.answering import Answerer

    s = Settings(index_dir=tmp_path / "c", models_dir=MODELS_DIR, chroma_url=chroma_url, llm_url=llm_url,
                 chat_model=SMALL_MODEL, max_tokens=24, prompt_budget=240)
    pieces: list[tuple[float, str]] = []
    answer = Answerer(s).ask(QUESTION, on_token=lambda p: pieces.append((time.perf_counter(), p)), save=False)
    assert len(pieces) > 3, "the server's answer did not arrive as a stream"
    assert pieces[-1][0] - pieces[0][0] > 0.05  # pieces arrived over time, not in one block
    assert answer.timings["first_token_ms"] < answer.timings["total_ms"]


def test_dead_model_server_is_a_one_line_error(seeded, chroma_url, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}/v1"
    res = newsbot("ask", QUESTION, "--index", str(tmp_path / "d"), "--chroma-url", chroma_url, "--llm-url", dead)
    assert res.returncode == 3, (res.returncode, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsbot: Cannot reach model server") and dead in lines[0], lines
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("command", ["articles", "ask", "ingest"])
def test_dead_chroma_server_is_a_one_line_error(command, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    args = {"articles": ["articles"], "ask": ["ask", QUESTION], "ingest": ["ingest", str(SEEDS)]}[command]
    res = newsbot(*args, "--index", str(tmp_path / "e"), "--chroma-url", dead)
    assert res.returncode == 4, (res.returncode, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsbot: Vector store error") and "Chroma server" in lines[0], lines


def test_model_server_that_never_answers_times_out(seeded, chroma_url, tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():  # accept connections and never answer
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                pass

    th = threading.Thread(target=accept, daemon=True)
    th.start()
    try:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
        t0 = time.monotonic()
        res = newsbot("ask", QUESTION, "--index", str(tmp_path / "f"), "--chroma-url", chroma_url, "--llm-url", url,
                      env={"NEWSBOT_LLM_TIMEOUT": "2"})
        assert time.monotonic() - t0 < 60
    finally:
        stop.set()
        th.join(5)
        for c in held:
            c.close()
        sock.close()
    assert res.returncode == 3, (res.returncode, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsbot: Model server timed out") and "2s" in lines[0], lines


def test_doctor_checks_both_servers(seeded, chroma_url, llm_url, tmp_path):
    res = newsbot("doctor", "--index", str(tmp_path / "g"), "--chroma-url", chroma_url, "--llm-url", llm_url, "--json")
    rep = json.loads(res.stdout)
    assert rep["settings"]["chroma_url"] == {"value": chroma_url, "from": "flag"}
    assert rep["index"]["articles"] >= 2 and rep["index"]["store_chunks"] == rep["index"]["chunks"], rep["index"]
    # a fresh sidecar gets its keyword index built; nothing on the server is touched as an "orphan"
    assert not [r for r in rep["index"]["repaired"] if "vector store" in r or "registry" in r], rep["index"]["repaired"]
    assert not [p for p in rep["problems"] if "server" in p or "index" in p], rep["problems"]
    dead = f"http://127.0.0.1:{free_port()}/v1"
    res = newsbot("doctor", "--index", str(tmp_path / "g"), "--chroma-url", chroma_url, "--llm-url", dead, "--json")
    assert res.returncode == 1
    assert any(dead in p and "does not answer" in p for p in json.loads(res.stdout)["problems"])
