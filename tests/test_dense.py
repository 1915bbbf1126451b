"""Passage vectors: shipped with the bundled plans (a test fails when the file is stale), loaded on first
start without embedding anything, new passages embedded in batches by ingest, dense search restricted
to the documents a question is about."""
import io
import re

import numpy as np

from db import Store
from knowledge import faq
from knowledge.base import KnowledgeBase
from knowledge.dense import DenseIndex, ensure_vectors, passage_text, read_shipped
from knowledge.embed import StubEmbedder, text_key
from knowledge.faq_index import embed_generated
from knowledge.index import index_plans


class Counting:
    """Wraps an embedder and counts the texts it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.model_id, self.dim = inner, inner.model_id, inner.dim
        self.texts: list[str] = []
        self.calls = 0

    def embed(self, texts, kind):
        self.texts += list(texts)
        self.calls += 1
        return self.inner.embed(texts, kind)


def test_the_shipped_vectors_cover_every_bundled_passage(embedder):
    shipped = read_shipped(embedder.model_id)
    store = Store(":memory:")
    index_plans(store)
    texts = {passage_text(row["text"]) for row in store.knowledge.all_passages()}
    stale = [t for t in texts if text_key(embedder.model_id, "passage", t) not in shipped]
    assert not stale, (f"{len(stale)} bundled passages have no shipped vector (e.g. {stale[0][:40]!r}): "
                       "run `python -m knowledge.dense` and commit knowledge/vectors/")
    assert all(v.dtype == np.float16 and v.shape == (embedder.dim,) for v in list(shipped.values())[:5])


def test_a_fresh_database_loads_the_shipped_vectors_and_embeds_nothing(embedder):
    counting = Counting(embedder)
    store = Store(":memory:")
    index_plans(store)
    assert ensure_vectors(store, counting) == 0
    assert counting.texts == []
    index = DenseIndex.load(store, counting, {d["key"]: i for i, d in enumerate(store.knowledge.documents())})
    assert len(index) == store.knowledge.passage_count()
    assert not np.any(np.all(index.index.matrix == 0, axis=1)), "every passage has its vector"


def test_new_passages_are_embedded_in_batches_once_with_a_progress_bar(tmp_path):
    notice = tmp_path / "notice.txt"
    lines = [f"{n}．第{n}项工作：团支部每月组织一次主题团日，参加人数不少于{n + 10}人。" for n in range(1, 41)]
    notice.write_text("关于开展主题团日活动的通知\n一、工作安排\n" + "\n".join(lines) + "\n", encoding="utf-8")
    counting = Counting(StubEmbedder())
    store = Store(tmp_path / "v.db")
    index_plans(store, [notice])
    bar = io.StringIO()
    embedded = ensure_vectors(store, counting, progress=bar)
    assert embedded >= 40 and counting.calls >= 2  # batches, not one call per passage nor one huge call
    assert f"{embedded}/{embedded}" in bar.getvalue()
    assert ensure_vectors(store, counting) == 0  # stored once: a second run embeds nothing


def test_dense_search_stays_within_the_documents_asked_about(kb):
    index = kb.dense()
    ningbo = {kb.doc_index[k] for k, d in kb.docs.items() if d["region"] == "宁波"}
    q = kb.query_vector("志愿服务组织网络怎么建？")
    near = index.nearest(q, k=10, docs=ningbo)
    rows = kb.passages([pid for pid, _ in near])
    assert near and all(rows[pid]["doc_key"] in {k for k, d in kb.docs.items() if d["region"] == "宁波"} for pid, _ in near)
    everywhere = index.nearest(q, k=10)
    assert [c for _, c in everywhere] == sorted((c for _, c in everywhere), reverse=True)
    vectors = kb.passage_vectors([pid for pid, _ in near[:3]])
    assert len(vectors) == 3 and all(abs(float(np.linalg.norm(v)) - 1) < 0.01 for v in vectors.values())


def test_bot_ingest_embeds_a_new_notices_passages_with_a_progress_bar(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    notice = tmp_path / "notice.txt"
    notice.write_text("关于开展志愿服务的通知\n一、时间安排\n1．7月1日至7月8日报名，每人每天服务不超过8小时。\n"
                      "2．服务结束后10个工作日内出具时长证明。\n", encoding="utf-8")
    db = tmp_path / "cli.db"
    env = dict(os.environ, TUANWU_EMBEDDER="stub", TUANWU_DATA_DIR=str(tmp_path))
    run = subprocess.run([sys.executable, str(root / "bot.py"), "ingest", str(notice), "--db", str(db)],
                         capture_output=True, text=True, env=env, cwd=root, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "语义向量：新算" in run.stdout and "向量 [" in run.stderr
    store = Store(db)
    assert store.vectors.count(StubEmbedder().model_id) >= 2
    # its FAQ is embedded too, before ingest returns: a bot started next answers as it will an hour later
    embedded = re.search(r"常见问题语义向量：新算 (\d+) 条", run.stdout)
    assert embedded and int(embedded.group(1)) > 0 and "问答向量 [" in run.stderr, run.stdout
    assert embed_generated(store, Counting(StubEmbedder())) == 0


def test_a_fresh_database_of_the_bundled_plans_embeds_nothing_for_its_faq_either(embedder, data_dir):
    """The generated FAQ's questions ship with the plans: a first start's matching by meaning is
    complete at once, not filled in by a background thread racing the first questions."""
    counting = Counting(embedder)
    store = Store(":memory:")
    index_plans(store)
    ensure_vectors(store, counting)
    faq.rebuild(KnowledgeBase(store, str(data_dir), counting), "2026-11-29T00:00:00+00:00")
    assert embed_generated(store, counting) == 0 and counting.texts == []


def _docs(store) -> dict[str, int]:
    return {d["key"]: i for i, d in enumerate(store.knowledge.documents())}


def _file_backed(matrix: np.ndarray) -> bool:
    while matrix is not None:
        if isinstance(matrix, np.memmap):
            return True
        matrix = matrix.base if isinstance(matrix.base, np.ndarray) else None
    return False


def test_workers_of_one_database_share_one_mapped_matrix_and_find_the_same(tmp_path, embedder):
    store = Store(tmp_path / "w.db")
    index_plans(store)
    ensure_vectors(store, embedder)
    cache = tmp_path / "cache"
    first = DenseIndex.load(store, embedder, _docs(store), cache)
    [written] = list(cache.glob("dense-*.npy"))
    counting = Counting(embedder)
    second = DenseIndex.load(Store(tmp_path / "w.db"), counting, _docs(store), cache)  # another worker
    assert _file_backed(first.index.matrix) and _file_backed(second.index.matrix)
    assert list(cache.glob("dense-*.npy")) == [written] and counting.texts == []
    query = embedder.embed(["入团前要上多少学时的团课"], "query")[0]
    assert second.nearest(query, 5) == first.nearest(query, 5)
    assert first.nearest(query, 5) == DenseIndex.load(store, embedder, _docs(store)).nearest(query, 5)  # no cache


def test_changed_documents_get_their_own_matrix_and_a_damaged_file_is_rebuilt(tmp_path, caplog):
    embedder = StubEmbedder()
    notice = tmp_path / "notice.txt"
    notice.write_text("关于开展主题团日活动的通知\n一、团支部每月组织一次主题团日，参加人数不少于20人。\n", encoding="utf-8")
    store = Store(tmp_path / "c.db")
    index_plans(store, [notice])
    ensure_vectors(store, embedder)
    cache = tmp_path / "cache"
    DenseIndex.load(store, embedder, _docs(store), cache)
    [old] = list(cache.glob("dense-*.npy"))
    notice.write_text(notice.read_text(encoding="utf-8") + "二、每季度开展一次团员教育评议。\n", encoding="utf-8")
    index_plans(store, [notice])
    ensure_vectors(store, embedder)
    index = DenseIndex.load(store, embedder, _docs(store), cache)
    [new] = [p for p in cache.glob("dense-*.npy") if p != old]
    assert len(index) == store.knowledge.passage_count()
    expected = np.array(index.index.matrix)  # a copy: the file under the mapping is about to be cut
    del index
    damaged = new.read_bytes()[:100]
    new.unlink()
    new.write_bytes(damaged)  # a disk that filled up, a copy cut short
    rebuilt = DenseIndex.load(store, embedder, _docs(store), cache)
    assert len(rebuilt) == len(expected) and np.array_equal(np.asarray(rebuilt.index.matrix), expected)
    assert "rebuilding" in caplog.text
