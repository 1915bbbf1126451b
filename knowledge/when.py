"""The dates admins type, resolved against today: 2026-12-31, 12月31日, 下周五, 月底, 明天, 3天后.

Shares the date grammar of knowledge/facts.py (which reads dates in plan passages).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from knowledge.facts import DATE_PATTERNS, last_day, resolve_match, time_of
from knowledge.normalize import chinese_to_int, normalize

_WEEKDAYS = "一二三四五六日天"
_RELATIVE_DAY = re.compile(r"(?P<word>今天|明天|后天|大后天)|(?P<n>\d{1,3})\s*天后")
_WEEKDAY = re.compile(rf"(?P<which>下下|下|本|这)?(?:周|星期|礼拜)(?P<wd>[{_WEEKDAYS}1-7])")
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
    norm = normalize(text)
    found = _parse(norm, today)
    if found is None:
        return None
    return When(found[0], found[1], _typed_end(text, today, found[:2], norm, found[2]))


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
