"""CLI commands: `regwatch alerts pending` and `regwatch alerts send`."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from regwatch.alerts import (
    DEFAULT_OUTBOX_DIR,
    DeliveryReport,
    SmtpSettings,
    deliver_pending,
    pending_summary,
)
from regwatch.cli.app import app
from regwatch.config import Settings
from regwatch.errors import ConfigError, RegwatchError, WarehouseError
from regwatch.warehouse import Warehouse

alerts_app = typer.Typer(
    name="alerts",
    help="Alert emails: what is queued in the outbox, and sending it (exactly once).",
    no_args_is_help=True,
)
app.add_typer(alerts_app, name="alerts")

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db", help="DuckDB warehouse file (default: $REGWATCH_DB or warehouse/regwatch.duckdb)."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


def _settings(db: Path | None) -> Settings:
    settings = Settings.from_env()
    path = db if db is not None else settings.db_path
    if not path.exists():
        raise WarehouseError(f"no warehouse at {path}: run `regwatch run` first or pass --db")
    return settings.with_overrides(db_path=path)


def _factory(settings: Settings) -> Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]:
    """A writable connection per short transaction (waits for the lock like every job)."""

    @contextmanager
    def open_db() -> Iterator[duckdb.DuckDBPyConnection]:
        with Warehouse.open(settings.db_path, lock_timeout=settings.lock_timeout_seconds) as wh:
            yield wh.con

    return open_db


def _fail(exc: RegwatchError) -> typer.Exit:
    Console(stderr=True).print(f"[red]error:[/red] {exc}")
    return typer.Exit(2 if isinstance(exc, ConfigError) else 1)


@alerts_app.command("pending")
def pending(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show alerts waiting in the outbox (queued, or unconfirmed after an interrupted send)."""
    try:
        settings = _settings(db)
        with Warehouse.open(
            settings.db_path, read_only=True, lock_timeout=settings.lock_timeout_seconds
        ) as wh:
            summary = pending_summary(wh.con)
    except RegwatchError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps(summary.to_dict(), indent=2, default=str))
        return
    console = Console()
    if not summary.lines:
        console.print(f"Nothing pending ({summary.totals.get('sent', 0)} alerts sent so far).")
        return
    table = Table(title="Pending alerts")
    for column in ("group", "kind", "state", "alerts", "recipients", "designations", "attempts"):
        table.add_column(column, justify="right" if column[0] in "ard" else "left")
    table.add_column("last error", overflow="fold")
    for line in summary.lines:
        state = "unconfirmed" if line.state == "sending" else line.state
        table.add_row(
            line.group,
            line.kind,
            state,
            str(line.alerts),
            str(line.recipients),
            str(line.designations),
            str(line.max_attempts),
            line.last_error or "",
        )
    console.print(table)


@alerts_app.command("send")
def send(
    db: DbOption = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Write .eml files instead of sending; the outbox is unchanged."
        ),
    ] = False,
    outbox_dir: Annotated[
        Path | None,
        typer.Option(
            "--outbox-dir",
            help="Where --dry-run writes (default: $REGWATCH_OUTBOX_DIR or warehouse/outbox).",
        ),
    ] = None,
    hold_unconfirmed: Annotated[
        bool,
        typer.Option(
            "--hold-unconfirmed",
            help="Do not re-send emails whose earlier send was interrupted (default: re-send them "
            "with the same Message-ID).",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Send queued alerts: one email per recipient group. Exit 1 if some could not be sent."""
    try:
        smtp = SmtpSettings.from_env()
        folder = outbox_dir or Path(os.environ.get("REGWATCH_OUTBOX_DIR") or DEFAULT_OUTBOX_DIR)
        report = deliver_pending(
            _factory(_settings(db)),
            smtp,
            dry_run=dry_run,
            outbox_dir=folder,
            now=dt.datetime.now(dt.UTC),
            unknown="hold" if hold_unconfirmed else "resend",
        )
    except RegwatchError as exc:
        raise _fail(exc) from None
    failed = report.error is not None or any(b.status == "failed" for b in report.batches)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        _print_report(report)
    if failed:
        raise typer.Exit(1)


def _print_report(report: DeliveryReport) -> None:
    console = Console()
    if report.batches:
        table = Table(title=f"Alert emails ({report.mode})")
        for column in ("group", "recipients", "alerts", "status", "subject / file"):
            table.add_column(column, overflow="fold")
        for b in report.batches:
            detail = b.eml_path or b.subject
            if b.error:
                detail += f"\n{b.error}"
            table.add_row(b.group, ", ".join(b.recipients), str(b.alerts), b.status, detail)
        console.print(table)
    if report.error:
        console.print(f"[red]{report.error}[/red]")
    if report.mode == "disabled":
        console.print(
            "REGWATCH_SMTP_HOST is not set: alerts stay queued (use --dry-run to preview)."
        )
    console.print(
        f"{report.emails_sent} emails sent, {report.sent} alerts delivered, "
        f"{report.queued} queued, {report.unconfirmed} unconfirmed."
    )
