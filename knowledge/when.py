"""The dates cadres type, resolved against today: 2026-12-31, 12月31日, 12.31, 12/31, 下周五, 下个月5号,
月底, 明天, 3天后, and a date with its time in quotes ("2027-01-15 17:30").

Shares the date grammar of knowledge/facts.py (which reads dates in plan passages) and adds the forms
people type but documents do not use. A month and day with a dot or a slash (12.31) is a date only
when no digit, decimal point, per cent sign or unit follows it: "92.5%" and "3.5小时" are numbers.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from knowledge.facts import DATE_PATTERNS, last_day, resolve_match, time_of
from knowledge.normalize import chinese_to_int, normalize

_WEEKDAYS = "一二三四五六日天"
_RELATIVE_DAY = re.compile(r"(?P<word>大后天|今天|明天|后天|昨天|前天)|(?P<n>\d{1,3})\s*天后")
_WEEKDAY = re.compile(rf"(?P<which>下下个?|下个?|上个?|本|这个?)?(?:周|星期|礼拜)(?P<wd>[{_WEEKDAYS}1-7])")
# "下个月5号", "本月20日": a day of a month named relative to this one.
_MONTH_DAY = re.compile(r"(?P<which>下下个?|下个?|上个?|本|这个?)月(?P<d>\d{1,2})\s*[日号]")
# "12.31", "12/31", "12-31": no year, so no other reading than month and day — unless a number goes on
# (12.315, 92.5%) or a unit follows (3.5小时, 1/2个).
_NUMERIC_DAY = re.compile(r"(?P<m>\d{1,2})\s*[./／\-]\s*(?P<d>\d{1,2})(?![\d.%％‰])"
                          r"(?!\s*(?:小时|分钟|个|人|名|次|天|周|年|倍|元|万|千|百|岁|期|项|篇|条|所|家|场|学时|%))(?:\s*[日号])?")
# A date and time in quotes, as the README writes it: "2027-01-15 17:30".
_QUOTES = {'"': '"', "“": "”", "'": "'", "‘": "’", "「": "」", "『": "』"}
_MONTH_END = re.compile(r"(?P<which>本|这个|下个?)?月(?:底|末)|(?P<year>今年|本)?年(?:底|末)")
# "月底前 提交", "明天之前": the "before" belongs to the date, not to the title ("明天前往…" keeps its 前).
_BEFORE = re.compile(r"之前|以前|前(?![往进来去面后夕期景沿线台者任辈列])")
_CLOCK = re.compile(r"\s*(?P<hh>\d{1,2})[:：](?P<mm>\d{2})(?!\d)")
_CN_NUMBER = "[零〇一二两三四五六七八九十]{1,3}"
# "下午五点", "17点30分", "五点半": the hour in words, which normalize() leaves alone (点 is not a unit).
_SPOKEN_CLOCK = re.compile(rf"\s*(?P<part>上午|早上|中午|下午|晚上)?\s*(?P<hh>\d{{1,2}}|{_CN_NUMBER})\s*[点时]"
                           rf"(?:(?P<half>半)|(?P<mm>\d{{1,2}}|{_CN_NUMBER})分?)?")


@dataclass(frozen=True)
class When:
    """A date an admin typed, resolved against today; `end` is where it stopped in the text as typed
    (so `text[when.end:]` is what follows the date, however the date was written)."""

    date: dt.date
    time: dt.time | None
    end: int


def parse_when(text: str, today: dt.date) -> When | None:
    """The date at the start of `text`: 2026-12-31, 2026年12月31日, 12月31日, 下周五, 月底, 明天, 3天后 …

    A year-less date already past this year means next year. An optional "17:30" or "下午五点" may follow.
    """
    quoted = _quoted(text, today)
    if quoted is not None:
        return quoted
    norm = normalize(text)
    found = _parse(norm, today)
    if found is None:
        return None
    return When(found[0], found[1], _typed_end(text, today, found[:2], norm, found[2]))


def _quoted(text: str, today: dt.date) -> When | None:
    """A date in quotes at the start: the quotes hold the date (and time) and nothing else. A quote
    left open ("2027-01-15 17:30 述职) only opens the date."""
    lead = len(text) - len(text.lstrip())
    opener = text[lead:lead + 1]
    if opener not in _QUOTES:
        return None
    close = text.find(_QUOTES[opener], lead + 1)
    if close < 0:
        found = parse_when(text[lead + 1:], today)
        return None if found is None else When(found.date, found.time, found.end + lead + 1)
    inner = text[lead + 1:close].strip()
    norm = normalize(inner)
    found = _parse(norm, today)
    if found is None or norm[found[2]:].strip():
        return None
    return When(found[0], found[1], close + 1)


def _typed_end(text: str, today: dt.date, result: tuple, norm: str, norm_end: int) -> int:
    """Where the date ends in the text as typed. Normalising changes lengths (三十一天后 → 31天后), so
    the answer is the longest typed prefix that reads, on its own and entirely, as the same date and
    time, and leaves the same rest (a prefix alone misses context: "明天前" is not "明天前往…").
    Typed numerals are at most about twice as long as digits, which bounds the search."""
    rest = norm[norm_end:].strip()
    fits = []
    for i in range(min(len(text), 3 * norm_end + 16), 0, -1):
        if text[i - 1].isspace():
            continue
        head = normalize(text[:i])
        found = _parse(head, today)
        if found and found[:2] == result and found[2] >= len(head):
            if normalize(text[i:]) == rest:
                return i
            fits.append(i)
    return fits[0] if fits else norm_end


def _parse(norm: str, today: dt.date) -> tuple[dt.date, dt.time | None, int] | None:
    """(date, time, end in `norm`) of the date at the start of normalised text."""
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
    elif (spoken := _SPOKEN_CLOCK.match(norm, end)) and (at := _spoken_time(spoken, m.groupdict().get("part"))):
        when, end = at, spoken.end()
    elif m.groupdict().get("part") or m.groupdict().get("offwork"):
        when = time_of(m.groupdict())
    if before := _BEFORE.match(norm, end):
        end = before.end()
    return date, when, end


def _number(text: str | None) -> int | None:
    if not text:
        return None
    return int(text) if text.isdecimal() else chinese_to_int(text)


def _spoken_time(m: re.Match, part_before: str | None) -> dt.time | None:
    """下午五点 → 17:00, 五点半 → 05:30, 上午10点15分 → 10:15; None when it is no time of day."""
    hour, minute = _number(m["hh"]), 30 if m["half"] else (_number(m["mm"]) or 0)
    part = m["part"] or part_before
    if hour is None or minute is None:
        return None
    if part in ("下午", "晚上") and hour < 12:
        hour += 12
    return dt.time(hour, minute) if 0 <= hour < 24 and 0 <= minute < 60 else None


def week_day(which: str | None, day: str, today: dt.date, bare: str = "coming") -> dt.date:
    """周五 / 下周五 / 上周五 / 本周五 (`day` is 一…日/天 or 1…7). Without 下/上/本, `bare` decides:
    "coming" — the next such day, today included (a deadline is never past) — or "this" — this
    week's, Monday to Sunday (a check-in or leave day may be)."""
    wd = min(_WEEKDAYS.index(day) if day in _WEEKDAYS else int(day) - 1, 6)
    monday = today - dt.timedelta(days=today.weekday())
    weeks = _offset(which)
    if weeks is None and bare == "coming":
        return today + dt.timedelta(days=(wd - today.weekday()) % 7)
    return monday + dt.timedelta(weeks=weeks or 0, days=wd)


def month_day(which: str | None, day: int, today: dt.date) -> dt.date | None:
    """下个月5号 / 本月20日 / 上个月3号; None when that month has no such day."""
    year, month = divmod(today.year * 12 + today.month - 1 + (_offset(which) or 0), 12)
    return dt.date(year, month + 1, day) if 1 <= day <= last_day(year, month + 1) else None


def _offset(which: str | None) -> int | None:
    """下 → 1, 下下 → 2, 上 → -1, 本/这 → 0; None when the week or month is not named."""
    if not which:
        return None
    word = which.removesuffix("个")
    return {"下": 1, "下下": 2, "上": -1, "本": 0, "这": 0}[word]


def _next_leap_day(today: dt.date) -> dt.date:
    year = today.year + 1
    while not calendar.isleap(year):
        year += 1
    return dt.date(year, 2, 29)


def _next_year(date: dt.date) -> dt.date:
    return date.replace(year=date.year + 1, day=min(date.day, last_day(date.year + 1, date.month)))


def _relative_date(norm: str, today: dt.date) -> tuple[re.Match | None, dt.date | None]:
    if m := _RELATIVE_DAY.match(norm):
        days = {"今天": 0, "明天": 1, "后天": 2, "大后天": 3, "昨天": -1, "前天": -2}.get(m["word"] or "",
                                                                                  int(m["n"] or 0))
        return m, today + dt.timedelta(days=days)
    if m := _WEEKDAY.match(norm):
        return m, week_day(m["which"], m["wd"], today, bare="coming")
    if m := _MONTH_DAY.match(norm):
        date = month_day(m["which"], int(m["d"]), today)
        return (m, date) if date else (None, None)
    if m := _NUMERIC_DAY.match(norm):
        month, day = int(m["m"]), int(m["d"])
        if not (1 <= month <= 12 and 1 <= day <= last_day(today.year, month) + (month == 2)):
            return None, None
        if month == 2 and day == 29 and not calendar.isleap(today.year):
            date = _next_leap_day(today)
        else:
            date = dt.date(today.year, month, day)
        return m, date if date >= today else _next_year(date)
    if m := _MONTH_END.match(norm):
        if m.group(0).startswith(("今年", "本年", "年")):
            return m, dt.date(today.year, 12, 31)
        year, month = today.year, today.month
        if (m["which"] or "").startswith("下"):
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return m, dt.date(year, month, last_day(year, month))
    return None, None
