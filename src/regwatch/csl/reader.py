"""Read the consolidated screening list into `ListEntry` rows for the four BIS lists.

Formats: the JSON download (`{"search_performed_at", "sources_used", "results": [...]}`), the
CSV/TSV download (addresses and aliases flattened with "; "), and the legacy BIS Entity List
export (one row per address x alternate name). `json.load` of the 22 MB real file peaks at
~110 MB RSS; reading it in 1 MiB chunks and decoding one record at a time
(`JSONDecoder.raw_decode`) peaks at ~53 MB, growing with the BIS records kept rather than the
file (see `benchmarks/bench_csl.py`). Other lists are counted, not converted.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

from regwatch.countries import is_iso_code, to_iso
from regwatch.csl.citations import split_citations
from regwatch.csl.normalize import (
    clean_list,
    clean_text,
    join_address,
    split_embedded_aliases,
)
from regwatch.errors import ParseError
from regwatch.models import LIST_NAMES, ListEntry, ListName

logger = logging.getLogger(__name__)

CslFormat = Literal["json", "csv"]
CHUNK_CHARS = 1 << 20

# The list code in the CSL "source" value ("Entity List (EL) - Bureau of Industry and Security").
_LIST_CODES: dict[str, ListName] = {
    "EL": "entity_list",
    "DPL": "denied_persons",
    "UVL": "unverified",
    "MEU": "military_end_user",
}
_CODE_IN_SOURCE = re.compile(r"\(([A-Z][A-Z -]*)\)")


def list_for_source(source: str | None) -> ListName | None:
    """The regwatch list name of a CSL `source` value, or None for a non-BIS list."""
    if not source:
        return None
    if "Bureau of Industry and Security" not in source and source.strip() not in _LIST_CODES:
        return None
    m = _CODE_IN_SOURCE.search(source)
    code = m.group(1).strip() if m else source.strip()
    return _LIST_CODES.get(code)


@dataclass(frozen=True, slots=True)
class CslReadResult:
    """The BIS entries of one CSL file plus what was skipped, for logging and the guard."""

    entries: tuple[ListEntry, ...]
    fmt: CslFormat
    total_records: int
    other_sources: Mapping[str, int] = field(default_factory=dict)
    skipped_records: int = 0  # BIS records without a usable name
    published_at: str | None = None  # "search_performed_at" of the JSON download

    def __iter__(self) -> Iterator[ListEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def by_list(self) -> dict[ListName, tuple[ListEntry, ...]]:
        """Entries per BIS list; every list is present, possibly empty."""
        groups: dict[ListName, list[ListEntry]] = {name: [] for name in LIST_NAMES}
        for entry in self.entries:
            groups[entry.list].append(entry)
        return {name: tuple(items) for name, items in groups.items()}

    def counts(self) -> dict[ListName, int]:
        return {name: len(items) for name, items in self.by_list().items()}


# --------------------------------------------------------------------------- normalization


def _parse_date(value: object) -> dt.date | None:
    text = clean_text(value)
    if text is None:
        return None
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y"):
        try:
            return dt.datetime.strptime(text[:10] if fmt == "%Y-%m-%d" else text, fmt).date()
        except ValueError:
            continue
    logger.debug("unreadable start_date %r", text)
    return None


def _country_code(value: object) -> str | None:
    """ISO code of a country value; unknown non-empty values are kept as cleaned text."""
    text = clean_text(value)
    if text is None:
        return None
    return to_iso(text) or text


_US_STATES = frozenset(
    {
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL",
        "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE",
        "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD",
        "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "PR", "GU", "VI",
    }
)  # fmt: skip
_STATE_ZIP = re.compile(r"(?:^|,)\s*([A-Z]{2}),\s*(\d{5})(?:-\d{4})?\s*$")


def _us_by_state_zip(text: str) -> str | None:
    """ "US" for an address ending in a U.S. state code and ZIP ("..., AZ, 85043") without a
    country: older Denied Persons records leave the country out of U.S. addresses."""
    m = _STATE_ZIP.search(text)
    return "US" if m and m.group(1) in _US_STATES else None


def _json_addresses(raw: object) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(display strings, country codes) of the JSON `addresses` list of dicts."""
    displays: list[str] = []
    countries: list[str] = []
    if not isinstance(raw, list):
        return (), ()
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        code = _country_code(item.get("country")) or _us_by_state_zip(
            f"{item.get('state') or ''}, {item.get('postal_code') or ''}"
        )
        if code:
            countries.append(code)
        parts = [item.get(k) for k in ("address", "city", "state", "postal_code")]
        if any(clean_text(p) for p in parts):
            display = join_address([*parts, item.get("country")])
            if display:
                displays.append(display)
    return tuple(dict.fromkeys(displays)), tuple(dict.fromkeys(countries))


def _csv_addresses(raw: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(display strings, country codes) of a flattened CSV `addresses` cell.

    The CSV joins each address as "address, city, state, postal_code, country" and the
    addresses with "; ". A segment starting with "and " continues the previous address (BIS
    writes "X; and Y" inside one address). A final two-letter ISO code is the country.
    """
    text = clean_text(raw)
    if text is None:
        return (), ()
    merged: list[str] = []
    for segment in (s.strip() for s in text.split(";")):
        if not segment:
            continue
        if merged and segment.casefold().startswith("and "):
            merged[-1] = f"{merged[-1]}; {segment}"
        else:
            merged.append(segment)
    displays: list[str] = []
    countries: list[str] = []
    for segment in merged:
        last = segment.rsplit(",", 1)[-1].strip()
        code = last if is_iso_code(last) else to_iso(last)  # "CN", or "CRIMEA (OCCUPIED)"
        if code is None and segment == last and re.fullmatch(r"[A-Z]{2,3}", last):
            code = last  # an unknown code on its own ("NM"), kept as the JSON keeps it
        code = code or _us_by_state_zip(segment)
        if code:
            countries.append(code)
        if segment != last or code is None:
            displays.append(segment)
    return tuple(dict.fromkeys(displays)), tuple(dict.fromkeys(countries))


def _split_aliases(raw: object) -> tuple[str, ...]:
    """Aliases from a JSON list or a "; "-joined CSV cell.

    Some JSON items are themselves several aliases joined by ";" (a source-side error); they
    are split too, so the JSON and CSV downloads of the same list give the same entries.
    """
    items = raw if isinstance(raw, list) else [raw]
    parts: list[str] = []
    for item in items:
        text = clean_text(item)
        if text:
            parts.extend(text.split(";"))
    return clean_list(parts)


def to_list_entry(record: Mapping[str, Any], list_name: ListName) -> ListEntry | None:
    """Normalize one CSL record (JSON object or CSV row); None when it has no name."""
    name = clean_text(record.get("name"))
    if name is None:
        return None
    raw_addresses = record.get("addresses")
    if isinstance(raw_addresses, list):  # JSON: structured
        addresses, countries = _json_addresses(raw_addresses)
    else:  # CSV: flattened "address, city, state, postal code, country; ..."
        addresses, countries = _csv_addresses(raw_addresses)
    name, inline = split_embedded_aliases(name)
    aliases = tuple(
        a for a in dict.fromkeys([*inline, *_split_aliases(record.get("alt_names"))]) if a != name
    )
    return ListEntry(
        list=list_name,
        source="csl",
        name=name,
        country=countries[0] if countries else None,
        aliases=aliases,
        addresses=addresses,
        countries=countries,
        license_requirement=clean_text(record.get("license_requirement")),
        license_review_policy=clean_text(record.get("license_policy")),
        federal_register_citations=split_citations(
            clean_text(record.get("federal_register_notice"))
        ),
        start_date=_parse_date(record.get("start_date")),
        source_id=clean_text(record.get("id") or record.get("_id")),
        original=dict(record),
    )


# --------------------------------------------------------------------------- JSON streaming


class _JsonStream:
    """Decode a large JSON text value by value, holding ~one chunk in memory."""

    def __init__(self, fh: TextIO, chunk_chars: int = CHUNK_CHARS) -> None:
        self._fh = fh
        self._chunk = chunk_chars
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._decoder = json.JSONDecoder()

    def _fill(self) -> bool:
        data = self._fh.read(self._chunk)
        if not data:
            self._eof = True
            return False
        self._buf = self._buf[self._pos :] + data
        self._pos = 0
        return True

    def peek(self) -> str:
        """Next non-whitespace character ('' at the end of the file)."""
        while True:
            while self._pos < len(self._buf) and self._buf[self._pos] in " \t\r\n":
                self._pos += 1
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return ""

    def take(self, expected: str) -> None:
        char = self.peek()
        if char != expected:
            raise ParseError(f"CSL JSON: expected {expected!r}, found {char or 'end of file'!r}")
        self._pos += 1

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                obj, end = self._decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                if self._eof or not self._fill():
                    raise ParseError(f"CSL JSON is malformed or truncated: {exc}") from exc
                continue
            # A number could continue in the next chunk: only trust it with a byte after it.
            if end == len(self._buf) and not self._eof and self._fill():
                continue
            self._pos = end
            return obj


def _iter_array(stream: _JsonStream) -> Iterator[Any]:
    stream.take("[")
    while True:
        char = stream.peek()
        if char == "]":
            stream.take("]")
            return
        if char == ",":
            stream.take(",")
            continue
        if char == "":
            raise ParseError("CSL JSON ends inside the results array (truncated download?)")
        yield stream.value()


def iter_json_records(fh: TextIO, meta: dict[str, Any] | None = None) -> Iterator[Any]:
    """Yield the records of a CSL JSON download ({"results": [...]} or a bare array).

    Top-level keys other than "results" are decoded into `meta` when given.
    """
    stream = _JsonStream(fh)
    first = stream.peek()
    if first == "[":
        yield from _iter_array(stream)
        return
    stream.take("{")
    while True:
        char = stream.peek()
        if char == "}":
            return
        if char == ",":
            stream.take(",")
            continue
        if char == "":
            raise ParseError("CSL JSON ends inside the top-level object (truncated download?)")
        key = stream.value()
        stream.take(":")
        if key == "results":
            yield from _iter_array(stream)
        else:
            value = stream.value()
            if meta is not None:
                meta[str(key)] = value


# --------------------------------------------------------------------------- entry point


def _detect_format(path: Path) -> CslFormat:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        head = fh.read(256).lstrip()
    return "json" if head[:1] in ("{", "[") else "csv"


def _iter_csv_records(fh: TextIO) -> Iterator[dict[str, Any]]:
    header = fh.readline()
    delimiter = "\t" if header.count("\t") > header.count(",") else ","
    fh.seek(0)
    rows = (
        {(k or "").strip(): (v or "") for k, v in row.items() if k is not None}
        for row in csv.DictReader(fh, delimiter=delimiter)
    )
    if "Source List" in header and "Alternate Name" in header:
        yield from _legacy_records(rows)
    else:
        yield from rows


# The legacy BIS export repeats an entity once per (address x alternate name).
_LEGACY_ROW_ONLY = frozenset(
    {
        "Address", "City", "State/Province", "Postal Code", "Country", "Address Number",
        "Address Remarks", "Alternate Number", "Alternate Type", "Alternate Name",
        "Alternate Remarks",
    }
)  # fmt: skip


def _legacy_records(rows: Iterator[dict[str, str]]) -> Iterator[dict[str, Any]]:
    """Fold legacy BIS export rows into CSL-shaped records (one per entity).

    Rows belong to the same entity when every column except the address and alternate-name
    columns is equal; addresses and aliases are collected in order of appearance.
    """
    groups: dict[tuple[tuple[str, str], ...], list[dict[str, str]]] = {}
    for row in rows:
        key = tuple(sorted((k, v.strip()) for k, v in row.items() if k not in _LEGACY_ROW_ONLY))
        groups.setdefault(key, []).append(row)
    for group in groups.values():
        first = group[0]
        addresses: dict[tuple[str, ...], None] = {}
        for row in group:
            parts = (row.get("Address", ""), row.get("City", ""), row.get("State/Province", ""),
                     row.get("Postal Code", ""), row.get("Country", ""))  # fmt: skip
            if any(p.strip() for p in parts):
                addresses.setdefault(parts, None)
        yield {
            "source": first.get("Source List"),
            "name": first.get("Name"),
            "title": first.get("Title"),
            "addresses": [
                {"address": a, "city": c, "state": s, "postal_code": p, "country": to_iso(n) or n}
                for a, c, s, p, n in addresses
            ],
            "federal_register_notice": first.get("Federal Register Notice"),
            "start_date": first.get("Effective Date"),
            "license_requirement": first.get("License Requirement"),
            "license_policy": first.get("License Policy"),
            "alt_names": [r.get("Alternate Name", "") for r in group],
            "legacy_rows": group,
        }


def read_entries(path: Path, *, fmt: CslFormat | None = None) -> CslReadResult:
    """Read a CSL download and normalize the BIS lists' records into `ListEntry` rows.

    `fmt` defaults to the file extension (then to sniffing). Raises `ParseError` for a file
    that is not a CSL download (no "source"/"name" fields, malformed or truncated JSON).
    """
    fmt = fmt or _detect_format(path)
    meta: dict[str, Any] = {}
    entries: list[ListEntry] = []
    others: Counter[str] = Counter()
    total = skipped = 0
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        records: Iterator[Any] = (
            iter_json_records(fh, meta) if fmt == "json" else _iter_csv_records(fh)
        )
        for record in records:
            if not isinstance(record, Mapping) or "source" not in record:
                raise ParseError(f"{path.name}: a record has no 'source' field; not a CSL file?")
            total += 1
            source = record.get("source")
            list_name = list_for_source(source if isinstance(source, str) else None)
            if list_name is None:
                others[str(source)] += 1
                continue
            entry = to_list_entry(record, list_name)
            if entry is None:
                skipped += 1
                continue
            entries.append(entry)
    if skipped:
        logger.warning("%s: %d BIS records without a name were skipped", path.name, skipped)
    published = meta.get("search_performed_at")
    return CslReadResult(
        entries=tuple(entries),
        fmt=fmt,
        total_records=total,
        other_sources=dict(others),
        skipped_records=skipped,
        published_at=str(published) if published else None,
    )


__all__ = [
    "CslFormat",
    "CslReadResult",
    "iter_json_records",
    "list_for_source",
    "read_entries",
    "to_list_entry",
]
