"""CSL benchmark: read + ingest time and peak memory of the full list; a no-change re-ingest.

Each measurement runs in a fresh child process so its peak RSS (`ru_maxrss`) is its own.
Targets (issue 5): full ingest < 5 s and < 500 MB peak; a no-change re-ingest downloads nothing.
Needs ../shared (the real 2026-07-31 list and the upstream emulator).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REGWATCH_SHARED_DIR", ROOT.parent / "shared")).resolve()
CSL_JSON = SHARED / "upstream" / "data" / "csl" / "consolidated.json"
CSL_CSV = SHARED / "upstream" / "data" / "csl" / "consolidated.csv"

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
kind, path, db = sys.argv[1], sys.argv[2], sys.argv[3]
if kind == "json.load":
    import json as j
    with open(path, encoding="utf-8") as fh:
        data = j.load(fh)
    n = len(data["results"])
elif kind == "read":
    from pathlib import Path
    from regwatch.csl import read_entries
    n = len(read_entries(Path(path)))
else:
    import datetime as dt, hashlib
    from pathlib import Path
    from regwatch.csl.ingest import ingest_csl
    from regwatch.warehouse import Warehouse
    sha = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    now = dt.datetime.now(dt.UTC)
    with Warehouse.open(Path(db)) as wh:
        t1 = time.perf_counter()
        out = ingest_csl(wh, Path(path), content_sha256=sha, as_of=now.date(), recorded_at=now)
        n = sum(i.entry_count for i in out.lists)
        t0 = t1 if kind == "ingest-only" else t0
print(json.dumps({"seconds": time.perf_counter() - t0, "entries": n,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _child(kind: str, path: Path, db: Path | None = None) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(path), str(db or "")],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _baseline_mb() -> float:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import resource, regwatch.csl, regwatch.warehouse; "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return float(out.stdout.strip())


def _no_change_reingest(tmp: Path) -> tuple[float, float, list[int]]:
    """(first download+ingest s, conditional re-run s, HTTP statuses) against the emulator."""
    sys.path.insert(0, str(SHARED / "upstream"))
    import httpx
    from harness import running  # type: ignore[import-not-found]
    from typer.testing import CliRunner

    from regwatch.cli import app

    env = {
        "REGWATCH_DB": str(tmp / "emu.duckdb"),
        "REGWATCH_ARCHIVE_DIR": str(tmp / "raw"),
        "REGWATCH_REQUESTS_PER_SECOND": "100",
    }
    with running([SHARED / "upstream" / "data"]) as base_url:
        env["REGWATCH_CSL_BASE_URL"] = base_url
        runner = CliRunner()
        t0 = time.perf_counter()
        first = runner.invoke(app, ["ingest-csl", "--json"], env=env)
        t1 = time.perf_counter()
        second = runner.invoke(app, ["ingest-csl", "--json"], env=env)
        t2 = time.perf_counter()
        if first.exit_code or second.exit_code:
            raise RuntimeError(f"ingest-csl failed: {first.output}\n{second.output}")
        log = httpx.get(f"{base_url}/__admin/requests").json()
    statuses = [int(r["status"]) for r in log if "consolidated" in r["path"]]
    return t1 - t0, t2 - t1, statuses


def main() -> None:
    if not CSL_JSON.exists():
        print(f"skipped: shared data not found at {SHARED} (set REGWATCH_SHARED_DIR)")
        return
    size_mb = CSL_JSON.stat().st_size / 1e6
    print(f"input: {CSL_JSON.name}, {size_mb:.1f} MB (real list of 2026-07-31, 25,921 records)")
    base = _baseline_mb()
    print(f"baseline peak RSS (interpreter + regwatch.csl + warehouse imports): {base:.0f} MB")
    rows = [
        ("json.load (for comparison)", _child("json.load", CSL_JSON)),
        ("read_entries JSON (streaming)", _child("read", CSL_JSON)),
        ("read_entries CSV", _child("read", CSL_CSV)),
    ]
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        rows.append(("ingest_csl into a new warehouse", _child("ingest", CSL_JSON, tmp / "a.db")))
        rows.append(("  of which ingest_csl itself", _child("ingest-only", CSL_JSON, tmp / "b.db")))
        print(f"\n{'step':<34} {'seconds':>8} {'peak RSS MB':>12} {'entries':>8}")
        for label, r in rows:
            print(f"{label:<34} {r['seconds']:>8.2f} {r['peak_mb']:>12.0f} {int(r['entries']):>8}")
        total, ingest = rows[3][1], rows[4][1]
        verdict = "OK" if ingest["seconds"] < 5 and total["peak_mb"] < 500 else "MISSED"
        print(
            f"\ntarget ingest < 5 s and < 500 MB peak: {verdict} "
            f"(ingest_csl {ingest['seconds']:.2f} s; "
            f"whole process incl. interpreter, imports and warehouse creation "
            f"{total['seconds']:.2f} s, {total['peak_mb']:.0f} MB peak)"
        )
        if os.getloadavg()[0] > (os.cpu_count() or 1):
            print(
                f"note: load average {os.getloadavg()[0]:.1f} (other work running): times inflated"
            )
        first, again, statuses = _no_change_reingest(tmp)
    print(
        f"\nvia the emulator: first `ingest-csl` (download + ingest) {first:.2f} s; "
        f"no-change re-run {again:.2f} s; CSL HTTP statuses {statuses} "
        f"({'nothing downloaded the second time' if statuses[-1:] == [304] else 'UNEXPECTED'})"
    )


if __name__ == "__main__":
    main()
