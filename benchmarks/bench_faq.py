#!/usr/bin/env python3
"""FAQ rebuild time as the plans grow: the five bundled plans plus synthetic plans of ~89 KB, ~178 KB
and one 5 MB plan (the sizes of issue 10.7).

Synthetic plans are written as text files and ingested as a cadre would (`index_plans`), so the FAQ
is generated from what the parser really makes of them. Their wording is new: a word-level Markov
chain trained on the bundled plans writes the headings and sentences (numbers with units, dates and
all), so headings rarely coincide and the merge step meets its worst case (no early twin found).
The 5 MB plan is one compendium instead: the bundled plans' own sections over and over, figures
changed, in one region — the same headings and fact sentences hundreds of times. Each size runs in its own child process with a time limit; a rebuild that does not finish is
reported as such.

    python benchmarks/bench_faq.py [--sizes 89 178 5000] [--limit 600] [--code DIR] [--json out.json]

`--code DIR` imports the bot's code from another checkout (e.g. a worktree of main), for before/after.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITIES = ["绍兴", "嘉兴", "湖州", "金华", "台州", "温州", "丽水", "衢州", "舟山", "泰州", "扬州", "镇江",
          "常州", "无锡", "苏州", "南通", "盐城", "淮安", "宿迁", "连云港", "徐州", "潍坊", "临沂", "济宁"]
SECTIONS = "一二三四五六七八九十"
UNITS = ["学时", "场", "人", "%", "个", "家", "名", "天"]


def _chain(plans: list[str]) -> tuple[dict, list[str]]:
    """Word bigram successors from the plans' sentences, and the words that start a sentence."""
    import jieba

    jieba.setLogLevel(60)
    nxt: dict[str, list[str]] = {}
    starts: list[str] = []
    for text in plans:
        text = re.sub(r"(?m)(\d+[.．、]|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)", "", text)
        for sent in re.split(r"[。；！？\n]", text):
            words = [w for w in jieba.lcut(sent.strip()) if w.strip()]
            if len(words) < 4 or any(c in sent for c in ":：/"):
                continue
            starts.append(words[0])
            for a, b in zip(words, words[1:] + ["。"]):
                nxt.setdefault(a, []).append(b)
    return nxt, starts


def _sentence(rng: random.Random, nxt: dict, starts: list[str], most: int) -> str:
    out = [rng.choice(starts)]
    while len("".join(out)) < most:
        follow = nxt.get(out[-1])
        if not follow:
            break
        w = rng.choice(follow)
        if w == "。":
            break
        out.append(w)
    s = "".join(out).strip("，、 ")
    if rng.random() < 0.25:  # a fact: a figure with a unit, or a date
        s += rng.choice([f"，不少于{rng.randint(2, 60)}{rng.choice(UNITS)}",
                         f"，{rng.randint(3, 12)}月底前完成", f"，覆盖率达到{rng.randint(30, 99)}%"])
    return s


def synthetic_plan(rng: random.Random, nxt: dict, starts: list[str], city: str, year: int, size: int) -> str:
    """A plan of about `size` bytes (UTF-8): title, issuer, sections 一、…, numbered items 1．…"""
    lines = [f"{city}共青团{year}年工作要点", f"共青团{city}市委", ""]
    n_item, sec = 0, 0
    while len("\n".join(lines).encode("utf-8")) < size:
        lines.append(f"{SECTIONS[sec % 10]}、{_sentence(rng, nxt, starts, 14)}")  # numbering restarts: fine
        sec += 1
        for _ in range(rng.randint(4, 9)):
            n_item += 1
            heading = _sentence(rng, nxt, starts, rng.randint(6, 16))
            body = "。".join(_sentence(rng, nxt, starts, rng.randint(20, 60)) for _ in range(rng.randint(2, 5)))
            lines.append(f"{n_item}．{heading}。{body}。")
    return "\n".join(lines) + "\n"


def big_plan(rng: random.Random, plans: list[str], city: str, year: int, size: int) -> str:
    """One plan of about `size` bytes made of the bundled plans' sections again and again, figures
    changed: the same headings and fact sentences many times over in one region (a merged compendium)."""
    bodies = []
    for text in plans:
        lines = text.splitlines()
        first = next((i for i, ln in enumerate(lines) if re.match(r"\s*一、", ln)), None)
        if first is not None:
            bodies.append([ln.strip() for ln in lines[first:] if ln.strip()])
    lines = [f"{city}共青团{year}年工作要点汇编", f"共青团{city}市委", ""]
    written = 0
    while written < size:
        for ln in rng.choice(bodies):
            ln = re.sub(r"(?<=[^\d.．])\d{1,3}(?=[%学时场人个家名天万元])", lambda m: str(rng.randint(2, 99)), ln)
            lines.append(ln)
            written += len(ln.encode("utf-8")) + 1
    return "\n".join(lines) + "\n"


def make_plans(folder: Path, kb_size: int, seed: int = 7) -> int:
    """The bundled plans plus synthetic ones up to `kb_size` KB in `folder`; returns the bytes written.
    Sizes up to 1 MB are made of ~15 KB Markov plans (one city each); larger sizes add one compendium."""
    bundled = sorted((ROOT / "knowledge" / "plans").glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in bundled]
    for p, t in zip(bundled, texts):
        (folder / p.name).write_text(t, encoding="utf-8")
    total = sum(len(t.encode("utf-8")) for t in texts)
    rng = random.Random(seed)
    nxt, starts = _chain(texts)
    target = kb_size * 1024
    n = 0
    if target - total > 1024 * 1024:
        text = big_plan(rng, texts, CITIES[0], 2023, target - total)
        (folder / "big_plan.txt").write_text(text, encoding="utf-8")
        return total + len(text.encode("utf-8"))
    while total < target:
        text = synthetic_plan(rng, nxt, starts, CITIES[n % len(CITIES)], 2018 + n % 6, min(15_000, target - total))
        (folder / f"synthetic_{n:03d}.txt").write_text(text, encoding="utf-8")
        total += len(text.encode("utf-8"))
        n += 1
    return total


def measure(folder: Path) -> dict:
    """In this process: ingest the folder, then time the FAQ rebuild."""
    from db import Store
    from knowledge import faq
    from knowledge.base import KnowledgeBase
    from knowledge.index import index_plans

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        t0 = time.perf_counter()
        report = index_plans(store, [folder])
        ingest_s = time.perf_counter() - t0
        kb = KnowledgeBase(store, str(ROOT / "data"))
        t1 = time.perf_counter()
        entries = faq.rebuild(kb)
        rebuild_s = time.perf_counter() - t1
        t2 = time.perf_counter()
        KnowledgeBase(store, str(ROOT / "data"))  # what every later start pays to load the FAQ
        load_s = time.perf_counter() - t2
        listed = store.faq.count("generated")
        return {"passages": report.passages, "ingest_s": round(ingest_s, 2), "rebuild_s": round(rebuild_s, 2),
                "entries": entries, "generated": listed, "kb_load_s": round(load_s, 2)}


def run_size(kb_size: int, limit: float, code: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        size = make_plans(folder, kb_size)
        try:
            out = subprocess.run([sys.executable, __file__, "--measure", str(folder), "--code", str(code)],
                                 capture_output=True, text=True, timeout=limit, cwd=code)
        except subprocess.TimeoutExpired:
            return {"kb": round(size / 1024), "rebuild_s": f"> {limit:.0f} (not finished)"}
        if out.returncode:
            return {"kb": round(size / 1024), "error": out.stderr.strip().splitlines()[-1:]}
        return {"kb": round(size / 1024), **json.loads(out.stdout.strip().splitlines()[-1])}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[89, 178, 5000], help="total plan KB")
    ap.add_argument("--limit", type=float, default=600, help="seconds before a size is given up")
    ap.add_argument("--code", default=str(ROOT), help="checkout whose code is measured")
    ap.add_argument("--json", help="write the results to this file")
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    args = ap.parse_args()
    sys.path.insert(0, args.code)
    if args.measure:
        print(json.dumps(measure(Path(args.measure))))
        return 0
    results = {}
    for kb_size in args.sizes:
        results[kb_size] = run_size(kb_size, args.limit, Path(args.code).resolve())
        print(f"{kb_size:>6} KB  {json.dumps(results[kb_size], ensure_ascii=False)}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
