"""Two scopes of power: a global admin (TUANWU_ADMINS, granted with 管理员 添加, the console operator) may
do everything; a group admin (the platform says so) manages their own group only. An attacker who
creates a group and adds the bot gets nothing global; every grant and revocation is audited."""
from __future__ import annotations

import dataclasses

import pytest

from conftest import message, operator
from handlers.core.router import dispatch
from scheduling import FakePlatform, tick

EVIL = dict(platform="telegram", user="666", chat_id="-100666", chat_type="group", chat_title="新建的群",
            chat_admin=True)  # the owner of a group they just created
TOWN = dict(platform="telegram", chat_id="-100200", chat_type="group", chat_title="城东街道团工委")


def say(ctx, msg) -> str:
    return "\n".join(r.text for r in dispatch(ctx, msg))


def evil(text: str):
    return message(text, **EVIL)


@pytest.fixture
def world(ctx):
    """What a real deployment has: a subscribed group, an admin's deadline, a curated FAQ entry, a miss."""
    dispatch(ctx, message("订阅", user="9", chat_admin=True, **TOWN))
    assert "已添加" in say(ctx, operator("截止 添加 2026-12-31 提交年度考核材料"))
    assert "已添加" in say(ctx, operator("问答 添加 团费每月交多少？ | 学生团员每月0.2元。"))
    dispatch(ctx, operator("番茄炒蛋先放番茄还是先放蛋？"))
    return ctx


def snapshot(ctx) -> dict:
    store = ctx.store
    return dict(deadlines=[(d["id"], d["title"], d["due_at"]) for d in store.reminders.deadlines(source="admin")],
                faq=[(e["id"], e["question"], e["answer"]) for e in store.faq.entries() if e["kind"] == "curated"],
                workdays=store.reminders.workday_overrides(), admins=store.profiles.granted_admins(),
                occurrences=store.db.execute("SELECT count(*) FROM occurrence").fetchone()[0])


def test_a_group_owner_of_a_fresh_group_gets_no_global_power(world):
    ctx = world
    before = snapshot(ctx)
    deadline = before["deadlines"][0][0]
    entry = before["faq"][0][0]
    attempts = ["通知 今晚八点紧急开会", "通知 【枣庄】 今晚八点紧急开会", f"截止 删除 {deadline}",
                f"截止 修改 {deadline} 2027-01-15", f"截止 修改 {deadline} 标题 已取消", "工作日 2026-12-01 休息",
                "问答 添加 团费怎么交？ | 交到这个账户", f"问答 修改 {entry} | 改了", f"问答 删除 {entry}",
                "未答", "未答 采纳 1 胡说八道", "管理员", "管理员 添加 telegram:666", "管理员 添加 telegram:777"]
    for text in attempts:
        reply = say(ctx, evil(text))
        assert "只有管理员" in reply, (text, reply)
        assert "番茄" not in reply  # 未答 shows nothing
    for text in ("通知 开会", "管理员 添加 telegram:666", "工作日 2026-12-01 休息"):  # with the bot's username too
        assert "只有管理员" in say(ctx, evil(f"/{text}"))
    assert snapshot(ctx) == before
    assert not ctx.is_global_admin(evil("帮助"))


def test_the_refusal_names_who_can_and_the_senders_id(world):
    reply = say(world, evil("通知 开会"))
    assert "TUANWU_ADMINS" in reply and "管理员 添加" in reply and "telegram:666" in reply
    assert "群管理员只能管理自己的群" in reply


def test_a_group_admin_manages_their_own_group(world):
    ctx = world
    assert "已订阅" in say(ctx, evil("订阅"))
    assert "本群的截止事项，只发到本群" in say(ctx, evil("截止 添加 2026-12-20 交本群的团费"))
    say(ctx, message("打卡 组织青年大学习", **{**EVIL, "user": "667", "chat_admin": False}))
    assert "新建的群" in say(ctx, evil("今日")) and "已打卡1人" in say(ctx, evil("今日"))
    # in another group they are nobody
    other = dict(EVIL, chat_id="-100200", chat_title="城东街道团工委", chat_admin=False)
    assert "只有本群的群管理员" in say(ctx, message("退订", **other))
    assert ctx.store.reminders.subscription("telegram", "-100200") is not None
    assert "您还没有打卡" in say(ctx, message("今日", **other))


def test_a_groups_own_deadline_alerts_that_group_only_and_only_its_admins_change_it(world, clock):
    ctx = world
    say(ctx, evil("订阅"))
    own = next(d for d in (say(ctx, evil("截止 添加 2026-11-25 交本群的团费")),) if d)
    deadline = int(own.split("[", 1)[1].split("]", 1)[0])
    town_admin = message("截止 删除", user="9", chat_admin=True, **TOWN)
    assert "只有管理员" in say(ctx, dataclasses.replace(town_admin, text=f"截止 删除 {deadline}"))
    assert ctx.store.reminders.deadline(deadline) is not None
    assert "交本群的团费" not in say(ctx, dataclasses.replace(town_admin, text="截止"))  # not listed elsewhere
    assert "交本群的团费（本群）" in say(ctx, evil("截止"))
    assert "交本群的团费（仅其群）" in say(ctx, operator("截止"))  # global admins see all of them

    telegram = FakePlatform("telegram", clock)
    clock.advance(days=1)  # 11-24 09:00: the one-day reminder
    tick(ctx, telegram)
    alerted = {s.chat_id for s in telegram.sent if "交本群的团费" in s.text}
    assert alerted == {"-100666"}  # not the town's group, although it is subscribed too

    assert "已修改" in say(ctx, evil(f"截止 修改 {deadline} 标题 交本群团费和党费"))
    assert "已删除" in say(ctx, operator(f"截止 删除 {deadline}"))


def test_a_member_changes_nothing(world):
    member = dict(platform="telegram", user="42")
    assert "只有管理员（全体的截止事项）或群管理员" in say(world, message("截止 添加 2026-12-31 交表", **member))
    assert "只有管理员" in say(world, message("通知 开会", **member))
    group_member = dict(TOWN, user="43")
    assert "只有本群的群管理员" in say(world, message("订阅", **group_member))


def test_a_global_admin_grants_another_and_every_change_is_audited(ctx):
    assert "只有管理员" in say(ctx, message("通知 开会", platform="telegram", user="42"))
    assert "已授权 telegram:42" in say(ctx, operator("管理员 添加 telegram:42"))
    assert "已经是管理员" in say(ctx, operator("管理员 添加 telegram:42"))
    boss = dict(platform="telegram", user="42", user_name="王书记")
    assert "只有管理员" not in say(ctx, message("通知 开会", **boss))  # no subscribers yet, but allowed
    # the new admin grants a third person, by replying to their message in a group
    reply = say(ctx, message("管理员 添加", reply_to_user="43", chat_id="-1", chat_type="group", **boss))
    assert "已授权 telegram:43" in reply
    listing = say(ctx, message("管理员", **boss))
    assert "telegram:42" in listing and "由 console:console 授权" in listing and "telegram:43" in listing

    assert "已撤销 telegram:43" in say(ctx, message("管理员 删除 telegram:43", **boss))
    assert "只有管理员" in say(ctx, message("通知 开会", platform="telegram", user="43"))
    assert "不能删除自己" in say(ctx, message("管理员 删除 telegram:42", **boss))
    assert "不是通过“管理员 添加”授权" in say(ctx, operator("管理员 删除 telegram:99"))

    log = say(ctx, operator("管理员 记录")).splitlines()
    assert "撤销 telegram:43" in log[1] and "telegram:42（王书记）" in log[1]
    assert "授权 telegram:43" in log[2] and "授权 telegram:42" in log[3] and "console:console" in log[3]
    rows = ctx.store.profiles.admin_audit()
    assert [(r["action"], r["actor"], r["target"]) for r in rows] == [
        ("revoke", "telegram:42", "telegram:43"), ("grant", "telegram:42", "telegram:43"),
        ("grant", "console:console", "telegram:42")]
    assert all(r["at"].endswith("+00:00") for r in rows)


def test_an_admin_listed_in_the_environment_cannot_be_removed_by_command(ctx):
    ctx.settings = dataclasses.replace(ctx.settings, admins=("telegram:1",))
    reply = say(ctx, operator("管理员 删除 telegram:1"))
    assert "TUANWU_ADMINS" in reply and "不能用命令删除" in reply
    assert "已经是管理员" in say(ctx, operator("管理员 添加 telegram:1"))
    assert "终端操作员" in say(ctx, message("管理员 删除 console:console", platform="telegram", user="1"))
    assert ctx.store.profiles.admin_audit() == []
    assert "环境变量 TUANWU_ADMINS" in say(ctx, operator("管理员"))


@pytest.mark.parametrize("typed,problem", [
    ("管理员 添加", "请写明"), ("管理员 添加 qq:123", "不认识平台"), ("管理员 添加 telegram:a b", None),
    ("管理员 添加 telegram:" + "9" * 80, "格式不对"), ("管理员 添加 @nobody", "还不认识 @nobody"),
    ("管理员 吃饭", "不认识"),
])
def test_bad_admin_commands_are_answered_and_change_nothing(ctx, typed, problem):
    reply = say(ctx, operator(typed))
    if problem:
        assert problem in reply
    assert ctx.store.profiles.admin_audit() == [] or typed == "管理员 添加 telegram:a b"


def test_someone_is_found_by_their_username_once_seen(ctx):
    ctx.settings = dataclasses.replace(ctx.settings, admins=("telegram:1",))
    ctx.store.profiles.ensure("telegram", "321", "张三", "", "Zhang_San")
    reply = say(ctx, message("管理员 添加 @zhang_san", platform="telegram", user="1", mentions=("@zhang_san",)))
    assert "已授权 telegram:321（张三）" in reply


def test_console_users_other_than_the_operator_are_members(ctx):
    assert "只有管理员" in say(ctx, message("通知 开会", user="u1"))
    assert ctx.role(message("帮助", user="console")) == "admin"
    assert "已授权 console:u1" in say(ctx, operator("管理员 添加 console:u1"))
    assert ctx.role(message("帮助", user="u1")) == "admin"


@pytest.mark.parametrize("platform", ["wechat", "wecom"])
def test_wechat_and_wecom_users_are_admins_only_when_listed_or_granted(ctx, platform):
    user = dict(platform=platform, user="oUser1")
    assert "只有管理员" in say(ctx, message("通知 开会", **user))
    ctx.settings = dataclasses.replace(ctx.settings, admins=(f"{platform}:oUser1",))
    assert "还没有订阅的群" in say(ctx, message("通知 开会", **user))
