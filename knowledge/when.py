"""The dates admins type, resolved against today: 2026-12-31, 12月31日, 下周五, 月底, 明天, 3天后.

Shares the date grammar of knowledge/facts.py (which reads dates in plan passages).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from knowledge.facts import DATE_PATTERNS, last_day, resolve_match, time_of
from knowledge.normalize import normalize

_WEEKDAYS = "一二三四五六日天"
_RELATIVE_DAY = re.compile(r"(?P<word>今天|明天|后天|大后天)|(?P<n>\d{1,3})\s*天后")
_WEEKDAY = re.compile(rf"(?P<which>下下|下|本|这)?(?:周|星期|礼拜)(?P<wd>[{_WEEKDAYS}1-7])")
_MONTH_END = re.compile(r"(?P<which>本|这个|下个?)?月(?:底|末)|(?P<year>今年|本)?年(?:底|末)")
_CLOCK = re.compile(r"\s*(?P<hh>\d{1,2})[:：](?P<mm>\d{2})(?!\d)")


@dataclass(frozen=True)
class When:
    """A date an admin typed, resolved against today; `end` is where it stopped in the input."""

    date: dt.date
    time: dt.time | None
    end: int


def parse_when(text: str, today: dt.date) -> When | None:
    """The date at the start of `text`: 2026-12-31, 2026年12月31日, 12月31日, 下周五, 月底, 明天, 3天后 …

    A year-less date already past this year means next year. An optional "17:30" may follow.
    """
    norm = normalize(text)
    m, date = _relative_date(norm, today)
    if date is None:
        for precision, pattern in DATE_PATTERNS[:3]:
            m = pattern.match(norm)
            if m and (precision == "day" or m.group("mword") in ("月底", "月末")):
                fact = resolve_match(norm, m, precision, today.year, None)
                if fact is None:
                    continue
                date = fact.date
                if fact.relative and date < today:
                    date = _next_year(date)
                break
    if date is None or m is None:
        return None
    end, when = m.end(), None
    clock = _CLOCK.match(norm, end)
    if clock and int(clock["hh"]) < 24 and int(clock["mm"]) < 60:
        when, end = dt.time(int(clock["hh"]), int(clock["mm"])), clock.end()
    elif m.groupdict().get("hh") is not None:
        when = time_of(m.groupdict())
    return When(date, when, end)


def _next_year(date: dt.date) -> dt.date:
    return date.replace(year=date.year + 1, day=min(date.day, last_day(date.year + 1, date.month)))


def _relative_date(norm: str, today: dt.date) -> tuple[re.Match | None, dt.date | None]:
    if m := _RELATIVE_DAY.match(norm):
        days = {"今天": 0, "明天": 1, "后天": 2, "大后天": 3}.get(m["word"] or "", int(m["n"] or 0))
        return m, today + dt.timedelta(days=days)
    if m := _WEEKDAY.match(norm):
        wd = _WEEKDAYS.index(m["wd"]) if m["wd"] in _WEEKDAYS else int(m["wd"]) - 1
        wd = min(wd, 6)
        monday = today - dt.timedelta(days=today.weekday())
        weeks = {"下": 1, "下下": 2, "本": 0, "这": 0}.get(m["which"] or "", None)
        if weeks is None:  # "周五": the coming one (today included)
            ahead = (wd - today.weekday()) % 7
            return m, today + dt.timedelta(days=ahead)
        return m, monday + dt.timedelta(weeks=weeks, days=wd)
    if m := _MONTH_END.match(norm):
        if m.group(0).startswith(("今年", "本年", "年")):
            return m, dt.date(today.year, 12, 31)
        year, month = today.year, today.month
        if (m["which"] or "").startswith("下"):
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return m, dt.date(year, month, last_day(year, month))
    return None, None
