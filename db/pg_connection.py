"""The PostgreSQL backend's connection: the same repositories over a psycopg 3 connection pool (their SQL
reaches psycopg through db/pg_sql.py). Loaded only when a postgresql:// URL is opened (db/connection.py):
a SQLite deployment never imports psycopg.

Transactions: a statement outside one runs on any pooled connection (autocommit); `transaction()`
pins one connection to the thread until the outermost block ends. SQLite's BEGIN IMMEDIATE makes every
writer wait for the others; here the outermost transaction takes the same whole-database writer lock
as a transaction-scoped advisory lock (`lock="all"`, the default), so every read-then-write verb keeps
its SQLite meaning. A verb whose statements are atomic by themselves (a conditional UPDATE, an INSERT
… ON CONFLICT) passes `lock=None`, and one that only races with itself for one member or key passes
that key (`lock="checkin:42"`): those run in parallel across workers.
"""
from __future__ import annotations

import threading
import zlib
from contextlib import contextmanager
from typing import Iterator, Sequence

import psycopg
from psycopg_pool import ConnectionPool

from db.pg_sql import PgDatabase, RawConnection, quote
from db.postgres import DatabaseUnavailable, PgMigrations, redacted

GLOBAL_LOCK = 0x7475616E  # "tuan": the advisory lock every whole-database writer takes
MIGRATE_LOCK = 0x6D696772  # "migr": one process applies migrations at a time
POOL_SIZE = 8


class PgConnection:
    """A pool of connections to one database, and its transactions (see the module docstring)."""

    backend = "postgresql"

    def __init__(self, url: str, pool_size: int = POOL_SIZE):
        self.path = url
        try:  # one direct connection first: a wrong address or password fails now, saying why
            psycopg.connect(url, connect_timeout=10).close()
        except psycopg.OperationalError as err:
            reason = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
            raise DatabaseUnavailable(f"无法连接 PostgreSQL 数据库 {redacted(url)}：{reason}") from None
        self.lock_timeout_ms = 10_000
        self.pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=True, name="tuanwu",
                                   kwargs={"autocommit": True, "cursor_factory": psycopg.ClientCursor},
                                   configure=self._configure)
        try:
            self.pool.wait(timeout=30)
        except Exception as err:  # PoolTimeout: the reason is in the log, the password nowhere
            self.pool.close()
            raise DatabaseUnavailable(f"无法连接 PostgreSQL 数据库 {redacted(url)}（{type(err).__name__}）") from None
        self.lock = threading.RLock()  # for callers that serialise threads themselves; SQL needs none
        self._local = threading.local()
        self.id_tables: set[str] = set()
        self.db = PgDatabase(self)

    def _configure(self, conn: psycopg.Connection) -> None:
        """Each pooled connection waits at most this long for a lock (SQLite's busy timeout)."""
        conn.execute(f"SET lock_timeout = {int(self.lock_timeout_ms)}")

    @contextmanager
    def cursor(self, prepared: bool = False) -> Iterator[psycopg.Cursor]:
        """A cursor on the thread's transaction, else on a pooled connection. `prepared`: one binding
        values server-side, for a hot statement each connection prepares once (parsed and planned once)."""
        def open_cursor(conn):
            return psycopg.Cursor(conn) if prepared else conn.cursor()

        conn = getattr(self._local, "conn", None)
        if conn is not None:
            with open_cursor(conn) as cur:
                yield cur
            return
        with self.pool.connection() as conn, open_cursor(conn) as cur:
            yield cur

    @property
    def in_transaction(self) -> bool:
        """Whether this thread is inside `transaction()` (its statements join that one)."""
        return getattr(self._local, "conn", None) is not None

    def _take(self, conn: psycopg.Connection, lock: str | None) -> None:
        if lock == "all":
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [GLOBAL_LOCK])
            self._local.whole = True
        elif lock:
            conn.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                         [GLOBAL_LOCK, zlib.crc32(lock.encode()) - 2 ** 31])

    @contextmanager
    def transaction(self, lock: str | None = "all") -> Iterator[RawConnection]:
        """One transaction on one connection; inside another, it joins it (taking the whole-database
        lock then if the outer one did not)."""
        local = self._local
        if getattr(local, "conn", None) is not None:
            if lock == "all" and not local.whole:
                self._take(local.conn, lock)
            yield self.db.conn
            return
        with self.pool.connection() as conn:
            with conn.transaction():
                local.conn, local.whole = conn, False
                try:
                    if self.lock_timeout_ms != 10_000:  # changed after the pool connected
                        conn.execute(f"SET LOCAL lock_timeout = {int(self.lock_timeout_ms)}")
                    self._take(conn, lock)
                    yield self.db.conn
                finally:
                    local.conn = None

    def migrate(self, sets: Sequence["PgMigrations"]) -> None:
        """Apply pending steps under an advisory lock, in one transaction: workers starting at once
        apply each step exactly once (the others wait, then find nothing pending)."""
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [MIGRATE_LOCK])
            conn.execute("CREATE TABLE IF NOT EXISTS schema_migration (migration_set TEXT NOT NULL, "
                         "name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
                         "PRIMARY KEY (migration_set, name))")
            done = {tuple(r) for r in conn.execute("SELECT migration_set, name FROM schema_migration")}
            for steps in sets:
                for name, sql in steps.steps:
                    if (steps.name, name) not in done:
                        conn.execute(sql)
                        conn.execute("INSERT INTO schema_migration (migration_set, name) VALUES (%s, %s)",
                                     [steps.name, name])
        self.id_tables = {r[0] for r in self.db.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND column_name = 'id' AND is_identity = 'YES'")}

    def advance_sequence(self, table: str) -> None:
        """After rows were inserted with their own ids, the identity continues after the largest."""
        self.db.execute(
            f"SELECT setval(s.name, GREATEST((SELECT max(id) FROM {quote(table)}), s.last, 1)) FROM (SELECT "
            f"pg_get_serial_sequence('{table}', 'id') AS name, (SELECT last_value FROM pg_sequences WHERE "
            f"format('%I.%I', schemaname, sequencename) = pg_get_serial_sequence('{table}', 'id')) AS last) s")

    def set_busy_timeout(self, ms: int) -> None:
        self.lock_timeout_ms = ms

    def close(self) -> None:
        self.pool.close()
