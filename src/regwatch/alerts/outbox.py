"""Queue alerts in the outbox: one row per (designation, recipient), inserted at most once.

The enqueue functions run inside the caller's transaction (the warehouse load), so an alert
exists exactly when the data it announces was committed. A designation key derived from the
content (not from row ids or parse positions) makes re-running a load, or re-parsing a
document, enqueue nothing new.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from regwatch.alerts.config import RecipientGroup
from regwatch.alerts.schema import ensure_outbox

log = logging.getLogger(__name__)

ENTITY_LIST = "entity_list"
BIS_AGENCY_SLUG = "industry-and-security-bureau"
FR_LINK = "https://www.federalregister.gov/d/{document_number}"

SELECT_FR_CHANGES = """
SELECT c.document_number, c.publication_date, c.effective_date, c.action, c.country, c.name,
       c.previous_name, c.aliases, c.addresses, c.license_requirement, c.license_review_policy,
       c.federal_register_citations, c.footnotes, c.position,
       d.title, d.type, d.publication_date AS doc_publication_date,
       d.effective_date AS doc_effective_date, d.citation, d.start_page, d.end_page, d.html_url
FROM entity_changes AS c
LEFT JOIN fr_documents AS d ON d.document_number = c.document_number
WHERE c.document_number IN (SELECT unnest(?::VARCHAR[]))
ORDER BY c.publication_date, c.document_number, c.position
"""

STAGING = "_regwatch_alert_staging"
_COLUMNS = (
    "designation_key",
    "recipient",
    "group_name",
    "kind",
    "list_name",
    "document_number",
    "country",
    "name",
    "payload",
)
# Bulk insert from a registered Arrow table: row-by-row executemany is ~10 ms per row.
INSERT_ALERTS = f"""
INSERT INTO alert_outbox ({", ".join(_COLUMNS)}, created_at)
SELECT {", ".join(_COLUMNS)}, ?::TIMESTAMPTZ FROM {STAGING}
ON CONFLICT (designation_key, recipient) DO NOTHING
"""  # noqa: S608 - constant identifiers only; values are bound or come from Arrow

COUNT_ALERTS = "SELECT count(*) FROM alert_outbox"

PUBLISHED_DOCUMENTS = """
SELECT document_number FROM fr_documents WHERE document_number IN (SELECT unnest(?::VARCHAR[]))
"""

TABLE_EXISTS = "SELECT count(*) FROM information_schema.tables WHERE table_name = ?"  # views too


@dataclass(frozen=True, slots=True)
class Alert:
    """One thing to tell recipients, before fan-out to the groups that want it."""

    key: str
    kind: str  # add | revise | correct | remove | upcoming | notice
    list_name: str | None
    document_number: str | None
    country: str | None
    name: str | None
    names: tuple[str, ...]  # name, previous name, aliases: what name patterns look at
    payload: Mapping[str, Any]


def _norm(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def designation_key(*parts: str | None) -> str:
    """sha256 over normalized parts: stable across re-parses, reloads and row ids."""
    joined = "\x1f".join(_norm(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def document_link(document_number: str, html_url: str | None = None) -> str:
    """The document's page on federalregister.gov (never an emulator or mirror URL)."""
    if html_url and re.match(r"^https://(www\.)?federalregister\.gov/", html_url):
        return html_url
    return FR_LINK.format(document_number=document_number)


def _date(value: object) -> str | None:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value) if value not in (None, "") else None


def _list(value: object) -> list[str]:
    if not isinstance(value, list | tuple):
        return []
    return [str(v) for v in value if v not in (None, "")]


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> int:
    """One integer; fetchall() so the result is complete (DuckDB 2 rejects pending results)."""
    rows = con.execute(sql, params or []).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def _fan_out(
    con: duckdb.DuckDBPyConnection,
    alerts: Iterable[Alert],
    groups: Sequence[RecipientGroup],
    wants: Callable[[RecipientGroup, Alert], bool],
    now: dt.datetime,
) -> int:
    """Insert (alert, recipient) rows for every group that wants the alert; return new rows."""
    ensure_outbox(con)
    before = _scalar(con, COUNT_ALERTS)
    rows: dict[tuple[str, str], tuple[str | None, ...]] = {}
    for alert in alerts:
        taken: set[str] = set()  # a recipient in two groups gets it once, via the first
        for group in groups:
            if not wants(group, alert):
                continue
            for recipient in group.recipients:
                address = recipient.lower()
                if address in taken:
                    continue
                taken.add(address)
                rows.setdefault(
                    (alert.key, address),
                    (
                        alert.key,
                        address,
                        group.name,
                        alert.kind,
                        alert.list_name,
                        alert.document_number,
                        alert.country,
                        alert.name,
                        json.dumps(dict(alert.payload), sort_keys=True, ensure_ascii=False),
                    ),
                )
    if rows:
        _bulk_insert(con, list(rows.values()), now)
    after = _scalar(con, COUNT_ALERTS)
    inserted = after - before
    log.info("outbox: %d new alert rows (%d candidates)", inserted, len(rows))
    return int(inserted)


def _bulk_insert(
    con: duckdb.DuckDBPyConnection, rows: list[tuple[str | None, ...]], now: dt.datetime
) -> None:
    import pyarrow as pa

    columns = list(zip(*rows, strict=True))
    table = pa.table(
        {
            name: pa.array(values, pa.string())
            for name, values in zip(_COLUMNS, columns, strict=True)
        }
    )
    con.register(STAGING, table)
    try:
        con.execute(INSERT_ALERTS, [now])
    finally:
        con.unregister(STAGING)


def _wants_designation(group: RecipientGroup, alert: Alert) -> bool:
    return group.matches(country=alert.country, names=alert.names, list_name=alert.list_name)


def fr_change_alerts(
    con: duckdb.DuckDBPyConnection, document_numbers: Sequence[str]
) -> list[Alert]:
    """Alerts for the Entity List changes of these FR documents (entity_changes x fr_documents)."""
    cur = con.execute(SELECT_FR_CHANGES, [list(document_numbers)])
    columns = [d[0] for d in cur.description]
    alerts: list[Alert] = []
    for values in cur.fetchall():
        r = dict(zip(columns, values, strict=True))
        doc = str(r["document_number"])
        action = str(r["action"])
        aliases = _list(r["aliases"])
        payload = {
            "kind": action,
            "document_number": doc,
            "publication_date": _date(r["publication_date"] or r["doc_publication_date"]),
            "effective_date": _date(r["effective_date"] or r["doc_effective_date"]),
            "country": r["country"],
            "name": r["name"],
            "previous_name": r["previous_name"],
            "aliases": aliases,
            "addresses": _list(r["addresses"]),
            "license_requirement": r["license_requirement"],
            "license_review_policy": r["license_review_policy"],
            "federal_register_citations": _list(r["federal_register_citations"]),
            "footnotes": _list(r["footnotes"]),
            "position": r["position"],
            "title": r["title"],
            "citation": r["citation"],
            "link": document_link(doc, r["html_url"]),
        }
        alerts.append(
            Alert(
                key=designation_key("fr", doc, action, r["country"], r["name"]),
                kind=action,
                list_name=ENTITY_LIST,
                document_number=doc,
                country=r["country"],
                name=r["name"],
                names=tuple(n for n in (r["name"], r["previous_name"], *aliases) if n),
                payload=payload,
            )
        )
    return alerts


def enqueue_fr_changes(
    con: duckdb.DuckDBPyConnection,
    document_numbers: Sequence[str],
    groups: Sequence[RecipientGroup],
    *,
    now: dt.datetime,
) -> int:
    """Queue one alert per (Entity List change, matching recipient); returns rows added.

    Runs in the caller's transaction. Idempotent: an already queued or sent alert is skipped.
    """
    if not document_numbers:
        return 0
    alerts = fr_change_alerts(con, document_numbers)
    return _fan_out(con, alerts, groups, _wants_designation, now)


def is_entity_list_amendment(doc: Mapping[str, Any]) -> bool:
    """A public-inspection record that is a BIS rule about the Entity List."""
    agencies = doc.get("agencies") or []
    slugs = {str(a.get("slug", "")) for a in agencies if isinstance(a, Mapping)}
    names = {str(a.get("name", "")) for a in agencies if isinstance(a, Mapping)}
    names |= {str(n) for n in doc.get("agency_names") or []}
    bis = BIS_AGENCY_SLUG in slugs or any("industry and security" in n.lower() for n in names)
    text = " ".join(
        str(doc.get(k) or "") for k in ("title", "toc_subject", "toc_doc", "subject_1", "subject_2")
    )
    kind = str(doc.get("type") or "Rule")
    return bis and kind == "Rule" and "entity list" in text.lower()


def _wants_upcoming(group: RecipientGroup, alert: Alert) -> bool:
    if group.upcoming is not None:
        return group.upcoming and (not group.lists or ENTITY_LIST in group.lists)
    return (
        not group.countries
        and not group.name_patterns
        and (not group.lists or ENTITY_LIST in group.lists)
    )


def enqueue_upcoming(
    con: duckdb.DuckDBPyConnection,
    pi_documents: Sequence[Mapping[str, Any]],
    groups: Sequence[RecipientGroup],
    *,
    now: dt.datetime,
) -> int:
    """One "upcoming" alert per BIS Entity List rule on public inspection, before publication.

    Documents already in `fr_documents` (published) are skipped; the key is the document
    number, so the alert goes out once however many nights the document stays on inspection.
    """
    candidates = [
        d for d in pi_documents if d.get("document_number") and is_entity_list_amendment(d)
    ]
    if not candidates:
        return 0
    published: set[str] = set()
    if _scalar(con, TABLE_EXISTS, ["fr_documents"]):
        numbers = [str(d["document_number"]) for d in candidates]
        published = {str(r[0]) for r in con.execute(PUBLISHED_DOCUMENTS, [numbers]).fetchall()}
    alerts = []
    for d in candidates:
        doc = str(d["document_number"])
        if doc in published:
            continue
        payload = {
            "kind": "upcoming",
            "document_number": doc,
            "title": d.get("title"),
            "publication_date": _date(d.get("publication_date")),
            "filed_at": d.get("filed_at"),
            "num_pages": d.get("num_pages"),
            "pdf_url": d.get("pdf_url"),
            "link": f"https://www.federalregister.gov/public-inspection/{doc}",
        }
        alerts.append(
            Alert(
                key=designation_key("upcoming", doc),
                kind="upcoming",
                list_name=ENTITY_LIST,
                document_number=doc,
                country=None,
                name=str(d.get("title") or ""),
                names=(),
                payload=payload,
            )
        )
    return _fan_out(con, alerts, groups, _wants_upcoming, now)


def _wants_notice(group: RecipientGroup, alert: Alert) -> bool:
    return group.notices


def enqueue_notice(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    key: str,
    subject: str,
    body: str,
    groups: Sequence[RecipientGroup],
    *,
    now: dt.datetime,
) -> int:
    """An operational alert (e.g. the CSL mass-deletion guard), once per (kind, key).

    Goes to groups with `notices = true` (the default group has it).
    """
    if not any(g.notices for g in groups):
        log.warning("notice %s/%s has no recipients: no group has notices = true", kind, key)
    alert = Alert(
        key=designation_key("notice", kind, key),
        kind="notice",
        list_name=None,
        document_number=None,
        country=None,
        name=subject,
        names=(),
        payload={
            "kind": "notice",
            "notice_kind": kind,
            "key": key,
            "subject": subject,
            "body": body,
        },
    )
    return _fan_out(con, [alert], groups, _wants_notice, now)
