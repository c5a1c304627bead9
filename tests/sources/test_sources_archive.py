"""RawArchive: content addressing, atomic idempotent writes, streaming, the fetch log."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from regwatch.archive import RawArchive


def meta(url: str = "https://example.test/a") -> dict[str, Any]:
    return {
        "url": url,
        "status": 200,
        "etag": '"abc"',
        "last_modified": "Wed, 09 Oct 2019 00:00:00 GMT",
        "content_type": "application/json",
    }


def test_put_bytes_is_content_addressed_and_readable(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    data = b'{"document_number": "2019-22210"}'
    digest = hashlib.sha256(data).hexdigest()

    payload = archive.put_bytes(data, **meta())

    assert payload.sha256 == digest
    assert payload.size == len(data)
    assert Path(payload.path) == tmp_path.resolve() / "sha256" / digest[:2] / digest
    assert archive.path_for(digest) == tmp_path / "sha256" / digest[:2] / digest
    assert archive.has(digest)
    assert archive.read_bytes(digest) == data
    assert payload.etag == '"abc"' and payload.status == 200
    assert payload.fetched_at.tzinfo is not None


def test_same_bytes_twice_keep_one_blob_and_log_two_fetches(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    first = archive.put_bytes(b"same", **meta("https://a.test/1"))
    inode = os.stat(first.path).st_ino
    second = archive.put_bytes(b"same", **meta("https://a.test/2"))

    assert first.sha256 == second.sha256
    assert os.stat(second.path).st_ino == inode  # not rewritten
    assert len(list((tmp_path / "sha256").rglob("*"))) == 2  # one fan-out dir + one blob
    assert list((tmp_path / "tmp").iterdir()) == []
    fetches = list(archive.fetches())
    assert [f["url"] for f in fetches] == ["https://a.test/1", "https://a.test/2"]
    assert {f["sha256"] for f in fetches} == {first.sha256}
    assert set(fetches[0]) >= {"url", "sha256", "fetched_at", "status", "etag", "last_modified"}


def test_fetched_at_is_kept_when_given(tmp_path: Path) -> None:
    when = dt.datetime(2019, 10, 9, 12, 0, tzinfo=dt.UTC)
    payload = RawArchive(tmp_path).put_bytes(b"x", fetched_at=when, **meta())
    assert payload.fetched_at == when
    assert next(RawArchive(tmp_path).fetches())["fetched_at"] == when.isoformat()


def test_put_stream_hashes_many_chunks(tmp_path: Path) -> None:
    chunks = [bytes([i]) * 1000 for i in range(50)]
    payload = RawArchive(tmp_path).put_stream(iter(chunks), **meta())
    assert payload.sha256 == hashlib.sha256(b"".join(chunks)).hexdigest()
    assert payload.size == 50_000
    assert Path(payload.path).read_bytes() == b"".join(chunks)


def test_broken_stream_archives_and_logs_nothing(tmp_path: Path) -> None:
    def broken() -> Iterator[bytes]:
        yield b"half of a body"
        raise ConnectionError("peer went away")

    archive = RawArchive(tmp_path)
    with pytest.raises(ConnectionError):
        archive.put_stream(broken(), **meta())

    assert not (tmp_path / "sha256").exists()
    assert list((tmp_path / "tmp").iterdir()) == []
    assert list(archive.fetches()) == []


def test_put_stream_memory_stays_constant(tmp_path: Path) -> None:
    chunk = b"x" * (64 * 1024)

    def body() -> Iterator[bytes]:
        for _ in range(320):  # 20 MiB
            yield chunk

    tracemalloc.start()
    try:
        payload = RawArchive(tmp_path).put_stream(body(), **meta())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert payload.size == 320 * len(chunk)
    assert peak < 2 * 1024 * 1024, f"peak {peak} bytes for a 20 MiB body"


def test_path_for_rejects_non_digests(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    for bad in ("../../etc/passwd", "abc", "g" * 64):
        with pytest.raises(ValueError, match="sha256"):
            archive.path_for(bad)


def test_read_missing_names_the_digest(tmp_path: Path) -> None:
    digest = "0" * 64
    with pytest.raises(FileNotFoundError, match=digest):
        RawArchive(tmp_path).read_bytes(digest)
    assert not RawArchive(tmp_path).has(digest)


def test_not_modified_is_logged_without_a_blob(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    archive.log_not_modified(url="https://a.test/csl", etag='"e1"', last_modified=None)
    (entry,) = archive.fetches()
    assert entry["status"] == 304 and entry["sha256"] is None and entry["etag"] == '"e1"'


def test_torn_last_log_line_is_skipped(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    archive.put_bytes(b"one", **meta())
    with archive.fetch_log_path.open("a") as fh:
        fh.write('{"url": "https://a.test/torn", "sha2')
    assert [f["url"] for f in archive.fetches()] == ["https://example.test/a"]


def test_stale_partial_files_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    tmp_dir = tmp_path / "tmp"
    tmp_dir.mkdir()
    stale, fresh = tmp_dir / "put-old.part", tmp_dir / "put-new.part"
    stale.write_bytes(b"half a download")
    fresh.write_bytes(b"someone else's in-flight write")
    day_ago = time.time() - 25 * 3600
    os.utime(stale, (day_ago, day_ago))

    RawArchive(tmp_path)

    assert not stale.exists() and fresh.exists()
