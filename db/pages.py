"""What a chat without buttons still owes its user: the rest of a cut reply and the last offered choices.

WeChat caps a passive reply at 2,048 bytes and has no inline buttons, so the adapter sends the first
page with "回复“更多”查看全文" and lists choices as numbers; the rest and the choices wait here, one row
per (platform, user), until the user asks for them. Stored, so a restart or a second worker keeps them.
"""
from __future__ import annotations

import json

from sqlite_utils.migrations import Migrations

migrations = Migrations("pages")


@migrations()
def m001_pending_page(db) -> None:
    db["pending_page"].create(
        {"id": int, "platform": str, "user_id": str, "more": str, "choices": str, "updated_at": str},
        pk="id", not_null={"platform", "user_id"},
    )
    db["pending_page"].create_index(["platform", "user_id"], unique=True)


class PagesMixin:
    migrations = migrations

    def save_pending_page(self, platform: str, user_id: str, more: str = "",
                          choices: list[tuple[str, str]] | None = None, now: str = "") -> None:
        """Remember the unsent rest of a reply and the (label, command) choices it offered."""
        with self.lock:
            self.db.execute(
                "INSERT INTO pending_page (platform, user_id, more, choices, updated_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(platform, user_id) DO UPDATE SET more = excluded.more, "
                "choices = excluded.choices, updated_at = excluded.updated_at",
                [platform, user_id, more, json.dumps(choices or [], ensure_ascii=False), now],
            )
            self.db.conn.commit()

    def pending_page(self, platform: str, user_id: str) -> dict | None:
        """{"more": str, "choices": [(label, command), …]} for a user, or None."""
        rows = list(self.db["pending_page"].rows_where(
            "platform = ? and user_id = ?", [platform, user_id], limit=1))
        if not rows:
            return None
        return {"more": rows[0]["more"] or "",
                "choices": [tuple(c) for c in json.loads(rows[0]["choices"] or "[]")]}
