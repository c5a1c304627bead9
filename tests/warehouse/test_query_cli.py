"""`regwatch diff | history | as-of | export` on a small warehouse."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner
from wh_factories import at, change, content_sha, entry, parsed

from regwatch.cli import app
from regwatch.warehouse import Warehouse

runner = CliRunner()


@pytest.fixture
def filled(db_path: Path) -> Path:
    docs = [
        parsed(
            "2019-1",
            "2019-10-09",
            [change("add", "Hikvision"), change("add", "Dahua")],
            citation="84 FR 54002",
        ),
        parsed("2020-1", "2020-05-01", [change("remove", "Dahua")], citation="85 FR 1"),
    ]
    with Warehouse.open(db_path) as wh, wh.transaction():
        for doc in docs:
            wh.load_fr_document(
                doc, content_sha256=content_sha(doc), metadata_sha256=None, recorded_at=at(0)
            )
        wh.replay_federal_register(recorded_at=at(0))
        wh.ingest_list_snapshot(
            "entity_list",
            "csl",
            [entry("Hikvision")],
            as_of=dt.date(2024, 1, 1),
            recorded_at=at(1),
            content_sha256="c",
        )
    return db_path


def invoke(*args: str) -> list[dict[str, object]]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    parsed_output: list[dict[str, object]] = json.loads(result.stdout)
    return parsed_output


def test_diff_by_snapshot_ids_and_dates(filled: Path) -> None:
    by_ids = invoke("diff", "--from", "1", "--to", "2", "--db", str(filled))
    assert [(r["change_type"], r["name"]) for r in by_ids] == [("removed", "Dahua")]
    by_dates = invoke("diff", "--from", "2019-12-01", "--to", "2020-12-01", "--db", str(filled))
    assert [(r["change_type"], r["name"], r["source"]) for r in by_dates] == [
        ("removed", "Dahua", "federal_register")
    ]


def test_history_and_as_of(filled: Path) -> None:
    history = invoke("history", "dahua", "--db", str(filled))
    assert [(r["action"], r["document_number"], r["citation"]) for r in history] == [
        ("add", "2019-1", "84 FR 54002"),
        ("remove", "2020-1", "85 FR 1"),
    ]
    as_of = invoke("as-of", "2020-01-01", "--db", str(filled), "--source", "federal_register")
    assert sorted(r["name"] for r in as_of) == ["Dahua", "Hikvision"]


def test_table_output_and_bad_input(filled: Path) -> None:
    result = runner.invoke(app, ["history", "hikvision", "--db", str(filled)])
    assert result.exit_code == 0 and "history of 'hikvision' (2 rows)" in result.stdout
    bad = runner.invoke(app, ["diff", "--from", "1", "--to", "2020-01-01", "--db", str(filled)])
    assert bad.exit_code == 2 and "not one of each" in bad.output
    unknown = runner.invoke(app, ["diff", "--from", "1", "--to", "99", "--db", str(filled)])
    assert unknown.exit_code == 2 and "no snapshot 99" in unknown.output
    missing = runner.invoke(app, ["as-of", "2020-01-01", "--db", str(filled.parent / "nope")])
    assert missing.exit_code == 2 and "no warehouse" in missing.output


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export(filled: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"lists.{fmt}"
    result = runner.invoke(
        app,
        [
            "export",
            "--format",
            fmt,
            "--as-of",
            "2020-01-01",
            "--out",
            str(out),
            "--db",
            str(filled),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] == 2
    if fmt == "parquet":
        assert sorted(pq.read_table(out).column("name").to_pylist()) == ["Dahua", "Hikvision"]
    else:
        assert out.read_text().count("\n") == 3
