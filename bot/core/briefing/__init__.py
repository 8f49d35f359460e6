"""Briefings: one checked paragraph about a topic, or about the newest articles.

select articles (retrieval for a topic, newest N without one; near-duplicates count once)
→ group them by event (greedy cosine clustering of article vectors)
→ key sentences per article (extractive: centrality to its event + position in the article)
→ a compact prompt of numbered key passages (bounded budget, whatever the number of articles)
→ the model writes 4–7 sentences, each checked by `grounding.check_answer` (the same checker as
  `ask`); unsupported ones are dropped; too few → filled up with extractive key sentences
→ claims compared across outlets (differences/: aligned sentences that give another person,
  number, time or list; a figure a later report changed; what only one outlet reports), each
  stated in one attributed sentence whose clauses are checked too
→ written like news (newswriting.py): the event first, time order, no dangling pronoun.

Key passages are single sentences of the article text, so every citation quotes an exact span
with article offsets; its `chunk_id` is the stored chunk that holds the sentence.

The package: records.py (Brief, Doc, Key, the knobs), selection.py (articles, vectors, clusters,
key sentences), differences/ (claims compared across outlets), newswriting.py (lead, time order, pronouns), assembly.py (checking
and completing the paragraph), briefer.py (`Briefer`, which runs the steps in order).
"""

from __future__ import annotations

from bot.core.briefing.assembly import _drop_cut_off, compose_brief
from bot.core.briefing.briefer import Briefer
from bot.core.briefing.differences import (CheckedDifference, Comparison, Finding, Version, compare, counted,
                                          find_differences, name_lists, persons)
from bot.core.briefing.records import (CLUSTER_THRESHOLD, DENSE_RELEVANT, MAX_SENTENCES, MAX_TOKENS, MAX_WORDS,
                                       MIN_SENTENCES, PASSAGE_BUDGET, Brief, Doc, Key, short_title, word_count)
from bot.core.briefing.selection import cluster, idf_of, sentence_scores

__all__ = ["CLUSTER_THRESHOLD", "DENSE_RELEVANT", "MAX_SENTENCES", "MAX_TOKENS", "MAX_WORDS", "MIN_SENTENCES",
           "PASSAGE_BUDGET", "Brief", "Briefer", "CheckedDifference", "Comparison", "Finding", "compare", "persons", "Doc", "Key", "Version", "_drop_cut_off",
           "cluster", "compose_brief", "counted", "find_differences", "idf_of", "name_lists", "sentence_scores",
           "short_title", "word_count"]
