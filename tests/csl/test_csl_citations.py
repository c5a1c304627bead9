"""split_citations / parse_citations on the messy `federal_register_notice` styles of real data."""

from __future__ import annotations

import pytest

from regwatch.csl.citations import Citation, parse_citation, parse_citations, split_citations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("84 FR 54002; 85 FR 44159", ("84 FR 54002", "85 FR 44159")),
        ("77 FR 58006 No. 182", ("77 FR 58006",)),
        ("76 FR 50407 (8/15/2011)", ("76 FR 50407",)),
        ("84 FR 54002, 85 FR 44159", ("84 FR 54002", "85 FR 44159")),
        ("84 FR  54002", ("84 FR 54002",)),
        ("84  FR 54002;  85 FR 44159", ("84 FR 54002", "85 FR 44159")),
        ("", ()),
        ("   ", ()),
        (None, ()),
        # the older "F.R." style with dates, no separators, "and"
        ("67 F.R. 56530 9/4/02 67 F.R. 10890 3/11/02", ("67 FR 56530", "67 FR 10890")),
        ("54 F.R. 34536 8/21/89 and 54 F.R. 41314 10/6/89", ("54 FR 34536", "54 FR 41314")),
        ("81.F.R. 22576 4/18/2016", ("81 FR 22576",)),
        ("83F.R. 28801 6/21/2018", ("83 FR 28801",)),
        ("87 F.R.38707 6/29/2022", ("87 FR 38707",)),
        ("73 F.R 54503 9/22/08", ("73 FR 54503",)),
        ("85 FR 34405 (no. 109), 84 fr 54002", ("85 FR 34405", "84 FR 54002")),
        ("76 FR no. 197 pg. 63184", ("76 FR 63184",)),
        # dates are never pages, even malformed ones
        ("86 F.R. 66277 11/222/2021, 87 F.R. 30173 5/18/2022", ("86 FR 66277", "87 FR 30173")),
        ("99 F.R. 12345 9//21/2020", ("99 FR 12345",)),
        ("74 F.R. 27773 DATED 06/11/09", ("74 FR 27773",)),
        # missing pieces
        ("79 F.R. 60445 10/7/14, 80 17726 4/2/15", ("79 FR 60445", "80 FR 17726")),
        ("82 F.R. 2312 1/9/2017, F.R. 30823 7/3/2017", ("82 FR 2312", "82 FR 30823")),
        ("82 F.R. 16786, 16787 4/16/2017", ("82 FR 16786", "82 FR 16787")),
        ("82 F.R. 16786, 16786 4/16/2017", ("82 FR 16786",)),
        ("85 FR 34501; 88 FR", ("85 FR 34501",)),
        ("76 FR No. 197 (10/12/2011)", ()),
        ("67 F.R. 56530 9/4/02, NEW F.R. NOTICE TO BE PUBLISHED SOON", ("67 FR 56530",)),
        ("Vol. 83, No. 91, 05/10/2018", ()),
        ("72 F.R. 1/30/07", ()),
    ],
)
def test_split_citations(text: str | None, expected: tuple[str, ...]) -> None:
    assert split_citations(text) == expected


def test_a_bare_volume_page_pair_needs_a_chain_or_a_matching_date() -> None:
    # "80 17726" only counts inside a chain; a lone pair of numbers is not a citation.
    assert split_citations("80 17726") == ()
    # inside a chain, the date must agree with the volume (80 = 2015)
    assert split_citations("79 FR 60445, 80 17726 4/2/2019") == ("79 FR 60445",)


def test_a_far_away_bare_number_is_not_another_page() -> None:
    assert split_citations("82 FR 16786, 20000") == ("82 FR 16786",)


def test_parsed_form_links_volume_and_page() -> None:
    cites = parse_citations("84 FR 54002; 85 F.R. 44159 7/22/20")
    assert cites == (Citation(84, 54002), Citation(85, 44159))
    assert cites[0].year == 2019
    assert str(cites[1]) == "85 FR 44159"


def test_parse_citation_round_trips_the_normalized_form() -> None:
    assert parse_citation("84 FR 54002") == Citation(84, 54002)
    assert parse_citation(" 9 FR 1 ") == Citation(9, 1)
    assert parse_citation("84 F.R. 54002") is None
    assert parse_citation("nonsense") is None


def test_every_bis_citation_in_the_real_list_is_plausible(shared_dir: object) -> None:
    """On the real 2026 list, every parsed citation has a volume of the Entity List era."""
    import json
    from pathlib import Path

    path = Path(str(shared_dir)) / "upstream" / "data" / "csl" / "consolidated.json"
    records = json.loads(path.read_text(encoding="utf-8"))["results"]
    texts = {r["federal_register_notice"] for r in records if "Bureau of Industry" in r["source"]}
    parsed = [c for t in texts if t for c in parse_citations(t)]
    assert len(parsed) > 1500
    assert all(40 <= c.volume <= 91 for c in parsed), [
        c for c in parsed if not 40 <= c.volume <= 91
    ]
    # volume 89 (2024) passed 100,000 pages; "84 F.R. 437789" is a typo in the source itself
    assert [str(c) for c in parsed if c.page >= 200_000] == ["84 FR 437789"]
