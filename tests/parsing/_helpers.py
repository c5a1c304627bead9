"""Helpers for the parser tests: the project's own FR fixtures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from regwatch.models import FRDocument, ParsedDocument
from regwatch.parsing import document_from_api_json, parse_fr_xml

FIXTURES_FR = Path(__file__).resolve().parents[1] / "fixtures" / "fr"


def load_document(folder: Path, number: str) -> FRDocument:
    return document_from_api_json(
        json.loads((folder / "documents" / f"{number}.json").read_text(encoding="utf-8"))
    )


def load_expected(folder: Path, number: str) -> list[dict[str, Any]]:
    data = json.loads((folder / "expected" / f"{number}.json").read_text(encoding="utf-8"))
    return list(data["changes"])


def parse_xml_file(folder: Path, number: str) -> ParsedDocument:
    data = (folder / "xml" / f"{number}.xml").read_bytes()
    return parse_fr_xml(data, load_document(folder, number))
