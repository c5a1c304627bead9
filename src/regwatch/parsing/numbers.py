"""Counts written as words or digits ("twenty-eight", "28", "one", "an")."""

from __future__ import annotations

import re

_UNITS = {
    "zero": 0,
    "a": 1,
    "an": 1,
    "one": 1,
    "single": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}

COUNT_WORD = (
    r"(?:\d{1,4}|(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[-\s](?:one|two"
    r"|three|four|five|six|seven|eight|nine))?)|(?:one|two|three|four|five|six|seven|eight|nine"
    r"|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|an?"
    r"|single)|(?:(?:one|two|three|four|five|six|seven|eight|nine)\s+hundred(?:\s+(?:and\s+)?"
    r"[a-z-]+)?))"
)


def parse_count(word: str) -> int | None:
    """'twenty-eight' -> 28, '28' -> 28, 'an' -> 1; None when it is not a number."""
    w = word.strip().casefold().replace("\u2010", "-")
    if w.isdigit():
        return int(w)
    if w in _UNITS:
        return _UNITS[w]
    if w in _TENS:
        return _TENS[w]
    m = re.fullmatch(r"([a-z]+)[-\s]([a-z]+)", w)
    if m and m.group(1) in _TENS and m.group(2) in _UNITS:
        return _TENS[m.group(1)] + _UNITS[m.group(2)]
    m = re.fullmatch(r"([a-z]+)\s+hundred(?:\s+(?:and\s+)?(.+))?", w)
    if m and m.group(1) in _UNITS:
        rest = parse_count(m.group(2)) if m.group(2) else 0
        if rest is not None:
            return _UNITS[m.group(1)] * 100 + rest
    return None
