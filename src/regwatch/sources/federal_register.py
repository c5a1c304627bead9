"""Federal Register API v1: Entity List rule discovery, document JSON, full text, public inspection.

The search endpoint can only page through a bounded window of results (50 pages, 10,000 results
on the real API) and silently serves page 1 again beyond it. So the client never counts pages
until an empty one: it follows ``next_page_url`` (at most ``total_pages`` times) and, when
``count`` exceeds what ``total_pages * per_page`` can reach, splits the date range in halves and
recurses.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from regwatch.archive import RawArchive
from regwatch.errors import SourceError
from regwatch.models import ArchivedPayload
from regwatch.sources.http import HttpClient

log = logging.getLogger(__name__)

BIS_AGENCY_SLUG = "industry-and-security-bureau"
MAX_PER_PAGE = 1000
MIN_PER_PAGE = 2  # the API silently turns per_page outside 2..1000 into 20
MAX_PAGES = 50  # the API silently serves page 1 for any page above 50
RESCANS = 2  # re-read a date range whose listing came up short (documents moved while paging)

#: Conditions of the Entity List rule search (15 CFR 744, BIS, final rules).
DEFAULT_CONDITIONS: Mapping[str, str | Sequence[str]] = {
    "conditions[agencies][]": (BIS_AGENCY_SLUG,),
    "conditions[cfr][title]": "15",
    "conditions[cfr][part]": "744",
    "conditions[type][]": ("RULE",),
}

#: Result fields requested from search: the default ones plus what the pipeline needs next.
SEARCH_FIELDS: tuple[str, ...] = (
    "title",
    "type",
    "abstract",
    "action",
    "document_number",
    "html_url",
    "pdf_url",
    "json_url",
    "full_text_xml_url",
    "body_html_url",
    "publication_date",
    "effective_on",
    "citation",
    "volume",
    "start_page",
    "end_page",
    "correction_of",
    "agencies",
    "cfr_references",
)

ConditionValue = str | Sequence[str] | None


class FederalRegisterClient:
    """Client of the FR API v1 (and full-text files) rooted at ``base_url``.

    Every fetched body (search pages included) is kept in ``archive``.
    """

    def __init__(self, http: HttpClient, base_url: str, archive: RawArchive) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.archive = archive

    # -- search --------------------------------------------------------------------------

    def search(
        self,
        since: dt.date,
        until: dt.date,
        *,
        per_page: int = MAX_PER_PAGE,
        types: Sequence[str] | None = None,
        conditions: Mapping[str, ConditionValue] | None = None,
        fields: Sequence[str] = SEARCH_FIELDS,
    ) -> list[dict[str, Any]]:
        """Search results published in ``since..until`` (inclusive), sorted by date and number.

        ``types`` replaces the document types (default ``("RULE",)``; e.g. add ``"PRORULE"``).
        ``conditions`` overrides or adds query conditions by their full parameter name, e.g.
        ``{"conditions[term]": "entity list"}``; a value of None drops a default one.
        """
        if until < since:
            raise ValueError(f"search range is empty: {since} > {until}")
        if not MIN_PER_PAGE <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be in {MIN_PER_PAGE}..{MAX_PER_PAGE}, got {per_page}")
        merged: dict[str, ConditionValue] = {**DEFAULT_CONDITIONS}
        if types is not None:
            merged["conditions[type][]"] = tuple(types)
        merged.update(conditions or {})
        base_params = _to_params(merged, fields, per_page)
        found: dict[str, dict[str, Any]] = {}
        self._search_range(since, until, base_params, per_page, found)
        results = sorted(
            found.values(),
            key=lambda r: (str(r.get("publication_date") or ""), str(r["document_number"])),
        )
        log.info("FR search %s..%s: %d documents", since, until, len(results))
        return results

    def _search_range(
        self,
        since: dt.date,
        until: dt.date,
        base_params: list[tuple[str, str]],
        per_page: int,
        found: dict[str, dict[str, Any]],
    ) -> None:
        params = [
            *base_params,
            ("conditions[publication_date][gte]", since.isoformat()),
            ("conditions[publication_date][lte]", until.isoformat()),
        ]
        for scan in range(1 + RESCANS):
            page = self._get_json(f"{self.base_url}/api/v1/documents.json", params=params)
            count = _int_field(page, "count")
            if count == 0:
                return
            reachable = _int_field(page, "total_pages") * per_page
            if count > reachable:
                self._split(since, until, count, reachable, base_params, per_page, found)
                return
            seen, count = self._page_through(page, found)
            if len(seen) >= count:
                return
            log.warning(
                "FR search %s..%s: API reported %d documents but %d were listed "
                "(documents changed while paging?); scan %d of %d",
                since,
                until,
                count,
                len(seen),
                scan + 1,
                1 + RESCANS,
            )

    def _split(
        self,
        since: dt.date,
        until: dt.date,
        count: int,
        reachable: int,
        base_params: list[tuple[str, str]],
        per_page: int,
        found: dict[str, dict[str, Any]],
    ) -> None:
        """Halve the date range and search both halves (the window cannot reach every result)."""
        if since == until:
            raise SourceError(
                f"FR search for {since} matches {count} documents but only {reachable} can "
                "be paged and a single day cannot be split further; narrow the conditions"
            )
        middle = since + (until - since) // 2
        log.info(
            "FR search %s..%s: count %d exceeds the %d reachable results; splitting at %s",
            since,
            until,
            count,
            reachable,
            middle,
        )
        self._search_range(since, middle, base_params, per_page, found)
        self._search_range(middle + dt.timedelta(days=1), until, base_params, per_page, found)

    def _page_through(
        self, page: dict[str, Any], found: dict[str, dict[str, Any]]
    ) -> tuple[set[str], int]:
        """Collect results following next_page_url, at most total_pages pages (as last reported).

        Returns the document numbers seen and the last reported count.
        """
        seen: set[str] = set()
        pages_read = 1
        while True:
            for result in _results(page):
                number = str(result["document_number"])
                seen.add(number)
                found.setdefault(number, result)
            count = _int_field(page, "count")
            next_url = page.get("next_page_url")
            if not next_url or pages_read >= min(_int_field(page, "total_pages"), MAX_PAGES):
                return seen, count
            page = self._get_json(str(next_url))
            pages_read += 1

    # -- documents -----------------------------------------------------------------------

    def fetch_document(self, document_number: str) -> tuple[dict[str, Any], ArchivedPayload]:
        """The document's API JSON (all default fields) and its archived bytes."""
        number = document_number.strip()
        url = f"{self.base_url}/api/v1/documents/{quote(number, safe='')}.json"
        data, payload = self._get_archived_json(url)
        if not isinstance(data, dict) or "document_number" not in data:
            raise SourceError(f"{url} did not return a document JSON object (got {_kind(data)})")
        return data, payload

    def fetch_full_text(self, url: str) -> ArchivedPayload:
        """Archive a document's full text (``full_text_xml_url`` or ``body_html_url``).

        A 404 raises :class:`SourceError` (via ``UpstreamStatusError``).
        """
        absolute = self._absolute(url)
        response = self.http.get(absolute)
        return self._archive_response(response)

    # -- public inspection ---------------------------------------------------------------

    def public_inspection_current(self) -> tuple[list[dict[str, Any]], ArchivedPayload]:
        """Documents on public inspection now (filed, not yet published)."""
        url = f"{self.base_url}/api/v1/public-inspection-documents/current.json"
        data, payload = self._get_archived_json(url)
        if not isinstance(data, dict):
            raise SourceError(f"{url} did not return a JSON object (got {_kind(data)})")
        results = data.get("results") or []
        if not isinstance(results, list):
            raise SourceError(f"{url}: 'results' is {_kind(results)}, not a list")
        return [r for r in results if isinstance(r, dict)], payload

    # -- helpers -------------------------------------------------------------------------

    def _absolute(self, url: str) -> str:
        return url if "://" in url else f"{self.base_url}/{url.lstrip('/')}"

    def _get_json(self, url: str, *, params: list[tuple[str, str]] | None = None) -> dict[str, Any]:
        response = self.http.get(url, params=params)
        self._archive_response(response)
        data = _decode_json(response.content, str(response.url))
        if not isinstance(data, dict):
            raise SourceError(f"{response.url} did not return a JSON object (got {_kind(data)})")
        return data

    def _get_archived_json(self, url: str) -> tuple[Any, ArchivedPayload]:
        response = self.http.get(url)
        payload = self._archive_response(response)
        return _decode_json(response.content, url), payload

    def _archive_response(self, response: httpx.Response) -> ArchivedPayload:
        return self.archive.put_bytes(
            response.content,
            url=str(response.url),
            status=response.status_code,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            content_type=response.headers.get("Content-Type"),
        )


def entity_list_inspection_items(items: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Public-inspection items from BIS that mention the Entity List (early-warning candidates)."""
    selected = []
    for item in items:
        agencies = item.get("agencies") or []
        slugs = {a.get("slug") for a in agencies if isinstance(a, Mapping)}
        names = {str(n).lower() for n in item.get("agency_names") or []}
        from_bis = BIS_AGENCY_SLUG in slugs or "industry and security bureau" in names
        text = " ".join(
            str(item.get(k) or "") for k in ("title", "toc_doc", "toc_subject", "subject_1")
        )
        if from_bis and "entity list" in text.lower():
            selected.append(item)
    return selected


def _to_params(
    conditions: Mapping[str, ConditionValue], fields: Sequence[str], per_page: int
) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    for key, value in conditions.items():
        if value is None:
            continue
        values = [value] if isinstance(value, str) else list(value)
        params.extend((key, str(v)) for v in values)
    params.extend(("fields[]", f) for f in fields)
    params.append(("per_page", str(per_page)))
    params.append(("order", "oldest"))
    return params


def _results(page: Mapping[str, Any]) -> list[dict[str, Any]]:
    results = page.get("results") or []
    if not isinstance(results, list):
        raise SourceError(f"FR search page has 'results' of type {_kind(results)}")
    out = []
    for result in results:
        if not isinstance(result, dict) or not result.get("document_number"):
            raise SourceError(f"FR search result without a document_number: {result!r:.200}")
        out.append(result)
    return out


def _int_field(page: Mapping[str, Any], key: str) -> int:
    value = page.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SourceError(f"FR search response has {key}={value!r}, expected an integer")
    return value


def _decode_json(body: bytes, url: str) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(f"{url} returned invalid JSON: {exc}") from exc


def _kind(value: object) -> str:
    return type(value).__name__
