"""Hybrid retrieval: the confident lexical path never embeds, the semantic path fuses both signals and
never answers just because a passage is nearest, the bot answers lexically when the model is off or
breaks. Deterministic tests use the stub embedder; the last ones use the bundled model."""
import logging

import pytest

from db import Store
from knowledge.base import KnowledgeBase
from knowledge.decision import fused_decision
from knowledge.embed import StubEmbedder
from knowledge.query import Query
from knowledge.scoring import Hit

CONFIDENT = "入团前需要参加多少学时的团课？"
UNSURE = "团干部下基层以后跟年轻人怎么打交道？"


class Counting(StubEmbedder):
    def __init__(self):
        super().__init__()
        self.queries: list[str] = []

    def embed(self, texts, kind):
        if kind == "query":
            self.queries += list(texts)
        return super().embed(texts, kind)


class Broken(StubEmbedder):
    def embed(self, texts, kind):
        raise RuntimeError("model file truncated")


@pytest.fixture
def stub_kb(indexed_db, data_dir, tmp_path):
    import shutil

    path = tmp_path / "stub.db"
    shutil.copy(indexed_db, path)
    embedder = Counting()
    kb = KnowledgeBase(Store(path), str(data_dir), embedder)
    return kb, embedder


def test_a_question_the_lexical_stage_answers_confidently_is_never_embedded(stub_kb):
    kb, embedder = stub_kb
    answer = kb.ask(CONFIDENT)
    assert answer.matched and "学时" in answer.text
    assert embedder.queries == []


def test_a_question_the_words_do_not_settle_is_embedded_once(stub_kb):
    kb, embedder = stub_kb
    kb.ask(UNSURE)
    kb.ask(UNSURE)
    assert embedder.queries == [UNSURE]  # the second time from the question-vector cache


def test_with_the_embedder_off_or_broken_the_bot_answers_lexically_and_logs_once(indexed_db, data_dir, caplog):
    lexical = KnowledgeBase(Store(indexed_db), str(data_dir), None)
    broken = KnowledgeBase(Store(indexed_db), str(data_dir), Broken())
    with caplog.at_level(logging.WARNING):
        for question in (CONFIDENT, UNSURE, "今天人民币兑美元汇率是多少？", UNSURE):
            assert broken.ask(question).as_json() == lexical.ask(question).as_json()
    assert len([r for r in caplog.records if "lexical engine only" in r.getMessage()]) == 1


def _hit(pid: int, item: int, lexical: float, cosine: float, matched=("团课",), fits=True) -> Hit:
    passage = {"id": pid, "item_id": item, "doc_key": "d", "kind": "item", "text": "…", "norm": "…"}
    return Hit(pid, passage, {"region": "东莞", "key": "d"}, lexical, tuple((m, 1.0) for m in matched),
               lexical=lexical, cosine=cosine, fits=fits)


NEAR = [(1, 0.93), (2, 0.90), (3, 0.89), (4, 0.89), (5, 0.89)]  # background 0.90


def test_dense_evidence_lifts_a_passage_the_words_support_to_an_answer():
    q = Query(raw="团课怎么上", norm="团课怎么上")
    hits = [_hit(1, 10, 0.36, 0.93), _hit(2, 20, 0.38, 0.90)]
    result = fused_decision(hits, NEAR, q, None, [frozenset({"团课"})])
    assert result.decision == "answer" and result.hits[0].pid == 1


def test_nearness_alone_never_answers():
    q = Query(raw="团课怎么上", norm="团课怎么上")
    # the nearest passage holds none of the question's key terms: no dense credit, so a decline
    hits = [_hit(1, 10, 0.30, 0.95, matched=("其他",)), _hit(2, 20, 0.25, 0.90)]
    assert fused_decision(hits, NEAR, q, None, [frozenset({"团课"})]).decision == "decline"
    # … nor one of the wrong answer type (a 多少 question, a sentence with no number)
    hits = [_hit(1, 10, 0.36, 0.95, fits=False), _hit(2, 20, 0.25, 0.90)]
    assert fused_decision(hits, NEAR, q, None, [frozenset({"团课"})]).decision == "decline"
    # … nor one that misses a name the question quotes
    quoted = Query(raw="“挑战杯”团课", norm='"挑战杯"团课', quoted=["挑战杯"])
    hits = [_hit(1, 10, 0.36, 0.95), _hit(2, 20, 0.25, 0.90)]
    assert fused_decision(hits, NEAR, quoted, None, [frozenset({"团课"})]).decision == "decline"


def test_words_and_meaning_contradicting_each_other_decline():
    q = Query(raw="团课怎么上", norm="团课怎么上")
    # the lexical best lies below the background; the nearest does not hold the key term
    hits = [_hit(1, 10, 0.50, 0.87), _hit(2, 20, 0.20, 0.93, matched=("其他",))]
    assert fused_decision(hits, NEAR, q, None, [frozenset({"团课"})]).decision == "decline"


def test_out_of_scope_questions_with_near_neighbours_are_declined(kb):
    # Dense neighbours always exist; 东莞's 专题汇报 passage is near but does not answer this.
    for question in ("入党需要写几次思想汇报？", "少先队员几岁离队？", "今年“挑战杯”报名哪天截止？",
                     "入团申请书要写多少字才行？", "高铁票买错了怎么改签？"):
        answer = kb.ask(question)
        assert not answer.matched, (question, answer.text[:80])


def test_paraphrases_are_answered_through_the_semantic_path(kb):
    asked = kb.semantic.asked
    answer = kb.ask("团县委说学生会里要专门设个部门替同学出头维权，叫什么部？")
    assert answer.matched and "权益部" in answer.text
    assert kb.semantic.asked > asked  # not settled by the words alone


def test_many_unembedded_passages_are_embedded_in_the_background_meanwhile_words_answer(tmp_path, data_dir):
    import time

    from knowledge import semantic
    from knowledge.index import index_plans

    store = Store(tmp_path / "late.db")
    index_plans(store)  # indexed with the embedder off: no vectors
    embedder = Counting()
    kb = KnowledgeBase(store, str(data_dir), embedder)
    old, semantic.IN_LINE = semantic.IN_LINE, 10
    try:
        assert kb.dense() is None  # not kept waiting
        assert kb.ask(UNSURE).decision in ("answer", "choices", "decline")
        for _ in range(200):
            if kb.semantic._embedding is None:
                break
            time.sleep(0.05)
        assert kb.dense() is not None and len(kb.dense()) == store.knowledge.passage_count()
    finally:
        semantic.IN_LINE = old
