"""Warehouse benchmark: diffs and as-of queries on a synthetic 100k-entry, 1,000-version history.

`python -m benchmarks warehouse` prints: generation time, storage rows vs changes, `entity_diff`
latency between pairs of snapshots against a pandas merge of the same two full lists (done in this
process), `entity_list_as_of` / `entity_list_at` / `entity_diff_dates` latency, and the cost of a
no-change nightly CSL ingest through the real code path.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from regwatch.models import ListEntry
from regwatch.warehouse import Warehouse
from regwatch.warehouse.synthetic import generate

ROOT = Path(__file__).resolve().parents[1]
ENTRIES = int(os.environ.get("REGWATCH_BENCH_ENTRIES", "100000"))
VERSIONS = int(os.environ.get("REGWATCH_BENCH_VERSIONS", "1000"))
COMPARED = ["name", "country", "aliases", "addresses", "license_requirement",
            "license_review_policy", "federal_register_citations"]  # fmt: skip


DIFF_DATES = "SELECT * FROM entity_diff_dates(?, ?)"


BEST: list[float] = []  # the fastest run of the last `timed` call (the machine may be shared)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time in ms over `repeat` runs, and the last result."""
    times = []
    result: Any = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    BEST[:] = [min(times)]
    return statistics.median(times), result


def pandas_diff(a: pd.DataFrame, b: pd.DataFrame) -> tuple[int, int, int]:
    """What an analyst would do without the macro: outer-merge two lists, compare each column."""
    m = a[["entry_key", *COMPARED]].merge(
        b[["entry_key", *COMPARED]], on="entry_key", how="outer", indicator=True,
        suffixes=("_a", "_b"),
    )  # fmt: skip
    added = int((m["_merge"] == "right_only").sum())
    removed = int((m["_merge"] == "left_only").sum())
    both = m[m["_merge"] == "both"]
    changed = pd.Series(False, index=both.index)
    for column in COMPARED:
        x, y = both[f"{column}_a"], both[f"{column}_b"]
        if column in ("aliases", "addresses", "federal_register_citations"):
            x, y = x.map(lambda v: tuple(sorted(v))), y.map(lambda v: tuple(sorted(v)))
            changed |= x != y
        else:
            changed |= ~((x == y) | (x.isna() & y.isna()))
    return added, removed, int(changed.sum())


def pandas_hash_diff(a: pd.DataFrame, b: pd.DataFrame) -> int:
    """The cheapest pandas variant: merge on the stored content hash only."""
    m = a[["entry_key", "row_hash"]].merge(
        b[["entry_key", "row_hash"]], on="entry_key", how="outer", indicator=True
    )
    return int(((m["_merge"] != "both") | (m["row_hash_x"] != m["row_hash_y"])).sum())


def bench_diffs(wh: Warehouse, first: int, pairs: list[tuple[int, int]]) -> None:
    con = wh.con
    print("\nentity_diff(a, b) vs pandas (median and best ms; SQL result fetched as Arrow):")
    header = (f"  {'pair':>11} {'changes':>8} {'sql':>8} {'(best)':>8} {'pandas':>8} {'x':>6} "
              f"{'pd-hash':>8} {'x':>6} {'fetch 2 lists':>14}")  # fmt: skip
    print(header)
    for a, b in pairs:
        sa, sb = first + a - 1, first + b - 1
        sql_ms, table = timed(
            lambda sa=sa, sb=sb: con.sql(f"SELECT * FROM entity_diff({sa}, {sb})").to_arrow_table(),  # noqa: S608
            repeat=7,
        )
        sql_best = BEST[0]
        counts = dict(
            con.execute(
                "SELECT change_type, count(*) FROM entity_diff(?, ?) GROUP BY 1", [sa, sb]
            ).fetchall()
        )
        fetch_ms, frames = timed(
            lambda sa=sa, sb=sb: (
                con.execute("SELECT * FROM entity_list_at(?)", [sa]).df(),
                con.execute("SELECT * FROM entity_list_at(?)", [sb]).df(),
            ),
            repeat=1,
        )
        pd_ms, (added, removed, modified) = timed(lambda f=frames: pandas_diff(*f), repeat=1)
        hash_ms, hash_changes = timed(lambda f=frames: pandas_hash_diff(*f), repeat=3)
        expected = (counts.get("added", 0), counts.get("removed", 0), counts.get("modified", 0))
        if (added, removed, modified) != expected or hash_changes != table.num_rows:
            raise SystemExit(f"diff mismatch for {a}->{b}: sql {expected} pandas "
                             f"{(added, removed, modified)} hash {hash_changes}")  # fmt: skip
        print(f"  {a:>4}->{b:<5} {table.num_rows:>8} {sql_ms:>8.1f} {sql_best:>8.1f} {pd_ms:>8.1f} "
              f"{pd_ms / sql_ms:>5.1f}x {hash_ms:>8.1f} {hash_ms / sql_ms:>5.1f}x "
              f"{fetch_ms:>12.0f} ms")  # fmt: skip


def bench_point_queries(wh: Warehouse, first: int, start: dt.date) -> None:
    con = wh.con
    print("\npoint-in-time queries (median ms, result as Arrow):")
    for label, sql in (
        ("entity_list_as_of(date)", "SELECT * FROM entity_list_as_of(DATE '{d}')"),
        (
            "entity_list_as_of(date) count only",
            "SELECT count(*) FROM entity_list_as_of(DATE '{d}')",
        ),
        ("entity_list_at(snapshot)", "SELECT * FROM entity_list_at({s})"),
    ):
        for offset in (10, VERSIONS // 2, VERSIONS - 1):
            day = start + dt.timedelta(days=offset)
            query = sql.format(d=day.isoformat(), s=first + offset - 1)
            ms, table = timed(lambda q=query: con.sql(q).to_arrow_table(), repeat=5)
            print(f"  {label:<36} @ {offset:>4}: {ms:8.1f} ms (best {BEST[0]:.1f})  "
                  f"({table.num_rows} rows)")  # fmt: skip
    for d1, d2 in ((100, 101), (100, 130), (200, 700)):
        a, b = start + dt.timedelta(days=d1), start + dt.timedelta(days=d2)
        ms, table = timed(
            lambda a=a, b=b: con.sql(DIFF_DATES, params=[a, b]).to_arrow_table(), repeat=5
        )
        print(f"  entity_diff_dates {a} -> {b}: {ms:8.1f} ms (best {BEST[0]:.1f})  "
              f"({table.num_rows} rows)")  # fmt: skip


def bench_storage(wh: Warehouse, changes: int) -> None:
    rows, naive = wh.con.execute(
        "SELECT (SELECT count(*) FROM entry_versions), "
        "(SELECT sum(entry_count) FROM list_snapshots WHERE note = 'synthetic')"
    ).fetchall()[0]
    print("\nstorage:")
    print(f"  entry_versions rows      {rows:>12,}")
    print(f"  changes in the history   {changes:>12,}  (adds + removals + modifications)")
    print(f"  initial entries          {ENTRIES:>12,}")
    print(f"  rows - initial entries   {rows - ENTRIES:>12,}  (= one row per add/modification)")
    print(f"  full copy per snapshot   {int(naive):>12,}  rows it would take instead")


def bench_nightly_noop(tmp: Path) -> None:
    """A real-path CSL ingest of a 3,400-entry list, then nightly re-ingests of the same list."""
    path = tmp / "nightly.duckdb"
    path.unlink(missing_ok=True)
    entries = [
        ListEntry(list="entity_list", source="csl", name=f"Company {i}", country="CN",
                  aliases=(f"Alias {i}",), addresses=(f"{i} Road, Shenzhen",),
                  federal_register_citations=("84 FR 54002",))
        for i in range(3400)
    ]  # fmt: skip
    with Warehouse.open(path) as wh:

        def ingest(items: list[ListEntry], day: int) -> Any:
            return wh.ingest_list_snapshot(
                "entity_list", "csl", items, as_of=dt.date(2026, 1, day),
                recorded_at=dt.datetime(2026, 1, day, tzinfo=dt.UTC), content_sha256=f"day{day}",
            )  # fmt: skip

        first_ms, _ = timed(lambda: ingest(entries, 1), repeat=1)
        before = wh.con.execute("SELECT count(*) FROM entry_versions").fetchall()[0][0]
        noop_ms, outcome = timed(lambda: ingest(entries, 2), repeat=30)
        changed = [*entries[:-5], *(
            ListEntry(list="entity_list", source="csl", name=f"New {i}", country="RU")
            for i in range(5))]  # fmt: skip
        change_ms, changed_outcome = timed(lambda: ingest(changed, 3), repeat=1)
        after = wh.con.execute("SELECT count(*) FROM entry_versions").fetchall()[0][0]
    print("\nreal-path CSL ingest (3,400 entries):")
    print(f"  first snapshot           {first_ms:8.1f} ms")
    print(f"  30 unchanged re-ingests  {noop_ms:8.1f} ms each, status {outcome.status!r}, "
          f"rows {before} -> {before} ")  # fmt: skip
    print(f"  5 removed + 5 added      {change_ms:8.1f} ms, +{changed_outcome.added} "
          f"-{changed_outcome.removed}, rows {before} -> {after}")  # fmt: skip


def main() -> None:
    tmp = ROOT / ".bench"
    tmp.mkdir(exist_ok=True)
    path = tmp / "warehouse.duckdb"
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    start = dt.date(2021, 1, 1)
    with Warehouse.open(path) as wh:
        with wh.transaction():
            history = generate(wh.con, entries=ENTRIES, versions=VERSIONS, start=start)
        print(f"synthetic history: {history.entities:,} entities, {history.snapshots:,} snapshots, "
              f"{history.version_rows:,} version rows, {history.changes:,} changes "
              f"({history.changes / max(history.snapshots - 1, 1):.0f} per snapshot), "
              f"{history.initial_entries:,} -> {history.final_entries:,} entries; "
              f"generated in {history.seconds:.1f} s")  # fmt: skip
        wh.con.execute("CHECKPOINT")
        rng = random.Random(42)
        pairs = [(500, 501), (500, 507), (500, 530), (400, 500), (1, VERSIONS)]
        pairs += [tuple(sorted(rng.sample(range(1, VERSIONS + 1), 2))) for _ in range(2)]  # type: ignore[misc]
        bench_storage(wh, history.changes)
        bench_diffs(wh, history.first_snapshot_id, pairs)
        bench_point_queries(wh, history.first_snapshot_id, start)
    bench_nightly_noop(tmp)
    print(
        f"\n(cpu count {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}; "
        "the DuckDB timings include fetching the full result as Arrow)"
    )


if __name__ == "__main__":
    main()
