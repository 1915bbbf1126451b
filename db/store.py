"""The Store: the only door to SQLite. Each feature's tables and verbs live in a mixin module of db/.

A mixin declares its schema as a sqlite-utils `Migrations` set named after the feature; `Store`
applies every set on open, so adding a feature never edits another feature's schema. The verbs are
domain words (ensure_identity, claim_event, token_postings, record_checkin …) so another backend can sit
behind them.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from db.checkins import CheckinsMixin
from db.events import EventsMixin
from db.faq import FaqMixin
from db.knowledge import KnowledgeMixin
from db.leases import LeasesMixin
from db.misses import MissesMixin
from db.orgs import OrgsMixin
from db.outbox import OutboxMixin
from db.pages import PagesMixin
from db.plan_points import PlanPointsMixin
from db.profiles import ProfilesMixin
from db.reminders import RemindersMixin
from db.replay import ReplayMixin
from db.vectors import VectorsMixin
from db.web import WebMixin

BUSY_TIMEOUT_MS = 10_000


def is_busy(err: BaseException) -> bool:
    """True for "database is locked / busy": another connection held the write lock past the timeout,
    so trying again later can succeed (callers outside db/ need not know sqlite3's exceptions)."""
    text = str(err).lower()
    return isinstance(err, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


# Listed in dependency order: migration sets are applied in this order (checkins reference identity).
class Store(ProfilesMixin, EventsMixin, KnowledgeMixin, OrgsMixin, CheckinsMixin, OutboxMixin, RemindersMixin,
            PlanPointsMixin, FaqMixin, MissesMixin, PagesMixin, VectorsMixin, ReplayMixin, LeasesMixin, WebMixin):
    """One SQLite database (a file in WAL mode, or memory for tests) with the domain verbs."""

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
        self._migrate()

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

    @classmethod
    def migration_sets(cls) -> list[Migrations]:
        seen: list[Migrations] = []
        for klass in cls.__mro__:
            m = klass.__dict__.get("migrations")
            if isinstance(m, Migrations) and m not in seen:
                seen.append(m)
        return seen

    def _migrate(self) -> None:
        """Apply pending migrations under the write lock (BEGIN IMMEDIATE; each migration nests as a
        savepoint), so processes opening a fresh file at once apply each step exactly once: the others
        wait their turn and then find nothing pending."""
        if not any(m.pending(self.db) for m in self.migration_sets()):
            return
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for migrations in self.migration_sets():
                    migrations.apply(self.db)
            except BaseException:
                self.db.conn.rollback()
                raise
            self.db.conn.commit()

    def set_busy_timeout(self, ms: int) -> None:
        """How long a write waits for another connection's write lock before "database is locked"."""
        self.db.execute(f"PRAGMA busy_timeout = {int(ms)}")

    def knowledge_version(self) -> tuple:
        """Changes whenever documents are (re)indexed or FAQ entries change (spans two mixins' tables),
        so a long-running process notices another's ingest or FAQ edit."""
        return tuple(self.db.execute(
            "SELECT (SELECT count(*) FROM document), (SELECT max(indexed_at) FROM document), "
            "(SELECT count(*) FROM faq_entry), (SELECT max(id) FROM faq_entry), "
            "(SELECT max(updated_at) FROM faq_entry), (SELECT max(id) FROM faq_build)").fetchone())

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
