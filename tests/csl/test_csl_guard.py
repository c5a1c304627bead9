"""The mass-deletion guard: a pure decision over previous vs new identities per list."""

from __future__ import annotations

from pathlib import Path

import pytest

from regwatch.csl import read_entries
from regwatch.csl.guard import (
    entry_identity,
    evaluate_drop,
    identities,
    max_drop_from_env,
)
from regwatch.errors import ConfigError
from regwatch.models import ListEntry


def _keys(n: int, prefix: str = "e") -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def test_first_snapshot_is_never_held() -> None:
    verdict = evaluate_drop({}, {"entity_list": _keys(10)})
    assert not verdict.held
    drop = verdict.for_list("entity_list")
    assert drop is not None and drop.added == 10 and drop.removed == 0


def test_a_drop_at_the_threshold_passes_and_above_it_is_held() -> None:
    before = {"entity_list": _keys(100)}
    at = evaluate_drop(before, {"entity_list": _keys(95)}, max_drop=0.05)
    assert not at.held
    above = evaluate_drop(before, {"entity_list": _keys(94)}, max_drop=0.05)
    assert above.held and above.held_lists == ("entity_list",)
    drop = above.for_list("entity_list")
    assert drop is not None
    assert (drop.previous_count, drop.new_count, drop.removed) == (100, 94, 6)
    assert drop.share == pytest.approx(0.06)
    assert "6 of 100" in above.message() and "--accept-drop" in above.message()


def test_replacing_entries_counts_as_a_drop_even_when_the_count_is_stable() -> None:
    before = {"entity_list": _keys(100)}
    after = {"entity_list": _keys(90) + _keys(10, prefix="new")}
    verdict = evaluate_drop(before, after, max_drop=0.05)
    drop = verdict.for_list("entity_list")
    assert drop is not None and drop.removed == 10 and drop.added == 10
    assert verdict.held


def test_a_missing_list_is_held_whatever_the_threshold() -> None:
    before = {"entity_list": _keys(50), "unverified": _keys(3)}
    verdict = evaluate_drop(before, {"entity_list": _keys(50)}, max_drop=1.0)
    assert verdict.held_lists == ("unverified",)
    drop = verdict.for_list("unverified")
    assert drop is not None and "whole list" in (drop.reason or "")


def test_duplicate_identities_are_counted() -> None:
    verdict = evaluate_drop({"l": ["a", "a", "b", "c"]}, {"l": ["a", "b", "c"]}, max_drop=0.2)
    drop = verdict.for_list("l")
    assert drop is not None and drop.removed == 1 and verdict.held


def test_lists_argument_reports_untouched_lists() -> None:
    verdict = evaluate_drop({}, {}, lists=["entity_list", "denied_persons"])
    assert [d.list for d in verdict.lists] == ["entity_list", "denied_persons"]
    assert not verdict.held


def test_identity_ignores_case_punctuation_and_country_spelling() -> None:
    a = ListEntry(list="entity_list", source="csl", name="Sense Time Co., Ltd.", country="CN")
    b = ListEntry(
        list="entity_list",
        source="federal_register",
        name="SENSETIME CO LTD",
        country="CHINA, PEOPLE'S REPUBLIC OF",
    )
    assert entry_identity(a) == entry_identity(b)


@pytest.mark.parametrize(("raw", "expected"), [("", 0.05), ("0.1", 0.1), ("12.5%", 0.125)])
def test_max_drop_from_env(raw: str, expected: float) -> None:
    assert max_drop_from_env({"REGWATCH_CSL_MAX_DROP": raw}) == pytest.approx(expected)


@pytest.mark.parametrize("raw", ["abc", "1.5", "-0.1"])
def test_bad_max_drop_is_a_config_error(raw: str) -> None:
    with pytest.raises(ConfigError, match="REGWATCH_CSL_MAX_DROP"):
        max_drop_from_env({"REGWATCH_CSL_MAX_DROP": raw})
    with pytest.raises(ConfigError):
        evaluate_drop({}, {}, max_drop=2.0)


def test_the_2019_extract_after_the_full_list_is_held(shared_dir: Path) -> None:
    full = read_entries(shared_dir / "upstream" / "data" / "csl" / "consolidated.json")
    extract = read_entries(shared_dir / "reference" / "csl" / "csl_extract_2019.csv")
    verdict = evaluate_drop(identities(full), identities(extract))
    assert set(verdict.held_lists) == {
        "entity_list",
        "denied_persons",
        "unverified",
        "military_end_user",
    }
    el = verdict.for_list("entity_list")
    assert el is not None and el.previous_count == 3420 and el.new_count == 22
    # the MEU list did not exist in 2019: that list's first snapshot is never held
    meu = evaluate_drop(identities(extract), identities(full)).for_list("military_end_user")
    assert meu is not None and not meu.held
