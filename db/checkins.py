"""Check-ins (`store.checkins`, 打卡): several entries a day, each with its revision history; excused days
(请假); the org tables (their verbs: db/orgs.py).

A member may record several entries on one local day (two real tasks are two entries): each is numbered
within its day (`seq` 1, 2, … — never reused, so "第2条" names the same entry for good) and the
UNIQUE(identity_id, schedule, work_date, seq) key means concurrent writers can never lose one or number
two alike. Every write — a new entry, an edit, a deletion (soft: `deleted_at`) — also appends a
`checkin_revision` row inside the same transaction, so the history is complete and
nothing partial is ever stored. An entry recorded for an earlier day (补打卡) has `late` = 1. Instants
are UTC ISO strings; `work_date` is the member's local day (ISO date) from the org's time zone.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from sqlite_utils.migrations import Migrations

from db.connection import Repository, marks
from db.postgres import ID, PgMigrations, is_duplicate
from db.rows import CheckinEntry, DayStatus, Revision

migrations = Migrations("checkins")

DAILY = "daily"
NOTHING: frozenset[str] = frozenset()
RENUMBER_TRIES = 100  # a member's entries written at one instant from as many workers: each try stores one
# The columns a check-in carries besides its keys; revisions copy them.
FIELDS = ("text", "percent", "count", "item_id", "item_label", "item_region", "category")


@migrations()
def m001_orgs_checkins_leave(db) -> None:
    db["org"].create(
        {"id": int, "name": str, "platform": str, "platform_chat_id": str, "region": str,
         "timezone": str, "created_at": str},
        pk="id", not_null={"name"},
    )
    # A group chat is one org; a named org (set with 单位 in private) has no chat and a unique name.
    db.execute("CREATE UNIQUE INDEX org_chat ON org(platform, platform_chat_id) "
               "WHERE platform_chat_id IS NOT NULL")
    db.execute("CREATE UNIQUE INDEX org_named ON org(name) WHERE platform_chat_id IS NULL")
    db["org_member"].create(
        {"identity_id": int, "org_id": int, "joined_at": str},
        pk="identity_id", foreign_keys=[("identity_id", "identity", "id"), ("org_id", "org", "id")],
    )
    db["org_member"].create_index(["org_id"])
    db["checkin"].create(
        {"id": int, "identity_id": int, "org_id": int, "schedule": str, "work_date": str,
         "text": str, "percent": float, "count": int, "item_id": int, "item_label": str,
         "item_region": str, "category": str, "revision": int, "created_at": str, "updated_at": str},
        pk="id", not_null={"identity_id", "schedule", "work_date", "text", "revision"},
        foreign_keys=[("identity_id", "identity", "id")],
    )
    db["checkin"].create_index(["identity_id", "schedule", "work_date"], unique=True)
    db["checkin"].create_index(["work_date"])
    db["checkin_revision"].create(
        {"id": int, "checkin_id": int, "revision": int, "kind": str, "text": str, "percent": float,
         "count": int, "item_id": int, "item_label": str, "item_region": str, "category": str,
         "changed_at": str},
        pk="id", foreign_keys=[("checkin_id", "checkin", "id")],
    )
    db["checkin_revision"].create_index(["checkin_id", "revision"], unique=True)
    db["excused_day"].create(
        {"id": int, "identity_id": int, "work_date": str, "reason": str, "created_at": str},
        pk="id", not_null={"identity_id", "work_date"}, foreign_keys=[("identity_id", "identity", "id")],
    )
    db["excused_day"].create_index(["identity_id", "work_date"], unique=True)


@migrations()
def m002_entries_backfill(db) -> None:
    """Several entries a day (the old one-a-day key gives way to one per numbered entry; existing rows
    become entry 1 of their day), soft deletion, the late (补) mark, and each org's backfill window."""
    db.execute("ALTER TABLE checkin ADD COLUMN seq INTEGER NOT NULL DEFAULT 1")
    db.execute("ALTER TABLE checkin ADD COLUMN late INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE checkin ADD COLUMN deleted_at TEXT")
    db.execute("DROP INDEX IF EXISTS idx_checkin_identity_id_schedule_work_date")
    db.execute("CREATE UNIQUE INDEX checkin_entry ON checkin (identity_id, schedule, work_date, seq)")
    db.execute("ALTER TABLE org ADD COLUMN backfill_days INTEGER")  # NULL: the default window

pg_migrations = PgMigrations("checkins", [("m001_orgs_checkins_leave", f"""
CREATE TABLE org ({ID}, name TEXT NOT NULL, platform TEXT, platform_chat_id TEXT, region TEXT, timezone TEXT,
    created_at TEXT, backfill_days BIGINT);
CREATE UNIQUE INDEX org_chat ON org (platform, platform_chat_id) WHERE platform_chat_id IS NOT NULL;
CREATE UNIQUE INDEX org_named ON org (name) WHERE platform_chat_id IS NULL;
CREATE TABLE org_member (identity_id BIGINT PRIMARY KEY REFERENCES identity (id), org_id BIGINT REFERENCES org (id),
    joined_at TEXT);
CREATE INDEX idx_org_member_org_id ON org_member (org_id);
CREATE TABLE checkin ({ID}, identity_id BIGINT NOT NULL REFERENCES identity (id), org_id BIGINT,
    schedule TEXT NOT NULL, work_date TEXT NOT NULL, text TEXT NOT NULL, percent DOUBLE PRECISION, count BIGINT,
    item_id BIGINT, item_label TEXT, item_region TEXT, category TEXT, revision BIGINT NOT NULL, created_at TEXT,
    updated_at TEXT, seq BIGINT NOT NULL DEFAULT 1, late BIGINT NOT NULL DEFAULT 0, deleted_at TEXT);
CREATE UNIQUE INDEX checkin_entry ON checkin (identity_id, schedule, work_date, seq);
CREATE INDEX idx_checkin_work_date ON checkin (work_date);
CREATE TABLE checkin_revision ({ID}, checkin_id BIGINT REFERENCES checkin (id), revision BIGINT, kind TEXT,
    text TEXT, percent DOUBLE PRECISION, count BIGINT, item_id BIGINT, item_label TEXT, item_region TEXT,
    category TEXT, changed_at TEXT);
CREATE UNIQUE INDEX idx_checkin_revision_checkin_id_revision ON checkin_revision (checkin_id, revision);
CREATE TABLE excused_day ({ID}, identity_id BIGINT NOT NULL REFERENCES identity (id), work_date TEXT NOT NULL,
    reason TEXT, created_at TEXT);
CREATE UNIQUE INDEX idx_excused_day_identity_id_work_date ON excused_day (identity_id, work_date);
"""), ("m002_live_days_index", """
CREATE INDEX checkin_live_days ON checkin (identity_id, schedule, work_date, deleted_at, late);
""")])



@migrations()
def m003_live_days_index(db) -> None:
    """Which days a member has a live entry, read from the index alone (no row lookups): the web's
    总览 reads 10,000 members' week at once (160 ms by the work_date index, 33 ms by this one)."""
    db.execute("CREATE INDEX IF NOT EXISTS checkin_live_days ON checkin "
               "(identity_id, schedule, work_date, deleted_at, late)")


def _iso(day: dt.date | str) -> str:
    return day.isoformat() if isinstance(day, dt.date) else day


def _members(column: str, org_id: int | None, identity_ids: Iterable[int] | None) -> tuple[str, list]:
    """An AND clause restricting `column` to the given members, else to the org's current members."""
    if identity_ids is not None:
        ids = list(identity_ids)
        return f"AND {column} IN ({','.join('?' * len(ids))})", ids
    return f"AND {column} IN (SELECT identity_id FROM org_member WHERE org_id = ?)", [org_id]


class Checkins(Repository):
    migrations = migrations
    pg_migrations = pg_migrations

    def _entries(self, conn, identity_id: int, work_date: str, schedule: str) -> list[CheckinEntry]:
        cur = conn.execute("SELECT * FROM checkin WHERE identity_id = ? AND schedule = ? AND work_date = ? "
                           "AND deleted_at IS NULL ORDER BY seq", [identity_id, schedule, work_date])
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]

    def _entry(self, conn, entry_id: int) -> CheckinEntry:
        cur = conn.execute("SELECT * FROM checkin WHERE id = ?", [entry_id])
        return dict(zip([c[0] for c in cur.description], cur.fetchone()))

    def record(self, identity_id: int, org_id: int | None, work_date: dt.date | str, fields: dict,
               now: str, schedule: str = DAILY, late: bool = False) -> CheckinEntry:
        """Add an entry for the day (the day's next number); returns the stored row."""
        day = _iso(work_date)
        values = [fields.get(k) for k in FIELDS]
        if self.postgres and not self.conn.in_transaction:
            return self._record_in_one_statement(identity_id, org_id, day, values, now, schedule, late)
        with self.transaction(lock=f"checkin:{identity_id}") as conn:
            # the day's next number and the new row in one statement (a round trip less per check-in)
            cur = conn.execute(
                f"INSERT INTO checkin (identity_id, org_id, schedule, work_date, seq, late, {', '.join(FIELDS)}, "
                f"revision, created_at, updated_at) SELECT ?, ?, ?, ?, COALESCE(MAX(seq), 0) + 1, ?, "
                f"{', '.join('?' * len(FIELDS))}, 1, ?, ? FROM checkin WHERE identity_id = ? AND schedule = ? "
                "AND work_date = ? RETURNING *",
                [identity_id, org_id, schedule, day, int(late), *values, now, now, identity_id, schedule, day])
            row = dict(zip([c[0] for c in cur.description], cur.fetchone()))
            self._add_revision(conn, row, "late" if late else "create", now)
        return row

    def _record_in_one_statement(self, identity_id: int, org_id: int | None, day: str, values: list, now: str,
                                 schedule: str, late: bool) -> CheckinEntry:
        """PostgreSQL: the entry and its first revision in one statement (a data-modifying WITH), so a
        check-in is one round trip and commits by itself, with no lock to take. Two writers numbering
        the same member's day alike meet at the unique (member, day, seq) key: the loser's statement
        stores nothing and is simply run again with the next number."""
        sql = (f"WITH entry AS (INSERT INTO checkin (identity_id, org_id, schedule, work_date, seq, late, "
               f"{', '.join(FIELDS)}, revision, created_at, updated_at) SELECT ?, ?, ?, ?, COALESCE(MAX(seq), 0) + 1, "
               f"?, {', '.join('?' * len(FIELDS))}, 1, ?, ? FROM checkin WHERE identity_id = ? AND schedule = ? "
               "AND work_date = ? RETURNING *), revision AS (INSERT INTO checkin_revision (checkin_id, revision, "
               f"kind, {', '.join(FIELDS)}, changed_at) SELECT id, revision, ?, {', '.join(FIELDS)}, ? FROM entry) "
               "SELECT * FROM entry")
        params = [identity_id, org_id, schedule, day, int(late), *values, now, now, identity_id, schedule, day,
                  "late" if late else "create", now]
        for attempt in range(RENUMBER_TRIES):
            try:
                cur = self.db.conn.execute(sql, params, prepared=True)
            except Exception as err:
                if not is_duplicate(err) or attempt == RENUMBER_TRIES - 1:
                    raise
                continue
            return dict(zip([c[0] for c in cur.description], cur.fetchone()))
        raise AssertionError("unreachable")

    def _pick(self, conn, identity_id: int, day: str, seq: int | None, schedule: str) -> CheckinEntry | None:
        entries = self._entries(conn, identity_id, day, schedule)
        if seq is None:
            return entries[-1] if entries else None
        return next((e for e in entries if e["seq"] == seq), None)

    def edit(self, identity_id: int, work_date: dt.date | str, changes: dict, now: str,
             seq: int | None = None, schedule: str = DAILY) -> tuple[CheckinEntry, CheckinEntry] | None:
        """Change some fields of the day's entry number `seq` (default: the day's last entry);
        (after, before), or None when there is no such entry."""
        day = _iso(work_date)
        changes = {k: v for k, v in changes.items() if k in FIELDS}
        with self.transaction(lock=f"checkin:{identity_id}") as conn:
            before = self._pick(conn, identity_id, day, seq, schedule)
            if before is None:
                return None
            if changes:
                conn.execute(
                    "UPDATE checkin SET " + ", ".join(f"{k} = ?" for k in changes)
                    + ", revision = revision + 1, updated_at = ? WHERE id = ?",
                    [*changes.values(), now, before["id"]],
                )
            after = self._entry(conn, before["id"])
            if changes:
                self._add_revision(conn, after, "edit", now)
        return after, before

    def delete(self, identity_id: int, work_date: dt.date | str, seq: int, now: str,
               schedule: str = DAILY) -> CheckinEntry | None:
        """Withdraw one entry (kept, with its history, but no longer counted); None when there is none."""
        day = _iso(work_date)
        with self.transaction(lock=f"checkin:{identity_id}") as conn:
            row = self._pick(conn, identity_id, day, seq, schedule)
            if row is None:
                return None
            conn.execute("UPDATE checkin SET deleted_at = ?, revision = revision + 1, updated_at = ? WHERE id = ?",
                         [now, now, row["id"]])
            after = self._entry(conn, row["id"])
            self._add_revision(conn, after, "delete", now)
        return after

    def _add_revision(self, conn, row: CheckinEntry, kind: str, now: str) -> None:
        conn.execute(
            f"INSERT INTO checkin_revision (checkin_id, revision, kind, {', '.join(FIELDS)}, changed_at) "
            f"VALUES (?, ?, ?, {', '.join('?' * len(FIELDS))}, ?)",
            [row["id"], row["revision"], kind, *[row[k] for k in FIELDS], now],
        )

    def day(self, identity_id: int, work_date: dt.date | str, schedule: str = DAILY) -> list[CheckinEntry]:
        """The member's live entries of one local day, by number."""
        return self._entries(self.db.conn, identity_id, _iso(work_date), schedule)

    def last_of_day(self, identity_id: int, work_date: dt.date | str, schedule: str = DAILY) -> CheckinEntry | None:
        """The day's last live entry (None when the member has none that day)."""
        entries = self.day(identity_id, work_date, schedule)
        return entries[-1] if entries else None

    def history(self, checkin_id: int) -> list[Revision]:
        """Every version of an entry, oldest first."""
        return self.query("SELECT * FROM checkin_revision WHERE checkin_id = ? ORDER BY revision", [checkin_id])

    def day_history(self, identity_id: int, work_date: dt.date | str, schedule: str = DAILY) -> list[CheckinEntry]:
        """Every entry of the day, withdrawn ones included, each with its versions ("versions")."""
        rows = self.query("SELECT * FROM checkin WHERE identity_id = ? AND schedule = ? AND work_date = ? ORDER BY seq",
                          [identity_id, schedule, _iso(work_date)])
        return [dict(r, versions=self.history(r["id"])) for r in rows]

    def of_member(self, identity_id: int, start: dt.date, end: dt.date, schedule: str = DAILY) -> list[CheckinEntry]:
        """A member's live entries between two local days (inclusive), oldest first."""
        return self.query(
            "SELECT * FROM checkin WHERE identity_id = ? AND schedule = ? AND work_date BETWEEN ? AND ? "
            "AND deleted_at IS NULL ORDER BY work_date, seq", [identity_id, schedule, _iso(start), _iso(end)])

    def days(self, identity_id: int, schedule: str = DAILY) -> set[str]:
        """Every local day the member checked in (ISO dates) — for streaks."""
        return {r[0] for r in self.db.execute(
            "SELECT DISTINCT work_date FROM checkin WHERE identity_id = ? AND schedule = ? AND deleted_at IS NULL",
            [identity_id, schedule])}

    def excuse(self, identity_id: int, days: Iterable[dt.date], reason: str, now: str) -> int:
        """Excuse the member on these days (请假), all or nothing; returns how many were new."""
        with self.transaction() as conn:
            added = 0
            for day in days:
                cur = conn.execute(
                    "INSERT INTO excused_day (identity_id, work_date, reason, created_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(identity_id, work_date) DO UPDATE SET reason = excluded.reason",
                    [identity_id, _iso(day), reason, now])
                added += cur.rowcount
        return added

    def excused(self, identity_id: int, start: dt.date, end: dt.date) -> dict[str, str]:
        """ISO day → reason for the member's excused days in the range (inclusive)."""
        return {r[0]: r[1] or "" for r in self.db.execute(
            "SELECT work_date, reason FROM excused_day WHERE identity_id = ? AND work_date BETWEEN ? AND ?",
            [identity_id, _iso(start), _iso(end)])}

    def status(self, org_id: int, work_date: dt.date, schedule: str = DAILY) -> dict[int, DayStatus]:
        """identity_id → "checked" | "excused" | "missing" for every member of the org on that day."""
        day = _iso(work_date)
        rows = self.db.execute(
            "SELECT m.identity_id, "
            "  EXISTS(SELECT 1 FROM checkin c WHERE c.identity_id = m.identity_id AND c.schedule = ? "
            "         AND c.work_date = ? AND c.deleted_at IS NULL), "
            "  EXISTS(SELECT 1 FROM excused_day e WHERE e.identity_id = m.identity_id AND e.work_date = ?) "
            "FROM org_member m WHERE m.org_id = ?", [schedule, day, day, org_id])
        return {ident: "checked" if checked else "excused" if excused else "missing"
                for ident, checked, excused in rows}

    def of_org(self, org_id: int | None, start: dt.date, end: dt.date, schedule: str = DAILY,
               identity_ids: Iterable[int] | None = None) -> list[CheckinEntry]:
        """Live entries of the org's current members (or of the given members) in a range of local days,
        with the member's name, ordered by day, member and number."""
        sql = ("SELECT c.*, i.name AS member_name, i.platform AS member_platform, "
               "i.platform_user_id AS member_user_id FROM checkin c JOIN identity i ON i.id = c.identity_id "
               "WHERE c.schedule = ? AND c.work_date BETWEEN ? AND ? AND c.deleted_at IS NULL ")
        who, ids = _members("c.identity_id", org_id, identity_ids)
        return self.query(sql + who + " ORDER BY c.work_date, c.identity_id, c.seq",
                          [schedule, _iso(start), _iso(end), *ids])

    def excused_of_org(self, org_id: int | None, start: dt.date, end: dt.date,
                    identity_ids: Iterable[int] | None = None) -> list[tuple[int, str]]:
        """(identity_id, ISO day) of excused days of the org's members (or the given members)."""
        who, ids = _members("identity_id", org_id, identity_ids)
        return [(r[0], r[1]) for r in self.db.execute(
            "SELECT identity_id, work_date FROM excused_day WHERE work_date BETWEEN ? AND ? " + who,
            [_iso(start), _iso(end), *ids])]

    def late_recorded(self, org_id: int | None, since: str,
                      identity_ids: Iterable[int] | None = None) -> list[CheckinEntry]:
        """Live backfilled (补) entries of the org's members (or the given members) recorded at or after the
        UTC instant `since`, with the member's name: 今日 shows the day's backfills."""
        who, ids = _members("c.identity_id", org_id, identity_ids)
        return self.query(
            "SELECT c.*, i.name AS member_name, i.platform_user_id AS member_user_id FROM checkin c "
            "JOIN identity i ON i.id = c.identity_id WHERE c.late = 1 AND c.deleted_at IS NULL AND c.created_at >= ? "
            + who + " ORDER BY c.created_at, c.id", [since, *ids])

    def count(self) -> int:
        """Live entries in the store (withdrawn ones not counted)."""
        return self.db.execute("SELECT count(*) FROM checkin WHERE deleted_at IS NULL").fetchone()[0]

    # ------------------------------------------------------------ read for the web dashboard (many members at once)

    def day_marks(self, org_ids: list[int] | None, start: dt.date, end: dt.date,
                  schedule: str = DAILY) -> dict[int, tuple[frozenset[str], frozenset[str], int]]:
        """For the current members of the given orgs (None: every org) with a live entry in [start, end]:
        identity_id → (days with an entry, days with a backfilled one, number of entries). One row per
        member, read from the checkin_live_days index alone, so 10,000 members' week takes ~30 ms."""
        where, params = "", []
        if org_ids is not None:
            ids = list(org_ids)
            where, params = f"WHERE m.org_id IN ({marks(ids) or 'NULL'})", ids
        out = {}
        # CROSS JOIN: members first, then each one's entries by the covering index (the planner would
        # otherwise walk the work_date index and look up every row)
        # PostgreSQL: string_agg for group_concat, and its planner needs no CROSS JOIN hint (nor allows ON after one)
        concat, join = ("string_agg", "JOIN") if self.postgres else ("group_concat", "CROSS JOIN")
        for ident, marked in self.db.execute(
                f"SELECT m.identity_id, {concat}(c.work_date || CASE WHEN c.late = 1 THEN '+' ELSE '' END, ',') "
                f"FROM org_member m {join} checkin c ON c.identity_id = m.identity_id AND c.schedule = ? "
                f"AND c.work_date BETWEEN ? AND ? AND c.deleted_at IS NULL {where} GROUP BY m.identity_id",
                [schedule, _iso(start), _iso(end), *params]):
            entries = marked.split(",")
            if "+" in marked:
                out[ident] = (frozenset(d.rstrip("+") for d in entries),
                              frozenset(d[:-1] for d in entries if d[-1] == "+"), len(entries))
            else:
                out[ident] = (frozenset(entries), NOTHING, len(entries))
        return out

    def excused_of_orgs(self, org_ids: list[int] | None, start: dt.date, end: dt.date) -> list[tuple[int, str]]:
        """(identity_id, ISO day) of the excused days of the given orgs' current members (None: every org)."""
        where, params = "", []
        if org_ids is not None:
            ids = list(org_ids)
            where, params = f"AND m.org_id IN ({marks(ids) or 'NULL'})", ids
        return [(r[0], r[1]) for r in self.db.execute(
            "SELECT e.identity_id, e.work_date FROM excused_day e JOIN org_member m ON m.identity_id = e.identity_id "
            f"WHERE e.work_date BETWEEN ? AND ? {where}", [_iso(start), _iso(end), *params])]

    def linked_items(self, org_id: int, start: dt.date, end: dt.date, schedule: str = DAILY) -> list[tuple[str, int]]:
        """(plan item label, entries) of the org's current members' live entries in [start, end], most first."""
        return [(r[0], r[1]) for r in self.db.execute(
            "SELECT c.item_label, count(*) FROM checkin c JOIN org_member m ON m.identity_id = c.identity_id "
            "WHERE m.org_id = ? AND c.schedule = ? AND c.work_date BETWEEN ? AND ? AND c.deleted_at IS NULL "
            "AND c.item_label IS NOT NULL AND c.item_label != '' GROUP BY c.item_label ORDER BY count(*) DESC, 1",
            [org_id, schedule, _iso(start), _iso(end)])]
