"""Deliver queued alerts: one email per recipient group, each (alert, recipient) exactly once.

Protocol per email (a *batch*), each step its own short transaction:

1. claim: the batch row (with the exact message bytes and its Message-ID) is written and the
   alert rows move `queued -> sending`;
2. SMTP (no transaction open, so the warehouse is not blocked while the server talks);
3. finish: rows move `sending -> sent` (sent_at, batch_id = Message-ID), or back to `queued`
   with attempts + last_error when the server refused or was unreachable.

A crash (kill -9) between 1 and 3 leaves rows in `sending` and nobody knows whether the
server accepted the message. Policy (see docs/alerts.md): `unknown="resend"` (default) sends
the *stored* message again, byte for byte with the same Message-ID, so a duplicate is
recognisable (and dropped by clients that de-duplicate on Message-ID) - at-least-once for that
narrow window, because a missed sanctions alert is worse than a recognisable duplicate.
`unknown="hold"` sends nothing and reports the batch as unconfirmed on every run until an
operator re-sends it (`regwatch alerts send --resend-unconfirmed`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import smtplib
import socket
import ssl
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import duckdb
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from regwatch.alerts.config import SmtpSettings
from regwatch.alerts.render import SMTP_POLICY, build_digest, render_message, subject_for
from regwatch.alerts.schema import ensure_outbox
from regwatch.errors import AlertError, WarehouseError

log = logging.getLogger(__name__)

ConnectionSource = (
    duckdb.DuckDBPyConnection | Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]
)
UnknownPolicy = Literal["resend", "hold"]
DEFAULT_OUTBOX_DIR = Path("warehouse") / "outbox"
DEFAULT_STALE_AFTER = dt.timedelta(minutes=15)

_IN_FLIGHT: set[str] = set()  # Message-IDs this process is sending right now
_IN_FLIGHT_LOCK = threading.Lock()

SELECT_QUEUED = """
SELECT id, designation_key, recipient, group_name, payload
FROM alert_outbox WHERE state = 'queued' ORDER BY group_name, id
"""
SELECT_SENDING = """
SELECT b.message_id, b.group_name, b.subject, b.message, b.owner, b.sending_at,
       list(o.recipient ORDER BY o.recipient) AS recipients, count(*) AS alerts
FROM alert_outbox AS o JOIN alert_batches AS b ON b.message_id = o.batch_id
WHERE o.state = 'sending'
GROUP BY ALL ORDER BY b.sending_at, b.message_id
"""
UPSERT_BATCH = """
INSERT INTO alert_batches (message_id, group_name, recipients, subject, alert_count, message,
                           state, owner, created_at, sending_at, attempts)
VALUES (?, ?, ?, ?, ?, ?, 'sending', ?, ?, ?, 1)
ON CONFLICT (message_id) DO UPDATE SET
    recipients = excluded.recipients, subject = excluded.subject,
    alert_count = excluded.alert_count, message = excluded.message, state = 'sending',
    owner = excluded.owner, sending_at = excluded.sending_at,
    attempts = alert_batches.attempts + 1, last_error = NULL
"""
CLAIM_ROWS = """
UPDATE alert_outbox SET state = 'sending', batch_id = ?, sending_at = ?, attempts = attempts + 1
WHERE id IN (SELECT unnest(?::BIGINT[])) AND state = 'queued'
RETURNING id
"""
RECLAIM_BATCH = """
UPDATE alert_batches SET owner = ?, sending_at = ?, attempts = attempts + 1, resent = true
WHERE message_id = ?
"""
MARK_SENT = """
UPDATE alert_outbox SET state = 'sent', sent_at = ?, last_error = NULL
WHERE batch_id = ? AND state = 'sending' AND NOT list_contains(?::VARCHAR[], recipient)
RETURNING id
"""
MARK_REFUSED = """
UPDATE alert_outbox SET state = 'queued', batch_id = NULL, last_error = ?
WHERE batch_id = ? AND state = 'sending' AND list_contains(?::VARCHAR[], recipient)
"""
RELEASE_ROWS = """
UPDATE alert_outbox SET state = 'queued', batch_id = NULL, last_error = ?
WHERE batch_id = ? AND state = 'sending'
"""
BATCH_SENT = "UPDATE alert_batches SET state = 'sent', sent_at = ? WHERE message_id = ?"
BATCH_FAILED = "UPDATE alert_batches SET state = 'failed', last_error = ? WHERE message_id = ?"
BATCH_ERROR = "UPDATE alert_batches SET last_error = ? WHERE message_id = ?"
NOTE_FAILURE = """
UPDATE alert_outbox SET attempts = attempts + 1, last_error = ? WHERE state = 'queued'
"""
COUNT_STATES = "SELECT state, count(*) FROM alert_outbox GROUP BY state"

BatchStatus = Literal[
    "sent", "partial", "failed", "dry_run", "not_sent", "resent", "held", "in_flight"
]


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What happened to one email."""

    message_id: str
    group: str
    recipients: tuple[str, ...]
    subject: str
    alerts: int
    status: BatchStatus
    error: str | None = None
    refused: tuple[str, ...] = ()
    eml_path: str | None = None


@dataclass(slots=True)
class DeliveryReport:
    """The outcome of one `deliver_pending` call; `to_dict()` is JSON-ready."""

    mode: Literal["smtp", "dry_run", "disabled"]
    batches: list[BatchResult] = field(default_factory=list)
    queued: int = 0  # alert rows still waiting after the call
    unconfirmed: int = 0  # alert rows in `sending` whose fate is unknown (held or in flight)
    sent: int = 0  # alert rows confirmed sent by this call
    error: str | None = None

    @property
    def emails_sent(self) -> int:
        return sum(1 for b in self.batches if b.status in ("sent", "partial", "resent"))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["emails_sent"] = self.emails_sent
        return data

    def to_markdown(self) -> str:
        """A short table for a Prefect markdown artifact (no secrets, no message bodies)."""
        lines = [
            f"**Alerts ({self.mode})**: {self.emails_sent} emails sent, {self.sent} alerts "
            f"delivered, {self.queued} queued, {self.unconfirmed} unconfirmed.",
        ]
        if self.error:
            lines.append(f"\n> {_md(self.error)}")
        if self.batches:
            lines += [
                "",
                "| group | recipients | alerts | status | subject |",
                "|---|---|---|---|---|",
            ]
            lines += [
                f"| {_md(b.group)} | {len(b.recipients)} | {b.alerts} | {b.status} "
                f"| {_md(b.subject)} |"
                for b in self.batches
            ]
        return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


@dataclass(frozen=True, slots=True)
class _Batch:
    group: str
    recipients: tuple[str, ...]
    ids: tuple[int, ...]
    keys: tuple[str, ...]
    payloads: tuple[dict[str, Any], ...]


# --------------------------------------------------------------------------- helpers


@contextmanager
def _transaction(source: ConnectionSource) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN/COMMIT on the given connection, or on a fresh one from the factory."""

    @contextmanager
    def run(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
        try:
            con.execute("BEGIN TRANSACTION")
        except duckdb.TransactionException:
            raise AlertError(
                "deliver_pending runs its own short transactions: call it after the load "
                "has committed, not inside a transaction"
            ) from None
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    if isinstance(source, duckdb.DuckDBPyConnection):
        with run(source) as con:
            yield con
    else:
        with source() as opened, run(opened) as con:
            yield con


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _abandoned(
    message_id: str,
    owner: str | None,
    sending_at: dt.datetime | None,
    now: dt.datetime,
    stale_after: dt.timedelta,
) -> bool:
    """Whether a `sending` batch was left by a dead sender (vs. one sending right now)."""
    host, _, pid_text = (owner or "").rpartition(":")
    if host == socket.gethostname() and pid_text.isdigit():
        pid = int(pid_text)
        if pid == os.getpid():
            with _IN_FLIGHT_LOCK:
                return message_id not in _IN_FLIGHT
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass  # alive, another user's process
    if sending_at is None:
        return True
    if sending_at.tzinfo is None:
        sending_at = sending_at.replace(tzinfo=dt.UTC)
    return now - sending_at > stale_after


def _message_id(batch: _Batch, sender: str) -> str:
    """Stable for the same content: a retried or re-sent batch keeps its Message-ID."""
    digest = hashlib.sha256(
        "\n".join([batch.group, ",".join(batch.recipients), ",".join(sorted(batch.keys))]).encode()
    ).hexdigest()
    domain = sender.rpartition("@")[2].strip("<> ") or "regwatch.localhost"
    return f"<{digest[:40]}.regwatch@{domain}>"


def _redact(text: str, smtp: SmtpSettings | None) -> str:
    if smtp is not None and smtp.password is not None:
        secret = smtp.password.get_secret_value()
        if secret:
            text = text.replace(secret, "**********")
    return text


def _describe(exc: BaseException, smtp: SmtpSettings | None) -> str:
    return _redact(f"{type(exc).__name__}: {exc}", smtp)[:500]


def _batches(rows: Sequence[tuple[Any, ...]]) -> list[_Batch]:
    """Group queued rows into emails: per group, recipients sharing the same pending alerts.

    Normally a group's recipients all wait for the same alerts and get one email; a
    recipient with a different set (refused last time, in two groups) gets their own.
    """
    by_group: dict[str, dict[str, list[tuple[int, str]]]] = defaultdict(lambda: defaultdict(list))
    payloads: dict[str, dict[str, Any]] = {}
    for row_id, key, recipient, group, payload in rows:
        by_group[group][key].append((int(row_id), str(recipient)))
        payloads.setdefault(key, json.loads(payload))
    batches: list[_Batch] = []
    for group in sorted(by_group):
        by_set: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for key, members in by_group[group].items():
            by_set[tuple(sorted({r for _, r in members}))].append(key)
        for recipients, keys in sorted(by_set.items()):
            keyset = set(keys)
            ids = tuple(sorted(i for k in keyset for i, r in by_group[group][k] if r in recipients))
            batches.append(
                _Batch(
                    group=group,
                    recipients=recipients,
                    ids=ids,
                    keys=tuple(sorted(keyset)),
                    payloads=tuple(payloads[k] for k in sorted(keyset)),
                )
            )
    return batches


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:60] or "group"


def _write_eml(outbox_dir: Path, group: str, message_id: str, data: bytes) -> Path:
    """`<group>-<id>.eml`, written atomically; the same content overwrites the same file."""
    outbox_dir.mkdir(parents=True, exist_ok=True)
    token = hashlib.sha256(message_id.encode()).hexdigest()[:12]
    path = outbox_dir / f"{_safe_name(group)}-{token}.eml"
    tmp = path.with_suffix(".eml.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def connect_smtp(smtp: SmtpSettings, *, context: ssl.SSLContext | None = None) -> smtplib.SMTP:
    """An authenticated SMTP session per the security mode (TLS verified by default)."""
    if not smtp.host:
        raise AlertError("no SMTP host configured (REGWATCH_SMTP_HOST)")
    tls = context or ssl.create_default_context()
    if smtp.security == "none" and smtp.user and smtp.host not in ("127.0.0.1", "::1", "localhost"):
        log.warning(
            "REGWATCH_SMTP_SECURITY=none: the SMTP password goes to %s unencrypted", smtp.host
        )
    try:
        client: smtplib.SMTP
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=smtp.timeout_seconds, context=tls
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
        try:
            client.ehlo()
            if smtp.security == "starttls":
                client.starttls(context=tls)
                client.ehlo()
            if smtp.user is not None and smtp.password is not None:
                client.login(smtp.user, smtp.password.get_secret_value())
        except BaseException:
            client.close()
            raise
    except (smtplib.SMTPException, OSError) as exc:
        raise AlertError(
            f"cannot reach SMTP server {smtp.host}:{smtp.port} ({smtp.security}): "
            f"{_describe(exc, smtp)}; alerts stay queued for the next run"
        ) from None
    return client


# --------------------------------------------------------------------------- delivery


def _counts(source: ConnectionSource, report: DeliveryReport) -> None:
    with _transaction(source) as con:
        states = dict(con.execute(COUNT_STATES).fetchall())
    report.queued = int(states.get("queued", 0))
    report.unconfirmed = int(states.get("sending", 0))


def _send(
    client: smtplib.SMTP, sender: str, recipients: Sequence[str], data: bytes
) -> dict[str, Any]:
    refused = client.sendmail(sender, list(recipients), data)
    return dict(refused)


def _finish(
    source: ConnectionSource,
    message_id: str,
    refused: Sequence[str],
    now: dt.datetime,
    smtp: SmtpSettings,
) -> int:
    """Record the server's acceptance; refused recipients go back to the queue.

    Retried for a while if the warehouse is briefly locked: giving up here would leave the
    batch `sending`, and the next run would re-send it.
    """
    for attempt in Retrying(
        retry=retry_if_exception_type((duckdb.IOException, WarehouseError)),
        wait=wait_exponential(multiplier=0.5, max=8),
        stop=stop_after_delay(60),
        reraise=True,
    ):
        with attempt:
            return _record_sent(source, message_id, refused, now, smtp)
    raise AssertionError("unreachable")  # pragma: no cover


def _record_sent(
    source: ConnectionSource,
    message_id: str,
    refused: Sequence[str],
    now: dt.datetime,
    smtp: SmtpSettings,
) -> int:
    with _transaction(source) as con:
        sent = len(con.execute(MARK_SENT, [now, message_id, list(refused)]).fetchall())
        if refused:
            con.execute(
                MARK_REFUSED,
                [
                    _redact(f"recipient refused by server: {', '.join(refused)}", smtp),
                    message_id,
                    list(refused),
                ],
            )
        con.execute(BATCH_SENT, [now, message_id])
    return sent


def deliver_pending(
    source: ConnectionSource,
    smtp: SmtpSettings | None,
    *,
    dry_run: bool,
    outbox_dir: Path = DEFAULT_OUTBOX_DIR,
    now: dt.datetime,
    unknown: UnknownPolicy = "resend",
    stale_after: dt.timedelta = DEFAULT_STALE_AFTER,
    ssl_context: ssl.SSLContext | None = None,
) -> DeliveryReport:
    """Send every queued alert: one email per recipient group (see the module docstring).

    `source` is a connection (transactions are run on it; do not call inside one) or a
    factory returning a context-managed connection per short transaction, so the DuckDB
    file is not held while SMTP talks. `dry_run` writes `.eml` files to `outbox_dir` and
    changes nothing in the outbox: it previews exactly what a real send would deliver.
    Without an SMTP host, nothing is sent: the report lists what is queued.
    """
    if now.tzinfo is None:
        raise AlertError("deliver_pending needs a timezone-aware `now`")
    mode: Literal["smtp", "dry_run", "disabled"]
    mode = "dry_run" if dry_run else ("smtp" if smtp is not None and smtp.enabled else "disabled")
    report = DeliveryReport(mode=mode)
    sender = smtp.sender if smtp is not None else "regwatch@localhost"

    with _transaction(source) as con:
        ensure_outbox(con)
        sending = con.execute(SELECT_SENDING).fetchall()
        queued = con.execute(SELECT_QUEUED).fetchall()

    recover = []
    for message_id, group, subject, data, owner, sending_at, recipients, count in sending:
        item = (
            str(message_id),
            str(group),
            str(subject),
            bytes(data),
            tuple(recipients),
            int(count),
        )
        if _abandoned(message_id, owner, sending_at, now, stale_after):
            recover.append(item)
        else:
            report.batches.append(
                BatchResult(item[0], item[1], item[4], item[2], item[5], "in_flight")
            )
    batches = _batches(queued)

    if mode != "smtp":
        _preview(report, recover, batches, sender, now, outbox_dir if dry_run else None)
        _counts(source, report)
        if mode == "disabled" and (queued or recover):
            log.warning(
                "REGWATCH_SMTP_HOST not set: %d alert rows stay queued (not sent)", len(queued)
            )
        return report

    assert smtp is not None
    if unknown == "hold":
        for item in recover:
            _hold(item, report)
        recover = []
    if not recover and not batches:
        _counts(source, report)
        return report
    try:
        client = connect_smtp(smtp, context=ssl_context)
    except AlertError as exc:
        report.error = str(exc)
        log.error("%s", exc)
        with _transaction(source) as con:
            con.execute(NOTE_FAILURE, [str(exc)])
        for message_id, group, subject, _data, recipients, count in recover:
            report.batches.append(
                BatchResult(message_id, group, recipients, subject, count, "failed", str(exc))
            )
        _counts(source, report)
        return report

    try:
        alive = True
        for item in recover:
            if alive:
                alive = _recover(source, client, item, smtp, report, now, unknown)
        for batch in batches:
            if alive:
                alive = _deliver_batch(source, client, batch, smtp, report, now)
            else:  # not claimed: the rows simply stay queued for the next run
                report.batches.append(
                    BatchResult(
                        _message_id(batch, smtp.sender),
                        batch.group,
                        batch.recipients,
                        subject_for(build_digest(batch.group, batch.payloads)),
                        len(batch.ids),
                        "failed",
                        "not attempted: the SMTP connection was lost earlier in this run",
                    )
                )
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
    _counts(source, report)
    log.info(
        "alerts: %d emails sent, %d alert rows delivered, %d queued, %d unconfirmed",
        report.emails_sent,
        report.sent,
        report.queued,
        report.unconfirmed,
    )
    return report


def _preview(
    report: DeliveryReport,
    recover: Sequence[tuple[str, str, str, bytes, tuple[str, ...], int]],
    batches: Sequence[_Batch],
    sender: str,
    now: dt.datetime,
    outbox_dir: Path | None,
) -> None:
    """Dry-run (.eml files) or no-SMTP report: compose, never touch the outbox."""
    status: BatchStatus = "dry_run" if outbox_dir is not None else "not_sent"
    for message_id, group, subject, data, recipients, count in recover:
        path = _write_eml(outbox_dir, group, message_id, data) if outbox_dir else None
        report.batches.append(
            BatchResult(
                message_id,
                group,
                recipients,
                subject,
                count,
                "held",
                "unconfirmed: a previous send was interrupted",
                eml_path=str(path) if path else None,
            )
        )
    for batch in batches:
        message_id = _message_id(batch, sender)
        digest = build_digest(batch.group, batch.payloads)
        path = None
        if outbox_dir is not None:
            msg = render_message(
                digest, sender=sender, recipients=batch.recipients, message_id=message_id, now=now
            )
            path = _write_eml(outbox_dir, batch.group, message_id, msg.as_bytes(policy=SMTP_POLICY))
        report.batches.append(
            BatchResult(
                message_id,
                batch.group,
                batch.recipients,
                subject_for(digest),
                len(batch.ids),
                status,
                eml_path=str(path) if path else None,
            )
        )


def _hold(item: tuple[str, str, str, bytes, tuple[str, ...], int], report: DeliveryReport) -> None:
    message_id, group, subject, _data, recipients, count = item
    log.warning(
        "alert email %s (%s) unconfirmed after an interrupted send: held", message_id, group
    )
    report.batches.append(
        BatchResult(
            message_id,
            group,
            recipients,
            subject,
            count,
            "held",
            "unconfirmed: a previous send was interrupted",
        )
    )


def _recover(
    source: ConnectionSource,
    client: smtplib.SMTP,
    item: tuple[str, str, str, bytes, tuple[str, ...], int],
    smtp: SmtpSettings,
    report: DeliveryReport,
    now: dt.datetime,
    unknown: UnknownPolicy,
) -> bool:
    """A batch a crashed sender left in `sending`: re-send the stored bytes, same Message-ID."""
    message_id, group, subject, data, recipients, count = item
    if unknown == "hold":
        _hold(item, report)
        return True
    log.warning("alert email %s (%s) unconfirmed after a crash: re-sending it", message_id, group)
    with _transaction(source) as con:
        con.execute(RECLAIM_BATCH, [_owner(), now, message_id])
    return _smtp_step(
        source,
        client,
        message_id,
        group,
        subject,
        data,
        recipients,
        count,
        smtp,
        report,
        now,
        resend=True,
    )


def _deliver_batch(
    source: ConnectionSource,
    client: smtplib.SMTP,
    batch: _Batch,
    smtp: SmtpSettings,
    report: DeliveryReport,
    now: dt.datetime,
) -> bool:
    """Claim, send, finish one new email. Returns False when the connection is unusable."""
    message_id = _message_id(batch, smtp.sender)
    digest = build_digest(batch.group, batch.payloads)
    msg = render_message(
        digest, sender=smtp.sender, recipients=batch.recipients, message_id=message_id, now=now
    )
    data = msg.as_bytes(policy=SMTP_POLICY)
    subject = str(msg["Subject"])
    try:
        with _transaction(source) as con:
            con.execute(
                UPSERT_BATCH,
                [
                    message_id,
                    batch.group,
                    list(batch.recipients),
                    subject,
                    len(batch.ids),
                    data,
                    _owner(),
                    now,
                    now,
                ],
            )
            claimed = con.execute(CLAIM_ROWS, [message_id, now, list(batch.ids)]).fetchall()
            if len(claimed) != len(batch.ids):
                raise _Conflict(message_id)
    except _Conflict as exc:
        log.warning("%s", exc)
        report.batches.append(
            BatchResult(
                message_id,
                batch.group,
                batch.recipients,
                subject,
                len(batch.ids),
                "in_flight",
                str(exc),
            )
        )
        return True
    return _smtp_step(
        source,
        client,
        message_id,
        batch.group,
        subject,
        data,
        batch.recipients,
        len(batch.ids),
        smtp,
        report,
        now,
        resend=False,
    )


class _Conflict(AlertError):
    def __init__(self, message_id: str) -> None:
        super().__init__(
            f"alert rows of {message_id} were claimed by another sender; rerun `alerts send`"
        )


def _smtp_step(
    source: ConnectionSource,
    client: smtplib.SMTP,
    message_id: str,
    group: str,
    subject: str,
    data: bytes,
    recipients: tuple[str, ...],
    count: int,
    smtp: SmtpSettings,
    report: DeliveryReport,
    now: dt.datetime,
    *,
    resend: bool,
) -> bool:
    with _IN_FLIGHT_LOCK:
        _IN_FLIGHT.add(message_id)
    try:
        try:
            refused = _send(client, smtp.sender, recipients, data)
        except (smtplib.SMTPException, OSError) as exc:
            error = _describe(exc, smtp)
            log.error("alert email %s to %s not sent: %s", message_id, group, error)
            with _transaction(source) as con:
                if resend:
                    con.execute(BATCH_ERROR, [error, message_id])  # stays `sending`, same bytes
                else:
                    con.execute(RELEASE_ROWS, [error, message_id])
                    con.execute(BATCH_FAILED, [error, message_id])
            report.batches.append(
                BatchResult(message_id, group, recipients, subject, count, "failed", error)
            )
            # A refusal leaves the session usable; a dropped connection or socket error does not.
            if isinstance(exc, smtplib.SMTPResponseException):
                return exc.smtp_code != 421  # 421: the server is closing the channel
            return isinstance(exc, smtplib.SMTPRecipientsRefused)
        sent = _finish(source, message_id, sorted(refused), now, smtp)
    finally:
        with _IN_FLIGHT_LOCK:
            _IN_FLIGHT.discard(message_id)
    report.sent += sent
    status: BatchStatus = "resent" if resend else ("partial" if refused else "sent")
    report.batches.append(
        BatchResult(
            message_id, group, recipients, subject, count, status, refused=tuple(sorted(refused))
        )
    )
    log.info("alert email %s to group %s: %s (%d alerts)", message_id, group, status, count)
    return True
