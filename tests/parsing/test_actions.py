"""How table rows get their action when the AMDPAR does not name them."""

from __future__ import annotations

import datetime as dt

from regwatch.models import FRDocument
from regwatch.parsing import parse_fr_xml

DOC = FRDocument(
    document_number="2020-99999",
    title="Addition of Entities to the Entity List and Revision of an Entry",
    type="Rule",
    publication_date=dt.date(2020, 12, 22),
    effective_date=dt.date(2020, 12, 22),
    citation="85 FR 83416",
    volume=85,
    start_page=83416,
    end_page=83432,
    html_url=None,
    full_text_xml_url=None,
    body_html_url=None,
    json_url=None,
    abstract=None,
    action="Final rule.",
    agencies=("industry-and-security-bureau",),
    cfr_parts=("15 CFR 744",),
    correction_of=None,
)


def _rule(amdpars: list[str], rows: list[tuple[str, str, str]]) -> bytes:
    amd = "".join(f"<AMDPAR>{a}</AMDPAR>" for a in amdpars)
    body = "".join(
        f"<ROW><ENT I='01'>{country}</ENT><ENT>{entity}</ENT>"
        "<ENT>For all items subject to the EAR.</ENT><ENT>Presumption of denial.</ENT>"
        f"<ENT>{citation}</ENT></ROW>"
        for country, entity, citation in rows
    )
    return (
        f'<RULE><REGTEXT TITLE="15" PART="744">{amd}<GPOTABLE COLS="5"><BOXHD>'
        "<CHED>Country</CHED><CHED>Entity</CHED><CHED>License requirement</CHED>"
        "<CHED>License review policy</CHED><CHED>Federal Register citation</CHED></BOXHD>"
        f"{body}</GPOTABLE></REGTEXT></RULE>"
    ).encode()


def test_unnamed_revision_is_told_apart_by_its_earlier_citation() -> None:
    data = _rule(
        [
            "2. Supplement No. 4 to part 744 is amended:",
            "a. By adding under PAKISTAN, in alphabetical order, one Pakistani entity; and",
            "b. By revising under PAKISTAN, one Pakistani entity.",
        ],
        [
            ("PAKISTAN", "Geo Research, Pakistan.", "85 FR 83420, 12/22/20."),
            ("", "Oriental Engineers, Pakistan.", "82 FR 24245, 5/26/17. 85 FR 83420, 12/22/20."),
        ],
    )
    parsed = parse_fr_xml(data, DOC)
    assert [(c.name, c.action) for c in parsed.changes] == [
        ("Geo Research", "add"),
        ("Oriental Engineers", "revise"),
    ]
    assert [w for w in parsed.warnings if w.code == "count_mismatch"] == []


def test_named_instructions_win_over_citations() -> None:
    data = _rule(
        [
            "2. Supplement No. 4 to part 744 is amended by revising under RUSSIA the entry for "
            "“OOO Alfa”."
        ],
        [("RUSSIA", "OOO Alfa, Moscow, Russia.", "85 FR 83420, 12/22/20.")],
    )
    assert [c.action for c in parse_fr_xml(data, DOC).changes] == ["revise"]


def test_wrong_stated_count_is_reported_not_hidden() -> None:
    data = _rule(
        ["2. Supplement No. 4 to part 744 is amended by adding under IRAN, three entities."],
        [("IRAN", "Alpha Co., Tehran, Iran.", "85 FR 83420, 12/22/20.")],
    )
    parsed = parse_fr_xml(data, DOC)
    assert len(parsed.changes) == 1
    assert any(w.code == "count_mismatch" and "3 add" in w.message for w in parsed.warnings)
