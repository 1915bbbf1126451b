"""进度 / 今日 / 周报 / 导出: streaks, the org's day list, the chart (real glyphs) and the workbook."""
import datetime as dt
import io
import warnings

import openpyxl
import pytest

from conftest import SHANGHAI, message, operator
from handlers.checkin import chart
from handlers.core.router import dispatch

GROUP = dict(platform="telegram", chat_id="-100", chat_type="group", chat_title="城东街道团工委")


def say(ctx, text, **kw):
    replies = dispatch(ctx, message(text, **kw))
    assert len(replies) == 1
    return replies[0]


def in_group(ctx, text, user, name, admin=False):
    return say(ctx, text, user=user, user_name=name, chat_admin=admin, **GROUP)


def at(clock, day, hour=9):
    clock.now = dt.datetime(2026, 11, day, hour, 0, tzinfo=SHANGHAI)


def test_progress_shows_my_week_streak_and_items(ctx, clock):
    # Mon 16 … Fri 20 checked, Sat/Sun 21–22 off, Mon 23 today not yet: the weekend does not break it.
    for day in (16, 17, 18, 19, 20):
        at(clock, day)
        say(ctx, "打卡 组织青年大学习第12期学习")
    at(clock, 23)
    text = say(ctx, "进度").text
    assert "连续打卡：5天" in text and "近7天打卡4天" in text  # 17…23 holds four of them
    assert "11-23 周一 —（今天还没打卡）" in text and "11-20 周五 ✅" in text
    assert "青年大学习" in text and "×4" in text


def test_a_missed_workday_breaks_the_streak_and_an_excused_one_does_not(ctx, clock):
    at(clock, 16)
    say(ctx, "请假 11月18日 外出培训")
    for day in (16, 17, 19, 20, 23):  # Wed 18 excused
        at(clock, day)
        say(ctx, "打卡 组织青年大学习")
    text = say(ctx, "进度").text
    assert "连续打卡：5天" in text and "11-18 周三 🌴 请假：外出培训" in text
    at(clock, 25)  # Tue 24 missed
    say(ctx, "打卡 组织青年大学习")
    text = say(ctx, "progress").text
    assert "连续打卡：1天" in text and "11-24 周二 —" in text


def _group_of_three(ctx, clock):
    at(clock, 23)
    in_group(ctx, "打卡 组织青年大学习第12期学习", "1", "张三")
    in_group(ctx, "请假 今天-明天 外出培训", "2", "李四")
    in_group(ctx, "单位", "3", "王五")  # talks in the group but has not joined by checking in
    in_group(ctx, "打卡 开展志愿服务", "3", "王五")
    at(clock, 24)
    in_group(ctx, "打卡 开展志愿服务活动，参与30人", "3", "王五")
    in_group(ctx, "打卡 今天整理旧文件", "1", "张三")


def test_today_for_an_admin_lists_who_has_and_has_not_checked_in(ctx, clock):
    _group_of_three(ctx, clock)
    at(clock, 25)
    in_group(ctx, "打卡 在智慧团建系统录入团员信息", "3", "王五")
    in_group(ctx, "请假 今天", "2", "李四")
    reply = in_group(ctx, "今日", "9", "书记", admin=True)
    assert "已打卡1人 · 请假1人 · 未打卡1人（共3人" in reply.text
    lines = reply.text.splitlines()
    assert "王五" in lines[2] and "李四" in lines[3] and "张三" in lines[4]
    org = ctx.store.orgs.of_member("telegram", "1")
    assert ctx.store.checkins.status(org["id"], dt.date(2026, 11, 25)) == {
        ctx.store.profiles.get("telegram", u)["id"]: s for u, s in (("1", "missing"), ("2", "excused"), ("3", "checked"))}


def test_today_for_a_member_shows_only_their_own(ctx, clock):
    _group_of_three(ctx, clock)
    text = in_group(ctx, "今日", "1", "张三").text
    assert "已打卡" in text and "整理旧文件" in text and "王五" not in text
    assert "请假" in in_group(ctx, "today", "2", "李四").text
    assert "还没有打卡" in say(ctx, "今日", user="boss", platform="telegram").text


def test_today_for_an_admin_without_an_org(ctx):
    assert "还没有单位" in say(ctx, "今日", user="console").text  # the console operator is an admin
    assert "您还没有打卡" in say(ctx, "今日", user="u1").text  # `console --as u1` is a member


def _glyph_warnings(record):
    return [str(w.message) for w in record if "missing from font" in str(w.message)]


def test_chart_is_a_png_with_chinese_glyphs(ctx, clock):
    _group_of_three(ctx, clock)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        reply = in_group(ctx, "周报", "9", "书记", admin=True)
    assert _glyph_warnings(record) == []
    att = reply.attachment
    assert att.kind == "photo" and att.mime == "image/png" and att.data[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image

    pixels = matplotlib.image.imread(io.BytesIO(att.data), format="png")
    assert pixels.shape[0] > 300 and pixels.shape[1] > 600
    assert "近7天" in reply.text and "3名成员" in reply.text
    month = in_group(ctx, "report 月", "9", "书记", admin=True)
    assert "近30天" in month.text and month.attachment.data[:4] == b"\x89PNG"
    assert "周报 月" in in_group(ctx, "周报 季", "9", "书记", admin=True).text


def test_the_glyph_check_would_catch_a_font_without_chinese():
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        chart.render("打卡统计", [dt.date(2026, 11, 23)], [(1, 1, 100.0)], 1, [("张三", 100.0)], font="DejaVu Sans")
    assert _glyph_warnings(record)


def _workbook(reply):
    att = reply.attachment
    assert att.kind == "document" and att.filename.endswith(".xlsx")
    return openpyxl.load_workbook(io.BytesIO(att.data))


def test_export_holds_every_check_in_a_summary_and_the_assessment_form(ctx, clock):
    _group_of_three(ctx, clock)
    wb = _workbook(in_group(ctx, "导出 2026-11", "9", "书记", admin=True))
    assert wb.sheetnames == ["打卡明细", "成员汇总", "工作开展情况表"]
    details = list(wb["打卡明细"].iter_rows(min_row=2, values_only=True))
    assert len(details) == 4
    assert sorted((r[1], r[0].date().isoformat()) for r in details) == [
        ("张三", "2026-11-23"), ("张三", "2026-11-24"), ("王五", "2026-11-23"), ("王五", "2026-11-24")]
    volunteer = next(r for r in details if r[4] == 30)
    assert "志愿服务" in volunteer[5] and volunteer[6] == "服务大局" and volunteer[7] == 0
    assert volunteer[8] == "2026-11-24 09:00"  # local time, stored as UTC

    header = [c.value for c in wb["成员汇总"][1]]
    summary = {r[0]: dict(zip(header, r)) for r in wb["成员汇总"].iter_rows(min_row=2, values_only=True)}
    assert set(summary) == {"张三", "王五", "李四", "合计"}
    # counted from the day each joined (23 Nov), up to today (24th): two workdays each
    assert summary["张三"]["计入起始日"] == "2026-11-23" and summary["张三"]["应打卡天数"] == 2
    assert (summary["张三"]["打卡天数"], summary["张三"]["未打卡天数"], summary["张三"]["打卡率(%)"]) == (2, 0, 100)
    assert (summary["李四"]["打卡天数"], summary["李四"]["请假天数"], summary["李四"]["应打卡天数"]) == (0, 2, 0)
    assert summary["李四"]["打卡率(%)"] is None  # excused on every due day: nothing expected
    assert (summary["合计"]["应打卡天数"], summary["合计"]["打卡天数"], summary["合计"]["打卡率(%)"]) == (4, 4, 100)

    form = wb["工作开展情况表"]
    assert "工作开展情况表" in form["A1"].value and form["A2"].value == "填表单位：城东街道团工委"
    assert [c.value for c in form[3]] == ["序号", "考核项目", "工作开展情况"]
    rows = {r[0]: r for r in form.iter_rows(min_row=4, max_row=8, values_only=True)}
    assert list(rows) == ["（一）", "（二）", "（三）", "（四）", "（五）"]
    assert rows["（一）"][1] == "青少年思想引领及青年人才工作"
    assert "组织青年大学习第12期学习" in rows["（一）"][2] and "张三" in rows["（一）"][2]
    assert "开展志愿服务活动" in rows["（五）"][2] and "累计30人" in rows["（五）"][2]
    assert "本期无" in rows["（三）"][2]
    loose = [r for r in form.iter_rows(min_row=9, values_only=True) if r[0] == "附"]
    assert loose and "整理旧文件" in loose[0][2]


def test_a_members_export_holds_only_their_own_check_ins(ctx, clock):
    _group_of_three(ctx, clock)
    wb = _workbook(in_group(ctx, "export", "3", "王五"))
    names = {r[1] for r in wb["打卡明细"].iter_rows(min_row=2, values_only=True)}
    assert names == {"王五"}


@pytest.mark.parametrize("text,expect", [("导出 13月", "月份不存在"), ("导出 明年", "看不懂月份"),
                                         ("导出 2027-03", "还没到")])
def test_bad_export_month(ctx, text, expect):
    reply = say(ctx, text)
    assert expect in reply.text and reply.attachment is None


def test_a_holiday_does_not_break_the_streak(ctx, clock):
    # An admin makes Wed 18 a rest day (工作日 … 休息); Tue 17 and Thu 19 checked: the holiday between
    # them neither breaks nor extends the run, as the weekend does not.
    at(clock, 16)
    assert "休息" in dispatch(ctx, operator("工作日 2026-11-18 休息"))[0].text
    for day in (16, 17, 19):
        at(clock, day)
        say(ctx, "打卡 组织青年大学习")
    text = say(ctx, "进度").text
    assert "连续打卡：3天" in text, text
