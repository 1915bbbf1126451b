"""Find the passages that answer a question, and decide: answer, offer choices, or decline.

Candidates come from SQLite FTS5 over jieba tokens; each is then scored by how much of the
question's weighted terms it covers (synonyms count, typos count partly via a rapidfuzz alignment of
the unknown term, words only in the section title count less). The decision uses the best score and
the gap to the runner-up; per-region variants of the same rule are kept together.
"""
from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from knowledge import pinyin, segment
from knowledge.index import HEAD_MARK
from knowledge.query import Query, Term

FLOOR = 0.45  # below this nothing is offered: the documents do not answer it …
CLEAR_FLOOR, CLEAR_RATIO = 0.4, 1.3  # … unless the best item stands this clearly above the runner-up
ANSWER = 0.66  # at or above this the best passage is an answer on its own
TIE = 0.02  # items scoring within this of the best are equally good answers
GAP = 0.06  # closer than this to a different item of the same region, below ANSWER: offer choices
REGION_RATIO = 0.8  # other regions are shown when their best is within this ratio of the best
ASKER_RATIO = 0.6  # the asker's own region is shown down to this ratio
NAMED_RATIO = 0.5  # a region the question names (with others) is shown down to this ratio
CANDIDATES = 20
LENGTH_PENALTY = 0.06
SECOND_RATIO = 0.93  # a second item of the same region this close to its first is shown too
HEADING_CREDIT = 0.9  # a term found only in the passage's heading
SIBLING_RATIO = 0.85  # other sentences of the answer's item this close to it are quoted with it
MAX_FTS_TOKENS = 12
MIN_TOKENS = 2  # always read the two rarest tokens' doclists, whatever their length
SCAN_DOCUMENTS = 12  # restricted to at most this many documents: scan them instead
POSTINGS_BUDGET = 4000  # passage ids read per question (more when restricted to a few documents)
HARD_BUDGET = 30000  # never read more, even to reach MIN_TOKENS (青年 is in 60 % of passages)
MONEY_IN_TEXT = re.compile(r"\d+(?:\.\d+)?\s*(?:万|亿)?元")
NUMBER_IN_TEXT = re.compile(r"\d|[一二两三四五六七八九十百千万]+[个项类种条名级批届次场]|首届|双|半")
CONTACT_IN_TEXT = re.compile(r"电话|邮箱|地址|邮编|@|\d{7,}")
DATE_IN_TEXT = re.compile(r"\d{4}年\d{1,2}月|\d{1,2}月(?:底|份|\d{1,2}日)|年底|年内|月底")


@dataclass
class Hit:
    pid: int
    passage: dict
    doc: dict
    score: float
    matched: tuple[tuple[str, float], ...] = ()  # (term form found, term weight)
    follow: str = ""  # the next sentence(s) of the same item, when the answer needs them
    siblings: list["Hit"] = field(default_factory=list)  # other sentences of the same item that match too

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
    refusal = out_of_scope(kb, q)
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
    if not hits or not _confident(hits):
        return Result(q, "decline", hits=hits[:3], reason="no-match", best=best)
    chosen, ambiguous = _choose(hits, q, asker_region)
    return Result(q, "choices" if ambiguous else "answer", chosen, best=best)


def _confident(hits: list[Hit]) -> bool:
    """Enough of the question is covered — or a little less, when one item clearly stands out."""
    best = hits[0].score
    if best >= FLOOR:
        return True
    runner_up = next((h.score for h in hits[1:] if h.item_id != hits[0].item_id), 0.0)
    return best >= CLEAR_FLOOR and best >= runner_up * CLEAR_RATIO


def out_of_scope(kb, q: Query) -> str:
    """Why a question is outside the documents (a place or year they do not cover), or ""."""
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
            for tok in segment.fts_tokens(alt):
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
    body = text[text.find(HEAD_MARK) + 1:]
    for term in terms:
        m, form = _term_match(term, text, body, context, parts, tokens)
        total += term.weight
        gained += term.weight * m
        if m >= 0.6:
            matched.append((form, term.weight))
    score = gained / total if total else 0.0
    score = score * _length_factor(len(p["text"])) + _intent_bonus(q, p)
    return Hit(p["id"], p, kb.docs[p["doc_key"]], min(score, 1.0), tuple(matched))


def _term_match(term: Term, text: str, body: str, context: str, sub_words: dict[str, list[str]],
                tokens: str) -> tuple[float, str]:
    """How well a passage holds a term (0–1), and the form it holds it in."""
    alts = term.alts
    if len(term.text) == 1:
        # One character matches only as a word of its own: 系 (to tie) is not the 系 of 联系.
        for alt in alts:
            if f" {alt} " in tokens:
                return 1.0, alt
        return 0.0, term.text
    for i, alt in enumerate(alts):
        if alt in text:
            # the sentence itself beats its heading: every item of 宁波's plan is a "专项行动"
            return (1.0 if i == 0 else 0.95) * (1.0 if alt in body else HEADING_CREDIT), alt
    if context:
        for alt in alts:
            if alt in context:
                return 0.6, alt
    best = 0.0
    for alt in alts:
        parts = sub_words[alt]
        if parts:
            found = 0
            for t in parts:
                if t in text:
                    found += 1
            if found:
                best = max(best, 0.7 * found / len(parts))
    if term.fuzzy and best < 0.8:
        # A typo or homophone in a name (中国青创版 → 中国青创板, 亲青愁 → 亲青筹).
        best = max(best, near_match(term.text, text))
    return best, term.text


def near_match(term: str, text: str) -> float:
    """0.9 when a window of `text` differs from `term` by one homophone, less for other near misses."""
    n = len(term)
    if term in text:
        return 1.0
    chars = set(term)
    missing = sum(1 for ch in chars if ch not in text)
    if missing > 2:
        return 0.0  # cheap rejection: most passages share few of the name's characters
    best = 0.0
    if missing <= 1:
        starts = set()
        for k in (0, 1):  # a one-character slip leaves the first or the second character in place
            i = text.find(term[k])
            while i != -1:
                if 0 <= i - k <= len(text) - n:
                    starts.add(i - k)
                i = text.find(term[k], i + 1)
        for i in starts:
            diff = [(a, b) for a, b in zip(term, text[i:i + n]) if a != b]
            if len(diff) == 1:
                best = max(best, 0.9 if pinyin.homophones(*diff[0]) else (0.75 if n >= 4 else 0.6))
    if best == 0.0 and n >= 5 and fuzz.partial_ratio(term, text, score_cutoff=70) >= 100 * (1 - 1.2 / n):
        best = 0.75  # one character missing or added in a long name
    return best


def _length_factor(length: int) -> float:
    """Long sentences match generic words by sheer size; a mild penalty per doubling past 80 chars."""
    return 1.0 if length <= 80 else 1.0 / (1.0 + LENGTH_PENALTY * math.log2(length / 80))


def _intent_bonus(q: Query, p: dict) -> float:
    """Reward a passage holding the kind of fact asked for; penalise one that cannot hold it."""
    text = p["norm"]
    bonus = 0.0
    if "date" in q.intents:
        bonus += 0.08 if p["kind"] == "meta" or DATE_IN_TEXT.search(text) else -0.06
    if "contact" in q.intents:
        bonus += 0.15 if p["kind"] == "contact" else (0.0 if CONTACT_IN_TEXT.search(text) else -0.06)
    elif p["kind"] == "contact":
        bonus -= 0.1  # a contact line answers "who/how to reach", not what the item is about
    if "docnumber" in q.intents and p["kind"] == "meta":
        bonus += 0.15
    if "money" in q.intents and not MONEY_IN_TEXT.search(text):
        bonus -= 0.15  # "资助多少钱" is not answered by a sentence that names no amount
    if "number" in q.intents:
        bonus += 0.03 if NUMBER_IN_TEXT.search(text) else -0.06
    return bonus


def _choose(hits: list[Hit], q: Query, asker_region: str | None) -> tuple[list[Hit], bool]:
    """The hits to show, grouped by region with the asker's first; and whether to offer choices."""
    best = hits[0].score
    by_region: dict[str, list[Hit]] = {}
    for h in hits:
        by_region.setdefault(h.region, []).append(h)
    top = hits[0]
    rivals = [h for h in by_region[top.region] if h.item_id != top.item_id]
    close = best - rivals[0].score < GAP if rivals else False
    tied = [h for h in _distinct_items(by_region[top.region]) if h.score >= best - TIE]
    vague = len([t for t in q.terms if t.weight >= 1.0]) <= 2 and len(tied) >= 3
    # Low confidence with a close rival, or a vague question that several items answer equally well
    # ("宁波的专项行动": all sixteen are): ask which one rather than pick one at random.
    if (best < ANSWER and close and len(by_region) == 1) or (vague and len(q.regions) <= 1):
        return _distinct_items(by_region[top.region])[:3], True
    regions = []
    for region, rhits in by_region.items():
        if region in q.regions and len(q.regions) > 1:
            ratio = NAMED_RATIO  # "东莞和枣庄分别…": each region named gets its best answer
        else:
            ratio = ASKER_RATIO if _askers(rhits[0], asker_region) else REGION_RATIO
        if rhits[0].score >= max(min(FLOOR, best) * (ratio / REGION_RATIO if ratio < REGION_RATIO else 1), best * ratio):
            regions.append(region)
    regions.sort(key=lambda r: (not _askers(by_region[r][0], asker_region), -by_region[r][0].score))
    chosen = []
    for region in regions[:4]:
        rhits = by_region[region]
        lead = rhits[0]
        lead.siblings = [h for h in rhits[1:] if h.item_id == lead.item_id and h.score >= lead.score * SIBLING_RATIO]
        chosen.append(lead)
        second = next((h for h in rhits[1:] if h.item_id != rhits[0].item_id), None)
        if second and second.score >= rhits[0].score * SECOND_RATIO and second.score >= min(ANSWER, best):
            chosen.append(second)
    return chosen, False


def _askers(hit: Hit, asker_region: str | None) -> bool:
    """Whether a hit's document is of the asker's region: the region itself, or an organisation
    in it (a 东莞 school's notice is 东莞's for an asker there)."""
    return bool(asker_region) and (hit.region == asker_region or asker_region in hit.doc.get("places", ()))


def _distinct_items(hits: list[Hit]) -> list[Hit]:
    seen, out = set(), []
    for h in hits:
        if h.item_id not in seen:
            seen.add(h.item_id)
            out.append(h)
    return out
