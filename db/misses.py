"""The misses log (`store.misses`): questions the assistant declined or answered with low confidence, each filed into
a group of near-duplicates when it is logged, so the admins' 未答 list is one indexed query however
long the log grows. Groups keep their count, last time and regions; pruning old misses keeps them true.
"""
from __future__ import annotations

import json
from typing import Sequence

from sqlite_utils.migrations import Migrations

from db.connection import Repository
from db.connection import marks as _marks
from db.postgres import ID, PgMigrations
from db.rows import MissGroupRow

migrations = Migrations("misses")


@migrations()
def m001_miss_groups(db) -> None:
    db["ask_log"].add_column("group_id", int)
    db["ask_log"].create_index(["group_id", "question"])
    db["ask_log"].create_index(["resolved_by", "group_id"])
    db["miss_group"].create(
        {"id": int, "question": str, "seed": str, "seed_norm": str, "seed_words": str, "count": int,
         "last_at": str, "regions": str, "resolved_by": int},
        pk="id", not_null={"question", "seed"}, defaults={"count": 0, "regions": ""},
    )
    db["miss_group"].create_index(["resolved_by", "count", "question"])
    db["miss_group_token"].create({"token": str, "group_id": int})
    db["miss_group_token"].create_index(["token"])
    db["miss_group_token"].create_index(["group_id"])


pg_migrations = PgMigrations("misses", [("m001_miss_groups", f"""
ALTER TABLE ask_log ADD COLUMN group_id BIGINT;
CREATE INDEX idx_ask_log_group_id_question ON ask_log (group_id, question);
CREATE INDEX idx_ask_log_resolved_by_group_id ON ask_log (resolved_by, group_id);
CREATE TABLE miss_group ({ID}, question TEXT NOT NULL, seed TEXT NOT NULL, seed_norm TEXT, seed_words TEXT,
    count BIGINT DEFAULT 0, last_at TEXT, regions TEXT DEFAULT '', resolved_by BIGINT);
CREATE INDEX idx_miss_group_resolved_by_count_question ON miss_group (resolved_by, count, question);
CREATE TABLE miss_group_token (token TEXT, group_id BIGINT);
CREATE INDEX idx_miss_group_token_token ON miss_group_token (token);
CREATE INDEX idx_miss_group_token_group_id ON miss_group_token (group_id);
""")])

class Misses(Repository):
    migrations = migrations
    pg_migrations = pg_migrations

    def log(self, at: str, platform: str, region: str | None, question: str, norm: str,
                     decision: str, score: float, candidates: list, group_id: int | None = None) -> int:
        """Log one miss (no user id: what was asked and how it went), in its group when given."""
        with self.transaction():
            log_id = self.db["ask_log"].insert({
                "at": at, "platform": platform, "region": region, "question": question[:500], "norm": norm[:500],
                "decision": decision, "score": round(score, 4), "group_id": group_id,
                "candidates": json.dumps(candidates, ensure_ascii=False)}).last_pk
            if group_id is not None:
                self._count_into_group(group_id, question[:500], at, region)
        return log_id

    def _count_into_group(self, group_id: int, question: str, at: str, region: str | None) -> None:
        group = self.db.execute("SELECT question, regions FROM miss_group WHERE id = ?", [group_id]).fetchone()
        if group is None:
            return
        shown, regions = group
        changes = "count = count + 1, last_at = CASE WHEN last_at IS NULL OR last_at < ? THEN ? ELSE last_at END"
        params: list = [at, at]
        if region and region not in regions.split("、"):
            changes += ", regions = ?"
            params.append("、".join(filter(None, [regions, region])))
        if question != shown:  # the group shows its most frequent wording (the shorter one on a tie)
            n_new, n_shown = (self.db.execute("SELECT count(*) FROM ask_log WHERE group_id = ? AND question = ?",
                                              [group_id, q]).fetchone()[0] for q in (question, shown))
            if (n_new, -len(question)) > (n_shown, -len(shown)):
                changes += ", question = ?"
                params.append(question)
        self.db.execute(f"UPDATE miss_group SET {changes} WHERE id = ?", [*params, group_id])

    def add_group(self, seed: str, seed_norm: str, seed_words: Sequence[str]) -> int:
        """A new group, found later through its first question's words."""
        with self.transaction():
            group_id = self.db["miss_group"].insert({"question": seed[:500], "seed": seed[:500], "seed_norm": seed_norm,
                                                     "seed_words": " ".join(seed_words), "count": 0}).last_pk
            self.db["miss_group_token"].insert_all({"token": w, "group_id": group_id} for w in set(seed_words))
        return group_id

    def group_candidates(self, words: Sequence[str], limit: int = 30) -> list[dict]:
        """Open groups whose first question shares the most words with `words`."""
        words = list(dict.fromkeys(words))[:12]
        if not words:
            return []
        return list(self.db.query(
            "SELECT g.id, g.seed, g.seed_norm, g.seed_words FROM miss_group g JOIN ("
            f"  SELECT group_id, count(*) AS shared FROM miss_group_token WHERE token IN ({_marks(words)})"
            "   GROUP BY group_id ORDER BY shared DESC, group_id LIMIT ?) t ON t.group_id = g.id "
            "WHERE g.resolved_by IS NULL ORDER BY t.shared DESC, g.id", [*words, limit]))

    def group_seeds(self, after_id: int = 0) -> list[tuple[int, str]]:
        """(id, first question) of the groups after `after_id` (a process's vector index grows with them)."""
        return [tuple(r) for r in self.db.execute("SELECT id, seed FROM miss_group WHERE id > ? ORDER BY id", [after_id])]

    def open_groups(self, ids: Sequence[int]) -> dict[int, str]:
        """id → first question of those of these groups that exist and are not answered by a FAQ entry
        yet (ids of deleted groups are reused: the first question tells whether it is the same group)."""
        if not ids:
            return {}
        return dict(self.db.execute(
            f"SELECT id, seed FROM miss_group WHERE resolved_by IS NULL AND id IN ({_marks(ids)})", list(ids)).fetchall())

    def groups(self, limit: int = 15) -> list[MissGroupRow]:
        """The open groups, most asked first, each with its other wordings (most frequent first)."""
        groups = list(self.db.query(
            "SELECT id, question, count, last_at, regions FROM miss_group WHERE resolved_by IS NULL AND count > 0 "
            "ORDER BY count DESC, question LIMIT ?", [limit]))
        for g in groups:
            g["wordings"] = {q: n for q, n in self.db.execute(
                "SELECT question, count(*) FROM ask_log WHERE group_id = ? GROUP BY question "
                "ORDER BY count(*) DESC, length(question), question LIMIT 20", [g["id"]])}
        return groups

    def ungrouped(self, limit: int) -> list[dict]:
        """Misses logged without a group (before groups existed, or by another writer), oldest first."""
        return list(self.db["ask_log"].rows_where("group_id IS NULL AND resolved_by IS NULL", order_by="id",
                                                  limit=limit))

    def file(self, log_id: int, group_id: int) -> None:
        """Put an already logged miss into a group."""
        with self.transaction():
            row = self.db.execute("SELECT question, at, region FROM ask_log WHERE id = ?", [log_id]).fetchone()
            self.db.execute("UPDATE ask_log SET group_id = ? WHERE id = ?", [group_id, log_id])
            if row:
                self._count_into_group(group_id, *row)

    def resolve_group(self, group_id: int, entry_id: int) -> None:
        """A group became FAQ entry `entry_id`: it leaves the 未答 list, its misses are marked answered."""
        with self.transaction():
            self.db.execute("UPDATE ask_log SET resolved_by = ? WHERE group_id = ?", [entry_id, group_id])
            self.db.execute("UPDATE miss_group SET resolved_by = ? WHERE id = ?", [entry_id, group_id])

    def logged(self, since: str = "", unresolved: bool = True) -> list[dict]:
        where = "at >= ?" + (" AND resolved_by IS NULL" if unresolved else "")
        return list(self.db["ask_log"].rows_where(where, [since], order_by="id"))

    def resolve(self, log_ids: list[int], entry_id: int) -> None:
        """Mark logged questions as answered by a (new) curated entry."""
        with self.transaction():
            self.db.execute(f"UPDATE ask_log SET resolved_by = ? WHERE id IN ({_marks(log_ids)})", [entry_id, *log_ids])

    def prune(self, before: str, limit: int | None = None) -> int:
        """Forget misses logged before `before` (an ISO instant) — the oldest `limit` of them when given,
        so the scheduler's retention takes them in short transactions; groups keep counting what is left
        and disappear when empty. Returns how many misses were removed."""
        with self.transaction():
            ids = [r[0] for r in self.db.execute("SELECT id FROM ask_log WHERE at < ? ORDER BY at LIMIT ?",
                                                 [before, limit if limit else 2 ** 62])]
            touched, removed = set(), 0
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                touched.update(r[0] for r in self.db.execute(
                    f"SELECT DISTINCT group_id FROM ask_log WHERE id IN ({_marks(chunk)}) AND group_id IS NOT NULL",
                    chunk))
                removed += self.db.execute(f"DELETE FROM ask_log WHERE id IN ({_marks(chunk)})", chunk).rowcount
            touched = sorted(touched)
            for start in range(0, len(touched), 500):
                chunk = touched[start:start + 500]
                self.db.execute(f"UPDATE miss_group SET count = (SELECT count(*) FROM ask_log a WHERE "
                                f"a.group_id = miss_group.id) WHERE id IN ({_marks(chunk)})", chunk)
            self.db.execute("DELETE FROM miss_group_token WHERE group_id IN "
                            "(SELECT id FROM miss_group WHERE count = 0 AND resolved_by IS NULL)")
            self.db.execute("DELETE FROM miss_group WHERE count = 0 AND resolved_by IS NULL")
        return removed
