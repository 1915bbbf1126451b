"""Inbound event de-duplication (`store.events`): a platform retry (same update_id / MsgId) is seen once.

The first delivery claims the key; the reply it produced is kept so a retry can be answered with
exactly the same text without running the handler again (WeChat retries after 5 s, twice).
"""
from __future__ import annotations

import json

from sqlite_utils.migrations import Migrations

from db.connection import Repository
from db.postgres import ID, PgMigrations

migrations = Migrations("events")


@migrations()
def m001_inbound_event(db) -> None:
    db["inbound_event"].create(
        {"id": int, "platform": str, "event_key": str, "received_at": str, "reply": str},
        pk="id", not_null={"platform", "event_key"},
    )
    db["inbound_event"].create_index(["platform", "event_key"], unique=True)


pg_migrations = PgMigrations("events", [("m001_inbound_event", f"""
CREATE TABLE inbound_event ({ID}, platform TEXT NOT NULL, event_key TEXT NOT NULL, received_at TEXT, reply TEXT);
CREATE UNIQUE INDEX idx_inbound_event_platform_event_key ON inbound_event (platform, event_key);
""")])

class Events(Repository):
    migrations = migrations
    pg_migrations = pg_migrations

    def claim(self, platform: str, event_key: str, now: str = "") -> bool:
        """True the first time a (platform, key) is seen; False for every retry."""
        with self.transaction(lock=None):
            cur = self.db.execute(
                "INSERT INTO inbound_event (platform, event_key, received_at) VALUES (?, ?, ?) "
                "ON CONFLICT(platform, event_key) DO NOTHING",
                [platform, event_key, now],
            )
            return cur.rowcount == 1

    def save_reply(self, platform: str, event_key: str, reply: object) -> None:
        """Keep what the first delivery was answered, for its retries."""
        with self.transaction(lock=None):
            self.db.execute(
                "UPDATE inbound_event SET reply = ? WHERE platform = ? AND event_key = ?",
                [json.dumps(reply, ensure_ascii=False), platform, event_key],
            )

    def prune(self, before: str, batch: int = 500) -> int:
        """Forget up to `batch` events received before `before` (ISO instant), oldest first: found by a
        plain read (ids grow with time, so the scan ends at the first recent event), deleted in one short
        write transaction."""
        ids = [r[0] for r in self.db.execute(
            "SELECT id FROM inbound_event WHERE id < COALESCE((SELECT id FROM inbound_event WHERE received_at >= ? "
            "ORDER BY id LIMIT 1), 9223372036854775807) AND received_at < ? ORDER BY id LIMIT ?",
            [before, before, batch])]
        if not ids:
            return 0
        with self.transaction():
            cur = self.db.execute(f"DELETE FROM inbound_event WHERE id IN ({','.join('?' * len(ids))})", ids)
            return max(cur.rowcount, 0)

    def reply(self, platform: str, event_key: str) -> object | None:
        """What the first delivery of this event was answered (None while it is still being answered)."""
        row = self.one("SELECT reply FROM inbound_event WHERE platform = ? AND event_key = ?", [platform, event_key])
        return json.loads(row["reply"]) if row and row["reply"] is not None else None
