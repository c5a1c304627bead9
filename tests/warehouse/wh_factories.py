"""Builders for warehouse tests: FR documents and list entries, written by hand."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from regwatch.models import EntityChange, FRDocument, ListEntry, ParsedDocument, ParseWarning

T0 = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.UTC)


def at(days: int) -> dt.datetime:
    """A recorded time `days` after T0."""
    return T0 + dt.timedelta(days=days)


def document(
    number: str,
    effective: str,
    *,
    published: str | None = None,
    citation: str | None = None,
    title: str = "Additions to the Entity List",
) -> FRDocument:
    pub = dt.date.fromisoformat(published or effective)
    return FRDocument(
        document_number=number,
        title=title,
        type="Rule",
        publication_date=pub,
        effective_date=dt.date.fromisoformat(effective),
        citation=citation or f"89 FR {abs(hash(number)) % 90000 + 1000}",
        volume=89,
        start_page=1000,
        end_page=1010,
        html_url=f"https://www.federalregister.gov/d/{number}",
        full_text_xml_url=f"https://www.federalregister.gov/documents/full_text/xml/{number}.xml",
        body_html_url=None,
        json_url=None,
        abstract=None,
        action="Final rule.",
        agencies=("industry-and-security-bureau",),
        cfr_parts=("15 CFR 744",),
        correction_of=None,
    )


def change(action: str, name: str | None, country: str = "CHINA", **kw: Any) -> EntityChange:
    return EntityChange(action=action, country=country, name=name, **kw)  # type: ignore[arg-type]


def parsed(
    number: str,
    effective: str,
    changes: list[EntityChange],
    *,
    warnings: tuple[ParseWarning, ...] = (),
    **doc_kw: Any,
) -> ParsedDocument:
    numbered = tuple(
        EntityChange(**{**_fields(c), "position": i}) for i, c in enumerate(changes, start=1)
    )
    return ParsedDocument(document(number, effective, **doc_kw), numbered, warnings)


def _fields(c: EntityChange) -> dict[str, Any]:
    return {f: getattr(c, f) for f in EntityChange.__slots__}  # type: ignore[attr-defined]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def content_sha(doc: ParsedDocument) -> str:
    return sha(repr(doc.changes) + repr(doc.document))


def entry(name: str, country: str = "CN", **kw: Any) -> ListEntry:
    return ListEntry(
        list=kw.pop("list", "entity_list"), source="csl", name=name, country=country, **kw
    )
