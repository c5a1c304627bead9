"""FR API v1 single-document JSON -> `FRDocument`."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from regwatch.errors import ParseError
from regwatch.models import FRDocument

_DOC_NUMBER_IN_URL = re.compile(
    r"/documents/(?:\d{4}/\d{2}/\d{2}/)?([A-Za-z0-9][\w.-]*?)(?:\.json|/|\?|$)"
)


def _date(value: Any, field: str, number: str | None) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise ParseError(f"{field}={value!r} is not an ISO date", document_number=number) from exc


def _int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _correction_of(value: Any) -> str | None:
    """The API gives an URL (".../api/v1/documents/2022-03029.json"); keep the number only."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    m = _DOC_NUMBER_IN_URL.search(text)
    if m:
        return m.group(1)
    return text.rsplit("/", 1)[-1].removesuffix(".json") or None


def _agencies(value: Any) -> tuple[str, ...]:
    slugs: list[str] = []
    for agency in value or ():
        if isinstance(agency, Mapping):
            slug = agency.get("slug") or (
                re.sub(r"[^a-z0-9]+", "-", str(agency.get("name", "")).lower()).strip("-")
            )
            if slug:
                slugs.append(str(slug))
        elif isinstance(agency, str):
            slugs.append(agency)
    return tuple(slugs)


def _cfr_parts(value: Any) -> tuple[str, ...]:
    parts: list[str] = []
    for ref in value or ():
        if (
            isinstance(ref, Mapping)
            and ref.get("title") is not None
            and ref.get("part") is not None
        ):
            label = f"{ref['title']} CFR {ref['part']}"
            if label not in parts:
                parts.append(label)
    return tuple(parts)


def document_from_api_json(data: Mapping[str, Any]) -> FRDocument:
    """Build the metadata record of one document from its FR API v1 JSON."""
    if not isinstance(data, Mapping):
        raise ParseError("FR API document JSON must be an object")
    number = _str(data.get("document_number"))
    if number is None:
        raise ParseError("FR API document JSON has no document_number")
    published = _date(data.get("publication_date"), "publication_date", number)
    if published is None:
        raise ParseError("FR API document JSON has no publication_date", document_number=number)
    return FRDocument(
        document_number=number,
        title=str(data.get("title") or ""),
        type=str(data.get("type") or ""),
        publication_date=published,
        effective_date=_date(data.get("effective_on"), "effective_on", number),
        citation=_str(data.get("citation")),
        volume=_int(data.get("volume")),
        start_page=_int(data.get("start_page")),
        end_page=_int(data.get("end_page")),
        html_url=_str(data.get("html_url")),
        full_text_xml_url=_str(data.get("full_text_xml_url")),
        body_html_url=_str(data.get("body_html_url")),
        json_url=_str(data.get("json_url")),
        abstract=_str(data.get("abstract")),
        action=_str(data.get("action")),
        agencies=_agencies(data.get("agencies")),
        cfr_parts=_cfr_parts(data.get("cfr_references")),
        correction_of=_correction_of(data.get("correction_of")),
        raw=dict(data),
    )
