"""Who is checking in, in which org and on which local day — shared by the check-in commands and reports.

The work day is the org's local date (its time zone, default Settings.timezone = Asia/Shanghai), so a
check-in at 00:30 local time belongs to the new day even though it is still the previous UTC day.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from handlers.core.types import Context, Incoming

DEFAULT_BACKFILL_DAYS = 3  # how many days back a missed check-in may be recorded, unless the org says
MAX_BACKFILL_DAYS = 31


@dataclass(frozen=True)
class Member:
    identity: dict
    org: dict | None
    tz: ZoneInfo
    today: dt.date

    @property
    def id(self) -> int:
        return self.identity["id"]

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions whose plan items a check-in links to: the member's, else the org's, else all."""
        region = self.identity.get("region") or (self.org or {}).get("region")
        return (region,) if region else ()


def backfill_days(member: Member) -> int:
    """The member's org's backfill window in days (单位 补卡), else the default."""
    days = (member.org or {}).get("backfill_days")
    return DEFAULT_BACKFILL_DAYS if days is None else int(days)


def utc_now(ctx: Context) -> str:
    return ctx.now().astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def current_member(ctx: Context, msg: Incoming, join_group: bool = False) -> Member:
    """The member behind a message; in a group the group is their org (joined when join_group)."""
    now = utc_now(ctx)
    store = ctx.store
    identity = store.profiles.ensure(msg.platform, msg.user_id, msg.user_name, now)
    if msg.in_group:
        org = store.orgs.ensure_group(msg.platform, msg.chat, msg.chat_title, ctx.settings.timezone,
                                     identity.get("region"), now)
        if join_group:
            store.orgs.join(identity["id"], org["id"], now)
    else:
        org = store.orgs.of_member(msg.platform, msg.user_id)
    tz = ZoneInfo(org["timezone"]) if org and org.get("timezone") else ctx.settings.tz
    return Member(identity, org, tz, ctx.now().astimezone(tz).date())


def split_sub(args: str, words: tuple[str, ...]) -> str | None:
    """The rest of `args` when it starts with one of the sub-command words (then a space, a colon or a
    comma, or the end), else None: "修改 …" is the sub-command, "修改了…" is text."""
    m = re.match(r"\s*(\S+?)(?:[\s:：，,]+|$)(.*)", args, re.S)
    if m and m.group(1).lower() in words:
        return m.group(2).strip()
    return None


def display_name(row: dict) -> str:
    return row.get("name") or row.get("member_name") or row.get("platform_user_id") or row.get("member_user_id") or "?"


def days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def mentions(names: list[str], limit: int = 60) -> str:
    """A name list that stays readable for a 1,000-member org."""
    if not names:
        return "无"
    shown = "、".join(names[:limit])
    return shown + (f" 等{len(names)}人" if len(names) > limit else "")
