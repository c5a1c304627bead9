"""Queueing: content-derived keys, once per (designation, recipient), watchlist fan-out."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb

from regwatch.alerts import (
    RecipientGroup,
    designation_key,
    enqueue_fr_changes,
    enqueue_notice,
    enqueue_upcoming,
    pending_summary,
)
from regwatch.warehouse import Warehouse

from .conftest import (
    FIXTURES,
    NOW,
    china_group,
    fixture_documents,
    load_documents,
    ops_group,
)


def rows(con: duckdb.DuckDBPyConnection, where: str = "true") -> list[tuple[Any, ...]]:
    return con.execute(
        "SELECT group_name, recipient, kind, country, name, state FROM alert_outbox "  # noqa: S608
        f"WHERE {where} ORDER BY group_name, recipient, kind, name"
    ).fetchall()


def test_enqueue_is_once_per_designation_and_recipient(
    con: duckdb.DuckDBPyConnection, fr_docs: list[str]
) -> None:
    groups = [ops_group("ops@example.org", "cto@example.org")]
    assert enqueue_fr_changes(con, fr_docs, groups, now=NOW) == 6 * 2
    assert enqueue_fr_changes(con, fr_docs, groups, now=NOW) == 0
    assert enqueue_fr_changes(con, fr_docs[:1], groups, now=NOW) == 0
    kinds = sorted(k for (k,) in con.execute("SELECT DISTINCT kind FROM alert_outbox").fetchall())
    assert kinds == ["add", "correct", "remove", "revise"]
    summary = pending_summary(con)
    assert summary.queued == 12 and summary.unconfirmed == 0


def test_key_ignores_position_and_spacing_but_not_content(
    warehouse: Warehouse, fr_docs: list[str]
) -> None:
    con, groups = warehouse.con, [ops_group()]
    enqueue_fr_changes(con, fr_docs, groups, now=NOW)
    # A re-parse (new document version) that renumbers positions and changes whitespace/case.
    reparsed = [
        dataclasses.replace(
            doc,
            changes=tuple(
                dataclasses.replace(c, position=c.position + 10, name=(c.name or "").upper() + "  ")
                for c in reversed(doc.changes)
            ),
        )
        for doc in fixture_documents()
    ]
    load_documents(warehouse, reparsed, NOW + dt.timedelta(days=1))
    assert con.execute("SELECT count(*) FROM entity_changes WHERE position > 10").fetchall() == [
        (6,)
    ]
    assert enqueue_fr_changes(con, fr_docs, groups, now=NOW) == 0
    # A genuinely different designation in a new version of the document is new.
    first = reparsed[1]
    extra = dataclasses.replace(first.changes[0], name="Another Entity", position=99)
    load_documents(
        warehouse,
        [dataclasses.replace(first, changes=(*first.changes, extra))],
        NOW + dt.timedelta(days=2),
    )
    assert enqueue_fr_changes(con, fr_docs, groups, now=NOW) == 1
    assert designation_key("fr", "1", "add", "X  Y", "n") == designation_key(
        "fr", "1", "ADD", "x y", "N"
    )
    assert designation_key("fr", "1", "add", "X", "n") != designation_key(
        "fr", "1", "remove", "X", "n"
    )


def test_watchlist_filters_and_recipient_in_two_groups_gets_it_once(
    con: duckdb.DuckDBPyConnection, fr_docs: list[str]
) -> None:
    groups = [china_group(), ops_group("ops@example.org", "LEAD@example.org")]
    enqueue_fr_changes(con, fr_docs, groups, now=NOW)
    china = rows(con, "group_name = 'china-desk'")
    assert {r[3] for r in china} == {"CHINA, PEOPLE'S REPUBLIC OF"}
    assert len(china) == 3 * 2  # 3 Chinese changes x 2 recipients
    # lead@ is in both groups: the China alerts reach lead@ via china-desk only.
    lead = rows(con, "recipient = 'lead@example.org'")
    assert len(lead) == 6
    assert {r[0] for r in lead if r[3].startswith("CHINA")} == {"china-desk"}
    assert {r[0] for r in lead if not r[3].startswith("CHINA")} == {"default"}
    assert len(rows(con, "recipient = 'ops@example.org'")) == 6


def test_enqueue_runs_inside_the_callers_transaction(
    con: duckdb.DuckDBPyConnection, fr_docs: list[str]
) -> None:
    from regwatch.alerts import ensure_outbox

    ensure_outbox(con)
    con.execute("BEGIN")
    assert enqueue_fr_changes(con, fr_docs, [ops_group()], now=NOW) == 6
    con.execute("ROLLBACK")
    assert con.execute("SELECT count(*) FROM alert_outbox").fetchone() == (0,)


def pi_documents() -> list[dict[str, Any]]:
    data = json.loads(
        (FIXTURES / "pi_root" / "fr" / "public_inspection" / "current.json").read_text(
            encoding="utf-8"
        )
    )
    return list(data["results"])


def test_upcoming_only_bis_entity_list_rules_once_and_not_after_publication(
    con: duckdb.DuckDBPyConnection, fr_docs: list[str]
) -> None:
    names = RecipientGroup(name="names", recipients=("n@example.org",), name_patterns=("*x*",))
    optin = RecipientGroup(
        name="optin", recipients=("o@example.org",), countries=("China",), upcoming=True
    )
    groups = [names, optin, ops_group()]
    assert enqueue_upcoming(con, pi_documents(), groups, now=NOW) == 2  # optin + default
    assert enqueue_upcoming(con, pi_documents(), groups, now=NOW) == 0
    got = rows(con)
    assert [(r[0], r[2]) for r in got] == [("default", "upcoming"), ("optin", "upcoming")]
    payload = json.loads(con.execute("SELECT payload FROM alert_outbox LIMIT 1").fetchone()[0])
    assert payload["document_number"] == "2026-22010"
    assert payload["link"] == "https://www.federalregister.gov/public-inspection/2026-22010"
    # Already published (in fr_documents): no early warning any more.
    published = [dict(d, document_number="2026-21001") for d in pi_documents()[:1]]
    assert enqueue_upcoming(con, published, groups, now=NOW) == 0


def test_notice_goes_to_notice_groups_once(con: duckdb.DuckDBPyConnection) -> None:
    groups = [china_group(), ops_group()]
    args = ("csl_mass_deletion", "2026-11-28", "CSL mass-deletion guard tripped", "412 gone")
    assert enqueue_notice(con, *args, groups, now=NOW) == 1
    assert enqueue_notice(con, *args, groups, now=NOW) == 0
    assert rows(con) == [("default", "ops@example.org", "notice", None, args[2], "queued")]


def test_outbox_migration_file_is_in_the_alerts_range() -> None:
    from regwatch.alerts.schema import alert_migrations

    files = alert_migrations()
    assert files and all(30 <= int(p.name[:3]) <= 39 for p in files)
    assert all(isinstance(p, Path) for p in files)
