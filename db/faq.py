"""The FAQ: entries (generated from the plans, or curated by admins), their phrasings and regional
answers, and the record of generation attempts. The table of questions the assistant could not
answer well (ask_log) is created here; its verbs and groups live in db/misses.py."""
from __future__ import annotations

import hashlib
from typing import Iterable

from sqlite_utils.migrations import Migrations

from db.outbox import immediate
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


class FaqMixin:
    migrations = migrations

    def replace_generated_faq(self, entries: Iterable[dict], now: str = "") -> int:
        """Swap the generated entries for a new set (curated ones are untouched); returns the count."""
        entries = list(entries)
        with self.lock, self.db.atomic():
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

    def faq_build_begin(self, version: str, started_at: str, pid: int) -> int:
        """Record that a generation from documents `version` started; returns the attempt's id."""
        with self.lock, self.db.atomic():
            return self.db["faq_build"].insert({"version": version, "status": "running", "started_at": started_at,
                                                "pid": pid}).last_pk

    def faq_build_end(self, attempt: int, status: str, finished_at: str, detail: str = "") -> None:
        with self.lock, self.db.atomic():
            self.db["faq_build"].update(attempt, {"status": status, "finished_at": finished_at, "detail": detail[:500]})

    def faq_build_attempts(self, version: str) -> list[dict]:
        """The generation attempts from documents `version`, latest first."""
        return list(self.db["faq_build"].rows_where("version = ?", [version], order_by="id desc"))

    def faq_build_last_done(self) -> dict | None:
        rows = list(self.db["faq_build"].rows_where("status = 'done'", order_by="id desc", limit=1))
        return rows[0] if rows else None

    def document_version(self) -> str:
        """What the indexed documents are (keys and contents), as one string to compare."""
        rows = self.db.execute("SELECT key, sha1 FROM document ORDER BY key").fetchall()
        return hashlib.sha1(repr(rows).encode("utf-8")).hexdigest()[:16]

    def _insert_entry(self, kind: str, entry: dict, now: str) -> int:
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
            self.db.execute(f"DELETE FROM {table} WHERE entry_id IN ({','.join('?' * len(ids))})", ids)
        self.db.execute(f"DELETE FROM faq_entry WHERE id IN ({','.join('?' * len(ids))})", ids)

    def add_faq(self, question: str, answer: str, phrasings: list[str] | None = None, now: str = "") -> int:
        with immediate(self):
            return self._insert_entry(CURATED, {"question": question, "answer": answer,
                                                "phrasings": phrasings or [], "section": "管理员整理"}, now)

    def update_faq(self, entry_id: int, question: str | None, answer: str | None, now: str = "") -> bool:
        """Change a curated entry's question and/or answer; editing a generated one makes it curated."""
        entry = self.faq_entry(entry_id)
        if entry is None:
            return False
        with immediate(self):
            changes = {"updated_at": now, "kind": CURATED}
            if question:
                changes["question"] = question
                self.db["faq_phrasing"].insert({"entry_id": entry_id, "text": question})
            if answer:
                changes["answer"] = answer
            self.db["faq_entry"].update(entry_id, changes)
        return True

    def delete_faq(self, entry_id: int) -> bool:
        if self.faq_entry(entry_id) is None:
            return False
        with immediate(self):
            self._delete_entries([entry_id])
        return True

    def import_curated_faq(self, records, now: str = "") -> tuple[int, int]:
        """Add or update curated entries from checked records, all in one transaction."""
        added = updated = 0
        with immediate(self):
            for rec in records:
                existing = self.faq_entry(rec.id) if rec.id is not None else None
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

    def faq_entry(self, entry_id: int) -> dict | None:
        if not storable(entry_id):
            return None
        rows = list(self.db["faq_entry"].rows_where("id = ?", [entry_id]))
        if not rows:
            return None
        entry = rows[0]
        entry["phrasings"] = [r["text"] for r in self.db["faq_phrasing"].rows_where("entry_id = ?", [entry_id],
                                                                                   order_by="id")]
        entry["sources"] = list(self.db["faq_source"].rows_where("entry_id = ?", [entry_id], order_by="position"))
        return entry

    def faq_count(self, kind: str) -> int:
        return self.db.execute("SELECT count(*) FROM faq_entry WHERE kind = ?", [kind]).fetchone()[0]

    def faq_entries(self, kind: str | None = None) -> list[dict]:
        where, params = ("kind = ?", [kind]) if kind else (None, [])
        return list(self.db["faq_entry"].rows_where(where, params, order_by="id"))

    def faq_phrasings(self) -> list[tuple[int, int, str, str]]:
        """(phrasing id, entry id, entry kind, text) of every phrasing."""
        return [tuple(r) for r in self.db.execute(
            "SELECT p.id, p.entry_id, e.kind, p.text FROM faq_phrasing p JOIN faq_entry e ON e.id = p.entry_id")]

    def faq_sources(self) -> dict[int, list[dict]]:
        out: dict[int, list[dict]] = {}
        for r in self.db["faq_source"].rows_where(order_by="entry_id, position"):
            out.setdefault(r["entry_id"], []).append(r)
        return out
