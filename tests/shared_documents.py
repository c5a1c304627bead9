"""The shared FR reconstructions as parsed documents: API metadata + their `expected` rows.

Tests of later stages (warehouse, CSL reconciliation, alerts) load these without running the
parser, so a parser regression fails the parser's tests, not theirs.
"""

from __future__ import annotations

import json
from pathlib import Path

from regwatch.models import EntityChange, ParsedDocument
from regwatch.parsing import document_from_api_json


def shared_parsed(fr_dir: Path, number: str) -> ParsedDocument:
    """Document `number` of a folder laid out like ../shared/upstream/data/fr."""
    meta = json.loads((fr_dir / "documents" / f"{number}.json").read_text(encoding="utf-8"))
    expected = json.loads((fr_dir / "expected" / f"{number}.json").read_text(encoding="utf-8"))
    changes = tuple(
        EntityChange(
            action=c["action"],
            country=c.get("country"),
            name=c.get("name"),
            previous_name=c.get("previous_name"),
            aliases=tuple(c.get("aliases") or ()),
            addresses=tuple(c.get("addresses") or ()),
            license_requirement=c.get("license_requirement"),
            license_review_policy=c.get("license_review_policy"),
            federal_register_citations=tuple(c.get("federal_register_citations") or ()),
            footnotes=tuple(c.get("footnotes") or ()),
            position=i,
        )
        for i, c in enumerate(expected["changes"], start=1)
    )
    return ParsedDocument(document_from_api_json(meta), changes)


def all_shared_parsed(fr_dir: Path) -> list[ParsedDocument]:
    """Every document that has an expected file, in document-number order."""
    return [shared_parsed(fr_dir, p.stem) for p in sorted((fr_dir / "expected").glob("*.json"))]
