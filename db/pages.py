"""What a chat still owes its user (`store.pages`): the rest of an answer or of a cut reply, and the last offered choices.

An answer shows its first page and keeps the rest ("更多：回复 1"); WeChat caps a passive reply at 2,048
bytes and has no inline buttons, so its adapter sends the first page with "回复“更多”查看全文" and lists
choices as numbers. The rest and the choices wait here, one row per (platform, user, chat) — a private
chat's chat is the user — until the user asks for them. Stored, so a restart or a second worker keeps them.
"""
from __future__ import annotations

import json

from sqlite_utils.migrations import Migrations

from db.connection import Repository
from db.postgres import ID, PgMigrations
from db.rows import PendingPage

migrations = Migrations("pages")


@migrations()
def m001_pending_page(db) -> None:
    db["pending_page"].create(
        {"id": int, "platform": str, "user_id": str, "more": str, "choices": str, "updated_at": str},
        pk="id", not_null={"platform", "user_id"},
    )
    db["pending_page"].create_index(["platform", "user_id"], unique=True)


@migrations()
def m002_pending_page_per_chat(db) -> None:
    # "更多" in a group shows the rest of the answer given in that group, not one from a private chat.
    db["pending_page"].add_column("chat_id", str, not_null_default="")
    db.execute("UPDATE pending_page SET chat_id = user_id")
    db.execute("DROP INDEX IF EXISTS idx_pending_page_platform_user_id")
    db["pending_page"].create_index(["platform", "user_id", "chat_id"], unique=True)


pg_migrations = PgMigrations("pages", [("m001_pending_page", f"""
CREATE TABLE pending_page ({ID}, platform TEXT NOT NULL, user_id TEXT NOT NULL, more TEXT, choices TEXT,
    updated_at TEXT, chat_id TEXT NOT NULL DEFAULT '');
CREATE UNIQUE INDEX idx_pending_page_platform_user_id_chat_id ON pending_page (platform, user_id, chat_id);
""")])

class Pages(Repository):
    migrations = migrations
    pg_migrations = pg_migrations

    def save(self, platform: str, user_id: str, more: str | None = "",
                          choices: list[tuple[str, str]] | None = None, now: str = "", chat_id: str = "") -> None:
        """Remember the unsent rest of a reply and the (label, command) choices it offered; None keeps
        what is remembered of either."""
        chat_id = chat_id or user_id
        with self.transaction(lock=None):
            self.db.execute(
                "INSERT INTO pending_page (platform, user_id, chat_id, more, choices, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(platform, user_id, chat_id) DO UPDATE SET "
                "more = coalesce(excluded.more, pending_page.more), "
                "choices = coalesce(excluded.choices, pending_page.choices), "
                "updated_at = excluded.updated_at",
                [platform, user_id, chat_id, more, None if choices is None else json.dumps(choices, ensure_ascii=False),
                 now],
            )

    def get(self, platform: str, user_id: str, chat_id: str = "") -> PendingPage | None:
        """{"more": str, "choices": [(label, command), …]} for a user in a chat (their private chat when
        `chat_id` is empty), or None."""
        row = self.one("SELECT more, choices FROM pending_page WHERE platform = ? AND user_id = ? AND chat_id = ?",
                       [platform, user_id, chat_id or user_id])
        if row is None:
            return None
        return {"more": row["more"] or "", "choices": [tuple(c) for c in json.loads(row["choices"] or "[]")]}
