"""Retention: the tables every message, miss and delivery adds to are pruned by the scheduler's tick.

    inbound_event  a platform retry is only ever seconds to hours late     TUANWU_KEEP_EVENTS_DAYS      7
    outbox         finished deliveries (a broadcast's counts per state     TUANWU_KEEP_DELIVERIES_DAYS  30
                   stay, as its delivery report)
    ask_log        the misses behind 未答 (their groups keep counting)       TUANWU_MISS_DAYS             180

"0" (or "off") keeps a table for ever. Work is done in batches of BATCH rows, each its own short write
transaction, at most once every INTERVAL and for at most BUDGET seconds a tick, so a backlog (a
20,000-chat broadcast a month ago) drains over a few ticks without holding the write lock.
"""
from __future__ import annotations

import datetime as dt
import logging
import time

from handlers.core.scheduler import housekeeping
from handlers.core.types import Context

log = logging.getLogger(__name__)

SETTINGS = {"EVENTS": ("TUANWU_KEEP_EVENTS_DAYS", 7), "DELIVERIES": ("TUANWU_KEEP_DELIVERIES_DAYS", 30),
            "MISSES": ("TUANWU_MISS_DAYS", 180)}  # the last one is 未答's own setting (knowledge/unanswered.py)
BATCH = 500
BUDGET = 0.25  # seconds of pruning per tick
INTERVAL = dt.timedelta(minutes=10)


def keep_days(ctx: Context, what: str) -> int | None:
    """Days to keep a table's rows; None: for ever."""
    name, default = SETTINGS[what]
    value = ctx.settings.env.get(name, "").strip().lower()
    if value in ("0", "off", "never", "forever"):
        return None
    if not value:
        return default
    if value.isdecimal() and int(value) <= 36_500:
        return int(value)
    log.warning("%s=%r is not a number of days (0-36500) or 'off'; keeping %d days", name, value, default)
    return default


@housekeeping
def prune(ctx: Context, now: dt.datetime) -> int:
    """Delete rows past their retention, oldest first, in small batches; returns how many went."""
    store = ctx.store
    last = store.outbox.mark("retention")
    if last and now - dt.datetime.fromisoformat(last) < INTERVAL:
        return 0
    verbs = []
    for what, verb, as_text in (("EVENTS", store.events.prune, True), ("DELIVERIES", store.outbox.prune_deliveries, False),
                                ("MISSES", store.misses.prune, True)):
        days = keep_days(ctx, what)
        if days is not None:
            before = now.astimezone(dt.timezone.utc) - dt.timedelta(days=days)
            verbs.append((verb, before.isoformat(timespec="seconds") if as_text else before))
    pruned, done, stop_at = 0, True, time.monotonic() + BUDGET
    for verb, before in verbs:
        while done:
            n = verb(before, BATCH)
            pruned += n
            if n < BATCH:
                break
            done = time.monotonic() < stop_at  # out of time: the rest next tick
    if done:
        store.outbox.set_mark("retention", now.isoformat())
    if pruned:
        log.info("retention: pruned %d rows%s", pruned, "" if done else " (more next tick)")
    return pruned
