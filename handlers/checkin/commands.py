"""打卡 / 请假: recording the day's progress (several entries a day, each linked to a plan item),
backfilling a missed day within the org's window, edits and withdrawals with history, excused days.

    打卡 组织青年大学习第12期学习，参与率92%     a new entry for today (a second one the same day is kept too)
    打卡 昨天 开展志愿服务 / 打卡 11月27日 …     backfill (补) within the org's window (单位 补卡, default 3 days)
    打卡 修改 [日期] [编号] [#条目] [新内容]      the day's last entry, or entry N (打卡 修改 2 …)
    打卡 删除 [日期] [编号]                      withdraw an entry (kept in 打卡 历史, no longer counted)
    打卡 历史 [日期]                             every entry of the day and every version of each

Everything the member typed is validated before anything is written, and each write is one
transaction, so bad input never leaves a partial record.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

from handlers.checkin.common import Member, backfill_days, current_member, split_sub, utc_now
from handlers.checkin.link import NO_LINK_FIELDS, Link, item_label, link_tag, link_text, tag_hint
from handlers.checkin.parse import CheckinText, InputError, leading_range, parse_checkin, parse_leave
from handlers.core.arguments import Statement, SubCommand
from handlers.core.arguments import day as a_day
from handlers.core.dates import day_label
from handlers.core.router import command, observe
from handlers.core.types import Context, Incoming, Reply

EDIT = ("修改", "edit", "更正")
HISTORY = ("历史", "history", "记录")
DELETE = ("删除", "delete", "撤回", "撤销")
HOW_TO_FIX = "关联不对？发送“打卡 修改 #条目关键词”更正，或“打卡 修改 #无”取消关联。"
LATE = "（补）"
# "2 新内容" / "第2条 新内容": which of the day's entries (a bare number needs a space after it, so
# "3个团支部完成换届" stays text)
ENTRY_NO = re.compile(r"^(?:第\s*(\d{1,3})\s*条|(\d{1,3})(?=\s|$))[\s，,：:]*")
BARE_WEEKDAY = re.compile(r"(?:周|星期|礼拜)[一二三四五六日天1-7]")


@observe
def learn_group_roster(ctx: Context, msg: Incoming) -> None:
    """Whoever speaks in a group belongs to its org, so 今日 and the nudge know who has not checked in.
    Admins are not enrolled by speaking (they supervise); they join like anyone by checking in."""
    if msg.in_group and msg.user_id and not ctx.manages_chat(msg):
        current_member(ctx, msg, join_group=True)


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


def _link_line(row: dict, nearest: dict | None = None, edit: str = "打卡 修改") -> str:
    if row.get("item_label"):
        return f"关联条目：{row['item_label']}（考核类别：{row['category']}）"
    if nearest:
        return (f"关联条目：未自动关联（最接近的是 {item_label(nearest)}，但把握不大）。"
                f"如果就是这一条，发送“{edit} {tag_hint(nearest)}”关联；也可以用 #条目关键词 指定别的条目。")
    return f"关联条目：未找到匹配的工作要点条目。可发送“{edit} #条目关键词”指定。"


def _measures(row: dict) -> str:
    parts = []
    if row.get("percent") is not None:
        parts.append(f"完成度 {row['percent']:g}%")
    if row.get("count") is not None:
        parts.append(f"人数 {row['count']}人")
    return " · ".join(parts)


def _which(day: dt.date, today: dt.date) -> str:
    """How a command names the day: nothing for today, else the date as the member can type it."""
    if day == today:
        return ""
    return "昨天 " if day == today - dt.timedelta(days=1) else f"{day.month}月{day.day}日 "


@command("打卡", "checkin",
         glued=SubCommand(*EDIT, *HISTORY, *DELETE, split=False, in_chatter=True) | Statement(in_chatter=True))
def checkin(ctx: Context, msg: Incoming, args: str) -> Reply:
    """记录今天的工作进度，例如：打卡 组织青年大学习第12期，参与率92%（一天可打多条；打卡 昨天 … 补卡；打卡 修改 2 … 更正）。

    打卡 组织青年大学习第12期学习，参与率92%     记下今天做了什么（N%、N人会单独记下）
    打卡组织青年大学习第13期                   命令词后面不加空格也行
    打卡 开展志愿服务活动                       同一天再打一条：两条都保留（打卡率按天计）
    打卡 #智慧团建 录入新团员信息 35人          #条目 指定关联的工作要点（条目的词或编号，如 #12）
    打卡 昨天 开展志愿服务活动                  补打卡（最近3天内，单位可改：单位 补卡 N），标为“补”
    打卡 修改 #无                              更正今天最后一条：取消关联（或 #条目 改关联）
    打卡 修改 2 组织支部书记培训                修改今天的第2条；打卡 修改 昨天 … 修改昨天的（每个版本都保留）
    打卡 删除 2                                撤回今天的第2条（历史里仍保留）
    打卡 历史                                  查看今天每一条打卡和它们的所有版本
    """
    for words, handler in ((EDIT, edit), (HISTORY, history), (DELETE, delete)):
        rest = split_sub(args, words)
        if rest is not None:
            return handler(ctx, msg, rest)
    member = current_member(ctx, msg, join_group=True)
    try:
        day, text = _entry_day(member, args)
        parsed = parse_checkin(text)
    except InputError as err:
        return Reply(str(err))
    link, problem, nearest = _resolve_link(ctx, member, parsed)
    if problem:
        return Reply(problem)
    fields = {"text": parsed.text, "percent": parsed.percent, "count": parsed.count,
              **(link.fields() if link else NO_LINK_FIELDS)}
    late = day < member.today
    row = ctx.store.checkins.record(member.id, (member.org or {}).get("id"), day, fields, utc_now(ctx), late=late)
    which, n = _which(day, member.today), row["seq"]
    head = f"✅ 已补打卡{LATE}：{day_label(day)}" if late else f"✅ 已打卡：{day_label(day)}"
    lines = [head + (f" 第{n}条" if n > 1 else ""), f"内容：{row['text']}"]
    if _measures(row):
        lines.append(_measures(row))
    edit_cmd = f"打卡 修改 {which}{n if n > 1 else ''}".rstrip()
    lines += [_link_line(row, nearest, edit_cmd), HOW_TO_FIX if link and n == 1 and not late else ""]
    if n > 1:
        lines.append(f"这天的{n}条都保留（打卡率按天计，一天算一次）。改这一条：{edit_cmd} 新内容；撤回：打卡 删除 {which}{n}")
    elif late:  # a date that opens the text may have been meant as part of it
        lines.append(f"不是{day.month}月{day.day}日的工作？撤回：打卡 删除 {which}{n}，再发送“打卡 内容”打今天的卡。")
    data = {"work_date": row["work_date"], "item_id": row["item_id"], "revision": row["revision"], "seq": n,
            "late": late}
    return Reply("\n".join(x for x in lines if x), data=data)


def _as_typed(typed: str, rest: str) -> str:
    """The part of `typed` after a leading date, as the member typed it: the date grammar reads a
    normalised copy (full-width → half-width), but the stored text keeps the member's own ，and ％."""
    for i in range(len(typed) + 1):
        if unicodedata.normalize("NFKC", typed[i:]).lstrip(" ，,：:") == rest:
            return typed[i:].lstrip(" ，,：:　")
    return rest


def _leading_day(member: Member, args: str) -> tuple[dt.date, dt.date, str] | None:
    """A day that opens a check-in and stands apart from the text ("昨天 开展…", "11月27日，…"):
    (start, end, the text as typed). A day run into the text is part of it — "周六办了场联谊" reports
    today what happened on Saturday — and a bare weekday is the last one, not the coming one."""
    found = leading_range(args, member.today)
    if found is None:
        return None
    start, end, rest = found
    typed = unicodedata.normalize("NFKC", args).strip()
    head = typed[: len(typed) - len(rest)] if rest else typed
    if rest and not head[-1:].isspace() and head[-1:] not in "，,：:":
        return None
    if BARE_WEEKDAY.match(typed) and start > member.today:
        start, end = start - dt.timedelta(days=7), end - dt.timedelta(days=7)
    return start, end, _as_typed(args, rest)


def _entry_day(member: Member, args: str) -> tuple[dt.date, str]:
    """The day a new entry is for (today, or a backfilled day named first) and its text."""
    found = _leading_day(member, args)
    if found is None:
        return member.today, args
    start, end, rest = found
    if start != end:
        raise InputError("补打卡一次写一天，例如：打卡 昨天 开展志愿服务活动")
    if start > member.today:
        raise InputError(f"{day_label(start)}还没到，不能提前打卡。如果日期是内容的一部分，请把它写在内容中间，"
                         f"例如：打卡 筹备{start.month}月{start.day}日的主题团日活动")
    window = backfill_days(member)
    if (member.today - start).days > window:
        if window == 0:
            raise InputError(f"本单位没有开放补打卡，{day_label(start)}的卡已不能补。只能打今天的卡：打卡 今天做了什么")
        earliest = member.today - dt.timedelta(days=window)
        raise InputError(f"只能补最近{window}天的打卡（{day_label(earliest)}及以后），{day_label(start)}已超出，"
                         f"未保存。补卡期限由单位管理员设置（单位 补卡 天数）。")
    if start < member.today and not rest.strip():
        raise InputError(f"请写上{day_label(start)}做了什么，例如：打卡 昨天 开展志愿服务活动")
    return start, rest


def _target(member: Member, rest: str) -> tuple[dt.date, int | None, str]:
    """(day, entry number or None, the rest) of 修改 / 删除 / 历史 arguments."""
    found = _leading_day(member, rest)
    day = member.today
    if found is not None:
        start, end, rest = found
        if start != end:
            raise InputError("一次只能指定一天，例如：打卡 修改 昨天 新内容")
        if start > member.today:
            raise InputError("不能修改未来日期的打卡。")
        day = start
    m = ENTRY_NO.match(rest.strip())
    if m is None:
        return day, None, rest
    return day, int(m[1] or m[2]), rest.strip()[m.end():]


def _no_entry(ctx: Context, member: Member, day: dt.date, seq: int | None, verb: str) -> str:
    entries = ctx.store.checkins.day(member.id, day)
    if entries:
        numbers = "、".join(str(e["seq"]) for e in entries)
        return f"{day_label(day)}没有第{seq}条打卡（这天的打卡编号：{numbers}），无法{verb}。发送“打卡 历史”查看。"
    if day == member.today:
        return f"今天（{day_label(day)}）还没有打卡记录，无法{verb}。直接发送“打卡 内容”即可打卡。"
    window = backfill_days(member)
    if (member.today - day).days <= window:
        return (f"{day_label(day)}没有打卡记录，无法{verb}。要补上这一天，请发送“打卡 {_which(day, member.today)}内容”"
                f"（本单位可补最近{window}天）。")
    return f"{day_label(day)}没有打卡记录，无法{verb}；这一天已超出补卡期限（最近{window}天）。"


def edit(ctx: Context, msg: Incoming, rest: str) -> Reply:
    """打卡 修改 [日期] [编号] [#条目] [新内容] — change an entry; every version is kept."""
    member = current_member(ctx, msg)
    try:
        day, seq, rest = _target(member, rest)
        parsed = parse_checkin(rest, required=False)
    except InputError as err:
        return Reply(str(err))
    if not parsed.text and parsed.tag is None:
        return Reply("请写上修改后的内容，或用 #条目 更正关联，例如：打卡 修改 #青年大学习；改第2条：打卡 修改 2 新内容")
    changes: dict = {}
    nearest = None
    if parsed.text:
        changes.update(text=parsed.text, percent=parsed.percent, count=parsed.count)
    link, problem, nearest = _resolve_link(ctx, member, parsed)
    if problem:
        return Reply(problem.replace("打卡未保存", "未作修改"))
    changes.update(link.fields() if link else NO_LINK_FIELDS)
    result = ctx.store.checkins.edit(member.id, day, changes, utc_now(ctx), seq=seq)
    if result is None:
        return Reply(_no_entry(ctx, member, day, seq, "修改"))
    row, _ = result
    several = len(ctx.store.checkins.day(member.id, day)) > 1
    which = f"的第{row['seq']}条" if several else ""
    lines = [f"✏️ 已修改{day_label(day)}{which}打卡（第{row['revision']}版，之前的版本都保留着，发送“打卡 历史”查看）。",
             f"内容：{row['text']}"]
    if _measures(row):
        lines.append(_measures(row))
    edit_cmd = f"打卡 修改 {_which(day, member.today)}{row['seq'] if several else ''}".rstrip()
    lines.append(_link_line(row, nearest, edit_cmd))
    return Reply("\n".join(lines), data={"work_date": row["work_date"], "revision": row["revision"], "seq": row["seq"]})


def delete(ctx: Context, msg: Incoming, rest: str) -> Reply:
    """打卡 删除 [日期] [编号] — withdraw an entry (its history stays; it no longer counts)."""
    member = current_member(ctx, msg)
    try:
        day, seq, extra = _target(member, rest)
    except InputError as err:
        return Reply(str(err))
    entries = ctx.store.checkins.day(member.id, day)
    if extra.strip():
        return Reply("请只写要撤回的打卡编号，例如：打卡 删除 2（发送“打卡 历史”查看编号）。")
    if seq is None and len(entries) > 1:
        numbers = "、".join(str(e["seq"]) for e in entries)
        return Reply(f"{day_label(day)}有{len(entries)}条打卡（编号 {numbers}），请写要撤回哪一条，"
                     f"例如：打卡 删除 {_which(day, member.today)}{entries[-1]['seq']}")
    if seq is None and entries:
        seq = entries[0]["seq"]
    row = ctx.store.checkins.delete(member.id, day, seq, utc_now(ctx)) if seq is not None else None
    if row is None:
        return Reply(_no_entry(ctx, member, day, seq, "撤回"))
    left = len(entries) - 1
    tail = f"这天还有{left}条打卡。" if left else "这天已没有打卡，不再计为已打卡。"
    return Reply(f"🗑 已撤回{day_label(day)}的第{row['seq']}条打卡：{row['text'][:60]}\n{tail}"
                 "撤回的内容仍保留在“打卡 历史”里。", data={"work_date": row["work_date"], "seq": row["seq"]})


def history(ctx: Context, msg: Incoming, rest: str) -> Reply:
    """打卡 历史 [日期] — every entry of the day and every version of each."""
    member = current_member(ctx, msg)
    try:
        day, _, _ = _target(member, rest)
    except InputError as err:
        return Reply(str(err))
    entries = ctx.store.checkins.day_history(member.id, day)
    if not entries:
        return Reply(f"{day_label(day)}没有打卡记录。")
    kinds = {"create": "打卡", "late": "补打卡", "update": "当天再次打卡", "edit": "修改", "delete": "撤回"}
    lines = [f"🕘 {day_label(day)}的打卡共 {len(entries)} 条："]
    for entry in entries:
        gone = "（已撤回）" if entry["deleted_at"] else ""
        late = LATE if entry["late"] else ""
        lines.append(f"第{entry['seq']}条{late}{gone}，共 {entry['revision']} 个版本：")
        for rev in entry["versions"]:
            when = dt.datetime.fromisoformat(rev["changed_at"]).astimezone(member.tz).strftime("%m-%d %H:%M")
            link = f" → {rev['item_label'].split(' › ')[-1]}" if rev.get("item_label") else ""
            lines.append(f"  第{rev['revision']}版（{when} {kinds.get(rev['kind'], rev['kind'])}）：{rev['text']}{link}")
    return Reply("\n".join(lines))


@command("请假", "leave", glued=a_day())
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
    ctx.store.checkins.excuse(member.id, days, reason, utc_now(ctx))
    span = day_label(start) if start == end else f"{day_label(start)}至{day_label(end)}"
    text = f"🌴 已登记请假：{span}，共{len(days)}天。" + (f"\n原因：{reason}" if reason else "")
    return Reply(text + "\n这些天不计为未打卡，也不会收到打卡提醒。", data={"start": start.isoformat(), "end": end.isoformat()})
