"""单位: which org (团组织) a member belongs to, and the org's settings — its time zone (单位 时区) and how
many days back its members may record a missed check-in (单位 补卡, default 3).

A group chat is an org by itself (checking in there joins it); in private a member names one. The
settings are for whoever manages the chat: in a group, that group's admins; for a named org, global admins.
"""
from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import available_timezones

from handlers.checkin.common import (DEFAULT_BACKFILL_DAYS, MAX_BACKFILL_DAYS, Member, backfill_days,
                                     current_member, display_name, split_sub, utc_now)
from handlers.core.arguments import SubCommand, org_name
from handlers.core.router import command, refusal
from handlers.core.types import ADMIN, GROUP_ADMIN, Choice, Context, Incoming, Reply

TIMEZONE = ("时区", "timezone")
BACKFILL = ("补卡", "补打卡", "backfill")


@command("单位", "org", glued=SubCommand(*TIMEZONE, *BACKFILL) | org_name())
def org(ctx: Context, msg: Incoming, args: str) -> Reply:
    """查看或设置我所在的单位（团组织），例如：单位 城东街道团工委；在群里打卡会自动归入本群。

    单位                                      查看我所在的单位
    单位 城东街道团工委                        私聊时加入（或新建）这个单位
    单位 时区 Asia/Urumqi                      管理员设置单位的时区（打卡按该时区的日期计算）
    单位 补卡 7                                管理员设置可补最近几天的打卡（默认3天，0 为不允许）
    """
    member = current_member(ctx, msg)
    zone = split_sub(args, TIMEZONE)
    if zone is not None:
        return _set_timezone(ctx, msg, member, zone)
    days = split_sub(args, BACKFILL)
    if days is not None:
        return _set_backfill(ctx, msg, member, days)
    store = ctx.store
    name = re.sub(r"\s+", " ", args).strip()
    if not name:
        if member.org is None:
            return Reply("您还没有单位。在单位的群里打一次卡即自动加入；或私聊发送“单位 名称”，例如：单位 城东街道团工委")
        count = len(store.orgs.members(member.org["id"]))
        return Reply(f"您当前的单位：{member.org['name']}（{count}名成员，时区 {member.org['timezone']}，"
                     f"可补最近{backfill_days(member)}天的打卡）。")
    if msg.in_group:
        return Reply(f"在本群打卡会自动归入本群单位“{member.org['name']}”。如要加入其他单位，请私聊我发送“单位 名称”。")
    if len(name) > 40:
        return Reply("单位名称太长了，请控制在40字以内。")
    if not any(ch.isalnum() for ch in name):
        return Reply("请写上单位名称，例如：单位 城东街道团工委")
    now = utc_now(ctx)
    if name.startswith("#") and name[1:].isdecimal():
        target = store.orgs.get(int(name[1:]))
        if target is None:
            return Reply("没有这个单位编号，请重新选择。")
    else:
        same = store.orgs.named(name)
        named = [o for o in same if o["platform_chat_id"] is None]
        if not named and len(same) > 1:
            return Reply(f"有{len(same)}个群叫“{name}”，请选择要加入的：",
                         choices=tuple(Choice(f"{o['name']}（{o['platform']}群，编号{o['id']}）", f"单位 #{o['id']}")
                                       for o in same[:5]))
        target = named[0] if named else same[0] if same else store.orgs.ensure_named(
            name, msg.platform, ctx.settings.timezone, member.identity.get("region"), now)
    store.orgs.join(member.id, target["id"], now)
    who = display_name(member.identity)
    return Reply(f"好的，{who}，您已加入单位“{target['name']}”。之后的打卡会计入该单位，管理员可查看单位的打卡情况。")


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _may_set(ctx: Context, msg: Incoming, member: Member, what: str) -> str | None:
    """Why the sender may not change the org's settings, or None when they may."""
    if member.org is None:
        return "您还没有单位。请先在单位的群里打卡，或私聊发送“单位 名称”。"
    if not ctx.manages_chat(msg):  # in a group: its own org; a named org (private chat): global admins
        return refusal(msg, what, GROUP_ADMIN if msg.in_group else ADMIN)
    return None


def _set_timezone(ctx: Context, msg: Incoming, member: Member, zone: str) -> Reply:
    """单位 时区 <IANA zone> — the org's local day (admins only)."""
    if member.org is not None and not zone:
        return Reply(f"单位“{member.org['name']}”的时区：{member.org['timezone']}。管理员可发送“单位 时区 Asia/Urumqi”修改。")
    if problem := _may_set(ctx, msg, member, "修改单位的时区"):
        return Reply(problem)
    if zone not in _zone_names():  # ZoneInfo() itself opens files: "Asia" is a folder, a long name too long
        return Reply(f"不认识时区“{zone[:40]}”。请写 IANA 时区名，例如 Asia/Shanghai、Asia/Urumqi。")
    ctx.store.orgs.set_timezone(member.org["id"], zone)
    return Reply(f"好的，单位“{member.org['name']}”的时区已设为 {zone}，打卡按该时区的日期计算。")


def _set_backfill(ctx: Context, msg: Incoming, member: Member, text: str) -> Reply:
    """单位 补卡 <天数> — how many days back members may record a missed check-in (0: none)."""
    if member.org is not None and not text:
        return Reply(f"单位“{member.org['name']}”的成员可补最近{backfill_days(member)}天的打卡"
                     f"（默认{DEFAULT_BACKFILL_DAYS}天）。管理员可发送“单位 补卡 7”修改，“单位 补卡 0”关闭补卡。")
    if problem := _may_set(ctx, msg, member, "修改单位的补卡期限"):
        return Reply(problem)
    days = text.removesuffix("天").strip()
    if not days.isdecimal() or int(days) > MAX_BACKFILL_DAYS:
        return Reply(f"补卡期限请写 0 到 {MAX_BACKFILL_DAYS} 的天数，例如：单位 补卡 3（0 表示不允许补卡）。")
    ctx.store.orgs.set_backfill_days(member.org["id"], int(days))
    if int(days) == 0:
        return Reply(f"好的，单位“{member.org['name']}”已关闭补打卡：只能打当天的卡。")
    return Reply(f"好的，单位“{member.org['name']}”的成员可以补最近{int(days)}天的打卡"
                 f"（例如“打卡 昨天 内容”），补的卡在进度、今日和导出中标为“补”。")
