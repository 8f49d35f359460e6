"""Sentence embeddings with all-MiniLM-L6-v2 (int8 ONNX) through onnxruntime, fully offline.

Mean pooling over `last_hidden_state` with the attention mask, then L2 normalisation: the same
vectors as Chroma's default embedding function, without its download.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np


class Embedder:
    """Protocol-ish base: `embed(texts) -> float32 array (n, dim)`, L2-normalised rows."""

    name = "base"
    dim = 384
    max_tokens = 256

    def embed(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def count_tokens(self, text: str) -> int:
        return max(1, int(len(text.split()) * 1.3))


class OnnxEmbedder(Embedder):
    def __init__(self, model_dir: Path, name: str = "all-minilm-l6-v2", threads: int | None = None,
                 max_tokens: int = 256, batch_size: int = 32):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.name = name
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or (os.cpu_count() or 1)
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(Path(model_dir) / "model.onnx"), opts, providers=["CPUExecutionProvider"])
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_tokens)
        self.counter = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))  # for counting
        self.counter.no_padding()
        self.counter.no_truncation()
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        return len(self.counter.encode(text).ids)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = np.argsort([len(t) for t in texts])  # similar lengths per batch: less padding
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            idx = order[start:start + self.batch_size]
            out[idx] = self._embed_batch([texts[i] for i in idx])
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        encs = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encs], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        with self._lock:
            hidden = self.session.run(["last_hidden_state"], feeds)[0]
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def load_embedder(settings) -> Embedder:
    from bot.models import resolve_embed_model

    model_dir = resolve_embed_model(settings.embed_model, settings.models_dir)
    return OnnxEmbedder(model_dir, name=settings.embed_model)
