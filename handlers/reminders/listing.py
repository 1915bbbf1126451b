"""What `截止` shows: the asker's region first, the plans' past time points folded into one line.

    截止        upcoming deadlines of the asker's region (their 城市, else the chat's) and of everyone,
                the upcoming time points of that region's documents (文3 …), then one line each for
                what is left out: other regions' items and the past time points ("截止 全部")
    截止 全部   everything the asker may see, the asker's region first, past time points marked

Numbers are the ones the commands take: [12] for a deadline (截止 修改 12 …), [文3] for a time point
found in the plans (read-only; 截止 采用 文3 makes it a deadline of one's own).
"""
from __future__ import annotations

import datetime as dt

from db.rows import Deadline, PlanPoint
from handlers.core.regions import label
from handlers.core.types import MEMBER, Context, Incoming
from handlers.reminders import alerts

MAX_LISTED = 30
MAX_POINTS = 60


def asker_region(ctx: Context, msg: Incoming) -> str | None:
    """The member's own 城市, else the region of the chat (its subscription, else its org)."""
    region = ctx.store.profiles.region(msg.platform, msg.user_id)
    if region or not msg.in_group:
        return region
    sub = ctx.store.reminders.subscription(msg.platform, msg.chat)
    if sub and sub.get("region"):
        return sub["region"]
    org = ctx.store.orgs.of_chat(msg.platform, msg.chat)
    return (org or {}).get("region") or None


def visible_deadlines(ctx: Context, msg: Incoming, after: dt.datetime) -> list[dict]:
    """Deadlines the asker may see: everyone's, this group's own, and (global admins) every group's."""
    here = f"{msg.platform}:{msg.chat}"
    return [d for d in ctx.store.reminders.deadlines(after=after)
            if not d.get("owner_chat") or d["owner_chat"] == here or ctx.is_global_admin(msg)]


def _mine(region: str | None, row_region: str | None) -> bool:
    return not region or not row_region or row_region == region


def deadline_line(ctx: Context, msg: Incoming, d: Deadline) -> str:
    days = (dt.date.fromisoformat(d["due_date"]) - ctx.local_now().date()).days
    left = "今天" if days <= 0 else f"还有 {days} 天"
    where = f"（{label(ctx, d['region'])}）" if d["region"] else ""
    if d.get("owner_chat"):
        where += "（本群）" if d["owner_chat"] == f"{msg.platform}:{msg.chat}" else "（仅其群）"
    adopted = "（采用自文件）" if d.get("plan_point") else ""
    return f"  [{d['id']}] {alerts.when_text(d, ctx)} {d['title']}{where}{adopted} — {left}"


def point_lines(ctx: Context, p: PlanPoint, now: dt.datetime) -> list[str]:
    """A plan time point as two lines: number, date, region, the clause; then its citation."""
    due = dt.date.fromisoformat(p["due_date"])
    past = "［已过］" if dt.datetime.fromisoformat(p["due_at"]) < now else ""
    said = p["due_text"] or ""
    own_words = f"（原文：{said}）" if said and said not in p["title"] else ""
    cite = f"《{p['doc_title']}》（{p['doc_year']}）" + (f" › {p['section']}" if p["section"] else "")
    region = label(ctx, p["region"]) if p["region"] else "未注明地区"
    return [f"  [文{p['id']}] {past}{due.year}年{due.month}月{due.day}日 {region}：{p['title']}{own_words}",
            f"      —— {cite}"]


def listing(ctx: Context, msg: Incoming, everything: bool = False) -> str:
    now = ctx.now()
    alerts.sync_plan_points(ctx, now)
    region = asker_region(ctx, msg)
    upcoming = visible_deadlines(ctx, msg, now)
    points = ctx.store.plan_points.all()
    future = [p for p in points if dt.datetime.fromisoformat(p["due_at"]) >= now]
    past = [p for p in points if dt.datetime.fromisoformat(p["due_at"]) < now]
    if everything:
        return "\n".join(_everything(ctx, msg, region, upcoming, future + past, now) + _admin_hint(ctx, msg))
    mine = [d for d in upcoming if _mine(region, d["region"])]
    scope = f"（{region}及全体）" if region else ""
    lines = [f"📅 即将到期{scope}："] if mine else [f"📅 目前没有即将到期的截止事项{scope}。"]
    lines += [deadline_line(ctx, msg, d) for d in mine[:MAX_LISTED]]
    near = [p for p in future if _mine(region, p["region"])]
    if near:
        lines += ["", f"📄 {region + '的' if region else ''}文件中即将到来的时间节点（只读，管理员可“截止 采用 文N”设为截止事项）："]
        for p in near[:MAX_LISTED]:
            lines += point_lines(ctx, p, now)
    folded = []
    if len(upcoming) > len(mine):
        folded.append(f"另有 {len(upcoming) - len(mine)} 个其他地区的截止事项")
    if len(future) > len(near):
        folded.append(f"另有 {len(future) - len(near)} 个其他地区文件中即将到来的时间节点")
    if past:
        folded.append(f"另有 {len(past)} 个已过的文件时间节点")
    if len(mine) > MAX_LISTED or len(near) > MAX_LISTED:
        folded.append("列表已截短")
    if folded:
        lines += ["", "；".join(folded) + "：发送“截止 全部”查看。"]
    return "\n".join(lines + _admin_hint(ctx, msg))


def _everything(ctx: Context, msg: Incoming, region: str | None, upcoming: list[dict], points: list[dict],
                now: dt.datetime) -> list[str]:
    """Every visible deadline and every plan time point, the asker's region first, then by date."""
    first = sorted(upcoming, key=lambda d: (not _mine(region, d["region"]), d["due_at"], d["id"]))
    lines = ["📅 即将到期的截止事项：" if first else "📅 目前没有即将到期的截止事项。"]
    lines += [deadline_line(ctx, msg, d) for d in first[:MAX_POINTS]]
    if points:
        ordered = sorted(points, key=lambda p: (region is not None and p["region"] != region,
                                                dt.datetime.fromisoformat(p["due_at"]) < now, p["due_at"], p["id"]))
        lines += ["", f"📄 文件中的时间节点（共 {len(points)} 个，只读；{'本地区的在前，' if region else ''}已过的标［已过］）："]
        for p in ordered[:MAX_POINTS]:
            lines += point_lines(ctx, p, now)
        if len(points) > MAX_POINTS:
            lines.append(f"  ……另有 {len(points) - MAX_POINTS} 个未列出。")
    return lines


def _admin_hint(ctx: Context, msg: Incoming) -> list[str]:
    if ctx.role(msg) == MEMBER:
        return []
    return ["", "管理员可用：截止 添加 <日期> <事项>｜截止 修改 <编号> …｜截止 删除 <编号>｜截止 采用 文<编号> [日期]"]
