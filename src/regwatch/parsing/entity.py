"""Splitting the Entity cell into name, aliases and addresses, and the citation cell.

The Entity List prints everything about an entity in one cell: the name (which may contain
commas, "Co., Ltd."), then aliases ("a.k.a., the following N aliases: —A; —B; and —C."),
then one or more addresses ("; and" between them). `<LI>` lines help when present, but the
inline style (no `<LI>`) must work too, so the rules below only rely on the wording.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from regwatch.parsing.numbers import parse_count
from regwatch.parsing.text import clean, strip_list_punctuation

_LEGAL_SUFFIX = re.compile(
    r"""^(?:co|co\.?\s*ltd|ltd|limited|inc|incorporated|llc|l\.l\.c|corp|corporation|plc|gmbh
    |ag|s\.?\s?a|s\.?a\.?s|s\.?l|s\.?r\.?l|s\.?p\.?a|b\.?v|n\.?v|pte\.?\s*ltd|pvt\.?\s*ltd
    |private\s+limited|sdn\.?\s*bhd|bhd|jsc|ojsc|cjsc|pjsc|ooo|oao|zao|fze|fzco|fz-?llc|dmcc
    |llp|l\.?p|eood|ood|ead|kft|zrt|a\.?s|oy|ab|spa|srl|sarl|s\.?a\.?r\.?l|ltda|s\.?a\.?\s*de\s*c\.?v
    |de\s*c\.?v|company\s+limited|limited\s+company|limited\s+liability\s+company)\.?
    (?:\s*\([^()]{1,80}\))*$""",
    re.IGNORECASE | re.VERBOSE,
)

_INTRO = re.compile(
    r",?\s*\b(?P<kind>a\.\s?k\.\s?a\.|f\.\s?k\.\s?a\.|also\s+known\s+as|formerly\s+known\s+as)"
    r"\s*,?\s*(?:the\s+following\s+(?P<count>[\w-]{1,20})\s+(?:aliases|alias|names?)\s*:)?\s*",
    re.IGNORECASE,
)
# The alias keyword alone: a first-letter guard makes it cheap to scan for (see `_find_intro`).
_INTRO_KEYWORD = re.compile(
    r"(?=[afAF])\b(?:a\.\s?k\.\s?a\.|f\.\s?k\.\s?a\.|also\s+known\s+as|formerly\s+known\s+as)",
    re.IGNORECASE,
)
_AKA_AT_START = re.compile(
    r"^(?:and\s+)?(?:a\.\s?k\.\s?a\.|f\.\s?k\.\s?a\.|also\s+known\s+as|formerly\s+known\s+as)"
    r"\s*,?\s*",
    re.IGNORECASE,
)
_BULLET_START = re.compile(r"^\s*[—–]\s*|^\s*-\s+")
# An inline bullet: an em/en dash after ':', ';' or 'and', or after whitespace that follows them.
_INLINE_BULLET = re.compile(r"(?:(?<=[:;])|(?<=\band))\s*(?=[—–]\s*\S)")
# Words after which a period does not end a sentence (inside a name or address).
_CONTINUATION = frozenset({"no", "st", "mr", "mrs", "ms", "dr", "nos", "apt", "bldg", "rm"})


@dataclass(slots=True)
class EntityParts:
    name: str
    aliases: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    stated_alias_count: int | None = None


_NEXT_SEGMENT = re.compile(r",\s+([^,;\n]+)")
_PERIOD_SPACE = re.compile(r"\.\s+")
_SEMI_AND = re.compile(r";(?:\s*and\b)?")
_LEADING_AND = re.compile(r"^\s*and\s+")
_SEPARATOR = re.compile(r"[,;]\s+")
_LEADING_PUNCT = " \n,;."
_FOLD_PAIRS = (("“", '"'), ("”", '"'), ("’", "'"), ("‘", "'"))


@functools.lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Quote- and case-insensitive form used to find a quoted AMDPAR name in a cell."""
    return _fold(text)


def _fold(text: str) -> str:
    # str.translate walks a dict per character; four replace() calls are much cheaper
    if not text.isascii():
        for quote, plain in _FOLD_PAIRS:
            if quote in text:
                text = text.replace(quote, plain)
    return text.lower()


def _ends_name(text: str, length: int) -> bool:
    """Does a name of `length` characters end where `text` has a boundary (',', ';', '. ')?"""
    rest = text[length : length + 2]
    return rest == "" or rest[0] in ",;\n" or (rest[0] == "." and rest[1:2] in ("", " ", "\n"))


_HEAD = 6  # characters of a folded name used to bucket the known names


class KnownNames:
    """The names quoted in the AMDPARs for one destination, prepared once for many cells.

    `longest_prefix(text)` answers "which known name, longest first, does this cell start
    with?" by looking only at the names sharing the cell's first characters.
    """

    __slots__ = ("_buckets", "_short", "names")

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        self._buckets: dict[str, list[str]] = {}
        self._short: list[str] = []
        for name in sorted({n for n in names if n}, key=len, reverse=True):
            folded = fold(name)
            if len(folded) != len(name):
                continue  # case folding changed the length: never matches, as before
            if len(folded) < _HEAD:
                self._short.append(folded)
            else:
                self._buckets.setdefault(folded[:_HEAD], []).append(folded)

    def __bool__(self) -> bool:
        return bool(self.names)

    def longest_prefix(self, text: str, folded_text: str) -> int:
        """Length of the longest known name `text` starts with (at a boundary), or 0."""
        # each list is sorted longest first, and every short name is shorter than a bucketed one
        for candidates in (self._buckets.get(folded_text[:_HEAD], ()), self._short):
            for folded in candidates:
                if folded_text.startswith(folded) and _ends_name(text, len(folded)):
                    return len(folded)
        return 0


def _extend_with_suffixes(text: str, end: int) -> int:
    """A quoted old name may stop before ', Co., Ltd.' of the printed name: take those too."""
    while True:
        m = _NEXT_SEGMENT.match(text, end)
        if not m or not _LEGAL_SUFFIX.match(m.group(1).rstrip(".")):
            return end
        end = m.end()


def _split_name_segments(head: str) -> tuple[str, str]:
    """'Huawei International Co., Limited, Hong Kong' -> (name, address rest)."""
    segments = head.split(", ")
    taken = 1
    while taken < len(segments) and _LEGAL_SUFFIX.match(segments[taken].rstrip(".;")):
        taken += 1
    return ", ".join(segments[:taken]), ", ".join(segments[taken:])


def _sentence_split(piece: str) -> tuple[str, str]:
    """Split 'Alias Co. Ltd. 300 South Oak Way, Reading' at the period that ends the alias."""
    for m in _PERIOD_SPACE.finditer(piece):
        left, right = piece[: m.start() + 1], piece[m.end() :]
        if not right:
            break
        word = left[:-1].rsplit(" ", 1)[-1].lstrip("(").casefold()
        if word in _CONTINUATION or (len(word) == 1 and word.isalpha()):
            continue
        next_word = right.split(" ", 1)[0].rstrip(",;")
        if _LEGAL_SUFFIX.match(next_word) or next_word.casefold().startswith(("ltd", "limited")):
            continue
        return left, right
    return piece, ""


def _bullet_cut(line: str, dash: int) -> int:
    """Where `_INLINE_BULLET` would cut before the dash at `dash` (start of the spaces), or -1."""
    n, k = len(line), dash + 1
    while k < n and line[k].isspace():
        k += 1
    if k == n:  # the dash must be followed by something printed
        return -1
    w = dash
    while w > 0 and line[w - 1].isspace():
        w -= 1
    if w == 0:
        return -1
    if line[w - 1] in ":;":
        return w
    if w >= 3 and line[w - 3 : w] == "and" and (w == 3 or not _is_word(line[w - 4])):
        return w
    return -1


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _split_inline_bullets(line: str) -> list[str]:
    """Same as `_INLINE_BULLET.split(line)`, found from the few dashes instead of a lookbehind
    tried at every position (the hot spot of bulleted cells)."""
    if "—" not in line and "–" not in line:
        return [line]
    cuts: list[tuple[int, int]] = []
    for dash_char in "—–":
        dash = line.find(dash_char)
        while dash != -1:
            cut = _bullet_cut(line, dash)
            if cut != -1:
                cuts.append((cut, dash))
            dash = line.find(dash_char, dash + 1)
    if not cuts:
        return [line]
    cuts.sort()
    out, prev = [], 0
    for cut, dash in cuts:
        out.append(line[prev:cut])
        prev = dash
    out.append(line[prev:])
    return out


def _pieces(lines: Sequence[str]) -> list[tuple[str, bool, int]]:
    """Break text into (piece, is_bullet, line_index) at line breaks and inline dash bullets."""
    out: list[tuple[str, bool, int]] = []
    for index, line in enumerate(lines):
        for part in _split_inline_bullets(line):
            part = part.strip()
            if not part:
                continue
            bullet = part[0] in "—–-" and bool(_BULLET_START.match(part))
            if bullet:
                part = _BULLET_START.sub("", part, count=1)
            out.append((part, bullet, index))
    return out


def _split_addresses(texts: Sequence[str]) -> list[str]:
    addresses: list[str] = []
    for text in texts:
        for part in _SEMI_AND.split(text) if ";" in text else (text,):
            if part.lstrip()[:3] == "and":
                part = _LEADING_AND.sub("", part)
            part = strip_list_punctuation(part)
            if part:
                addresses.append(part)
    return addresses


def _inline_aliases(rest: str) -> tuple[list[str], str]:
    """'Alias One, a.k.a. Alias Two, 5 Main St., City' -> aliases, address text."""
    aliases: list[str] = []
    while True:
        alias, remainder = _split_name_segments_until_break(rest)
        if alias:
            aliases.append(strip_list_punctuation(alias))
        m = _AKA_AT_START.match(remainder)
        if not m:
            return aliases, remainder
        rest = remainder[m.end() :]


def _split_name_segments_until_break(text: str) -> tuple[str, str]:
    """The text up to the first ', ' or '; ' that is not followed by a legal-form suffix."""
    first_line, _, later = text.partition("\n")
    sentence_end = len(_sentence_split(first_line)[0])  # "Alias Co. Ltd. 5 Main St, City"
    for m in _SEPARATOR.finditer(first_line):
        if m.start() >= sentence_end:
            break
        tail = first_line[m.end() :]
        next_segment = _SEPARATOR.split(tail, maxsplit=1)[0]
        if m.group(0).startswith(",") and _LEGAL_SUFFIX.match(next_segment.rstrip(".")):
            continue
        rest = tail + ("\n" + later if later else "")
        return first_line[: m.start()], rest
    if sentence_end < len(first_line):
        rest = first_line[sentence_end:].lstrip() + ("\n" + later if later else "")
        return first_line[:sentence_end], rest
    if later:
        return first_line, later
    alias, address = _sentence_split(first_line)
    return alias, address


def _find_intro(text: str, pos: int) -> re.Match[str] | None:
    """Same match as `_INTRO.search(text, pos)`, found from the keyword instead of trying the
    optional ',' and spaces that lead `_INTRO` at every position."""
    keyword = _INTRO_KEYWORD.search(text, pos)
    if keyword is None:
        return None
    start = keyword.start()
    while start > pos and text[start - 1].isspace():
        start -= 1
    if start > pos and text[start - 1] == ",":
        start -= 1
    return _INTRO.match(text, start)


def split_entity_cell(
    lines: Sequence[str], known_names: Sequence[str] | KnownNames = ()
) -> EntityParts:
    """Name, aliases and addresses of one Entity cell (`lines`: head text, then `<LI>` lines)."""
    lines = [c for c in (clean(line) for line in lines) if c]
    if not lines:
        return EntityParts(name="")
    text = "\n".join(lines)
    name: str | None = None
    search_from = 0
    if known_names:
        known = known_names if isinstance(known_names, KnownNames) else KnownNames(known_names)
        low = _fold(text)  # lower-cased too: fine for the 'k.' test below
        length = known.longest_prefix(text, low)
        if length:
            search_from = _extend_with_suffixes(text, length)
            name = text[:search_from]
    else:
        low = text.lower()
    # every alias introduction contains 'k.' (a.k.a., f.k.a.) or 'known'; skip the regex if not
    intro = _find_intro(text, search_from) if "k." in low or "known" in low else None
    if intro is not None and name is None and "\n" in text[: intro.start()]:
        intro = None  # an 'a.k.a.' inside a later line belongs to an alias, not the name
    if intro is not None and (name is None or text[search_from : intro.start()].strip(" ,") == ""):
        if name is None:
            name = text[: intro.start()]
        parts = EntityParts(name=strip_list_punctuation(name))
        rest = text[intro.end() :]
        if intro.group("count") is not None:
            parts.stated_alias_count = parse_count(intro.group("count"))
            _bulleted(rest, parts)
        else:
            aliases, address_text = _inline_aliases(rest)
            parts.aliases = aliases
            parts.addresses = _split_addresses(address_text.split("\n"))
        return parts
    if name is None:
        first, _, later = text.partition("\n")
        name, rest_of_head = _split_name_segments(first)
        rest = rest_of_head + ("\n" + later if later else "")
    else:
        rest = text[search_from:]
    rest = rest.lstrip(_LEADING_PUNCT)  # the lines are clean: ' ' and '\n' are the only spaces
    return EntityParts(
        name=strip_list_punctuation(name), addresses=_split_addresses(rest.split("\n"))
    )


def _undashed(rest: str, parts: EntityParts, count: int) -> None:
    """'the following two aliases: A; and B. Address' (or one alias per line) without dashes."""
    aliases: list[str] = []
    address_texts: list[str] = []
    for line in (line.strip() for line in rest.split("\n")):
        if not line:
            continue
        if len(aliases) >= count:
            address_texts.append(line)
            continue
        units = [u.strip() for u in _SEMI_AND.split(line) if u.strip()]
        take = units[: count - len(aliases)]
        aliases.extend(take)
        if len(units) > len(take):
            address_texts.append("; ".join(units[len(take) :]))
    if aliases and not address_texts:
        last, address = _sentence_split(aliases[-1])
        aliases[-1] = last
        address_texts = [address] if address else []
    parts.aliases = [strip_list_punctuation(a) for a in aliases]
    parts.addresses = _split_addresses(address_texts)


def _bulleted(rest: str, parts: EntityParts) -> None:
    pieces = _pieces(rest.split("\n"))
    last_bullet = max((i for i, (_, bullet, _) in enumerate(pieces) if bullet), default=-1)
    if last_bullet == -1 and parts.stated_alias_count:
        _undashed(rest, parts, parts.stated_alias_count)
        return
    address_texts: list[str] = []
    for i, (piece, bullet, _line) in enumerate(pieces):
        if bullet and i < last_bullet:
            parts.aliases.append(strip_list_punctuation(piece))
        elif bullet:
            # line indexes never decrease: anything after this piece is on this line or later
            if i + 1 < len(pieces):
                parts.aliases.append(strip_list_punctuation(piece))
            else:
                alias, address = _sentence_split(piece)
                parts.aliases.append(strip_list_punctuation(alias))
                if address:
                    address_texts.append(address)
        else:
            address_texts.append(piece)
    parts.addresses = _split_addresses(address_texts)


_CITATION = re.compile(
    r"\d{1,3}\s*FR\s*\d+(?:\s*[-–]\s*\d+)?(?:\s*,\s*(?:\d{1,2}/\d{1,2}/\d{2,4}"
    r"|[A-Z][a-z]+\.?\s+\d{1,2},\s*\d{4}))?\.?"
)


def split_citations(text: str) -> list[str]:
    """'84 FR 54004, 10/9/19. 85 FR 44161, 7/22/20.' -> one element per citation."""
    return list(_citations(text))


@functools.lru_cache(maxsize=4096)
def _citations(text: str) -> tuple[str, ...]:
    # memoised: a table repeats the same chain on many rows (cleared with `clear_caches`)
    text = clean(text)
    if not text:
        return ()
    found = tuple(clean(m.group(0)) for m in _CITATION.finditer(text))
    return found if found else (text,)
