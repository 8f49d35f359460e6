"""Bytes to text for ingest: binary files refused, stray NULs dropped, UTF-8 / UTF-16 / cp1252
or what charset-normalizer detects; and the canonical text that ids hash and chunk offsets index."""

from __future__ import annotations

import re
import unicodedata


class ParseError(Exception):
    """A whole file cannot be used; the message is the reason shown to the user."""


MAX_NUL_SHARE = 0.01  # a text file with a few stray NUL bytes is text; more is a binary (or UTF-16) file


def looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if not head:
        return False
    nuls = head.count(0)
    if nuls > max(8, MAX_NUL_SHARE * len(head)):
        return True
    head = head.replace(b"\x00", b"")
    if not head:
        return True
    ctrl = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return ctrl / len(head) > 0.05


def strip_nuls(data: bytes) -> bytes:
    """Text with a few stray NUL bytes (a bad export, a copy cut short) loses them; a file with
    many is left alone for `looks_binary` to refuse."""
    if b"\x00" in data and not looks_binary(data) and data.count(0) <= max(8, MAX_NUL_SHARE * len(data)):
        return data.replace(b"\x00", b"")
    return data


def decode_bytes(data: bytes) -> str:
    """UTF-8 first (BOM stripped), otherwise the encoding charset-normalizer detects.
    Single-byte Western text (cp1252 £, curly quotes) comes through correctly."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if looks_binary(data):
        raise ParseError("binary file (not text)")
    data = strip_nuls(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    high = sum(1 for b in data if b > 127)
    if high / len(data) < 0.3:  # mostly ASCII with a few Western symbols: cp1252 (£, “”, –, é)
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    enc = best.encoding if best is not None else None
    # charset-normalizer's guess between single-byte Western code pages is unreliable on short
    # texts; cp1252 is a superset of latin-1's printable range and the common case for news.
    if enc is None or enc.replace("-", "_").lower() in {
        "latin_1", "iso8859_1", "iso8859_15", "cp1250", "cp1252", "mac_roman", "cp850", "cp437",
        "iso8859_2", "cp1254", "iso8859_9", "mac_latin2", "ascii",
    }:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            if enc is None:
                return data.decode("latin-1")
    try:
        return str(best)
    except Exception:  # pragma: no cover - defensive
        return data.decode("latin-1")


def normalize_text(text: str) -> str:
    """Canonical form used for hashing / ids: NFC, unified newlines, trimmed lines."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[ \t\u00a0]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def clean_text(text: str) -> str:
    """The article text we store (and chunk offsets refer to)."""
    text = text.replace("\ufeff", "").replace("\x00", "")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C" or ch == "\u200d")
    return normalize_text(text)
