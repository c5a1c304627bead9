"""The real clients against the upstream emulator in ../shared/upstream (skipped when absent)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from regwatch.archive import RawArchive
from regwatch.config import USER_AGENT, Settings
from regwatch.sources.csl import CslClient
from regwatch.sources.federal_register import FederalRegisterClient, entity_list_inspection_items
from regwatch.sources.http import HttpClient

pytestmark = pytest.mark.emulator

PI_ROOT = Path(__file__).parent / "fixtures" / "upstream_pi"
SINCE, UNTIL = dt.date(2019, 1, 1), dt.date(2024, 12, 31)


def fast_client(base_url: str, **overrides: Any) -> HttpClient:
    """Polite but quick: high request rate, tiny backoff, Retry-After capped for test speed."""
    settings = Settings(
        fr_base_url=base_url,
        csl_base_url=base_url,
        requests_per_second=overrides.pop("requests_per_second", 500.0),
        max_attempts=overrides.pop("max_attempts", 10),
        timeout_seconds=overrides.pop("timeout_seconds", 5.0),
    )
    return HttpClient(
        settings, backoff_base=0.005, backoff_max=0.05, max_retry_after=0.02, **overrides
    )


def admin(base_url: str, route: str, body: dict[str, Any] | None = None) -> Any:
    url = f"{base_url}/__admin/{route}"
    response = httpx.post(url, json=body) if body is not None else httpx.get(url)
    response.raise_for_status()
    return response.json()


def shared_documents(shared_fr: Path) -> dict[str, dict[str, Any]]:
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((shared_fr / "documents").glob("*.json"))
    }


@pytest.fixture
def archive(tmp_path: Path) -> RawArchive:
    return RawArchive(tmp_path / "raw")


@pytest.fixture
def faulty_upstream(upstream_factory: Any) -> Iterator[str]:
    with upstream_factory(faults="rate_limit:0.3,error:0.2,truncate:0.3", seed=3) as base_url:
        yield base_url


def test_search_splits_a_small_window_and_finds_the_same_documents(
    upstream: str, shared_fr: Path, archive: RawArchive
) -> None:
    expected = sorted(shared_documents(shared_fr))
    with fast_client(upstream) as http:
        fr = FederalRegisterClient(http, upstream, archive)
        wide = fr.search(SINCE, UNTIL)
        admin(upstream, "reset", {})
        admin(upstream, "faults", {"spec": "", "result_window": 4})
        narrow = fr.search(SINCE, UNTIL, per_page=2)

    assert [r["document_number"] for r in wide] == expected  # sorted by date = by number here
    assert [r["document_number"] for r in narrow] == expected
    log = admin(upstream, "requests")
    searches = [r for r in log if r["path"] == "/api/v1/documents.json"]
    assert len(searches) > 3  # the range had to be split
    for request in searches:
        query = httpx.QueryParams(request["query"])
        assert int(query.get("page", "1")) * 2 <= 4, "asked beyond the result window"
        assert query["conditions[cfr][part]"] == "744"
    assert all(r["headers"].get("User-Agent") == USER_AGENT for r in log)


def test_every_document_and_xml_under_faults(
    faulty_upstream: str, shared_fr: Path, archive: RawArchive
) -> None:
    documents = shared_documents(shared_fr)
    # all three faults at once fail ~60% of requests: allow long retry chains
    with fast_client(faulty_upstream, max_attempts=25) as http:
        fr = FederalRegisterClient(http, faulty_upstream, archive)
        found = fr.search(SINCE, UNTIL)
        assert sorted(r["document_number"] for r in found) == sorted(documents)
        for result in found:
            number = result["document_number"]
            data, payload = fr.fetch_document(number)
            assert data["document_number"] == number
            assert data["title"] == documents[number]["title"]
            assert data["citation"] == documents[number]["citation"]
            assert archive.has(payload.sha256)
            xml = fr.fetch_full_text(data["full_text_xml_url"])
            on_disk = (shared_fr / "xml" / f"{number}.xml").read_bytes()
            assert xml.sha256 == hashlib.sha256(on_disk).hexdigest(), number
            assert archive.read_bytes(xml.sha256) == on_disk

    log = admin(faulty_upstream, "requests")
    seen = Counter(r["status"] for r in log) + Counter(r["fault"] for r in log if r["fault"])
    assert seen[429] and seen[500] and seen["truncate"], seen  # every fault was exercised


def test_first_n_fail_is_retried_per_url(upstream_factory: Any, archive: RawArchive) -> None:
    with upstream_factory(faults="first_n_fail:2") as base_url, fast_client(base_url) as http:
        FederalRegisterClient(http, base_url, archive).fetch_document("2019-22210")
        statuses = [
            r["status"]
            for r in admin(base_url, "requests")
            if r["path"] == "/api/v1/documents/2019-22210.json"
        ]
    assert statuses == [503, 503, 200]


def test_hung_requests_time_out_and_are_retried(upstream_factory: Any, archive: RawArchive) -> None:
    faults = "hang:0.5@^/api/v1/documents/20"
    with (
        upstream_factory(faults=faults, seed=1) as base_url,
        fast_client(base_url, timeout_seconds=0.5) as http,
    ):
        fr = FederalRegisterClient(http, base_url, archive)
        for _ in range(3):  # with seed 1, the 3rd request of this URL (and some after) hang
            assert fr.fetch_document("2019-22210")[0]["document_number"] == "2019-22210"
        log = admin(base_url, "requests")
    assert [r["fault"] for r in log[:3]] == [None, None, "hang"]
    assert all(r["status"] is None for r in log if r["fault"] == "hang")
    # >= 3: on a loaded machine a slow answer may also time out and be retried
    assert len([r for r in log if r["status"] == 200]) >= 3


def test_csl_download_then_not_modified_then_changed(
    upstream: str, shared_dir: Path, archive: RawArchive, tmp_path: Path
) -> None:
    on_disk = shared_dir / "upstream" / "data" / "csl" / "consolidated.json"
    with fast_client(upstream) as http:
        csl = CslClient(http, upstream, archive)
        first = csl.download()
        assert first is not None
        assert first.sha256 == hashlib.sha256(on_disk.read_bytes()).hexdigest()
        assert first.size == on_disk.stat().st_size

        assert csl.download(etag=first.etag) is None

        replacement = tmp_path / "small.json"
        replacement.write_text(json.dumps({"results": [{"name": "ONLY ENTRY"}]}))
        admin(upstream, "csl", {"path": str(replacement)})
        changed = csl.download(etag=first.etag, last_modified=first.last_modified)
        assert changed is not None and changed.sha256 != first.sha256
        assert json.loads(archive.read_bytes(changed.sha256)) == {
            "results": [{"name": "ONLY ENTRY"}]
        }

    log = [r for r in admin(upstream, "requests") if "consolidated" in r["path"]]
    assert [r["status"] for r in log] == [200, 304, 200]
    assert log[1]["headers"]["If-None-Match"] == first.etag
    assert [f["status"] for f in archive.fetches()] == [200, 304, 200]


def test_truncated_csl_is_retried_and_never_archived(
    upstream_factory: Any, shared_dir: Path, archive: RawArchive
) -> None:
    on_disk = shared_dir / "upstream" / "data" / "csl" / "consolidated.csv"
    with (
        upstream_factory(faults="truncate:0.7@consolidated", seed=2) as base_url,
        fast_client(base_url) as http,
    ):
        csl = CslClient(http, base_url, archive)
        first = csl.download(fmt="csv")
        payload = csl.download(fmt="csv")  # with seed 2, the 2nd request is truncated
        faults = [r["fault"] for r in admin(base_url, "requests")]
    assert faults == [None, "truncate", None]
    assert first is not None and payload is not None and payload.sha256 == first.sha256
    assert payload.sha256 == hashlib.sha256(on_disk.read_bytes()).hexdigest()
    blobs = [p for p in (archive.root / "sha256").rglob("*") if p.is_file()]
    assert [b.name for b in blobs] == [payload.sha256]
    assert list((archive.root / "tmp").iterdir()) == []


def test_public_inspection_current(
    upstream: str, upstream_factory: Any, shared_dir: Path, archive: RawArchive
) -> None:
    with fast_client(upstream) as http:
        empty, _ = FederalRegisterClient(http, upstream, archive).public_inspection_current()
    assert empty == []  # the shared data has no public-inspection file

    roots = [shared_dir / "upstream" / "data", PI_ROOT]
    with upstream_factory(roots=roots) as base_url, fast_client(base_url) as http:
        items, payload = FederalRegisterClient(http, base_url, archive).public_inspection_current()
    assert [i["document_number"] for i in items] == ["2031-04410", "2031-04411", "2031-04399"]
    assert items[0]["json_url"].startswith(base_url)  # rewritten by the emulator
    assert [i["document_number"] for i in entity_list_inspection_items(items)] == ["2031-04410"]
    assert payload.url == f"{base_url}/api/v1/public-inspection-documents/current.json"


def test_client_rate_stays_under_a_server_limit(upstream_factory: Any, archive: RawArchive) -> None:
    args = ("--rate-limit-per-second", "5")
    with (
        upstream_factory(args=args) as base_url,
        fast_client(base_url, requests_per_second=4.0) as http,
    ):
        fr = FederalRegisterClient(http, base_url, archive)
        for _ in range(8):
            fr.fetch_document("2019-22210")
        statuses = [r["status"] for r in admin(base_url, "requests")]
    assert statuses == [200] * 8
