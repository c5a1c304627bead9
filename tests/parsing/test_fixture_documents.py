"""The project's own fixtures: every structure the parser must understand, XML and HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from regwatch.models import ParsedDocument
from regwatch.parsing import parse_fr_html, parse_fr_xml
from regwatch.parsing.check import compare_changes, parse_check

from ._helpers import FIXTURES_FR, load_document, load_expected, parse_xml_file

NUMBERS = sorted(p.stem for p in (FIXTURES_FR / "xml").glob("*.xml"))
HTML_NUMBERS = sorted(p.stem for p in (FIXTURES_FR / "html").glob("*.html"))


def _xml(folder: Path, number: str) -> ParsedDocument:
    return parse_xml_file(folder, number)


def test_fixture_set_covers_enough_documents() -> None:
    assert len(NUMBERS) >= 8 and len(HTML_NUMBERS) >= 2


@pytest.mark.parametrize("number", NUMBERS)
def test_fixture_xml_matches_expected(fixtures_fr: Path, number: str) -> None:
    parsed = _xml(fixtures_fr, number)
    _, _, _, diffs = compare_changes(parsed.changes, load_expected(fixtures_fr, number))
    assert diffs == []


@pytest.mark.parametrize("number", HTML_NUMBERS)
def test_fixture_html_gives_the_same_rows_as_xml(fixtures_fr: Path, number: str) -> None:
    document = load_document(fixtures_fr, number)
    from_html = parse_fr_html((fixtures_fr / "html" / f"{number}.html").read_bytes(), document)
    from_xml = _xml(fixtures_fr, number)
    assert from_html.source_format == "html" and from_xml.source_format == "xml"
    assert from_html.changes == from_xml.changes
    _, _, _, diffs = compare_changes(from_html.changes, load_expected(fixtures_fr, number))
    assert diffs == []


def test_parse_check_on_fixtures_is_100_percent(fixtures_fr: Path) -> None:
    assert parse_check(fixtures_fr).ok
    assert parse_check(fixtures_fr, "html").ok


def test_rename_sets_previous_name(fixtures_fr: Path) -> None:
    parsed = _xml(fixtures_fr, "2024-20842")
    revised = [c for c in parsed.changes if c.action == "revise"]
    assert [(c.name, c.previous_name) for c in revised] == [
        (
            "Sichuan Dingcheng Aerospace Technology Co., Ltd.",
            "Sichuan Dingcheng Aerospace Technology",
        )
    ]


def test_removals_come_from_the_amdpar_after_table_rows(fixtures_fr: Path) -> None:
    parsed = _xml(fixtures_fr, "2024-20842")
    actions = [c.action for c in parsed.changes]
    assert actions[-3:] == ["remove"] * 3 and "remove" not in actions[:-3]
    removed = [(c.country, c.name) for c in parsed.changes if c.action == "remove"]
    assert removed[1:] == [("RUSSIA", "OOO Avtomatika"), ("RUSSIA", "Zavod Proton")]
    assert all(c.aliases == () and c.license_requirement is None for c in parsed.changes[-3:])


def test_multi_destination_entity_gives_one_row_per_destination(fixtures_fr: Path) -> None:
    parsed = _xml(fixtures_fr, "2024-20842")
    tianbing = [
        c.country for c in parsed.changes if c.name == "Beijing Tianbing Technology Co., Ltd."
    ]
    assert tianbing == ["CHINA, PEOPLE'S REPUBLIC OF", "HONG KONG"]


def test_public_inspection_placeholders_are_resolved_and_recorded(fixtures_fr: Path) -> None:
    parsed = _xml(fixtures_fr, "2025-10617")
    assert {c.federal_register_citations for c in parsed.changes} == {("90 FR 24702, 6/12/25.",)}
    codes = [w.code for w in parsed.warnings]
    assert "placeholder_resolved" in codes
    assert "INSERT" not in " ".join(" ".join(c.federal_register_citations) for c in parsed.changes)


def test_correction_rows_are_correct_actions(fixtures_fr: Path) -> None:
    parsed = _xml(fixtures_fr, "2021-08166")
    assert parsed.document.correction_of == "2021-07400"
    assert [c.action for c in parsed.changes] == ["correct"]


@pytest.mark.parametrize("number", ["2024-11906", "2021-00995"])
def test_non_entity_list_documents_give_no_rows(fixtures_fr: Path, number: str) -> None:
    parsed = _xml(fixtures_fr, number)
    assert parsed.changes == () and parsed.warnings == ()


def test_stated_count_mismatch_is_warned(fixtures_fr: Path) -> None:
    data = (fixtures_fr / "xml" / "2021-07400.xml").read_bytes()
    tampered = data.replace(b"seven Chinese entities", b"nine Chinese entities")
    assert tampered != data
    parsed = parse_fr_xml(tampered, load_document(fixtures_fr, "2021-07400"))
    mismatches = [w.message for w in parsed.warnings if w.code == "count_mismatch"]
    assert any("9 add" in m and "parsed 7" in m for m in mismatches), parsed.warnings
    assert len(parsed.changes) == 8  # rows are still returned, never silently dropped


def test_summary_count_mismatch_is_warned(fixtures_fr: Path) -> None:
    data = (fixtures_fr / "xml" / "2021-07400.xml").read_bytes()
    tampered = data.replace(b"under eight entries", b"under ten entries")
    parsed = parse_fr_xml(tampered, load_document(fixtures_fr, "2021-07400"))
    assert any("summary states 10" in w.message for w in parsed.warnings)


def test_prtpage_inside_a_cell_does_not_split_text(fixtures_fr: Path) -> None:
    parsed = _xml(fixtures_fr, "2021-07400")
    wuxi = next(c for c in parsed.changes if c.name == "National Supercomputing Center Wuxi")
    assert wuxi.addresses == (
        "Wuxi, Jiangsu, China",
        "1 Yinbai Road, Binhu District, Wuxi, Jiangsu, China",
    )


def test_correction_is_recognised_from_the_action_line_too(fixtures_fr: Path) -> None:
    from dataclasses import replace

    document = replace(load_document(fixtures_fr, "2021-08166"), correction_of=None, action=None)
    data = (fixtures_fr / "xml" / "2021-08166.xml").read_bytes()
    assert [c.action for c in parse_fr_xml(data, document).changes] == ["correct"]
    plain = data.replace(b"Correcting amendment.", b"Final rule.")
    assert [c.action for c in parse_fr_xml(plain, document).changes] == ["revise"]


def test_html_without_marked_amendment_paragraphs_still_parses(fixtures_fr: Path) -> None:
    html = (fixtures_fr / "html" / "2024-20842.html").read_text(encoding="utf-8")
    unmarked = html.replace(' class="amendment-part"', "").replace('id="p-amd-', 'id="p-x-')
    document = load_document(fixtures_fr, "2024-20842")
    parsed = parse_fr_html(unmarked.encode("utf-8"), document)
    assert parsed.changes == _xml(fixtures_fr, "2024-20842").changes
