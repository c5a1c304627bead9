"""From the neutral blocks to `ParsedDocument`: table rows, actions, removals, cross-checks."""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from regwatch.models import Action, EntityChange, FRDocument, ParsedDocument, ParseWarning
from regwatch.parsing.amdpar import Instruction, Scope
from regwatch.parsing.blocks import Amdpar, Cell, DocumentText, Table
from regwatch.parsing.entity import EntityParts, KnownNames, split_citations, split_entity_cell
from regwatch.parsing.numbers import COUNT_WORD, parse_count
from regwatch.parsing.text import clean, name_key

log = logging.getLogger(__name__)

_CORRECTION = re.compile(r"\bcorrecting\s+amendment|;\s*correction\b", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\[\s*INSERT[^\]\[]{0,160}\]", re.IGNORECASE)
_SUMMARY_ADDS = re.compile(  # the lookahead only restates the first letter (a cheap reject)
    rf"(?=[aA])\badding\s+(?P<n>{COUNT_WORD})\s+(?:[\w'’-]+\s+){{0,2}}?(?P<noun>entit(?:y|ies)|persons?|entr(?:y|ies))"
    rf"(?:\s+under\s+(?P<m>{COUNT_WORD})\s+(?:entries|entry|addresses|destinations))?",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Columns:
    country: int = 0
    entity: int = 1
    requirement: int = 2
    policy: int = 3
    citation: int = 4

    @classmethod
    def from_headings(cls, headings: list[str]) -> Columns:
        cols = cls()
        for i, heading in enumerate(headings):
            h = heading.casefold()
            if "country" in h or "destination" in h:
                cols.country = i
            elif "requirement" in h:
                cols.requirement = i
            elif "policy" in h:
                cols.policy = i
            elif "citation" in h or "register" in h:
                cols.citation = i
            elif "entity" in h or "name" in h:
                cols.entity = i
        return cols


@dataclass(slots=True)
class TableRow:
    country: str | None
    entity: Cell
    requirement: str | None
    policy: str | None
    citations: list[str]
    footnotes: list[str]
    parts: EntityParts | None = None
    action: Action | None = None
    previous_name: str | None = None


@dataclass(slots=True)
class Context:
    document: FRDocument
    warnings: list[ParseWarning] = field(default_factory=list)
    resolved: set[str] = field(default_factory=set)

    def warn(self, code: str, message: str) -> None:
        if all(w.message != message for w in self.warnings):
            self.warnings.append(ParseWarning(code, message))


@functools.lru_cache(maxsize=4096)
def _country_key(country: str | None) -> str:
    return re.sub(r"[^A-Z]", "", (country or "").upper())


def _same_key(ka: str, kb: str) -> bool:
    """`_same_country` on keys already computed with `_country_key` (equal keys are prefixes)."""
    return bool(ka and kb) and (ka.startswith(kb) or kb.startswith(ka))


@functools.lru_cache(maxsize=8192)
def _same_country(a: str | None, b: str | None) -> bool:
    return _same_key(_country_key(a), _country_key(b))


def _fr_date(date: dt.date) -> str:
    return f"{date.month}/{date.day}/{date.year % 100:02d}"


def _resolve_placeholders(text: str, table_page: int | None, ctx: Context) -> str:
    doc = ctx.document

    def repl(m: re.Match[str]) -> str:
        token = m.group(0)
        upper = token.upper()
        page = table_page or doc.start_page
        value: str | None = None
        if "CITATION" in upper and doc.volume and page:
            value = f"{doc.volume} FR {page}"
        elif "PAGE" in upper and page:
            value = str(page)
        elif "DATE" in upper:
            value = _fr_date(doc.publication_date)
        elif "VOLUME" in upper and doc.volume:
            value = str(doc.volume)
        if value is None:
            ctx.warn("placeholder_unresolved", f"could not resolve {token}")
            return token
        ctx.resolved.add(f"{token} -> {value}")
        return value

    return _PLACEHOLDER.sub(repl, text)


# What an empty cell or a '* * *' placeholder row is made of: such a row is not an entry.
_STARS = "* \u00a0"


def _is_entity_table(table: Table) -> bool:
    """Headed tables must have an Entity (or name) column; unheaded ones are trusted."""
    headings = [h.casefold() for h in table.headings if h]
    return not headings or any("entit" in h or "name" in h for h in headings)


def _table_rows(table: Table, ctx: Context) -> list[TableRow]:
    cols = Columns.from_headings(table.headings)
    ci, ei, ri, pi, xi = cols.country, cols.entity, cols.requirement, cols.policy, cols.citation
    rows: list[TableRow] = []
    country: str | None = None
    for row in table.rows:
        texts = list(row.texts)  # copied: placeholders below may change a text
        n = len(texts)
        if not "".join(texts).strip(_STARS):
            continue  # only stars and spaces in every cell
        country_text = texts[ci] if ci < n else ""
        if country_text.strip(_STARS):
            country = country_text.rstrip(".").strip()
        if ei >= n or not texts[ei].strip(_STARS):
            continue
        footnotes: list[str] = []
        for c in row.marked.values():  # only marked cells carry footnotes
            for f in c.footnotes:
                if f not in footnotes:
                    footnotes.append(f)
        entity = row.cell(ei)
        for k, text in enumerate(texts):
            if "[" in text:
                c = entity if k == ei else row.cell(k)
                c.lines = [_resolve_placeholders(line, table.first_page, ctx) for line in c.lines]
                texts[k] = c.text
        requirement = clean(texts[ri]) if ri < n else ""
        policy = clean(texts[pi]) if pi < n else ""
        citations = split_citations(texts[xi]) if xi < n else []
        rows.append(
            TableRow(country, entity, requirement or None, policy or None, citations, footnotes)
        )
    return rows


def _known_names(instructions: list[Instruction], country: str | None) -> list[str]:
    """Names the AMDPARs add or revise under `country` (or under no stated destination)."""
    key = _country_key(country)
    return [
        n
        for ins in instructions
        if ins.action != "remove"
        and (ins.country is None or _same_key(_country_key(ins.country), key))
        for n in ins.names
    ]


_CITED = re.compile(r"(\d{1,3})\s*FR\s*(\d+)")


def _cites_earlier(row: TableRow, document: FRDocument) -> bool:
    """Does the row's citation chain name a rule published before this document?"""
    own = (document.volume or 0, document.start_page or 0)
    for citation in row.citations:
        m = _CITED.match(citation)
        if m and (int(m.group(1)), int(m.group(2))) < own:
            return True
    return False


def _similarity(a: str, b: str) -> float:
    """difflib ratio of the name keys, skipping the slow part when it cannot reach 0.8."""
    matcher = difflib.SequenceMatcher(None, name_key(a), name_key(b))
    if matcher.real_quick_ratio() < 0.8 or matcher.quick_ratio() < 0.8:
        return 0.0  # upper bounds already below the threshold
    return matcher.ratio()


def _force_by_count(group: list[TableRow], mine: list[Instruction], pending: list[str]) -> None:
    """One revised name left and exactly one row more than the stated additions: a rename."""
    adds = [i for i in mine if i.action == "add"]
    if len(pending) != 1 or not adds or any(i.count is None and not i.names for i in adds):
        return
    stated = sum(i.count if i.count is not None else len(i.names) for i in adds)
    stated -= sum(1 for r in group if r.action == "add")
    free = [r for r in group if r.action is None and r.parts]
    if len(free) != stated + 1:
        return
    name = pending[0]
    best = max(
        free,
        key=lambda r: difflib.SequenceMatcher(
            None, name_key(name), name_key(r.parts.name if r.parts else "")
        ).ratio(),
    )
    best.action, best.previous_name = "revise", name
    pending.clear()


def _assign_actions(rows: list[TableRow], instructions: list[Instruction], ctx: Context) -> None:
    any_add = any(i.action == "add" for i in instructions)
    any_revise = any(i.action == "revise" for i in instructions)
    # destinations as printed, in order of first appearance, with their keys
    printed = {c: _country_key(c) for c in dict.fromkeys(r.country for r in rows)}
    countries: list[tuple[str | None, str]] = []  # one per group of matching destinations
    for c, pkey in printed.items():
        if not any(_same_key(pkey, ck) or c == cc for cc, ck in countries):
            countries.append((c, pkey))
    ins_keys = [_country_key(i.country) for i in instructions]
    distinct_ins_keys = set(ins_keys)
    for country, ckey in countries:
        members = {c for c, pkey in printed.items() if c == country or _same_key(pkey, ckey)}
        group = [r for r in rows if r.country in members]
        matching = {ik for ik in distinct_ins_keys if _same_key(ik, ckey)}
        mine = [
            i
            for i, ik in zip(instructions, ins_keys, strict=True)
            if i.country is None or ik in matching
        ]
        adds = {name_key(n) for i in mine if i.action == "add" for n in i.names}
        revisions = [n for i in mine if i.action == "revise" for n in i.names]
        renames = {name_key(new): old for i in mine for new, old in i.renames.items()}
        pending: list[str] = []
        # each row's name key, computed once (rows without parts have none)
        keys = [name_key(r.parts.name) if r.parts else None for r in group]
        by_key: dict[str, list[TableRow]] = {}
        for r, key in zip(group, keys, strict=True):
            if key is not None:
                by_key.setdefault(key, []).append(r)
            if key is not None and key in renames:
                r.action, r.previous_name = "revise", renames[key]
        for name in revisions:
            hit = next((r for r in by_key.get(name_key(name), ()) if r.action is None), None)
            if hit is not None:
                hit.action = "revise"
            else:
                pending.append(name)
        for r, key in zip(group, keys, strict=True):
            if r.action is None and key is not None and key in adds:
                r.action = "add"
        for name in list(pending):
            hit = next(
                (
                    r
                    for r in group
                    if r.action is None
                    and r.parts
                    and name_key(name) in {name_key(a) for a in r.parts.aliases}
                ),
                None,
            )
            if hit is None:
                scored = [
                    (_similarity(name, r.parts.name), k)
                    for k, r in enumerate(group)
                    if r.action is None and r.parts
                ]
                best = max(scored, default=None)
                hit = group[best[1]] if best and best[0] >= 0.8 else None
            if hit is not None:
                hit.action, hit.previous_name = "revise", name
                pending.remove(name)
        _force_by_count(group, mine, pending)
        for name in pending:
            ctx.warn("revision_not_found", f"revised entry {name!r} ({country}) not in the table")
        has_add = any(i.action == "add" for i in mine)
        has_revise = any(i.action == "revise" for i in mine)
        default: Action = (
            "add"
            if has_add
            else "revise"
            if has_revise
            else "add"
            if any_add
            else "revise"
            if any_revise
            else "add"
        )
        # Unnamed revisions ("revising ... one Pakistani entity") or no instruction at all for
        # this destination: a row citing an earlier rule is a revision, one citing only this
        # document is an addition.
        unnamed_revision = any(i.action == "revise" and not i.names for i in mine)
        by_citation = (has_add and unnamed_revision) or not (has_add or has_revise)
        for r in group:
            if r.action is None:
                if by_citation and ctx.document.volume is not None:
                    r.action = "revise" if _cites_earlier(r, ctx.document) else "add"
                else:
                    r.action = default


def _check_counts(rows: list[TableRow], instructions: list[Instruction], ctx: Context) -> None:
    stated: dict[tuple[str, str], int] = {}
    labels: dict[tuple[str, str], str] = {}
    for ins in instructions:
        if ins.action == "remove":
            if ins.count is not None and ins.count != len(ins.names) and ins.names:
                ctx.warn(
                    "count_mismatch",
                    f"AMDPAR states {ins.count} removals under "
                    f"{ins.country} but names {len(ins.names)}",
                )
            continue
        n = ins.count if ins.count is not None else (len(ins.names) or None)
        if n is None:
            continue
        key = (_country_key(ins.country), ins.action)
        stated[key] = stated.get(key, 0) + n
        labels[key] = ins.country or "(all destinations)"
    per_key = Counter((_country_key(r.country), r.action) for r in rows)  # rows per key
    for (ckey, action), n in stated.items():
        parsed = sum(
            count
            for (rk, ra), count in per_key.items()
            if ra == action and (not ckey or rk == ckey or _same_key(rk, ckey))
        )
        if parsed != n:
            ctx.warn(
                "count_mismatch",
                f"AMDPAR states {n} {action} under {labels[(ckey, action)]}, parsed {parsed}",
            )


def _check_summary(summary: str, rows: list[TableRow], ctx: Context) -> None:
    m = _SUMMARY_ADDS.search(summary)
    if not m:
        return
    stated = parse_count(m.group("m") or m.group("n"))
    parsed = sum(1 for r in rows if r.action == "add")
    if m.group("m") is None and not m.group("noun").casefold().startswith("entr"):
        parsed = len(
            {(name_key(r.parts.name) if r.parts else "") for r in rows if r.action == "add"}
        )
    if stated is not None and stated != parsed:
        ctx.warn("count_mismatch", f"summary states {stated} additions, parsed {parsed}")


def build(
    text: DocumentText, document: FRDocument, source: Literal["xml", "html"]
) -> ParsedDocument:
    """Turn the blocks of one document into its Entity List changes."""
    ctx = Context(document)
    scope = Scope()
    rows: list[TableRow] = []
    for block in text.blocks:
        if isinstance(block, Amdpar):
            scope.feed(block)
        elif scope.active and _is_entity_table(block):
            rows.extend(_table_rows(block, ctx))
    instructions = scope.instructions
    known_by_country: dict[str | None, KnownNames] = {}
    for r in rows:
        known = known_by_country.get(r.country)
        if known is None:
            known = KnownNames(_known_names(instructions, r.country))
            known_by_country[r.country] = known
        r.parts = split_entity_cell(r.entity.lines, known)
        p = r.parts
        if p.stated_alias_count is not None and p.stated_alias_count != len(p.aliases):
            ctx.warn(
                "alias_count_mismatch",
                f"{p.name!r}: {p.stated_alias_count} aliases stated, {len(p.aliases)} parsed",
            )
    _assign_actions(rows, instructions, ctx)
    correction = document.is_correction or any(
        _CORRECTION.search(action) for action in (text.action, document.action or "")
    )
    if not correction:
        _check_counts(rows, instructions, ctx)
        if rows:
            _check_summary(text.summary, rows, ctx)
    if ctx.resolved:
        ctx.warn(
            "placeholder_resolved",
            "resolved public-inspection placeholders: " + "; ".join(sorted(ctx.resolved)),
        )
    changes: list[EntityChange] = []
    for r in rows:
        assert r.parts is not None and r.action is not None
        changes.append(
            EntityChange(
                action="correct" if correction else r.action,
                country=r.country,
                name=r.parts.name,
                previous_name=r.previous_name,
                aliases=tuple(r.parts.aliases),
                addresses=tuple(r.parts.addresses),
                license_requirement=r.requirement,
                license_review_policy=r.policy,
                federal_register_citations=tuple(r.citations),
                footnotes=tuple(r.footnotes),
                position=len(changes) + 1,
            )
        )
    for ins in instructions:
        if ins.action != "remove":
            continue
        if not ins.names:
            ctx.warn("unnamed_removal", f"removal without a quoted name: {ins.text[:160]}")
        for name in ins.names:
            changes.append(
                EntityChange(
                    action="remove", country=ins.country, name=name, position=len(changes) + 1
                )
            )
    if scope.mentioned and not changes:
        ctx.warn("no_changes", "Supplement No. 4 is amended but no entity change was found")
    return ParsedDocument(
        document=document,
        changes=tuple(changes),
        warnings=tuple(ctx.warnings),
        source_format=source,
    )
