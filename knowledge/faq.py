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
FAQ_UNITS = {"学时", "课时", "小时", "%", "场", "人", "名", "天", "岁", "万元", "元", "个月", "家", "所"}  # measures, not names
MAX_QUESTION = 40


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
    words: dict[str, str] = field(default_factory=dict)  # folded token → the document's own word

    def as_entry(self) -> dict:
        return {"question": self.question, "phrasings": self.phrasings, "section": self.section,
                "source_key": self.source_key, "sources": self.sources}


def build(kb, doc_keys: list[str] | None = None) -> list[dict]:
    """Generate the FAQ entries from the indexed plans (all of them, or the given documents)."""
    rows = kb.store.faq_source_rows(doc_keys)
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
            if len(heading) > MAX_QUESTION:
                continue
            d = drafts[r["item_id"]] = Draft(
                question=_item_question(heading),
                section=_section(docs[r["doc_key"]], r), source_key=f"item:{r['doc_key']}:{r['item_no']}",
                phrasings=[f"{heading}有哪些要求？", f"{heading}要做哪些工作？"])
            d.tokens = {heading}
        if len([s for s in d.sources if s["doc_key"] == r["doc_key"]]) < 2:  # an item's first sentences
            d.sources.append({"region": docs[r["doc_key"]]["region"], "doc_key": r["doc_key"], "passage_id": r["id"]})
    return list(drafts.values())


def _item_question(heading: str) -> str:
    if heading.endswith("情况"):
        return f"{heading}怎么考核？"  # the assessment notice's items are what is assessed
    if heading.startswith(("如何", "怎样")):
        return f"{heading}？"
    return f"如何{heading}？"


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
            who = re.sub(r'["“”]|联系方式$', "", re.split(r"[:：]", text, 1)[0]).strip()
            if 1 < len(who) <= 20 and "负责部门" not in text:
                out.append(Draft(f"{who}的联系方式是什么？", section, f"contact:{r['id']}",
                                 [f"{who}的电话是多少？", f"怎么联系{who}？"], [src]))
            continue
        if r["kind"] == "meta":
            title = doc["title"]
            out.append(Draft(f"《{title}》是什么时候发布的？", section, f"meta:{r['doc_key']}",
                             [f"{title}的文号是多少？", f"{title}是谁发的？"], [src]))
            continue
        clauses: dict[str, list] = {}
        for q in facts.find_quantities(text):
            if q.unit in FAQ_UNITS:
                clauses.setdefault(_clause_at(text, q.start, q.end), []).append(q)
        for clause, quantities in clauses.items():
            blanked = clause
            for q in quantities:  # "占比分别为30%、50%、20%" is one question, not three
                blanked = blanked.replace(q.text.strip(), "多少" + ("" if q.unit == "%" else q.unit), 1)
            question = _question(blanked)
            if question:
                d = Draft(question, section, f"fact:{r['id']}:{quantities[0].start}", [], [src],
                          unit=quantities[0].unit)
                d.tokens, d.words = _content_tokens(kb, clause, quantities[0].text)
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
    if not 6 <= len(clause) <= MAX_QUESTION:
        return ""
    return clause + "？"


def _content_tokens(kb, clause: str, fact_text: str) -> tuple[set[str], dict[str, str]]:
    """The clause's informative tokens with synonyms folded to one form (团前教育 ~ 团课), unit
    excluded; and each folded form → the clause's own word for it (to phrase a merged question)."""
    canonical = lexicon.synonym_canonical()
    out, words = set(), {}
    for tok in segment.search_tokens(clause.replace(fact_text, " ")):
        if len(tok) < 2 or tok.isdigit() or kb.analyzer.idf(tok) < 2.0:
            continue
        folded = canonical.get(tok, tok)
        out.add(folded)
        words.setdefault(folded, tok)
    return out, words


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
    first = compact(d.phrasings[0] if d.phrasings else d.question)
    own = list(d.words.values())
    # the first region's longest word holding each shared word: 入团 → 入团积极分子
    words = [max((v for v in own if d.words.get(t, t) in v), key=len, default=d.words.get(t, t)) for t in shared]
    words = [w for w in words if not any(w != o and w in o for o in words)]  # 入团 inside 入团积极分子
    ordered = sorted(words, key=lambda w: (first.find(w) if w in first else 999, w))
    subject = "".join(ordered)
    unit = "" if d.unit == "%" else d.unit
    return f"{subject}要多少{unit}？" if unit else f"{subject}的比例是多少？"


def rebuild(kb, now: str = "", doc_keys: list[str] | None = None) -> int:
    """Regenerate the plan-derived entries (curated ones stay) and reload the matcher."""
    n = kb.store.replace_generated_faq(build(kb, doc_keys), now)
    kb.reload_faq()
    return n
