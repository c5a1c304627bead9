"""The screening list in the nightly run: ingest, 304 re-runs, the mass-deletion guard, release."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import duckdb
import httpx
import pytest

from regwatch.config import Settings
from regwatch.pipeline import RunRequest, run_nightly
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.emulator

BOTH = RunRequest(since=dt.date(2019, 10, 1), until=dt.date(2019, 10, 31))


def current_counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT list, count(*) FROM entity_list_current WHERE source = 'csl' GROUP BY list"
        ).fetchall()
    return {str(k): int(v) for k, v in rows}


def test_guard_holds_a_bad_drop_until_accepted(
    upstream: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGWATCH_ALERT_TO", "compliance@example.org")
    monkeypatch.delenv("REGWATCH_SMTP_HOST", raising=False)
    settings = Settings(
        fr_base_url=upstream,
        csl_base_url=upstream,
        db_path=tmp_path / "w.duckdb",
        requests_per_second=200.0,
        lock_timeout_seconds=10.0,
    )
    first = run_nightly(settings, BOTH)
    assert first.exit_code == 0, first.summary_lines()
    assert current_counts(settings.db_path)["entity_list"] == 3420
    assert first.reconciliation is not None

    unchanged = run_nightly(settings, BOTH)
    assert unchanged.csl_status == "unchanged (not modified since last download)"

    # Tomorrow's download silently lost a tenth of the Entity List (over the 5% guard).
    data = json.loads((SHARED_DATA / "csl" / "consolidated.json").read_text())
    entity_list = [r for r in data["results"] if r["source"].startswith("Entity List")]
    dropped = {id(r) for r in entity_list[::10]}
    data["results"] = [r for r in data["results"] if id(r) not in dropped]
    shrunk = tmp_path / "consolidated.json"
    shrunk.write_text(json.dumps(data))
    response = httpx.post(f"{upstream}/__admin/csl", json={"path": str(shrunk)}, timeout=10)
    response.raise_for_status()
    held_run = run_nightly(settings, BOTH)
    assert held_run.exit_code == 3, held_run.summary_lines()
    assert held_run.csl_held
    assert current_counts(settings.db_path)["entity_list"] == 3420
    assert held_run.alerts_queued == 1  # one notice about the hold, once

    still_held = run_nightly(settings, BOTH)
    assert still_held.exit_code == 3 and still_held.alerts_queued == 0

    released = run_nightly(settings, replace(BOTH, accept_drop=True))
    assert released.exit_code == 0, released.summary_lines()
    assert current_counts(settings.db_path)["entity_list"] == 3420 - len(dropped)
