"""Mass-deletion guard: hold back an official snapshot that drops too much of a list.

The CSL is known to lose whole lists for a day or ship truncated extracts. Storing such a file as
the current official list would make every dropped entry look "removed" downstream (alerts,
reconciliation). The guard compares the previous current snapshot of each list with the new one
by entry identity (`entry_identity`), not only by count, so a file that swaps 10% of the entries
for others is held as well. It is pure: the caller decides what "held" means (the ingest stores
the snapshot with `make_current=False`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from regwatch.config import Settings
from regwatch.countries import to_iso
from regwatch.csl.normalize import match_key
from regwatch.errors import ConfigError
from regwatch.models import ListEntry

DEFAULT_MAX_DROP = 0.05


def max_drop_from_env(env: Mapping[str, str] | None = None) -> float:
    """`REGWATCH_CSL_MAX_DROP` as a share in [0, 1] (default 0.05); "5%" is accepted too."""
    return Settings.from_env(env).csl_max_drop


def entry_identity(entry: ListEntry) -> str:
    """Identity of an entry for drop counting: normalized name + primary country code."""
    country = to_iso(entry.country) or (entry.country or "")
    return f"{match_key(entry.name)}|{country}"


@dataclass(frozen=True, slots=True)
class ListDrop:
    """How one list changed between the current and the new snapshot."""

    list: str
    previous_count: int
    new_count: int
    removed: int  # previous identities missing from the new snapshot
    added: int
    share: float  # removed / previous_count (0 for a first snapshot)
    held: bool
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class GuardVerdict:
    """The guard's decision for one file, per list."""

    lists: tuple[ListDrop, ...]
    max_drop: float

    @property
    def held(self) -> bool:
        return any(d.held for d in self.lists)

    @property
    def held_lists(self) -> tuple[str, ...]:
        return tuple(d.list for d in self.lists if d.held)

    def for_list(self, name: str) -> ListDrop | None:
        return next((d for d in self.lists if d.list == name), None)

    def message(self) -> str:
        """One loud line per held list, for logs, CLI output and alerts."""
        lines = [
            f"HELD {d.list}: {d.reason} — accept with `regwatch ingest-csl --accept-drop` "
            f"or `regwatch accept-snapshot ID`"
            for d in self.lists
            if d.held
        ]
        return "\n".join(lines) if lines else "no list dropped more than the allowed share"


def evaluate_drop(
    previous: Mapping[str, Collection[str]],
    new: Mapping[str, Collection[str]],
    *,
    max_drop: float = DEFAULT_MAX_DROP,
    lists: Iterable[str] | None = None,
) -> GuardVerdict:
    """Compare entry identities per list; hold a list that loses > `max_drop` of its entries.

    `previous`/`new` map list name -> identities (duplicates count). A list missing from `new`
    (or empty) while `previous` has entries is a whole-list drop and always held. A list without
    previous entries (first ingest) is never held.
    """
    if not 0.0 <= max_drop <= 1.0:
        raise ConfigError(f"max_drop={max_drop!r} must be a share between 0 and 1")
    names = list(dict.fromkeys([*(lists or ()), *previous, *new]))
    drops: list[ListDrop] = []
    for name in names:
        before = Counter(previous.get(name, ()))
        after = Counter(new.get(name, ()))
        prev_n, new_n = sum(before.values()), sum(after.values())
        removed = sum((before - after).values())
        added = sum((after - before).values())
        share = removed / prev_n if prev_n else 0.0
        reason: str | None = None
        if prev_n and not new_n:
            reason = f"the whole list is missing (had {prev_n} entries)"
        elif prev_n and share > max_drop:
            reason = (
                f"{removed} of {prev_n} entries dropped ({share:.1%} > allowed {max_drop:.1%}); "
                f"new snapshot has {new_n}"
            )
        drops.append(
            ListDrop(
                list=name,
                previous_count=prev_n,
                new_count=new_n,
                removed=removed,
                added=added,
                share=share,
                held=reason is not None,
                reason=reason,
            )
        )
    return GuardVerdict(lists=tuple(drops), max_drop=max_drop)


def identities(entries: Iterable[ListEntry]) -> dict[str, list[str]]:
    """list name -> identities, the shape `evaluate_drop` takes."""
    out: dict[str, list[str]] = {}
    for entry in entries:
        out.setdefault(entry.list, []).append(entry_identity(entry))
    return out
