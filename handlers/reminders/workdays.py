"""工作日: whether a day is a Chinese workday — make-up Saturdays (调休) in, public holidays out.

The answer comes from, in order: the admins' override table (`工作日 2026-10-10 上班`), the
`chinese_calendar` package (PyPI `chinesecalendar`), and — for a year the package has no data for —
Monday to Friday, with a warning to the admins once per year so they can add overrides or upgrade.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from handlers.core.arguments import date
from handlers.core.dates import iso_label
from handlers.core.router import command, refusal
from handlers.core.types import Context, Incoming
from knowledge.when import parse_when

WORK, REST, CLEAR = ("上班", "工作日", "补班", "work"), ("休息", "放假", "假日", "rest", "off"), ("清除", "删除", "clear")


def calendar_says(day: dt.date) -> bool | None:
    """chinese_calendar's answer, or None when it has no data for that year."""
    try:
        import chinese_calendar
    except ImportError:  # pragma: no cover - it is a dependency; keep working without it all the same
        return None
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def is_workday(ctx: Context, day: dt.date) -> tuple[bool, str]:
    """(workday?, where the answer came from: "override" | "calendar" | "fallback")."""
    return _decide(ctx.store.reminders.workday_override(day), day)


def workday_set(ctx: Context, days: Iterable[dt.date]) -> frozenset[str]:
    """The workdays among `days` (ISO dates), the admins' overrides read in one query, not one a day."""
    overrides = {r["date"]: bool(r["workday"]) for r in ctx.store.reminders.workday_overrides()}
    return frozenset(iso for day in days if _decide(overrides.get(iso := day.isoformat()), day)[0])


def _decide(override: bool | None, day: dt.date) -> tuple[bool, str]:
    if override is not None:
        return override, "override"
    said = calendar_says(day)
    if said is not None:
        return said, "calendar"
    return day.weekday() < 5, "fallback"


def fallback_warning(day: dt.date) -> dict:
    """An admin notice, once per year (its occurrence key), that weekdays stand in for the calendar."""
    text = (f"⚠️ 节假日数据缺失：chinese_calendar 没有 {day.year} 年的数据，打卡提醒暂按周一至周五计算工作日"
            f"（调休和法定假日不会自动识别）。请升级 chinesecalendar，或用“工作日 {day.year}-10-01 休息”"
            f"“工作日 {day.year}-10-10 上班”逐日设置。")
    return dict(kind="notice", subject=f"calendar-{day.year}", occurrence_key="fallback", payload={"text": text})


def _describe(ctx: Context, day: dt.date) -> str:
    work, source = is_workday(ctx, day)
    where = {"override": "管理员设置", "calendar": "法定节假日安排", "fallback": "无节假日数据，按周一至周五"}[source]
    return f"{iso_label(day)}是{'工作日' if work else '休息日'}（{where}）。"


@command("工作日", "workday", glued=date())
def workday(ctx: Context, msg: Incoming, args: str) -> str:
    """查询某天是否工作日（含调休）；管理员可设置：工作日 2026-10-10 上班 / 休息 / 清除。

    工作日                                    今天是不是工作日，和管理员设置过的日子
    工作日 2026-10-10                         那天是不是工作日
    工作日 2026-10-10 上班                     管理员设置：调休上班（休息、清除 同理）
    """
    text = args.strip()
    if not text:
        rows = ctx.store.reminders.workday_overrides()
        lines = [f"  {r['date']} {'上班' if r['workday'] else '休息'} {r['note'] or ''}".rstrip() for r in rows]
        head = _describe(ctx, ctx.local_now().date())
        return head + ("\n管理员设置的日子：\n" + "\n".join(lines) if lines else "\n（没有管理员设置的调休或假日）")
    when = parse_when(text, ctx.local_now().date())
    if when is None:
        return "请写日期，例如：工作日 2026-10-10，或管理员设置：工作日 2026-10-10 上班"
    rest = text[when.end:].strip()
    verb, _, note = rest.partition(" ")
    if not verb:
        return _describe(ctx, when.date)
    if not ctx.is_global_admin(msg):
        return refusal(msg, "设置调休和假日")
    if verb in WORK + REST:
        ctx.store.reminders.set_workday(when.date, verb in WORK, note.strip()[:50], f"{msg.platform}:{msg.user_id}")
    elif verb in CLEAR:
        ctx.store.reminders.set_workday(when.date, None)
    else:
        return f"“{verb[:10]}”看不懂，请写“上班”“休息”或“清除”。"
    return "已设置：" + _describe(ctx, when.date)
