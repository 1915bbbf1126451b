"""Broadcasts through the scheduler's outbox, ticked on the server's own timer: an admin's 通知 from the WeCom
app reaches the WeCom group through its robot within 20 per rolling minute, and a 45009 is retried, not failed."""
from __future__ import annotations

import asyncio

from wechat_harness import ROBOT_KEY, until, webhook


def test_an_admins_broadcast_reaches_the_robot_group_through_the_outbox_within_its_limit(ctx):
    ctx.store.profiles.set_role("wecom", "admin1", "admin")
    notices = [f"第{n}号：周五前提交年度考核材料" for n in range(8)]

    async def scenario():
        async with webhook(ctx, "wecom", tick_every=0.05) as h:
            robot_texts = lambda: [b["text"]["content"] for b in h.stub.sent("/webhook/send")]  # noqa: E731
            reports = lambda: [b["text"]["content"] for b in h.stub.sent("/message/send")  # noqa: E731
                               if b["touser"] == "admin1"]
            h.stub.preload_robot(ROBOT_KEY, 15)  # another program used the same robot a moment ago
            for text in notices:
                assert "通知已排队" in (await h.say("admin1", f"通知 {text}"))["Content"]
            await until(lambda: len(robot_texts()) == 5 and h.stub.robot_refused >= 1)
            await asyncio.sleep(0.3)  # several more ticks: nothing else may go this minute
            assert len(robot_texts()) == 5
            ctx.clock.advance(seconds=61)
            await until(lambda: len(robot_texts()) == 8 and len(reports()) == 8)
            assert sorted(robot_texts()) == sorted(f"📢 通知：{t}" for t in notices)  # each once
            assert all("成功 1，失败 0，不确定 0" in r for r in reports())
            assert h.stub.robot_max_in_window == 20

    asyncio.run(scenario())
    assert ctx.store.outbox.deliveries(state="failed") == [] and ctx.store.outbox.deliveries(state="dead") == []
    subscribed = [s for s in ctx.store.reminders.subscribers() if s["platform"] == "wecom"]
    assert [(s["chat_id"], s["chat_type"]) for s in subscribed] == [("robot:团委群", "group")]


def test_a_robot_taken_out_of_the_configuration_is_unsubscribed(ctx):
    async def scenario():
        async with webhook(ctx, "wecom"):
            pass
        async with webhook(ctx, "wecom", env={"WECOM_ROBOT_URLS": "青年群=http://127.0.0.1:9/cgi-bin/webhook/send?key=x"}):
            pass

    asyncio.run(scenario())
    assert [s["chat_id"] for s in ctx.store.reminders.subscribers()] == ["robot:青年群"]


def test_a_deadline_alert_is_pushed_to_an_official_account_follower_by_the_servers_tick(ctx):
    async def scenario():
        async with webhook(ctx, "wechat", tick_every=0.05) as h:
            ctx.store.profiles.set_role("wechat", "oAdmin", "admin")
            assert "已订阅" in (await h.say("oAdmin", "订阅"))["Content"]
            added = (await h.say("oAdmin", "截止 添加 2026-11-24 提交年度考核材料"))["Content"]
            assert "提交年度考核材料" in added
            ctx.clock.advance(days=1)  # the day itself, 09:00: the alert is due
            await until(lambda: any("提交年度考核材料" in b["text"]["content"]
                                    for b in h.stub.sent("/message/custom/send")))
            [alert] = [b for b in h.stub.sent("/message/custom/send") if "提交年度考核材料" in b["text"]["content"]]
            assert alert["touser"] == "oAdmin"

    asyncio.run(scenario())


def test_only_listed_or_granted_users_broadcast_from_wechat_or_wecom(ctx):
    """There are no group admins on WeChat / WeCom callbacks: a follower is a member until granted."""
    async def scenario():
        for product in ("wechat", "wecom"):
            async with webhook(ctx, product) as h:
                reply = (await h.say("oStranger", "通知 今晚八点紧急开会"))["Content"]
                assert "只有管理员" in reply and f"{product}:oStranger" in reply

    asyncio.run(scenario())
    assert ctx.store.db.execute("SELECT count(*) FROM occurrence").fetchone()[0] == 0
