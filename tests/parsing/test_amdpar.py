# ruff: noqa: E501  (FR text is kept verbatim on one line)
"""Amendatory instructions in every era's wording."""

from __future__ import annotations

from regwatch.parsing.amdpar import read_instructions
from regwatch.parsing.blocks import Amdpar

CHINA = "CHINA, PEOPLE'S REPUBLIC OF"


def _read(
    *texts: str, part: str | None = "744"
) -> list[tuple[str, str | None, list[str], int | None]]:
    scope = read_instructions(Amdpar(text=t, part=part) for t in texts)
    return [(i.action, i.country, i.names, i.count) for i in scope.instructions]


def test_numbered_single_sentence_with_word_count() -> None:
    assert _read(
        "2. Supplement No. 4 to part 744 is amended by adding under CHINA, PEOPLE'S REPUBLIC OF, "
        "in alphabetical order, twenty-eight entities."
    ) == [("add", CHINA, [], 28)]


def test_lettered_list_with_quoted_revisions() -> None:
    got = _read(
        "2. Supplement No. 4 to part 744 is amended:",
        "a. By adding under CHINA, PEOPLE'S REPUBLIC OF, in alphabetical order, nine Chinese entities; and",
        "b. By revising under CHINA, PEOPLE'S REPUBLIC OF, one Chinese entity, “Sense Time”.",
    )
    assert got == [("add", CHINA, [], 9), ("revise", CHINA, ["Sense Time"], 1)]


def test_nested_2022_form_inherits_the_country() -> None:
    got = _read(
        "2. Supplement no. 4 to part 744 is amended:",
        "a. Under CANADA, by adding in alphabetical order an entry for “Sandvine Incorporated”;",
        "b. Under CHINA, PEOPLE'S REPUBLIC OF, by:",
        "i. Revising the entry for “Beijing China Aviation Technology Co., Ltd.”;",
        'ii. Adding in alphabetical order an entry for "Chengdu Beizhan Electronics Co., Ltd."; and',
        "iii. Removing the entry for “Old Entity”;",
        "c. Under INDIA, by adding in alphabetical order an entry for “Sandvine Incorporated”.",
    )
    assert got == [
        ("add", "CANADA", ["Sandvine Incorporated"], 1),
        ("revise", CHINA, ["Beijing China Aviation Technology Co., Ltd."], None),
        ("add", CHINA, ["Chengdu Beizhan Electronics Co., Ltd."], 1),
        ("remove", CHINA, ["Old Entity"], None),
        ("add", "INDIA", ["Sandvine Incorporated"], 1),
    ]


def test_letter_i_after_h_is_not_a_sub_item_and_footnotes_are_ignored() -> None:
    got = _read(
        "4. Supplement No. 4 to part 744 is amended:",
        "h. By adding under UNITED KINGDOM, in alphabetical order, two British entities and by "
        "revising the entry for “Huawei Technologies (UK) Co., Ltd.”;",
        "i. By revising footnote 1 to supplement No. 4 to part 744.",
        "5. Supplement No. 7 to part 744 is removed and reserved.",
    )
    assert got == [
        ("add", "UNITED KINGDOM", [], 2),
        ("revise", "UNITED KINGDOM", ["Huawei Technologies (UK) Co., Ltd."], None),
    ]


def test_other_supplements_and_sections_are_out_of_scope() -> None:
    assert (
        _read(
            "2. Section 744.21 is amended by adding paragraph (g) to read as follows:",
            "3. Supplement No. 7 to part 744 is added to read as follows:",
            "a. By adding under CHINA, PEOPLE'S REPUBLIC OF, one entity.",
        )
        == []
    )
    assert (
        _read(
            "2. Supplement No. 4 to part 744 is amended by adding under IRAN, one entity.",
            part="746",
        )
        == []
    )


def test_title_case_countries_and_two_destinations_in_one_sentence() -> None:
    got = _read(
        "2. Supplement No. 4 to part 744 is amended by adding, in alphabetical order, under Pakistan, "
        "one entity, and under United Arab Emirates, two entities, to read as follows:"
    )
    assert got == [("add", "PAKISTAN", [], 1), ("add", "UNITED ARAB EMIRATES", [], 2)]


def test_removal_with_digits_and_straight_quotes() -> None:
    got = _read(
        '2. Amend supplement no. 4 to part 744 by removing under RUSSIA, 2 entries, "OOO Alfa" and "Beta JSC".'
    )
    assert got == [("remove", "RUSSIA", ["OOO Alfa", "Beta JSC"], 2)]


def test_rename_to_read() -> None:
    scope = read_instructions(
        [
            Amdpar(
                "2. Supplement No. 4 to part 744 is amended by revising under IRAN the entry for "
                "“Old Trading Co.” to read “New Trading Co.”."
            )
        ]
    )
    (ins,) = scope.instructions
    assert ins.renames == {"New Trading Co.": "Old Trading Co."} and ins.names == [
        "New Trading Co."
    ]


def test_rename_with_longer_connector_and_entity_list_as_subject() -> None:
    scope = read_instructions(
        [
            Amdpar(
                "2. The Entity List (supplement no. 4 to part 744) is amended by revising under "
                "RUSSIA the entry for “OOO Old” to reflect a name change to “OOO New”."
            )
        ]
    )
    (ins,) = scope.instructions
    assert (ins.country, ins.renames) == ("RUSSIA", {"OOO New": "OOO Old"})


def test_supplement_mentioned_late_in_a_section_amendment_is_not_in_scope() -> None:
    assert (
        _read(
            "2. Section 744.11 is amended by revising paragraph (b) to refer to the entities listed "
            "in supplement no. 4 to part 744 by adding one entity."
        )
        == []
    )


def test_several_destinations_in_one_nested_paragraph() -> None:
    got = _read(
        "2. Supplement no. 4 to part 744 is amended: a. Under CHINA, PEOPLE'S REPUBLIC OF, by adding "
        "an entry for “Alpha Ltd.”; and b. Under RUSSIA, by removing the entry for “OOO Beta”."
    )
    assert got == [("add", CHINA, ["Alpha Ltd."], 1), ("remove", "RUSSIA", ["OOO Beta"], None)]
