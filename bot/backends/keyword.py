"""BM25 keyword index (bm25s) persisted in `<index>/keyword/` beside Chroma.

The directory holds the bm25s arrays, `ids.json` (chunk ids in index order) and `meta.json`
(the registry `generation` it was built from). It is always rebuilt whole from the registry
and swapped in by renames, so a reader sees either the old or the new index, never a mix;
a reader that finds a generation other than the registry's rebuilds it (see bot.store.library).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from bot.text import KEYWORD_STOPWORDS as STOPWORDS  # English function words: they carry no topic
from bot.text import stem_words as _stem

_TOKEN = re.compile(r"[a-z0-9]+(?:[.'’][a-z0-9]+)*")


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens, possessives and stopwords removed, Snowball-stemmed."""
    words = []
    for w in _TOKEN.findall(text.lower()):
        w = w.replace("’", "'")
        if w.endswith("'s"):
            w = w[:-2]
        w = w.replace(".", "").replace("'", "")  # U.S. -> us, don't -> dont
        if w and w not in STOPWORDS and (len(w) > 1 or w.isdigit()):
            words.append(w)
    return _stem(words)


class KeywordIndex:
    def __init__(self, ids: list[str], generation: int, model=None):
        self.ids = ids
        self.generation = generation
        self.model = model
        self._pos = {cid: i for i, cid in enumerate(ids)}

    @classmethod
    def build(cls, ids: Sequence[str], texts: Iterable[str], generation: int) -> "KeywordIndex":
        ids = list(ids)
        if not ids:
            return cls([], generation, None)
        import bm25s

        corpus = [tokenize(t) or ["_empty_"] for t in texts]
        model = bm25s.BM25()
        model.index(corpus, show_progress=False)
        return cls(ids, generation, model)

    def search(self, query: str, n: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """Top-n chunk ids by BM25 score (> 0), optionally only among `allowed` ids."""
        if self.model is None or not self.ids:
            return []
        vocab = getattr(self.model, "vocab_dict", {}) or {}
        toks = [t for t in tokenize(query) if t in vocab]
        if not toks:
            return []
        scores = np.asarray(self.model.get_scores(toks), dtype=np.float64)
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=bool)
            for cid in allowed:
                i = self._pos.get(cid)
                if i is not None:
                    mask[i] = True
            scores = np.where(mask, scores, 0.0)
        n = min(n, len(self.ids))
        top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    # ------------------------------------------------------------------ persistence

    def save(self, directory: Path) -> None:
        """Write to a fresh sibling directory, then swap it in with renames."""
        directory = Path(directory)
        tmp = directory.with_name(f"{directory.name}.tmp-{uuid.uuid4().hex[:8]}")
        tmp.mkdir(parents=True)
        try:
            if self.model is not None:
                self.model.save(str(tmp), show_progress=False)
            (tmp / "ids.json").write_text(json.dumps(self.ids))
            (tmp / "meta.json").write_text(json.dumps({"generation": self.generation, "chunks": len(self.ids),
                                                        "format": 1}))
            for f in tmp.iterdir():
                with open(f, "rb") as fh:
                    os.fsync(fh.fileno())
            old = directory.with_name(f"{directory.name}.old-{uuid.uuid4().hex[:8]}")
            if directory.exists():
                os.replace(directory, old)
            os.replace(tmp, directory)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        for stale in directory.parent.glob(f"{directory.name}.*-*"):  # leftovers of a killed writer
            shutil.rmtree(stale, ignore_errors=True)

    @staticmethod
    def read_generation(directory: Path) -> int | None:
        try:
            return int(json.loads((Path(directory) / "meta.json").read_text())["generation"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    @classmethod
    def load(cls, directory: Path) -> "KeywordIndex | None":
        """The saved index, or None when it is missing or unreadable (then: rebuild)."""
        directory = Path(directory)
        try:
            meta = json.loads((directory / "meta.json").read_text())
            ids = json.loads((directory / "ids.json").read_text())
            model = None
            if ids:
                import bm25s

                model = bm25s.BM25.load(str(directory), show_progress=False)
                sc = getattr(model, "scores", None)
                if isinstance(sc, dict) and sc.get("num_docs") not in (None, len(ids)):
                    return None  # arrays and ids disagree: rebuild
            return cls(list(ids), int(meta["generation"]), model)
        except Exception:
            return None
