"""Turn input files into `Article`s: plain text / Markdown, HTML (trafilatura), JSON / JSONL,
RSS / Atom feeds (feedparser). Never raises on bad content: problems come back as reasons.

`parse_file(path)` -> `ParseResult(articles, errors)`; a file-level problem (empty, binary,
unreadable, too large, malformed) is one error and no articles; a bad line of a JSONL file is
one error (with its line number) and the other lines still count.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.text import date_bound, date_int, normalize_date  # noqa: F401 (re-exported)
from bot.store.records import Article
from bot.store.decoding import (MAX_NUL_SHARE, ParseError, clean_text, decode_bytes, looks_binary,  # noqa: F401 (re-exported)
                                normalize_text, strip_nuls)

TEXT_EXTS = {".txt", ".md", ".markdown", ".text"}
HTML_EXTS = {".html", ".htm", ".xhtml"}
JSON_EXTS = {".json"}
JSONL_EXTS = {".jsonl", ".ndjson"}
FEED_EXTS = {".xml", ".rss", ".atom"}
SUPPORTED_EXTS = TEXT_EXTS | HTML_EXTS | JSON_EXTS | JSONL_EXTS | FEED_EXTS

MIN_TEXT_CHARS = 20  # shorter bodies are not articles
TITLE_WORDS = 12


@dataclass
class ParseResult:
    articles: list[Article] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # reasons (a JSONL line error names its line)


# --------------------------------------------------------------------------- titles

_SENT_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])")


def derive_title(text: str, words: int = TITLE_WORDS) -> str:
    """A title from the first sentence, trimmed to about `words` words with an ellipsis."""
    first = text.strip().split("\n", 1)[0]
    m = _SENT_END.search(first)
    sent = first[: m.start()].strip() if m else first.strip()
    parts = sent.split()
    if not parts:
        return "(untitled)"
    if len(parts) > words:
        return " ".join(parts[:words]).rstrip(",;:-—") + "…"
    return sent.rstrip(".")


def looks_like_headline(line: str) -> bool:
    s = line.strip().lstrip("#").strip()
    if not s or len(s) > 200:
        return False
    n = len(s.split())
    if n < 2 or n > 25:
        return False
    if s[-1] in ".,;:" and not s.endswith("..."):
        return False
    if not (s[0].isupper() or s[0].isdigit() or s[0] in "\"'“‘"):
        return False
    return True


# --------------------------------------------------------------------------- formats

_DATE_PREFIX = re.compile(r"^\s*date:?\s+(\d{4}-\d{2}-\d{2})\b[ \t]*\n?", re.I)
_FRONT_MATTER = re.compile(r"^---\s*\n(.*?)\n---\s*\n", re.S)


def parse_plain(text: str, markdown: bool = False) -> Article | None:
    """Text/Markdown: title from a headline-like first line, else derived; `date YYYY-MM-DD` prefix."""
    text = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
    meta: dict[str, str] = {}
    fm = _FRONT_MATTER.match(text)
    if fm:
        for line in fm.group(1).splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                meta[k.strip().lower()] = v.strip().strip("\"'")
        text = text[fm.end():]
    dt = None
    m = _DATE_PREFIX.match(text)
    if m:
        dt = m.group(1)
        text = text[m.end():]
    title = meta.get("title")
    body = text.lstrip("\n ")
    if not title:
        lines = body.split("\n", 1)
        first = lines[0]
        rest = lines[1] if len(lines) > 1 else ""
        if (markdown and first.lstrip().startswith("#")) or (rest.strip() and looks_like_headline(first)):
            title = first.strip().lstrip("#").strip()
            body = rest
            if dt is None:  # a date line right after the headline
                m = _DATE_PREFIX.match(body.lstrip("\n"))
                if m:
                    dt = m.group(1)
                    body = body.lstrip("\n")[m.end():]
    body = clean_text(body)
    if len(body) < MIN_TEXT_CHARS:
        return None
    title = clean_text(title or "") or derive_title(body)
    return Article(text=body, title=" ".join(title.split()), date=normalize_date(meta.get("date")) or dt,
                   outlet=meta.get("source") or meta.get("outlet"), url=meta.get("url"), author=meta.get("author"))


def parse_html(text: str) -> Article | None:
    import trafilatura

    doc = trafilatura.bare_extraction(text, with_metadata=True, include_comments=False, include_tables=False,
                                      favor_recall=True)
    if doc is None:
        return None
    get = (lambda k: doc.get(k)) if isinstance(doc, dict) else (lambda k: getattr(doc, k, None))
    body = clean_text(get("text") or "")
    if len(body) < MIN_TEXT_CHARS:
        return None
    title = clean_text(get("title") or "") or derive_title(body)
    return Article(text=body, title=" ".join(title.split()), date=normalize_date(get("date")),
                   outlet=get("sitename") or None, url=get("url") or None, author=get("author") or None)


def _html_to_text(s: str) -> str:
    if "<" not in s:
        return s
    try:
        import lxml.html

        frag = lxml.html.fragment_fromstring(s, create_parent="div")
        for br in frag.iter("br"):
            br.tail = "\n" + (br.tail or "")
        for p in frag.iter("p", "div", "li", "h1", "h2", "h3", "h4"):
            p.tail = "\n\n" + (p.tail or "")
        return frag.text_content()
    except Exception:
        return re.sub(r"<[^>]+>", " ", s)


def _str(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, dict):
        v = v.get("name") or v.get("title") or v.get("id")
    if isinstance(v, list):
        v = ", ".join(x for x in (_str(i) for i in v) if x)
    s = " ".join(str(v).split()) if v is not None else ""
    return s or None


def article_from_obj(obj: Any) -> Article:
    """A JSON article object. Raises ParseError with the reason when it is not one."""
    if not isinstance(obj, dict):
        raise ParseError(f"expected an article object, got {type(obj).__name__}")
    low = {str(k).lower(): v for k, v in obj.items()}
    body = None
    for key in ("text", "body", "content", "article", "maintext", "description", "summary"):
        v = low.get(key)
        if isinstance(v, list):
            v = "\n\n".join(str(x) for x in v if isinstance(x, (str, int, float)))
        if isinstance(v, str) and v.strip():
            body = v
            break
    if body is None:
        raise ParseError("no text field (text, body or content)")
    body = clean_text(_html_to_text(body))
    if len(body) < MIN_TEXT_CHARS:
        raise ParseError("article text is empty or too short")
    title = clean_text(_str(low.get("title") or low.get("headline")) or "") or derive_title(body)
    dt = None
    for key in ("date", "published", "published_at", "publishedat", "date_publish", "pubdate", "datetime", "time"):
        if low.get(key) not in (None, ""):
            dt = normalize_date(low.get(key))
            if dt:
                break
    return Article(text=body, title=" ".join(title.split()), date=dt,
                   outlet=_str(low.get("source") or low.get("outlet") or low.get("sitename") or low.get("publisher")),
                   url=_str(low.get("url") or low.get("link")), author=_str(low.get("author") or low.get("authors")))


def parse_json(text: str) -> ParseResult:
    res = ParseResult()
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        msg = getattr(exc, "msg", str(exc))
        line = getattr(exc, "lineno", None)
        res.errors.append(f"malformed JSON{f' at line {line}' if line else ''}: {msg}")
        return res
    if isinstance(data, dict) and not any(k in data for k in ("text", "body", "content")):
        for key in ("articles", "items", "entries", "data"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    items = data if isinstance(data, list) else [data]
    if not items:
        res.errors.append("empty JSON list")
    for i, obj in enumerate(items):
        try:
            res.articles.append(article_from_obj(obj))
        except ParseError as exc:
            res.errors.append(f"item {i + 1}: {exc}" if len(items) > 1 else str(exc))
    return res


def parse_jsonl(text: str) -> ParseResult:
    res = ParseResult()
    for no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            res.errors.append(f"line {no}: malformed JSON ({getattr(exc, 'msg', exc)}); line skipped")
            continue
        try:
            art = article_from_obj(obj)
        except ParseError as exc:
            res.errors.append(f"line {no}: {exc}; line skipped")
            continue
        art.key = f"#{no}"  # completed with the path by parse_file
        res.articles.append(art)
    return res


def parse_feed(data: bytes | str) -> ParseResult:
    import feedparser

    res = ParseResult()
    try:
        feed = feedparser.parse(data)
    except Exception as exc:  # feedparser is tolerant, but be safe
        res.errors.append(f"unreadable feed: {exc}")
        return res
    if not feed.entries:
        if feed.get("bozo") and not feed.get("feed"):
            exc = feed.get("bozo_exception")
            res.errors.append(f"not an RSS/Atom feed ({exc})" if exc else "not an RSS/Atom feed")
        else:
            res.errors.append("feed has no entries")
        return res
    outlet = _str(feed.feed.get("title")) if feed.get("feed") else None
    for i, e in enumerate(feed.entries, 1):
        body = ""
        if e.get("content"):
            body = "\n\n".join(c.get("value", "") for c in e.content if isinstance(c, dict))
        if not body.strip():
            body = e.get("summary") or e.get("description") or ""
        body = clean_text(_html_to_text(body))
        if len(body) < MIN_TEXT_CHARS:
            res.errors.append(f"entry {i}: no text")
            continue
        title = clean_text(_html_to_text(e.get("title") or "")) or derive_title(body)
        dt = normalize_date(e.get("published_parsed") or e.get("updated_parsed")) or normalize_date(e.get("published") or e.get("updated"))
        src = e.get("source") or {}
        art = Article(text=body, title=" ".join(title.split()), date=dt,
                      outlet=_str(src.get("title")) if isinstance(src, dict) and src.get("title") else outlet,
                      url=_str(e.get("link")), author=_str(e.get("author")))
        art.key = f"#{i}"
        res.articles.append(art)
    return res


def _looks_like_feed(text: str) -> bool:
    head = text[:2000].lower()
    return "<rss" in head or "<feed" in head or "<rdf:rdf" in head


def parse_bytes(data: bytes, name: str) -> ParseResult:
    """Parse file content by extension (`name`); never raises."""
    ext = Path(name).suffix.lower()
    res = ParseResult()
    try:
        if not data.strip():
            raise ParseError("empty file")
        if ext in FEED_EXTS:
            if looks_binary(data):
                raise ParseError("binary file (not text)")
            return parse_feed(strip_nuls(data))
        text = decode_bytes(data)
        if not text.strip():
            raise ParseError("empty file")
        if ext in JSON_EXTS:
            return parse_json(text)
        if ext in JSONL_EXTS:
            return parse_jsonl(text)
        if ext in HTML_EXTS:
            art = parse_html(text)
            if art is None:
                raise ParseError("no article text found in the HTML")
            res.articles.append(art)
            return res
        if _looks_like_feed(text) and ext not in TEXT_EXTS:
            return parse_feed(data)
        art = parse_plain(text, markdown=ext in {".md", ".markdown"})
        if art is None:
            raise ParseError("no article text (file too short)")
        res.articles.append(art)
    except ParseError as exc:
        res.errors.append(str(exc))
    except RecursionError:
        res.errors.append("input too deeply nested")
    except Exception as exc:  # a parser library failing on odd input: a per-file error, not a crash
        res.errors.append(f"cannot parse ({type(exc).__name__}: {exc})")
    return res


def parse_file(path: Path, outlet: str | None = None, max_mb: float | None = None,
               data: bytes | None = None, date: str | None = None) -> ParseResult:
    """Read and parse one file. Articles get source_file, path, key and the fallback outlet and date."""
    path = Path(path)
    if data is None:
        try:
            if max_mb is not None and path.stat().st_size > max_mb * 1024 * 1024:
                size = path.stat().st_size / (1024 * 1024)
                return ParseResult(errors=[f"file too large ({size:.1f} MB > max_file_mb {max_mb:g} MB)"])
            data = path.read_bytes()
        except PermissionError:
            return ParseResult(errors=["permission denied (unreadable)"])
        except IsADirectoryError:
            return ParseResult(errors=["is a directory"])
        except OSError as exc:
            return ParseResult(errors=[f"unreadable ({exc.strerror or exc})"])
    res = parse_bytes(data, path.name)
    ap = str(path.resolve())
    for i, art in enumerate(res.articles, 1):
        suffix = art.key if art.key.startswith("#") else (f"#{i}" if len(res.articles) > 1 else "")
        art.key = ap + suffix
        art.source_file = path.name
        art.path = ap
        if not art.outlet and outlet:
            art.outlet = outlet
        if not art.date and date:
            art.date = date
    return res
