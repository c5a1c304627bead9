"""List snapshots (CSL downloads): content-hashed, immutable, stored as entry versions."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import duckdb
import pyarrow as pa

from regwatch.errors import WarehouseError
from regwatch.models import ListEntry, ListName, SourceName
from regwatch.warehouse.keys import EntryState, match_entries
from regwatch.warehouse.store import (
    VERSION_SCHEMA,
    Version,
    close_versions,
    fetch_dicts,
    insert_versions,
    registered,
    state_from_row,
)

log = logging.getLogger(__name__)

SnapshotStatus = Literal["created", "unchanged", "held"]


@dataclass(frozen=True, slots=True)
class SnapshotOutcome:
    """What ingesting one list snapshot did."""

    status: SnapshotStatus
    snapshot_id: int
    added: int
    removed: int
    modified: int
    entry_count: int


def state_from_entry(entry: ListEntry) -> EntryState:
    return EntryState(
        name=entry.name,
        country=entry.country,
        aliases=tuple(entry.aliases),
        addresses=tuple(entry.addresses),
        countries=tuple(entry.countries),
        license_requirement=entry.license_requirement,
        license_review_policy=entry.license_review_policy,
        federal_register_citations=tuple(entry.federal_register_citations),
        start_date=entry.start_date.isoformat() if entry.start_date else None,
        source_id=entry.source_id,
    )


def entries_sha256(states: Sequence[EntryState]) -> str:
    """Order-insensitive hash of a list's content."""
    digest = hashlib.sha256()
    for h in sorted(s.row_hash() for s in states):
        digest.update(h.encode())
    return digest.hexdigest()


LIVE_SQL = """
SELECT version_id, entry_key, name, country, aliases, addresses, countries, license_requirement,
       license_review_policy, federal_register_citations, footnotes, start_date, source_id,
       row_hash, valid_from
FROM entity_versions
WHERE list = ? AND source = ? AND to_key IS NULL
"""

RETIRED_SQL = """
SELECT entry_key, arg_max(name, from_key) AS name, arg_max(country, from_key) AS country,
       bool_or(to_key IS NULL) AS live
FROM entry_versions
WHERE list = ? AND source = ? AND recorded_to IS NULL
GROUP BY entry_key
"""


@dataclass(slots=True)
class _Applied:
    added: int
    removed: int
    modified: int


def _plan(
    con: duckdb.DuckDBPyConnection, list_name: str, source: str, states: Sequence[EntryState]
) -> tuple[list[str], dict[str, dict[str, object]]]:
    """Entry keys for `states` and the live versions of the series (key -> row)."""
    live_rows = fetch_dicts(con, LIVE_SQL, [list_name, source])
    live = {str(r["entry_key"]): r for r in live_rows}
    previous = {k: state_from_row(r) for k, r in live.items()}
    retired: dict[tuple[str, str], str] = {}
    all_keys: set[str] = set()
    for key, name, country, is_live in con.execute(RETIRED_SQL, [list_name, source]).fetchall():
        all_keys.add(key)
        if not is_live:
            retired.setdefault(EntryState(name=name, country=country).match_key, key)
    all_keys.update(
        r[0]
        for r in con.execute(
            "SELECT DISTINCT h.entry_key FROM held_snapshot_entries h JOIN list_snapshots s "
            "USING (snapshot_id) WHERE s.list = ? AND s.source = ?",
            [list_name, source],
        ).fetchall()
    )
    foreign = {
        str(r["entry_key"]): state_from_row(r)
        for r in fetch_dicts(
            con,
            "SELECT * FROM entity_versions WHERE list = ? AND source <> ? AND to_key IS NULL",
            [list_name, source],
        )
    }
    keys = match_entries(list_name, previous, retired, states, all_keys, foreign)
    return keys, live


def _apply(
    con: duckdb.DuckDBPyConnection,
    *,
    list_name: str,
    source: str,
    snapshot_id: int,
    sort_key: str,
    as_of: dt.date,
    recorded_at: dt.datetime,
    states: Sequence[EntryState],
    keys: Sequence[str],
    live: dict[str, dict[str, object]],
) -> _Applied:
    """Make `states` the newest state of the series: close what ended, insert what is new."""
    new_versions: list[Version] = []
    closes: list[dict[str, object]] = []
    added = modified = 0
    seen: set[str] = set()
    for key, state in zip(keys, states, strict=True):
        seen.add(key)
        old = live.get(key)
        if old is not None and old["row_hash"] == state.row_hash():
            continue
        if old is not None:
            modified += 1
            closes.append(_close(old, as_of, sort_key, snapshot_id, "revise"))
        else:
            added += 1
        new_versions.append(
            Version(
                list=list_name,
                source=source,
                entry_key=key,
                state=state,
                valid_from=as_of,
                from_key=sort_key,
                from_snapshot=snapshot_id,
                start_action="revise" if old is not None else "add",
            )
        )
    removed = 0
    for key, old in live.items():
        if key not in seen:
            removed += 1
            closes.append(_close(old, as_of, sort_key, snapshot_id, "remove"))
    close_versions(con, closes, recorded_at)
    insert_versions(con, new_versions, recorded_at)
    return _Applied(added=added, removed=removed, modified=modified)


def _close(
    old: dict[str, object], as_of: dt.date, sort_key: str, snapshot_id: int, action: str
) -> dict[str, object]:
    valid_from = old["valid_from"]
    assert isinstance(valid_from, dt.date)
    return {
        "version_id": old["version_id"],
        "valid_to": max(as_of, valid_from),
        "to_key": sort_key,
        "to_snapshot": snapshot_id,
        "end_action": action,
        "end_document_number": None,
        "end_citation": None,
    }


def _next_sort_key(con: duckdb.DuckDBPyConnection, list_name: str, source: str) -> str:
    row = con.execute(
        "SELECT max(sort_key) FROM list_snapshots WHERE list = ? AND source = ?",
        [list_name, source],
    ).fetchall()[0][0]
    return f"{(int(row) if row else 0) + 1:012d}"


def ingest_list_snapshot(
    con: duckdb.DuckDBPyConnection,
    list_name: ListName,
    source: SourceName,
    entries: Sequence[ListEntry],
    *,
    as_of: dt.date,
    recorded_at: dt.datetime,
    content_sha256: str,
    make_current: bool = True,
    note: str | None = None,
) -> SnapshotOutcome:
    if source == "federal_register":
        raise WarehouseError(
            "the federal_register series is built by replay_federal_register, not ingested"
        )
    states = [state_from_entry(e) for e in entries if e.list == list_name]
    if len(states) != len(entries):
        raise WarehouseError(f"ingest_list_snapshot({list_name!r}) got entries of other lists")
    content = entries_sha256(states)
    latest = con.execute(
        "SELECT snapshot_id, content_sha256, entries_sha256, entry_count, status "
        "FROM list_snapshots WHERE list = ? AND source = ? AND status IN ('current', 'held') "
        "ORDER BY (status = 'current'), sort_key DESC NULLS LAST, snapshot_id DESC",
        [list_name, source],
    ).fetchall()
    current = next((r for r in latest if r[4] == "current"), None)
    if current is not None and (content == current[2] or content_sha256 == current[1]):
        return SnapshotOutcome("unchanged", int(current[0]), 0, 0, 0, int(current[3]))
    held_same = next(
        (r for r in latest if r[4] == "held" and (r[2] == content or r[1] == content_sha256)),
        None,
    )
    if held_same is not None and not make_current:
        return SnapshotOutcome("held", int(held_same[0]), 0, 0, 0, int(held_same[3]))

    keys, live = _plan(con, list_name, source, states)
    snapshot_id = int(con.execute("SELECT nextval('snapshot_id_seq')").fetchall()[0][0])
    if make_current:
        sort_key = _next_sort_key(con, list_name, source)
        _insert_snapshot(
            con,
            snapshot_id,
            list_name,
            source,
            as_of,
            sort_key,
            "current",
            content_sha256,
            content,
            len(states),
            note,
            recorded_at,
        )
        applied = _apply(
            con,
            list_name=list_name,
            source=source,
            snapshot_id=snapshot_id,
            sort_key=sort_key,
            as_of=as_of,
            recorded_at=recorded_at,
            states=states,
            keys=keys,
            live=live,
        )
        status: SnapshotStatus = "created"
    else:
        _insert_snapshot(
            con,
            snapshot_id,
            list_name,
            source,
            as_of,
            None,
            "held",
            content_sha256,
            content,
            len(states),
            note,
            recorded_at,
        )
        _store_held(con, snapshot_id, states, keys)
        applied = _count_only(states, keys, live)
        status = "held"
    con.execute(
        "UPDATE list_snapshots SET added = ?, removed = ?, modified = ? WHERE snapshot_id = ?",
        [applied.added, applied.removed, applied.modified, snapshot_id],
    )
    log.info(
        "%s/%s snapshot %s %s: +%d -%d ~%d (%d entries)",
        list_name,
        source,
        snapshot_id,
        status,
        applied.added,
        applied.removed,
        applied.modified,
        len(states),
    )
    return SnapshotOutcome(
        status, snapshot_id, applied.added, applied.removed, applied.modified, len(states)
    )


def _count_only(
    states: Sequence[EntryState], keys: Sequence[str], live: dict[str, dict[str, object]]
) -> _Applied:
    added = modified = 0
    for key, state in zip(keys, states, strict=True):
        old = live.get(key)
        if old is None:
            added += 1
        elif old["row_hash"] != state.row_hash():
            modified += 1
    removed = len(set(live) - set(keys))
    return _Applied(added, removed, modified)


def _insert_snapshot(
    con: duckdb.DuckDBPyConnection,
    snapshot_id: int,
    list_name: str,
    source: str,
    as_of: dt.date,
    sort_key: str | None,
    status: str,
    content_sha256: str | None,
    entries_hash: str,
    entry_count: int,
    note: str | None,
    recorded_at: dt.datetime,
) -> None:
    con.execute(
        "INSERT INTO list_snapshots (snapshot_id, list, source, as_of, sort_key, status, "
        "content_sha256, entries_sha256, entry_count, added, removed, modified, note, "
        "recorded_at, accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?, ?)",
        [
            snapshot_id,
            list_name,
            source,
            as_of,
            sort_key,
            status,
            content_sha256,
            entries_hash,
            entry_count,
            note,
            recorded_at,
            recorded_at if status == "current" else None,
        ],
    )


HELD_COLUMNS = (
    "entry_key",
    "country",
    "name",
    "aliases",
    "addresses",
    "countries",
    "license_requirement",
    "license_review_policy",
    "federal_register_citations",
    "footnotes",
    "start_date",
    "source_id",
    "row_hash",
)


def _store_held(
    con: duckdb.DuckDBPyConnection,
    snapshot_id: int,
    states: Sequence[EntryState],
    keys: Sequence[str],
) -> None:
    lists = {"aliases", "addresses", "countries", "federal_register_citations", "footnotes"}
    schema = pa.schema(
        [
            pa.field(c, pa.list_(pa.string())) if c in lists else VERSION_SCHEMA.field(c)
            for c in HELD_COLUMNS
        ]
    )
    rows = []
    for key, state in zip(keys, states, strict=True):
        rows.append(
            {
                "entry_key": key,
                "country": state.country,
                "name": state.name,
                "aliases": list(state.aliases),
                "addresses": list(state.addresses),
                "countries": list(state.countries),
                "license_requirement": state.license_requirement,
                "license_review_policy": state.license_review_policy,
                "federal_register_citations": list(state.federal_register_citations),
                "footnotes": list(state.footnotes),
                "start_date": dt.date.fromisoformat(state.start_date) if state.start_date else None,
                "source_id": state.source_id,
                "row_hash": state.row_hash(),
            }
        )
    with registered(con, rows, schema) as tmp:
        con.execute(
            f"INSERT INTO held_snapshot_entries BY NAME SELECT ? AS snapshot_id, * FROM {tmp}",  # noqa: S608
            [snapshot_id],
        )


def accept_snapshot(
    con: duckdb.DuckDBPyConnection, snapshot_id: int, *, recorded_at: dt.datetime
) -> SnapshotOutcome:
    """Make a held snapshot the newest current one of its series (recorded now)."""
    found = con.execute(
        "SELECT list, source, as_of, status, entry_count FROM list_snapshots WHERE snapshot_id = ?",
        [snapshot_id],
    ).fetchall()
    if not found:
        raise WarehouseError(f"no snapshot {snapshot_id}; see the `snapshots` view")
    list_name, source, as_of, status, count = found[0]
    if status == "current":
        return SnapshotOutcome("unchanged", snapshot_id, 0, 0, 0, int(count))
    if status != "held":
        raise WarehouseError(
            f"snapshot {snapshot_id} is {status!r}, only a held one can be accepted"
        )
    rows = fetch_dicts(
        con,
        "SELECT * FROM held_snapshot_entries WHERE snapshot_id = ? ORDER BY rowid",
        [snapshot_id],
    )
    states = [state_from_row(r) for r in rows]
    keys, live = _plan(con, list_name, source, states)
    sort_key = _next_sort_key(con, list_name, source)
    applied = _apply(
        con,
        list_name=list_name,
        source=source,
        snapshot_id=snapshot_id,
        sort_key=sort_key,
        as_of=as_of,
        recorded_at=recorded_at,
        states=states,
        keys=keys,
        live=live,
    )
    con.execute(
        "UPDATE list_snapshots SET status = 'current', sort_key = ?, accepted_at = ?, "
        "added = ?, removed = ?, modified = ? WHERE snapshot_id = ?",
        [sort_key, recorded_at, applied.added, applied.removed, applied.modified, snapshot_id],
    )
    con.execute("DELETE FROM held_snapshot_entries WHERE snapshot_id = ?", [snapshot_id])
    return SnapshotOutcome(
        "created", snapshot_id, applied.added, applied.removed, applied.modified, len(states)
    )
