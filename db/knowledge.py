"""The plan documents as stored: documents, their items, and sentence passages with an FTS5 index.

Passages carry their jieba tokens joined by spaces; FTS5's unicode61 tokenizer then indexes exactly
those tokens (the trigram tokenizer cannot match 2-character terms such as 团课).
"""
from __future__ import annotations

import sqlite3
from typing import Iterable, Sequence

from sqlite_utils.migrations import Migrations

from db.outbox import immediate
from db.values import storable

migrations = Migrations("knowledge")


@migrations()
def m001_documents_items_passages(db) -> None:
    db["document"].create(
        {"key": str, "title": str, "issuer": str, "region": str, "year": int, "date": str, "date_text": str, "printed_by": str,
         "doc_number": str, "recipients": str, "path": str, "sha1": str, "indexed_at": str},
        pk="key",
    )
    db["item"].create(
        {"id": int, "doc_key": str, "position": int, "kind": str, "section_no": str, "section": str,
         "sub_no": str, "sub": str, "item_no": str, "heading": str, "body": str, "label": str},
        pk="id", foreign_keys=[("doc_key", "document", "key")],
    )
    db["item"].create_index(["doc_key"])
    db["passage"].create(
        {"id": int, "doc_key": str, "item_id": int, "position": int, "kind": str, "text": str,
         "norm": str, "tokens": str},
        pk="id", foreign_keys=[("doc_key", "document", "key"), ("item_id", "item", "id")],
    )
    db["passage"].create_index(["doc_key"])
    db["passage"].create_index(["item_id"])
    db["passage"].enable_fts(["tokens"], tokenize="unicode61", create_triggers=True)
    db.execute("CREATE VIRTUAL TABLE passage_vocab USING fts5vocab(passage_fts, 'row')")


def fts_query(tokens: Iterable[str]) -> str:
    """An FTS5 MATCH expression ORing the tokens, each quoted so no user text is FTS syntax."""
    quoted = ['"' + t.replace('"', '""') + '"' for t in dict.fromkeys(tokens) if t and t.strip()]
    return " OR ".join(quoted)


class KnowledgeMixin:
    migrations = migrations

    def replace_documents(self, docs: Sequence[tuple[dict, list[dict], list[list[dict]]]]) -> None:
        """Swap in new versions of documents atomically: (document, items, passages per item)."""
        with immediate(self):  # the write lock first: a concurrent writer never leaves us a stale snapshot
            for doc, items, passages in docs:
                self._delete_document(doc["key"])
                self.db["document"].insert(doc)
                for item, item_passages in zip(items, passages):
                    item_id = self.db["item"].insert(dict(item, doc_key=doc["key"])).last_pk
                    self.db["passage"].insert_all(
                        (dict(p, doc_key=doc["key"], item_id=item_id) for p in item_passages),
                        batch_size=500,
                    )

    def _delete_document(self, key: str) -> None:
        self.db.execute("DELETE FROM passage WHERE doc_key = ?", [key])
        self.db.execute("DELETE FROM item WHERE doc_key = ?", [key])
        self.db.execute("DELETE FROM document WHERE key = ?", [key])

    def documents(self) -> list[dict]:
        return list(self.db["document"].rows_where(order_by="key"))

    def passage_count(self) -> int:
        return self.db["passage"].count

    def all_passages(self) -> Iterable[dict]:
        return self.db.query("SELECT id, doc_key, item_id, kind, text, norm FROM passage ORDER BY id")

    def token_document_frequency(self) -> dict[str, int]:
        """Token → number of passages containing it (FTS5's own vocabulary)."""
        return {row[0]: row[1] for row in self.db.execute("SELECT term, doc FROM passage_vocab")}

    def token_postings(self, token: str) -> list[int]:
        """Ids of the passages whose tokens include `token` (FTS5's doclist, unranked: ~1 µs a row)."""
        try:
            return [r[0] for r in self.db.execute(
                "SELECT rowid FROM passage_fts WHERE passage_fts MATCH ?", [fts_query([token])])]
        except sqlite3.OperationalError:
            return []

    def document_tokens(self, doc_key: str) -> list[tuple[int, str]]:
        """(passage id, space-joined tokens) of one document's passages."""
        return [(r[0], r[1]) for r in self.db.execute("SELECT id, tokens FROM passage WHERE doc_key = ?", [doc_key])]

    def passage_documents(self) -> Iterable[tuple[int, str]]:
        """(passage id, document key) for every passage."""
        return self.db.execute("SELECT id, doc_key FROM passage")

    def passages_by_id(self, ids: Sequence[int]) -> dict[int, dict]:
        ids = [i for i in ids if storable(i)]
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.query(
            "SELECT p.id, p.doc_key, p.item_id, p.kind, p.text, p.norm, p.tokens, p.position, "
            "i.section_no, i.section, i.sub_no, i.sub, i.item_no, i.heading, i.label, i.body "
            f"FROM passage p JOIN item i ON i.id = p.item_id WHERE p.id IN ({marks})", list(ids))
        return {r["id"]: r for r in rows}

    def faq_source_rows(self, doc_keys: Sequence[str] | None = None) -> list[dict]:
        """Every passage with its item's place, in document order (what the FAQ is generated from)."""
        where, params = "", []
        if doc_keys:
            where, params = f"WHERE p.doc_key IN ({','.join('?' * len(doc_keys))})", list(doc_keys)
        return list(self.db.query(
            "SELECT p.id, p.doc_key, p.kind, p.text, p.position, i.id AS item_id, i.kind AS item_kind, "
            "i.section_no, i.section, i.item_no, i.heading FROM passage p JOIN item i ON i.id = p.item_id "
            f"{where} ORDER BY p.doc_key, i.position, p.position", params))

    def item_passages(self, item_id: int) -> list[dict]:
        return list(self.db["passage"].rows_where("item_id = ?", [item_id], order_by="position"))

    # ------------------------------------------------------------ read for the web dashboard

    def document_passage_counts(self) -> dict[str, int]:
        """Document key → number of passages (the 文件 page lists them)."""
        return dict(self.db.execute("SELECT doc_key, count(*) FROM passage GROUP BY doc_key").fetchall())
