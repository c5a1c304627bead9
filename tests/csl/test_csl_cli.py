"""The csl CLI commands on local files: ingest-csl --file, accept-snapshot, reconcile."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from regwatch.cli import app
from tests.csl.csl_testkit import SAMPLE_CSV, SAMPLE_JSON, Record, edited_copy


def cli(db: Path, *args: str) -> Any:
    return CliRunner().invoke(app, [*args, "--db", str(db)])


def test_ingest_file_then_same_content_as_csv(db_path: Path) -> None:
    first = cli(db_path, "ingest-csl", "--file", str(SAMPLE_JSON), "--as-of", "2025-04-01")
    assert first.exit_code == 0, first.output
    assert "entity_list created (28)" in first.output
    again = cli(db_path, "ingest-csl", "--file", str(SAMPLE_CSV), "--json")
    assert again.exit_code == 0, again.output
    body = json.loads(again.stdout)
    assert body["outcome"]["format"] == "csv"
    assert {i["status"] for i in body["outcome"]["lists"]} == {"unchanged"}


def test_held_snapshot_accepted_by_id(db_path: Path, tmp_path: Path) -> None:
    def keep_five(records: list[Record]) -> list[Record]:
        kept = [r for r in records if not r["source"].startswith("Entity List")]
        return kept + [r for r in records if r["source"].startswith("Entity List")][:5]

    small = edited_copy(tmp_path / "small.json", keep_five)
    assert cli(db_path, "ingest-csl", "--file", str(SAMPLE_JSON)).exit_code == 0
    held = cli(db_path, "ingest-csl", "--file", str(small), "--json")
    assert held.exit_code == 3
    snapshot_id = json.loads(held.stdout)["held"][0]["snapshot_id"]
    accepted = cli(db_path, "accept-snapshot", str(snapshot_id), "--json")
    assert accepted.exit_code == 0, accepted.output
    assert json.loads(accepted.stdout) == {
        "snapshot_id": snapshot_id,
        "list": "entity_list",
        "status": "accepted",
        "entry_count": 5,
        "added": 0,
        "removed": 23,
        "modified": 0,
    }
    missing = cli(db_path, "accept-snapshot", "9999")
    assert missing.exit_code == 2 and "no snapshot 9999" in missing.output


def test_reconcile_json_and_table(db_path: Path) -> None:
    assert (
        cli(db_path, "ingest-csl", "--file", str(SAMPLE_JSON), "--as-of", "2025-04-01").exit_code
        == 0
    )
    result = cli(db_path, "reconcile", "--json", "--all", "--kind", "only_in_csl")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["as_of"] == "2025-04-01"
    assert body["csl_count"] == 28 and body["fr_count"] == 0
    assert body["counts"]["only_in_csl"] == 28
    assert {f["kind"] for f in body["findings"]} == {"only_in_csl"}
    assert all(not f["in_scope"] for f in body["findings"])  # no FR document loaded at all
    table = cli(db_path, "reconcile")
    assert table.exit_code == 0
    assert "only_in_csl" in table.output and "28" in table.output


def test_bad_arguments_fail_with_a_message(db_path: Path) -> None:
    bad_kind = cli(db_path, "reconcile", "--kind", "nonsense")
    assert bad_kind.exit_code == 2 and "--kind must be one of" in bad_kind.output
    bad_date = cli(db_path, "ingest-csl", "--file", str(SAMPLE_JSON), "--as-of", "yesterday")
    assert bad_date.exit_code == 2 and "error:" in bad_date.output
    not_csl = cli(db_path, "ingest-csl", "--file", str(Path(__file__)))
    assert not_csl.exit_code == 2
