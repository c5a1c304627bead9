"""Opening the file: creation, migrations, read-only mode, locking, transactions, the CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from wh_factories import at, change, content_sha, parsed

from regwatch.errors import WarehouseError, WarehouseLockedError
from regwatch.models import ArchivedPayload
from regwatch.warehouse import Warehouse
from regwatch.warehouse.core import STORAGE_CONFIG, apply_migrations, migration_files
from regwatch.warehouse.fr import load_fr_document

ROOT = Path(__file__).resolve().parents[2]


def _count(wh: Warehouse, table: str) -> int:
    return int(wh.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])  # noqa: S608


def test_open_creates_file_parent_and_applies_every_migration_once(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "w.duckdb"
    with Warehouse.open(path) as wh:
        versions = [
            r[0] for r in wh.con.execute("SELECT version FROM schema_migrations").fetchall()
        ]
        assert sorted(versions) == [n for n, _ in migration_files()]
    assert path.exists()
    with Warehouse.open(path) as wh:
        assert _count(wh, "schema_migrations") == len(versions)
        for view in (
            "entity_changes",
            "fr_documents",
            "snapshots",
            "entity_versions",
            "entity_list_current",
        ):
            wh.con.execute(f"SELECT * FROM {view} LIMIT 0").fetchall()  # noqa: S608


def test_entity_changes_has_exactly_the_public_columns(wh: Warehouse) -> None:
    described = wh.con.execute("DESCRIBE entity_changes").fetchall()
    assert [(r[0], r[1]) for r in described] == [
        ("document_number", "VARCHAR"),
        ("publication_date", "DATE"),
        ("effective_date", "DATE"),
        ("action", "VARCHAR"),
        ("country", "VARCHAR"),
        ("name", "VARCHAR"),
        ("previous_name", "VARCHAR"),
        ("aliases", "VARCHAR[]"),
        ("addresses", "VARCHAR[]"),
        ("license_requirement", "VARCHAR"),
        ("license_review_policy", "VARCHAR"),
        ("federal_register_citations", "VARCHAR[]"),
        ("footnotes", "VARCHAR[]"),
        ("position", "INTEGER"),
    ]
    fr_cols = [r[0] for r in wh.con.execute("DESCRIBE fr_documents").fetchall()]
    for column in (
        "document_number",
        "title",
        "type",
        "publication_date",
        "effective_date",
        "citation",
        "start_page",
        "end_page",
        "html_url",
        "full_text_xml_url",
    ):
        assert column in fr_cols


def test_migration_from_the_first_schema_keeps_data(db_path: Path) -> None:
    con = duckdb.connect(str(db_path), config=dict(STORAGE_CONFIG))
    assert apply_migrations(con, upto=1) == ["001_fr_core.sql"]
    doc = parsed("2019-22210", "2019-10-09", [change("add", "Hikvision")])
    load_fr_document(con, doc, content_sha256="abc", metadata_sha256=None, recorded_at=at(0))
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    assert "entry_versions" not in tables
    con.close()

    with (
        pytest.raises(WarehouseError, match="needs migrations"),
        Warehouse.open(db_path, read_only=True),
    ):
        pass
    with Warehouse.open(db_path) as wh:
        assert wh.con.execute("SELECT name FROM entity_changes").fetchall() == [("Hikvision",)]
        assert wh.replay_federal_register(recorded_at=at(1)).versions_inserted == 1
        assert wh.con.execute("SELECT name FROM entity_list_current").fetchall() == [("Hikvision",)]
    with Warehouse.open(db_path, read_only=True) as wh:
        assert _count(wh, "entity_versions") == 1


def test_read_only_open_of_a_missing_file_explains(tmp_path: Path) -> None:
    with (
        pytest.raises(WarehouseError, match="no warehouse"),
        Warehouse.open(tmp_path / "absent.duckdb", read_only=True),
    ):
        pass
    assert not (tmp_path / "absent.duckdb").exists()


def test_exception_inside_a_transaction_leaves_nothing_half_written(db_path: Path) -> None:
    doc = parsed("2020-1", "2020-01-01", [change("add", "A"), change("add", "B")])
    with Warehouse.open(db_path) as wh:
        with pytest.raises(RuntimeError, match="boom"), wh.transaction():
            wh.load_fr_document(
                doc, content_sha256=content_sha(doc), metadata_sha256=None, recorded_at=at(0)
            )
            wh.replay_federal_register(recorded_at=at(0))
            wh.set_cursor("fr", "2020-01-01")
            assert _count(wh, "entity_versions") == 2  # visible inside the transaction
            raise RuntimeError("boom")
        for table in (
            "fr_document_versions",
            "fr_changes",
            "entry_versions",
            "list_snapshots",
            "cursors",
        ):
            assert _count(wh, table) == 0, table
    with Warehouse.open(db_path) as wh:
        assert _count(wh, "entity_changes") == 0
        assert wh.get_cursor("fr") is None


def test_cursors_payloads_and_quarantine(wh: Warehouse) -> None:
    assert wh.get_cursor("x") is None
    wh.set_cursor("x", "1")
    wh.set_cursor("x", "2")
    assert wh.get_cursor("x") == "2"

    payload = ArchivedPayload(
        sha256="f" * 64,
        url="https://example/x.xml",
        fetched_at=at(0),
        status=200,
        etag='"e"',
        last_modified=None,
        content_type="text/xml",
        size=3,
        path="/raw/ff",
    )
    wh.record_payload(payload)
    wh.record_payload(payload)
    assert _count(wh, "raw_payloads") == 1

    for day in (0, 1):
        wh.quarantine(
            document_number="2020-9",
            url="u",
            sha256="s",
            error=ValueError("bad xml"),
            recorded_at=at(day),
        )
    rows = wh.con.execute("SELECT error_type, error_message, attempts FROM quarantine_open")
    assert rows.fetchall() == [("ValueError", "bad xml", 2)]
    doc = parsed("2020-9", "2020-01-01", [change("add", "X")])
    wh.load_fr_document(doc, content_sha256="good", metadata_sha256=None, recorded_at=at(2))
    assert _count(wh, "quarantine_open") == 0
    assert wh.con.execute("SELECT resolved_document_id IS NOT NULL FROM quarantine").fetchall() == [
        (True,)
    ]


HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], config={"storage_compatibility_version": "v1.5.0"})
print("ready", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
print("released", flush=True)
time.sleep(30)
"""


def _hold(db_path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db_path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def test_writer_waits_then_fails_naming_the_holder(db_path: Path) -> None:
    with Warehouse.open(db_path):
        pass
    proc = _hold(db_path, 60)
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseLockedError) as info, Warehouse.open(db_path, lock_timeout=1.0):
            pass
        assert time.monotonic() - started >= 1.0
        assert f"PID {proc.pid}" in str(info.value)
    finally:
        proc.kill()
        proc.wait()


def test_writer_succeeds_when_the_holder_lets_go_in_time(db_path: Path) -> None:
    with Warehouse.open(db_path):
        pass
    proc = _hold(db_path, 1.0)
    try:
        with Warehouse.open(db_path, lock_timeout=30) as wh:
            wh.set_cursor("after", "lock")
        assert proc.stdout is not None and proc.stdout.readline().strip() == "released"
    finally:
        proc.kill()
        proc.wait()
    with Warehouse.open(db_path, read_only=True) as wh:
        assert wh.get_cursor("after") == "lock"


def _duckdb_cli() -> str:
    for candidate in (ROOT / ".venv" / "bin" / "duckdb", Path(sys.executable).parent / "duckdb"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("duckdb")
    if found is None:
        pytest.skip("the DuckDB CLI is not installed (make setup installs .venv/bin/duckdb)")
    return found


def test_duckdb_cli_opens_a_file_written_by_the_library(db_path: Path) -> None:
    doc = parsed("2019-22210", "2019-10-09", [change("add", "Hikvision"), change("add", "Dahua")])
    with Warehouse.open(db_path) as wh:
        wh.load_fr_document(doc, content_sha256="x", metadata_sha256=None, recorded_at=at(0))
        wh.replay_federal_register(recorded_at=at(0))
    cli = _duckdb_cli()
    version = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True)
    query = (
        "SELECT count(*) FROM entity_changes WHERE document_number = '2019-22210' "
        "AND action = 'add';"
        "SELECT count(*) FROM entity_list_as_of(DATE '2020-01-01');"
        "SELECT count(*) FROM entity_history('hik');"
        "SELECT count(*) FROM entity_diff(1, 1);"
        "SELECT count(*) FROM entity_diff_dates(DATE '2019-01-01', DATE '2020-01-01');"
        "SELECT count(*) FROM entity_list_current;"
    )
    out = subprocess.run(
        [cli, "-readonly", "-csv", "-noheader", str(db_path), "-c", query],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, (version.stdout, out.stderr)
    assert out.stdout.split() == ["2", "2", "1", "0", "2", "2"]
