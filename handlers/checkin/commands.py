"""打卡 / 请假 / 单位: recording a day's progress (with its linked plan item), edits with history,
excused days, and which org a member belongs to.

Everything the member typed is validated before anything is written, and each write is one
transaction, so bad input never leaves a partial record.
"""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from zoneinfo import available_timezones

from handlers.checkin.common import Member, current_member, day_label, display_name, utc_now
from handlers.checkin.link import NO_LINK_FIELDS, Link, item_label, link_tag, link_text, tag_hint
from handlers.checkin.parse import CheckinText, InputError, leading_range, parse_checkin, parse_leave
from handlers.arguments import Statement, SubCommand, day, org_name
from handlers.router import command, observe, refusal
from handlers.types import ADMIN, GROUP_ADMIN, Choice, Context, Incoming, Reply

EDIT = ("修改", "edit", "更正")
HISTORY = ("历史", "history", "记录")
HOW_TO_FIX = "关联不对？发送“打卡 修改 #条目关键词”更正，或“打卡 修改 #无”取消关联。"


@observe
def learn_group_roster(ctx: Context, msg: Incoming) -> None:
    """Whoever speaks in a group belongs to its org, so 今日 and the nudge know who has not checked in.
    Admins are not enrolled by speaking (they supervise); they join like anyone by checking in."""
    if msg.in_group and msg.user_id and not ctx.manages_chat(msg):
        current_member(ctx, msg, join_group=True)


def _split_sub(args: str, words: tuple[str, ...]) -> str | None:
    """The rest of `args` when it starts with one of the sub-command words, else None."""
    m = re.match(r"\s*(\S+)(?:[\s:：]+|$)(.*)", args, re.S)
    if m and m.group(1).lower() in words:
        return m.group(2).strip()
    return None


def _resolve_link(ctx: Context, member: Member, parsed: CheckinText) -> tuple[Link | None, str | None, dict | None]:
    """(link, error, nearest item): a #tag must name an item; without one the text is matched
    automatically, and when nothing fits well enough the nearest item is offered as a hint."""
    if parsed.tag == "":
        return None, None, None
    if parsed.tag:
        link = link_tag(ctx, parsed.tag, member.regions)
        if link is None:
            return None, (f"没有找到与“#{parsed.tag[:20]}”对应的工作要点条目，打卡未保存。"
                          "请换个关键词（如 #青年大学习、#智慧团建、#12），或去掉 # 让我自动匹配。"), None
        return link, None, None
    link, nearest = link_text(ctx, parsed.text, member.regions)
    return link, None, nearest


def _link_line(row: dict, nearest: dict | None = None) -> str:
    if row.get("item_label"):
        return f"关联条目：{row['item_label']}（考核类别：{row['category']}）"
    if nearest:
        return (f"关联条目：未自动关联（最接近的是 {item_label(nearest)}，但把握不大）。"
                f"如果就是这一条，发送“打卡 修改 {tag_hint(nearest)}”关联；也可以用 #条目关键词 指定别的条目。")
    return "关联条目：未找到匹配的工作要点条目。可发送“打卡 修改 #条目关键词”指定。"


def _measures(row: dict) -> str:
    parts = []
    if row.get("percent") is not None:
        parts.append(f"完成度 {row['percent']:g}%")
    if row.get("count") is not None:
        parts.append(f"人数 {row['count']}人")
    return " · ".join(parts)


@command("打卡", "checkin", glued=SubCommand(*EDIT, *HISTORY, split=False, in_chatter=True) | Statement(in_chatter=True))
def checkin(ctx: Context, msg: Incoming, args: str) -> Reply:
    """记录今天的工作进度，例如：打卡 组织青年大学习第12期，参与率92%（可加 #条目、N%、N人；打卡 修改 … 更正）。

    打卡 组织青年大学习第12期学习，参与率92%     记下今天做了什么（N%、N人会单独记下）
    打卡组织青年大学习第13期                   命令词后面不加空格也行
    打卡 #智慧团建 录入新团员信息 35人          #条目 指定关联的工作要点（条目的词或编号，如 #12）
    打卡 修改 #无                              更正今天的打卡：取消关联（或 #条目 改关联）
    打卡 修改 昨天 组织支部书记培训             修改某一天的打卡内容（每个版本都保留）
    打卡 历史                                  查看今天打卡的所有版本
    """
    rest = _split_sub(args, EDIT)
    if rest is not None:
        return edit(ctx, msg, rest)
    rest = _split_sub(args, HISTORY)
    if rest is not None:
        return history(ctx, msg, rest)
    try:
        parsed = parse_checkin(args)
    except InputError as err:
        return Reply(str(err))
    member = current_member(ctx, msg, join_group=True)
    link, problem, nearest = _resolve_link(ctx, member, parsed)
    if problem:
        return Reply(problem)
    fields = {"text": parsed.text, "percent": parsed.percent, "count": parsed.count,
              **(link.fields() if link else NO_LINK_FIELDS)}
    row, before = ctx.store.record_checkin(member.id, (member.org or {}).get("id"), member.today, fields,
                                           utc_now(ctx))
    if before:
        head = (f"🔄 今天（{day_label(member.today)}）已经打过卡，已更新为新内容（第{row['revision']}版）。\n"
                f"原内容：{before['text'][:100]}")
    else:
        head = f"✅ 已打卡：{day_label(member.today)}"
    lines = [head, f"内容：{row['text']}"]
    if _measures(row):
        lines.append(_measures(row))
    lines += [_link_line(row, nearest), HOW_TO_FIX if link else ""]
    data = {"work_date": row["work_date"], "item_id": row["item_id"], "revision": row["revision"]}
    return Reply("\n".join(x for x in lines if x), data=data)


def _target_day(member: Member, rest: str) -> tuple[dt.date, str]:
    found = leading_range(rest, member.today)
    if found is None:
        return member.today, rest
    start, end, remainder = found
    if start != end:
        raise InputError("修改打卡一次只能指定一天，例如：打卡 修改 昨天 新内容")
    if start > member.today:
        raise InputError("不能修改未来日期的打卡。")
    return start, remainder


def edit(ctx: Context, msg: Incoming, rest: str) -> Reply:
    """打卡 修改 [日期] [#条目] [新内容] — change a check-in; every version is kept."""
    member = current_member(ctx, msg)
    try:
        day, rest = _target_day(member, rest)
        parsed = parse_checkin(rest, required=False)
    except InputError as err:
        return Reply(str(err))
    if not parsed.text and parsed.tag is None:
        return Reply("请写上修改后的内容，或用 #条目 更正关联，例如：打卡 修改 #青年大学习")
    changes: dict = {}
    nearest = None
    if parsed.text:
        changes.update(text=parsed.text, percent=parsed.percent, count=parsed.count)
    if parsed.tag is not None or parsed.text:
        link, problem, nearest = _resolve_link(ctx, member, parsed)
        if problem:
            return Reply(problem.replace("打卡未保存", "未作修改"))
        changes.update(link.fields() if link else NO_LINK_FIELDS)
    result = ctx.store.edit_checkin(member.id, day, changes, utc_now(ctx))
    if result is None:
        return Reply(f"{day_label(day)}没有打卡记录，无法修改。直接发送“打卡 内容”即可打卡今天的。")
    row, before = result
    lines = [f"✏️ 已修改{day_label(day)}的打卡（第{row['revision']}版，之前的版本都保留着，发送“打卡 历史”查看）。",
             f"内容：{row['text']}"]
    if _measures(row):
        lines.append(_measures(row))
    lines.append(_link_line(row, nearest))
    return Reply("\n".join(lines), data={"work_date": row["work_date"], "revision": row["revision"]})


def history(ctx: Context, msg: Incoming, rest: str) -> Reply:
    """打卡 历史 [日期] — every version of a day's check-in."""
    member = current_member(ctx, msg)
    try:
        day, _ = _target_day(member, rest)
    except InputError as err:
        return Reply(str(err))
    row = ctx.store.checkin_of(member.id, day)
    if row is None:
        return Reply(f"{day_label(day)}没有打卡记录。")
    lines = [f"🕘 {day_label(day)}的打卡共 {row['revision']} 个版本："]
    kinds = {"create": "打卡", "update": "当天再次打卡", "edit": "修改"}
    for rev in ctx.store.checkin_history(row["id"]):
        when = dt.datetime.fromisoformat(rev["changed_at"]).astimezone(member.tz).strftime("%m-%d %H:%M")
        link = f" → {rev['item_label'].split(' › ')[-1]}" if rev.get("item_label") else ""
        lines.append(f"第{rev['revision']}版（{when} {kinds.get(rev['kind'], rev['kind'])}）：{rev['text']}{link}")
    return Reply("\n".join(lines))


@command("请假", "leave", glued=day())
def leave(ctx: Context, msg: Incoming, args: str) -> Reply:
    """登记请假（这些天不用打卡），例如：请假 明天 参加培训；请假 11月25日-11月27日 外出学习。

    请假 明天 参加培训                         一天
    请假 11月25日-11月27日 外出学习            几天（也可写 11月25日至27日、12.1-12.3）
    请假 下周一到下周三 参加党校学习            本周/下周/上周的星期几，下个月5号 也行
    请假明天                                  命令词后面不加空格也行
    """
    member = current_member(ctx, msg, join_group=True)
    try:
        start, end, reason = parse_leave(args, member.today)
    except InputError as err:
        return Reply(str(err))
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    ctx.store.add_excused_days(member.id, days, reason, utc_now(ctx))
    span = day_label(start) if start == end else f"{day_label(start)}至{day_label(end)}"
    text = f"🌴 已登记请假：{span}，共{len(days)}天。" + (f"\n原因：{reason}" if reason else "")
    return Reply(text + "\n这些天不计为未打卡，也不会收到打卡提醒。", data={"start": start.isoformat(), "end": end.isoformat()})


@command("单位", "org", glued=SubCommand("时区", "timezone") | org_name())
def org(ctx: Context, msg: Incoming, args: str) -> Reply:
    """查看或设置我所在的单位（团组织），例如：单位 城东街道团工委；在群里打卡会自动归入本群。

    单位                                      查看我所在的单位
    单位 城东街道团工委                        私聊时加入（或新建）这个单位
    单位 时区 Asia/Urumqi                      管理员设置单位的时区（打卡按该时区的日期计算）
    """
    member = current_member(ctx, msg)
    zone = _split_sub(args, ("时区", "timezone"))
    if zone is not None:
        return _set_timezone(ctx, msg, member, zone)
    store = ctx.store
    name = re.sub(r"\s+", " ", args).strip()
    if not name:
        if member.org is None:
            return Reply("您还没有单位。在单位的群里打一次卡即自动加入；或私聊发送“单位 名称”，例如：单位 城东街道团工委")
        count = len(store.org_members(member.org["id"]))
        return Reply(f"您当前的单位：{member.org['name']}（{count}名成员，时区 {member.org['timezone']}）。")
    if msg.in_group:
        return Reply(f"在本群打卡会自动归入本群单位“{member.org['name']}”。如要加入其他单位，请私聊我发送“单位 名称”。")
    if len(name) > 40:
        return Reply("单位名称太长了，请控制在40字以内。")
    if not any(ch.isalnum() for ch in name):
        return Reply("请写上单位名称，例如：单位 城东街道团工委")
    now = utc_now(ctx)
    if name.startswith("#") and name[1:].isdecimal():
        target = store.org(int(name[1:]))
        if target is None:
            return Reply("没有这个单位编号，请重新选择。")
    else:
        same = store.orgs_named(name)
        named = [o for o in same if o["platform_chat_id"] is None]
        if not named and len(same) > 1:
            return Reply(f"有{len(same)}个群叫“{name}”，请选择要加入的：",
                         choices=tuple(Choice(f"{o['name']}（{o['platform']}群，编号{o['id']}）", f"单位 #{o['id']}")
                                       for o in same[:5]))
        target = named[0] if named else same[0] if same else store.ensure_named_org(
            name, msg.platform, ctx.settings.timezone, member.identity.get("region"), now)
    store.join_org(member.id, target["id"], now)
    who = display_name(member.identity)
    return Reply(f"好的，{who}，您已加入单位“{target['name']}”。之后的打卡会计入该单位，管理员可查看单位的打卡情况。")



@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _set_timezone(ctx: Context, msg: Incoming, member: Member, zone: str) -> Reply:
    """单位 时区 <IANA zone> — the org's local day (admins only)."""
    if member.org is None:
        return Reply("您还没有单位。请先在单位的群里打卡，或私聊发送“单位 名称”。")
    if not zone:
        return Reply(f"单位“{member.org['name']}”的时区：{member.org['timezone']}。管理员可发送“单位 时区 Asia/Urumqi”修改。")
    if not ctx.manages_chat(msg):  # in a group: its own org; a named org (private chat): global admins
        need = GROUP_ADMIN if msg.in_group else ADMIN
        return Reply(refusal(msg, "修改单位的时区", need))
    if zone not in _zone_names():  # ZoneInfo() itself opens files: "Asia" is a folder, a long name too long
        return Reply(f"不认识时区“{zone[:40]}”。请写 IANA 时区名，例如 Asia/Shanghai、Asia/Urumqi。")
    ctx.store.set_org_timezone(member.org["id"], zone)
    return Reply(f"好的，单位“{member.org['name']}”的时区已设为 {zone}，打卡按该时区的日期计算。")
