"""Who is talking: identities (one per platform user) with their region, and the chats the bot is in."""
from __future__ import annotations

from sqlite_utils.migrations import Migrations

migrations = Migrations("profiles")


@migrations()
def m001_identity_and_chat(db) -> None:
    db["identity"].create(
        {"id": int, "platform": str, "platform_user_id": str, "name": str, "region": str,
         "role": str, "created_at": str, "updated_at": str},
        pk="id", not_null={"platform", "platform_user_id"}, defaults={"role": "member"},
    )
    db["identity"].create_index(["platform", "platform_user_id"], unique=True)
    db["chat"].create(
        {"id": int, "platform": str, "platform_chat_id": str, "chat_type": str, "title": str,
         "region": str, "created_at": str},
        pk="id", not_null={"platform", "platform_chat_id"},
    )
    db["chat"].create_index(["platform", "platform_chat_id"], unique=True)


class ProfilesMixin:
    migrations = migrations

    def profile(self, platform: str, user_id: str) -> dict | None:
        rows = list(self.db["identity"].rows_where(
            "platform = ? and platform_user_id = ?", [platform, user_id], limit=1))
        return rows[0] if rows else None

    def ensure_identity(self, platform: str, user_id: str, name: str = "", now: str = "") -> dict:
        """The identity row for a platform user, created on first contact; the name kept current."""
        with self.lock:
            self.db.execute(
                "INSERT INTO identity (platform, platform_user_id, name, role, created_at, updated_at) "
                "VALUES (?, ?, ?, 'member', ?, ?) ON CONFLICT(platform, platform_user_id) DO UPDATE SET "
                "name = CASE WHEN excluded.name != '' THEN excluded.name ELSE identity.name END",
                [platform, user_id, name, now, now],
            )
            self.db.conn.commit()
        return self.profile(platform, user_id)

    def set_region(self, platform: str, user_id: str, region: str | None, now: str = "") -> None:
        self.ensure_identity(platform, user_id, now=now)
        with self.lock:
            self.db.execute(
                "UPDATE identity SET region = ?, updated_at = ? WHERE platform = ? AND platform_user_id = ?",
                [region, now, platform, user_id],
            )
            self.db.conn.commit()

    def region_of_user(self, platform: str, user_id: str) -> str | None:
        p = self.profile(platform, user_id)
        return (p or {}).get("region") or None

    def is_admin(self, platform: str, user_id: str) -> bool:
        p = self.profile(platform, user_id)
        return bool(p and p.get("role") == "admin")

    def set_role(self, platform: str, user_id: str, role: str) -> None:
        self.ensure_identity(platform, user_id)
        with self.lock:
            self.db.execute("UPDATE identity SET role = ? WHERE platform = ? AND platform_user_id = ?",
                            [role, platform, user_id])
            self.db.conn.commit()

    def ensure_chat(self, platform: str, chat_id: str, chat_type: str = "private", title: str = "",
                    now: str = "") -> dict:
        with self.lock:
            self.db.execute(
                "INSERT INTO chat (platform, platform_chat_id, chat_type, title, created_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(platform, platform_chat_id) DO UPDATE SET "
                "title = CASE WHEN excluded.title != '' THEN excluded.title ELSE chat.title END",
                [platform, chat_id, chat_type, title, now],
            )
            self.db.conn.commit()
        return next(self.db["chat"].rows_where("platform = ? and platform_chat_id = ?", [platform, chat_id]))
