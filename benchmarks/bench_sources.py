"""Sources benchmark: CSL download (time, peak memory), the conditional no-change re-request,
and FR discovery + fetch of the shared documents, all against the local upstream emulator.

Run: `python -m benchmarks sources` (needs ../shared/upstream; skipped with a note otherwise).
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from regwatch.archive import RawArchive
from regwatch.config import Settings
from regwatch.sources.csl import CslClient
from regwatch.sources.federal_register import FederalRegisterClient
from regwatch.sources.http import HttpClient

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REGWATCH_SHARED_DIR", ROOT.parent / "shared")).resolve()


def _rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def main() -> None:
    harness_dir = SHARED / "upstream"
    if not (harness_dir / "harness.py").exists():
        print(f"skipped: shared material not found at {SHARED} (set REGWATCH_SHARED_DIR)")
        return
    sys.path.insert(0, str(harness_dir))
    from harness import running  # type: ignore[import-not-found]

    with running([harness_dir / "data"]) as base_url, tempfile.TemporaryDirectory() as tmp:
        settings = Settings(fr_base_url=base_url, csl_base_url=base_url, requests_per_second=50)
        archive = RawArchive(Path(tmp) / "raw")
        with HttpClient(settings) as http:
            csl = CslClient(http, base_url, archive)
            rss_before = _rss_mb()
            payload, seconds = _timed(csl.download)
            rss_after = _rss_mb()
            assert payload is not None
            print(
                f"CSL JSON download: {payload.size / 1e6:.1f} MB in {seconds:.2f} s "
                f"({payload.size / 1e6 / seconds:.0f} MB/s); process peak RSS "
                f"{rss_before:.0f} -> {rss_after:.0f} MB (+{rss_after - rss_before:.0f} MB)"
            )
            tracemalloc.start()
            again = CslClient(http, base_url, RawArchive(Path(tmp) / "raw2")).download()
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            assert again is not None
            print(f"CSL JSON download, Python heap peak (tracemalloc): {peak / 1e6:.2f} MB")

            unchanged, seconds = _timed(lambda: csl.download(etag=payload.etag))
            assert unchanged is None
            print(f"CSL no-change re-request (If-None-Match -> 304): {seconds * 1000:.1f} ms")

            fr = FederalRegisterClient(http, base_url, archive)
            found, seconds = _timed(lambda: fr.search(dt.date(2019, 1, 1), dt.date(2024, 12, 31)))
            print(f"FR search 2019-2024: {len(found)} documents in {seconds * 1000:.0f} ms")

            def fetch_all() -> int:
                for result in found:
                    data, _ = fr.fetch_document(result["document_number"])
                    fr.fetch_full_text(data["full_text_xml_url"])
                return len(found)

            count, seconds = _timed(fetch_all)
            print(
                f"FR fetch JSON + XML of {count} documents: {seconds:.2f} s at "
                f"{settings.requests_per_second:g} req/s (the rate limit dominates; "
                f"{http.requests_sent} requests in total)"
            )
