"""Ingest a downloaded CSL file into the warehouse (with the mass-deletion guard) and reconcile.

`ingest_csl` reads the file (`read_entries`), compares each BIS list with the list's current
official snapshot (`evaluate_drop`) and stores one snapshot per list through
`Warehouse.ingest_list_snapshot`: made current, or held (`make_current=False`) when the guard
says so and the caller did not pass `accept_drop`. An identical file creates nothing (the
warehouse compares content hashes). `reconcile_warehouse` compares the FR replay with the
official Entity List as of a date and stores the findings in `reconciliation`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from regwatch.csl.guard import (
    DEFAULT_MAX_DROP,
    GuardVerdict,
    ListDrop,
    entry_identity,
    evaluate_drop,
)
from regwatch.csl.reader import CslFormat, CslReadResult, read_entries
from regwatch.csl.reconcile import Finding, FrDocumentRef, ReconciliationReport, reconcile
from regwatch.errors import WarehouseError
from regwatch.models import LIST_NAMES, ListEntry, ListName, SourceName
from regwatch.warehouse import SnapshotOutcome, Warehouse

logger = logging.getLogger(__name__)

ListStatus = Literal["created", "unchanged", "held", "accepted"]

CURRENT_SNAPSHOTS_SQL = """
SELECT list, snapshot_id, content_sha256, entry_count
FROM snapshots
WHERE source = 'csl' AND status = 'current'
QUALIFY row_number() OVER (PARTITION BY list ORDER BY sort_key DESC) = 1
"""

CURRENT_ENTRIES_SQL = """
SELECT name, country
FROM entity_list_current
WHERE source = 'csl' AND list = ?
"""

HELD_SAME_CONTENT_SQL = """
SELECT snapshot_id
FROM snapshots
WHERE source = 'csl' AND list = ? AND status = 'held' AND content_sha256 = ?
ORDER BY snapshot_id DESC
LIMIT 1
"""


@dataclass(frozen=True, slots=True)
class ListIngest:
    """What happened to one list of the file."""

    list: ListName
    status: ListStatus
    snapshot_id: int | None
    entry_count: int
    added: int
    removed: int
    modified: int
    drop: ListDrop


@dataclass(frozen=True, slots=True)
class CslIngestOutcome:
    """Per list: the snapshot outcome and the guard's verdict."""

    content_sha256: str
    as_of: dt.date
    fmt: CslFormat
    total_records: int
    lists: tuple[ListIngest, ...]
    verdict: GuardVerdict
    skipped: bool = False  # the file was already the current snapshot of every list

    @property
    def held(self) -> tuple[ListIngest, ...]:
        return tuple(item for item in self.lists if item.status == "held")

    def summary(self) -> str:
        """One line for run reports."""
        if self.skipped:
            return "unchanged (this file is already the current official list)"
        parts = [f"{i.list} {i.status} ({i.entry_count})" for i in self.lists]
        text = ", ".join(parts)
        if self.held:
            text = f"HELD by the mass-deletion guard: {text}"
        return text

    def detail_lines(self) -> list[str]:
        """One line per list with counts, plus the guard's message for held lists."""
        lines: list[str] = []
        for item in self.lists:
            lines.append(
                f"{item.list}: {item.status}, snapshot {item.snapshot_id}, "
                f"{item.entry_count} entries (+{item.added} -{item.removed} ~{item.modified})"
            )
        if self.held:
            lines.extend(self.verdict.message().splitlines())
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "content_sha256": self.content_sha256,
            "as_of": self.as_of.isoformat(),
            "format": self.fmt,
            "total_records": self.total_records,
            "skipped": self.skipped,
            "held": [i.list for i in self.held],
            "max_drop": self.verdict.max_drop,
            "lists": [
                {
                    "list": i.list,
                    "status": i.status,
                    "snapshot_id": i.snapshot_id,
                    "entry_count": i.entry_count,
                    "added": i.added,
                    "removed": i.removed,
                    "modified": i.modified,
                    "previous_count": i.drop.previous_count,
                    "dropped": i.drop.removed,
                    "drop_share": round(i.drop.share, 6),
                    "guard_reason": i.drop.reason,
                }
                for i in self.lists
            ],
        }


def _current_snapshots(wh: Warehouse) -> dict[str, tuple[int, str | None, int]]:
    """list -> (snapshot_id, content_sha256, entry_count) of its current official snapshot."""
    rows = wh.con.execute(CURRENT_SNAPSHOTS_SQL).fetchall()
    return {str(r[0]): (int(r[1]), r[2], int(r[3])) for r in rows}


def _current_identities(wh: Warehouse, list_name: ListName) -> list[str]:
    rows = wh.con.execute(CURRENT_ENTRIES_SQL, [list_name]).fetchall()
    return [
        entry_identity(ListEntry(list=list_name, source="csl", name=r[0], country=r[1]))
        for r in rows
    ]


def _unchanged(list_name: ListName, snapshot_id: int, count: int) -> ListIngest:
    drop = ListDrop(list_name, count, count, 0, 0, 0.0, held=False)
    return ListIngest(list_name, "unchanged", snapshot_id, count, 0, 0, 0, drop)


def ingest_csl(
    wh: Warehouse,
    payload_path: Path,
    *,
    content_sha256: str,
    as_of: dt.date,
    recorded_at: dt.datetime,
    accept_drop: bool = False,
    max_drop: float = DEFAULT_MAX_DROP,
    fmt: CslFormat | None = None,
    parsed: CslReadResult | None = None,
) -> CslIngestOutcome:
    """Store one official snapshot per BIS list from a CSL download (one transaction).

    A list that would lose more than `max_drop` of its entries (or vanish) is stored but held
    (not current) unless `accept_drop`; with `accept_drop`, a held snapshot of the same file is
    accepted rather than stored twice. `parsed` lets a caller read the file before opening
    the warehouse for writing (the lock is then held only for the load).
    """
    current = _current_snapshots(wh)
    if all(name in current and current[name][1] == content_sha256 for name in LIST_NAMES):
        logger.info("CSL %s is already the current official list; nothing to do", content_sha256)
        same = tuple(_unchanged(name, current[name][0], current[name][2]) for name in LIST_NAMES)
        verdict = GuardVerdict(tuple(i.drop for i in same), max_drop)
        return CslIngestOutcome(
            content_sha256, as_of, fmt or "json", 0, same, verdict, skipped=True
        )

    result = parsed if parsed is not None else read_entries(payload_path, fmt=fmt)
    groups = result.by_list()
    previous: dict[str, list[str]] = {n: _current_identities(wh, n) for n in LIST_NAMES}
    new: dict[str, list[str]] = {n: [entry_identity(e) for e in groups[n]] for n in LIST_NAMES}
    verdict = evaluate_drop(previous, new, max_drop=max_drop, lists=LIST_NAMES)
    items: list[ListIngest] = []
    with wh.transaction():
        for name in LIST_NAMES:
            drop = verdict.for_list(name)
            assert drop is not None
            items.append(
                _ingest_list(
                    wh,
                    name,
                    groups[name],
                    drop=drop,
                    accept_drop=accept_drop,
                    as_of=as_of,
                    recorded_at=recorded_at,
                    content_sha256=content_sha256,
                )
            )
    outcome = CslIngestOutcome(
        content_sha256, as_of, result.fmt, result.total_records, tuple(items), verdict
    )
    if outcome.held:
        logger.warning("CSL snapshot held by the mass-deletion guard:\n%s", verdict.message())
    return outcome


def _ingest_list(
    wh: Warehouse,
    name: ListName,
    entries: Sequence[ListEntry],
    *,
    drop: ListDrop,
    accept_drop: bool,
    as_of: dt.date,
    recorded_at: dt.datetime,
    content_sha256: str,
) -> ListIngest:
    if drop.held and accept_drop:
        held = wh.con.execute(HELD_SAME_CONTENT_SQL, [name, content_sha256]).fetchall()
        if held:
            snapshot_id = int(held[0][0])
            wh.accept_snapshot(snapshot_id, recorded_at=recorded_at)
            return _from_snapshot(wh, name, snapshot_id, "accepted", drop)
    note = None
    if drop.held:
        note = f"mass-deletion guard: {drop.reason}" + (" (accepted)" if accept_drop else "")
    snapshot: SnapshotOutcome = wh.ingest_list_snapshot(
        name,
        "csl",
        entries,
        as_of=as_of,
        recorded_at=recorded_at,
        content_sha256=content_sha256,
        make_current=accept_drop or not drop.held,
        note=note,
    )
    status: ListStatus = snapshot.status
    if drop.held and accept_drop and snapshot.status == "created":
        status = "accepted"
    return ListIngest(
        name,
        status,
        snapshot.snapshot_id,
        snapshot.entry_count,
        snapshot.added,
        snapshot.removed,
        snapshot.modified,
        drop,
    )


def _from_snapshot(
    wh: Warehouse, name: ListName, snapshot_id: int, status: ListStatus, drop: ListDrop
) -> ListIngest:
    row = wh.con.execute(
        "SELECT entry_count, added, removed, modified FROM snapshots WHERE snapshot_id = ?",
        [snapshot_id],
    ).fetchall()[0]
    return ListIngest(
        name, status, snapshot_id, int(row[0]), int(row[1]), int(row[2]), int(row[3]), drop
    )


def accept_held_snapshot(
    wh: Warehouse, snapshot_id: int, *, recorded_at: dt.datetime
) -> ListIngest:
    """`regwatch accept-snapshot ID`: make a held CSL snapshot current."""
    rows = wh.con.execute(
        "SELECT list, status, entry_count FROM snapshots WHERE snapshot_id = ?", [snapshot_id]
    ).fetchall()
    if not rows:
        raise WarehouseError(f"no snapshot {snapshot_id}; list them with the `snapshots` view")
    list_name, status, count = rows[0]
    drop = ListDrop(str(list_name), int(count), int(count), 0, 0, 0.0, held=False)
    if status == "current":
        return ListIngest(list_name, "unchanged", snapshot_id, int(count), 0, 0, 0, drop)
    with wh.transaction():
        wh.accept_snapshot(snapshot_id, recorded_at=recorded_at)
    return _from_snapshot(wh, list_name, snapshot_id, "accepted", drop)


PENDING_HOLDS_SQL = """
SELECT h.snapshot_id, h.list, h.as_of, h.entry_count, h.note, h.recorded_at
FROM snapshots AS h
WHERE h.source = 'csl' AND h.status = 'held'
  AND h.snapshot_id > coalesce((
        SELECT max(c.snapshot_id) FROM snapshots AS c
        WHERE c.source = 'csl' AND c.list = h.list AND c.status = 'current'), 0)
ORDER BY h.list, h.snapshot_id
"""


def pending_holds(wh: Warehouse) -> list[dict[str, Any]]:
    """Held official snapshots newer than their list's current one (still to be decided).

    An older hold that a later good download superseded is not pending any more.
    """
    cursor = wh.con.execute(PENDING_HOLDS_SQL)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def accept_pending(wh: Warehouse, *, recorded_at: dt.datetime) -> list[ListIngest]:
    """Accept the newest pending hold of every list (`ingest-csl --accept-drop` after a 304)."""
    newest: dict[str, int] = {}
    for hold in pending_holds(wh):
        newest[str(hold["list"])] = int(hold["snapshot_id"])
    return [accept_held_snapshot(wh, sid, recorded_at=recorded_at) for sid in newest.values()]


# --------------------------------------------------------------------------- reconciliation

LIST_AS_OF_SQL = """
SELECT entry_key, name, country, aliases, addresses, countries, license_requirement,
       license_review_policy, federal_register_citations
FROM entity_list_as_of(?)
WHERE list = 'entity_list' AND source = ?
ORDER BY name, entry_key
"""

DOCUMENTS_SQL = """
SELECT document_number, citation, volume, start_page, end_page FROM fr_documents
"""

LATEST_CSL_AS_OF_SQL = """
SELECT max(as_of) FROM snapshots
WHERE source = 'csl' AND list = 'entity_list' AND status = 'current'
"""

INSERT_RUN_SQL = """
INSERT INTO reconciliation_runs (run_id, as_of, recorded_at, fr_count, csl_count, matched,
                                 documents, finding_count)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
"""


@dataclass(frozen=True, slots=True)
class StoredReconciliation:
    """A reconciliation report and where it was stored (run_id None: not stored)."""

    run_id: int | None
    as_of: dt.date
    report: ReconciliationReport


def default_as_of(wh: Warehouse) -> dt.date:
    """The as-of date of the latest official Entity List (today when there is none)."""
    value = wh.con.execute(LATEST_CSL_AS_OF_SQL).fetchall()[0][0]
    return value if isinstance(value, dt.date) else dt.datetime.now(dt.UTC).date()


def list_as_of(wh: Warehouse, as_of: dt.date, source: SourceName) -> list[ListEntry]:
    """The Entity List of one source in force on `as_of`, as `ListEntry` (entry_key kept)."""
    rows = wh.con.execute(LIST_AS_OF_SQL, [as_of, source]).fetchall()
    return [
        ListEntry(
            list="entity_list",
            source=source,
            name=r[1],
            country=r[2],
            aliases=tuple(r[3] or ()),
            addresses=tuple(r[4] or ()),
            countries=tuple(r[5] or ()),
            license_requirement=r[6],
            license_review_policy=r[7],
            federal_register_citations=tuple(r[8] or ()),
            original={"entry_key": r[0]},
        )
        for r in rows
    ]


def fr_documents(wh: Warehouse) -> list[FrDocumentRef]:
    refs: list[FrDocumentRef] = []
    for number, citation, volume, start, end in wh.con.execute(DOCUMENTS_SQL).fetchall():
        if volume is not None and start is not None:
            refs.append(FrDocumentRef(str(number), int(volume), int(start), end))
            continue
        ref = FrDocumentRef.from_citation(str(number), citation, start, end)
        if ref is not None:
            refs.append(ref)
    return refs


def reconcile_warehouse(
    wh: Warehouse,
    *,
    as_of: dt.date | None = None,
    recorded_at: dt.datetime,
    store: bool = True,
) -> StoredReconciliation:
    """Reconcile the FR replay with the official Entity List as of `as_of`; store the findings.

    `as_of` defaults to the date of the latest official snapshot ("as of the same date").
    """
    day = as_of or default_as_of(wh)
    fr_side = list_as_of(wh, day, "federal_register")
    csl_side = list_as_of(wh, day, "csl")
    report = reconcile(fr_side, csl_side, documents=fr_documents(wh))
    if not store or wh.read_only:
        return StoredReconciliation(None, day, report)
    with wh.transaction():
        run_id = int(wh.con.execute("SELECT nextval('reconciliation_run_id_seq')").fetchall()[0][0])
        wh.con.execute(
            INSERT_RUN_SQL,
            [
                run_id,
                day,
                recorded_at,
                report.fr_count,
                report.csl_count,
                len(report.matches),
                report.documents,
                len(report.findings),
            ],
        )
        _insert_findings(wh, run_id, day, report.findings, recorded_at)
    return StoredReconciliation(run_id, day, report)


FINDING_COLUMNS = (
    "run_id", "as_of", "kind", "list", "name", "country", "fr_name", "csl_name", "fr_value",
    "csl_value", "citation", "document_number", "in_scope", "detail", "fr_entry_key",
    "csl_entry_key", "recorded_at",
)  # fmt: skip


def _insert_findings(
    wh: Warehouse,
    run_id: int,
    day: dt.date,
    findings: Sequence[Finding],
    recorded_at: dt.datetime,
) -> None:
    """Bulk insert through an Arrow table (thousands of rows; executemany is row by row)."""
    if not findings:
        return
    import pyarrow as pa

    columns: dict[str, list[Any]] = {c: [] for c in FINDING_COLUMNS}
    for f in findings:
        values = [
            run_id, day, f.kind, "entity_list", f.name, f.country, f.fr_name, f.csl_name,
            f.fr_value, f.csl_value, f.citation, f.document_number, f.in_scope, f.detail,
            f.fr_entry_key, f.csl_entry_key, recorded_at,
        ]  # fmt: skip
        for column, value in zip(FINDING_COLUMNS, values, strict=True):
            columns[column].append(value)
    table = pa.table(columns)
    view = f"reconciliation_findings_{run_id}"
    wh.con.register(view, table)
    try:
        wh.con.execute(f"INSERT INTO reconciliation BY NAME SELECT * FROM {view}")  # noqa: S608
    finally:
        wh.con.unregister(view)
