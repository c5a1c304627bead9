"""Digest composition: section order, subject counts, escaping, links."""

from __future__ import annotations

import json
from email.message import EmailMessage
from typing import Any

import duckdb

from regwatch.alerts import enqueue_fr_changes, enqueue_notice
from regwatch.alerts.outbox import document_link
from regwatch.alerts.render import build_digest, render_message, subject_for

from .conftest import NOW, ops_group


def payloads(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return [json.loads(p) for (p,) in con.execute("SELECT payload FROM alert_outbox").fetchall()]


def render(con: duckdb.DuckDBPyConnection) -> EmailMessage:
    digest = build_digest("default", payloads(con))
    return render_message(
        digest, sender="r@example.org", recipients=["a@example.org"], message_id="<x@y>", now=NOW
    )


def test_subject_counts_and_pluralisation(
    con: duckdb.DuckDBPyConnection, fr_docs: list[str]
) -> None:
    enqueue_fr_changes(con, fr_docs, [ops_group()], now=NOW)
    digest = build_digest("default", payloads(con))
    assert subject_for(digest) == (
        "regwatch: 3 new Entity List designations, 2 revisions, 1 removal"
    )
    one = build_digest("g", payloads(con)[:1])
    assert subject_for(one).startswith("regwatch: 1 ")
    assert not subject_for(one).endswith("s")


def test_single_notice_uses_its_subject(con: duckdb.DuckDBPyConnection) -> None:
    enqueue_notice(con, "k", "1", "CSL mass-deletion guard tripped", "body", [ops_group()], now=NOW)
    assert (
        subject_for(build_digest("g", payloads(con))) == "regwatch: CSL mass-deletion guard tripped"
    )


def test_text_and_html_parts_in_section_order(
    con: duckdb.DuckDBPyConnection, fr_docs: list[str]
) -> None:
    enqueue_fr_changes(con, fr_docs, [ops_group()], now=NOW)
    msg = render(con)
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    t, h = text.get_content(), html.get_content()
    assert t.index("NEW ENTITY LIST") < t.index("REVISIONS") < t.index("REMOVALS")
    assert h.index('id="new"') < h.index('id="revisions"') < h.index('id="removals"')
    # New designation details, with a link to the document on federalregister.gov.
    for needle in (
        "Zhenhai Photonics Co., Ltd.",
        "Zhenhai Optoelectronics; ZHP Tech",
        "License review policy: Presumption of denial.",
        "Effective date: 2026-11-20",
        "91 FR 80101",
        "https://www.federalregister.gov/documents/2026/11/20/2026-21001/",
    ):
        assert needle in t
    assert t.index("Zhenhai Photonics") < t.index("REVISIONS")
    assert "Previously listed as: Lanting Micro" in t
    assert "(correction)" in t
    # The emulator's URL of the second document is replaced by the canonical short link.
    assert "127.0.0.1" not in t + h
    assert "https://www.federalregister.gov/d/2026-21877" in h


def test_html_is_escaped_text_is_verbatim(
    con: duckdb.DuckDBPyConnection, fr_docs: list[str]
) -> None:
    enqueue_fr_changes(con, fr_docs, [ops_group()], now=NOW)
    msg = render(con)
    html = msg.get_body(("html",))
    text = msg.get_body(("plain",))
    assert html is not None and text is not None
    assert "<Acme & Sons>" not in html.get_content()
    assert "&lt;Acme &amp; Sons&gt; Trading" in html.get_content()
    assert "<Acme & Sons> Trading" in text.get_content()


def test_document_link_only_trusts_federalregister_gov() -> None:
    assert document_link("2026-1", "https://www.federalregister.gov/documents/x") == (
        "https://www.federalregister.gov/documents/x"
    )
    for bad in (
        None,
        "http://127.0.0.1:1/documents/x",
        "https://evil.example/federalregister.gov/",
    ):
        assert document_link("2026-1", bad) == "https://www.federalregister.gov/d/2026-1"
