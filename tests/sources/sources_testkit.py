"""Test doubles shared by the sources tests: a fake clock and client factories."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from regwatch.config import Settings
from regwatch.sources.http import HttpClient


@dataclass
class FakeClock:
    """A monotonic clock that only moves when someone sleeps; records every sleep."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_client(
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    clock: FakeClock | None = None,
    requests_per_second: float = 0.0,
    max_attempts: int = 4,
    **kwargs: float,
) -> tuple[HttpClient, FakeClock]:
    clock = clock or FakeClock()
    settings = Settings(
        requests_per_second=requests_per_second, max_attempts=max_attempts, timeout_seconds=5.0
    )
    client = HttpClient(
        settings,
        transport=httpx.MockTransport(handler),
        sleep=clock.sleep,
        clock=clock,
        **kwargs,
    )
    return client, clock
