"""Plain data shared by ingestion, retrieval, answering, briefing, evaluation and the UI.

An `Answer` is one object everywhere: `ask --json` prints `answer.to_json()`, `eval` scores it,
the TUI shows it, the history stores it; a `Brief` likewise for `brief`. `ArticleRecord` is an
indexed article as the index lists it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bot.store.records import Article, ArticleRecord, Passage  # noqa: F401 (re-exported: the records of the store)


@dataclass
class Sentence:
    text: str
    citations: list[int]
    supported: bool
    reason: str = ""  # why a sentence was judged unsupported (empty when supported)
    evidence: list[str] = field(default_factory=list)  # the evidence sentences it rests on, verbatim
    checks: dict[str, Any] = field(default_factory=dict)  # e.g. {"lexical": True, "type": True, "judge": 0.93}

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"text": self.text, "citations": self.citations, "supported": self.supported}
        if self.evidence:
            d["evidence"] = self.evidence
        if self.checks:
            d["checks"] = self.checks
        if self.reason:
            d["reason"] = self.reason
        return d


@dataclass
class Citation:
    n: int
    article_id: str
    title: str
    outlet: str | None
    date: str | None
    source_file: str
    chunk_id: str
    passage: str
    quote: str  # the supporting span, exactly as in the article text
    start: int  # character offsets of `quote` in the article text
    end: int
    files: list[str] = field(default_factory=list)  # every file name holding the article (source_file first)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    question: str
    answer: str
    refused: bool
    sentences: list[Sentence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[Passage] = field(default_factory=list)
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    raw: str = ""  # what the model wrote, before checking
    refusal_reason: str = ""
    packed: list[Passage] = field(default_factory=list)  # passages whose sentences went into the prompt
    # how the answer was reached: {"model": answered|declined|cancelled|none, "repair": None|name,
    # "rejected": [why the checks dropped sentences], "evidence_sentences": n, "judge_calls": n,
    # "judged": [{"role": answer|rival|quote, "text", "p", "null", "score"}: every judge verdict]}
    stages: dict[str, Any] = field(default_factory=dict)
    standalone: str = ""  # a follow-up as it was searched for and answered (bot.core.conversation)
    conversation: int | None = None  # history id of the conversation's first question

    @property
    def cited_files(self) -> list[str]:
        seen: list[str] = []
        for c in self.citations:
            if c.source_file not in seen:
                seen.append(c.source_file)
        return seen

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "sentences": [s.to_json() for s in self.sentences],
            "citations": [c.to_json() for c in self.citations],
            "cited_files": self.cited_files,
            "retrieved": [
                {"chunk_id": p.chunk_id, "article_id": p.article_id, "source_file": p.source_file,
                 "files": p.files or [p.source_file], "score": round(float(p.score), 6)}
                for p in self.retrieved
            ],
            "model": self.model,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "timings": self.timings,
            "raw": self.raw,
            "refusal_reason": self.refusal_reason,
            "packed": [{"chunk_id": p.chunk_id, "article_id": p.article_id, "source_file": p.source_file,
                        "files": p.files or [p.source_file]} for p in self.packed],
            "stages": self.stages,
            "standalone": self.standalone,
            "conversation": self.conversation,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Answer":
        return cls(
            question=d["question"], answer=d["answer"], refused=d["refused"],
            sentences=[Sentence(s["text"], list(s["citations"]), s["supported"], s.get("reason", ""),
                                list(s.get("evidence") or []), dict(s.get("checks") or {}))
                       for s in d.get("sentences", [])],
            citations=[Citation(**c) for c in d.get("citations", [])],
            retrieved=[Passage(chunk_id=r["chunk_id"], article_id=r["article_id"], text="", start=0, end=0, position=0,
                               title="", outlet=None, date=None, source_file=r["source_file"], score=r["score"],
                               files=r.get("files", []))
                       for r in d.get("retrieved", [])],
            model=d.get("model", ""), prompt_tokens=d.get("prompt_tokens", 0),
            completion_tokens=d.get("completion_tokens", 0), timings=d.get("timings", {}),
            raw=d.get("raw", ""), refusal_reason=d.get("refusal_reason", ""),
            packed=[Passage(chunk_id=r["chunk_id"], article_id=r["article_id"], text="", start=0, end=0, position=0,
                            title="", outlet=None, date=None, source_file=r["source_file"], files=r.get("files", []))
                    for r in d.get("packed", [])],
            stages=dict(d.get("stages") or {}),
            standalone=d.get("standalone") or "", conversation=d.get("conversation"),
        )


@dataclass
class Brief:
    """A briefing (bot.core.briefing): `brief --json` prints `to_json()`, the history stores it."""

    topic: str | None
    paragraph: str = ""
    sentences: list[Sentence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    articles_used: list[dict] = field(default_factory=list)
    articles_left_out: list[dict] = field(default_factory=list)
    differences: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)  # a figure a later report changed
    only_reported: list[dict] = field(default_factory=list)  # what one outlet alone reports
    repairs: list[dict] = field(default_factory=list)  # sentences whose opening pronoun was repaired or dropped
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    raw: str = ""  # what the model wrote, before checking

    def to_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "paragraph": self.paragraph,
            "sentences": [s.to_json() for s in self.sentences],
            "citations": [c.to_json() for c in self.citations],
            "articles_used": self.articles_used,
            "articles_left_out": self.articles_left_out,
            "differences": self.differences,
            "updates": self.updates,
            "only_reported": self.only_reported,
            "repairs": self.repairs,
            "model": self.model,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "timings": self.timings,
            "raw": self.raw,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Brief":
        """The Brief `to_json()` wrote (e.g. a saved briefing, bot.core.history). Articles and
        differences stay the JSON objects they are (refs of articles; a difference's versions)."""
        return cls(
            topic=d.get("topic"), paragraph=d.get("paragraph", ""),
            sentences=[Sentence(s["text"], list(s.get("citations", [])), bool(s.get("supported", True)),
                                s.get("reason", ""), list(s.get("evidence") or []), dict(s.get("checks") or {}))
                       for s in d.get("sentences", [])],
            citations=[Citation(**c) for c in d.get("citations", [])],
            articles_used=list(d.get("articles_used") or []), articles_left_out=list(d.get("articles_left_out") or []),
            differences=list(d.get("differences") or []), updates=list(d.get("updates") or []),
            only_reported=list(d.get("only_reported") or []), repairs=list(d.get("repairs") or []),
            model=d.get("model", ""),
            prompt_tokens=d.get("prompt_tokens", 0), completion_tokens=d.get("completion_tokens", 0),
            timings=dict(d.get("timings") or {}), raw=d.get("raw", ""),
        )
