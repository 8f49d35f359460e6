"""The checks view: for each sentence of an answer, the evidence sentence it rests on and each
check it passed or failed; for a refusal, why in plain words and the closest passages. Rendered
under the answer (`AnswerView.show_answer`). The words come from `bot.core.explain`, shared with
`ask`'s output; this module only lays them out."""

from __future__ import annotations

import textwrap

from rich.text import Text

from bot.core import explain
from bot.core.types import Answer, Sentence

PASS, FAIL = "✓", "✗"


def check_lines(question: str, s: Sentence, repair: str | None = None) -> list[tuple[bool, str]]:
    """(passed, plain words) for each check a sentence went through."""
    lines = [(c.passed, c.detail) for c in explain.checks(question, s, repair)]
    if not s.supported and all(passed for passed, _w in lines):
        lines.append((False, s.reason or "not supported by the evidence"))
    return lines


def refusal_lines(answer: Answer) -> tuple[str, list[tuple[str, str, str]]]:
    """(why, [(title, file, snippet)]) of a refusal: the reason in plain words, the closest passages."""
    r = explain.refusal(answer)
    return r.why, [(c.title, c.source_file, c.snippet) for c in r.closest]


def sentence_case(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else ""


def indented(out: Text, prefix: str, prefix_style: str, content: str, style: str, width: int, indent: int) -> None:
    """`prefix` then `content`, wrapped to `width` with its later lines indented by `indent` (a
    Rich Text wraps them to column 0, which breaks the layout of a block); no width: one line."""
    out.append(prefix, style=prefix_style)
    if width <= len(prefix) + 10:
        out.append(content, style=style)
        return
    lines = textwrap.wrap(content, width=width - indent, initial_indent="x" * (len(prefix) - indent)) or [""]
    out.append(lines[0][len(prefix) - indent:], style=style)
    for line in lines[1:]:
        out.append("\n" + " " * indent)
        out.append(line, style=style)


def render_checks(answer: Answer, width: int = 0) -> Text:
    """The checks section of an answer (empty Text when there is nothing to show), its indented
    blocks wrapped to `width` columns."""
    out = Text()
    if answer.refused and answer.refusal_reason == "cancelled":
        return out
    question = answer.standalone or answer.question
    repair = (answer.stages or {}).get("repair")
    if answer.refused:
        why, near = refusal_lines(answer)
        out.append("Why no answer: ", style="bold")
        out.append(sentence_case(why))
        if near:
            out.append("\nClosest passages:", style="bold")
            for title, file, snippet in near:
                if title.endswith("…") or (title and snippet.startswith(title.rstrip(". "))):
                    title = ""  # a lead sentence standing in for a headline: the file names it better
                out.append("\n")
                indented(out, " • ", "", f"{title} ({file})" if title else file, "italic", width, 3)
                if snippet:
                    out.append("\n")
                    indented(out, "   ", "", snippet, "dim", width, 3)
    for i, s in enumerate(answer.sentences, 1):
        if out:
            out.append("\n")
        out.append(f"{PASS if s.supported else FAIL} Sentence {i}", style="bold green" if s.supported else "bold red")
        if s.citations:
            out.append(" cites " + ", ".join(f"[{n}]" for n in s.citations), style="dim")
        if not s.supported:
            out.append(" ⚠ unchecked", style="bold red")
        for ev in s.evidence:
            out.append("\n")
            quoted = ev if ev[:1] in "“\"‘'" else f"“{ev}”"  # a sentence that opens a quote brings its own marks
            indented(out, "   evidence: ", "dim", quoted, "italic", width, 5)
        for passed, words in check_lines(question, s, repair):
            out.append("\n")
            indented(out, f"   {PASS if passed else FAIL} ", "green" if passed else "bold red", words,
                     "" if passed else "red", width, 5)
    return out
