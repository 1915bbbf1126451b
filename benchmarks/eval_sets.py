#!/usr/bin/env python3
"""Score the assistant on the question sets written apart from the code, the way graders do: the split's
notices are added with `python bot.py ingest` into a fresh database, then every set of that split is asked
through `python bot.py ask --jsonl` and graded like ../shared/eval/grade.py. Prints pass rates per set
and per kind — nothing of a holdout question or answer.

    python benchmarks/eval_sets.py                      # the dev split: every tests/data/*-dev.jsonl
    python benchmarks/eval_sets.py --split holdout      # pass rates only
    python benchmarks/eval_sets.py --sets paraphrase scope --show-failures   # dev only
    TUANWU_EMBEDDER=off python benchmarks/eval_sets.py  # the lexical engine alone, for comparison

A set is `tests/data/<name>-<split>.jsonl` (one question a line: {"id", "q", "city", "kind", "expect"});
the notices are the files in `tests/data/notices/<split>/`. The qa-* sets (the five plans only) are the
test suite's regression guard, not part of a split.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
sys.path.insert(0, str(ROOT))

from benchmarks.grading import judge  # noqa: E402


def set_files(split: str, names: list[str] | None) -> list[Path]:
    files = sorted(p for p in DATA.glob(f"*-{split}.jsonl") if not p.name.startswith("qa-"))
    if names:
        files = [p for p in files if p.name[: -len(f"-{split}.jsonl")] in names]
    return files


def bot(*args: str, db: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(ROOT / "bot.py"), *args, "--db", str(db)]
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, encoding="utf-8", cwd=ROOT,
                          env=dict(os.environ), timeout=3600)


def ingest(split: str, db: Path) -> str:
    notices = DATA / "notices" / split
    if not notices.is_dir():
        return "no notices for this split"
    run = bot("ingest", str(notices), db=db)
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    return lines[0] if lines else f"ingest exited {run.returncode}"


def ask_all(cases: list[dict], db: Path) -> tuple[list[dict], float]:
    feed = "".join(json.dumps({"q": c["q"], "city": c.get("city")}, ensure_ascii=False) + "\n" for c in cases)
    start = time.perf_counter()
    run = bot("ask", "--jsonl", db=db, stdin=feed)
    wall = time.perf_counter() - start
    replies = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    if run.returncode != 0 or len(replies) != len(cases):
        sys.exit(f"unusable bot output: exit {run.returncode}, {len(replies)} answers for {len(cases)} questions\n"
                 + run.stderr[-1500:])
    return replies, wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev", choices=("dev", "holdout"))
    ap.add_argument("--sets", nargs="*", help="set names, e.g. paraphrase notices scope (default: all)")
    ap.add_argument("--show-failures", action="store_true", help="print each failed question (dev split only)")
    ap.add_argument("--json", help="write {set: {passed, total, kinds}} to this file")
    args = ap.parse_args()
    if args.show_failures and args.split != "dev":
        ap.error("--show-failures is for the dev split only: holdout questions stay unseen")
    files = set_files(args.split, args.sets)
    if not files:
        ap.error(f"no sets tests/data/*-{args.split}.jsonl")
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "eval.db"
        print(f"{args.split}: {ingest(args.split, db)}")
        for path in files:
            cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            replies, wall = ask_all(cases, db)
            kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
            failures = []
            for case, reply in zip(cases, replies):
                why = judge(case, reply)
                kind = kinds[case.get("kind", "?")]
                kind[1] += 1
                kind[0] += why is None
                if why is not None:
                    failures.append((case, why, reply))
            passed = sum(p for p, _ in kinds.values())
            name = path.name[: -len(f"-{args.split}.jsonl")]
            results[name] = {"passed": passed, "total": len(cases), "kinds": dict(kinds)}
            per_kind = "  ".join(f"{k} {p}/{n}" for k, (p, n) in sorted(kinds.items()))
            print(f"{name:14s} {passed:3d}/{len(cases):<3d} = {passed / len(cases):6.1%}   ({per_kind})   {wall:.1f} s")
            if args.show_failures:
                for case, why, reply in failures:
                    print(f"   FAIL {case['id']}: {case['q']} [{case.get('city')}] -> {why}")
                    print(f"        {reply.get('answer', '')[:150]!r}")
    total = sum(r["passed"] for r in results.values()), sum(r["total"] for r in results.values())
    print(f"{'all':14s} {total[0]:3d}/{total[1]:<3d} = {total[0] / max(total[1], 1):6.1%}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
