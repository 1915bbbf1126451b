"""The vectors shipped for the suite's data (tests/suite_vectors.py) cannot silently rot: they cover every
text of the question sets and of the notices knowledge bases, they are what the model gives now, and
they only spare the model work — a text they lack is embedded."""
import numpy as np

import suite_vectors
from cached_embedder import CachedEmbedder
from knowledge.embed import text_key

REGENERATE = "rewrite them with `.venv/bin/python tests/suite_vectors.py` (README › Running the tests)"


def wanted(embedder, notices_kb) -> dict[str, tuple[str, str]]:
    return suite_vectors.wanted(embedder.model_id, [notices_kb(split).store for split in suite_vectors.SPLITS])


def test_the_shipped_vectors_cover_every_text_of_the_suites_data(embedder, notices_kb):
    want = wanted(embedder, notices_kb)
    shipped = suite_vectors.read(embedder.model_id)
    assert len(want) > 1000  # the sets' questions and three splits' passages and FAQ
    missing = [kind for key, (kind, _text) in want.items() if key not in shipped]
    assert not missing, f"{len(missing)} texts of the suite's data ({sorted(set(missing))}) have no shipped vector: {REGENERATE}"


def test_a_sample_of_the_shipped_vectors_is_what_the_model_gives_now(embedder, notices_kb):
    shipped = suite_vectors.read(embedder.model_id)
    want = wanted(embedder, notices_kb)
    sample = {kind: [(key, text) for key, (k, text) in want.items() if k == kind][::40] for kind in ("query", "passage")}
    assert len(sample["query"]) >= 10 and len(sample["passage"]) >= 10
    for kind, items in sample.items():
        for key, text in items:
            vec = shipped[key]
            assert vec.dtype == np.float32, "the model's own float32 output, not a rounded copy"
            assert np.array_equal(vec, embedder.model.embed([text], kind)[0]), f"{kind} {key}: {REGENERATE}"


class CountingModel:
    """Stands in for the model: a text's vector from its length, and a record of what it was asked."""
    model_id, dim = "counting-1", 4

    def __init__(self):
        self.asked: list[str] = []

    def embed(self, texts, kind):
        self.asked += list(texts)
        return np.array([[len(t), 1.0, 0.0, 0.0] for t in texts], np.float32)


def test_a_shipped_vector_is_read_and_a_text_the_file_lacks_is_embedded(tmp_path):
    model = CountingModel()
    shipped = {text_key(model.model_id, "query", "团费每月交多少？"): np.array([9, 9, 9, 9], np.float32)}
    cached = CachedEmbedder(model, tmp_path / "vectors.db", shipped=shipped)
    rows = cached.embed(["团费每月交多少？", "入团要多久", "团费每月交多少？"], "query")
    assert model.asked == ["入团要多久"] and cached.embedded == 1
    assert rows.tolist() == [[9, 9, 9, 9], [5, 1, 0, 0], [9, 9, 9, 9]]
    # the key names the kind: a passage of the same words is the model's to embed
    assert cached.embed(["团费每月交多少？"], "passage").tolist() == [[8, 1, 0, 0]]
    assert model.asked == ["入团要多久", "团费每月交多少？"]
