"""An in-process stand-in for the Federal Register API and the CSL download, for `make demo`.

It serves the sample files in `demo/data/` at the same paths as the live services, through an
`httpx.MockTransport`, so the demo exercises the real client, parser and warehouse code offline.
Only what regwatch calls is implemented: document search (publication-date window, pagination),
single documents, full-text XML, public inspection and the CSL download with ETags.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

DEFAULT_DEMO_DIR = Path(__file__).resolve().parents[2] / "demo" / "data"
_INDEX_FIELDS = (
    "title",
    "type",
    "abstract",
    "document_number",
    "html_url",
    "pdf_url",
    "public_inspection_pdf_url",
    "publication_date",
    "agencies",
)


class OfflineUpstream:
    """Answers requests from files laid out like `../shared/upstream/data` (fr/, csl/)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.documents = self._load_documents()

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def _load_documents(self) -> dict[str, dict[str, Any]]:
        docs: dict[str, dict[str, Any]] = {}
        for path in sorted((self.data_dir / "fr" / "documents").glob("*.json")):
            record = json.loads(path.read_text(encoding="utf-8"))
            docs[record["document_number"]] = record
        return docs

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/v1/documents.json":
            return self._json(request, self._search(request))
        if path.startswith("/api/v1/documents/") and path.endswith(".json"):
            number = path.rsplit("/", 1)[1].removesuffix(".json")
            doc = self.documents.get(number)
            if doc is None:
                return httpx.Response(404, json={"status": 404, "message": "Record Not Found"})
            return self._json(request, doc)
        if path.startswith("/documents/full_text/xml/"):
            number = path.rsplit("/", 1)[1].removesuffix(".xml")
            return self._file(
                request, self.data_dir / "fr" / "xml" / f"{number}.xml", "application/xml"
            )
        if path == "/api/v1/public-inspection-documents/current.json":
            pi = self.data_dir / "fr" / "public_inspection" / "current.json"
            if pi.exists():
                return self._file(request, pi, "application/json")
            return self._json(request, {"count": 0, "results": []})
        if path.startswith("/downloadable_consolidated_screening_list/v1/consolidated."):
            suffix = path.rsplit(".", 1)[1]
            media = "application/json" if suffix == "json" else "text/csv"
            return self._file(request, self.data_dir / "csl" / f"consolidated.{suffix}", media)
        return httpx.Response(404, text="not found")

    def _search(self, request: httpx.Request) -> dict[str, Any]:
        params = request.url.params
        gte = params.get("conditions[publication_date][gte]")
        lte = params.get("conditions[publication_date][lte]")
        per_page = int(params.get("per_page", "20"))
        per_page = per_page if 2 <= per_page <= 1000 else 20
        page = max(1, int(params.get("page", "1")))
        matches = [
            {key: doc.get(key) for key in _INDEX_FIELDS} | {"excerpts": None}
            for doc in self.documents.values()
            if (gte is None or doc["publication_date"] >= _iso(gte))
            and (lte is None or doc["publication_date"] <= _iso(lte))
        ]
        matches.sort(key=lambda d: (d["publication_date"], d["document_number"]), reverse=True)
        body: dict[str, Any] = {"count": len(matches), "description": "regwatch demo search"}
        chunk = matches[(page - 1) * per_page : page * per_page]
        if chunk:
            total_pages = math.ceil(len(matches) / per_page)
            body |= {"total_pages": total_pages, "results": chunk}
            if page < total_pages:
                query = dict(params.multi_items()) | {"page": str(page + 1)}
                body["next_page_url"] = (
                    f"{request.url.scheme}://{request.url.host}{request.url.path}?{urlencode(query)}"
                )
        return body

    def _json(self, request: httpx.Request, payload: Any) -> httpx.Response:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        return self._bytes(request, body, "application/json; charset=utf-8")

    def _file(self, request: httpx.Request, path: Path, media: str) -> httpx.Response:
        if not path.exists():
            return httpx.Response(404, text="not found")
        return self._bytes(request, path.read_bytes(), media)

    @staticmethod
    def _bytes(request: httpx.Request, body: bytes, media: str) -> httpx.Response:
        etag = f'"{hashlib.sha256(body).hexdigest()}"'
        if request.headers.get("if-none-match") in (etag, "*"):
            return httpx.Response(304, headers={"ETag": etag})
        return httpx.Response(200, content=body, headers={"Content-Type": media, "ETag": etag})


def _iso(value: str) -> str:
    return dt.date.fromisoformat(value.replace("/", "-")).isoformat()
