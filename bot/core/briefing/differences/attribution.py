"""Who reports an article: its outlet from the metadata (feeds, front matter and `--source` all
land there at ingest), else the article's own byline or dateline text, else its title."""

from __future__ import annotations

import re

from bot.core.briefing.records import Doc, short_title

_OUTLET = r"(?P<o>[A-Z][\w&.'’]*(?:\s+[A-Z][\w&.'’]*){0,3})"
_BYLINES = (
    # "By Jane Smith, Reuters" / "By Jane Smith | The Guardian"
    re.compile(rf"^\s*By\s+[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){{0,3}}\s*(?:,|\||—|–|-|for|of)\s*(?:the\s+)?{_OUTLET}\s*$", re.M),
    # a wire dateline: "WASHINGTON (Reuters) - ..."
    re.compile(rf"^[A-Z][A-Z .,'\-]{{2,40}}\(\s*{_OUTLET}\s*\)\s*[-–—]", re.M),
    # "Source: The Daily Caller"
    re.compile(r"^\s*(?:Source|Outlet|Publisher|Published by)\s*:\s*(?P<o>[^\n]{2,40}?)\s*$", re.M | re.I),
)


def byline_outlet(text: str) -> str | None:
    """The outlet an article names as its own in its first or last lines, if any."""
    for part in (text[:400], text[-300:]):
        for pat in _BYLINES:
            m = pat.search(part)
            if m:
                return " ".join(m.group("o").split()).rstrip(".")
    return None


def outlet_of(doc: Doc) -> str | None:
    return doc.row.outlet or byline_outlet(doc.text)


def label(doc: Doc) -> str:
    """How a sentence names the article's side: the outlet, else "the article “Title…”"."""
    who = outlet_of(doc)
    if who:
        return who
    title = short_title(doc.row.title, 5)
    return f"the article “{title}”" if title else f"the article {doc.row.file or doc.id}"
