"""End to end through the emulator: check-ins in a group (the chart arrives as a photo, the export as
a document), and what the scheduler tick pushes from the
bot's JobQueue — a broadcast to three groups (surviving an injected 429) and a deadline reminder.

The clock starts a few seconds before Monday 09:00 and then runs in real time, because the tick waits
in real time; it is set before the bot starts, so the bot's worker sees the same clock.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from telegram_emulator import moving_clock
from telegram_fixtures import bot, emulator  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow  # starts processes or scores whole question sets: -m 'not slow' skips it

MONDAY_9AM = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
ADMIN = 3100
LEAD = dt.timedelta(seconds=5)  # time to start the bot and add a deadline before its 09:00 alert


@pytest.fixture
def ctx(ctx):
    """The shared test context with the moving clock and one configured admin, before the bot starts."""
    ctx.clock = moving_clock(MONDAY_9AM - LEAD)
    ctx.settings = dataclasses.replace(ctx.settings, admins=(f"telegram:{ADMIN}",))
    return ctx


def group(n: int) -> dict:
    return {"id": -1003000 - n, "type": "supergroup", "title": f"第{n}团支部"}


def test_a_group_check_in_is_recorded_and_shows_in_todays_list(emulator, bot):
    g = group(1)
    emulator.set_admins(g["id"], [ADMIN])
    emulator.say(bot.token, "打卡 组织青年大学习第12期，参与率92%", user=3001, chat=g, name="王五")
    emulator.say(bot.token, "今天的会议室在三楼", user=3002, chat=g, name="李四")  # chatter: no reply
    emulator.say(bot.token, "今日", user=ADMIN, chat=g, name="书记")
    done, today = emulator.replies(bot.token, g["id"], count=2, quiet=0.3)
    assert done["text"].startswith("✅ 已打卡：11月23日（周一）") and "完成度 92%" in done["text"]
    assert "已打卡1人" in today["text"] and "王五" in today["text"]
    assert "未打卡：李四" in today["text"]  # who spoke in the group belongs to its org

    emulator.say(bot.token, "周报", user=ADMIN, chat=g, name="书记")
    emulator.say(bot.token, "导出", user=ADMIN, chat=g, name="书记")
    chart, export = emulator.replies(bot.token, g["id"], count=2, timeout=60)
    assert chart["file_name"].endswith(".png") and chart["photo"][0]["file_size"] > 5000
    assert "近7天" in chart["caption"]
    assert export["document"]["file_name"] == "打卡_第1团支部_2026-11.xlsx" and export["document"]["file_size"] > 3000


def test_a_broadcast_reaches_three_groups_once_despite_a_429(emulator, bot):
    groups = [group(n) for n in (11, 12, 13)]
    for g in groups:
        emulator.set_admins(g["id"], [ADMIN])
        emulator.say(bot.token, "订阅", user=ADMIN, chat=g, name="书记")
        assert "已订阅" in emulator.replies(bot.token, g["id"])[0]["text"]
    bot.ctx.store.profiles.set_region("telegram", str(ADMIN), "东莞")
    emulator.say(bot.token, "通知 本周五下午三点召开团干部例会", user=ADMIN, name="书记")
    [queued] = emulator.replies(bot.token, ADMIN)
    assert "3 个订阅的群" in queued["text"]

    failed_before = emulator.calls().get("sendMessage:failed", 0)
    emulator.fail("sendMessage", count=1, retry_after=1)  # the first delivery meets flood control
    bot.start_ticks(0.5)
    for g in groups:
        got = emulator.replies(bot.token, g["id"], timeout=20, quiet=0.5)
        assert [m["text"] for m in got] == ["📢 通知：本周五下午三点召开团干部例会"], g["title"]
    [report] = emulator.replies(bot.token, ADMIN, timeout=20)
    assert "共 3 个，成功 3，失败 0，不确定 0" in report["text"]
    assert emulator.calls()["sendMessage:failed"] - failed_before == 1


def test_a_deadline_reminder_is_pushed_by_the_tick_when_it_falls_due(emulator, bot):
    g = group(21)
    emulator.set_admins(g["id"], [ADMIN])
    emulator.say(bot.token, "订阅", user=ADMIN, chat=g, name="书记")
    emulator.say(bot.token, "截止 添加 2026-11-30 提交年度考核材料", user=ADMIN, chat=g, name="书记")
    subscribed, added = emulator.replies(bot.token, g["id"], count=2)
    assert "已订阅" in subscribed["text"] and "提交年度考核材料" in added["text"]

    assert bot.ctx.now() < MONDAY_9AM, "the bot took too long to start"
    bot.start_ticks(0.5)  # the 7-days-ahead alert is due at 09:00 today, a few seconds from now
    [alert] = emulator.replies(bot.token, g["id"], timeout=20, quiet=1.5)  # once, though ticks go on
    assert alert["text"].startswith("⏰ 截止提醒：提交年度考核材料") and "还有 7 天" in alert["text"]
    assert bot.ctx.now() >= MONDAY_9AM
