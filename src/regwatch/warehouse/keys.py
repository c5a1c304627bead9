"""Normalization and the stable entry-key rule.

An entry key is ``<LIST PREFIX>-<12 hex>``: the hash of the list, the normalized country and the
normalized name *when the entry first appears*. It never changes afterwards: an FR revision that
renames an entry (``previous_name``) keeps its key, and a CSL snapshot keeps the key of the previous
snapshot's entry it matches (same normalized name + country, else overlapping names/aliases in the
same country). A removed entry that comes back under its last known name gets its old key again.
Two live entries can never share a key: a clash gets a ``-2``, ``-3`` ... suffix.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

LIST_PREFIX = {
    "entity_list": "EL",
    "denied_persons": "DP",
    "unverified": "UVL",
    "military_end_user": "MEU",
}

# Country spellings seen in FR rules (upper-case headings) and the CSL (ISO codes) -> ISO 3166-1.
_COUNTRY_ALIASES = {
    "afghanistan": "AF", "armenia": "AM", "australia": "AU", "austria": "AT", "belarus": "BY",
    "belgium": "BE", "bulgaria": "BG", "burma": "MM", "myanmar": "MM", "canada": "CA",
    "china": "CN", "china people s republic of": "CN", "people s republic of china": "CN",
    "prc": "CN", "colombia": "CO", "cyprus": "CY", "czech republic": "CZ", "czechia": "CZ",
    "egypt": "EG", "estonia": "EE", "finland": "FI", "france": "FR", "georgia": "GE",
    "germany": "DE", "greece": "GR", "hong kong": "HK", "india": "IN", "indonesia": "ID",
    "iran": "IR", "iraq": "IQ", "ireland": "IE", "israel": "IL", "italy": "IT", "japan": "JP",
    "jordan": "JO", "kazakhstan": "KZ", "korea south": "KR", "south korea": "KR",
    "korea north": "KP", "north korea": "KP", "kyrgyzstan": "KG", "latvia": "LV",
    "lebanon": "LB", "lithuania": "LT", "luxembourg": "LU", "malaysia": "MY", "malta": "MT",
    "mexico": "MX", "netherlands": "NL", "new zealand": "NZ", "nicaragua": "NI", "oman": "OM",
    "pakistan": "PK", "philippines": "PH", "poland": "PL", "russia": "RU",
    "russian federation": "RU", "saudi arabia": "SA", "senegal": "SN", "singapore": "SG",
    "slovakia": "SK", "slovenia": "SI", "south africa": "ZA", "spain": "ES", "sweden": "SE",
    "switzerland": "CH", "syria": "SY", "taiwan": "TW", "tajikistan": "TJ", "thailand": "TH",
    "turkey": "TR", "turkiye": "TR", "ukraine": "UA", "united arab emirates": "AE",
    "uae": "AE", "united kingdom": "GB", "uk": "GB", "uzbekistan": "UZ", "venezuela": "VE",
    "vietnam": "VN", "viet nam": "VN", "yemen": "YE",
}  # fmt: skip

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalize_name(value: str | None) -> str:
    """Case-, accent-width- and punctuation-insensitive form used to match names."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", value).casefold()
    return _NON_WORD.sub(" ", text).strip()


def normalize_country(value: str | None) -> str:
    """ISO 3166-1 alpha-2 when known (so FR headings and CSL codes agree), else normalized text."""
    text = normalize_name(value)
    if not text:
        return ""
    if len(text) == 2 and text.isalpha():
        return text.upper()
    return _COUNTRY_ALIASES.get(text, text)


def base_key(list_name: str, country: str | None, name: str) -> str:
    digest = hashlib.sha1(  # an identifier, not a security boundary
        f"{list_name}|{normalize_country(country)}|{normalize_name(name)}".encode()
    ).hexdigest()
    return f"{LIST_PREFIX.get(list_name, list_name.upper())}-{digest[:12]}"


def unique_key(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3` ... whichever is not taken."""
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


@dataclass(frozen=True, slots=True)
class EntryState:
    """The content of one entry version, as stored in `entry_versions`."""

    name: str
    country: str | None
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    license_requirement: str | None = None
    license_review_policy: str | None = None
    federal_register_citations: tuple[str, ...] = ()
    footnotes: tuple[str, ...] = ()
    start_date: str | None = None  # ISO date
    source_id: str | None = None

    @property
    def match_key(self) -> tuple[str, str]:
        return normalize_country(self.country), normalize_name(self.name)

    def names(self) -> set[str]:
        return {n for n in (normalize_name(x) for x in (self.name, *self.aliases)) if n}

    def row_hash(self) -> str:
        """Content hash; list order of aliases, addresses, citations does not count."""
        payload = [
            self.name,
            self.country,
            sorted(self.aliases),
            sorted(self.addresses),
            sorted(self.countries),
            self.license_requirement,
            self.license_review_policy,
            sorted(self.federal_register_citations),
            sorted(self.footnotes),
            self.start_date,
            self.source_id,
        ]
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def match_entries(
    list_name: str,
    previous: dict[str, EntryState],
    retired: dict[tuple[str, str], str],
    incoming: Sequence[EntryState],
    all_keys: Iterable[str],
    foreign: dict[str, EntryState] | None = None,
) -> list[str]:
    """Assign an entry key to each incoming entry (same order), following the module's rule.

    `previous`: live key -> state; `retired`: (country, name) match key -> key of a removed entry;
    `all_keys`: every key ever used for this list (so a fresh key never reuses a retired one);
    `foreign`: live entries of the same list from the other source (a new CSL entry adopts the
    key the FR replay gave the same entity, so the two sources can be compared by key).
    """
    assigned: list[str | None] = [None] * len(incoming)
    free = dict(previous)
    by_match: dict[tuple[str, str], list[str]] = {}
    for key, state in previous.items():
        by_match.setdefault(state.match_key, []).append(key)
    # 1. same normalized name + country (duplicates pair up in order)
    for i, entry in enumerate(incoming):
        candidates = by_match.get(entry.match_key)
        while candidates:
            key = candidates.pop(0)
            if key in free:
                assigned[i] = key
                del free[key]
                break
    # 2. overlapping names/aliases in the same country
    _match_by_names(incoming, assigned, free)
    # 3. a retired entry coming back; 4. the other source's key; 5. a new key
    taken = set(all_keys)
    live = {k for k in assigned if k is not None}
    if foreign:
        adoptable = {k: s for k, s in foreign.items() if k not in taken}
        exact = {s.match_key: k for k, s in adoptable.items()}
        for i, entry in enumerate(incoming):
            if assigned[i] is None and entry.match_key not in retired:
                hit = exact.get(entry.match_key)
                if hit is not None and hit in adoptable:
                    assigned[i] = hit
                    del adoptable[hit]
        _match_by_names(incoming, assigned, adoptable)
        live = {k for k in assigned if k is not None}
        taken |= live
    result: list[str] = []
    for found, entry in zip(assigned, incoming, strict=True):
        if found is not None:
            result.append(found)
            continue
        back = retired.get(entry.match_key)
        if back is not None and back not in live and back not in previous:
            key = back
        else:
            key = unique_key(base_key(list_name, entry.country, entry.name), taken)
        live.add(key)
        taken.add(key)
        result.append(key)
    return result


def _match_by_names(
    incoming: Sequence[EntryState], assigned: list[str | None], free: dict[str, EntryState]
) -> None:
    """Pair unassigned entries with free keys sharing a normalized name or alias + country."""
    if not free:
        return
    by_name: dict[tuple[str, str], list[str]] = {}
    for key, state in free.items():
        for n in state.names():
            by_name.setdefault((normalize_country(state.country), n), []).append(key)
    for i, entry in enumerate(incoming):
        if assigned[i] is not None:
            continue
        country = normalize_country(entry.country)
        for n in sorted(entry.names()):
            hit = next((k for k in by_name.get((country, n), ()) if k in free), None)
            if hit is not None:
                assigned[i] = hit
                del free[hit]
                break
