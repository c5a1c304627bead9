"""`regwatch alerts pending|send` end to end on a warehouse file and a loopback SMTP server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regwatch.alerts import enqueue_fr_changes
from regwatch.cli import app
from regwatch.warehouse import Warehouse

from .conftest import NOW, SmtpServer, fixture_documents, load_documents, ops_group

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.duckdb"
    with Warehouse.open(path, lock_timeout=5) as wh:
        numbers = load_documents(wh, fixture_documents())
        enqueue_fr_changes(wh.con, numbers, [ops_group()], now=NOW)
    for key in (
        "REGWATCH_SMTP_HOST",
        "REGWATCH_SMTP_SECRET_BLOCK",
        "REGWATCH_SMTP_USER",
        "REGWATCH_SMTP_PASSWORD",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("REGWATCH_DB", str(path))
    return path


def test_pending_json_and_table(db: Path) -> None:
    result = runner.invoke(app, ["alerts", "pending", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["totals"] == {"queued": 6}
    assert {line["kind"] for line in data["lines"]} == {"add", "revise", "correct", "remove"}
    table = runner.invoke(app, ["alerts", "pending"])
    assert table.exit_code == 0 and "Pending alerts" in table.output


def test_send_dry_run_then_send_then_nothing_pending(
    db: Path, tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox = tmp_path / "eml"
    monkeypatch.setenv("REGWATCH_OUTBOX_DIR", str(outbox))
    dry = runner.invoke(app, ["alerts", "send", "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["mode"] == "dry_run" and len(list(outbox.glob("*.eml"))) == 1

    disabled = runner.invoke(app, ["alerts", "send"])
    assert disabled.exit_code == 0 and "stay queued" in disabled.output

    monkeypatch.setenv("REGWATCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("REGWATCH_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("REGWATCH_SMTP_SECURITY", "none")
    monkeypatch.setenv("REGWATCH_ALERT_FROM", "regwatch@example.org")
    sent = runner.invoke(app, ["alerts", "send", "--json"])
    assert sent.exit_code == 0, sent.output
    assert json.loads(sent.output)["emails_sent"] == 1 and len(smtp_server.messages) == 1
    again = runner.invoke(app, ["alerts", "send"])
    assert again.exit_code == 0 and "0 emails sent" in again.output
    pending = runner.invoke(app, ["alerts", "pending"])
    assert "Nothing pending (6 alerts sent so far)" in pending.output


def test_send_with_server_down_exits_1(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import free_port

    monkeypatch.setenv("REGWATCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("REGWATCH_SMTP_PORT", str(free_port()))
    monkeypatch.setenv("REGWATCH_SMTP_SECURITY", "none")
    monkeypatch.setenv("REGWATCH_ALERT_FROM", "regwatch@example.org")
    result = runner.invoke(app, ["alerts", "send"])
    assert result.exit_code == 1 and "stay queued" in result.output


def test_bad_config_exits_2(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGWATCH_SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("REGWATCH_SMTP_SECURITY", "tls")
    result = runner.invoke(app, ["alerts", "send"])
    assert result.exit_code == 2


def test_missing_warehouse_is_an_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["alerts", "pending", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
