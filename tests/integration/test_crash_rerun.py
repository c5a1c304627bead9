"""kill -9 at any point, then rerun: the same rows as an uninterrupted run, nothing duplicated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.emulator

SNAPSHOT_QUERIES = {
    "entity_changes": "SELECT * FROM entity_changes ORDER BY document_number, position",
    "fr_documents": "SELECT document_number, title, citation FROM fr_documents ORDER BY 1",
    "entity_versions": (
        "SELECT list, source, entry_key, name, country, valid_from, valid_to "
        "FROM entity_versions ORDER BY ALL"
    ),
    "cursors": "SELECT name, value FROM cursors ORDER BY ALL",
}
WINDOW = ["--since", "2019-01-01", "--until", "2024-12-31", "--sources", "federal_register"]


def run_cli(
    base_url: str, db: Path, *, crash_at: str | None = None, extra: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "REGWATCH_FR_BASE_URL": base_url,
        "REGWATCH_CSL_BASE_URL": base_url,
        "REGWATCH_REQUESTS_PER_SECOND": "200",
        "REGWATCH_OUTBOX_DIR": str(db.parent / "outbox"),
    }
    env.pop("REGWATCH_CRASH_AT", None)
    if crash_at:
        env["REGWATCH_CRASH_AT"] = crash_at
    command = [sys.executable, "-m", "regwatch", "run", "--no-prefect", "--db", str(db)]
    return subprocess.run(
        command + WINDOW + (extra or []),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )


def warehouse_state(db: Path) -> dict[str, Any]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {name: con.execute(sql).fetchall() for name, sql in SNAPSHOT_QUERIES.items()}


def run_statuses(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()]


@pytest.fixture
def reference_state(upstream: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    db = tmp_path_factory.mktemp("reference") / "w.duckdb"
    result = run_cli(upstream, db)
    assert result.returncode == 0, result.stdout + result.stderr
    return warehouse_state(db)


@pytest.mark.parametrize(
    "crash_at", ["network:after-first-document", "load:before-commit", "load:after-commit"]
)
def test_crash_then_rerun_matches_an_uninterrupted_run(
    upstream: str, tmp_path: Path, reference_state: dict[str, Any], crash_at: str
) -> None:
    db = tmp_path / "w.duckdb"
    crashed = run_cli(upstream, db, crash_at=crash_at)
    assert crashed.returncode == -signal.SIGKILL
    if crash_at != "load:after-commit":
        # Nothing of the killed run's documents is visible: the load is one transaction.
        with duckdb.connect(str(db), read_only=True) as con:
            assert con.execute("SELECT count(*) FROM entity_changes").fetchall() == [(0,)]
    rerun = run_cli(upstream, db)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert warehouse_state(db) == reference_state
    statuses = run_statuses(db)
    assert statuses[-1] == "succeeded"
    expected_first = "succeeded" if crash_at == "load:after-commit" else "abandoned"
    assert statuses[0] == expected_first


def test_external_sigkill_mid_fetch(
    upstream_factory: Any, tmp_path: Path, reference_state: dict[str, Any]
) -> None:
    """A real kill -9 from outside while documents are being fetched slowly."""
    db = tmp_path / "w.duckdb"
    with upstream_factory(faults="slow:1:1@^/documents/full_text/") as slow_url:
        env = os.environ | {
            "REGWATCH_FR_BASE_URL": slow_url,
            "REGWATCH_REQUESTS_PER_SECOND": "200",
            "REGWATCH_OUTBOX_DIR": str(tmp_path / "outbox"),
        }
        command = [sys.executable, "-m", "regwatch", "run", "--no-prefect", "--db", str(db)]
        proc = subprocess.Popen(command + WINDOW, env=env, cwd=ROOT)
        time.sleep(4.0)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with upstream_factory() as base_url:
        rerun = run_cli(base_url, db)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert warehouse_state(db) == reference_state
