"""`regwatch` command line: one module per concern, all registered on one typer app."""

from __future__ import annotations

from regwatch.cli import alerts, csl, parse, query, run  # noqa: F401  (registers commands)
from regwatch.cli.app import app


def main() -> None:
    app()
