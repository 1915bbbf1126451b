"""Rolling-window rate limits for outbound messages, and the one table of the platforms' limits, shared by
the scheduler's drain (handlers/core/sending.py) and the adapters' own senders.

A limit is "at most N sends per W seconds" for each key (the whole bot, one chat, one group robot).
Unlike a leaky bucket, a rolling window never lets a burst after a quiet spell exceed N within any
W-second span — which is what WeCom's group robot (20 per rolling minute) actually enforces. Time is
passed in, never read, so tests and the scheduler's injected clock drive it.
"""
from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass, replace
from itertools import repeat
from typing import Callable, Hashable, Iterable


@dataclass(frozen=True)
class Limit:
    """At most `count` sends per `window` seconds for each key that `key` derives from a target."""

    name: str
    count: int
    window: float
    key: Callable[[object], Hashable | None] = lambda target: "all"

    def keyed(self, key: Callable[[object], Hashable | None]) -> "Limit":
        """The same limit counted per another key (a sender counts by robot name or user id, the
        scheduler by the queued delivery's chat)."""
        return replace(self, key=key)


def _chat(target) -> str:
    return target["chat_id"]


def _group(target) -> str | None:
    return target["chat_id"] if target["chat_type"] == "group" else None


def _private(target) -> str | None:
    return target["chat_id"] if target["chat_type"] != "group" else None


# The platforms' limits (sources in issue 4), keyed by a queued delivery (its chat_id and chat_type).
TELEGRAM_OVERALL = Limit("telegram-overall", 30, 1.0)  # ~30 messages a second to all chats
TELEGRAM_CHAT = Limit("telegram-chat", 1, 1.0, key=_chat)  # ~1 a second to one chat
TELEGRAM_GROUP = Limit("telegram-group", 20, 60.0, key=_group)  # 20 a minute to one group
WECOM_ROBOT = Limit("wecom-robot", 20, 60.0, key=_group)  # a group robot: 20 per rolling minute (then 45009)
WECOM_MEMBER = Limit("wecom-member", 30, 60.0, key=_private)  # app messages: 30 a minute per member (excess dropped)
PLATFORM_LIMITS: dict[str, tuple[Limit, ...]] = {
    "telegram": (TELEGRAM_OVERALL, TELEGRAM_CHAT, TELEGRAM_GROUP),
    "wecom": (WECOM_ROBOT, WECOM_MEMBER),
}


class RollingWindow:
    """One limit's send log: timestamps of recent sends, per key."""

    def __init__(self, limit: Limit):
        self.limit = limit
        self._sent: dict[Hashable, deque[float]] = {}

    def _log(self, key: Hashable, now: float) -> deque[float]:
        log = self._sent.setdefault(key, deque())
        while log and log[0] <= now - self.limit.window:
            log.popleft()
        return log

    def wait(self, key: Hashable, now: float) -> float:
        """Seconds until one more send to `key` stays within the limit (0.0: send now)."""
        log = self._log(key, now)
        if len(log) < self.limit.count:
            return 0.0
        return log[len(log) - self.limit.count] + self.limit.window - now

    def record(self, key: Hashable, at: float, sends: int = 1) -> None:
        """`sends` sends to `key` at `at` (a batch claimed at one instant). The log stays in time order even
        when it holds sends reserved for a moment ahead (workers sharing the windows in the database), so
        `wait` — which counts every send after `now - window`, later ones included — never allows too many."""
        # Not pruned here but in `wait`, at the instant asked about: a send reserved for later must not
        # push out of the log sends that still count for an earlier instant.
        log = self._sent.setdefault(key, deque())
        if not log or log[-1] <= at:
            log.extend(repeat(at, sends))
            return
        where = bisect.bisect_right(log, at)
        for _ in range(sends):
            log.insert(where, at)


class RateLimiter:
    """Several limits at once (Telegram: 30/s overall, 1/s per chat, 20/min per group)."""

    def __init__(self, limits: Iterable[Limit]):
        self.windows = [RollingWindow(limit) for limit in limits]

    def wait(self, target: object, now: float) -> float:
        """Seconds to wait before sending to `target`; 0.0 when every limit allows it now."""
        waits = [w.wait(k, now) for w in self.windows if (k := w.limit.key(target)) is not None]
        return max(waits, default=0.0)

    def record(self, target: object, at: float) -> None:
        for w in self.windows:
            k = w.limit.key(target)
            if k is not None:
                w.record(k, at)

    def try_acquire(self, target: object, now: float) -> float:
        """Record a send and return 0.0 if allowed now; else return the wait and record nothing."""
        delay = self.wait(target, now)
        if delay <= 0:
            self.record(target, now)
        return delay
