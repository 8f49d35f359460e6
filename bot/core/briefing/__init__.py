"""Briefings: one checked paragraph about a topic, or about the newest articles.

select articles (retrieval for a topic, newest N without one; near-duplicates count once)
→ group them by event (greedy cosine clustering of article vectors)
→ key sentences per article (extractive: centrality to its event + position in the article)
→ a compact prompt of numbered key passages (bounded budget, whatever the number of articles)
→ the model writes 4–7 sentences, each checked by `grounding.check_answer` (the same checker as
  `ask`); unsupported ones are dropped; too few → filled up with extractive key sentences
→ differences between outlets (lists of names, numbers), found deterministically in the
  article text and stated in one attributed sentence whose clauses are checked too.

Key passages are single sentences of the article text, so every citation quotes an exact span
with article offsets; its `chunk_id` is the stored chunk that holds the sentence.

The package: records.py (Brief, Doc, Key, the knobs), selection.py (articles, vectors, clusters,
key sentences), differences.py (names and numbers outlets give differently), assembly.py (checking
and completing the paragraph), briefer.py (`Briefer`, which runs the steps in order).
"""

from __future__ import annotations

from bot.core.briefing.assembly import _drop_cut_off, compose_brief
from bot.core.briefing.briefer import Briefer
from bot.core.briefing.differences import CheckedDifference, Version, counted, find_differences, name_lists
from bot.core.briefing.records import (CLUSTER_THRESHOLD, DENSE_RELEVANT, MAX_SENTENCES, MAX_TOKENS, MAX_WORDS,
                                       MIN_SENTENCES, PASSAGE_BUDGET, Brief, Doc, Key, short_title, word_count)
from bot.core.briefing.selection import cluster, idf_of, sentence_scores

__all__ = ["CLUSTER_THRESHOLD", "DENSE_RELEVANT", "MAX_SENTENCES", "MAX_TOKENS", "MAX_WORDS", "MIN_SENTENCES",
           "PASSAGE_BUDGET", "Brief", "Briefer", "CheckedDifference", "Doc", "Key", "Version", "_drop_cut_off",
           "cluster", "compose_brief", "counted", "find_differences", "idf_of", "name_lists", "sentence_scores",
           "short_title", "word_count"]
