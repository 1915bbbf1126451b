"""Question-to-question matching against the FAQ's phrasings: by words, and by meaning.

`match` (lexical, no model): a question is compared with every phrasing that shares a word with it:
rapidfuzz `ratio` on the characters and `token_sort_ratio` on the jieba words, averaged (never WRatio
or partial_ratio, which call a question that merely contains a phrasing a perfect match). Curated
entries win ties.

`match_vector` (by meaning, for paraphrases: "团支部换届得提前多长时间跟上级团委打报告" finds
"团支部换届选举需要提前多久向上级团委报告？"): the question's e5 vector against each entry's
phrasings ("query" vectors on both sides) and against its answer (a "passage" vector: the curated
answer, or a generated entry's first source sentence), averaged. The answer half is what tells a
paraphrase from a question on the same subject that asks something else — the answer does not
address it. Vectors come from the store's cache: curated entries are embedded when they are
loaded after an edit, generated ones after a rebuild (`embed_generated`, in the background).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
from rapidfuzz import fuzz

from knowledge import lexicon, segment
from knowledge.asks import same_ask
from knowledge.embed import VectorCache, text_key
from knowledge.normalize import normalize

NOISE = re.compile(r"[\s\"'“”‘’《》「」()（）?？!！,，.。、:：;；]+")
FAQ_ANSWER = 0.82  # a question this similar to a phrasing gets that entry's answer
CURATED_EDGE = 0.03  # curated entries outrank generated ones this much
MAX_CANDIDATES = 40
# Mean of question↔phrasing and question↔answer cosines (multilingual-e5-small) at or above which a
# paraphrase gets that entry's answer (if it asks the same kind of answer: knowledge/asks.py).
# Calibrated on tests/data/faq-curated-dev.jsonl (vectors alone): 0.93 finds 18 of 30 paraphrases
# and lets 1 of 20 same-subject distractors through; 0.92 finds 22 but lets 8 through — a wrong
# curated answer is worse than a decline, so the stricter bar.
FAQ_VECTOR_ANSWER = 0.93


@dataclass(frozen=True)
class FaqMatch:
    entry_id: int
    kind: str
    question: str
    similarity: float


def named_terms(words: tuple[str, ...]) -> frozenset[str]:
    """The league terms (lexicon user dictionary) among a question's words, synonyms folded."""
    terms, canonical = _user_terms(), lexicon.synonym_canonical()
    return frozenset(canonical.get(w, w) for w in words if w in terms)


def names_missing(words: tuple[str, ...], text: str) -> bool:
    """Whether a league term the question names (lexicon user dictionary) is absent from `text` in all
    its synonyms' forms: "三会一课" is not in "“三会两制一课”指的是什么", although they share the shape."""
    terms, groups = _user_terms(), lexicon.synonym_groups()
    return any(not any(form in text for form in groups.get(w, (w,))) for w in words if w in terms)


@lru_cache(maxsize=1)
def _user_terms() -> frozenset[str]:
    return frozenset(lexicon.user_terms())


def shape(text: str) -> tuple[str, tuple[str, ...]]:
    """A question's comparable form: its characters without punctuation, and its content words."""
    norm = NOISE.sub("", normalize(text))
    stop = lexicon.stopwords()
    words = tuple(w for w in segment.cut(norm) if w not in stop)
    return norm, words


class FaqIndex:
    def __init__(self, store, embedder=None):
        self.store, self.embedder = store, embedder
        self.phrasings: list[tuple[int, str, str, str, tuple[str, ...]]] = []  # entry, kind, text, norm, words
        self.by_word: dict[str, list[int]] = {}
        self.entries = {e["id"]: e for e in store.faq.entries()}
        self.sources = store.faq.sources()
        for _pid, entry_id, kind, text in store.faq.phrasings():
            norm, words = shape(text)
            idx = len(self.phrasings)
            self.phrasings.append((entry_id, kind, text, norm, words))
            for w in set(words):
                self.by_word.setdefault(w, []).append(idx)
        self._vectors: _Vectors | None = None
        if embedder is not None:  # curated entries are embedded as soon as they are added, edited or imported
            cache = VectorCache(store, embedder)
            cache.vectors([text for _e, kind, text, _n, _w in self.phrasings if kind == "curated"], "query")
            cache.vectors([e["answer"] for e in self.entries.values() if e["kind"] == "curated" and e.get("answer")],
                          "passage")

    def __len__(self) -> int:
        return len(self.entries)

    def match(self, question: str) -> FaqMatch | None:
        """The best entry for a question, if any phrasing shares a word with it."""
        norm, words = shape(question)
        if not words:
            return None
        shared: dict[int, int] = {}
        for w in set(words):
            for idx in self.by_word.get(w, ()):
                shared[idx] = shared.get(idx, 0) + 1
        best: FaqMatch | None = None
        joined = " ".join(sorted(words))
        named = named_terms(words)
        for idx in sorted(shared, key=shared.__getitem__, reverse=True)[:MAX_CANDIDATES]:
            entry_id, kind, text, p_norm, p_words = self.phrasings[idx]
            if not same_ask(question, text):
                continue  # same words, but one asks how long and the other what to hand in
            p_named = named_terms(p_words)
            if (named and p_named and not named & p_named) or names_missing(words, p_norm):
                continue  # about another thing of the same shape: 三会一课 is not 三会两制一课
            sim = (fuzz.ratio(norm, p_norm) + fuzz.token_sort_ratio(joined, " ".join(sorted(p_words)))) / 200
            sim += CURATED_EDGE if kind == "curated" else 0.0
            if best is None or sim > best.similarity:
                best = FaqMatch(entry_id, kind, self.entries[entry_id]["question"], min(sim, 1.0))
        return best

    def match_vector(self, qvec: np.ndarray, question: str = "") -> FaqMatch | None:
        """The entry whose phrasings and answer are closest in meaning to the question's vector
        (e5 "query" vector of the question), if it reaches FAQ_VECTOR_ANSWER."""
        if self.embedder is None:
            return None
        scores = self.vectors().scores(np.asarray(qvec, dtype=np.float32))
        if not scores:
            return None
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], self.entries[kv[0]]["kind"] != "curated", kv[0]))
        for entry_id, score in ranked:
            if score < FAQ_VECTOR_ANSWER:
                return None
            entry = self.entries[entry_id]
            if same_ask(question, entry["question"]):  # close in meaning, but not "how long" for "which papers"
                return FaqMatch(entry_id, entry["kind"], entry["question"], score)
        return None

    def vectors(self) -> "_Vectors":
        """The entries' vectors, read from the store's cache the first time they are needed."""
        if self._vectors is None:
            self._vectors = _Vectors(self)
        return self._vectors


class _Vectors:
    """Phrasing vectors (entry → rows) and one answer vector per entry, for entries that have them."""

    def __init__(self, index: FaqIndex):
        store, embedder = index.store, index.embedder
        if any(e["kind"] != "curated" for e in index.entries.values()):
            from knowledge.faq_build import embed_in_background

            embed_in_background(store, embedder)  # meanwhile the generated entries with vectors take part
        cache = VectorCache(store, embedder)
        curated = [(eid, text) for eid, kind, text, _n, _w in index.phrasings if kind == "curated"]
        generated = [(eid, text) for eid, kind, text, _n, _w in index.phrasings if kind != "curated"]
        rows: list[tuple[int, np.ndarray]] = []
        if curated:  # few, and an admin just wrote them: embed what is missing now
            rows += zip([e for e, _ in curated], cache.vectors([t for _, t in curated], "query"))
        rows += _stored(store, embedder, generated, "query")
        answers = {e["id"]: e["answer"] for e in index.entries.values() if e["kind"] == "curated" and e.get("answer")}
        a_rows = list(zip(answers, cache.vectors(list(answers.values()), "passage"))) if answers else []
        a_rows += _stored(store, embedder, generated_answer_texts(store, index), "passage")
        self.entry_of = np.array([e for e, _ in rows], dtype=np.int64)
        self.matrix = np.array([v for _, v in rows], dtype=np.float32).reshape(len(rows), embedder.dim)
        self.answer_ids = [e for e, _ in a_rows]
        self.answers = np.array([v for _, v in a_rows], dtype=np.float32).reshape(len(a_rows), embedder.dim)

    def answer_scores(self, qvec: np.ndarray) -> dict[int, float]:
        """Entry → cosine of the question with its answer (a "passage" vector, as the documents' are)."""
        return dict(zip(self.answer_ids, (self.answers @ qvec).tolist()))

    def scores(self, qvec: np.ndarray) -> dict[int, float]:
        """Entry → mean of its best phrasing cosine and its answer cosine (the phrasing alone when
        the answer has no vector yet)."""
        best: dict[int, float] = {}
        for entry_id, s in zip(self.entry_of.tolist(), (self.matrix @ qvec).tolist()):
            if s > best.get(entry_id, -1.0):
                best[entry_id] = s
        answer = dict(zip(self.answer_ids, (self.answers @ qvec).tolist()))
        return {e: (s + answer.get(e, s)) / 2 for e, s in best.items()}


def generated_answer_texts(store, index: FaqIndex) -> list[tuple[int, str]]:
    """(entry id, text of its first source sentence) for generated entries: what their answer says."""
    first = {eid: srcs[0]["passage_id"] for eid, srcs in index.sources.items()
             if srcs and srcs[0]["passage_id"] and index.entries.get(eid, {}).get("kind") != "curated"}
    rows = store.knowledge.passages_by_id(list(first.values())) if first else {}
    return [(eid, rows[pid]["text"]) for eid, pid in first.items() if pid in rows]


def _stored(store, embedder, items: list[tuple[int, str]], kind) -> list[tuple[int, np.ndarray]]:
    keys = [text_key(embedder.model_id, kind, t) for _, t in items]
    found = store.vectors.get(keys) if keys else {}
    return [(eid, np.frombuffer(found[k], dtype=np.float16).astype(np.float32))
            for (eid, _), k in zip(items, keys) if k in found]


def embed_generated(store, embedder, report: Callable[[int, int], None] | None = None) -> int:
    """Embed the generated entries' questions and first source sentences that have no vector yet
    (after a rebuild); returns how many texts were embedded. `report(done, total)` follows progress."""
    index = FaqIndex(store)
    questions = sorted({e["question"] for e in index.entries.values() if e["kind"] != "curated"})
    answers = sorted({t for _, t in generated_answer_texts(store, index)})
    cache, todo = VectorCache(store, embedder), []
    for texts, kind in ((questions, "query"), (answers, "passage")):
        keys = [text_key(embedder.model_id, kind, t) for t in texts]
        have = store.vectors.present(keys)
        todo.append(([t for t, k in zip(texts, keys) if k not in have], kind))
    total = sum(len(texts) for texts, _ in todo)
    done = 0
    for texts, kind in todo:
        cache.vectors(texts, kind, progress=(lambda n, _, before=done: report(before + n, total)) if report else None)
        done += len(texts)
    return done
