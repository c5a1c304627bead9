"""Reading amendatory instructions (AMDPAR) that amend Supplement No. 4 to part 744.

Wordings handled (all eras):
  * "2. Supplement No. 4 to part 744 is amended by adding under CHINA, PEOPLE'S REPUBLIC OF,
    in alphabetical order, twenty-eight entities."
  * lettered lists: "a. By adding under X, ... nine Chinese entities; and b. By revising ..."
  * 2022+: "a. Under CANADA, by adding ... an entry for “X”;" and nested "b. Under CHINA, ...,
    by:" + "i. Revising the entry for “Y”;"
  * removals: "by removing under X, the entry for “Y”".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from regwatch.parsing.blocks import Amdpar
from regwatch.parsing.numbers import COUNT_WORD, parse_count
from regwatch.parsing.text import clean, clean_unique

InstrAction = Literal["add", "revise", "remove"]

_SUPP4 = re.compile(
    r"^(?:amend\s+|in\s+|the\s+)?supp(?:lement|\.)\s+no\.?\s*4\s+to\s+(?:15\s+cfr\s+)?part\s+744\b",
    re.IGNORECASE,
)
_SUPP4_ANYWHERE = re.compile(
    r"supp(?:lement|\.)\s+no\.?\s*4\s+to\s+(?:15\s+cfr\s+)?part\s+744\b", re.IGNORECASE
)
_NUMBERED = re.compile(r"^\s*(\d{1,3})\s*\.\s*")
_LETTERED = re.compile(r"^\s*\(?([a-z]{1,5})[.)]\s+")
_ROMAN = re.compile(r"^(?=[ivxl]+$)x{0,3}(ix|iv|v?i{0,3})$")
_QUOTED = re.compile(
    r"“([^”]{1,400})”|\"([^\"]{1,400})\"|‘([^’]{1,400}?)’(?![\w])|``([^']{1,400})''"
)
# The leading lookaheads below only restate the possible first letters: the regex engine then
# rejects most positions with one character test instead of trying every alternative.
_VERB = re.compile(
    r"(?=[arcARC])\b(adding|add|revising|revise|removing|remove|correcting|correct)\b",
    re.IGNORECASE,
)
_UNDER = re.compile(
    r"(?=[uU])(?:\b(?i:under)\s+(?:the\s+destinations?\s+(?:of\s+)?)?(?P<c>[A-Z][A-Z'’.\-()&]*(?:\s+[A-Z][A-Z'’.\-()&]*)*"
    r"(?:,\s*(?:[A-Z][A-Z'’.\-()]*\s+)*(?:OF|THE|OF\s+THE))?)(?=[,;:.]|\s+by\b|\s+in\b|\s+the\b|\s*$)"
    r"|\b(?i:under)\s+(?:the\s+destinations?\s+(?:of\s+)?)?(?P<t>(?:[A-Z][a-z'’]+|of|the|and)"
    r"(?:\s+(?:[A-Z][a-z'’]+|of|the|and))*)(?=[,;:.]|\s+by\b|\s+in\b|\s*$))"
)
_COUNT = re.compile(
    rf"(?=[\dtfsenoaTFSENOA])\b(?P<n>{COUNT_WORD})\s+(?:[A-Z][\w'’.-]*\s+){{0,3}}(?:new\s+|additional\s+|existing\s+)?"
    r"(?:entit(?:y|ies)|entr(?:y|ies)|persons?|individuals?|organizations?|compan(?:y|ies)"
    r"|addresses|address)\b",
    re.IGNORECASE,
)
_QUOTE_OPENERS = ("“", '"', "‘", "``")  # the first character(s) of every `_QUOTED` match
# "the entry for “Old” to read “New”" / "... “Old” to “New”": a rename stated in the AMDPAR
_RENAME = re.compile(
    r"\x00(\d+)\x00(?:[^\x00;]{0,60}?\b(?:to\s+read|to|as|now)\b|\s*,?\s*with\s+the\s+name)"
    r"\s+\x00(\d+)\x00",
    re.IGNORECASE,
)
_BY_NEXT = re.compile(r"\s*[,:]?\s*(?:by\b|:)", re.IGNORECASE)
_AMEND = re.compile(r"\bamend", re.IGNORECASE)


def _supp4_is_subject(body: str) -> bool:
    """'The Entity List (supplement no. 4 to part 744) is amended': the supplement leads."""
    if "upp" not in body[:60].lower():  # m.start() <= 40 below: 'supp' starts within 41 chars
        return False
    m = _SUPP4_ANYWHERE.search(body)
    return bool(m and m.start() <= 40 and _AMEND.search(body, m.end()))


@dataclass(slots=True)
class Instruction:
    action: InstrAction
    country: str | None
    names: list[str] = field(default_factory=list)
    count: int | None = None
    text: str = ""
    renames: dict[str, str] = field(default_factory=dict)  # new name -> name it replaces


def _action(verb: str) -> InstrAction:
    v = verb.casefold()
    if v.startswith("add"):
        return "add"
    if v.startswith("remov"):
        return "remove"
    return "revise"


def _country(m: re.Match[str]) -> str:
    return clean(m.group("c") or m.group("t") or "").upper().rstrip(".")


def _hide_quotes(text: str) -> tuple[str, list[str]]:
    names: list[str] = []

    def repl(m: re.Match[str]) -> str:
        names.append(clean(m[m.lastindex or 0]))  # one group per quote style: the one that matched
        return f"\x00{len(names) - 1}\x00"

    if not any(q in text for q in _QUOTE_OPENERS):
        return text, names
    return _QUOTED.sub(repl, text), names


_INDEX = re.compile(r"\x00(\d+)\x00")


def _names_in(segment: str, names: list[str]) -> list[str]:
    found: list[str] = []
    if "\x00" not in segment:
        return found
    for m in _INDEX.finditer(segment):
        name = names[int(m.group(1))].strip().rstrip(",;")
        if name.endswith(".") and not re.search(r"\b(?:co|ltd|inc|corp|[a-z])\.$", name, re.I):
            name = name[:-1]
        found.append(name)
    return found


def parse_instruction_text(
    text: str,
    inherited_country: str | None,
    hidden_quotes: tuple[str, list[str]] | None = None,
    unders: list[re.Match[str]] | None = None,
) -> list[Instruction]:
    """The entity-level instructions in one AMDPAR (possibly none, e.g. footnote revisions).

    `hidden_quotes` (`_hide_quotes(text)`) and `unders` (`_UNDER` matches in its text) are
    passed when the caller already has them.
    """
    hidden, names = hidden_quotes if hidden_quotes is not None else _hide_quotes(text)
    verbs = list(_VERB.finditer(hidden))
    if unders is None:
        unders = list(_UNDER.finditer(hidden))
    # "Under X, by adding ..." names the country of the verb that follows it
    leading = {u.start() for u in unders if _BY_NEXT.match(hidden, u.end())}
    out: list[Instruction] = []
    text_clean = clean_unique(text)
    for i, verb in enumerate(verbs):
        start, end = verb.start(), verbs[i + 1].start() if i + 1 < len(verbs) else len(hidden)
        clause = hidden[start:end]
        inside = [u for u in unders if start <= u.start() < end and u.start() not in leading]
        before = [u for u in unders if u.start() < start]
        if inside:
            cuts = [start] + [u.start() for u in inside[1:]] + [end]
            countries = [_country(u) for u in inside]
            segments = [hidden[cuts[k] : cuts[k + 1]] for k in range(len(inside))]
        else:
            country = _country(before[-1]) if before else inherited_country
            countries, segments = [country or ""], [clause]
        for country, segment in zip(countries, segments, strict=True):
            seg_names = _names_in(segment, names)
            count_match = _COUNT.search(segment.replace("\x00", " "))
            count = parse_count(count_match.group("n")) if count_match else None
            if not country and not seg_names and count is None:
                continue  # e.g. "By revising footnote 1 to supplement No. 4"
            if count is None and not seg_names and not re.search(r"\bentit|\bentr", segment, re.I):
                continue  # "by revising under X the introductory text" is no entity change
            renames = {
                _names_in(f"\x00{m.group(2)}\x00", names)[0]: _names_in(
                    f"\x00{m.group(1)}\x00", names
                )[0]
                for m in _RENAME.finditer(segment)
            }
            out.append(
                Instruction(
                    action=_action(verb.group(1)),
                    country=country or None,
                    names=[n for n in seg_names if n not in renames.values()],
                    count=count,
                    text=text_clean,
                    renames=renames,
                )
            )
    return out


@dataclass(slots=True)
class Scope:
    """Which AMDPARs amend Supplement No. 4, tracked as paragraphs are read in order."""

    active: bool = False
    parent_country: str | None = None
    instructions: list[Instruction] = field(default_factory=list)
    mentioned: bool = False  # the supplement is amended at all

    def feed(self, amdpar: Amdpar) -> None:
        text = clean_unique(amdpar.text)
        numbered = _NUMBERED.match(text)
        if amdpar.part is not None and amdpar.part.strip() not in ("744", ""):
            self.active = False
            return
        if numbered:
            body = text[numbered.end() :]
            self.active = bool(_SUPP4.match(body)) or _supp4_is_subject(body)
            self.parent_country = None
        elif not _LETTERED.match(text) and (_SUPP4.match(text) or _supp4_is_subject(text)):
            self.active = True
            self.parent_country = None
        if not self.active:
            return
        self.mentioned = True
        lettered = _LETTERED.match(text)
        body = text[lettered.end() :] if lettered else text
        if numbered:
            body = text[numbered.end() :]
        label = lettered.group(1) if lettered else None
        is_roman_sub = bool(label and _ROMAN.match(label) and self.parent_country is not None)
        hidden = _hide_quotes(body)  # once for the readings below
        unders = list(_UNDER.finditer(hidden[0]))
        own_country = _country(unders[0]) if unders else None
        if not is_roman_sub and label is not None:
            self.parent_country = None
        inherited = self.parent_country if is_roman_sub else None
        if body.rstrip().endswith(":") and own_country and not _VERB.search(hidden[0]):
            self.parent_country = own_country
            return
        if body.rstrip().endswith("by:") and own_country:
            self.parent_country = own_country
        self.instructions.extend(parse_instruction_text(body, inherited, hidden, unders))


def read_instructions(amdpars: Iterable[Amdpar]) -> Scope:
    scope = Scope()
    for amdpar in amdpars:
        scope.feed(amdpar)
    return scope
