"""The `runs` table: one row per pipeline run, written at start and at the end of the load."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

    from regwatch.pipeline import RunContext, RunReport, RunRequest

MARK_ABANDONED = """
UPDATE runs SET status = 'abandoned', finished_at = ?,
       error = 'the process ended before the run finished (killed or crashed); rerun is safe'
WHERE status = 'running'
"""

INSERT_RUNNING = """
INSERT INTO runs (run_id, trigger, started_at, status, since, until, sources)
VALUES (?, ?, ?, 'running', ?, ?, ?)
"""

FINISH = """
UPDATE runs SET
    finished_at = ?, status = ?, documents_discovered = ?, documents_inserted = ?,
    documents_unchanged = ?, documents_replaced = ?, documents_quarantined = ?,
    changes_added = ?, changes_revised = ?, changes_removed = ?, changes_corrected = ?,
    parse_warnings = ?, csl_status = ?, alerts_queued = ?, error = ?, timings = ?
WHERE run_id = ?
"""

SET_ALERTS_SENT = "UPDATE runs SET alerts_sent = ? WHERE run_id = ?"

RECENT_RUNS = """
SELECT run_id, trigger, started_at, finished_at, status, since, until,
       documents_discovered, documents_inserted, documents_quarantined,
       alerts_queued, alerts_sent, error
FROM runs ORDER BY started_at DESC LIMIT ?
"""


def mark_abandoned(con: duckdb.DuckDBPyConnection, *, now: dt.datetime) -> None:
    """A run still 'running' when a new one starts was killed: say so instead of leaving it."""
    con.execute(MARK_ABANDONED, [now])


def insert_running(
    con: duckdb.DuckDBPyConnection, context: RunContext, request: RunRequest
) -> None:
    con.execute(
        INSERT_RUNNING,
        [
            context.run_id,
            request.trigger,
            context.started_at,
            context.since,
            context.until,
            list(request.sources),
        ],
    )


def finish(con: duckdb.DuckDBPyConnection, report: RunReport, *, finished_at: dt.datetime) -> None:
    con.execute(
        FINISH,
        [
            finished_at,
            report.status,
            len(report.discovered),
            report.count("inserted"),
            report.count("unchanged"),
            report.count("replaced"),
            len(report.quarantined),
            report.changes.get("add", 0),
            report.changes.get("revise", 0),
            report.changes.get("remove", 0),
            report.changes.get("correct", 0),
            len(report.warnings),
            report.csl_status,
            report.alerts_queued,
            report.error,
            json.dumps(report.timings),
            report.run_id,
        ],
    )


def set_alerts_sent(con: duckdb.DuckDBPyConnection, run_id: str, sent: int) -> None:
    con.execute(SET_ALERTS_SENT, [sent, run_id])


def recent(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[dict[str, Any]]:
    cursor = con.execute(RECENT_RUNS, [limit])
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
