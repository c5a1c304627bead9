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
    """One table row: every cell's text, plus full `Cell`s only where the markup matters.

    Most cells are plain text; building a `Cell` for each of them was a measurable share of
    the parse, so a plain cell is just its text until someone asks for `cell(k)`.
    """

    texts: list[str]  # each cell's `Cell.text`, in column order
    page: int | None = None  # printed page the row starts on (PRTPAGE), if known
    marked: dict[int, Cell] = field(default_factory=dict)  # column -> cell with LI/SU markup

    @classmethod
    def from_cells(cls, cells: list[Cell], page: int | None = None) -> Row:
        return cls([c.text for c in cells], page, dict(enumerate(cells)))

    def cell(self, index: int) -> Cell:
        """The cell of a column: the marked one, or a one-line cell made from its text."""
        marked = self.marked.get(index)
        if marked is not None:
            return marked
        text = self.texts[index] if index < len(self.texts) else ""
        return Cell([text] if text else [], [])


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
