"""CLI commands: parse."""

from __future__ import annotations

from regwatch.cli.app import app  # noqa: F401
