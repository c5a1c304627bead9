"""Replay the shared reconstructed FR history (../shared/upstream/data/fr/expected)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from wh_factories import at

from regwatch.warehouse import Warehouse
from tests.shared_documents import all_shared_parsed


def test_replay_of_the_shared_history(shared_fr: Path, wh: Warehouse) -> None:
    docs = all_shared_parsed(shared_fr)
    assert docs, "no expected documents"
    with wh.transaction():
        for doc in docs:
            wh.load_fr_document(
                doc,
                content_sha256=doc.document.document_number,
                metadata_sha256=None,
                recorded_at=at(0),
            )
        first = wh.replay_federal_register(recorded_at=at(0))
    assert first.documents == sum(1 for d in docs if d.changes)
    xinjiang = wh.con.execute(
        "SELECT count(*) FROM entity_changes WHERE document_number = '2019-22210' "
        "AND action = 'add'"
    ).fetchall()
    assert xinjiang == [(28,)]
    on_the_day = wh.con.execute(
        "SELECT count(*) FROM entity_list_as_of(DATE '2019-10-09') "
        "WHERE source = 'federal_register' AND document_number = '2019-22210'"
    ).fetchall()
    assert on_the_day == [(28,)]
    assert wh.con.execute(
        "SELECT count(*) FROM entity_list_as_of(DATE '2019-10-08')"
    ).fetchall() == [(0,)]
    # every revision/removal either found its entry or names an entry added before 2019-10
    for warning in first.warnings:
        assert "not on the list" in warning or "no such entry" in warning, warning
    assert not wh.replay_federal_register(recorded_at=at(1)).changed
    history = wh.con.execute(
        "SELECT DISTINCT document_number FROM entity_history('%') ORDER BY 1"
    ).fetchall()
    assert len(history) >= 5
    assert wh.con.execute("SELECT count(*) FROM snapshots").fetchall()[0][0] == first.documents
    assert dt.date(2019, 10, 9) in {
        r[0] for r in wh.con.execute("SELECT as_of FROM snapshots").fetchall()
    }
