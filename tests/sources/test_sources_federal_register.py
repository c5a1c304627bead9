"""FederalRegisterClient against an in-process fake of the FR API v1 (real paging rules)."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from sources_testkit import make_client

from regwatch.archive import RawArchive
from regwatch.errors import SourceError
from regwatch.sources.federal_register import (
    BIS_AGENCY_SLUG,
    FederalRegisterClient,
    entity_list_inspection_items,
)

BASE = "https://fr.test"
FIXTURES = Path(__file__).parent / "fixtures"
PI_FILE = FIXTURES / "upstream_pi" / "fr" / "public_inspection" / "current.json"
DOC_RE = re.compile(r"^/api/v1/documents/([^/]+)\.json$")
XML_RE = re.compile(r"^/documents/full_text/xml/\d{4}/\d{2}/\d{2}/([^/]+)\.xml$")


def make_docs(n: int, start: dt.date, step_days: int) -> list[dict[str, Any]]:
    docs = []
    for i in range(n):
        day = start + dt.timedelta(days=i * step_days)
        docs.append(
            {
                "document_number": f"{day.year}-{10000 + i:05d}",
                "publication_date": day.isoformat(),
                "type": "Rule",
                "title": f"Additions to the Entity List ({i})",
            }
        )
    return docs


class FakeFR:
    """Search with the real window rules: total_pages capped by the window, and a page beyond
    the window silently answered with page 1 (so a client counting to an empty page never ends).
    """

    def __init__(self, docs: list[dict[str, Any]], *, window: int = 2000) -> None:
        self.docs = docs
        self.window = window
        self.searches: list[httpx.QueryParams] = []
        self.on_page_served: Any = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/v1/documents.json":
            return self.search(request)
        if m := DOC_RE.match(path):
            return self.document(m.group(1))
        if m := XML_RE.match(path):
            if m.group(1) == "missing":
                return httpx.Response(404, html="<h1>Not Found</h1>")
            return httpx.Response(200, content=f"<RULE>{m.group(1)}</RULE>".encode())
        if path == "/api/v1/public-inspection-documents/current.json":
            return httpx.Response(200, content=PI_FILE.read_bytes())
        return httpx.Response(404, json={"status": 404, "message": "Record Not Found"})

    def search(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        self.searches.append(q)
        gte = q["conditions[publication_date][gte]"]
        lte = q["conditions[publication_date][lte]"]
        matches = sorted(
            (d for d in self.docs if gte <= d["publication_date"] <= lte),
            key=lambda d: (d["publication_date"], d["document_number"]),
        )
        per_page = int(q.get("per_page", "20"))
        page = int(q.get("page", "1"))
        if page * per_page > self.window or page > 50:
            page = 1  # the real API's silent reset
        count = len(matches)
        body: dict[str, Any] = {"count": count, "description": "Documents ..."}
        results = matches[(page - 1) * per_page : page * per_page]
        if results:
            total_pages = min(math.ceil(count / per_page), 50, self.window // per_page)
            body["results"] = results
            body["total_pages"] = total_pages
            if page < total_pages:
                body["next_page_url"] = str(request.url.copy_set_param("page", str(page + 1)))
        if self.on_page_served:
            self.on_page_served(page)
        return httpx.Response(200, json=body)

    def document(self, number: str) -> httpx.Response:
        if number == "not-json":
            return httpx.Response(200, json=["not", "a", "document"])
        for doc in self.docs:
            if doc["document_number"] == number:
                return httpx.Response(200, json={**doc, "full_text_xml_url": f"{BASE}/x.xml"})
        return httpx.Response(404, json={"status": 404, "message": "Record Not Found"})


def fr_client(fake: FakeFR, tmp_path: Path) -> FederalRegisterClient:
    http, _ = make_client(fake)
    return FederalRegisterClient(http, BASE + "/", RawArchive(tmp_path / "raw"))


def numbers(results: list[dict[str, Any]]) -> list[str]:
    return [r["document_number"] for r in results]


def test_search_sends_the_entity_list_conditions(tmp_path: Path) -> None:
    fake = FakeFR(make_docs(3, dt.date(2019, 10, 1), 3))
    fr_client(fake, tmp_path).search(dt.date(2019, 10, 1), dt.date(2019, 10, 31))
    q = fake.searches[0]
    assert q.get_list("conditions[agencies][]") == [BIS_AGENCY_SLUG]
    assert q["conditions[cfr][title]"] == "15"
    assert q["conditions[cfr][part]"] == "744"
    assert q.get_list("conditions[type][]") == ["RULE"]
    assert q["conditions[publication_date][gte]"] == "2019-10-01"
    assert q["conditions[publication_date][lte]"] == "2019-10-31"
    assert q["per_page"] == "1000"
    assert "full_text_xml_url" in q.get_list("fields[]")


def test_search_follows_next_page_url(tmp_path: Path) -> None:
    docs = make_docs(7, dt.date(2020, 1, 1), 10)
    fake = FakeFR(docs)
    results = fr_client(fake, tmp_path).search(
        dt.date(2020, 1, 1), dt.date(2020, 12, 31), per_page=2
    )
    assert numbers(results) == numbers(docs)
    assert [q.get("page", "1") for q in fake.searches] == ["1", "2", "3", "4"]


def test_search_splits_the_date_range_when_count_exceeds_the_window(tmp_path: Path) -> None:
    docs = make_docs(30, dt.date(2019, 1, 1), 70)  # 2019 .. 2024
    fake = FakeFR(docs, window=6)
    results = fr_client(fake, tmp_path).search(
        dt.date(2019, 1, 1), dt.date(2024, 12, 31), per_page=3
    )

    assert sorted(numbers(results)) == sorted(numbers(docs))
    assert len(set(numbers(results))) == 30
    # never asked for a page beyond the window (where the API silently serves page 1)
    assert all(int(q.get("page", "1")) * 3 <= 6 for q in fake.searches)
    # and the splits cover the range without overlap
    ranges = {
        (q["conditions[publication_date][gte]"], q["conditions[publication_date][lte]"])
        for q in fake.searches
    }
    assert len(ranges) > 1


def test_search_results_are_sorted_by_publication_date(tmp_path: Path) -> None:
    docs = make_docs(9, dt.date(2021, 1, 1), 20)
    fake = FakeFR(list(reversed(docs)), window=4)
    results = fr_client(fake, tmp_path).search(
        dt.date(2021, 1, 1), dt.date(2021, 12, 31), per_page=2
    )
    dates = [r["publication_date"] for r in results]
    assert dates == sorted(dates) and len(results) == 9


def test_search_deduplicates_documents_that_shift_between_pages(tmp_path: Path) -> None:
    docs = make_docs(4, dt.date(2022, 3, 1), 1)
    fake = FakeFR(list(docs))
    late = {"document_number": "2022-00001", "publication_date": "2022-02-28", "type": "Rule"}

    def publish_after_first_page(page: int) -> None:
        if page == 1 and late not in fake.docs:
            fake.docs.insert(0, late)  # everything shifts by one: page 2 repeats a document

    fake.on_page_served = publish_after_first_page
    results = fr_client(fake, tmp_path).search(
        dt.date(2022, 2, 1), dt.date(2022, 3, 31), per_page=2
    )
    assert len(numbers(results)) == len(set(numbers(results)))
    # the range is re-read when the listing came up short, so nothing is missed either
    assert set(numbers(results)) == {*numbers(docs), "2022-00001"}


def test_search_fails_clearly_when_one_day_exceeds_the_window(tmp_path: Path) -> None:
    docs = [
        {"document_number": f"2020-0{i:04d}", "publication_date": "2020-06-01", "type": "Rule"}
        for i in range(5)
    ]
    fake = FakeFR(docs, window=4)
    with pytest.raises(SourceError, match=r"2020-06-01.*5 documents"):
        fr_client(fake, tmp_path).search(dt.date(2020, 6, 1), dt.date(2020, 6, 30), per_page=2)


def test_search_with_no_results(tmp_path: Path) -> None:
    fake = FakeFR([])
    assert fr_client(fake, tmp_path).search(dt.date(2020, 1, 1), dt.date(2020, 1, 2)) == []


def test_search_condition_overrides(tmp_path: Path) -> None:
    fake = FakeFR(make_docs(1, dt.date(2020, 1, 1), 1))
    fr_client(fake, tmp_path).search(
        dt.date(2020, 1, 1),
        dt.date(2020, 1, 1),
        conditions={"conditions[type][]": ["RULE", "PRORULE"], "conditions[cfr][part]": None},
    )
    q = fake.searches[0]
    assert q.get_list("conditions[type][]") == ["RULE", "PRORULE"]
    assert "conditions[cfr][part]" not in q
    fake.searches.clear()
    fr_client(fake, tmp_path).search(dt.date(2020, 1, 1), dt.date(2020, 1, 1), types=["PRORULE"])
    assert fake.searches[0].get_list("conditions[type][]") == ["PRORULE"]
    assert q["conditions[cfr][title]"] == "15"


@pytest.mark.parametrize("per_page", [0, 1, 1001])
def test_search_rejects_per_page_the_api_would_silently_change(
    tmp_path: Path, per_page: int
) -> None:
    with pytest.raises(ValueError, match="per_page"):
        fr_client(FakeFR([]), tmp_path).search(
            dt.date(2020, 1, 1), dt.date(2020, 1, 2), per_page=per_page
        )


def test_search_pages_are_archived(tmp_path: Path) -> None:
    client = fr_client(FakeFR(make_docs(3, dt.date(2020, 1, 1), 1)), tmp_path)
    client.search(dt.date(2020, 1, 1), dt.date(2020, 1, 31), per_page=2)
    urls = [f["url"] for f in client.archive.fetches()]
    assert len(urls) == 2 and all("/api/v1/documents.json" in u for u in urls)


def test_fetch_document_returns_json_and_archived_bytes(tmp_path: Path) -> None:
    docs = make_docs(1, dt.date(2019, 10, 9), 1)
    client = fr_client(FakeFR(docs), tmp_path)
    data, payload = client.fetch_document(docs[0]["document_number"])
    assert data["document_number"] == docs[0]["document_number"]
    assert json.loads(client.archive.read_bytes(payload.sha256)) == data
    assert payload.url == f"{BASE}/api/v1/documents/{docs[0]['document_number']}.json"
    assert payload.status == 200


def test_fetch_document_errors(tmp_path: Path) -> None:
    client = fr_client(FakeFR([]), tmp_path)
    with pytest.raises(SourceError, match=r"404.*Record Not Found"):
        client.fetch_document("2099-99999")
    with pytest.raises(SourceError, match="document JSON object"):
        client.fetch_document("not-json")


def test_fetch_full_text_archives_bytes_and_resolves_relative_urls(tmp_path: Path) -> None:
    client = fr_client(FakeFR([]), tmp_path)
    payload = client.fetch_full_text("/documents/full_text/xml/2019/10/09/2019-22210.xml")
    assert client.archive.read_bytes(payload.sha256) == b"<RULE>2019-22210</RULE>"
    assert payload.url == f"{BASE}/documents/full_text/xml/2019/10/09/2019-22210.xml"


def test_fetch_full_text_404_raises(tmp_path: Path) -> None:
    client = fr_client(FakeFR([]), tmp_path)
    with pytest.raises(SourceError, match="404"):
        client.fetch_full_text(f"{BASE}/documents/full_text/xml/2019/10/09/missing.xml")
    assert list(client.archive.fetches()) == []


def test_public_inspection_current_and_entity_list_filter(tmp_path: Path) -> None:
    client = fr_client(FakeFR([]), tmp_path)
    items, payload = client.public_inspection_current()
    assert [i["document_number"] for i in items] == ["2031-04410", "2031-04411", "2031-04399"]
    assert client.archive.read_bytes(payload.sha256) == PI_FILE.read_bytes()
    upcoming = entity_list_inspection_items(items)
    assert [i["document_number"] for i in upcoming] == ["2031-04410"]
