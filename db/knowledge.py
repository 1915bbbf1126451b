"""The plan documents as stored (`store.knowledge`): documents, their items, and sentence passages with an
FTS5 index.

Passages carry their jieba tokens joined by spaces; FTS5's unicode61 tokenizer then indexes exactly
those tokens (the trigram tokenizer cannot match 2-character terms such as 团课).
"""
from __future__ import annotations

import hashlib
import sqlite3
import unicodedata
from typing import Iterable, Iterator, Sequence

from sqlite_utils.migrations import Migrations

from db.connection import MAX_PARAMS, Repository, marks
from db.postgres import ID, PgMigrations
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

# PostgreSQL: the passage's FTS5 terms (fts_terms) in a text[] with a GIN index answer the same
# postings and document frequencies as FTS5's doclists and vocabulary.
pg_migrations = PgMigrations("knowledge", [("m001_documents_items_passages", f"""
CREATE TABLE document (key TEXT PRIMARY KEY, title TEXT, issuer TEXT, region TEXT, year BIGINT, date TEXT,
    date_text TEXT, printed_by TEXT, doc_number TEXT, recipients TEXT, path TEXT, sha1 TEXT, indexed_at TEXT);
CREATE TABLE item ({ID}, doc_key TEXT REFERENCES document (key), position BIGINT, kind TEXT, section_no TEXT,
    section TEXT, sub_no TEXT, sub TEXT, item_no TEXT, heading TEXT, body TEXT, label TEXT);
CREATE INDEX idx_item_doc_key ON item (doc_key);
CREATE TABLE passage ({ID}, doc_key TEXT REFERENCES document (key), item_id BIGINT REFERENCES item (id),
    position BIGINT, kind TEXT, text TEXT, norm TEXT, tokens TEXT, terms TEXT[] NOT NULL DEFAULT '{{}}');
CREATE INDEX idx_passage_doc_key ON passage (doc_key);
CREATE INDEX idx_passage_item_id ON passage (item_id);
CREATE INDEX idx_passage_terms ON passage USING gin (terms);
""")])



def fts_terms(text: str) -> list[str]:
    """The terms FTS5's unicode61 tokenizer makes of a text (what PostgreSQL stores in passage.terms):
    runs of letters, digits and private-use characters, lower-cased, Latin diacritics removed."""
    terms, run = [], []
    for ch in text or "":
        if unicodedata.category(ch)[0] in "LN" or unicodedata.category(ch) == "Co":
            run.append(ch)
        elif run:
            terms.append("".join(run))
            run = []
    if run:
        terms.append("".join(run))
    return [_fold(t) for t in terms]


def _fold(term: str) -> str:
    term = term.lower()
    if term.isascii():
        return term
    return "".join(c for c in unicodedata.normalize("NFD", term)
                   if not (unicodedata.category(c) == "Mn" and c <= "\u036f")) if any(
        "\u00c0" <= c <= "\u024f" for c in term) else term


def fts_query(tokens: Iterable[str]) -> str:
    """An FTS5 MATCH expression ORing the tokens, each quoted so no user text is FTS syntax."""
    quoted = ['"' + t.replace('"', '""') + '"' for t in dict.fromkeys(tokens) if t and t.strip()]
    return " OR ".join(quoted)


class Knowledge(Repository):
    migrations = migrations
    pg_migrations = pg_migrations

    def replace_documents(self, docs: Sequence[tuple[dict, list[dict], list[list[dict]]]]) -> None:
        """Swap in new versions of documents atomically: (document, items, passages per item)."""
        with self.transaction():  # the write lock first: a concurrent writer never leaves us a stale snapshot
            for doc, items, passages in docs:
                self._delete_document(doc["key"])
                self.db["document"].insert(doc)
                for item, item_passages in zip(items, passages):
                    item_id = self.db["item"].insert(dict(item, doc_key=doc["key"])).last_pk
                    self.db["passage"].insert_all(
                        (dict(p, doc_key=doc["key"], item_id=item_id,
                              **({"terms": fts_terms(p.get("tokens"))} if self.postgres else {}))
                         for p in item_passages),
                        batch_size=500,
                    )

    def _delete_document(self, key: str) -> None:
        self.db.execute("DELETE FROM passage WHERE doc_key = ?", [key])
        self.db.execute("DELETE FROM item WHERE doc_key = ?", [key])
        self.db.execute("DELETE FROM document WHERE key = ?", [key])

    def documents(self) -> list[dict]:
        return self.query("SELECT * FROM document ORDER BY key")

    def passage_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM passage").fetchone()[0]

    def all_passages(self) -> Iterator[dict]:
        """Every passage (id, doc_key, item_id, kind, text, norm), streamed in id order."""
        cur = self.db.execute("SELECT id, doc_key, item_id, kind, text, norm FROM passage ORDER BY id")
        names = [c[0] for c in cur.description]
        return (dict(zip(names, row)) for row in cur)

    def token_document_frequency(self) -> dict[str, int]:
        """Token → number of passages containing it (FTS5's own vocabulary; on PostgreSQL the same count
        over the stored terms)."""
        if self.postgres:
            return {row[0]: row[1] for row in self.db.execute(
                "SELECT t, count(DISTINCT p.id) FROM passage p, unnest(p.terms) AS t GROUP BY t")}
        return {row[0]: row[1] for row in self.db.execute("SELECT term, doc FROM passage_vocab")}

    def token_postings(self, token: str) -> list[int]:
        """Ids of the passages whose tokens include `token` (FTS5's doclist, unranked: ~1 µs a row), in
        id order. A token FTS5 splits into several terms matches them as a phrase, on both backends."""
        if self.postgres:
            terms = fts_terms(token)
            if not terms:
                return []
            if len(terms) == 1:  # the common case: the GIN index alone, ids only
                return [r[0] for r in self.db.execute(
                    "SELECT id FROM passage WHERE terms @> CAST(? AS TEXT[]) ORDER BY id", [terms])]
            rows = self.db.execute("SELECT id, terms FROM passage WHERE terms @> CAST(? AS TEXT[]) ORDER BY id",
                                   [terms]).fetchall()
            n = len(terms)
            return [r[0] for r in rows if any(r[1][i:i + n] == terms for i in range(len(r[1]) - n + 1))]
        try:
            return [r[0] for r in self.db.execute(
                "SELECT rowid FROM passage_fts WHERE passage_fts MATCH ?", [fts_query([token])])]
        except sqlite3.OperationalError:
            return []

    def token_postings_many(self, tokens: Iterable[str]) -> dict[str, list[int]]:
        """`token_postings` of several tokens at once: on PostgreSQL one round trip for the lot (each
        token's ids read by the GIN index in its own sub-select), so a question pays one wait for the
        server, not one per word. Tokens with no posting map to []."""
        tokens = list(dict.fromkeys(tokens))
        if not self.postgres:  # SQLite is in-process: a doclist read costs no round trip
            return {t: self.token_postings(t) for t in tokens}
        out: dict[str, list[int]] = {}
        single: dict[str, list[str]] = {}  # the common case: a token FTS5 keeps as one term
        for token in tokens:
            terms = fts_terms(token)
            if len(terms) == 1:
                single.setdefault(terms[0], []).append(token)
            else:
                out[token] = self.token_postings(token)  # no terms, or a phrase: rare, checked in Python
        if single:
            rows = self.db.execute(
                "SELECT q.term, ARRAY(SELECT id FROM passage WHERE terms @> ARRAY[q.term] ORDER BY id) "
                "FROM unnest(CAST(? AS TEXT[])) AS q(term)", [list(single)])
            for term, ids in rows:
                for token in single[term]:
                    out[token] = list(ids)
        return out

    def rare_token_postings(self, max_df: int) -> Iterator[tuple[str, list[int]]]:
        """PostgreSQL: (token, passage ids in id order) of every token in at most `max_df` passages, read in
        one pass over the passages — what a bot keeps in memory at start, because there a posting list
        read on demand visits one table row per id (~8 µs each: 50 ms for a question's 6,000 at 100k
        passages). Nothing on SQLite, whose FTS5 doclists are read in-process at ~1 µs a row."""
        if not self.postgres:
            return iter(())
        rows = self.db.execute(
            "SELECT t, array_agg(DISTINCT p.id ORDER BY p.id) FROM passage p, unnest(p.terms) AS t GROUP BY t "
            "HAVING count(DISTINCT p.id) <= ?", [max_df])
        return ((t, list(ids)) for t, ids in rows)

    def document_tokens(self, doc_key: str) -> list[tuple[int, str]]:
        """(passage id, space-joined tokens) of one document's passages."""
        return self.document_tokens_many([doc_key])[doc_key]

    def document_tokens_many(self, doc_keys: Sequence[str]) -> dict[str, list[tuple[int, str]]]:
        """`document_tokens` of several documents in one query (one round trip on PostgreSQL, where a
        question about a dozen documents read them one by one), by passage id within each."""
        keys = list(dict.fromkeys(doc_keys))
        out: dict[str, list[tuple[int, str]]] = {k: [] for k in keys}
        for n in range(0, len(keys), MAX_PARAMS):
            chunk = keys[n:n + MAX_PARAMS]
            for pid, key, tokens in self.db.execute(
                    f"SELECT id, doc_key, tokens FROM passage WHERE doc_key IN ({marks(chunk)}) ORDER BY id", chunk):
                out[key].append((pid, tokens))
        return out

    def passage_documents(self) -> list[tuple[int, str]]:
        """(passage id, document key) for every passage."""
        return [(r[0], r[1]) for r in self.db.execute("SELECT id, doc_key FROM passage")]

    def passages_by_id(self, ids: Sequence[int]) -> dict[int, dict]:
        ids = [i for i in ids if storable(i)]
        if not ids:
            return {}
        rows = self.db.query(
            "SELECT p.id, p.doc_key, p.item_id, p.kind, p.text, p.norm, p.tokens, p.position, "
            "i.section_no, i.section, i.sub_no, i.sub, i.item_no, i.heading, i.label, i.body "
            f"FROM passage p JOIN item i ON i.id = p.item_id WHERE p.id IN ({marks(ids)})", list(ids))
        return {r["id"]: r for r in rows}

    def faq_source_rows(self, doc_keys: Sequence[str] | None = None) -> list[dict]:
        """Every passage with its item's place, in document order (what the FAQ is generated from)."""
        where, params = "", []
        if doc_keys:
            where, params = f"WHERE p.doc_key IN ({marks(doc_keys)})", list(doc_keys)
        return self.query(
            "SELECT p.id, p.doc_key, p.kind, p.text, p.position, i.id AS item_id, i.kind AS item_kind, "
            "i.section_no, i.section, i.item_no, i.heading FROM passage p JOIN item i ON i.id = p.item_id "
            f"{where} ORDER BY p.doc_key, i.position, p.position", params)

    def item_passages(self, item_id: int) -> list[dict]:
        return self.query("SELECT * FROM passage WHERE item_id = ? ORDER BY position", [item_id])

    def item_sentences_many(self, item_ids: Sequence[int]) -> dict[int, list[tuple[int, str]]]:
        """Item id → (position, text) of each of its passages, in order, for several items at once."""
        ids = [i for i in item_ids if storable(i)]
        out: dict[int, list[tuple[int, str]]] = {}
        if ids:
            for item_id, position, text in self.db.execute(
                    f"SELECT item_id, position, text FROM passage WHERE item_id IN ({marks(ids)}) "
                    "ORDER BY item_id, position", ids):
                out.setdefault(item_id, []).append((position, text))
        return out

    def passages_of_kind(self, kind: str, doc_keys: Sequence[str] | None = None, limit: int = 50) -> list[int]:
        """Ids of (at most `limit`) passages of one kind ("contact", "meta" …), of the given documents."""
        sql, params = "SELECT id FROM passage WHERE kind = ?", [kind]
        if doc_keys:
            sql += f" AND doc_key IN ({marks(doc_keys)})"
            params += list(doc_keys)
        return [r[0] for r in self.db.execute(sql + " LIMIT ?", [*params, limit])]

    def document_mentions(self, doc_key: str, text: str) -> bool:
        """Whether some passage of the document holds `text` in its normalised form (a year, say)."""
        return self.db.execute("SELECT 1 FROM passage WHERE doc_key = ? AND norm LIKE ? LIMIT 1",
                               [doc_key, f"%{text}%"]).fetchone() is not None

    def plan_items(self, regions: Iterable[str] | None = None) -> list[dict]:
        """The numbered plan items (kind "item") of the given regions' documents, or of all documents —
        what a check-in can be linked to."""
        sql = ("SELECT i.id, i.doc_key, i.section_no, i.section, i.sub_no, i.sub, i.item_no, i.heading, "
               "i.body, i.label, d.region, d.year, d.title FROM item i JOIN document d ON d.key = i.doc_key "
               "WHERE i.kind = 'item'")
        params: list = []
        if regions:
            regions = list(regions)
            sql += f" AND d.region IN ({marks(regions)})"
            params += regions
        return self.query(sql + " ORDER BY d.key, i.position", params)

    def plan_passages(self) -> list[dict]:
        """Body passages of every plan with their document and item, for the deadline finder."""
        return self.query(
            "SELECT p.id, p.text, d.key AS doc_key, d.title AS doc_title, d.year AS doc_year, d.date AS doc_date, "
            "d.region, i.label AS section FROM passage p JOIN item i ON i.id = p.item_id "
            "JOIN document d ON d.key = p.doc_key WHERE p.kind NOT IN ('meta', 'contact') ORDER BY p.id")

    def plans_fingerprint(self) -> str:
        """Changes whenever a plan document is added, changed or removed."""
        return ",".join(f"{r[0]}:{r[1]}" for r in self.db.execute("SELECT key, sha1 FROM document ORDER BY key"))

    def document_version(self) -> str:
        """What the indexed documents are (keys and contents), as one short string to compare."""
        rows = self.db.execute("SELECT key, sha1 FROM document ORDER BY key").fetchall()
        return hashlib.sha1(repr(rows).encode("utf-8")).hexdigest()[:16]

    def version(self) -> tuple:
        """Changes whenever documents are (re)indexed or FAQ entries change (it reads the FAQ's tables
        too), so a long-running process notices another's ingest or FAQ edit."""
        return tuple(self.db.execute(
            "SELECT (SELECT count(*) FROM document), (SELECT max(indexed_at) FROM document), "
            "(SELECT count(*) FROM faq_entry), (SELECT max(id) FROM faq_entry), "
            "(SELECT max(updated_at) FROM faq_entry), (SELECT max(id) FROM faq_build)").fetchone())

    # ------------------------------------------------------------ read for the web dashboard

    def passage_counts(self) -> dict[str, int]:
        """Document key → number of passages (the 文件 page lists them)."""
        return dict(self.db.execute("SELECT doc_key, count(*) FROM passage GROUP BY doc_key").fetchall())
