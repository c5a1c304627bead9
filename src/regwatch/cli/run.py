"""CLI commands: run, demo, backfill, runs."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from regwatch.cli.app import app
from regwatch.config import Settings
from regwatch.errors import RegwatchError
from regwatch.models import SourceName

console = Console(stderr=True)
DEMO_QUERY = (
    "SELECT action, name, effective_date FROM entity_changes ORDER BY effective_date, position"
)

SinceOpt = Annotated[
    dt.datetime | None,
    typer.Option("--since", formats=["%Y-%m-%d"], help="First publication date (default: cursor)"),
]
UntilOpt = Annotated[
    dt.datetime | None,
    typer.Option("--until", formats=["%Y-%m-%d"], help="Last publication date (default: today)"),
]
DbOpt = Annotated[
    Path | None, typer.Option("--db", help="DuckDB file (default: $REGWATCH_DB or warehouse/)")
]
SourcesOpt = Annotated[str, typer.Option("--sources", help="Comma-separated: federal_register,csl")]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run-email", help="Write alert emails as .eml files, send nothing")
]
AcceptDropOpt = Annotated[
    bool, typer.Option("--accept-drop", help="Make a held (mass-deletion) CSL snapshot current")
]
NoPrefectOpt = Annotated[
    bool, typer.Option("--no-prefect", help="Run the same steps as plain functions, no Prefect")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def _sources(raw: str) -> list[SourceName]:
    chosen: list[SourceName] = []
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        if part == "federal_register":
            chosen.append("federal_register")
        elif part == "csl":
            chosen.append("csl")
        else:
            raise typer.BadParameter(f"unknown source {part!r}: use federal_register and/or csl")
    if not chosen:
        raise typer.BadParameter("--sources needs at least one of federal_register, csl")
    return chosen


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


def execute_run(
    *,
    since: dt.date | None,
    until: dt.date | None,
    db: Path | None,
    sources: list[SourceName],
    email_dry_run: bool,
    accept_drop: bool,
    no_prefect: bool,
    trigger: str,
    demo_data_dir: Path | None = None,
    send_alerts: bool = True,
) -> int:
    """Run once (the Prefect flow unless --no-prefect), print the summary, return the exit code."""
    settings = Settings.from_env().with_overrides(db_path=db)
    if no_prefect:
        from regwatch import pipeline

        transport = None
        if demo_data_dir is not None:
            from regwatch.demo import OfflineUpstream

            transport = OfflineUpstream(demo_data_dir).transport()
        request = pipeline.RunRequest(
            since=since,
            until=until,
            sources=tuple(sources),
            email_dry_run=email_dry_run,
            send_alerts=send_alerts,
            accept_drop=accept_drop,
            trigger=trigger,
        )
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        with console.status("regwatch run") as status:
            report = pipeline.run_nightly(
                settings,
                request,
                transport=transport,
                progress=lambda n: status.update(f"fetching and parsing FR {n}"),
            )
        lines, code = report.summary_lines(), report.exit_code
    else:
        from flows.nightly import nightly

        result: dict[str, Any] = nightly(
            since=since,
            until=until,
            sources=sources,
            db_path=str(settings.db_path),
            email_dry_run=email_dry_run,
            send_alerts=send_alerts,
            accept_drop=accept_drop,
            demo_data_dir=str(demo_data_dir) if demo_data_dir else None,
            trigger=trigger,
        )
        lines, code = result["summary"], int(result["exit_code"])
    for line in lines:
        typer.echo(line)
    return code


@app.command()
def run(
    since: SinceOpt = None,
    until: UntilOpt = None,
    db: DbOpt = None,
    sources: SourcesOpt = "federal_register,csl",
    dry_run_email: DryRunOpt = False,
    accept_drop: AcceptDropOpt = False,
    no_prefect: NoPrefectOpt = False,
) -> None:
    """One nightly run against the configured sources (live by default) into the warehouse.

    Exit code 0 when everything loaded, 2 when some documents were quarantined (the rest is
    loaded), 1 when the run failed (nothing was written).
    """
    try:
        code = execute_run(
            since=_date(since),
            until=_date(until),
            db=db,
            sources=_sources(sources),
            email_dry_run=dry_run_email,
            accept_drop=accept_drop,
            no_prefect=no_prefect,
            trigger="cli",
        )
    except RegwatchError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    raise typer.Exit(code)


@app.command()
def demo(
    db: Annotated[Path, typer.Option("--db", help="DuckDB file for the demo")] = Path(
        "warehouse/demo.duckdb"
    ),
    no_prefect: NoPrefectOpt = False,
) -> None:
    """The nightly run fully offline, on the sample data shipped in demo/data."""
    from regwatch.demo import DEFAULT_DEMO_DIR

    os.environ.setdefault("REGWATCH_OUTBOX_DIR", str(db.parent / "outbox"))
    os.environ.setdefault("REGWATCH_ALERT_TO", "compliance-team@example.com")
    os.environ.setdefault("REGWATCH_ALERT_FROM", "regwatch-demo@example.com")
    os.environ.setdefault("REGWATCH_REQUESTS_PER_SECOND", "50")  # the demo upstream is local
    try:
        code = execute_run(
            since=dt.date(2021, 1, 1),
            until=dt.date(2022, 12, 31),
            db=db,
            sources=["federal_register", "csl"],
            email_dry_run=True,
            accept_drop=False,
            no_prefect=no_prefect,
            trigger="demo",
            demo_data_dir=DEFAULT_DEMO_DIR,
        )
    except RegwatchError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    typer.echo("")
    typer.echo(f"Demo warehouse: {db}   (alert emails written as .eml files, nothing sent)")
    typer.echo("Try:")
    typer.echo(f'  .venv/bin/duckdb {db} -c "{DEMO_QUERY}"')
    typer.echo(f"  .venv/bin/regwatch history --db {db} 'Xinjiang Production%'")
    raise typer.Exit(code)


@app.command()
def backfill(
    since: Annotated[dt.datetime, typer.Option("--since", formats=["%Y-%m-%d"])],
    until: UntilOpt = None,
    db: DbOpt = None,
    slice_days: Annotated[int, typer.Option(help="Days per slice (one run per slice)")] = 365,
    no_prefect: NoPrefectOpt = False,
) -> None:
    """Fill history with the nightly code, one date slice (one transaction) at a time.

    Backfills send no alerts (history is not news) and do not download the screening list
    (it has no history). A failed slice stops the backfill; rerunning it is safe.
    """
    start = since.date()
    end = _date(until) or dt.date.today()
    worst = 0
    while start <= end:
        stop = min(end, start + dt.timedelta(days=slice_days - 1))
        typer.echo(f"backfill slice {start} .. {stop}")
        try:
            code = execute_run(
                since=start,
                until=stop,
                db=db,
                sources=["federal_register"],
                email_dry_run=True,
                accept_drop=False,
                no_prefect=no_prefect,
                trigger="backfill",
                send_alerts=False,
            )
        except RegwatchError as exc:
            console.print(f"[red]error in slice {start} .. {stop}:[/red] {exc}")
            raise typer.Exit(1) from exc
        worst = max(worst, code)
        start = stop + dt.timedelta(days=1)
    raise typer.Exit(worst)


@app.command("runs")
def list_runs(
    db: DbOpt = None,
    limit: Annotated[int, typer.Option(help="How many recent runs")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Recent runs: status, window, counts, errors."""
    from regwatch import runs
    from regwatch.warehouse import Warehouse

    settings = Settings.from_env().with_overrides(db_path=db)
    with Warehouse.open(settings.db_path, read_only=True) as wh:
        rows = runs.recent(wh.con, limit)
    if as_json:
        typer.echo(json.dumps(rows, default=str, indent=2))
        return
    table = Table("run", "trigger", "started", "status", "window", "docs", "new", "quar.", "alerts")
    for r in rows:
        table.add_row(
            r["run_id"],
            r["trigger"],
            str(r["started_at"])[:19],
            r["status"],
            f"{r['since']} .. {r['until']}",
            str(r["documents_discovered"] or 0),
            str(r["documents_inserted"] or 0),
            str(r["documents_quarantined"] or 0),
            f"{r['alerts_queued'] or 0}/{r['alerts_sent'] or 0}",
        )
    Console().print(table)
