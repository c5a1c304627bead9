"""Fixtures for alert tests: a real SMTP server on loopback (aiosmtpd) and FR tables."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import json
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import duckdb
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from regwatch.alerts import RecipientGroup, Secret, SmtpSettings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "alerts"
NOW = dt.datetime(2026, 11, 28, 11, 30, tzinfo=dt.UTC)
PASSWORD = "hunter2-Sup3r-s3cret"

FR_DOCUMENTS_DDL = """
CREATE TABLE fr_documents (
    document_number VARCHAR PRIMARY KEY, title VARCHAR, type VARCHAR, publication_date DATE,
    effective_date DATE, citation VARCHAR, start_page INTEGER, end_page INTEGER,
    html_url VARCHAR, full_text_xml_url VARCHAR)
"""
ENTITY_CHANGES_DDL = """
CREATE TABLE entity_changes (
    document_number VARCHAR, publication_date DATE, effective_date DATE, action VARCHAR,
    country VARCHAR, name VARCHAR, previous_name VARCHAR, aliases VARCHAR[],
    addresses VARCHAR[], license_requirement VARCHAR, license_review_policy VARCHAR,
    federal_register_citations VARCHAR[], footnotes VARCHAR[], position INTEGER)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class RecordingHandler:
    """Records accepted messages; refuses the listed recipients with 550."""

    refuse: set[str] = field(default_factory=set)
    messages: list[Received] = field(default_factory=list)
    data_reply: str | None = None  # e.g. "421 ..." to fail DATA instead of accepting

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: Any
    ) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply is not None:
            return self.data_reply
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), msg))
        return "250 2.0.0 queued"


class Authenticator:
    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == self.user
            and data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    port: int
    handler: RecordingHandler
    cafile: Path | None = None

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def settings(self, **overrides: Any) -> SmtpSettings:
        values: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.port,
            "security": "none",
            "sender": "regwatch@example.org",
            "recipients": ("ops@example.org",),
            "timeout_seconds": 5.0,
        }
        values.update(overrides)
        return SmtpSettings(**values)


def _start(handler: RecordingHandler, **kwargs: Any) -> tuple[Controller, int]:
    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, server_hostname="localhost", **kwargs
    )
    controller.start()
    return controller, port


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """Plain SMTP on loopback, AUTH allowed without TLS (user `alerts`, PASSWORD)."""
    handler = RecordingHandler()
    controller, port = _start(
        handler,
        authenticator=Authenticator("alerts", PASSWORD),
        auth_require_tls=False,
    )
    try:
        yield SmtpServer(port, handler)
    finally:
        controller.stop()


@pytest.fixture
def down_settings() -> SmtpSettings:
    """Settings pointing at a loopback port where nothing listens (server down)."""
    return SmtpSettings(
        host="127.0.0.1",
        port=free_port(),
        security="none",
        sender="regwatch@example.org",
        timeout_seconds=2.0,
    )


@pytest.fixture(scope="session")
def tls_material(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1/localhost: (certfile, keyfile)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
        .not_valid_after(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certfile, keyfile


def server_tls_context(tls_material: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*tls_material)
    return ctx


@pytest.fixture
def starttls_server(tls_material: tuple[Path, Path]) -> Iterator[SmtpServer]:
    """SMTP that requires STARTTLS before anything (and AUTH only over TLS)."""
    handler = RecordingHandler()
    controller, port = _start(
        handler,
        tls_context=server_tls_context(tls_material),
        require_starttls=True,
        authenticator=Authenticator("alerts", PASSWORD),
    )
    try:
        yield SmtpServer(port, handler, cafile=tls_material[0])
    finally:
        controller.stop()


@pytest.fixture
def ssl_server(tls_material: tuple[Path, Path]) -> Iterator[SmtpServer]:
    """SMTP over implicit TLS (SMTPS, as on port 465)."""
    handler = RecordingHandler()
    controller, port = _start(
        handler,
        ssl_context=server_tls_context(tls_material),
        authenticator=Authenticator("alerts", PASSWORD),
        auth_require_tls=False,  # the whole session is TLS; aiosmtpd does not know that
    )
    try:
        yield SmtpServer(port, handler, cafile=tls_material[0])
    finally:
        controller.stop()


# --------------------------------------------------------------------------- FR tables


def load_fr_fixture(con: duckdb.DuckDBPyConnection, name: str = "fr_changes.json") -> list[str]:
    """Create fr_documents/entity_changes (if missing) and load a fixture; return doc numbers."""
    existing = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "fr_documents" not in existing:
        con.execute(FR_DOCUMENTS_DDL)
    if "entity_changes" not in existing:
        con.execute(ENTITY_CHANGES_DDL)
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    numbers = []
    for doc in data["documents"]:
        numbers.append(doc["document_number"])
        con.execute(
            "INSERT INTO fr_documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                doc["document_number"],
                doc["title"],
                doc["type"],
                doc["publication_date"],
                doc["effective_date"],
                doc["citation"],
                doc["start_page"],
                doc["end_page"],
                doc["html_url"],
                doc["full_text_xml_url"],
            ],
        )
        for position, c in enumerate(doc["changes"], start=1):
            con.execute(
                "INSERT INTO entity_changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    doc["document_number"],
                    doc["publication_date"],
                    doc["effective_date"],
                    c["action"],
                    c["country"],
                    c["name"],
                    c.get("previous_name"),
                    c.get("aliases", []),
                    c.get("addresses", []),
                    c.get("license_requirement"),
                    c.get("license_review_policy"),
                    c.get("federal_register_citations", []),
                    c.get("footnotes", []),
                    position,
                ],
            )
    return numbers


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(tmp_path / "alerts.duckdb"))
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def fr_docs(con: duckdb.DuckDBPyConnection) -> list[str]:
    return load_fr_fixture(con)


def ops_group(*recipients: str) -> RecipientGroup:
    return RecipientGroup(
        name="default", recipients=recipients or ("ops@example.org",), notices=True
    )


def china_group() -> RecipientGroup:
    return RecipientGroup(
        name="china-desk",
        recipients=("china@example.org", "lead@example.org"),
        countries=("China",),
    )


__all__ = ["NOW", "PASSWORD", "Secret", "china_group", "ops_group"]
