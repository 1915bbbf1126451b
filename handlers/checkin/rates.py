"""打卡率 — the one definition 今日, 周报, 导出 and the chart all use.

A member is expected to check in on every workday (the 工作日 calendar: admins' overrides, then
chinese_calendar, then Monday–Friday) from the day they joined their org — or from their first
check-in, when that came earlier (a backfill, a check-in before joining) — to the end of the period.
A workday they are excused (请假) and did not check in is not expected. A day with one or more
check-ins counts once. 打卡率 = expected days with a check-in ÷ expected days. Check-ins on rest days
are kept and listed but do not move the rate, so it never passes 100 %.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable
from zoneinfo import ZoneInfo

from handlers.checkin.common import days_between
from handlers.core.types import Context
from handlers.reminders.workdays import workday_set


NONE: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Tally:
    """One member over one period (ISO days)."""

    expected: frozenset[str]  # the days the member was due to check in
    done: frozenset[str]  # expected days with at least one check-in
    excused: frozenset[str]  # workdays in the member's span excused without a check-in
    checked: frozenset[str]  # every day with a check-in, rest days included
    late: frozenset[str]  # days with a backfilled (补) entry
    entries: int  # check-in entries in the period
    start: dt.date | None  # the first day counted (joined, or first check-in); None: after the period

    @property
    def missing(self) -> frozenset[str]:
        return self.expected - self.done

    @property
    def rate(self) -> float | None:
        return percent(len(self.done), len(self.expected))


def percent(done: int, expected: int) -> float | None:
    """The rate in per cent, one decimal; None when nothing was expected."""
    return round(100 * done / expected, 1) if expected else None


def percent_text(value: float | None) -> str:
    """80.0 → "80%", 83.3 → "83.3%", None → "—" (the same number as the export's cell)."""
    return "—" if value is None else f"{value:g}%"


def workdays(ctx: Context, start: dt.date, end: dt.date) -> frozenset[str]:
    return workday_set(ctx, days_between(start, end))


def tally(start: dt.date, end: dt.date, work: frozenset[str], member_ids: Iterable[int], rows: Iterable[dict],
          excused: Iterable[tuple[int, str]], joined: dict[int, dt.date]) -> dict[int, Tally]:
    """Every member's Tally over [start, end] from the period's entries and excused days; `joined` maps a
    member to the local day they joined (missing: counted from the period's start)."""
    days: dict[int, set[str]] = defaultdict(set)
    late: dict[int, set[str]] = defaultdict(set)
    entries: dict[int, int] = defaultdict(int)
    for r in rows:
        days[r["identity_id"]].add(r["work_date"])
        entries[r["identity_id"]] += 1
        if r.get("late"):
            late[r["identity_id"]].add(r["work_date"])
    marks = {i: (frozenset(d), frozenset(late.get(i, ())), entries[i]) for i, d in days.items()}
    return tally_marks(start, end, work, member_ids, marks, excused, joined)


def tally_marks(start: dt.date, end: dt.date, work: frozenset[str], member_ids: Iterable[int],
                marks: dict[int, tuple[frozenset[str], frozenset[str], int]], excused: Iterable[tuple[int, str]],
                joined: dict[int, dt.date]) -> dict[int, Tally]:
    """`tally` from what it reads of the entries — member → (days with an entry, days with a backfilled
    one, number of entries) — as the store gives it for many orgs at once (the web's 总览)."""
    off: dict[int, set[str]] = defaultdict(set)
    for ident, day in excused:
        off[ident].add(day)
    nothing: tuple[frozenset[str], frozenset[str], int] = (NONE, NONE, 0)
    first_day, last_day = start.isoformat(), end.isoformat()
    whole = frozenset(d for d in work if first_day <= d <= last_day)
    out = {}
    for ident in member_ids:  # ISO days compare as text: no date objects per member (the 总览 has 10,000)
        days, late, entries = marks.get(ident, nothing)
        since = joined.get(ident)
        begin = since.isoformat() if since else first_day
        if days and (earliest := min(days)) < begin:
            begin = earliest
        begin = max(begin, first_day)
        span = whole if begin == first_day else frozenset(d for d in whole if d >= begin)
        leave = frozenset((off[ident] & span) - days) if ident in off else NONE
        expected = span - leave if leave else span
        # frozenset() of a frozenset is the same object: the store's sets are not copied
        out[ident] = Tally(expected, expected & days, leave, frozenset(days), frozenset(late), entries,
                           dt.date.fromisoformat(begin) if begin <= last_day else None)
    return out


def total(tallies: Iterable[Tally]) -> tuple[int, int, float | None]:
    """(days done, days expected, rate) summed over members: the org's 打卡率 for the period."""
    done = expected = 0
    for t in tallies:
        done += len(t.done)
        expected += len(t.expected)
    return done, expected, percent(done, expected)


def by_day(tallies: Iterable[Tally], days: list[dt.date]) -> list[tuple[int, int, float | None]]:
    """(done, expected, rate) of each day: the chart's bars."""
    done: dict[str, int] = defaultdict(int)
    expected: dict[str, int] = defaultdict(int)
    for t in tallies:
        for d in t.expected:
            expected[d] += 1
        for d in t.done:
            done[d] += 1
    return [(done[d.isoformat()], expected[d.isoformat()], percent(done[d.isoformat()], expected[d.isoformat()]))
            for d in days]


def local_day(instant: str | None, tz: ZoneInfo) -> dt.date | None:
    return dt.datetime.fromisoformat(instant).astimezone(tz).date() if instant else None


def member_tallies(ctx: Context, members: list[dict], org_id: int | None, start: dt.date, end: dt.date,
                   tz: ZoneInfo) -> tuple[dict[int, Tally], list[dict]]:
    """The Tallies of `members` (the org's, when org_id is given) over [start, end], and the period's
    entries — what every report reads, gathered one way."""
    ids = [m["identity_id"] for m in members]
    who = None if org_id is not None else ids
    rows = ctx.store.checkins.of_org(org_id, start, end, identity_ids=who)
    excused = ctx.store.checkins.excused_of_org(org_id, start, end, who)
    joined = {ident: local_day(at, tz) for ident, at in ctx.store.orgs.joined(ids).items()}
    for m in members:  # someone in no org: counted from their first contact with the bot
        if m["identity_id"] not in joined and m.get("created_at"):
            joined[m["identity_id"]] = local_day(m["created_at"], tz)
    return tally(start, end, workdays(ctx, start, end), ids, rows, excused, joined), rows
