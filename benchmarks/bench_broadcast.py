"""Broadcast throughput under the platforms' rate limits, and the cost of one scheduler tick.

    python benchmarks/bench_broadcast.py [--targets 10000] [--deadlines 10000] [--chats 1000]

Part 1 sends 10,000 deliveries through a fake platform that records each send on a simulated clock
and checks the platform's limits itself (independently of handlers/core/ratelimit.py): it prints the
achieved rate against the ceiling the limits allow, the violations and the duplicates.
Part 2 times one tick with 10,000 deadlines and 1,000 subscribed chats: idle (nothing due), with
one alert due (expanded to every chat), and with a whole day's alerts due.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db import Store  # noqa: E402
from db.rows import Delivery  # noqa: E402
from handlers.core.scheduler import Scheduler  # noqa: E402
from handlers.core.types import Context, Reply, SendResult, Sender, Settings  # noqa: E402

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


class SimClock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        for _ in range(20):  # let the sends already started reach the platform before time moves on
            await asyncio.sleep(0)
        self.now += dt.timedelta(seconds=seconds)


class CheckingPlatform(Sender):
    """Accepts every send, timestamps it on the simulated clock, and counts limit violations:
    (name, count, window seconds, key of a (chat_id, chat_type) target or None)."""

    def __init__(self, clock: SimClock, checks):
        self.clock, self.checks = clock, checks
        self.times: list[float] = []
        self.seen: Counter = Counter()
        self.violations = 0
        self.logs: dict = {}

    async def send(self, reply: Reply) -> SendResult:
        t = self.clock().timestamp()
        for name, count, window, key in self.checks:
            k = key(reply.chat_id)
            if k is None:
                continue
            log = self.logs.setdefault((name, k), deque())
            while log and log[0] <= t - window:
                log.popleft()
            if len(log) >= count:
                self.violations += 1
            log.append(t)
        self.times.append(t)
        self.seen[(reply.chat_id, reply.text)] += 1
        return SendResult("sent")


def scenarios(n: int):
    groups, robots, members = 500, 50, 20
    return [
        ("telegram: private chats", "telegram", [(f"{i}", "private") for i in range(n)], 30.0,
         [("overall", 30, 1.0, lambda c: "all"), ("chat", 1, 1.0, lambda c: c)]),
        (f"telegram: {groups} groups", "telegram", [(f"-{i % groups}", "group") for i in range(n)], 30.0,
         [("overall", 30, 1.0, lambda c: "all"), ("chat", 1, 1.0, lambda c: c), ("group", 20, 60.0, lambda c: c)]),
        (f"wecom robot: {robots} robots", "wecom", [(f"robot{i % robots}", "group") for i in range(n)],
         robots * 20 / 60, [("robot", 20, 60.0, lambda c: c)]),
        (f"wecom app: {members} members", "wecom", [(f"user{i % members}", "private") for i in range(n)],
         members * 30 / 60, [("member", 30, 60.0, lambda c: c)]),
    ]


def lower_bound(targets, limits) -> float:
    """The shortest span any sender could achieve: for each limit and key, m sends at N per W
    need (ceil(m / N) - 1) · W seconds between the first and the last."""
    bound = 0.0
    for _name, count, window, key in limits:
        per_key = Counter(key(chat) for chat, _kind in targets)
        bound = max(bound, max((-(-m // count) - 1) * window for m in per_key.values()))
    return bound


def run_broadcast(name, platform, targets, ceiling, limits, folder: Path) -> None:
    store = Store(folder / f"{platform}-{len(targets)}-{abs(hash(name))}.db")
    clock = SimClock(START)
    ctx = Context(store=store, kb=None, settings=Settings(db_path=store.path), clock=clock)
    store.outbox.queue_deliveries(
        [Delivery(f"bench:{i}|{platform}:{chat}", platform, chat, f"通知 {i}", kind="broadcast", chat_type=kind)
         for i, (chat, kind) in enumerate(targets)], clock.now)
    fake = CheckingPlatform(clock, limits)
    wall = time.perf_counter()
    asyncio.run(Scheduler(ctx, {platform: fake}, sleep=clock.sleep).tick())
    wall = time.perf_counter() - wall
    span = fake.times[-1] - fake.times[0]
    bound = lower_bound(targets, limits)
    burst = sum(1 for t in fake.times if t == fake.times[0])
    steady = (len(fake.times) - burst) / span if span else float("inf")
    dupes = sum(v - 1 for v in fake.seen.values() if v > 1)
    print(f"{name:28s} sent {len(fake.times):6d}  simulated {span:7.1f} s (lower bound {bound:7.1f} s) "
          f"efficiency {100 * bound / span if span else 100:5.1f} %  rate after the first burst {steady:6.2f}/s "
          f"(ceiling {ceiling:6.2f}/s)  violations {fake.violations}  duplicates {dupes}  wall {wall:5.1f} s")
    store.close()


def tick_cost(n_deadlines: int, n_chats: int, folder: Path) -> None:
    from handlers.reminders import alerts

    store = Store(folder / "tick.db")
    clock = SimClock(START)
    ctx = Context(store=store, kb=None, settings=Settings(db_path=store.path), clock=clock)
    for i in range(n_chats):
        store.reminders.subscribe("telegram", f"-{i}", "group", f"群{i}", None, "bench", clock.now)
    rng = random.Random(4)
    rows = []
    for i in range(n_deadlines):
        due = START.date() + dt.timedelta(days=rng.randrange(10, 375))
        row = dict(title=f"事项{i}", due_at=alerts.due_instant(due, None, ctx), due_date=due.isoformat(), due_time=None,
                   due_text="", leads="7,3,1,0", alert_time="09:00", region=None, source="admin",
                   created_by="bench", created_at=clock.now, updated_at=clock.now, id=0)
        row["next_alert_at"] = alerts.next_alert_after(row, ctx, clock.now)
        rows.append(row)
    for r in rows:
        r.pop("id")
        store.reminders.add_deadline(r)

    cpu: list[float] = []

    def one_tick(at: dt.datetime) -> float:
        clock.now = at
        t, c = time.perf_counter(), time.process_time()
        asyncio.run(Scheduler(ctx, {}, sleep=clock.sleep).tick())  # plan + expand only: no sending here
        cpu.append((time.process_time() - c) * 1000)  # on a shared machine wall time also counts others' load
        return (time.perf_counter() - t) * 1000

    idle = [one_tick(START + dt.timedelta(minutes=m)) for m in range(1, 101)]
    print(f"tick, {n_deadlines} deadlines, {n_chats} chats, nothing due:  p50 {statistics.median(idle):6.1f} ms  "
          f"p99 {sorted(idle)[98]:6.1f} ms")
    first = min(store.db.execute("SELECT min(next_alert_at) FROM deadline"))[0]
    first_at = dt.datetime.fromisoformat(first)
    with store.transaction():  # keep one deadline due at that instant, move the others' marks a minute later
        store.db.execute("UPDATE deadline SET next_alert_at = ? WHERE next_alert_at = ? AND id != "
                         "(SELECT min(id) FROM deadline WHERE next_alert_at = ?)",
                         [first.replace(":00:00.", ":01:00."), first, first])
    ms = one_tick(first_at)
    queued = store.db["outbox"].count
    print(f"tick with one alert due → {queued} deliveries queued:          {ms:6.1f} ms (cpu {cpu[-1]:6.1f} ms)")
    day = first_at + dt.timedelta(days=1)
    ms = one_tick(day)
    queued_day = store.db["outbox"].count - queued
    print(f"tick with a day's alerts due → {queued_day} deliveries queued:   {ms:6.1f} ms (cpu {cpu[-1]:6.1f} ms)")
    store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", type=int, default=10_000)
    ap.add_argument("--deadlines", type=int, default=10_000)
    ap.add_argument("--chats", type=int, default=1_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"— broadcast of {args.targets} deliveries through rate-limited fake platforms (simulated clock)")
        for scenario in scenarios(args.targets):
            run_broadcast(*scenario, folder=folder)
        print("— scheduler tick cost (file database, WAL)")
        tick_cost(args.deadlines, args.chats, folder)


if __name__ == "__main__":
    main()
