"""Every SQL example in docs/warehouse.md runs against a small warehouse and returns rows."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from wh_factories import at, change, content_sha, entry, parsed

from regwatch.warehouse import Warehouse

DOC = Path(__file__).resolve().parents[2] / "docs" / "warehouse.md"
EXAMPLES = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cookbook") / "w.duckdb"
    docs = [
        parsed("2018-1", "2018-08-01", [change("add", "China Academy of Launch Technology")]),
        parsed(
            "2019-22210",
            "2019-10-09",
            [
                change(
                    "add",
                    "Hangzhou Hikvision Digital Technology",
                    aliases=("Hikvision",),
                    country="CHINA, PEOPLE'S REPUBLIC OF",
                ),
                change("add", "Megvii", country="CHINA, PEOPLE'S REPUBLIC OF"),
            ],
            citation="84 FR 54002",
        ),
        parsed(
            "2020-1",
            "2020-06-05",
            [
                change(
                    "revise",
                    "Hikvision Digital",
                    previous_name="Hangzhou Hikvision Digital Technology",
                    aliases=("Hikvision",),
                    country="CHINA, PEOPLE'S REPUBLIC OF",
                )
            ],
            citation="85 FR 34503",
        ),
    ]
    with Warehouse.open(path) as wh, wh.transaction():
        for doc in docs:
            wh.load_fr_document(
                doc, content_sha256=content_sha(doc), metadata_sha256=None, recorded_at=at(0)
            )
        wh.replay_federal_register(recorded_at=at(0))
        for day, names in ((1, ["Hikvision Digital", "Megvii"]), (2, ["Hikvision Digital", "ZTE"])):
            wh.ingest_list_snapshot(
                "entity_list",
                "csl",
                [entry(n) for n in names],
                as_of=dt.date(2024, 1, day),
                recorded_at=at(day),
                content_sha256=f"d{day}",
            )
        wh.quarantine(
            document_number="2021-1", url="u", sha256=None, error="bad XML", recorded_at=at(3)
        )
    return path


def test_the_cookbook_has_examples() -> None:
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("sql", EXAMPLES, ids=[f"example{i}" for i in range(len(EXAMPLES))])
def test_cookbook_example_runs(warehouse: Path, sql: str) -> None:
    statements = [
        s
        for s in sql.split(";")
        if re.sub(r"--[^\n]*", "", s).strip() and not s.strip().upper().startswith("COPY")
    ]
    with Warehouse.open(warehouse, read_only=True) as wh:
        rows = sum(len(wh.con.execute(statement).fetchall()) for statement in statements)
    assert rows > 0
