"""The Store: the only door to the database, as one typed repository per feature.

    store.profiles     identities, chats, admin grants          db/profiles.py
    store.events       inbound de-duplication (update_id, MsgId) db/events.py
    store.replay       signed webhooks' (timestamp, nonce)       db/replay.py
    store.pages        what a chat is still owed ("更多", choices) db/pages.py
    store.leases       one process at a time for a shared job    db/leases.py
    store.knowledge    documents, items, passages, FTS           db/knowledge.py
    store.vectors      embeddings by text                        db/vectors.py
    store.faq          FAQ entries and their generation          db/faq.py
    store.misses       questions not answered well, grouped      db/misses.py
    store.orgs         organisations and their members           db/orgs.py
    store.checkins     check-ins, their history, excused days    db/checkins.py
    store.reminders    deadlines, subscriptions, workdays        db/reminders.py
    store.plan_points  the plans' read-only time points          db/plan_points.py
    store.outbox       occurrences, deliveries, send leases      db/outbox.py
    store.web          the dashboard's links, sessions, audit    db/web.py

Each repository module declares its schema as a sqlite-utils `Migrations` set named after the feature;
the Store applies every set on open, so adding a feature never edits another feature's schema. The
verbs are domain words and the rows plain dicts typed in db/rows.py, so another backend can implement
the same repositories; transactions go through db/connection.py's one helper.
"""
from __future__ import annotations

from pathlib import Path

from db.checkins import Checkins
from db.connection import Repository, open_connection
from db.events import Events
from db.faq import Faq
from db.knowledge import Knowledge
from db.leases import Leases
from db.misses import Misses
from db.orgs import Orgs
from db.outbox import Outbox
from db.pages import Pages
from db.plan_points import PlanPoints
from db.profiles import Profiles
from db.reminders import Reminders
from db.replay import Replay
from db.vectors import Vectors
from db.web import Web


class Store:
    """One database (a SQLite file in WAL mode, memory for tests, or a postgresql:// URL) and its repositories."""

    # Listed in dependency order: their migration sets are applied in this order (checkins reference identity).
    REPOSITORIES: tuple[tuple[str, type[Repository]], ...] = (
        ("profiles", Profiles), ("events", Events), ("knowledge", Knowledge), ("orgs", Orgs),
        ("checkins", Checkins), ("outbox", Outbox), ("reminders", Reminders), ("plan_points", PlanPoints),
        ("faq", Faq), ("misses", Misses), ("pages", Pages), ("vectors", Vectors), ("replay", Replay),
        ("leases", Leases), ("web", Web),
    )
    profiles: Profiles
    events: Events
    knowledge: Knowledge
    orgs: Orgs
    checkins: Checkins
    outbox: Outbox
    reminders: Reminders
    plan_points: PlanPoints
    faq: Faq
    misses: Misses
    pages: Pages
    vectors: Vectors
    replay: Replay
    leases: Leases
    web: Web

    def __init__(self, path: str | Path = ":memory:"):
        self.conn = open_connection(path)
        self.path = self.conn.path
        self.db = self.conn.db  # for tests that look at a table directly; features use the repositories
        self.lock = self.conn.lock
        for name, repository in self.REPOSITORIES:
            setattr(self, name, repository(self.conn, self))
        self.conn.migrate(self.migration_sets(self.conn.backend))

    @property
    def backend(self) -> str:
        """"sqlite" or "postgresql"."""
        return self.conn.backend

    @classmethod
    def migration_sets(cls, backend: str = "sqlite") -> list:
        """Every repository's schema steps for the backend, in the order they are applied."""
        attribute = "pg_migrations" if backend == "postgresql" else "migrations"
        seen: list = []
        for _, repository in cls.REPOSITORIES:
            steps = getattr(repository, attribute)
            if steps is not None and steps not in seen:
                seen.append(steps)
        return seen

    def transaction(self, lock: str | None = "all"):
        """One write transaction across repositories (see db/connection.py)."""
        return self.conn.transaction(lock)

    def set_busy_timeout(self, ms: int) -> None:
        """How long a write waits for another connection's write lock before "database is locked"."""
        self.conn.set_busy_timeout(ms)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

