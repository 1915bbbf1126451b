"""Deadline alerts: when each alert fires, planning the ones that fell due, and their text.

A deadline alerts its subscribed chats N days ahead (default 7, 3, 1 and the day itself, at 09:00
local; both configurable per deadline and by TUANWU_ALERT_LEADS / TUANWU_ALERT_AT), then once more
when it is overdue. Each reminder is worth sending only until the next one fires or the deadline
passes (its `expires_at`); after downtime the stale ones expire and the admins are told. The time
points found in the plans are synced into their own read-only table whenever the documents change;
only those an admin adopted (a deadline with a number) are alerted.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re

from db.rows import Deadline, Delivery, Occurrence, PlanPoint, ToSubscribers
from handlers.core.dates import day_label
from handlers.core.scheduler import NORMAL_PRIORITY, kind, planner
from handlers.core.types import Context
from knowledge.plan_deadlines import FINDER_VERSION, PlanDeadline, plan_deadlines

DEFAULT_LEADS = (7, 3, 1, 0)
DEFAULT_ALERT_AT = "09:00"
END_OF_DAY = dt.time(23, 59, 59)


def default_leads(ctx: Context) -> str:
    return ctx.settings.env.get("TUANWU_ALERT_LEADS") or ",".join(map(str, DEFAULT_LEADS))


def default_alert_at(ctx: Context) -> str:
    return ctx.settings.env.get("TUANWU_ALERT_AT") or DEFAULT_ALERT_AT


def parse_leads(text: str) -> tuple[int, ...] | None:
    """"7,3,1,0" / "7天、3天、当天" → (7, 3, 1, 0); None when it is not a list of day counts."""
    parts = [p for p in re.split(r"[,，、\s]+", text.strip()) if p]
    out = []
    for p in parts:
        p = "0" if p in ("当天", "当日") else p.removesuffix("天").removesuffix("d")
        if not p.isdecimal() or int(p) > 365:
            return None
        out.append(int(p))
    return tuple(sorted(set(out), reverse=True)) or None


def parse_clock(text: str) -> dt.time | None:
    m = re.fullmatch(r"(\d{1,2})[:：](\d{2})", text.strip())
    if m and int(m[1]) < 24 and int(m[2]) < 60:
        return dt.time(int(m[1]), int(m[2]))
    return None


def due_instant(due_date: dt.date, due_time: dt.time | None, ctx: Context) -> dt.datetime:
    """A date-only deadline is due at the end of that local day."""
    return dt.datetime.combine(due_date, due_time or END_OF_DAY, ctx.settings.tz)


def alert_schedule(d: dict, ctx: Context) -> list[dict]:
    """Every alert of a deadline as occurrences, in firing order (reminders, then the overdue notice)."""
    tz = ctx.settings.tz
    due_date = dt.date.fromisoformat(d["due_date"])
    due_at = _instant(d["due_at"])
    at = parse_clock(d["alert_time"] or "") or parse_clock(default_alert_at(ctx))
    leads = parse_leads(d["leads"] or "") or DEFAULT_LEADS
    fires = [(n, dt.datetime.combine(due_date - dt.timedelta(days=n), at, tz)) for n in leads]
    fires = [(n, f) for n, f in fires if f < due_at]
    out = []
    for i, (n, fire) in enumerate(fires):
        successor = fires[i + 1][1] if i + 1 < len(fires) else due_at
        out.append(dict(kind="deadline", subject=str(d["id"]), occurrence_key=f"{due_date}:{n}d", fire_at=fire,
                        expires_at=successor, payload={"lead": n}))
    overdue = dt.datetime.combine(due_at.astimezone(tz).date(), at, tz)
    if overdue <= due_at:
        overdue += dt.timedelta(days=1)
    out.append(dict(kind="deadline", subject=str(d["id"]), occurrence_key=f"{due_date}:overdue",
                    fire_at=overdue, payload={"lead": "overdue"}))
    return out


def next_alert_after(d: dict, ctx: Context, after: dt.datetime) -> dt.datetime | None:
    return next((o["fire_at"] for o in alert_schedule(d, ctx) if o["fire_at"] > after), None)


@planner
def plan_deadline_alerts(ctx: Context, now: dt.datetime) -> int:
    """Plan every alert that fell due since its deadline's mark; move the mark past now."""
    plans = []
    for d in ctx.store.reminders.due_for_alert(now):
        mark = dt.datetime.fromisoformat(d["next_alert_at"])
        schedule = alert_schedule(d, ctx)
        due = [o for o in schedule if mark <= o["fire_at"] <= now]
        following = next((o["fire_at"] for o in schedule if o["fire_at"] > now), None)
        plans.append((d["id"], d["next_alert_at"], due, following))
    return ctx.store.reminders.plan_alerts(plans, now) if plans else 0


def _describe(ctx: Context, occ: dict) -> str:
    d = ctx.store.reminders.deadline(int(occ["subject"]))
    lead = occ["payload"].get("lead")
    what = "逾期通知" if lead == "overdue" else ("当天提醒" if lead == 0 else f"提前{lead}天提醒")
    return f"截止事项「{d['title'] if d else occ['subject']}」的{what}"


@kind("deadline", describe=_describe)
def expand_alert(ctx: Context, occ: Occurrence, now: dt.datetime, late: str) -> ToSubscribers | list[Delivery]:
    """One alert of one deadline to every subscribed chat of its region (a group's own: that group)."""
    d = ctx.store.reminders.deadline(int(occ["subject"]))
    if d is None:
        return []  # deleted since it was planned
    text = alert_text(ctx, d, occ["payload"].get("lead"), now) + (f"\n{late}" if late else "")
    key = f"deadline:{d['id']}:{occ['occurrence_key']}"
    if d.get("owner_chat"):
        platform, _, chat = d["owner_chat"].partition(":")
        return [Delivery(f"{key}|{platform}:{chat}", platform, chat, text, kind="deadline", chat_type="group",
                         priority=NORMAL_PRIORITY)]
    return ToSubscribers(key, "deadline", text, d["region"], NORMAL_PRIORITY)


def when_text(d: Deadline | PlanPoint, ctx: Context) -> str:
    """The deadline as written: the plan's own words (2018年1月26日下午下班前) or the date and time."""
    due = dt.date.fromisoformat(d["due_date"])
    text = day_label(due, year=True)
    if d["due_time"]:
        text += f" {d['due_time']}"
    if d.get("due_text"):  # a plan point, or a deadline adopted from one with the document's date
        text = f"{d['due_text']}（{due.isoformat()}）"
    return text


def alert_text(ctx: Context, d: Deadline, lead: int | str, now: dt.datetime) -> str:
    due = dt.date.fromisoformat(d["due_date"])
    today = now.astimezone(ctx.settings.tz).date()
    if lead == "overdue":
        head = f"⚠️ 已逾期：{d['title']}\n截止时间 {when_text(d, ctx)} 已过，尚未完成的请尽快补交并说明情况。"
    else:
        days = (due - today).days
        left = "今天截止" if days <= 0 else ("明天截止" if days == 1 else f"还有 {days} 天")
        head = f"⏰ 截止提醒：{d['title']}\n截止时间：{when_text(d, ctx)}，{left}。"
    if d["source"] == "plan":
        head += f"\n出处：《{d['doc_title']}》{' › ' + d['section'] if d['section'] else ''}"
    return head


# ------------------------------------------------------------ time points found in the plans

def sync_plan_points(ctx: Context, now: dt.datetime) -> int:
    """Re-read the plans' time points (knowledge/plan_deadlines.py) when the documents changed since the
    last sync. They are listed, never alerted: an admin adopts one (截止 采用 文3) to be reminded."""
    store = ctx.store
    fingerprint = hashlib.sha1(f"{FINDER_VERSION}|{store.knowledge.plans_fingerprint()}".encode()).hexdigest()
    if store.outbox.mark("plan_points") == fingerprint:
        return 0
    rows = [_point_row(ctx, d) for d in plan_deadlines(store.knowledge.plan_passages())]
    added = store.plan_points.sync(rows, now)
    store.outbox.set_mark("plan_points", fingerprint)
    return added


def _point_row(ctx: Context, d: PlanDeadline) -> dict:
    return dict(title=d.title, due_at=due_instant(d.date, d.time, ctx), due_date=d.date.isoformat(),
                due_time=d.time.strftime("%H:%M") if d.time else None, due_text=d.due_text, region=d.region,
                source_key=d.key, doc_key=d.doc_key, doc_title=d.doc_title, doc_year=d.doc_year,
                section=d.section, excerpt=d.excerpt)


def _instant(value: dt.datetime | str) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)

