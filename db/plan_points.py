"""The time points found in the plans (`store.plan_points`, 文1, 文2 …): read-only copies of what the documents say, and
their adoption by an admin as a deadline of their own.

A plan point is never edited or deleted by a chat command: a sync from the documents upserts it by its
`source_key` (document + date + clause), restores one the documents still hold, and retires the ones
they no longer hold. Its id is AUTOINCREMENT, so 文3 names the same point for as long as it exists and
no other after. The table is created by the "reminders" migration set (db/reminders.py, m003).
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from db.connection import Repository, marks, utc
from db.reminders import times
from db.rows import Deadline, PlanPoint
from db.values import storable

POINT_FIELDS = ("title", "due_at", "due_date", "due_time", "due_text", "region", "doc_key", "doc_title", "doc_year",
                "section", "excerpt")


class PlanPoints(Repository):
    def sync(self, rows: Iterable[dict], now: dt.datetime) -> int:
        """Upsert the plans' time points by source_key (the documents are the truth: title and date follow
        them); retire those no document holds any more. Returns how many were new."""
        added = 0
        cols = ", ".join(POINT_FIELDS)
        with self.transaction():
            keys = []
            for r in rows:
                keys.append(r["source_key"])
                known = self.db.execute("SELECT 1 FROM plan_point WHERE source_key = ?", [r["source_key"]]).fetchone()
                self.db.execute(
                    f"INSERT INTO plan_point (source_key, {cols}, found_at) VALUES (:source_key, "
                    + ", ".join(f":{k}" for k in POINT_FIELDS) + ", :now) ON CONFLICT(source_key) DO UPDATE SET "
                    + ", ".join(f"{k} = excluded.{k}" for k in POINT_FIELDS) + ", deleted_at = NULL",
                    times(dict({k: r.get(k) for k in POINT_FIELDS}, source_key=r["source_key"], now=now)))
                added += not known
            self.db.execute(f"UPDATE plan_point SET deleted_at = ? WHERE deleted_at IS NULL "
                            f"AND source_key NOT IN ({marks(keys) or 'NULL'})", [utc(now), *keys])
        return added

    def all(self) -> list[PlanPoint]:
        """Every current plan point, soonest first."""
        return self.query("SELECT * FROM plan_point WHERE deleted_at IS NULL ORDER BY due_at, id")

    def get(self, point_id: int) -> PlanPoint | None:
        if not storable(point_id):
            return None
        return self.one("SELECT * FROM plan_point WHERE id = ? AND deleted_at IS NULL", [point_id])

    def adoption(self, point_id: int, owner_chat: str | None) -> Deadline | None:
        """The live deadline adopted from this plan point by this owner (everyone's: None), if any."""
        return self.one(
            "SELECT * FROM deadline WHERE plan_point = ? AND COALESCE(owner_chat, '') = ? AND deleted_at IS NULL",
            [point_id, owner_chat or ""])

    def adopt(self, point_id: int, row: dict) -> tuple[int, bool]:
        """Make a plan point a deadline of `row["owner_chat"]`'s (None: everyone's) with the given fields:
        (deadline id, True) — or (the existing one's id, False) when that owner adopted it already."""
        with self.transaction():
            existing = self.adoption(point_id, row.get("owner_chat"))
            if existing:
                return existing["id"], False
            return self.db["deadline"].insert(times(dict(row, plan_point=point_id))).last_pk, True
