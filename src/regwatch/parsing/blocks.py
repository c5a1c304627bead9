"""The neutral intermediate form both front ends (XML, HTML) produce.

Keeping one representation guarantees that a document parsed from its XML and from its
HTML yields the same rows: only the reading of the markup differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Cell:
    """One table cell: its printed lines (the head text, then one per `<LI>`) and footnotes."""

    lines: list[str] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        lines = self.lines
        if len(lines) == 1:  # the common case, without a generator
            return lines[0].strip()
        return " ".join([line for line in lines if line]).strip()

    @property
    def is_empty(self) -> bool:
        return not self.text


@dataclass(slots=True)
class Row:
    cells: list[Cell]
    page: int | None = None  # printed page the row starts on (PRTPAGE), if known
    texts: list[str] | None = None  # each cell's `text`, when the front end already has them


@dataclass(slots=True)
class Table:
    headings: list[str]
    rows: list[Row]
    first_page: int | None = None  # page on which the table's first entry row is printed


@dataclass(slots=True)
class Amdpar:
    """One amendatory instruction paragraph, with the CFR part of its REGTEXT if stated."""

    text: str
    part: str | None = None


Block = Amdpar | Table


@dataclass(slots=True)
class DocumentText:
    """What a front end extracted: the blocks in order plus a few preamble facts."""

    blocks: list[Block]
    summary: str = ""
    action: str = ""
