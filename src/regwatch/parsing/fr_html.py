"""FR body HTML (`body_html_url`) -> blocks, for documents that have no full-text XML.

federalregister.gov renders the GPO XML as HTML: amendatory instructions are paragraphs with
ids like ``p-amd-2``; GPOTABLEs become ``<table>`` (headings in ``<th>``, ``<LI>`` lines as
``<br>``/``<li>``/``<p>``, ``<SU>`` as ``<sup>``); printed pages are elements carrying
``data-page``. BeautifulSoup with the stdlib parser: no entity or network access at all.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Doctype, ProcessingInstruction

from regwatch.errors import ParseError
from regwatch.parsing.blocks import Amdpar, Block, Cell, DocumentText, Row, Table
from regwatch.parsing.text import clean

_AMD_CLASS = re.compile(r"amd|amendment|amendatory", re.IGNORECASE)
_LINE_TAGS = frozenset({"br", "li", "p", "div", "ul", "ol"})
_SKIP = (Comment, Doctype, ProcessingInstruction)
_HEADING = re.compile(r"^h[1-6]$")
_LABELLED = re.compile(r"^\s*(?:\d{1,3}|[a-z]{1,5})\.\s+\S")


def _is_amdpar(tag: Tag) -> bool:
    ident = str(tag.get("id") or "")
    classes = " ".join(str(c) for c in tag.get_attribute_list("class") or [] if c)
    return ident.startswith("p-amd") or bool(_AMD_CLASS.search(classes))


def _page(tag: Tag) -> int | None:
    raw = str(tag.get("data-page") or "")
    if raw.isdigit():
        return int(raw)
    ident = str(tag.get("id") or "")
    m = re.fullmatch(r"page-(\d+)", ident)
    return int(m.group(1)) if m else None


def _is_page_marker(tag: Tag) -> bool:
    classes = " ".join(str(c) for c in tag.get_attribute_list("class") or [] if c)
    return "printed-page" in classes


def _cell(td: Tag) -> Cell:
    cell = Cell(lines=[""])

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, _SKIP):
                continue
            if isinstance(child, NavigableString):
                cell.lines[-1] += str(child)
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name.lower()
            if name == "sup":
                marker = clean(child.get_text())
                if marker and marker not in cell.footnotes:
                    cell.footnotes.append(marker)
            elif _is_page_marker(child):
                continue
            elif name == "br":
                cell.lines.append("")
            elif name in _LINE_TAGS:
                cell.lines.append("")
                walk(child)
                cell.lines.append("")
            else:
                walk(child)

    walk(td)
    cell.lines = [clean(line) for line in cell.lines if clean(line)]
    return cell


def _table(table: Tag, page: int | None) -> tuple[Table, int | None]:
    headings = [clean(th.get_text(" ")) for th in table.find_all("th")]
    rows: list[Row] = []
    first_page: int | None = None
    for el in table.find_all(True):
        if el.name == "tr":
            cells = [_cell(td) for td in el.find_all("td", recursive=False)]
            if not cells:
                continue
            entry = len(cells) > 1 and any(not c.is_empty for c in cells[1:])
            if first_page is None and entry and not all(set(c.text) <= set("* ") for c in cells):
                first_page = page
            rows.append(Row.from_cells(cells, page))
        elif _page(el) is not None:
            page = _page(el)  # later rows are printed on the new page, as with PRTPAGE
    return Table(headings=headings, rows=rows, first_page=first_page), page


def _section_text(heading: Tag) -> str:
    parts: list[str] = []
    for sib in heading.find_next_siblings():
        if not isinstance(sib, Tag):
            continue
        if _HEADING.match(sib.name or ""):
            break
        parts.append(clean(sib.get_text(" ")))
    return " ".join(p for p in parts if p)


def blocks_from_html(data: bytes, document_number: str | None = None) -> DocumentText:
    if not isinstance(data, bytes | bytearray):
        raise ParseError("HTML input must be bytes", document_number=document_number)
    try:
        soup = BeautifulSoup(bytes(data), "html.parser")
    except Exception as exc:  # bs4 raises assorted errors on undecodable input
        raise ParseError(f"unreadable HTML: {exc!r}", document_number=document_number) from exc
    blocks: list[Block] = []
    fallback: list[Block] = []  # label-like paragraphs, used when no paragraph is marked AMDPAR
    page: int | None = None
    summary, action = "", ""
    inside: Tag | None = None
    for el in soup.find_all(True):
        if inside is not None and inside in el.parents:
            continue
        inside = None
        if el.name == "table":
            table, page = _table(el, page)
            blocks.append(table)
            fallback.append(table)
            inside = el
            continue
        marker = _page(el)
        if marker is not None and (_is_page_marker(el) or el.name in ("span", "a")):
            page = marker
        if el.name == "p" and _is_amdpar(el):
            blocks.append(Amdpar(text=clean(el.get_text(" ")).replace(" .", ".")))
        elif el.name == "p":
            text = clean(el.get_text(" "))
            if _LABELLED.match(text):
                fallback.append(Amdpar(text=text.replace(" .", ".")))
        elif _HEADING.match(el.name or ""):
            title = clean(el.get_text(" ")).upper()
            if title.startswith("SUMMARY"):
                summary = _section_text(el)
            elif title.startswith("ACTION"):
                action = _section_text(el)
    if not blocks and not soup.find(True):
        raise ParseError("empty HTML document", document_number=document_number)
    if not any(isinstance(b, Amdpar) for b in blocks):
        blocks = fallback
    return DocumentText(blocks=blocks, summary=summary, action=action)
