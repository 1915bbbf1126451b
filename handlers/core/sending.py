"""Draining the outbox for one platform: claim a delivery, respect the rate limits, send, record.

Each platform's limits are rolling windows (handlers/core/ratelimit.py) seeded from the deliveries the
database says were attempted within the last window, so a restart — or another process that sent a
moment ago — cannot burst past a limit. A send lease lets only one process drain a platform at a time;
within it each delivery is still claimed atomically (pending → sending), so no send is ever doubled.
Without the lease (`exclusive=False`: many tick workers on PostgreSQL) workers drain side by side, and
each claim checks the limits against every worker's attempts in the database (`_run_shared`) and may
reserve a slot that frees a moment later, its send waiting for that instant (`_pick`).
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from typing import Awaitable, Callable

from handlers.core.ratelimit import PLATFORM_LIMITS, Limit, RateLimiter
from handlers.core.types import Reply, Sender, SendResult

log = logging.getLogger(__name__)

CLAIM_LEASE = dt.timedelta(minutes=2)  # a claim older than this with no outcome: the sender died
SEND_LEASE = dt.timedelta(seconds=90)
SEND_TIMEOUT = 30.0  # seconds; past it the outcome is unknown: uncertain
MAX_ATTEMPTS = 5
IN_FLIGHT = 8  # concurrent sends per platform; the limiter counts each at its start
BATCH = 500
SHARED_IN_FLIGHT = 128  # side by side, each claim takes a batch (one transaction for many sends)
CANDIDATES = 256  # due deliveries a shared claim looks at: chats waiting for their limit do not hide the rest
REFETCH = dt.timedelta(seconds=2)
LOOKAHEAD = 0.2  # seconds: a shared claim may reserve a rate-limit slot that frees this soon (see _pick)
SAFETY = 0.002  # seconds added to each rate-limit wait: clocks and the platform's own counting differ a little


_ANY_TARGET = {"chat_id": "", "chat_type": "private"}


def _global(limit: Limit) -> bool:
    """A limit on the whole platform (one key for every target), not per chat."""
    a, b = limit.key({"chat_id": "a", "chat_type": "group"}), limit.key({"chat_id": "b", "chat_type": "private"})
    return a is not None and a == b



def limits_for(platform: str, sender: Sender) -> tuple[Limit, ...]:
    """A sender may declare its own `limits`; otherwise the platform's (ratelimit.py; none for the console)."""
    return tuple(getattr(sender, "limits", None) or PLATFORM_LIMITS.get(platform, ()))


def _ts(text: str) -> float:
    return dt.datetime.fromisoformat(text).timestamp()


class PlatformDrain:
    """Send what is due for one platform until the queue is empty or the time budget is spent."""

    def __init__(self, store, platform: str, sender: Sender, holder: str, now: Callable[[], dt.datetime],
                 sleep: Callable[[float], Awaitable[None]], stop_at: dt.datetime | None, exclusive: bool,
                 wanted: Callable[[dict, dt.datetime], str | None], counts: dict[str, int]):
        self.store, self.platform, self.sender, self.holder = store, platform, sender, holder
        self.now, self.sleep, self.stop_at, self.exclusive = now, sleep, stop_at, exclusive
        self.wanted, self.counts = wanted, counts
        self.limiter = RateLimiter(limits_for(platform, sender))
        self.window = max((w.limit.window for w in self.limiter.windows), default=0.0)
        self.paused_until = 0.0
        self.lease_until: dt.datetime | None = None
        self.outcomes: list | None = None  # side by side: outcomes recorded in batches, not one commit each

    async def run(self) -> None:
        if not self.exclusive:
            await self._run_shared()
            return
        if not self._lease():
            log.debug("%s: another process is sending, skipping", self.platform)
            return
        for row in self.store.outbox.recent_attempts(self.platform, self.now() - dt.timedelta(seconds=self.window)):
            self.limiter.record(row, _ts(row["attempted_at"]))
        slots = asyncio.Semaphore(IN_FLIGHT)
        tasks: set[asyncio.Task] = set()
        try:
            await self._loop(slots, tasks)
        finally:
            if tasks:
                await asyncio.gather(*tasks)
            if self.exclusive:
                self.store.outbox.release_send_lease(self.platform, self.holder)

    def _lease(self) -> bool:
        if not self.exclusive:
            return True
        now = self.now()
        if self.lease_until and now < self.lease_until - SEND_LEASE / 2:
            return True
        self.lease_until = now + SEND_LEASE
        return self.store.outbox.acquire_send_lease(self.platform, self.holder, now, self.lease_until)

    async def _loop(self, slots: asyncio.Semaphore, tasks: set) -> None:
        while rows := self.store.outbox.sendable(self.platform, self.now(), BATCH):
            fetched = self.now()
            # Work through this batch in memory (re-reading it every pass would cost a query per
            # second of rate-limit waiting); fetch again when it is done or REFETCH has passed.
            while rows and self.now() - fetched < REFETCH:
                rows, soonest = await self._pass(rows, slots, tasks)
                if rows is None:
                    return
                if soonest is not None:
                    if self.stop_at and self.now() + dt.timedelta(seconds=soonest) > self.stop_at:
                        return  # out of budget: what is left waits for the next tick
                    await self.sleep(soonest + SAFETY)

    async def _run_shared(self) -> None:
        """Side by side with other workers (no send lease): each claim takes only what the platform's
        limits allow given every worker's recorded attempts (db outbox.claim_batch), so the limits hold
        across processes and machines while the deliveries are shared out."""
        slots, tasks = asyncio.Semaphore(SHARED_IN_FLIGHT), set()
        self.outcomes = []
        limits = limits_for(self.platform, self.sender)
        overall = max((lim.window for lim in limits if _global(lim)), default=0.0)
        keyed = max((lim.window for lim in limits if not _global(lim)), default=0.0)
        try:
            while not (self.stop_at and self.now() >= self.stop_at):
                if len(tasks) >= SHARED_IN_FLIGHT:
                    await asyncio.wait(set(tasks), return_when=asyncio.FIRST_COMPLETED)
                    continue
                free = SHARED_IN_FLIGHT - len(tasks)
                self._flush()
                rows, wait = self.store.outbox.claim_batch(
                    self.platform, self.holder, self.now, CLAIM_LEASE, CANDIDATES,
                    lambda now, candidates, totals, per_chat: self._pick(limits, now, candidates, totals, per_chat,
                                                                         free),
                    dt.timedelta(seconds=overall), dt.timedelta(seconds=keyed))
                if not rows:
                    if wait is None:
                        if not tasks:
                            return  # nothing due: done until the next tick
                        await asyncio.wait(set(tasks), return_when=asyncio.FIRST_COMPLETED)
                        continue
                    if self.stop_at and self.now() + dt.timedelta(seconds=wait) > self.stop_at:
                        return
                    # A claim then can reserve it. The wake is jittered: workers told the same wait would
                    # otherwise wake together and the fastest (or the one SQLite's busy handler favours)
                    # take every slot while the others only ever wait — still within the lookahead.
                    await self.sleep(max(wait - LOOKAHEAD / 2, 0.0) + SAFETY + random.uniform(0.0, LOOKAHEAD / 4))
                    continue
                for row in rows:
                    reason = self.wanted(row, self.now())
                    if reason:
                        self.store.outbox.finish_delivery(row["id"], self.holder, "skipped", self.now(), reason)
                        self.counts["skipped"] += 1
                        continue
                    await slots.acquire()
                    task = asyncio.create_task(self._deliver(row, slots, dt.datetime.fromisoformat(row["attempted_at"])))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
        finally:
            if tasks:
                await asyncio.gather(*tasks)
            self._flush()

    def _flush(self) -> None:
        outcomes, self.outcomes = self.outcomes, []
        self.store.outbox.finish_deliveries(outcomes, self.holder, self.now())

    def _pick(self, limits, at: dt.datetime, candidates: list[dict], totals: list[tuple[str, int]],
              per_chat: list[dict], free: int) -> tuple[list[int], float | None]:
        """The candidates the limits allow (at most `free`), given the attempts recorded by every worker —
        (instant, sends) for the whole platform, the candidates' chats' own one by one: (ids, seconds
        until their sends may start), or ([], seconds until one would be allowed; None when none can)."""
        now = at.timestamp()
        if self.paused_until > now:  # the platform said "retry after": this worker waits it out
            return [], self.paused_until - now
        limiter = RateLimiter(limits)
        for window in limiter.windows:
            if _global(window.limit):
                key = window.limit.key(_ANY_TARGET)
                for stamp, sends in totals:
                    window.record(key, _ts(stamp), sends)
            else:
                for row in per_chat:
                    if (key := window.limit.key(row)) is not None:
                        window.record(key, _ts(row["attempted_at"]))
        chosen, soonest = self._allowed(limiter, candidates, now, free)
        if chosen or soonest is None or soonest > LOOKAHEAD:
            return chosen, (0.0 if chosen else soonest)
        # A slot frees within LOOKAHEAD: reserve it now, stamped with that instant (the sends wait for it
        # in _deliver). Waking, queueing for the send lock and claiming take a busy machine tens of
        # milliseconds, which — paid each time a slot comes free — would cost that share of the rate.
        later = soonest + SAFETY
        chosen, _ = self._allowed(limiter, candidates, now + later, free)
        return (chosen, later) if chosen else ([], soonest)

    @staticmethod
    def _allowed(limiter: RateLimiter, candidates: list[dict], at: float, free: int) -> tuple[list[int], float | None]:
        """The candidates (at most `free`) the limits allow at `at`, recorded in `limiter`, and if none,
        how long until one would be allowed."""
        chosen, soonest = [], None
        for row in candidates:
            if len(chosen) >= free:
                break
            wait = limiter.try_acquire(row, at)
            if wait > 0:
                soonest = wait if soonest is None else min(soonest, wait)
            else:
                chosen.append(row["id"])
        return chosen, soonest

    async def _pass(self, rows: list[dict], slots: asyncio.Semaphore, tasks: set):
        """Send every row the limits allow now; return the rows left and, if none went, how long to wait."""
        left, soonest, progressed = [], None, False
        for row in rows:
            now = self.now()
            wait = max(self.limiter.wait(row, now.timestamp()), self.paused_until - now.timestamp())
            if wait > 0:
                left.append(row)
                soonest = wait if soonest is None else min(soonest, wait)
                continue
            if not self._lease():
                return None, None  # the lease was lost (we stalled past it): another process has the queue
            progressed = True
            reason = self.wanted(row, now)
            if reason:
                self.store.outbox.skip_delivery(row["id"], now, reason)
                self.counts["skipped"] += 1
                continue
            await slots.acquire()  # before the claim: a claimed delivery is always one being sent
            now = self.now()
            if not self.store.outbox.claim_delivery(row["id"], self.holder, now, CLAIM_LEASE):
                slots.release()
                continue  # another process claimed it between our read and our claim
            self.limiter.record(row, now.timestamp())
            task = asyncio.create_task(self._deliver(row, slots))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        return left, (None if progressed else soonest)

    async def _deliver(self, row: dict, slots: asyncio.Semaphore, not_before: dt.datetime | None = None) -> None:
        reply = Reply(row["text"], platform=row["platform"], chat_id=row["chat_id"])
        if not_before is not None and (ahead := (not_before - self.now()).total_seconds()) > 0:
            await self.sleep(ahead)  # a reserved slot: never before the instant the database counts it at
        try:
            result = await asyncio.wait_for(self.sender.send(reply), SEND_TIMEOUT)
        except asyncio.TimeoutError:
            result = SendResult("uncertain", detail="发送超时")
        except Exception as err:  # noqa: BLE001 - a sender bug: the message may or may not have left
            log.exception("%s sender raised for delivery %s", self.platform, row["id"])
            result = SendResult("uncertain", detail=f"发送出错：{type(err).__name__}")
        finally:
            slots.release()
        self._record(row, result)

    def _record(self, row: dict, result: SendResult) -> None:
        now = self.now()
        status, retry_at = result.status, None
        if status == "retry":
            self.paused_until = max(self.paused_until, now.timestamp() + result.retry_after)
            if row["attempts"] + 1 >= MAX_ATTEMPTS:
                status = "dead"
            else:
                status, retry_at = "pending", now + dt.timedelta(seconds=max(result.retry_after, 1.0))
        elif status not in ("sent", "failed", "uncertain"):
            log.error("%s sender returned unknown status %r", self.platform, status)
            status = "uncertain"
        if self.outcomes is not None:
            self.outcomes.append((row["id"], status, result.detail, retry_at))
        else:
            self.store.outbox.finish_delivery(row["id"], self.holder, status, now, result.detail, retry_at)
        self.counts["retried" if status == "pending" else status] += 1
