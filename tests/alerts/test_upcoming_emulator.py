"""Early warning through the upstream emulator: a BIS Entity List rule appears on public
inspection "overnight" (/__admin/publish) and produces one upcoming alert, once."""

from __future__ import annotations

from typing import Any

import duckdb
import httpx
import pytest

from regwatch.alerts import enqueue_upcoming

from .conftest import FIXTURES, NOW, ops_group

pytestmark = pytest.mark.emulator

PI = "/api/v1/public-inspection-documents/current.json"


def current(base_url: str) -> list[dict[str, Any]]:
    response = httpx.get(base_url + PI, timeout=10)
    response.raise_for_status()
    return list(response.json().get("results", []))


def test_pi_rule_published_overnight_alerts_once(
    upstream_factory: Any, con: duckdb.DuckDBPyConnection
) -> None:
    groups = [ops_group()]
    with upstream_factory() as base_url:
        enqueue_upcoming(con, current(base_url), groups, now=NOW)  # whatever the shared data has
        published = httpx.post(
            base_url + "/__admin/publish",
            json={"root": str(FIXTURES / "pi_root")},
            timeout=10,
        )
        assert published.status_code == 200, published.text
        documents = current(base_url)
        assert len(documents) == 3
        assert enqueue_upcoming(con, documents, groups, now=NOW) == 1
        # The next night the same document is still on inspection: no second alert.
        assert enqueue_upcoming(con, current(base_url), groups, now=NOW) == 0
    rows = con.execute(
        "SELECT count(*) FROM alert_outbox WHERE document_number = '2026-22010'"
    ).fetchall()
    assert rows == [(1,)]
