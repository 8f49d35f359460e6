"""Questions about how the outlets differ ("Did all outlets list the same allies?", "Do the reports
agree on who met the officials?") are answered from the claim comparison the briefings use
(bot.core.briefing.differences), not by the model: the articles of the question's story are aligned
sentence by sentence, and each difference is one sentence citing both sides, each side's clause
checked against its own article. A small model asked to compare two articles at once mostly
answers about one of them; the comparison cannot, and it costs no prompt tokens.

When the articles of the story show no difference, the answer is a refusal that says so: the
comparison finds differences in names, roles, numbers, days and lists, and "no difference found"
is not proof that the outlets agree.
"""

from __future__ import annotations

import re

from bot.core import citations as cit
from bot.core.grounding import add_citation
from bot.core.types import Answer, Citation, Sentence

_OUTLETS = re.compile(r"\b(?:outlets?|reports?|articles?|sources?|papers?|newspapers?|media|accounts?|stories|coverage)\b",
                      re.I)
_COMPARE = re.compile(r"\b(?:same|agree|agreed|agrees|differ|differs|differed|different|difference|differences|"
                      r"disagree\w*|contradict\w*|discrepanc\w*|conflict(?:ing)?|consistent|inconsistent)\b", re.I)
# which kind of difference a question is after (finding kinds of bot.core.briefing.differences)
_KIND_HINTS = (("list", re.compile(r"\blists?\b|\blisted\b|\bsame\s+\w+s\b|\bwhich (?:countries|nations|members)\b", re.I)),
               ("who", re.compile(r"\bwho\b|\bwhom\b|\bperson\b|\bpeople\b|\bofficials?\b|\bnames?\b", re.I)),
               ("role", re.compile(r"\broles?\b|\bpositions?\b|\btitles?\b|\bjobs?\b", re.I)),
               ("how many", re.compile(r"\bhow many\b|\bnumbers?\b|\bfigures?\b|\btoll\b|\bcounts?\b", re.I)),
               ("when", re.compile(r"\bwhen\b|\bdates?\b|\bdays?\b|\btime\b", re.I)))
_META = frozenset("outlet outlets report reports article articles source sources paper papers newspaper newspapers "
                  "media account accounts story stories coverage same agree differ different difference all both "
                  "list lists listed".split())
_YES_NO = re.compile(r"^\s*(?:did|do|does|are|were|is|was|have|has)\b.*\b(?:same|agree\w*|consistent)\b", re.I)
MOST_ARTICLES = 6  # compared at most: each pair of articles is aligned
MOST = 2  # differences in one answer: the reader wants the answer, not the whole comparison


def is_comparison(question: str) -> bool:
    """A question about whether or how the outlets' reports differ."""
    return bool(_OUTLETS.search(question) and _COMPARE.search(question))


def wanted_kinds(question: str) -> list[str]:
    return [kind for kind, rx in _KIND_HINTS if rx.search(question)]


def rank(question: str, differences: list) -> list:
    """Differences of the kind asked about first, then those sharing most words with the question."""
    kinds = wanted_kinds(question)
    words = {cit.stem(w) for w in cit.words(question) if w.lower() not in _META} & cit.content_tokens(question)

    def key(d):
        text = f"{d.part_a} {d.part_b} {d.detail}"
        return (d.kind in kinds, len(words & cit.content_tokens(text)))

    return sorted(differences, key=key, reverse=True)


def answer_comparison(briefer, question: str, answer: Answer, *, source=None, since=None, until=None,
                      articles: int = 8) -> Answer:
    """Fill `answer` from the differences between the articles of the question's story."""
    from bot.core.briefing.differences import check_finding, compare
    from bot.errors import UsageError

    answer.stages.update({"model": "none", "repair": "compared_outlets"})
    try:
        docs, _dups = briefer.select(question, since, until, source, articles)
    except UsageError:
        answer.refusal_reason = "no article on this question was found to compare"
        return answer
    story = _story_of(briefer, docs)
    if len(story) < 2:
        answer.refusal_reason = "only one independent report on this story was found: there is nothing to compare it with"
        return answer
    comparison = compare(story, briefer.index.embedder.embed)
    checked = [d for d in (check_finding(f, briefer.key_passage) for f in comparison.differences) if d is not None]
    kinds = wanted_kinds(question)
    if kinds and any(d.kind in kinds for d in checked):
        checked = [d for d in checked if d.kind in kinds]
    chosen = rank(question, checked)[:MOST]
    if not chosen:
        names = ", ".join(sorted({d.row.outlet or d.row.source_file for d in story}))
        answer.refusal_reason = (f"the {len(story)} articles on this story ({names}) were compared sentence by sentence "
                                 "and no difference in names, roles, numbers, days or lists was found")
        return answer
    citations: list[Citation] = []
    by_chunk: dict[str, int] = {}
    sentences = []
    for d in chosen:
        na = add_citation(d.prep_a, d.support_a, by_chunk, citations)
        nb = add_citation(d.prep_b, d.support_b, by_chunk, citations)
        evidence = [d.prep_a.passage.text, d.prep_b.passage.text]
        sentences.append(Sentence(d.render(), [na, nb], True, evidence=evidence,
                                  checks={"lexical": True, "compared": d.kind}))
    answer.sentences, answer.citations = sentences, citations
    answer.packed = [d.prep_a.passage for d in chosen] + [d.prep_b.passage for d in chosen]
    text = " ".join(d.render(*s.citations) for d, s in zip(chosen, sentences))
    # "Did all outlets list the same…?" is answered no when they differ on what was asked
    answer.answer = ("No: " + text) if _YES_NO.search(question) and (not kinds or chosen[0].kind in kinds) else text
    answer.refused, answer.refusal_reason = False, None
    return answer


def _story_of(briefer, docs: list) -> list:
    """The selected articles that tell the same story as the most relevant one (the index's
    stories where it has them, else every selected article close to it)."""
    try:
        stories = briefer.index.stories()
    except Exception:  # an index without stories (a fake, a remote store): compare what was selected
        stories = {}
    top = stories.get(docs[0].id)
    if top is None:
        return docs[:4]
    story = [d for d in docs if stories.get(d.id) == top]
    # the story's other articles, though the question's words missed them (one outlet may never say "allies")
    have = {d.id for d in story}
    rows = [r for r in briefer.index.articles() if stories.get(r.id) == top and r.id not in have and not r.dup_of]
    return story + briefer.docs(rows[:MOST_ARTICLES - len(story)], first_rank=len(docs))
