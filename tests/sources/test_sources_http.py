"""HttpClient: retries, Retry-After, fast 4xx, 304, truncation, User-Agent, rate limiting."""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sources_testkit import FakeClock, make_client

from regwatch.archive import RawArchive
from regwatch.config import USER_AGENT
from regwatch.errors import SourceError
from regwatch.sources.http import RateLimiter, UpstreamStatusError, parse_retry_after

URL = "https://api.test/api/v1/documents/2019-22210.json"


Answer = httpx.Response | Exception | Callable[[], httpx.Response]


class Script:
    """A transport handler that answers from a list of responses (or exceptions), in order."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if callable(answer):
            answer = answer()
        if isinstance(answer, Exception):
            raise answer
        return answer


class _TruncatedStream(httpx.SyncByteStream):
    """Sends part of the body, then fails like a connection closed early."""

    def __init__(self, part: bytes) -> None:
        self.part = part

    def __iter__(self) -> Iterator[bytes]:
        yield self.part
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


def ok(body: bytes = b'{"ok": true}', **headers: str) -> httpx.Response:
    return httpx.Response(200, content=body, headers=headers)


def test_user_agent_and_conditional_headers_are_sent() -> None:
    script = Script(httpx.Response(304))
    client, _ = make_client(script)
    response = client.get(URL, etag='"e1"', last_modified="Wed, 09 Oct 2019 00:00:00 GMT")

    assert response.status_code == 304  # returned, not raised
    sent = script.requests[0].headers
    assert sent["User-Agent"] == USER_AGENT and "regwatch" in sent["User-Agent"]
    assert sent["If-None-Match"] == '"e1"'
    assert sent["If-Modified-Since"] == "Wed, 09 Oct 2019 00:00:00 GMT"


def test_params_repeat_keys_for_sequences() -> None:
    script = Script(ok())
    client, _ = make_client(script)
    client.get(URL, params={"conditions[type][]": ["RULE", "PRORULE"], "per_page": 5})
    query = script.requests[0].url.params
    assert query.get_list("conditions[type][]") == ["RULE", "PRORULE"]
    assert query["per_page"] == "5"


def test_429_honours_retry_after_seconds() -> None:
    script = Script(
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(429, headers={"Retry-After": "1"}),
        ok(),
    )
    client, clock = make_client(script)
    assert client.get(URL).json() == {"ok": True}
    assert clock.sleeps == [3.0, 1.0]
    assert len(script.requests) == 3


def test_retry_after_http_date_and_cap() -> None:
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=40)
    http_date = email.utils.format_datetime(when, usegmt=True)
    script = Script(
        httpx.Response(503, headers={"Retry-After": http_date}),
        httpx.Response(429, headers={"Retry-After": "86400"}),
        ok(),
    )
    client, clock = make_client(script, max_retry_after=60.0)
    client.get(URL)
    assert 35.0 <= clock.sleeps[0] <= 40.0
    assert clock.sleeps[1] == 60.0  # capped


def test_parse_retry_after_forms() -> None:
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert parse_retry_after("7", now=now) == 7.0
    assert parse_retry_after("Mon, 01 Jan 2024 00:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Sun, 31 Dec 2023 00:00:00 GMT", now=now) == 0.0  # past
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None


def test_5xx_backs_off_exponentially_with_jitter() -> None:
    script = Script(httpx.Response(500), httpx.Response(502), httpx.Response(503), ok())
    client, clock = make_client(script, max_attempts=4, backoff_base=1.0, backoff_max=60.0)
    client.get(URL)
    assert len(clock.sleeps) == 3
    for attempt, slept in enumerate(clock.sleeps, start=1):
        ceiling = 2.0 ** (attempt - 1)
        assert ceiling / 2 <= slept <= ceiling, (attempt, slept)


def test_backoff_is_capped() -> None:
    script = Script(httpx.Response(500), httpx.Response(500), httpx.Response(500), ok())
    client, clock = make_client(script, backoff_base=10.0, backoff_max=12.0)
    client.get(URL)
    assert max(clock.sleeps) <= 12.0


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("read timed out"),
        httpx.ConnectTimeout("connect timed out"),
        httpx.ConnectError("connection refused"),
        httpx.RemoteProtocolError("server disconnected"),
    ],
    ids=["read-timeout", "connect-timeout", "connect-error", "disconnect"],
)
def test_transport_failures_are_retried(failure: Exception) -> None:
    script = Script(failure, ok())
    client, clock = make_client(script)
    assert client.get(URL).status_code == 200
    assert len(script.requests) == 2 and len(clock.sleeps) == 1


def test_non_transient_transport_errors_fail_fast_as_source_errors() -> None:
    script = Script(httpx.TooManyRedirects("redirect loop"))
    client, clock = make_client(script)
    with pytest.raises(SourceError, match="TooManyRedirects"):
        client.get(URL)
    assert len(script.requests) == 1 and clock.sleeps == []


def test_body_shorter_than_content_length_is_retried() -> None:
    script = Script(
        httpx.Response(200, headers={"Content-Length": "100"}, content=b"x" * 10),
        ok(b"y" * 100),
    )
    client, _ = make_client(script)
    assert client.get(URL).content == b"y" * 100
    assert len(script.requests) == 2


def test_4xx_fails_fast_with_url_status_and_body() -> None:
    script = Script(httpx.Response(404, json={"status": 404, "message": "Record Not Found"}))
    client, clock = make_client(script)
    with pytest.raises(UpstreamStatusError) as info:
        client.get(URL)
    assert isinstance(info.value, SourceError)
    assert info.value.status == 404 and info.value.url == URL
    message = str(info.value)
    assert URL in message and "404" in message and "Record Not Found" in message
    assert len(script.requests) == 1 and clock.sleeps == []


def test_exhausted_retries_say_what_failed_how_often() -> None:
    script = Script(httpx.Response(503, text="<html>Service Unavailable</html>"))
    client, clock = make_client(script, max_attempts=3)
    with pytest.raises(SourceError, match=r"failed 3 times.*HTTP 503.*Service Unavailable"):
        client.get(URL)
    assert len(script.requests) == 3 and len(clock.sleeps) == 2


def test_rate_limit_spaces_requests_on_a_fake_clock() -> None:
    script = Script(ok())
    clock = FakeClock()
    client, _ = make_client(script, clock=clock, requests_per_second=4.0)
    starts = []
    for _ in range(4):
        client.get(URL)
        starts.append(clock.now)
    assert clock.sleeps == [0.25, 0.25, 0.25]
    assert [round(b - a, 6) for a, b in itertools.pairwise(starts)] == [0.25] * 3


def test_rate_limit_is_per_host() -> None:
    """The FR's request budget does not slow the screening-list download, and vice versa."""
    script = Script(ok(), ok(), ok())
    clock = FakeClock()
    client, _ = make_client(script, clock=clock, requests_per_second=2.0)
    client.get(URL)
    client.get("https://data.example.test/consolidated.json")
    assert clock.sleeps == []
    client.get(URL)
    assert clock.sleeps == [0.5]


def test_rate_limiter_does_not_wait_after_idle_time() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2.0, clock=clock, sleep=clock.sleep)
    assert limiter.acquire() == 0.0
    clock.now += 5.0
    assert limiter.acquire() == 0.0
    assert limiter.acquire() == 0.5
    assert RateLimiter(0, clock=clock, sleep=clock.sleep).acquire() == 0.0


def test_retries_also_respect_the_rate_limit() -> None:
    script = Script(httpx.Response(429, headers={"Retry-After": "0"}), ok())
    clock = FakeClock()
    client, _ = make_client(script, clock=clock, requests_per_second=1.0)
    client.get(URL)
    assert clock.sleeps == [0.0, 1.0]  # Retry-After 0, then the 1 req/s spacing


# -- stream_to_archive ---------------------------------------------------------------------


def test_stream_to_archive_retries_truncation_and_archives_once(tmp_path: Path) -> None:
    body = b"0123456789" * 20_000
    script = Script(
        httpx.Response(200, stream=_TruncatedStream(body[:5000])),
        httpx.Response(200, headers={"Content-Length": str(len(body))}, content=body[:100]),
        ok(body, ETag='"v1"'),
    )
    client, _ = make_client(script)
    archive = RawArchive(tmp_path)

    payload = client.stream_to_archive(URL, archive)

    assert payload is not None
    assert payload.sha256 == hashlib.sha256(body).hexdigest() and payload.etag == '"v1"'
    assert len(script.requests) == 3
    assert [p.name for p in (tmp_path / "sha256").rglob("*") if p.is_file()] == [payload.sha256]
    assert list((tmp_path / "tmp").iterdir()) == []
    assert [f["sha256"] for f in archive.fetches()] == [payload.sha256]


def test_stream_to_archive_never_archives_a_body_that_stays_truncated(tmp_path: Path) -> None:
    script = Script(lambda: httpx.Response(200, stream=_TruncatedStream(b"partial")))
    client, _ = make_client(script, max_attempts=2)
    archive = RawArchive(tmp_path)
    with pytest.raises(SourceError, match="failed 2 times"):
        client.stream_to_archive(URL, archive)
    assert not (tmp_path / "sha256").exists()
    assert list(archive.fetches()) == []


def test_stream_to_archive_304_returns_none_and_logs_the_check(tmp_path: Path) -> None:
    script = Script(httpx.Response(304, headers={"ETag": '"v1"'}))
    client, _ = make_client(script)
    archive = RawArchive(tmp_path)
    assert client.stream_to_archive(URL, archive, etag='"v1"') is None
    assert script.requests[0].headers["If-None-Match"] == '"v1"'
    (entry,) = archive.fetches()
    assert entry["status"] == 304 and entry["sha256"] is None


def test_stream_to_archive_4xx_fails_fast(tmp_path: Path) -> None:
    script = Script(httpx.Response(403, text="Forbidden: missing key"))
    client, _ = make_client(script)
    with pytest.raises(UpstreamStatusError, match=r"403.*missing key"):
        client.stream_to_archive(URL, RawArchive(tmp_path))
    assert len(script.requests) == 1


def test_context_manager_closes_the_client() -> None:
    client, _ = make_client(Script(ok()))
    with client as c:
        c.get(URL)
    with pytest.raises(RuntimeError):
        client.get(URL)
