"""打卡 as cadres type it in the console (issue 12, items 10 and 11): two tasks on one day are both kept,
edited by number and withdrawn with their history; a missed day is backfilled within the org's window,
marked 补 in 进度, 今日 and 导出, and refused clearly beyond it."""
import datetime as dt
import io
import sqlite3

import openpyxl
import sqlite_utils

from conftest import SHANGHAI, message
from console_driver import Console
from db import Store
from handlers.core.router import dispatch

MON = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


def at(clock, day: int, hour: int = 9):
    clock.now = dt.datetime(2026, 11, day, hour, 0, tzinfo=SHANGHAI)


def entries(ctx, user="u1", day=dt.date(2026, 11, 23)):
    return ctx.store.checkins.day(ctx.store.profiles.get("console", user)["id"], day)


def test_two_tasks_on_one_day_are_both_kept_edited_by_number_and_withdrawn(ctx, clock):
    me = Console(ctx, "u1")
    assert "✅ 已打卡：11月23日（周一）" in me.say("打卡 组织青年大学习第13期学习，参与率90%")
    second = me.say("打卡 开展志愿服务活动，参与30人")
    assert "第2条" in second and "这天的2条都保留" in second
    assert [e["text"] for e in entries(ctx)] == ["组织青年大学习第13期学习，参与率90%", "开展志愿服务活动，参与30人"]

    progress = me.say("进度")
    assert "✅ 组织青年大学习第13期学习" in progress and "✅ 开展志愿服务活动，参与30人" in progress
    assert "近7天打卡1天" in progress  # a day counts once
    today = me.say("今日")
    assert "您已打卡 2 条" in today and "1. 组织青年大学习" in today and "2. 开展志愿服务" in today

    assert "已修改11月23日（周一）的第1条打卡" in me.say("打卡 修改 1 组织青年大学习第13期学习，参与率95%")
    assert entries(ctx)[0]["percent"] == 95 and entries(ctx)[1]["count"] == 30
    assert "已撤回11月23日（周一）的第2条打卡" in me.say("打卡 删除 2")
    assert [e["seq"] for e in entries(ctx)] == [1]
    history = me.say("打卡 历史")
    assert "共 2 条" in history and "第2条（已撤回）" in history and "开展志愿服务活动，参与30人" in history
    assert "第1版" in history and "第2版" in history and "参与率90%" in history  # every version kept


def test_a_missed_day_is_backfilled_within_the_window_and_marked(ctx, clock):
    me = Console(ctx, "u1")
    me.say("单位 城东街道团工委")
    refused = me.say("打卡 修改 昨天 开展志愿服务活动")
    assert "没有打卡记录，无法修改" in refused and "打卡 昨天 内容" in refused  # says how to record it

    reply = me.say("打卡 昨天 开展志愿服务活动，参与20人")
    assert "✅ 已补打卡（补）：11月22日（周日）" in reply
    assert "已补打卡（补）：11月20日（周五）" in me.say("打卡 11月20日 在智慧团建系统录入团员信息")
    beyond = me.say("打卡 11月19日 组织团日活动")
    assert "只能补最近3天的打卡（11月20日（周五）及以后），11月19日（周四）已超出，未保存" in beyond
    assert "还没到" in me.say("打卡 明天 组织团日活动")
    assert len(entries(ctx, day=dt.date(2026, 11, 19))) == 0
    assert entries(ctx, day=dt.date(2026, 11, 22))[0]["late"] == 1

    assert "已修改11月22日（周日）" in me.say("打卡 修改 昨天 开展志愿服务活动，参与25人")
    progress = me.say("进度")
    assert "11-22 周日 ✅ 开展志愿服务活动，参与25人" in progress and "（补）" in progress
    assert "11-20 周五 ✅ 在智慧团建系统录入团员信息" in progress
    assert "今天补了：11-22 周日" in me.say("今日")

    # the org's admin sees today's backfills in 今日 and the 补 column in 导出
    admin = Console(ctx)
    admin.say("单位 城东街道团工委")
    today = admin.say("今日")
    assert "今天补卡（补）：u1（11-22 周日）、u1（11-20 周五）" in today
    admin.say("导出 2026-11")
    wb = openpyxl.load_workbook(io.BytesIO(admin.last.attachment.data))
    details = {r[2]: r for r in wb["打卡明细"].iter_rows(min_row=2, values_only=True)}
    assert details["开展志愿服务活动，参与25人"][10] == "补"
    summary = {r[0]: r for r in wb["成员汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["u1"][8] == 2  # 补卡天数


def test_the_window_is_the_orgs_to_set(ctx, clock):
    me = Console(ctx, "u1")
    me.say("单位 城东街道团工委")
    assert "只有管理员" in me.say("单位 补卡 7")
    admin = Console(ctx)
    admin.say("单位 城东街道团工委")
    assert "补卡期限请写 0 到 31 的天数" in admin.say("单位 补卡 很多")
    assert "可以补最近7天的打卡" in admin.say("单位 补卡 7")
    assert "可补最近7天的打卡" in me.say("单位")
    assert "已补打卡（补）：11月16日（周一）" in me.say("打卡 11月16日 召开团支部委员会")
    assert "已关闭补打卡" in admin.say("单位 补卡 0")
    assert "本单位没有开放补打卡" in me.say("打卡 昨天 整理台账")


def test_a_group_admin_sets_the_window_of_their_group_only(ctx):
    group = dict(platform="telegram", chat_id="-100", chat_type="group", chat_title="城东团支部")
    assert "只有本群的群管理员" in dispatch(ctx, message("单位 补卡 5", user="8", **group))[0].text
    assert "最近5天" in dispatch(ctx, message("单位 补卡 5", user="9", chat_admin=True, **group))[0].text
    assert ctx.store.orgs.named("城东团支部")[0]["backfill_days"] == 5


def test_existing_check_ins_survive_the_schema_change(tmp_path):
    """A deployment's one-a-day rows become entry 1 of their day, history and all, and a second entry
    can then be added to that day (the old UNIQUE(member, schedule, day) key is gone)."""
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(sqlite3.connect(path))
    for migrations in Store.migration_sets():
        migrations.apply(db, stop_before={"m002_entries_backfill", "m003_plan_points_apart"})
    now = "2026-11-23T01:00:00+00:00"
    db["identity"].insert(dict(id=1, platform="console", platform_user_id="u1", name="张三", role="member",
                               created_at=now, updated_at=now))
    db["checkin"].insert(dict(id=1, identity_id=1, schedule="daily", work_date="2026-11-23", text="第二版", revision=2,
                              created_at=now, updated_at=now))
    for rev, kind, text in ((1, "create", "第一版"), (2, "update", "第二版")):
        db["checkin_revision"].insert(dict(checkin_id=1, revision=rev, kind=kind, text=text, changed_at=now))
    db.conn.commit()
    db.close()
    with Store(path) as store:
        [old] = store.checkins.day(1, "2026-11-23")
        assert (old["seq"], old["late"], old["text"], old["revision"]) == (1, 0, "第二版", 2)
        assert [r["text"] for r in store.checkins.history(1)] == ["第一版", "第二版"]
        new = store.checkins.record(1, None, "2026-11-23", {"text": "开展志愿服务"}, now)
        assert new["seq"] == 2 and store.checkins.count() == 2


def test_a_day_run_into_the_text_is_text_and_a_bare_weekday_is_the_last_one(ctx, clock):
    """On Monday "周六办了场联谊" reports today what happened on Saturday (the check-in sets have such
    lines); a day set apart — "周五 组织…" — backfills last Friday, not the coming one."""
    me = Console(ctx, "u1")
    assert "✅ 已打卡：11月23日（周一）" in me.say("打卡 周六办了场单身青年联谊，现场牵手5对")
    assert entries(ctx)[0]["text"] == "周六办了场单身青年联谊，现场牵手5对"
    assert "✅ 已打卡：11月23日（周一）" in me.say("打卡昨天开展了志愿服务")  # glued: today's, as typed
    reply = me.say("打卡 周五 组织团员观看主题教育片")
    assert "已补打卡（补）：11月20日（周五）" in reply and "撤回：打卡 删除 11月20日 1" in reply
    assert entries(ctx, day=dt.date(2026, 11, 20))[0]["text"] == "组织团员观看主题教育片"
