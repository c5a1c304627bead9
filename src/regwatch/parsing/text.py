"""Whitespace and punctuation normalisation shared by the XML and HTML front ends.

The expected rows keep curly quotes, dashes and diacritics exactly as printed; only spacing
(thin, no-break and other Unicode spaces) is normalised, so comparisons stay meaningful.
"""

from __future__ import annotations

import functools
import re

# Every Unicode space the GPO typesetting uses (thin, hair, figure, no-break, ...) plus zero-width.
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+")

_INITIALS = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]")
_BULLET = re.compile(r"^[—–-]\s*")
_NON_WORD = re.compile(r"[^\w]+")

# Abbreviations whose own period is part of a name ("Co., Ltd.") rather than list punctuation.
ABBREVIATIONS = frozenset(
    {
        "co",
        "ltd",
        "inc",
        "corp",
        "bhd",
        "pte",
        "pvt",
        "llc",
        "l.l.c",
        "plc",
        "s.a",
        "s.l",
        "b.v",
        "n.v",
        "a.g",
        "s.r.l",
        "s.p.a",
        "e.v",
        "jsc",
        "sdn",
        "no",
        "st",
        "mfg",
        "ind",
        "intl",
        "bros",
        "jr",
        "sr",
        "dr",
        "mr",
        "mrs",
        "ms",
        "ave",
        "blvd",
        "rd",
        "dist",
        "u.s",
        "u.a.e",
        "u.k",
    }
)


def clean_unique(text: str) -> str:
    """Collapse every kind of whitespace to one plain space and trim.

    Not memoised: for one-off long strings (paragraphs), where hashing them for `clean`'s
    memo costs more than it saves.
    """
    # Fast path: every Unicode space but U+0020 is non-printable, so a printable text without
    # a double space needs no substitution.
    if text.isprintable() and "  " not in text:
        return text.strip()
    return _SPACES.sub(" ", text).strip()


@functools.lru_cache(maxsize=16384)
def clean(text: str) -> str:
    """Collapse every kind of whitespace to one plain space and trim (memoised: table cells
    repeat the same requirement, policy and address strings row after row)."""
    return clean_unique(text)


def ends_with_abbreviation(text: str) -> bool:
    """True when the final period of `text` belongs to an abbreviation ("Co. Ltd.", "A.")."""
    if not text.endswith("."):
        return False
    word = text[:-1].rsplit(" ", 1)[-1].lstrip("(").casefold()
    if not word:
        return False
    if word in ABBREVIATIONS:
        return True
    # single initials and dotted acronyms: "A.", "U.S.", "S.A."
    return bool(_INITIALS.fullmatch(word))


_LIST_SUFFIXES = ("; and", ";and", ", and", "; or", ";", ",")


@functools.lru_cache(maxsize=8192)
def strip_list_punctuation(text: str) -> str:
    """Drop a list item's bullet and separators: leading dash, trailing ';', '; and', '.'."""
    t = clean(text)
    if t[:1] == "—" or t.startswith("- "):
        t = _BULLET.sub("", t)
    # The suffixes end differently, so at most one matches at a time.
    while t.endswith(_LIST_SUFFIXES):
        for suffix in _LIST_SUFFIXES:
            if t.endswith(suffix):
                t = t[: -len(suffix)].rstrip()
                break
    if t.endswith(".") and not ends_with_abbreviation(t):
        t = t[:-1].rstrip()
    return t


def comparable(text: str | None) -> str | None:
    """The form used to compare strings: whitespace-normalised, trailing '.' insignificant."""
    if text is None:
        return None
    t = clean(text)
    while t.endswith("."):
        t = t[:-1].rstrip()
    return t


_QUOTE_PAIRS = (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'"), ("`", "'"), ("´", "'"))


@functools.lru_cache(maxsize=16384)
def name_key(text: str) -> str:
    """A loose key to match names across the AMDPAR and the table (quotes, case, punctuation)."""
    t = clean(text)
    for quote, plain in _QUOTE_PAIRS:  # cheaper than str.translate, which walks a dict per char
        if quote in t:
            t = t.replace(quote, plain)
    t = t.casefold()
    t = _NON_WORD.sub(" ", t)
    return t.strip()


def clear_caches() -> None:
    """Forget every memoised string of the parsing package (benchmarks use it to measure cold
    parses: no pass may profit from an earlier pass over the same bytes)."""
    clean.cache_clear()
    strip_list_punctuation.cache_clear()
    name_key.cache_clear()
    from regwatch.parsing.core import _country_key, _same_country
    from regwatch.parsing.entity import _citations, fold

    fold.cache_clear()
    _citations.cache_clear()
    _country_key.cache_clear()
    _same_country.cache_clear()
