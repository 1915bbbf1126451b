"""The daily check-in nudge: on workdays at TUANWU_NUDGE_AT (default 17:00, the org's local time), a
private reminder to each member with no check-in and no leave that day — decided again just before
each is sent — then, once those are out, one digest to the org's group.

It reads the check-in feature's repositories: `store.orgs.all()`, `store.orgs.members(org_id)` and
`store.checkins.status(org_id, day)` → {identity_id: "checked" | "excused" | "missing"}. A nudge is
worth sending only on its own day; after downtime it expires and is counted to the admins, while the
digest goes out late, marked.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from db.rows import Delivery, Occurrence, OutboxRow
from handlers.core.dates import day_label, local_text
from handlers.core.scheduler import NORMAL_PRIORITY, kind, planner
from handlers.core.types import Context
from handlers.reminders import workdays
from handlers.reminders.alerts import parse_clock

DEFAULT_AT = "17:00"
CATCH_UP_DAYS = 7  # after a long outage, look back this far for missed days (they expire or go out late)


def nudge_time(ctx: Context) -> dt.time | None:
    """When the nudge goes out; None when TUANWU_NUDGE_AT is "off"."""
    value = ctx.settings.env.get("TUANWU_NUDGE_AT", DEFAULT_AT)
    return None if value.strip().lower() in ("off", "none", "0", "") else parse_clock(value) or parse_clock(DEFAULT_AT)


def _zone(ctx: Context, org: dict) -> ZoneInfo:
    try:
        return ZoneInfo(org.get("timezone") or ctx.settings.timezone)
    except (KeyError, ValueError):
        return ctx.settings.tz


@planner
def plan_nudges(ctx: Context, now: dt.datetime) -> int:
    """For each org, every workday since it was last planned whose nudge time has come."""
    at = nudge_time(ctx)
    if at is None:
        return 0
    planned = 0
    for org in ctx.store.orgs.all():
        tz = _zone(ctx, org)
        today = now.astimezone(tz).date()
        mark = ctx.store.outbox.mark(f"nudge:{org['id']}")
        if mark is None:  # a new org: start from today, and remember that, so downtime is caught up
            mark = (today - dt.timedelta(days=1)).isoformat()
            ctx.store.outbox.set_mark(f"nudge:{org['id']}", mark)
        first = dt.date.fromisoformat(mark) + dt.timedelta(days=1)
        first = max(first, today - dt.timedelta(days=CATCH_UP_DAYS))
        rows, day, last = [], first, None
        while day <= today:
            fire = dt.datetime.combine(day, at, tz)
            if fire > now:
                break
            last = day
            work, source = workdays.is_workday(ctx, day)
            if source == "fallback":
                rows.append(dict(workdays.fallback_warning(day), fire_at=now))
            if work:
                rows += _occurrences(org, day, fire, tz)
            day += dt.timedelta(days=1)
        if last is not None:
            planned += ctx.store.outbox.add_occurrences(rows, now)
            ctx.store.outbox.set_mark(f"nudge:{org['id']}", last.isoformat())
    return planned


def _occurrences(org: dict, day: dt.date, fire: dt.datetime, tz: ZoneInfo) -> list[dict]:
    end_of_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tz)
    payload = {"date": day.isoformat(), "org": org["name"]}
    rows = [dict(kind="nudge", subject=str(org["id"]), occurrence_key=day.isoformat(), fire_at=fire,
                 expires_at=end_of_day, payload=payload)]
    if org.get("platform_chat_id"):
        rows.append(dict(kind="digest", subject=str(org["id"]), occurrence_key=day.isoformat(), fire_at=fire,
                         payload=payload))
    return rows


def _still_missing(ctx: Context, delivery: OutboxRow, now: dt.datetime) -> str | None:
    """Decided at send time: a member who checked in or took leave since the nudge was planned is skipped."""
    org_id, identity_id, day = delivery["subject"].split("|")
    state = ctx.store.checkins.status(int(org_id), dt.date.fromisoformat(day)).get(int(identity_id), "missing")
    return None if state == "missing" else {"checked": "已打卡", "excused": "已请假"}.get(state, state)


@kind("nudge", describe=lambda ctx, occ: f"{occ['payload']['org']} {occ['payload']['date']} 的打卡提醒",
      wanted=_still_missing)
def expand_nudge(ctx: Context, occ: Occurrence, now: dt.datetime, late: str) -> list[Delivery]:
    """A private reminder to each member still missing a check-in (and not on leave) for that day."""
    org_id, day = int(occ["subject"]), dt.date.fromisoformat(occ["payload"]["date"])
    status = ctx.store.checkins.status(org_id, day)
    text = f"⏰ 打卡提醒：{day_label(day)}您还没有打卡。发送“打卡 今天的工作进展”即可，请假的请发送“请假”。"
    return [Delivery(f"nudge:{org_id}:{day}|{m['platform']}:{m['platform_user_id']}", m["platform"],
                     m["platform_user_id"], text, kind="nudge", subject=f"{org_id}|{m['identity_id']}|{day}")
            for m in ctx.store.orgs.members(org_id) if status.get(m["identity_id"], "missing") == "missing"]


@kind("digest")
def expand_digest(ctx: Context, occ: Occurrence, now: dt.datetime, late: str) -> list[Delivery] | None:
    """One summary to the org's group: who has checked in, who is on leave, who was reminded."""
    org_id, day = int(occ["subject"]), dt.date.fromisoformat(occ["payload"]["date"])
    nudge = ctx.store.outbox.occurrence_by_key("nudge", occ["subject"], occ["occurrence_key"])
    if nudge and (nudge["state"] == "planned" or {"pending", "sending"} & set(ctx.store.outbox.delivery_counts(nudge["id"]))):
        return None  # the nudges first: the digest then says who is still missing
    org = ctx.store.orgs.get(org_id)
    if org is None or not org.get("platform_chat_id"):
        return []
    status = ctx.store.checkins.status(org_id, day)
    names = {m["identity_id"]: m["name"] or m["platform_user_id"] for m in ctx.store.orgs.members(org_id)}
    by = {s: [names.get(i, str(i)) for i, st in status.items() if st == s] for s in ("checked", "excused", "missing")}
    missing = [n for i, n in names.items() if status.get(i, "missing") == "missing"]
    lines = [f"📋 {day_label(day)}打卡情况（截至 {local_text(now, ctx.settings.tz)}）：已打卡 {len(by['checked'])} 人，"
             f"请假 {len(by['excused'])} 人，未打卡 {len(missing)} 人。"]
    if missing:
        lines.append("未打卡（已私信提醒）：" + "、".join(missing[:30]) + (f" 等 {len(missing)} 人" if len(missing) > 30 else ""))
    if late:
        lines.append(late)
    return [Delivery(f"digest:{org_id}:{day}|{org['platform']}:{org['platform_chat_id']}", org["platform"],
                     org["platform_chat_id"], "\n".join(lines), kind="digest", chat_type="group",
                     priority=NORMAL_PRIORITY + 1)]  # after the nudges
