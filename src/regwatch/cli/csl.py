"""CLI commands: ingest-csl, accept-snapshot, reconcile (the official screening list)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from regwatch.cli.app import app
from regwatch.config import Settings
from regwatch.errors import RegwatchError, WarehouseError
from regwatch.models import ArchivedPayload

if TYPE_CHECKING:
    from regwatch.csl.reader import CslFormat

CSL_ETAG_CURSOR = "csl_etag"
CSL_LAST_MODIFIED_CURSOR = "csl_last_modified"
EXIT_HELD = 3  # stored, but held back by the mass-deletion guard
FR_TIMEZONE = ZoneInfo("America/New_York")  # a download's as-of date is its Washington date

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB file (default: $REGWATCH_DB or warehouse/regwatch.duckdb)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def _settings(db: Path | None) -> Settings:
    return Settings.from_env().with_overrides(db_path=db)


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(2)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_cursors(settings: Settings) -> tuple[str | None, str | None]:
    """ETag / Last-Modified of the previous download (none when there is no warehouse yet)."""
    from regwatch.warehouse import Warehouse

    if not settings.db_path.exists():
        return None, None
    try:
        with Warehouse.open(
            settings.db_path, read_only=True, lock_timeout=settings.lock_timeout_seconds
        ) as wh:
            return wh.get_cursor(CSL_ETAG_CURSOR), wh.get_cursor(CSL_LAST_MODIFIED_CURSOR)
    except WarehouseError:
        return None, None  # e.g. not migrated yet: download unconditionally


def _download(
    settings: Settings, etag: str | None, last_modified: str | None, fmt: str
) -> ArchivedPayload | None:
    from regwatch.archive import RawArchive
    from regwatch.sources.csl import CslClient
    from regwatch.sources.http import HttpClient

    archive = RawArchive(settings.resolved_archive_dir)
    with HttpClient(settings) as http:
        payload: ArchivedPayload | None = CslClient(http, settings.csl_base_url, archive).download(
            fmt=cast("CslFormat", fmt), etag=etag, last_modified=last_modified
        )
        return payload


def _source(
    file: Path | None, payload: ArchivedPayload | None, as_of: str | None, day: dt.date
) -> tuple[Path, str, dt.date] | None:
    """(path, sha256, as-of date) of what to ingest: the --file, or the fresh download."""
    if file is not None:
        return file, _sha256_file(file), day
    if payload is not None:
        fetched_day = payload.fetched_at.astimezone(FR_TIMEZONE).date()
        return Path(payload.path), payload.sha256, day if as_of else fetched_day
    return None


def _outcome_table(outcome: Any) -> Table:
    table = Table(title=f"screening list {outcome.content_sha256[:12]} as of {outcome.as_of}")
    for column in ("list", "status", "snapshot", "entries", "+", "-", "~", "dropped", "guard"):
        table.add_column(column, overflow="fold")
    for item in outcome.lists:
        style = "bold red" if item.status == "held" else None
        table.add_row(
            item.list,
            item.status,
            str(item.snapshot_id or ""),
            str(item.entry_count),
            str(item.added),
            str(item.removed),
            str(item.modified),
            f"{item.drop.removed} ({item.drop.share:.1%})" if item.drop.previous_count else "",
            item.drop.reason or "",
            style=style,
        )
    return table


def _print_holds(console: Console, holds: list[dict[str, Any]]) -> None:
    if not holds:
        return
    lines = [
        f"snapshot {h['snapshot_id']} ({h['list']}, as of {h['as_of']}): {h['note'] or ''}"
        for h in holds
    ]
    console.print(
        Panel(
            "\n".join(lines)
            + "\n\nThese official snapshots are stored but NOT current. Accept them with "
            "`regwatch ingest-csl --accept-drop` or `regwatch accept-snapshot ID`.",
            title="held by the mass-deletion guard",
            border_style="red",
        )
    )


@app.command("ingest-csl")
def ingest_csl_command(
    file: Annotated[
        Path | None,
        typer.Option("--file", help="Ingest this CSL JSON/CSV file instead of downloading it."),
    ] = None,
    db: DbOption = None,
    accept_drop: Annotated[
        bool,
        typer.Option(
            "--accept-drop",
            help="Make the snapshot current even if it drops more than REGWATCH_CSL_MAX_DROP "
            "of a list (also accepts snapshots held earlier).",
        ),
    ] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="As-of date of the list (default: today).")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="json or csv (download: json; --file: from the name)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest the consolidated screening list's BIS lists (downloads it when --file is absent).

    Exit status 3 means a list was stored but held back by the mass-deletion guard.
    """
    from regwatch.csl.guard import max_drop_from_env
    from regwatch.csl.ingest import accept_pending, ingest_csl, pending_holds
    from regwatch.csl.reader import read_entries
    from regwatch.warehouse import Warehouse

    settings = _settings(db)
    console = Console(stderr=as_json)
    now = dt.datetime.now(dt.UTC)
    if fmt is not None and fmt not in ("json", "csv"):
        raise _fail(ValueError(f"--format must be json or csv, not {fmt!r}"))
    try:
        day = dt.date.fromisoformat(as_of) if as_of else now.date()
        max_drop = max_drop_from_env()
        payload = None
        if file is None:
            etag, last_modified = _read_cursors(settings)
            payload = _download(settings, etag, last_modified, fmt or "json")
            if payload is None:
                console.print(f"screening list not modified since the last download (ETag {etag})")
        source = _source(file, payload, as_of, day)
        parsed = None
        if source is not None:  # parse before taking the write lock
            parsed = read_entries(source[0], fmt=cast("CslFormat | None", fmt))
        read_only = source is None and not accept_drop  # a 304: only report pending holds
        if read_only and not settings.db_path.exists():
            raise RegwatchError(f"no warehouse at {settings.db_path} and nothing to ingest")
        with Warehouse.open(
            settings.db_path, read_only=read_only, lock_timeout=settings.lock_timeout_seconds
        ) as wh:
            outcome = None
            accepted: list[Any] = []
            with wh.transaction():
                if source is not None:
                    path, sha, day = source
                    if payload is not None:
                        wh.record_payload(payload)
                    outcome = ingest_csl(
                        wh,
                        path,
                        content_sha256=sha,
                        as_of=day,
                        recorded_at=now,
                        accept_drop=accept_drop,
                        max_drop=max_drop,
                        parsed=parsed,
                    )
                    if payload is not None:
                        if payload.etag:
                            wh.set_cursor(CSL_ETAG_CURSOR, payload.etag)
                        if payload.last_modified:
                            wh.set_cursor(CSL_LAST_MODIFIED_CURSOR, payload.last_modified)
                if accept_drop:
                    accepted = accept_pending(wh, recorded_at=now)
            holds = pending_holds(wh)
    except (RegwatchError, ValueError) as exc:
        raise _fail(exc) from exc

    if as_json:
        typer.echo(
            json.dumps(
                {
                    "status": "ingested" if outcome else "not_modified",
                    "outcome": outcome.to_dict() if outcome else None,
                    "accepted": [a.snapshot_id for a in accepted],
                    "held": holds,
                },
                default=str,
                indent=2,
            )
        )
    else:
        if outcome is not None:
            console.print(_outcome_table(outcome))
            console.print(outcome.summary())
        for item in accepted:
            console.print(f"accepted held snapshot {item.snapshot_id} ({item.list})")
        _print_holds(console, holds)
    if holds:
        raise typer.Exit(EXIT_HELD)


@app.command("accept-snapshot")
def accept_snapshot_command(
    snapshot_id: Annotated[int, typer.Argument(help="Id of a held snapshot (see `snapshots`).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a snapshot held by the mass-deletion guard the current official list."""
    from regwatch.csl.ingest import accept_held_snapshot
    from regwatch.warehouse import Warehouse

    settings = _settings(db)
    try:
        with Warehouse.open(settings.db_path, lock_timeout=settings.lock_timeout_seconds) as wh:
            item = accept_held_snapshot(wh, snapshot_id, recorded_at=dt.datetime.now(dt.UTC))
    except RegwatchError as exc:
        raise _fail(exc) from exc
    record = {
        "snapshot_id": item.snapshot_id,
        "list": item.list,
        "status": item.status,
        "entry_count": item.entry_count,
        "added": item.added,
        "removed": item.removed,
        "modified": item.modified,
    }
    if as_json:
        typer.echo(json.dumps(record, indent=2))
    else:
        Console().print(
            f"snapshot {item.snapshot_id} ({item.list}): {item.status}; {item.entry_count} "
            f"entries (+{item.added} -{item.removed} ~{item.modified})"
        )


FINDING_COLUMNS = ("kind", "country", "name", "fr_value", "csl_value", "citation", "detail")


@app.command("reconcile")
def reconcile_command(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Compare both lists as of this date (default: latest CSL)."),
    ] = None,
    db: DbOption = None,
    show_all: Annotated[
        bool,
        typer.Option(
            "--all", help="Also list findings explained by FR history regwatch has not ingested."
        ),
    ] = False,
    kind: Annotated[
        str | None, typer.Option("--kind", help="Only this kind (e.g. alias_mismatch).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Rows in the findings table.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Compare the FR-replayed Entity List with the official one; store and show the findings."""
    from regwatch.csl.ingest import reconcile_warehouse
    from regwatch.csl.reconcile import FINDING_KINDS
    from regwatch.warehouse import Warehouse

    if kind is not None and kind not in FINDING_KINDS:
        raise _fail(ValueError(f"--kind must be one of {', '.join(FINDING_KINDS)}"))
    settings = _settings(db)
    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
        with Warehouse.open(settings.db_path, lock_timeout=settings.lock_timeout_seconds) as wh:
            stored = reconcile_warehouse(wh, as_of=day, recorded_at=dt.datetime.now(dt.UTC))
    except (RegwatchError, ValueError) as exc:
        raise _fail(exc) from exc
    report = stored.report
    findings = [
        f for f in report.findings if (show_all or f.in_scope) and (kind is None or f.kind == kind)
    ]
    totals = report.counts()
    in_scope = {k: 0 for k in FINDING_KINDS}
    for f in report.findings:
        in_scope[f.kind] += int(f.in_scope)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "run_id": stored.run_id,
                    "as_of": stored.as_of.isoformat(),
                    "fr_count": report.fr_count,
                    "csl_count": report.csl_count,
                    "matched": len(report.matches),
                    "documents": report.documents,
                    "counts": totals,
                    "in_scope_counts": in_scope,
                    "findings": [_finding_dict(f) for f in findings],
                },
                indent=2,
            )
        )
        return
    console = Console()
    summary = Table(
        title=f"reconciliation {stored.run_id} as of {stored.as_of}: {report.fr_count} FR vs "
        f"{report.csl_count} official Entity List entries, {len(report.matches)} matched, "
        f"{report.documents} FR documents loaded"
    )
    for column in ("kind", "findings", "in scope"):
        summary.add_column(column)
    for k in FINDING_KINDS:
        summary.add_row(k, str(totals[k]), str(in_scope[k]))
    console.print(summary)
    table = Table(title=f"findings ({len(findings)}, showing up to {limit})")
    for column in FINDING_COLUMNS:
        table.add_column(column, overflow="fold")
    for f in findings[:limit]:
        table.add_row(*(_cell(getattr(f, c)) for c in FINDING_COLUMNS))
    console.print(table)


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _finding_dict(f: Any) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "name": f.name,
        "country": f.country,
        "fr_name": f.fr_name,
        "csl_name": f.csl_name,
        "fr_value": f.fr_value,
        "csl_value": f.csl_value,
        "citation": f.citation,
        "document_number": f.document_number,
        "in_scope": f.in_scope,
        "detail": f.detail,
        "fr_entry_key": f.fr_entry_key,
        "csl_entry_key": f.csl_entry_key,
    }
