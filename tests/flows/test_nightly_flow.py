"""The Prefect flow: tasks run, parses are cached by content hash, artifacts are published."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from regwatch.demo import DEFAULT_DEMO_DIR

pytestmark = pytest.mark.prefect


@pytest.fixture(scope="module")
def prefect_harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


def run_flow(db: Path) -> dict[str, Any]:
    from flows.nightly import nightly

    result: dict[str, Any] = nightly(
        db_path=str(db),
        demo_data_dir=str(DEFAULT_DEMO_DIR),
        email_dry_run=True,
        trigger="test",
    )
    return result


async def artifacts_and_parse_states() -> tuple[list[Any], list[str]]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName
    from prefect.client.schemas.sorting import TaskRunSort

    async with get_client() as client:
        artifacts = await client.read_artifacts()
        parse_runs = await client.read_task_runs(
            task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_="parse-")),
            sort=TaskRunSort.EXPECTED_START_TIME_ASC,
        )
    return artifacts, [r.state.name for r in parse_runs if r.state is not None]


def test_nightly_flow_loads_caches_and_publishes_artifacts(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGWATCH_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("REGWATCH_ALERT_TO", "compliance@example.org")
    monkeypatch.setenv("REGWATCH_REQUESTS_PER_SECOND", "100")
    monkeypatch.delenv("REGWATCH_SMTP_HOST", raising=False)
    from prefect.settings import PREFECT_LOCAL_STORAGE_PATH, temporary_settings

    db = tmp_path / "w.duckdb"
    # Cached parse results live in Prefect's result storage; start this test with an empty one.
    with temporary_settings(updates={PREFECT_LOCAL_STORAGE_PATH: tmp_path / "results"}):
        first = run_flow(db)
        with duckdb.connect(str(db), read_only=True) as con:
            changes = con.execute("SELECT count(*) FROM entity_changes").fetchall()
            runs = con.execute("SELECT trigger, status FROM runs").fetchall()
        # Incremental: the second run starts at the cursor (2022-03-15) minus the look-back.
        second = run_flow(db)
    assert first["status"] == "succeeded" and first["exit_code"] == 0
    assert changes == [(7,)]
    assert runs == [("test", "succeeded")]
    assert second["status"] == "succeeded"
    assert second["summary"][0].startswith(f"run {second['run_id']}: succeeded (2022-03-08 .. ")
    assert "1 documents discovered, 0 new, 0 changed, 1 unchanged" in second["summary"][1]

    artifacts, parse_states = asyncio.run(artifacts_and_parse_states())
    keys = {a.key for a in artifacts}
    assert {"nightly-run-summary", "nightly-run-designations"} <= keys
    table = next(a for a in artifacts if a.key == "nightly-run-designations")
    assert "Xinjiang Daqo New Energy Co., Ltd." in str(table.data)
    # Same bytes, same parser version: the second run reuses the first run's parses.
    assert parse_states == ["Completed", "Completed", "Cached"]
