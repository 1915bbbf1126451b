"""Reminders (`store.reminders`): deadlines (admins' own, and plan time points an admin adopted), chat
subscriptions, and workday overrides.

The time points found in the plans live apart in `plan_point` (db/plan_points.py): read-only, numbered
文1, 文2 …, never alerted until an admin adopts one as a deadline. A deadline keeps `next_alert_at`, the
next alert instant not yet planned, so a tick reads only the deadlines that fell due (an index range)
however many there are; planning an alert and moving that mark happen in one transaction that also
checks nobody moved it first.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from sqlite_utils.migrations import Migrations

from db.connection import Repository, utc
from db.postgres import ID, PgMigrations
from db.rows import Deadline, Subscriber, WorkdayOverride
from db.values import storable

migrations = Migrations("reminders")


@migrations()
def m001_deadline_subscription_workday(db) -> None:
    db["deadline"].create(
        {"id": int, "title": str, "due_at": str, "due_date": str, "due_time": str, "due_text": str,
         "leads": str, "alert_time": str, "region": str, "source": str, "source_key": str, "doc_key": str,
         "doc_title": str, "doc_year": int, "section": str, "excerpt": str, "created_by": str,
         "created_at": str, "updated_at": str, "deleted_at": str, "next_alert_at": str},
        pk="id", not_null={"title", "due_at", "due_date", "source"},
    )
    db["deadline"].create_index(["source_key"], unique=True)
    db["deadline"].create_index(["next_alert_at"])
    db["deadline"].create_index(["due_at"])
    db["subscription"].create(
        {"id": int, "chat": int, "region": str, "subscribed_by": str, "created_at": str},
        pk="id", not_null={"chat"},  # chat.id (profiles); no FK: migration sets apply in any order
    )
    db["subscription"].create_index(["chat"], unique=True)
    db["workday_override"].create({"date": str, "workday": int, "note": str, "set_by": str}, pk="date")


@migrations()
def m002_deadline_owner_chat(db) -> None:
    # "platform:chat_id" of the group a group admin added the deadline in: its alerts go to that group
    # only, and only that group's admins (or a global admin) may change it. NULL: everyone's deadline.
    db["deadline"].add_column("owner_chat", str)


# The deadline table after m003: ids are AUTOINCREMENT (never reused, so an old alert's occurrence key
# can never meet a new deadline); plan_point is the plans' own, read-only, numbered apart.
DEADLINE_TABLE = """CREATE TABLE deadline (
    id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, due_at TEXT NOT NULL, due_date TEXT NOT NULL,
    due_time TEXT, due_text TEXT, leads TEXT, alert_time TEXT, region TEXT, source TEXT NOT NULL,
    plan_point INTEGER, doc_key TEXT, doc_title TEXT, doc_year INTEGER, section TEXT, excerpt TEXT,
    created_by TEXT, created_at TEXT, updated_at TEXT, deleted_at TEXT, next_alert_at TEXT, owner_chat TEXT)"""
PLAN_POINT_TABLE = """CREATE TABLE plan_point (
    id INTEGER PRIMARY KEY AUTOINCREMENT, source_key TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
    due_at TEXT NOT NULL, due_date TEXT NOT NULL, due_time TEXT, due_text TEXT, region TEXT, doc_key TEXT,
    doc_title TEXT, doc_year INTEGER, section TEXT, excerpt TEXT, found_at TEXT, deleted_at TEXT)"""
DEADLINE_COLUMNS = ("id, title, due_at, due_date, due_time, due_text, leads, alert_time, region, source, doc_key, "
                    "doc_title, doc_year, section, excerpt, created_by, created_at, updated_at, deleted_at, "
                    "next_alert_at, owner_chat")
POINT_COLUMNS = "source_key, title, due_at, due_date, due_time, due_text, region, doc_key, doc_title, doc_year, " \
                "section, excerpt"


@migrations()
def m003_plan_points_apart(db) -> None:
    """The plans' time points move to a table of their own, and deadline ids become AUTOINCREMENT.

    Before, both shared `deadline` (plan points took ids 1-10, an admin's first deadline was [11], and
    `截止 修改 1` re-dated a plan point). Admins' deadlines keep their ids; the sequence starts after the
    largest id ever used, plan points' included, so no number is handed out twice. Plan points are
    numbered 文1, 文2 … in their old order; an admin's edit or deletion of one is not carried over —
    the next sync restores what the document says (a plan point is read-only)."""
    largest = db.execute("SELECT COALESCE(MAX(id), 0) FROM deadline").fetchone()[0]
    db.execute("ALTER TABLE deadline RENAME TO deadline_m002")
    db.execute(PLAN_POINT_TABLE)
    db.execute(f"INSERT INTO plan_point ({POINT_COLUMNS}, found_at) SELECT {POINT_COLUMNS}, created_at "
               "FROM deadline_m002 WHERE source = 'plan' AND source_key IS NOT NULL ORDER BY id")
    db.execute(DEADLINE_TABLE)
    db.execute(f"INSERT INTO deadline ({DEADLINE_COLUMNS}) SELECT {DEADLINE_COLUMNS} FROM deadline_m002 "
               "WHERE source != 'plan' ORDER BY id")
    db.execute("DROP TABLE deadline_m002")
    # AUTOINCREMENT keeps its high-water mark in sqlite_sequence (created with the first such table)
    if db.execute("SELECT 1 FROM sqlite_sequence WHERE name = 'deadline'").fetchone():
        db.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'deadline'", [largest])
    elif largest:
        db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('deadline', ?)", [largest])
    db.execute("CREATE INDEX idx_deadline_next_alert_at ON deadline (next_alert_at)")
    db.execute("CREATE INDEX idx_deadline_due_at ON deadline (due_at)")
    # one adoption of a plan point per owner (everyone's, or one group's) while it is not deleted
    db.execute("CREATE UNIQUE INDEX deadline_adopted ON deadline (plan_point, COALESCE(owner_chat, '')) "
               "WHERE plan_point IS NOT NULL AND deleted_at IS NULL")
    db.execute("CREATE INDEX idx_plan_point_due_at ON plan_point (due_at)")

pg_migrations = PgMigrations("reminders", [("m001_deadline_subscription_workday_plan_point", f"""
CREATE TABLE deadline ({ID}, title TEXT NOT NULL, due_at TEXT NOT NULL, due_date TEXT NOT NULL, due_time TEXT,
    due_text TEXT, leads TEXT, alert_time TEXT, region TEXT, source TEXT NOT NULL, plan_point BIGINT, doc_key TEXT,
    doc_title TEXT, doc_year BIGINT, section TEXT, excerpt TEXT, created_by TEXT, created_at TEXT, updated_at TEXT,
    deleted_at TEXT, next_alert_at TEXT, owner_chat TEXT);
CREATE INDEX idx_deadline_next_alert_at ON deadline (next_alert_at);
CREATE INDEX idx_deadline_due_at ON deadline (due_at);
CREATE UNIQUE INDEX deadline_adopted ON deadline (plan_point, COALESCE(owner_chat, ''))
    WHERE plan_point IS NOT NULL AND deleted_at IS NULL;
CREATE TABLE subscription ({ID}, chat BIGINT NOT NULL, region TEXT, subscribed_by TEXT, created_at TEXT);
CREATE UNIQUE INDEX idx_subscription_chat ON subscription (chat);
CREATE TABLE workday_override (date TEXT PRIMARY KEY, workday BIGINT, note TEXT, set_by TEXT);
CREATE TABLE plan_point ({ID}, source_key TEXT NOT NULL UNIQUE, title TEXT NOT NULL, due_at TEXT NOT NULL,
    due_date TEXT NOT NULL, due_time TEXT, due_text TEXT, region TEXT, doc_key TEXT, doc_title TEXT,
    doc_year BIGINT, section TEXT, excerpt TEXT, found_at TEXT, deleted_at TEXT);
CREATE INDEX idx_plan_point_due_at ON plan_point (due_at);
""")])



def times(row: dict) -> dict:
    """Instants in a row as the store's sortable UTC text."""
    return {k: utc(v) if isinstance(v, dt.datetime) else v for k, v in row.items()}


DEADLINE_FIELDS = ("title", "due_at", "due_date", "due_time", "due_text", "leads", "alert_time", "region",
                   "next_alert_at", "updated_at")


class Reminders(Repository):
    migrations = migrations
    pg_migrations = pg_migrations

    # ------------------------------------------------------------ deadlines

    def add_deadline(self, row: dict) -> int:
        """A new deadline; its id is never reused (AUTOINCREMENT), so the number an admin saw stays theirs."""
        with self.transaction():
            return self.db["deadline"].insert(times(row)).last_pk

    def deadline(self, deadline_id: int) -> Deadline | None:
        if not storable(deadline_id):
            return None
        return self.one("SELECT * FROM deadline WHERE id = ? AND deleted_at IS NULL", [deadline_id])

    def deadlines(self, source: str | None = None, after: dt.datetime | None = None,
                  before: dt.datetime | None = None) -> list[Deadline]:
        where, params = ["deleted_at IS NULL"], []
        if source:
            where.append("source = ?")
            params.append(source)
        if after:
            where.append("due_at >= ?")
            params.append(utc(after))
        if before:
            where.append("due_at < ?")
            params.append(utc(before))
        return self.query(f"SELECT * FROM deadline WHERE {' AND '.join(where)} ORDER BY due_at, id", params)

    def update_deadline(self, deadline_id: int, changes: dict) -> bool:
        unknown = set(changes) - set(DEADLINE_FIELDS)
        if unknown:
            raise ValueError(f"not deadline fields: {sorted(unknown)}")
        if not storable(deadline_id):
            return False
        sets = ", ".join(f"{k} = :{k}" for k in changes)
        with self.transaction():
            cur = self.db.execute(f"UPDATE deadline SET {sets} WHERE id = :id AND deleted_at IS NULL",
                                  times(dict(changes, id=deadline_id)))
            return cur.rowcount == 1

    def delete_deadline(self, deadline_id: int, now: dt.datetime) -> bool:
        if not storable(deadline_id):
            return False
        with self.transaction():
            cur = self.db.execute("UPDATE deadline SET deleted_at = ?, next_alert_at = NULL "
                                  "WHERE id = ? AND deleted_at IS NULL", [utc(now), deadline_id])
            return cur.rowcount == 1

    def due_for_alert(self, now: dt.datetime, limit: int = 1000) -> list[Deadline]:
        """Deadlines whose next alert mark has come (an index range, however many deadlines there are)."""
        return self.query("SELECT * FROM deadline WHERE next_alert_at <= ? AND deleted_at IS NULL "
                          "ORDER BY next_alert_at LIMIT ?", [utc(now), limit])

    def plan_alerts(self, plans: Iterable[tuple[int, str, list[dict], dt.datetime | None]], now: dt.datetime) -> int:
        """Plan deadlines' due alerts and move their marks, in one transaction: for each (deadline id,
        the mark it was read with, its occurrences, the next mark) — skipped when another tick moved
        that mark first. Returns how many occurrences were new."""
        planned = 0
        with self.transaction():
            for deadline_id, expected_next, occurrences, next_alert_at in plans:
                cur = self.db.execute(
                    "UPDATE deadline SET next_alert_at = ? WHERE id = ? AND next_alert_at = ?",
                    [utc(next_alert_at) if next_alert_at else None, deadline_id, expected_next])
                if cur.rowcount == 1:
                    planned += self.store.outbox.add_occurrences(occurrences, now)
        return planned

    # ------------------------------------------------------------ subscriptions

    def subscribe(self, platform: str, chat_id: str, chat_type: str, title: str, region: str | None,
                  by: str, now: dt.datetime) -> bool:
        """Subscribe a chat (True) or update its region when it already was (False)."""
        with self.transaction():
            chat = self.store.profiles.ensure_chat(platform, chat_id, chat_type, title, utc(now))
            existed = bool(list(self.db.execute("SELECT 1 FROM subscription WHERE chat = ?", [chat["id"]])))
            self.db.execute(
                "INSERT INTO subscription (chat, region, subscribed_by, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(chat) DO UPDATE SET region = excluded.region", [chat["id"], region, by, utc(now)])
        return not existed

    def unsubscribe(self, platform: str, chat_id: str) -> bool:
        with self.transaction():
            cur = self.db.execute(
                "DELETE FROM subscription WHERE chat IN (SELECT id FROM chat WHERE platform = ? AND "
                "platform_chat_id = ?)", [platform, chat_id])
            return cur.rowcount == 1

    def subscription(self, platform: str, chat_id: str) -> Subscriber | None:
        return self.one(
            "SELECT s.*, c.platform, c.platform_chat_id AS chat_id, c.chat_type, c.title FROM subscription s "
            "JOIN chat c ON c.id = s.chat WHERE c.platform = ? AND c.platform_chat_id = ?", [platform, chat_id])

    def subscribers(self, region: str | None = None) -> list[Subscriber]:
        """Subscribed chats; with a region, those of that region and those that take every region."""
        sql = ("SELECT s.id, s.region, c.platform, c.platform_chat_id AS chat_id, c.chat_type, c.title "
               "FROM subscription s JOIN chat c ON c.id = s.chat")
        if region:
            return self.query(sql + " WHERE s.region IS NULL OR s.region = ? ORDER BY s.id", [region])
        return self.query(sql + " ORDER BY s.id")

    # ------------------------------------------------------------ workdays

    def set_workday(self, day: dt.date, workday: bool | None, note: str = "", by: str = "") -> None:
        """Override the calendar for one day; workday=None removes the override."""
        with self.transaction():
            if workday is None:
                self.db.execute("DELETE FROM workday_override WHERE date = ?", [day.isoformat()])
            else:
                self.db.execute("INSERT INTO workday_override (date, workday, note, set_by) VALUES (?, ?, ?, ?) "
                                "ON CONFLICT(date) DO UPDATE SET workday = excluded.workday, note = excluded.note, "
                                "set_by = excluded.set_by", [day.isoformat(), int(workday), note, by])

    def workday_override(self, day: dt.date) -> bool | None:
        rows = list(self.db.execute("SELECT workday FROM workday_override WHERE date = ?", [day.isoformat()]))
        return bool(rows[0][0]) if rows else None

    def workday_overrides(self) -> list[WorkdayOverride]:
        return self.query("SELECT * FROM workday_override ORDER BY date")
