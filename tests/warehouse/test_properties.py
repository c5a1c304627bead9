"""Properties of the storage model on random small histories (hypothesis)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wh_factories import at, change, parsed

from regwatch.models import EntityChange, ListEntry, ParsedDocument
from regwatch.warehouse import Warehouse

NAMES = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta"]
SETTINGS = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

entry_st = st.builds(
    lambda name, country, alias, address: ListEntry(
        list="entity_list",
        source="csl",
        name=name,
        country=country,
        aliases=(alias,) if alias else (),
        addresses=(address,),
    ),
    st.sampled_from(NAMES),
    st.sampled_from(["CN", "RU"]),
    st.sampled_from(["", "a1", "a2"]),
    st.sampled_from(["x", "y"]),
)
snapshot_st = st.lists(entry_st, max_size=6, unique_by=lambda e: (e.name, e.country))


def _content(entries: list[ListEntry]) -> list[tuple[Any, ...]]:
    return sorted((e.name, e.country, tuple(e.aliases), tuple(e.addresses)) for e in entries)


def _fresh(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.duckdb"
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    return path


@SETTINGS
@given(st.lists(snapshot_st, min_size=1, max_size=6))
def test_every_snapshot_reads_back_and_diffs_add_up(tmp_path: Path, history: list[Any]) -> None:
    with Warehouse.open(_fresh(tmp_path, "csl")) as wh:
        ids: list[int] = []
        for day, entries in enumerate(history):
            outcome = wh.ingest_list_snapshot(
                "entity_list",
                "csl",
                entries,
                as_of=dt.date(2024, 1, 1) + dt.timedelta(day),
                recorded_at=at(day),
                content_sha256=f"f{day}",
            )
            ids.append(outcome.snapshot_id)
            assert outcome.entry_count == len(entries)
        for entries, sid in zip(history, ids, strict=True):
            got = wh.con.execute(
                "SELECT name, country, aliases, addresses FROM entity_list_at(?)", [sid]
            ).fetchall()
            assert sorted((n, c, tuple(a), tuple(d)) for n, c, a, d in got) == _content(entries)
        for a in ids:
            for b in ids:
                counts = dict(
                    wh.con.execute(
                        "SELECT change_type, count(*) FROM entity_diff(?, ?) GROUP BY 1", [a, b]
                    ).fetchall()
                )
                size = {
                    s: wh.con.execute("SELECT count(*) FROM entity_list_at(?)", [s]).fetchall()[0][
                        0
                    ]
                    for s in (a, b)
                }
                assert size[b] == size[a] + counts.get("added", 0) - counts.get("removed", 0)
                if a == b:
                    assert counts == {}
        # versions grow with changes, never with unchanged re-ingests
        rows = wh.con.execute("SELECT count(*) FROM entry_versions").fetchall()[0][0]
        wh.ingest_list_snapshot(
            "entity_list",
            "csl",
            history[-1],
            as_of=dt.date(2025, 1, 1),
            recorded_at=at(99),
            content_sha256="again",
        )
        assert wh.con.execute("SELECT count(*) FROM entry_versions").fetchall()[0][0] == rows


change_st = st.tuples(
    st.sampled_from(["add", "add", "revise", "remove"]),
    st.sampled_from(NAMES[:4]),
    st.sampled_from(["", "x", "y"]),
)
docs_st = st.lists(
    st.tuples(st.integers(0, 40), st.lists(change_st, min_size=1, max_size=4)),
    min_size=1,
    max_size=5,
)


def _documents(spec: list[tuple[int, list[tuple[str, str, str]]]]) -> list[ParsedDocument]:
    docs = []
    for i, (offset, changes) in enumerate(spec):
        effective = (dt.date(2020, 1, 1) + dt.timedelta(days=offset)).isoformat()
        items: list[EntityChange] = [
            change(action, name, addresses=(address,) if address else ())
            for action, name, address in changes
        ]
        docs.append(parsed(f"2020-{i:05d}", effective, items))
    return docs


def _state(wh: Warehouse) -> dict[str, Any]:
    def q(sql: str) -> list[tuple[Any, ...]]:
        return wh.con.execute(sql + " ORDER BY ALL").fetchall()

    return {
        "current": q("SELECT entry_key, name, addresses FROM entity_list_current"),
        "versions": q(
            "SELECT entry_key, name, addresses, valid_from, valid_to, action, "
            "document_number FROM entity_versions"
        ),
        "as_of": [
            q(f"SELECT entry_key, name FROM entity_list_as_of(DATE '2020-01-{d:02d}')")  # noqa: S608
            for d in (1, 10, 20, 31)
        ],
    }


@SETTINGS
@given(docs_st, st.randoms(use_true_random=False))
def test_loading_order_does_not_change_current_knowledge(
    tmp_path: Path, spec: Any, rnd: Any
) -> None:
    docs = _documents(spec)
    with Warehouse.open(_fresh(tmp_path, "all")) as wh:
        for doc in docs:
            wh.load_fr_document(
                doc,
                content_sha256=doc.document.document_number,
                metadata_sha256=None,
                recorded_at=at(0),
            )
        wh.replay_federal_register(recorded_at=at(0))
        expected = _state(wh)
    shuffled = list(docs)
    rnd.shuffle(shuffled)
    with Warehouse.open(_fresh(tmp_path, "late")) as wh:
        for day, doc in enumerate(shuffled, start=1):
            wh.load_fr_document(
                doc,
                content_sha256=doc.document.document_number,
                metadata_sha256=None,
                recorded_at=at(day),
            )
            wh.replay_federal_register(recorded_at=at(day))
        assert _state(wh) == expected
        assert not wh.replay_federal_register(recorded_at=at(99)).changed
        # what was known after the first document is still answerable, unchanged
        known = at(1) + dt.timedelta(hours=1)
        then = [
            sorted(
                wh.con.execute(
                    "SELECT entry_key, name, addresses FROM entity_list_as_of(?, known_at := ?) "
                    "ORDER BY ALL",
                    [dt.date(2020, 1, d), known],
                ).fetchall()
            )
            for d in (1, 10, 20, 31)
        ]
    with Warehouse.open(_fresh(tmp_path, "first")) as first:
        doc = shuffled[0]
        first.load_fr_document(
            doc,
            content_sha256=doc.document.document_number,
            metadata_sha256=None,
            recorded_at=at(1),
        )
        first.replay_federal_register(recorded_at=at(1))
        assert then == [
            sorted(
                first.con.execute(
                    "SELECT entry_key, name, addresses FROM entity_list_as_of(?) ORDER BY ALL",
                    [dt.date(2020, 1, d)],
                ).fetchall()
            )
            for d in (1, 10, 20, 31)
        ]
