"""Decide what to reply from scored passages: answer, offer ≤ 3 choices, or decline.

Lexical: the best coverage score and the gap to the runner-up; per-region variants of the same rule are
kept together, the asker's region first. Fused (when the semantic path ran): see `fused_decision`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from knowledge.query import Query
from knowledge.scoring import Hit

FLOOR = 0.45  # below this nothing is offered: the documents do not answer it …
CLEAR_FLOOR, CLEAR_RATIO = 0.4, 1.3  # … unless the best item stands this clearly above the runner-up
ANSWER = 0.66  # at or above this the best passage is an answer on its own
TIE = 0.02  # items scoring within this of the best are equally good answers
GAP = 0.06  # closer than this to a different item of the same region, below ANSWER: offer choices
REGION_RATIO = 0.8  # other regions are shown when their best is within this ratio of the best
ASKER_RATIO = 0.6  # the asker's own region is shown down to this ratio
NAMED_RATIO = 0.5  # a region the question names (with others) is shown down to this ratio
SECOND_RATIO = 0.93  # a second item of the same region this close to its first is shown too
SIBLING_RATIO = 0.85  # other sentences of the answer's item this close to it are quoted with it
SETTLED = 0.66  # a lexical answer this good is final: the question is not embedded
DENSE_WEIGHT = 6.0  # fused score per unit of cosine above the question's background
LIFT_MARGIN = 0.0  # cosine above the background that earns nothing yet
SUPPORT = 0.1  # a passage needs at least this lexical score to earn dense credit


@dataclass
class Result:
    query: Query
    decision: str  # "answer" | "choices" | "decline"
    hits: list[Hit] = field(default_factory=list)
    reason: str = ""
    best: float = 0.0
    qvec: Any = None  # the question's vector when the semantic path ran (the FAQ reuses it)


def lexical_decision(hits: list[Hit], q: Query, asker_region: str | None) -> Result:
    """Answer, choices or decline on the lexical scores alone."""
    best = hits[0].score if hits else 0.0
    if not hits or not confident(hits):
        return Result(q, "decline", hits=hits[:3], reason="no-match", best=best)
    chosen, ambiguous = choose(hits, q, asker_region)
    return Result(q, "choices" if ambiguous else "answer", chosen, best=best)


def settled(result: Result) -> bool:
    """A lexical answer confident enough that the semantic path could not improve it."""
    return result.decision == "answer" and result.best >= SETTLED


def fused_decision(hits: list[Hit], near: list[tuple[int, float]], q: Query, asker_region: str | None) -> Result:
    """Decide on both signals. Each passage's fused score is its lexical score plus credit for how far
    its cosine stands above the question's background (the mean of its nearest passages' cosines): e5's
    cosines are compressed (~0.75–0.93 for anything in the same language), so only the distance above
    that background says something, and a passage nearest to an unrelated question stands barely above
    it. A passage the words do not support at all gets no dense credit: the nearest passage always
    exists, so nearness alone never answers."""
    if not hits:
        return Result(q, "decline", reason="no-match")
    background = sum(c for _, c in near) / len(near) if near else 0.0
    for h in hits:
        lift = max(0.0, (h.cosine or 0.0) - background - LIFT_MARGIN)
        h.score = min(1.0, h.lexical + (DENSE_WEIGHT * lift if h.lexical >= SUPPORT else 0.0))
    hits.sort(key=lambda h: (-h.score, h.pid))
    return lexical_decision(hits, q, asker_region)


def confident(hits: list[Hit]) -> bool:
    """Enough of the question is covered — or a little less, when one item clearly stands out."""
    best = hits[0].score
    if best >= FLOOR:
        return True
    runner_up = next((h.score for h in hits[1:] if h.item_id != hits[0].item_id), 0.0)
    return best >= CLEAR_FLOOR and best >= runner_up * CLEAR_RATIO


def choose(hits: list[Hit], q: Query, asker_region: str | None) -> tuple[list[Hit], bool]:
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
            ratio = ASKER_RATIO if region == asker_region else REGION_RATIO
        if rhits[0].score >= max(min(FLOOR, best) * (ratio / REGION_RATIO if ratio < REGION_RATIO else 1), best * ratio):
            regions.append(region)
    regions.sort(key=lambda r: (r != asker_region, -by_region[r][0].score))
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


def _distinct_items(hits: list[Hit]) -> list[Hit]:
    seen, out = set(), []
    for h in hits:
        if h.item_id not in seen:
            seen.add(h.item_id)
            out.append(h)
    return out
