"""总览 and 单位: check-in rates per org, one org's day, and its export — with chat's own numbers.

Every rate is handlers/checkin/rates.py's (workdays since joining, excused days out, a day counted
once): an org's 今日 is the rate `今日` gives in its group, its 近7天 the one `周报` gives, read for
all the viewer's orgs at once (one query for members, one for their check-in days, one for leave)
instead of per org. Streaks are reports.streak, as in `进度`, over the last STREAK_DAYS days.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from handlers.checkin import rates
from handlers.checkin.common import days_between, display_name
from handlers.checkin.parse import InputError, parse_month
from handlers.checkin.reports import streak
from handlers.dashboard import audit
from handlers.dashboard.viewer import Viewer, may_see_org, org_ids
from handlers.core.types import Context

WEEK = 7
STREAK_DAYS = 60
DEFAULT_THRESHOLD = 80.0
PAGE = 100  # members per page of the 单位 page
BARS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class OrgRate:
    id: int
    name: str
    region: str
    members: int
    today: tuple[int, int, float | None]  # (done, expected, rate) as 今日
    week: tuple[int, int, float | None]  # as 周报 (the last 7 days, today included)
    daily: list[tuple[int, int, float | None]]  # each of the 7 days, oldest first
    days: list[dt.date]
    below: bool

    @property
    def spark_title(self) -> str:
        """Each day's rate in words, for the tiny chart's tooltip."""
        return " ".join(f"{d.month}/{d.day} {rates.percent_text(r)}" for d, (_, _, r) in zip(self.days, self.daily))

    @property
    def spark(self) -> str:
        """The 7 days as a tiny bar chart in text (— for a day nobody was due)."""
        return "".join("·" if r is None else BARS[min(int(r / 100 * len(BARS)), len(BARS) - 1)]
                       for _, _, r in self.daily)


def threshold(ctx: Context, asked: str | None = None) -> float:
    for value in (asked, ctx.settings.env.get("TUANWU_WEB_THRESHOLD")):
        try:
            if value and 0 <= float(value) <= 100:
                return float(value)
        except ValueError:
            continue
    return DEFAULT_THRESHOLD


def _tz(ctx: Context, org: dict) -> ZoneInfo:
    return ZoneInfo(org["timezone"]) if org.get("timezone") else ctx.settings.tz


def _joined(members: list[tuple[int, str | None]], tz: ZoneInfo, start: dt.date) -> dict[int, dt.date]:
    """As rates.member_tallies reads it: the local day each member joined their org — only for those who
    joined lately, as anyone who joined before `start` is counted from `start` either way (a UTC
    instant's date is within a day of the local one; two days leave room)."""
    lately = (start - dt.timedelta(days=2)).isoformat()
    return {ident: rates.local_day(at, tz) for ident, at in members if at and at[:10] >= lately}


def _within(marks: dict, start: dt.date, end: dt.date) -> dict:
    lo, hi = start.isoformat(), end.isoformat()
    out = {}
    for ident, (days, late, entries) in marks.items():
        kept = {d for d in days if lo <= d <= hi}
        if kept:
            out[ident] = (kept, {d for d in late if lo <= d <= hi}, entries)
    return out


def overview(ctx: Context, viewer: Viewer, limit: float) -> dict:
    """总览: every org the viewer administers, lowest 7-day rate first (those under `limit` first of all),
    with today's rate, the week's and each day's, and the 7-day trend of all of them together."""
    scope = org_ids(ctx, viewer)
    orgs = [o for o in ctx.store.orgs.all() if scope is None or o["id"] in scope]
    members: dict[int, list[tuple[int, str | None]]] = defaultdict(list)
    org_of: dict[int, int] = {}
    for org_id, ident, joined_at in ctx.store.orgs.memberships(scope):
        members[org_id].append((ident, joined_at))
        org_of[ident] = org_id
    spans = {}
    for o in orgs:
        today = ctx.now().astimezone(_tz(ctx, o)).date()
        spans[o["id"]] = (today - dt.timedelta(days=WEEK - 1), today)
    lo = min((s for s, _ in spans.values()), default=ctx.local_now().date())
    hi = max((e for _, e in spans.values()), default=lo)
    marks = ctx.store.checkins.day_marks(scope, lo, hi)
    excused: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for ident, day in ctx.store.checkins.excused_of_orgs(scope, lo, hi):
        excused[org_of.get(ident, 0)].append((ident, day))
    work: dict[tuple[dt.date, dt.date], frozenset[str]] = {}
    rows, totals = [], defaultdict(lambda: [0, 0])
    for o in orgs:
        start, end = spans[o["id"]]
        if (start, end) not in work:
            work[(start, end)] = rates.workdays(ctx, start, end)
        ms = members[o["id"]]
        ids = [ident for ident, _ in ms]
        own = marks if (start, end) == (lo, hi) else _within(marks, start, end)
        tallies = rates.tally_marks(start, end, work[(start, end)], ids, own, excused[o["id"]],
                                      _joined(ms, _tz(ctx, o), start))
        days = days_between(start, end)
        daily = rates.by_day(tallies.values(), days)
        week = rates.total(tallies.values())
        for n, (done, expected, _) in enumerate(daily):
            totals[n][0] += done
            totals[n][1] += expected
        rows.append(OrgRate(o["id"], o["name"], o["region"] or "", len(ms), daily[-1], week, daily, days,
                            week[2] is not None and week[2] < limit))
    rows.sort(key=lambda r: (r.week[2] is None, not r.below, r.week[2] if r.week[2] is not None else 0, r.name))
    end = ctx.local_now().date()
    trend = [(day, done, expected, rates.percent(done, expected)) for day, (done, expected) in
             zip(days_between(end - dt.timedelta(days=WEEK - 1), end), (totals[n] for n in range(WEEK)))]
    return {"orgs": rows, "threshold": limit, "below": sum(r.below for r in rows), "trend": trend,
            "members": sum(r.members for r in rows)}


def org_page(ctx: Context, viewer: Viewer, org_id: int, page: int = 1) -> dict | None:
    """单位: one org's members — today's state and entries, 7-day rate, streak — its rates and the plan
    items its check-ins were linked to. None when the viewer does not administer it."""
    org = ctx.store.orgs.get(org_id)
    if org is None or not may_see_org(ctx, viewer, org_id):
        return None
    tz = _tz(ctx, org)
    today = ctx.now().astimezone(tz).date()
    start = today - dt.timedelta(days=WEEK - 1)
    members = ctx.store.orgs.members(org_id)
    ids = [m["identity_id"] for m in members]
    joined = {ident: rates.local_day(at, tz) for ident, at in ctx.store.orgs.joined(ids).items()}
    long_ago = today - dt.timedelta(days=STREAK_DAYS - 1)
    marks = ctx.store.checkins.day_marks([org_id], long_ago, today)
    off = ctx.store.checkins.excused_of_orgs([org_id], long_ago, today)
    streak_work = rates.workdays(ctx, long_ago, today)  # a holiday does not break a streak
    tallies = rates.tally_marks(start, today, rates.workdays(ctx, start, today), ids, _within(marks, start, today),
                                [(i, d) for i, d in off if d >= start.isoformat()], joined)
    excused_by: dict[int, set[str]] = defaultdict(set)
    for ident, day in off:
        excused_by[ident].add(day)
    entries: dict[int, list[dict]] = defaultdict(list)
    for r in ctx.store.checkins.of_org(org_id, today, today):
        entries[r["identity_id"]].append(r)
    iso, people = today.isoformat(), []
    for m in members:
        t = tallies[m["identity_id"]]
        state = "checked" if iso in t.checked else "excused" if iso in t.excused else \
            "missing" if iso in t.expected else "off"
        people.append({"name": display_name(m), "state": state, "rate": t.rate, "done": len(t.done),
                       "expected": len(t.expected), "entries": entries.get(m["identity_id"], []),
                       "streak": streak(marks.get(m["identity_id"], (set(),))[0], excused_by[m["identity_id"]], today,
                                         streak_work, long_ago)})
    order = {"missing": 0, "excused": 1, "checked": 2, "off": 3}
    people.sort(key=lambda p: (order[p["state"]], p["rate"] if p["rate"] is not None else 101, p["name"]))
    states = defaultdict(list)
    for p in people:
        states[p["state"]].append(p["name"])
    pages = max(1, -(-len(people) // PAGE))
    page = min(max(page, 1), pages)
    daily = rates.by_day(tallies.values(), days_between(start, today))
    return {"org": org, "today": today, "members": len(members), "states": states,
            "people": people[(page - 1) * PAGE: page * PAGE], "page": page, "pages": pages,
            "rate_today": daily[-1], "rate_week": rates.total(tallies.values()),
            "items": ctx.store.checkins.linked_items(org_id, start, today)[:10], "streak_days": STREAK_DAYS,
            "months": _months(today)}


def _months(today: dt.date) -> list[tuple[str, str]]:
    """(value, label) of this month and the five before it, for the export form."""
    out, y, m = [], today.year, today.month
    for _ in range(6):
        out.append((f"{y}-{m:02d}", f"{y}年{m}月"))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out


def export(ctx: Context, viewer: Viewer, org_id: int, month: str) -> tuple[str, bytes] | str | None:
    """The org's month as chat's `导出` builds it: (file name, .xlsx bytes), a message saying why not,
    or None when the viewer does not administer the org."""
    org = ctx.store.orgs.get(org_id)
    if org is None or not may_see_org(ctx, viewer, org_id):
        return None
    tz = _tz(ctx, org)
    today = ctx.now().astimezone(tz).date()
    try:
        first, last = parse_month(month or "", today)
    except InputError as err:
        return str(err)
    if first > today:
        return f"{first.year}年{first.month}月还没到，没有可导出的打卡。"
    members = ctx.store.orgs.members(org_id)
    tallies, rows = rates.member_tallies(ctx, members, org_id, first, min(last, today), tz)
    from handlers.checkin import export as workbook  # XlsxWriter, imported when an export is asked for

    data = workbook.build(org["name"], f"{first.year}年{first.month}月", rows, members, tallies, tz)
    safe = re.sub(r"[\\/:*?\"<>|\s]+", "_", org["name"])[:30]
    audit.record(ctx, viewer, "导出", org["name"], f"{first:%Y-%m}，{len(rows)}条打卡", org_id)
    return f"打卡_{safe}_{first:%Y-%m}.xlsx", data
