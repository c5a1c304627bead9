"""kill -9 around the SMTP step, in a real subprocess, then the documented recovery.

Policy under test (docs/alerts.md): a batch left in `sending` by a dead process is re-sent
byte for byte with the same Message-ID (`unknown="resend"`), or held and reported
(`unknown="hold"`). A batch whose owner is still alive is left alone until its lease expires.
"""

from __future__ import annotations

import datetime as dt
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from regwatch.alerts import deliver_pending, enqueue_fr_changes, pending_summary
from regwatch.warehouse import Warehouse

from .conftest import (
    NOW,
    SmtpServer,
    china_group,
    fixture_documents,
    load_documents,
    ops_group,
)

CRASH_SCRIPT = textwrap.dedent(
    """
    import datetime as dt, os, signal, sys
    import duckdb
    from regwatch.alerts import SmtpSettings, delivery

    db, port, where = sys.argv[1], int(sys.argv[2]), sys.argv[3]

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    # "after_accept": the server accepted the message, the process dies before recording it.
    # "before_send": the rows are committed as `sending`, the process dies before SMTP.
    if where == "after_accept":
        delivery._finish = die
    else:
        delivery._send = die
    settings = SmtpSettings(host="127.0.0.1", port=port, security="none",
                            sender="regwatch@example.org", timeout_seconds=5)
    delivery.deliver_pending(lambda: duckdb.connect(db), settings, dry_run=False,
                             now=dt.datetime(2026, 11, 28, 11, 30, tzinfo=dt.UTC))
    print("not killed")
    """
)


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "crash.duckdb"
    with Warehouse.open(path, lock_timeout=5) as wh:
        docs = load_documents(wh, fixture_documents())
        enqueue_fr_changes(wh.con, docs, [china_group(), ops_group()], now=NOW)
    return path


def crash(db_file: Path, server: SmtpServer, where: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CRASH_SCRIPT, str(db_file), str(server.port), where],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr


def factory(db_file: Path) -> Callable[[], duckdb.DuckDBPyConnection]:
    return lambda: duckdb.connect(str(db_file))


def states(db_file: Path) -> dict[str, int]:
    with duckdb.connect(str(db_file)) as con:
        rows = con.execute("SELECT state, count(*) FROM alert_outbox GROUP BY state").fetchall()
    return dict(rows)


def test_kill_after_accept_then_resend_same_message_id(
    db_file: Path, smtp_server: SmtpServer
) -> None:
    crash(db_file, smtp_server, "after_accept")
    assert len(smtp_server.messages) == 1  # china-desk accepted, then kill -9
    first = smtp_server.messages[0].message
    assert states(db_file) == {"sending": 6, "queued": 6}

    report = deliver_pending(factory(db_file), smtp_server.settings(), dry_run=False, now=NOW)
    assert sorted(b.status for b in report.batches) == ["resent", "sent"]
    assert states(db_file) == {"sent": 12}
    resent = smtp_server.messages[1].message
    # The recognisable duplicate: identical Message-ID, Date and body.
    assert resent["Message-ID"] == first["Message-ID"]
    assert resent.as_bytes() == first.as_bytes()
    assert len(smtp_server.messages) == 3
    with duckdb.connect(str(db_file)) as con:
        assert con.execute(
            "SELECT group_name, resent, attempts, state FROM alert_batches ORDER BY group_name"
        ).fetchall() == [("china-desk", True, 2, "sent"), ("default", False, 1, "sent")]
    # And nothing more afterwards.
    assert (
        deliver_pending(factory(db_file), smtp_server.settings(), dry_run=False, now=NOW).batches
        == []
    )


def test_kill_before_send_then_resend_delivers_exactly_once(
    db_file: Path, smtp_server: SmtpServer
) -> None:
    crash(db_file, smtp_server, "before_send")
    assert smtp_server.messages == []
    report = deliver_pending(factory(db_file), smtp_server.settings(), dry_run=False, now=NOW)
    assert sorted(b.status for b in report.batches) == ["resent", "sent"]
    ids = [m.message["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == len(set(ids)) == 2
    assert states(db_file) == {"sent": 12}


def test_hold_policy_sends_nothing_unconfirmed_and_reports_it(
    db_file: Path, smtp_server: SmtpServer
) -> None:
    crash(db_file, smtp_server, "after_accept")
    held = deliver_pending(
        factory(db_file), smtp_server.settings(), dry_run=False, now=NOW, unknown="hold"
    )
    assert sorted(b.status for b in held.batches) == ["held", "sent"]
    assert held.unconfirmed == 6 and len(smtp_server.messages) == 2  # no duplicate
    with duckdb.connect(str(db_file)) as con:
        summary = pending_summary(con)
    assert summary.unconfirmed == 6
    assert {(line.group, line.state) for line in summary.lines} == {("china-desk", "sending")}
    # Held again on the next run: reported every time, never silently dropped or sent.
    again = deliver_pending(
        factory(db_file), smtp_server.settings(), dry_run=False, now=NOW, unknown="hold"
    )
    assert [b.status for b in again.batches] == ["held"] and len(smtp_server.messages) == 2
    # The operator decides to re-send.
    done = deliver_pending(factory(db_file), smtp_server.settings(), dry_run=False, now=NOW)
    assert [b.status for b in done.batches] == ["resent"] and states(db_file) == {"sent": 12}


@pytest.fixture
def live_pid() -> Iterator[int]:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield proc.pid
    finally:
        proc.kill()
        proc.wait()


def test_batch_of_a_live_sender_is_left_alone_until_its_lease_expires(
    db_file: Path, smtp_server: SmtpServer, live_pid: int
) -> None:
    crash(db_file, smtp_server, "before_send")
    with duckdb.connect(str(db_file)) as con:
        con.execute("UPDATE alert_batches SET owner = ?", [f"{socket.gethostname()}:{live_pid}"])
    report = deliver_pending(factory(db_file), smtp_server.settings(), dry_run=False, now=NOW)
    assert sorted(b.status for b in report.batches) == ["in_flight", "sent"]
    assert report.unconfirmed == 6
    later = NOW + dt.timedelta(minutes=16)
    report = deliver_pending(factory(db_file), smtp_server.settings(), dry_run=False, now=later)
    assert [b.status for b in report.batches] == ["resent"]
    assert states(db_file) == {"sent": 12}
