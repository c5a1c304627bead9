"""Parse throughput: `python -m benchmarks parse`.

Parses every shared FR XML document (and the project's fixtures) with `parse_fr_xml`, and
compares with a bare `lxml.etree.fromstring` + full `iter()` of the same bytes in the same
process. Target: parse time <= 2.0x the bare lxml pass.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from regwatch.models import FRDocument
from regwatch.parsing import document_from_api_json, parse_fr_xml
from regwatch.parsing.fr_xml import load_tree
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


def _hardened_parse(docs: list[tuple[bytes, FRDocument]]) -> None:
    """Only the safe lxml parse `parse_fr_xml` starts with: the floor of our own time."""
    for data, document in docs:
        load_tree(data, document.document_number)


def _ours(docs: list[tuple[bytes, FRDocument]]) -> None:
    clear_caches()  # no help from strings memoised by an earlier pass over the same bytes
    for data, document in docs:
        parse_fr_xml(data, document)


Pass = Callable[[list[tuple[bytes, FRDocument]]], None]


def _time(fns: list[Pass], docs: list[tuple[bytes, FRDocument]]) -> tuple[list[list[float]], int]:
    """Seconds of each pass function, interleaved round by round until MIN_SECONDS are spent.

    Interleaving keeps a busy machine from favouring whichever function ran in a quieter
    moment; every function gets the same number of passes.
    """
    for fn in fns:
        fn(docs)  # warm-up
    samples: list[list[float]] = [[] for _ in fns]
    rounds, spent = 0, 0.0
    while spent < MIN_SECONDS or rounds < 5:
        for fn, times in zip(fns, samples, strict=True):
            started = time.perf_counter()
            fn(docs)
            elapsed = time.perf_counter() - started
            times.append(elapsed)
            spent += elapsed
        rounds += 1
    return samples, rounds


def _report(label: str, docs: list[tuple[bytes, FRDocument]]) -> None:
    size = sum(len(d) for d, _ in docs)
    (ours_t, bare_t, parse_t), rounds = _time([_ours, _bare, _hardened_parse], docs)
    # The baseline also gets its own MIN_SECONDS of passes (many more than ours), so its best
    # time is never weakened by having fewer samples than before.
    (more_bare,), extra = _time([_bare], docs)
    ours, bare, parse = min(ours_t), min(bare_t + more_bare), min(parse_t)
    rows = sum(len(parse_fr_xml(d, doc).changes) for d, doc in docs)
    print(f"{label}: {len(docs)} documents, {size / 1e6:.3f} MB, {rows} rows")
    print(
        f"  regwatch parse_fr_xml : {size / ours / 1e6:8.2f} MB/s  {len(docs) / ours:8.1f} docs/s"
        f"  ({ours * 1e3:.2f} ms per pass, best of {rounds})"
    )
    print(
        f"  bare lxml parse+iter  : {size / bare / 1e6:8.2f} MB/s  {len(docs) / bare:8.1f} docs/s"
        f"  ({bare * 1e3:.2f} ms per pass, best of {rounds + extra})"
    )
    ratio = ours / bare
    paired = statistics.median(o / b for o, b in zip(ours_t, bare_t, strict=True))
    verdict = "OK" if ratio <= 2.0 else "ABOVE TARGET"
    print(
        f"  ratio regwatch / bare lxml: {ratio:.2f}x best-of (median of paired rounds"
        f" {paired:.2f}x) (target <= 2.0x: {verdict})"
    )
    extraction = max(ours - parse, 0.0)
    print(
        f"  of which hardened lxml parse {parse * 1e3:.2f} ms ({parse / ours:.0%}),"
        f" Python extraction {extraction * 1e3:.2f} ms"
        f" ({extraction / rows * 1e6 if rows else 0.0:.1f} us per row)"
    )


def main() -> None:
    if (SHARED_FR / "xml").is_dir():
        _report(f"shared documents ({SHARED_FR})", _load(SHARED_FR))
    else:
        print(f"shared documents: skipped, {SHARED_FR} not found (set REGWATCH_SHARED_DIR)")
    _report(f"project fixtures ({FIXTURES_FR})", _load(FIXTURES_FR))


if __name__ == "__main__":
    main()
