#!/usr/bin/env python3
"""How long the answers a cadre reads on a phone are: characters per answer (mean, max) for the dev
question sets — tests/data/*-dev.jsonl asked after the dev notices are indexed, the qa-* sets and
../shared/eval/qa-dev.jsonl over the five plans — with each set's pass rate, graded like grade.py.

    python benchmarks/answer_lengths.py                   # a table per set
    python benchmarks/answer_lengths.py --dump out.jsonl  # … and every (set, q, city, answer) to compare

The holdout question sets are not asked here (only benchmarks/eval_sets.py scores them); qa-holdout
is one of the older qa-* regression sets: scored and counted with them, its answers never dumped.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.eval_sets import DATA, ask_all, ingest  # noqa: E402
from benchmarks.grading import judge  # noqa: E402

SHARED_DEV = ROOT.parent.parent / "shared" / "eval" / "qa-dev.jsonl"


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dump", help="write every answer to this JSON Lines file")
    ap.add_argument("--qa-dev", default=str(SHARED_DEV), help="the shared grader's question set")
    args = ap.parse_args()
    notice_sets = [p for p in sorted(DATA.glob("*-dev.jsonl")) if "q" in load(p)[0]]
    plan_sets = sorted(DATA.glob("qa-*.jsonl")) + ([Path(args.qa_dev)] if Path(args.qa_dev).exists() else [])
    dump, every = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for db, sets in ((Path(tmp) / "dev.db", notice_sets), (Path(tmp) / "plans.db", plan_sets)):
            if sets is notice_sets:
                ingest("dev", db)
            for path in sets:
                cases = load(path)
                replies, _ = ask_all(cases, db)
                sizes = [len(r.get("answer", "")) for r in replies if r.get("matched")]
                passed = sum(judge(c, r) is None for c, r in zip(cases, replies))
                every += sizes
                name = path.name.removesuffix(".jsonl") + (" (shared)" if path.parent != DATA else "")
                print(f"{name:22s} pass {passed:3d}/{len(cases):<3d}  answers {len(sizes):3d}  "
                      f"mean {statistics.mean(sizes or [0]):6.0f}  max {max(sizes or [0]):5d}", flush=True)
                if "holdout" in name:
                    continue  # scored, never read
                dump += [{"set": name, "q": c["q"], "city": c.get("city"), "answer": r.get("answer", ""),
                          "matched": r.get("matched"), "pass": judge(c, r) is None} for c, r in zip(cases, replies)]
    print(f"{'all':22s} answers {len(every):3d}  mean {statistics.mean(every or [0]):6.0f}  max {max(every or [0]):5d}")
    if args.dump:
        Path(args.dump).write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in dump), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
