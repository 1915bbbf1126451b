"""Candidate passages for a question: lexical (FTS5 doclists of its rarest tokens, weighted by idf) and
dense (the nearest passage vectors), each restricted to the documents the question is about.
"""
from __future__ import annotations

import heapq
from collections import defaultdict

import numpy as np

from knowledge import segment
from knowledge.query import Query, Term

CANDIDATES = 40
DENSE_CANDIDATES = 20
MAX_FTS_TOKENS = 12
MIN_TOKENS = 2  # always read the two rarest tokens' doclists, whatever their length
SCAN_DOCUMENTS = 12  # restricted to at most this many documents: scan them instead
POSTINGS_BUDGET = 4000  # passage ids read per question (more when restricted to a few documents)
HARD_BUDGET = 30000  # never read more, even to reach MIN_TOKENS (青年 is in 60 % of passages)


def lexical(kb, q: Query, terms: list[Term], doc_keys: list[str] | None) -> list[int]:
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
        for key, passages in kb.documents_tokens(doc_keys).items():  # one read for the uncached ones
            for pid, toks in passages:
                for tok in toks.intersection(weights):
                    acc[pid] += weights[tok]
    else:
        allowed = {kb.doc_index[k] for k in doc_keys} if doc_keys else None
        doc_of = kb.doc_of
        postings = kb.postings_many(chosen)  # one round trip for the question's uncached tokens
        for tok in chosen:
            w = weights[tok]
            for pid in postings[tok]:
                if allowed is None or doc_of[pid] in allowed:
                    acc[pid] += w
    # Words of a document's title or issuer (樊城, 培训班) are not in its passages' tokens, yet the scoring
    # counts them for every passage of that document: so must the choice of candidates, or a short
    # passage holding only the question's rare word ("5月21日…报到") loses its place to long ones of
    # other documents that share several common words.
    named = _named_documents(kb, terms)
    if named:
        doc_of = kb.doc_of
        for pid in acc:
            acc[pid] += named.get(doc_of[pid], 0.0)
    ids = heapq.nlargest(CANDIDATES, acc, key=acc.__getitem__)
    extra_kinds = set()
    if q.intents & {"date", "docnumber"}:
        extra_kinds.add("meta")
    if "contact" in q.intents:
        extra_kinds.add("contact")
    for kind in extra_kinds:
        ids += kb.passages_of_kind(kind, doc_keys)
    return list(dict.fromkeys(ids))


def _named_documents(kb, terms: list[Term]) -> dict[int, float]:
    """Document index → the idf weight of the question's words that name it (its title or issuer words)."""
    out: dict[int, float] = defaultdict(float)
    for term in terms:
        best: dict[int, float] = {}
        for alt in term.alts:
            if len(alt) > 1:
                for key in kb.identity_documents(alt):
                    best[kb.doc_index[key]] = max(best.get(kb.doc_index[key], 0.0), kb.analyzer.idf(alt))
        for doc, w in best.items():
            out[doc] += w
    return out


def dense(kb, qvec: np.ndarray, doc_keys: list[str] | None, k: int = DENSE_CANDIDATES) -> list[tuple[int, float]]:
    """The passages nearest the question's vector, (id, cosine) best first, within `doc_keys` if given."""
    index = kb.dense()
    if index is None:
        return []
    docs = {kb.doc_index[key] for key in doc_keys} if doc_keys is not None else None
    return index.nearest(qvec, k, docs)
