"""进度 / 今日 / 周报 / 导出: a member's own week and streak, the org's day, the chart and the workbook.

Whoever manages the chat (Context.manages_chat: a group's own admins, in that group; global admins)
sees the org — a group's org in the group, their own org elsewhere; everyone else sees only their own
check-ins. Every 打卡率 comes from rates.py (one definition: workdays since joining, excused days
left out, a day with several entries counted once). Streaks skip Saturdays and Sundays without a
check-in (a weekend check-in still counts) and excused days. A backfilled entry is marked （补）.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict

from handlers.checkin import rates
from handlers.checkin.common import Member, current_member, days_between, display_name, mentions
from handlers.checkin.parse import InputError, parse_month
from handlers.core.arguments import Words, month
from handlers.core.dates import day_label, short_day
from handlers.core.router import command
from handlers.core.types import Attachment, Context, Incoming, Reply

NO_ORG = "您还没有单位，看不到单位的打卡情况。请在单位的群里使用，或私聊发送“单位 名称”加入单位。"
LATE = "（补）"


def is_rest_day(day: dt.date) -> bool:
    return day.weekday() >= 5


def streak(days: set[str], excused: set[str], today: dt.date, work: frozenset[str] | None = None,
           since: dt.date | None = None) -> int:
    """Consecutive check-in days up to today (today may still be open); rest and excused days
    without a check-in neither break nor extend it. `work` holds the workdays (holidays and 调休 of the
    calendar and the admins' overrides, rates.workdays) from `since` on; before `since`, or without it,
    weekends are the rest days."""
    count, day = 0, today
    if today.isoformat() not in days:
        day -= dt.timedelta(days=1)
    for _ in range(3660):
        iso = day.isoformat()
        if iso in days:
            count += 1
        elif iso in excused:
            pass
        elif work is not None and since is not None and day >= since:
            if iso in work:
                break
        elif not is_rest_day(day):
            break
        day -= dt.timedelta(days=1)
    return count


def _entry_text(r: dict, width: int = 60) -> str:
    link = f" → {r['item_label'].split(' › ')[-1]}" if r["item_label"] else ""
    return f"{r['text'][:width]}{link}{LATE if r.get('late') else ''}"


def _mine(me: Member) -> dict:
    return {"identity_id": me.id, "platform": me.identity["platform"], "platform_user_id": me.identity["platform_user_id"],
            "name": me.identity.get("name"), "created_at": me.identity.get("created_at")}


@command("进度", "progress", extra=("我的打卡",))
def progress(ctx: Context, msg: Incoming, args: str) -> Reply:
    """查看我近7天的打卡、打卡率、连续打卡天数和关联的工作要点。

    进度                                      近7天每天的每一条打卡、打卡率、连续打卡天数
    """
    me = current_member(ctx, msg)
    start = me.today - dt.timedelta(days=6)
    by_day: dict[str, list[dict]] = defaultdict(list)
    for r in ctx.store.checkins.of_member(me.id, start, me.today):
        by_day[r["work_date"]].append(r)
    off = ctx.store.checkins.excused(me.id, start, me.today)
    lines = [f"📋 {display_name(me.identity)}的打卡（近7天）："]
    for day in reversed(days_between(start, me.today)):
        iso = day.isoformat()
        if iso in by_day:
            entries = by_day[iso]
            lines.append(f"{short_day(day)} ✅ {_entry_text(entries[0])}")
            lines += [f"{' ' * 10}✅ {_entry_text(r)}" for r in entries[1:]]
        elif iso in off:
            lines.append(f"{short_day(day)} 🌴 请假" + (f"：{off[iso]}" if off[iso] else ""))
        else:
            lines.append(f"{short_day(day)} —" + ("（今天还没打卡）" if day == me.today else ""))
    tallies, _ = rates.member_tallies(ctx, [_mine(me)], None, start, me.today, me.tz)
    mine = tallies[me.id]
    all_off = set(ctx.store.checkins.excused(me.id, me.today - dt.timedelta(days=3660), me.today))
    mine_days = ctx.store.checkins.days(me.id)
    # The calendar is read for the last year at most (a query a day); older days count weekends as rest.
    since = max(dt.date.fromisoformat(min(mine_days)), me.today - dt.timedelta(days=365)) if mine_days else me.today
    run = streak(mine_days, all_off, me.today, rates.workdays(ctx, since, me.today), since)
    lines.append(f"连续打卡：{run}天 · "
                 f"近7天打卡{len(by_day)}天，请假{len(off)}天 · 打卡率{rates.percent_text(mine.rate)}"
                 f"（{len(mine.done)}/{len(mine.expected)}个工作日）")
    items = Counter(r["item_label"].split(" › ")[-1] for rows in by_day.values() for r in rows if r["item_label"])
    if items:
        lines.append("关联条目：" + "；".join(f"{label} ×{n}" for label, n in items.most_common()))
    return Reply("\n".join(lines))


@command("今日", "today")
def today(ctx: Context, msg: Incoming, args: str) -> Reply:
    """查看今天谁打了卡、谁没打、谁请假、谁补了卡（管理员看全单位，成员看自己）。

    今日                                      今天的打卡情况和打卡率
    """
    me = current_member(ctx, msg)
    if not ctx.manages_chat(msg):
        return Reply(_my_day(ctx, me))
    if me.org is None:
        return Reply(NO_ORG)
    members = ctx.store.orgs.members(me.org["id"])
    names = {m["identity_id"]: display_name(m) for m in members}
    tallies, _ = rates.member_tallies(ctx, members, me.org["id"], me.today, me.today, me.tz)
    iso = me.today.isoformat()
    groups: dict[str, list[str]] = defaultdict(list)
    for m in members:
        t = tallies[m["identity_id"]]
        state = "checked" if iso in t.checked else "excused" if iso in t.excused else \
            "missing" if iso in t.expected else "off"
        groups[state].append(names[m["identity_id"]])
    done, expected, rate = rates.total(tallies.values())
    if expected:
        rate_text = f"打卡率{rates.percent_text(rate)}（{done}/{expected}）"
    else:
        rate_text = "今天不是工作日，不计打卡率"
    lines = [f"📊 {me.org['name']} · {day_label(me.today)}打卡情况",
             f"已打卡{len(groups['checked'])}人 · 请假{len(groups['excused'])}人 · 未打卡{len(groups['missing'])}人"
             f"（共{len(members)}人，{rate_text}）",
             f"✅ 已打卡：{mentions(groups['checked'])}",
             f"🌴 请假：{mentions(groups['excused'])}",
             f"⏳ 未打卡：{mentions(groups['missing'])}"]
    late = _backfilled_today(ctx, me, me.org["id"], None)
    if late:
        lines.append(f"📝 今天补卡{LATE}：" + mentions([f"{display_name(r)}（{short_day(r['work_date'])}）" for r in late]))
    data = {k: len(v) for k, v in groups.items()} | {"rate": rate, "done": done, "expected": expected}
    return Reply("\n".join(lines), data=data)


def _backfilled_today(ctx: Context, me: Member, org_id: int | None, ids: list[int] | None) -> list[dict]:
    midnight = dt.datetime.combine(me.today, dt.time(0), me.tz).astimezone(dt.timezone.utc)
    return ctx.store.checkins.late_recorded(org_id, midnight.isoformat(timespec="seconds"), ids)


def _my_day(ctx: Context, me: Member) -> str:
    entries = ctx.store.checkins.day(me.id, me.today)
    late = _backfilled_today(ctx, me, None, [me.id])
    tail = ("\n今天补了：" + "；".join(f"{short_day(r['work_date'])} {r['text'][:30]}{LATE}" for r in late)) if late else ""
    if len(entries) == 1:
        return f"今天是{day_label(me.today)}，您已打卡：{_entry_text(entries[0], 100)}{tail}"
    if entries:
        listed = "\n".join(f"{r['seq']}. {_entry_text(r, 100)}" for r in entries)
        return f"今天是{day_label(me.today)}，您已打卡 {len(entries)} 条：\n{listed}{tail}"
    if me.today.isoformat() in ctx.store.checkins.excused(me.id, me.today, me.today):
        return f"今天是{day_label(me.today)}，您请假了，不用打卡。{tail}"
    return f"今天是{day_label(me.today)}，您还没有打卡。发送“打卡 今天做了什么”即可。{tail}"


def _scope(ctx: Context, msg: Incoming, me: Member) -> tuple[str, list[dict], int | None]:
    """(name, members, org id or None) — the org for admins who have one, else just the member."""
    if ctx.manages_chat(msg) and me.org is not None:
        return me.org["name"], ctx.store.orgs.members(me.org["id"]), me.org["id"]
    return display_name(me.identity), [_mine(me)], None


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
    name, members, org_id = _scope(ctx, msg, me)
    days = days_between(me.today - dt.timedelta(days=span - 1), me.today)
    tallies, rows = rates.member_tallies(ctx, members, org_id, days[0], days[-1], me.tz)
    daily = rates.by_day(tallies.values(), days)
    per_member = [(display_name(m), tallies[m["identity_id"]].rate) for m in members]
    label = "近7天" if span == 7 else "近30天"
    from handlers.checkin import chart  # matplotlib takes ~0.7 s to import: only when a chart is asked for

    png = chart.render(f"{name} · 打卡统计（{label}）", days, daily, len(members), per_member)
    done, expected, rate = rates.total(tallies.values())
    text = (f"📈 {name} {label}（{days[0]:%m-%d} 至 {days[-1]:%m-%d}）：{len(members)}名成员，共打卡{len(rows)}条，"
            f"打卡率{rates.percent_text(rate)}（应打卡{expected}人次，已打卡{done}人次）。")
    stamp = f"{days[-1]:%Y%m%d}"
    return Reply(text, attachment=Attachment("photo", f"checkin-{span}d-{stamp}.png", png, "image/png"),
                 data={"rate": rate, "done": done, "expected": expected, "daily": daily, "members": per_member})


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
    name, members, org_id = _scope(ctx, msg, me)
    tallies, rows = rates.member_tallies(ctx, members, org_id, first, min(last, me.today), me.tz)
    period = f"{first.year}年{first.month}月"
    from handlers.checkin import export  # XlsxWriter: imported on first use, like the chart

    data = export.build(name, period, rows, members, tallies, me.tz)
    safe = re.sub(r"[\\/:*?\"<>|\s]+", "_", name)[:30]
    _, _, rate = rates.total(tallies.values())
    text = (f"📎 {name} {period}打卡导出：{len(rows)}条打卡，{len(members)}名成员，打卡率{rates.percent_text(rate)}。"
            "含打卡明细、成员汇总和工作开展情况表。")
    return Reply(text, attachment=Attachment("document", f"打卡_{safe}_{first:%Y-%m}.xlsx", data, export.XLSX_MIME),
                 data={"rate": rate})
