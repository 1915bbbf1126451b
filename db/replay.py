"""Replay memory for signed webhooks (`store.replay`): each (timestamp, nonce) a platform signed is accepted for one body.

WeChat's plain-mode signature covers only token, timestamp and nonce — not the body — so a captured
query string would otherwise carry any forged body for as long as its timestamp is accepted. The first
request with a pair records a digest of its body; the same pair later with the same body is a retry
(the MsgId de-duplication answers it), with another body a forgery. Kept in the database, not in
memory, so it holds across processes and restarts; rows older than the acceptance window are pruned.
"""
from __future__ import annotations

from sqlite_utils.migrations import Migrations

from db.connection import Repository
from db.postgres import ID, PgMigrations

migrations = Migrations("replay")


@migrations()
def m001_callback_nonce(db) -> None:
    db["callback_nonce"].create(
        {"id": int, "platform": str, "timestamp": int, "nonce": str, "digest": str},
        pk="id", not_null={"platform", "timestamp", "nonce", "digest"},
    )
    db["callback_nonce"].create_index(["platform", "timestamp", "nonce"], unique=True)
    db["callback_nonce"].create_index(["timestamp"])


pg_migrations = PgMigrations("replay", [("m001_callback_nonce", f"""
CREATE TABLE callback_nonce ({ID}, platform TEXT NOT NULL, timestamp BIGINT NOT NULL, nonce TEXT NOT NULL,
    digest TEXT NOT NULL);
CREATE UNIQUE INDEX idx_callback_nonce_platform_timestamp_nonce ON callback_nonce (platform, timestamp, nonce);
CREATE INDEX idx_callback_nonce_timestamp ON callback_nonce (timestamp);
""")])

class Replay(Repository):
    migrations = migrations
    pg_migrations = pg_migrations

    def remember(self, platform: str, timestamp: int, nonce: str, digest: str, oldest: int) -> bool:
        """False when this (timestamp, nonce) was already used with a different body. Pairs whose
        timestamp is before `oldest` (outside the acceptance window: refused anyway) are forgotten."""
        with self.transaction():
            self.db.execute("DELETE FROM callback_nonce WHERE timestamp < ?", [oldest])
            self.db.execute(
                "INSERT INTO callback_nonce (platform, timestamp, nonce, digest) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(platform, timestamp, nonce) DO NOTHING", [platform, timestamp, nonce, digest])
            row = self.db.execute("SELECT digest FROM callback_nonce WHERE platform = ? AND timestamp = ? AND "
                                  "nonce = ?", [platform, timestamp, nonce]).fetchone()
        return row[0] == digest
