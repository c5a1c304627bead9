"""One polite HTTP client for every upstream: timeouts, User-Agent, rate limit, retries.

Retries (tenacity) cover what a later attempt can cure: 429, 408, 5xx, timeouts, broken
connections and truncated bodies. ``Retry-After`` (seconds or an HTTP date) is honoured, capped;
otherwise the wait is exponential with jitter. Any other 4xx fails at once: retrying a bad
request only hammers the service. A 304 is an answer, not an error.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

import httpx
import tenacity

from regwatch.config import Settings
from regwatch.errors import SourceError

if TYPE_CHECKING:
    from regwatch.archive import RawArchive
    from regwatch.models import ArchivedPayload

log = logging.getLogger(__name__)

T = TypeVar("T")
Params = Mapping[str, str | int | Sequence[str]] | Sequence[tuple[str, str]]

CHUNK_SIZE = 64 * 1024
SNIPPET_CHARS = 300
RETRYABLE_STATUSES = frozenset({408, 429}) | frozenset(range(500, 600))


class UpstreamStatusError(SourceError):
    """An upstream answered with an HTTP status that retrying will not fix (or kept failing)."""

    def __init__(self, message: str, *, url: str, status: int) -> None:
        super().__init__(message, url=url, status=status)


class _RetryableError(Exception):
    """A failure a later attempt may cure; ``retry_after`` is the server's requested wait."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        self.reason = reason
        self.retry_after = retry_after
        super().__init__(reason)


class _IncompleteBodyError(_RetryableError):
    """Fewer bytes arrived than Content-Length announced."""


def parse_retry_after(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        log.debug("unparseable Retry-After %r ignored", value)
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    reference = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - reference).total_seconds())


class RateLimiter:
    """Minimum interval between request starts (a token bucket with a burst of one).

    Thread-safe; ``clock`` and ``sleep`` are injectable so tests need no real time.
    """

    def __init__(
        self,
        requests_per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / requests_per_second if requests_per_second > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next_at: float | None = None
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Block until a request may start; return the seconds waited."""
        if self.interval <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            start = now if self._next_at is None else max(now, self._next_at)
            self._next_at = start + self.interval
        wait = start - now
        if wait > 0:
            self._sleep(wait)
        return wait


class HttpClient:
    """httpx.Client wrapper used by every source; use as a context manager or call close()."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        max_retry_after: float = 120.0,
    ) -> None:
        self.settings = settings
        self.max_attempts = max(1, settings.max_attempts)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self._rng = random.Random()
        # One limiter per host: the FR's request budget says nothing about trade.gov's.
        self._limiters: dict[str, RateLimiter] = {}
        self._limiter_args = (settings.requests_per_second, clock, sleep)
        timeout = settings.timeout_seconds
        self._client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": settings.user_agent},
            follow_redirects=True,
        )
        self.requests_sent = 0

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- public API ----------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        params: Params | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> httpx.Response:
        """GET with retries; the body is fully read. A 304 is returned, not raised."""
        headers = _conditional_headers(etag, last_modified)
        query = _query_params(params)

        def attempt() -> httpx.Response:
            self._before_request(url)
            with _translate_transport_errors(url):
                response = self._client.get(url, params=query, headers=headers)
                self._check_status(response)
                _check_complete(response, len(response.content))
            return response

        return self._retrying(url, attempt)

    def stream_to_archive(
        self,
        url: str,
        archive: RawArchive,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> ArchivedPayload | None:
        """Stream a body into ``archive`` (constant memory); None when the server says 304.

        A body cut short is retried and never archived.
        """
        headers = _conditional_headers(etag, last_modified)

        def attempt() -> ArchivedPayload | None:
            self._before_request(url)
            with (
                _translate_transport_errors(url),
                self._client.stream("GET", url, headers=headers) as response,
            ):
                self._check_status(response)
                if response.status_code == 304:
                    log.info("not modified: %s", url)
                    archive.log_not_modified(
                        url=str(response.url),
                        etag=response.headers.get("ETag", etag),
                        last_modified=response.headers.get("Last-Modified", last_modified),
                    )
                    return None
                return archive.put_stream(
                    _verified_chunks(response),
                    url=str(response.url),
                    status=response.status_code,
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                    content_type=response.headers.get("Content-Type"),
                )

        return self._retrying(url, attempt)

    # -- internals -----------------------------------------------------------------------

    def _before_request(self, url: str) -> None:
        host = httpx.URL(url).host
        limiter = self._limiters.get(host)
        if limiter is None:
            rate, clock, sleep = self._limiter_args
            limiter = self._limiters[host] = RateLimiter(rate, clock=clock, sleep=sleep)
        limiter.acquire()
        self.requests_sent += 1

    def _retrying(self, url: str, attempt: Callable[[], T]) -> T:
        retrying = tenacity.Retrying(
            sleep=self._sleep,
            stop=tenacity.stop_after_attempt(self.max_attempts),
            wait=self._wait_seconds,
            retry=tenacity.retry_if_exception_type(_RetryableError),
            before_sleep=lambda state: _log_retry(url, state, self.max_attempts),
        )
        try:
            return retrying(attempt)
        except tenacity.RetryError as exc:
            last = exc.last_attempt.exception()
            reason = last.reason if isinstance(last, _RetryableError) else repr(last)
            raise SourceError(
                f"GET {url} failed {exc.last_attempt.attempt_number} times "
                f"(max_attempts={self.max_attempts}); last failure: {reason}. "
                "The service may be down or rate-limiting; rerun later "
                "(REGWATCH_HTTP_MAX_ATTEMPTS raises the limit)."
            ) from last

    def _wait_seconds(self, state: tenacity.RetryCallState) -> float:
        """Retry-After when the server sent one (capped), else exponential backoff + jitter."""
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _RetryableError) and exc.retry_after is not None:
            return min(exc.retry_after, self.max_retry_after)
        ceiling = min(self.backoff_max, self.backoff_base * 2.0 ** (state.attempt_number - 1))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _check_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if 200 <= status < 300 or status == 304:
            return
        url = str(response.url)
        snippet = _snippet(response)
        if status in RETRYABLE_STATUSES:
            raise _RetryableError(
                f"HTTP {status} from {url}: {snippet}",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        raise UpstreamStatusError(
            f"GET {url} answered HTTP {status} (not retried): {snippet}", url=url, status=status
        )


@contextlib.contextmanager
def _translate_transport_errors(url: str) -> Iterator[None]:
    """Turn transient httpx transport failures into retryable errors."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise _RetryableError(f"timeout ({type(exc).__name__}) on {url}") from exc
    except (httpx.NetworkError, httpx.RemoteProtocolError, httpx.DecodingError) as exc:
        raise _RetryableError(f"{type(exc).__name__} on {url}: {exc}") from exc
    except httpx.HTTPError as exc:  # bad URL, redirect loop, unsupported scheme: not transient
        raise SourceError(f"GET {url} failed ({type(exc).__name__}): {exc}") from exc


def _query_params(params: Params | None) -> httpx.QueryParams | None:
    """Query pairs in order; a sequence value repeats its key (``conditions[type][]=...``)."""
    if params is None:
        return None
    items = params.items() if isinstance(params, Mapping) else params
    pairs: list[tuple[str, str | int | float | bool | None]] = []
    for key, value in items:
        if isinstance(value, str | int):
            pairs.append((key, value))
        else:
            pairs.extend((key, v) for v in value)
    return httpx.QueryParams(pairs)


def _conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _snippet(response: httpx.Response) -> str:
    try:
        body = response.read()
    except httpx.HTTPError:
        return "<body unreadable>"
    text = body[: SNIPPET_CHARS * 4].decode("utf-8", errors="replace")
    text = " ".join(text.split())
    return text[:SNIPPET_CHARS] or "<empty body>"


def _expected_length(response: httpx.Response) -> int | None:
    """Content-Length, when it describes the bytes we will see (no content-encoding)."""
    if response.headers.get("Content-Encoding", "identity").lower() not in ("", "identity"):
        return None
    raw = response.headers.get("Content-Length")
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def _check_complete(response: httpx.Response, received: int) -> None:
    expected = _expected_length(response)
    if expected is not None and received != expected and response.status_code != 304:
        raise _IncompleteBodyError(
            f"truncated body from {response.url}: {received} of {expected} bytes"
        )


def _verified_chunks(response: httpx.Response) -> Iterator[bytes]:
    """The decoded body in chunks; raises (so nothing is archived) if it ends short."""
    received = 0
    for chunk in response.iter_bytes(CHUNK_SIZE):
        received += len(chunk)
        yield chunk
    _check_complete(response, received)


def _log_retry(url: str, state: tenacity.RetryCallState, max_attempts: int) -> None:
    exc = state.outcome.exception() if state.outcome else None
    reason = exc.reason if isinstance(exc, _RetryableError) else repr(exc)
    wait = state.next_action.sleep if state.next_action else 0.0
    log.warning(
        "GET %s attempt %d/%d failed (%s); retrying in %.2fs",
        url,
        state.attempt_number,
        max_attempts,
        reason,
        wait,
    )
