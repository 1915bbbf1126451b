"""截止: upcoming deadlines and the plans' time points; admins add, change, delete and adopt.

A global admin's deadline alerts every subscribed chat (of its region); a group admin's belongs to
their group: only that group is alerted, and only its admins (or a global admin) may change it.
The time points found in the plans are read-only and numbered apart (文3): an admin adopts one to make
it a deadline of their own, with a number of its own and alerts.

    截止                                   the asker's region first (see listing.py); 截止 全部: everything
    截止 添加 2026-12-31 提交年度考核材料     also 12月31日, 下周五, 月底, 明天; options: 提醒 7,3,1,0 08:30 / 地区 枣庄
    截止 修改 3 2027-01-15 | 截止 修改 3 标题 … | 截止 修改 3 提醒 7,1,0
    截止 删除 3
    截止 采用 文3 [2026-12-31] [提醒 …] [地区 …]
"""
from __future__ import annotations

import datetime as dt
import re

from db.rows import Deadline
from handlers.core.arguments import SubCommand
from handlers.core.dates import local_text
from handlers.core.echo import clip
from handlers.core.regions import find_region, not_found
from handlers.core.router import command, refusal
from handlers.core.types import MEMBER, Choice, Context, Incoming, Reply
from handlers.reminders import alerts
from handlers.reminders.listing import listing
from knowledge.when import parse_when

ADD, CHANGE, DELETE, ADOPT = ("添加", "新增", "add"), ("修改", "更改", "change", "edit"), ("删除", "delete", "del"), \
    ("采用", "adopt")
LIST, ALL = ("列表", "list"), ("全部", "所有", "all")
# 文3 / [文3] / P3: a time point found in the plans (its own numbering, read-only)
POINT = re.compile(r"^[\[［【]?\s*(?:文|[pP])\s*(\d+)\s*[\]］】]?$")
DEADLINE_NO = re.compile(r"^[\[［【]?\s*(\d+)\s*[\]］】]?$")
OPTION = re.compile(r"\s+(提醒|地区|region|remind)[:：=\s]\s*(.+?)(?=\s+(?:提醒|地区|region|remind)[:：=\s]|$)")
MAX_TITLE = 100
USAGE = ("用法：截止 添加 <日期> <事项>，日期可写 2026-12-31、12月31日、12.31、下周五、下个月5号、月底，"
         "带时间时加引号：\"2027-01-15 17:30\"；"
         "可选“提醒 7,3,1,0 09:00”“地区 枣庄”。修改：截止 修改 <编号> <日期|标题 …|提醒 …>；删除：截止 删除 <编号>；"
         "采用文件中的时间节点：截止 采用 文<编号> [日期]。")


@command("截止", "deadlines", extra=("deadline", "截止日期", "提醒"),
         glued=SubCommand(*ADD, *CHANGE, *DELETE, *ADOPT, *LIST, *ALL))
def deadlines(ctx: Context, msg: Incoming, args: str) -> Reply | str:
    """查看本地区即将到期的截止事项和文件中的时间节点；管理员可“截止 添加 2026-12-31 提交材料”、修改、删除、采用。

    截止                                              本地区即将到期的事项和文件中的时间节点（已过的合成一行）
    截止 全部                                          所有截止事项和文件中的全部时间节点（[文3] 这样编号）
    截止 添加 2026-12-31 提交年度考核材料               管理员添加（日期也可写 12月31日、12.31、下周五、月底前、下个月5号）
    截止 添加 "2027-01-15 17:30" 报送述职报告           日期带时间时加引号
    截止 添加 月底 报送团员统计 提醒 7,1,当天 08:30 地区 枣庄   提前几天、几点提醒；只提醒该地区的群
    截止 修改 3 2027-01-15                             改日期（3 是“截止”列出的编号）
    截止 修改 3 标题 报送年度述职报告                   改事项名称；“截止 修改 3 提醒 3,0”改提醒
    截止 删除 3                                        删除，不再提醒
    截止 采用 文3 2026-12-31                           把文件中的时间节点设为自己的截止事项（只读的节点由此才提醒）
    截止添加 12月31日 提交材料                          命令词后面不加空格也行
    提醒 12月5日 交团费统计表                           忘了写“添加”：会问您是不是要添加这一条
    """
    verb, _, rest = args.strip().partition(" ")
    verb = verb.lower()
    if verb in ADD + CHANGE + DELETE + ADOPT and ctx.role(msg) == MEMBER:
        return ("只有管理员（全体的截止事项）或群管理员（本群的截止事项）可以添加、修改、删除或采用截止事项。"
                "发送“截止”查看即将到期的事项。")
    if verb in ADD:
        return add(ctx, msg, rest.strip())
    if verb in CHANGE:
        return change(ctx, msg, rest.strip())
    if verb in DELETE:
        return delete(ctx, msg, rest.strip())
    if verb in ADOPT:
        return adopt(ctx, msg, rest.strip())
    if verb and verb not in LIST + ALL:
        return _without_verb(ctx, msg, args.strip()) or f"不认识“{clip(verb, 10)}”。{USAGE}"
    return listing(ctx, msg, everything=verb in ALL)


def _without_verb(ctx: Context, msg: Incoming, args: str) -> Reply | str | None:
    """截止 12月5日 交团费统计表 (or 提醒 …): a date and a matter with no 添加 — offered as the addition it
    nearly is, or, to a member, what they may do instead; None when it does not start with a date."""
    when = parse_when(args, ctx.local_now().date())
    if when is None or not args[when.end:].strip(" ，,：:"):
        return None
    if ctx.role(msg) == MEMBER:
        return ("截止事项由管理员或群管理员添加，到时会提醒订阅的群。请把这件事告诉管理员；"
                "发送“截止”查看即将到期的事项。")
    corrected = f"截止 添加 {args}"
    return Reply(f"您是不是想添加截止事项？\n  {corrected}\n（点按钮或回复 1 照此添加）",
                 choices=(Choice(clip(corrected, 24), corrected),))


def owner_of(ctx: Context, msg: Incoming) -> str | None:
    """Whose deadline `msg` would add: everyone's (a global admin), or this group's (its group admin)."""
    return None if ctx.is_global_admin(msg) else f"{msg.platform}:{msg.chat}"


def may_change(ctx: Context, msg: Incoming, d: Deadline) -> bool:
    return ctx.is_global_admin(msg) or (ctx.manages_chat(msg) and d.get("owner_chat") == f"{msg.platform}:{msg.chat}")


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
    row = _new_row(ctx, msg, opts, title=title, due_at=due_at, due_date=when.date.isoformat(),
                   due_time=when.time.strftime("%H:%M") if when.time else None, due_text="",
                   region=None, source="admin")
    if isinstance(row, str):
        return row
    row, note = row
    deadline_id = ctx.store.reminders.add_deadline(row)
    return f"已添加截止事项 [{deadline_id}]：{title}\n截止时间：{alerts.when_text(row, ctx)}\n" + note + _plan_note(
        ctx, dict(row, id=deadline_id))


def _new_row(ctx: Context, msg: Incoming, opts: dict, **fields) -> tuple[dict, str] | str:
    """(a deadline row owned by the sender's scope, with its alert options and first alert; a note on
    its 地区), or the message saying why the 提醒 or 地区 option does not read."""
    leads = _leads_and_time(opts.get("leads", ""))
    if isinstance(leads, str):
        return leads
    region = find_region(ctx, opts["region"]) if opts.get("region") else None
    if opts.get("region") and region is None:
        return not_found(ctx, opts["region"], "（“地区 …”只提醒订阅了该地区的群；不写则提醒全部）")
    if region:
        fields["region"] = region.name
    note = region.note(f"只提醒订阅了{region.name}和不限地区的群/会话。\n") if region else ""
    now = ctx.now()
    ctx.store.profiles.ensure(msg.platform, msg.user_id, msg.user_name, now.isoformat(timespec="seconds"))
    row = dict(fields, leads=leads[0] or alerts.default_leads(ctx), alert_time=leads[1] or alerts.default_alert_at(ctx),
               created_by=f"{msg.platform}:{msg.user_id}", created_at=now, updated_at=now,
               owner_chat=owner_of(ctx, msg))
    row["next_alert_at"] = alerts.next_alert_after(dict(row, id=0), ctx, now)
    return row, note


def adopt(ctx: Context, msg: Incoming, args: str) -> str:
    """截止 采用 文3 [日期] [提醒 …] [地区 …] — a plan's time point becomes the sender's deadline."""
    text, opts = _options(args)
    head, _, rest = text.partition(" ")
    m = POINT.match(head) or DEADLINE_NO.match(head)
    if not m:
        return "请写上文件时间节点的编号，例如：截止 采用 文3（发送“截止 全部”可以看到编号）。"
    alerts.sync_plan_points(ctx, ctx.now())
    point = ctx.store.plan_points.get(int(m[1]))
    if point is None:
        return f"没有文件时间节点 文{m[1]}（发送“截止 全部”查看编号）。"
    owner = owner_of(ctx, msg)
    if (existing := ctx.store.plan_points.adoption(point["id"], owner)) is not None:
        return (f"文{point['id']} 已经采用为截止事项 [{existing['id']}]：{existing['title']}。"
                f"可用“截止 修改 {existing['id']} …”调整日期或提醒。")
    fields = dict(due_at=dt.datetime.fromisoformat(point["due_at"]), due_date=point["due_date"],
                  due_time=point["due_time"], due_text=point["due_text"])
    if rest.strip():
        when = parse_when(rest.strip(), ctx.local_now().date())
        if when is None or rest.strip()[when.end:].strip():
            return f"没看懂日期“{clip(rest)}”。例如：截止 采用 文{point['id']} 2026-12-31（不写日期则用文件中的日期）。"
        fields = dict(due_at=alerts.due_instant(when.date, when.time, ctx), due_date=when.date.isoformat(),
                      due_time=when.time.strftime("%H:%M") if when.time else None, due_text="")
    if fields["due_at"] <= ctx.now():
        return (f"文{point['id']} 的日期（{alerts.when_text(dict(point, source='plan'), ctx)}）已经过去了。"
                f"要按今年的安排提醒，请写上新的日期，例如：截止 采用 文{point['id']} 2026-12-31")
    row = _new_row(ctx, msg, opts, title=point["title"], region=point["region"], source="plan",
                   doc_key=point["doc_key"], doc_title=point["doc_title"], doc_year=point["doc_year"],
                   section=point["section"], excerpt=point["excerpt"], **fields)
    if isinstance(row, str):
        return row
    row, note = row
    deadline_id, _ = ctx.store.plan_points.adopt(point["id"], row)
    cite = f"《{point['doc_title']}》（{point['doc_year']}）" + (f" › {point['section']}" if point["section"] else "")
    return (f"已采用文件时间节点 文{point['id']} 为截止事项 [{deadline_id}]：{point['title']}\n"
            f"截止时间：{alerts.when_text(row, ctx)}\n出处：{cite}\n" + note
            + _plan_note(ctx, dict(row, id=deadline_id)))


def _plan_note(ctx: Context, d: dict) -> str:
    """Which alerts will still go out, and to how many chats."""
    now = ctx.now()
    fires = [o["fire_at"] for o in alerts.alert_schedule(d, ctx) if o["fire_at"] > now]
    reminders = "、".join(local_text(f, ctx.settings.tz) for f in fires[:-1]) or "（已来不及提前提醒）"
    if d.get("owner_chat"):
        return f"将在 {reminders} 提醒本群，逾期后再通知一次（本群的截止事项，只发到本群）。"
    chats = len(ctx.store.reminders.subscribers(d["region"]))
    note = f"将在 {reminders} 提醒，逾期后再通知一次；当前订阅的群/会话：{chats} 个。"
    if not chats:
        note += "\n在要接收提醒的群里发送“订阅”即可。"
    return note


def _target(ctx: Context, msg: Incoming, args: str, verb: str) -> tuple[dict | None, str, str]:
    """The deadline `args` numbers, the rest of `args`, and what to answer instead when there is none or
    `msg`'s sender may not change it."""
    head, _, rest = args.partition(" ")
    if m := POINT.match(head):
        return None, rest, (f"文{m[1]} 是文件中的时间节点，只读，不能{verb}。"
                            f"管理员可发送“截止 采用 文{m[1]} [新日期]”把它设为自己的截止事项，再{verb}那一条。")
    m = DEADLINE_NO.match(head)
    if not m:
        return None, rest, f"请写上截止事项的编号（发送“截止”可以看到），例如：截止 {verb} 3"
    d = ctx.store.reminders.deadline(int(m[1]))
    if d is None:
        return None, rest, f"没有编号为 {m[1]} 的截止事项（发送“截止”查看编号）。"
    if not may_change(ctx, msg, d):
        return None, rest, refusal(msg, f"{verb}截止事项 [{d['id']}]（不是本群的）")
    return d, rest.strip(), ""


def change(ctx: Context, msg: Incoming, args: str) -> str:
    d, rest, problem = _target(ctx, msg, args, "修改")
    if d is None:
        return problem
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
        ctx.store.outbox.cancel_occurrences("deadline", str(d["id"]), "截止事项已修改")
        changes["next_alert_at"] = alerts.next_alert_after(dict(d, **changes), ctx, now)
    changes["updated_at"] = now
    ctx.store.reminders.update_deadline(d["id"], changes)
    d = ctx.store.reminders.deadline(d["id"])
    return f"已修改截止事项 [{d['id']}]：{d['title']}\n截止时间：{alerts.when_text(d, ctx)}\n" + _plan_note(ctx, d)


def delete(ctx: Context, msg: Incoming, args: str) -> str:
    d, _, problem = _target(ctx, msg, args, "删除")
    if d is None:
        return problem
    ctx.store.reminders.delete_deadline(d["id"], ctx.now())
    ctx.store.outbox.cancel_occurrences("deadline", str(d["id"]), "截止事项已删除")
    return f"已删除截止事项 [{d['id']}]：{d['title']}，不会再发送它的提醒。"
