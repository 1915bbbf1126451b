#!/usr/bin/env python3
"""Check-in benchmark: concurrent write throughput, and report build times for a large org.

    .venv/bin/python benchmarks/bench_checkin.py [--writes 4000] [--members 1000] [--days 30]

1. 8 writers (separate processes, then threads), each with its own Store on one WAL file, record
   check-ins as fast as they can: writes/s, per-write p50/p99, and rows lost (expected − stored).
   Goal ≥ 1,000 writes/s, 0 lost. Also the full handler path (parse + link by words and meaning + write) with 8 processes.
2. An org of N members × D days (≈90 % checked in, some excused): time to build 今日, the 周报 月 chart
   and the 导出 workbook through the real handlers. Goal: each < 2 s.
"""
from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db import Store  # noqa: E402
from handlers.core.router import dispatch  # noqa: E402
from handlers.core.types import Context, Incoming, Settings  # noqa: E402
from handlers.checkin.link import LINKER  # noqa: E402
from knowledge.embed import load_embedder  # noqa: E402
from knowledge.index import index_plans  # noqa: E402

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
START = dt.date(2026, 11, 1)
NOW = "2026-11-30T01:00:00+00:00"


def _writer(path: str, worker: int, count: int, out) -> None:
    """Record `count` check-ins for this worker's own members (one per member per day)."""
    store = Store(path)
    ident = store.profiles.ensure("bench", f"w{worker}", f"写入{worker}", NOW)["id"]
    lat, began = [], time.monotonic()
    for n in range(count):
        day = START + dt.timedelta(days=n)
        t = time.perf_counter()
        store.checkins.record(ident, None, day, {"text": f"第{n}天：组织青年大学习", "percent": 90.0}, NOW)
        lat.append(time.perf_counter() - t)
    result = (lat, began, time.monotonic())
    store.close()
    out.put(result) if hasattr(out, "put") else out.append(result)


def _handler_writer(path: str, worker: int, count: int, out) -> None:
    """The whole path a chat message takes: dispatch → parse → link → write."""
    store = Store(path)
    warm = Context(store=store, kb=None, settings=Settings(db_path=path))
    dispatch(warm, Incoming("bench", f"warmup{worker}", "打卡 组织青年大学习"))  # imports, jieba, item index
    lat, began = [], time.monotonic()
    for n in range(count):
        clock = dt.datetime(2026, 11, 1, 9, tzinfo=SHANGHAI) + dt.timedelta(days=n)
        ctx = Context(store=store, kb=None, settings=Settings(db_path=path), clock=lambda c=clock: c)
        t = time.perf_counter()
        dispatch(ctx, Incoming("bench", f"h{worker}", f"打卡 组织青年大学习第{n}期学习，参与率92%"))
        lat.append(time.perf_counter() - t)
    out.put((lat, began, time.monotonic()))
    store.close()


def run_writers(path: str, writers: int, per_writer: int, mode: str, target=_writer) -> dict:
    if mode == "processes":
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()
        procs = [ctx.Process(target=target, args=(path, w, per_writer, queue)) for w in range(writers)]
        for p in procs:
            p.start()
        lats = [queue.get() for _ in procs]
        for p in procs:
            p.join()
    else:
        lats: list = []
        threads = [threading.Thread(target=target, args=(path, 100 + w, per_writer, lats)) for w in range(writers)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    # From the first writer's first timed write to the last one's last: process start-up not counted.
    elapsed = max(end for _, _, end in lats) - min(began for _, began, _ in lats)
    flat = sorted(x for lat, _, _ in lats for x in lat)
    return {"writes": len(flat), "elapsed": elapsed, "rate": len(flat) / elapsed,
            "p50": flat[len(flat) // 2] * 1000, "p99": flat[int(len(flat) * 0.99)] * 1000}


def write_run(path: str, base: str | None, writers: int, per: int, mode: str, target, label: str,
              extra: int = 0) -> None:
    """One write run on a fresh file (a copy of `base` when given); prints rate, latency and losses."""
    if base:
        shutil.copy(base, path)
    Store(path).close()
    r = run_writers(path, writers, per, mode, target)
    with Store(path) as s:
        stored = s.checkins.count() - extra
    print(f"{label}: {r['rate']:8.0f} writes/s  p50 {r['p50']:.2f} ms  p99 {r['p99']:.2f} ms  "
          f"stored {stored}/{r['writes']}  lost {r['writes'] - stored}")


def seed_org(store: Store, members: int, days: int) -> int:
    """A group org of `members` with ≈90 % check-ins and ≈3 % excused days over `days` days."""
    org = store.orgs.ensure_group("bench", "-1", "基准测试团委", "Asia/Shanghai", None, NOW)
    rng = random.Random(7)
    items = store.knowledge.plan_items(None)
    texts = ["组织青年大学习第{}期学习，参与率{}%", "开展志愿服务活动，参与{}人{}", "在智慧团建系统录入团员信息{}{}",
             "召开团支部组织生活会{}{}", "整理台账资料{}{}"]
    with store.transaction() as conn:
        for m in range(members):
            conn.execute("INSERT INTO identity (platform, platform_user_id, name, role, created_at, updated_at) "
                         "VALUES ('bench', ?, ?, 'member', ?, ?)", [f"m{m}", f"成员{m:04d}", NOW, NOW])
            ident = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
            conn.execute("INSERT INTO org_member (identity_id, org_id, joined_at) VALUES (?, ?, ?)",
                         [ident, org["id"], NOW])
            for d in range(days):
                day = (START + dt.timedelta(days=d)).isoformat()
                roll = rng.random()
                if roll < 0.9:
                    item = rng.choice(items)
                    conn.execute(
                        "INSERT INTO checkin (identity_id, org_id, schedule, work_date, text, percent, count, item_id, "
                        "item_label, item_region, category, revision, created_at, updated_at) "
                        "VALUES (?, ?, 'daily', ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                        [ident, org["id"], day, rng.choice(texts).format(d, rng.randint(50, 100)),
                         rng.randint(50, 100), rng.randint(5, 80), item["id"] if roll < 0.8 else None,
                         item["heading"] if roll < 0.8 else None, item["region"],
                         rng.choice(["思想引领", "深化改革", "网上共青团", "直接联系青年", "服务大局"]), NOW, NOW])
                elif roll < 0.93:
                    conn.execute("INSERT INTO excused_day (identity_id, work_date, reason, created_at) "
                                 "VALUES (?, ?, '培训', ?)", [ident, day, NOW])
    return org["id"]


def time_reports(path: str, members: int, days: int, repeats: int) -> dict[str, list[float]]:
    store = Store(path)
    seed_org(store, members, days)
    clock = dt.datetime(2026, 11, days, 18, tzinfo=SHANGHAI)
    ctx = Context(store=store, kb=None, settings=Settings(db_path=path), clock=lambda: clock)
    out: dict[str, tuple[list[float], list[float], int]] = {}
    dispatch(ctx, Incoming("bench", "admin", "帮助"))  # load the feature modules before timing
    for label, text in (("今日", "今日"), ("周报 月 (chart)", "周报 月"), ("导出 (xlsx)", "导出 2026-11")):
        wall, cpu = [], []
        for _ in range(repeats):
            msg = Incoming("bench", "admin", text, chat_id="-1", chat_type="group", chat_title="基准测试团委",
                           chat_admin=True)
            t, c = time.perf_counter(), time.process_time()
            reply = dispatch(ctx, msg)[0]
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        out[label] = (wall, cpu, len(reply.attachment.data) if reply.attachment else len(reply.text.encode()))
    store.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--writers", type=int, default=8)
    ap.add_argument("--writes", type=int, default=4000, help="total check-ins per write run")
    ap.add_argument("--members", type=int, default=1000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    per = args.writes // args.writers

    with tempfile.TemporaryDirectory() as tmp:
        base = os.path.join(tmp, "plans.db")
        with Store(base) as s:
            index_plans(s)
            # the plan sentences' vectors, as a deployment has them after its first check-ins
            LINKER.warm(s, load_embedder(os.environ.get("TUANWU_EMBEDDER")))
        print(f"== check-in writes: {args.writers} writers × {per}, each its own Store on one WAL file")
        for mode in ("processes", "threads"):
            write_run(os.path.join(tmp, f"w-{mode}.db"), None, args.writers, per, mode, _writer, f"{mode:>9}")
        write_run(os.path.join(tmp, "handler.db"), base, args.writers, min(per, 100), "processes", _handler_writer,
                  "  handler", extra=args.writers)  # one warm-up check-in per writer
        print("           (handler = dispatch: parse + link by words and meaning + write)")

        path = os.path.join(tmp, "org.db")
        shutil.copy(base, path)
        print(f"== reports for an org of {args.members} members × {args.days} days "
              f"(median / max of {args.repeats}; goal < 2 s each; cpu = this process's CPU time)")
        for label, (wall, cpu, size) in time_reports(path, args.members, args.days, args.repeats).items():
            print(f"{label:>16}: median {statistics.median(wall):.3f} s  max {max(wall):.3f} s  "
                  f"cpu {statistics.median(cpu):.3f} s  ({size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
