"""Reconciliation of an FR-replayed list with the official one, as pure functions."""

from __future__ import annotations

import json
from pathlib import Path

from regwatch.csl import read_entries
from regwatch.csl.citations import Citation
from regwatch.csl.reconcile import CitationIndex, FrDocumentRef, match_entries, reconcile
from regwatch.models import ListEntry

POLICY = "Presumption of denial."


def fr(name: str, country: str, *, aliases: tuple[str, ...] = (), policy: str = POLICY,
       cites: tuple[str, ...] = ()) -> ListEntry:  # fmt: skip
    return ListEntry(
        list="entity_list",
        source="federal_register",
        name=name,
        country=country,
        aliases=aliases,
        license_review_policy=policy,
        federal_register_citations=cites,
    )


def csl(name: str, *countries: str, aliases: tuple[str, ...] = (), policy: str = POLICY,
        cites: tuple[str, ...] = ()) -> ListEntry:  # fmt: skip
    return ListEntry(
        list="entity_list",
        source="csl",
        name=name,
        country=countries[0] if countries else None,
        countries=countries,
        aliases=aliases,
        license_review_policy=policy,
        federal_register_citations=cites,
    )


DOCS = [
    FrDocumentRef("2019-22210", 84, 54002, 54009),
    FrDocumentRef("2020-12735", 85, 34503, 34507),
]


def test_citation_index_links_pages_inside_a_document() -> None:
    index = CitationIndex(DOCS)
    assert index.link(Citation(84, 54002)) == "2019-22210"
    assert index.link(Citation(84, 54009)) == "2019-22210"
    assert index.link(Citation(84, 54010)) is None
    assert index.link(Citation(85, 34505)) == "2020-12735"
    assert index.link(Citation(86, 34505)) is None
    assert index.in_range(Citation(84, 1)) and not index.in_range(Citation(83, 1))
    assert FrDocumentRef.from_citation("x", "84 FR 54002", None, 54009) == FrDocumentRef(
        "x", 84, 54002, 54009
    )
    assert FrDocumentRef.from_citation("x", None, 1, 2) is None


def test_identical_lists_have_no_findings() -> None:
    a = [fr("Hikvision Co., Ltd.", "CHINA, PEOPLE'S REPUBLIC OF", aliases=("Hikvision",))]
    b = [csl("HIKVISION CO LTD", "CN", aliases=("hikvision",), policy="presumption of denial")]
    report = reconcile(a, b)
    assert report.findings == ()
    assert [m.rule for m in report.matches] == ["name+country"]


def test_entries_only_on_one_side() -> None:
    report = reconcile(
        [fr("Alpha Ltd.", "IRAN"), fr("Beta GmbH", "GERMANY")],
        [
            csl("Alpha Ltd", "IR"),
            csl("Gamma LLC", "AE", cites=("84 FR 54004",)),
            csl("Delta LLC", "AE", cites=("70 FR 1",)),
        ],
        documents=DOCS,
    )
    kinds = {(f.kind, f.name, f.in_scope) for f in report.findings}
    assert ("only_in_fr", "Beta GmbH", True) in kinds
    assert ("only_in_csl", "Gamma LLC", True) in kinds  # cites an ingested document
    assert ("only_in_csl", "Delta LLC", False) in kinds  # explained by missing FR history
    gamma = next(f for f in report.findings if f.name == "Gamma LLC")
    assert gamma.document_number == "2019-22210"
    uningested = [f for f in report.findings if f.kind == "uningested_citation"]
    assert [(f.citation, f.in_scope) for f in uningested] == [("70 FR 1", False)]
    assert report.counts()["only_in_fr"] == 1 and report.counts()["only_in_csl"] == 2


def test_field_mismatches_are_reported_with_both_values() -> None:
    report = reconcile(
        [fr("Omega Corp", "RUSSIA", aliases=("Omega", "OOO Omega"), policy="Case-by-case review.")],
        [csl("Omega Corp.", "RU", "BY", aliases=("Omega", "Omega Holding"))],
    )
    by_kind = {f.kind: f for f in report.findings}
    assert set(by_kind) == {"alias_mismatch", "license_policy_mismatch", "country_mismatch"}
    assert by_kind["alias_mismatch"].fr_value == "OOO Omega"
    assert by_kind["alias_mismatch"].csl_value == "Omega Holding"
    assert by_kind["license_policy_mismatch"].fr_value == "Case-by-case review."
    assert by_kind["license_policy_mismatch"].csl_value == POLICY
    assert by_kind["country_mismatch"].fr_value == "RU"
    assert by_kind["country_mismatch"].csl_value == "BY; RU"


def test_an_entity_listed_under_several_destinations_matches_one_csl_entry() -> None:
    fr_side = [fr("Sandvine Incorporated", c) for c in ("CANADA", "INDIA", "JAPAN")]
    report = reconcile(fr_side, [csl("Sandvine Incorporated", "CA", "IN", "JP")])
    assert len(report.matches) == 3
    assert report.findings == ()


def test_name_without_country_overlap_is_a_country_mismatch_not_a_missing_entry() -> None:
    report = reconcile([fr("Kappa Trading", "PAKISTAN")], [csl("Kappa Trading", "AE")])
    assert [m.rule for m in report.matches] == ["name"]
    assert [f.kind for f in report.findings] == ["country_mismatch"]


def test_a_rename_matches_through_aliases() -> None:
    # FR renamed "Sense Time" to the long name; the CSL still shows the old name as an alias.
    report = reconcile(
        [fr("Beijing Sensetime Technology Development Co., Ltd.", "CHINA")],
        [
            csl(
                "SenseTime Group",
                "CN",
                aliases=("Beijing Sensetime Technology Development Co Ltd",),
            )
        ],
    )
    assert [m.rule for m in report.matches] == ["alias+country"]
    alias = next(f for f in report.findings if f.kind == "alias_mismatch")
    assert alias.csl_value == "SenseTime Group"


def test_two_fr_entries_do_not_steal_each_others_match() -> None:
    matches = match_entries(
        [fr("Same Name", "CHINA"), fr("Same Name", "CHINA")],
        [csl("Same Name", "CN"), csl("Same Name", "CN")],
    )
    assert sorted(m.csl_index for m in matches) == [0, 1]


def test_against_the_shared_fr_documents(shared_dir: Path) -> None:
    """The 26 entries added by 84 FR 54002 all match the official list (with known diffs)."""
    fr_dir = shared_dir / "upstream" / "data" / "fr"
    expected = json.loads((fr_dir / "expected" / "2019-22210.json").read_text(encoding="utf-8"))
    added = [
        fr(
            c["name"],
            c["country"],
            aliases=tuple(c["aliases"]),
            policy=c["license_review_policy"],
            cites=tuple(c["federal_register_citations"]),
        )
        for c in expected["changes"]
        if c["action"] == "add"
    ]
    official = read_entries(shared_dir / "upstream" / "data" / "csl" / "consolidated.json")
    report = reconcile(
        added,
        official.by_list()["entity_list"],
        documents=[FrDocumentRef("2019-22210", 84, 54002, 54009)],
    )
    counts = report.counts()
    assert len(added) == 28
    # The XUAR PSB was renamed in 2020 ("Uighur" -> "Uyghur", 85 FR 44159): without that
    # revision the 2019 spelling is FR-only and the new one CSL-only, citing the ingested rule.
    only_fr = [f.name for f in report.findings if f.kind == "only_in_fr"]
    assert only_fr == [
        "Xinjiang Uighur Autonomous Region (XUAR) People's Government Public Security Bureau"
    ]
    in_scope_csl = [f for f in report.findings if f.kind == "only_in_csl" and f.in_scope]
    assert any("Uyghur" in f.name for f in in_scope_csl)
    assert all(f.document_number == "2019-22210" for f in in_scope_csl)
    # 85 FR 44159 also rewrote the license policy of the Xinjiang entries, so every match
    # whose CSL policy differs from the 2019 text is reported, with both texts.
    policy = [f for f in report.findings if f.kind == "license_policy_mismatch"]
    assert len(policy) >= 26
    assert all(f.fr_value == added[0].license_review_policy for f in policy)
    assert all(f.csl_value != f.fr_value for f in policy)
    assert counts["uningested_citation"] > 100


def test_an_entity_split_into_several_official_records_is_one_group() -> None:
    # The CSL has one record per address for some entities; the FR has one entry.
    report = reconcile(
        [fr("Gunther Example", "SOUTH AFRICA", aliases=("G. Example",))],
        [
            csl("Gunther Example", "ZA", cites=("75 FR 36516",)),
            csl("Gunther Example", "ZA", aliases=("G. Example",), cites=("75 FR 36516",)),
            csl("Other Entity", "ZA"),
        ],
    )
    assert [(f.kind, f.name) for f in report.findings if f.kind != "uningested_citation"] == [
        ("only_in_csl", "Other Entity")
    ]
