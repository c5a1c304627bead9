"""Reconciliation inside the warehouse: FR replay of ../shared documents vs the real 2026 list.

The shared FR documents are nine reconstructions (2019-2024); the CSL is the real list of
2026-07-31. What the report must show, and why (see docs/csl.md):
- only_in_fr: entries the FR history adds but the 2026 list no longer has (removed by later
  rules regwatch did not ingest): Hefei Bitland, Nanchang O-Film, Sandvine;
- only_in_csl in scope: CSL entries citing an ingested rule that the (abbreviated) reconstruction
  left out, e.g. most of the Huawei affiliates of 85 FR 51603 and the CSSC institutes of
  85 FR 83420;
- mismatches explained by later rules (Dahua's policy, 87 FR 62202) are out of scope;
- every citation of a rule regwatch has not loaded is listed once as uningested_citation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from regwatch.csl.ingest import StoredReconciliation, reconcile_warehouse
from regwatch.warehouse import Warehouse
from tests.csl.csl_testkit import T0, ingest, shared_parsed_documents


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, StoredReconciliation]]:
    from tests.conftest import SHARED, require_shared

    require_shared()
    db = tmp_path_factory.mktemp("reconcile") / "w.duckdb"
    with Warehouse.open(db, lock_timeout=5) as wh:
        for doc in shared_parsed_documents(SHARED):
            wh.load_fr_document(
                doc,
                content_sha256=doc.document.document_number,
                metadata_sha256=None,
                recorded_at=T0,
            )
        wh.replay_federal_register(recorded_at=T0)
        ingest(wh, SHARED / "upstream" / "data" / "csl" / "consolidated.json")
        stored = reconcile_warehouse(wh, as_of=dt.date(2026, 7, 31), recorded_at=T0)
    yield db, stored


def _names(stored: StoredReconciliation, kind: str, *, in_scope: bool | None = None) -> set[str]:
    return {
        f.name
        for f in stored.report.findings
        if f.kind == kind and (in_scope is None or f.in_scope == in_scope)
    }


def test_entries_the_fr_history_has_but_the_2026_list_does_not(loaded: Any) -> None:
    _, stored = loaded
    assert stored.report.csl_count == 3420
    assert stored.report.fr_count > 80
    assert _names(stored, "only_in_fr") == {
        "Hefei Bitland Information Technology Co. Ltd.",
        "Nanchang O-Film Tech",
        "Sandvine Incorporated",
    }
    sandvine = [f.country for f in stored.report.findings if f.name == "Sandvine Incorporated"]
    assert sorted(sandvine) == ["AE", "CA", "IN", "JP", "MY", "SE"]  # one per FR destination


def test_official_entries_citing_an_ingested_rule_but_missing_from_the_replay(
    loaded: Any,
) -> None:
    _, stored = loaded
    in_scope = [f for f in stored.report.findings if f.kind == "only_in_csl" and f.in_scope]
    documents = {f.document_number for f in in_scope}
    assert {"2020-18213", "2020-28031"} <= documents
    names = {f.name for f in in_scope}
    assert "Huawei Cloud Dalian" in names  # 85 FR 51603, abbreviated in the reconstruction
    assert "China State Shipbuilding Corporation, Limited (CSSC) 7th Research Academy" in names
    out_of_scope = _names(stored, "only_in_csl", in_scope=False)
    assert len(out_of_scope) > 3000  # entries from rules outside the nine documents


def test_a_mismatch_explained_by_a_later_uningested_rule_is_out_of_scope(loaded: Any) -> None:
    _, stored = loaded
    dahua = next(
        f
        for f in stored.report.findings
        if f.kind == "license_policy_mismatch" and f.name == "Dahua Technology"
    )
    assert not dahua.in_scope
    assert "87 FR 62202" in dahua.detail
    assert dahua.csl_value == "Presumption of denial"


def test_uningested_citations_are_listed_once(loaded: Any) -> None:
    _, stored = loaded
    cites = [f.citation for f in stored.report.findings if f.kind == "uningested_citation"]
    assert len(cites) == len(set(cites)) > 100
    assert "87 FR 62202" in cites
    assert "84 FR 54002" not in cites  # 2019-22210 is loaded (pages 54002-54009)


def test_findings_are_stored_and_citations_link_to_documents(loaded: Any) -> None:
    db, stored = loaded
    with Warehouse.open(db, read_only=True) as wh:
        stored_counts = dict(
            wh.con.execute(
                "SELECT kind, count(*) FROM reconciliation_latest GROUP BY kind"
            ).fetchall()
        )
        assert stored_counts == {k: v for k, v in stored.report.counts().items() if v}
        run = wh.con.execute(
            "SELECT as_of, fr_count, csl_count, finding_count FROM reconciliation_runs"
        ).fetchall()
        assert run == [
            (
                dt.date(2026, 7, 31),
                stored.report.fr_count,
                3420,
                len(stored.report.findings),
            )
        ]
        linked = wh.con.execute(
            "SELECT count(DISTINCT entry_key) FROM csl_citation_links "
            "WHERE citation = '84 FR 54002' AND document_number = '2019-22210'"
        ).fetchall()[0][0]
        assert linked == 26
        doc = wh.con.execute(
            "SELECT document_number FROM fr_document_for_citation(85, 51603)"
        ).fetchall()
        assert doc == [("2020-18213",)]


def test_the_real_list_is_stored_with_its_84_fr_54002_entries_and_aliases(loaded: Any) -> None:
    db, _ = loaded
    with Warehouse.open(db, read_only=True) as wh:
        total = wh.con.execute(
            "SELECT count(*) FROM entity_list_current WHERE source = 'csl' AND list = 'entity_list'"
        ).fetchall()[0][0]
        rows = wh.con.execute(
            "SELECT name, aliases FROM entity_list_current WHERE source = 'csl' "
            "AND list = 'entity_list' AND list_contains(federal_register_citations, '84 FR 54002')"
        ).fetchall()
    assert total == 3420
    assert len(rows) == 26
    aliases = dict(rows)
    assert aliases["Hangzhou Hikvision Digital Technology Co., Ltd."] == ["Hikvision"]
    assert aliases["Yixin Science and Technology Co. Ltd."] == [
        "Yixin Technology",
        "Yuxin Technology",
        "Yuxin Science and Technology",
        "Ecguard",
    ]
