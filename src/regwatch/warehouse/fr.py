"""Federal Register documents: loading parsed versions, quarantine, and the Entity List replay."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb
import pyarrow as pa

from regwatch.errors import WarehouseError
from regwatch.models import EntityChange, ParsedDocument
from regwatch.warehouse.keys import (
    EntryState,
    base_key,
    normalize_country,
    normalize_name,
    unique_key,
)
from regwatch.warehouse.store import (
    Version,
    close_versions,
    fetch_dicts,
    insert_versions,
    registered,
    state_from_row,
    supersede_versions,
)

log = logging.getLogger(__name__)

LoadStatus = Literal["inserted", "unchanged", "replaced"]
FR_LIST = "entity_list"
FR_SOURCE = "federal_register"
BASE_CURSOR = "fr_replay_base_snapshot"

_STRS = pa.list_(pa.string())
CHANGE_SCHEMA = pa.schema(
    [
        ("document_id", pa.int64()),
        ("document_number", pa.string()),
        ("position", pa.int32()),
        ("action", pa.string()),
        ("country", pa.string()),
        ("name", pa.string()),
        ("previous_name", pa.string()),
        ("aliases", _STRS),
        ("addresses", _STRS),
        ("license_requirement", pa.string()),
        ("license_review_policy", pa.string()),
        ("federal_register_citations", _STRS),
        ("footnotes", _STRS),
    ]
)

INSERT_DOCUMENT = """
INSERT INTO fr_document_versions (
    document_id, document_number, content_sha256, metadata_sha256, title, type,
    publication_date, effective_date, citation, volume, start_page, end_page, html_url,
    full_text_xml_url, body_html_url, json_url, abstract, fr_action, agencies, cfr_parts,
    correction_of, source_format, change_count, warning_count, recorded_from, recorded_to)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
"""


def load_fr_document(
    con: duckdb.DuckDBPyConnection,
    parsed: ParsedDocument,
    *,
    content_sha256: str,
    metadata_sha256: str | None,
    recorded_at: dt.datetime,
) -> LoadStatus:
    doc = parsed.document
    current = con.execute(
        "SELECT document_id, content_sha256 FROM fr_document_versions "
        "WHERE document_number = ? AND recorded_to IS NULL",
        [doc.document_number],
    ).fetchall()
    if current and current[0][1] == content_sha256:
        _resolve_quarantine(con, doc.document_number, int(current[0][0]), recorded_at)
        return "unchanged"
    if current:
        con.execute(
            "UPDATE fr_document_versions SET recorded_to = ? WHERE document_id = ?",
            [recorded_at, current[0][0]],
        )
    document_id = int(con.execute("SELECT nextval('fr_document_id_seq')").fetchall()[0][0])
    con.execute(
        INSERT_DOCUMENT,
        [
            document_id,
            doc.document_number,
            content_sha256,
            metadata_sha256,
            doc.title,
            doc.type,
            doc.publication_date,
            doc.effective_date,
            doc.citation,
            doc.volume,
            doc.start_page,
            doc.end_page,
            doc.html_url,
            doc.full_text_xml_url,
            doc.body_html_url,
            doc.json_url,
            doc.abstract,
            doc.action,
            list(doc.agencies),
            list(doc.cfr_parts),
            doc.correction_of,
            parsed.source_format,
            len(parsed.changes),
            len(parsed.warnings),
            recorded_at,
        ],
    )
    _insert_changes(con, document_id, doc.document_number, parsed.changes)
    for warning in parsed.warnings:
        con.execute(
            "INSERT INTO parse_warnings VALUES (?, ?, ?, ?, ?)",
            [document_id, doc.document_number, warning.code, warning.message, recorded_at],
        )
    _resolve_quarantine(con, doc.document_number, document_id, recorded_at)
    status: LoadStatus = "replaced" if current else "inserted"
    log.info("FR %s %s (%d changes)", doc.document_number, status, len(parsed.changes))
    return status


def _stated(change: EntityChange, values: tuple[str, ...]) -> list[str] | None:
    """A removal prints no table row: what the rule does not state is NULL, not an empty list."""
    if change.action == "remove" and not values:
        return None
    return list(values)


def _insert_changes(
    con: duckdb.DuckDBPyConnection,
    document_id: int,
    document_number: str,
    changes: Sequence[EntityChange],
) -> None:
    if not changes:
        return
    rows = [
        {
            "document_id": document_id,
            "document_number": document_number,
            "position": c.position if c.position else i,
            "action": c.action,
            "country": c.country,
            "name": c.name,
            "previous_name": c.previous_name,
            "aliases": _stated(c, c.aliases),
            "addresses": _stated(c, c.addresses),
            "license_requirement": c.license_requirement,
            "license_review_policy": c.license_review_policy,
            "federal_register_citations": _stated(c, c.federal_register_citations),
            "footnotes": _stated(c, c.footnotes),
        }
        for i, c in enumerate(changes, start=1)
    ]
    with registered(con, rows, CHANGE_SCHEMA) as tmp:
        con.execute(f"INSERT INTO fr_changes BY NAME SELECT * FROM {tmp}")  # noqa: S608


def _resolve_quarantine(
    con: duckdb.DuckDBPyConnection, document_number: str, document_id: int, at: dt.datetime
) -> None:
    con.execute(
        "UPDATE quarantine SET resolved_at = ?, resolved_document_id = ? "
        "WHERE document_number = ? AND resolved_at IS NULL",
        [at, document_id, document_number],
    )


def quarantine(
    con: duckdb.DuckDBPyConnection,
    *,
    document_number: str | None,
    url: str,
    sha256: str | None,
    error: Exception | str,
    recorded_at: dt.datetime,
) -> None:
    error_type = type(error).__name__ if isinstance(error, BaseException) else "error"
    message = str(error)
    existing = con.execute(
        "SELECT quarantine_id FROM quarantine WHERE resolved_at IS NULL "
        "AND document_number IS NOT DISTINCT FROM ? AND url = ? "
        "AND sha256 IS NOT DISTINCT FROM ? AND error_message = ?",
        [document_number, url, sha256, message],
    ).fetchall()
    if existing:
        con.execute(
            "UPDATE quarantine SET attempts = attempts + 1, last_seen_at = ? "
            "WHERE quarantine_id = ?",
            [recorded_at, existing[0][0]],
        )
        return
    con.execute(
        "INSERT INTO quarantine (quarantine_id, document_number, url, sha256, error_type, "
        "error_message, recorded_at, last_seen_at, attempts) "
        "VALUES (nextval('quarantine_id_seq'), ?, ?, ?, ?, ?, ?, ?, 1)",
        [document_number, url, sha256, error_type, message, recorded_at, recorded_at],
    )
    log.warning("quarantined %s (%s): %s", document_number or url, error_type, message)


# --------------------------------------------------------------------------- replay


@dataclass(frozen=True, slots=True)
class ReplayOutcome:
    """What replaying the Federal Register changed in the FR-derived Entity List history."""

    documents: int
    snapshots_created: int
    versions_inserted: int
    versions_ended: int  # closed in effective time, in place (a later change)
    versions_superseded: int  # closed in recorded time (a late or replaced document)
    entry_count: int
    warnings: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.snapshots_created or self.versions_inserted or self.versions_ended)


@dataclass(slots=True)
class _Doc:
    document_number: str
    effective: dt.date
    publication_date: dt.date
    citation: str | None
    snapshot_id: int
    sort_key: str
    changes: list[EntityChange] = field(default_factory=list)


def fr_sort_key(effective: dt.date, published: dt.date, number: str) -> str:
    """Order of FR snapshots: effective date, then publication date, then document number."""
    return f"{effective.isoformat()}|{published.isoformat()}|{number}"


class _Replay:
    """Applies entity changes in order, keeping live state and the versions it produced."""

    def __init__(self) -> None:
        self.state: dict[str, EntryState] = {}
        self.open: dict[str, Version] = {}
        self.versions: list[Version] = []
        self.by_match: dict[tuple[str, str], list[str]] = {}
        self.by_name: dict[str, list[str]] = {}
        self.retired: dict[tuple[str, str], str] = {}
        self.taken: set[str] = set()
        self.warnings: list[str] = []

    # index -------------------------------------------------------------
    def _index(self, key: str, state: EntryState) -> None:
        self.by_match.setdefault(state.match_key, []).append(key)
        self.by_name.setdefault(normalize_name(state.name), []).append(key)

    def _unindex(self, key: str, state: EntryState) -> None:
        for keys in (
            self.by_match.get(state.match_key),
            self.by_name.get(normalize_name(state.name)),
        ):
            if keys and key in keys:
                keys.remove(key)

    def set(self, key: str, state: EntryState | None) -> None:
        old = self.state.pop(key, None)
        if old is not None:
            self._unindex(key, old)
        if state is not None:
            self.state[key] = state
            self._index(key, state)
            self.taken.add(key)
        elif old is not None:
            self.retired[old.match_key] = key

    def find(self, country: str | None, name: str | None, *, loose: bool = True) -> str | None:
        """The live entry with this name in this country; with `loose`, the only live entry
        of that name in any country (headings are sometimes spelled differently)."""
        if not name:
            return None
        hits = self.by_match.get((normalize_country(country), normalize_name(name)))
        if hits:
            return hits[0]
        if not loose:
            return None
        loose_hits = self.by_name.get(normalize_name(name))
        if loose_hits and len(loose_hits) == 1:
            return loose_hits[0]
        return None

    def new_key(self, country: str | None, name: str) -> str:
        match = (normalize_country(country), normalize_name(name))
        back = self.retired.get(match)
        if back is not None and back not in self.state:
            return back
        return unique_key(base_key(FR_LIST, country, name), self.taken)

    # changes -----------------------------------------------------------
    def apply(self, doc: _Doc) -> tuple[int, int, int]:
        before: dict[str, EntryState | None] = {}
        last_action: dict[str, str] = {}
        for change in doc.changes:
            key = self._apply_change(doc, change, before)
            if key is not None:
                last_action[key] = change.action
        added = removed = modified = 0
        for key, old in before.items():
            new = self.state.get(key)
            if old == new or (old and new and old.row_hash() == new.row_hash()):
                continue
            if old is not None:
                self.open.pop(key).close(
                    valid_to=doc.effective,
                    to_key=doc.sort_key,
                    to_snapshot=doc.snapshot_id,
                    end_action=_end_action(new, last_action[key]),
                    end_document_number=doc.document_number,
                    end_citation=doc.citation,
                )
            if new is None:
                removed += 1
                continue
            action = last_action[key]
            if old is None:
                added += 1
                action = "add"
            else:
                modified += 1
                action = "revise" if action == "add" else action
            version = Version(
                list=FR_LIST,
                source=FR_SOURCE,
                entry_key=key,
                state=new,
                valid_from=doc.effective,
                from_key=doc.sort_key,
                from_snapshot=doc.snapshot_id,
                start_action=action,
                start_document_number=doc.document_number,
                start_citation=doc.citation,
            )
            self.open[key] = version
            self.versions.append(version)
        return added, removed, modified

    def _apply_change(
        self, doc: _Doc, change: EntityChange, before: dict[str, EntryState | None]
    ) -> str | None:
        where = f"{doc.document_number} #{change.position} ({change.action} {change.name!r})"
        if change.action == "remove":
            key = self.find(change.country, change.name) or self.find(
                change.country, change.previous_name
            )
            if key is None:
                self.warnings.append(f"{where}: no such entry on the list; removal ignored")
                return None
            before.setdefault(key, self.state.get(key))
            self.set(key, None)
            return key
        if not change.name:
            self.warnings.append(f"{where}: change without a name ignored")
            return None
        if change.action == "add":
            # the same name under another country is another entry (FR lists an entity under
            # every destination it operates in)
            key = self.find(change.country, change.name, loose=False)
            if key is not None:
                self.warnings.append(f"{where}: already on the list; treated as a revision")
        else:
            key = None
            if change.previous_name:
                key = self.find(change.country, change.previous_name)
            key = key or self.find(change.country, change.name)
            if key is None:
                self.warnings.append(f"{where}: entry not on the list; treated as an addition")
        if key is None:
            key = self.new_key(change.country, change.name)
        old = self.state.get(key)
        before.setdefault(key, old)
        self.set(key, _merge(old, change))
        return key


def _end_action(new: EntryState | None, action: str) -> str:
    """Why a version ended: removed, or superseded by a revision/correction."""
    if new is None:
        return "remove"
    return "revise" if action == "add" else action


def _merge(old: EntryState | None, change: EntityChange) -> EntryState:
    """The entry after `change`: FR revisions restate the entry; empty fields keep old values."""
    fresh = EntryState(
        name=change.name or "",
        country=change.country,
        aliases=tuple(change.aliases),
        addresses=tuple(change.addresses),
        license_requirement=change.license_requirement,
        license_review_policy=change.license_review_policy,
        federal_register_citations=tuple(change.federal_register_citations),
        footnotes=tuple(change.footnotes),
    )
    if old is None or change.action == "add":
        return fresh
    keep: dict[str, Any] = {}
    for f in dataclasses.fields(EntryState):
        value = getattr(fresh, f.name)
        if value in (None, "", ()):
            keep[f.name] = getattr(old, f.name)
    return dataclasses.replace(fresh, **keep)


DOCS_SQL = """
SELECT d.document_id, d.document_number, coalesce(d.effective_date, d.publication_date) AS eff,
       d.publication_date, d.citation
FROM fr_document_versions AS d
WHERE d.recorded_to IS NULL AND d.change_count > 0 AND d.publication_date IS NOT NULL
"""

CHANGES_SQL = """
SELECT c.* FROM fr_changes AS c
JOIN fr_document_versions AS d ON d.document_id = c.document_id
WHERE d.recorded_to IS NULL
ORDER BY c.document_id, c.position
"""

KNOWN_SQL = """
SELECT version_id, entry_key, from_key, row_hash, start_action, start_document_number,
       to_key, end_action, end_document_number
FROM entry_versions
WHERE list = ? AND source = ? AND recorded_to IS NULL
"""


def _load_docs(
    con: duckdb.DuckDBPyConnection, after: dt.date | None, recorded_at: dt.datetime
) -> tuple[list[_Doc], int]:
    """Documents to replay in order, with snapshot ids (new ones allocated); count created."""
    snapshots = {
        r[0]: (int(r[1]), r[2])
        for r in con.execute(
            "SELECT document_number, snapshot_id, sort_key FROM list_snapshots "
            "WHERE list = ? AND source = ? AND document_number IS NOT NULL",
            [FR_LIST, FR_SOURCE],
        ).fetchall()
    }
    docs: list[_Doc] = []
    by_id: dict[int, _Doc] = {}
    created = 0
    for document_id, number, eff, published, citation in con.execute(DOCS_SQL).fetchall():
        if after is not None and eff <= after:
            continue
        sort_key = fr_sort_key(eff, published, number)
        if number in snapshots:
            snapshot_id, known_key = snapshots[number]
            if known_key != sort_key:  # the document's dates were corrected
                con.execute(
                    "UPDATE list_snapshots SET sort_key = ?, as_of = ?, publication_date = ?, "
                    "citation = ? WHERE snapshot_id = ?",
                    [sort_key, eff, published, citation, snapshot_id],
                )
        else:
            snapshot_id = int(con.execute("SELECT nextval('snapshot_id_seq')").fetchall()[0][0])
            created += 1
            con.execute(
                "INSERT INTO list_snapshots (snapshot_id, list, source, as_of, sort_key, status, "
                "entry_count, added, removed, modified, document_number, citation, "
                "publication_date, recorded_at, accepted_at) "
                "VALUES (?, ?, ?, ?, ?, 'current', 0, 0, 0, 0, ?, ?, ?, ?, ?)",
                [
                    snapshot_id,
                    FR_LIST,
                    FR_SOURCE,
                    eff,
                    sort_key,
                    number,
                    citation,
                    published,
                    recorded_at,
                    recorded_at,
                ],
            )
        doc = _Doc(number, eff, published, citation, snapshot_id, sort_key)
        docs.append(doc)
        by_id[int(document_id)] = doc
    for row in fetch_dicts(con, CHANGES_SQL):
        target = by_id.get(int(row["document_id"]))
        if target is not None:
            target.changes.append(
                EntityChange(
                    action=row["action"],
                    country=row["country"],
                    name=row["name"],
                    previous_name=row["previous_name"],
                    aliases=tuple(row["aliases"] or ()),
                    addresses=tuple(row["addresses"] or ()),
                    license_requirement=row["license_requirement"],
                    license_review_policy=row["license_review_policy"],
                    federal_register_citations=tuple(row["federal_register_citations"] or ()),
                    footnotes=tuple(row["footnotes"] or ()),
                    position=int(row["position"]),
                )
            )
    docs.sort(key=lambda d: d.sort_key)
    return docs, created


def _seed_from_base(
    con: duckdb.DuckDBPyConnection, replay: _Replay, base_snapshot_id: int
) -> dt.date:
    rows = con.execute(
        "SELECT list, as_of, sort_key FROM list_snapshots WHERE snapshot_id = ?",
        [base_snapshot_id],
    ).fetchall()
    if not rows or rows[0][0] != FR_LIST or rows[0][2] is None:
        raise WarehouseError(
            f"base snapshot {base_snapshot_id} is not a current entity_list snapshot"
        )
    as_of: dt.date = rows[0][1]
    from_key = f"{as_of.isoformat()}|0000-00-00|base-{base_snapshot_id}"
    for row in fetch_dicts(con, "SELECT * FROM entity_list_at(?)", [base_snapshot_id]):
        key = str(row["entry_key"])
        state = state_from_row(row)
        replay.set(key, state)
        version = Version(
            list=FR_LIST,
            source=FR_SOURCE,
            entry_key=key,
            state=state,
            valid_from=as_of,
            from_key=from_key,
            from_snapshot=base_snapshot_id,
            start_action="base",
        )
        replay.open[key] = version
        replay.versions.append(version)
    return as_of


def replay_federal_register(
    con: duckdb.DuckDBPyConnection,
    *,
    recorded_at: dt.datetime,
    base_snapshot_id: int | None = None,
) -> ReplayOutcome:
    """Rebuild the FR-derived Entity List history and record only what differs from before."""
    if base_snapshot_id is not None:
        con.execute(
            "INSERT OR REPLACE INTO cursors VALUES (?, ?, ?)",
            [BASE_CURSOR, str(base_snapshot_id), recorded_at],
        )
    else:
        stored = con.execute("SELECT value FROM cursors WHERE name = ?", [BASE_CURSOR]).fetchall()
        base_snapshot_id = int(stored[0][0]) if stored else None
    replay = _Replay()
    after = _seed_from_base(con, replay, base_snapshot_id) if base_snapshot_id else None
    docs, created = _load_docs(con, after, recorded_at)
    counts: dict[int, tuple[int, int, int, int]] = {}
    for doc in docs:
        added, removed, modified = replay.apply(doc)
        counts[doc.snapshot_id] = (added, removed, modified, len(replay.state))
    inserted, ended, superseded = _record(con, replay.versions, recorded_at)
    _update_snapshot_counts(con, counts)
    # the same history gives the same warnings every night: repeat them only when it changed
    level = logging.WARNING if (created or inserted or ended or superseded) else logging.DEBUG
    for message in replay.warnings:
        log.log(level, "FR replay: %s", message)
    return ReplayOutcome(
        documents=len(docs),
        snapshots_created=created,
        versions_inserted=inserted,
        versions_ended=ended,
        versions_superseded=superseded,
        entry_count=len(replay.state),
        warnings=tuple(replay.warnings),
    )


def _record(
    con: duckdb.DuckDBPyConnection, computed: list[Version], recorded_at: dt.datetime
) -> tuple[int, int, int]:
    """Diff the computed history against what is recorded: keep, close in place, or supersede."""
    known: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in fetch_dicts(con, KNOWN_SQL, [FR_LIST, FR_SOURCE]):
        identity = (
            row["entry_key"],
            row["from_key"],
            row["row_hash"],
            row["start_action"],
            row["start_document_number"],
        )
        known[identity] = row
    to_insert: list[Version] = []
    closes: list[dict[str, Any]] = []
    superseded: list[int] = []
    for version in computed:
        identity = (
            version.entry_key,
            version.from_key,
            version.state.row_hash(),
            version.start_action,
            version.start_document_number,
        )
        match = known.pop(identity) if identity in known else None
        if match is None:
            to_insert.append(version)
            continue
        row = match
        if (row["to_key"], row["end_action"], row["end_document_number"]) == (
            version.to_key,
            version.end_action,
            version.end_document_number,
        ):
            continue
        elif row["to_key"] is None:
            closes.append(
                {
                    "version_id": row["version_id"],
                    "valid_to": version.valid_to,
                    "to_key": version.to_key,
                    "to_snapshot": version.to_snapshot,
                    "end_action": version.end_action,
                    "end_document_number": version.end_document_number,
                    "end_citation": version.end_citation,
                }
            )
        else:
            superseded.append(int(row["version_id"]))
            to_insert.append(version)
    superseded.extend(int(row["version_id"]) for row in known.values())
    supersede_versions(con, superseded, recorded_at)
    close_versions(con, closes, recorded_at)
    insert_versions(con, to_insert, recorded_at)
    return len(to_insert), len(closes), len(superseded)


def _update_snapshot_counts(
    con: duckdb.DuckDBPyConnection, counts: dict[int, tuple[int, int, int, int]]
) -> None:
    if not counts:
        return
    rows = [
        {"snapshot_id": sid, "added": a, "removed": r, "modified": m, "entry_count": n}
        for sid, (a, r, m, n) in counts.items()
    ]
    schema = pa.schema(
        [("snapshot_id", pa.int64())]
        + [(c, pa.int32()) for c in ("added", "removed", "modified", "entry_count")]
    )
    with registered(con, rows, schema) as tmp:
        con.execute(
            "UPDATE list_snapshots AS s SET added = t.added, removed = t.removed, "  # noqa: S608
            "modified = t.modified, entry_count = t.entry_count "
            f"FROM {tmp} AS t WHERE s.snapshot_id = t.snapshot_id AND (s.added, s.removed, "
            "s.modified, s.entry_count) IS DISTINCT FROM (t.added, t.removed, t.modified, "
            "t.entry_count)"
        )
