"""The knowledge base's semantic layer: the embedder, the dense passage index and question vectors.

The index is built on first use (the confident lexical path never needs it, so start-up does not wait
for it) and rebuilt after an ingest. Question vectors are kept in a small LRU: the FAQ, the passage
search and the 未答 grouping ask for the same question's vector. Anything that goes wrong with the
model turns the layer off for the process, logged once; answers then come from the lexical engine.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from knowledge.dense import DenseIndex, ensure_vectors
from knowledge.embed import Embedder

log = logging.getLogger(__name__)
QUERY_CACHE = 1024
IN_LINE = 256  # at most this many passages are embedded while a question waits (~3–10 s); more: background


class Semantic:
    def __init__(self, store, embedder: Embedder | None, cache: Path | None = None):
        self.store = store
        self.embedder = embedder
        self.cache = cache  # where the passage matrix is shared with other processes (knowledge/dense.py)
        self._index: DenseIndex | None = None
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._embedding: threading.Thread | None = None  # passages being embedded in the background
        self.asked = 0  # question vectors asked for (the semantic path ran): benchmarks and tests read it

    @property
    def available(self) -> bool:
        return self.embedder is not None

    def reset(self) -> None:
        """Forget the passage index (the documents changed); question vectors stay valid."""
        self._index = None

    def index(self, doc_index: dict[str, int]) -> DenseIndex | None:
        """Every passage's vector (embedding the passages that have none yet), or None when off — or
        while many passages are being embedded in the background (documents indexed with the
        embedder off): the question is answered by its words meanwhile, never kept waiting minutes."""
        if self.embedder is None or self._embedding is not None:
            return None
        if self._index is None:
            with self._lock:
                if self._index is None and self.embedder is not None and self._embedding is None:
                    try:
                        in_line = None if self.store.path == ":memory:" else IN_LINE
                        left = ensure_vectors(self.store, self.embedder, most=in_line)
                        if left < 0:
                            self._embed_in_background(-left)
                            return None
                        self._index = DenseIndex.load(self.store, self.embedder, doc_index, self.cache)
                    except Exception as err:  # noqa: BLE001 — any model or data fault: answer lexically
                        self._off(err)
                        return None
        return self._index

    def _embed_in_background(self, count: int) -> None:
        log.warning("embedding %d passages in the background; until then answers come from words alone", count)

        def run() -> None:
            from db import Store

            try:
                with Store(self.store.path) as own:  # a connection of its own
                    ensure_vectors(own, self.embedder)
            except Exception as err:  # noqa: BLE001
                self._off(err)
            finally:
                self._embedding = None  # the next question loads the index

        self._embedding = threading.Thread(target=run, name="passage-embed", daemon=True)
        self._embedding.start()

    def query_vector(self, text: str) -> np.ndarray | None:
        """The question's vector (e5 "query"), or None when the layer is off."""
        if self.embedder is None:
            return None
        self.asked += 1
        with self._lock:
            vec = self._queries.get(text)
            if vec is not None:
                self._queries.move_to_end(text)
                return vec
        try:
            vec = self.embedder.embed([text], "query")[0]
        except Exception as err:  # noqa: BLE001
            self._off(err)
            return None
        with self._lock:
            self._queries[text] = vec
            if len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return vec

    def _off(self, err: Exception) -> None:
        log.warning("the embedder %s failed (%s: %s): answering with the lexical engine only",
                    getattr(self.embedder, "model_id", "?"), type(err).__name__, err)
        self.embedder = None
        self._index = None
