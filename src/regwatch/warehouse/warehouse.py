"""The `Warehouse` facade: one DuckDB file, opened for one job, closed right after."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import duckdb

from regwatch.errors import WarehouseError
from regwatch.models import ArchivedPayload, ListEntry, ListName, ParsedDocument, SourceName
from regwatch.warehouse import fr, lists, queries
from regwatch.warehouse.core import (
    _Transactional,
    applied_migrations,
    apply_migrations,
    connect,
    create_views,
    migration_files,
    utc,
)

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

UPSERT_PAYLOAD = """
INSERT INTO raw_payloads (sha256, url, first_fetched_at, last_fetched_at, status, etag,
                          last_modified, content_type, size, path)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (sha256, url) DO UPDATE SET
    last_fetched_at = greatest(raw_payloads.last_fetched_at, excluded.last_fetched_at)
"""


class Warehouse(_Transactional):
    """The regwatch DuckDB warehouse. Use `Warehouse.open(path)` as a context manager."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, *, read_only: bool) -> None:
        self.con = con
        self.path = path
        self.read_only = read_only
        self._depth = 0

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    @contextmanager
    def open(
        cls, path: Path, *, read_only: bool = False, lock_timeout: float = 120.0
    ) -> Iterator[Warehouse]:
        """Open (creating and migrating when writable), yield, and always close the file.

        Waits with backoff while another process holds the file, up to `lock_timeout` seconds,
        then raises `WarehouseLockedError` naming the holder.
        """
        path = Path(path)
        if read_only and not path.exists():
            raise WarehouseError(f"no warehouse at {path}; run `regwatch run` (or demo) first")
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = connect(path, read_only=read_only, lock_timeout=lock_timeout)
        try:
            con.execute("SET TimeZone = 'UTC'")
            if read_only:
                _check_schema(con, path)
            else:
                apply_migrations(con)
                create_views(con)
            yield cls(con, path, read_only=read_only)
        finally:
            con.close()

    # ------------------------------------------------------------------ small tables
    def record_payload(self, p: ArchivedPayload) -> None:
        """Remember a fetched body's metadata (idempotent per sha256 + URL)."""
        fetched = utc(p.fetched_at)
        with self.transaction():
            self.con.execute(
                UPSERT_PAYLOAD,
                [
                    p.sha256,
                    p.url,
                    fetched,
                    fetched,
                    p.status,
                    p.etag,
                    p.last_modified,
                    p.content_type,
                    p.size,
                    p.path,
                ],
            )

    def get_cursor(self, name: str) -> str | None:
        rows = self.con.execute("SELECT value FROM cursors WHERE name = ?", [name]).fetchall()
        return str(rows[0][0]) if rows else None

    def set_cursor(self, name: str, value: str) -> None:
        with self.transaction():
            self.con.execute(
                "INSERT INTO cursors VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "value = excluded.value, updated_at = excluded.updated_at",
                [name, value, dt.datetime.now(dt.UTC)],
            )

    # ------------------------------------------------------------------ Federal Register
    def load_fr_document(
        self,
        parsed: ParsedDocument,
        *,
        content_sha256: str,
        metadata_sha256: str | None,
        recorded_at: dt.datetime,
    ) -> Literal["inserted", "unchanged", "replaced"]:
        """Store one parsed document; same bytes again change nothing, new bytes add a version."""
        with self.transaction():
            return fr.load_fr_document(
                self.con,
                parsed,
                content_sha256=content_sha256,
                metadata_sha256=metadata_sha256,
                recorded_at=utc(recorded_at),
            )

    def quarantine(
        self,
        *,
        document_number: str | None,
        url: str,
        sha256: str | None,
        error: Exception | str,
        recorded_at: dt.datetime,
    ) -> None:
        """Record a document that could not be fetched whole or parsed (raw bytes: sha256)."""
        with self.transaction():
            fr.quarantine(
                self.con,
                document_number=document_number,
                url=url,
                sha256=sha256,
                error=error,
                recorded_at=utc(recorded_at),
            )

    def replay_federal_register(
        self, *, recorded_at: dt.datetime, base_snapshot_id: int | None = None
    ) -> fr.ReplayOutcome:
        """Rebuild the FR-derived Entity List (one snapshot per document), bitemporally."""
        with self.transaction():
            return fr.replay_federal_register(
                self.con, recorded_at=utc(recorded_at), base_snapshot_id=base_snapshot_id
            )

    # ------------------------------------------------------------------ list snapshots
    def ingest_list_snapshot(
        self,
        list_name: ListName,
        source: SourceName,
        entries: Sequence[ListEntry],
        *,
        as_of: dt.date,
        recorded_at: dt.datetime,
        content_sha256: str,
        make_current: bool = True,
        note: str | None = None,
    ) -> lists.SnapshotOutcome:
        """Store a complete list; identical content -> "unchanged" and no new rows."""
        with self.transaction():
            return lists.ingest_list_snapshot(
                self.con,
                list_name,
                source,
                entries,
                as_of=as_of,
                recorded_at=utc(recorded_at),
                content_sha256=content_sha256,
                make_current=make_current,
                note=note,
            )

    def accept_snapshot(self, snapshot_id: int, *, recorded_at: dt.datetime | None = None) -> None:
        """Make a held snapshot (mass-deletion guard) the current one of its list."""
        with self.transaction():
            lists.accept_snapshot(
                self.con, snapshot_id, recorded_at=utc(recorded_at or dt.datetime.now(dt.UTC))
            )

    # ------------------------------------------------------------------ queries
    def diff(self, from_: str | int | dt.date, to: str | int | dt.date) -> pd.DataFrame:
        """Changes between two snapshot ids (`entity_diff`) or two dates (`entity_diff_dates`)."""
        return queries.diff(self.con, from_, to)

    def history(self, pattern: str) -> pd.DataFrame:
        """Every change of entries whose name or alias matches (`entity_history`)."""
        return queries.history(self.con, pattern)

    def as_of(
        self,
        date: dt.date | str,
        *,
        known_at: dt.datetime | None = None,
        list_name: str | None = None,
        source: str | None = None,
    ) -> pd.DataFrame:
        """Entries in force on `date` (as known at `known_at`, default: now)."""
        return queries.as_of(self.con, date, known_at=known_at, list_name=list_name, source=source)

    def export(
        self, path: Path, fmt: Literal["parquet", "csv"], as_of: dt.date | str | None = None
    ) -> Path:
        """Write the lists (latest, or as of a date) to Parquet or CSV."""
        return queries.export(self.con, path, fmt, as_of)


def _check_schema(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    missing = {n for n, _ in migration_files()} - applied_migrations(con)
    if missing:
        raise WarehouseError(
            f"warehouse {path} needs migrations {sorted(missing)}; open it once for writing "
            "(e.g. `regwatch run`) to upgrade it"
        )
