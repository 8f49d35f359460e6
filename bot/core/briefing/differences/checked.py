"""A finding written as one plain sentence, each side attributed to its outlet and cited after
its own clause; every clause is checked against its own sentence of the article, or the finding
is not written at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from bot.core import citations as cit
from bot.core.briefing.differences.attribution import label
from bot.core.briefing.differences.claims import lower_first
from bot.core.briefing.differences.compare import Finding, Version
from bot.core.grounding import Prepared, prepare

# words a difference sentence adds around the quoted clauses (the frame is not a claim)
_DIFF_FRAME = "accounts reports differ names gives number article report lists says"
_VERB = {"list": "lists", "how many": "reports"}


def human_date(iso: str | None) -> str:
    """"2001-12-26" -> "26 December 2001"."""
    try:
        d = date.fromisoformat((iso or "")[:10])
    except ValueError:
        return iso or ""
    return f"{d.day} {d.strftime('%B')} {d.year}"


@dataclass
class CheckedDifference:
    finding: Finding
    first: Version  # cited first in the sentence (for an update: the later report)
    second: Version
    prep_a: Prepared
    prep_b: Prepared
    support_a: cit.Support
    support_b: cit.Support
    part_a: str
    part_b: str

    @property
    def kind(self) -> str:
        return self.finding.kind

    @property
    def detail(self) -> str:
        return self.finding.detail

    @property
    def who_a(self) -> str:
        return label(self.first.doc)

    @property
    def who_b(self) -> str:
        return label(self.second.doc)

    def render(self, na: int | None = None, nb: int | None = None) -> str:
        ma = f" [{na}]" if na else ""
        mb = f" [{nb}]" if nb else ""
        joint = ", " if self.kind == "update" else ", while "
        return f"{self.part_a}{ma}{joint}{self.part_b}{mb}."

    @property
    def text(self) -> str:
        return self.render()


def check_finding(f: Finding, key_passage: Callable) -> CheckedDifference | None:
    """The plain sentence for one finding, or None when a clause is not what its passage says."""
    first, second = (f.b, f.a) if f.kind == "update" else (f.a, f.b)
    ka, kb = key_passage(first.doc, first.index), key_passage(second.doc, second.index)
    pa, pb = prepare([ka.passage])[0], prepare([kb.passage])[0]
    if pa.removed or pb.removed:
        return None
    frame = f"{_DIFF_FRAME} {f.detail}"

    def ok(claim: str, key, prep) -> cit.Support | None:
        sup = cit.check(claim, prep.checked, frame, key.passage.title)
        return sup if sup.ok else None

    if f.kind == "update":
        clause = first.clause.rstrip(" .")
        old_num = cit.numbers(second.phrase)
        new_num = cit.numbers(first.phrase)
        try:
            up = float(next(iter(new_num))) > float(next(iter(old_num)))
        except (StopIteration, ValueError):
            up = None
        change = "up from" if up else "down from" if up is False else "changed from"
        sa, sb = ok(clause, ka, pa), ok(f"The article reports {second.phrase}", kb, pb)
        when_new, when_old = human_date(first.doc.row.date), human_date(second.doc.row.date)
        part_a = f"As of {when_new}, {lower_first(clause)}"
        part_b = f"{change} {lower_first(second.phrase)} reported on {when_old}"
    else:
        verb = _VERB.get(f.kind, "says")
        ca, cb = (first.phrase, second.phrase) if f.kind == "list" else (first.clause, second.clause)
        if not ca or not cb:
            return None
        sa, sb = ok(f"The article {verb} {ca}", ka, pa), ok(f"The article {verb} {cb}", kb, pb)
        who_a, who_b = label(first.doc), label(second.doc)
        part_a = f"{who_a[:1].upper()}{who_a[1:]} {verb} {lower_first(ca)}"
        part_b = f"{who_b} {verb} {lower_first(cb)}"
    if sa is None or sb is None:
        return None  # never report what the passages do not say
    return CheckedDifference(f, first, second, pa, pb, sa, sb, part_a, part_b)
