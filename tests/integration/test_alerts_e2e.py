"""Nightly runs against the emulator + a real SMTP server on loopback: emails go out exactly once.

First run emails every ingested designation; a rerun sends nothing; a rule published "overnight"
is emailed alone; with the SMTP server down the alerts wait in the outbox and the next run
delivers them once.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from regwatch.config import Settings
from regwatch.demo import DEFAULT_DEMO_DIR
from regwatch.pipeline import RunRequest, run_nightly
from tests.alerts.conftest import RecordingHandler, _start, free_port

pytestmark = pytest.mark.emulator

WINDOW = RunRequest(
    since=dt.date(2019, 1, 1), until=dt.date(2030, 12, 31), sources=("federal_register",)
)


@dataclass
class Smtp:
    handler: RecordingHandler
    port: int

    @property
    def messages(self) -> list[Any]:
        return self.handler.messages


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Smtp]:
    handler = RecordingHandler()
    controller, port = _start(handler)
    monkeypatch.setenv("REGWATCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("REGWATCH_SMTP_PORT", str(port))
    monkeypatch.setenv("REGWATCH_SMTP_SECURITY", "none")
    monkeypatch.setenv("REGWATCH_ALERT_FROM", "regwatch@example.org")
    monkeypatch.setenv("REGWATCH_ALERT_TO", "compliance@example.org")
    monkeypatch.delenv("REGWATCH_WATCHLISTS", raising=False)
    monkeypatch.delenv("REGWATCH_SMTP_SECRET_BLOCK", raising=False)
    try:
        yield Smtp(handler, port)
    finally:
        controller.stop()


def demo_root(tmp_path: Path, *numbers: str) -> Path:
    """A data root holding some of the project's own demo documents (published overnight)."""
    root = tmp_path / ("root-" + "-".join(numbers))
    for sub in ("documents", "xml"):
        (root / "fr" / sub).mkdir(parents=True)
    for number in numbers:
        shutil.copy(
            DEFAULT_DEMO_DIR / "fr" / "documents" / f"{number}.json", root / "fr" / "documents"
        )
        shutil.copy(DEFAULT_DEMO_DIR / "fr" / "xml" / f"{number}.xml", root / "fr" / "xml")
    return root


def publish(base_url: str, root: Path) -> None:
    response = httpx.post(f"{base_url}/__admin/publish", json={"root": str(root)}, timeout=10)
    response.raise_for_status()


def designations_in(message: Any) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())


def settings_for(base_url: str, tmp_path: Path) -> Settings:
    return Settings(
        fr_base_url=base_url,
        csl_base_url=base_url,
        db_path=tmp_path / "w.duckdb",
        requests_per_second=200.0,
        timeout_seconds=5.0,
        lock_timeout_seconds=10.0,
    )


def test_emails_go_out_exactly_once(
    upstream: str, tmp_path: Path, smtp: Smtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(upstream, tmp_path)

    first = run_nightly(settings, WINDOW)
    assert first.exit_code == 0, first.summary_lines()
    assert len(smtp.messages) == 1
    email = smtp.messages[0]
    assert email.rcpt_tos == ["compliance@example.org"]
    assert email.message["Subject"].startswith("regwatch: ")
    assert "new Entity List designations" in email.message["Subject"]
    text = designations_in(email.message)
    assert "Hangzhou Hikvision Digital Technology Co., Ltd." in text
    assert email.message.get_body(preferencelist=("html",)) is not None

    second = run_nightly(settings, WINDOW)
    assert second.alerts_queued == 0
    assert len(smtp.messages) == 1

    publish(upstream, demo_root(tmp_path, "2021-13395"))
    third = run_nightly(settings, WINDOW)
    assert third.load_status["2021-13395"] == "inserted"
    assert len(smtp.messages) == 2
    overnight = smtp.messages[1].message
    assert overnight["Subject"] == "regwatch: 5 new Entity List designations"
    body = designations_in(overnight)
    assert "Xinjiang Daqo New Energy Co., Ltd." in body
    assert "Hikvision" not in body

    # SMTP server down: the run loads, queues the alerts and still succeeds.
    monkeypatch.setenv("REGWATCH_SMTP_PORT", str(free_port()))
    publish(upstream, demo_root(tmp_path, "2022-90001"))
    fourth = run_nightly(settings, WINDOW)
    assert fourth.exit_code == 0
    assert fourth.alerts_queued == 2 and fourth.alerts_sent == 0
    assert len(smtp.messages) == 2

    # Back up: the next run (nothing new upstream) delivers the queued alerts once.
    monkeypatch.setenv("REGWATCH_SMTP_PORT", str(smtp.port))
    fifth = run_nightly(settings, WINDOW)
    assert fifth.alerts_queued == 0 and fifth.alerts_sent == 2
    assert len(smtp.messages) == 3
    assert smtp.messages[2].message["Subject"] == "regwatch: 1 revision, 1 removal"

    sixth = run_nightly(settings, WINDOW)
    assert sixth.alerts_sent == 0
    assert len(smtp.messages) == 3


def test_public_inspection_gives_one_upcoming_alert(
    upstream: str, tmp_path: Path, smtp: Smtp
) -> None:
    root = tmp_path / "pi"
    (root / "fr" / "public_inspection").mkdir(parents=True)
    pi = {
        "count": 1,
        "results": [
            {
                "document_number": "2031-00001",
                "type": "Rule",
                "title": "Additions to the Entity List",
                "agencies": [
                    {"slug": "industry-and-security-bureau", "name": "Industry and Security Bureau"}
                ],
                "filed_at": "2031-01-05T08:45:00.000-05:00",
                "publication_date": "2031-01-06",
                "html_url": "https://www.federalregister.gov/public-inspection/2031-00001/additions-to-the-entity-list",
                "pdf_url": "https://public-inspection.federalregister.gov/2031-00001.pdf",
            }
        ],
    }
    (root / "fr" / "public_inspection" / "current.json").write_text(json.dumps(pi))
    publish(upstream, root)
    settings = settings_for(upstream, tmp_path)
    october = RunRequest(
        since=dt.date(2019, 10, 1), until=dt.date(2019, 10, 31), sources=("federal_register",)
    )
    run_nightly(settings, october)
    subjects = [m.message["Subject"] for m in smtp.messages]
    assert subjects == ["regwatch: 28 new Entity List designations, 1 upcoming Entity List rule"]
    run_nightly(settings, october)
    assert len(smtp.messages) == 1
