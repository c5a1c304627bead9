"""Federal Register documents -> Entity List changes (`ParsedDocument`).

Public API:
  * `document_from_api_json(data)` — FR API v1 document JSON -> `FRDocument`;
  * `parse_fr_xml(data, document)` — full-text XML (hardened lxml) -> `ParsedDocument`;
  * `parse_fr_html(data, document)` — `body_html_url` HTML (BeautifulSoup) -> same rows.

Both parsers raise `regwatch.errors.ParseError` (or `UnsafeDocumentError`) and nothing else,
so a caller can quarantine the document and carry on.
"""

from __future__ import annotations

import logging

from regwatch.errors import ParseError
from regwatch.models import FRDocument, ParsedDocument
from regwatch.parsing.api import document_from_api_json
from regwatch.parsing.core import build

log = logging.getLogger(__name__)

__all__ = ["document_from_api_json", "parse_fr_html", "parse_fr_xml"]


def _guarded(kind: str, document: FRDocument, data: bytes) -> ParsedDocument:
    number = getattr(document, "document_number", None)
    try:
        if kind == "xml":
            from regwatch.parsing.fr_xml import blocks_from_tree, load_tree

            text = blocks_from_tree(load_tree(data, number))
            return build(text, document, "xml")
        from regwatch.parsing.fr_html import blocks_from_html

        return build(blocks_from_html(data, number), document, "html")
    except ParseError:
        raise
    except RecursionError as exc:
        raise ParseError(f"{kind} nesting too deep to parse", document_number=number) from exc
    except Exception as exc:  # the contract: only ParseError leaves the parser
        log.exception("unexpected failure parsing %s %s", kind, number)
        raise ParseError(f"could not parse {kind}: {exc!r}", document_number=number) from exc


def parse_fr_xml(data: bytes, document: FRDocument) -> ParsedDocument:
    """Entity List changes stated by one FR full-text XML document."""
    return _guarded("xml", document, data)


def parse_fr_html(data: bytes, document: FRDocument) -> ParsedDocument:
    """Entity List changes from the FR body HTML, for documents without XML."""
    return _guarded("html", document, data)
