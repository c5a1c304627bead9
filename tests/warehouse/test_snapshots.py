"""CSL list snapshots: content hashing, stable keys, held snapshots, storage growth."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wh_factories import at, change, content_sha, entry, parsed

from regwatch.models import ListEntry
from regwatch.warehouse import Warehouse

S1 = [
    entry("Alpha Ltd", addresses=("Beijing",)),
    entry("Beta Co", aliases=("Beta Trading",)),
    entry("Gamma OOO", country="RU"),
]
# Beta renamed (alias kept), Gamma removed, Delta added, Alpha unchanged
S2 = [
    entry("Alpha Ltd", addresses=("Beijing",)),
    entry("Beta Holdings", aliases=("Beta Trading",)),
    entry("Delta GmbH", country="DE"),
]
# Gamma comes back
S3 = [*S2, entry("Gamma OOO", country="RU", addresses=("Moscow",))]


def ingest(wh: Warehouse, entries: list[ListEntry], day: int, sha: str | None = None) -> Any:
    return wh.ingest_list_snapshot(
        "entity_list",
        "csl",
        entries,
        as_of=dt.date(2024, 1, 1) + dt.timedelta(days=day),
        recorded_at=at(day),
        content_sha256=sha or f"file-{day}",
    )


def rows(wh: Warehouse, sql: str, *params: object) -> list[tuple[Any, ...]]:
    return wh.con.execute(sql, list(params)).fetchall()


def storage(wh: Warehouse) -> tuple[int, int, int]:
    return (
        rows(wh, "SELECT count(*) FROM entry_versions")[0][0],
        rows(wh, "SELECT count(*) FROM list_snapshots")[0][0],
        rows(wh, "SELECT count(*) FROM held_snapshot_entries")[0][0],
    )


def key(wh: Warehouse, name: str) -> str:
    found = rows(wh, "SELECT DISTINCT entry_key FROM entity_versions WHERE name = ?", name)
    assert len(found) == 1, found
    return str(found[0][0])


def test_identical_content_is_unchanged_and_adds_no_rows(wh: Warehouse) -> None:
    first = ingest(wh, S1, 0)
    assert (first.status, first.added, first.entry_count) == ("created", 3, 3)
    before = storage(wh)
    for day in range(1, 31):  # a month of nightly runs, same list, new file hashes
        again = ingest(wh, list(reversed(S1)), day)
        assert (again.status, again.snapshot_id) == ("unchanged", first.snapshot_id)
    assert storage(wh) == before


def test_changes_and_stable_keys(wh: Warehouse) -> None:
    s1 = ingest(wh, S1, 0)
    beta, gamma = key(wh, "Beta Co"), key(wh, "Gamma OOO")
    s2 = ingest(wh, S2, 1)
    assert (s2.status, s2.added, s2.removed, s2.modified, s2.entry_count) == (
        "created",
        1,
        1,
        1,
        3,
    )
    assert key(wh, "Beta Holdings") == beta  # renamed, matched by its alias
    diff = rows(
        wh,
        "SELECT change_type, name, changed_columns FROM entity_diff(?, ?) ORDER BY change_type",
        s1.snapshot_id,
        s2.snapshot_id,
    )
    assert diff == [
        ("added", "Delta GmbH", []),
        ("modified", "Beta Holdings", ["name"]),
        ("removed", "Gamma OOO", []),
    ]
    s3 = ingest(wh, S3, 2)
    assert (s3.added, s3.removed, s3.modified) == (1, 0, 0)
    back = rows(
        wh, "SELECT entry_key FROM entity_list_at(?) WHERE name = 'Gamma OOO'", s3.snapshot_id
    )
    assert back == [(gamma,)]
    # as of a date between two snapshots
    between = rows(
        wh, "SELECT name FROM entity_list_as_of(DATE '2024-01-01') WHERE source = 'csl' ORDER BY 1"
    )
    assert between == [("Alpha Ltd",), ("Beta Co",), ("Gamma OOO",)]
    history = rows(wh, "SELECT action, effective_date, name FROM entity_history('gamma')")
    assert [(a, str(d)) for a, d, _ in history] == [
        ("add", "2024-01-01"),
        ("remove", "2024-01-02"),
        ("add", "2024-01-03"),
    ]


def test_duplicate_names_get_distinct_keys(wh: Warehouse) -> None:
    twins = [entry("Same Name", addresses=("A",)), entry("Same Name", addresses=("B",))]
    ingest(wh, twins, 0)
    keys = rows(wh, "SELECT entry_key FROM entity_list_current ORDER BY entry_key")
    assert len({k for (k,) in keys}) == 2
    ingest(wh, twins, 1, sha="other")
    assert rows(wh, "SELECT count(*) FROM entry_versions")[0][0] == 2


def test_held_snapshot_is_not_current_until_accepted(wh: Warehouse) -> None:
    ingest(wh, S1, 0)
    held = wh.ingest_list_snapshot(
        "entity_list",
        "csl",
        S1[:1],
        as_of=dt.date(2024, 2, 1),
        recorded_at=at(5),
        content_sha256="tiny",
        make_current=False,
        note="2 of 3 entries gone",
    )
    assert (held.status, held.removed, held.entry_count) == ("held", 2, 1)
    assert rows(wh, "SELECT count(*) FROM entity_list_current")[0][0] == 3
    assert rows(wh, "SELECT name FROM entity_list_at(?)", held.snapshot_id) == [("Alpha Ltd",)]
    assert rows(wh, "SELECT status FROM snapshots WHERE snapshot_id = ?", held.snapshot_id) == [
        ("held",)
    ]
    again = wh.ingest_list_snapshot(
        "entity_list",
        "csl",
        S1[:1],
        as_of=dt.date(2024, 2, 2),
        recorded_at=at(6),
        content_sha256="tiny",
        make_current=False,
    )
    assert (again.status, again.snapshot_id) == ("held", held.snapshot_id)
    wh.accept_snapshot(held.snapshot_id, recorded_at=at(7))
    assert rows(wh, "SELECT name FROM entity_list_current") == [("Alpha Ltd",)]
    assert rows(
        wh, "SELECT status, removed FROM snapshots WHERE snapshot_id = ?", held.snapshot_id
    ) == [("current", 2)]
    assert storage(wh)[2] == 0


def test_csl_entry_adopts_the_fr_key_of_the_same_entity(wh: Warehouse) -> None:
    doc = parsed("2019-1", "2019-10-09", [change("add", "Hikvision", country="CHINA")])
    wh.load_fr_document(
        doc, content_sha256=content_sha(doc), metadata_sha256=None, recorded_at=at(0)
    )
    wh.replay_federal_register(recorded_at=at(0))
    ingest(wh, [entry("Hikvision", country="CN"), entry("Other")], 1)
    keys = dict(
        rows(wh, "SELECT source, entry_key FROM entity_list_current WHERE name = 'Hikvision'")
    )
    assert keys["csl"] == keys["federal_register"]
    diff = rows(
        wh,
        "SELECT change_type, name, changed_columns FROM entity_diff(?, ?) ORDER BY name",
        rows(wh, "SELECT snapshot_id FROM snapshots WHERE source = 'federal_register'")[0][0],
        rows(wh, "SELECT snapshot_id FROM snapshots WHERE source = 'csl'")[0][0],
    )
    # matched by key; the sources spell the country differently (CHINA vs CN)
    assert diff == [("modified", "Hikvision", ["country"]), ("added", "Other", [])]
