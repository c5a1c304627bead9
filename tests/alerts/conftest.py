"""Fixtures for alert tests: real SMTP servers on loopback (aiosmtpd), the real warehouse."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
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
from regwatch.models import EntityChange, FRDocument, ParsedDocument
from regwatch.warehouse import Warehouse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "alerts"
NOW = dt.datetime(2026, 11, 28, 11, 30, tzinfo=dt.UTC)
PASSWORD = "hunter2-Sup3r-s3cret"


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


# --------------------------------------------------------------------------- warehouse


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def fixture_documents(name: str = "fr_changes.json") -> list[ParsedDocument]:
    """Our invented FR documents as the parser would hand them to the warehouse."""
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    docs = []
    for d in data["documents"]:
        publication = _date(d["publication_date"])
        assert publication is not None
        document = FRDocument(
            document_number=d["document_number"],
            title=d["title"],
            type=d["type"],
            publication_date=publication,
            effective_date=_date(d["effective_date"]),
            citation=d["citation"],
            volume=91,
            start_page=d["start_page"],
            end_page=d["end_page"],
            html_url=d["html_url"],
            full_text_xml_url=d["full_text_xml_url"],
            body_html_url=None,
            json_url=None,
            abstract=None,
            action="Final rule.",
            agencies=("industry-and-security-bureau",),
            cfr_parts=("15 CFR 744",),
            correction_of=None,
        )
        changes = tuple(
            EntityChange(
                action=c["action"],
                country=c["country"],
                name=c["name"],
                previous_name=c.get("previous_name"),
                aliases=tuple(c.get("aliases", ())),
                addresses=tuple(c.get("addresses", ())),
                license_requirement=c.get("license_requirement"),
                license_review_policy=c.get("license_review_policy"),
                federal_register_citations=tuple(c.get("federal_register_citations", ())),
                footnotes=tuple(c.get("footnotes", ())),
                position=i,
            )
            for i, c in enumerate(d["changes"], start=1)
        )
        docs.append(ParsedDocument(document=document, changes=changes))
    return docs


def load_documents(wh: Warehouse, docs: list[ParsedDocument], now: dt.datetime = NOW) -> list[str]:
    """Load parsed documents into the real warehouse; return their numbers."""
    with wh.transaction():
        for doc in docs:
            digest = hashlib.sha256(repr(doc).encode()).hexdigest()
            wh.load_fr_document(doc, content_sha256=digest, metadata_sha256=None, recorded_at=now)
    return [d.document.document_number for d in docs]


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse.open(tmp_path / "regwatch.duckdb", lock_timeout=5) as wh:
        yield wh


@pytest.fixture
def con(warehouse: Warehouse) -> duckdb.DuckDBPyConnection:
    return warehouse.con


@pytest.fixture
def fr_docs(warehouse: Warehouse) -> list[str]:
    return load_documents(warehouse, fixture_documents())


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
