"""One nightly run as plain functions: discover -> fetch -> parse -> load -> snapshot -> alert.

The Prefect flows in `flows/` call these same functions as tasks; `run_nightly` chains them
without Prefect. The ordering is what makes a run safe to kill and rerun:

1. network and parsing happen first, writing only to the content-addressed raw archive
   (atomic files);
2. everything the run learned is written to the warehouse in ONE transaction (documents,
   quarantine, replayed history, CSL snapshots, queued alerts, cursors, the run's own record);
3. queued alerts are delivered afterwards from the outbox, each (designation, recipient)
   exactly once.

A run killed before step 2 commits leaves nothing but a `running` row in `runs`, marked
`abandoned` by the next run; a run killed after it leaves queued alerts the next run delivers.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
import uuid
import zoneinfo
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx

from regwatch.archive import RawArchive
from regwatch.config import Settings
from regwatch.crashpoints import crash_point
from regwatch.errors import ParseError, RegwatchError, SourceError
from regwatch.models import ArchivedPayload, ParsedDocument, SourceName
from regwatch.sources.csl import CslClient
from regwatch.sources.federal_register import FederalRegisterClient
from regwatch.sources.http import HttpClient
from regwatch.warehouse import Warehouse

log = logging.getLogger(__name__)

FR_CURSOR = "fr_last_publication_date"
CSL_ETAG_CURSOR = "csl_etag"
CSL_LAST_MODIFIED_CURSOR = "csl_last_modified"
# Entity List rules in today's wording start in 2008: a first run with no cursor starts here.
DEFAULT_FIRST_SINCE = dt.date(2008, 1, 1)
FR_TIMEZONE = zoneinfo.ZoneInfo("America/New_York")
ALL_SOURCES: tuple[SourceName, ...] = ("federal_register", "csl")

OPEN_QUARANTINE = """
SELECT DISTINCT document_number FROM quarantine_open ORDER BY document_number
"""
HAS_BOTH_SOURCES = """
SELECT count(DISTINCT source) = 2 FROM snapshots WHERE list = 'entity_list'
"""
CHANGES_OF_DOCUMENTS = """
SELECT document_number, action, country, name, previous_name, effective_date,
       federal_register_citations
FROM entity_changes
WHERE list_contains(?, document_number)
ORDER BY document_number, position
"""


@dataclass(frozen=True, slots=True)
class RunRequest:
    """What the caller asks for; anything left None is derived from the warehouse cursors."""

    since: dt.date | None = None
    until: dt.date | None = None
    sources: tuple[SourceName, ...] = ALL_SOURCES
    email_dry_run: bool = False
    send_alerts: bool = True  # False: queue and send nothing (backfills: history is not news)
    accept_drop: bool = False
    trigger: str = "cli"


@dataclass(frozen=True, slots=True)
class RunContext:
    run_id: str
    started_at: dt.datetime
    since: dt.date
    until: dt.date
    csl_etag: str | None
    csl_last_modified: str | None
    retry_documents: tuple[str, ...] = ()  # still quarantined: tried again every run


@dataclass(frozen=True, slots=True)
class FetchedDocument:
    """A document's API JSON and full text, both in the raw archive (or the reason it has none)."""

    document_number: str
    metadata: Mapping[str, Any] | None
    metadata_payload: ArchivedPayload | None
    text_payload: ArchivedPayload | None
    text_format: Literal["xml", "html"] | None
    error: str | None = None

    @property
    def payloads(self) -> tuple[ArchivedPayload, ...]:
        return tuple(p for p in (self.metadata_payload, self.text_payload) if p is not None)


@dataclass(frozen=True, slots=True)
class DocumentOutcome:
    """The parse of one fetched document, or why it must be quarantined."""

    fetched: FetchedDocument
    parsed: ParsedDocument | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class NetworkResult:
    """Everything fetched and parsed before the warehouse is opened for writing."""

    documents: tuple[DocumentOutcome, ...] = ()
    csl_payload: ArchivedPayload | None = None
    csl_not_modified: bool = False
    public_inspection: tuple[Mapping[str, Any], ...] = ()
    extra_payloads: tuple[ArchivedPayload, ...] = ()


@dataclass
class RunReport:
    """What a run did; `exit_code` is non-zero when anything was quarantined or the run failed."""

    run_id: str
    since: dt.date
    until: dt.date
    status: str = "running"
    discovered: list[str] = field(default_factory=list)
    load_status: dict[str, str] = field(default_factory=dict)  # document_number -> inserted|...
    quarantined: dict[str, str] = field(default_factory=dict)  # document_number -> error
    changes: Counter[str] = field(default_factory=Counter)  # action -> rows in new documents
    warnings: list[tuple[str, str, str]] = field(default_factory=list)  # (doc, code, message)
    csl_status: str | None = None
    csl_details: list[str] = field(default_factory=list)
    alerts_queued: int = 0
    alerts_sent: int = 0
    alerts_detail: str | None = None
    csl_hold_notice: tuple[str, str, str] | None = None  # (key, subject, body)
    reconciliation: str | None = None
    csl_held: list[str] = field(default_factory=list)  # pending held snapshots
    new_designations: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    error: str | None = None

    @property
    def exit_code(self) -> int:
        """1 failed, 2 documents quarantined, 3 a screening-list snapshot is held, else 0."""
        if self.status == "failed":
            return 1
        if self.quarantined:
            return 2
        return 3 if self.csl_held else 0

    def count(self, status: str) -> int:
        return sum(1 for s in self.load_status.values() if s == status)

    def summary_lines(self) -> list[str]:
        lines = [
            f"run {self.run_id}: {self.status} ({self.since} .. {self.until})",
            f"  Federal Register: {len(self.discovered)} documents discovered, "
            f"{self.count('inserted')} new, {self.count('replaced')} changed, "
            f"{self.count('unchanged')} unchanged, {len(self.quarantined)} quarantined",
        ]
        if self.changes:
            detail = ", ".join(f"{n} {a}" for a, n in sorted(self.changes.items()))
            lines.append(f"  entity changes in new documents: {detail}")
        for doc, code, message in self.warnings:
            lines.append(f"  WARNING {doc} [{code}]: {message}")
        for doc, error in self.quarantined.items():
            lines.append(f"  QUARANTINED {doc}: {error}")
        if self.csl_status is not None:
            lines.append(f"  screening list: {self.csl_status}")
            lines.extend(f"    {d}" for d in self.csl_details)
        if self.reconciliation:
            lines.append(f"  FR vs screening list: {self.reconciliation}")
        lines.append(f"  alerts: {self.alerts_queued} queued, {self.alerts_sent} sent")
        if self.alerts_detail:
            lines.append(f"    {self.alerts_detail}")
        if self.error:
            lines.append(f"  ERROR: {self.error}")
        return lines


@dataclass(frozen=True, slots=True)
class Clients:
    archive: RawArchive
    federal_register: FederalRegisterClient
    csl: CslClient


@contextmanager
def open_clients(
    settings: Settings, *, transport: httpx.BaseTransport | None = None
) -> Iterator[Clients]:
    """HTTP clients sharing one polite connection pool and the raw archive."""
    archive = RawArchive(settings.resolved_archive_dir)
    with HttpClient(settings, transport=transport) as http:
        yield Clients(
            archive=archive,
            federal_register=FederalRegisterClient(http, settings.fr_base_url, archive),
            csl=CslClient(http, settings.csl_base_url, archive),
        )


def today_in_washington(now: dt.datetime | None = None) -> dt.date:
    """The FR publishes on Washington time; 'today' means today there."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(FR_TIMEZONE).date()


def plan_window(
    request: RunRequest, cursor: str | None, *, lookback_days: int, today: dt.date
) -> tuple[dt.date, dt.date]:
    """Incremental window: from the last publication date seen minus a look-back, to today."""
    until = request.until or today
    if request.since is not None:
        since = request.since
    elif cursor:
        since = dt.date.fromisoformat(cursor) - dt.timedelta(days=lookback_days)
    else:
        since = DEFAULT_FIRST_SINCE
    if since > until:
        raise RegwatchError(f"--since {since} is after --until {until}")
    return since, until


def begin_run(settings: Settings, request: RunRequest, *, now: dt.datetime) -> RunContext:
    """Short write: migrate, mark killed runs abandoned, read cursors, record this run."""
    from regwatch import runs

    with (
        Warehouse.open(settings.db_path, lock_timeout=settings.lock_timeout_seconds) as wh,
        wh.transaction(),
    ):
        runs.mark_abandoned(wh.con, now=now)
        cursor = wh.get_cursor(FR_CURSOR)
        since, until = plan_window(
            request,
            cursor,
            lookback_days=settings.lookback_days,
            today=today_in_washington(now),
        )
        context = RunContext(
            run_id=uuid.uuid4().hex[:12],
            started_at=now,
            since=since,
            until=until,
            csl_etag=wh.get_cursor(CSL_ETAG_CURSOR),
            csl_last_modified=wh.get_cursor(CSL_LAST_MODIFIED_CURSOR),
            retry_documents=tuple(
                str(row[0]) for row in wh.con.execute(OPEN_QUARANTINE).fetchall() if row[0]
            ),
        )
        runs.insert_running(wh.con, context, request)
    return context


def discover(clients: Clients, since: dt.date, until: dt.date) -> list[str]:
    """Document numbers of BIS part-744 rules published in the window, oldest first."""
    results = clients.federal_register.search(since, until)
    numbers = [str(r["document_number"]) for r in results]
    log.info("discovered %d FR documents between %s and %s", len(numbers), since, until)
    return numbers


def fetch_document(clients: Clients, document_number: str) -> FetchedDocument:
    """Fetch the API JSON, then the full-text XML (or the HTML when there is no XML).

    A permanent upstream answer (404 for the text) becomes a quarantine reason; transient failures
    that outlast the retries raise and fail the run.
    """
    fr = clients.federal_register
    metadata, metadata_payload = fr.fetch_document(document_number)
    xml_url = metadata.get("full_text_xml_url")
    html_url = metadata.get("body_html_url")
    try:
        if xml_url:
            return FetchedDocument(
                document_number, metadata, metadata_payload, fr.fetch_full_text(xml_url), "xml"
            )
        if html_url:
            return FetchedDocument(
                document_number, metadata, metadata_payload, fr.fetch_full_text(html_url), "html"
            )
    except SourceError as exc:
        if not exc.is_permanent:
            raise
        return FetchedDocument(document_number, metadata, metadata_payload, None, None, str(exc))
    return FetchedDocument(
        document_number, metadata, metadata_payload, None, None, "the FR API lists no full text"
    )


def parse_fetched(fetched: FetchedDocument, archive: RawArchive) -> DocumentOutcome:
    """Parse archived bytes; any failure is a quarantine reason, never a lost run."""
    from regwatch.parsing import document_from_api_json, parse_fr_html, parse_fr_xml

    if fetched.error is not None or fetched.metadata is None or fetched.text_payload is None:
        return DocumentOutcome(fetched, None, fetched.error or "nothing to parse")
    try:
        document = document_from_api_json(fetched.metadata)
        data = archive.read_bytes(fetched.text_payload.sha256)
        parse = parse_fr_xml if fetched.text_format == "xml" else parse_fr_html
        return DocumentOutcome(fetched, parse(data, document))
    except ParseError as exc:
        log.warning("quarantining %s: %s", fetched.document_number, exc)
        return DocumentOutcome(fetched, None, f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a parser bug must not lose the rest of the run
        log.exception("unexpected parser failure on %s", fetched.document_number)
        return DocumentOutcome(fetched, None, f"unexpected {type(exc).__name__}: {exc}")


def fetch_csl(clients: Clients, context: RunContext) -> ArchivedPayload | None:
    """Download the screening list unless it is unchanged since the ETag we stored."""
    return clients.csl.download(etag=context.csl_etag, last_modified=context.csl_last_modified)


def fetch_public_inspection(clients: Clients) -> tuple[list[Mapping[str, Any]], ArchivedPayload]:
    documents, payload = clients.federal_register.public_inspection_current()
    return list(documents), payload


def load(
    settings: Settings,
    context: RunContext,
    request: RunRequest,
    network: NetworkResult,
    report: RunReport,
    *,
    now: dt.datetime,
) -> RunReport:
    """Write everything the run learned in one transaction (all or nothing)."""
    from regwatch import runs

    with (
        Warehouse.open(settings.db_path, lock_timeout=settings.lock_timeout_seconds) as wh,
        wh.transaction(),
    ):
        _record_payloads(wh, network)
        new_documents = _load_documents(wh, network.documents, report, now=now)
        wh.replay_federal_register(recorded_at=now)
        csl_changed = False
        if network.csl_payload is not None:
            csl_changed = _ingest_csl(wh, settings, network.csl_payload, request, report, now=now)
        elif "csl" in request.sources:
            report.csl_status = "unchanged (not modified since last download)"
        if "csl" in request.sources:
            csl_changed = _settle_holds(wh, request, report, now=now) or csl_changed
        if new_documents or csl_changed:
            _reconcile(wh, report, now=now)
        if request.send_alerts:
            _enqueue_alerts(wh, new_documents, network, report, now=now)
        report.new_designations = _changes_of(wh, new_documents)
        _advance_cursors(wh, context, network)
        report.status = "partial" if report.quarantined else "succeeded"
        runs.finish(wh.con, report, finished_at=dt.datetime.now(dt.UTC))
        crash_point("load:before-commit")
    crash_point("load:after-commit")
    return report


def _changes_of(wh: Warehouse, document_numbers: Sequence[str]) -> list[dict[str, Any]]:
    if not document_numbers:
        return []
    cursor = wh.con.execute(CHANGES_OF_DOCUMENTS, [list(document_numbers)])
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _record_payloads(wh: Warehouse, network: NetworkResult) -> None:
    for outcome in network.documents:
        for payload in outcome.fetched.payloads:
            wh.record_payload(payload)
    for payload in network.extra_payloads:
        wh.record_payload(payload)
    if network.csl_payload is not None:
        wh.record_payload(network.csl_payload)


def _load_documents(
    wh: Warehouse, outcomes: Sequence[DocumentOutcome], report: RunReport, *, now: dt.datetime
) -> list[str]:
    """Load parsed documents, quarantine the rest; return the numbers whose content is new."""
    new_documents: list[str] = []
    for outcome in outcomes:
        fetched = outcome.fetched
        number = fetched.document_number
        if outcome.parsed is None or fetched.text_payload is None:
            url = (
                fetched.text_payload.url
                if fetched.text_payload
                else str((fetched.metadata or {}).get("full_text_xml_url") or number)
            )
            sha = fetched.text_payload.sha256 if fetched.text_payload else None
            error = outcome.error or "unknown error"
            wh.quarantine(document_number=number, url=url, sha256=sha, error=error, recorded_at=now)
            report.quarantined[number] = error
            continue
        status = wh.load_fr_document(
            outcome.parsed,
            content_sha256=fetched.text_payload.sha256,
            metadata_sha256=fetched.metadata_payload.sha256 if fetched.metadata_payload else None,
            recorded_at=now,
        )
        report.load_status[number] = status
        if status != "unchanged":
            new_documents.append(number)
            report.changes.update(change.action for change in outcome.parsed.changes)
            report.warnings.extend((number, w.code, w.message) for w in outcome.parsed.warnings)
    return new_documents


def _ingest_csl(
    wh: Warehouse,
    settings: Settings,
    payload: ArchivedPayload,
    request: RunRequest,
    report: RunReport,
    *,
    now: dt.datetime,
) -> bool:
    """Ingest the downloaded list; True when any list got a new (current or held) snapshot."""
    from regwatch.csl.ingest import ingest_csl

    outcome = ingest_csl(
        wh,
        Path(payload.path),
        content_sha256=payload.sha256,
        as_of=payload.fetched_at.astimezone(FR_TIMEZONE).date(),
        recorded_at=now,
        accept_drop=request.accept_drop,
        max_drop=settings.csl_max_drop,
    )
    report.csl_status = outcome.summary()
    report.csl_details = outcome.detail_lines()
    if outcome.held:
        names = ", ".join(h.list for h in outcome.held)
        report.csl_hold_notice = (
            payload.sha256,
            f"regwatch: screening list snapshot held back ({names})",
            "\n".join(
                [
                    "A new consolidated screening list download drops too many entries and "
                    "was stored but NOT made current.",
                    *outcome.detail_lines(),
                    "Accept it with `regwatch ingest-csl --accept-drop` once verified.",
                ]
            ),
        )
    return any(item.status != "unchanged" for item in outcome.lists)


def _settle_holds(
    wh: Warehouse, request: RunRequest, report: RunReport, *, now: dt.datetime
) -> bool:
    """Accept held snapshots when asked (--accept-drop); otherwise keep reporting them."""
    from regwatch.csl.ingest import accept_pending, pending_holds

    accepted = accept_pending(wh, recorded_at=now) if request.accept_drop else []
    for item in accepted:
        report.csl_details.append(
            f"accepted held snapshot {item.snapshot_id} of {item.list} ({item.entry_count})"
        )
    report.csl_held = [
        f"{hold['list']} snapshot {hold['snapshot_id']}" for hold in pending_holds(wh)
    ]
    for held in report.csl_held:
        report.csl_details.append(
            f"HELD: {held} drops too many entries; verify, then rerun with --accept-drop"
        )
    return bool(accepted)


def _reconcile(wh: Warehouse, report: RunReport, *, now: dt.datetime) -> None:
    """Compare the FR-replayed Entity List with the official one whenever either changed."""
    from regwatch.csl.ingest import reconcile_warehouse

    if not wh.con.execute(HAS_BOTH_SOURCES).fetchall()[0][0]:
        return
    stored = reconcile_warehouse(wh, recorded_at=now)
    counts = {k: v for k, v in stored.report.counts().items() if v}
    detail = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no differences"
    report.reconciliation = f"as of {stored.as_of}: {detail} (regwatch reconcile shows them)"


def _enqueue_alerts(
    wh: Warehouse,
    new_documents: Sequence[str],
    network: NetworkResult,
    report: RunReport,
    *,
    now: dt.datetime,
) -> None:
    from regwatch.alerts import SmtpSettings, enqueue_fr_changes, enqueue_upcoming, groups_from_env

    groups = groups_from_env(smtp=SmtpSettings.from_env())
    queued = enqueue_fr_changes(wh.con, new_documents, groups, now=now)
    if network.public_inspection:
        queued += enqueue_upcoming(wh.con, network.public_inspection, groups, now=now)
    if report.csl_hold_notice is not None:
        key, subject, body = report.csl_hold_notice
        queued += enqueue_notice_of_hold(wh, key, subject, body, groups, now=now)
    report.alerts_queued = queued


def enqueue_notice_of_hold(
    wh: Warehouse,
    key: str,
    subject: str,
    body: str,
    groups: Sequence[Any],
    *,
    now: dt.datetime,
) -> int:
    from regwatch.alerts import enqueue_notice

    return enqueue_notice(wh.con, "csl_snapshot_held", key, subject, body, groups, now=now)


def _advance_cursors(wh: Warehouse, context: RunContext, network: NetworkResult) -> None:
    published = [
        str(o.fetched.metadata["publication_date"])
        for o in network.documents
        if o.fetched.metadata and o.fetched.metadata.get("publication_date")
    ]
    if published:
        previous = wh.get_cursor(FR_CURSOR)
        latest = max(published)
        if previous is None or latest > previous:
            wh.set_cursor(FR_CURSOR, latest)
    if network.csl_payload is not None:
        if network.csl_payload.etag:
            wh.set_cursor(CSL_ETAG_CURSOR, network.csl_payload.etag)
        if network.csl_payload.last_modified:
            wh.set_cursor(CSL_LAST_MODIFIED_CURSOR, network.csl_payload.last_modified)


def outbox_dir() -> Path:
    from regwatch.alerts import DEFAULT_OUTBOX_DIR

    return Path(os.environ.get("REGWATCH_OUTBOX_DIR") or DEFAULT_OUTBOX_DIR)


def deliver_alerts(settings: Settings, request: RunRequest, report: RunReport) -> RunReport:
    """Send what the outbox holds (this run's alerts and any left queued by earlier runs).

    Each outbox step opens the warehouse for a short transaction of its own, so the file is
    not held while the SMTP server talks.
    """
    from regwatch import runs
    from regwatch.alerts import SmtpSettings, deliver_pending

    if not request.send_alerts:
        return report

    @contextmanager
    def connection() -> Iterator[Any]:
        with Warehouse.open(settings.db_path, lock_timeout=settings.lock_timeout_seconds) as wh:
            yield wh.con

    delivery = deliver_pending(
        connection,
        SmtpSettings.from_env(),
        dry_run=request.email_dry_run,
        outbox_dir=outbox_dir(),
        now=_utcnow(),
    )
    with (
        Warehouse.open(settings.db_path, lock_timeout=settings.lock_timeout_seconds) as wh,
        wh.transaction(),
    ):
        runs.set_alerts_sent(wh.con, report.run_id, delivery.sent)
    report.alerts_sent = delivery.sent
    report.alerts_detail = _describe_delivery(delivery)
    return report


def _describe_delivery(delivery: Any) -> str:
    if delivery.mode == "disabled":
        return f"{delivery.queued} alerts queued: no SMTP host configured (REGWATCH_SMTP_HOST)"
    if delivery.mode == "dry_run":
        files = [b.eml_path for b in delivery.batches if b.eml_path]
        return f"dry run: {len(files)} .eml files written to {outbox_dir()}, nothing sent"
    text = f"{delivery.emails_sent} emails sent, {delivery.queued} alerts still queued"
    return text + (f" ({delivery.error})" if delivery.error else "")


def record_failure(settings: Settings, report: RunReport, error: BaseException) -> None:
    """Best effort: mark the run failed in its own short transaction (the load rolled back)."""
    from regwatch import runs

    report.status = "failed"
    report.error = f"{type(error).__name__}: {error}"
    try:
        with (
            Warehouse.open(settings.db_path, lock_timeout=settings.lock_timeout_seconds) as wh,
            wh.transaction(),
        ):
            runs.finish(wh.con, report, finished_at=_utcnow())
    except RegwatchError:
        log.exception("could not record the failure of run %s", report.run_id)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class StageTimer:
    """Collects wall time per stage into the report (shown in `runs.timings`)."""

    def __init__(self, report: RunReport) -> None:
        self.report = report

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self.report.timings[stage] = round(self.report.timings.get(stage, 0.0) + elapsed, 3)


@dataclass(frozen=True, slots=True)
class Steps:
    """The stages of a run. `run_nightly` calls these; the Prefect flow passes task versions."""

    begin_run: Callable[..., RunContext] = begin_run
    discover: Callable[[Clients, dt.date, dt.date], list[str]] = discover
    fetch_document: Callable[[Clients, str], FetchedDocument] = fetch_document
    parse: Callable[[FetchedDocument, RawArchive], DocumentOutcome] = parse_fetched
    fetch_public_inspection: Callable[
        [Clients], tuple[list[Mapping[str, Any]], ArchivedPayload]
    ] = fetch_public_inspection
    fetch_csl: Callable[[Clients, RunContext], ArchivedPayload | None] = fetch_csl
    load: Callable[..., RunReport] = load
    deliver_alerts: Callable[[Settings, RunRequest, RunReport], RunReport] = deliver_alerts


def run_network_phase(
    clients: Clients,
    context: RunContext,
    request: RunRequest,
    report: RunReport,
    *,
    steps: Steps,
    progress: Callable[[str], None] | None = None,
) -> NetworkResult:
    """Discover, fetch and parse without touching the warehouse."""
    timer = StageTimer(report)
    outcomes: list[DocumentOutcome] = []
    extra: list[ArchivedPayload] = []
    if "federal_register" in request.sources:
        with timer("discover"):
            report.discovered = steps.discover(clients, context.since, context.until)
        # Quarantined documents outside the window are retried too (e.g. after a parser fix).
        retries = [n for n in context.retry_documents if n not in report.discovered]
        for number in [*report.discovered, *retries]:
            if progress:
                progress(number)
            with timer("fetch"):
                fetched = steps.fetch_document(clients, number)
            with timer("parse"):
                outcomes.append(steps.parse(fetched, clients.archive))
            crash_point("network:after-first-document")
    public_inspection: list[Mapping[str, Any]] = []
    if request.send_alerts and "federal_register" in request.sources:
        with timer("public_inspection"):
            public_inspection, pi_payload = steps.fetch_public_inspection(clients)
            extra.append(pi_payload)
    csl_payload = None
    if "csl" in request.sources:
        with timer("csl_download"):
            csl_payload = steps.fetch_csl(clients, context)
    return NetworkResult(
        documents=tuple(outcomes),
        csl_payload=csl_payload,
        csl_not_modified="csl" in request.sources and csl_payload is None,
        public_inspection=tuple(public_inspection),
        extra_payloads=tuple(extra),
    )


def run_nightly(
    settings: Settings,
    request: RunRequest,
    *,
    transport: httpx.BaseTransport | None = None,
    progress: Callable[[str], None] | None = None,
    steps: Steps | None = None,
) -> RunReport:
    """The whole run: begin -> network phase -> one-transaction load -> alert delivery."""
    steps = steps or Steps()
    context = steps.begin_run(settings, request, now=_utcnow())
    report = RunReport(run_id=context.run_id, since=context.since, until=context.until)
    timer = StageTimer(report)
    try:
        with open_clients(settings, transport=transport) as clients:
            network = run_network_phase(
                clients, context, request, report, steps=steps, progress=progress
            )
        with timer("load"):
            report = steps.load(settings, context, request, network, report, now=_utcnow())
    except BaseException as exc:
        record_failure(settings, report, exc)
        raise
    with timer("alerts"):
        report = steps.deliver_alerts(settings, request, report)
    return report
