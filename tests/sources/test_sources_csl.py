"""CslClient: streamed download into the archive, conditional re-requests."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sources_testkit import make_client

from regwatch.archive import RawArchive
from regwatch.sources.csl import CslClient

BASE = "https://data.test"
BODY = b'{"results": [' + b",".join(b'{"name": "ENTITY %d"}' % i for i in range(5000)) + b"]}"
ETAG = '"' + hashlib.sha256(BODY).hexdigest() + '"'


def csl_server(requests: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.headers.get("If-None-Match") == ETAG:
            return httpx.Response(304, headers={"ETag": ETAG})
        if request.url.path.endswith("/consolidated.json"):
            return httpx.Response(
                200, content=BODY, headers={"ETag": ETAG, "Content-Type": "application/json"}
            )
        if request.url.path.endswith("/consolidated.csv"):
            return httpx.Response(200, content=b"_id,name\n1,A\n", headers={"ETag": '"csv"'})
        return httpx.Response(404, text="Not Found")

    return handler


def test_download_streams_into_the_archive_then_304(tmp_path: Path) -> None:
    requests: list[httpx.Request] = []
    http, _ = make_client(csl_server(requests))
    csl = CslClient(http, BASE, RawArchive(tmp_path))

    first = csl.download()
    assert first is not None
    assert first.sha256 == hashlib.sha256(BODY).hexdigest() and first.size == len(BODY)
    assert first.etag == ETAG
    assert requests[0].url.path == "/downloadable_consolidated_screening_list/v1/consolidated.json"

    assert csl.download(etag=first.etag, last_modified=first.last_modified) is None
    assert requests[1].headers["If-None-Match"] == ETAG
    assert [f["status"] for f in csl.archive.fetches()] == [200, 304]


def test_download_csv(tmp_path: Path) -> None:
    http, _ = make_client(csl_server([]))
    payload = CslClient(http, BASE + "/", RawArchive(tmp_path)).download(fmt="csv")
    assert payload is not None
    assert payload.url == f"{BASE}/downloadable_consolidated_screening_list/v1/consolidated.csv"
    assert Path(payload.path).read_bytes() == b"_id,name\n1,A\n"


def test_download_rejects_unknown_format(tmp_path: Path) -> None:
    http, _ = make_client(csl_server([]))
    with pytest.raises(ValueError, match="json"):
        CslClient(http, BASE, RawArchive(tmp_path)).download(fmt="xml")  # type: ignore[arg-type]
