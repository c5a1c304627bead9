"""Exception types a data engineer can act on.

Every error regwatch raises on purpose derives from :class:`RegwatchError`, so callers
(the CLI, flows) can tell an expected, explained failure from a bug.
"""

from __future__ import annotations


class RegwatchError(Exception):
    """Base class for regwatch's own, expected errors."""


class ConfigError(RegwatchError):
    """A setting (env var, flag, config file) is missing or invalid."""


class SourceError(RegwatchError):
    """An upstream service failed in a way retries did not cure.

    `status` is the last HTTP status seen (None for timeouts and broken connections); a 4xx other
    than 429 means the request itself is wrong or the resource is gone, so retrying will not help.
    """

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(message)

    @property
    def is_permanent(self) -> bool:
        return self.status is not None and 400 <= self.status < 500 and self.status != 429


class ParseError(RegwatchError):
    """A document could not be understood; the document is quarantined, the run goes on."""

    def __init__(self, message: str, *, document_number: str | None = None) -> None:
        self.document_number = document_number
        prefix = f"{document_number}: " if document_number else ""
        super().__init__(prefix + message)


class UnsafeDocumentError(ParseError):
    """The XML asks for entity expansion, DTD loading or network access: refused, never expanded."""


class WarehouseError(RegwatchError):
    """The DuckDB warehouse cannot be opened, migrated or written."""


class WarehouseLockedError(WarehouseError):
    """Another process holds the DuckDB file longer than the configured wait."""


class AlertError(RegwatchError):
    """Alert composition or delivery failed (alerts stay queued in the outbox)."""
