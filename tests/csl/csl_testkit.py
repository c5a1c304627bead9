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
from regwatch.models import EntityChange, FRDocument, ParsedDocument
from regwatch.warehouse import Warehouse

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


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def shared_parsed_documents(shared: Path) -> list[ParsedDocument]:
    """The shared FR reconstructions as parsed documents (their `expected` rows)."""
    fr = shared / "upstream" / "data" / "fr"
    out: list[ParsedDocument] = []
    for expected_path in sorted((fr / "expected").glob("*.json")):
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        meta = json.loads((fr / "documents" / expected_path.name).read_text(encoding="utf-8"))
        correction = meta.get("correction_of")
        document = FRDocument(
            document_number=meta["document_number"],
            title=meta["title"],
            type=meta["type"],
            publication_date=dt.date.fromisoformat(meta["publication_date"]),
            effective_date=_date(meta.get("effective_on")),
            citation=meta.get("citation"),
            volume=meta.get("volume"),
            start_page=meta.get("start_page"),
            end_page=meta.get("end_page"),
            html_url=meta.get("html_url"),
            full_text_xml_url=meta.get("full_text_xml_url"),
            body_html_url=meta.get("body_html_url"),
            json_url=meta.get("json_url"),
            abstract=meta.get("abstract"),
            action=meta.get("action"),
            agencies=tuple(a.get("slug", "") for a in meta.get("agencies", [])),
            cfr_parts=("15 CFR 744",),
            correction_of=correction.rstrip("/").split("/")[-1].removesuffix(".json")
            if correction
            else None,
        )
        changes = tuple(
            EntityChange(
                action=c["action"],
                country=c.get("country"),
                name=c.get("name"),
                previous_name=c.get("previous_name"),
                aliases=tuple(c.get("aliases") or ()),
                addresses=tuple(c.get("addresses") or ()),
                license_requirement=c.get("license_requirement"),
                license_review_policy=c.get("license_review_policy"),
                federal_register_citations=tuple(c.get("federal_register_citations") or ()),
                footnotes=tuple(c.get("footnotes") or ()),
                position=i,
            )
            for i, c in enumerate(expected["changes"], start=1)
        )
        out.append(ParsedDocument(document, changes))
    return out
