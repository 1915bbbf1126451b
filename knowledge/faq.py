"""The FAQ built from the plans: natural questions per numbered item and per fact-bearing sentence.

One entry per meaning, with an answer per region: the lesson-hours sentences of 东莞, 枣庄 and the
county plan become the single entry "入团积极分子团课要多少学时？" with three regional answers. Curated
entries (admins') live in the same tables and are never touched by a rebuild.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from knowledge import facts, lexicon, segment
from knowledge.normalize import compact, normalize

CLAUSE = re.compile(r"[，,；;：:。！？!?]")
LEADING = re.compile(r"^(?:同时|并|并且|而且|以及|切实|进一步|积极|继续|持续|全面|大力|努力|着力|认真)+")
MERGE_SHARED = 5.0  # idf weight two regions' fact clauses must share (beyond the unit) to be one entry
MERGE_HEADINGS = 85  # token_sort_ratio of two items' headings to be one entry


@dataclass
class Draft:
    """An entry being built: its question, other phrasings, and (region, doc, passage) answers."""

    question: str
    section: str
    source_key: str
    phrasings: list[str] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    unit: str = ""
    tokens: set[str] = field(default_factory=set)

    def as_entry(self) -> dict:
        return {"question": self.question, "phrasings": self.phrasings, "section": self.section,
                "source_key": self.source_key, "sources": self.sources}


def build(kb) -> list[dict]:
    """Generate the FAQ entries from the indexed plans (the store's documents, items and passages)."""
    rows = list(kb.store.db.query(
        "SELECT p.id, p.doc_key, p.kind, p.text, p.position, i.id AS item_id, i.kind AS item_kind, "
        "i.section_no, i.section, i.item_no, i.heading FROM passage p JOIN item i ON i.id = p.item_id "
        "ORDER BY p.doc_key, i.position, p.position"))
    docs = kb.docs
    items = _item_drafts(rows, docs)
    fact_drafts = _fact_drafts(kb, rows, docs)
    return [d.as_entry() for d in _merge_items(items) + _merge_facts(kb, fact_drafts)]


def _section(doc: dict, row: dict) -> str:
    sec = f"{row['section_no']}、{row['section']}" if row["section_no"] else "文件信息"
    return f"{doc['title']} › {sec}"


def _item_drafts(rows: list[dict], docs: dict) -> list[Draft]:
    drafts: dict[int, Draft] = {}
    for r in rows:
        if r["item_kind"] != "item" or not r["heading"]:
            continue
        d = drafts.get(r["item_id"])
        if d is None:
            heading = r["heading"].strip("。；; ")
            d = drafts[r["item_id"]] = Draft(
                question=f"如何{heading}？" if not heading.startswith(("如何", "怎样")) else f"{heading}？",
                section=_section(docs[r["doc_key"]], r), source_key=f"item:{r['doc_key']}:{r['item_no']}",
                phrasings=[f"{heading}有哪些要求？", f"{heading}要做哪些工作？"])
            d.tokens = {heading}
        if len([s for s in d.sources if s["doc_key"] == r["doc_key"]]) < 2:  # an item's first sentences
            d.sources.append({"region": docs[r["doc_key"]]["region"], "doc_key": r["doc_key"], "passage_id": r["id"]})
    return list(drafts.values())


def _merge_items(drafts: list[Draft]) -> list[Draft]:
    """Items of different regions with (nearly) the same heading are one entry: 加强“青年之声”平台建设."""
    out: list[Draft] = []
    for d in drafts:
        heading = next(iter(d.tokens))
        twin = next((o for o in out if fuzz.token_sort_ratio(" ".join(segment.cut(heading)),
                                                             " ".join(segment.cut(next(iter(o.tokens))))) >= MERGE_HEADINGS
                     and not {s["region"] for s in o.sources} & {s["region"] for s in d.sources}), None)
        if twin:
            twin.sources += d.sources
            twin.phrasings.append(d.question)
        else:
            out.append(d)
    return out


def _fact_drafts(kb, rows: list[dict], docs: dict) -> list[Draft]:
    out: list[Draft] = []
    for r in rows:
        doc = docs[r["doc_key"]]
        text = normalize(r["text"])
        src = {"region": doc["region"], "doc_key": r["doc_key"], "passage_id": r["id"]}
        section = _section(doc, r)
        if r["kind"] == "contact":
            who = re.split(r"[:：]", text, 1)[0].strip('"“” ')
            if 1 < len(who) <= 20 and "负责部门" not in text:
                out.append(Draft(f"{who}的联系方式是什么？", section, f"contact:{r['id']}",
                                 [f"{who}的电话是多少？", f"怎么联系{who}？"], [src]))
            continue
        if r["kind"] == "meta":
            title = doc["title"]
            out.append(Draft(f"《{title}》是什么时候发布的？", section, f"meta:{r['doc_key']}",
                             [f"{title}的文号是多少？", f"{title}是谁发的？"], [src]))
            continue
        for q in facts.find_quantities(text):
            clause = _clause_at(text, q.start, q.end)
            blank = "多少" + ("" if q.unit == "%" else q.unit)
            question = _question(clause.replace(q.text.strip(), blank if q.unit != "%" else "多大比例"))
            if question:
                d = Draft(question, section, f"fact:{r['id']}:{q.start}", [], [src], unit=q.unit)
                d.tokens = _content_tokens(kb, clause, q.text)
                out.append(d)
        for f in facts.find_deadlines(text, doc["year"]):
            clause = _clause_at(text, f.start, f.end)
            question = _question(clause.replace(f.text, "什么时候"))
            if question:
                out.append(Draft(question, section, f"date:{r['id']}:{f.start}", [], [src], unit="date"))
    return out


def _clause_at(text: str, start: int, end: int) -> str:
    left = max((m.end() for m in CLAUSE.finditer(text, 0, start)), default=0)
    right = next((m.start() for m in CLAUSE.finditer(text, end)), len(text))
    return text[left:right].strip()


def _question(clause: str) -> str:
    clause = LEADING.sub("", clause).strip(' "“”')
    if len(clause) < 6:
        return ""
    return clause + "？"


def _content_tokens(kb, clause: str, fact_text: str) -> set[str]:
    """The clause's informative tokens, synonyms folded to one form (团前教育 ~ 团课), unit excluded."""
    groups = lexicon.synonym_groups()
    out = set()
    for tok in segment.search_tokens(clause.replace(fact_text, " ")):
        if len(tok) < 2 or tok.isdigit() or kb.analyzer.idf(tok) < 2.0:
            continue
        out.add(min(groups.get(tok, {tok})))
    return out


def _merge_facts(kb, drafts: list[Draft]) -> list[Draft]:
    """Same unit and a shared subject across regions → one entry with a regional answer each."""
    out: list[Draft] = []
    for d in drafts:
        best, best_w = None, 0.0
        for o in out:
            if o.unit != d.unit or not d.unit or d.unit == "date" or \
                    {s["region"] for s in o.sources} & {s["region"] for s in d.sources}:
                continue
            shared = o.tokens & d.tokens
            w = sum(kb.analyzer.idf(t) for t in shared)
            if w >= MERGE_SHARED and w > best_w:
                best, best_w = o, w
        if best is None:
            out.append(d)
            continue
        best.sources += d.sources
        best.phrasings.append(d.question)
        shared = best.tokens & d.tokens
        best.tokens = shared
        best.phrasings.append(best.question)
        best.question = _merged_question(best, shared)
    return out


def _merged_question(d: Draft, shared: set[str]) -> str:
    """"入团积极分子团课要多少学时？": the shared subject words in their order, then the blank."""
    first = d.phrasings[0] if d.phrasings else d.question
    ordered = sorted(shared, key=lambda t: (compact(first).find(t) if t in compact(first) else 999, t))
    subject = "".join(t for i, t in enumerate(ordered) if not any(t in o for o in ordered[:i]))
    unit = "" if d.unit == "%" else d.unit
    return f"{subject}要多少{unit}？" if unit else f"{subject}的比例是多少？"
