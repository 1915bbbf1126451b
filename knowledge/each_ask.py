"""A question that asks two things at once ("培训班在哪儿办，晚上住哪？") is answered on each: the sentences
of the answer's item are scored again against each asking clause alone, and the one that best answers a
clause the answer's own sentence does not is quoted beside it.

One sentence wins the whole question on the words of both clauses together, so the other ask went
unanswered (measured: such notice questions failed five times as often as the rest). Only the answer's
own item is searched: the clause is short ("晚上住哪"), and what it leaves unsaid is the item's topic.
"""
from __future__ import annotations

import re

from knowledge.decision import Result
from knowledge.scoring import score, sub_words

CLAUSE_BREAK = re.compile(r"[，,？?；;！!。]")
ASKING = re.compile(r"哪|啥|什么|谁|几|多少|多久|多长|怎么|咋|吗|是否|有没有|要不要|能不能")
CLAUSE_SHARE = 0.5  # the clause's sentence must hold at least this share of the clause's own words


def asking_clauses(raw: str) -> list[str]:
    """The clauses of a question that each ask something, when there are two or more."""
    parts = [p.strip() for p in CLAUSE_BREAK.split(raw) if p.strip()]
    asking = [p for p in parts if ASKING.search(p)]
    return asking if len(asking) >= 2 else []


def quote_each_ask(kb, result: Result) -> None:
    """Add to the answer's lead the sentences of its item that answer the asking clauses it does not."""
    q = result.query
    if result.decision != "answer" or not result.hits or q.lang != "zh":
        return
    clauses = asking_clauses(q.raw)
    if not clauses:
        return
    lead = result.hits[0]
    rows = kb.passages([r["id"] for r in kb.store.knowledge.item_passages(lead.item_id)])
    scored = []  # per clause: {pid: hit} of the sentences that can answer it
    for clause in clauses:
        cq = kb.analyzer.analyze(clause)
        terms = [t for t in cq.terms if t.weight > 0]
        parts = sub_words(terms)
        hits = [score(kb, cq, terms, parts, row) for row in rows.values()] if terms else []
        scored.append({h.pid: h for h in hits if h.holds and h.fits})
    if lead.pid not in rows:
        return

    def own(hits: dict) -> float:
        return hits[lead.pid].lexical if lead.pid in hits else 0.0

    def margin(hits: dict) -> float:
        return own(hits) - max((h.lexical for pid, h in hits.items() if pid != lead.pid), default=0.0)

    # The clause the lead answers most clearly is its own ("住哪" for the 住宿 sentence, though 党校学员公寓
    # sounds like a place too); each other clause gets the best other sentence that answers it as well.
    claimed = max(range(len(clauses)), key=lambda i: (margin(scored[i]), -i))
    shown = {lead.pid, *(s.pid for s in lead.siblings)}
    for i, hits in enumerate(scored):
        others = [h for pid, h in hits.items() if pid != lead.pid]
        if i == claimed or not others:
            continue
        best = max(others, key=lambda h: (h.lexical, -h.pid))
        if best.pid not in shown and best.lexical >= max(CLAUSE_SHARE, own(hits)):
            lead.siblings.append(best)
            shown.add(best.pid)
