"""Answers as a cadre reads them on a phone, through the console adapter (issue 12, items 7–9): the
answer line first, one quotation per region, "更多：回复 1" for the rest; no site record numbers among
the contacts; and an answer from another region says the asker's own documents set no such rule."""
from __future__ import annotations

import io
import re

import pytest

from handlers.adapters.console_adapter import ConsoleChat
from handlers.ask import NOTHING_MORE
from knowledge.answer import MORE_HINT
from knowledge.quotes import quotations


@pytest.fixture
def chat(ctx):
    return ConsoleChat(ctx, user="u1", out=io.StringIO())


def say(chat: ConsoleChat, text: str) -> str:
    return "\n".join(r.text for r in chat.handle(text))


def test_a_broad_question_fits_a_phone_and_more_shows_the_rest_once(chat):
    answer = say(chat, "志愿服务")
    assert len(answer) <= 700  # was 1,422 characters
    lines = answer.split("\n")
    blocks = [line for line in lines if line.startswith("▪")]
    regions = [re.match(r"▪ (\S+?)（", line).group(1) for line in blocks]
    assert len(regions) == len(set(regions)) >= 2  # at most one quotation per region
    assert all(len(q.replace("…", "")) <= 150 for q in quotations(answer))
    assert lines[-1] == MORE_HINT
    more = say(chat, "1")
    assert "›" in more  # the full citations: section › item
    assert not set(quotations(more)) & set(quotations(answer))  # nothing shown twice
    assert say(chat, "1") == NOTHING_MORE
    assert say(chat, "更多") == NOTHING_MORE


def test_no_sentence_is_quoted_twice(chat):
    # the 宁波 quote used to repeat "扎实推进“青马工程”…", a 咸宁 one "七年级、八年级本学期不安排发展。"
    for question in ("青年大学习有什么要求？", "志愿服务", "宁波青年大学习怎么开展？"):
        text = say(chat, question) + say(chat, "1")
        sentences = [s for q in quotations(text) for s in re.findall(r"[^。！？；]+[。！？；]", q) if len(s) >= 8]
        assert len(sentences) == len(set(sentences)), question


def test_the_lead_line_gives_the_fact_asked_for(chat):
    lead = say(chat, "入团前需要参加多少学时的团课？").split("\n")[0]
    assert lead.startswith("各地规定不同") and "不少于20学时" in lead and "8学时" in lead
    lead = say(chat, "考核材料什么时候交？").split("\n")[0]
    assert "2018年1月26日下午下班前" in lead and len(lead) <= 120


def test_a_phone_question_lists_each_number_once_and_no_site_record_numbers(chat):
    text = say(chat, "团市委电话多少？")
    more = say(chat, "1")
    for record in ("ICP", "公网安备", "备案号", "37040002003001"):
        assert record not in text and record not in more
    lead = text.split("\n")[0]
    assert "22114722" in lead and "3318652" in lead  # 东莞 组织部, 枣庄 团市委
    assert text.count("22114722") <= 2 and lead.count("组织部") == 1
    assert len(text) <= 400  # was 653 characters


def test_a_rule_from_another_region_says_the_askers_documents_set_none(chat):
    say(chat, "城市 枣庄")
    lead = say(chat, "考核材料啥时候交？").split("\n")[0]
    assert "枣庄的文件没有规定" in lead and "东莞" in lead and "2018年1月26日" in lead


def test_regions_are_compared_like_with_like(chat):
    say(chat, "城市 枣庄")
    lead = say(chat, "入团要求志愿服务多少小时？").split("\n")[0]
    # 团县委 年度20小时 of volunteer service; 枣庄's 8学时 are hours of league lessons, another quantity
    assert "20小时" in lead and "学时" not in lead and "各地规定一致" not in lead
    assert "枣庄的文件没有规定" in lead


def test_quotations_are_the_documents_words_not_composed_sentences(chat):
    text = say(chat, "“加强团的基层基础”考核材料交给哪个部门？")
    assert "““" not in text
    for quote in quotations(text):  # the composed "…的负责部门是组织部" is plain text, never quoted
        assert "的负责部门是" not in quote


def test_a_number_after_choices_picks_and_after_an_answer_shows_more(chat):
    offer = chat.handle("宁波志愿")[0]
    assert offer.choices
    picked = say(chat, "2")
    assert picked.startswith("宁波") and MORE_HINT in picked
    more = say(chat, "1")  # no choices are offered any more: 1 is "更多"
    assert more.startswith("（接上条）") and "宁波" in more


def test_the_rest_waits_per_chat_and_an_older_database_keeps_its_pages(tmp_path):
    import sqlite_utils

    from db import Store
    from db.pages import m001_pending_page, migrations

    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)  # a database from before chats had pages of their own
    m001_pending_page(old)
    old["pending_page"].insert({"platform": "wechat", "user_id": "o1", "more": "后半页", "choices": "[]"})
    old["_sqlite_migrations"].insert({"migration_set": migrations.name, "name": "m001_pending_page",
                                      "applied_at": "2026-01-01"}, alter=True)
    old.close()
    store = Store(path)
    assert store.pages.get("wechat", "o1")["more"] == "后半页"  # a private chat's chat is the user
    store.pages.save("telegram", "7", more="私聊的后半页")
    store.pages.save("telegram", "7", more="群里的后半页", chat_id="-100")
    store.pages.save("telegram", "7", more=None, choices=[("a", "b")], chat_id="-100")  # keeps the rest
    assert store.pages.get("telegram", "7")["more"] == "私聊的后半页"
    assert store.pages.get("telegram", "7", "-100") == {"more": "群里的后半页", "choices": [("a", "b")]}
    store.close()
