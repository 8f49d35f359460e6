"""Claims compared across outlets (issue 15): claims.py reads what a sentence claims (lists of
names, counted things, people and roles, times), compare.py aligns the sentences of articles on
one event and finds where they differ (or where a later report updates a number, or where only
one outlet reports something), attribution.py says whose article it is, checked.py writes a
finding as one plain attributed sentence whose clauses are checked against their passages."""

from bot.core.briefing.differences.attribution import byline_outlet, label, outlet_of
from bot.core.briefing.differences.checked import _DIFF_FRAME, CheckedDifference, check_finding, human_date
from bot.core.briefing.differences.claims import (Person, clause_from, counted, lower_first, name_lists, persons,
                                                   whens)
from bot.core.briefing.differences.compare import (Comparison, Finding, OnlyReport, Version, compare,
                                                   find_differences)

__all__ = ["_DIFF_FRAME", "CheckedDifference", "Comparison", "Finding", "OnlyReport", "Person", "Version",
           "byline_outlet", "check_finding", "clause_from", "compare", "counted", "find_differences", "human_date",
           "label", "lower_first", "name_lists", "outlet_of", "persons", "whens"]
