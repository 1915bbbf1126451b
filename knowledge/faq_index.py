"""Question-to-question matching against the FAQ's phrasings, where fuzzy matching is strongest.

A question is compared with every phrasing that shares a word with it: rapidfuzz `ratio` on the
characters and `token_sort_ratio` on the jieba words, averaged (never WRatio or partial_ratio, which
call a question that merely contains a phrasing a perfect match). Curated entries win ties.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from knowledge import lexicon, segment
from knowledge.normalize import normalize

NOISE = re.compile(r"[\s\"'“”‘’《》「」()（）?？!！,，.。、:：;；]+")
FAQ_ANSWER = 0.82  # a question this similar to a phrasing gets that entry's answer
CURATED_EDGE = 0.03  # curated entries outrank generated ones this much
MAX_CANDIDATES = 40


@dataclass(frozen=True)
class FaqMatch:
    entry_id: int
    kind: str
    question: str
    similarity: float


def shape(text: str) -> tuple[str, tuple[str, ...]]:
    """A question's comparable form: its characters without punctuation, and its content words."""
    norm = NOISE.sub("", normalize(text))
    stop = lexicon.stopwords()
    words = tuple(w for w in segment.cut(norm) if w not in stop)
    return norm, words


class FaqIndex:
    def __init__(self, store):
        self.phrasings: list[tuple[int, str, str, str, tuple[str, ...]]] = []  # entry, kind, text, norm, words
        self.by_word: dict[str, list[int]] = {}
        self.entries = {e["id"]: e for e in store.faq_entries()}
        self.sources = store.faq_sources()
        for _pid, entry_id, kind, text in store.faq_phrasings():
            norm, words = shape(text)
            idx = len(self.phrasings)
            self.phrasings.append((entry_id, kind, text, norm, words))
            for w in set(words):
                self.by_word.setdefault(w, []).append(idx)

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
        for idx in sorted(shared, key=shared.__getitem__, reverse=True)[:MAX_CANDIDATES]:
            entry_id, kind, text, p_norm, p_words = self.phrasings[idx]
            sim = (fuzz.ratio(norm, p_norm) + fuzz.token_sort_ratio(joined, " ".join(sorted(p_words)))) / 200
            sim += CURATED_EDGE if kind == "curated" else 0.0
            if best is None or sim > best.similarity:
                best = FaqMatch(entry_id, kind, self.entries[entry_id]["question"], min(sim, 1.0))
        return best
