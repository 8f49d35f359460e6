"""Answers and questions shaped as `newsbot eval` reads them, for the metric tests."""

from __future__ import annotations

from bot.core.evaluation import Question, parse_question


def ans(text="", refused=False, sentences=(), cited=(), retrieved=(), timings=None, **extra):
    """An `ask --json`-shaped dict. sentences: (text, [citation numbers], supported)."""
    d = {
        "question": "q", "answer": text, "refused": refused,
        "sentences": [{"text": t, "citations": list(c), "supported": s} for t, c, s in sentences],
        "citations": [{"n": i + 1, "source_file": f} for i, f in enumerate(cited)],
        "cited_files": list(dict.fromkeys(cited)),
        "retrieved": [{"chunk_id": f"{f}:{i}", "article_id": f, "source_file": f, "score": 1.0}
                      for i, f in enumerate(retrieved)],
        "model": "m", "prompt_tokens": 100, "completion_tokens": 10,
        "timings": timings if timings is not None else {"first_token_ms": 100.0, "total_ms": 500.0},
    }
    d.update(extra)
    return d


def q(**kw) -> Question:
    kw.setdefault("id", "x")
    kw.setdefault("question", "what?")
    return parse_question(kw, "test")
