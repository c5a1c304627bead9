"""The trade.gov consolidated screening list (CSL) download, streamed into the raw archive.

The JSON file is ~30 MB, so it is never held in memory: the body is hashed and written to the
archive chunk by chunk. Conditional requests (If-None-Match / If-Modified-Since) mean an
unchanged file is neither downloaded nor re-ingested.
"""

from __future__ import annotations

import logging
from typing import Literal

from regwatch.archive import RawArchive
from regwatch.models import ArchivedPayload
from regwatch.sources.http import HttpClient

log = logging.getLogger(__name__)

CslFormat = Literal["json", "csv"]
DOWNLOAD_PATH = "/downloadable_consolidated_screening_list/v1/consolidated.{fmt}"


class CslClient:
    """Downloads the consolidated screening list from ``base_url`` into ``archive``."""

    def __init__(self, http: HttpClient, base_url: str, archive: RawArchive) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.archive = archive

    def url(self, fmt: CslFormat = "json") -> str:
        if fmt not in ("json", "csv"):
            raise ValueError(f"CSL format must be 'json' or 'csv', got {fmt!r}")
        return self.base_url + DOWNLOAD_PATH.format(fmt=fmt)

    def download(
        self,
        *,
        fmt: CslFormat = "json",
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> ArchivedPayload | None:
        """Stream the list into the archive; None when the server says it has not changed.

        Pass the ``etag``/``last_modified`` of the previous download to make it conditional.
        """
        url = self.url(fmt)
        payload = self.http.stream_to_archive(
            url, self.archive, etag=etag, last_modified=last_modified
        )
        if payload is None:
            log.info("CSL %s unchanged (ETag %s)", fmt, etag)
        else:
            log.info("CSL %s downloaded: %d bytes, sha256 %s", fmt, payload.size, payload.sha256)
        return payload
