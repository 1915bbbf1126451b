"""The bundled model behind a cache of its vectors shared by the whole test run.

Many tests embed the same texts: every knowledge base over the plans or the notices embeds the same
passages and FAQ questions, and the question-set tests ask the same questions of several knowledge bases
(SQLite and PostgreSQL, with and without the FAQ). The model is deterministic — a text's vector is the
same bytes whether embedded alone or in a batch, on one thread or several (checked by
`test_the_model_gives_a_text_the_same_vector_alone_or_in_a_batch`) — so each (kind, text) is embedded
once per run and read back by every worker after that: a test sees exactly the vectors the model gives.

Before the model, a text's vector is looked up among those shipped for the texts of the suite's data
(tests/suite_vectors.py: the model's own float32 vectors, checked against it by tests/test_suite_vectors.py);
a text the file lacks is simply embedded.
"""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from knowledge.embed import text_key


class CachedEmbedder:
    """`model`'s vectors, each (kind, text) computed once: kept in memory and in a SQLite file the
    run's workers share (WAL; a text two workers embed at once is stored once, the same bytes). `shipped`
    (text key → vector, knowledge.embed.text_key) is read first; `embedded` counts the texts the model
    computed in this process."""

    def __init__(self, model, path: Path, shipped: Mapping[str, np.ndarray] | None = None):
        self.model, self.model_id, self.dim = model, model.model_id, model.dim
        self._shipped = shipped or {}
        self.embedded = 0
        self._memory: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=60, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vector (kind TEXT, text TEXT, vec BLOB, PRIMARY KEY (kind, text))")

    def embed(self, texts: Sequence[str], kind) -> np.ndarray:
        with self._lock:
            wanted = list(dict.fromkeys(t for t in texts if (kind, t) not in self._memory))
            if self._shipped:
                for text in wanted:
                    vec = self._shipped.get(text_key(self.model_id, kind, text))
                    if vec is not None:
                        self._memory[(kind, text)] = np.asarray(vec, np.float32)
                wanted = [t for t in wanted if (kind, t) not in self._memory]
            for start in range(0, len(wanted), 400):
                chunk = wanted[start:start + 400]
                rows = self._db.execute(f"SELECT text, vec FROM vector WHERE kind = ? AND text IN "
                                        f"({','.join('?' * len(chunk))})", [kind, *chunk])
                for text, vec in rows:
                    self._memory[(kind, text)] = np.frombuffer(vec, dtype=np.float32)
            missing = [t for t in wanted if (kind, t) not in self._memory]
            if missing:
                vectors = self.model.embed(missing, kind)
                self.embedded += len(missing)
                self._db.executemany("INSERT OR IGNORE INTO vector VALUES (?, ?, ?)",
                                     [(kind, t, np.asarray(v, np.float32).tobytes()) for t, v in zip(missing, vectors)])
                for text, vec in zip(missing, vectors):
                    self._memory[(kind, text)] = np.asarray(vec, np.float32)
            if not texts:
                return np.zeros((0, self.dim), np.float32)
            return np.stack([self._memory[(kind, t)] for t in texts]).copy()
