#!/usr/bin/env python3
"""Web dashboard benchmark: server time of 总览 and 单位 at scale, and what each page weighs.

    .venv/bin/python benchmarks/bench_web.py [--orgs 200] [--members 50] [--days 30] [--big 1000] [--runs 60]

1. 总览 for ORGS orgs × MEMBERS members × DAYS days of check-ins (≈85 % checked in, 3 % excused), seen
   by a global admin: the page's server time (the core's data and the Jinja2 render, as the request's
   worker thread does them) p50/p99, and the whole HTTP request on loopback. Goal: p99 ≤ 150 ms.
2. 单位 for one org of BIG members over the same days. Goal ≤ 100 ms.
3. Each page's weight: HTML as sent (gzip, which every browser asks for) and uncompressed, plus the
   one stylesheet; no script, no font, no external file. Goal ≤ 100 KB without charts.

The database is seeded with plain INSERTs (as bench_checkin.py does) into a temporary file.
"""
from __future__ import annotations

import argparse
import gc
import datetime as dt
import gzip
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from db import Store  # noqa: E402
from handlers.core.types import Context, Settings  # noqa: E402
from knowledge.base import KnowledgeBase  # noqa: E402
from knowledge.index import index_plans  # noqa: E402

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)  # a Monday
STAMP = "2026-10-01T00:00:00+00:00"


def seed(store: Store, orgs: int, members: int, days: int, big: int) -> int:
    """`orgs` group orgs of `members`, and one org of `big`; returns the big org's id."""
    rng = random.Random(7)
    first = NOW.date() - dt.timedelta(days=days - 1)
    with store.transaction() as conn:
        ident = 0
        for n in range(orgs + 1):
            size = big if n == orgs else members
            conn.execute("INSERT INTO org (name, platform, platform_chat_id, region, timezone, created_at) "
                         "VALUES (?, 'bench', ?, NULL, 'Asia/Shanghai', ?)", [f"第{n + 1}团支部", f"-{n + 1}", STAMP])
            org_id = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
            keen = rng.uniform(0.6, 0.98)  # each org has its own habits: some fall below the threshold
            checkins, leave = [], []
            for _ in range(size):
                ident += 1
                conn.execute("INSERT INTO identity (id, platform, platform_user_id, name, role, created_at, updated_at) "
                             "VALUES (?, 'bench', ?, ?, 'member', ?, ?)", [ident, f"u{ident}", f"成员{ident}", STAMP, STAMP])
                conn.execute("INSERT INTO org_member (identity_id, org_id, joined_at) VALUES (?, ?, ?)",
                             [ident, org_id, STAMP])
                for d in range(days):
                    day = (first + dt.timedelta(days=d)).isoformat()
                    roll = rng.random()
                    if roll < keen:
                        checkins.append((ident, org_id, day, f"第{d}天：组织青年大学习，参与率{rng.randint(50, 100)}%",
                                         "2．继续深化“青年大学习”行动" if roll < 0.5 else None, STAMP, STAMP))
                    elif roll < keen + 0.03:
                        leave.append((ident, day, "培训", STAMP))
            conn.executemany("INSERT INTO checkin (identity_id, org_id, schedule, work_date, text, item_label, "
                             "revision, created_at, updated_at) VALUES (?, ?, 'daily', ?, ?, ?, 1, ?, ?)", checkins)
            conn.executemany("INSERT INTO excused_day (identity_id, work_date, reason, created_at) VALUES (?, ?, ?, ?)",
                             leave)
    return org_id


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orgs", type=int, default=200)
    ap.add_argument("--members", type=int, default=50)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--big", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=60)
    args = ap.parse_args()

    from handlers.adapters.web.server import WebServer
    from handlers.dashboard import progress, signin
    from handlers.dashboard.viewer import viewer_of
    from handlers.core.router import dispatch
    from handlers.core.types import Incoming
    from web_harness import serving, signed_in

    folder = Path(tempfile.mkdtemp(prefix="bench-web-"))
    store = Store(folder / "bench.db")
    index_plans(store)
    began = time.perf_counter()
    big = seed(store, args.orgs, args.members, args.days, args.big)
    print(f"seeded {args.orgs} orgs × {args.members} members + 1 org × {args.big}, {args.days} days, "
          f"{store.checkins.count():,} check-ins in {time.perf_counter() - began:.1f} s")
    settings = Settings(db_path=str(folder / "bench.db"), data_dir=str(folder), embedder="off")
    ctx = Context(store=store, kb=KnowledgeBase(store, str(folder)), settings=settings, clock=lambda: NOW)
    viewer = viewer_of(ctx, "console", "console", "", [])
    server = WebServer(ctx, workers=1)
    extra = dict(viewer=viewer, csrf="x" * 32, flash=None, nav=[], active="/")

    def timed(template: str, build) -> tuple[list[float], list[float]]:
        wall, cpu = [], []
        for n in range(args.runs + 3):
            t, c = time.perf_counter(), time.thread_time()
            server.render(template, title="t", **extra, **build())
            if n >= 3:  # the first runs warm the caches (workday calendar, templates)
                wall.append((time.perf_counter() - t) * 1000)
                cpu.append((time.thread_time() - c) * 1000)
        return wall, cpu

    gc.freeze()  # as `bot.py web` does once it has loaded everything (handlers/adapters/web/run.py)
    results = {"总览": timed("overview.html", lambda: progress.overview(ctx, viewer, 80)),
               "单位": timed("org.html", lambda: progress.org_page(ctx, viewer, big))}
    print("\nserver time (core data + render, in the request's worker thread), ms — wall / this thread's CPU:")
    for name, goal, label in (("总览", 150, f"总览, {args.orgs} orgs × {args.members} members"),
                              ("单位", 100, f"单位, {args.big} members")):
        (p50, p99), (c50, c99) = (percentiles(x) for x in results[name])
        print(f"  {label:<32} p50 {p50:6.1f} / {c50:6.1f}  p99 {p99:6.1f} / {c99:6.1f}  (goal p99 ≤ {goal}) "
              f"{'ok' if p99 <= goal else 'OVER (wall)' if c99 <= goal else 'OVER'}")

    token = signin.issue_link(ctx, Incoming("console", "console", "后台"), [])
    dispatch(ctx, Incoming("console", "m1", "团员证丢了去哪里补办？"))
    pages = ["/", f"/org/{big}", "/org/1", "/deadlines", "/notices", "/unanswered", "/faq", "/files", "/audit"]
    with serving(ctx) as base:
        client = signed_in(base, token.split("token=")[1])
        http = {}
        for path in ("/", f"/org/{big}"):
            samples = []
            for n in range(args.runs + 3):
                t = time.perf_counter()
                assert client.get(path).status_code == 200
                if n >= 3:
                    samples.append((time.perf_counter() - t) * 1000)
            http[path] = percentiles(samples)
        print("\nthe whole HTTP request on loopback (httpx → aiohttp → worker → response), ms:")
        for path, (p50, p99) in http.items():
            print(f"  GET {path:<28} p50 {p50:6.1f}  p99 {p99:6.1f}")
        css = len(client.get("/app.css").content)
        print(f"\npage weight (HTML gzip as sent / uncompressed; + app.css {css / 1024:.1f} KB once, cached a day):")
        for path in pages:
            raw = client.get(path, headers={"Accept-Encoding": "identity"}).content
            sent = len(gzip.compress(raw, 6))
            external = [s for s in ("http://", "https://", "<script") if s in raw.decode()]
            total = (sent + css) / 1024
            print(f"  {path:<14} {sent / 1024:6.1f} KB / {len(raw) / 1024:6.1f} KB  total with css {total:5.1f} KB"
                  f"{'  external: ' + ','.join(external) if external else ''}  {'ok' if total <= 100 else 'OVER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
