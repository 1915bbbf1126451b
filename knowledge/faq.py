"""The FAQ built from the plans: natural questions per numbered item and per fact-bearing sentence.

One entry per meaning, with an answer per region: the lesson-hours sentences of 东莞, 枣庄 and the
county plan become the single entry "入团积极分子团课要多少学时？" with three regional answers. Curated
entries (admins') live in the same tables and are never touched by a rebuild.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from knowledge import facts, lexicon, segment
from knowledge.faq_questions import date_question, fact_question, item_question
from knowledge.normalize import compact, normalize

CLAUSE = re.compile(r"[，,；;：:。！？!?]")
MERGE_SHARED = 5.0  # idf weight two regions' fact clauses must share (beyond the unit) to be one entry
MERGE_HEADINGS = 85  # token_sort_ratio of two items' headings to be one entry
FAQ_UNITS = {"学时", "课时", "小时", "%", "场", "人", "名", "天", "岁", "万元", "元", "个月", "家", "所"}  # measures, not names
MAX_QUESTION = 40
# every quantity has a digit; every date a digit or one of these (facts.DATE_PATTERNS)
DATE_HINT = re.compile(r"\d|[今本明次]年|年[底末内]|[上下]半年")
HAS_DIGIT = re.compile(r"\d")
QUESTION_WORDS = re.compile(r"什么时候|多大比例|多少|如何|怎么|是什么")
# Merging compares a draft only with earlier entries that share one of its rarest words, and at most
# BLOCK_SCAN of those per word: near-linear, and bounded on plans that repeat themselves (a 5 MB
# compendium has the same heading hundreds of times; comparing every pair never finished).
BLOCK_TERMS = 3
BLOCK_SCAN = 64
SUBJECT_IDF = 2.5  # a listed question names something specific: a word at least this rare


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
    listed: bool = True  # shown in the browse list (its question reads naturally)

    def as_entry(self) -> dict:
        return {"question": self.question, "phrasings": self.phrasings, "section": self.section,
                "source_key": self.source_key, "sources": self.sources, "listed": self.listed}

    @property
    def regions(self) -> set[str]:
        return {s["region"] for s in self.sources}


def build(kb, doc_keys: list[str] | None = None) -> list[dict]:
    """Generate the FAQ entries from the indexed plans (all of them, or the given documents)."""
    rows = kb.store.knowledge.faq_source_rows(doc_keys)
    docs = kb.docs
    items = _item_drafts(rows, docs)
    fact_drafts = _fact_drafts(kb, rows, docs)
    drafts = _merge_items(items) + _merge_facts(kb, fact_drafts)
    for d in drafts:
        if not d.source_key.startswith(("item:", "meta:", "contact:")):  # an item is about its heading
            d.listed = d.listed and has_subject(kb, d.question)
    return [d.as_entry() for d in _distinct(drafts)]


def has_subject(kb, question: str) -> bool:
    """A question names what it is about: one of its words is specific (rare in the plans, not a
    word every plan uses) — "联系多少名青年？" does not; "组建多少人的青少年社工人才队伍？" does."""
    stop, generic = lexicon.stopwords(), lexicon.generic_words()
    body = QUESTION_WORDS.sub(" ", normalize(question))
    return any(len(t) >= 2 and t not in stop and t not in generic and not t.isdigit()
               and kb.analyzer.idf(t) >= SUBJECT_IDF for t in segment.cut(body))


def _distinct(drafts: list[Draft]) -> list[Draft]:
    """One entry per question text: the same question from two places answers from both (within
    one region, the first place's answer: a compendium repeats the same item many times)."""
    out: dict[str, Draft] = {}
    for d in drafts:
        first = out.get(d.question)
        if first is None:
            out[d.question] = d
        elif not first.regions & d.regions:
            first.sources += d.sources
    return list(out.values())


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
            question, listed = item_question(heading)
            d = drafts[r["item_id"]] = Draft(
                question=question, section=_section(docs[r["doc_key"]], r),
                source_key=f"item:{r['doc_key']}:{r['item_no']}", listed=listed,
                phrasings=list(dict.fromkeys([f"如何{heading}？", f"{heading}有哪些要求？", f"{heading}要做哪些工作？"])))
            d.tokens = {heading}
        if len([s for s in d.sources if s["doc_key"] == r["doc_key"]]) < 2:  # an item's first sentences
            d.sources.append({"region": docs[r["doc_key"]]["region"], "doc_key": r["doc_key"], "passage_id": r["id"]})
    return list(drafts.values())


def _rarest(words: set[str], freq: Counter) -> list[str]:
    return sorted(words, key=lambda w: (freq[w], w))[:BLOCK_TERMS]


def _merge_items(drafts: list[Draft]) -> list[Draft]:
    """Items of different regions with (nearly) the same heading are one entry: 加强“青年之声”平台建设."""
    keys = [" ".join(sorted(" ".join(segment.cut(next(iter(d.tokens)))).split())) for d in drafts]
    words = [set(k.split()) for k in keys]
    freq = Counter(w for ws in words for w in ws)
    out: list[Draft] = []
    out_keys: list[str] = []
    postings: dict[str, list[int]] = {}
    for d, key, ws in zip(drafts, keys, words):
        candidates = sorted({i for w in _rarest(ws, freq) for i in postings.get(w, ())[:BLOCK_SCAN]})
        regions = d.regions
        twin = next((out[i] for i in candidates if not out[i].regions & regions
                     and fuzz.ratio(key, out_keys[i], score_cutoff=MERGE_HEADINGS)), None)
        if twin:
            twin.sources += d.sources
            twin.phrasings.append(d.question)
            continue
        if any(out_keys[i] == key for i in candidates):
            out.append(d)  # a repeat of a heading already indexed: found through the first one
            out_keys.append(key)
            continue
        for w in ws:
            postings.setdefault(w, []).append(len(out))
        out.append(d)
        out_keys.append(key)
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
            if re.fullmatch(r"[\u4e00-\u9fff]{2,20}", who) and not who.endswith(("联系", "电话")) \
                    and "负责部门" not in text:
                out.append(Draft(f"{who}的联系方式是什么？", section, f"contact:{r['id']}",
                                 [f"{who}的电话是多少？", f"怎么联系{who}？"], [src]))
            continue
        if r["kind"] == "meta":
            title = doc["title"]
            out.append(Draft(f"《{title}》是什么时候发布的？", section, f"meta:{r['doc_key']}",
                             [f"{title}的文号是多少？", f"{title}是谁发的？"], [src]))
            continue
        if not DATE_HINT.search(text):
            continue  # no figure and no date: nothing to ask about (and the date scan is the slow part)
        clauses: dict[tuple[str, int], list] = {}
        for q in facts.find_quantities(text) if HAS_DIGIT.search(text) else ():
            if q.unit in FAQ_UNITS:
                clauses.setdefault(_clause_at(text, q.start, q.end), []).append(q)
        for (clause, at), quantities in clauses.items():
            if not 6 <= len(clause) <= MAX_QUESTION:
                continue
            q = quantities[0]
            m = facts.QUANTITY.match(q.text)
            question, listed = fact_question(clause, q.start - at, q.end - at, q.unit,
                                             m.group("pre") or "", m.group("post") or "")
            for other in quantities[1:]:  # "占比分别为30%、50%、20%" is one question, not three
                question, listed = question.replace(other.text, "多少" + ("" if other.unit == "%" else other.unit), 1), False
            d = Draft(question, section, f"fact:{r['id']}:{q.start}", [], [src], unit=q.unit, listed=listed)
            d.tokens, d.words = _content_tokens(kb, clause, q.text)
            out.append(d)
        asked = {clause for clause, _ in clauses}
        for f in facts.find_deadlines(text, doc["year"]):
            clause, at = _clause_at(text, f.start, f.end)
            if clause not in asked and len(clause) - len(f.text) >= 4 and len(clause) <= MAX_QUESTION:
                question, listed = date_question(clause, f.start - at, f.end - at)
                out.append(Draft(question, section, f"date:{r['id']}:{f.start}", [], [src], unit="date", listed=listed))
    return out


def _clause_at(text: str, start: int, end: int) -> tuple[str, int]:
    """The clause around text[start:end], and where it starts in text."""
    left = max((m.end() for m in CLAUSE.finditer(text, 0, start)), default=0)
    right = next((m.start() for m in CLAUSE.finditer(text, end)), len(text))
    raw = text[left:right]
    return raw.strip(), left + len(raw) - len(raw.lstrip())


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
    postings: dict[tuple[str, str], list[int]] = {}  # (unit, word) → entries holding it
    for d in drafts:
        best, best_w = None, 0.0
        if d.unit and d.unit != "date":
            rare = sorted(d.tokens, key=lambda t: (-kb.analyzer.idf(t), t))[:BLOCK_TERMS + 1]
            regions = d.regions
            for i in sorted({i for t in rare for i in postings.get((d.unit, t), ())[:BLOCK_SCAN]}):
                o = out[i]
                if o.regions & regions:
                    continue
                w = math.fsum(kb.analyzer.idf(t) for t in o.tokens & d.tokens)  # exact: no order effects
                if w >= MERGE_SHARED and w > best_w:
                    best, best_w = o, w
        if best is None:
            for t in d.tokens:
                postings.setdefault((d.unit, t), []).append(len(out))
            out.append(d)
            continue
        best.sources += d.sources
        best.phrasings.append(d.question)
        shared = best.tokens & d.tokens
        best.tokens = shared
        best.phrasings.append(best.question)
        best.question = _merged_question(best, shared)
        best.listed = True
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
    n = kb.store.faq.replace_generated(build(kb, doc_keys), now)
    kb.reload_faq()
    return n
