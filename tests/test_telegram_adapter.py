"""The Telegram adapter on a fake Bot API: real Update JSON in, real Bot API calls out (no network)."""
from __future__ import annotations

import asyncio
import dataclasses

import pytest
from telegram import Update

from handlers.core import router
from handlers.adapters import telegram_adapter
from handlers.adapters.telegram_adapter import TelegramAdapter
from handlers.adapters.telegram_send import TelegramSender, send_reply, split_text
from handlers.core.types import Attachment, Choice, Reply
from telegram_fake import BOT, FakeBotAPI, callback_update, group_chat, message_update

QUESTION = "入团前需要参加多少学时的团课？"


class Harness:
    def __init__(self, adapter: TelegramAdapter, api: FakeBotAPI, loop: asyncio.AbstractEventLoop):
        self.adapter, self.api, self.loop = adapter, api, loop

    def feed(self, payload: dict) -> None:
        app = self.adapter.app
        self.loop.run_until_complete(app.process_update(Update.de_json(payload, app.bot)))

    def run(self, coro):
        return self.loop.run_until_complete(coro)


@pytest.fixture
def tg(ctx):
    api = FakeBotAPI()
    adapter = TelegramAdapter.build(ctx, "123456:TEST-TOKEN", request=api)  # retries on 429 as in production
    loop = asyncio.new_event_loop()
    loop.run_until_complete(adapter.app.initialize())
    yield Harness(adapter, api, loop)
    loop.run_until_complete(adapter.app.shutdown())
    loop.run_until_complete(adapter.close())
    loop.close()


def test_private_question_gets_the_cited_answer(tg, ctx):
    ctx.store.profiles.set_region("telegram", "42", "东莞")  # not a first contact: no region buttons
    tg.feed(message_update(QUESTION, uid=42))
    [call] = tg.api.sent()
    assert call.params["chat_id"] == 42
    assert "20学时" in call.params["text"].replace(" ", "") and "《东莞共青团2017年工作要点》" in call.params["text"]


def test_first_private_contact_offers_the_region_buttons_once(tg, ctx):
    tg.feed(message_update(QUESTION, uid=43))
    answer, offer = tg.api.sent()
    assert "学时" in answer.params["text"]
    assert "地区" in offer.params["text"]
    buttons = [b for row in offer.params["reply_markup"]["inline_keyboard"] for b in row]
    assert {"text": "枣庄", "callback_data": "city 枣庄"} in buttons
    tg.feed(message_update(QUESTION, uid=43))
    assert len(tg.api.sent()) == 3  # the second question: its answer only


def test_group_chatter_gets_no_reply_but_enrols_the_speaker_in_the_group_org(tg, ctx):
    tg.feed(message_update("大家今天下午三点开会", uid=50, chat=group_chat()))
    tg.feed(message_update("/help@other_bot", uid=50, chat=group_chat()))
    assert tg.api.sent() == []
    assert ctx.store.orgs.of_member("telegram", "50")["name"] == "某某镇团委工作群"  # 今日 will list them


def test_group_admins_speaking_are_not_enrolled(tg, ctx):
    tg.api.admins.add((-100123, 59))
    tg.feed(message_update("大家今天下午三点开会", uid=59, chat=group_chat()))
    assert ctx.store.orgs.of_member("telegram", "59") is None


def test_a_mention_in_a_group_is_answered_as_a_reply_without_the_mention(tg, ctx):
    ctx.store.profiles.set_region("telegram", "51", "枣庄")
    text = f"@{BOT['username']} {QUESTION}"
    update = message_update(text, uid=51, chat=group_chat(),
                            entities=[{"type": "mention", "offset": 0, "length": len(BOT["username"]) + 1}])
    tg.feed(update)
    [call] = tg.api.sent()
    assert call.params["chat_id"] == -100123 and "8学时" in call.params["text"].replace(" ", "")
    assert call.params["reply_parameters"]["message_id"] == update["message"]["message_id"]


@pytest.mark.parametrize("text,addressed", [
    ("@tuanwu_bot入团前需要参加多少学时的团课？", True),
    ("问问 @TUANWU_BOT 吧", True),
    ("@tuanwu_bot_fan 你好", False),
    ("发邮件到 x@tuanwu_bot.cn", False),
])
def test_mentions_are_found_without_spaces_and_not_inside_other_names(text, addressed):
    from telegram import Message

    msg = Message.de_json(message_update(text, uid=54, chat=group_chat())["message"], None)
    incoming = telegram_adapter.to_incoming(msg, BOT["username"], BOT["id"])
    assert incoming.addressed is addressed
    assert ("tuanwu_bot" in incoming.text.lower()) is not addressed


def test_a_reply_to_the_bot_in_a_group_is_answered(tg):
    bot_message = {"message_id": 7, "date": 1, "from": BOT, "chat": group_chat(), "text": "…"}
    tg.feed(message_update(QUESTION, uid=52, chat=group_chat(), reply_to=bot_message))
    assert "学时" in tg.api.texts()[0]


def test_group_commands_work_in_chinese_and_ascii(tg):
    tg.feed(message_update("帮助", uid=53, chat=group_chat()))
    tg.feed(message_update(f"/help@{BOT['username']}", uid=53, chat=group_chat()))
    assert len(tg.api.texts()) == 2 and all("命令" in t for t in tg.api.texts())


def test_group_admins_come_from_the_chat_administrators_asked_once_per_group(tg, monkeypatch):
    seen = []
    real = router.dispatch
    monkeypatch.setattr(telegram_adapter.router, "dispatch", lambda ctx, msg: seen.append(msg) or real(ctx, msg))
    tg.api.admins.add((-100123, 60))
    tg.feed(message_update("帮助", uid=60, chat=group_chat()))
    tg.feed(message_update("帮助", uid=61, chat=group_chat()))
    tg.feed(message_update("帮助", uid=60, chat=group_chat(-100999, "另一个群")))
    assert [m.chat_admin for m in seen] == [True, False, False]
    assert len(tg.api.sent("getChatAdministrators")) == 2  # one per group, then cached
    help_for_admin, help_for_member = tg.api.texts()[:2]
    assert "本群的群管理员" in help_for_admin and "群管理员" not in help_for_member
    assert "通知 / broadcast" not in help_for_admin  # a group's admin is no admin of the bot


def test_choices_become_an_inline_keyboard(tg):
    tg.feed(message_update("城市", uid=44))
    markup = tg.api.sent()[0].params["reply_markup"]["inline_keyboard"]
    data = [b["callback_data"] for row in markup for b in row]
    assert data == [f"city {r}" for r in tg.adapter.ctx.kb.regions]
    assert all(len(row) <= 3 for row in markup)


def test_a_button_press_is_answered_and_dispatched_as_typed(tg, ctx):
    tg.feed(callback_update("city 枣庄", uid=45))
    assert len(tg.api.sent("answerCallbackQuery")) == 1
    assert tg.api.sent("editMessageReplyMarkup")[0].params["message_id"] == 900  # the used keyboard goes
    assert "枣庄" in tg.api.texts()[0]
    assert ctx.store.profiles.region("telegram", "45") == "枣庄"


def test_a_redelivered_update_is_processed_once(tg):
    update = message_update("帮助", uid=46, update_id=31337)
    tg.feed(update)
    tg.feed(update)
    assert len(tg.api.sent()) == 2  # help + the first-contact region offer, once


def test_the_command_menu_is_the_registry(tg):
    tg.adapter.ctx.settings = dataclasses.replace(tg.adapter.ctx.settings, admins=("telegram:77", "wechat:oX"))
    tg.run(tg.adapter.publish_commands())
    default, group_admins, admin = tg.api.sent("setMyCommands")
    assert [c["command"] for c in default.params["commands"]] == \
        [c.alias for c in router.commands() if router.MEMBER in c.roles]
    assert [c["command"] for c in group_admins.params["commands"]] == \
        [c.alias for c in router.commands() if router.GROUP_ADMIN in c.roles]
    assert group_admins.params["scope"] == {"type": "all_chat_administrators"}
    assert "broadcast" not in [c["command"] for c in group_admins.params["commands"]]
    assert [c["command"] for c in admin.params["commands"]] == [c.alias for c in router.commands()]
    assert admin.params["scope"] == {"type": "chat", "chat_id": 77}  # the global admin's own chat
    first = router.commands()[0]
    assert default.params["commands"][0]["description"].startswith(first.name)


def test_long_answers_are_split_at_line_breaks_under_the_limit(tg):
    lines = [f"第{i}条：" + "团" * 90 for i in range(120)]  # ~11,000 characters
    reply = Reply("\n".join(lines), choices=(Choice("东莞", "city 东莞"),))
    tg.run(send_reply(tg.adapter.app.bot, 42, reply))
    parts = tg.api.sent()
    assert len(parts) == 3 and all(len(p.params["text"]) <= 4096 for p in parts)
    assert "\n".join(p.params["text"] for p in parts) == reply.text  # nothing lost, cut only at line ends
    assert [("reply_markup" in p.params) for p in parts] == [False, False, True]


def test_split_text_cuts_an_overlong_line_hard():
    parts = split_text("a" * 5000 + "\nb")
    assert parts == ["a" * 4096, "a" * 904 + "\nb"]


def test_charts_go_as_photos_and_exports_as_documents(tg):
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    tg.run(send_reply(tg.adapter.app.bot, 42, Reply("本周打卡", attachment=Attachment("photo", "week.png", png, "image/png"))))
    tg.run(send_reply(tg.adapter.app.bot, 42, Reply("考核表", attachment=Attachment("document", "表.xlsx", b"PK..."))))
    [photo], [doc] = tg.api.sent("sendPhoto"), tg.api.sent("sendDocument")
    assert photo.params["caption"] == "本周打卡" and photo.files["photo"] == ("week.png", png)
    assert doc.params["caption"] == "考核表" and doc.files["document"] == ("表.xlsx", b"PK...")
    assert tg.api.sent() == []


def test_a_failed_send_is_logged_and_apologised_for(tg, ctx, caplog):
    ctx.store.profiles.set_region("telegram", "47", "东莞")
    tg.api.fail("sendMessage", 400, "Bad Request: can't parse entities")
    tg.feed(message_update("帮助", uid=47))
    assert tg.api.texts() == [telegram_adapter.APOLOGY]
    assert "failed" in caplog.text


@pytest.mark.parametrize("arrange,status,retry_after", [
    (lambda api: None, "sent", 0.0),
    (lambda api: api.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7), "retry", 7.0),
    (lambda api: api.time_out("sendMessage"), "uncertain", 0.0),
    (lambda api: api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user"), "failed", 0.0),
    (lambda api: api.fail("sendMessage", 400, "Bad Request: chat not found"), "failed", 0.0),
])
def test_the_sender_reports_what_telegram_said(tg, arrange, status, retry_after):
    arrange(tg.api)
    result = tg.run(TelegramSender(tg.adapter.app.bot).send(Reply("明天截止", platform="telegram", chat_id="-100123")))
    # One attempt even though interactive replies retry 429s: the scheduler retries from the outbox.
    assert (result.status, result.retry_after) == (status, retry_after)
    assert len(tg.api.sent()) == (status == "sent")


def test_the_owner_of_a_fresh_group_cannot_broadcast_or_make_themselves_admin(tg, ctx):
    ctx.store.reminders.subscribe("telegram", "-100200", "group", "城东街道团工委", None, "telegram:9",
                        ctx.now())
    evil_group = group_chat(-100666, "新建的群")
    tg.api.admins.add((-100666, 666))  # Telegram says: 666 administers this group
    for text in ("/broadcast 今晚八点紧急开会", "通知 今晚八点紧急开会", "管理员 添加 telegram:666", "工作日 2026-12-01 休息"):
        tg.feed(message_update(text, uid=666, chat=evil_group))
    assert all("只有管理员" in t for t in tg.api.texts()) and len(tg.api.texts()) == 4
    assert ctx.store.db.execute("SELECT count(*) FROM occurrence").fetchone()[0] == 0
    assert ctx.store.profiles.granted_admins() == [] and ctx.store.reminders.workday_overrides() == []
    tg.feed(message_update("订阅", uid=666, chat=evil_group))  # their own group: allowed
    assert "已订阅" in tg.api.texts()[-1]


def test_an_admin_grants_by_replying_to_someones_message_or_by_their_username(tg, ctx):
    ctx.settings = dataclasses.replace(ctx.settings, admins=("telegram:1",))
    chat = group_chat()
    someone = message_update("大家好", uid=55, chat=chat)["message"]
    tg.feed(message_update("管理员 添加", uid=1, chat=chat, reply_to=someone))
    assert "已授权 telegram:55" in tg.api.texts()[-1]

    greeting = message_update("我是张三", uid=56, chat=chat)
    greeting["message"]["from"]["username"] = "Zhang_San"
    tg.feed(greeting)  # the bot learns the handle from any message
    text = "管理员 添加 @zhang_san"
    tg.feed(message_update(text, uid=1, chat=chat,
                           entities=[{"type": "mention", "offset": text.index("@"), "length": len("@zhang_san")}]))
    assert "已授权 telegram:56" in tg.api.texts()[-1]
    assert [r["target"] for r in ctx.store.profiles.admin_audit()] == ["telegram:56", "telegram:55"]


def test_reply_1_shows_the_rest_in_the_chat_it_was_asked_in(tg, ctx):
    ctx.store.profiles.set_region("telegram", "52", "东莞")
    tg.feed(message_update("志愿服务", uid=52))
    assert tg.api.texts()[-1].endswith("更多：回复 1")
    mention = f"@{BOT['username']} {QUESTION}"
    tg.feed(message_update(mention, uid=52, chat=group_chat(),
                           entities=[{"type": "mention", "offset": 0, "length": len(BOT["username"]) + 1}]))
    tg.feed(message_update("1", uid=52))  # private chat: the rest of the private answer
    private_rest = tg.api.texts()[-1]
    assert private_rest.startswith("（接上条）") and "志愿" in private_rest
    tg.feed(message_update("/more", uid=52, chat=group_chat()))  # the group: the group's answer's rest
    group_rest = tg.api.sent()[-1]
    assert group_rest.params["chat_id"] == -100123
    assert "从严管好团员队伍" in group_rest.params["text"]  # the lesson-hours answer's full citation
    assert "志愿服务品牌化" not in group_rest.params["text"]


LONG_CHECK_IN = "今天组织支部全体团员集中学习了团章和团的十九大精神并开展讨论"


def _buttons(call) -> list[dict]:
    return [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]


def test_a_suggestion_too_long_for_callback_data_still_works_when_tapped(tg, ctx):
    ctx.store.profiles.set_region("telegram", "61", "东莞")
    tg.feed(message_update(f"打咔 {LONG_CHECK_IN}", uid=61))
    buttons = _buttons(tg.api.sent()[-1])
    assert len(buttons) == 2  # both offered: none dropped for its length
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    tg.feed(callback_update(buttons[0]["callback_data"], uid=61))
    assert "已打卡" in tg.api.texts()[-1] and LONG_CHECK_IN in tg.api.texts()[-1]
    assert ctx.store.checkins.count() == 1


def test_a_long_button_from_replaced_choices_says_it_expired_and_records_nothing(tg, ctx):
    ctx.store.profiles.set_region("telegram", "62", "东莞")
    tg.feed(message_update(f"打咔 {LONG_CHECK_IN}", uid=62))
    old = _buttons(tg.api.sent()[-1])[0]["callback_data"]
    tg.feed(message_update(f"打咔 {LONG_CHECK_IN}，另外走访了三户困难青年家庭", uid=62))  # new choices
    tg.feed(callback_update(old, uid=62))
    assert "已失效" in tg.api.texts()[-1]
    assert ctx.store.checkins.count() == 0


def test_replying_with_the_number_picks_the_suggestion_as_the_text_says(tg, ctx):
    ctx.store.profiles.set_region("telegram", "63", "东莞")
    tg.feed(message_update(f"打咔 {LONG_CHECK_IN}", uid=63))
    assert "回复序号" in tg.api.texts()[-1]
    tg.feed(message_update("1", uid=63))
    assert "已打卡" in tg.api.texts()[-1]
    tg.feed(message_update("1", uid=63))  # the pick used them up: "1" is no second check-in
    assert ctx.store.checkins.count() == 1
