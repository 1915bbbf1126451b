"""Curated FAQ entries found by their paraphrases (matching by meaning), and questions that share
their words but ask something else kept apart. Wiring with deterministic fake embedders; quality
with the bundled multilingual-e5-small model on the question sets written apart from the code."""
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, operator
from db import Store
from handlers.core.router import dispatch
from handlers.core.types import Context, Settings
from knowledge import faq, faq_io
from knowledge.base import KnowledgeBase
from knowledge.embed import StubEmbedder

ENTRY_Q = "团支部换届选举需要提前多久向上级团委报告？"
ENTRY_A = "团支部应在任期届满前一个月向上级团委书面报告换届事宜，经批复后召开团员大会选举。"


class Concepts:
    """A fake embedder that knows a few concepts: texts naming the same ones get the same vector.
    (Deterministic; counts what it embeds so tests can see when the model is asked.)"""

    CONCEPTS = (("换届",), ("提前", "多久", "多长时间"), ("报告", "打报告"), ("上级团委", "上级"), ("材料",))
    model_id, dim = "concepts-1", 8

    def __init__(self):
        self.seen: list[str] = []
        self.queries: list[str] = []  # the questions among them (passages are embedded once, for the index)

    def embed(self, texts, kind):
        self.seen += list(texts)
        if kind == "query":
            self.queries += list(texts)
        out = np.full((len(texts), self.dim), 0.05, np.float32)
        for row, text in enumerate(texts):
            for i, words in enumerate(self.CONCEPTS):
                out[row, i] += any(w in text for w in words)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture
def kb_with(indexed_db, data_dir, tmp_path):
    """A knowledge base over the plans (FAQ generated) with the given embedder, and one curated entry."""
    stores = []

    def make(embedder):
        path = tmp_path / f"kb{len(stores)}.db"
        shutil.copy(indexed_db, path)
        store = Store(path)
        stores.append(store)
        kb = KnowledgeBase(store, str(data_dir), embedder=embedder)
        faq.rebuild(kb)
        entry = store.faq.add(ENTRY_Q, ENTRY_A)
        kb.reload_faq()
        return kb, entry

    yield make
    for s in stores:
        s.close()


def test_a_paraphrase_finds_the_curated_entry_by_meaning(kb_with):
    kb, entry = kb_with(Concepts())
    assert kb.faq.match("团支部换届得提前多长时间跟上级团委打报告") is None or \
        kb.faq.match("团支部换届得提前多长时间跟上级团委打报告").similarity < 0.82  # words alone do not find it
    answer = kb.ask("团支部换届得提前多长时间跟上级团委打报告")
    assert answer.decision == "faq" and f"常见问题 #{entry}" in answer.text and "任期届满前一个月" in answer.text


def test_same_words_asking_something_else_do_not_get_the_entry(kb_with):
    kb, entry = kb_with(Concepts())
    for question in ("团支部换届选举要向上级团委报告哪些材料？", "团支部换届要向上级团委报告什么？"):
        answer = kb.ask(question)
        assert f"常见问题 #{entry}" not in answer.text, question


def test_the_confident_paths_never_ask_the_model(kb_with):
    emb = Concepts()
    kb, entry = kb_with(emb)
    emb.seen.clear()
    emb.queries.clear()
    assert kb.ask(ENTRY_Q).decision == "faq"  # the FAQ's words are sure
    assert "20学时" in kb.ask("入团前需要参加多少学时的团课？").text  # the passages are sure
    assert emb.seen == []
    kb.ask("团支部换届得提前多长时间跟上级团委打报告")
    # one question, once (the FAQ's background thread may meanwhile embed its generated questions)
    assert emb.queries.count("团支部换届得提前多长时间跟上级团委打报告") == 1
    assert ENTRY_Q not in emb.queries and "入团前需要参加多少学时的团课？" not in emb.queries


def test_curated_entries_are_embedded_when_added_edited_or_imported(kb_with, tmp_path):
    emb = Concepts()
    kb, entry = kb_with(emb)
    assert ENTRY_Q in emb.seen and ENTRY_A in emb.seen  # embedded when it was added (not at the first question)
    ctx = Context(store=kb.store, kb=kb, settings=Settings(db_path=kb.store.path))
    dispatch(ctx, operator(f"问答 修改 {entry} 团支部换届选举要提前几天报告上级团委？ | 提前一个月。"))
    assert "团支部换届选举要提前几天报告上级团委？" in emb.seen and "提前一个月。" in emb.seen
    path = tmp_path / "faq.yaml"
    path.write_text("- question: 团员证丢了怎么补办？\n  answer: 向团支部申请补办。\n", encoding="utf-8")
    faq_io.import_file(kb.store, path)
    kb.reload_faq()  # what `faq import` and every running bot's refresh do next
    assert "团员证丢了怎么补办？" in emb.seen


def test_without_an_embedder_matching_is_by_words_only(kb_with):
    kb, entry = kb_with(None)
    assert kb.faq.match_vector(np.ones(8, np.float32), "任何问题") is None
    assert f"常见问题 #{entry}" not in kb.ask("团支部换届得提前多长时间跟上级团委打报告").text


def test_generated_entries_are_embedded_in_the_background_when_first_needed(kb_with):
    import time

    from knowledge.embed import text_key

    emb = StubEmbedder()
    kb, _ = kb_with(emb)
    question = next(e["question"] for e in kb.store.faq.entries("generated"))
    key = text_key(emb.model_id, "query", question)
    assert not kb.store.vectors.get([key])  # a start that answers confidently embeds nothing
    kb.ask("团支部换届得提前多长时间跟上级团委打报告")  # not sure by words: meaning is consulted
    for _ in range(100):
        if kb.store.vectors.get([key]):
            break
        time.sleep(0.1)
    assert kb.store.vectors.get([key])


# ---------------------------------------------------------------- the real model, on question sets

@pytest.fixture(scope="module")
def e5(embedder):
    return embedder  # the bundled model (conftest.embedder)


def score_curated_file(path: Path, indexed_db, data_dir, tmp_path, embedder) -> tuple[int, int, int, int]:
    """Load a file's entries as curated FAQ over the plans; (paraphrases finding their own entry,
    paraphrases, distractors finding no entry of the file, distractors)."""
    db = tmp_path / f"{path.stem}.db"
    shutil.copy(indexed_db, db)
    with Store(db) as store:
        kb = KnowledgeBase(store, str(data_dir), embedder=embedder)
        faq.rebuild(kb)
        cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        ids = [store.faq.add(c["entry_q"], c["entry_a"]) for c in cases]
        kb.reload_faq()
        marks = {i: f"常见问题 #{i}（" for i in ids}

        def found(question: str):
            text = kb.ask(question).text
            return next((i for i, m in marks.items() if m in text), None)

        paraphrases = [(i, q) for i, c in zip(ids, cases) for q in c["paraphrases"]]
        distractors = [q for c in cases for q in c["distractors"]]
        hits = sum(found(q) == i for i, q in paraphrases)
        kept_apart = sum(found(q) is None for q in distractors)
        return hits, len(paraphrases), kept_apart, len(distractors)


@pytest.mark.slow
def test_curated_paraphrases_dev_set(e5, indexed_db, data_dir, tmp_path, capsys):
    hits, n, kept, m = score_curated_file(ROOT / "tests/data/faq-curated-dev.jsonl", indexed_db, data_dir, tmp_path, e5)
    with capsys.disabled():
        print(f"\nfaq-curated-dev: paraphrases found {hits}/{n} ({hits / n:.0%}), "
              f"distractors kept apart {kept}/{m} ({kept / m:.0%})")
    assert hits / n >= 0.55 and kept / m >= 0.9


@pytest.mark.slow
def test_curated_paraphrases_holdout_set(e5, indexed_db, data_dir, tmp_path, capsys):
    """Scored only through this pass rate: nobody who tunes the matching reads the file."""
    path = ROOT / "tests/data/faq-curated-holdout.jsonl"
    hits, n, kept, m = score_curated_file(path, indexed_db, data_dir, tmp_path, e5)
    with capsys.disabled():
        print(f"\nfaq-curated-holdout: paraphrases found {hits}/{n} ({hits / n:.0%}), "
              f"distractors kept apart {kept}/{m} ({kept / m:.0%})")
    assert hits / n >= 0.4 and kept / m >= 0.85  # a regression guard, below the rates last measured (15/30, 19/20)


def test_the_issue_example_with_the_real_model(kb_with, e5):
    kb, entry = kb_with(e5)
    assert f"常见问题 #{entry}" in kb.ask("团支部换届得提前多长时间跟上级团委打报告").text
    assert f"常见问题 #{entry}" not in kb.ask("团支部换届选举要向上级团委报告哪些材料？").text


def test_an_entry_that_answers_is_preferred_to_a_plan_passage_that_only_names_the_term(kb_with, e5):
    # The plans name “三会两制一课” (严格落实…制度) and the lexical path would answer with that sentence;
    # an admin's entry that says what it is answers better: its words and its meaning both agree.
    kb, _ = kb_with(e5)
    entry = kb.store.faq.add("“三会两制一课”包括哪些会议和制度？",
                             "“三会”是团员大会、团支部委员会会议和团小组会，“两制”是团员教育评议制度和团员年度团籍注册制度，“一课”是团课。")
    kb.reload_faq()
    assert f"常见问题 #{entry}" in kb.ask("三会两制一课里的两制是啥").text
    # The entry names no count: a question for one is not answered by it.
    assert f"常见问题 #{entry}" not in kb.ask("三会两制一课一年要搞几次").text


def test_several_months_is_not_a_question_for_a_length_of_time(kb_with):
    # 好几个月 means "for months": the question asks what happens, as the entry does, not how long.
    kb, _ = kb_with(None)
    entry = kb.store.faq.add("团员不参加组织生活会怎样？", "经教育仍不改正的，按自行脱团处理。")
    kb.reload_faq()
    assert f"常见问题 #{entry}" in kb.ask("团员好几个月不参加组织生活会怎样？").text
