"""Check-in → plan item: which item of the plans a cadre's one-line report is about.

    linker = Linker()
    found = linker.link(store, "带领河小二志愿者沿河巡查", ("宁波",), embedder)
    found.match        # the item linked (ItemMatch), or None when nothing is clear enough
    found.nearest      # below the bar: the closest item, for the confirmation's hint
    linker.by_tag(store, "智慧团建", ("枣庄",))   # an explicit #条目: by number or by its words

Two kinds of evidence, for the items of the member's region (else the org's, else every region):
- words (knowledge/item_grams.py): the rarity-weighted share of the check-in's character grams an
  item holds — exact programme names (河小二, 十八岁成人礼, 智慧团建) wherever the item names them;
- meaning (knowledge/embed.py): the cosine of the check-in ("query") to the item's closest sentence
  ("passage") — everyday words for the plan's wording (河边捡垃圾 ~ 治水). (The heading's words count
  among the words; its vector added nothing measurable on the check-in sets, so it is not embedded.)
Items are ranked by cosine plus a little for shared words. The best is linked when its meaning is
near and it shares some of the check-in's words, or when its meaning alone is clearly close; shared
words without meaning link nothing ("整理办公室的旧文件" vs an item naming 联席会议办公室), nor does
ordinary work no item covers. The bars are the embedder's own (CALIBRATIONS): without an embedder, or
with one not calibrated here, the words decide alone, as they always did.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Mapping

import numpy as np
from rapidfuzz import fuzz, process

from knowledge.embed import Embedder, VectorCache, text_key
from knowledge.item_grams import DEPARTMENT, GramIndex, GramScore
from knowledge.normalize import compact

log = logging.getLogger(__name__)

# Words alone (no embedder, or a model not calibrated here, or a tag).
MIN_SHARE = 0.15  # share of the check-in's gram weight an item's heading must hold (twice that in its body)
MIN_MASS = 3.0  # matched weight, so that one common gram ("学习") links nothing
TAG_MIN = 0.5  # a #tag is a few words of the item: most of them must be there
WORD_MASS = 1.0  # with meaning: one rare word (治水) is a shared word, a common gram (学习) is not


@dataclass(frozen=True)
class Calibration:
    """How one embedder's cosines read (each model has its own scale)."""

    words: float  # ranking: a share of 1.0 (every gram of the check-in in the item's heading) adds this
    near: float  # link an item that shares some of the check-in's words when its cosine reaches this …
    close: float  # … and one that shares none when its meaning alone is this close
    hint: float  # not linked, but shares words and reaches this: named as the nearest item


# multilingual-e5-small, calibrated on tests/data/checkins-dev.jsonl (20 check-ins written apart from
# the code, 3 of them office work no item covers) and a set of our own (22 + 2): its cosines crowd
# together. Office work reaches 0.870 with no shared word, the right item without one 0.890: `close`
# sits between. Words without the meaning ("整理了办公室的旧文件" vs an item naming 联席会议办公室) reach
# 0.844, the right items sharing a word mostly 0.86 and up: `near` sits between.
CALIBRATIONS = {"multilingual-e5-small": Calibration(words=0.15, near=0.855, close=0.88, hint=0.85)}


@dataclass(frozen=True)
class ItemMatch:
    item: dict  # a plan item row (store.knowledge.plan_items): id, doc_key, heading, body, region, year, title …
    score: float  # the evidence the decision used
    words: float  # share of the check-in's grams the item holds
    meaning: float | None  # the item's best cosine to the check-in (None: linked by words alone)


@dataclass(frozen=True)
class Found:
    match: ItemMatch | None  # linked
    nearest: ItemMatch | None = None  # not linked: the closest item, if any came near


class ItemSet:
    """The plan items of a set of regions, their gram index and, once asked for, their vectors."""

    def __init__(self, items: list[dict]):
        self.items = items
        self.grams = GramIndex(items)
        self._vectors: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()

    def sentences(self, store) -> tuple[list[str], list[int]]:
        """Every sentence of every item with the position of its item; an item without one (a heading
        and who assesses it) stands for itself by its heading."""
        texts, owners = [], []
        for n, it in enumerate(self.items):
            own = [p["text"] for p in store.knowledge.item_passages(it["id"]) if _says_something(p["text"])]
            if not own:
                own = [DEPARTMENT.sub("", it.get("heading") or "") or it.get("label") or ""]
            texts += own
            owners += [n] * len(own)
        return texts, owners

    def vectors(self, store, embedder: Embedder) -> tuple[np.ndarray, np.ndarray]:
        """(sentence vectors, the item of each) under one model. The sentences are the plan's passages,
        embedded once per text and kept in the store — the same vectors the answer search uses — so
        at most the first check-in after an ingest pays for them."""
        with self._lock:
            if embedder.model_id not in self._vectors:
                texts, owners = self.sentences(store)
                self._vectors[embedder.model_id] = (_passages(store, embedder, texts),
                                                    np.asarray(owners, dtype=np.int64))
            return self._vectors[embedder.model_id]

    def cosines(self, store, embedder: Embedder, text: str) -> np.ndarray:
        """Each item's cosine to the text: its closest sentence's."""
        sentences, owners = self.vectors(store, embedder)
        q = embedder.embed([text], "query")[0]  # not stored: check-ins are many and rarely repeat
        best = np.full(len(self.items), -1.0, np.float32)
        np.maximum.at(best, owners, sentences @ q)
        return best


def _says_something(sentence: str) -> bool:
    """"（负责部门：办公室）" names who assesses an item, not what it is about (and is near "整理办公室")."""
    return bool(DEPARTMENT.sub("", sentence).strip(" 。；;"))


# Plan texts' vectors already read in this process (by model, kind and text): another database of the
# same plans — a test's copy, a re-ingest that changed one document — needs no reading or embedding.
_SEEN: dict[str, np.ndarray] = {}
_SEEN_MAX = 50_000


def _passages(store, embedder: Embedder, texts: list[str]) -> np.ndarray:
    keys = [text_key(embedder.model_id, "passage", t) for t in texts]
    known = {k: v for k in keys if (v := _SEEN.get(k)) is not None}
    missing = {k: t for t, k in zip(texts, keys) if k not in known}
    if missing:
        rows = VectorCache(store, embedder).vectors(list(missing.values()), "passage")
        fresh = dict(zip(missing, rows))
        known.update(fresh)
        if len(_SEEN) + len(fresh) > _SEEN_MAX:
            _SEEN.clear()
        _SEEN.update(fresh)
    return np.stack([known[k] for k in keys]) if keys else np.zeros((0, embedder.dim), np.float32)


class Linker:
    """Caches one ItemSet per (store, regions, documents), so a check-in costs milliseconds."""

    def __init__(self, calibrations: Mapping[str, Calibration] = CALIBRATIONS) -> None:
        self.calibrations = dict(calibrations)
        self._sets: dict[tuple, ItemSet] = {}
        self._lock = threading.Lock()
        self._told: set[str] = set()  # models already logged as failed or uncalibrated

    def items(self, store, regions: tuple[str, ...]) -> ItemSet:
        """The items of `regions` (every region's when they have none, or none is given)."""
        version = tuple((d["key"], d.get("sha1")) for d in store.knowledge.documents())
        key = (store.path, regions, version)
        with self._lock:
            if key not in self._sets:
                if len(self._sets) > 32:
                    self._sets.clear()
                items = store.knowledge.plan_items(regions or None)
                if not items and regions:  # a region without plans: every region's items
                    items = store.knowledge.plan_items(None)
                self._sets[key] = ItemSet(items)
            return self._sets[key]

    def link(self, store, text: str, regions: tuple[str, ...], embedder: Embedder | None = None) -> Found:
        """The plan item this check-in text reports on, or none when nothing fits well enough."""
        items = self.items(store, regions)
        if not items.items:
            return Found(None)
        words = items.grams.scores(text)
        calibration = self._calibration(embedder)
        cosines = self._cosines(store, items, embedder, text) if calibration else None
        if cosines is None:
            return Found(_best_by_words(items, words, text, MIN_SHARE, MIN_MASS))
        return _by_both(items, words, cosines, calibration)

    def warm(self, store, embedder: Embedder | None) -> int:
        """Embed and store now every plan sentence a check-in may be compared with (all regions), so
        no member's first check-in waits for them; the number of sentences, 0 without a calibrated model."""
        if self._calibration(embedder) is None:
            return 0
        items = self.items(store, ())
        return len(items.vectors(store, embedder)[1])

    def by_tag(self, store, tag: str, regions: tuple[str, ...]) -> ItemMatch | None:
        """The item a `#条目` names: by number (#12) or by words of its heading, else of its body —
        in the member's region first, then in every region."""
        number = tag.strip().rstrip(".．、")
        for scope in ((regions, ()) if regions else ((),)):
            items = self.items(store, scope)
            if number.isdigit():
                hits = [it for it in items.items if it.get("item_no") == number]
                if hits:
                    return ItemMatch(hits[0], 1.0, 1.0, None)
                continue
            # The item whose heading names it, else one whose text holds all of it (a body gram
            # weighs half, so a whole tag found in a body reaches TAG_MIN exactly).
            found = (_best_by_words(items, items.grams.scores(tag, "H"), tag, TAG_MIN, 0.5)
                     or _best_by_words(items, items.grams.scores(tag, "HB"), tag, TAG_MIN, 0.5, body_only=1.0))
            if found:
                return found
        return None

    def _calibration(self, embedder: Embedder | None) -> Calibration | None:
        if embedder is None or embedder.model_id in self._told:
            return None
        found = next((c for name, c in self.calibrations.items() if name in embedder.model_id), None)
        if found is None:
            self._told.add(embedder.model_id)
            log.warning("no check-in linking calibration for %s: linking check-ins by words only", embedder.model_id)
        return found

    def _cosines(self, store, items: ItemSet, embedder: Embedder, text: str) -> np.ndarray | None:
        try:
            return items.cosines(store, embedder, text)
        except Exception as err:  # a model that fails at run time: link by words, say so once
            self._told.add(embedder.model_id)
            log.warning("embedder %s failed (%s: %s): linking check-ins by words only",
                        embedder.model_id, type(err).__name__, err)
            return None


def _best_by_words(items: ItemSet, ranked: list[GramScore], text: str, min_share: float,
                   min_mass: float, body_only: float = 2.0) -> ItemMatch | None:
    """The item holding the largest share of the text's grams, if it holds enough; a match in the body
    alone (one word of a long paragraph) needs `body_only` times the share."""
    if not ranked or ranked[0].mass < min_mass:
        return None
    top = ranked[0]
    if top.share < (min_share if top.in_heading else body_only * min_share):
        return None
    tied = [r for r in ranked if r.share >= top.share - 1e-9]
    if len(tied) > 1:  # equal shares: the heading most like the text wins
        headings = {r.index: compact(items.items[r.index].get("heading") or "") for r in tied}
        top = next(r for r in tied if r.index == process.extractOne(compact(text), headings, scorer=fuzz.ratio)[2])
    return ItemMatch(items.items[top.index], round(top.share, 3), round(top.share, 3), None)


def _by_both(items: ItemSet, words: list[GramScore], cosines: np.ndarray, cal: Calibration) -> Found:
    """Rank by cosine plus the weighted share of words; link the best when its meaning is near enough."""
    shares = np.zeros(len(items.items))
    for w in words:
        shares[w.index] = w.share
    score = cosines + cal.words * shares
    top = int(np.argmax(score))  # the first of equals: items are in document order
    cosine = float(cosines[top])
    # One common gram ("学习", "青年") is no shared word; one rare word (治水, 河小二) is.
    shared = any(w.index == top and w.mass >= WORD_MASS for w in words)
    match = ItemMatch(items.items[top], round(float(score[top]), 4), round(float(shares[top]), 3), round(cosine, 4))
    if cosine >= cal.close or (shared and cosine >= cal.near):
        return Found(match)
    return Found(None, match if shared and cosine >= cal.hint else None)
