"""Fixtures for the parser tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._helpers import FIXTURES_FR


@pytest.fixture
def fixtures_fr() -> Path:
    return FIXTURES_FR
