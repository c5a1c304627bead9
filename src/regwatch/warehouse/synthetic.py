"""A synthetic CSL-like history for benchmarks: vectorised SQL, no Python loop over rows.

Every entity has a birth snapshot (snapshot 1 for the initial list), maybe a death snapshot, and
edits at random snapshots between the two; each edit is a rename, an alias edit or an address
edit. Versions are the intervals between consecutive boundaries, written straight into
`list_snapshots` / `entry_versions` exactly as `ingest_list_snapshot` would have stored them.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import duckdb

SYNTH_SQL = """
CREATE OR REPLACE TEMP TABLE synth_entities AS
SELECT i AS eid,
       CASE WHEN i < $initial THEN 1
            ELSE 2 + CAST(hash(i, $seed, 'birth') % ($versions - 1) AS BIGINT) END
           AS birth
FROM range($initial + $adds) AS t(i);

CREATE OR REPLACE TEMP TABLE synth_deaths AS
SELECT eid, birth,
       CASE WHEN birth < $versions AND hash(eid, $seed, 'dies') % 1000000 < $death_ppm
            THEN birth + 1 + CAST(hash(eid, $seed, 'death') % ($versions - birth) AS BIGINT)
       END AS death
FROM synth_entities;

CREATE OR REPLACE TEMP TABLE synth_edits AS
SELECT DISTINCT ON (e.eid, e.snap) e.eid, e.snap, e.kind
FROM (
    SELECT CAST(hash(j, $seed, 'eid') % ($initial + $adds) AS BIGINT) AS eid,
           2 + CAST(hash(j, $seed, 'snap') % ($versions - 1) AS BIGINT) AS snap,
           CAST(hash(j, $seed, 'kind') % 3 AS INTEGER) AS kind
    FROM range($edits) AS t(j)
) AS e
JOIN synth_deaths AS d USING (eid)
WHERE e.snap > d.birth AND (d.death IS NULL OR e.snap < d.death);

CREATE OR REPLACE TEMP TABLE synth_versions AS
WITH bounds AS (
    SELECT eid, birth AS snap, -1 AS kind FROM synth_deaths
    UNION ALL
    SELECT eid, snap, kind FROM synth_edits
),
numbered AS (
    SELECT b.eid, b.snap, b.kind, d.birth, d.death,
           lead(b.snap) OVER (PARTITION BY b.eid ORDER BY b.snap) AS next_snap,
           sum(CASE WHEN b.kind = 0 THEN 1 ELSE 0 END)
               OVER (PARTITION BY b.eid ORDER BY b.snap) AS renames,
           sum(CASE WHEN b.kind = 1 THEN 1 ELSE 0 END)
               OVER (PARTITION BY b.eid ORDER BY b.snap) AS alias_edits,
           sum(CASE WHEN b.kind = 2 THEN 1 ELSE 0 END)
               OVER (PARTITION BY b.eid ORDER BY b.snap) AS address_edits
    FROM bounds AS b JOIN synth_deaths AS d USING (eid)
)
SELECT eid, snap AS from_snap, coalesce(next_snap, death) AS to_snap, kind, birth, death,
       'Synthetic Entity ' || eid || CASE WHEN renames > 0 THEN ' (renamed ' || renames || ')'
                                          ELSE '' END AS name,
       ['SE-' || eid || '-a' || alias_edits, 'Alias ' || (eid * 7) % 99991] AS aliases,
       [(eid % 9973) || ' Industrial Road, Unit ' || address_edits || ', City ' || eid % 97]
           AS addresses,
       (['CN', 'RU', 'IR', 'AE', 'PK', 'HK', 'TR', 'BY'])[1 + eid % 8] AS country
FROM numbered;

INSERT INTO list_snapshots (snapshot_id, list, source, as_of, sort_key, status,
    content_sha256, entry_count, added, removed, modified, note, recorded_at, accepted_at)
SELECT $base_snapshot + s, $list, 'csl', $start_date + CAST(s AS INTEGER),
       lpad(CAST(s AS VARCHAR), 12, '0'), 'current', md5('synthetic' || s), 0, 0, 0, 0,
       'synthetic', $start_ts + to_days(CAST(s AS INTEGER)),
       $start_ts + to_days(CAST(s AS INTEGER))
FROM range(1, $versions + 1) AS t(s);

INSERT INTO entry_versions BY NAME
SELECT nextval('entry_version_id_seq') AS version_id, $list AS list, 'csl' AS source,
       'SYN-' || lpad(CAST(eid AS VARCHAR), 8, '0') AS entry_key, country, name,
       array_to_string(aliases, chr(31)) AS aliases,
       array_to_string(addresses, chr(31)) AS addresses, country AS countries,
       'For all items subject to the EAR.' AS license_requirement,
       'Presumption of denial.' AS license_review_policy,
       '8' || (eid % 9) || ' FR ' || (1000 + eid % 50000) AS federal_register_citations,
       '' AS footnotes,
       md5(name || array_to_string(aliases, '|') || array_to_string(addresses, '|')) AS row_hash,
       $start_date + CAST(from_snap AS INTEGER) AS valid_from,
       $start_date + CAST(to_snap AS INTEGER) AS valid_to,
       lpad(CAST(from_snap AS VARCHAR), 12, '0') AS from_key,
       lpad(CAST(to_snap AS VARCHAR), 12, '0') AS to_key,
       $base_snapshot + from_snap AS from_snapshot,
       $base_snapshot + to_snap AS to_snapshot,
       CASE WHEN from_snap = birth THEN 'add' ELSE 'revise' END AS start_action,
       CASE WHEN to_snap IS NULL THEN NULL WHEN to_snap = death THEN 'remove'
            ELSE 'revise' END AS end_action,
       $start_ts + to_days(CAST(from_snap AS INTEGER)) AS recorded_from,
       $start_ts + to_days(CAST(to_snap AS INTEGER)) AS closed_at
FROM synth_versions
ORDER BY from_snap, eid;

UPDATE list_snapshots AS s
SET entry_count = c.n, added = c.added, removed = c.removed, modified = c.modified
FROM (
    WITH events AS (
        SELECT from_snap AS snap, 1 AS delta, from_snap = birth AS is_add,
               from_snap > birth AS is_mod, false AS is_removal
        FROM synth_versions
        UNION ALL
        SELECT to_snap, -1, false, false, to_snap = death
        FROM synth_versions WHERE to_snap IS NOT NULL
    ),
    per_snap AS (
        SELECT snap, sum(delta) AS delta, count(*) FILTER (WHERE is_add) AS added,
               count(*) FILTER (WHERE is_mod) AS modified,
               count(*) FILTER (WHERE is_removal) AS removed
        FROM events GROUP BY snap
    )
    SELECT snap, added, modified, removed, sum(delta) OVER (ORDER BY snap) AS n FROM per_snap
) AS c
WHERE s.snapshot_id = $base_snapshot + c.snap;
"""


@dataclass(frozen=True, slots=True)
class SyntheticHistory:
    """What `generate` wrote."""

    entities: int
    snapshots: int
    first_snapshot_id: int
    version_rows: int
    changes: int  # adds + removals + modifications across all snapshots
    initial_entries: int
    final_entries: int
    seconds: float


def generate(
    con: duckdb.DuckDBPyConnection,
    *,
    entries: int = 100_000,
    versions: int = 1_000,
    adds_per_version: int = 40,
    removal_share: float = 0.25,
    edits_per_version: int = 120,
    seed: int = 7,
    list_name: str = "entity_list",
    start: dt.date = dt.date(2021, 1, 1),
) -> SyntheticHistory:
    """Write a synthetic history of `versions` snapshots of a list of ~`entries` entries.

    Churn per snapshot: ~`adds_per_version` additions, removals (`removal_share` of all
    entities ever die), and ~`edits_per_version` renames / alias edits / address edits.
    The target warehouse should hold no other CSL history for `list_name`.
    """
    started = time.perf_counter()
    # take `versions` ids from the sequence so later real snapshots never collide with these
    base = int(con.execute("SELECT nextval('snapshot_id_seq')").fetchall()[0][0]) - 1
    con.execute("SELECT max(nextval('snapshot_id_seq')) FROM range(?)", [versions - 1]).fetchall()
    adds = adds_per_version * (versions - 1)
    params = {
        "initial": entries,
        "adds": adds,
        "versions": versions,
        "edits": edits_per_version * (versions - 1),
        "death_ppm": int(removal_share * 1_000_000),
        "seed": seed,
        "list": list_name,
        "base_snapshot": base,
        "start_date": start,
        "start_ts": dt.datetime.combine(start, dt.time(6), tzinfo=dt.UTC),
    }
    for statement in SYNTH_SQL.split(";\n"):
        if statement.strip():
            used = {k: v for k, v in params.items() if f"${k}" in statement}
            con.execute(statement, used)
    stats = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE from_snap = 1), "
        "count(*) FILTER (WHERE to_snap IS NULL), "
        "count(*) FILTER (WHERE from_snap > 1) + count(*) FILTER (WHERE to_snap = death) "
        "FROM synth_versions"
    ).fetchall()[0]
    return SyntheticHistory(
        entities=entries + adds,
        snapshots=versions,
        first_snapshot_id=base + 1,
        version_rows=int(stats[0]),
        changes=int(stats[3]),
        initial_entries=int(stats[1]),
        final_entries=int(stats[2]),
        seconds=time.perf_counter() - started,
    )
