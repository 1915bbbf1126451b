"""Persistence: the only package that touches SQLite (sqlite-utils ≥ 4, WAL, migrations)."""
from db.store import Store, is_busy

__all__ = ["Store", "is_busy"]
