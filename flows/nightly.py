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
from regwatch.pipeline import FetchedDocument, RunReport, RunRequest

NETWORK_RETRIES = 2
NETWORK_RETRY_DELAYS = [10, 60]


def _parse_cache_key(context: TaskRunContext, parameters: dict[str, Any]) -> str | None:
    """Same bytes + same parser version -> same rows: reuse the earlier parse."""
    fetched: FetchedDocument = parameters["fetched"]
    if fetched.text_payload is None or fetched.metadata_payload is None:
        return None
    key = f"{__version__}|{fetched.metadata_payload.sha256}|{fetched.text_payload.sha256}"
    return "regwatch-parse-" + hashlib.sha256(key.encode()).hexdigest()


def _network_task(name: str, fn: Any, **options: Any) -> Any:
    return task(
        fn,
        name=name,
        retries=NETWORK_RETRIES,
        retry_delay_seconds=NETWORK_RETRY_DELAYS,
        cache_policy=NO_CACHE,
        **options,
    )


# The library's own stage functions, as Prefect tasks: retries on network steps, parses cached
# on content hashes, everything else run once and observed.
PREFECT_STEPS = pipeline.Steps(
    begin_run=task(pipeline.begin_run, name="begin-run", cache_policy=NO_CACHE),
    discover=_network_task("discover", pipeline.discover),
    fetch_document=_network_task(
        "fetch", pipeline.fetch_document, task_run_name="fetch-{document_number}"
    ),
    parse=task(
        pipeline.parse_fetched,
        name="parse",
        task_run_name="parse-{fetched.document_number}",
        cache_key_fn=_parse_cache_key,
        persist_result=True,
    ),
    fetch_public_inspection=_network_task(
        "fetch-public-inspection", pipeline.fetch_public_inspection
    ),
    fetch_csl=_network_task("fetch-screening-list", pipeline.fetch_csl),
    load=task(pipeline.load, name="load", cache_policy=NO_CACHE),
    deliver_alerts=task(
        pipeline.deliver_alerts,
        name="deliver-alerts",
        retries=1,
        retry_delay_seconds=30,
        cache_policy=NO_CACHE,
    ),
)


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
    report = pipeline.run_nightly(
        settings, request, transport=_transport(demo_data_dir), steps=PREFECT_STEPS
    )
    for line in report.summary_lines():
        logger.info(line)
    _publish_artifacts(report)
    return {
        "run_id": report.run_id,
        "status": report.status,
        "exit_code": report.exit_code,
        "summary": report.summary_lines(),
    }


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
