"""The typer application every command module registers on."""

from __future__ import annotations

import os
from pathlib import Path

import typer

# Prefect must be configured before it is first imported (flows import it lazily): no
# telemetry (offline it floods the log), a patient ephemeral start-up, and its state kept in
# ./.prefect rather than the user's home.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_HOME", str(Path(".prefect").resolve()))
Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)

app = typer.Typer(
    name="regwatch",
    help="Entity List changes from the Federal Register and the screening list, into DuckDB.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
def version() -> None:
    """Print regwatch's version."""
    from regwatch import __version__

    typer.echo(__version__)
