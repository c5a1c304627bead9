"""Split the screening list's free-text `federal_register_notice` field into FR citations.

Real values mix every style BIS staff used over 40 years: "84 FR 54002; 85 FR 44159",
"77 FR 58006 No. 182", "76 FR 50407 (8/15/2011)", "67 F.R. 56530 9/4/02 67 F.R. 10890 3/11/02",
commas or "and" instead of semicolons, double spaces, "81.F.R.", "83F.R.", a missing "F.R."
("80 17726 4/2/15"), a missing volume ("F.R. 30823 7/3/2017"), a second page of the same rule
("82 F.R. 16786, 16787"), and prose ("NEW F.R. NOTICE TO BE PUBLISHED SOON").

The text is tokenized (volume/page numbers, "FR", dates, issue numbers, separators) and read
left to right. Dates and issue numbers are never taken for pages. A missing volume is recovered
from the citation's own date (FR volume N covers calendar year 1935 + N); anything else that
cannot be read unambiguously is dropped and logged at DEBUG level.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

logger = logging.getLogger(__name__)

FIRST_FR_YEAR = 1936  # volume 1
_MAX_VOLUME = 200
_MAX_PAGE = 999_999
_SAME_RULE_PAGES = 50  # "82 F.R. 16786, 16787": a bare number this close is the same volume


class Citation(NamedTuple):
    """One Federal Register citation: volume and page ("84 FR 54002" = (84, 54002))."""

    volume: int
    page: int

    def __str__(self) -> str:
        return f"{self.volume} FR {self.page}"

    @property
    def year(self) -> int:
        """Calendar year of the volume (FR volume N was published in 1935 + N)."""
        return FIRST_FR_YEAR - 1 + self.volume


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # NUM FR DATE ISSUE VOL PG SEP
    value: int = 0  # number for NUM/VOL, year for DATE (0 when unreadable)


_TOKEN = re.compile(
    r"""
    (?P<DATE>\d+(?:\s?/+\s?\d+)+)
  | (?P<ISSUE>\bNO\b\.?\s*:?\s*\d+)
  | (?P<VOL>\bVOL\b\.?\s*\d+)
  | (?P<PG>\b(?:PG|PAGE|P)\b\.?)
  | (?P<FR>(?<![A-Z])F\s?\.?\s?R(?![A-Z])\.?)
  | (?P<NUM>\d+)
  | (?P<SEP>[;,]|\bAND\b)
    """,
    re.VERBOSE,
)


def _date_year(text: str) -> int:
    """Four-digit year of an m/d/y (or m/y) date token; 0 when the year is unreadable."""
    year_part = re.split(r"/+", text.replace(" ", ""))[-1]
    if len(year_part) == 2:
        yy = int(year_part)
        return 2000 + yy if yy < 50 else 1900 + yy
    if len(year_part) == 4:
        return int(year_part)
    return 0


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    for m in _TOKEN.finditer(text.upper()):
        kind = m.lastgroup or ""
        raw = m.group()
        if kind == "NUM":
            tokens.append(_Tok("NUM", int(raw)))
        elif kind == "VOL":
            tokens.append(_Tok("VOL", int(re.sub(r"\D", "", raw))))
        elif kind == "DATE":
            tokens.append(_Tok("DATE", _date_year(raw)))
        else:
            tokens.append(_Tok(kind))
    return tokens


def _volume_from_year(year: int) -> int | None:
    return year - (FIRST_FR_YEAR - 1) if FIRST_FR_YEAR <= year <= 2135 else None


def _valid(volume: int | None, page: int) -> bool:
    return volume is not None and 1 <= volume <= _MAX_VOLUME and 1 <= page <= _MAX_PAGE


def _kind(tokens: list[_Tok], i: int) -> str:
    return tokens[i].kind if i < len(tokens) else "END"


def _skip_issue(tokens: list[_Tok], i: int) -> int:
    while _kind(tokens, i) in ("ISSUE", "PG"):
        i += 1
    return i


@lru_cache(maxsize=8192)
def parse_citations(text: str | None) -> tuple[Citation, ...]:
    """All citations in a `federal_register_notice` value, in order, without duplicates.

    Cached: the same chains repeat across hundreds of entries of one rule.
    """
    if not text or not text.strip():
        return ()
    tokens = _tokenize(text)
    found: list[Citation] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = _kind(tokens, i + 1)
        if (tok.kind == "NUM" and nxt == "FR") or tok.kind == "VOL":
            # "84 FR 54002", "84 FR No. 197 pg. 54002", "Vol. 83, No. 91, 05/10/2018"
            j = i + 2 if tok.kind == "NUM" else i + 1
            j = _skip_issue(tokens, j)
            while tok.kind == "VOL" and _kind(tokens, j) == "SEP":
                j = _skip_issue(tokens, j + 1)
            if _kind(tokens, j) == "NUM" and _valid(tok.value, tokens[j].value):
                found.append(Citation(tok.value, tokens[j].value))
                i = j + 1
            else:
                logger.debug("citation without a page in %r", text)
                i = j
        elif tok.kind == "FR":
            # "F.R. 30823 7/3/2017": the volume follows from the date's year.
            j = _skip_issue(tokens, i + 1)
            if _kind(tokens, j) == "NUM":
                year = tokens[j + 1].value if _kind(tokens, j + 1) == "DATE" else 0
                volume = _volume_from_year(year)
                if _valid(volume, tokens[j].value):
                    assert volume is not None
                    found.append(Citation(volume, tokens[j].value))
                else:
                    logger.debug("citation without a volume in %r", text)
                i = j + 1
            else:
                i = j
        elif tok.kind == "NUM" and nxt == "NUM":
            # "80 17726 4/2/15" inside a chain: volume and page with "FR" left out.
            page = tokens[i + 1].value
            year = tokens[i + 2].value if _kind(tokens, i + 2) == "DATE" else 0
            consistent = year == 0 or _volume_from_year(year) == tok.value
            if found and consistent and _valid(tok.value, page):
                found.append(Citation(tok.value, page))
            else:
                logger.debug("unreadable numbers %s %s in %r", tok.value, page, text)
            i += 2
        elif tok.kind == "NUM" and found and abs(tok.value - found[-1].page) <= _SAME_RULE_PAGES:
            # "82 F.R. 16786, 16787 4/16/2017": another page of the same rule.
            found.append(Citation(found[-1].volume, tok.value))
            i += 1
        else:
            if tok.kind == "NUM":
                logger.debug("stray number %s in %r", tok.value, text)
            i += 1
    return tuple(dict.fromkeys(found))


def split_citations(text: str | None) -> tuple[str, ...]:
    """Normalized citations ("84 FR 54002") of a `federal_register_notice` value."""
    return tuple(str(c) for c in parse_citations(text))


_NORMALIZED = re.compile(r"^\s*(\d{1,3})\s+FR\s+(\d{1,6})\s*$")


def parse_citation(text: str) -> Citation | None:
    """Parse one normalized citation ("84 FR 54002") back into (volume, page)."""
    m = _NORMALIZED.match(text)
    return Citation(int(m.group(1)), int(m.group(2))) if m else None
