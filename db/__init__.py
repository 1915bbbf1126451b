"""Persistence: the only package that touches a database (SQLite through sqlite-utils ≥ 4, WAL, migrations).

`Store` (db/store.py) is one repository per feature; rows and statuses are typed in db/rows.py.
"""
from db.connection import is_busy
from db.store import Store

__all__ = ["Store", "is_busy"]
