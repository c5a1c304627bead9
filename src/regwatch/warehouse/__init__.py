"""The versioned DuckDB warehouse: FR documents, list snapshots, bitemporal entry history.

Public SQL (views/macros) lives in `warehouse/sql/views/`; see docs/warehouse.md.
"""

from __future__ import annotations

from regwatch.warehouse.fr import LoadStatus, ReplayOutcome
from regwatch.warehouse.lists import SnapshotOutcome, SnapshotStatus
from regwatch.warehouse.warehouse import Warehouse

__all__ = ["LoadStatus", "ReplayOutcome", "SnapshotOutcome", "SnapshotStatus", "Warehouse"]
