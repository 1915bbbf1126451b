"""Text vectors (embeddings, `store.vectors`), stored once per (model, kind, text) so no text is embedded twice.

The key is a hash of the model id, the kind ("query" or "passage": e5 models embed the two
differently) and the text, so re-ingests, FAQ rebuilds and tests reuse vectors whatever the passage
ids are. Vectors are stored as float16 (half the bytes; cosine rankings do not change) and handed
back as raw bytes: knowledge/embed.py owns the numeric side.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Sequence

from sqlite_utils.migrations import Migrations

from db.connection import MAX_PARAMS, Repository, marks
from db.postgres import PgMigrations

migrations = Migrations("vectors")


@migrations()
def m001_vector(db) -> None:
    db["vector"].create({"key": str, "model": str, "dim": int, "data": bytes}, pk="key", not_null={"model"})
    db["vector"].create_index(["model"])


pg_migrations = PgMigrations("vectors", [("m001_vector", """
CREATE TABLE vector (key TEXT PRIMARY KEY, model TEXT NOT NULL, dim BIGINT, data BYTEA);
CREATE INDEX idx_vector_model ON vector (model);
""")])

class Vectors(Repository):
    migrations = migrations
    pg_migrations = pg_migrations

    def get(self, keys: Sequence[str]) -> dict[str, bytes]:
        """The stored vectors (float16 bytes) of the keys that have one."""
        out: dict[str, bytes] = {}
        for start in range(0, len(keys), MAX_PARAMS):
            chunk = list(keys[start:start + MAX_PARAMS])
            out.update(self.db.execute(f"SELECT key, data FROM vector WHERE key IN ({marks(chunk)})", chunk).fetchall())
        return out

    def present(self, keys: Sequence[str]) -> set[str]:
        """Which of the keys have a stored vector (without reading the vectors)."""
        out: set[str] = set()
        for start in range(0, len(keys), MAX_PARAMS):
            chunk = list(keys[start:start + MAX_PARAMS])
            out.update(r[0] for r in self.db.execute(f"SELECT key FROM vector WHERE key IN ({marks(chunk)})", chunk))
        return out

    def put(self, rows: Iterable[tuple[str, str, int, bytes]]) -> None:
        """Store (key, model, dim, float16 bytes) rows; an existing key is left as it is."""
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO vector (key, model, dim, data) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO NOTHING",
                list(rows))

    def of_model(self, model: str) -> Iterator[tuple[str, bytes]]:
        """Every stored (key, float16 bytes) of one model, streamed (a dense index reads them all once)."""
        return (tuple(r) for r in self.db.execute("SELECT key, data FROM vector WHERE model = ?", [model]))

    def count(self, model: str) -> int:
        return self.db.execute("SELECT count(*) FROM vector WHERE model = ?", [model]).fetchone()[0]
