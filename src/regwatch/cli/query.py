"""CLI commands: diff, history, as-of, export (read-only queries on the warehouse)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from regwatch.cli.app import app
from regwatch.config import Settings
from regwatch.errors import RegwatchError

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB file (default: $REGWATCH_DB or warehouse/regwatch.duckdb)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON records instead of a table.")]

DIFF_COLUMNS = ("change_type", "list", "source", "country", "name", "changed_columns", "entry_key")
HISTORY_COLUMNS = (
    "effective_date",
    "action",
    "name",
    "country",
    "document_number",
    "citation",
    "source",
    "entry_key",
)
AS_OF_COLUMNS = ("list", "source", "country", "name", "aliases", "entry_key", "valid_from")


def _settings(db: Path | None) -> Settings:
    return Settings.from_env().with_overrides(db_path=db)


def _run_query(db: Path | None, build: Any) -> list[dict[str, Any]]:
    from regwatch.warehouse import Warehouse
    from regwatch.warehouse.queries import require_snapshots

    settings = _settings(db)
    try:
        with Warehouse.open(
            settings.db_path, read_only=True, lock_timeout=settings.lock_timeout_seconds
        ) as wh:
            query = build()
            require_snapshots(wh.con, query)
            records: list[dict[str, Any]] = query.records(wh.con)
            return records
    except RegwatchError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, default=str)
    return str(value)


def _emit(
    records: list[dict[str, Any]], columns: tuple[str, ...], *, as_json: bool, title: str
) -> None:
    if as_json:
        typer.echo(json.dumps(records, default=str, indent=2))
        return
    table = Table(title=f"{title} ({len(records)} rows)")
    for column in columns:
        table.add_column(column, overflow="fold")
    for record in records:
        table.add_row(*(_cell(record.get(c)) for c in columns))
    Console().print(table)


@app.command("diff")
def diff_command(
    from_: Annotated[str, typer.Option("--from", help="Snapshot id or date (YYYY-MM-DD).")],
    to: Annotated[str, typer.Option("--to", help="Snapshot id or date (YYYY-MM-DD).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """What was added, removed or modified between two snapshots or two dates."""
    from regwatch.warehouse.queries import diff_query

    records = _run_query(db, lambda: diff_query(from_, to))
    _emit(records, DIFF_COLUMNS, as_json=as_json, title=f"changes {from_} -> {to}")


@app.command("history")
def history_command(
    name: Annotated[str, typer.Argument(help="Name or alias pattern (ILIKE; % wildcards).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every change of the matching entries, with its FR document and citation."""
    from regwatch.warehouse.queries import history_query

    records = _run_query(db, lambda: history_query(name))
    _emit(records, HISTORY_COLUMNS, as_json=as_json, title=f"history of {name!r}")


@app.command("as-of")
def as_of_command(
    date: Annotated[str, typer.Argument(help="Date (YYYY-MM-DD).")],
    list_name: Annotated[
        str | None, typer.Option("--list", help="entity_list, denied_persons, ...")
    ] = None,
    source: Annotated[str | None, typer.Option(help="federal_register or csl.")] = None,
    known_at: Annotated[
        str | None, typer.Option(help="As known at this UTC timestamp (bitemporal).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The lists as in force on a date."""
    from regwatch.warehouse.queries import as_of_query

    known = dt.datetime.fromisoformat(known_at) if known_at else None
    if known is not None and known.tzinfo is None:
        known = known.replace(tzinfo=dt.UTC)
    records = _run_query(
        db, lambda: as_of_query(date, known_at=known, list_name=list_name, source=source)
    )
    _emit(records, AS_OF_COLUMNS, as_json=as_json, title=f"lists as of {date}")


@app.command("export")
def export_command(
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date (default: latest).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output file.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the lists (latest, or in force on a date) to a Parquet or CSV file."""
    from regwatch.warehouse import Warehouse
    from regwatch.warehouse.queries import export

    if fmt not in ("parquet", "csv"):
        typer.echo(f"error: --format must be parquet or csv, not {fmt!r}", err=True)
        raise typer.Exit(2)
    settings = _settings(db)
    target = out or Path(f"entity_lists_{as_of or 'latest'}.{fmt}")
    try:
        with Warehouse.open(
            settings.db_path, read_only=True, lock_timeout=settings.lock_timeout_seconds
        ) as wh:
            export(wh.con, target, fmt, as_of)  # type: ignore[arg-type]
            rows = wh.con.execute(
                "SELECT count(*) FROM read_parquet(?)"
                if fmt == "parquet"
                else "SELECT count(*) FROM read_csv(?)",
                [str(target)],
            ).fetchall()[0][0]
    except RegwatchError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps({"path": str(target), "rows": rows, "format": fmt}))
    else:
        Console().print(f"wrote {rows} rows to [bold]{target}[/bold]")
