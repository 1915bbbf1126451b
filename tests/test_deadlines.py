"""截止: admins add, change and delete deadlines in plain words; everyone sees what is coming and
what the plans set (past ones marked past); bad input is answered specifically and stores nothing."""
import datetime as dt

import pytest

from handlers.core.router import dispatch
from conftest import message, operator
from scheduling import FakePlatform, group, tick


def say(ctx, text, **kw):
    return dispatch(ctx, operator(text, **kw))[0].text


def test_add_lists_it_with_the_alerts_it_will_send(ctx):  # the clock: Monday 2026-11-23 09:00
    reply = say(ctx, "截止 添加 2026-12-31 提交年度考核材料")
    assert "已添加截止事项 [" in reply and "2026年12月31日（周四）" in reply
    assert "12月24日（周四）09:00、12月28日（周一）09:00、12月30日（周三）09:00、12月31日（周四）09:00" in reply
    listing = say(ctx, "截止")
    assert "即将到期" in listing and "提交年度考核材料 — 还有 38 天" in listing


@pytest.mark.parametrize("typed,shown", [
    ("12月31日", "2026年12月31日"), ("下周五", "2026年12月4日"), ("月底", "2026年11月30日"),
    ("2027年1月15日 17:30", "2027年1月15日（周五） 17:30"),
])
def test_date_words(ctx, typed, shown):
    assert shown in say(ctx, f"截止 添加 {typed} 报送团员统计表")


def test_own_lead_times_and_hour(ctx):
    reply = say(ctx, "截止 添加 2026-12-31 提交年度考核材料 提醒 10,当天 08:30")
    assert "12月21日（周一）08:30、12月31日（周四）08:30 提醒" in reply


def test_a_deadline_too_close_for_early_alerts_says_so(ctx):
    reply = say(ctx, "截止 添加 明天 交表")
    assert "11月24日（周二）09:00 提醒" in reply and "11月17日" not in reply


@pytest.mark.parametrize("typed,problem", [
    ("截止 添加 2026-02-30 交表", "没看懂截止日期"),
    ("截止 添加 2026-12-31", "请在日期后写上截止事项"),
    ("截止 添加 2020-01-01 交表", "已经过去了"),
    ("截止 添加 2026-12-31 交表 提醒 很多天", "提醒天数"),
    ("截止 添加 2026-12-31 " + "材" * 200, "太长"),
    ("截止 删除 99", "没有编号为 99"),
    ("截止 修改 abc 2027-01-01", "请写上截止事项的编号"),
    ("截止 吃饭", "不认识"),
])
def test_bad_input_stores_nothing(ctx, typed, problem):
    assert problem in say(ctx, typed)
    assert ctx.store.reminders.deadlines(source="admin") == []


def test_members_may_list_but_not_add(ctx):
    reply = dispatch(ctx, message("截止 添加 2026-12-31 交表", platform="telegram"))[0].text
    assert "只有管理员" in reply and ctx.store.reminders.deadlines(source="admin") == []
    say(ctx, "截止 添加 2026-12-31 提交年度考核材料")
    listing = dispatch(ctx, message("/deadlines", platform="telegram"))[0].text
    assert "提交年度考核材料" in listing and "管理员可用" not in listing


def test_plan_time_points_are_listed_in_full_with_their_source_and_marked_past(ctx):
    listing = say(ctx, "截止 全部")
    assert "文件中的时间节点（共 10 个" in listing
    line = next(x for x in listing.splitlines() if "2018年1月26日下午下班前" in x)
    assert "［已过］" in line and "工作开展情况表" in line and line.lstrip().startswith("[文")
    cite = listing.splitlines()[listing.splitlines().index(line) + 1]
    assert "《关于做好2017年度东莞共青团工作考核的通知》（2017）" in cite and "五、有关要求" in cite
    for phrase in ("12月底", "6月份", "2020年底", "年内", "2022年"):
        assert phrase in listing
    assert "▪ ：" not in listing and "：：" not in listing


def test_change_date_title_and_leads_then_delete(ctx, clock):
    say(ctx, "截止 添加 2026-12-31 提交年度考核材料")
    d = ctx.store.reminders.deadlines(source="admin")[0]
    assert "2027年1月15日" in say(ctx, f"截止 修改 {d['id']} 2027-01-15")
    assert "提交考核材料（修订）" in say(ctx, f"截止 修改 {d['id']} 标题 提交考核材料（修订）")
    assert "1月14日（周四）09:00 提醒" in say(ctx, f"截止 修改 {d['id']} 提醒 1")
    assert "已删除" in say(ctx, f"截止 删除 {d['id']}")
    assert "提交考核材料" not in say(ctx, "截止").split("文件中的时间节点")[0]


def test_moving_a_deadline_drops_the_old_alerts(ctx, clock):
    dispatch(ctx, group("订阅"))
    say(ctx, "截止 添加 2026-12-31 提交年度考核材料")
    d = ctx.store.reminders.deadlines(source="admin")[0]
    say(ctx, f"截止 修改 {d['id']} 2027-03-31")
    tg = FakePlatform("telegram", clock)
    clock.now = clock.now.replace(year=2026, month=12, day=24)
    tick(ctx, tg)
    assert tg.sent == []  # the 7-days-before-12-31 alert is gone
    clock.now = clock.now.replace(year=2027, month=3, day=24)
    tick(ctx, tg)
    alerts = [s for s in tg.sent if s.text.startswith("⏰ 截止提醒")]  # the subscriber's group also gets nudges
    assert len(alerts) == 1 and "2027年3月31日" in alerts[0].text


@pytest.mark.parametrize("typed,title,when", [
    ("三十一天后 提交团费收缴表", "提交团费收缴表", "2026年12月24日（周四）"),
    ("十二月三十一日下午五点 提交总结", "提交总结", "2026年12月31日（周四） 17:00"),
    ("二〇二六年十二月三十一日上午十点半 交表", "交表", "2026年12月31日（周四） 10:30"),
    ("１２月３１日 报送台账", "报送台账", "2026年12月31日（周四）"),
    ("月底前提交团员统计", "提交团员统计", "2026年11月30日（周一）"),
    ("明天前往市团委汇报", "前往市团委汇报", "2026年11月24日（周二）"),
])
def test_the_title_starts_where_the_typed_date_ends(ctx, typed, title, when):
    """Normalising changes lengths (三十一 → 31), so a cut in the normalised text mangled the title."""
    reply = say(ctx, f"截止 添加 {typed}")
    assert f"已添加截止事项 [1]：{title}\n" in reply and f"截止时间：{when}\n" in reply
    assert ctx.store.reminders.deadline(1)["title"] == title


def test_a_changed_date_in_words_keeps_its_hour(ctx):
    say(ctx, "截止 添加 2026-12-20 提交总结")
    reply = say(ctx, "截止 修改 1 十二月三十一日下午五点")
    assert "截止时间：2026年12月31日（周四） 17:00" in reply
    assert ctx.store.reminders.deadline(1)["due_time"] == "17:00"


def test_a_workday_set_with_a_date_in_words(ctx):
    assert "2026-12-24（周四）是工作日（管理员设置）" in say(ctx, "工作日 三十一天后 上班")
    assert ctx.store.reminders.workday_override(dt.date(2026, 12, 24)) is True


@pytest.mark.parametrize("typed", ["截止 12月31日 提交年度考核材料", "提醒 12月31日 提交年度考核材料"])
def test_a_date_and_a_matter_without_添加_is_offered_as_the_addition_and_adds_nothing_yet(ctx, typed):
    (reply,) = dispatch(ctx, operator(typed))
    assert "您是不是想添加截止事项" in reply.text and "抱歉" not in reply.text
    assert [c.command for c in reply.choices] == ["截止 添加 12月31日 提交年度考核材料"]
    assert not ctx.store.reminders.deadlines()
    added = dispatch(ctx, operator("1"))[0].text  # the choice, picked by its number
    assert "已添加截止事项 [" in added and "提交年度考核材料" in added


def test_a_member_who_writes_a_date_and_a_matter_is_told_who_adds_deadlines(ctx):
    reply = dispatch(ctx, message("提醒 12月31日 提交年度考核材料", user="member"))[0]
    assert "由管理员或群管理员添加" in reply.text and not reply.choices
    assert not ctx.store.reminders.deadlines()


def test_提醒_alone_lists_what_is_coming(ctx):
    say(ctx, "截止 添加 2026-12-31 提交年度考核材料")
    assert "提交年度考核材料 — 还有 38 天" in say(ctx, "提醒")
