"""The web dashboard's own state: its signing secret, one-time sign-in links, sessions, the audit of
admins' actions on the pages, and plan uploads with their progress.

A link is stored by its random id (`jti`) and used at most once (an UPDATE that only succeeds while
`used_at` is NULL). A session is stored by the SHA-256 of its cookie value, so reading the database
does not hand anyone a live session. Instants are UTC text (db/connection.py `utc`), so they sort.
"""
from __future__ import annotations

import datetime as dt
import json

from sqlite_utils.migrations import Migrations

from db.connection import Repository, marks, utc
from db.postgres import ID, PgMigrations
from db.values import storable

migrations = Migrations("web")


@migrations()
def m001_web(db) -> None:
    db["web_secret"].create({"name": str, "value": str, "created_at": str}, pk="name")
    db["web_link"].create(
        {"jti": str, "platform": str, "user_id": str, "name": str, "chats": str, "created_at": str,
         "expires_at": str, "used_at": str},
        pk="jti", not_null={"platform", "user_id", "expires_at"})
    db["web_link"].create_index(["expires_at"])
    db["web_session"].create(
        {"id_hash": str, "platform": str, "user_id": str, "name": str, "chats": str, "csrf": str,
         "flash": str, "created_at": str, "expires_at": str},
        pk="id_hash", not_null={"platform", "user_id", "csrf", "expires_at"})
    db["web_session"].create_index(["expires_at"])
    db["web_audit"].create(
        {"id": int, "at": str, "actor": str, "actor_name": str, "action": str, "target": str,
         "detail": str, "org_id": int},
        pk="id", not_null={"at", "actor", "action"})
    db["web_audit"].create_index(["org_id", "id"])
    db["web_upload"].create(
        {"id": int, "actor": str, "filename": str, "path": str, "state": str, "stage": str, "percent": int,
         "message": str, "created_at": str, "finished_at": str},
        pk="id", not_null={"actor", "filename", "state"})


pg_migrations = PgMigrations("web", [("m001_web", f"""
CREATE TABLE web_secret (name TEXT PRIMARY KEY, value TEXT, created_at TEXT);
CREATE TABLE web_link (jti TEXT PRIMARY KEY, platform TEXT NOT NULL, user_id TEXT NOT NULL, name TEXT, chats TEXT,
    created_at TEXT, expires_at TEXT NOT NULL, used_at TEXT);
CREATE INDEX idx_web_link_expires_at ON web_link (expires_at);
CREATE TABLE web_session (id_hash TEXT PRIMARY KEY, platform TEXT NOT NULL, user_id TEXT NOT NULL, name TEXT,
    chats TEXT, csrf TEXT NOT NULL, flash TEXT, created_at TEXT, expires_at TEXT NOT NULL);
CREATE INDEX idx_web_session_expires_at ON web_session (expires_at);
CREATE TABLE web_audit ({ID}, at TEXT NOT NULL, actor TEXT NOT NULL, actor_name TEXT, action TEXT NOT NULL,
    target TEXT, detail TEXT, org_id BIGINT);
CREATE INDEX idx_web_audit_org_id_id ON web_audit (org_id, id);
CREATE TABLE web_upload ({ID}, actor TEXT NOT NULL, filename TEXT NOT NULL, path TEXT, state TEXT NOT NULL,
    stage TEXT, percent BIGINT, message TEXT, created_at TEXT, finished_at TEXT);
""")])


def _row(cursor) -> dict | None:
    row = cursor.fetchone()
    return dict(zip([c[0] for c in cursor.description], row)) if row else None


class Web(Repository):
    """store.web: the dashboard's secret, links, sessions, audit and uploads."""

    migrations = migrations
    pg_migrations = pg_migrations

    # ------------------------------------------------------------ the signing secret

    def secret(self, candidate: str, now: dt.datetime) -> str:
        """The stored signing secret; `candidate` becomes it when none is stored yet (the first process
        to ask wins, every other process reads the same one)."""
        with self.transaction():
            self.db.execute("INSERT INTO web_secret (name, value, created_at) VALUES ('signing', ?, ?) "
                            "ON CONFLICT(name) DO NOTHING", [candidate, utc(now)])
            return self.db.execute("SELECT value FROM web_secret WHERE name = 'signing'").fetchone()[0]

    # ------------------------------------------------------------ one-time links

    def add_link(self, jti: str, platform: str, user_id: str, name: str, chats: list[str],
                     now: dt.datetime, expires: dt.datetime) -> None:
        """Record a link just issued; links and sessions long past their expiry are forgotten here."""
        with self.transaction():
            self.db.execute("DELETE FROM web_link WHERE expires_at < ?", [utc(now - dt.timedelta(days=1))])
            self.db.execute("DELETE FROM web_session WHERE expires_at < ?", [utc(now)])
            self.db.execute(
                "INSERT INTO web_link (jti, platform, user_id, name, chats, created_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [jti, platform, user_id, name, json.dumps(chats), utc(now), utc(expires)])

    def link(self, jti: str) -> dict | None:
        row = _row(self.db.execute("SELECT * FROM web_link WHERE jti = ?", [jti]))
        return dict(row, chats=json.loads(row["chats"] or "[]")) if row else None

    def use_link(self, jti: str, now: dt.datetime) -> bool:
        """Mark the link used; False when it already was (by this or another process)."""
        with self.transaction():
            cur = self.db.execute("UPDATE web_link SET used_at = ? WHERE jti = ? AND used_at IS NULL",
                                  [utc(now), jti])
            return cur.rowcount == 1

    # ------------------------------------------------------------ sessions

    def add_session(self, id_hash: str, platform: str, user_id: str, name: str, chats: list[str], csrf: str,
                        now: dt.datetime, expires: dt.datetime, replaces: str | None = None) -> None:
        with self.transaction():
            if replaces:
                self.db.execute("DELETE FROM web_session WHERE id_hash = ?", [replaces])
            self.db.execute(
                "INSERT INTO web_session (id_hash, platform, user_id, name, chats, csrf, created_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [id_hash, platform, user_id, name, json.dumps(chats), csrf, utc(now), utc(expires)])

    def session(self, id_hash: str, now: dt.datetime) -> dict | None:
        """The session, while it has not expired."""
        row = _row(self.db.execute("SELECT * FROM web_session WHERE id_hash = ? AND expires_at > ?",
                                   [id_hash, utc(now)]))
        return dict(row, chats=json.loads(row["chats"] or "[]")) if row else None

    def end_session(self, id_hash: str) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM web_session WHERE id_hash = ?", [id_hash])

    def set_flash(self, id_hash: str, text: str | None) -> None:
        """The message the next page shows once (what the last action did)."""
        with self.transaction():
            self.db.execute("UPDATE web_session SET flash = ? WHERE id_hash = ?", [text, id_hash])

    # ------------------------------------------------------------ audit

    def add_audit(self, at: dt.datetime, actor: str, actor_name: str, action: str, target: str = "",
                      detail: str = "", org_id: int | None = None) -> int:
        with self.transaction():
            return self.db.execute(
                "INSERT INTO web_audit (at, actor, actor_name, action, target, detail, org_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [utc(at), actor, actor_name, action, target[:200], detail[:1000], org_id]).lastrowid

    def audit(self, limit: int = 100, actor: str | None = None, org_ids: list[int] | None = None) -> list[dict]:
        """The latest actions, newest first: all, or those by `actor` or about one of `org_ids`."""
        if actor is None and org_ids is None:
            return self.query("SELECT * FROM web_audit ORDER BY id DESC LIMIT ?", [limit])
        ids = list(org_ids or [])
        return self.query(
            f"SELECT * FROM web_audit WHERE actor = ? OR org_id IN ({marks(ids) or 'NULL'}) "
            "ORDER BY id DESC LIMIT ?", [actor or "", *ids, limit])

    # ------------------------------------------------------------ uploads

    def add_upload(self, actor: str, filename: str, path: str, now: dt.datetime) -> int:
        with self.transaction():
            return self.db.execute(
                "INSERT INTO web_upload (actor, filename, path, state, stage, percent, message, created_at) "
                "VALUES (?, ?, ?, 'running', '已上传', 0, '', ?)", [actor, filename, path, utc(now)]).lastrowid

    def update_upload(self, upload_id: int, stage: str, percent: int, state: str = "running", message: str = "",
                      now: dt.datetime | None = None) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE web_upload SET stage = ?, percent = ?, state = ?, message = ?, finished_at = ? WHERE id = ?",
                [stage, percent, state, message[:2000], utc(now) if now else None, upload_id])

    def upload(self, upload_id: int) -> dict | None:
        if not storable(upload_id):
            return None
        return _row(self.db.execute("SELECT * FROM web_upload WHERE id = ?", [upload_id]))

    def uploads(self, limit: int = 20) -> list[dict]:
        return self.query("SELECT * FROM web_upload ORDER BY id DESC LIMIT ?", [limit])
