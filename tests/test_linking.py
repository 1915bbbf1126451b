"""Check-in → plan item, the decision's logic (knowledge/linking.py) with a made-up embedder whose
cosines the test controls: meaning links without shared words, words without meaning do not, the
member's region first, the nearest item offered below the bar, plan texts embedded once, and the
words alone when the model fails or is not calibrated. The real model is tested in test_linking_sets.py."""
import logging
import shutil

import numpy as np
import pytest

from conftest import message
from db import Store
from handlers.checkin import link as checkin_link
from handlers.core.router import dispatch
from knowledge import linking
from knowledge.embed import StubEmbedder
from knowledge.linking import Calibration, Linker

# Texts naming a word of the same topic are close (cosine ≈ 0.9), all others far (≈ 0.1 or less).
TOPICS = {"漂浮物": 0, "治水": 0, "联谊": 1, "青年大学习": 2}
CAL = Calibration(words=0.15, near=0.5, close=0.8, hint=0.3)


class TopicEmbedder:
    model_id = "topics-test"
    dim = 8 + 256

    def __init__(self):
        self.embedded: list[tuple[str, str]] = []

    def embed(self, texts, kind):
        self.embedded += [(kind, t) for t in texts]
        topics = np.zeros((len(texts), 8), np.float32)
        for row, text in enumerate(texts):
            for word, axis in TOPICS.items():
                if word in text:
                    topics[row, axis] = 1.0
        rows = np.hstack([topics, 0.3 * StubEmbedder().embed(texts, kind)])
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    def passages(self):
        return [t for kind, t in self.embedded if kind == "passage"]


@pytest.fixture(autouse=True)
def fresh_memory(monkeypatch):
    monkeypatch.setattr(linking, "_SEEN", {})


@pytest.fixture
def linker():
    return Linker({"topics-test": CAL})


def test_meaning_links_a_check_in_that_shares_no_word_with_its_item(store, linker):
    found = linker.link(store, "周末去江边清理漂浮物", ("宁波",), TopicEmbedder())
    assert found.match.item["heading"] == "着力深化青春建功美丽宁波专项行动"  # its body: 助力治水行动
    assert found.match.words == 0 and found.match.meaning > CAL.close
    assert Linker().link(store, "周末去江边清理漂浮物", ("宁波",), None).match is None  # words alone: no link


def test_words_without_meaning_link_nothing(store, linker):
    # 枣庄 item 9 names 联席会议办公室: the words are shared, the meaning is not.
    text = "整理了办公室的旧文件"
    assert any(w.share > 0 for w in linker.items(store, ("枣庄",)).grams.scores(text))
    found = linker.link(store, text, ("枣庄",), TopicEmbedder())
    assert found.match is None and found.nearest is None


def test_the_members_region_comes_first_then_every_region(store, linker):
    emb = TopicEmbedder()
    assert linker.link(store, "组织团员看青年大学习", ("枣庄",), emb).match.item["region"] == "枣庄"
    assert linker.link(store, "组织团员看青年大学习", ("宁波",), emb).match.item["region"] == "宁波"
    anywhere = linker.link(store, "组织团员看青年大学习", ("北京",), emb)  # a region without plans
    assert anywhere.match is not None and "青年大学习" in anywhere.match.item["body"] + anywhere.match.item["heading"]


def test_below_the_bar_the_nearest_item_sharing_words_is_offered(store):
    strict = Linker({"topics-test": Calibration(words=0.15, near=0.99, close=0.99, hint=0.5)})
    found = strict.link(store, "去江边清理漂浮物，宣传治水", ("宁波",), TopicEmbedder())
    assert found.match is None
    assert found.nearest.item["heading"] == "着力深化青春建功美丽宁波专项行动"


def test_plan_texts_are_embedded_once_and_read_back_by_the_next_process(store, linker, monkeypatch):
    emb = TopicEmbedder()
    linker.link(store, "周末去江边清理漂浮物", ("宁波",), emb)
    first = emb.passages()
    assert len(first) == len(set(first)) and any("河小二" in t for t in first)  # each of 宁波's sentences
    linker.link(store, "单身青年联谊", ("宁波",), emb)
    assert emb.passages() == first  # the second check-in embeds only itself
    monkeypatch.setattr(linking, "_SEEN", {})  # another process: nothing in memory
    later = TopicEmbedder()
    with Store(store.path) as other:
        found = Linker({"topics-test": CAL}).link(other, "周末去江边清理漂浮物", ("宁波",), later)
    assert later.passages() == [] and found.match is not None  # read from the database


class BrokenEmbedder(TopicEmbedder):
    model_id = "broken-topics-test"

    def embed(self, texts, kind):
        raise RuntimeError("model file damaged")


def test_a_failing_model_leaves_the_words_and_says_so_once(store, caplog):
    linker = Linker({"topics-test": CAL})
    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            found = linker.link(store, "组织青年大学习第12期学习", ("宁波",), BrokenEmbedder())
            assert "青年大学习" in found.match.item["heading"] and found.match.meaning is None
    assert sum("linking check-ins by words only" in r.message for r in caplog.records) == 1


def test_a_model_without_calibration_links_by_words(store, caplog):
    with caplog.at_level(logging.WARNING):
        found = Linker({"topics-test": CAL}).link(store, "组织青年大学习第12期学习", ("宁波",), StubEmbedder())
    assert found.match.meaning is None and "青年大学习" in found.match.item["heading"]
    assert any("no check-in linking calibration" in r.message for r in caplog.records)


# ---------------------------------------------------------------- through the 打卡 command

@pytest.fixture
def topic_ctx(ctx, monkeypatch):
    ctx.kb.embedder = TopicEmbedder()
    monkeypatch.setitem(checkin_link.LINKER.calibrations, "topics-test", CAL)
    return ctx


def say(ctx, text, user="u1"):
    [reply] = dispatch(ctx, message(text, user=user))
    return reply.text


def test_an_orgs_region_is_used_when_the_member_has_none(topic_ctx):
    topic_ctx.store.profiles.set_region("console", "lead", "宁波")
    say(topic_ctx, "单位 城东街道团工委", user="lead")  # the org takes its founder's region
    say(topic_ctx, "单位 城东街道团工委", user="u2")
    reply = say(topic_ctx, "打卡 组织团员看青年大学习", user="u2")
    assert "关联条目：宁波" in reply and "深入推进“青年大学习”专项行动" in reply
    alone = say(topic_ctx, "打卡 组织团员看青年大学习", user="u3")  # no region, no org: every region's items
    assert "关联条目：团县委" in alone


def test_the_confirmation_names_the_nearest_item_and_how_to_link_it(topic_ctx, monkeypatch):
    monkeypatch.setitem(checkin_link.LINKER.calibrations, "topics-test",
                        Calibration(words=0.15, near=0.99, close=0.99, hint=0.5))
    topic_ctx.store.profiles.set_region("console", "u1", "宁波")
    reply = say(topic_ctx, "打卡 去江边清理漂浮物，宣传治水")
    line = next(x for x in reply.splitlines() if x.startswith("关联条目"))
    assert "未自动关联" in line and "着力深化青春建功美丽宁波专项行动" in line
    command = line.split("发送“")[1].split("”")[0]
    assert command == "打卡 修改 #着力深化青春建功美丽宁波"  # a heading's first 12 characters
    fixed = say(topic_ctx, command)
    assert "关联条目：宁波" in fixed and "着力深化青春建功美丽宁波专项行动" in fixed


def test_a_reopened_database_is_linked_with_its_new_connection(indexed_db, tmp_path, linker):
    path = tmp_path / "reopen.db"
    shutil.copy(indexed_db, path)
    with Store(path) as first:
        assert linker.link(first, "周末去江边清理漂浮物", ("宁波",), None).match is None  # words only
    with Store(path) as again:  # same file, same documents: the cached items, a new connection
        assert linker.link(again, "周末去江边清理漂浮物", ("宁波",), TopicEmbedder()).match is not None


def test_warming_embeds_every_plan_sentence_once_so_no_check_in_waits(store, linker):
    emb = TopicEmbedder()
    count = linker.warm(store, emb)
    assert count == len(emb.passages()) > 200  # the five plans' sentences
    for region in ("宁波", "东莞", "枣庄", "团县委"):
        linker.link(store, "组织团员看青年大学习", (region,), emb)
    assert len(emb.passages()) == count  # the regions' items were already there
    assert Linker({}).warm(store, emb) == 0  # a model with no calibration is not used
