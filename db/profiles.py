"""Who is talking (`store.profiles`): identities (one per platform user) with their region and role, the
chats the bot is in, and the audit of admin grants (who made whom an admin, or took it back, and when)."""
from __future__ import annotations

from sqlite_utils.migrations import Migrations

from db.connection import Repository
from db.postgres import ID, PgMigrations
from db.rows import AdminAuditRow, Chat, GrantedAdmin, Identity, Role

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


@migrations()
def m002_handles_and_admin_audit(db) -> None:
    db["identity"].add_column("handle", str)  # the platform's @username, to find someone by it
    db["identity"].create_index(["platform", "handle"])
    db["admin_audit"].create(
        {"id": int, "at": str, "action": str, "actor": str, "actor_name": str, "target": str, "target_name": str},
        pk="id", not_null={"at", "action", "actor", "target"},
    )


pg_migrations = PgMigrations("profiles", [("m001_identity_chat_admin_audit", f"""
CREATE TABLE identity ({ID}, platform TEXT NOT NULL, platform_user_id TEXT NOT NULL, name TEXT, region TEXT,
    role TEXT DEFAULT 'member', created_at TEXT, updated_at TEXT, handle TEXT);
CREATE UNIQUE INDEX idx_identity_platform_platform_user_id ON identity (platform, platform_user_id);
CREATE INDEX idx_identity_platform_handle ON identity (platform, handle);
CREATE TABLE chat ({ID}, platform TEXT NOT NULL, platform_chat_id TEXT NOT NULL, chat_type TEXT, title TEXT,
    region TEXT, created_at TEXT);
CREATE UNIQUE INDEX idx_chat_platform_platform_chat_id ON chat (platform, platform_chat_id);
CREATE TABLE admin_audit ({ID}, at TEXT NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL, actor_name TEXT,
    target TEXT NOT NULL, target_name TEXT);
""")])

class Profiles(Repository):
    migrations = migrations
    pg_migrations = pg_migrations

    def get(self, platform: str, user_id: str) -> Identity | None:
        return self.one("SELECT * FROM identity WHERE platform = ? AND platform_user_id = ?", [platform, user_id])

    def ensure(self, platform: str, user_id: str, name: str = "", now: str = "", handle: str = "") -> Identity:
        """The identity row for a platform user, created on first contact; name and handle kept current."""
        with self.transaction(lock=None):
            self.db.execute(
                "INSERT INTO identity (platform, platform_user_id, name, handle, role, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, 'member', ?, ?) ON CONFLICT(platform, platform_user_id) DO UPDATE SET "
                "name = CASE WHEN excluded.name != '' THEN excluded.name ELSE identity.name END, "
                "handle = CASE WHEN excluded.handle != '' THEN excluded.handle ELSE identity.handle END",
                [platform, user_id, name, handle.lower(), now, now],
            )
        return self.get(platform, user_id)

    def set_region(self, platform: str, user_id: str, region: str | None, now: str = "") -> None:
        with self.transaction():
            self.ensure(platform, user_id, now=now)
            self.db.execute(
                "UPDATE identity SET region = ?, updated_at = ? WHERE platform = ? AND platform_user_id = ?",
                [region, now, platform, user_id],
            )

    def region(self, platform: str, user_id: str) -> str | None:
        """The user's own region (城市), if they set one."""
        p = self.get(platform, user_id)
        return (p or {}).get("region") or None

    def by_handle(self, platform: str, handle: str) -> Identity | None:
        """The identity with this @username on the platform (case-insensitive), if it was ever seen."""
        return self.one("SELECT * FROM identity WHERE platform = ? AND handle = ?",
                        [platform, handle.lstrip("@").lower()])

    def is_admin(self, platform: str, user_id: str) -> bool:
        """Granted the global admin role (by 管理员 添加); TUANWU_ADMINS are the settings' business."""
        p = self.get(platform, user_id)
        return bool(p and p.get("role") == "admin")

    def admin_identities(self) -> list[Identity]:
        """Every identity granted the admin role, in the order they first used the bot."""
        return self.query("SELECT * FROM identity WHERE role = 'admin' ORDER BY id")

    def grant_admin(self, platform: str, user_id: str, actor: str, actor_name: str, now: str) -> bool:
        """Make a user a global admin and audit it, in one transaction; False when they already were."""
        return self._set_admin(platform, user_id, "admin", "grant", actor, actor_name, now)

    def revoke_admin(self, platform: str, user_id: str, actor: str, actor_name: str, now: str) -> bool:
        """Take the granted admin role back and audit it; False when they had none."""
        return self._set_admin(platform, user_id, "member", "revoke", actor, actor_name, now)

    def _set_admin(self, platform: str, user_id: str, role: Role, action: str, actor: str, actor_name: str,
                   now: str) -> bool:
        with self.transaction():
            self.ensure(platform, user_id, now=now)
            cur = self.db.execute(
                "UPDATE identity SET role = ?, updated_at = ? WHERE platform = ? AND platform_user_id = ? "
                "AND role IS NOT ?", [role, now, platform, user_id, role])
            if cur.rowcount != 1:
                return False
            name = self.db.execute("SELECT name FROM identity WHERE platform = ? AND platform_user_id = ?",
                                   [platform, user_id]).fetchone()[0]
            self.db.execute(
                "INSERT INTO admin_audit (at, action, actor, actor_name, target, target_name) VALUES (?, ?, ?, ?, ?, ?)",
                [now, action, actor, actor_name, f"{platform}:{user_id}", name or ""])
        return True

    def granted_admins(self) -> list[GrantedAdmin]:
        """Users granted the admin role: platform, platform_user_id, name, and the grant (at, actor)."""
        return self.query(
            "SELECT i.platform, i.platform_user_id, i.name, a.at AS granted_at, a.actor AS granted_by "
            "FROM identity i LEFT JOIN admin_audit a ON a.id = (SELECT max(id) FROM admin_audit WHERE "
            "target = i.platform || ':' || i.platform_user_id AND action = 'grant') "
            "WHERE i.role = 'admin' ORDER BY i.id")

    def admin_audit(self, limit: int = 20) -> list[AdminAuditRow]:
        """The latest grants and revocations, newest first."""
        return self.query("SELECT * FROM admin_audit ORDER BY id DESC LIMIT ?", [limit])

    def set_role(self, platform: str, user_id: str, role: Role) -> None:
        with self.transaction():
            self.ensure(platform, user_id)
            self.db.execute("UPDATE identity SET role = ? WHERE platform = ? AND platform_user_id = ?",
                            [role, platform, user_id])

    def ensure_chat(self, platform: str, chat_id: str, chat_type: str = "private", title: str = "",
                    now: str = "") -> Chat:
        """The chat's row, created the first time the bot hears from it; its title kept current."""
        with self.transaction(lock=None):
            self.db.execute(
                "INSERT INTO chat (platform, platform_chat_id, chat_type, title, created_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(platform, platform_chat_id) DO UPDATE SET "
                "title = CASE WHEN excluded.title != '' THEN excluded.title ELSE chat.title END",
                [platform, chat_id, chat_type, title, now],
            )
        return self.one("SELECT * FROM chat WHERE platform = ? AND platform_chat_id = ?", [platform, chat_id])
