"""The SQLite connection every repository shares, and the one transaction helper.

One sqlite-utils Database per Store (a file in WAL mode, or memory for tests), one lock for the threads
of a process that share it, and `transaction()`: BEGIN IMMEDIATE takes the write lock up front, so a
read-then-write never fails on lock upgrade and other writers wait out the busy timeout. Transactions
nest: a verb that opens one inside another verb's joins the outer one (one commit, one rollback).
"""
from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import sqlite_utils
from sqlite_utils.migrations import Migrations

if TYPE_CHECKING:
    from db.store import Store

BUSY_TIMEOUT_MS = 10_000
MAX_PARAMS = 500  # bound values per statement, well under SQLite's limit


def is_busy(err: BaseException) -> bool:
    """True for "database is locked / busy": another connection held the write lock past the timeout,
    so trying again later can succeed (callers outside db/ need not know sqlite3's or psycopg's exceptions)."""
    from db.postgres import is_busy as pg_busy

    text = str(err).lower()
    return (isinstance(err, sqlite3.OperationalError) and ("locked" in text or "busy" in text)) or pg_busy(err)


def utc(instant: dt.datetime) -> str:
    """An aware datetime as sortable UTC text: 2030-12-24T01:00:00.000000Z."""
    return instant.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def marks(values) -> str:
    """The `?, ?, …` placeholders for an IN list."""
    return ",".join("?" * len(values))


def open_connection(target: str | Path):
    """A SQLite file (or ":memory:") or, for a postgresql:// URL, the PostgreSQL backend (db/pg_connection.py,
    imported here only: a SQLite deployment never loads psycopg)."""
    from db.postgres import is_url

    if is_url(str(target)):
        from db.pg_connection import PgConnection

        return PgConnection(str(target))
    return Connection(target)


class Connection:
    """The database file (or memory), its lock, and its transactions."""

    backend = "sqlite"

    def __init__(self, path: str | Path = ":memory:"):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
            self.db = sqlite_utils.Database(conn)
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._enable_wal()
            self.db.execute("PRAGMA synchronous = NORMAL")
        else:
            self.db = sqlite_utils.Database(sqlite3.connect(":memory:", check_same_thread=False))
        self.db.execute("PRAGMA foreign_keys = ON")
        self.lock = threading.RLock()  # one connection shared by an adapter's threads
        self._depth = 0  # open transaction levels (read and written only by the thread holding the lock)

    def _enable_wal(self) -> None:
        """WAL mode, which a file keeps once set. Switching takes an exclusive lock and SQLite does not
        wait for it (no busy handler): a process opening a fresh file while another sets it up would get
        "database is locked", so it retries — and usually finds WAL already set."""
        give_up = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self.db.enable_wal()
                return
            except sqlite3.OperationalError as err:
                if not is_busy(err) or time.monotonic() > give_up:
                    raise
                time.sleep(0.02)

    @contextmanager
    def transaction(self, lock: str | None = "all") -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK on any error); inside another, it
        joins it. Yields the raw connection for executemany and cursors. `lock` says how much a verb
        must hold on PostgreSQL (db/pg_connection.py); SQLite's write lock is always the whole file."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.db.conn
                finally:
                    self._depth -= 1
                return
            self.db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.db.conn
            except BaseException:
                self._depth = 0
                self.db.conn.rollback()
                raise
            self._depth = 0
            self.db.conn.commit()

    def migrate(self, sets: list[Migrations]) -> None:
        """Apply pending migrations under the write lock (each migration nests as a savepoint), so
        processes opening a fresh file at once apply each step exactly once: the others wait their turn
        and then find nothing pending."""
        if not any(m.pending(self.db) for m in sets):
            return
        with self.transaction():
            for migrations in sets:
                migrations.apply(self.db)

    def set_busy_timeout(self, ms: int) -> None:
        """How long a write waits for another connection's write lock before "database is locked"."""
        self.db.execute(f"PRAGMA busy_timeout = {int(ms)}")

    def close(self) -> None:
        self.db.close()


class Repository:
    """One feature's tables and verbs over the shared connection: SQL stays inside, rows come out as
    plain dicts typed in db/rows.py, so another backend can implement the same verbs."""

    migrations: Migrations | None = None  # the feature's schema steps, applied by the Store on open
    pg_migrations = None  # the same schema on PostgreSQL (db.postgres.PgMigrations)

    def __init__(self, conn: Connection, store: "Store"):
        self.conn = conn
        self.db = conn.db
        self.store = store  # to reach another repository inside one transaction

    def transaction(self, lock: str | None = "all"):
        return self.conn.transaction(lock)

    @property
    def postgres(self) -> bool:
        return self.conn.backend == "postgresql"

    def query(self, sql: str, params=()) -> list[dict]:
        """Every row of a SELECT as a dict."""
        return list(self.db.query(sql, params))

    def one(self, sql: str, params=()) -> dict | None:
        """The first row of a SELECT as a dict, or None."""
        return next(iter(self.db.query(sql, params)), None)
