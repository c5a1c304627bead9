"""What is waiting in the outbox: for `regwatch alerts pending` and run reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from regwatch.alerts.schema import ensure_outbox

SELECT_PENDING = """
SELECT group_name, kind, state, count(*) AS alerts, count(DISTINCT recipient) AS recipients,
       count(DISTINCT designation_key) AS designations, max(attempts) AS max_attempts,
       arg_max(last_error, attempts) AS last_error
FROM alert_outbox
WHERE state IN ('queued', 'sending')
GROUP BY ALL
ORDER BY group_name, state, kind
"""
SELECT_TOTALS = "SELECT state, count(*) FROM alert_outbox GROUP BY state ORDER BY state"


@dataclass(frozen=True, slots=True)
class PendingLine:
    """Waiting alerts of one (group, kind, state)."""

    group: str
    kind: str
    state: str  # queued | sending (= unconfirmed after an interrupted send)
    alerts: int  # (designation, recipient) rows
    recipients: int
    designations: int
    max_attempts: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class PendingSummary:
    lines: list[PendingLine] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)  # rows per state, sent included

    @property
    def queued(self) -> int:
        return self.totals.get("queued", 0)

    @property
    def unconfirmed(self) -> int:
        return self.totals.get("sending", 0)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def pending_summary(con: duckdb.DuckDBPyConnection) -> PendingSummary:
    """Counts of queued and unconfirmed alerts per group and kind (read-only)."""
    ensure_outbox(con)
    lines = [
        PendingLine(
            group=str(g),
            kind=str(k),
            state=str(s),
            alerts=int(a),
            recipients=int(r),
            designations=int(d),
            max_attempts=int(m),
            last_error=e,
        )
        for g, k, s, a, r, d, m, e in con.execute(SELECT_PENDING).fetchall()
    ]
    totals = {str(s): int(n) for s, n in con.execute(SELECT_TOTALS).fetchall()}
    return PendingSummary(lines=lines, totals=totals)
