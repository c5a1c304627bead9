"""Opening the DuckDB file: locking with backoff, forward migrations, views, transactions."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import random
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

from regwatch.errors import WarehouseError, WarehouseLockedError

log = logging.getLogger(__name__)

SQL_DIR = Path(__file__).resolve().parent / "sql"
MIGRATIONS_DIR = SQL_DIR / "migrations"
VIEWS_DIR = SQL_DIR / "views"

# Files written this way open in the DuckDB CLI 1.5.x that `make setup` installs.
STORAGE_CONFIG = {"storage_compatibility_version": "v1.5.0"}

_MIGRATION_NAME = re.compile(r"^(\d{3})_[\w-]+\.sql$")
_HOLDER = re.compile(r"Conflicting lock is held in (.+?)(?:\.\s+See also|$)", re.DOTALL)

CREATE_SCHEMA_MIGRATIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       VARCHAR NOT NULL,
    checksum   VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL
)
"""


def utc(value: dt.datetime) -> dt.datetime:
    """Aware UTC datetime (naive input is taken to be UTC already)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def migration_files() -> list[tuple[int, Path]]:
    """Every `migrations/NNN_name.sql`, in number order (other helpers' ranges included)."""
    found: list[tuple[int, Path]] = []
    for path in MIGRATIONS_DIR.glob("*.sql"):
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise WarehouseError(f"migration file {path} is not named NNN_name.sql")
        found.append((int(match.group(1)), path))
    found.sort()
    numbers = [n for n, _ in found]
    if len(numbers) != len(set(numbers)):
        raise WarehouseError(f"two migrations share a number in {MIGRATIONS_DIR}: {numbers}")
    return found


def applied_migrations(con: duckdb.DuckDBPyConnection) -> set[int]:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchall()[0][0]
    if not exists:
        return set()
    return {int(r[0]) for r in con.execute("SELECT version FROM schema_migrations").fetchall()}


def apply_migrations(con: duckdb.DuckDBPyConnection, *, upto: int | None = None) -> list[str]:
    """Apply the missing migrations (each in its own transaction); return their names.

    Migrations only ever add: a failed one rolls back and leaves the file as it was.
    """
    con.execute(CREATE_SCHEMA_MIGRATIONS)
    done = applied_migrations(con)
    applied: list[str] = []
    for number, path in migration_files():
        if number in done or (upto is not None and number > upto):
            continue
        sql = path.read_text(encoding="utf-8")
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?, ?)",
                [number, path.name, hashlib.sha256(sql.encode()).hexdigest(), _now()],
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise WarehouseError(f"migration {path.name} failed, nothing applied: {exc}") from exc
        log.info("applied warehouse migration %s", path.name)
        applied.append(path.name)
    return applied


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the public views and macros, in file order, atomically."""
    con.execute("BEGIN TRANSACTION")
    try:
        for path in sorted(VIEWS_DIR.glob("*.sql")):
            con.execute(path.read_text(encoding="utf-8"))
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise WarehouseError(f"creating views failed ({path.name}): {exc}") from exc


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def lock_holder(message: str) -> str:
    """The process DuckDB names in its lock error (program path and PID), if any."""
    match = _HOLDER.search(message)
    return match.group(1).strip() if match else "another process"


def _is_lock_error(exc: duckdb.Error) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def connect(path: Path, *, read_only: bool, lock_timeout: float) -> duckdb.DuckDBPyConnection:
    """Connect, retrying with capped exponential backoff while another process holds the file."""
    deadline = time.monotonic() + max(lock_timeout, 0.0)
    delay = 0.05
    attempts = 0
    while True:
        attempts += 1
        try:
            return duckdb.connect(str(path), read_only=read_only, config=dict(STORAGE_CONFIG))
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                raise WarehouseError(f"cannot open warehouse {path}: {exc}") from exc
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                holder = lock_holder(str(exc))
                raise WarehouseLockedError(
                    f"warehouse {path} is locked by {holder}; gave up after {lock_timeout:g}s "
                    f"and {attempts} attempts. Close that DuckDB session (an analyst's CLI or "
                    "notebook, or another regwatch run) and retry, or raise "
                    "REGWATCH_LOCK_TIMEOUT."
                ) from exc
            if attempts == 1:
                log.warning("warehouse %s is locked by %s; waiting", path, lock_holder(str(exc)))
            time.sleep(min(remaining, delay * (0.5 + random.random())))
            delay = min(delay * 2, 2.0)


class _Transactional:
    """BEGIN/COMMIT with ROLLBACK on error; nested use joins the outer transaction."""

    con: duckdb.DuckDBPyConnection
    _depth: int

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.con.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self.con.execute("ROLLBACK")
            raise
        self._depth = 0
        try:
            self.con.execute("COMMIT")
        except duckdb.Error as exc:
            with suppress(duckdb.Error):
                self.con.execute("ROLLBACK")
            raise WarehouseError(f"commit failed, nothing was written: {exc}") from exc

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0
