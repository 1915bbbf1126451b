"""The dates cadres write, through the console (issue 12, item 4): 下个月5号, 12.31, 12/31, 导出 十一月,
请假 下周一到下周三, the README's own 截止 添加 "2027-01-15 17:30" …; a decimal is no date; echoes of
what was not understood are never cut mid-word. Today is Monday 2026-11-23 (conftest's clock)."""
import datetime as dt
import re

import pytest

from conftest import FakeClock
from handlers.adapters.console_adapter import ConsoleChat
from handlers.checkin.parse import leading_range, parse_checkin
from handlers.core.echo import clip
from handlers.core.types import CONSOLE_OPERATOR
from knowledge.when import parse_when

MONDAY = dt.date(2026, 11, 23)


def say(ctx, text, user=CONSOLE_OPERATOR):
    return "\n".join(r.text for r in ConsoleChat(ctx, user=user).handle(text))


@pytest.mark.parametrize("text,due", [
    ("截止 添加 下个月5号 报送团员统计", "2026年12月5日（周六）"),
    ("截止 添加 下月5日 报送团员统计", "2026年12月5日（周六）"),
    ("截止 添加 12.31 提交年度考核材料", "2026年12月31日（周四）"),
    ("截止 添加 12/31 提交年度考核材料", "2026年12月31日（周四）"),
    ("截止 添加 12.31日 提交年度考核材料", "2026年12月31日（周四）"),
    ("截止 添加 1.5 提交年度考核材料", "2027年1月5日（周二）"),  # past this year: next year's
    ("截止 添加 \"2027-01-15 17:30\" 报送述职报告", "2027年1月15日（周五） 17:30"),
    ("截止 添加 “2027-01-15 17:30” 报送述职报告", "2027年1月15日（周五） 17:30"),
    ("截止 添加 '2027-01-15 17:30' 报送述职报告", "2027年1月15日（周五） 17:30"),
    ("截止 添加 下周五 报送团员统计", "2026年12月4日（周五）"),  # what worked before still does
    ("截止 添加 十二月三十一日下午五点 提交材料", "2026年12月31日（周四） 17:00"),
])
def test_deadline_dates_as_cadres_type_them(ctx, text, due):
    out = say(ctx, text)
    assert "已添加截止事项" in out and f"截止时间：{due}" in out, out


def test_the_readmes_own_example_keeps_its_title_whole(ctx):
    out = say(ctx, "截止 添加 \"2027-01-15 17:30\" 报送述职报告")
    assert re.search(r"已添加截止事项 \[\d+\]：报送述职报告\n", out), out


def test_a_deadline_edit_takes_the_new_forms(ctx):
    number = re.search(r"\[(\d+)\]", say(ctx, "截止 添加 12月31日 提交年度考核材料"))[1]
    assert "截止时间：2027年1月15日（周五） 17:30" in say(ctx, f"截止 修改 {number} \"2027-01-15 17:30\"")
    assert "截止时间：2026年12月5日（周六）" in say(ctx, f"截止 修改 {number} 下个月5号")


@pytest.mark.parametrize("text,span", [
    ("请假 下周一到下周三 参加党校学习", "11月30日（周一）至12月2日（周三），共3天"),
    ("请假 下个月5号 外出", "12月5日（周六），共1天"),
    ("请假 12.1-12.3 培训", "12月1日（周二）至12月3日（周四），共3天"),
    ("请假 12/1 培训", "12月1日（周二），共1天"),
    ("请假 周三 培训", "11月25日（周三），共1天"),
    ("请假 十一月二十五日至二十七日 学习", "11月25日（周三）至11月27日（周五），共3天"),
    ("请假 明天 参加培训", "11月24日（周二），共1天"),  # what worked before still does
])
def test_leave_dates_as_cadres_type_them(ctx, text, span):
    assert f"已登记请假：{span}" in say(ctx, text, user="u1")


@pytest.mark.parametrize("text,period", [("导出 十一月", "2026年11月"), ("导出 十月份", "2026年10月"),
                                         ("导出 2026年十一月", "2026年11月"), ("导出 11月", "2026年11月")])
def test_export_months_in_words(ctx, text, period):
    assert f"{period}打卡导出" in say(ctx, text, user="u1")


@pytest.mark.parametrize("text", ["参与率92.5%", "92.5%的团员参与", "3.5小时团课", "12.315", "1/2个支部", "13.5 提交"])
def test_a_decimal_or_a_fraction_is_not_a_date(text):
    assert parse_when(text, MONDAY) is None
    assert leading_range(text, MONDAY) is None


def test_a_check_in_with_a_decimal_keeps_its_percentage(ctx):
    out = say(ctx, "打卡 组织青年大学习第13期，参与率92.5%", user="u1")
    assert "✅ 已打卡：11月23日" in out and "完成度 92.5%" in out
    assert parse_checkin("3.5小时团课，参与率92.5%").percent == 92.5


@pytest.mark.parametrize("text,echo", [
    ("截止 添加 明年的某一天提交年度考核材料和团员发展对象名单", "明年的某一天提交年度考核材料和…"),  # not 团员发展对
    ("截止 修改 {n} 共青团东莞市委员会组织部和宣传部的联合调研活动", "共青团东莞市委员会组织部和宣传部的联合…"),
    ("请假 团员发展工作推进会召开之前的那个周末的下午", "团员发展工作推进会召开之前的那个周末的…"),  # not 的下
    ("导出 共青团东莞市委员会组织部和宣传部的联合调研活动", "共青团东莞市委员会组织部和宣传部的联合…"),  # not 联合调
    ("城市 共青团东莞市委员会组织部和宣传部的联合调研活动", "共青团东莞市委员会组织部…"),
    ("订阅 共青团东莞市委员会组织部和宣传部的联合调研活动", "共青团东莞市委员会组织部…"),
    ("截止 添加 12月31日 报送材料 地区 共青团东莞市委员会组织部和宣传部", "共青团东莞市委员会组织部…"),
    ("截止 添加 \"2027-01-15 17:3\" 共青团东莞市委员会组织部的述职", "\"2027-01-15 17:3\"…"),  # not the quote's half
])
def test_echoes_of_what_was_not_understood_are_never_cut_mid_word(ctx, text, echo):
    n = re.search(r"\[(\d+)\]", say(ctx, "截止 添加 12月31日 提交年度考核材料"))[1]
    out = say(ctx, text.format(n=n))
    assert f"“{echo}”" in out, out


@pytest.mark.parametrize("text,limit,expect", [
    ("\"2027-01-15 17:30\" 述职报告提交", 20, "\"2027-01-15 17:30\"…"),
    ("团员发展工作推进会召开之前的那个周末", 10, "团员发展工作推进会…"),
    ("短", 10, "短"),
    ("telegram:123456789012 加上一些文字", 12, "telegram:123456789012…"),
])
def test_clip_cuts_between_words(text, limit, expect):
    assert clip(text, limit) == expect


def test_dates_resolve_against_the_organisations_today(ctx):
    ctx.clock = FakeClock(dt.datetime(2026, 12, 28, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    assert "截止时间：2027年1月5日（周二）" in say(ctx, "截止 添加 下个月5号 报送团员统计")
