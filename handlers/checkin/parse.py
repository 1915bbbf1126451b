"""Reading what members type: check-in text (#条目, N%, N人), days, day ranges and months.

Every function returns a value or raises `InputError` carrying the specific Chinese message the
member sees — so a handler can validate everything before it stores anything.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from handlers.core.echo import clip
from knowledge.normalize import chinese_to_int, normalize
from knowledge.when import month_day, week_day

MAX_TEXT = 2000
MAX_LEAVE_DAYS = 92
MAX_COUNT = 100_000_000  # people reached by one activity; more is a typo (and past what the store holds)
NO_LINK = {"无", "不关联", "none", "no"}


class InputError(ValueError):
    """Bad input; str(err) is the message for the member."""


@dataclass(frozen=True)
class CheckinText:
    text: str  # what the member wrote, without the #tag
    tag: str | None  # "#青年大学习" → "青年大学习"; "" for #无 (no link wanted)
    percent: float | None
    count: int | None


_TAG = re.compile(r"[#＃]\s*([^\s#＃，,。；;]+)")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_COUNT = re.compile(r"(\d+)\s*(?:名|位)?人")


def parse_checkin(args: str, *, required: bool = True) -> CheckinText:
    """Split a check-in into text, optional #tag, percent and head count (validated)."""
    raw = args.strip()
    if len(raw) > MAX_TEXT:
        raise InputError(f"打卡内容太长了（{len(raw)}字），请控制在{MAX_TEXT}字以内，写主要做了什么即可。")
    tag = None
    m = _TAG.search(raw)
    if m:
        tag = "" if m.group(1).lower() in NO_LINK else m.group(1)
        raw = (raw[: m.start()] + " " + raw[m.end():]).strip()
    text = re.sub(r"\s+", " ", raw)
    if required and not text:
        raise InputError("请写上今天做了什么，例如：打卡 组织青年大学习第12期学习，参与率92%"
                         "（可加 #条目 指定关联的工作要点）")
    plain = normalize(text)  # full-width digits, 百分之九十 → 90%
    percent = count = None
    pm = _PERCENT.search(plain)
    if pm:
        percent = float(pm.group(1))
        if percent > 100:
            raise InputError(f"百分比不能超过100%（您写的是{pm.group(1)}%），请改正后再打卡。")
    cm = _COUNT.search(plain)
    if cm:
        count = int(cm.group(1))
        if count > MAX_COUNT:
            raise InputError(f"人数{cm.group(1)[:20]}{'…' if len(cm.group(1)) > 20 else ''}太大了，"
                             f"请核对后再打卡（不超过{MAX_COUNT:,}人）。")
    return CheckinText(text, tag, percent, count)


_REL = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "昨天": -1, "昨日": -1, "前天": -2}
_CN = "[一二三四五六七八九十]{1,3}"
_WHICH = "(?:下下个?|下个?|上个?|本|这个?)"
# 12.31 and 12/31 are dates only with a month of 1–12 and nothing numeric after them (92.5% is a number).
DATE = (r"(?:\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*[日号]?|\d{1,2}\s*[-月]\s*\d{1,2}\s*[日号]?"
        r"|(?:1[0-2]|0?[1-9])\s*[/.]\s*\d{1,2}(?![\d.%])\s*[日号]?"
        rf"|{_CN}月{_CN}[日号]|{_WHICH}月\d{{1,2}}\s*[日号]|{_WHICH}?(?:周|星期|礼拜)[一二三四五六日天1-7]"
        rf"|今天|今日|明天|明日|后天|昨天|昨日|前天|\d{{1,2}}\s*[日号]|{_CN}[日号])")
# A date ends at white space or punctuation; a date that ends in a word (明天, 25日, 周三) may also run
# straight into the reason ("请假明天参加培训"), but not into 的 ("今天的内容") or a digit.
_END = r"(?:(?=\s|$|[，,：:。；;、])|(?<=[日号天一二三四五六七])(?![的\d]))"
_RANGE = re.compile(rf"^({DATE})(?:\s*(?:至|到|~|～|—|-|－)\s*({DATE}))?{_END}")
_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_MONTH_DAY = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_DAY = re.compile(r"(\d{1,2})\s*[日号]")
_CN_MONTH_DAY = re.compile(rf"({_CN})月({_CN})[日号]")
_CN_DAY = re.compile(rf"({_CN})[日号]")
_WEEK = re.compile(rf"({_WHICH})?(?:周|星期|礼拜)([一二三四五六日天1-7])")
_OF_MONTH = re.compile(rf"({_WHICH})月(\d{{1,2}})\s*[日号]")


def _make(y: int, m: int, d: int, shown: str) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError:
        raise InputError(f"日期不存在：{shown}。请检查月份和日子，例如 11月25日 或 2026-11-25。") from None


def _guess_year(m: int, d: int, today: dt.date, shown: str) -> dt.date:
    """A month and day without a year: the nearest such date to today (Dec → Jan wraps)."""
    if m == 2 and d == 29:
        for year in (today.year, today.year + 1, today.year - 1):
            if calendar.isleap(year):
                return dt.date(year, 2, 29)
    day = _make(today.year, m, d, shown)
    if (day - today).days > 183:
        return _make(today.year - 1, m, d, shown)
    if (today - day).days > 183:
        return _make(today.year + 1, m, d, shown)
    return day


def parse_day(token: str, today: dt.date, month_of: dt.date | None = None) -> dt.date:
    """One day: 今天/明天/昨天…, 2026-11-25, 2026年11月25日, 11月25日, 十一月二十五日, 11-25, 11.25,
    周三 (this week's) / 下周一 / 上周五, 下个月5号, or 27日 (in month_of)."""
    token = unicodedata.normalize("NFKC", token).strip()
    if token in _REL:
        return today + dt.timedelta(days=_REL[token])
    if m := _WEEK.fullmatch(token):
        return week_day(m[1], m[2], today, bare="this")
    if m := _OF_MONTH.fullmatch(token):
        day = month_day(m[1], int(m[2]), today)
        if day is None:
            raise InputError(f"日期不存在：{token}。请检查月份和日子，例如 下个月5号 或 2026-12-05。")
        return day
    if m := _CN_MONTH_DAY.fullmatch(token):
        token = f"{chinese_to_int(m[1])}月{chinese_to_int(m[2])}日"
    elif m := _CN_DAY.fullmatch(token):
        token = f"{chinese_to_int(m[1])}日"
    if m := _FULL.fullmatch(token.rstrip("日号")):
        return _make(int(m[1]), int(m[2]), int(m[3]), token)
    if m := _MONTH_DAY.fullmatch(token.rstrip("日号")):
        return _guess_year(int(m[1]), int(m[2]), today, token)
    if m := _DAY.fullmatch(token):
        base = month_of or today
        return _make(base.year, base.month, int(m[1]), token)
    raise InputError(f"看不懂日期“{clip(token)}”。请写成 11月25日、2026-11-25、明天、下周一 这样的形式。")


def leading_range(text: str, today: dt.date) -> tuple[dt.date, dt.date, str] | None:
    """A day or day range at the start of the text: (start, end, the rest); None when there is none."""
    text = unicodedata.normalize("NFKC", text).strip()
    m = _RANGE.match(text)
    if not m:
        return None
    start = parse_day(m.group(1), today)
    end = parse_day(m.group(2), today, month_of=start) if m.group(2) else start
    if m.group(2) and end < start and end.month < start.month and not _FULL.match(m.group(2)):
        later = _make(end.year + 1, end.month, end.day, m.group(2))  # 12月30日-1月2日 crosses the year
        end = later if (later - start).days < 62 else end
    return start, end, text[m.end():].lstrip(" ，,：:")


def parse_leave(args: str, today: dt.date) -> tuple[dt.date, dt.date, str]:
    """请假 arguments: a day or range, then an optional reason."""
    if not args.strip():
        raise InputError("请写上请假的日期，例如：请假 明天 参加培训；请假 11月25日-11月27日 外出学习")
    found = leading_range(args, today)
    if found is None:
        head = args.strip().split()[0]
        parse_day(head, today)  # raises the specific message for a malformed date
        raise InputError("请先写日期再写原因，例如：请假 11月25日 参加培训")
    start, end, reason = found
    if end < start:
        raise InputError(f"请假的结束日期（{end:%Y-%m-%d}）早于开始日期（{start:%Y-%m-%d}），请检查。")
    if (end - start).days + 1 > MAX_LEAVE_DAYS:
        raise InputError(f"一次最多请假{MAX_LEAVE_DAYS}天（您写的是{(end - start).days + 1}天），请分段登记。")
    if len(reason) > 200:
        raise InputError("请假原因请控制在200字以内。")
    return start, end, reason


MIN_YEAR, MAX_YEAR = 2000, 2100  # the assistant's check-ins; also keeps date arithmetic in range
_MONTH_FULL = re.compile(rf"(\d{{4}})\s*[-/.年]\s*(\d{{1,2}}|{_CN})\s*月?份?")
_MONTH_ONLY = re.compile(rf"(\d{{1,2}}|{_CN}(?=月))\s*月?份?")


def parse_month(args: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """导出 [月份]: 本月 (default), 上月, 2026-11, 2026年11月, 11月 → (first day, last day)."""
    text = unicodedata.normalize("NFKC", args).strip()
    if text in ("", "本月", "这个月", "当月"):
        y, mo = today.year, today.month
    elif text in ("上月", "上个月"):
        y, mo = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    elif m := _MONTH_FULL.fullmatch(text):
        y, mo = int(m[1]), _int(m[2])
    elif m := _MONTH_ONLY.fullmatch(text):
        y, mo = today.year, _int(m[1])
        if mo > today.month and 1 <= mo <= 12:
            y -= 1  # "12月" asked in January means last December
    else:
        raise InputError(f"看不懂月份“{clip(text)}”。请写成 11月、十一月、2026-11 或 上月。")
    if not 1 <= mo <= 12:
        raise InputError(f"月份不存在：{text}。月份应在1到12之间。")
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise InputError(f"年份{y}不在可导出的范围（{MIN_YEAR}–{MAX_YEAR}年），请写成 2026-11、11月 或 上月。")
    return dt.date(y, mo, 1), dt.date(y, mo, calendar.monthrange(y, mo)[1])


def _int(number: str) -> int:
    return int(number) if number.isdecimal() else chinese_to_int(number) or 0


def looks_like_day(text: str) -> bool:
    """Whether `text` starts with a day or day range (right or wrong: 2月30日 is still meant as a date)."""
    return _RANGE.match(unicodedata.normalize("NFKC", text).strip()) is not None


def looks_like_month(text: str) -> bool:
    """Whether `text` is a month as 导出 takes it (本月, 上月, 11月, 十一月, 2026-11 …), right or wrong."""
    text = unicodedata.normalize("NFKC", text).strip()
    return (text in ("本月", "这个月", "当月", "上月", "上个月") or bool(_MONTH_FULL.fullmatch(text))
            or bool(re.fullmatch(rf"(?:\d{{1,2}}|{_CN})\s*月份?", text)))
