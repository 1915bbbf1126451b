#!/usr/bin/env python3
"""The bot at scale on PostgreSQL (issue 14's table): many processes over one server.

    python benchmarks/bench_scale.py [--url postgresql://…] [--only checkins broadcast kill answers migrate]
                                     [--deliveries 100000] [--ceiling 2000] [--passages 100000]

Without --url it starts a throw-away server of its own (tests/pg_server.py) with the durable defaults
(fsync and synchronous_commit on) plus the group commit the README recommends (commit_delay), so the
numbers are what a real deployment pays for a commit.

1. checkins   8 processes record check-ins for 8,000 members as fast as they can: writes/s, lost rows.
2. broadcast  a 100,000-delivery broadcast drained by 4 tick processes side by side (TUANWU_SEND=shared)
              through a fake platform with a global ceiling (--ceiling sends a rolling second):
              duplicates, lost, the busiest rolling second (from the claims in the database, and from
              the instants the fake platform received the sends) and the achieved rate as a share of the
              ceiling.
3. kill       the same with 20,000 deliveries (sends take 50 ms), one of the 4 workers SIGKILLed once a
              quarter is sent; a tick after the claim lease retakes its claims: duplicates (must be 0),
              uncertain (flagged, not resent), lost (must be 0).
4. answers    answer latency on the lexical path (embedder off): the five plans, then ~100k passages.
5. migrate    `bot.py migrate` of a 1,000-member × 30-day SQLite deployment: time, counts verified.
"""
from __future__ import annotations

import argparse
import asyncio
import bisect
import datetime as dt
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from db import Store  # noqa: E402
from db.rows import Delivery  # noqa: E402

UTC = dt.timezone.utc
# Group commit as README "Running at scale" recommends for many concurrent writers: a committing backend
# waits up to 0.5 ms for others to share its WAL flush. Still durable: no commit returns before its flush.
GROUP_COMMIT = {"commit_delay": "500", "commit_siblings": "2"}
START = dt.datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


# ------------------------------------------------------------------ 1. check-ins

def _checkin_worker(url: str, ids: list[int], per_member: int, start_at: float, out) -> None:
    store = Store(url)
    while time.time() < start_at:
        time.sleep(0.001)
    t = time.perf_counter()
    for n in range(per_member):
        for ident in ids:
            store.checkins.record(ident, None, dt.date(2026, 11, 1 + n % 28), {"text": f"第{n}次：组织学习"},
                                  "2026-11-23T01:00:00Z")
    out.put((len(ids) * per_member, time.perf_counter() - t))
    store.close()


def bench_checkins(url: str, processes: int = 8, members: int = 8000, per_member: int = 2) -> dict:
    with Store(url) as store:
        ids = [store.profiles.ensure("bench", f"m{n}", f"成员{n}", "2026-11-23T01:00:00Z")["id"]
               for n in range(members)]
        before = store.checkins.count()
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 3.0  # every process connected before the clock starts
    procs = [ctx.Process(target=_checkin_worker, args=(url, ids[i::processes], per_member, start_at, out))
             for i in range(processes)]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    wall = time.time() - start_at
    for p in procs:
        p.join()
    with Store(url) as store:
        stored = store.checkins.count() - before
    expected = sum(n for n, _ in results)
    return {"processes": processes, "writes": expected, "wall_s": round(wall, 2),
            "writes_per_s": round(expected / wall), "lost": expected - stored}


# ------------------------------------------------------------------ 2/3. broadcast drained by tick workers

def _tick_worker(url: str, log: str, ceiling: int, clock_offset: float, delay: float = 0.0) -> None:
    """One tick process: drain what is due, side by side with the others, through a fake platform."""
    from handlers.core.ratelimit import Limit
    from handlers.core.scheduler import Scheduler
    from handlers.core.types import Context, Reply, SendResult, Sender, Settings

    class Platform(Sender):
        limits = (Limit("bench-overall", ceiling, 1.0),)

        def __init__(self):
            self.fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

        async def send(self, reply: Reply) -> SendResult:
            if delay:
                await asyncio.sleep(delay)  # a platform's round trip: sends are in flight when the kill comes
            os.write(self.fd, f"{reply.chat_id} {time.time():.6f}\n".encode())  # who, and when it really left
            return SendResult("sent")

    store = Store(url)
    ctx = Context(store=store, kb=None, settings=Settings(db_path=url, env={"TUANWU_SEND": "shared"}),
                  clock=lambda: dt.datetime.now(UTC) + dt.timedelta(seconds=clock_offset))
    asyncio.run(Scheduler(ctx, {"fake": Platform()}).tick())
    store.close()


def _queue(url: str, n: int) -> None:
    with Store(url) as store:
        for start in range(0, n, 20000):
            store.outbox.queue_deliveries(
                [Delivery(f"bench|fake:c{i}", "fake", f"c{i}", "【通知】周五前提交考核材料", kind="bench")
                 for i in range(start, min(n, start + 20000))], dt.datetime.now(UTC))


def _outcome(url: str, logs: list[Path]) -> dict:
    sent, sent_at = Counter(), []
    for log in logs:
        if log.exists():
            for line in log.read_text().split("\n"):
                chat, _, at = line.partition(" ")
                if chat and at:  # a line the SIGKILL cut short counts for neither
                    sent[chat] += 1
                    sent_at.append(float(at))
    sent_at.sort()
    with Store(url) as store:
        rows = store.outbox.deliveries()
    states = Counter(r["state"] for r in rows)
    times = sorted(dt.datetime.fromisoformat(r["attempted_at"]).timestamp() for r in rows if r["attempted_at"])
    busiest = max((bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times)), default=0)
    lost = [r for r in rows if r["state"] not in ("sent", "uncertain")]
    unsent_sent = [r for r in rows if r["state"] == "sent" and r["chat_id"] not in sent]
    return {"deliveries": len(rows), "states": dict(states), "duplicates": sum(n - 1 for n in sent.values() if n > 1),
            "lost": len(lost) + len(unsent_sent), "uncertain_resent": sum(
                1 for r in rows if r["state"] == "uncertain" and sent[r["chat_id"]] > 1),
            "busiest_second": busiest, "busiest_second_sent": max(
                (bisect.bisect_left(sent_at, t + 1.0) - i for i, t in enumerate(sent_at)), default=0), "span_s": round(times[-1] - times[0], 2) if times else 0.0,
            "claimed_by": len({r["claimed_by"] for r in rows})}


def bench_broadcast(url: str, deliveries: int, ceiling: int, workers: int = 4) -> dict:
    _queue(url, deliveries)
    tmp = Path(tempfile.mkdtemp())
    logs = [tmp / f"w{i}.log" for i in range(workers)]
    ctx = multiprocessing.get_context("spawn")
    t = time.time()
    procs = [ctx.Process(target=_tick_worker, args=(url, str(log), ceiling, 0.0)) for log in logs]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    result = _outcome(url, logs)
    result["wall_s"] = round(time.time() - t, 1)
    result["rate_per_s"] = round(deliveries / result["span_s"]) if result["span_s"] else 0
    result["share_of_ceiling"] = round(result["rate_per_s"] / ceiling, 3)
    result["ceiling"] = ceiling
    return result


def bench_kill(url: str, deliveries: int, ceiling: int, workers: int = 4) -> dict:
    _queue(url, deliveries)
    tmp = Path(tempfile.mkdtemp())
    logs = [tmp / f"w{i}.log" for i in range(workers + 1)]
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_tick_worker, args=(url, str(log), ceiling, 0.0, 0.05)) for log in logs[:workers]]
    for p in procs:
        p.start()
    def lines(log: Path) -> int:
        return log.read_bytes().count(b"\n") if log.exists() else 0

    give_up = time.time() + 120
    while time.time() < give_up and (lines(logs[0]) < 300 or sum(map(lines, logs)) < deliveries // 4):
        time.sleep(0.05)  # until a quarter is sent and the victim is among the senders, claims in hand
    victim_sent, alive = lines(logs[0]), procs[0].is_alive()
    os.kill(procs[0].pid, signal.SIGKILL)
    for p in procs:
        p.join()
    with Store(url) as store:
        stuck = len(store.outbox.deliveries(state="sending"))
    # A tick after the claim lease (2 min) has run out: the killed worker's claims are retaken.
    worker = ctx.Process(target=_tick_worker, args=(url, str(logs[-1]), ceiling, 300.0))
    worker.start()
    worker.join()
    result = _outcome(url, logs)
    result.update(victim_sent_before_kill=victim_sent, victim_was_running=alive, stuck_after_kill=stuck)
    return result


# ------------------------------------------------------------------ 4. answers

def bench_answers(server, passages: int, questions: int) -> dict:
    from benchmarks import bench_ask

    out = {}
    for size in dict.fromkeys((0, passages)):  # --passages 0: the five plans alone
        url = server.create_database()
        bench_ask.build_db(size, url, "off")
        got = bench_ask.serve(url, questions, "off")
        out[f"{got['passages']} passages"] = {k: got[k] for k in ("p50_ms", "p99_ms", "fast_cpu_p99_ms", "questions")}
    return out


# ------------------------------------------------------------------ 5. migrate

def bench_migrate(server, members: int = 1000, days: int = 30) -> dict:
    from knowledge.index import index_plans

    path = Path(tempfile.mkdtemp()) / "town.db"
    rng = random.Random(5)
    with Store(path) as store:
        index_plans(store)
        now = "2026-11-30T01:00:00Z"
        org = store.orgs.ensure_group("telegram", "-100", "城东街道团工委", "Asia/Shanghai", None, now)
        with store.transaction():
            for n in range(members):
                ident = store.profiles.ensure("telegram", str(n), f"成员{n}", now)["id"]
                store.orgs.join(ident, org["id"], now)
                for d in range(days):
                    day = dt.date(2026, 11, 1) + dt.timedelta(days=d)
                    if rng.random() < 0.9:
                        store.checkins.record(ident, org["id"], day, {"text": "组织青年大学习"}, now)
                    elif rng.random() < 0.5:
                        store.checkins.excuse(ident, [day], "培训", now)
        counted = store.checkins.count()
    url = server.create_database()
    t = time.perf_counter()
    run = subprocess.run([sys.executable, str(ROOT / "bot.py"), "migrate", "--to", url, "--db", str(path)],
                         capture_output=True, text=True)
    took = time.perf_counter() - t
    return {"checkins": counted, "seconds": round(took, 1), "exit": run.returncode,
            "verified": "逐表核对数目一致" in run.stdout}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", help="an existing database to use (it must be empty); default: a server of its own")
    ap.add_argument("--only", nargs="+", default=["checkins", "broadcast", "kill", "answers", "migrate"])
    ap.add_argument("--deliveries", type=int, default=100_000)
    ap.add_argument("--ceiling", type=int, default=2000, help="the fake platform's limit, sends per rolling second")
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--questions", type=int, default=240)
    args = ap.parse_args()
    from pg_server import PgServer

    server = None if args.url else PgServer().start(durable=True, settings=GROUP_COMMIT)
    fresh = (lambda: args.url) if args.url else server.create_database
    try:
        if "checkins" in args.only:
            print("check-ins, 8 processes:", bench_checkins(fresh()), flush=True)
        if "broadcast" in args.only:
            print(f"broadcast of {args.deliveries} by 4 tick processes:",
                  bench_broadcast(fresh(), args.deliveries, args.ceiling), flush=True)
        if "kill" in args.only:
            print("a tick worker SIGKILLed mid-broadcast:", bench_kill(fresh(), 20_000, args.ceiling), flush=True)
        if "answers" in args.only and server:
            print("answers (lexical path):", bench_answers(server, args.passages, args.questions), flush=True)
        if "migrate" in args.only and server:
            print("migrate 1,000 members × 30 days:", bench_migrate(server), flush=True)
    finally:
        if server:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
