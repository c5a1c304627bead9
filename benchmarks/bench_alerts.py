"""Alerts: enqueue, compose and deliver a large first run, then a no-op run.

Synthetic data in the shape of the `entity_changes` / `fr_documents` views (a first run over
a backfill is the worst case: thousands of designations in one email per group). Delivery goes
to a real SMTP server on loopback (aiosmtpd) and, for comparison, to `.eml` files.
"""

from __future__ import annotations

import datetime as dt
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from regwatch.alerts import (
    RecipientGroup,
    SmtpSettings,
    deliver_pending,
    enqueue_fr_changes,
)

DOCUMENTS = 40
CHANGES_PER_DOCUMENT = 75
COUNTRIES = ("CHINA, PEOPLE'S REPUBLIC OF", "RUSSIA", "IRAN", "UNITED ARAB EMIRATES", "PAKISTAN")
ACTIONS = ("add", "add", "add", "revise", "remove")
NOW = dt.datetime(2026, 11, 28, 11, 30, tzinfo=dt.UTC)


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    con.execute(
        "CREATE TABLE fr_documents (document_number VARCHAR, title VARCHAR, type VARCHAR, "
        "publication_date DATE, effective_date DATE, citation VARCHAR, start_page INTEGER, "
        "end_page INTEGER, html_url VARCHAR, full_text_xml_url VARCHAR)"
    )
    con.execute(
        "CREATE TABLE entity_changes (document_number VARCHAR, publication_date DATE, "
        "effective_date DATE, action VARCHAR, country VARCHAR, name VARCHAR, "
        "previous_name VARCHAR, aliases VARCHAR[], addresses VARCHAR[], "
        "license_requirement VARCHAR, license_review_policy VARCHAR, "
        "federal_register_citations VARCHAR[], footnotes VARCHAR[], position INTEGER)"
    )
    numbers = []
    changes: list[tuple[Any, ...]] = []
    for d in range(DOCUMENTS):
        number = f"2025-{10000 + d}"
        day = dt.date(2025, 1, 1) + dt.timedelta(days=7 * d)
        numbers.append(number)
        con.execute(
            "INSERT INTO fr_documents VALUES (?, ?, 'Rule', ?, ?, ?, ?, ?, NULL, NULL)",
            [
                number,
                "Additions to the Entity List",
                day,
                day,
                f"90 FR {1000 + d * 10}",
                1000 + d * 10,
                1009 + d * 10,
            ],
        )
        for p in range(CHANGES_PER_DOCUMENT):
            changes.append(
                (
                    number,
                    day,
                    day,
                    ACTIONS[p % len(ACTIONS)],
                    COUNTRIES[p % len(COUNTRIES)],
                    f"Entity {d}-{p} Technology Co., Ltd.",
                    None,
                    [f"Alias {d}-{p}", f"E{d}{p}"],
                    [f"Building {p}, City {d}"],
                    "For all items subject to the EAR.",
                    "Presumption of denial.",
                    [f"90 FR {1001 + d * 10}, 1/1/25."],
                    [],
                    p + 1,
                )
            )
    import pandas as pd

    frame = pd.DataFrame(changes)
    con.register("bench_changes", frame)
    con.execute("INSERT INTO entity_changes SELECT * FROM bench_changes")
    con.unregister("bench_changes")
    return numbers


def _groups() -> list[RecipientGroup]:
    return [
        RecipientGroup(
            name="china-desk", recipients=("c1@example.org", "c2@example.org"), countries=("China",)
        ),
        RecipientGroup(name="names", recipients=("n@example.org",), name_patterns=("*1-*",)),
        RecipientGroup(
            name="default", recipients=("ops@example.org", "cto@example.org"), notices=True
        ),
    ]


def _timed(label: str, fn: Any) -> Any:
    started = time.perf_counter()
    result = fn()
    print(f"  {label:<44} {time.perf_counter() - started:7.3f} s")
    return result


def main() -> None:
    from aiosmtpd.controller import Controller

    class Sink:
        count = 0
        size = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            Sink.count += 1
            Sink.size += len(envelope.content)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port, server_hostname="localhost")
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bench.duckdb"
            con = duckdb.connect(str(db))
            numbers = _tables(con)
            total = DOCUMENTS * CHANGES_PER_DOCUMENT
            print(f"{total} Entity List changes in {DOCUMENTS} documents, 3 groups, 5 recipients")
            con.execute("BEGIN")
            rows = _timed(
                "enqueue_fr_changes (first run)",
                lambda: enqueue_fr_changes(con, numbers, _groups(), now=NOW),
            )
            con.execute("COMMIT")
            print(f"  -> {rows} (designation, recipient) rows")
            _timed(
                "enqueue_fr_changes again (all duplicates)",
                lambda: enqueue_fr_changes(con, numbers, _groups(), now=NOW),
            )
            dry = _timed(
                "deliver_pending --dry-run (.eml files)",
                lambda: deliver_pending(
                    con, None, dry_run=True, outbox_dir=Path(tmp) / "eml", now=NOW
                ),
            )
            sizes = [Path(b.eml_path).stat().st_size for b in dry.batches if b.eml_path]
            print(f"  -> {len(sizes)} emails, largest {max(sizes) / 1024:.0f} KiB")
            smtp = SmtpSettings(
                host="127.0.0.1", port=port, security="none", sender="regwatch@example.org"
            )
            sent = _timed(
                "deliver_pending to loopback SMTP (first run)",
                lambda: deliver_pending(con, smtp, dry_run=False, now=NOW),
            )
            print(
                f"  -> {sent.emails_sent} emails, {sent.sent} alert rows, "
                f"{Sink.size / 1024:.0f} KiB on the wire"
            )
            again = _timed(
                "deliver_pending again (nothing pending)",
                lambda: deliver_pending(con, smtp, dry_run=False, now=NOW),
            )
            print(f"  -> {again.emails_sent} emails")
            con.close()
    finally:
        controller.stop()
