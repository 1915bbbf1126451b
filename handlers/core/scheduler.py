"""The persistent scheduler: one tick = plan occurrences → expand due ones into deliveries → send.

Features register what they schedule: a *planner* inserts occurrences that fell due (deadline
alerts, the daily nudge), a *kind* turns one occurrence into deliveries (recipients computed then)
and may veto a delivery at send time, a *follow-up* adds occurrences after sending (a broadcast's
delivery report). Everything lives in the database — nothing in memory — so a restart loses nothing,
and the unique keys make a second tick, or a second process, add nothing.

After downtime an occurrence past its `expires_at` (a reminder whose deadline or successor has come)
expires and is counted to the admins; the rest — reports, digests — still go out, marked late.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from db.rows import Delivery, Occurrence, OutboxRow, ToSubscribers
from handlers.core.dates import local_text
from handlers.core.sending import PlatformDrain
from handlers.core.types import OPERATOR, Context, Sender

log = logging.getLogger(__name__)

LATE_AFTER = dt.timedelta(minutes=10)  # a tick runs every ~30 s; later than this is worth saying so
ADMIN_PRIORITY, REPORT_PRIORITY, NORMAL_PRIORITY = 1, 3, 5


@dataclass(frozen=True)
class Kind:
    """How one kind of occurrence becomes deliveries."""

    # (ctx, occ, now, late note) → what to queue; None: not yet (it waits for something else to finish)
    expand: Callable[[Context, Occurrence, dt.datetime, str], list[Delivery] | ToSubscribers | None]
    describe: Callable[[Context, Occurrence], str] = lambda ctx, occ: occ["kind"]  # for the admins' expiry count
    wanted: Callable[[Context, OutboxRow, dt.datetime], str | None] | None = None  # reason to skip at send time


KINDS: dict[str, Kind] = {}
PLANNERS: list[Callable[[Context, dt.datetime], int]] = []  # each returns how many it planned
FOLLOWUPS: list[Callable[[Context, dt.datetime], None]] = []
HOUSEKEEPING: list[Callable[[Context, dt.datetime], int]] = []  # after sending: retention (see retention.py)


def kind(name: str, **extra) -> Callable:
    """Register the expander of an occurrence kind: `@kind("deadline", describe=…)`."""

    def register(fn):
        KINDS[name] = Kind(fn, **extra)
        return fn

    return register


def planner(fn):
    PLANNERS.append(fn)
    return fn


def followup(fn):
    FOLLOWUPS.append(fn)
    return fn


def housekeeping(fn):
    HOUSEKEEPING.append(fn)
    return fn


@dataclass
class TickReport:
    planned: int = 0
    expanded: int = 0
    expired: int = 0
    queued: int = 0
    recovered: int = 0
    pruned: int = 0
    deliveries: Counter = field(default_factory=Counter)  # sent / failed / uncertain / retried / skipped …

    def __str__(self) -> str:
        sent = ", ".join(f"{k} {v}" for k, v in sorted(self.deliveries.items())) or "nothing sent"
        return (f"planned {self.planned}, expanded {self.expanded}, expired {self.expired}, queued {self.queued}, "
                f"recovered {self.recovered}, pruned {self.pruned}; {sent}")


def admin_targets(ctx: Context) -> list[tuple[str, str]]:
    """(platform, private chat id) of every global admin: configured, granted, and the console operator.
    Members — console users chatting `--as` someone included — get none of these notices."""
    targets = [tuple(a.split(":", 1)) for a in ctx.settings.admins if ":" in a]
    known = ctx.store.profiles.admin_identities()
    if (operator := ctx.store.profiles.get(*OPERATOR)) is not None:  # once they have used the bot
        known = sorted([*known, operator], key=lambda r: r["id"])
    targets += [(r["platform"], r["platform_user_id"]) for r in known]
    return list(dict.fromkeys(targets))


def admin_deliveries(ctx: Context, key: str, text: str) -> list[Delivery]:
    return [Delivery(f"{key}|{p}:{c}", p, c, text, kind="admin", priority=ADMIN_PRIORITY) for p, c in admin_targets(ctx)]


class Scheduler:
    """Runs ticks for one process: `await Scheduler(ctx, {"telegram": sender}).tick()`."""

    def __init__(self, ctx: Context, senders: dict[str, Sender], *, exclusive: bool | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, holder: str | None = None):
        from handlers.core.router import load_features

        load_features()  # the feature modules register their planners and kinds
        if exclusive is None:  # TUANWU_SEND=shared: many workers drain together within global limits
            exclusive = ctx.settings.env.get("TUANWU_SEND", "").strip().lower() != "shared"
        self.ctx, self.senders, self.exclusive, self.sleep = ctx, senders, exclusive, sleep
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    async def tick(self, budget: float | None = None) -> TickReport:
        """One pass: recover abandoned sends, plan, expand, send (within `budget` seconds), follow up,
        then housekeeping (retention)."""
        ctx, report = self.ctx, TickReport()
        start = ctx.now()
        stop_at = start + dt.timedelta(seconds=budget) if budget is not None else None
        report.recovered = ctx.store.outbox.expire_leases(start)
        for plan in PLANNERS:
            report.planned += plan(ctx, start) or 0
        for _ in range(3):  # sending may finish a broadcast, whose report then goes out in this tick
            self._expand(report)
            await self._send(report, stop_at)
            before = report.queued
            for follow in FOLLOWUPS:
                follow(ctx, ctx.now())
            self._expand(report)
            if report.queued == before:
                break
        for keep in HOUSEKEEPING:
            report.pruned += keep(ctx, ctx.now()) or 0
        log.info("tick: %s", report)
        return report

    def _expand(self, report: TickReport) -> None:
        ctx, expired, seen = self.ctx, [], set()
        while True:
            now = ctx.now()
            due = [o for o in ctx.store.outbox.due_occurrences(now) if o["id"] not in seen]
            if not due:
                break
            for occ in due:
                seen.add(occ["id"])
                if occ["expires_at"] and dt.datetime.fromisoformat(occ["expires_at"]) <= now:
                    if ctx.store.outbox.expand_occurrence(occ["id"], [], now, state="expired", detail="过期未发") is not None:
                        expired.append(occ)
                    continue
                k = KINDS.get(occ["kind"])
                if k is None:
                    log.error("no expander for occurrence kind %r", occ["kind"])
                    ctx.store.outbox.set_occurrence_state(occ["id"], "planned", "skipped", "unknown kind")
                    continue
                late = ""
                fire_at = dt.datetime.fromisoformat(occ["fire_at"])
                if now - fire_at > LATE_AFTER:
                    late = f"（补发：原定 {local_text(fire_at, ctx.settings.tz)} 发送）"
                deliveries = k.expand(ctx, occ, now, late)
                if deliveries is None:
                    continue  # not ready: it waits for something else to finish (a digest for its nudges)
                queued = ctx.store.outbox.expand_occurrence(occ["id"], deliveries, now)
                if queued is not None:
                    report.expanded += 1
                    report.queued += queued
        if expired:
            report.expired += len(expired)
            self._report_expired(expired)
            self._expand(report)

    def _report_expired(self, expired: list[Occurrence]) -> None:
        ctx = self.ctx
        lines = [f"⚠️ 停机期间有 {len(expired)} 条提醒已过期，没有再发送："]
        for occ in expired[:20]:
            desc = KINDS[occ["kind"]].describe(ctx, occ) if occ["kind"] in KINDS else occ["kind"]
            lines.append(f"▪ {desc}（原定 {local_text(occ['fire_at'], ctx.settings.tz)}）")
        if len(expired) > 20:
            lines.append(f"……另有 {len(expired) - 20} 条")
        key = f"{expired[0]['id']}-{expired[-1]['id']}"
        ctx.store.outbox.add_occurrences([dict(kind="notice", subject="expired", occurrence_key=key, fire_at=ctx.now(),
                                        payload={"text": "\n".join(lines)})], ctx.now())

    async def _send(self, report: TickReport, stop_at: dt.datetime | None) -> None:
        drains = [PlatformDrain(self.ctx.store, platform, sender, self.holder, self.ctx.now, self.sleep, stop_at,
                                self.exclusive, self._wanted, report.deliveries)
                  for platform, sender in self.senders.items()]
        await asyncio.gather(*(d.run() for d in drains))

    def _wanted(self, delivery: OutboxRow, now: dt.datetime) -> str | None:
        k = KINDS.get(delivery["kind"] or "")
        return k.wanted(self.ctx, delivery, now) if k and k.wanted else None


@kind("notice")
def _notice(ctx: Context, occ: Occurrence, now: dt.datetime, late: str) -> list[Delivery]:
    """A message to the admins (expired reminders, calendar warnings)."""
    key = f"notice:{occ['subject']}:{occ['occurrence_key']}"
    return admin_deliveries(ctx, key, occ["payload"]["text"])


def run_tick(ctx: Context, senders: dict[str, Sender], budget: float | None = None,
             sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> TickReport:
    """A tick from synchronous code (the CLI, cron)."""
    return asyncio.run(Scheduler(ctx, senders, sleep=sleep).tick(budget))
