"""截止: upcoming deadlines and those found in the plans; admins add, change and delete them.

A global admin's deadline alerts every subscribed chat (of its region); a group admin's belongs to
their group: only that group is alerted, and only its admins (or a global admin) may change it.

    截止                                   upcoming deadlines, then the plans' deadlines (past ones marked)
    截止 添加 2026-12-31 提交年度考核材料     also 12月31日, 下周五, 月底, 明天; options: 提醒 7,3,1,0 08:30 / 地区 枣庄
    截止 修改 3 2027-01-15 | 截止 修改 3 标题 … | 截止 修改 3 提醒 7,1,0
    截止 删除 3
"""
from __future__ import annotations

import datetime as dt
import re

from handlers import alerts
from handlers.arguments import SubCommand
from handlers.echo import clip
from handlers.regions import find_region, not_found
from handlers.router import command, refusal
from handlers.scheduler import local_text
from handlers.types import MEMBER, Context, Incoming
from knowledge.when import parse_when

ADD, CHANGE, DELETE, LIST = ("添加", "新增", "add"), ("修改", "更改", "change", "edit"), ("删除", "delete", "del"), \
    ("列表", "全部", "list")
OPTION = re.compile(r"\s+(提醒|地区|region|remind)[:：=\s]\s*(.+?)(?=\s+(?:提醒|地区|region|remind)[:：=\s]|$)")
MAX_TITLE = 100
USAGE = ("用法：截止 添加 <日期> <事项>，日期可写 2026-12-31、12月31日、12.31、下周五、下个月5号、月底，"
         "带时间时加引号：\"2027-01-15 17:30\"；"
         "可选“提醒 7,3,1,0 09:00”“地区 枣庄”。修改：截止 修改 <编号> <日期|标题 …|提醒 …>；删除：截止 删除 <编号>。")


@command("截止", "deadlines", extra=("deadline", "截止日期"), glued=SubCommand(*ADD, *CHANGE, *DELETE, *LIST))
def deadlines(ctx: Context, msg: Incoming, args: str) -> str:
    """查看即将到期的截止事项和文件中的时间节点；管理员可“截止 添加 2026-12-31 提交材料”、修改、删除。

    截止                                              即将到期的事项，和文件中的时间节点
    截止 添加 2026-12-31 提交年度考核材料               管理员添加（日期也可写 12月31日、12.31、下周五、月底前、下个月5号）
    截止 添加 "2027-01-15 17:30" 报送述职报告           日期带时间时加引号
    截止 添加 月底 报送团员统计 提醒 7,1,当天 08:30 地区 枣庄   提前几天、几点提醒；只提醒该地区的群
    截止 修改 3 2027-01-15                             改日期（3 是“截止”列出的编号）
    截止 修改 3 标题 报送年度述职报告                   改事项名称；“截止 修改 3 提醒 3,0”改提醒
    截止 删除 3                                        删除，不再提醒
    截止添加 12月31日 提交材料                          命令词后面不加空格也行
    """
    verb, _, rest = args.strip().partition(" ")
    verb = verb.lower()
    if verb in ADD + CHANGE + DELETE and ctx.role(msg) == MEMBER:
        return ("只有管理员（全体的截止事项）或群管理员（本群的截止事项）可以添加、修改或删除截止事项。"
                "发送“截止”查看即将到期的事项。")
    if verb in ADD:
        return add(ctx, msg, rest.strip())
    if verb in CHANGE:
        return change(ctx, msg, rest.strip())
    if verb in DELETE:
        return delete(ctx, msg, rest.strip())
    if verb and verb not in LIST:
        return f"不认识“{clip(verb, 10)}”。{USAGE}"
    return listing(ctx, msg)


def owner_of(ctx: Context, msg: Incoming) -> str | None:
    """Whose deadline `msg` would add: everyone's (a global admin), or this group's (its group admin)."""
    return None if ctx.is_global_admin(msg) else f"{msg.platform}:{msg.chat}"


def may_change(ctx: Context, msg: Incoming, d: dict) -> bool:
    return ctx.is_global_admin(msg) or (ctx.manages_chat(msg) and d.get("owner_chat") == f"{msg.platform}:{msg.chat}")


def listing(ctx: Context, msg: Incoming) -> str:
    now = ctx.now()
    alerts.sync_plan_deadlines(ctx, now)
    admin, here = ctx.role(msg) != MEMBER, f"{msg.platform}:{msg.chat}"
    # a group's own deadlines are its business: listed in that group (and to global admins)
    upcoming = [d for d in ctx.store.deadlines(after=now)
                if not d.get("owner_chat") or d["owner_chat"] == here or ctx.is_global_admin(msg)]
    lines = ["📅 即将到期："] if upcoming else ["📅 目前没有即将到期的截止事项。"]
    for d in upcoming[:30]:
        days = (dt.date.fromisoformat(d["due_date"]) - ctx.local_now().date()).days
        left = "今天" if days <= 0 else f"还有 {days} 天"
        where = f"（{d['region']}）" if d["region"] else ""
        where += ("（本群）" if d.get("owner_chat") == here else "（仅其群）") if d.get("owner_chat") else ""
        lines.append(f"  [{d['id']}] {alerts.when_text(d, ctx)} {d['title']}{where} — {left}")
    found = ctx.store.deadlines(source="plan")
    if found:
        lines += ["", "📄 文件中的时间节点："]
        for d in found:
            past = "［已过］" if dt.datetime.fromisoformat(d["due_at"]) < now else ""
            cite = f"《{d['doc_title']}》（{d['doc_year']}）" + (f" › {d['section']}" if d["section"] else "")
            lines.append(f"  ▪ {past}{d['due_text']}：{d['title']}\n      —— {cite}")
    if admin:
        lines += ["", "管理员可用：截止 添加 <日期> <事项>｜截止 修改 <编号> …｜截止 删除 <编号>"]
    return "\n".join(lines)


def _options(text: str) -> tuple[str, dict[str, str]]:
    opts = {}
    while (m := OPTION.search(text)) is not None:
        opts["leads" if m[1] in ("提醒", "remind") else "region"] = m[2].strip()
        text = text[: m.start()] + text[m.end():]
    return text.strip(), opts


def _leads_and_time(text: str) -> tuple[str, str] | str:
    """"7,3,1,0 08:30" → ("7,3,1,0", "08:30"); an error message when it does not parse."""
    parts = text.split()
    clock = parts.pop() if parts and alerts.parse_clock(parts[-1]) else ""
    leads = alerts.parse_leads(" ".join(parts)) if parts else None
    if parts and leads is None:
        return f"提醒天数“{clip(text)}”看不懂，请写成“提醒 7,3,1,0”（提前几天，0 表示当天），可加时间如 08:30。"
    return (",".join(map(str, leads)) if leads else ""), clock


def add(ctx: Context, msg: Incoming, args: str) -> str:
    text, opts = _options(args)
    today = ctx.local_now().date()
    when = parse_when(text, today)
    if when is None:
        return f"没看懂截止日期“{clip(text)}”。{USAGE}"
    title = text[when.end:].strip(" ，,：:")
    if not title:
        return "请在日期后写上截止事项，例如：截止 添加 2026-12-31 提交年度考核材料"
    if len(title) > MAX_TITLE:
        return f"事项太长了（{len(title)} 字），请控制在 {MAX_TITLE} 字以内。"
    due_at = alerts.due_instant(when.date, when.time, ctx)
    if due_at <= ctx.now():
        return f"{when.date.isoformat()} 已经过去了，请写一个将来的日期。"
    leads = _leads_and_time(opts.get("leads", ""))
    if isinstance(leads, str):
        return leads
    region = find_region(ctx, opts["region"]) if opts.get("region") else None
    if opts.get("region") and region is None:
        return not_found(ctx, opts["region"], "（“地区 …”只提醒订阅了该地区的群；不写则提醒全部）")
    now = ctx.now()
    ctx.store.ensure_identity(msg.platform, msg.user_id, msg.user_name, now.isoformat(timespec="seconds"))
    row = dict(title=title, due_at=due_at, due_date=when.date.isoformat(),
               due_time=when.time.strftime("%H:%M") if when.time else None, due_text="",
               leads=leads[0] or alerts.default_leads(ctx), alert_time=leads[1] or alerts.default_alert_at(ctx),
               region=region.name if region else None, source="admin", created_by=f"{msg.platform}:{msg.user_id}",
               created_at=now, updated_at=now, owner_chat=owner_of(ctx, msg))
    row["next_alert_at"] = alerts.next_alert_after(dict(row, id=0), ctx, now)
    deadline_id = ctx.store.add_deadline(row)
    note = region.note(f"只提醒订阅了{region.name}和不限地区的群/会话。\n") if region else ""
    return f"已添加截止事项 [{deadline_id}]：{title}\n截止时间：{alerts.when_text(row, ctx)}\n" + note + _plan_note(
        ctx, dict(row, id=deadline_id))


def _plan_note(ctx: Context, d: dict) -> str:
    """Which alerts will still go out, and to how many chats."""
    now = ctx.now()
    fires = [o["fire_at"] for o in alerts.alert_schedule(d, ctx) if o["fire_at"] > now]
    reminders = "、".join(local_text(f, ctx) for f in fires[:-1]) or "（已来不及提前提醒）"
    if d.get("owner_chat"):
        return f"将在 {reminders} 提醒本群，逾期后再通知一次（本群的截止事项，只发到本群）。"
    chats = len(ctx.store.subscribers(d["region"]))
    note = f"将在 {reminders} 提醒，逾期后再通知一次；当前订阅的群/会话：{chats} 个。"
    if not chats:
        note += "\n在要接收提醒的群里发送“订阅”即可。"
    return note


def _target(ctx: Context, args: str) -> tuple[dict | None, str, str]:
    head, _, rest = args.partition(" ")
    if not head.isdecimal():
        return None, rest, "请写上截止事项的编号（发送“截止”可以看到），例如：截止 删除 3"
    d = ctx.store.deadline(int(head))
    return d, rest.strip(), ("" if d else f"没有编号为 {head} 的截止事项。")


def change(ctx: Context, msg: Incoming, args: str) -> str:
    d, rest, problem = _target(ctx, args)
    if d is None:
        return problem
    if not may_change(ctx, msg, d):
        return refusal(msg, f"修改截止事项 [{d['id']}]（不是本群的）")
    now, changes = ctx.now(), {}
    field, _, value = rest.partition(" ")
    if field in ("标题", "事项", "title"):
        value = value.strip()
        if not value or len(value) > MAX_TITLE:
            return f"请写上新的事项名称（{MAX_TITLE} 字以内）。"
        changes["title"] = value
    elif field in ("提醒", "remind"):
        leads = _leads_and_time(value)
        if isinstance(leads, str):
            return leads
        changes.update(leads=leads[0] or d["leads"], alert_time=leads[1] or d["alert_time"])
    else:
        when = parse_when(rest, ctx.local_now().date())
        if when is None:
            return f"没看懂“{clip(rest)}”。{USAGE}"
        due_at = alerts.due_instant(when.date, when.time, ctx)
        if due_at <= now:
            return f"{when.date.isoformat()} 已经过去了，请写一个将来的日期。"
        changes.update(due_at=due_at, due_date=when.date.isoformat(), due_text="",
                       due_time=when.time.strftime("%H:%M") if when.time else None)
    if set(changes) - {"title"}:
        ctx.store.cancel_occurrences("deadline", str(d["id"]), "截止事项已修改")
        changes["next_alert_at"] = alerts.next_alert_after(dict(d, **changes), ctx, now)
    changes["updated_at"] = now
    ctx.store.update_deadline(d["id"], changes)
    d = ctx.store.deadline(d["id"])
    return f"已修改截止事项 [{d['id']}]：{d['title']}\n截止时间：{alerts.when_text(d, ctx)}\n" + _plan_note(ctx, d)


def delete(ctx: Context, msg: Incoming, args: str) -> str:
    d, _, problem = _target(ctx, args)
    if d is None:
        return problem
    if not may_change(ctx, msg, d):
        return refusal(msg, f"删除截止事项 [{d['id']}]（不是本群的）")
    ctx.store.delete_deadline(d["id"], ctx.now())
    ctx.store.cancel_occurrences("deadline", str(d["id"]), "截止事项已删除")
    return f"已删除截止事项 [{d['id']}]：{d['title']}，不会再发送它的提醒。"
