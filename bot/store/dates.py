"""Dates of articles: any date an input file gives (ISO, "March 22, 2021", RFC 822, a datetime,
feedparser's struct_time) as ISO YYYY-MM-DD; the bounds of --since/--until; dates as sortable
integers (YYYYMMDD, 0 when unknown)."""

from __future__ import annotations

import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

_MONTHS = "january february march april may june july august september october november december".split()


def normalize_date(value: Any) -> str | None:
    """Best-effort ISO date (YYYY-MM-DD) from strings, datetimes, struct_time; None if unknown."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "tm_year"):  # time.struct_time (feedparser)
        try:
            return date(value.tm_year, value.tm_mon, value.tm_mday).isoformat()
        except ValueError:
            return None
    if isinstance(value, (int, float)):
        if 19000101 <= int(value) <= 29991231:
            s = str(int(value))
            return normalize_date(f"{s[:4]}-{s[4:6]}-{s[6:]}")
        try:
            return datetime.utcfromtimestamp(float(value)).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    s = str(value).strip()
    if not s:
        return None
    m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})", s) or re.match(r"^(\d{4})/(\d{1,2})/(\d{1,2})", s)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            return None
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(s).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    m = re.match(r"^(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})", s) or None
    if m and m[2].lower()[:3] in [x[:3] for x in _MONTHS]:
        return _mk(int(m[3]), m[2], int(m[1]))
    m = re.match(r"^([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", s)
    if m and m[1].lower()[:3] in [x[:3] for x in _MONTHS]:
        return _mk(int(m[3]), m[1], int(m[2]))
    return None


def _mk(year: int, month_name: str, day: int) -> str | None:
    month = [x[:3] for x in _MONTHS].index(month_name.lower()[:3]) + 1
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def date_bound(value: str | None, end: bool = False) -> int | None:
    """A --since/--until value (YYYY, YYYY-MM or a date) as a YYYYMMDD int; None if not given."""
    if value is None or str(value).strip() == "":
        return None
    s = str(value).strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?", s)
    if m:
        y, mo = int(m[1]), int(m[2]) if m[2] else None
        if mo is None:
            return y * 10000 + (1231 if end else 101)
        if not 1 <= mo <= 12:
            raise ValueError(f"bad month in {s!r}")
        return y * 10000 + mo * 100 + (31 if end else 1)
    iso = normalize_date(s)
    if iso is None:
        raise ValueError(f"cannot read {s!r} as a date (use YYYY-MM-DD)")
    return date_int(iso)


def date_int(iso: str | None) -> int:
    if not iso:
        return 0
    try:
        return int(iso[:10].replace("-", ""))
    except ValueError:
        return 0
