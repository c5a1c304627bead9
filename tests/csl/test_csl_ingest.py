"""ingest_csl into a real (temporary) warehouse: snapshots, re-ingest, edits, the guard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from regwatch.csl import read_entries
from regwatch.csl.ingest import accept_held_snapshot, accept_pending, pending_holds
from regwatch.errors import WarehouseError
from tests.csl.csl_testkit import (
    SAMPLE_CSV,
    SAMPLE_JSON,
    T0,
    Record,
    edited_copy,
    ingest,
    open_wh,
    table_counts,
)


def _current(wh: Any, list_name: str = "entity_list") -> set[str]:
    rows = wh.con.execute(
        "SELECT name FROM entity_list_current WHERE source = 'csl' AND list = ?", [list_name]
    ).fetchall()
    return {r[0] for r in rows}


def test_first_ingest_stores_one_current_snapshot_per_bis_list(db_path: Path) -> None:
    expected = read_entries(SAMPLE_JSON).counts()
    with open_wh(db_path) as wh:
        outcome = ingest(wh, SAMPLE_JSON)
        assert [i.status for i in outcome.lists] == ["created"] * 4
        assert {i.list: i.entry_count for i in outcome.lists} == expected
        assert not outcome.held and not outcome.skipped
        rows = wh.con.execute(
            "SELECT list, count(*) FROM entity_list_current WHERE source = 'csl' GROUP BY list"
        ).fetchall()
        assert dict(rows) == expected
        stored = wh.con.execute(
            "SELECT aliases, countries, addresses, federal_register_citations "
            "FROM entity_list_current WHERE name = 'Example Logistics FZE'"
        ).fetchall()
        assert stored == [
            (
                ["Example Logistics", "EL Freight FZE"],
                ["AE", "IR"],
                [
                    "P.O. Box 12345, Jebel Ali Free Zone, Dubai, AE",
                    "No. 34 Sample Street, Tehran, IR",
                ],
                ["76 FR 50407"],
            )
        ]


def test_unchanged_reingest_creates_nothing(db_path: Path) -> None:
    with open_wh(db_path) as wh:
        ingest(wh, SAMPLE_JSON)
        before = table_counts(wh)
        again = ingest(wh, SAMPLE_JSON, day=1)
        assert again.skipped
        assert [i.status for i in again.lists] == ["unchanged"] * 4
        # the same lists in the other format are a different file with the same content
        as_csv = ingest(wh, SAMPLE_CSV, day=2)
        assert not as_csv.skipped
        assert [i.status for i in as_csv.lists] == ["unchanged"] * 4
        assert table_counts(wh) == before


def _edit(records: list[Record]) -> list[Record]:
    out = [r for r in records if r["name"] != "Megvii Technology"]
    for r in out:
        if r["name"] == "IFLYTEK":
            r["alt_names"] = [*r["alt_names"], "Keda Xunfei"]
        if r["name"] == "JOHN Q. SAMPLE":
            r["addresses"][0]["city"] = "DALLAS"
    new = dict(out[0])
    new.update(id="new-entry", name="Example New Entity Ltd.", alt_names=["ENE"])
    out.append(new)
    return out


def test_a_changed_file_diffs_exactly_as_edited(db_path: Path, tmp_path: Path) -> None:
    edited = edited_copy(tmp_path / "edited.json", _edit)
    with open_wh(db_path) as wh:
        first = {i.list: i.snapshot_id for i in ingest(wh, SAMPLE_JSON).lists}
        second = ingest(wh, edited, day=1)
        status = {i.list: i.status for i in second.lists}
        assert status == {
            "entity_list": "created",  # 1 of 28 removed: under the 5% threshold
            "denied_persons": "created",
            "unverified": "unchanged",
            "military_end_user": "unchanged",
        }
        changes = {}
        for item in second.lists:
            if item.status != "created":
                continue
            rows = wh.con.execute(
                "SELECT change_type, name, changed_columns FROM entity_diff(?, ?)",
                [first[item.list], item.snapshot_id],
            ).fetchall()
            changes[item.list] = sorted((r[0], r[1], tuple(r[2])) for r in rows)
    assert changes == {
        "entity_list": [
            ("added", "Example New Entity Ltd.", ()),
            ("modified", "IFLYTEK", ("aliases",)),
            ("removed", "Megvii Technology", ()),
        ],
        "denied_persons": [("modified", "JOHN Q. SAMPLE", ("addresses",))],
    }


def _drop_third(records: list[Record]) -> list[Record]:
    return [r for i, r in enumerate(records) if not (r["source"].startswith("Entity") and i % 3)]


def test_the_guard_holds_a_large_drop_until_accepted(db_path: Path, tmp_path: Path) -> None:
    dropped = edited_copy(tmp_path / "dropped.json", _drop_third)
    with open_wh(db_path) as wh:
        ingest(wh, SAMPLE_JSON)
        full = _current(wh)
        outcome = ingest(wh, dropped, day=1)
        held = outcome.held
        assert [h.list for h in held] == ["entity_list"]
        assert held[0].drop.share > 0.05 and "dropped" in (held[0].drop.reason or "")
        assert "HELD entity_list" in "\n".join(outcome.detail_lines())
        assert _current(wh) == full  # the official list did not change
        assert [h["snapshot_id"] for h in pending_holds(wh)] == [held[0].snapshot_id]

        # the same file again: still held, nothing new stored
        before = table_counts(wh)
        again = ingest(wh, dropped, day=2)
        assert [h.snapshot_id for h in again.held] == [held[0].snapshot_id]
        assert table_counts(wh)[:2] == before[:2]

        # accepted with the flag: the held snapshot itself becomes current
        accepted = ingest(wh, dropped, day=2, accept_drop=True)
        el = next(i for i in accepted.lists if i.list == "entity_list")
        assert (el.status, el.snapshot_id) == ("accepted", held[0].snapshot_id)
        assert _current(wh) == {e.name for e in read_entries(dropped).by_list()["entity_list"]}
        assert pending_holds(wh) == []


def test_a_whole_missing_list_is_held_and_accept_snapshot_releases_it(
    db_path: Path, tmp_path: Path
) -> None:
    no_meu = edited_copy(
        tmp_path / "no_meu.json",
        lambda rs: [r for r in rs if not r["source"].startswith("Military End User")],
    )
    with open_wh(db_path) as wh:
        ingest(wh, SAMPLE_JSON)
        outcome = ingest(wh, no_meu, day=1)
        assert [h.list for h in outcome.held] == ["military_end_user"]
        assert "whole list" in (outcome.held[0].drop.reason or "")
        assert len(_current(wh, "military_end_user")) == 3
        item = accept_held_snapshot(wh, outcome.held[0].snapshot_id, recorded_at=T0)
        assert item.status == "accepted"
        assert _current(wh, "military_end_user") == set()
        again = accept_held_snapshot(wh, outcome.held[0].snapshot_id, recorded_at=T0)
        assert again.status == "unchanged"
        with pytest.raises(WarehouseError, match="no snapshot 999"):
            accept_held_snapshot(wh, 999, recorded_at=T0)


def test_a_later_good_file_supersedes_a_pending_hold(db_path: Path, tmp_path: Path) -> None:
    dropped = edited_copy(tmp_path / "dropped.json", _drop_third)
    edited = edited_copy(tmp_path / "edited.json", _edit)
    with open_wh(db_path) as wh:
        ingest(wh, SAMPLE_JSON)
        assert ingest(wh, dropped, day=1).held
        assert len(pending_holds(wh)) == 1
        assert not ingest(wh, edited, day=2).held
        assert pending_holds(wh) == []
        assert accept_pending(wh, recorded_at=T0) == []


def test_a_custom_threshold(db_path: Path, tmp_path: Path) -> None:
    dropped = edited_copy(tmp_path / "dropped.json", _drop_third)
    from regwatch.csl.ingest import ingest_csl
    from tests.csl.csl_testkit import sha256_of

    with open_wh(db_path) as wh:
        ingest(wh, SAMPLE_JSON)
        outcome = ingest_csl(
            wh,
            dropped,
            content_sha256=sha256_of(dropped),
            as_of=T0.date(),
            recorded_at=T0,
            max_drop=0.9,
        )
        assert not outcome.held
        assert outcome.verdict.max_drop == 0.9
