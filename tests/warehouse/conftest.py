"""Fixtures for warehouse tests: an open warehouse on a temporary file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from regwatch.warehouse import Warehouse


@pytest.fixture
def wh(db_path: Path) -> Iterator[Warehouse]:
    with Warehouse.open(db_path, lock_timeout=5) as warehouse:
        yield warehouse
