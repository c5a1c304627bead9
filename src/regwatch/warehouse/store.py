"""Bulk writes of entry versions through Arrow (DuckDB's executemany is slow)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from regwatch.warehouse.keys import EntryState

_counter = itertools.count()

# List-valued fields are stored packed (see migration 002); the views unpack them.
LIST_SEPARATOR = "\x1f"


def pack(items: Sequence[str]) -> str:
    """Join list items with the unit separator (empty items dropped, the separator removed)."""
    return LIST_SEPARATOR.join(i.replace(LIST_SEPARATOR, " ") for i in items if i)


_STR = pa.string()
_STRS = pa.list_(pa.string())

VERSION_SCHEMA = pa.schema(
    [
        ("list", _STR),
        ("source", _STR),
        ("entry_key", _STR),
        ("country", _STR),
        ("name", _STR),
        ("aliases", _STR),
        ("addresses", _STR),
        ("countries", _STR),
        ("license_requirement", _STR),
        ("license_review_policy", _STR),
        ("federal_register_citations", _STR),
        ("footnotes", _STR),
        ("start_date", pa.date32()),
        ("source_id", _STR),
        ("row_hash", _STR),
        ("valid_from", pa.date32()),
        ("valid_to", pa.date32()),
        ("from_key", _STR),
        ("to_key", _STR),
        ("from_snapshot", pa.int64()),
        ("to_snapshot", pa.int64()),
        ("start_action", _STR),
        ("start_document_number", _STR),
        ("start_citation", _STR),
        ("end_action", _STR),
        ("end_document_number", _STR),
        ("end_citation", _STR),
        ("recorded_from", pa.timestamp("us", tz="UTC")),
        ("closed_at", pa.timestamp("us", tz="UTC")),
    ]
)

CLOSE_SCHEMA = pa.schema(
    [
        ("version_id", pa.int64()),
        ("valid_to", pa.date32()),
        ("to_key", _STR),
        ("to_snapshot", pa.int64()),
        ("end_action", _STR),
        ("end_document_number", _STR),
        ("end_citation", _STR),
    ]
)


@dataclass(slots=True)
class Version:
    """One entry version to insert (the in-memory form of an `entry_versions` row)."""

    list: str
    source: str
    entry_key: str
    state: EntryState
    valid_from: dt.date
    from_key: str
    from_snapshot: int
    start_action: str
    start_document_number: str | None = None
    start_citation: str | None = None
    valid_to: dt.date | None = None
    to_key: str | None = None
    to_snapshot: int | None = None
    end_action: str | None = None
    end_document_number: str | None = None
    end_citation: str | None = None

    def close(
        self,
        *,
        valid_to: dt.date,
        to_key: str,
        to_snapshot: int,
        end_action: str,
        end_document_number: str | None,
        end_citation: str | None,
    ) -> None:
        self.valid_to = valid_to
        self.to_key = to_key
        self.to_snapshot = to_snapshot
        self.end_action = end_action
        self.end_document_number = end_document_number
        self.end_citation = end_citation

    def row(self, recorded_at: dt.datetime) -> dict[str, Any]:
        s = self.state
        return {
            "list": self.list,
            "source": self.source,
            "entry_key": self.entry_key,
            "country": s.country,
            "name": s.name,
            "aliases": pack(s.aliases),
            "addresses": pack(s.addresses),
            "countries": pack(s.countries),
            "license_requirement": s.license_requirement,
            "license_review_policy": s.license_review_policy,
            "federal_register_citations": pack(s.federal_register_citations),
            "footnotes": pack(s.footnotes),
            "start_date": dt.date.fromisoformat(s.start_date) if s.start_date else None,
            "source_id": s.source_id,
            "row_hash": s.row_hash(),
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "from_key": self.from_key,
            "to_key": self.to_key,
            "from_snapshot": self.from_snapshot,
            "to_snapshot": self.to_snapshot,
            "start_action": self.start_action,
            "start_document_number": self.start_document_number,
            "start_citation": self.start_citation,
            "end_action": self.end_action,
            "end_document_number": self.end_document_number,
            "end_citation": self.end_citation,
            "recorded_from": recorded_at,
            "closed_at": recorded_at if self.valid_to is not None else None,
        }


@contextmanager
def registered(
    con: duckdb.DuckDBPyConnection, rows: Sequence[dict[str, Any]], schema: pa.Schema
) -> Iterator[str]:
    """Expose `rows` to SQL under a temporary name (a registered Arrow table)."""
    name = f"_regwatch_tmp_{next(_counter)}"
    table = pa.Table.from_pylist(list(rows), schema=schema)
    con.register(name, table)
    try:
        yield name
    finally:
        con.unregister(name)


def insert_versions(
    con: duckdb.DuckDBPyConnection, versions: Sequence[Version], recorded_at: dt.datetime
) -> int:
    if not versions:
        return 0
    rows = [v.row(recorded_at) for v in versions]
    with registered(con, rows, VERSION_SCHEMA) as tmp:
        con.execute(
            "INSERT INTO entry_versions BY NAME "  # noqa: S608 - tmp is our own identifier
            f"SELECT nextval('entry_version_id_seq') AS version_id, * FROM {tmp}"
        )
    return len(rows)


def close_versions(
    con: duckdb.DuckDBPyConnection, closes: Sequence[dict[str, Any]], recorded_at: dt.datetime
) -> int:
    """End open versions in effective time, in place; closed_at keeps when that became known."""
    if not closes:
        return 0
    with registered(con, closes, CLOSE_SCHEMA) as tmp:
        con.execute(
            "UPDATE entry_versions AS v SET valid_to = c.valid_to, to_key = c.to_key, "  # noqa: S608
            "to_snapshot = c.to_snapshot, end_action = c.end_action, "
            "end_document_number = c.end_document_number, end_citation = c.end_citation, "
            f"closed_at = ? FROM {tmp} AS c WHERE v.version_id = c.version_id",
            [recorded_at],
        )
    return len(closes)


def supersede_versions(
    con: duckdb.DuckDBPyConnection, version_ids: Sequence[int], recorded_at: dt.datetime
) -> int:
    """Stop believing rows (recorded time); they stay for 'as known at' queries."""
    if not version_ids:
        return 0
    rows = [{"version_id": i} for i in version_ids]
    with registered(con, rows, pa.schema([("version_id", pa.int64())])) as tmp:
        con.execute(
            f"UPDATE entry_versions SET recorded_to = ? WHERE version_id IN "  # noqa: S608
            f"(SELECT version_id FROM {tmp})",
            [recorded_at],
        )
    return len(rows)


def state_from_row(row: dict[str, Any]) -> EntryState:
    start = row.get("start_date")
    return EntryState(
        name=row["name"],
        country=row.get("country"),
        aliases=tuple(row.get("aliases") or ()),
        addresses=tuple(row.get("addresses") or ()),
        countries=tuple(row.get("countries") or ()),
        license_requirement=row.get("license_requirement"),
        license_review_policy=row.get("license_review_policy"),
        federal_register_citations=tuple(row.get("federal_register_citations") or ()),
        footnotes=tuple(row.get("footnotes") or ()),
        start_date=start.isoformat() if start else None,
        source_id=row.get("source_id"),
    )


def fetch_dicts(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()
) -> list[dict[str, Any]]:
    cursor = con.execute(sql, list(params))
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
