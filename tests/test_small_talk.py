"""What people say that is neither a command nor a question — a greeting, thanks, "我是东莞的" — gets a
reply a person would expect, not "请把问题说得具体一些" or a decline; questions around them stay questions."""
from __future__ import annotations

import pytest

from conftest import message
from handlers.core.router import dispatch
from handlers.core.types import GROUP


def say(ctx, text, user="u1", **kw):
    return dispatch(ctx, message(text, user=user, **kw))


@pytest.mark.parametrize("text", ["你好", "您好！", "你好呀～", "在吗？", "Hello", "早上好 😊"])
def test_a_greeting_is_greeted_with_what_the_bot_does(ctx, text):
    replies = say(ctx, text)
    assert len(replies) == 1
    assert "我是团务助手" in replies[0].text and "帮助" in replies[0].text
    assert not replies[0].data.get("matched")


@pytest.mark.parametrize("text", ["谢谢", "谢谢！！", "好的，谢谢", "thank you", "收到"])
def test_thanks_get_a_short_reply_not_a_decline(ctx, text):
    (reply,) = say(ctx, text)
    assert reply.text.startswith("不客气") and "抱歉" not in reply.text


@pytest.mark.parametrize("text,region", [("我是东莞的", "东莞"), ("我在枣庄。", "枣庄"), ("我们是宁波团市委的", "宁波"),
                                         ("我来自山东省枣庄市", "枣庄")])
def test_naming_ones_city_in_words_sets_it_and_answers_lead_with_it(ctx, text, region):
    (reply,) = say(ctx, text, user="m1")
    assert f"已将您的地区设为：{region}" in reply.text
    assert ctx.store.profiles.region("console", "m1") == region
    answer = say(ctx, "入团前需要参加多少学时的团课？", user="m1")[0].text
    named = [city for city in ("东莞", "枣庄", "宁波", "团县委") if city in answer]
    assert min(named, key=answer.index) == region, answer  # the answer speaks of their city first


def test_a_place_without_documents_is_set_and_said_so(ctx):
    (reply,) = say(ctx, "我在北京", user="m2")
    assert "北京" in reply.text and "暂无文件" in reply.text


@pytest.mark.parametrize("text", ["你好，入团前需要参加多少学时的团课？", "我是团员，入团前需要参加多少学时的团课？"])
def test_a_question_after_a_greeting_or_an_introduction_is_still_answered(ctx, text):
    reply = say(ctx, text, user="m3")[0]
    assert reply.data.get("matched") and "学时" in reply.text
    assert ctx.store.profiles.region("console", "m3") is None


def test_i_am_a_member_names_no_place_and_sets_nothing(ctx):
    say(ctx, "我是团员", user="m4")
    assert ctx.store.profiles.region("console", "m4") is None


def test_group_chatter_is_still_ignored_unless_the_bot_is_addressed(ctx):
    group = dict(platform="telegram", chat_id="-7", chat_type=GROUP, chat_title="甲团支部")
    assert say(ctx, "大家好", user="g1", addressed=False, **group) == []
    assert "我是团务助手" in say(ctx, "大家好", user="g1", addressed=True, **group)[0].text


@pytest.mark.parametrize("text,command", [("怎么打卡", "打卡 / checkin"), ("打卡怎么用？", "打卡 / checkin"),
                                          ("如何请假", "请假 / leave"), ("截止咋弄", "截止 / deadlines")])
def test_how_to_use_a_command_gets_that_commands_help(ctx, text, command):
    (reply,) = say(ctx, text)
    assert reply.text.startswith(command) and "例子：" in reply.text


def test_how_to_do_something_the_documents_speak_of_is_still_a_question(ctx):
    reply = say(ctx, "怎么入团", user="m5")[0]
    assert "例子：" not in reply.text and "入团" in reply.text


@pytest.mark.parametrize("word", ["撤回", "撤销打卡！"])
def test_undo_in_a_word_offers_to_withdraw_todays_check_in_and_deletes_nothing_yet(ctx, word):
    say(ctx, "打卡 组织团课学习", user="m6")
    (offer,) = say(ctx, word, user="m6")
    assert "要撤回今天的打卡吗" in offer.text and [c.command for c in offer.choices] == ["打卡 删除"]
    assert "✅ 组织团课学习" in say(ctx, "进度", user="m6")[0].text  # the word alone withdrew nothing
    withdrawn = say(ctx, "1", user="m6")[0].text  # the choice, picked by its number
    assert "已撤回" in withdrawn and "组织团课学习" in withdrawn
