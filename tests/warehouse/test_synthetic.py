"""The benchmark's synthetic history is stored exactly as real snapshots would be."""

from __future__ import annotations

import itertools

from regwatch.warehouse import Warehouse
from regwatch.warehouse.synthetic import generate


def test_small_synthetic_history_is_consistent(wh: Warehouse) -> None:
    with wh.transaction():
        history = generate(
            wh.con,
            entries=300,
            versions=20,
            adds_per_version=5,
            edits_per_version=20,
            removal_share=0.3,
        )
    assert history.snapshots == 20 and history.initial_entries == 300
    rows = wh.con.execute("SELECT count(*) FROM entry_versions").fetchall()[0][0]
    assert rows == history.version_rows
    assert rows - history.initial_entries < history.changes  # removals add no row
    snapshots = wh.con.execute(
        "SELECT snapshot_id, entry_count, added, removed, modified FROM snapshots ORDER BY seq"
    ).fetchall()
    assert len(snapshots) == 20
    for (prev, *_), (sid, count, added, removed, modified) in itertools.pairwise(snapshots):
        at = wh.con.execute("SELECT count(*) FROM entity_list_at(?)", [sid]).fetchall()[0][0]
        assert at == count
        diff = dict(
            wh.con.execute(
                "SELECT change_type, count(*) FROM entity_diff(?, ?) GROUP BY 1", [prev, sid]
            ).fetchall()
        )
        assert (diff.get("added", 0), diff.get("removed", 0), diff.get("modified", 0)) == (
            added,
            removed,
            modified,
        )
    keys = wh.con.execute(
        "SELECT count(*), count(DISTINCT entry_key) FROM entity_list_at(?)", [snapshots[-1][0]]
    ).fetchall()[0]
    assert keys[0] == keys[1] == history.final_entries
    # a real snapshot can follow the synthetic ones without id clashes
    nxt = wh.con.execute("SELECT nextval('snapshot_id_seq')").fetchall()[0][0]
    assert nxt > max(s[0] for s in snapshots)
