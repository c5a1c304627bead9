# ruff: noqa: E501  (FR text is kept verbatim on one line)
"""Entity cell splitting, citation chains and counts, on cells written the way BIS prints them."""

from __future__ import annotations

import pytest

from regwatch.parsing.entity import split_citations, split_entity_cell
from regwatch.parsing.numbers import parse_count


def test_li_aliases_and_address() -> None:
    parts = split_entity_cell(
        [
            "Hami Municipality Public Security Bureau, a.k.a., the following two aliases:",
            "—Kumul Municipality Public Security Bureau; and",
            "—Qumul Municipality Public Security Bureau.",
            "Hami, Xinjiang, China.",
        ]
    )
    assert parts.name == "Hami Municipality Public Security Bureau"
    assert parts.aliases == [
        "Kumul Municipality Public Security Bureau",
        "Qumul Municipality Public Security Bureau",
    ]
    assert parts.addresses == ["Hami, Xinjiang, China"]
    assert parts.stated_alias_count == 2


def test_inline_bullets_with_abbreviation_before_the_address() -> None:
    parts = split_entity_cell(
        [
            "Huawei Technologies (UK) Co., Ltd., a.k.a., the following one alias: —Huawei Software"
            " Technologies Co. Ltd. 300 South Oak Way, Green Park, Reading, RG2 6UF, United Kingdom."
        ]
    )
    assert parts.name == "Huawei Technologies (UK) Co., Ltd."
    assert parts.aliases == ["Huawei Software Technologies Co. Ltd."]
    assert parts.addresses == ["300 South Oak Way, Green Park, Reading, RG2 6UF, United Kingdom"]


def test_name_with_commas_and_no_alias() -> None:
    parts = split_entity_cell(["Huawei International Co., Limited, Hong Kong."])
    assert (parts.name, parts.addresses) == ("Huawei International Co., Limited", ["Hong Kong"])
    parts = split_entity_cell(
        ["Hafei Aviation Industry Co., Ltd. (HAFEI), Harbin, Heilongjiang, China."]
    )
    assert parts.name == "Hafei Aviation Industry Co., Ltd. (HAFEI)"
    assert parts.addresses == ["Harbin, Heilongjiang, China"]


def test_two_addresses_joined_by_semicolon_and() -> None:
    parts = split_entity_cell(
        [
            "Tianjin University, 92 Weijin Road, Nankai District, Tianjin, China; and 135 Yaguan Road, Tianjin, China."
        ]
    )
    assert parts.addresses == [
        "92 Weijin Road, Nankai District, Tianjin, China",
        "135 Yaguan Road, Tianjin, China",
    ]


def test_alias_that_contains_aka_stays_one_alias() -> None:
    parts = split_entity_cell(
        [
            "CSSC 710th Research Institute, a.k.a., the following two aliases:",
            "—CSIC 710th Research Institute; and",
            "—Yichang Testing Technology Research Institute a.k.a. Yichang Institute of Testing Technology.",
            "Yichang, Hubei, China.",
        ]
    )
    assert (
        parts.aliases[1]
        == "Yichang Testing Technology Research Institute a.k.a. Yichang Institute of Testing Technology"
    )
    assert parts.addresses == ["Yichang, Hubei, China"]


def test_single_inline_aka_and_fka() -> None:
    parts = split_entity_cell(
        ["Gulf Ace General Trading, a.k.a. Gulf Ace Trading LLC, Office 203, Deira, Dubai, U.A.E."]
    )
    assert parts.name == "Gulf Ace General Trading"
    assert parts.aliases == ["Gulf Ace Trading LLC"]
    assert parts.addresses == ["Office 203, Deira, Dubai, U.A.E."]
    parts = split_entity_cell(["Old Name Co., f.k.a. Older Name Co., Ltd., Moscow, Russia."])
    assert (parts.name, parts.aliases, parts.addresses) == (
        "Old Name Co.",
        ["Older Name Co., Ltd."],
        ["Moscow, Russia"],
    )


def test_known_name_from_the_amdpar_wins_and_takes_legal_suffixes() -> None:
    parts = split_entity_cell(
        ["Acme Trading, Beijing Branch, Beijing, China."], ["Acme Trading, Beijing Branch"]
    )
    assert parts.name == "Acme Trading, Beijing Branch"
    parts = split_entity_cell(["Sichuan Example Co., Ltd., Chengdu, China."], ["Sichuan Example"])
    assert (
        parts.name == "Sichuan Example Co., Ltd."
    )  # a known name is no prefix of a longer word run
    parts = split_entity_cell(
        ["Example Holdings, Co., Ltd., Chengdu, China."], ["Example Holdings"]
    )
    assert parts.name == "Example Holdings, Co., Ltd."


def test_en_dash_inside_alias_is_not_a_bullet() -> None:
    parts = split_entity_cell(
        ["BCAT Co., a.k.a., the following two aliases:", "—B–CAT; and", "—BCAT.", "Beijing, China."]
    )
    assert parts.aliases == ["B–CAT", "BCAT"]


def test_empty_cell() -> None:
    assert split_entity_cell([]).name == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("84 FR 54004, 10/9/19.", ["84 FR 54004, 10/9/19."]),
        (
            "84 FR 54004, 10/9/19. 85 FR 44161, 7/22/20.",
            ["84 FR 54004, 10/9/19.", "85 FR 44161, 7/22/20."],
        ),
        (
            "73 FR 74001, 12/5/08 76 FR 21628, 4/18/11",
            ["73 FR 74001, 12/5/08", "76 FR 21628, 4/18/11"],
        ),
        ("", []),
        ("See note", ["See note"]),
    ],
)
def test_split_citations(text: str, expected: list[str]) -> None:
    assert split_citations(text) == expected


@pytest.mark.parametrize(
    ("word", "value"),
    [
        ("twenty-eight", 28),
        ("28", 28),
        ("one", 1),
        ("an", 1),
        ("thirty-seven", 37),
        ("eleven", 11),
        ("one hundred twenty", 120),
        ("many", None),
    ],
)
def test_parse_count(word: str, value: int | None) -> None:
    assert parse_count(word) == value


def test_single_inline_alias_ended_by_a_sentence() -> None:
    parts = split_entity_cell(
        ["Beta Labs, a.k.a. Beta Research Co. Ltd. 12 Main Street, Minsk, Belarus."]
    )
    assert parts.aliases == ["Beta Research Co. Ltd."]
    assert parts.addresses == ["12 Main Street, Minsk, Belarus"]


def test_alias_lists_without_dash_bullets() -> None:
    lines = [
        "Orion Co., a.k.a., the following two aliases:",
        "Orion Trading;",
        "Orion Tech Co. Ltd.",
        "Minsk, Belarus.",
    ]
    parts = split_entity_cell(lines)
    assert (parts.aliases, parts.addresses) == (
        ["Orion Trading", "Orion Tech Co. Ltd."],
        ["Minsk, Belarus"],
    )
    inline = [
        "Orion Co., a.k.a., the following two aliases: Orion Trading; and Orion Tech Co. Ltd. Minsk, Belarus."
    ]
    parts = split_entity_cell(inline)
    assert (parts.aliases, parts.addresses) == (
        ["Orion Trading", "Orion Tech Co. Ltd."],
        ["Minsk, Belarus"],
    )
