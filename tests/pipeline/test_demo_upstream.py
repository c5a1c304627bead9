"""The offline stand-in used by `make demo` answers like the real services for what we call."""

import json

import httpx

from regwatch.demo import DEFAULT_DEMO_DIR, OfflineUpstream


def client() -> httpx.Client:
    return httpx.Client(
        transport=OfflineUpstream(DEFAULT_DEMO_DIR).transport(),
        base_url="https://www.federalregister.gov",
    )


def test_search_filters_by_publication_date_and_pages() -> None:
    with client() as c:
        params = {
            "conditions[publication_date][gte]": "2021-01-01",
            "conditions[publication_date][lte]": "2021-12-31",
            "per_page": "2",
        }
        body = c.get("/api/v1/documents.json", params=params).json()
    assert body["count"] == 1
    assert [r["document_number"] for r in body["results"]] == ["2021-13395"]
    assert "next_page_url" not in body


def test_pagination_follows_next_page_url() -> None:
    seen = []
    with client() as c:
        url = "/api/v1/documents.json?per_page=2&page=1"
        body = c.get(url).json()
        assert body["count"] == len(list((DEFAULT_DEMO_DIR / "fr" / "documents").glob("*.json")))
        seen += [r["document_number"] for r in body["results"]]
        while "next_page_url" in body:
            body = c.get(body["next_page_url"]).json()
            seen += [r["document_number"] for r in body["results"]]
    assert len(seen) == len(set(seen)) == body["count"]


def test_documents_xml_and_csl_are_served_with_etags() -> None:
    with client() as c:
        doc = c.get("/api/v1/documents/2021-13395.json").json()
        xml = c.get(doc["full_text_xml_url"])
        assert xml.status_code == 200 and xml.content.startswith(b"<?xml")
        csl = c.get(
            "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.json"
        )
        assert json.loads(csl.content)["results"]
        again = c.get(csl.url, headers={"If-None-Match": csl.headers["ETag"]})
        assert again.status_code == 304
        assert c.get("/api/v1/documents/1999-00000.json").status_code == 404
