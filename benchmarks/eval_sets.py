#!/usr/bin/env python3
"""Score the assistant on the question sets written apart from the code, the way graders do: the split's
notices are added with `python bot.py ingest` into a fresh database, then every set of that split is asked
through `python bot.py ask --jsonl` and graded like ../shared/eval/grade.py. Prints pass rates per set
and per kind — nothing of a sealed split's questions or answers.

    python benchmarks/eval_sets.py                      # the dev split: every tests/data/*-dev.jsonl
    python benchmarks/eval_sets.py --split holdout      # holdout and final are spent: failures may be shown
    python benchmarks/eval_sets.py --split final2       # the sealed split: pass rates only, scored once
    python benchmarks/eval_sets.py --sets paraphrase scope --show-failures   # any split but final2
    TUANWU_EMBEDDER=off python benchmarks/eval_sets.py  # the lexical engine alone, for comparison

A set is `tests/data/<name>-<split>.jsonl` (formats in tests/data/README.md); the notices are the files
in `tests/data/notices/<split>/`. Question sets ({"q", "city", "expect"}) are asked; check-in sets
({"text", "city", "expect_doc", "expect_item"}) are typed into a console session per message and the
linked item read back; curated-FAQ sets ({"entry_q", "entry_a", "paraphrases", "distractors"}) are
imported with `bot.py faq import`, then every paraphrase must get its entry's answer and no distractor
any entry's. The qa-* sets (the five plans only) are the test suite's regression guard, not a split.
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
SEALED = "final2"  # the split nobody tuning may read; holdout and final were read once spent
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
    """Every question through one `bot.py ask --jsonl` process; (replies, wall seconds)."""
    feed = "".join(json.dumps({"q": c["q"], "city": c.get("city")}, ensure_ascii=False) + "\n" for c in cases)
    start = time.perf_counter()
    run = bot("ask", "--jsonl", db=db, stdin=feed)
    wall = time.perf_counter() - start
    replies = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    if run.returncode != 0 or len(replies) != len(cases):
        sys.exit(f"unusable bot output: exit {run.returncode}, {len(replies)} answers for {len(cases)} questions\n"
                 + run.stderr[-1500:])
    return replies, wall


def grade_questions(cases: list[dict], db: Path) -> list[tuple[str, str, str | None, str]]:
    """(id, kind, failure or None, answer) per question."""
    replies, _ = ask_all(cases, db)
    return [(f"{c['id']}: {c['q']} [{c.get('city')}]", c.get("kind", "?"), judge(c, r), r.get("answer", ""))
            for c, r in zip(cases, replies)]


def grade_checkins(cases: list[dict], db: Path) -> list[tuple[str, str, str | None, str]]:
    """Each message in a console session of its own user; the item it was linked to, read back."""
    import datetime as dt

    from benchmarks.grading import norm
    from db import Store

    replies = {}
    for n, case in enumerate(cases):
        typed = (f"城市 {case['city']}\n" if case.get("city") else "") + case["text"] + "\n"
        run = subprocess.run([sys.executable, str(ROOT / "bot.py"), "console", "--as", f"eval-checkin-{n}",
                              "--db", str(db)], input=typed, capture_output=True, text=True, cwd=ROOT, timeout=600)
        replies[case["id"]] = next((line for line in run.stdout.splitlines() if "关联条目" in line), run.stdout[-200:])
    store = Store(db)
    items: dict[int, tuple[str, str]] = {}
    for row in store.knowledge.faq_source_rows():
        doc, text = items.get(row["item_id"], (row["doc_key"], row["heading"] or ""))
        items[row["item_id"]] = (doc, text + row["text"])
    out = []
    for n, case in enumerate(cases):
        who = store.profiles.ensure("console", f"eval-checkin-{n}")["id"]
        rows = store.checkins.of_member(who, dt.date(2000, 1, 1), dt.date(2100, 1, 1))
        item = rows[-1]["item_id"] if rows else None
        if case.get("expect_doc") is None:
            why = None if item is None else "linked, should not be"
        elif item is None:
            why = "not linked"
        else:
            doc, text = items.get(item, ("", ""))
            ok = doc.startswith(case["expect_doc"]) and norm(case["expect_item"]) in norm(text)
            why = None if ok else "linked to another item"
        kind = "no-item" if case.get("expect_doc") is None else "item"
        out.append((case["id"], kind, why, replies[case["id"]]))
    store.close()
    return out


def grade_curated(cases: list[dict], db: Path) -> list[tuple[str, str, str | None, str]]:
    """Entries imported as curated FAQ; paraphrases must find their own entry, distractors none."""
    import shutil

    import yaml

    from benchmarks.grading import norm

    own = db.with_name("curated.db")  # the entries must not answer the other sets' questions
    for suffix in ("", "-wal"):
        if Path(f"{db}{suffix}").exists():
            shutil.copy(f"{db}{suffix}", f"{own}{suffix}")
    db = own
    faq_file = db.with_suffix(".faq.yaml")
    faq_file.write_text(yaml.safe_dump([{"question": c["entry_q"], "answer": c["entry_a"]} for c in cases],
                                       allow_unicode=True), encoding="utf-8")
    run = bot("faq", "import", str(faq_file), db=db)
    if run.returncode != 0:
        sys.exit(f"faq import failed: {run.stderr[-500:]}")
    asks = [(c, "paraphrase", q) for c in cases for q in c["paraphrases"]]
    asks += [(c, "distractor", q) for c in cases for q in c["distractors"]]
    replies, _ = ask_all([{"q": q, "city": None} for _, _, q in asks], db)
    marks = {c["id"]: norm(c["entry_a"])[:30] for c in cases}
    out = []
    for (case, kind, q), reply in zip(asks, replies):
        answer = norm(reply.get("answer", "")) if reply.get("matched") else ""
        found = [cid for cid, mark in marks.items() if mark in answer]
        if kind == "paraphrase":
            why = None if case["id"] in found else ("found " + ",".join(found) if found else "entry not found")
        else:
            why = None if not found else "found " + ",".join(found)
        out.append((f"{case['id']}:{q}", kind, why, reply.get("answer", "")))
    return out


def grade(path: Path, db: Path) -> list[tuple[str, str, str | None, str]]:
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if cases and "text" in cases[0] and "expect_item" in cases[0]:
        return grade_checkins(cases, db)
    if cases and "entry_q" in cases[0]:
        return grade_curated(cases, db)
    return grade_questions(cases, db)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev", choices=("dev", "holdout", "final", SEALED))
    ap.add_argument("--sets", nargs="*", help="set names, e.g. paraphrase notices scope (default: all)")
    ap.add_argument("--show-failures", action="store_true", help=f"print each failed question (not on {SEALED})")
    ap.add_argument("--json", help="write {set: {passed, total, kinds}} to this file")
    args = ap.parse_args()
    if args.show_failures and args.split == SEALED:
        ap.error(f"--show-failures is not for {SEALED}: its questions stay unseen until it is scored")
    files = set_files(args.split, args.sets)
    if not files:
        ap.error(f"no sets tests/data/*-{args.split}.jsonl")
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "eval.db"
        print(f"{args.split}: {ingest(args.split, db)}")
        for path in files:
            start = time.perf_counter()
            graded = grade(path, db)
            wall = time.perf_counter() - start
            kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
            for _id, kind, why, _answer in graded:
                kinds[kind][1] += 1
                kinds[kind][0] += why is None
            passed = sum(p for p, _ in kinds.values())
            name = path.name[: -len(f"-{args.split}.jsonl")]
            results[name] = {"passed": passed, "total": len(graded), "kinds": dict(kinds)}
            per_kind = "  ".join(f"{k} {p}/{n}" for k, (p, n) in sorted(kinds.items()))
            print(f"{name:14s} {passed:3d}/{len(graded):<3d} = {passed / len(graded):6.1%}   ({per_kind})   {wall:.1f} s",
                  flush=True)
            if args.show_failures:
                for case_id, kind, why, answer in graded:
                    if why is not None:
                        print(f"   FAIL {case_id} [{kind}] -> {why}\n        {answer[:150]!r}")
    total = sum(r["passed"] for r in results.values()), sum(r["total"] for r in results.values())
    print(f"{'all':14s} {total[0]:3d}/{total[1]:<3d} = {total[0] / max(total[1], 1):6.1%}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
