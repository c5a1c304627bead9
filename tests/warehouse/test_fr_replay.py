"""FR documents -> entity_changes, and the replay into bitemporal Entity List versions.

The hand-checked history (effective dates):
  2019-1 (2019-10-09): add Hikvision (alias HIK), Dahua, Megvii
  2020-1 (2020-05-01): revise Hikvision -> "Hikvision Digital Technology" (rename); remove Dahua
  2021-1 (2021-03-01): add Dahua again (new address)
  2021-2 (2021-06-01): correct Megvii (adds an alias)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from wh_factories import at, change, content_sha, parsed

from regwatch.models import ParseWarning
from regwatch.warehouse import Warehouse

D1 = parsed(
    "2019-1",
    "2019-10-09",
    [
        change("add", "Hikvision", aliases=("HIK",), addresses=("Hangzhou",)),
        change("add", "Dahua", addresses=("Hangzhou",)),
        change("add", "Megvii", addresses=("Beijing",)),
    ],
    citation="84 FR 54002",
)
D2 = parsed(
    "2020-1",
    "2020-05-01",
    [
        change(
            "revise",
            "Hikvision Digital Technology",
            previous_name="Hikvision",
            aliases=("HIK",),
            addresses=("Hangzhou",),
        ),
        change("remove", "Dahua"),
    ],
    citation="85 FR 100",
)
D3 = parsed("2021-1", "2021-03-01", [change("add", "Dahua", addresses=("Shenzhen",))])
D4 = parsed(
    "2021-2",
    "2021-06-01",
    [change("correct", "Megvii", aliases=("Face++",), addresses=("Beijing",))],
)


def load(wh: Warehouse, *docs: Any, day: int = 0) -> None:
    for doc in docs:
        wh.load_fr_document(
            doc, content_sha256=content_sha(doc), metadata_sha256=None, recorded_at=at(day)
        )


def rows(wh: Warehouse, sql: str, *params: object) -> list[tuple[Any, ...]]:
    return wh.con.execute(sql, list(params)).fetchall()


def count(wh: Warehouse, table: str) -> int:
    return int(rows(wh, f"SELECT count(*) FROM {table}")[0][0])  # noqa: S608


@pytest.fixture
def history(wh: Warehouse) -> Warehouse:
    load(wh, D1, D2, D3, D4)
    wh.replay_federal_register(recorded_at=at(0))
    return wh


def snap(wh: Warehouse, number: str) -> int:
    return int(
        rows(wh, "SELECT snapshot_id FROM snapshots WHERE document_number = ?", number)[0][0]
    )


def key_of(wh: Warehouse, name: str) -> str:
    found = rows(wh, "SELECT DISTINCT entry_key FROM entity_versions WHERE name = ?", name)
    assert len(found) == 1, found
    return str(found[0][0])


def test_loading_the_same_document_twice_changes_nothing(wh: Warehouse) -> None:
    first = wh.load_fr_document(D1, content_sha256="a", metadata_sha256="m", recorded_at=at(0))
    before = [count(wh, t) for t in ("fr_document_versions", "fr_changes", "parse_warnings")]
    second = wh.load_fr_document(D1, content_sha256="a", metadata_sha256="m", recorded_at=at(1))
    assert (first, second) == ("inserted", "unchanged")
    assert [count(wh, t) for t in ("fr_document_versions", "fr_changes", "parse_warnings")] == (
        before
    )
    assert rows(wh, "SELECT count(*) FROM entity_changes WHERE action = 'add'") == [(3,)]
    got = rows(wh, "SELECT name, aliases, position FROM entity_changes ORDER BY position")
    assert got == [("Hikvision", ["HIK"], 1), ("Dahua", [], 2), ("Megvii", [], 3)]


def test_changed_bytes_make_a_new_recorded_version(wh: Warehouse) -> None:
    wh.load_fr_document(D3, content_sha256="v1", metadata_sha256=None, recorded_at=at(0))
    fixed = parsed(
        "2021-1",
        "2021-03-01",
        [change("add", "Dahua Technology", addresses=("Shenzhen",))],
        warnings=(ParseWarning("count_mismatch", "abstract says 2 entities, found 1"),),
    )
    assert (
        wh.load_fr_document(fixed, content_sha256="v2", metadata_sha256=None, recorded_at=at(1))
        == "replaced"
    )
    assert rows(wh, "SELECT name FROM entity_changes") == [("Dahua Technology",)]
    assert rows(
        wh,
        "SELECT content_sha256, recorded_to IS NULL FROM fr_document_versions ORDER BY 1",
    ) == [("v1", False), ("v2", True)]
    assert rows(wh, "SELECT document_number, code FROM parse_warnings") == [
        ("2021-1", "count_mismatch")
    ]
    assert rows(wh, "SELECT count(*) FROM fr_documents") == [(1,)]


def test_replay_builds_one_snapshot_per_document(history: Warehouse) -> None:
    got = rows(
        history,
        "SELECT document_number, seq, as_of, entry_count, added, removed, modified "
        "FROM snapshots WHERE source = 'federal_register' ORDER BY seq",
    )
    assert got == [
        ("2019-1", 1, dt.date(2019, 10, 9), 3, 3, 0, 0),
        ("2020-1", 2, dt.date(2020, 5, 1), 2, 0, 1, 1),
        ("2021-1", 3, dt.date(2021, 3, 1), 3, 1, 0, 0),
        ("2021-2", 4, dt.date(2021, 6, 1), 3, 0, 0, 1),
    ]


def test_rename_keeps_the_key_and_readdition_gets_the_old_key(history: Warehouse) -> None:
    hik = rows(history, "SELECT DISTINCT entry_key FROM entity_versions WHERE name LIKE 'Hik%'")
    assert len(hik) == 1
    dahua = rows(history, "SELECT entry_key, valid_from FROM entity_versions WHERE name = 'Dahua'")
    assert len(dahua) == 2 and dahua[0][0] == dahua[1][0]


def test_entity_list_as_of_between_versions(history: Warehouse) -> None:
    def names(day: str) -> list[str]:
        return [
            r[0]
            for r in rows(
                history,
                "SELECT name FROM entity_list_as_of(?) ORDER BY name",
                dt.date.fromisoformat(day),
            )
        ]

    assert names("2019-10-08") == []
    assert names("2019-10-09") == ["Dahua", "Hikvision", "Megvii"]
    assert names("2020-04-30") == ["Dahua", "Hikvision", "Megvii"]
    assert names("2020-05-01") == ["Hikvision Digital Technology", "Megvii"]
    assert names("2021-03-01") == ["Dahua", "Hikvision Digital Technology", "Megvii"]
    got = rows(
        history,
        "SELECT addresses FROM entity_list_as_of(DATE '2021-04-01') WHERE name = 'Dahua'",
    )
    assert got == [(["Shenzhen"],)]


def test_entity_list_at_and_current(history: Warehouse) -> None:
    at_2020 = rows(
        history, "SELECT name FROM entity_list_at(?) ORDER BY name", snap(history, "2020-1")
    )
    assert at_2020 == [("Hikvision Digital Technology",), ("Megvii",)]
    current = rows(history, "SELECT name, aliases FROM entity_list_current ORDER BY name")
    assert current == [
        ("Dahua", []),
        ("Hikvision Digital Technology", ["HIK"]),
        ("Megvii", ["Face++"]),
    ]
    columns = [r[0] for r in rows(history, "DESCRIBE SELECT * FROM entity_list_current")]
    for required in (
        "list",
        "source",
        "entry_key",
        "country",
        "name",
        "aliases",
        "addresses",
        "license_requirement",
        "license_review_policy",
        "federal_register_citations",
        "valid_from",
        "valid_to",
    ):
        assert required in columns


def test_entity_diff_between_snapshots(history: Warehouse) -> None:
    got = rows(
        history,
        "SELECT change_type, entry_key, name, changed_columns, before.name, after.name "
        "FROM entity_diff(?, ?) ORDER BY change_type",
        snap(history, "2019-1"),
        snap(history, "2020-1"),
    )
    assert got == [
        (
            "modified",
            key_of(history, "Hikvision"),
            "Hikvision Digital Technology",
            ["name"],
            "Hikvision",
            "Hikvision Digital Technology",
        ),
        (
            "removed",
            rows(history, "SELECT DISTINCT entry_key FROM entity_versions WHERE name = 'Dahua'")[0][
                0
            ],
            "Dahua",
            [],
            "Dahua",
            None,
        ),
    ]
    readded = rows(
        history,
        "SELECT change_type, name FROM entity_diff(?, ?)",
        snap(history, "2020-1"),
        snap(history, "2021-1"),
    )
    assert readded == [("added", "Dahua")]
    assert rows(history, "SELECT count(*) FROM entity_diff(?, ?)", 3, 3) == [(0,)]


def test_entity_diff_dates(history: Warehouse) -> None:
    got = rows(
        history,
        "SELECT change_type, name, changed_columns FROM entity_diff_dates(DATE '2019-12-31', "
        "DATE '2021-12-31') ORDER BY name",
    )
    assert got == [
        ("modified", "Dahua", ["addresses"]),
        ("modified", "Hikvision Digital Technology", ["name"]),
        ("modified", "Megvii", ["aliases"]),
    ]


def test_entity_history_lists_every_change_with_citation(history: Warehouse) -> None:
    got = rows(
        history,
        "SELECT action, effective_date, document_number, citation, name "
        "FROM entity_history('dahua')",
    )
    assert [(a, str(d), n) for a, d, n, _, _ in got] == [
        ("add", "2019-10-09", "2019-1"),
        ("remove", "2020-05-01", "2020-1"),
        ("add", "2021-03-01", "2021-1"),
    ]
    hik = rows(history, "SELECT action, document_number, citation FROM entity_history('HIK')")
    assert hik == [("add", "2019-1", "84 FR 54002"), ("revise", "2020-1", "85 FR 100")]
    megvii = rows(history, "SELECT action FROM entity_history('%megvii%')")
    assert megvii == [("add",), ("correct",)]


def test_replay_is_idempotent(history: Warehouse) -> None:
    before = count(history, "entry_versions"), count(history, "list_snapshots")
    outcome = history.replay_federal_register(recorded_at=at(5))
    assert not outcome.changed and outcome.versions_superseded == 0
    assert (count(history, "entry_versions"), count(history, "list_snapshots")) == before
    load(history, D1, D2, D3, D4, day=6)
    assert not history.replay_federal_register(recorded_at=at(6)).changed


def test_late_document_closes_known_versions_in_recorded_time(history: Warehouse) -> None:
    known_before = at(0) + dt.timedelta(hours=1)
    late = parsed(
        "2020-2",
        "2020-02-01",
        [change("revise", "Megvii", addresses=("Beijing Haidian",))],
        published="2021-07-01",
    )
    load(history, late, day=10)
    outcome = history.replay_federal_register(recorded_at=at(10))
    assert outcome.versions_superseded >= 1 and outcome.snapshots_created == 1
    sql = (
        "SELECT addresses FROM entity_list_as_of(DATE '2020-03-01', known_at := ?) "
        "WHERE name = 'Megvii'"
    )
    assert rows(history, sql, known_before) == [(["Beijing"],)]
    assert rows(history, sql, at(11)) == [(["Beijing Haidian"],)]
    now = "SELECT addresses FROM entity_list_as_of(DATE '2020-03-01') WHERE name = 'Megvii'"
    assert rows(history, now) == [(["Beijing Haidian"],)]
    # the correction of 2021-06-01 now applies on top of the late revision
    assert rows(
        history, "SELECT aliases, addresses FROM entity_list_current WHERE name = 'Megvii'"
    ) == [(["Face++"], ["Beijing"])]
    # the superseded rows are still there for "as known at" questions
    assert (
        rows(
            history, "SELECT count(*) FROM entity_versions_bitemporal WHERE recorded_to IS NOT NULL"
        )[0][0]
        == outcome.versions_superseded
    )
    assert not history.replay_federal_register(recorded_at=at(12)).changed


def test_forward_change_closes_in_place_and_keeps_what_was_known(wh: Warehouse) -> None:
    load(wh, D1)
    wh.replay_federal_register(recorded_at=at(0))
    load(wh, D2, day=3)
    outcome = wh.replay_federal_register(recorded_at=at(3))
    assert outcome.versions_superseded == 0 and outcome.versions_ended == 2
    sql = "SELECT name FROM entity_list_as_of(DATE '2020-06-01', known_at := ?) ORDER BY name"
    assert rows(wh, sql, at(1)) == [("Dahua",), ("Hikvision",), ("Megvii",)]
    assert rows(wh, sql, at(4)) == [("Hikvision Digital Technology",), ("Megvii",)]


def test_unknown_revision_and_removal_are_reported(wh: Warehouse) -> None:
    odd = parsed(
        "2022-1",
        "2022-01-01",
        [change("remove", "Nobody"), change("revise", "Newco", previous_name="Oldco")],
    )
    load(wh, odd)
    outcome = wh.replay_federal_register(recorded_at=at(0))
    assert len(outcome.warnings) == 2
    assert rows(wh, "SELECT name, action FROM entity_list_current") == [("Newco", "add")]


def test_replay_from_a_base_snapshot(wh: Warehouse) -> None:
    from wh_factories import entry

    base = wh.ingest_list_snapshot(
        "entity_list",
        "csl",
        [entry("Hikvision", country="CN"), entry("ZTE", country="CN")],
        as_of=dt.date(2020, 1, 1),
        recorded_at=at(0),
        content_sha256="base",
    )
    load(wh, D1, D2)  # D1 (2019) is older than the base and is skipped
    outcome = wh.replay_federal_register(recorded_at=at(1), base_snapshot_id=base.snapshot_id)
    assert outcome.documents == 1
    current = rows(
        wh, "SELECT name FROM entity_list_current WHERE source = 'federal_register' ORDER BY 1"
    )
    assert current == [("Hikvision Digital Technology",), ("ZTE",)]
    assert not wh.replay_federal_register(recorded_at=at(2)).changed  # base remembered


def test_same_name_under_two_countries_is_two_entries(wh: Warehouse) -> None:
    doc = parsed(
        "2024-1",
        "2024-02-27",
        [
            change("add", "Sandvine Incorporated", country="CANADA"),
            change("add", "Sandvine Incorporated", country="INDIA"),
        ],
    )
    load(wh, doc)
    outcome = wh.replay_federal_register(recorded_at=at(0))
    assert outcome.warnings == ()
    keys = rows(wh, "SELECT DISTINCT entry_key, country FROM entity_list_current ORDER BY 2")
    assert len({k for k, _ in keys}) == 2
    removal = parsed(
        "2025-1", "2025-01-01", [change("remove", "Sandvine Incorporated", country="INDIA")]
    )
    load(wh, removal)
    wh.replay_federal_register(recorded_at=at(1))
    assert rows(wh, "SELECT country FROM entity_list_current") == [("CANADA",)]


def test_removal_rows_leave_unstated_lists_null(wh: Warehouse) -> None:
    load(wh, D1, D2)
    got = rows(
        wh,
        "SELECT action, aliases, addresses, footnotes FROM entity_changes "
        "WHERE document_number = '2020-1' ORDER BY position",
    )
    assert got == [("revise", ["HIK"], ["Hangzhou"], []), ("remove", None, None, None)]
