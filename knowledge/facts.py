"""Facts found in plan passages: quantities with units, percentages, dates and deadlines, contacts.

Pure functions over text (no store, no clock), reused by the deadline finder and the FAQ builder.
Text is normalised first (NFKC, numerals next to units → digits), so offsets refer to `normalize(text)`.
Dates without a year ("12月底", "年内", "6月份") are resolved against the document's year (admins'
own date words, "下周五", "月底", are knowledge/when.py's).
"""
from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

from knowledge.normalize import normalize

# ---------------------------------------------------------------- quantities, percentages

UNITS = ("万人次|人次|学时|课时|小时|分钟|个月|周年|万元|亿元|元|场|次|期|批|项|届|名|人|位|家|所|支|篇|条|件|户|"
         "个|天|周|岁|倍|平方米|公里|万")
_AT_LEAST = "不少于|不低于|至少|超过|达到|多于|大于|高于"
_AT_MOST = "不超过|不多于|不高于|低于|少于|控制在"
_NUMBER = r"\d+(?:\.\d+)?"
QUANTITY = re.compile(rf"(?P<pre>{_AT_LEAST}|{_AT_MOST})?\s*(?P<num>{_NUMBER})\s*(?P<unit>{UNITS}|%)"
                      r"(?P<post>以上|以内|以下|左右|及以上)?")


@dataclass(frozen=True)
class Quantity:
    """20学时 / 不少于40场 / 30%以内: the value, its unit ("%" for percentages) and its bound."""

    text: str
    value: float
    unit: str
    bound: str  # ">=", "<=", "~" or "="
    start: int
    end: int


def _bound(pre: str | None, post: str | None) -> str:
    if pre and re.fullmatch(_AT_LEAST, pre) or post in ("以上", "及以上"):
        return ">="
    if pre and re.fullmatch(_AT_MOST, pre) or post in ("以内", "以下"):
        return "<="
    return "~" if post == "左右" else "="


def find_quantities(text: str, percent: bool | None = None) -> list[Quantity]:
    """Numbers with units in `text` (percentages only with percent=True, none with percent=False)."""
    norm, out = normalize(text), []
    for m in QUANTITY.finditer(norm):
        if _inside_date(norm, m.start("num"), m.end("unit")):
            continue  # "2017年" and "6月份" are dates, not quantities
        is_percent = m.group("unit") == "%"
        if percent is not None and is_percent != percent:
            continue
        out.append(Quantity(m.group(0).strip(), float(m.group("num")), m.group("unit"),
                            _bound(m.group("pre"), m.group("post")), m.start(), m.end()))
    return out


def find_percentages(text: str) -> list[Quantity]:
    """Percentages (30%以内, 百分之七十以上) with their bounds."""
    return find_quantities(text, percent=True)


def _inside_date(norm: str, start: int, end: int) -> bool:
    return any(d.start <= start < d.end for d in _date_spans(norm))


# ---------------------------------------------------------------- dates and deadlines

_Y = r"(?:(?P<y>(?:19|20)\d{2})\s*年|(?P<rel>今年|本年|明年|次年))"
_TIME = (r"(?P<part>上午|中午|下午|晚上)?\s*(?:(?P<hh>\d{1,2})\s*(?:[:：](?P<mm>\d{2})|[时点](?:(?P<mm2>\d{1,2})分?)?))?"
         r"\s*(?P<offwork>下班前)?")
DATE_PATTERNS = [  # (precision, regex); tried in order at each position, longest forms first
    ("day", re.compile(rf"(?:{_Y})?\s*(?P<m>\d{{1,2}})\s*月\s*(?P<d>\d{{1,2}})\s*[日号]\s*{_TIME}")),
    ("day", re.compile(r"(?P<y>(?:19|20)\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"
                       r"(?:\s+(?P<hh>\d{1,2}):(?P<mm>\d{2}))?")),
    ("month", re.compile(rf"(?:{_Y})?\s*(?P<m>\d{{1,2}})\s*(?P<mword>月底|月末|月份|月中旬|月上旬|月下旬|月中|月初|月)")),
    ("year", re.compile(rf"{_Y}\s*(?P<yword>年底|年末|底|末|上半年|下半年|年内|内)?")),
    ("year", re.compile(r"(?P<yword>年底|年末|年内|上半年|下半年)")),
]
_MONTH_DAY = {"月初": 10, "月上旬": 10, "月中": 15, "月中旬": 20}
_BEFORE = re.compile(r"^\s*(?:前|之前|以前|止|截止|内|以内)")
_LEAD_IN = re.compile(r"(?:于|在|到|至|截至|截止到?|最迟|务必在|须在|需在|确保)\s*$")
_RANGE_JOIN = re.compile(r"^\s*(?:至|到|-|—|~|－)\s*\d")
_RANGE_START = re.compile(r"\d\s*[年月日号]?\s*(?:至|到|-|—|~|－)\s*$")
_CLOCK_END = re.compile(r"^\s*(?:至|到|-|—|~|－)\s*\d{1,2}[:：]\d{2}")  # "14:30—17:30": hours of one day
OFF_WORK = dt.time(17, 30)  # "下班前": the end of the office day


@dataclass(frozen=True)
class DateFact:
    """A date found in text, resolved: `date` is the last day it allows, `time` the hour when given."""

    text: str
    date: dt.date
    time: dt.time | None
    precision: str  # "day" | "month" | "year"
    deadline: bool  # it reads as something due by then (于…前, …底, 年内, 到2022年, 6月份)
    relative: bool  # its year came from the document, not the text
    start: int
    end: int


def last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _date_spans(norm: str) -> list[DateFact]:
    return find_dates(norm, year=2000, _normalised=True)


def find_dates(text: str, year: int | None = None, issued: dt.date | None = None,
               _normalised: bool = False) -> list[DateFact]:
    """Every date in `text`, resolved against the document's `year` (or the year `issued`).

    Ranges ("2017年1月至12月", "2019-2025年") and bare years ("2019年全市…") are not deadlines; a
    year-less date more than a month before the issue date is taken to mean the next year.
    """
    norm = text if _normalised else normalize(text)
    base_year = year or (issued.year if issued else None)
    out: list[DateFact] = []
    pos = 0
    while pos < len(norm):
        fact = _date_at(norm, pos, base_year, issued)
        if fact is None:
            pos += 1
            continue
        out.append(fact)
        pos = max(fact.end, pos + 1)
    return _drop_ranges(norm, out)


def _date_at(norm: str, pos: int, base_year: int | None, issued: dt.date | None) -> DateFact | None:
    if pos and norm[pos - 1].isdigit():
        return None  # never start inside a number
    for precision, pattern in DATE_PATTERNS:
        m = pattern.match(norm, pos)
        if not m or not m.group(0).strip():
            continue
        fact = resolve_match(norm, m, precision, base_year, issued)
        if fact:
            return fact
    return None


def resolve_match(norm: str, m: re.Match, precision: str, base_year: int | None,
                  issued: dt.date | None) -> DateFact | None:
    """One matched date (of `precision`: day, month or year) as a due date, or None when it names none."""
    g = m.groupdict()
    relative = not g.get("y")
    y = int(g["y"]) if g.get("y") else base_year
    if g.get("rel") in ("明年", "次年") and y:
        y += 1
    if y is None:
        return None
    marked = bool(_BEFORE.match(norm, m.end())) or bool(_LEAD_IN.search(norm, 0, m.start()))
    resolve = {"day": _day_date, "month": _month_date}.get(precision, _year_date)
    try:
        found = resolve(g, y, marked, norm[m.end():m.end() + 1])
    except ValueError:
        return None  # 2月30日
    if found is None:
        return None
    date, when = found
    if relative and issued and date < issued - dt.timedelta(days=31) and precision != "year":
        date = date.replace(year=date.year + 1)  # a December notice asking for "1月26日前"
    return DateFact(m.group(0).strip(), date, when, precision, True, relative, m.start(), m.end())


def _day_date(g: dict, y: int, marked: bool, after: str) -> tuple[dt.date, dt.time | None]:
    """12月24日 (with its time, if one follows)."""
    return dt.date(y, int(g["m"]), int(g["d"])), time_of(g)


def _month_date(g: dict, y: int, marked: bool, after: str) -> tuple[dt.date, None] | None:
    """12月底 / 12月中旬 / 12月前: the day the word means, the month's last day by default."""
    month, word = int(g["m"]), g["mword"]
    if not 1 <= month <= 12:
        return None
    if word == "月" and not marked:
        return None  # "12月，团市委…" is when something happens, not a date that is due
    return dt.date(y, month, _MONTH_DAY.get(word, last_day(y, month))), None


def _year_date(g: dict, y: int, marked: bool, after: str) -> tuple[dt.date, None] | None:
    """年底 / 上半年 / 明年前: June 30 for the first half, else December 31."""
    word = g.get("yword")
    if g.get("y") is None and g.get("rel") is None and word is None:
        return None
    if word is None and not marked:
        return None  # "2019年全市共青团工作要点": a year named, nothing due
    if word in ("底", "末", "内") and g.get("y") is None and g.get("rel") is None:
        return None
    if after == "度":
        return None  # "2017年度" is a period
    return (dt.date(y, 6, 30) if word == "上半年" else dt.date(y, 12, 31)), None


def time_of(g: dict) -> dt.time | None:
    if g.get("hh"):
        hour = int(g["hh"])
        if g.get("part") in ("下午", "晚上") and hour < 12:
            hour += 12
        minute = int(g.get("mm") or g.get("mm2") or 0)
        if 0 <= hour < 24 and 0 <= minute < 60:
            return dt.time(hour, minute)
    if g.get("offwork"):
        return OFF_WORK
    if g.get("part") == "上午":
        return dt.time(12, 0)
    return None


def _drop_ranges(norm: str, facts: list[DateFact]) -> list[DateFact]:
    """Remove both ends of "A至B" ranges: a period is not a deadline."""
    drop: set[int] = set()
    for i, f in enumerate(facts):
        tail = norm[f.end:]
        clock = _CLOCK_END.match(tail) if f.time is not None else None
        if clock:  # "5月21日14:30—17:30报到": one day and its hours, not a period between two dates
            facts[i] = dataclasses.replace(f, text=f.text + clock.group(0).strip(), end=f.end + clock.end())
            continue
        if _RANGE_JOIN.match(tail):
            drop.add(i)
            nxt = facts[i + 1] if i + 1 < len(facts) else None
            if nxt and nxt.start - f.end <= 3:
                drop.add(i + 1)
        if _RANGE_START.search(norm, 0, f.start):
            drop.add(i)  # "(2019-2025年)", "1月至12月": the end of a period
    return [f for i, f in enumerate(facts) if i not in drop]


def find_deadlines(text: str, year: int | None = None, issued: dt.date | None = None) -> list[DateFact]:
    """The dates in `text` that read as something due (see `find_dates`)."""
    return [f for f in find_dates(text, year, issued) if f.deadline]


# ---------------------------------------------------------------- contacts

PHONE = re.compile(r"(?<!\d)(?:\(0\d{2,3}\)\s*|0\d{2,3}-)?[2-9]\d{6,7}(?!\d)|(?<!\d)1[3-9]\d{9}(?!\d)")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
POSTCODE = re.compile(r"邮编\s*[:：]?\s*(\d{6})(?!\d)")
ADDRESS = re.compile(r"地址\s*[:：]\s*([^\s，,。；;]+)")
PERSON = re.compile(r"联系人\s*[:：]\s*([\u4e00-\u9fff]{2,4})")
# A website's record numbers (京ICP证030173号, 鲁ICP备19047274号-1, 鲁公网安备 37040002003001号): not contacts.
SITE_RECORD = re.compile(r"\S{0,2}(?:ICP[备证]|公网安备)\s*[\d-]+号?", re.I)


@dataclass(frozen=True)
class Contact:
    """A way to reach someone: kind is phone, email, postcode, address or person."""

    kind: str
    value: str


def find_contacts(text: str) -> list[Contact]:
    """Phone numbers, e-mail addresses, postcodes, addresses and contact persons in `text`."""
    norm, out = normalize(text), []
    emails = [m for m in EMAIL.finditer(norm)]
    out += [Contact("email", m.group(0)) for m in emails]
    masked = EMAIL.sub(lambda m: " " * len(m.group(0)), norm)  # digits inside e-mails are not phones
    masked = POSTCODE.sub(lambda m: " " * len(m.group(0)), masked)
    masked = SITE_RECORD.sub(lambda m: " " * len(m.group(0)), masked)  # 粤ICP备2021012345号 is no phone
    out += [Contact("phone", m.group(0).strip()) for m in PHONE.finditer(masked)
            if not _inside_date(norm, m.start(), m.end())]
    out += [Contact("postcode", m.group(1)) for m in POSTCODE.finditer(norm)]
    out += [Contact("address", m.group(1)) for m in ADDRESS.finditer(norm)]
    out += [Contact("person", m.group(1)) for m in PERSON.finditer(norm)]
    return out
