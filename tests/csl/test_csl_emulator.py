"""`regwatch ingest-csl` against the upstream emulator: download, 304, swapped files, guard."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from regwatch.cli import app
from regwatch.warehouse import Warehouse
from tests.csl.csl_testkit import SAMPLE_JSON, Record, edited_copy

pytestmark = pytest.mark.emulator


def admin(base_url: str, route: str, body: dict[str, Any] | None = None) -> Any:
    url = f"{base_url}/__admin/{route}"
    response = httpx.post(url, json=body, timeout=10) if body is not None else httpx.get(url)
    response.raise_for_status()
    return response.json()


@pytest.fixture
def sample_upstream(upstream_factory: Any, tmp_path: Path) -> Iterator[str]:
    """The emulator serving only our sample list (fast), swappable via /__admin/csl."""
    root = tmp_path / "root"
    (root / "csl").mkdir(parents=True)
    shutil.copy(SAMPLE_JSON, root / "csl" / "consolidated.json")
    with upstream_factory(roots=[root]) as base_url:
        yield base_url


def run(base_url: str, tmp_path: Path, *args: str) -> Any:
    env = {
        "REGWATCH_CSL_BASE_URL": base_url,
        "REGWATCH_DB": str(tmp_path / "w.duckdb"),
        "REGWATCH_ARCHIVE_DIR": str(tmp_path / "raw"),
        "REGWATCH_REQUESTS_PER_SECOND": "100",
        "REGWATCH_HTTP_MAX_ATTEMPTS": "2",
    }
    return CliRunner().invoke(app, ["ingest-csl", "--json", *args], env=env)


def _json(result: Any) -> Any:
    return json.loads(result.stdout)


def _downloads(base_url: str) -> list[tuple[int, str | None]]:
    return [
        (r["status"], r["headers"].get("If-None-Match"))
        for r in admin(base_url, "requests")
        if "consolidated" in r["path"]
    ]


def _snapshots(tmp_path: Path) -> list[tuple[Any, ...]]:
    with Warehouse.open(tmp_path / "w.duckdb", read_only=True) as wh:
        return wh.con.execute(
            "SELECT snapshot_id, list, status, entry_count FROM snapshots ORDER BY snapshot_id"
        ).fetchall()


def test_download_then_not_modified_then_changed(sample_upstream: str, tmp_path: Path) -> None:
    first = run(sample_upstream, tmp_path)
    assert first.exit_code == 0, first.output
    body = _json(first)
    assert body["status"] == "ingested"
    assert [i["status"] for i in body["outcome"]["lists"]] == ["created"] * 4
    snapshots = _snapshots(tmp_path)
    assert len(snapshots) == 4

    # unchanged: a conditional request, 304, nothing downloaded or stored
    second = run(sample_upstream, tmp_path)
    assert second.exit_code == 0, second.output
    assert _json(second)["status"] == "not_modified"
    downloads = _downloads(sample_upstream)
    assert downloads[0] == (200, None)
    assert downloads[1][0] == 304 and downloads[1][1]
    assert _snapshots(tmp_path) == snapshots

    # a changed file: one Entity List alias added; only that list gets a new snapshot
    def edit(records: list[Record]) -> list[Record]:
        for r in records:
            if r["name"] == "Megvii Technology":
                r["alt_names"] = ["Face++", "Kuangshi Technology"]
        return records

    changed = edited_copy(tmp_path / "changed.json", edit)
    admin(sample_upstream, "csl", {"path": str(changed)})
    third = run(sample_upstream, tmp_path)
    assert third.exit_code == 0, third.output
    lists = {i["list"]: i for i in _json(third)["outcome"]["lists"]}
    assert lists["entity_list"]["status"] == "created"
    assert (lists["entity_list"]["modified"], lists["entity_list"]["added"]) == (1, 0)
    assert {k: v["status"] for k, v in lists.items() if k != "entity_list"} == {
        "denied_persons": "unchanged",
        "unverified": "unchanged",
        "military_end_user": "unchanged",
    }
    with Warehouse.open(tmp_path / "w.duckdb", read_only=True) as wh:
        diff = wh.con.execute(
            "SELECT change_type, name, changed_columns, after.aliases FROM entity_diff(?, ?)",
            [snapshots[0][0], lists["entity_list"]["snapshot_id"]],
        ).fetchall()
    assert diff == [
        ("modified", "Megvii Technology", ["aliases"], ["Face++", "Kuangshi Technology"])
    ]


def test_guard_holds_a_drop_and_the_flag_releases_it(sample_upstream: str, tmp_path: Path) -> None:
    assert run(sample_upstream, tmp_path).exit_code == 0
    dropped = edited_copy(
        tmp_path / "dropped.json",
        lambda rs: [
            r
            for r in rs
            if not (
                r["source"].startswith("Entity List")
                and r["name"].startswith(("Huawei", "Xinjiang", "Sample"))
            )
        ],
    )
    admin(sample_upstream, "csl", {"path": str(dropped)})
    held = run(sample_upstream, tmp_path)
    assert held.exit_code == 3, held.output
    body = _json(held)
    assert body["outcome"]["held"] == ["entity_list"]
    assert [h["list"] for h in body["held"]] == ["entity_list"]
    held_id = body["held"][0]["snapshot_id"]

    # the next night the file is unchanged (304): the hold is still reported
    again = run(sample_upstream, tmp_path)
    assert again.exit_code == 3
    assert _json(again)["status"] == "not_modified"
    assert [h["snapshot_id"] for h in _json(again)["held"]] == [held_id]

    released = run(sample_upstream, tmp_path, "--accept-drop")
    assert released.exit_code == 0, released.output
    assert _json(released)["accepted"] == [held_id]
    assert (held_id, "entity_list", "current") in [s[:3] for s in _snapshots(tmp_path)]


def test_real_list_then_the_2019_extract_is_held(
    upstream: str, tmp_path: Path, shared_dir: Path
) -> None:
    """The full 2026 list, then the tiny 2019 CSV extract served as the new download."""
    first = run(upstream, tmp_path)
    assert first.exit_code == 0, first.output
    counts = {i["list"]: i["entry_count"] for i in _json(first)["outcome"]["lists"]}
    assert counts["entity_list"] == 3420
    extract = shared_dir / "reference" / "csl" / "csl_extract_2019.csv"
    admin(upstream, "csl", {"path": str(extract), "format": "csv"})
    held = run(upstream, tmp_path, "--format", "csv")
    assert held.exit_code == 3, held.output
    assert set(_json(held)["outcome"]["held"]) == {
        "entity_list",
        "denied_persons",
        "unverified",
        "military_end_user",
    }
    with Warehouse.open(tmp_path / "w.duckdb", read_only=True) as wh:
        current = wh.con.execute(
            "SELECT count(*) FROM entity_list_current WHERE source = 'csl' AND list = 'entity_list'"
        ).fetchall()[0][0]
    assert current == 3420  # the official list in force did not shrink
