"""FR full-text XML (GPO style) -> blocks, with a hardened lxml parser.

No entity resolution, no DTD loading, no network, no huge-tree mode: a document that
declares entities (XXE, billion laughs) is refused with `UnsafeDocumentError`, never expanded.
"""

from __future__ import annotations

import re

from lxml import etree

from regwatch.errors import ParseError, UnsafeDocumentError
from regwatch.parsing.blocks import Amdpar, Block, Cell, DocumentText, Row, Table
from regwatch.parsing.text import clean, clean_unique

_ENTITY_DECL = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!\s*DOCTYPE", re.IGNORECASE)
_EXTERNAL_ID = re.compile(rb"<!\s*DOCTYPE[^>\[]*\b(?:SYSTEM|PUBLIC)\b", re.IGNORECASE)


def _has_doctype(view: bytes) -> bool:
    """Same answer as `_DOCTYPE.search(view)`, found from the rare '!' bytes (memchr-fast)."""
    find, pos = view.find, view.find(b"!")
    while pos != -1:
        if pos and view[pos - 1] == 0x3C and _DOCTYPE.match(view, pos - 1):  # '<!'
            return True
        pos = find(b"!", pos + 1)
    return False


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        recover=False,
    )


def _ascii_view(data: bytes) -> bytes:
    """Bytes with UTF-16/32 NULs dropped, so the DOCTYPE scan sees through wide encodings."""
    head = data[:4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:64]:
        return data.replace(b"\x00", b"")
    return data


def load_tree(data: bytes, document_number: str | None = None) -> etree._Element:
    """Parse safely; refuse entity declarations and external DTDs."""
    if not isinstance(data, bytes | bytearray):
        raise ParseError("XML input must be bytes", document_number=document_number)
    data = bytes(data)
    view = _ascii_view(data)
    if _has_doctype(view):
        if _ENTITY_DECL.search(view):
            raise UnsafeDocumentError(
                "the XML declares entities in a DOCTYPE (XXE / entity expansion); refused",
                document_number=document_number,
            )
        if _EXTERNAL_ID.search(view):
            raise UnsafeDocumentError(
                "the XML references an external DTD; refused (no DTD loading)",
                document_number=document_number,
            )
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"malformed XML: {exc}", document_number=document_number) from exc
    except (etree.LxmlError, ValueError) as exc:
        raise ParseError(f"unreadable XML: {exc}", document_number=document_number) from exc
    if root is None:
        raise ParseError("empty XML document", document_number=document_number)
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in getattr(dtd, "iterentities", list)()):
        raise UnsafeDocumentError(
            "the XML declares entities; refused", document_number=document_number
        )
    for node in root.iter(etree.Entity):
        raise UnsafeDocumentError(
            f"unexpanded entity reference {node!r}; refused", document_number=document_number
        )
    return root


_STRING_VALUE = etree.XPath("string()")  # all descendant text in one C call (no comments/PIs)


def _text(el: etree._Element) -> str:
    if len(el) == 0:  # a leaf: its text is its whole string value, no XPath call needed
        return el.text or ""
    return str(_STRING_VALUE(el))


_STARS = "* "


def _rich_cell(ent: etree._Element) -> Cell:
    """Text lines of an ENT with markup: the head, then one line per LI; SU go to footnotes."""
    lines = [ent.text or ""]  # the line being written is lines[-1]
    footnotes: list[str] = []

    def walk(el: etree._Element) -> None:
        for child in el:
            tag = child.tag
            if tag == "SU":
                marker = clean(_text(child))
                if marker and marker not in footnotes:
                    footnotes.append(marker)
            elif tag == "LI":
                lines.append(child.text or "")
                if len(child):
                    walk(child)
                lines.append("")
            elif tag == "PRTPAGE" or tag == "FTREF" or not isinstance(tag, str):
                pass  # page markers, footnote references, comments: no text
            else:
                if child.text:
                    lines[-1] += child.text
                if len(child):
                    walk(child)
            if child.tail:
                lines[-1] += child.tail

    walk(ent)
    return Cell([c for c in (clean(line) for line in lines if line) if c], footnotes)


def _page(el: etree._Element, current: int | None) -> int | None:
    raw = el.get("P", "")
    return int(raw) if raw.isdigit() else current


def _table(table: etree._Element, page: int | None) -> tuple[Table, int | None]:
    """Rows of a GPOTABLE; star rows ('* * *', nothing else) are dropped here already."""
    headings = [clean(_text(c)) for c in table.iter("CHED")]
    rows: list[Row] = []
    first_page: int | None = None
    for el in table.iter("ROW", "PRTPAGE"):
        if el.tag == "PRTPAGE":
            page = _page(el, page)
            continue
        rich: dict[int, Cell] = {}
        texts: list[str] = []
        for ent in el:
            if ent.tag != "ENT":
                continue
            if len(ent):
                cell = _rich_cell(ent)
                rich[len(texts)] = cell
                texts.append(cell.text)
            else:  # fast path: most cells are plain text
                raw = ent.text
                texts.append(clean(raw) if raw else "")
        if not "".join(texts).strip(_STARS):
            continue  # an empty or '* * *' row: no entry, and no country for later rows
        if first_page is None and len(texts) > 1 and any(texts[1:]):
            first_page = page
        rows.append(Row(texts, page, rich))
    return Table(headings=headings, rows=rows, first_page=first_page), page


def _regtext_part(el: etree._Element) -> str | None:
    for anc in el.iterancestors("REGTEXT"):
        return anc.get("PART")
    return None


def blocks_from_tree(root: etree._Element) -> DocumentText:
    blocks: list[Block] = []
    page: int | None = None
    summary: list[str] = []
    action: list[str] = []
    # PRTPAGEs inside a table are visited after it too, so the page keeps running correctly.
    for el in root.iter("PRTPAGE", "AMDPAR", "GPOTABLE", "SUM", "ACT"):
        tag = el.tag
        if tag == "PRTPAGE":
            page = _page(el, page)
        elif tag == "AMDPAR":
            blocks.append(Amdpar(text=clean_unique(_text(el)), part=_regtext_part(el)))
        elif tag == "GPOTABLE":
            table, _ = _table(el, page)
            blocks.append(table)
        elif tag == "SUM":
            summary.append(clean_unique(" ".join(_text(p) for p in el.iter("P"))))
        else:
            action.append(clean_unique(" ".join(_text(p) for p in el.iter("P"))))
    return DocumentText(blocks=blocks, summary=" ".join(summary), action=" ".join(action))
