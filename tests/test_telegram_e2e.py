"""End to end: the real adapter against the telegram-test-api emulator on 127.0.0.1, driven as users.

The emulator (npm, pinned) is installed into .cache/npm on first use and stopped by its PID at the end;
tests/telegram_emulator.js explains the patches that make it speak Bot API the way PTB 22 expects.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import httpx
import pytest

from handlers.core import router
from handlers.adapters.telegram_run import TelegramConfig
import telegram_emulator
from telegram_emulator import RunningBot, free_port, new_token
from telegram_fixtures import bot, emulator  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow  # starts processes or scores whole question sets: -m 'not slow' skips it

QUESTION = "入团前需要参加多少学时的团课？"
GROUP = {"id": -1001234, "type": "supergroup", "title": "某某镇团委工作群"}


def compact(text: str) -> str:
    return text.replace(" ", "")


def test_a_private_question_gets_its_cited_answer_then_a_region_is_chosen_by_button(emulator, bot):
    emulator.say(bot.token, QUESTION, user=2001)
    answer, offer = emulator.replies(bot.token, 2001, count=2)
    assert "东莞不少于20学时；枣庄8学时" in compact(answer["text"])
    assert "《东莞共青团2017年工作要点》" in answer["text"] and "《枣庄共青团2020年工作要点》" in answer["text"]
    assert "请选择所在地区" in offer["text"]

    emulator.press(bot.token, offer, "枣庄", user=2001)
    [confirm] = emulator.replies(bot.token, 2001)
    assert "枣庄" in confirm["text"]
    emulator.say(bot.token, QUESTION, user=2001)
    [again] = emulator.replies(bot.token, 2001, quiet=0.3)  # no second region offer
    assert again["text"].index("枣庄") < again["text"].index("东莞")  # the asker's city leads now


def test_groups_hear_commands_mentions_and_replies_only(emulator, bot):
    emulator.say(bot.token, "今天下午三点开会，大家准时参加", user=2101, chat=GROUP)
    emulator.say(bot.token, f"@TestNameBot {QUESTION}", user=2101, chat=GROUP)
    [answer] = emulator.replies(bot.token, GROUP["id"], quiet=0.3)  # the chatter got nothing
    assert "学时" in answer["text"]
    emulator.say(bot.token, "那宁波呢？志愿服务组织网络几级？", user=2102, chat=GROUP,
                 reply_to={"message_id": answer["message_id"], "date": int(time.time()), "chat": GROUP,
                           "from": {"id": 666, "is_bot": True, "first_name": "Test First name"}, "text": "…"})
    emulator.say(bot.token, "/help@TestNameBot", user=2102, chat=GROUP)
    followup, help_text = emulator.replies(bot.token, GROUP["id"], count=2)
    assert "市县镇村" in followup["text"] and "帮助" in help_text["text"]


def test_the_menu_is_the_command_registry(emulator, bot):
    menu = emulator.bot_api(bot.token, "getMyCommands")
    assert [c["command"] for c in menu] == [c.alias for c in router.commands() if router.MEMBER in c.roles]


def test_an_injected_429_is_absorbed_and_every_reply_arrives_once(emulator, bot):
    before = emulator.calls().get("sendMessage:failed", 0)
    emulator.fail("sendMessage", count=2, retry_after=1)
    users = [2201, 2202, 2203]
    for uid in users:
        bot.ctx.store.profiles.set_region("telegram", str(uid), "东莞")
        emulator.say(bot.token, "帮助", user=uid)
    for uid in users:
        replies = emulator.replies(bot.token, uid, timeout=20, quiet=0.3)
        assert len(replies) == 1 and "命令" in replies[0]["text"], uid
    assert emulator.calls()["sendMessage:failed"] - before == 2  # both 429s were really served


def test_webhook_mode_takes_updates_only_with_the_secret(emulator, ctx):
    port = free_port()
    config = TelegramConfig(token=new_token(), api_base=emulator.url, webhook_url=f"http://127.0.0.1:{port}/tg",
                            webhook_secret="s3cret-token", port=port)
    running = RunningBot(ctx, config)
    try:
        forged = httpx.post(f"http://127.0.0.1:{port}/tg", json={"update_id": 1, "message": {}})
        assert forged.status_code == 403
        emulator.say(config.token, QUESTION, user=2401)
        answer, _offer = emulator.replies(config.token, 2401, count=2)
        assert "东莞不少于20学时" in compact(answer["text"])
    finally:
        running.close()


def test_python_bot_py_runs_telegram_when_a_token_is_set(emulator, indexed_db, tmp_path):
    db = tmp_path / "bot.db"
    shutil.copy(indexed_db, db)
    token = new_token()
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_BASE=emulator.url, TUANWU_DB=str(db),
               TUANWU_DATA_DIR=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "bot.py"], cwd=telegram_emulator.ROOT, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        emulator.say(token, QUESTION, user=2501)
        answer, _offer = emulator.replies(token, 2501, count=2, timeout=60)
        assert "东莞不少于20学时" in compact(answer["text"])
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert proc.returncode == 0, output
    assert token not in output  # the token is never logged
