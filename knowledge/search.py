"""Find the passages that answer a question, and decide: answer, offer choices, or decline.

Candidates come from SQLite FTS5 over jieba tokens; each is then scored by how much of the
question's weighted terms it covers (synonyms count, typos count partly via a rapidfuzz alignment of
the unknown term, words only in the section title count less). The decision uses the best score and
the gap to the runner-up; per-region variants of the same rule are kept together.
"""
from __future__ import annotations

import heapq
import re
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from knowledge import segment
from knowledge.query import Query, Term

FLOOR = 0.5  # below this nothing is offered: the documents do not answer it
ANSWER = 0.66  # at or above this the best passage is an answer on its own
GAP = 0.06  # closer than this to a different item of the same region, below ANSWER: offer choices
REGION_RATIO = 0.8  # other regions are shown when their best is within this ratio of the best
ASKER_RATIO = 0.6  # the asker's own region is shown down to this ratio
CANDIDATES = 30
MAX_FTS_TOKENS = 12
MIN_TOKENS = 2  # always read the two rarest tokens' doclists, whatever their length
SCAN_DOCUMENTS = 12  # restricted to at most this many documents: scan them instead
POSTINGS_BUDGET = 4000  # passage ids read per question (more when restricted to a few documents)
HARD_BUDGET = 30000  # never read more, even to reach MIN_TOKENS (青年 is in 60 % of passages)
DATE_IN_TEXT = re.compile(r"\d{4}年\d{1,2}月|\d{1,2}月(?:底|份|\d{1,2}日)|年底|年内|月底")


@dataclass
class Hit:
    pid: int
    passage: dict
    doc: dict
    score: float
    matched: tuple[tuple[str, float], ...] = ()  # (term form found, term weight)

    @property
    def region(self) -> str:
        return self.doc["region"]

    @property
    def item_id(self) -> int:
        return self.passage["item_id"]


@dataclass
class Result:
    query: Query
    decision: str  # "answer" | "choices" | "decline"
    hits: list[Hit] = field(default_factory=list)
    reason: str = ""
    best: float = 0.0


def search(kb, q: Query, asker_region: str | None = None) -> Result:
    refusal = _out_of_scope(kb, q)
    if refusal:
        return Result(q, "decline", reason=refusal)
    doc_keys = _documents_for(kb, q)
    if doc_keys == []:
        return Result(q, "decline", reason=_not_covered(kb, q))
    terms = list(q.terms) + _year_terms(kb, q)
    if not terms:
        return Result(q, "decline", reason="empty")
    ids = _candidates(kb, q, terms, doc_keys)
    passages = kb.passages(ids)
    parts = _sub_words(terms)
    hits = [_score(kb, q, terms, parts, p) for p in passages.values()]
    hits.sort(key=lambda h: (-h.score, h.pid))
    best = hits[0].score if hits else 0.0
    if best < FLOOR:
        return Result(q, "decline", hits=hits[:3], reason="no-match", best=best)
    chosen, ambiguous = _choose(hits, q, asker_region)
    return Result(q, "choices" if ambiguous else "answer", chosen, best=best)


def _out_of_scope(kb, q: Query) -> str:
    if q.unknown_places and not q.regions:
        return "place:" + q.unknown_places[0]
    for year in q.years:
        if year not in kb.doc_years and year not in kb.corpus_years:
            return f"year:{year}"
    return ""


def _documents_for(kb, q: Query) -> list[str] | None:
    """The documents a question is restricted to (None: all); [] when its region/year has none."""
    if not q.regions and not q.doc_years:
        return None
    docs = [d for d in kb.docs.values() if not q.regions or d["region"] in q.regions]
    if q.doc_years:
        docs = [d for d in docs if d["year"] in q.doc_years]
    elif q.regions and q.years:
        dated = [d for d in docs if d["year"] in q.years]
        docs = dated or [d for d in docs if kb.mentions_year(d["key"], tuple(q.years))]
    return [d["key"] for d in docs]


def _not_covered(kb, q: Query) -> str:
    what = "、".join(q.regions) + "".join(f"{y}年" for y in (q.doc_years or q.years))
    return "scope:" + what


def _year_terms(kb, q: Query) -> list[Term]:
    """A year the question names that is no document's year is content ("2018年底…")."""
    return [Term(str(y), (f"{y}年", str(y)), kb.analyzer.idf(str(y)))
            for y in q.years if y not in kb.doc_years and str(y) in kb.df]


def _candidates(kb, q: Query, terms: list[Term], doc_keys: list[str] | None) -> list[int]:
    """Passages holding the question's most informative tokens, weighted by idf (FTS5 doclists).

    FTS5's own `ORDER BY rank` scores every match (~4 µs a row: 240 ms for 青年 at 100k passages), so
    the doclists of the rarest tokens are read unranked and summed here, within a budget of postings.
    """
    weights: dict[str, float] = {}
    for term in terms:
        for alt in term.alts:
            for tok in segment.word_tokens(alt) if not alt.isascii() or alt.isdigit() else [alt]:
                if tok in kb.df and (len(tok) > 1 or tok.isdigit()):
                    w = kb.analyzer.idf(tok) * (1.0 if alt == term.alts[0] else 0.9)
                    weights[tok] = max(weights.get(tok, 0.0), w)
    budget = POSTINGS_BUDGET * (2 if doc_keys else 1)
    chosen, used = [], 0
    for tok in sorted(weights, key=lambda t: (-weights[t], t)):
        over = used + kb.df[tok] > budget
        if (len(chosen) >= MIN_TOKENS and over) or len(chosen) >= MAX_FTS_TOKENS or used + kb.df[tok] > HARD_BUDGET:
            break
        chosen.append(tok)
        used += kb.df[tok]
    acc: dict[int, float] = defaultdict(float)
    if doc_keys and len(doc_keys) <= SCAN_DOCUMENTS:
        # A few documents: scanning their passages' token sets beats reading global doclists.
        for key in doc_keys:
            for pid, toks in kb.document_tokens(key):
                for tok in toks.intersection(weights):
                    acc[pid] += weights[tok]
    else:
        allowed = {kb.doc_index[k] for k in doc_keys} if doc_keys else None
        doc_of = kb.doc_of
        for tok in chosen:
            w = weights[tok]
            for pid in kb.postings(tok):
                if allowed is None or doc_of[pid] in allowed:
                    acc[pid] += w
    ids = heapq.nlargest(CANDIDATES, acc, key=acc.__getitem__)
    extra_kinds = set()
    if q.intents & {"date", "docnumber"}:
        extra_kinds.add("meta")
    if "contact" in q.intents:
        extra_kinds.add("contact")
    for kind in extra_kinds:
        ids += kb.passages_of_kind(kind, doc_keys)
    return list(dict.fromkeys(ids))


def _sub_words(terms: list[Term]) -> dict[str, list[str]]:
    """Each multi-character form's dictionary sub-words (团前教育 → 团前, 教育), computed once per question."""
    out = {}
    for term in terms:
        for alt in term.alts:
            out[alt] = [t for t in segment.word_tokens(alt) if len(t) > 1 and t != alt]
    return out


def _score(kb, q: Query, terms: list[Term], parts: dict[str, list[str]], p: dict) -> Hit:
    text = p["norm"]
    context = (p.get("section") or "") + (p.get("sub") or "")
    if p["kind"] == "meta":
        context += kb.docs[p["doc_key"]]["title"]
    total = gained = 0.0
    matched = []
    tokens = f" {p['tokens']} "
    for term in terms:
        m = _term_match(term, text, context, parts, tokens)
        total += term.weight
        gained += term.weight * m
        if m >= 0.6:
            matched.append((next((a for a in term.alts if a in text), term.text), term.weight))
    score = gained / total if total else 0.0
    score += _intent_bonus(q, p)
    return Hit(p["id"], p, kb.docs[p["doc_key"]], min(score, 1.0), tuple(matched))


def _term_match(term: Term, text: str, context: str, sub_words: dict[str, list[str]], tokens: str) -> float:
    if len(term.text) == 1:
        # One character matches only as a word of its own: 系 (to tie) is not the 系 of 联系.
        return 1.0 if any(f" {alt} " in tokens for alt in term.alts) else 0.0
    if any(alt in text for alt in term.alts):
        return 1.0 if term.alts[0] in text or len(term.alts) == 1 else 0.95
    if any(alt in context for alt in term.alts):
        return 0.6
    best = 0.0
    for alt in term.alts:
        parts = sub_words[alt]
        if parts:
            found = sum(1 for t in parts if t in text)
            best = max(best, 0.7 * found / len(parts))
    if term.fuzzy and len(term.text) >= 3 and best < 0.8:
        # A typo or homophone in a name (中国青创版 → 中国青创板): one character off in the best window.
        ratio = fuzz.partial_ratio(term.text, text, score_cutoff=70)
        if ratio >= 100 * (1 - 1.2 / len(term.text)):
            best = max(best, 0.85)
    return best


def _intent_bonus(q: Query, p: dict) -> float:
    bonus = 0.0
    if "date" in q.intents and (p["kind"] == "meta" or DATE_IN_TEXT.search(p["norm"])):
        bonus += 0.08
    if "contact" in q.intents and p["kind"] == "contact":
        bonus += 0.15
    if "docnumber" in q.intents and p["kind"] == "meta":
        bonus += 0.15
    if "number" in q.intents and re.search(r"\d", p["norm"]):
        bonus += 0.03
    return bonus


def _choose(hits: list[Hit], q: Query, asker_region: str | None) -> tuple[list[Hit], bool]:
    """The hits to show, grouped by region with the asker's first; and whether to offer choices."""
    best = hits[0].score
    by_region: dict[str, list[Hit]] = {}
    for h in hits:
        by_region.setdefault(h.region, []).append(h)
    top = hits[0]
    rivals = [h for h in by_region[top.region] if h.item_id != top.item_id]
    if best < ANSWER and rivals and best - rivals[0].score < GAP and len(by_region) == 1:
        options = [top] + [h for h in _distinct_items(hits) if h.pid != top.pid]
        return options[:3], True
    regions = []
    for region, rhits in by_region.items():
        floor = max(FLOOR, best * (ASKER_RATIO if region == asker_region else REGION_RATIO))
        if rhits[0].score >= floor:
            regions.append(region)
    regions.sort(key=lambda r: (r != asker_region, -by_region[r][0].score))
    chosen = []
    for region in regions[:4]:
        rhits = by_region[region]
        chosen.append(rhits[0])
        second = next((h for h in rhits[1:] if h.item_id != rhits[0].item_id), None)
        if second and second.score >= rhits[0].score * 0.97 and second.score >= ANSWER:
            chosen.append(second)
    return chosen, False


def _distinct_items(hits: list[Hit]) -> list[Hit]:
    seen, out = set(), []
    for h in hits:
        if h.item_id not in seen:
            seen.add(h.item_id)
            out.append(h)
    return out
