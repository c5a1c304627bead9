"""Apply the alert migrations (030-039) on a bare connection (tests, tools).

`Warehouse.open` applies them with every other migration and records them in
`schema_migrations`; the statements are idempotent (IF NOT EXISTS), so running them here
first and from the warehouse's runner later is harmless. Applied files must not be edited
(the runner checks their sha256): schema changes go into a new 031+ file.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from regwatch.errors import WarehouseError

_PACKAGE = Path(__file__).resolve().parents[1]
_CANDIDATES = (
    _PACKAGE / "warehouse" / "sql" / "migrations",
    _PACKAGE.parents[1] / "warehouse" / "sql" / "migrations",  # src layout: repo root
)
_OWN = re.compile(r"^03\d_[\w-]+\.sql$")


def migrations_dir() -> Path:
    """The directory holding `NNN_name.sql` migrations (first candidate that has ours)."""
    for candidate in _CANDIDATES:
        if candidate.is_dir() and any(_OWN.match(p.name) for p in candidate.iterdir()):
            return candidate
    raise WarehouseError(
        "alert migrations (warehouse/sql/migrations/03x_*.sql) not found; looked in "
        + ", ".join(str(c) for c in _CANDIDATES)
    )


def alert_migrations() -> list[Path]:
    """Our migration files, in the order they must run."""
    return sorted(p for p in migrations_dir().iterdir() if _OWN.match(p.name))


def ensure_outbox(con: duckdb.DuckDBPyConnection) -> None:
    """Create the outbox tables if missing (runs inside the caller's transaction, if any)."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'alert_batches'"
    ).fetchall()
    if exists[0][0]:
        return
    for path in alert_migrations():
        con.execute(path.read_text(encoding="utf-8"))
