"""The scheduler on an injected clock: alerts at their hour, once; downtime expires stale reminders and
tells the admins; timeouts are uncertain and never resent; rate limits survive a restart; broadcasts
end with a delivery report; ticks racing in two threads double nothing."""
import asyncio
import datetime as dt
import threading

import pytest

from db import Store
from handlers.core import sending
from handlers.core.router import dispatch
from handlers.core.scheduler import Scheduler
from handlers.core.types import Context, SendResult
from conftest import SHANGHAI, message, operator, both_backends
from scheduling import FakePlatform, group, tick

backend = pytest.fixture(params=["sqlite", "postgresql"])(both_backends)


def at(month, day, hour=9, minute=0, year=2026):
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def setup_deadline(ctx, text="截止 添加 2026-12-31 提交年度考核材料", chats=("-100",)):
    for chat in chats:
        dispatch(ctx, group("订阅", chat=chat))
    dispatch(ctx, operator(text))


def test_alert_goes_out_at_nine_once(ctx, clock):
    setup_deadline(ctx)
    tg = FakePlatform("telegram", clock)
    clock.now = at(12, 24, 8, 59)
    tick(ctx, tg)
    assert tg.sent == []
    clock.now = at(12, 24, 9, 0)
    tick(ctx, tg)
    tick(ctx, tg)  # the same tick again
    assert tg.texts() == ["⏰ 截止提醒：提交年度考核材料\n截止时间：2026年12月31日（周四），还有 7 天。"]


def test_every_lead_time_then_one_overdue_notice(ctx, clock):
    setup_deadline(ctx)
    tg = FakePlatform("telegram", clock)
    clock.now = at(12, 20)
    for _ in range(24 * 16):  # every hour until mid-January
        clock.advance(hours=1)
        tick(ctx, tg)
    alerts = [s for s in tg.sent if s.text.startswith(("⏰ 截止提醒", "⚠️ 已逾期"))]  # not the daily nudges
    texts = [s.text for s in alerts]
    assert [t.split("，")[-1] for t in texts[:4]] == ["还有 7 天。", "还有 3 天。", "明天截止。", "今天截止。"]
    assert len(texts) == 5 and texts[4].startswith("⚠️ 已逾期：提交年度考核材料")
    assert [dt.datetime.fromtimestamp(s.at, SHANGHAI).strftime("%m-%d %H") for s in alerts] == [
        "12-24 09", "12-28 09", "12-30 09", "12-31 09", "01-01 09"]


def test_alerts_go_to_the_deadlines_region_only(ctx, clock):
    dispatch(ctx, group("订阅 枣庄", chat="-1"))
    dispatch(ctx, group("订阅 东莞", chat="-2"))
    dispatch(ctx, group("订阅", chat="-3"))
    dispatch(ctx, operator("截止 添加 2026-12-31 报送团员统计 地区 枣庄"))
    tg = FakePlatform("telegram", clock)
    clock.now = at(12, 24)
    tick(ctx, tg)
    assert sorted(s.chat_id for s in tg.sent) == ["-1", "-3"]


def test_downtime_expires_the_stale_reminders_and_tells_the_admins(ctx, clock):
    setup_deadline(ctx)
    for member in ("u1", "u2"):  # `console --as u1`: members, who get no admin notices
        dispatch(ctx, message("打卡 组织青年大学习", user=member))
    ctx.store.profiles.grant_admin("telegram", "88", "console:console", "", "2026-11-23T01:00:00+00:00")
    tg, console = FakePlatform("telegram", clock), FakePlatform("console", clock)
    clock.now = at(12, 30, 10, 0)  # down since before the 7-day alert; the 1-day one is an hour late
    report = tick(ctx, tg, console)
    assert report.expired == 2
    reminders = [s for s in tg.sent if s.chat_id != "88"]
    assert len(reminders) == 1 and "明天截止" in reminders[0].text and "补发：原定 12月30日（周三）09:00" in reminders[0].text
    admin = console.texts("console")
    assert len(admin) == 1 and "2 条提醒已过期" in admin[0]
    assert "提前7天提醒" in admin[0] and "提前3天提醒" in admin[0]
    assert tg.texts("88") == admin  # the granted admin too
    assert console.texts("u1") == console.texts("u2") == []
    tick(ctx, tg, console)
    assert len(tg.sent) == 2 and len(console.sent) == 1  # counted once


def test_after_the_deadline_only_the_overdue_notice_goes_out_marked_late(ctx, clock):
    setup_deadline(ctx)
    tg, console = FakePlatform("telegram", clock), FakePlatform("console", clock)
    clock.now = at(1, 3, 15, 0, year=2027)
    report = tick(ctx, tg, console)
    assert report.expired == 4
    assert len(tg.sent) == 1 and tg.sent[0].text.startswith("⚠️ 已逾期") and "补发" in tg.sent[0].text
    assert "4 条提醒已过期" in console.texts("console")[0]


def test_a_send_that_times_out_is_uncertain_and_not_resent(ctx, clock, monkeypatch):
    monkeypatch.setattr(sending, "SEND_TIMEOUT", 0.05)
    setup_deadline(ctx)
    clock.now = at(12, 24)
    tick(ctx, FakePlatform("telegram", clock, hang=True))
    rows = ctx.store.outbox.deliveries(state="uncertain")
    assert len(rows) == 1 and "超时" in rows[0]["detail"]
    tg = FakePlatform("telegram", clock)
    clock.advance(minutes=5)
    tick(ctx, tg)
    assert tg.sent == []


def test_uncertain_failed_and_retry_after(ctx, clock):
    setup_deadline(ctx, chats=("-1", "-2", "-3"))
    script = {"-1": [SendResult("uncertain", detail="timeout")], "-2": [SendResult("failed", detail="blocked")],
              "-3": [SendResult("retry", retry_after=5), SendResult("sent")]}
    tg = FakePlatform("telegram", clock, script=script)
    clock.now = at(12, 24)
    tick(ctx, tg, budget=0)
    assert {r["chat_id"]: r["state"] for r in ctx.store.outbox.deliveries()} == {"-1": "uncertain", "-2": "failed",
                                                                        "-3": "pending"}
    clock.advance(seconds=6)
    tick(ctx, tg)
    assert [s.chat_id for s in tg.sent] == ["-1", "-3"]  # "-1" once (uncertain), "-3" after its retry
    assert ctx.store.outbox.deliveries()[2]["state"] == "sent"


def test_a_restart_cannot_burst_past_the_robot_limit(ctx, clock):
    dispatch(ctx, group("订阅", chat="robot-1", platform="wecom"))
    for n in range(25):
        dispatch(ctx, operator(f"通知 第{n}条"))
    wecom = FakePlatform("wecom", clock)
    tick(ctx, wecom, budget=0)
    assert len(wecom.sent) == 20  # 20 per rolling minute
    clock.advance(seconds=10)
    tick(ctx, wecom, budget=0)  # a new process: its limiter starts from the database
    assert len(wecom.sent) == 20
    clock.advance(seconds=51)
    tick(ctx, wecom, budget=0)
    assert len(wecom.sent) == 25
    times = [s.at for s in wecom.sent]
    assert all(sum(1 for u in times if t <= u < t + 60) <= 20 for t in times)


def test_broadcast_reaches_every_subscribed_chat_and_reports_back(ctx, clock):
    for chat in ("-1", "-2", "-3"):
        dispatch(ctx, group("订阅", chat=chat, title=f"团委群{chat}"))
    reply = dispatch(ctx, operator("通知 本周五下午三点召开团干部例会"))[0].text
    assert "3 个订阅的群" in reply
    script = {"-2": [SendResult("failed")], "-3": [SendResult("uncertain")]}
    tg, console = FakePlatform("telegram", clock, script=script), FakePlatform("console", clock)
    tick(ctx, tg, console)
    tick(ctx, tg, console)
    assert tg.texts("-1") == ["📢 通知：本周五下午三点召开团干部例会"]
    report = console.texts("console")
    assert len(report) == 1
    assert "共 3 个，成功 1，失败 1，不确定 1" in report[0]
    assert "失败：团委群-2" in report[0] and "团委群-3" in report[0]


def test_broadcast_to_one_region_and_only_by_admins(ctx, clock):
    dispatch(ctx, group("订阅 枣庄", chat="-1"))
    dispatch(ctx, group("订阅 东莞", chat="-2"))
    assert "只有管理员" in dispatch(ctx, message("通知 开会", platform="telegram"))[0].text
    assert "1 个订阅的群" in dispatch(ctx, operator("通知 【枣庄】 开会"))[0].text
    tg = FakePlatform("telegram", clock)
    tick(ctx, tg, FakePlatform("console", clock))
    assert [(s.chat_id, s.text) for s in tg.sent] == [("-1", "📢 通知：开会")]


def test_subscription_rules(ctx, clock):
    assert "只有本群的群管理员" in dispatch(ctx, group("订阅", admin=False))[0].text
    assert "已订阅" in dispatch(ctx, group("订阅"))[0].text
    assert "已经订阅过了" in dispatch(ctx, group("订阅"))[0].text
    assert "没有找到地区" in dispatch(ctx, group("订阅 火星"))[0].text
    dispatch(ctx, operator("截止 添加 2026-12-31 提交年度考核材料"))
    assert "已退订" in dispatch(ctx, group("退订"))[0].text
    tg = FakePlatform("telegram", clock)
    clock.now = at(12, 24)
    tick(ctx, tg)
    assert tg.sent == []
    assert "无需退订" in dispatch(ctx, group("退订"))[0].text


def test_no_broadcast_without_subscribers_or_text(ctx):
    assert "还没有订阅的群" in dispatch(ctx, operator("通知 开会"))[0].text
    dispatch(ctx, group("订阅"))
    assert "请写上通知内容" in dispatch(ctx, operator("通知"))[0].text
    assert "太长" in dispatch(ctx, operator("通知 " + "会" * 2000))[0].text
    assert ctx.store.outbox.due_occurrences(ctx.now()) == []


def test_two_tick_loops_racing_in_threads_double_nothing(ctx, clock):
    chats = [str(n) for n in range(200)]
    for chat in chats:
        ctx.store.reminders.subscribe("fake", chat, "group", f"群{chat}", None, "test", clock.now)
    dispatch(ctx, operator("截止 添加 2026-12-31 提交年度考核材料"))
    dispatch(ctx, operator("通知 开会"))
    clock.now = at(12, 24)
    platform = FakePlatform("fake", clock)
    errors = []

    def loop():
        store = Store(ctx.store.path)  # a connection of its own, as a second process would have
        other = Context(store=store, kb=ctx.kb, settings=ctx.settings, clock=clock)
        try:
            for _ in range(5):
                asyncio.run(Scheduler(other, {"fake": platform}, exclusive=False).tick())
        except Exception as err:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(err)
        finally:
            store.close()

    threads = [threading.Thread(target=loop) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert platform.duplicates() == {}
    assert len(platform.sent) == 400  # every chat: the broadcast and the 7-day alert, once each


def test_side_by_side_a_slot_about_to_free_is_reserved_and_sent_at_its_instant(ctx, clock, monkeypatch):
    """Workers sharing a platform's window wake a moment before a slot frees and claim it then, stamped
    with the instant it frees; the send waits for that instant. Waking and queueing for the send lock
    (tens of milliseconds on a busy machine, each time a slot frees) no longer cost a share of the rate,
    and no rolling second holds more than the limit."""
    from db.rows import Delivery
    from handlers.core.ratelimit import Limit

    platform = FakePlatform("fake", clock)
    platform.limits = (Limit("fake-overall", 2, 1.0),)
    ctx.store.outbox.queue_deliveries(
        [Delivery(f"t|fake:c{n}", "fake", f"c{n}", "周五开会", kind="t") for n in range(6)], clock.now)
    claimed_at, stamped = {}, {}
    claim_batch = ctx.store.outbox.claim_batch

    def watched(*args, **kw):
        rows, wait = claim_batch(*args, **kw)
        for r in rows:
            claimed_at[r["chat_id"]] = clock.now.timestamp()
            stamped[r["chat_id"]] = dt.datetime.fromisoformat(r["attempted_at"]).timestamp()
        return rows, wait

    async def sleep(seconds: float) -> None:  # the fake clock moves; the sends waiting meanwhile run
        clock.advance(seconds=seconds)
        await asyncio.sleep(0)

    monkeypatch.setattr(ctx.store.outbox, "claim_batch", watched)
    asyncio.run(Scheduler(ctx, {"fake": platform}, sleep=sleep, exclusive=False).tick())
    received = {s.chat_id: s.at for s in platform.sent}
    assert sorted(received) == sorted(stamped) == [f"c{n}" for n in range(6)]
    assert any(stamped[c] > claimed_at[c] for c in stamped)  # reserved ahead, not claimed late
    assert all(received[c] >= stamped[c] for c in stamped)  # never sent before its instant
    times = sorted(stamped.values())
    assert max(sum(1 for u in times if t <= u < t + 1.0) for t in times) == 2
    assert times[-1] - times[0] < 2.1  # six at two a second: three windows, no slot lost between them
