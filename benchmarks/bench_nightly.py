"""No-op nightly run (nothing new upstream): wall time with Prefect vs the same work without.

Both are whole `regwatch run` processes (imports, Prefect ephemeral API start-up, network, load),
which is what a scheduler pays each night. Upstream is the shared emulator when ../shared is beside
the checkout, else the offline demo data. Target: <= 15 s with Prefect on a 2-core machine.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REGWATCH_SHARED_DIR", ROOT.parent / "shared")).resolve()


@contextlib.contextmanager
def upstream() -> Iterator[str | None]:
    harness_dir = SHARED / "upstream"
    if not (harness_dir / "harness.py").exists():
        yield None
        return
    sys.path.insert(0, str(harness_dir))
    from harness import running  # type: ignore[import-not-found]

    with running([SHARED / "upstream" / "data"]) as base_url:
        yield base_url


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    print("   ", result.stdout.splitlines()[0], "|", result.stdout.splitlines()[1].strip())
    return elapsed


@contextlib.contextmanager
def prefect_server(env: dict[str, str]) -> Iterator[str]:
    """A local Prefect server, as `make serve` runs it, so runs skip the ephemeral start-up."""
    import socket

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        yield api
    finally:
        server.terminate()
        server.wait(timeout=30)


def last_timings(db: Path) -> str:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT timings FROM runs ORDER BY started_at DESC LIMIT 1").fetchall()
    return str(rows[0][0]) if rows else "-"


def main() -> None:
    print(
        "whole `regwatch run` processes, default request rate "
        f"({os.environ.get('REGWATCH_REQUESTS_PER_SECOND', '2')}/s)"
    )
    with tempfile.TemporaryDirectory() as tmp, upstream() as base_url:
        db = Path(tmp) / "bench.duckdb"
        env = os.environ | {
            "PREFECT_HOME": str(Path(tmp) / "prefect"),
            "REGWATCH_OUTBOX_DIR": str(Path(tmp) / "outbox"),
        }
        if base_url is None:
            print("(../shared absent: using the offline demo data)")
            first_run = [sys.executable, "-m", "regwatch", "demo", "--db", str(db)]
            nightly = first_run
        else:
            env |= {"REGWATCH_FR_BASE_URL": base_url, "REGWATCH_CSL_BASE_URL": base_url}
            nightly = [sys.executable, "-m", "regwatch", "run", "--db", str(db), "--dry-run-email"]
            first_run = [*nightly, "--since", "2019-01-01"]
        first = timed([*first_run, "--no-prefect"], env)
        print(f"first run (loads everything, no Prefect): {first:6.2f} s")
        # A no-op night: the cursor window (last publication - 7 days .. today) holds only
        # documents already loaded, and the screening list answers 304.
        plain = [timed([*nightly, "--no-prefect"], env) for _ in range(3)]
        prefect = [timed(nightly, env) for _ in range(3)]
        print(
            f"no-op run without Prefect: best {min(plain):6.2f} s  (runs: "
            f"{', '.join(f'{t:.2f}' for t in plain)})"
        )
        print(
            f"no-op run with Prefect:    best {min(prefect):6.2f} s  (runs: "
            f"{', '.join(f'{t:.2f}' for t in prefect)})  target <= 15 s"
        )
        print(f"Prefect overhead:          {min(prefect) - min(plain):6.2f} s")
        with prefect_server(env) as api_url:
            served = [timed(nightly, env | {"PREFECT_API_URL": api_url}) for _ in range(3)]
        print(
            f"no-op run against a running Prefect server (as scheduled by make serve): best "
            f"{min(served):6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in served)})"
        )
        print(f"stage timings of the last run (s): {last_timings(db)}")
