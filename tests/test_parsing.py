"""Parsers: the reference files, every input format, encodings, bad input, and property tests."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from bot.store.parsing import (SUPPORTED_EXTS, decode_bytes, derive_title, normalize_date, parse_bytes, parse_file,
                              parse_plain)

from conftest import LEE, SEEDS


def test_seed_headline_title():
    res = parse_file(SEEDS / "000_f5417470653ab08f.txt")
    assert not res.errors
    (a,) = res.articles
    assert a.title == "Biden Adds Sanctions To China For Uyghur Mistreatment"
    assert a.text.startswith("China will face consequences")
    assert a.source_file == "000_f5417470653ab08f.txt"
    assert a.key == str((SEEDS / "000_f5417470653ab08f.txt").resolve())


def test_seed_date_prefix():
    (a,) = parse_file(SEEDS / "001_f1ab6b9cd4ab454a.txt").articles
    assert a.date == "2021-03-22"
    assert a.text.startswith("The United States Treasury announced")
    assert a.title.startswith("The United States Treasury announced") and a.title.endswith("…")
    assert len(a.title.split()) <= 13


def test_lee_title_derived_and_outlet_fallback():
    for name in ("leebg_001.txt", "leebg_120.txt", "leebg_300.txt"):
        (a,) = parse_file(LEE / name, outlet="ABC").articles
        assert a.outlet == "ABC"
        assert a.title and len(a.title.split()) <= 13
        first_words = a.text.split()[:3]
        assert a.title.split()[:3] == first_words


def test_cp1252_pound_sign(tmp_path):
    p = tmp_path / "pound.txt"
    p.write_bytes(b"Shop prices\n\nA loaf now costs \xa32 and \x93fresh\x94 milk \x96 more in London than last year.\n")
    (a,) = parse_file(p).articles
    assert "£2" in a.text and "“fresh”" in a.text and "–" in a.text
    assert decode_bytes(b"Pay \xa35") == "Pay £5"


def test_utf8_bom_and_crlf():
    res = parse_bytes("\ufeffHeadline Here\r\n\r\nBody text of the article goes on here.\r\n".encode(), "x.txt")
    (a,) = res.articles
    assert a.title == "Headline Here" and a.text == "Body text of the article goes on here."


def test_markdown_heading():
    (a,) = parse_bytes(b"# The Title\n\nSome body text for the markdown article here.\n", "a.md").articles
    assert a.title == "The Title"


def test_html_with_trafilatura():
    html = """<html><head><title>Storm hits coast | Daily Planet</title>
    <meta property="og:site_name" content="Daily Planet"><meta name="author" content="Lois Lane">
    <meta property="article:published_time" content="2021-05-04T10:00:00Z"></head>
    <body><nav>Home | World | Sport</nav><article><h1>Storm hits coast</h1>
    <p>A powerful storm hit the coast on Tuesday, cutting power to thousands of homes and closing roads across the region.</p>
    <p>Emergency services said they had received hundreds of calls for help overnight as winds reached 120 kilometres an hour.</p>
    </article><footer>Copyright</footer></body></html>"""
    res = parse_bytes(html.encode(), "storm.html")
    assert not res.errors, res.errors
    (a,) = res.articles
    assert "powerful storm" in a.text and "Copyright" not in a.text
    assert a.title.startswith("Storm hits coast")
    assert a.date == "2021-05-04"
    assert a.outlet == "Daily Planet"
    assert a.author == "Lois Lane"


def test_json_object_and_list():
    obj = {"title": "T1", "body": "Body of the first article, long enough.", "published": "2020-01-02T03:04:05Z",
           "source": {"name": "Wire"}, "url": "http://x/1", "author": "A. B."}
    (a,) = parse_bytes(json.dumps(obj).encode(), "a.json").articles
    assert (a.title, a.date, a.outlet, a.url, a.author) == ("T1", "2020-01-02", "Wire", "http://x/1", "A. B.")
    res = parse_bytes(json.dumps([obj, {"title": "no text"}, dict(obj, content="Another article text here, long enough.", body=None)]).encode(), "l.json")
    assert len(res.articles) == 2 and len(res.errors) == 1 and "item 2" in res.errors[0]


def test_jsonl_bad_line_reported_with_number(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_text('{"title": "A", "text": "First good article with enough text."}\n{oops\n\n'
                 '{"title": "C", "content": "Third good article with enough text."}\n')
    res = parse_file(p)
    assert [a.title for a in res.articles] == ["A", "C"]
    assert len(res.errors) == 1 and res.errors[0].startswith("line 2:")
    assert res.articles[0].key.endswith("#1") and res.articles[1].key.endswith("#4")


def test_rss_and_atom_feeds():
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Example News</title>
    <item><title>First story</title><link>http://e/1</link><pubDate>Tue, 04 May 2021 10:00:00 GMT</pubDate>
    <description>&lt;p&gt;The first story text is here and is long enough.&lt;/p&gt;</description></item>
    <item><title>Second story</title><link>http://e/2</link><description>The second story text, also long enough.</description></item>
    </channel></rss>"""
    res = parse_bytes(rss, "feed.rss")
    assert [a.title for a in res.articles] == ["First story", "Second story"]
    assert res.articles[0].outlet == "Example News" and res.articles[0].date == "2021-05-04"
    assert res.articles[0].text == "The first story text is here and is long enough."
    atom = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Site</title>
    <entry><title>Atom entry</title><link href="http://a/1"/><updated>2022-02-03T00:00:00Z</updated>
    <author><name>Jo</name></author><content type="html">Atom entry body text that is long enough.</content></entry></feed>"""
    (a,) = parse_bytes(atom, "x.atom").articles
    assert (a.title, a.outlet, a.date, a.author) == ("Atom entry", "Atom Site", "2022-02-03", "Jo")


def test_bad_inputs(tmp_path):
    assert parse_bytes(b"", "e.txt").errors == ["empty file"]
    assert parse_bytes(b"  \n\n ", "e.txt").errors == ["empty file"]
    assert parse_bytes(bytes(range(256)) * 10, "b.txt").errors == ["binary file (not text)"]
    assert "malformed JSON" in parse_bytes(b"{not json", "x.json").errors[0]
    assert parse_bytes(b"<rss><channel></channel></rss>", "x.xml").errors
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * 300_000)
    assert "too large" in parse_file(big, max_mb=1).errors[0]
    assert "unreadable" in parse_file(tmp_path / "missing.txt").errors[0]


def test_normalize_date():
    assert normalize_date("2021-03-22") == "2021-03-22"
    assert normalize_date("2021-03-22T10:00:00+02:00") == "2021-03-22"
    assert normalize_date("Mon, 22 Mar 2021 10:00:00 GMT") == "2021-03-22"
    assert normalize_date("March 22, 2021") == "2021-03-22"
    assert normalize_date("22 March 2021") == "2021-03-22"
    assert normalize_date("yesterday") is None
    assert normalize_date("2021-13-45") is None


def test_derive_title():
    assert derive_title("Short one. Then more.") == "Short one"
    t = derive_title("one two three four five six seven eight nine ten eleven twelve thirteen fourteen.")
    assert t.endswith("…") and len(t.split()) == 12


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2000), ext=st.sampled_from(sorted(SUPPORTED_EXTS) + [".bin", ""]))
def test_parse_bytes_never_crashes(data, ext):
    res = parse_bytes(data, "f" + ext)
    assert isinstance(res.articles, list) and isinstance(res.errors, list)
    assert res.articles or res.errors
    for a in res.articles:
        assert a.text.strip() and a.title


@hsettings(max_examples=150, deadline=None)
@given(text=st.text(max_size=1500), ext=st.sampled_from(sorted(SUPPORTED_EXTS)))
def test_parse_text_never_crashes(text, ext):
    res = parse_bytes(text.encode("utf-8"), "f" + ext)
    assert res.articles or res.errors
    art = parse_plain(text)
    assert art is None or (art.text and art.title)
