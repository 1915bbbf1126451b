"""Regression guard on the question sets in tests/data (written apart from the code, graded the way
../shared/eval/grade.py grades): facts that must appear, regions that must be named, declines."""
import json
import unicodedata
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
# Pass rates reached when each set was last measured, less a little slack; a drop below is a regression.
FLOORS = {"qa-extra.jsonl": 0.90, "qa-holdout.jsonl": 0.79, "qa-final.jsonl": 0.80}


def norm(text) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def passes(case: dict, reply: dict) -> bool:
    expect = case.get("expect", {})
    if expect.get("matched") is False:
        return not reply["matched"]
    answer = norm(reply["answer"])
    where = answer + norm(" ".join(str(v) for s in reply["sources"] for v in s.values()))
    return (reply["matched"]
            and all(norm(n) in answer for n in expect.get("all_of", []))
            and (not expect.get("any_of") or any(norm(n) in answer for n in expect["any_of"]))
            and all(norm(c) in where for c in expect.get("cities", [])))


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_question_set_pass_rate(kb, name):
    cases = [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    failed = [c["id"] for c in cases if not passes(c, kb.ask(c["q"], c.get("city")).as_json())]
    rate = 1 - len(failed) / len(cases)
    assert rate >= FLOORS[name], f"{name}: {rate:.1%} < {FLOORS[name]:.0%}; failed: {failed}"
