"""Parse throughput: `python -m benchmarks parse`.

Parses every shared FR XML document (and the project's fixtures) with `parse_fr_xml`, and
compares with a bare `lxml.etree.fromstring` + full `iter()` of the same bytes in the same
process. Target: parse time <= 2.0x the bare lxml pass.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from regwatch.models import FRDocument
from regwatch.parsing import document_from_api_json, parse_fr_xml
from regwatch.parsing.text import clear_caches

ROOT = Path(__file__).resolve().parents[1]
SHARED_FR = (
    Path(os.environ.get("REGWATCH_SHARED_DIR", ROOT.parent / "shared")) / "upstream" / "data" / "fr"
)
FIXTURES_FR = ROOT / "tests" / "fixtures" / "fr"
MIN_SECONDS = 1.5


def _load(folder: Path) -> list[tuple[bytes, FRDocument]]:
    docs: list[tuple[bytes, FRDocument]] = []
    for xml in sorted((folder / "xml").glob("*.xml")):
        meta = folder / "documents" / f"{xml.stem}.json"
        data = json.loads(meta.read_text(encoding="utf-8"))
        docs.append((xml.read_bytes(), document_from_api_json(data)))
    return docs


def _bare(docs: list[tuple[bytes, FRDocument]]) -> None:
    for data, _ in docs:
        for _el in etree.fromstring(data).iter():
            pass


def _ours(docs: list[tuple[bytes, FRDocument]]) -> None:
    clear_caches()  # no help from strings memoised by an earlier pass over the same bytes
    for data, document in docs:
        parse_fr_xml(data, document)


def _time(
    fn: Callable[[list[tuple[bytes, FRDocument]]], None], docs: list[tuple[bytes, FRDocument]]
) -> tuple[float, int]:
    """Best-of-rounds seconds per pass, repeating until MIN_SECONDS are spent."""
    fn(docs)  # warm-up
    best, passes, spent = float("inf"), 0, 0.0
    while spent < MIN_SECONDS or passes < 5:
        started = time.perf_counter()
        fn(docs)
        elapsed = time.perf_counter() - started
        best, passes, spent = min(best, elapsed), passes + 1, spent + elapsed
    return best, passes


def _report(label: str, docs: list[tuple[bytes, FRDocument]]) -> None:
    size = sum(len(d) for d, _ in docs)
    ours, n1 = _time(_ours, docs)
    bare, n2 = _time(_bare, docs)
    rows = sum(len(parse_fr_xml(d, doc).changes) for d, doc in docs)
    print(f"{label}: {len(docs)} documents, {size / 1e6:.3f} MB, {rows} rows")
    print(
        f"  regwatch parse_fr_xml : {size / ours / 1e6:8.2f} MB/s  {len(docs) / ours:8.1f} docs/s"
        f"  ({ours * 1e3:.2f} ms per pass, best of {n1})"
    )
    print(
        f"  bare lxml parse+iter  : {size / bare / 1e6:8.2f} MB/s  {len(docs) / bare:8.1f} docs/s"
        f"  ({bare * 1e3:.2f} ms per pass, best of {n2})"
    )
    ratio = ours / bare
    verdict = "OK" if ratio <= 2.0 else "ABOVE TARGET"
    print(f"  ratio regwatch / bare lxml: {ratio:.2f}x (target <= 2.0x: {verdict})")


def main() -> None:
    if (SHARED_FR / "xml").is_dir():
        _report(f"shared documents ({SHARED_FR})", _load(SHARED_FR))
    else:
        print(f"shared documents: skipped, {SHARED_FR} not found (set REGWATCH_SHARED_DIR)")
    _report(f"project fixtures ({FIXTURES_FR})", _load(FIXTURES_FR))


if __name__ == "__main__":
    main()
