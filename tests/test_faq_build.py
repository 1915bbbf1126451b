"""Generating the FAQ: near-linear on large plans, and never a start-up that waits on it or retries
a failed generation forever."""
import logging
import shutil
import threading
import time

import pytest

from db import Store
from knowledge import faq, faq_build
from knowledge.base import KnowledgeBase
from knowledge.index import index_plans


@pytest.fixture
def fresh(indexed_db, data_dir, tmp_path):
    """A file database with the plans indexed and no FAQ generated yet."""
    path = tmp_path / "fresh.db"
    shutil.copy(indexed_db, path)
    store = Store(path)
    yield KnowledgeBase(store, str(data_dir))
    store.close()


def test_a_small_corpus_is_generated_at_start_and_then_left_alone(fresh, data_dir):
    assert faq_build.keep_current(fresh, str(data_dir)) == "inline"
    assert fresh.store.faq.count("generated") > 80 and fresh.faq.match("入团积极分子团课要多少学时？")
    assert faq_build.keep_current(fresh, str(data_dir)) == "current"  # the next start does nothing


def test_a_large_corpus_is_generated_in_the_background_while_answers_come_from_the_plans(fresh, data_dir, monkeypatch):
    real = faq.rebuild
    release = threading.Event()

    def slow(kb, *a, **kw):
        release.wait(10)  # a generation that takes long
        return real(kb, *a, **kw)

    monkeypatch.setattr(faq_build, "INLINE_PASSAGES", 10)
    monkeypatch.setattr(faq, "rebuild", slow)
    started = time.monotonic()
    assert faq_build.keep_current(fresh, str(data_dir)) == "background"
    assert time.monotonic() - started < 1.0  # the start did not wait
    answer = fresh.ask("入团前需要参加多少学时的团课？")
    assert answer.matched and answer.decision != "faq" and "20学时" in answer.text  # from the passages
    release.set()
    for _ in range(100):
        if fresh.store.faq.count("generated"):
            break
        time.sleep(0.1)
    monkeypatch.setattr("knowledge.base.REFRESH_EVERY", 0.0)
    assert fresh.ask("入团积极分子团课要多少学时？").decision == "faq"  # the running bot picks it up


def test_a_failed_generation_is_not_retried_on_every_start(fresh, data_dir, monkeypatch, caplog):
    calls = []

    def broken(kb, *a, **kw):
        calls.append(1)
        raise MemoryError("too big")

    monkeypatch.setattr(faq, "rebuild", broken)
    assert faq_build.keep_current(fresh, str(data_dir)) == "inline"
    assert faq_build.keep_current(fresh, str(data_dir)) == "inline"
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert faq_build.keep_current(fresh, str(data_dir)) == "skipped"
    assert len(calls) == 2 and "faq build" in caplog.text and "MemoryError" in caplog.text
    assert fresh.ask("入团前需要参加多少学时的团课？").matched  # answers still come from the plans
    monkeypatch.undo()
    assert faq_build.generate(fresh) > 80  # `faq build` (or an ingest) tries again on request
    assert faq_build.keep_current(fresh, str(data_dir)) == "current"


def test_an_interrupted_generation_counts_as_an_attempt(fresh, data_dir):
    version = fresh.store.knowledge.document_version()
    for _ in range(faq_build.MAX_ATTEMPTS):  # a process that was killed mid-way leaves "running" behind
        fresh.store.faq.build_begin(version, "2026-01-01T00:00:00+00:00", 999_999_999)
    assert faq_build.keep_current(fresh, str(data_dir)) == "skipped"


def test_new_documents_are_generated_again(fresh, data_dir, tmp_path):
    assert faq_build.keep_current(fresh, str(data_dir)) == "inline"
    plan = tmp_path / "new_plan.txt"
    plan.write_text("丽水共青团2024年工作要点\n共青团丽水市委\n一、强化思想引领\n"
                    "1．开展青年夜校。全年开办青年夜校不少于30期，每期不少于12学时。\n", encoding="utf-8")
    index_plans(fresh.store, [plan])
    fresh.reload()
    assert faq_build.keep_current(fresh, str(data_dir)) == "inline"
    assert any("青年夜校" in e["question"] for e in fresh.store.faq.entries("generated"))


def test_a_compendium_that_repeats_itself_is_generated_in_bounded_time(tmp_path, data_dir):
    """400 copies of the same items in one plan: each question once, and quickly (every pair was compared)."""
    body = "\n".join(f"{n}．加强青年之家阵地建设。每个镇街建成青年之家不少于{n % 9 + 2}家。" for n in range(1, 401))
    plan = tmp_path / "compendium.txt"
    plan.write_text(f"衢州共青团2024年工作要点汇编\n共青团衢州市委\n一、夯实基层基础\n{body}\n", encoding="utf-8")
    store = Store(":memory:")
    index_plans(store, [plan])
    kb = KnowledgeBase(store, str(data_dir))
    started = time.monotonic()
    entries = faq.build(kb)
    assert time.monotonic() - started < 5
    questions = [e["question"] for e in entries]
    assert questions.count("如何加强青年之家阵地建设？") == 1


def test_starts_that_stop_before_the_background_generation_ends_give_up_after_a_few(fresh, data_dir, monkeypatch):
    """A one-shot `ask` on a large corpus exits before the background generation finishes."""
    class Never:  # the process ends before the thread gets anywhere
        def __init__(self, *a, **kw):
            pass

        def start(self):
            pass

    monkeypatch.setattr(faq_build, "INLINE_PASSAGES", 10)
    monkeypatch.setattr(faq_build.threading, "Thread", Never)
    assert [faq_build.keep_current(fresh, str(data_dir)) for _ in range(4)] == \
        ["background", "background", "skipped", "skipped"]
