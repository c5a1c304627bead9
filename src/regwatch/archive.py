"""Content-addressed store of every fetched body, so a parse can be redone without refetching.

Layout under ``root``::

    sha256/ab/<64 hex>   the bytes, named by their sha256 (written once, never modified)
    tmp/                 in-flight writes (same filesystem, so ``os.replace`` is atomic)
    fetches.jsonl        one JSON line per fetch: url, sha256, fetched_at, status, etag, ...

Blobs are written to a temporary file, fsynced and then renamed into place, so a crash never
leaves a partial blob under its final name. Storing the same bytes twice is a no-op for the
blob (the fetch is still logged). The fetch log is appended and fsynced line by line, so the
fetch history survives even when a run dies before its warehouse load.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from regwatch.models import ArchivedPayload

log = logging.getLogger(__name__)

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
FETCH_LOG = "fetches.jsonl"
STALE_TMP_SECONDS = 24 * 3600.0


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _fsync_dir(path: Path) -> None:
    """Persist a rename: fsync the directory entry (best effort where unsupported)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


class RawArchive:
    """A sha256-addressed blob store plus an append-only fetch log."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._log_lock = threading.Lock()
        self.remove_stale_tmp()

    def remove_stale_tmp(self, max_age_seconds: float = STALE_TMP_SECONDS) -> int:
        """Delete in-flight files left by a killed process (older than any real download)."""
        tmp_dir = self.root / "tmp"
        if not tmp_dir.is_dir():
            return 0
        cutoff = time.time() - max_age_seconds
        removed = 0
        for part in tmp_dir.glob("put-*.part"):
            try:
                if part.stat().st_mtime < cutoff:
                    part.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        if removed:
            log.info("removed %d stale partial file(s) from %s", removed, tmp_dir)
        return removed

    # -- paths ---------------------------------------------------------------------------

    @property
    def fetch_log_path(self) -> Path:
        return self.root / FETCH_LOG

    def path_for(self, sha256: str) -> Path:
        """Where the blob with this digest lives (whether or not it exists)."""
        digest = sha256.lower()
        if not _SHA256_RE.match(digest):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / "sha256" / digest[:2] / digest

    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def read_bytes(self, sha256: str) -> bytes:
        path = self.path_for(sha256)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise FileNotFoundError(
                f"payload {sha256} is not in the raw archive at {self.root}"
            ) from None

    # -- writing -------------------------------------------------------------------------

    def put_bytes(
        self,
        data: bytes,
        *,
        url: str,
        status: int,
        etag: str | None,
        last_modified: str | None,
        content_type: str | None,
        fetched_at: dt.datetime | None = None,
    ) -> ArchivedPayload:
        """Store ``data`` (if new) and log the fetch."""
        return self.put_stream(
            (data,),
            url=url,
            status=status,
            etag=etag,
            last_modified=last_modified,
            content_type=content_type,
            fetched_at=fetched_at,
        )

    def put_stream(
        self,
        chunks: Iterable[bytes],
        *,
        url: str,
        status: int,
        etag: str | None,
        last_modified: str | None,
        content_type: str | None,
        fetched_at: dt.datetime | None = None,
    ) -> ArchivedPayload:
        """Store a body arriving in chunks, hashing while writing (constant memory).

        If ``chunks`` raises (a broken download), the temporary file is removed, nothing is
        archived or logged, and the exception propagates so the caller can retry.
        """
        when = fetched_at or _utcnow()
        digest, size, tmp = self._write_tmp(chunks)
        final = self.path_for(digest)
        try:
            if final.is_file():
                log.debug("archive already holds %s (%d bytes)", digest, size)
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, final)
                _fsync_dir(final.parent)
                log.debug("archived %s (%d bytes) from %s", digest, size, url)
        finally:
            tmp.unlink(missing_ok=True)
        payload = ArchivedPayload(
            sha256=digest,
            url=url,
            fetched_at=when,
            status=status,
            etag=etag,
            last_modified=last_modified,
            content_type=content_type,
            size=size,
            path=str(final.resolve()),
        )
        self._append_log(_log_record(payload))
        return payload

    def _write_tmp(self, chunks: Iterable[bytes]) -> tuple[str, int, Path]:
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="put-", suffix=".part")
        tmp = Path(name)
        hasher = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    hasher.update(chunk)
                    fh.write(chunk)
                    size += len(chunk)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return hasher.hexdigest(), size, tmp

    # -- fetch log -----------------------------------------------------------------------

    def log_not_modified(
        self,
        *,
        url: str,
        etag: str | None,
        last_modified: str | None,
        status: int = 304,
        fetched_at: dt.datetime | None = None,
    ) -> None:
        """Record a fetch that returned no body (304), so the history shows the check."""
        self._append_log(
            {
                "url": url,
                "sha256": None,
                "fetched_at": (fetched_at or _utcnow()).isoformat(),
                "status": status,
                "etag": etag,
                "last_modified": last_modified,
                "content_type": None,
                "size": 0,
            }
        )

    def fetches(self) -> Iterator[dict[str, Any]]:
        """The fetch log, oldest first; a torn last line (crash mid-append) is skipped."""
        try:
            fh = self.fetch_log_path.open("r", encoding="utf-8")
        except FileNotFoundError:
            return
        with fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    log.warning("%s:%d is not valid JSON; skipped", self.fetch_log_path, lineno)

    def _append_log(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n"
        self.root.mkdir(parents=True, exist_ok=True)
        with self._log_lock, self.fetch_log_path.open("a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())


def _log_record(payload: ArchivedPayload) -> dict[str, Any]:
    return {
        "url": payload.url,
        "sha256": payload.sha256,
        "fetched_at": payload.fetched_at.isoformat(),
        "status": payload.status,
        "etag": payload.etag,
        "last_modified": payload.last_modified,
        "content_type": payload.content_type,
        "size": payload.size,
    }
