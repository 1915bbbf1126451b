"""Organisations (单位) and their members (`store.orgs`): a group chat is an org, or a member names one
in private.

A member belongs to one org at a time (org_member is keyed by identity), which is what the daily
reminder and the 今日 list read. The tables are created by the "checkins" migration set (db/checkins.py).
"""
from __future__ import annotations

from db.connection import MAX_PARAMS, Repository, marks
from db.rows import Org, OrgMember
from db.values import storable

ORG_COLUMNS = "o.id, o.name, o.platform, o.platform_chat_id, o.region, o.timezone, o.backfill_days"


class Orgs(Repository):
    def _where(self, where: str, params: list) -> list[Org]:
        return self.query(f"SELECT {ORG_COLUMNS} FROM org o WHERE {where} ORDER BY o.id", params)

    def get(self, org_id: int) -> Org | None:
        if not storable(org_id):
            return None
        rows = self._where("o.id = ?", [org_id])
        return rows[0] if rows else None

    def all(self) -> list[Org]:
        """Every org: id, name, platform, platform_chat_id (None for a named org), region, timezone."""
        return self._where("TRUE", [])

    def of_chat(self, platform: str, chat_id: str) -> Org | None:
        """The org a group chat is, when it has been used as one."""
        rows = self._where("o.platform = ? AND o.platform_chat_id = ?", [platform, chat_id])
        return rows[0] if rows else None

    def named(self, name: str) -> list[Org]:
        return self._where("o.name = ?", [name])

    def ensure_group(self, platform: str, chat_id: str, title: str, timezone: str,
                     region: str | None = None, now: str = "") -> Org:
        """The org of a group chat, created on first use; its name follows the chat's title."""
        with self.transaction(lock=None):
            self.db.execute(
                "INSERT INTO org (name, platform, platform_chat_id, region, timezone, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(platform, platform_chat_id) WHERE platform_chat_id "
                "IS NOT NULL DO UPDATE SET name = CASE WHEN excluded.name != '' THEN excluded.name ELSE org.name END, "
                "region = COALESCE(org.region, excluded.region)",
                [title or chat_id, platform, chat_id, region, timezone, now])
        return self._where("o.platform = ? AND o.platform_chat_id = ?", [platform, chat_id])[0]

    def ensure_named(self, name: str, platform: str, timezone: str, region: str | None = None,
                     now: str = "") -> Org:
        """A named org (no group chat), created the first time someone names it."""
        with self.transaction(lock=None):
            self.db.execute(
                "INSERT INTO org (name, platform, platform_chat_id, region, timezone, created_at) "
                "VALUES (?, ?, NULL, ?, ?, ?) ON CONFLICT(name) WHERE platform_chat_id IS NULL DO NOTHING",
                [name, platform, region, timezone, now])
        return self._where("o.name = ? AND o.platform_chat_id IS NULL", [name])[0]

    def set_timezone(self, org_id: int, timezone: str) -> None:
        with self.transaction():
            self.db.execute("UPDATE org SET timezone = ? WHERE id = ?", [timezone, org_id])

    def set_backfill_days(self, org_id: int, days: int | None) -> None:
        """How many days back the org's members may record a missed check-in (None: the default)."""
        with self.transaction():
            self.db.execute("UPDATE org SET backfill_days = ? WHERE id = ?", [days, org_id])

    def join(self, identity_id: int, org_id: int, now: str = "") -> bool:
        """Make the member belong to this org (leaving any other); True when that changed anything."""
        with self.transaction(lock=None):
            cur = self.db.execute(
                "INSERT INTO org_member (identity_id, org_id, joined_at) VALUES (?, ?, ?) "
                "ON CONFLICT(identity_id) DO UPDATE SET org_id = excluded.org_id, joined_at = excluded.joined_at "
                "WHERE org_member.org_id != excluded.org_id", [identity_id, org_id, now])
            return cur.rowcount == 1

    def members(self, org_id: int) -> list[OrgMember]:
        """The org's members: identity_id, platform, platform_user_id, name."""
        return self.query(
            "SELECT i.id AS identity_id, i.platform, i.platform_user_id, i.name FROM org_member m "
            "JOIN identity i ON i.id = m.identity_id WHERE m.org_id = ? ORDER BY i.id", [org_id])

    def joined(self, identity_ids: list[int]) -> dict[int, str]:
        """identity_id → when the member joined their current org (UTC instant), for those in one."""
        out: dict[int, str] = {}
        for n in range(0, len(identity_ids), MAX_PARAMS):
            chunk = identity_ids[n:n + MAX_PARAMS]
            out.update((r[0], r[1]) for r in self.db.execute(
                f"SELECT identity_id, joined_at FROM org_member WHERE identity_id IN ({marks(chunk)})", chunk) if r[1])
        return out

    def of_member(self, platform: str, platform_user_id: str) -> Org | None:
        """The org the platform user belongs to, or None."""
        return self.one(
            f"SELECT {ORG_COLUMNS} FROM org o JOIN org_member m ON m.org_id = o.id "
            "JOIN identity i ON i.id = m.identity_id WHERE i.platform = ? AND i.platform_user_id = ?",
            [platform, platform_user_id])

    # ------------------------------------------------------------ read for the web dashboard (many orgs at once)

    def memberships(self, org_ids: list[int] | None = None) -> list[tuple[int, int, str | None]]:
        """(org_id, identity_id, joined_at) of every member of the given orgs (None: of every org) in one
        read — the 总览 page's 10,000 members without 200 queries."""
        where, params = "", []
        if org_ids is not None:
            ids = [i for i in org_ids if storable(i)]
            where, params = f"WHERE org_id IN ({marks(ids) or 'NULL'})", ids
        return self.db.execute(f"SELECT org_id, identity_id, joined_at FROM org_member {where}", params).fetchall()
