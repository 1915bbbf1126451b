"""Can this passage answer this question, or does it only share its subject?

Near misses share most words with a passage and are close to it in meaning, so neither the coverage
score nor the cosine tells them apart. What does:

- **Contrast.** The passage says 入团 where the question says 入党 (团员 for 党员, 春季 for 秋季): words of
  one group of `lexicon/contrasts.txt`, the passage lacking the question's word. It states the rule
  for something else.
"""
from __future__ import annotations

from knowledge import lexicon
from knowledge.normalize import normalize
from knowledge.query import Query

CONTRAST_FACTOR = 0.5  # a contrasted passage keeps half its score: it cannot answer, it may be offered
CHECKED = 8  # the best hits are checked: only they can be the answer


def contrasts(q: Query) -> list[tuple[str, tuple[str, ...]]]:
    """(question word, the words that contrast with it) for each contrast word the question holds."""
    if q.lang != "zh":
        return []
    groups = lexicon.contrast_groups()
    return [(word, tuple(w for w in others if w not in q.norm))
            for word, others in groups.items() if word in q.norm]


def contrasted(text: str, pairs: list[tuple[str, tuple[str, ...]]]) -> str:
    """The question's word that this passage text replaces by a contrasting one (入党 → 入团), or ""."""
    for word, others in pairs:
        if word not in text and any(o in text for o in others):
            return word
    return ""


def check(kb, hits: list, q: Query) -> None:
    """Mark and demote the best hits that contrast with the question (re-sorts `hits`), until the best
    CHECKED are all checked. A sentence is read with its item and its document's title: "公示5个工作日"
    is about 团员 when the item's other sentence says so, "支部委员会每月召开1次" when the notice is
    《关于规范团支部组织生活的通知》."""
    pairs = contrasts(q)
    if not pairs:
        return
    checked: set[int] = set()
    while True:
        hits.sort(key=lambda h: (-h.score, h.pid))
        todo = [h for h in hits[:CHECKED] if h.pid not in checked]
        if not todo:
            return
        for h in todo:
            checked.add(h.pid)
            item = "".join(text for _, text in kb.item_sentences(h.item_id)) if h.item_id else ""
            word = contrasted(h.passage["norm"] + normalize(item) + kb.document_identity(h.doc["key"]), pairs)
            if word:
                h.contrast = word
                h.fits = False
                h.score *= CONTRAST_FACTOR
                h.lexical = h.score
