"""Find the passages that answer a question, and decide: answer, offer choices, or decline.

    normalise → candidates (FTS5 on jieba tokens ∪ dense neighbours) → score → fuse → decision

The lexical stage runs first (candidates.lexical, scoring.score). When it answers confidently the
question is never embedded: that is the fast path. Otherwise the question's vector brings in the nearest
passages too, every candidate gets both scores, and decision.fused_decision decides on the two together.
"""
from __future__ import annotations

from knowledge import answerable, candidates, decision, deeds
from knowledge.each_ask import quote_each_ask
from knowledge.decision import Decline, Result
from knowledge.query import Query, Term
from knowledge.scoring import Hit, near_match, score, sub_words

__all__ = ["Hit", "Result", "near_match", "out_of_scope", "search"]


def search(kb, q: Query, asker_region: str | None = None) -> Result:
    outside = out_of_scope(kb, q)
    if outside:
        return Result(q, "decline", reason=outside)
    doc_keys = _documents_for(kb, q, asker_region)
    if doc_keys == []:
        return Result(q, "decline", reason=_not_covered(kb, q))
    terms = list(q.terms) + _year_terms(kb, q)
    if not terms:
        return Result(q, "decline", reason=Decline("empty"))
    ids = candidates.lexical(kb, q, terms, doc_keys)
    parts = sub_words(terms)
    hits = [score(kb, q, terms, parts, p) for p in kb.passages(ids).values()]
    hits.sort(key=lambda h: (-h.score, h.pid))
    answerable.check(kb, hits, q)
    answerable.mention_check(hits, q)
    deeds.deed_check(hits, q)
    answerable.year_check(kb, hits, q)
    result = decision.lexical_decision(hits, q, asker_region)
    if decision.settled(result) or not kb.semantic.available:
        quote_each_ask(kb, result)
        return result  # the fast path: a confident lexical answer never waits for the model
    qvec = kb.query_vector(q.raw)
    index = kb.dense() if qvec is not None else None
    if index is None:
        quote_each_ask(kb, result)
        return result
    near = candidates.dense(kb, qvec, doc_keys)
    more = [pid for pid, _ in near if pid not in ids]
    extra = [score(kb, q, terms, parts, p) for p in kb.passages(more).values()]
    extra.sort(key=lambda h: (-h.score, h.pid))
    answerable.mention_check(extra, q)
    deeds.deed_check(extra, q)
    answerable.year_check(kb, extra, q)
    hits += extra
    answerable.check(kb, hits, q)  # together: a contrast seen among the words' hits binds the neighbours too
    cosines = index.similarity(qvec, [h.pid for h in hits])
    for h in hits:
        h.cosine = cosines.get(h.pid)
    fused = decision.fused_decision(hits, near, q, asker_region, _key_terms(kb, terms), lexical=result)
    fused.qvec = qvec
    quote_each_ask(kb, fused)
    return fused


def _key_terms(kb, terms: list[Term], most: int = 3) -> list[frozenset[str]]:
    """The forms of the question's weightiest terms that the index knows (a passage must hold one of
    them to earn dense credit)."""
    known = [t for t in terms if t.text in kb.df or any(alt in kb.df for alt in t.alts)]
    known.sort(key=lambda t: (-t.weight, t.text))
    return [frozenset(t.alts) | {t.text} for t in known[:most]]


def out_of_scope(kb, q: Query) -> Decline | None:
    """Why a question is outside the documents (a place or year they do not cover), or None."""
    if q.unknown_places and not q.regions:
        return Decline("place", q.unknown_places[0])
    for year in q.years:
        if year not in kb.doc_years and year not in kb.corpus_years:
            return Decline("year", str(year))
    return None


def _documents_for(kb, q: Query, asker_region: str | None = None) -> list[str] | None:
    """The documents a question is restricted to (None: all); [] when its region/year has none."""
    if not q.regions and not q.doc_years:
        return None
    wanted = set(q.regions)  # a place can stand for many regions (every school of a city): a set
    docs = [d for d in kb.docs.values() if not wanted or d["region"] in wanted]
    if q.doc_years:
        docs = [d for d in docs if d["year"] in q.doc_years]
    elif q.regions and q.years:
        dated = [d for d in docs if d["year"] in q.years]
        docs = dated or [d for d in docs if kb.mentions_year(d["key"], tuple(q.years))]
    keys = [d["key"] for d in docs]
    return _committee_documents(kb, q, keys, asker_region) if q.committee else keys


def _committee_documents(kb, q: Query, keys: list[str], asker_region: str | None) -> list[str]:
    """"团县委" is any county's league committee: of the committees' documents among `keys`, those the
    question's other words name (助学金 → the county's 助学金 notice), else the asker's own, else the
    plan of the region called so (the bundled 团县委 plan), else all of them; the other regions named
    keep theirs."""
    regions = set(kb.analyzer.regions_for(q.committee))
    ours = [k for k in keys if kb.docs[k]["region"] in regions]
    others = [k for k in keys if k not in ours]  # "团县委和枣庄…": 枣庄's stay
    if len({kb.docs[k]["region"] for k in ours}) < 2:
        return keys
    named = {key for t in q.terms for alt in t.alts if len(alt) > 1 for key in kb.identity_documents(alt)}
    chosen = ([k for k in ours if k in named] or [k for k in ours if kb.docs[k]["region"] == asker_region]
              or [k for k in ours if kb.docs[k]["region"] == q.committee] or ours)
    return chosen + others


def _not_covered(kb, q: Query) -> Decline:
    return Decline("scope", "、".join(q.regions) + "".join(f"{y}年" for y in (q.doc_years or q.years)))


def _year_terms(kb, q: Query) -> list[Term]:
    """A year the question names that is no document's year is content ("2018年底…")."""
    return [Term(str(y), (f"{y}年", str(y)), kb.analyzer.idf(str(y)))
            for y in q.years if y not in kb.doc_years and str(y) in kb.df]
