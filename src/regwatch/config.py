"""Settings from environment variables, overridable by CLI flags and flow parameters.

Every upstream base URL is configurable so the same code runs against the live services,
the local emulator (`../shared/upstream`) and the offline demo.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from regwatch.errors import ConfigError

DEFAULT_FR_BASE_URL = "https://www.federalregister.gov"
DEFAULT_CSL_BASE_URL = "https://data.trade.gov"
DEFAULT_DB_PATH = Path("warehouse") / "regwatch.duckdb"
# Operators should add a contact (REGWATCH_USER_AGENT), as the FR asks of heavy API users.
USER_AGENT = "regwatch/0.1 (export-control data pipeline; python-httpx)"


def _float(env: Mapping[str, str], key: str, default: float) -> float:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{key}={raw!r} is not a number") from exc


def _share(env: Mapping[str, str], key: str, default: float) -> float:
    """A share in [0, 1], written as 0.05 or 5%."""
    raw = (env.get(key) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError as exc:
        raise ConfigError(f"{key}={raw!r} is not a number (use e.g. 0.05 or 5%)") from exc
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{key}={raw!r} must be a share between 0 and 1")
    return value


def _int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{key}={raw!r} is not an integer") from exc


@dataclass(frozen=True, slots=True)
class Settings:
    fr_base_url: str = DEFAULT_FR_BASE_URL
    csl_base_url: str = DEFAULT_CSL_BASE_URL
    db_path: Path = DEFAULT_DB_PATH
    archive_dir: Path | None = None  # default: <db dir>/raw
    user_agent: str = USER_AGENT
    timeout_seconds: float = 30.0
    max_attempts: int = 6
    requests_per_second: float = 2.0
    lock_timeout_seconds: float = 120.0
    lookback_days: int = 7
    csl_max_drop: float = 0.05

    @property
    def resolved_archive_dir(self) -> Path:
        return self.archive_dir if self.archive_dir is not None else self.db_path.parent / "raw"

    def with_overrides(self, **changes: object) -> Settings:
        """Return a copy with the non-None overrides applied (CLI flags win over env vars)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        e = os.environ if env is None else env
        archive = e.get("REGWATCH_ARCHIVE_DIR")
        return cls(
            fr_base_url=e.get("REGWATCH_FR_BASE_URL", DEFAULT_FR_BASE_URL).rstrip("/"),
            csl_base_url=e.get("REGWATCH_CSL_BASE_URL", DEFAULT_CSL_BASE_URL).rstrip("/"),
            db_path=Path(e.get("REGWATCH_DB", str(DEFAULT_DB_PATH))),
            archive_dir=Path(archive) if archive else None,
            user_agent=e.get("REGWATCH_USER_AGENT", USER_AGENT),
            timeout_seconds=_float(e, "REGWATCH_HTTP_TIMEOUT", 30.0),
            max_attempts=_int(e, "REGWATCH_HTTP_MAX_ATTEMPTS", 6),
            requests_per_second=_float(e, "REGWATCH_REQUESTS_PER_SECOND", 2.0),
            lock_timeout_seconds=_float(e, "REGWATCH_LOCK_TIMEOUT", 120.0),
            lookback_days=_int(e, "REGWATCH_LOOKBACK_DAYS", 7),
            csl_max_drop=_share(e, "REGWATCH_CSL_MAX_DROP", 0.05),
        )
