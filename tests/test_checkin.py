"""打卡 / 请假 / 单位: links to plan items, several entries a local day, edits with history, bad input."""
import datetime as dt

import pytest

from conftest import SHANGHAI, message
from handlers.core.router import dispatch


def say(ctx, text, **kw):
    replies = dispatch(ctx, message(text, **kw))
    assert len(replies) == 1
    return replies[0]


def me(ctx, user="u1", platform="console"):
    return ctx.store.profiles.get(platform, user)["id"]


def today_row(ctx, user="u1", day=dt.date(2026, 11, 23)):
    return ctx.store.checkins.last_of_day(me(ctx, user), day)


def test_checkin_confirms_and_shows_the_linked_plan_item(ctx):
    reply = say(ctx, "打卡 组织青年大学习第12期学习，参与率92%")
    assert "已打卡" in reply.text and "11月23日" in reply.text
    link_line = next(line for line in reply.text.splitlines() if line.startswith("关联条目"))
    assert "青年大学习" in link_line and "思想引领" in link_line
    row = today_row(ctx)
    assert row["percent"] == 92 and row["item_id"] is not None and row["category"] == "思想引领"
    assert "修改" in reply.text  # it tells the member how to correct the link


@pytest.mark.parametrize("region,text,expect", [
    ("宁波", "组织青年大学习第12期学习", "宁波"),
    ("团县委", "组织青年大学习第12期学习", "团县委"),
    ("东莞", "开展志愿服务活动，参与30人", "开展志愿服务"),
    ("枣庄", "疫情防控志愿者值守卡口", "积极参与疫情防控"),
])
def test_links_to_the_items_of_the_members_own_region(ctx, region, text, expect):
    ctx.store.profiles.set_region("console", "u1", region)
    say(ctx, f"打卡 {text}")
    row = today_row(ctx)
    assert row["item_label"].startswith(region) and expect in row["item_label"]


def test_text_unrelated_to_any_plan_item_is_not_linked(ctx):
    reply = say(ctx, "打卡 今天整理了办公室的旧文件")
    assert "未找到匹配" in reply.text
    assert today_row(ctx)["item_id"] is None


@pytest.mark.parametrize("text,expect", [
    ("打卡 #智慧团建 录入了新团员信息", "智慧团建"),
    ("打卡 录入了新团员信息 ＃智慧团键", "智慧团建"),  # full-width # and a typo
    ("打卡 #青年之声 回复了青年留言", "青年之声"),
])
def test_a_tag_chooses_the_item(ctx, text, expect):
    reply = say(ctx, text)
    assert expect in reply.text
    row = today_row(ctx)
    assert expect in row["item_label"] and "#" not in row["text"] and "＃" not in row["text"]


@pytest.mark.parametrize("region,tag,expect", [
    ("枣庄", "#智慧团建", "枣庄 2020《枣庄共青团2020年工作要点》"),  # 枣庄 item 13 names it in its text (issue 12)
    ("枣庄", "#青年大学习", "› 1．旗帜鲜明讲政治"),
    ("宁波", "#河小二", "› 9．着力深化青春建功美丽宁波专项行动"),
    ("枣庄", "#12", "枣庄 2020"),
    ("枣庄", "#河小二", "宁波 2019"),  # named by no item of the member's region: any region's
])
def test_a_tag_looks_in_the_members_region_first(ctx, region, tag, expect):
    ctx.store.profiles.set_region("console", "u1", region)
    say(ctx, f"打卡 {tag} 录入了信息")
    assert expect in today_row(ctx)["item_label"]


def test_tag_none_means_no_link(ctx):
    say(ctx, "打卡 #无 组织青年大学习第12期学习")
    assert today_row(ctx)["item_id"] is None


def test_percent_and_head_count_are_read(ctx):
    reply = say(ctx, "打卡 开展志愿服务，完成８０％，参与三十五人")
    row = today_row(ctx)
    assert (row["percent"], row["count"]) == (80, 35)
    assert "80%" in reply.text and "35人" in reply.text


@pytest.mark.parametrize("text,expect", [
    ("打卡", "写上今天做了什么"),
    ("打卡   ", "写上今天做了什么"),
    ("打卡 #青年大学习", "写上今天做了什么"),
    ("打卡 青年大学习完成120%", "不能超过100%"),
    ("打卡 " + "组织学习" * 501, "太长"),
    ("打卡 #火星移民计划 组织了活动", "没有找到"),
])
def test_bad_check_in_gets_a_specific_message_and_stores_nothing(ctx, text, expect):
    reply = say(ctx, text)
    assert expect in reply.text
    assert ctx.store.checkins.count() == 0


def test_a_second_check_in_the_same_day_is_a_second_entry_and_both_are_kept(ctx, clock):
    say(ctx, "打卡 组织青年大学习第12期学习")
    clock.advance(hours=8)
    reply = say(ctx, "打卡 开展志愿服务活动，参与30人")
    assert "已打卡：11月23日（周一） 第2条" in reply.text and "这天的2条都保留" in reply.text
    assert "打卡 修改 2 新内容" in reply.text and "打卡 删除 2" in reply.text
    assert ctx.store.checkins.count() == 2
    first, second = ctx.store.checkins.day(me(ctx), dt.date(2026, 11, 23))
    assert (first["seq"], first["text"]) == (1, "组织青年大学习第12期学习") and "青年大学习" in first["item_label"]
    assert (second["seq"], second["count"]) == (2, 30) and "志愿服务" in second["item_label"]
    assert first["revision"] == second["revision"] == 1


def test_edit_changes_the_last_entry_or_a_numbered_one_and_delete_withdraws_one(ctx, clock):
    say(ctx, "打卡 组织青年大学习第12期学习")
    say(ctx, "打卡 开展志愿服务活动")
    reply = say(ctx, "打卡 修改 开展志愿服务活动，参与30人")  # no number: the day's last entry
    assert "已修改11月23日（周一）的第2条打卡" in reply.text
    reply = say(ctx, "打卡 修改 1 组织青年大学习第13期学习，参与率95%")
    assert "的第1条打卡" in reply.text and "第2版" in reply.text
    first, second = ctx.store.checkins.day(me(ctx), dt.date(2026, 11, 23))
    assert first["text"].endswith("第13期学习，参与率95%") and first["percent"] == 95
    assert second["count"] == 30
    assert "没有第5条打卡" in say(ctx, "打卡 修改 5 新内容").text and "编号：1、2" in say(ctx, "打卡 修改 第5条 x").text
    assert "请写要撤回哪一条" in say(ctx, "打卡 删除").text
    reply = say(ctx, "打卡 删除 1")
    assert "已撤回" in reply.text and "这天还有1条打卡" in reply.text
    assert [e["seq"] for e in ctx.store.checkins.day(me(ctx), dt.date(2026, 11, 23))] == [2]
    history = say(ctx, "打卡 历史").text
    assert "第1条（已撤回），共 3 个版本" in history and "撤回" in history and "第13期" in history
    say(ctx, "打卡 撰写团日活动总结")  # numbers are never reused: the new entry is 3, not 1
    assert [e["seq"] for e in ctx.store.checkins.day(me(ctx), dt.date(2026, 11, 23))] == [2, 3]


def test_a_number_that_starts_the_text_is_text(ctx):
    say(ctx, "打卡 组织青年大学习第12期学习")
    say(ctx, "打卡 修改 3个团支部完成换届")
    assert today_row(ctx)["text"] == "3个团支部完成换届" and ctx.store.checkins.count() == 1


def test_a_check_in_at_half_past_midnight_belongs_to_the_new_day(ctx, clock):
    clock.now = dt.datetime(2026, 11, 23, 23, 50, tzinfo=SHANGHAI)
    assert "11月23日" in say(ctx, "打卡 组织青年大学习").text
    clock.advance(minutes=40)  # 00:30 local — still 16:30 UTC of the 23rd
    reply = say(ctx, "打卡 开展志愿服务活动")
    assert "已打卡：11月24日" in reply.text and "第2条" not in reply.text
    days = [r["work_date"] for r in ctx.store.checkins.of_member(me(ctx), dt.date(2026, 11, 1), dt.date(2026, 11, 30))]
    assert days == ["2026-11-23", "2026-11-24"]


def test_times_are_stored_as_utc_instants(ctx, clock):
    say(ctx, "打卡 组织青年大学习")
    assert today_row(ctx)["created_at"] == "2026-11-23T01:00:00+00:00"


def test_the_orgs_time_zone_decides_the_day(ctx, clock):
    say(ctx, "单位 伦敦青年联谊会", platform="telegram", user="7")
    assert "只有管理员" in say(ctx, "单位 时区 Europe/London", platform="telegram", user="7").text
    # a named org (no group chat) is a global admin's to change; the platform's group admin flag means
    # nothing outside a group
    assert "只有管理员" in say(ctx, "单位 时区 Europe/London", platform="telegram", user="7", chat_admin=True).text
    ctx.store.profiles.grant_admin("telegram", "7", "console:console", "", "2026-11-23T01:00:00+00:00")
    assert "不认识时区" in say(ctx, "单位 时区 Mars/Olympus", platform="telegram", user="7").text
    assert "已设为" in say(ctx, "单位 时区 Europe/London", platform="telegram", user="7").text
    clock.now = dt.datetime(2026, 11, 23, 7, 30, tzinfo=SHANGHAI)  # 23:30 on the 22nd in London
    assert "11月22日" in say(ctx, "打卡 组织青年大学习", platform="telegram", user="7").text


def test_a_group_admin_sets_the_time_zone_of_their_groups_org_only(ctx):
    group = dict(platform="telegram", chat_id="-100", chat_type="group", chat_title="伦敦团支部")
    assert "只有本群的群管理员" in say(ctx, "单位 时区 Europe/London", user="8", **group).text
    assert "已设为" in say(ctx, "单位 时区 Europe/London", user="9", chat_admin=True, **group).text
    assert ctx.store.orgs.named("伦敦团支部")[0]["timezone"] == "Europe/London"


def test_edit_keeps_every_revision(ctx, clock):
    say(ctx, "打卡 组织青年大学习第12期学习")
    clock.advance(minutes=30)
    reply = say(ctx, "打卡 修改 组织青年大学习第13期学习，参与率95%")
    assert "已修改" in reply.text and "第2版" in reply.text
    reply = say(ctx, "打卡 修改 #智慧团建")
    assert "智慧团建" in reply.text
    row = today_row(ctx)
    assert row["text"] == "组织青年大学习第13期学习，参与率95%" and row["percent"] == 95
    assert "智慧团建" in row["item_label"] and row["category"] == "网上共青团"
    revisions = ctx.store.checkins.history(row["id"])
    assert [r["revision"] for r in revisions] == [1, 2, 3]
    assert "青年大学习" in revisions[0]["item_label"] and revisions[0]["text"].endswith("第12期学习")
    text = say(ctx, "打卡 历史").text
    assert "第1版" in text and "第3版" in text and "第12期" in text


def test_edit_an_earlier_day_and_edit_without_a_check_in(ctx, clock):
    reply = say(ctx, "checkin edit 组织青年大学习")
    assert "还没有打卡记录" in reply.text and ctx.store.checkins.count() == 0
    say(ctx, "打卡 组织青年大学习第12期")
    clock.advance(days=1)
    reply = say(ctx, "打卡 修改 昨天 组织青年大学习第12期，参与率88%")
    assert "11月23日" in reply.text
    assert today_row(ctx)["percent"] == 88
    assert "未来" in say(ctx, "打卡 修改 后天 x").text
    assert "没有找到" in say(ctx, "打卡 修改 昨天 #火星移民计划").text
    assert today_row(ctx)["revision"] == 2


def test_leave_excuses_a_range_of_days(ctx):
    reply = say(ctx, "请假 11月25日-11月27日 外出学习")
    assert "3天" in reply.text and "外出学习" in reply.text
    off = ctx.store.checkins.excused(me(ctx), dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert off == {"2026-11-25": "外出学习", "2026-11-26": "外出学习", "2026-11-27": "外出学习"}
    assert "1天" in say(ctx, "leave 明天").text


@pytest.mark.parametrize("text,expect", [
    ("请假", "写上请假的日期"),
    ("请假 2月30日 回家", "日期不存在"),
    ("请假 2026-13-01", "日期不存在"),
    ("请假 11月27日-11月25日 外出", "早于开始日期"),
    ("请假 11月1日至2027年6月1日", "最多请假"),
    ("请假 下周 有事", "看不懂日期"),
])
def test_bad_leave_gets_a_specific_message_and_stores_nothing(ctx, text, expect):
    assert expect in say(ctx, text).text
    assert ctx.store.checkins.excused(me(ctx), dt.date(2000, 1, 1), dt.date(2100, 1, 1)) == {}


def test_a_leave_across_new_year(ctx, clock):
    clock.now = dt.datetime(2026, 12, 28, 9, 0, tzinfo=SHANGHAI)
    assert "4天" in say(ctx, "请假 12月30日-1月2日").text


def test_group_check_in_joins_the_groups_org(ctx):
    say(ctx, "打卡 组织青年大学习", platform="telegram", user="11", chat_id="-100", chat_type="group",
        chat_title="城东街道团工委群")
    org = ctx.store.orgs.of_member("telegram", "11")
    assert org["name"] == "城东街道团工委群" and org["platform_chat_id"] == "-100"
    assert org["timezone"] == "Asia/Shanghai"
    assert ctx.store.checkins.last_of_day(ctx.store.profiles.get("telegram", "11")["id"], dt.date(2026, 11, 23))["org_id"] == org["id"]


def test_org_named_in_private_is_shared_by_name(ctx):
    assert "还没有单位" in say(ctx, "单位", platform="telegram", user="21").text
    assert "已加入单位" in say(ctx, "单位 城东街道团工委", platform="telegram", user="21").text
    say(ctx, "org 城东街道团工委", platform="telegram", user="22")
    a, b = ctx.store.orgs.of_member("telegram", "21"), ctx.store.orgs.of_member("telegram", "22")
    assert a["id"] == b["id"] and a["platform_chat_id"] is None
    assert "2名成员" in say(ctx, "单位", platform="telegram", user="21").text
    assert "40字" in say(ctx, "单位 " + "团" * 41, platform="telegram", user="21").text
