"""Deadlines written in the plans: what is due by when, read from each passage and cited.

    for d in plan_deadlines(store.knowledge.plan_passages()):
        d.title, d.date, d.time, d.due_text, d.key   # "2017年底，将初中阶段毕业班团青比例控制在30%以内" …

The dates come from knowledge/facts.py (2018年1月26日下午下班前, 12月底, 2020年底前, 6月份, 年内,
到2022年 …, resolved against the document's year, or its issue date for a year-less date); the title
is the clause that holds the date. Pure functions over passages: the alert planning, its times and
texts are handlers/reminders/alerts.py's.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Iterable

from knowledge.facts import find_deadlines

# Part of the alert planner's fingerprint: bump when what is found changes, so the plans are read again.
FINDER_VERSION = "1"


@dataclass(frozen=True)
class PlanDeadline:
    """One obligation with its date, as a plan passage states it."""

    title: str  # the clause holding the date, ≤ 60 characters
    date: dt.date
    time: dt.time | None
    due_text: str  # the plan's own words for the date, without spaces: 2018年1月26日下午下班前
    key: str  # stable across re-ingests: document + date + title
    doc_key: str
    doc_title: str
    doc_year: int | None
    region: str | None
    section: str
    excerpt: str  # the passage, for the citation


def plan_deadlines(passages: Iterable[dict]) -> list[PlanDeadline]:
    """Every deadline in the passages (rows with text, doc_key, doc_title, doc_year, doc_date, region,
    section), one per key (the same obligation twice in a document is one deadline)."""
    found: dict[str, PlanDeadline] = {}
    for p in passages:
        issued = dt.date.fromisoformat(p["doc_date"]) if p["doc_date"] else None
        for fact in find_deadlines(p["text"], p["doc_year"], issued):
            title = obligation(p["text"], fact.text)
            if not title:
                continue
            digest = hashlib.sha1(f"{p['doc_key']}|{fact.date}|{title}".encode()).hexdigest()[:16]
            key = f"plan:{p['doc_key']}:{digest}"
            found[key] = PlanDeadline(
                title=title, date=fact.date, time=fact.time, due_text=re.sub(r"\s+", "", fact.text), key=key,
                doc_key=p["doc_key"], doc_title=p["doc_title"], doc_year=p["doc_year"],
                region=p["region"] or None, section=p["section"], excerpt=p["text"][:300])
    return list(found.values())


def obligation(sentence: str, date_text: str, limit: int = 60) -> str:
    """The clause that holds the date (with the next one when the date stands alone), shortened."""
    compact = re.sub(r"\s+", "", sentence)
    date_compact = re.sub(r"\s+", "", date_text)
    clauses = [c for c in re.split(r"[，,；;。]", compact) if c]
    for i, clause in enumerate(clauses):
        if date_compact in clause:
            text = clause
            if len(clause) - len(date_compact) <= 4 and i + 1 < len(clauses):
                text = f"{clause}，{clauses[i + 1]}"
            return text if len(text) <= limit else text[: limit - 1] + "…"
    return ""
