"""Parameterized queries over the public macros, for the CLI, notebooks and other stages.

Each query is a `Query` (SQL text with `?` placeholders + parameters); `.df()` gives pandas,
`.records()` plain dicts (JSON-ready with `default=str`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb

from regwatch.errors import WarehouseError
from regwatch.warehouse.store import fetch_dicts

if TYPE_CHECKING:
    import pandas as pd

_SNAPSHOT_ID = re.compile(r"^\d+$")

LIST_COLUMNS = (
    "list",
    "source",
    "entry_key",
    "country",
    "name",
    "aliases",
    "addresses",
    "license_requirement",
    "license_review_policy",
    "federal_register_citations",
    "valid_from",
    "valid_to",
    "action",
    "document_number",
    "citation",
)
DIFF_SNAPSHOTS_SQL = (
    "SELECT * FROM entity_diff(?, ?) ORDER BY list, source, change_type, country, name"
)
DIFF_DATES_SQL = (
    "SELECT * FROM entity_diff_dates(?, ?) ORDER BY list, source, change_type, country, name"
)
_LIST_TYPED = {"aliases", "addresses", "federal_register_citations"}


@dataclass(frozen=True, slots=True)
class Query:
    sql: str
    params: tuple[Any, ...] = ()

    def df(self, con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
        return con.execute(self.sql, list(self.params)).df()

    def records(self, con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
        return fetch_dicts(con, self.sql, self.params)


def parse_point(value: str | int | dt.date) -> int | dt.date:
    """A snapshot id (digits) or a date (YYYY-MM-DD)."""
    if isinstance(value, dt.date | int):
        return value
    text = value.strip()
    if _SNAPSHOT_ID.match(text):
        return int(text)
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise WarehouseError(
            f"{value!r} is neither a snapshot id (see the `snapshots` view) nor a date (YYYY-MM-DD)"
        ) from exc


def _date(value: dt.date | str) -> dt.date:
    day = parse_point(value) if isinstance(value, str) else value
    if not isinstance(day, dt.date):
        raise WarehouseError(f"{value!r} is not a date (YYYY-MM-DD)")
    return day


def diff_query(from_: str | int | dt.date, to: str | int | dt.date) -> Query:
    """`entity_diff` for two snapshot ids, `entity_diff_dates` for two dates."""
    a, b = parse_point(from_), parse_point(to)
    if isinstance(a, int) and isinstance(b, int):
        return Query(DIFF_SNAPSHOTS_SQL, (a, b))
    if isinstance(a, dt.date) and isinstance(b, dt.date):
        return Query(DIFF_DATES_SQL, (a, b))
    raise WarehouseError("compare two snapshot ids or two dates, not one of each")


def require_snapshots(con: duckdb.DuckDBPyConnection, query: Query) -> None:
    """A diff between snapshot ids names existing snapshots (else the macro returns nothing)."""
    if query.sql != DIFF_SNAPSHOTS_SQL:
        return
    wanted = {int(p) for p in query.params}
    found = {
        int(r[0])
        for r in con.execute(
            "SELECT snapshot_id FROM list_snapshots WHERE snapshot_id IN (?, ?)", list(query.params)
        ).fetchall()
    }
    missing = sorted(wanted - found)
    if missing:
        raise WarehouseError(f"no snapshot {missing[0]}; see the `snapshots` view for the ids")


def history_query(pattern: str) -> Query:
    return Query("SELECT * FROM entity_history(?)", (pattern,))


def as_of_query(
    date: dt.date | str,
    *,
    known_at: dt.datetime | None = None,
    list_name: str | None = None,
    source: str | None = None,
) -> Query:
    sql = (
        f"SELECT {', '.join(LIST_COLUMNS)} FROM entity_list_as_of(?, known_at := ?) "  # noqa: S608
        "WHERE (CAST(? AS VARCHAR) IS NULL OR list = ?) "
        "AND (CAST(? AS VARCHAR) IS NULL OR source = ?) "
        "ORDER BY list, source, country, name"
    )
    return Query(sql, (_date(date), known_at, list_name, list_name, source, source))


def diff(
    con: duckdb.DuckDBPyConnection, from_: str | int | dt.date, to: str | int | dt.date
) -> pd.DataFrame:
    query = diff_query(from_, to)
    require_snapshots(con, query)
    return query.df(con)


def history(con: duckdb.DuckDBPyConnection, pattern: str) -> pd.DataFrame:
    return history_query(pattern).df(con)


def as_of(
    con: duckdb.DuckDBPyConnection,
    date: dt.date | str,
    *,
    known_at: dt.datetime | None = None,
    list_name: str | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """Every entry in force on `date` (optionally as known at `known_at`)."""
    return as_of_query(date, known_at=known_at, list_name=list_name, source=source).df(con)


def export(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    fmt: Literal["parquet", "csv"],
    as_of_date: dt.date | str | None = None,
) -> Path:
    """Write the lists (latest, or in force on a date) to Parquet or CSV; return the path.

    CSV joins list-valued columns with '; '.
    """
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    params: list[Any] = []
    if as_of_date is None:
        source_sql = "entity_list_current"
    else:
        source_sql = "entity_list_as_of(?)"
        params.append(_date(as_of_date))
    if fmt == "csv":
        columns = ", ".join(
            f"array_to_string({c}, '; ') AS {c}" if c in _LIST_TYPED else c for c in LIST_COLUMNS
        )
    elif fmt == "parquet":
        columns = ", ".join(LIST_COLUMNS)
    else:
        raise WarehouseError(f"unknown export format {fmt!r} (parquet or csv)")
    sql = f"SELECT {columns} FROM {source_sql} ORDER BY list, source, country, name"  # noqa: S608
    table = con.sql(sql, params=params).to_arrow_table()
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        pacsv.write_csv(table, path)
    else:
        pq.write_table(table, path)
    return path
