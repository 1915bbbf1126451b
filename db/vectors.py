"""Text vectors (embeddings), stored once per (model, kind, text) so no text is embedded twice.

The key is a hash of the model id, the kind ("query" or "passage": e5 models embed the two
differently) and the text, so re-ingests, FAQ rebuilds and tests reuse vectors whatever the passage
ids are. Vectors are stored as float16 (half the bytes; cosine rankings do not change) and handed
back as raw bytes: knowledge/embed.py owns the numeric side.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from sqlite_utils.migrations import Migrations

migrations = Migrations("vectors")


@migrations()
def m001_vector(db) -> None:
    db["vector"].create({"key": str, "model": str, "dim": int, "data": bytes}, pk="key", not_null={"model"})
    db["vector"].create_index(["model"])


class VectorsMixin:
    migrations = migrations

    def vectors_get(self, keys: Sequence[str]) -> dict[str, bytes]:
        """The stored vectors (float16 bytes) of the keys that have one."""
        out: dict[str, bytes] = {}
        for start in range(0, len(keys), 500):  # SQLite's parameter limit
            chunk = list(keys[start:start + 500])
            marks = ",".join("?" * len(chunk))
            out.update(self.db.execute(f"SELECT key, data FROM vector WHERE key IN ({marks})", chunk).fetchall())
        return out

    def vectors_present(self, keys: Sequence[str]) -> set[str]:
        """Which of the keys have a stored vector (without reading the vectors)."""
        out: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = list(keys[start:start + 500])
            marks = ",".join("?" * len(chunk))
            out.update(r[0] for r in self.db.execute(f"SELECT key FROM vector WHERE key IN ({marks})", chunk))
        return out

    def vectors_put(self, rows: Iterable[tuple[str, str, int, bytes]]) -> None:
        """Store (key, model, dim, float16 bytes) rows; an existing key is left as it is."""
        with self.lock:
            self.db.conn.executemany(
                "INSERT INTO vector (key, model, dim, data) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO NOTHING",
                list(rows))
            self.db.conn.commit()

    def vectors_of_model(self, model: str) -> Iterable[tuple[str, bytes]]:
        """Every stored (key, float16 bytes) of one model, streamed (a dense index reads them all once)."""
        return self.db.execute("SELECT key, data FROM vector WHERE model = ?", [model])

    def vectors_count(self, model: str) -> int:
        return self.db.execute("SELECT count(*) FROM vector WHERE model = ?", [model]).fetchone()[0]
