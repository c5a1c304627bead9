"""Alerts over the real warehouse (regwatch.warehouse) with the shared reconstructed FR data.

Documents are loaded from `../shared/upstream/data/fr` (metadata JSON + the expected parse), as
the pipeline would after parsing: first run emails every ingested designation, a second run
sends nothing, a newly published rule makes the next run email exactly its designations.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest

from regwatch.alerts import deliver_pending, enqueue_fr_changes
from regwatch.models import ParsedDocument
from tests.shared_documents import shared_parsed

from .conftest import NOW, SmtpServer, ops_group

warehouse_module = pytest.importorskip("regwatch.warehouse.warehouse")
Warehouse: Any = warehouse_module.Warehouse


def parsed_document(shared_fr: Path, number: str) -> ParsedDocument:
    return shared_parsed(shared_fr, number)


def designations(doc: ParsedDocument) -> set[tuple[str, str, str, str]]:
    return {
        (
            doc.document.document_number,
            c.action,
            (c.country or "").casefold(),
            (c.name or "").casefold(),
        )
        for c in doc.changes
    }


def load(wh: Any, docs: list[ParsedDocument], now: dt.datetime) -> int:
    """Load and enqueue in one transaction, as the nightly run does."""
    with wh.transaction():
        for doc in docs:
            digest = hashlib.sha256(repr(doc).encode()).hexdigest()
            wh.load_fr_document(doc, content_sha256=digest, metadata_sha256=None, recorded_at=now)
        numbers = [d.document.document_number for d in docs]
        return enqueue_fr_changes(wh.con, numbers, [ops_group()], now=now)


def test_first_run_all_second_run_nothing_new_rule_only_its_designations(
    shared_fr: Path, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    numbers = sorted(p.stem for p in (shared_fr / "expected").glob("*.json"))
    docs = sorted(
        (parsed_document(shared_fr, n) for n in numbers), key=lambda d: d.document.publication_date
    )
    *history, newest = docs
    settings = smtp_server.settings()
    with Warehouse.open(tmp_path / "regwatch.duckdb") as wh:
        expected_first = set().union(*(designations(d) for d in history))
        assert load(wh, history, NOW) == len(expected_first)
        first = deliver_pending(wh.con, settings, dry_run=False, now=NOW)
        assert first.emails_sent == 1 and first.sent == len(expected_first)
        body = smtp_server.messages[0].message.get_body(("plain",))
        assert body is not None
        some = next(iter(sorted(c.name or "" for d in history for c in d.changes if c.name)))
        assert some in body.get_content()

        # Rerun with the same data: nothing queued, nothing sent.
        assert load(wh, history, NOW + dt.timedelta(days=1)) == 0
        assert deliver_pending(wh.con, settings, dry_run=False, now=NOW).batches == []

        # A new rule is published overnight: exactly its designations go out.
        later = NOW + dt.timedelta(days=2)
        assert load(wh, [newest], later) == len(designations(newest))
        second = deliver_pending(wh.con, settings, dry_run=False, now=later)
        assert second.emails_sent == 1 and second.sent == len(designations(newest))
        rows = wh.con.execute(
            "SELECT DISTINCT document_number FROM alert_outbox WHERE sent_at = ?", [later]
        ).fetchall()
        assert rows == [(newest.document.document_number,)]
    assert len(smtp_server.messages) == 2
