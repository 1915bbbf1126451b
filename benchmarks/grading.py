"""Grading of question-set answers, the way ../shared/eval/grade.py grades them: facts that must appear
in the answer, regions that must be named (in the answer or its sources), declines where expected."""
from __future__ import annotations

import unicodedata


def norm(text) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def judge(case: dict, reply: dict) -> str | None:
    """None when the reply passes, else a short reason."""
    expect = case.get("expect", {})
    matched = bool(reply.get("matched"))
    if expect.get("matched") is False:
        return None if not matched else "should decline but answered"
    if not matched:
        return "declined"
    answer = norm(reply.get("answer", ""))
    missing = [n for n in expect.get("all_of", []) if norm(n) not in answer]
    if missing:
        return "missing " + ", ".join(missing)
    any_of = expect.get("any_of", [])
    if any_of and not any(norm(n) in answer for n in any_of):
        return "none of " + ", ".join(any_of)
    sources = " ".join(str(v) for s in reply.get("sources") or [] for v in (s.values() if isinstance(s, dict) else [s]))
    where = answer + norm(sources)
    lost = [c for c in expect.get("cities", []) if norm(c) not in where]
    if lost:
        return "city not named: " + ", ".join(lost)
    return None


def passes(case: dict, reply: dict) -> bool:
    return judge(case, reply) is None
