"""Prefect flow `nightly`: discover -> fetch -> parse -> load -> alert, as thin tasks.

All the work is in `regwatch.pipeline`; this module only adds what Prefect is for: task retries
on network steps, caching of parses keyed on content hashes (never on time), logs in the Prefect
UI, and a markdown + table artifact per run listing new, revised and removed designations.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "regwatch")

import httpx
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import TaskRunContext

from regwatch import __version__, pipeline
from regwatch.config import Settings
from regwatch.models import SourceName
from regwatch.pipeline import (
    Clients,
    DocumentOutcome,
    FetchedDocument,
    NetworkResult,
    RunContext,
    RunReport,
    RunRequest,
)

NETWORK_RETRIES = 2
NETWORK_RETRY_DELAYS = [10, 60]


def _parse_cache_key(context: TaskRunContext, parameters: dict[str, Any]) -> str | None:
    """Same bytes + same parser version -> same rows: reuse the earlier parse."""
    fetched: FetchedDocument = parameters["fetched"]
    if fetched.text_payload is None or fetched.metadata_payload is None:
        return None
    key = f"{__version__}|{fetched.metadata_payload.sha256}|{fetched.text_payload.sha256}"
    return "regwatch-parse-" + hashlib.sha256(key.encode()).hexdigest()


@task(name="begin-run", cache_policy=NO_CACHE)
def begin_run_task(settings: Settings, request: RunRequest) -> RunContext:
    return pipeline.begin_run(settings, request, now=dt.datetime.now(dt.UTC))


@task(
    name="discover",
    retries=NETWORK_RETRIES,
    retry_delay_seconds=NETWORK_RETRY_DELAYS,
    cache_policy=NO_CACHE,
)
def discover_task(clients: Clients, since: dt.date, until: dt.date) -> list[str]:
    return pipeline.discover(clients, since, until)


@task(
    name="fetch",
    task_run_name="fetch-{document_number}",
    retries=NETWORK_RETRIES,
    retry_delay_seconds=NETWORK_RETRY_DELAYS,
    cache_policy=NO_CACHE,
)
def fetch_task(clients: Clients, document_number: str) -> FetchedDocument:
    return pipeline.fetch_document(clients, document_number)


@task(
    name="parse",
    task_run_name="parse-{fetched.document_number}",
    cache_key_fn=_parse_cache_key,
    persist_result=True,
)
def parse_task(fetched: FetchedDocument, archive_dir: str) -> DocumentOutcome:
    from regwatch.archive import RawArchive

    return pipeline.parse_fetched(fetched, RawArchive(Path(archive_dir)))


@task(
    name="fetch-screening-list",
    retries=NETWORK_RETRIES,
    retry_delay_seconds=NETWORK_RETRY_DELAYS,
    cache_policy=NO_CACHE,
)
def fetch_csl_task(clients: Clients, context: RunContext) -> Any:
    return pipeline.fetch_csl(clients, context)


@task(
    name="fetch-public-inspection",
    retries=NETWORK_RETRIES,
    retry_delay_seconds=NETWORK_RETRY_DELAYS,
    cache_policy=NO_CACHE,
)
def fetch_public_inspection_task(clients: Clients) -> Any:
    return pipeline.fetch_public_inspection(clients)


@task(name="load", cache_policy=NO_CACHE)
def load_task(
    settings: Settings,
    context: RunContext,
    request: RunRequest,
    network: NetworkResult,
    report: RunReport,
) -> RunReport:
    return pipeline.load(settings, context, request, network, report, now=dt.datetime.now(dt.UTC))


@task(name="deliver-alerts", retries=1, retry_delay_seconds=30, cache_policy=NO_CACHE)
def deliver_alerts_task(settings: Settings, request: RunRequest, report: RunReport) -> RunReport:
    return pipeline.deliver_alerts(settings, request, report)


def _transport(demo_data_dir: str | None) -> httpx.BaseTransport | None:
    if demo_data_dir is None:
        return None
    from regwatch.demo import OfflineUpstream

    return OfflineUpstream(Path(demo_data_dir)).transport()


@flow(name="nightly", log_prints=False)
def nightly(
    since: dt.date | None = None,
    until: dt.date | None = None,
    sources: list[SourceName] | None = None,
    db_path: str | None = None,
    email_dry_run: bool = False,
    send_alerts: bool = True,
    accept_drop: bool = False,
    fr_base_url: str | None = None,
    csl_base_url: str | None = None,
    demo_data_dir: str | None = None,
    trigger: str = "prefect",
) -> dict[str, Any]:
    """One nightly run. Parameters override the REGWATCH_* environment variables."""
    logger = get_run_logger()
    settings = Settings.from_env().with_overrides(
        db_path=Path(db_path) if db_path else None,
        fr_base_url=fr_base_url,
        csl_base_url=csl_base_url,
    )
    request = RunRequest(
        since=since,
        until=until,
        sources=tuple(sources) if sources else pipeline.ALL_SOURCES,
        email_dry_run=email_dry_run,
        send_alerts=send_alerts,
        accept_drop=accept_drop,
        trigger=trigger,
    )
    context = begin_run_task(settings, request)
    report = RunReport(run_id=context.run_id, since=context.since, until=context.until)
    logger.info(
        "run %s: %s .. %s into %s", context.run_id, context.since, context.until, settings.db_path
    )
    try:
        network = _network_phase(settings, context, request, report, _transport(demo_data_dir))
        report = load_task(settings, context, request, network, report)
    except BaseException as exc:
        pipeline.record_failure(settings, report, exc)
        raise
    report = deliver_alerts_task(settings, request, report)
    for line in report.summary_lines():
        logger.info(line)
    _publish_artifacts(report)
    return {
        "run_id": report.run_id,
        "status": report.status,
        "exit_code": report.exit_code,
        "summary": report.summary_lines(),
    }


def _network_phase(
    settings: Settings,
    context: RunContext,
    request: RunRequest,
    report: RunReport,
    transport: httpx.BaseTransport | None,
) -> NetworkResult:
    outcomes: list[DocumentOutcome] = []
    public_inspection: list[Any] = []
    extra = []
    csl_payload = None
    with pipeline.open_clients(settings, transport=transport) as clients:
        if "federal_register" in request.sources:
            report.discovered = discover_task(clients, context.since, context.until)
            archive_dir = str(settings.resolved_archive_dir)
            for number in report.discovered:
                fetched = fetch_task(clients, number)
                outcomes.append(parse_task(fetched, archive_dir))
            if request.send_alerts:
                public_inspection, pi_payload = fetch_public_inspection_task(clients)
                extra.append(pi_payload)
        if "csl" in request.sources:
            csl_payload = fetch_csl_task(clients, context)
    return NetworkResult(
        documents=tuple(outcomes),
        csl_payload=csl_payload,
        csl_not_modified="csl" in request.sources and csl_payload is None,
        public_inspection=tuple(public_inspection),
        extra_payloads=tuple(extra),
    )


def _publish_artifacts(report: RunReport) -> None:
    rows = [
        {
            "action": d["action"],
            "name": d["name"],
            "country": d["country"],
            "effective_date": str(d["effective_date"]),
            "document": d["document_number"],
            "citation": "; ".join(d["federal_register_citations"] or []),
        }
        for d in report.new_designations
    ]
    order = {"add": 0, "revise": 1, "correct": 2, "remove": 3}
    rows.sort(key=lambda r: (order.get(r["action"], 9), r["country"] or "", r["name"] or ""))
    lines = ["# regwatch nightly run", "", *[f"    {line}" for line in report.summary_lines()]]
    if rows:
        lines += ["", "| action | name | country | effective | document |", "|---|---|---|---|---|"]
        lines += [
            f"| {r['action']} | {r['name']} | {r['country']} | {r['effective_date']} | "
            f"{r['document']} |"
            for r in rows
        ]
    create_markdown_artifact(
        "\n".join(lines), key="nightly-run-summary", description=f"run {report.run_id}"
    )
    if rows:
        create_table_artifact(
            rows,
            key="nightly-run-designations",
            description=f"designations changed by run {report.run_id}",
        )
