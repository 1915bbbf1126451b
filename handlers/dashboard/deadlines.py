"""截止: the deadlines a viewer may see (as `截止` lists them), the plans' time points with their sources,
who is subscribed, the alerts sent; adding, changing, deleting and adopting through chat's own verbs.

A form becomes the `截止 …` command the admin would type (viewer.act), in the admin's private chat (a
global admin's deadline: everyone's) or in their group (a group admin's: that group's own), so who may
change which deadline, the date formats and the alert options are exactly chat's.
"""
from __future__ import annotations

import datetime as dt
import re

from handlers.reminders import alerts
from handlers.dashboard import audit
from handlers.dashboard.viewer import Viewer, act, chat_title, incoming
from handlers.reminders.listing import visible_deadlines
from handlers.reminders.deadlines import may_change
from handlers.core.regions import label
from handlers.core.dates import local_text
from handlers.core.types import Context

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CLOCK = re.compile(r"\d{1,2}:\d{2}")


def _one_line(text: str, limit: int = 200) -> str:
    return " ".join((text or "").split())[:limit]


def _lead(payload: dict) -> str:
    lead = payload.get("lead")
    return "逾期通知" if lead == "overdue" else "当天提醒" if lead == 0 else f"提前{lead}天提醒"


def page(ctx: Context, viewer: Viewer) -> dict:
    now = ctx.now()
    alerts.sync_plan_points(ctx, now)
    seen: dict[int, dict] = {}
    for chat in (viewer.chats if not viewer.is_global else ()) or (None,):
        for d in visible_deadlines(ctx, incoming(ctx, viewer, "", chat), now):
            seen.setdefault(d["id"], d)
    today = ctx.local_now().date()
    rows = []
    for d in sorted(seen.values(), key=lambda d: (d["due_at"], d["id"])):
        owner = d.get("owner_chat")
        chat = owner if owner in viewer.chats else None
        rows.append(dict(d, when=alerts.when_text(d, ctx), region_label=label(ctx, d["region"]) if d["region"] else "全部",
                         owner_label=chat_title(ctx, owner) if owner else "全体",
                         left=(dt.date.fromisoformat(d["due_date"]) - today).days,
                         next_alert=local_text(d["next_alert_at"], ctx.settings.tz) if d.get("next_alert_at") else "",
                         editable=may_change(ctx, incoming(ctx, viewer, "", chat), d)))
    points = []
    for p in ctx.store.plan_points.all():
        past = dt.datetime.fromisoformat(p["due_at"]) < now
        points.append(dict(p, when=alerts.when_text(dict(p, source="plan"), ctx), past=past,
                           region_label=label(ctx, p["region"]) if p["region"] else "未注明地区"))
    points.sort(key=lambda p: (p["past"], p["due_at"], p["id"]))
    subscribers = [s for s in ctx.store.reminders.subscribers()
                   if viewer.is_global or f"{s['platform']}:{s['chat_id']}" in viewer.chats]
    history = []
    for occ in ctx.store.outbox.occurrences_of("deadline", 50, [str(i) for i in seen]):
        d = seen.get(int(occ["subject"])) or {}
        history.append({"title": d.get("title", occ["subject"]), "id": occ["subject"], "what": _lead(occ["payload"]),
                        "at": local_text(occ["fire_at"], ctx.settings.tz), "state": occ["state"],
                        "counts": ctx.store.outbox.delivery_counts(occ["id"])})
    return {"deadlines": rows, "points": points, "subscribers": subscribers, "history": history,
            "regions": [(r, label(ctx, r)) for r in ctx.kb.regions],
            "chats": [(c, chat_title(ctx, c)) for c in viewer.chats], "today": today.isoformat()}


def _when(date: str, time: str) -> str:
    """The date (and time) as chat takes it: a date with a time goes in quotes."""
    date, time = _one_line(date, 40).replace('"', ""), _one_line(time, 5)
    return f'"{date} {time}"' if time and CLOCK.fullmatch(time) else date


def _options(leads: str, alert_at: str, region: str = "") -> str:
    leads, alert_at, region = _one_line(leads, 60), _one_line(alert_at, 5), _one_line(region, 20)
    text = f" 提醒 {leads} {alert_at}".rstrip() if leads or alert_at else ""
    return text + (f" 地区 {region}" if region else "")


def _chat_for_new(viewer: Viewer, chat: str) -> str | None:
    """Where a new deadline belongs: the chosen group of the viewer's, else (a global admin) everyone."""
    if chat in viewer.chats:
        return chat
    return None if viewer.is_global else (viewer.chats[0] if viewer.chats else None)


def _owner_chat(ctx: Context, viewer: Viewer, deadline_id: str) -> str | None:
    d = ctx.store.reminders.deadline(int(deadline_id)) if deadline_id.isdecimal() and len(deadline_id) < 19 else None
    owner = (d or {}).get("owner_chat")
    if owner in viewer.chats:
        return owner
    return None if viewer.is_global or not viewer.chats else viewer.chats[0]  # chat's own refusal follows


def add(ctx: Context, viewer: Viewer, form: dict) -> str:
    if not form.get("date") or not _one_line(form.get("title", "")):
        return "请填写截止日期和事项。"
    chat = _chat_for_new(viewer, form.get("chat", ""))
    command = f"截止 添加 {_when(form['date'], form.get('time', ''))} {_one_line(form['title'])}" + \
        _options(form.get("leads", ""), form.get("alert_at", ""), form.get("region", ""))
    return _done(ctx, viewer, "添加截止事项", command, chat)


def edit(ctx: Context, viewer: Viewer, form: dict) -> str:
    number = _one_line(form.get("id", ""), 20)
    chat = _owner_chat(ctx, viewer, number)
    commands = []
    if _one_line(form.get("title", "")):
        commands.append(f"截止 修改 {number} 标题 {_one_line(form['title'])}")
    if form.get("date"):
        commands.append(f"截止 修改 {number} {_when(form['date'], form.get('time', ''))}")
    if form.get("leads") or form.get("alert_at"):
        commands.append(f"截止 修改 {number}" + _options(form.get("leads", ""), form.get("alert_at", "")))
    if not commands:
        return "请填写要修改的内容（日期、事项或提醒）。"
    return "\n".join(_done(ctx, viewer, "修改截止事项", c, chat) for c in commands)


def delete(ctx: Context, viewer: Viewer, form: dict) -> str:
    number = _one_line(form.get("id", ""), 20)
    return _done(ctx, viewer, "删除截止事项", f"截止 删除 {number}", _owner_chat(ctx, viewer, number))


def adopt(ctx: Context, viewer: Viewer, form: dict) -> str:
    point = _one_line(form.get("point", ""), 20)
    when = _when(form["date"], form.get("time", "")) if form.get("date") else ""
    command = f"截止 采用 文{point} {when}".rstrip() + _options(form.get("leads", ""), form.get("alert_at", ""))
    return _done(ctx, viewer, "采用文件时间节点", command, _chat_for_new(viewer, form.get("chat", "")))


def _done(ctx: Context, viewer: Viewer, action: str, command: str, chat: str | None) -> str:
    answer = act(ctx, viewer, command, chat)
    audit.record(ctx, viewer, action, command, answer.splitlines()[0] if answer else "")
    return answer


ACTIONS = {"add": add, "edit": edit, "delete": delete, "adopt": adopt}
