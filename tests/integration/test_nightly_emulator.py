"""End to end against the upstream emulator serving ../shared/upstream/data (issue: vertical slice).

`regwatch run` must load exactly the expected rows for each shared rule document, a rerun must add
nothing, and the same must hold under injected faults (429 + Retry-After, 5xx, truncated bodies).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pytest

from regwatch.config import Settings
from regwatch.pipeline import RunRequest, run_nightly
from tests.conftest import ROOT, SHARED_FR

pytestmark = pytest.mark.emulator

CHANGE_FIELDS = (
    "action",
    "country",
    "name",
    "previous_name",
    "aliases",
    "addresses",
    "license_requirement",
    "license_review_policy",
    "federal_register_citations",
    "footnotes",
)
CHANGES_OF_DOCUMENT = (
    "SELECT action, country, name, previous_name, aliases, addresses, license_requirement, "
    "license_review_policy, federal_register_citations, footnotes FROM entity_changes "
    "WHERE document_number = ? ORDER BY position"
)
XINJIANG_COUNT = (
    "SELECT count(*) AS n FROM entity_changes "
    "WHERE document_number = '2019-22210' AND action = 'add'"
)
TABLES_THAT_MUST_NOT_GROW = ("entity_changes", "fr_documents", "parse_warnings", "quarantine")


def _norm(value: Any) -> Any:
    """Whitespace-normalised, trailing '.' insignificant (as the expected files document)."""
    if isinstance(value, str):
        return " ".join(value.split()).rstrip(".")
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    return value


def expected_rows(document_number: str) -> list[dict[str, Any]]:
    data = json.loads((SHARED_FR / "expected" / f"{document_number}.json").read_text())
    return [{k: _norm(change[k]) for k in CHANGE_FIELDS} for change in data["changes"]]


def loaded_rows(db: Path, document_number: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(CHANGES_OF_DOCUMENT, [document_number])
        return [
            {k: _norm(v) for k, v in zip(CHANGE_FIELDS, row, strict=True)}
            for row in cursor.fetchall()
        ]


def table_counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            t: int(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0])  # noqa: S608
            for t in TABLES_THAT_MUST_NOT_GROW
        }


def settings_for(base_url: str, tmp_path: Path) -> Settings:
    return Settings(
        fr_base_url=base_url,
        csl_base_url=base_url,
        db_path=tmp_path / "w.duckdb",
        requests_per_second=200.0,
        timeout_seconds=5.0,
        max_attempts=8,
        lock_timeout_seconds=10.0,
    )


OCTOBER_2019 = RunRequest(
    since=dt.date(2019, 10, 1),
    until=dt.date(2019, 10, 31),
    sources=("federal_register",),
    send_alerts=False,
)


def test_october_2019_run_loads_the_xinjiang_rule_exactly(upstream: str, tmp_path: Path) -> None:
    settings = settings_for(upstream, tmp_path)
    report = run_nightly(settings, OCTOBER_2019)
    assert report.exit_code == 0, report.summary_lines()
    assert report.discovered == ["2019-22210"]
    rows = loaded_rows(settings.db_path, "2019-22210")
    assert len(rows) == 28
    assert {r["action"] for r in rows} == {"add"}
    assert rows == expected_rows("2019-22210")

    before = table_counts(settings.db_path)
    again = run_nightly(settings, OCTOBER_2019)
    assert again.load_status == {"2019-22210": "unchanged"}
    assert table_counts(settings.db_path) == before

    # The DuckDB CLI that `make setup` installs (1.5.x) opens the file the run wrote.
    cli = Path(sys.executable).parent / "duckdb"
    shown = subprocess.run(
        [str(cli), "-readonly", "-csv", str(settings.db_path), "-c", XINJIANG_COUNT],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == ["n", "28"]


@pytest.mark.parametrize(
    "faults", ["rate_limit:0.3,error:0.2", "truncate:0.3,error:0.2:503", "first_n_fail:2"]
)
def test_faults_change_nothing_in_the_result(
    upstream_factory: Any, tmp_path: Path, faults: str
) -> None:
    with upstream_factory(faults=faults, seed=7) as base_url:
        settings = settings_for(base_url, tmp_path)
        report = run_nightly(settings, OCTOBER_2019)
        assert report.exit_code == 0, report.summary_lines()
        assert loaded_rows(settings.db_path, "2019-22210") == expected_rows("2019-22210")
        before = table_counts(settings.db_path)
        run_nightly(settings, OCTOBER_2019)
        assert table_counts(settings.db_path) == before


def test_every_shared_document_loads_as_expected(upstream: str, tmp_path: Path) -> None:
    settings = settings_for(upstream, tmp_path)
    request = RunRequest(
        since=dt.date(2019, 1, 1),
        until=dt.date(2024, 12, 31),
        sources=("federal_register",),
        send_alerts=False,
    )
    report = run_nightly(settings, request)
    assert report.exit_code == 0, report.summary_lines()
    numbers = sorted(p.stem for p in (SHARED_FR / "expected").glob("*.json"))
    assert sorted(report.discovered) == numbers
    for number in numbers:
        assert loaded_rows(settings.db_path, number) == expected_rows(number), number
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        # One entity added under six destinations is six entries of the replayed list.
        sandvine = con.execute(
            "SELECT count(*) FROM entity_list_as_of(DATE '2024-03-01') "
            "WHERE source = 'federal_register' AND name = 'Sandvine Incorporated'"
        ).fetchall()
        # The 2023 removal took the Institute of Forensic Science off the replayed list.
        forensic = con.execute(
            "SELECT count(*) FROM entity_list_as_of(DATE '2023-12-01') "
            "WHERE source = 'federal_register' AND name LIKE '%Institute of Forensic Science%'"
        ).fetchall()
    assert sandvine == [(6,)]
    assert forensic == [(0,)]


def test_malformed_xml_is_quarantined_and_the_rest_loads(
    upstream_factory: Any, tmp_path: Path
) -> None:
    with upstream_factory(faults="malformed:2020-12735") as base_url:
        settings = settings_for(base_url, tmp_path)
        request = RunRequest(
            since=dt.date(2020, 6, 1),
            until=dt.date(2020, 7, 31),
            sources=("federal_register",),
            send_alerts=False,
        )
        report = run_nightly(settings, request)
    assert report.exit_code == 2
    assert list(report.quarantined) == ["2020-12735"]
    assert report.load_status == {"2020-15827": "inserted"}
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        quarantined = con.execute("SELECT document_number FROM quarantine").fetchall()
        loaded = con.execute("SELECT DISTINCT document_number FROM entity_changes").fetchall()
    assert quarantined == [("2020-12735",)]
    assert loaded == [("2020-15827",)]

    # Once the document is served whole, the next run retries it even outside its window.
    with upstream_factory() as base_url:
        healed = run_nightly(replace(settings, fr_base_url=base_url), OCTOBER_2019)
    assert healed.exit_code == 0, healed.summary_lines()
    assert healed.load_status == {"2019-22210": "inserted", "2020-12735": "inserted"}
    assert loaded_rows(settings.db_path, "2020-12735") == expected_rows("2020-12735")
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM quarantine_open").fetchall() == [(0,)]


def test_network_failure_fails_the_run_and_writes_nothing(
    upstream_factory: Any, tmp_path: Path
) -> None:
    with upstream_factory(faults="error:1:503@^/documents/full_text/") as base_url:
        settings = replace(settings_for(base_url, tmp_path), max_attempts=2)
        with pytest.raises(Exception, match="503"):
            run_nightly(settings, OCTOBER_2019)
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM entity_changes").fetchall() == [(0,)]
        status = con.execute("SELECT status, error FROM runs").fetchall()
    assert status[0][0] == "failed" and "503" in status[0][1]


def test_cli_run_through_prefect(upstream: str, tmp_path: Path) -> None:
    """The documented command, as a user types it: Prefect flow, ephemeral API, exit 0."""
    db = tmp_path / "x.duckdb"
    env = os.environ | {
        "REGWATCH_FR_BASE_URL": upstream,
        "REGWATCH_CSL_BASE_URL": upstream,
        "REGWATCH_REQUESTS_PER_SECOND": "100",
        "PREFECT_HOME": str(tmp_path / "prefect"),
    }
    command = [
        sys.executable,
        "-m",
        "regwatch",
        "run",
        "--since",
        "2019-10-01",
        "--until",
        "2019-10-31",
        "--db",
        str(db),
        "--sources",
        "federal_register",
    ]
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 new" in result.stdout
    with duckdb.connect(str(db), read_only=True) as con:
        count = con.execute(
            "SELECT count(*) FROM entity_changes "
            "WHERE document_number = '2019-22210' AND action = 'add'"
        ).fetchall()
    assert count == [(28,)]


def test_backfill_slices_the_range_and_loads_everything_once(upstream: str, tmp_path: Path) -> None:
    db = tmp_path / "b.duckdb"
    env = os.environ | {
        "REGWATCH_FR_BASE_URL": upstream,
        "REGWATCH_REQUESTS_PER_SECOND": "200",
        "REGWATCH_ALERT_TO": "compliance@example.org",
    }
    command = [
        sys.executable, "-m", "regwatch", "backfill", "--since", "2019-01-01",
        "--until", "2024-12-31", "--slice-days", "730", "--no-prefect", "--db", str(db),
    ]  # fmt: skip
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("backfill slice") == 4  # 730-day slices; the last is 2 days
    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute(
            "SELECT trigger, status, since, until FROM runs ORDER BY since"
        ).fetchall()
        documents = con.execute("SELECT count(*) FROM fr_documents").fetchall()
        queued = con.execute("SELECT count(*) FROM alert_outbox").fetchall()
    assert [(r[0], r[1]) for r in runs] == [("backfill", "succeeded")] * 4
    assert [str(r[2]) for r in runs] == ["2019-01-01", "2020-12-31", "2022-12-31", "2024-12-30"]
    assert documents == [(9,)]
    assert queued == [(0,)]  # history is not news: backfills queue no alerts
    before = table_counts(db)
    again = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert again.returncode == 0
    assert table_counts(db) == before
    assert again.stdout.count(", 0 new,") == 4
