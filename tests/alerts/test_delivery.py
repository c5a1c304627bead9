"""Delivery against a real SMTP server on loopback (aiosmtpd): exactly once, per group."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging
import ssl
from pathlib import Path

import duckdb
import pytest

from regwatch.alerts import (
    SmtpSettings,
    deliver_pending,
    enqueue_fr_changes,
    enqueue_notice,
    pending_summary,
)
from regwatch.alerts.config import Secret
from regwatch.alerts.delivery import connect_smtp
from regwatch.errors import AlertError

from .conftest import NOW, PASSWORD, SmtpServer, china_group, ops_group

LATER = NOW + dt.timedelta(days=1)


def states(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return dict(con.execute("SELECT state, count(*) FROM alert_outbox GROUP BY state").fetchall())


def queue(con: duckdb.DuckDBPyConnection, fr_docs: list[str]) -> int:
    return enqueue_fr_changes(con, fr_docs, [china_group(), ops_group()], now=NOW)


def test_first_delivery_one_email_per_group_then_nothing(
    con: duckdb.DuckDBPyConnection, fr_docs: list[str], smtp_server: SmtpServer
) -> None:
    assert queue(con, fr_docs) == 3 * 2 + 6
    report = deliver_pending(con, smtp_server.settings(), dry_run=False, now=NOW)
    assert report.mode == "smtp" and report.emails_sent == 2 and report.sent == 12
    assert (report.queued, report.unconfirmed) == (0, 0)
    got = {m.message["X-Regwatch-Group"]: m for m in smtp_server.messages}
    assert set(got) == {"china-desk", "default"}
    china, default = got["china-desk"], got["default"]
    assert sorted(china.rcpt_tos) == ["china@example.org", "lead@example.org"]
    assert default.rcpt_tos == ["ops@example.org"]
    assert china.message["Subject"] == "regwatch: 2 new Entity List designations, 1 revision"
    assert default.message["Subject"] == (
        "regwatch: 3 new Entity List designations, 2 revisions, 1 removal"
    )
    text = china.message.get_body(("plain",))
    html = china.message.get_body(("html",))
    assert text is not None and html is not None
    body = text.get_content()
    assert "Volga" not in body and "Kavir" not in body  # not China: not on this watchlist
    assert body.index("Zhenhai Photonics") < body.index("REVISIONS") < body.index("Lanting")
    assert "Zhenhai Photonics" in html.get_content()
    # Rows record the Message-ID they went out with.
    sent = con.execute(
        "SELECT DISTINCT batch_id FROM alert_outbox WHERE group_name = 'china-desk'"
    ).fetchall()
    assert sent == [(china.message["Message-ID"],)]
    assert china.message["Auto-Submitted"] == "auto-generated"
    markdown = report.to_markdown()
    assert (
        "2 emails sent, 12 alerts delivered" in markdown
        and "| china-desk | 2 | 6 | sent |" in markdown
    )
    assert states(con) == {"sent": 12}

    again = deliver_pending(con, smtp_server.settings(), dry_run=False, now=LATER)
    assert again.emails_sent == 0 and again.batches == []
    assert len(smtp_server.messages) == 2
    # Re-enqueueing the same documents (a rerun) queues nothing.
    assert queue(con, fr_docs) == 0


def test_smtp_down_keeps_alerts_queued_then_delivers_once(
    con: duckdb.DuckDBPyConnection,
    fr_docs: list[str],
    down_settings: SmtpSettings,
    smtp_server: SmtpServer,
) -> None:
    queue(con, fr_docs)
    down = deliver_pending(con, down_settings, dry_run=False, now=NOW)
    assert down.emails_sent == 0 and down.error is not None and "stay queued" in down.error
    assert down.queued == 12
    assert con.execute(
        "SELECT min(attempts), max(attempts), count(*) FILTER (last_error IS NULL) "
        "FROM alert_outbox"
    ).fetchone() == (1, 1, 0)
    up = deliver_pending(con, smtp_server.settings(), dry_run=False, now=LATER)
    assert up.emails_sent == 2 and up.sent == 12
    assert len(smtp_server.messages) == 2
    assert deliver_pending(con, smtp_server.settings(), dry_run=False, now=LATER).batches == []
    assert len(smtp_server.messages) == 2


def test_refused_recipient_is_retried_alone(
    con: duckdb.DuckDBPyConnection, fr_docs: list[str], smtp_server: SmtpServer
) -> None:
    queue(con, fr_docs)
    smtp_server.handler.refuse.add("lead@example.org")
    first = deliver_pending(con, smtp_server.settings(), dry_run=False, now=NOW)
    statuses = sorted(b.status for b in first.batches)
    assert statuses == ["partial", "sent"]
    assert first.queued == 3  # lead@'s three China alerts
    smtp_server.handler.refuse.clear()
    second = deliver_pending(con, smtp_server.settings(), dry_run=False, now=LATER)
    assert [b.recipients for b in second.batches] == [("lead@example.org",)]
    assert smtp_server.messages[-1].rcpt_tos == ["lead@example.org"]
    assert states(con) == {"sent": 12}
    # Nobody got anything twice: each (message, recipient) pair carries distinct alerts.
    deliveries = [(r, m.message["Message-ID"]) for m in smtp_server.messages for r in m.rcpt_tos]
    assert len(deliveries) == len(set(deliveries)) == 3  # china@, ops@, then lead@ alone


def test_all_recipients_refused_stays_queued_with_error(
    con: duckdb.DuckDBPyConnection, smtp_server: SmtpServer
) -> None:
    enqueue_notice(con, "k", "1", "Subject", "Body", [ops_group()], now=NOW)
    smtp_server.handler.refuse.add("ops@example.org")
    report = deliver_pending(con, smtp_server.settings(), dry_run=False, now=NOW)
    assert [b.status for b in report.batches] == ["failed"]
    row = con.execute("SELECT state, attempts, last_error, batch_id FROM alert_outbox").fetchone()
    assert row is not None and row[0] == "queued" and row[1] == 1 and row[3] is None
    assert "SMTPRecipientsRefused" in row[2]


def test_dry_run_writes_eml_files_and_changes_nothing(
    con: duckdb.DuckDBPyConnection, fr_docs: list[str], tmp_path: Path, smtp_server: SmtpServer
) -> None:
    queue(con, fr_docs)
    outbox = tmp_path / "outbox"
    settings = smtp_server.settings()
    report = deliver_pending(con, settings, dry_run=True, outbox_dir=outbox, now=NOW)
    assert smtp_server.messages == []
    files = sorted(outbox.glob("*.eml"))
    assert report.mode == "dry_run" and len(files) == 2
    assert {b.status for b in report.batches} == {"dry_run"}
    assert sorted(Path(b.eml_path or "") for b in report.batches) == files
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert parsed["Subject"].startswith("regwatch: ")
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert states(con) == {"queued": 12}
    # Same content -> same Message-ID -> same file names: a repeated dry run overwrites.
    deliver_pending(con, settings, dry_run=True, outbox_dir=outbox, now=LATER)
    assert sorted(outbox.glob("*.eml")) == files
    # And the real send afterwards delivers the same emails.
    real = deliver_pending(con, settings, dry_run=False, now=LATER)
    assert sorted(b.message_id for b in real.batches) == sorted(
        b.message_id for b in report.batches
    )


def test_no_smtp_host_queues_and_reports(
    con: duckdb.DuckDBPyConnection, fr_docs: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    queue(con, fr_docs)
    report = deliver_pending(con, SmtpSettings(), dry_run=False, now=NOW)
    assert report.mode == "disabled" and report.emails_sent == 0
    assert {b.status for b in report.batches} == {"not_sent"} and len(report.batches) == 2
    assert report.queued == 12 and "not set" in caplog.text
    summary = pending_summary(con)
    assert {(line.group, line.kind) for line in summary.lines} >= {("default", "remove")}


def test_authenticated_send_and_password_never_leaks(
    con: duckdb.DuckDBPyConnection,
    fr_docs: list[str],
    smtp_server: SmtpServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    queue(con, fr_docs)
    wrong = smtp_server.settings(user="alerts", password=Secret(PASSWORD + "-wrong"))
    failed = deliver_pending(con, wrong, dry_run=False, now=NOW)
    assert failed.error is not None and "SMTPAuthenticationError" in failed.error
    good = smtp_server.settings(user="alerts", password=Secret(PASSWORD))
    ok = deliver_pending(con, good, dry_run=False, now=LATER)
    assert ok.emails_sent == 2
    errors = " ".join(
        str(e) for (e,) in con.execute("SELECT last_error FROM alert_outbox").fetchall()
    )
    for text in (
        caplog.text,
        failed.error,
        str(failed.to_dict()),
        str(ok.to_dict()),
        errors,
        repr(good),
    ):
        assert PASSWORD not in text
    with pytest.raises(AlertError) as info:
        connect_smtp(wrong)
    assert PASSWORD not in str(info.value) and info.value.__cause__ is None


def test_starttls_path_against_a_real_tls_server(
    con: duckdb.DuckDBPyConnection, fr_docs: list[str], starttls_server: SmtpServer
) -> None:
    queue(con, fr_docs)
    ctx = ssl.create_default_context(cafile=str(starttls_server.cafile))
    settings = starttls_server.settings(
        security="starttls", user="alerts", password=Secret(PASSWORD)
    )
    report = deliver_pending(con, settings, dry_run=False, now=NOW, ssl_context=ctx)
    assert report.emails_sent == 2 and len(starttls_server.messages) == 2
    # Without STARTTLS the server refuses everything: "none" cannot silently downgrade.
    with pytest.raises(AlertError):
        connect_smtp(
            starttls_server.settings(security="none", user="alerts", password=Secret(PASSWORD))
        )


def test_starttls_verifies_the_certificate(starttls_server: SmtpServer) -> None:
    with pytest.raises(AlertError, match=r"CERTIFICATE_VERIFY_FAILED|certificate"):
        connect_smtp(starttls_server.settings(security="starttls"))


def test_ssl_path_against_a_real_smtps_server(
    con: duckdb.DuckDBPyConnection, fr_docs: list[str], ssl_server: SmtpServer
) -> None:
    queue(con, fr_docs)
    ctx = ssl.create_default_context(cafile=str(ssl_server.cafile))
    settings = ssl_server.settings(security="ssl", user="alerts", password=Secret(PASSWORD))
    report = deliver_pending(con, settings, dry_run=False, now=NOW, ssl_context=ctx)
    assert report.emails_sent == 2 and len(ssl_server.messages) == 2


def test_factory_source_opens_a_connection_per_transaction(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    path = str(tmp_path / "factory.duckdb")
    with duckdb.connect(path) as c:
        enqueue_notice(c, "k", "1", "Subject", "Body", [ops_group()], now=NOW)
    opened: list[int] = []

    def factory() -> duckdb.DuckDBPyConnection:
        opened.append(1)
        return duckdb.connect(path)

    report = deliver_pending(factory, smtp_server.settings(), dry_run=False, now=NOW)
    assert report.emails_sent == 1 and len(opened) >= 3
    with duckdb.connect(path) as c:
        assert c.execute("SELECT state FROM alert_outbox").fetchall() == [("sent",)]


def test_naive_now_is_rejected(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(AlertError, match="timezone-aware"):
        deliver_pending(con, None, dry_run=True, now=dt.datetime(2026, 1, 1))


def test_called_inside_a_transaction_is_an_actionable_error(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute("BEGIN")
    with pytest.raises(AlertError, match="not inside a transaction"):
        deliver_pending(con, None, dry_run=True, now=NOW)
    con.execute("ROLLBACK")


def test_server_closing_mid_run_leaves_the_rest_queued_for_next_run(
    con: duckdb.DuckDBPyConnection, fr_docs: list[str], smtp_server: SmtpServer
) -> None:
    queue(con, fr_docs)
    smtp_server.handler.data_reply = "421 4.3.2 service shutting down"
    report = deliver_pending(con, smtp_server.settings(), dry_run=False, now=NOW)
    assert [b.status for b in report.batches] == ["failed", "failed"]
    assert "SMTPDataError" in (report.batches[0].error or "")
    assert "not attempted" in (report.batches[1].error or "")
    assert states(con) == {"queued": 12} and smtp_server.messages == []
    smtp_server.handler.data_reply = None
    retry = deliver_pending(con, smtp_server.settings(), dry_run=False, now=LATER)
    assert retry.emails_sent == 2 and states(con) == {"sent": 12}
    # The retried email keeps the Message-ID of the failed attempt (same content).
    assert retry.batches[0].message_id == report.batches[0].message_id
