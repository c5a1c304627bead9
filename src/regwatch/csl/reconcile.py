"""Reconcile the FR-replayed Entity List with the official one (CSL) as of the same date.

Pure functions over two sequences of `ListEntry`; `regwatch.csl.ingest.reconcile_warehouse`
reads them from the warehouse and stores the findings.

Matching rule (also in docs/csl.md): every FR entry is matched to at most one CSL entry, trying
in order
  1. same normalized name and the FR destination is one of the CSL entry's countries;
  2. same normalized name, different country (reported as a country mismatch);
  3. a normalized name or alias of one side equals a name or alias of the other, with the FR
     destination among the CSL countries (catches renames and "a.k.a." spellings).
Names are compared with `match_key` (case, accents, spacing and punctuation ignored); FR
destination headings ("CHINA, PEOPLE'S REPUBLIC OF") and CSL country codes are both folded to
ISO codes. Several FR entries may match one CSL entry: the FR lists an entity once per
destination where the CSL has one entry with several addresses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from regwatch.countries import to_iso
from regwatch.csl.citations import Citation, parse_citation, parse_citations
from regwatch.csl.normalize import match_key, policy_key
from regwatch.models import ListEntry

FindingKind = Literal[
    "only_in_fr",
    "only_in_csl",
    "alias_mismatch",
    "license_policy_mismatch",
    "country_mismatch",
    "uningested_citation",
]
FINDING_KINDS: tuple[FindingKind, ...] = (
    "only_in_fr",
    "only_in_csl",
    "alias_mismatch",
    "license_policy_mismatch",
    "country_mismatch",
    "uningested_citation",
)
MatchRule = Literal["name+country", "name", "alias+country"]


@dataclass(frozen=True, slots=True)
class FrDocumentRef:
    """Where an FR document sits in the printed Register, for citation linking."""

    document_number: str
    volume: int
    start_page: int
    end_page: int | None = None

    @classmethod
    def from_citation(
        cls,
        document_number: str,
        citation: str | None,
        start_page: int | None,
        end_page: int | None,
    ) -> FrDocumentRef | None:
        """Build from `fr_documents` columns; None when the volume/pages are unknown."""
        parsed = parse_citation(citation) if citation else None
        if parsed is None:
            return None
        start = start_page if start_page is not None else parsed.page
        return cls(document_number, parsed.volume, start, end_page)


class CitationIndex:
    """Finds the ingested FR document containing a citation (volume + page in its page range)."""

    def __init__(self, documents: Iterable[FrDocumentRef]) -> None:
        by_volume: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
        for doc in documents:
            end = doc.end_page if doc.end_page is not None else doc.start_page
            by_volume[doc.volume].append(
                (doc.start_page, max(end, doc.start_page), doc.document_number)
            )
        self._by_volume = {v: sorted(items) for v, items in by_volume.items()}
        self.volumes = tuple(sorted(self._by_volume))

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_volume.values())

    def link(self, citation: Citation) -> str | None:
        """Document number whose pages include the cited page, or None.

        A linear scan per volume: the warehouse holds a few dozen Entity List rules per year.
        """
        for start, end, number in self._by_volume.get(citation.volume, ()):
            if start <= citation.page <= end:
                return number
        return None

    def in_range(self, citation: Citation) -> bool:
        """True when the citation falls within the volumes regwatch has FR documents for."""
        return bool(self.volumes) and self.volumes[0] <= citation.volume <= self.volumes[-1]


@dataclass(frozen=True, slots=True)
class Finding:
    """One disagreement between the FR replay and the official list."""

    kind: FindingKind
    name: str
    country: str | None
    fr_name: str | None = None
    csl_name: str | None = None
    fr_value: str | None = None
    csl_value: str | None = None
    citation: str | None = None
    document_number: str | None = None
    in_scope: bool = True  # False: explained by FR history regwatch has not ingested
    detail: str = ""
    fr_entry_key: str | None = None
    csl_entry_key: str | None = None


@dataclass(frozen=True, slots=True)
class Match:
    fr_index: int
    csl_index: int
    rule: MatchRule


@dataclass(frozen=True, slots=True)
class ReconciliationReport:
    fr_count: int
    csl_count: int
    matches: tuple[Match, ...]
    findings: tuple[Finding, ...]
    documents: int = 0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {kind: 0 for kind in FINDING_KINDS}
        for f in self.findings:
            out[f.kind] += 1
        return out

    def in_scope(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.in_scope)


def _countries(entry: ListEntry) -> set[str]:
    codes = {to_iso(c) or c for c in (entry.countries or ()) if c}
    if entry.country:
        codes.add(to_iso(entry.country) or entry.country)
    return codes


def _name_keys(entry: ListEntry) -> set[str]:
    return {k for k in (match_key(entry.name),) if k}


def _alias_keys(entry: ListEntry) -> set[str]:
    return {k for k in (match_key(a) for a in entry.aliases) if k}


class _CslIndex:
    def __init__(self, entries: Sequence[ListEntry]) -> None:
        self.entries = entries
        self.by_name: dict[str, list[int]] = defaultdict(list)
        self.by_any: dict[str, list[int]] = defaultdict(list)
        self.countries = [_countries(e) for e in entries]
        for k, entry in enumerate(entries):
            for key in _name_keys(entry):
                self.by_name[key].append(k)
                self.by_any[key].append(k)
            for key in _alias_keys(entry):
                self.by_any[key].append(k)


def _pick(candidates: Iterable[int], used: set[int]) -> int | None:
    ordered = list(dict.fromkeys(candidates))
    for k in ordered:
        if k not in used:
            return k
    return ordered[0] if ordered else None


def match_entries(fr: Sequence[ListEntry], csl: Sequence[ListEntry]) -> list[Match]:
    """Apply the matching rule (module docstring); returns one Match per matched FR entry."""
    index = _CslIndex(csl)
    used: set[int] = set()
    matches: list[Match] = []
    for i, entry in enumerate(fr):
        fr_country = to_iso(entry.country) or entry.country
        names = _name_keys(entry)
        keys = names | _alias_keys(entry)

        def country_ok(k: int, fr_country: str | None = fr_country) -> bool:
            return fr_country is None or not index.countries[k] or fr_country in index.countries[k]

        by_name = [k for key in names for k in index.by_name.get(key, ())]
        chosen = _pick((k for k in by_name if country_ok(k)), used)
        rule: MatchRule = "name+country"
        if chosen is None:
            chosen, rule = _pick(by_name, used), "name"
        if chosen is None:
            by_any = [k for key in keys for k in index.by_any.get(key, ())]
            chosen, rule = _pick((k for k in by_any if country_ok(k)), used), "alias+country"
        if chosen is not None:
            used.add(chosen)
            matches.append(Match(i, chosen, rule))
    return matches


def _joined(values: Iterable[str]) -> str | None:
    items = sorted(set(values), key=str.casefold)
    return "; ".join(items) if items else None


def _entry_key(entry: ListEntry) -> str | None:
    key = entry.original.get("entry_key") if entry.original else None
    return str(key) if key is not None else None


def _later_uningested(
    fr_entries: list[ListEntry], csl_entry: ListEntry, index: CitationIndex
) -> list[Citation]:
    """CSL citations newer than everything the FR side cites, of documents not ingested.

    Such a rule (a later revision) most likely explains a field mismatch: the FR replay cannot
    know what a document regwatch never loaded changed.
    """
    fr_cites = [
        c for e in fr_entries for c in parse_citations("; ".join(e.federal_register_citations))
    ]
    latest = max(fr_cites, default=Citation(0, 0))
    csl_cites = parse_citations("; ".join(csl_entry.federal_register_citations))
    return [c for c in csl_cites if c > latest and index.link(c) is None]


def _compare(
    fr_entries: list[ListEntry], csl_entry: ListEntry, index: CitationIndex
) -> list[Finding]:
    """Field mismatches between the FR entries matched to one CSL entry and that entry.

    A mismatch is out of scope (`in_scope=False`) when the CSL cites a later FR document
    regwatch has not ingested; the detail names it.
    """
    csl_countries = _countries(csl_entry)
    fr_countries = {c for e in fr_entries for c in _countries(e)}
    country = next(iter(sorted(fr_countries & csl_countries)), csl_entry.country)
    later = _later_uningested(fr_entries, csl_entry, index)
    explained = f"; the CSL also cites {', '.join(map(str, later))}, not ingested" if later else ""

    def finding(
        kind: FindingKind, fr_value: str | None, csl_value: str | None, detail: str
    ) -> Finding:
        return Finding(
            kind=kind,
            name=csl_entry.name,
            country=country,
            fr_name=fr_entries[0].name,
            csl_name=csl_entry.name,
            fr_value=fr_value,
            csl_value=csl_value,
            detail=detail + explained,
            in_scope=not later,
            fr_entry_key=_entry_key(fr_entries[0]),
            csl_entry_key=_entry_key(csl_entry),
        )

    findings: list[Finding] = []
    if csl_countries and fr_countries != csl_countries:
        findings.append(
            finding(
                "country_mismatch",
                _joined(fr_countries),
                _joined(csl_countries),
                "FR destinations differ from the CSL address countries",
            )
        )
    fr_names = {match_key(a): a for e in fr_entries for a in (e.name, *e.aliases) if match_key(a)}
    csl_names = {match_key(a): a for a in (csl_entry.name, *csl_entry.aliases) if match_key(a)}
    fr_only = [fr_names[k] for k in fr_names.keys() - csl_names.keys()]
    csl_only = [csl_names[k] for k in csl_names.keys() - fr_names.keys()]
    if fr_only or csl_only:
        findings.append(
            finding(
                "alias_mismatch",
                _joined(fr_only),
                _joined(csl_only),
                "names/aliases on one side only (FR value: only in FR; CSL value: only in CSL)",
            )
        )
    fr_policies = {policy_key(e.license_review_policy): e.license_review_policy for e in fr_entries}
    if set(fr_policies) != {policy_key(csl_entry.license_review_policy)}:
        findings.append(
            finding(
                "license_policy_mismatch",
                _joined(v for v in fr_policies.values() if v),
                csl_entry.license_review_policy,
                "license review policy differs",
            )
        )
    return findings


def _siblings(csl: Sequence[ListEntry], by_csl: dict[int, list[int]]) -> dict[int, list[int]]:
    """Unmatched official entries with the same normalized name as a matched one.

    The CSL sometimes splits one entity into several records (one per address or per old
    citation chain); they belong to the matched record's group instead of being reported as
    missing from the FR replay.
    """
    first_by_name: dict[str, int] = {}
    for k in sorted(by_csl):
        first_by_name.setdefault(match_key(csl[k].name), k)
    out: dict[int, list[int]] = defaultdict(list)
    for j, entry in enumerate(csl):
        if j in by_csl:
            continue
        owner = first_by_name.get(match_key(entry.name))
        if owner is not None:
            out[owner].append(j)
    return out


def _merged(entry: ListEntry, others: Sequence[ListEntry]) -> ListEntry:
    """One official entry with the countries, aliases and citations of its split records."""
    if not others:
        return entry
    group = [entry, *others]
    return replace(
        entry,
        countries=tuple(dict.fromkeys(c for e in group for c in e.countries)),
        aliases=tuple(dict.fromkeys(a for e in group for a in e.aliases)),
        federal_register_citations=tuple(
            dict.fromkeys(c for e in group for c in e.federal_register_citations)
        ),
    )


def reconcile(
    fr: Sequence[ListEntry],
    csl: Sequence[ListEntry],
    *,
    documents: Iterable[FrDocumentRef] = (),
) -> ReconciliationReport:
    """Compare the FR replay with the official list; see the module docstring for the rule.

    `documents` are the FR documents in the warehouse: a CSL entry citing one of them that has
    no FR counterpart is an in-scope `only_in_csl`; CSL citations that none of them contains
    become `uningested_citation` findings (one per citation, in scope when the citation's
    volume lies within the ingested volumes).
    """
    index = CitationIndex(documents)
    matches = match_entries(fr, csl)
    findings: list[Finding] = []

    by_csl: dict[int, list[int]] = defaultdict(list)
    for m in matches:
        by_csl[m.csl_index].append(m.fr_index)
    siblings = _siblings(csl, by_csl)
    for k, fr_indexes in sorted(by_csl.items()):
        matched = [fr[i] for i in fr_indexes]
        findings.extend(_compare(matched, _merged(csl[k], [csl[j] for j in siblings[k]]), index))
    grouped = set(by_csl) | {j for group in siblings.values() for j in group}

    matched_fr = {m.fr_index for m in matches}
    for i, entry in enumerate(fr):
        if i in matched_fr:
            continue
        findings.append(
            Finding(
                kind="only_in_fr",
                name=entry.name,
                country=to_iso(entry.country) or entry.country,
                fr_name=entry.name,
                fr_value=_joined(entry.federal_register_citations),
                detail="in the FR replay, not on the official list",
                fr_entry_key=_entry_key(entry),
            )
        )

    uningested: dict[Citation, list[str]] = defaultdict(list)
    for k, entry in enumerate(csl):
        cited = parse_citations("; ".join(entry.federal_register_citations))
        linked = [doc for doc in (index.link(c) for c in cited) if doc]
        for c in cited:
            if index.link(c) is None:
                uningested[c].append(entry.name)
        if k in grouped:
            continue
        findings.append(
            Finding(
                kind="only_in_csl",
                name=entry.name,
                country=entry.country,
                csl_name=entry.name,
                csl_value=_joined(entry.federal_register_citations),
                document_number=linked[0] if linked else None,
                in_scope=bool(linked),
                detail=(
                    f"cites ingested {', '.join(dict.fromkeys(linked))} but the FR replay lacks it"
                    if linked
                    else "cites no FR document regwatch has ingested"
                ),
                csl_entry_key=_entry_key(entry),
            )
        )

    for citation, names in sorted(uningested.items()):
        findings.append(
            Finding(
                kind="uningested_citation",
                name=names[0],
                country=None,
                citation=str(citation),
                in_scope=index.in_range(citation),
                detail=f"cited by {len(names)} CSL entr{'y' if len(names) == 1 else 'ies'}; "
                "no ingested FR document contains this page",
            )
        )
    order = {kind: n for n, kind in enumerate(FINDING_KINDS)}
    findings.sort(
        key=lambda f: (order[f.kind], f.country or "", f.name.casefold(), f.citation or "")
    )
    return ReconciliationReport(
        fr_count=len(fr),
        csl_count=len(csl),
        matches=tuple(matches),
        findings=tuple(findings),
        documents=len(index),
    )
