"""Learning from misses: the questions the assistant declined or answered with low confidence, filed
into groups of near-duplicates as they are logged — for admins to turn into FAQ entries (未答).

A miss joins the first open group whose first question is close on characters or words (rapidfuzz,
as before), or — with an embedder — close in meaning and asking for the same kind of answer
("换届得提前多久打报告" joins "换届选举要提前多长时间报告"). Candidates come from an index of the
groups' words in the database, so filing a miss costs the same at 100 misses as at 100,000, and
the 未答 list is one indexed query. Misses older than the retention period are forgotten.
"""
from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz

from knowledge.asks import same_ask
from knowledge.embed import VectorCache, text_key
from knowledge.faq_index import shape

SAME_QUESTION = 72  # rapidfuzz score above which two logged questions are one group
SAME_MEANING = 0.95  # cosine of two misses' e5 "query" vectors above which they are one group (asking
# the same kind of answer). Stricter than the FAQ's bar: there the answer's vector helps decide, here
# only the two questions are known; on faq-curated-dev a paraphrase and its entry question are at
# 0.95 or more in 14 of 30 cases, a distractor and the entry it imitates in 1 of 20.
RETENTION_DAYS = 180  # misses older than this are forgotten (TUANWU_MISS_DAYS)
CATCH_UP = 100  # misses logged without a group (older versions) filed per look at the list


@dataclass
class MissGroup:
    id: int
    question: str  # the most frequent wording
    count: int
    wordings: dict[str, int] = field(default_factory=dict)
    regions: list[str] = field(default_factory=list)
    last_at: str = ""


def log_miss(store, embedder, at: str, platform: str, region: str | None, question: str, answer) -> int:
    """Log a question the assistant could not answer well, in its group; returns the group id."""
    group = find_group(store, question, embedder)
    store.misses.log(at, platform, region, question.strip(), answer.norm, answer.decision, answer.score,
                       answer.candidates, group)
    return group


def find_group(store, question: str, embedder=None) -> int:
    """The open group this question belongs to, or a new one."""
    question = question.strip()[:500]
    norm, words = shape(question)
    words = words or (norm,)  # a question of stop words alone still meets its exact repeats
    joined = " ".join(sorted(words))
    for g in store.misses.group_candidates(words):
        if max(fuzz.ratio(norm, g["seed_norm"]), fuzz.token_sort_ratio(joined, g["seed_words"])) >= SAME_QUESTION \
                and same_ask(question, g["seed"]):  # "提前多久报告" and "报告哪些材料" share words, not a question
            return g["id"]
    vectors = _vector_groups(store, embedder) if embedder is not None else None
    qvec = None
    if vectors is not None:
        qvec = VectorCache(store, embedder).vectors([question], "query")[0]
        found = vectors.nearest(qvec, question)
        if found is not None:
            return found
    group = store.misses.add_group(question, norm, words)
    if vectors is not None:
        vectors.add(group, question, qvec)
    return group


def groups(store, limit: int = 15) -> list[MissGroup]:
    """The open groups, most asked first."""
    return [MissGroup(g["id"], g["question"], g["count"], g["wordings"], [r for r in g["regions"].split("、") if r],
                      g["last_at"] or "") for g in store.misses.groups(limit)]


def tidy(store, embedder, now: dt.datetime, retention_days: int = RETENTION_DAYS) -> None:
    """Before the list is shown: forget misses past retention, file the few logged without a group."""
    if retention_days > 0:
        store.misses.prune((now - dt.timedelta(days=retention_days)).astimezone(dt.timezone.utc)
                            .isoformat(timespec="seconds"))
    for row in store.misses.ungrouped(CATCH_UP):
        store.misses.file(row["id"], find_group(store, row["question"], embedder))


class _VectorGroups:
    """One process's matrix of the groups' first-question vectors, grown as groups are added."""

    def __init__(self, store, embedder):
        self.store, self.embedder = store, embedder
        self.ids: list[int] = []
        self.seeds: list[str] = []
        self.matrix = np.zeros((256, embedder.dim), np.float32)
        self.last = 0

    def refresh(self) -> None:
        rows = self.store.misses.group_seeds(self.last)
        if not rows:
            return
        self.last = rows[-1][0]
        keys = [text_key(self.embedder.model_id, "query", seed) for _, seed in rows]
        stored = self.store.vectors.get(keys)  # only stored vectors: a start never embeds the whole log
        for (group, seed), key in zip(rows, keys):
            if key in stored:
                self._append(group, seed, np.frombuffer(stored[key], dtype=np.float16).astype(np.float32))

    def add(self, group: int, seed: str, vec: np.ndarray) -> None:
        self.refresh()
        if group not in self.ids[-5:]:
            self._append(group, seed, vec)
        self.last = max(self.last, group)

    def _append(self, group: int, seed: str, vec: np.ndarray) -> None:
        if len(self.ids) == len(self.matrix):  # doubling: adding a group is amortised O(1)
            self.matrix = np.vstack([self.matrix, np.zeros_like(self.matrix)])
        self.matrix[len(self.ids)] = vec
        self.ids.append(group)
        self.seeds.append(seed)

    def nearest(self, qvec: np.ndarray, question: str) -> int | None:
        self.refresh()
        n = len(self.ids)
        if not n:
            return None
        scores = self.matrix[:n] @ qvec
        top = np.argsort(-scores)[:5]
        close = [int(i) for i in top if scores[i] >= SAME_MEANING and same_ask(question, self.seeds[i])]
        open_ = self.store.misses.open_groups([self.ids[i] for i in close])
        return next((self.ids[i] for i in close if open_.get(self.ids[i]) == self.seeds[i]), None)


_VECTORS: "weakref.WeakKeyDictionary[object, _VectorGroups]" = weakref.WeakKeyDictionary()


def _vector_groups(store, embedder) -> _VectorGroups:
    vg = _VECTORS.get(store)
    if vg is None or vg.embedder is not embedder:
        vg = _VECTORS[store] = _VectorGroups(store, embedder)
    return vg
