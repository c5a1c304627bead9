"""`parse-check`: parse a folder laid out like the FR fixtures and score it against `expected/`.

Layout: ``documents/{n}.json`` (FR API JSON), ``xml/{n}.xml`` (or ``html/{n}.html``) and
``expected/{n}.json`` (``{"changes": [...]}`` plus document fields). Strings are compared
whitespace-normalised with a trailing '.' insignificant; ``null`` and ``[]`` are the same list.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from regwatch.errors import ParseError, RegwatchError
from regwatch.models import EntityChange, FRDocument, ParsedDocument
from regwatch.parsing import document_from_api_json, parse_fr_html, parse_fr_xml
from regwatch.parsing.text import comparable

CHANGE_FIELDS: tuple[str, ...] = (
    "action",
    "country",
    "name",
    "previous_name",
    "aliases",
    "addresses",
    "license_requirement",
    "license_review_policy",
    "federal_register_citations",
    "footnotes",
)
DOCUMENT_FIELDS: tuple[str, ...] = ("publication_date", "effective_date", "citation")


@dataclass(frozen=True, slots=True)
class FieldDiff:
    row: int  # 1-based position; 0 for a document-level field
    field: str
    expected: Any
    actual: Any


@dataclass(frozen=True, slots=True)
class DocumentCheck:
    document_number: str
    expected_rows: int
    parsed_rows: int
    rows_exact: int
    fields_total: int
    fields_exact: int
    diffs: tuple[FieldDiff, ...] = ()
    warnings: tuple[str, ...] = ()
    error: str | None = None

    @property
    def row_accuracy(self) -> float:
        denominator = max(self.expected_rows, self.parsed_rows)
        return (
            1.0 if denominator == 0 and self.error is None else _ratio(self.rows_exact, denominator)
        )

    @property
    def field_accuracy(self) -> float:
        return _ratio(self.fields_exact, self.fields_total)

    @property
    def ok(self) -> bool:
        return self.error is None and self.row_accuracy == 1.0 and self.field_accuracy == 1.0


@dataclass(frozen=True, slots=True)
class CheckReport:
    folder: Path
    source: str
    documents: tuple[DocumentCheck, ...]
    skipped: tuple[str, ...] = field(default_factory=tuple)

    @property
    def rows_total(self) -> int:
        return sum(max(d.expected_rows, d.parsed_rows) for d in self.documents)

    @property
    def rows_exact(self) -> int:
        return sum(d.rows_exact for d in self.documents)

    @property
    def fields_total(self) -> int:
        return sum(d.fields_total for d in self.documents)

    @property
    def fields_exact(self) -> int:
        return sum(d.fields_exact for d in self.documents)

    @property
    def row_accuracy(self) -> float:
        if self.rows_total == 0:
            return 0.0 if any(d.error for d in self.documents) else 1.0
        return _ratio(self.rows_exact, self.rows_total)

    @property
    def field_accuracy(self) -> float:
        return _ratio(self.fields_exact, self.fields_total)

    @property
    def ok(self) -> bool:
        return bool(self.documents) and all(d.ok for d in self.documents)

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "source": self.source,
            "ok": self.ok,
            "documents": [
                {
                    "document_number": d.document_number,
                    "expected_rows": d.expected_rows,
                    "parsed_rows": d.parsed_rows,
                    "rows_exact": d.rows_exact,
                    "row_accuracy": d.row_accuracy,
                    "fields_total": d.fields_total,
                    "fields_exact": d.fields_exact,
                    "field_accuracy": d.field_accuracy,
                    "error": d.error,
                    "warnings": list(d.warnings),
                    "diffs": [
                        {"row": x.row, "field": x.field, "expected": x.expected, "actual": x.actual}
                        for x in d.diffs
                    ],
                }
                for d in self.documents
            ],
            "skipped": list(self.skipped),
            "total": {
                "documents": len(self.documents),
                "rows_total": self.rows_total,
                "rows_exact": self.rows_exact,
                "row_accuracy": self.row_accuracy,
                "fields_total": self.fields_total,
                "fields_exact": self.fields_exact,
                "field_accuracy": self.field_accuracy,
            },
        }


def _ratio(a: int, b: int) -> float:
    return 1.0 if b == 0 else a / b


def _norm(value: Any) -> Any:
    if value is None or value == "" or (isinstance(value, list | tuple) and not value):
        return None
    if isinstance(value, list | tuple):
        return [comparable(str(v)) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return comparable(str(value))


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def compare_changes(
    actual: Sequence[EntityChange], expected: Sequence[Mapping[str, Any]]
) -> tuple[int, int, int, list[FieldDiff]]:
    """(rows exact, fields total, fields exact, diffs), rows compared in document order."""
    rows = max(len(actual), len(expected))
    rows_exact = fields_exact = 0
    diffs: list[FieldDiff] = []
    for i in range(rows):
        got = actual[i] if i < len(actual) else None
        want = expected[i] if i < len(expected) else None
        row_ok = True
        for name in CHANGE_FIELDS:
            a = _plain(getattr(got, name)) if got is not None else "<missing row>"
            e = want.get(name) if want is not None else "<no such row>"
            if got is not None and want is not None and _norm(a) == _norm(e):
                fields_exact += 1
            else:
                row_ok = False
                diffs.append(FieldDiff(i + 1, name, e, a))
        rows_exact += row_ok
    return rows_exact, rows * len(CHANGE_FIELDS), fields_exact, diffs


def _document(folder: Path, number: str, expected: Mapping[str, Any]) -> FRDocument:
    path = folder / "documents" / f"{number}.json"
    if path.exists():
        return document_from_api_json(json.loads(path.read_text(encoding="utf-8")))
    return document_from_api_json(
        {
            "document_number": number,
            "publication_date": expected.get("publication_date"),
            "effective_on": expected.get("effective_date"),
            "citation": expected.get("citation"),
        }
    )


def check_document(
    folder: Path, number: str, source: Literal["xml", "html"] = "xml"
) -> DocumentCheck:
    expected = json.loads((folder / "expected" / f"{number}.json").read_text(encoding="utf-8"))
    want = list(expected.get("changes") or [])
    try:
        document = _document(folder, number, expected)
        data = (folder / source / f"{number}.{source}").read_bytes()
        parsed: ParsedDocument = (
            parse_fr_xml(data, document) if source == "xml" else parse_fr_html(data, document)
        )
    except (RegwatchError, OSError, ValueError) as exc:
        total = len(want) * len(CHANGE_FIELDS) + len(DOCUMENT_FIELDS)
        return DocumentCheck(number, len(want), 0, 0, total, 0, error=str(exc))
    rows_exact, total, exact, diffs = compare_changes(parsed.changes, want)
    for name in DOCUMENT_FIELDS:
        if name not in expected:
            continue
        total += 1
        actual = _plain(getattr(document, name))
        if _norm(actual) == _norm(expected[name]):
            exact += 1
        else:
            diffs.append(FieldDiff(0, name, expected[name], actual))
    return DocumentCheck(
        document_number=number,
        expected_rows=len(want),
        parsed_rows=len(parsed.changes),
        rows_exact=rows_exact,
        fields_total=total,
        fields_exact=exact,
        diffs=tuple(diffs),
        warnings=tuple(f"{w.code}: {w.message}" for w in parsed.warnings),
    )


def parse_check(folder: Path, source: Literal["xml", "html"] = "xml") -> CheckReport:
    """Parse every ``{source}/*.{source}`` of `folder` and score it against ``expected/``."""
    folder = Path(folder)
    sources = sorted((folder / source).glob(f"*.{source}"))
    if not sources:
        raise ParseError(f"no {source}/*.{source} files in {folder}")
    checks: list[DocumentCheck] = []
    skipped: list[str] = []
    for path in sources:
        if not (folder / "expected" / f"{path.stem}.json").exists():
            skipped.append(path.stem)
            continue
        checks.append(check_document(folder, path.stem, source))
    return CheckReport(
        folder=folder, source=source, documents=tuple(checks), skipped=tuple(skipped)
    )
