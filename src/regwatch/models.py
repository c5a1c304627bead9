"""The records that flow between stages: fetch -> archive -> parse -> load -> snapshot -> alert.

They are plain frozen dataclasses so every stage can be used and tested without the others,
and without Prefect.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Action = Literal["add", "revise", "remove", "correct"]
ACTIONS: tuple[Action, ...] = ("add", "revise", "remove", "correct")

ListName = Literal["entity_list", "denied_persons", "unverified", "military_end_user"]
LIST_NAMES: tuple[ListName, ...] = (
    "entity_list",
    "denied_persons",
    "unverified",
    "military_end_user",
)

SourceName = Literal["federal_register", "csl"]


@dataclass(frozen=True, slots=True)
class ArchivedPayload:
    """One fetched body, kept content-addressed so a parse can be redone without refetching."""

    sha256: str
    url: str
    fetched_at: dt.datetime
    status: int
    etag: str | None
    last_modified: str | None
    content_type: str | None
    size: int
    path: str  # absolute path of the stored bytes


@dataclass(frozen=True, slots=True)
class FRDocument:
    """Federal Register metadata of one document, from the FR API v1 document JSON."""

    document_number: str
    title: str
    type: str
    publication_date: dt.date
    effective_date: dt.date | None
    citation: str | None
    volume: int | None
    start_page: int | None
    end_page: int | None
    html_url: str | None
    full_text_xml_url: str | None
    body_html_url: str | None
    json_url: str | None
    abstract: str | None
    action: str | None
    agencies: tuple[str, ...]  # agency slugs
    cfr_parts: tuple[str, ...]  # e.g. ("15 CFR 744",)
    correction_of: str | None  # document number this one corrects, if any
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_correction(self) -> bool:
        return self.correction_of is not None


@dataclass(frozen=True, slots=True)
class EntityChange:
    """One change to Supplement No. 4 to part 744, in document order (`position`)."""

    action: Action
    country: str | None
    name: str | None
    previous_name: str | None = None
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    license_requirement: str | None = None
    license_review_policy: str | None = None
    federal_register_citations: tuple[str, ...] = ()
    footnotes: tuple[str, ...] = ()
    position: int = 0


@dataclass(frozen=True, slots=True)
class ParseWarning:
    """Something the parser noticed but could not reconcile, e.g. a stated count that differs."""

    code: str  # machine-readable, e.g. "count_mismatch", "placeholder_resolved"
    message: str


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """What one FR document says about the Entity List (possibly nothing)."""

    document: FRDocument
    changes: tuple[EntityChange, ...]
    warnings: tuple[ParseWarning, ...] = ()
    source_format: Literal["xml", "html"] = "xml"


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One entry of a screening list as published (CSL) or as replayed from the FR.

    Normalized fields feed comparisons and diffs; `original` keeps the source strings verbatim.
    """

    list: ListName
    source: SourceName
    name: str
    country: str | None
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    license_requirement: str | None = None
    license_review_policy: str | None = None
    federal_register_citations: tuple[str, ...] = ()
    start_date: dt.date | None = None
    source_id: str | None = None
    original: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
