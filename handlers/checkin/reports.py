"""进度 / 今日 / 周报 / 导出: a member's own week and streak, the org's day, the chart and the workbook.

Whoever manages the chat (Context.manages_chat: a group's own admins, in that group; global admins)
sees the org — a group's org in the group, their own org elsewhere; everyone else sees only their own
check-ins. Streaks and the “未打卡” counts skip Saturdays and Sundays that have
no check-in (a weekend check-in still counts) and excused days — the workday calendar proper belongs
to the reminders.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict

from handlers.checkin.common import (Member, current_member, day_label, days_between, display_name, mentions,
                                     short_day)
from handlers.checkin.parse import InputError, parse_month
from handlers.arguments import Words, month
from handlers.router import command
from handlers.types import Attachment, Context, Incoming, Reply

NO_ORG = "您还没有单位，看不到单位的打卡情况。请在单位的群里使用，或私聊发送“单位 名称”加入单位。"


def is_rest_day(day: dt.date) -> bool:
    return day.weekday() >= 5


def streak(days: set[str], excused: set[str], today: dt.date) -> int:
    """Consecutive check-in days up to today (today may still be open); rest and excused days
    without a check-in neither break nor extend it."""
    count, day = 0, today
    if today.isoformat() not in days:
        day -= dt.timedelta(days=1)
    for _ in range(3660):
        iso = day.isoformat()
        if iso in days:
            count += 1
        elif not (iso in excused or is_rest_day(day)):
            break
        day -= dt.timedelta(days=1)
    return count


@command("进度", "progress", extra=("我的打卡",))
def progress(ctx: Context, msg: Incoming, args: str) -> Reply:
    """查看我近7天的打卡、连续打卡天数和关联的工作要点。

    进度                                      近7天每天的打卡、连续打卡天数
    """
    me = current_member(ctx, msg)
    start = me.today - dt.timedelta(days=6)
    rows = {r["work_date"]: r for r in ctx.store.member_checkins(me.id, start, me.today)}
    off = ctx.store.excused_days(me.id, start, me.today)
    lines = [f"📋 {display_name(me.identity)}的打卡（近7天）："]
    for day in reversed(days_between(start, me.today)):
        iso = day.isoformat()
        if iso in rows:
            r = rows[iso]
            link = f" → {r['item_label'].split(' › ')[-1]}" if r["item_label"] else ""
            lines.append(f"{short_day(day)} ✅ {r['text'][:60]}{link}")
        elif iso in off:
            lines.append(f"{short_day(day)} 🌴 请假" + (f"：{off[iso]}" if off[iso] else ""))
        else:
            lines.append(f"{short_day(day)} —" + ("（今天还没打卡）" if day == me.today else ""))
    all_off = set(ctx.store.excused_days(me.id, me.today - dt.timedelta(days=3660), me.today))
    lines.append(f"连续打卡：{streak(ctx.store.checkin_days(me.id), all_off, me.today)}天 · "
                 f"近7天打卡{len(rows)}天，请假{len(off)}天")
    items = Counter(r["item_label"].split(" › ")[-1] for r in rows.values() if r["item_label"])
    if items:
        lines.append("关联条目：" + "；".join(f"{label} ×{n}" for label, n in items.most_common()))
    return Reply("\n".join(lines))


@command("今日", "today")
def today(ctx: Context, msg: Incoming, args: str) -> Reply:
    """查看今天谁打了卡、谁没打、谁请假（管理员看全单位，成员看自己）。

    今日                                      今天的打卡情况
    """
    me = current_member(ctx, msg)
    if not ctx.manages_chat(msg):
        row = ctx.store.checkin_of(me.id, me.today)
        if row:
            return Reply(f"今天是{day_label(me.today)}，您已打卡：{row['text']}")
        if me.today.isoformat() in ctx.store.excused_days(me.id, me.today, me.today):
            return Reply(f"今天是{day_label(me.today)}，您请假了，不用打卡。")
        return Reply(f"今天是{day_label(me.today)}，您还没有打卡。发送“打卡 今天做了什么”即可。")
    if me.org is None:
        return Reply(NO_ORG)
    status = ctx.store.checkin_status(me.org["id"], me.today)
    names = {m["identity_id"]: display_name(m) for m in ctx.store.org_members(me.org["id"])}
    groups: dict[str, list[str]] = defaultdict(list)
    for ident, state in status.items():
        groups[state].append(names.get(ident, str(ident)))
    total = len(status)
    rate = f"，打卡率{100 * len(groups['checked']) / total:.0f}%" if total else ""
    text = (f"📊 {me.org['name']} · {day_label(me.today)}打卡情况\n"
            f"已打卡{len(groups['checked'])}人 · 请假{len(groups['excused'])}人 · 未打卡{len(groups['missing'])}人"
            f"（共{total}人{rate}）\n"
            f"✅ 已打卡：{mentions(groups['checked'])}\n"
            f"🌴 请假：{mentions(groups['excused'])}\n"
            f"⏳ 未打卡：{mentions(groups['missing'])}")
    return Reply(text, data={k: len(v) for k, v in groups.items()})


def _scope(ctx: Context, msg: Incoming, me: Member) -> tuple[str, list[dict], bool]:
    """(name, members, whole org?) — the org for admins who have one, else just the member."""
    if ctx.manages_chat(msg) and me.org is not None:
        return me.org["name"], ctx.store.org_members(me.org["id"]), True
    mine = {"identity_id": me.id, "platform": me.identity["platform"],
            "platform_user_id": me.identity["platform_user_id"], "name": me.identity.get("name")}
    return display_name(me.identity), [mine], False


def _rows(ctx: Context, me: Member, members: list[dict], whole: bool, start: dt.date, end: dt.date):
    ids = None if whole else [m["identity_id"] for m in members]
    org_id = me.org["id"] if whole else None
    return ctx.store.org_checkins(org_id, start, end, identity_ids=ids), ctx.store.org_excused(org_id, start, end, ids)


@command("周报", "report", glued=Words("周", "月", "week", "month", "本周", "本月"))
def report(ctx: Context, msg: Incoming, args: str) -> Reply:
    """发送打卡统计图：周报（近7天）或 周报 月（近30天）；管理员看全单位，成员看自己。

    周报                                      近7天的打卡统计图
    周报 月                                   近30天的
    """
    span = {"": 7, "周": 7, "week": 7, "本周": 7, "月": 30, "month": 30, "本月": 30}.get(args.strip().lower())
    if span is None:
        return Reply("请写“周报”（近7天）或“周报 月”（近30天）。")
    me = current_member(ctx, msg)
    name, members, whole = _scope(ctx, msg, me)
    days = days_between(me.today - dt.timedelta(days=span - 1), me.today)
    rows, excused = _rows(ctx, me, members, whole, days[0], days[-1])
    checked_by_day = Counter(r["work_date"] for r in rows)
    done = {(r["identity_id"], r["work_date"]) for r in rows}
    excused_by_day = Counter(day for ident, day in excused if (ident, day) not in done)
    per_member = Counter(r["identity_id"] for r in rows)
    counts = [(display_name(m), per_member[m["identity_id"]]) for m in members]
    label = "近7天" if span == 7 else "近30天"
    from handlers.checkin import chart  # matplotlib takes ~0.7 s to import: only when a chart is asked for

    png = chart.render(f"{name} · 打卡统计（{label}）", days, [checked_by_day[d.isoformat()] for d in days],
                       [excused_by_day[d.isoformat()] for d in days], len(members), counts)
    total = len(members) * len(days)
    text = (f"📈 {name} {label}（{days[0]:%m-%d} 至 {days[-1]:%m-%d}）：共打卡{len(rows)}次，"
            f"{len(members)}名成员，平均打卡率{100 * len(rows) / total:.0f}%。" if total else f"📈 {name}：暂无数据。")
    stamp = f"{days[-1]:%Y%m%d}"
    return Reply(text, attachment=Attachment("photo", f"checkin-{span}d-{stamp}.png", png, "image/png"))


@command("导出", "export", glued=month())
def export_(ctx: Context, msg: Incoming, args: str) -> Reply:
    """导出某月打卡为 Excel（打卡明细、成员汇总、工作开展情况表），例如：导出 11月；默认本月。

    导出                                      本月
    导出 11月                                 也可写 十一月、2026-11、上月
    导出十一月                                命令词后面不加空格也行
    """
    me = current_member(ctx, msg)
    try:
        first, last = parse_month(args, me.today)
    except InputError as err:
        return Reply(str(err))
    if first > me.today:
        return Reply(f"{first.year}年{first.month}月还没到，没有可导出的打卡。")
    name, members, whole = _scope(ctx, msg, me)
    rows, excused = _rows(ctx, me, members, whole, first, last)
    due = [d for d in days_between(first, min(last, me.today)) if not is_rest_day(d)]
    period = f"{first.year}年{first.month}月"
    from handlers.checkin import export  # XlsxWriter: imported on first use, like the chart

    data = export.build(name, period, rows, members, excused, due, me.tz)
    safe = re.sub(r"[\\/:*?\"<>|\s]+", "_", name)[:30]
    text = f"📎 {name} {period}打卡导出：{len(rows)}条打卡，{len(members)}名成员。含打卡明细、成员汇总和工作开展情况表。"
    return Reply(text, attachment=Attachment("document", f"打卡_{safe}_{first:%Y-%m}.xlsx", data, export.XLSX_MIME))
