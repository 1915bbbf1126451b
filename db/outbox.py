"""The scheduler's durable state (`store.outbox`): occurrences (alerts that fell due), the outbox (one row
per delivery), the send leases and the scheduler's marks.

Unique keys carry the reliability: an occurrence is UNIQUE(kind, subject, occurrence_key) and a
delivery UNIQUE(dedupe_key), so planning or expanding twice — in one process or two — inserts
nothing new. A delivery moves pending → sending (claimed atomically, with a lease) → sent |
uncertain | failed | dead (or skipped when no longer wanted); a claim whose lease ran out is
`uncertain`, never resent blindly. Times are UTC instants as fixed-width text, so they sort.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Callable, Iterable

from sqlite_utils.migrations import Migrations

from db.connection import MAX_PARAMS, Repository, marks, utc
from db.postgres import ID, PgMigrations
from db.rows import FINAL_STATES as FINAL
from db.rows import Delivery, DeliveryState, Occurrence, OccurrenceState, OutboxRow, ToSubscribers

migrations = Migrations("scheduler")


@migrations()
def m001_occurrence_outbox(db) -> None:
    db["occurrence"].create(
        {"id": int, "kind": str, "subject": str, "occurrence_key": str, "fire_at": str, "expires_at": str,
         "payload": str, "state": str, "created_at": str, "expanded_at": str, "detail": str},
        pk="id", not_null={"kind", "subject", "occurrence_key", "fire_at"}, defaults={"state": "planned"},
    )
    db["occurrence"].create_index(["kind", "subject", "occurrence_key"], unique=True)
    db["occurrence"].create_index(["state", "fire_at"])
    db["occurrence"].create_index(["kind", "state"])
    db["outbox"].create(
        {"id": int, "dedupe_key": str, "occurrence_id": int, "kind": str, "platform": str, "chat_id": str,
         "chat_type": str, "subject": str, "text": str, "priority": int, "state": str, "attempts": int,
         "next_attempt_at": str, "lease_until": str, "claimed_by": str, "attempted_at": str,
         "finished_at": str, "detail": str, "created_at": str},
        pk="id", not_null={"dedupe_key", "platform", "chat_id", "text"},
        defaults={"state": "pending", "attempts": 0, "priority": 5},
        foreign_keys=[("occurrence_id", "occurrence", "id")],
    )
    db["outbox"].create_index(["dedupe_key"], unique=True)
    db["outbox"].create_index(["platform", "state", "next_attempt_at"])
    db["outbox"].create_index(["occurrence_id", "state"])
    db["outbox"].create_index(["platform", "attempted_at"])
    db["send_lease"].create({"platform": str, "holder": str, "lease_until": str}, pk="platform")
    db["scheduler_mark"].create({"name": str, "value": str}, pk="name")


@migrations()
def m002_delivery_summary(db) -> None:
    # Counts per state of deliveries pruned by retention, so an occurrence's report outlives its rows.
    db["delivery_summary"].create({"occurrence_id": int, "state": str, "count": int}, pk=("occurrence_id", "state"))


pg_migrations = PgMigrations("scheduler", [("m001_occurrence_outbox_summary", f"""
CREATE TABLE occurrence ({ID}, kind TEXT NOT NULL, subject TEXT NOT NULL, occurrence_key TEXT NOT NULL,
    fire_at TEXT NOT NULL, expires_at TEXT, payload TEXT, state TEXT DEFAULT 'planned', created_at TEXT,
    expanded_at TEXT, detail TEXT);
CREATE UNIQUE INDEX idx_occurrence_kind_subject_occurrence_key ON occurrence (kind, subject, occurrence_key);
CREATE INDEX idx_occurrence_state_fire_at ON occurrence (state, fire_at);
CREATE INDEX idx_occurrence_kind_state ON occurrence (kind, state);
CREATE TABLE outbox ({ID}, dedupe_key TEXT NOT NULL, occurrence_id BIGINT REFERENCES occurrence (id), kind TEXT,
    platform TEXT NOT NULL, chat_id TEXT NOT NULL, chat_type TEXT, subject TEXT, text TEXT NOT NULL,
    priority BIGINT DEFAULT 5, state TEXT DEFAULT 'pending', attempts BIGINT DEFAULT 0, next_attempt_at TEXT,
    lease_until TEXT, claimed_by TEXT, attempted_at TEXT, finished_at TEXT, detail TEXT, created_at TEXT);
CREATE UNIQUE INDEX idx_outbox_dedupe_key ON outbox (dedupe_key);
CREATE INDEX idx_outbox_platform_state_next_attempt_at ON outbox (platform, state, next_attempt_at);
CREATE INDEX idx_outbox_occurrence_id_state ON outbox (occurrence_id, state);
CREATE INDEX idx_outbox_platform_attempted_at ON outbox (platform, attempted_at);
CREATE INDEX outbox_due ON outbox (platform, priority, id) WHERE state = 'pending';
CREATE TABLE send_lease (platform TEXT PRIMARY KEY, holder TEXT, lease_until TEXT);
CREATE TABLE scheduler_mark (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE delivery_summary (occurrence_id BIGINT, state TEXT, count BIGINT, PRIMARY KEY (occurrence_id, state));
""")])

ATTEMPTED = ("sending", "sent", "uncertain", "failed")  # what counts against a rate limit
ANALYZE_AFTER = 2000  # deliveries queued at once after which PostgreSQL's statistics are refreshed


class Outbox(Repository):
    migrations = migrations
    pg_migrations = pg_migrations

    # ------------------------------------------------------------ occurrences

    def add_occurrences(self, rows: Iterable[dict], now: dt.datetime) -> int:
        """Plan occurrences (kind, subject, occurrence_key, fire_at, [expires_at, payload, state]);
        ones already planned are left alone. Returns how many were new."""
        with self.transaction():
            return self._insert_occurrences(rows, now)

    def _insert_occurrences(self, rows: Iterable[dict], now: dt.datetime) -> int:
        added = 0
        for r in rows:
            cur = self.db.execute(
                "INSERT INTO occurrence (kind, subject, occurrence_key, fire_at, expires_at, payload, state, "
                "created_at, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(kind, subject, occurrence_key) DO NOTHING",
                [r["kind"], str(r["subject"]), r["occurrence_key"], utc(r["fire_at"]),
                 utc(r["expires_at"]) if r.get("expires_at") else None,
                 json.dumps(r.get("payload") or {}, ensure_ascii=False), r.get("state", "planned"),
                 utc(now), r.get("detail")])
            added += cur.rowcount
        return added

    def due_occurrences(self, now: dt.datetime, limit: int = 500) -> list[Occurrence]:
        return [self._occurrence(r) for r in self.db.query(
            "SELECT * FROM occurrence WHERE state = 'planned' AND fire_at <= ? ORDER BY fire_at, id LIMIT ?",
            [utc(now), limit])]

    def occurrence(self, occurrence_id: int) -> Occurrence | None:
        row = self.one("SELECT * FROM occurrence WHERE id = ?", [occurrence_id])
        return self._occurrence(row) if row else None

    def occurrence_by_key(self, kind: str, subject: str, key: str) -> Occurrence | None:
        row = self.one("SELECT * FROM occurrence WHERE kind = ? AND subject = ? AND occurrence_key = ?",
                       [kind, str(subject), key])
        return self._occurrence(row) if row else None

    @staticmethod
    def _occurrence(row: dict) -> Occurrence:
        return dict(row, payload=json.loads(row["payload"] or "{}"))

    def expand_occurrence(self, occurrence_id: int, deliveries: Iterable[Delivery] | ToSubscribers,
                          now: dt.datetime, state: OccurrenceState = "expanded", detail: str = "") -> int | None:
        """Turn a planned occurrence into deliveries, once: None when another tick got there first."""
        with self.transaction():
            cur = self.db.execute(
                "UPDATE occurrence SET state = ?, expanded_at = ?, detail = ? WHERE id = ? AND state = 'planned'",
                [state, utc(now), detail, occurrence_id])
            if cur.rowcount != 1:
                return None
            return self._insert_deliveries(occurrence_id, deliveries, now)

    def queue_deliveries(self, deliveries: Iterable[Delivery] | ToSubscribers, now: dt.datetime,
                         occurrence_id: int | None = None) -> int:
        """Queue deliveries outside any occurrence (an adapter's own push); known dedupe keys are ignored."""
        with self.transaction():
            return self._insert_deliveries(occurrence_id, deliveries, now)

    def _insert_deliveries(self, occurrence_id: int | None, deliveries: Iterable[Delivery] | ToSubscribers,
                           now: dt.datetime) -> int:
        queued = self._insert_delivery_rows(occurrence_id, deliveries, utc(now))
        if self.postgres and queued >= ANALYZE_AFTER:
            # A broadcast of thousands changes the table's shape at once; until autovacuum notices (a
            # minute or more) the planner takes the due rows for few and sorts every pending one at each
            # claim (70 ms at 100,000 instead of a fraction of one walking the due index).
            self.db.execute("ANALYZE outbox")
        return queued

    def _insert_delivery_rows(self, occurrence_id: int | None, deliveries: Iterable[Delivery] | ToSubscribers,
                              stamp: str) -> int:
        if isinstance(deliveries, ToSubscribers):
            return self._insert_subscriber_deliveries(occurrence_id, deliveries, stamp)
        cur = self.db.conn.executemany(
            "INSERT INTO outbox (dedupe_key, occurrence_id, kind, platform, chat_id, chat_type, subject, text, "
            "priority, state, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "'pending', 0, ?, ?) ON CONFLICT(dedupe_key) DO NOTHING",
            [(d.dedupe_key, occurrence_id, d.kind, d.platform, str(d.chat_id), d.chat_type or "private", d.subject,
              d.text, d.priority, stamp, stamp) for d in deliveries])
        return max(cur.rowcount, 0)

    def _insert_subscriber_deliveries(self, occurrence_id: int | None, spec: ToSubscribers, stamp: str) -> int:
        """The outbox rows of a ToSubscribers, in subscription order (tables of db/reminders.py and
        db/profiles.py), in the caller's transaction."""
        cur = self.db.execute(
            "INSERT INTO outbox (dedupe_key, occurrence_id, kind, platform, chat_id, chat_type, subject, text, "
            "priority, state, attempts, next_attempt_at, created_at) "
            "SELECT :key || '|' || c.platform || ':' || c.platform_chat_id, :occurrence, :kind, c.platform, "
            "c.platform_chat_id, COALESCE(c.chat_type, 'private'), CASE WHEN :titled = 1 THEN c.title END, :text, "
            ":priority, 'pending', 0, :stamp, :stamp FROM subscription s JOIN chat c ON c.id = s.chat "
            "WHERE :region IS NULL OR s.region IS NULL OR s.region = :region ORDER BY s.id "
            "ON CONFLICT(dedupe_key) DO NOTHING",
            dict(key=spec.key, occurrence=occurrence_id, kind=spec.kind, titled=int(spec.title_as_subject),
                 text=spec.text, priority=spec.priority, stamp=stamp, region=spec.region or None))
        return max(cur.rowcount, 0)

    def set_occurrence_state(self, occurrence_id: int, old: OccurrenceState, new: OccurrenceState,
                             detail: str | None = None) -> bool:
        with self.transaction():
            cur = self.db.execute(
                "UPDATE occurrence SET state = ?, detail = COALESCE(?, detail) WHERE id = ? AND state = ?",
                [new, detail, occurrence_id, old])
            return cur.rowcount == 1

    def finished_occurrences(self, kind: str) -> list[Occurrence]:
        """Expanded occurrences of `kind` none of whose deliveries is still pending or sending."""
        return [self._occurrence(r) for r in self.query(
            "SELECT * FROM occurrence o WHERE kind = ? AND state = 'expanded' AND NOT EXISTS ("
            "SELECT 1 FROM outbox b WHERE b.occurrence_id = o.id AND b.state IN ('pending', 'sending'))",
            [kind])]

    def cancel_occurrences(self, kind: str, subject: str, reason: str) -> int:
        """Drop what is planned or queued for a subject (a deleted or moved deadline)."""
        with self.transaction():
            ids = [r[0] for r in self.db.execute(
                "SELECT id FROM occurrence WHERE kind = ? AND subject = ?", [kind, str(subject)])]
            if not ids:
                return 0
            self.db.execute(f"UPDATE occurrence SET state = 'skipped', detail = ? WHERE state = 'planned' "
                            f"AND id IN ({marks(ids)})", [reason, *ids])
            cur = self.db.execute(f"UPDATE outbox SET state = 'skipped', detail = ? WHERE state = 'pending' "
                                  f"AND occurrence_id IN ({marks(ids)})", [reason, *ids])
            return cur.rowcount

    # ------------------------------------------------------------ deliveries

    def sendable(self, platform: str, now: dt.datetime, limit: int = 200, per_chat: int = 2) -> list[OutboxRow]:
        """Pending deliveries due now, at most `per_chat` per chat, so one busy chat that must wait for
        its rate limit does not hide every other chat's deliveries behind it."""
        return self.query(
            "SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY chat_id ORDER BY priority, id) AS nth "
            "FROM outbox WHERE platform = ? AND state = 'pending' AND next_attempt_at <= ?) AS due "
            "WHERE nth <= ? ORDER BY priority, id LIMIT ?", [platform, utc(now), per_chat, limit])

    def claim_delivery(self, delivery_id: int, holder: str, now: dt.datetime, lease: dt.timedelta) -> bool:
        """Take one pending delivery for sending; False when another process already has it."""
        with self.transaction(lock=None):
            cur = self.db.execute(
                "UPDATE outbox SET state = 'sending', claimed_by = ?, attempted_at = ?, lease_until = ?, "
                "attempts = attempts + 1 WHERE id = ? AND state = 'pending'",
                [holder, utc(now), utc(now + lease), delivery_id])
            return cur.rowcount == 1

    def finish_delivery(self, delivery_id: int, holder: str, state: DeliveryState, now: dt.datetime, detail: str = "",
                        retry_at: dt.datetime | None = None) -> None:
        """Record what the platform said; state "pending" with retry_at puts it back in the queue."""
        with self.transaction(lock=None):
            self.db.execute(
                "UPDATE outbox SET state = ?, finished_at = ?, detail = ?, next_attempt_at = COALESCE(?, "
                "next_attempt_at), lease_until = NULL WHERE id = ? AND claimed_by = ? AND state = 'sending'",
                [state, utc(now), detail[:500], utc(retry_at) if retry_at else None, delivery_id, holder])

    def finish_deliveries(self, outcomes: list[tuple[int, DeliveryState, str, dt.datetime | None]], holder: str,
                          now: dt.datetime) -> None:
        """Record many sends' outcomes — (delivery id, state, detail, retry at) — in one transaction: one
        statement per distinct outcome (a broadcast's batch is usually all "sent"), not one per delivery."""
        groups: dict[tuple, list[int]] = {}
        for delivery_id, state, detail, retry_at in outcomes:
            groups.setdefault((state, detail[:500], utc(retry_at) if retry_at else None), []).append(delivery_id)
        if not groups:
            return
        with self.transaction(lock=None):
            for (state, detail, retry_at), ids in groups.items():
                for n in range(0, len(ids), MAX_PARAMS):
                    chunk = ids[n:n + MAX_PARAMS]
                    self.db.execute(
                        "UPDATE outbox SET state = ?, finished_at = ?, detail = ?, next_attempt_at = COALESCE(?, "
                        f"next_attempt_at), lease_until = NULL WHERE claimed_by = ? AND state = 'sending' "
                        f"AND id IN ({marks(chunk)})", [state, utc(now), detail, retry_at, holder, *chunk])

    def skip_delivery(self, delivery_id: int, now: dt.datetime, detail: str) -> None:
        with self.transaction(lock=None):
            self.db.execute("UPDATE outbox SET state = 'skipped', finished_at = ?, detail = ? "
                            "WHERE id = ? AND state = 'pending'", [utc(now), detail, delivery_id])

    def expire_leases(self, now: dt.datetime) -> int:
        """Deliveries whose sender vanished mid-send (crash, kill): uncertain, not resent."""
        with self.transaction():
            cur = self.db.execute(
                "UPDATE outbox SET state = 'uncertain', finished_at = ?, detail = '发送中断，无法确认是否送达' "
                "WHERE state = 'sending' AND lease_until < ?", [utc(now), utc(now)])
            return cur.rowcount

    def claim_batch(self, platform: str, holder: str, clock: Callable[[], dt.datetime], lease: dt.timedelta,
                    limit: int, pick: Callable[..., tuple[list[int], float | None]],
                    overall: dt.timedelta, keyed: dt.timedelta) -> tuple[list[OutboxRow], float | None]:
        """Claim due deliveries of a platform, for workers sending side by side: one short transaction
        holding the platform's send lock reads up to `limit` candidates (id, chat, priority only) and the
        attempts every process recorded within the rate windows — the whole platform's within `overall`
        counted per instant (a claim stamps its batch with one instant, so a second of 2,000 sends is a
        few dozen rows, not 2,000), the candidates' chats' own within `keyed` (0: no per-chat limit) —
        and `pick(now, candidates, totals, chat_attempts)` says which the limits allow and when: (ids,
        seconds from now their sends may start — 0.0 now, more for a slot that frees a moment later), or
        ([], seconds until one would be allowed). The chosen are stamped with that instant and claimed in the same transaction (rows another writer holds
        are skipped: FOR UPDATE SKIP LOCKED on PostgreSQL), so the windows in the database are the one
        global truth. "Now" is read from `clock` once the lock is held: a claim stamped with a time from
        before it waited could land in a window it never checked. Returns (claimed rows, wait); ([], None)
        when nothing is due."""
        with self.transaction(lock=f"send:{platform}"):
            now = clock()
            stamp = utc(now)
            candidates = self.query(
                "SELECT id, chat_id, chat_type, priority FROM outbox WHERE platform = ? AND state = 'pending' "
                "AND next_attempt_at <= ? ORDER BY priority, id LIMIT ?", [platform, stamp, limit])
            if not candidates:
                return [], None
            totals = [tuple(r) for r in self.db.execute(
                f"SELECT attempted_at, count(*) FROM outbox WHERE platform = ? AND attempted_at >= ? AND state IN "
                f"({marks(ATTEMPTED)}) GROUP BY attempted_at ORDER BY attempted_at",
                [platform, utc(now - overall), *ATTEMPTED])] if overall else []
            per_chat = []
            if keyed:
                chats = sorted({c["chat_id"] for c in candidates})
                per_chat = self.query(
                    f"SELECT chat_id, chat_type, attempted_at FROM outbox WHERE platform = ? AND chat_id IN "
                    f"({marks(chats)}) AND attempted_at >= ? AND state IN ({marks(ATTEMPTED)}) ORDER BY attempted_at",
                    [platform, *chats, utc(now - keyed), *ATTEMPTED])
            chosen, wait = pick(now, candidates, totals, per_chat)
            if not chosen:
                return [], wait
            now = now + dt.timedelta(seconds=wait or 0.0)  # the slot reserved: the sends start then
            stamp = utc(now)
            unlocked = (f"SELECT id FROM outbox WHERE id IN ({marks(chosen)}) AND state = 'pending' FOR UPDATE "
                        "SKIP LOCKED") if self.postgres else marks(chosen)
            rows = self.query(
                "UPDATE outbox SET state = 'sending', claimed_by = ?, attempted_at = ?, lease_until = ?, "
                f"attempts = attempts + 1 WHERE state = 'pending' AND id IN ({unlocked}) RETURNING *",
                [holder, stamp, utc(now + lease), *chosen])
        # As the exclusive drain sees a row (db sendable): `attempts` counts the tries before this one.
        return sorted((dict(r, attempts=r["attempts"] - 1) for r in rows), key=lambda r: (r["priority"], r["id"])), wait

    def recent_attempts(self, platform: str, since: dt.datetime) -> list[dict]:
        """Sends attempted since `since` (sent, uncertain or in flight), to seed the rate limits."""
        return self.query(
            "SELECT chat_id, chat_type, attempted_at FROM outbox WHERE platform = ? AND attempted_at >= ? "
            "AND state IN ('sending', 'sent', 'uncertain', 'failed') ORDER BY attempted_at",
            [platform, utc(since)])

    def deliveries(self, occurrence_id: int | None = None, state: DeliveryState | None = None) -> list[OutboxRow]:
        where, params = [], []
        if occurrence_id is not None:
            where.append("occurrence_id = ?")
            params.append(occurrence_id)
        if state:
            where.append("state = ?")
            params.append(state)
        sql = "SELECT * FROM outbox" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        return self.query(sql, params)

    def delivery_counts(self, occurrence_id: int) -> dict[DeliveryState, int]:
        """State → number of deliveries of an occurrence, pruned ones (kept as counts) included."""
        counts: dict[str, int] = {}
        for state, n in self.db.execute(
                "SELECT state, count(*) FROM outbox WHERE occurrence_id = ? GROUP BY state UNION ALL "
                "SELECT state, count FROM delivery_summary WHERE occurrence_id = ?", [occurrence_id, occurrence_id]):
            counts[state] = counts.get(state, 0) + n
        return counts

    def prune_deliveries(self, before: dt.datetime, batch: int = 500) -> int:
        """Delete up to `batch` finished deliveries older than `before` (by when they finished), adding
        them to their occurrence's counts. Returns how many went.

        The batch is found by a plain read (its scan stops at the first delivery queued after `before`:
        ids grow with time), then deleted in one short write transaction of a few milliseconds."""
        cutoff, final = utc(before), marks(FINAL)
        horizon = self.db.execute("SELECT id FROM outbox WHERE created_at >= ? ORDER BY id LIMIT 1",
                                  [cutoff]).fetchone()
        ids = [r[0] for r in self.db.execute(
            f"SELECT id FROM outbox WHERE id < ? AND state IN ({final}) AND COALESCE(finished_at, created_at) < ? "
            "ORDER BY id LIMIT ?", [horizon[0] if horizon else 2 ** 63 - 1, *FINAL, cutoff, batch])]
        if not ids:
            return 0
        chosen = f"id IN ({marks(ids)}) AND state IN ({final})"  # final states never change
        with self.transaction():
            self.db.execute(
                "INSERT INTO delivery_summary (occurrence_id, state, count) SELECT occurrence_id, state, count(*) "
                f"FROM outbox WHERE {chosen} AND occurrence_id IS NOT NULL GROUP BY occurrence_id, state "
                "ON CONFLICT(occurrence_id, state) DO UPDATE SET count = delivery_summary.count + excluded.count", [*ids, *FINAL])
            return max(self.db.execute(f"DELETE FROM outbox WHERE {chosen}", [*ids, *FINAL]).rowcount, 0)

    # ------------------------------------------------------------ leases and marks

    def acquire_send_lease(self, platform: str, holder: str, now: dt.datetime, until: dt.datetime) -> bool:
        """One sender per platform at a time, so two processes never add up past a rate limit."""
        with self.transaction():
            cur = self.db.execute(
                "INSERT INTO send_lease (platform, holder, lease_until) VALUES (?, ?, ?) "
                "ON CONFLICT(platform) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until "
                "WHERE send_lease.lease_until < ? OR send_lease.holder = excluded.holder",
                [platform, holder, utc(until), utc(now)])
            return cur.rowcount == 1

    def release_send_lease(self, platform: str, holder: str) -> None:
        with self.transaction():
            self.db.execute("UPDATE send_lease SET lease_until = '' WHERE platform = ? AND holder = ?",
                            [platform, holder])

    def mark(self, name: str) -> str | None:
        rows = list(self.db.execute("SELECT value FROM scheduler_mark WHERE name = ?", [name]))
        return rows[0][0] if rows else None

    def set_mark(self, name: str, value: str) -> None:
        with self.transaction():
            self.db.execute("INSERT INTO scheduler_mark (name, value) VALUES (?, ?) "
                            "ON CONFLICT(name) DO UPDATE SET value = excluded.value", [name, value])

    # ------------------------------------------------------------ read for the web dashboard

    def occurrences_of(self, kind: str, limit: int = 50, subjects: list[str] | None = None) -> list[Occurrence]:
        """The latest occurrences of `kind` (of these subjects, when given), newest first: a broadcast's
        history, a deadline's alerts."""
        where, params = "kind = ?", [kind]
        if subjects is not None:
            where += f" AND subject IN ({marks(subjects) or 'NULL'})"
            params += [str(s) for s in subjects]
        return [self._occurrence(r) for r in self.db.query(
            f"SELECT * FROM occurrence WHERE {where} ORDER BY fire_at DESC, id DESC LIMIT ?", [*params, limit])]
