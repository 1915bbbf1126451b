"""截止 numbers (issue 12, items 5 and 6): the plans' time points are read-only and numbered apart (文N),
an admin adopts one to be reminded of it, a number shown is a number the commands take, ids are never
reused, and a member sees their own region's upcoming items first with the past folded into one line."""
import datetime as dt
import re
import sqlite3

import pytest
import sqlite_utils

from conftest import SHANGHAI, message
from console_driver import Console
from db import Store
from handlers.reminders import alerts
from handlers.core.router import dispatch
from knowledge.index import index_plans
from knowledge.plan_deadlines import plan_deadlines
from scheduling import FakePlatform, group, tick

NOTICE = """共青团枣庄市委员会
关于做好2026年度团员统计工作的通知

各区（市）团委：
为做好2026年度团员统计工作，现将有关事项通知如下。
一、统计范围
全市各级团组织的团员。
二、报送要求
请各单位于2026年12月20日前将团员统计表报送团市委组织部。

共青团枣庄市委员会
2026年11月1日
"""


def plan_points(ctx):
    return {p["id"]: (p["due_date"], p["title"]) for p in ctx.store.plan_points.all()}


def test_the_issues_session_in_the_console_plan_points_stay_as_the_documents_say(ctx, clock):
    """截止 修改 1 re-dated 东莞 2017's item and 截止 删除 5 deleted a plan point: now the admin's first
    deadline is [1], and a plan point (文N) is refused with the way to adopt it."""
    admin = Console(ctx)  # the console operator: a global admin
    admin.say("截止")
    before = plan_points(ctx)
    added = admin.say("截止 添加 2026-12-31 提交年度考核材料")
    assert "已添加截止事项 [1]：提交年度考核材料" in added
    assert "2027年1月15日" in admin.say("截止 修改 1 2027-01-15")
    refused = admin.say("截止 修改 文1 2027-01-15")
    assert "文1 是文件中的时间节点，只读" in refused and "截止 采用 文1" in refused
    assert "只读" in admin.say("截止 删除 文5") and "只读" in admin.say("截止 删除 [文5]")
    assert plan_points(ctx) == before  # nothing the documents say was changed
    assert ctx.store.reminders.deadline(1)["due_date"] == "2027-01-15"


def test_every_number_the_listing_shows_is_one_the_commands_take(ctx):
    admin = Console(ctx)
    admin.say("截止 添加 2026-12-31 提交年度考核材料")
    admin.say("截止 添加 2027-01-15 报送团员统计表")
    listing = admin.say("截止 全部")
    shown = re.findall(r"\[(文?\d+)\]", listing)
    deadlines = [n for n in shown if not n.startswith("文")]
    points = [n for n in shown if n.startswith("文")]
    assert deadlines == ["1", "2"] and len(points) == 10
    for n in deadlines:
        assert f"已修改截止事项 [{n}]" in admin.say(f"截止 修改 {n} 提醒 3")
    for n in points:
        assert "只读" in admin.say(f"截止 修改 {n} 2027-01-15")
        reply = admin.say(f"截止 采用 {n}")
        assert "已经过去了" in reply and f"截止 采用 {n} 2026-12-31" in reply  # the plans' dates are past


def test_a_plan_point_alerts_nobody_until_an_admin_adopts_it(ctx, clock, tmp_path):
    (tmp_path / "zz_tongji.txt").write_text(NOTICE, encoding="utf-8")
    index_plans(ctx.store, [tmp_path])
    dispatch(ctx, group("订阅"))
    admin = Console(ctx)
    listing = admin.say("截止")
    number = re.search(r"\[文(\d+)\] 2026年12月20日 枣庄：请各单位于2026年12月20日前将团员统计表报送团市委组织部", listing)
    assert number, listing
    tg = FakePlatform("telegram", clock)
    clock.now = dt.datetime(2026, 12, 13, 9, 0, tzinfo=SHANGHAI)  # 7 days ahead
    tick(ctx, tg)
    assert [t for t in tg.texts() if "截止提醒" in t] == []  # found in a document: listed, not pushed

    clock.now = dt.datetime(2026, 12, 14, 8, 0, tzinfo=SHANGHAI)
    adopted = admin.say(f"截止 采用 文{number[1]}")
    assert f"已采用文件时间节点 文{number[1]} 为截止事项 [1]" in adopted
    assert "出处：《关于做好2026年度团员统计工作的通知》（2026） › 二、报送要求" in adopted
    assert f"文{number[1]} 已经采用为截止事项 [1]" in admin.say(f"截止 采用 文{number[1]}")  # once per owner
    assert "[1] 2026年12月20日（2026-12-20）" in admin.say("截止")
    clock.now = dt.datetime(2026, 12, 17, 9, 0, tzinfo=SHANGHAI)
    tick(ctx, tg)
    pushed = [t for t in tg.texts() if "截止提醒" in t]
    assert len(pushed) == 1 and "报送团市委组织部" in pushed[0] and "出处：《关于做好2026年度团员统计工作的通知》" in pushed[0]


def test_a_group_admin_adopts_for_their_group_with_a_date_of_their_own(ctx, clock):
    reply = dispatch(ctx, group("截止 采用 文8 2026-12-31", chat="-200"))[0].text
    assert "为截止事项 [1]" in reply and "本群的截止事项，只发到本群" in reply
    d = ctx.store.reminders.deadline(1)
    assert (d["owner_chat"], d["due_date"], d["due_text"], d["source"]) == ("telegram:-200", "2026-12-31", "", "plan")
    # another group adopts the same point as a deadline of its own
    assert "[2]" in dispatch(ctx, group("截止 采用 文8 2026-12-30", chat="-300"))[0].text
    member = dispatch(ctx, message("截止 采用 文8 2026-12-31", platform="telegram"))[0].text
    assert "只有管理员" in member


def test_ids_are_never_reused(ctx):
    admin = Console(ctx)
    for title in ("甲", "乙", "丙"):
        admin.say(f"截止 添加 2026-12-31 提交{title}表")
    admin.say("截止 删除 3")
    assert "[4]：提交丁表" in admin.say("截止 添加 2026-12-31 提交丁表")
    assert "没有编号为 3 的截止事项" in admin.say("截止 修改 3 2027-01-01")


def _old_schema_db(path, store_for_keys) -> list[str]:
    """A database as deployments have it before the split: plan points 1-10 and admin deadlines after
    them in one table (one plan point re-dated and one deleted by an admin, as in the issue)."""
    db = sqlite_utils.Database(sqlite3.connect(path))
    for migrations in Store.migration_sets():
        migrations.apply(db, stop_before={"m003_plan_points_apart", "m002_entries_backfill"})
    found = sorted(plan_deadlines(store_for_keys.knowledge.plan_passages()), key=lambda d: d.key)
    now = "2026-11-20T01:00:00.000000Z"
    for n, d in enumerate(found, 1):
        db["deadline"].insert(dict(
            id=n, title=d.title, due_at=f"{d.date}T15:59:59.000000Z", due_date=d.date.isoformat(), due_text=d.due_text,
            leads="7,3,1,0", alert_time="09:00", region=d.region, source="plan", source_key=d.key, doc_key=d.doc_key,
            doc_title=d.doc_title, doc_year=d.doc_year, section=d.section, excerpt=d.excerpt, created_by="plans",
            created_at=now, updated_at=now))
    db.execute("UPDATE deadline SET due_date = '2027-01-15', due_at = '2027-01-15T15:59:59.000000Z', due_text = '', "
               "next_alert_at = '2027-01-08T01:00:00.000000Z' WHERE id = 1")
    db.execute("UPDATE deadline SET deleted_at = ? WHERE id = 5", [now])
    for n, title, owner in ((11, "提交年度考核材料", None), (13, "报送团员统计表", "telegram:-100")):
        db["deadline"].insert(dict(id=n, title=title, due_at="2026-12-31T15:59:59.000000Z", due_date="2026-12-31",
                                   due_text="", leads="7,3,1,0", alert_time="09:00", source="admin",
                                   created_by="console:console", created_at=now, updated_at=now, owner_chat=owner,
                                   next_alert_at="2026-12-24T01:00:00.000000Z"))
    db.execute("INSERT INTO deadline (id, title, due_at, due_date, source, deleted_at) "
               "VALUES (12, '已删除的事项', '2026-12-01T15:59:59Z', '2026-12-01', 'admin', ?)", [now])
    db.conn.commit()
    db.close()
    return [d.key for d in found]


def test_an_existing_deployment_is_migrated_keeping_the_admins_numbers(ctx, tmp_path, clock):
    path = tmp_path / "old.db"
    keys = _old_schema_db(path, ctx.store)
    with Store(path) as store:
        deadlines = {d["id"]: (d["title"], d["owner_chat"]) for d in store.reminders.deadlines()}
        assert deadlines == {11: ("提交年度考核材料", None), 13: ("报送团员统计表", "telegram:-100")}
        assert store.reminders.deadline(12) is None  # deleted stays deleted
        assert [p["source_key"] for p in store.db.query("SELECT source_key FROM plan_point ORDER BY id")] == keys
        # a new deadline takes the next number after every id ever used (14), never a plan point's old 1-10
        assert store.reminders.add_deadline(dict(title="新事项", due_at="2026-12-31T15:59:59Z", due_date="2026-12-31",
                                       source="admin")) == 14


def test_after_the_migration_the_documents_decide_the_plan_points_again(tmp_path, clock):
    from handlers.core.types import Context, Settings
    from knowledge.base import KnowledgeBase

    with Store(tmp_path / "plans.db") as indexed:
        index_plans(indexed)
        keys = _old_schema_db(tmp_path / "old.db", indexed)
    with Store(tmp_path / "old.db") as store:
        index_plans(store)
        ctx = Context(store=store, kb=KnowledgeBase(store, str(tmp_path)), settings=Settings(db_path=store.path),
                      clock=clock)
        listing = Console(ctx).say("截止 全部")
        points = {p["source_key"]: p for p in store.plan_points.all()}
        assert sorted(points) == sorted(keys)  # the one an admin deleted is back: the document still says it
        assert points[keys[0]]["due_date"] != "2027-01-15"  # the admin's edit of a plan point is undone
        assert "文件中的时间节点（共 10 个" in listing and "[11]" in listing and "[13]" in listing
        # the re-dated plan point's pending alert mark went with it: only the admins' deadlines alert
        assert {d["id"] for d in store.reminders.due_for_alert(dt.datetime(2027, 1, 9, tzinfo=SHANGHAI))} == {11, 13}


@pytest.mark.parametrize("region", ["枣庄", None])
def test_a_members_listing_leads_with_their_region_and_folds_the_past(ctx, clock, tmp_path, region):
    (tmp_path / "zz_tongji.txt").write_text(NOTICE, encoding="utf-8")
    index_plans(ctx.store, [tmp_path])
    Console(ctx).say("截止 添加 2026-12-31 提交年度考核材料 地区 东莞")
    Console(ctx).say("截止 添加 2027-01-10 报送全年工作总结")
    member = Console(ctx, "u1")
    if region:
        member.say(f"城市 {region}")
    listing = member.say("截止")
    lines = listing.splitlines()
    assert "报送全年工作总结" in listing and "请各单位于2026年12月20日前将团员统计表报送团市委组织部" in listing
    assert "另有 10 个已过的文件时间节点" in listing and "截止 全部" in listing
    assert "2017" not in listing and "［已过］" not in listing  # nothing of 东莞 2017 or 团县委 2020
    assert "管理员可用" not in listing
    if region:
        assert lines[0] == "📅 即将到期（枣庄及全体）："
        assert "提交年度考核材料" not in listing and "另有 1 个其他地区的截止事项" in listing
    else:
        assert "提交年度考核材料" in listing
    everything = member.say("截止 全部")
    assert sum("［已过］" in x for x in everything.splitlines() if "[文" in x) == 10
    assert "提交年度考核材料" in everything
    if region:  # the member's region first: 枣庄's three points before any other region's
        regions = re.findall(r"\[文\d+\] (?:［已过］)?\d+年\d+月\d+日 (\S+?)：", everything)
        assert regions[:3] == ["枣庄"] * 3 and "枣庄" not in regions[3:]


def test_a_groups_region_stands_in_for_a_member_without_one(ctx, tmp_path):
    (tmp_path / "zz_tongji.txt").write_text(NOTICE, encoding="utf-8")
    index_plans(ctx.store, [tmp_path])
    dispatch(ctx, group("订阅 枣庄", chat="-500"))
    listing = dispatch(ctx, message("截止", user="m9", platform="telegram", chat_id="-500", chat_type="group"))[0].text
    assert "即将到期" in listing and "枣庄的文件中即将到来的时间节点" in listing


def test_sync_keeps_numbers_when_the_plans_are_read_again(ctx, clock):
    Console(ctx).say("截止")
    before = plan_points(ctx)
    ctx.store.outbox.set_mark("plan_points", "")  # as after an ingest
    alerts.sync_plan_points(ctx, ctx.now())
    assert plan_points(ctx) == before
