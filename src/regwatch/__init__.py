"""regwatch: Entity List changes from the Federal Register and the screening list, into DuckDB."""

__version__ = "0.1.0"
