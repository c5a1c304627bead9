"""Helpers for the CSL tests: sample files, edited copies, FR documents from ../shared."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from regwatch.csl.ingest import CslIngestOutcome, ingest_csl
from regwatch.models import ParsedDocument
from regwatch.warehouse import Warehouse
from tests.shared_documents import all_shared_parsed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "csl"
SAMPLE_JSON = FIXTURES / "consolidated.json"
SAMPLE_CSV = FIXTURES / "consolidated.csv"
T0 = dt.datetime(2025, 4, 1, 12, 0, tzinfo=dt.UTC)

Record = dict[str, Any]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def edited_copy(path: Path, edit: Callable[[list[Record]], list[Record]]) -> Path:
    """Write `path` (a copy of the sample JSON) with `edit` applied to its records."""
    doc = json.loads(SAMPLE_JSON.read_text(encoding="utf-8"))
    doc["results"] = edit(doc["results"])
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def ingest(
    wh: Warehouse, path: Path, *, day: int = 0, accept_drop: bool = False
) -> CslIngestOutcome:
    return ingest_csl(
        wh,
        path,
        content_sha256=sha256_of(path),
        as_of=(T0 + dt.timedelta(days=day)).date(),
        recorded_at=T0 + dt.timedelta(days=day),
        accept_drop=accept_drop,
    )


@contextmanager
def open_wh(db: Path) -> Iterator[Warehouse]:
    with Warehouse.open(db, lock_timeout=5) as wh:
        yield wh


def table_counts(wh: Warehouse) -> tuple[int, int, int]:
    """(snapshots, entry versions, held entries): what an ingest may add."""
    return (
        wh.con.execute("SELECT count(*) FROM list_snapshots").fetchall()[0][0],
        wh.con.execute("SELECT count(*) FROM entry_versions").fetchall()[0][0],
        wh.con.execute("SELECT count(*) FROM held_snapshot_entries").fetchall()[0][0],
    )


# ---------------------------------------------------------------- FR documents from ../shared


def shared_parsed_documents(shared: Path) -> list[ParsedDocument]:
    """The shared FR reconstructions as parsed documents (their `expected` rows)."""
    return all_shared_parsed(shared / "upstream" / "data" / "fr")
