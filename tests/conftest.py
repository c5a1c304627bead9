"""Shared fixtures: where ../shared is, the upstream emulator, temporary warehouses."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REGWATCH_SHARED_DIR", ROOT.parent / "shared")).resolve()
SHARED_DATA = SHARED / "upstream" / "data"
SHARED_FR = SHARED_DATA / "fr"
FIXTURES = ROOT / "tests" / "fixtures"

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_HOME", str(ROOT / ".prefect"))


def require_shared() -> Path:
    """Skip (with the reason) when ../shared is not beside the checkout."""
    if not (SHARED / "upstream" / "harness.py").exists():
        pytest.skip(f"shared material not found at {SHARED} (set REGWATCH_SHARED_DIR)")
    return SHARED


@pytest.fixture
def shared_dir() -> Path:
    return require_shared()


@pytest.fixture
def shared_fr() -> Path:
    require_shared()
    return SHARED_FR


def _harness() -> Any:
    require_shared()
    path = str(SHARED / "upstream")
    if path not in sys.path:
        sys.path.insert(0, path)
    import harness  # type: ignore[import-not-found]

    return harness


@pytest.fixture
def upstream_factory() -> Any:
    """`with upstream_factory(faults=..., seed=...) as base_url:` starts the emulator."""
    harness = _harness()

    def start(
        *,
        roots: list[Path] | None = None,
        faults: str | None = None,
        seed: int = 0,
        args: tuple[str, ...] = (),
    ) -> Any:
        return harness.running(roots or [SHARED_DATA], faults=faults, seed=seed, args=list(args))

    return start


@pytest.fixture
def upstream(upstream_factory: Any) -> Iterator[str]:
    """The emulator serving ../shared/upstream/data with no faults."""
    with upstream_factory() as base_url:
        yield base_url


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "regwatch.duckdb"
