"""kill -9 at any point, then rerun: the same rows as an uninterrupted run, nothing duplicated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.alerts.conftest import RecordingHandler, _start
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
    "alert_outbox": "SELECT designation_key, recipient, kind, state FROM alert_outbox ORDER BY ALL",
}
WINDOW = ["--since", "2019-01-01", "--until", "2024-12-31", "--sources", "federal_register"]


@dataclass
class Mailbox:
    handler: RecordingHandler
    port: int

    def emails(self) -> list[tuple[str, tuple[str, ...]]]:
        return [(str(m.message["Subject"]), tuple(m.rcpt_tos)) for m in self.handler.messages]


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    handler = RecordingHandler()
    controller, port = _start(handler)
    try:
        yield Mailbox(handler, port)
    finally:
        controller.stop()


def env_for(base_url: str, db: Path, smtp_port: int) -> dict[str, str]:
    env = os.environ | {
        "REGWATCH_FR_BASE_URL": base_url,
        "REGWATCH_CSL_BASE_URL": base_url,
        "REGWATCH_REQUESTS_PER_SECOND": "200",
        "REGWATCH_OUTBOX_DIR": str(db.parent / "outbox"),
        "REGWATCH_SMTP_HOST": "127.0.0.1",
        "REGWATCH_SMTP_PORT": str(smtp_port),
        "REGWATCH_SMTP_SECURITY": "none",
        "REGWATCH_ALERT_FROM": "regwatch@example.org",
        "REGWATCH_ALERT_TO": "compliance@example.org",
    }
    for key in ("REGWATCH_CRASH_AT", "REGWATCH_WATCHLISTS", "REGWATCH_SMTP_SECRET_BLOCK"):
        env.pop(key, None)
    return env


def run_cli(
    base_url: str, db: Path, smtp_port: int, *, crash_at: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = env_for(base_url, db, smtp_port)
    if crash_at:
        env["REGWATCH_CRASH_AT"] = crash_at
    command = [sys.executable, "-m", "regwatch", "run", "--no-prefect", "--db", str(db)]
    return subprocess.run(
        command + WINDOW,
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
def reference(upstream: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Warehouse state and emails of an uninterrupted run."""
    handler = RecordingHandler()
    controller, port = _start(handler)
    try:
        db = tmp_path_factory.mktemp("reference") / "w.duckdb"
        result = run_cli(upstream, db, port)
        assert result.returncode == 0, result.stdout + result.stderr
        emails = Mailbox(handler, port).emails()
    finally:
        controller.stop()
    assert len(emails) == 1
    return warehouse_state(db) | {"emails": emails}


@pytest.mark.parametrize(
    "crash_at", ["network:after-first-document", "load:before-commit", "load:after-commit"]
)
def test_crash_then_rerun_matches_an_uninterrupted_run(
    upstream: str, tmp_path: Path, reference: dict[str, Any], mailbox: Mailbox, crash_at: str
) -> None:
    db = tmp_path / "w.duckdb"
    crashed = run_cli(upstream, db, mailbox.port, crash_at=crash_at)
    assert crashed.returncode == -signal.SIGKILL
    if crash_at != "load:after-commit":
        # Nothing of the killed run's documents is visible: the load is one transaction.
        with duckdb.connect(str(db), read_only=True) as con:
            assert con.execute("SELECT count(*) FROM entity_changes").fetchall() == [(0,)]
    assert mailbox.emails() == []
    rerun = run_cli(upstream, db, mailbox.port)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert warehouse_state(db) | {"emails": mailbox.emails()} == reference
    statuses = run_statuses(db)
    assert statuses[-1] == "succeeded"
    expected_first = "succeeded" if crash_at == "load:after-commit" else "abandoned"
    assert statuses[0] == expected_first


def test_external_sigkill_mid_fetch(
    upstream_factory: Any, tmp_path: Path, reference: dict[str, Any], mailbox: Mailbox
) -> None:
    """A real kill -9 from outside while documents are being fetched slowly."""
    db = tmp_path / "w.duckdb"
    with upstream_factory(faults="slow:1:1@^/documents/full_text/") as slow_url:
        env = env_for(slow_url, db, mailbox.port)
        command = [sys.executable, "-m", "regwatch", "run", "--no-prefect", "--db", str(db)]
        proc = subprocess.Popen(command + WINDOW, env=env, cwd=ROOT)
        time.sleep(4.0)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with upstream_factory() as base_url:
        rerun = run_cli(base_url, db, mailbox.port)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert warehouse_state(db) | {"emails": mailbox.emails()} == reference
