"""The consolidated screening list (CSL): reading, citation splitting, the mass-deletion guard
and reconciliation with the Federal Register replay."""

from __future__ import annotations

from regwatch.csl.citations import Citation, parse_citation, parse_citations, split_citations
from regwatch.csl.reader import CslFormat, CslReadResult, list_for_source, read_entries

__all__ = [
    "Citation",
    "CslFormat",
    "CslReadResult",
    "list_for_source",
    "parse_citation",
    "parse_citations",
    "read_entries",
    "split_citations",
]
