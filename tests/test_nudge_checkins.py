"""The daily nudge driven by real check-ins (not a stand-in): members check in from their group chat,
the nudge at 17:00 on a workday reaches only the one who has not, and a late check-in cancels it."""
import datetime as dt

from conftest import SHANGHAI, message
from handlers.core.router import dispatch
from scheduling import FakePlatform, tick

MONDAY = dt.date(2026, 11, 23)


def group_message(text, user, name):
    return message(text, user=user, platform="telegram", chat_id="-500", chat_type="group",
                   chat_title="东城街道团委", user_name=name, addressed=True)


def test_nudge_goes_to_the_member_without_a_checkin(ctx):
    ctx.clock.now = dt.datetime.combine(MONDAY, dt.time(9, 0), SHANGHAI)
    for user, name in (("1001", "张三"), ("1002", "李四"), ("1003", "王五")):
        dispatch(ctx, group_message("单位", user, name))  # everyone joins the group's org
    assert "已" in dispatch(ctx, group_message("打卡 组织青年大学习第12期学习，参与率92%", "1001", "张三"))[0].text
    assert "请假" in dispatch(ctx, group_message("请假 今天 外出培训", "1002", "李四"))[0].text
    tg = FakePlatform("telegram", ctx.clock)
    ctx.clock.now = dt.datetime.combine(MONDAY, dt.time(17, 0), SHANGHAI)
    tick(ctx, tg)
    tick(ctx, tg)
    nudges = [s.chat_id for s in tg.sent if s.text.startswith("⏰ 打卡提醒")]
    assert nudges == ["1003"]
    assert any(s.chat_id == "-500" for s in tg.sent)  # then one digest to the group


def test_a_checkin_after_planning_but_before_sending_cancels_the_nudge(ctx):
    ctx.clock.now = dt.datetime.combine(MONDAY, dt.time(9, 0), SHANGHAI)
    for user, name in (("1001", "张三"), ("1003", "王五")):
        dispatch(ctx, group_message("单位", user, name))
    dispatch(ctx, group_message("打卡 组织青年大学习第12期学习", "1001", "张三"))
    blocked = FakePlatform("telegram", ctx.clock, hang=False)
    ctx.clock.now = dt.datetime.combine(MONDAY, dt.time(16, 59, 50), SHANGHAI)
    tick(ctx, blocked)  # nothing due yet
    ctx.clock.now = dt.datetime.combine(MONDAY, dt.time(17, 0), SHANGHAI)
    dispatch(ctx, group_message("打卡 整理团员档案", "1003", "王五"))
    tick(ctx, blocked)
    assert not [s for s in blocked.sent if s.text.startswith("⏰ 打卡提醒")]
