"""打卡率 (issue 12, item 12): one definition — workdays since the member joined, excused days left out,
a day with several entries counted once — and one fixture whose numbers 今日, 周报, 导出 and the chart
must all agree on (before, the same data read 80 %, 11 % and 0 %)."""
import datetime as dt
import io

import openpyxl
import pytest

from conftest import SHANGHAI
from console_driver import Console
from handlers.checkin import chart, rates

ORG = "城东街道团工委"


def at(clock, day: int, hour: int = 9):
    clock.now = dt.datetime(2026, 11, day, hour, 0, tzinfo=SHANGHAI)


@pytest.fixture
def week(ctx, clock):
    """Mon 23 – Fri 27 November 2026 (all workdays), typed in the console by five members of one org:

    书记 ("console", the operator: a global admin) joins Mon, checks in every day → 5/5
    张三 joins Mon; Tue two entries; misses Thu          → 4/5
    李四 joins Wed; excused Thu; checks in Wed and Fri   → 2/2
    王五 joins Fri (today) and checks in                 → 1/1
    赵六 joins Fri (today) and does not                  → 0/1
    On Sat 21 张三 is not a member yet; a weekend entry by 书记 (Sun 22, backfilled) changes no rate.
    """
    people = {name: Console(ctx, user) for name, user in
              (("书记", "console"), ("张三", "张三"), ("李四", "李四"), ("王五", "王五"), ("赵六", "赵六"))}
    at(clock, 23)
    for name in ("书记", "张三"):
        people[name].say(f"单位 {ORG}")
    people["书记"].say("打卡 昨天 周末整理团员档案")
    for day in (23, 24, 25, 26, 27):
        at(clock, day)
        people["书记"].say("打卡 审核团支部工作台账")
        if day in (23, 24, 25, 27):
            people["张三"].say("打卡 组织青年大学习")
        if day == 24:
            people["张三"].say("打卡 开展志愿服务活动")
        if day == 25:
            people["李四"].say(f"单位 {ORG}")
            people["李四"].say("请假 明天 外出培训")
        if day in (25, 27):
            people["李四"].say("打卡 录入智慧团建信息")
        if day == 27:
            people["王五"].say(f"单位 {ORG}")
            people["王五"].say("打卡 开展主题团日活动")
            people["赵六"].say(f"单位 {ORG}")
    at(clock, 27, 17)
    return people


EXPECTED = {"console": (5, 5), "张三": (4, 5), "李四": (2, 2), "王五": (1, 1), "赵六": (0, 1)}  # (done, expected)
WEEK_RATE = rates.percent(12, 14)  # 85.7
DAILY = {"11-21": None, "11-22": None, "11-23": (2, 2), "11-24": (2, 2), "11-25": (3, 3), "11-26": (1, 2),
         "11-27": (4, 5)}


def test_today_week_export_and_chart_agree(ctx, week, monkeypatch):
    admin = week["书记"]
    today = admin.say("今日")
    assert "已打卡4人 · 请假0人 · 未打卡1人（共5人，打卡率80%（4/5））" in today and "⏳ 未打卡：赵六" in today

    drawn = {}
    original = chart.render

    def spy(title, days, daily, members, per_member, font=None):
        drawn.update(days=days, daily=daily, per_member=dict(per_member))
        return original(title, days, daily, members, per_member, font)

    monkeypatch.setattr(chart, "render", spy)
    report = admin.say("周报")
    assert f"打卡率{rates.percent_text(WEEK_RATE)}（应打卡14人次，已打卡12人次）" in report and "85.7%" in report
    assert {f"{d:%m-%d}": (n, e) if e else None for d, (n, e, _) in zip(drawn["days"], drawn["daily"])} == DAILY
    assert drawn["per_member"] == {name: rates.percent(*v) for name, v in EXPECTED.items()}

    admin.say("导出 2026-11")
    wb = openpyxl.load_workbook(io.BytesIO(admin.last.attachment.data))
    header = [c.value for c in wb["成员汇总"][1]]
    summary = {r[0]: dict(zip(header, r)) for r in wb["成员汇总"].iter_rows(min_row=2, values_only=True)}
    for name, (done, expected) in EXPECTED.items():
        row = summary[name]
        assert (row["打卡天数"], row["应打卡天数"], row["未打卡天数"]) == (done, expected, expected - done), name
        assert row["打卡率(%)"] == rates.percent(done, expected), name
    assert summary["王五"]["计入起始日"] == "2026-11-27"  # joined today: 1 of 1, not "1 day, 0 %, 20 missed"
    assert summary["console"]["打卡条数"] == 6 and summary["张三"]["打卡条数"] == 5  # entries kept, days counted once
    assert summary["合计"]["打卡率(%)"] == WEEK_RATE
    assert "打卡率85.7%" in admin.say("导出 2026-11")


def test_a_member_sees_the_same_rate_for_themselves(ctx, week):
    assert "打卡率80%（4/5个工作日）" in week["张三"].say("进度")
    assert "打卡率100%（2/2个工作日）" in week["李四"].say("进度")


D = dt.date


@pytest.mark.parametrize("case,rows,excused,joined,expect", [
    ("several entries on a day count once", [(1, "2026-11-23"), (1, "2026-11-23")], [], {}, (1, 5)),
    ("a weekend entry does not lift the rate past 100%", [(1, "2026-11-21")] + [(1, f"2026-11-2{d}") for d in range(3, 8)],
     [], {}, (5, 5)),
    ("an excused day is not expected", [(1, "2026-11-23")], [(1, "2026-11-24")], {}, (1, 4)),
    ("an entry on an excused day counts", [(1, "2026-11-24")], [(1, "2026-11-24")], {}, (1, 5)),
    ("counted from joining", [], [], {1: D(2026, 11, 26)}, (0, 2)),
    ("or from an earlier first check-in", [(1, "2026-11-24")], [], {1: D(2026, 11, 26)}, (1, 4)),
    ("joined after the period", [], [], {1: D(2026, 12, 1)}, (0, 0)),
])
def test_the_definition(case, rows, excused, joined, expect):
    work = frozenset(f"2026-11-2{d}" for d in range(3, 8))
    t = rates.tally(D(2026, 11, 21), D(2026, 11, 27), work, [1], [{"identity_id": i, "work_date": d} for i, d in rows],
                    excused, joined)[1]
    assert (len(t.done), len(t.expected)) == expect, case
    assert t.rate == rates.percent(*expect) and (t.rate is None or t.rate <= 100)


def test_the_workday_calendar_decides_what_is_due(ctx):
    # 1 October is a public holiday; an admin's override makes Saturday 17 October a workday
    ctx.store.reminders.set_workday(D(2026, 10, 17), True)
    work = rates.workdays(ctx, D(2026, 10, 1), D(2026, 10, 18))
    assert "2026-10-01" not in work and "2026-10-17" in work and "2026-10-18" not in work
