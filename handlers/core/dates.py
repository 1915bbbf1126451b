"""One way to write a day for cadres, with its weekday: 11月23日（周一）, and its few variants.

    day_label(d)               11月23日（周一）         check-ins, nudges, digests
    day_label(d, year=True)    2026年11月23日（周一）   deadlines
    iso_label(d)               2026-11-23（周一）       工作日
    short_day(d)               11-23 周一               lists and the chart
    local_text(instant, tz)    11月23日（周一）09:00    an instant in the org's zone (alerts, reports)
    stamp(instant, tz)         2026-11-23 09:00         records: the export, the admins' audit

Reading the dates people type is knowledge/when.py's (deadlines, 工作日) and handlers/checkin/parse.py's.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

WEEKDAYS = "一二三四五六日"


def _day(day: dt.date | str) -> dt.date:
    return dt.date.fromisoformat(day) if isinstance(day, str) else day


def weekday(day: dt.date | str) -> str:
    """周一 … 周日"""
    return f"周{WEEKDAYS[_day(day).weekday()]}"


def day_label(day: dt.date | str, year: bool = False) -> str:
    """11月23日（周一）, or 2026年11月23日（周一） with the year."""
    day = _day(day)
    return f"{f'{day.year}年' if year else ''}{day.month}月{day.day}日（{weekday(day)}）"


def iso_label(day: dt.date | str) -> str:
    """2026-11-23（周一）"""
    day = _day(day)
    return f"{day.isoformat()}（{weekday(day)}）"


def short_day(day: dt.date | str) -> str:
    """11-23 周一"""
    day = _day(day)
    return f"{day:%m-%d} {weekday(day)}"


def local_text(instant: dt.datetime | str, tz: ZoneInfo, with_time: bool = True) -> str:
    """An instant as the cadres read it in `tz`: 12月24日（周四）09:00 (or without the time)."""
    if isinstance(instant, str):
        instant = dt.datetime.fromisoformat(instant)
    local = instant.astimezone(tz)
    return day_label(local.date()) + (local.strftime("%H:%M") if with_time else "")


def stamp(instant: str | None, tz: ZoneInfo) -> str:
    """An instant as a record's time in `tz`: 2026-11-23 09:00 ("" for none)."""
    return dt.datetime.fromisoformat(instant).astimezone(tz).strftime("%Y-%m-%d %H:%M") if instant else ""
