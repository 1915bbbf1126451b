"""An admin's curated FAQ entries judged the way passages are: by how much of the question their words
cover, and by how far their meaning stands above the question's background.

Question-to-question similarity (`FaqIndex.match`, `match_vector`) misses everyday paraphrases that share
few characters with the entry's question, and e5's question-to-question cosines of a paraphrase and of a
question on the same subject that asks something else overlap. An entry's question *and* answer together
are a small passage: scored with the passages' lexical machinery (`scoring.score`: synonyms, term
weights, the kind of fact asked for — a count asked, none written, is no answer) plus the dense credit the
fusion gives a passage (its answer's cosine above the question's background among the documents'
passages), an entry is found by a paraphrase whose words it holds in its answer ("三会两制一课里的两制是啥"
→ "“两制”是团员教育评议制度和…"), while a question that shares the subject but asks something else
leaves too much uncovered or stands too little above the background.

The curated entry is preferred when it answers at least as well as the best passage: an admin wrote it
for exactly such questions, and the plans may only name the term. Calibrated on
tests/data/faq-curated-dev.jsonl (see README, *The FAQ*).
"""
from __future__ import annotations

import weakref
from typing import Callable

import numpy as np

from knowledge import answerable, candidates
from knowledge.asks import MEASURES, asks, same_ask
from knowledge.decision import DENSE_WEIGHT
from knowledge.faq_index import FaqIndex, FaqMatch, names_missing, shape
from knowledge.index import HEAD_MARK
from knowledge.normalize import compact
from knowledge.query import Query
from knowledge.scoring import score, sub_words
from knowledge.segment import index_text

CURATED_FLOOR = 0.80  # fused score (words + meaning) at or above which a curated entry answers
MIN_LEXICAL = 0.5  # … with at least this share of the question's words in the entry's question and answer
MIN_MEANING = 0.92  # … and at least this close in meaning (FaqIndex's mean cosine; its vector path alone asks 0.93)
MIN_STANDOUT = 0.03  # … and its answer's cosine this far above the question's background among the passages

_passages: "weakref.WeakKeyDictionary[FaqIndex, dict[int, dict]]" = weakref.WeakKeyDictionary()


def entry_passages(index: FaqIndex) -> dict[int, dict]:
    """Each curated entry as a passage row (its question and answer), built once per loaded FAQ."""
    rows = _passages.get(index)
    if rows is None:
        rows = {}
        for e in index.entries.values():
            if e["kind"] != "curated" or not e.get("answer"):
                continue
            text = f"{e['question']} {e['answer']}"
            rows[e["id"]] = {"id": -e["id"], "text": text, "norm": HEAD_MARK + compact(text),
                             "tokens": index_text(text), "kind": "faq", "section": "", "sub": "",
                             "doc_key": None, "item_id": None}
        _passages[index] = rows
    return rows


def best_curated(kb, q: Query, passage_best: float, vector: Callable[[], np.ndarray | None]) -> FaqMatch | None:
    """The curated entry that answers the question at least as well as the best passage (fused score
    `passage_best`), if one reaches CURATED_FLOOR with both signals: its words cover at least
    MIN_LEXICAL of the question and its meaning stands MIN_STANDOUT above the question's background.
    Entries asking another kind of thing (how long / which papers), naming another league term (三会一课
    / 三会两制一课) or contrasting with the question (入党 / 入团) are never chosen. `vector()` gives the
    question's vector: asked for only when an entry's words qualify, so a confident lexical answer
    waits for the model only when an admin's entry competes with it."""
    rows = entry_passages(kb.faq)
    if not rows or q.lang != "zh" or kb.faq.embedder is None:
        return None
    forms = {alt for t in q.terms for alt in t.alts if len(alt) > 1}
    todo = {eid: row for eid, row in rows.items() if any(f in row["norm"] for f in forms)}
    if not todo:
        return None
    terms = list(q.terms)
    parts = sub_words(terms)
    words = shape(q.raw)[1]
    asked = asks(q.raw)
    lexical: dict[int, float] = {}
    for eid, row in todo.items():
        hit = score(kb, q, terms, parts, row)
        if not hit.holds or hit.score < MIN_LEXICAL:
            continue  # a date asked, none written; or too little of the question is in the entry
        question = kb.faq.entries[eid]["question"]
        if not same_ask(q.raw, question) or (asked in MEASURES and asks(question) == "whether"):
            continue  # a figure asked: a yes/no entry's answer names one only by the way ("28周岁以下入党…吗")
        if names_missing(words, row["norm"]) or answerable.contradicts(q, row["text"]):
            continue  # another league term of the same shape (三会一课 / 三会两制一课), or 入党 for 入团
        lexical[eid] = hit.score
    if not lexical:
        return None
    qvec = vector()
    if qvec is None:
        return None
    near = candidates.dense(kb, qvec, None)
    if not near:
        return None
    # The question's background among the documents' passages: an entry's answer is a passage too.
    background = sum(c for _, c in near) / len(near)
    qvec = np.asarray(qvec, dtype=np.float32)
    meaning, answers = kb.faq.vectors().scores(qvec), kb.faq.vectors().answer_scores(qvec)
    best: FaqMatch | None = None
    for eid, words_score in lexical.items():
        standout = answers.get(eid, 0.0) - background
        fused = words_score + DENSE_WEIGHT * max(standout, 0.0)
        if standout < MIN_STANDOUT or meaning.get(eid, 0.0) < MIN_MEANING or fused < max(CURATED_FLOOR, passage_best):
            continue
        if best is None or fused > best.similarity:
            best = FaqMatch(eid, "curated", kb.faq.entries[eid]["question"], min(fused, 1.0))
    return best
