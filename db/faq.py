"""The FAQ (`store.faq`): entries (generated from the plans, or curated by admins), their phrasings and regional
answers, and the record of generation attempts. The table of questions the assistant could not
answer well (ask_log) is created here; its verbs and groups live in db/misses.py."""
from __future__ import annotations

from typing import Iterable

from sqlite_utils.migrations import Migrations

from db.connection import Repository, marks
from db.postgres import ID, PgMigrations
from db.rows import BuildStatus, FaqBuild, FaqEntry, FaqKind
from db.values import storable

migrations = Migrations("faq")
GENERATED, CURATED = "generated", "curated"


@migrations()
def m001_faq_and_ask_log(db) -> None:
    db["faq_entry"].create(
        {"id": int, "kind": str, "question": str, "answer": str, "section": str, "source_key": str,
         "created_at": str, "updated_at": str},
        pk="id", not_null={"kind", "question"},
    )
    db["faq_entry"].create_index(["kind"])
    db["faq_phrasing"].create({"id": int, "entry_id": int, "text": str}, pk="id",
                              foreign_keys=[("entry_id", "faq_entry", "id")])
    db["faq_phrasing"].create_index(["entry_id"])
    db["faq_source"].create(
        {"id": int, "entry_id": int, "position": int, "region": str, "doc_key": str, "passage_id": int},
        pk="id", foreign_keys=[("entry_id", "faq_entry", "id")],
    )
    db["faq_source"].create_index(["entry_id"])
    # No user id: the admin view needs the question, its region and how it was handled, not who asked.
    db["ask_log"].create(
        {"id": int, "at": str, "platform": str, "region": str, "question": str, "norm": str,
         "decision": str, "score": float, "candidates": str, "resolved_by": int},
        pk="id",
    )
    db["ask_log"].create_index(["at"])


@migrations()
def m002_listed_and_build_record(db) -> None:
    # listed: the entry's question reads naturally and is shown in the browse list (it matches either way)
    db["faq_entry"].add_column("listed", int, not_null_default=1)
    # one row per generation attempt, so a rebuild that failed or was cut off is not retried on every start
    db["faq_build"].create({"id": int, "version": str, "status": str, "started_at": str, "finished_at": str,
                            "pid": int, "detail": str}, pk="id")


pg_migrations = PgMigrations("faq", [("m001_faq_ask_log_build", f"""
CREATE TABLE faq_entry ({ID}, kind TEXT NOT NULL, question TEXT NOT NULL, answer TEXT, section TEXT,
    source_key TEXT, created_at TEXT, updated_at TEXT, listed BIGINT NOT NULL DEFAULT 1);
CREATE INDEX idx_faq_entry_kind ON faq_entry (kind);
CREATE TABLE faq_phrasing ({ID}, entry_id BIGINT REFERENCES faq_entry (id), text TEXT);
CREATE INDEX idx_faq_phrasing_entry_id ON faq_phrasing (entry_id);
CREATE TABLE faq_source ({ID}, entry_id BIGINT REFERENCES faq_entry (id), position BIGINT, region TEXT,
    doc_key TEXT, passage_id BIGINT);
CREATE INDEX idx_faq_source_entry_id ON faq_source (entry_id);
CREATE TABLE ask_log ({ID}, at TEXT, platform TEXT, region TEXT, question TEXT, norm TEXT, decision TEXT,
    score DOUBLE PRECISION, candidates TEXT, resolved_by BIGINT);
CREATE INDEX idx_ask_log_at ON ask_log (at);
CREATE TABLE faq_build ({ID}, version TEXT, status TEXT, started_at TEXT, finished_at TEXT, pid BIGINT,
    detail TEXT);
""")])

class Faq(Repository):
    migrations = migrations
    pg_migrations = pg_migrations

    def replace_generated(self, entries: Iterable[dict], now: str = "") -> int:
        """Swap the generated entries for a new set (curated ones are untouched); returns the count."""
        entries = list(entries)
        with self.transaction():
            self.db.execute("DELETE FROM faq_phrasing WHERE entry_id IN (SELECT id FROM faq_entry WHERE kind = ?)",
                            [GENERATED])
            self.db.execute("DELETE FROM faq_source WHERE entry_id IN (SELECT id FROM faq_entry WHERE kind = ?)",
                            [GENERATED])
            self.db.execute("DELETE FROM faq_entry WHERE kind = ?", [GENERATED])
            first = (self.db.execute("SELECT max(id) FROM faq_entry").fetchone()[0] or 0) + 1
            ids = range(first, first + len(entries))
            self.db["faq_entry"].insert_all(
                ({"id": i, "kind": GENERATED, "question": e["question"], "answer": e.get("answer"),
                  "section": e.get("section", ""), "source_key": e.get("source_key", ""),
                  "created_at": now, "updated_at": now, "listed": int(e.get("listed", True))}
                 for i, e in zip(ids, entries)), batch_size=500)
            self.db["faq_phrasing"].insert_all(
                ({"entry_id": i, "text": t} for i, e in zip(ids, entries)
                 for t in dict.fromkeys([e["question"], *e.get("phrasings", [])])), batch_size=500)
            self.db["faq_source"].insert_all(
                ({"entry_id": i, "position": n, "region": src.get("region"), "doc_key": src.get("doc_key"),
                  "passage_id": src.get("passage_id")} for i, e in zip(ids, entries)
                 for n, src in enumerate(e.get("sources", []))), batch_size=500)
        return len(entries)

    def build_begin(self, version: str, started_at: str, pid: int) -> int:
        """Record that a generation from documents `version` started; returns the attempt's id."""
        with self.transaction():
            return self.db["faq_build"].insert({"version": version, "status": "running", "started_at": started_at,
                                                "pid": pid}).last_pk

    def build_end(self, attempt: int, status: BuildStatus, finished_at: str, detail: str = "") -> None:
        with self.transaction():
            self.db["faq_build"].update(attempt, {"status": status, "finished_at": finished_at, "detail": detail[:500]})

    def build_attempts(self, version: str) -> list[FaqBuild]:
        """The generation attempts from documents `version`, latest first."""
        return self.query("SELECT * FROM faq_build WHERE version = ? ORDER BY id DESC", [version])

    def last_build_done(self) -> FaqBuild | None:
        return self.one("SELECT * FROM faq_build WHERE status = 'done' ORDER BY id DESC LIMIT 1")

    def _insert_entry(self, kind: FaqKind, entry: dict, now: str) -> int:
        entry_id = self.db["faq_entry"].insert({
            "kind": kind, "question": entry["question"], "answer": entry.get("answer"),
            "section": entry.get("section", ""), "source_key": entry.get("source_key", ""),
            "created_at": now, "updated_at": now,
        }).last_pk
        phrasings = list(dict.fromkeys([entry["question"], *entry.get("phrasings", [])]))
        self.db["faq_phrasing"].insert_all({"entry_id": entry_id, "text": t} for t in phrasings)
        self.db["faq_source"].insert_all(
            {"entry_id": entry_id, "position": i, "region": s.get("region"), "doc_key": s.get("doc_key"),
             "passage_id": s.get("passage_id")} for i, s in enumerate(entry.get("sources", [])))
        return entry_id

    def _delete_entries(self, ids: list[int]) -> None:
        for table in ("faq_phrasing", "faq_source"):
            self.db.execute(f"DELETE FROM {table} WHERE entry_id IN ({marks(ids)})", ids)
        self.db.execute(f"DELETE FROM faq_entry WHERE id IN ({marks(ids)})", ids)

    def add(self, question: str, answer: str, phrasings: list[str] | None = None, now: str = "") -> int:
        with self.transaction():
            return self._insert_entry(CURATED, {"question": question, "answer": answer,
                                                "phrasings": phrasings or [], "section": "管理员整理"}, now)

    def update(self, entry_id: int, question: str | None, answer: str | None, now: str = "") -> bool:
        """Change a curated entry's question and/or answer; editing a generated one makes it curated."""
        entry = self.entry(entry_id)
        if entry is None:
            return False
        with self.transaction():
            changes = {"updated_at": now, "kind": CURATED}
            if question:
                changes["question"] = question
                self.db["faq_phrasing"].insert({"entry_id": entry_id, "text": question})
            if answer:
                changes["answer"] = answer
            self.db["faq_entry"].update(entry_id, changes)
        return True

    def delete(self, entry_id: int) -> bool:
        if self.entry(entry_id) is None:
            return False
        with self.transaction():
            self._delete_entries([entry_id])
        return True

    def import_curated(self, records, now: str = "") -> tuple[int, int]:
        """Add or update curated entries from checked records, all in one transaction."""
        added = updated = 0
        with self.transaction():
            for rec in records:
                existing = self.entry(rec.id) if rec.id is not None else None
                if existing and existing["kind"] == CURATED:
                    self.db["faq_entry"].update(rec.id, {"question": rec.question, "answer": rec.answer,
                                                         "updated_at": now})
                    self.db.execute("DELETE FROM faq_phrasing WHERE entry_id = ?", [rec.id])
                    self.db["faq_phrasing"].insert_all(
                        {"entry_id": rec.id, "text": t} for t in dict.fromkeys([rec.question, *rec.phrasings]))
                    updated += 1
                else:
                    self._insert_entry(CURATED, {"question": rec.question, "answer": rec.answer,
                                                 "phrasings": rec.phrasings, "section": "管理员整理"}, now)
                    added += 1
        return added, updated

    def entry(self, entry_id: int) -> FaqEntry | None:
        """One entry with its phrasings and its sources."""
        if not storable(entry_id):
            return None
        entry = self.one("SELECT * FROM faq_entry WHERE id = ?", [entry_id])
        if entry is None:
            return None
        entry["phrasings"] = [r[0] for r in self.db.execute(
            "SELECT text FROM faq_phrasing WHERE entry_id = ? ORDER BY id", [entry_id])]
        entry["sources"] = self.query("SELECT * FROM faq_source WHERE entry_id = ? ORDER BY position", [entry_id])
        return entry

    def count(self, kind: FaqKind) -> int:
        return self.db.execute("SELECT count(*) FROM faq_entry WHERE kind = ?", [kind]).fetchone()[0]

    def entries(self, kind: FaqKind | None = None) -> list[FaqEntry]:
        if kind:
            return self.query("SELECT * FROM faq_entry WHERE kind = ? ORDER BY id", [kind])
        return self.query("SELECT * FROM faq_entry ORDER BY id")

    def phrasings(self) -> list[tuple[int, int, str, str]]:
        """(phrasing id, entry id, entry kind, text) of every phrasing."""
        return [tuple(r) for r in self.db.execute(
            "SELECT p.id, p.entry_id, e.kind, p.text FROM faq_phrasing p JOIN faq_entry e ON e.id = p.entry_id")]

    def sources(self) -> dict[int, list[dict]]:
        """Entry id → its sources, in order."""
        out: dict[int, list[dict]] = {}
        for r in self.query("SELECT * FROM faq_source ORDER BY entry_id, position"):
            out.setdefault(r["entry_id"], []).append(r)
        return out
