"""The nine shared reconstructions must match their expected rows exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from regwatch.parsing import parse_fr_xml
from regwatch.parsing.check import compare_changes, parse_check

from ._helpers import load_document, load_expected

SHARED_NUMBERS = [
    "2019-22210",
    "2020-12735",
    "2020-15827",
    "2020-18213",
    "2020-28031",
    "2020-28052",
    "2022-07643",
    "2023-25557",
    "2024-03674",
]


@pytest.mark.parametrize("number", SHARED_NUMBERS)
def test_shared_document_matches_expected_exactly(shared_fr: Path, number: str) -> None:
    document = load_document(shared_fr, number)
    parsed = parse_fr_xml((shared_fr / "xml" / f"{number}.xml").read_bytes(), document)
    expected = load_expected(shared_fr, number)
    rows_exact, fields_total, fields_exact, diffs = compare_changes(parsed.changes, expected)
    assert diffs == []
    assert rows_exact == len(expected) == len(parsed.changes)
    assert fields_exact == fields_total
    assert [c.position for c in parsed.changes] == list(range(1, len(expected) + 1))


def test_shared_folder_is_100_percent(shared_fr: Path) -> None:
    report = parse_check(shared_fr)
    assert report.ok, [d for d in report.documents if not d.ok]
    assert report.row_accuracy == 1.0 and report.field_accuracy == 1.0
    assert {d.document_number for d in report.documents} >= set(SHARED_NUMBERS)


def test_shared_documents_raise_no_count_warnings(shared_fr: Path) -> None:
    for number in SHARED_NUMBERS:
        document = load_document(shared_fr, number)
        parsed = parse_fr_xml((shared_fr / "xml" / f"{number}.xml").read_bytes(), document)
        assert [w for w in parsed.warnings if w.code == "count_mismatch"] == [], number


def test_xinjiang_rule_headline(shared_fr: Path) -> None:
    document = load_document(shared_fr, "2019-22210")
    parsed = parse_fr_xml((shared_fr / "xml" / "2019-22210.xml").read_bytes(), document)
    names = {c.name for c in parsed.changes}
    assert len(parsed.changes) == 28 and {c.action for c in parsed.changes} == {"add"}
    assert {"Hangzhou Hikvision Digital Technology Co., Ltd.", "Dahua Technology"} <= names
    # the numbered prose list of the same names in SUPLINF is not counted
    assert len(names) == 28
