import datetime as dt

import pytest

from regwatch.errors import RegwatchError
from regwatch.pipeline import DEFAULT_FIRST_SINCE, RunRequest, plan_window, today_in_washington

TODAY = dt.date(2026, 11, 28)


def test_first_run_without_cursor_backfills_from_the_default_start() -> None:
    assert plan_window(RunRequest(), None, lookback_days=7, today=TODAY) == (
        DEFAULT_FIRST_SINCE,
        TODAY,
    )


def test_nightly_run_starts_at_cursor_minus_lookback() -> None:
    since, until = plan_window(RunRequest(), "2026-11-20", lookback_days=7, today=TODAY)
    assert (since, until) == (dt.date(2026, 11, 13), TODAY)


def test_explicit_window_wins_over_cursor() -> None:
    request = RunRequest(since=dt.date(2019, 10, 1), until=dt.date(2019, 10, 31))
    assert plan_window(request, "2026-11-20", lookback_days=7, today=TODAY) == (
        dt.date(2019, 10, 1),
        dt.date(2019, 10, 31),
    )


def test_inverted_window_is_an_error() -> None:
    with pytest.raises(RegwatchError, match="after"):
        plan_window(
            RunRequest(since=dt.date(2020, 1, 2), until=dt.date(2020, 1, 1)),
            None,
            lookback_days=0,
            today=TODAY,
        )


def test_today_is_washington_time() -> None:
    # 03:00 UTC on the 28th is still the 27th in Washington.
    assert today_in_washington(dt.datetime(2026, 11, 28, 3, tzinfo=dt.UTC)) == dt.date(2026, 11, 27)
