"""Decide what to reply from scored passages: answer, offer ≤ 3 choices, or decline.

Lexical: the best coverage score and the gap to the runner-up; per-region variants of the same rule are
kept together, the asker's region first. Fused (when the semantic path ran): see `fused_decision`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

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
SETTLED = 0.70  # a lexical answer this good is final: the question is not embedded
# Fusion, calibrated on the dev sets and the older question sets (tests/data; see README):
DENSE_WEIGHT = 6.0  # fused score per unit of cosine above the question's background
STANDOUT_WEIGHT = 8.0  # … and per unit above the best passage of any other item
STANDOUT_CAP = 0.05
CROSS_LINGUAL = 2.0  # English question, Chinese passages: the glossary's words are few, meaning counts double
SUPPORT = 0.2  # a passage needs at least this lexical score to earn dense credit
VETO = -0.015  # the fused choice this far below the background: the signals disagree, decline


Decision = Literal["answer", "choices", "decline"]
DeclineKind = Literal["place", "year", "scope", "empty", "no-match"]


@dataclass(frozen=True)
class Decline:
    """Why a question is declined: a place, a year or a region-and-year the documents do not cover
    (`what` names it: 北京, 2030, 东莞2016年), a question with nothing to search for, or no good match."""
    kind: DeclineKind
    what: str = ""


NO_MATCH = Decline("no-match")


@dataclass
class Result:
    query: Query
    decision: Decision
    hits: list[Hit] = field(default_factory=list)
    reason: Decline | None = None  # set when the decision is "decline"
    best: float = 0.0
    qvec: Any = None  # the question's vector when the semantic path ran (the FAQ reuses it)


def lexical_decision(hits: list[Hit], q: Query, asker_region: str | None) -> Result:
    """Answer, choices or decline on the lexical scores alone."""
    held_out = [h for h in hits if not answers(h)]
    hits = [h for h in hits if answers(h)]
    best = hits[0].score if hits else 0.0
    if not hits or not confident(hits, held_out):
        return Result(q, "decline", hits=hits[:3], reason=NO_MATCH, best=best)
    chosen, ambiguous = choose(hits, q, asker_region)
    return Result(q, "choices" if ambiguous else "answer", chosen, best=best)


def settled(result: Result) -> bool:
    """A lexical answer confident enough that the semantic path could not improve it."""
    return result.decision == "answer" and result.best >= SETTLED


def fused_decision(hits: list[Hit], near: list[tuple[int, float]], q: Query, asker_region: str | None,
                   key_terms: list[frozenset[str]], lexical: Result | None = None) -> Result:
    """Decide on both signals (the semantic path: the lexical stage was not sure).

    e5's cosines are compressed (~0.75–0.93 for anything in the same language, lower across languages),
    so a cosine says something only relative to the question's own background: the mean cosine of its
    nearest passages. A passage earns dense credit for standing above that background and above the
    best passage of any other item — but only when the words agree: it must hold one of the
    question's three weightiest indexed terms, every name the question quotes (“挑战杯”), and the
    kind of fact asked for. The nearest passage always exists, so nearness alone never answers; and
    when the passage the fusion would answer with lies below the background, the two signals
    contradict each other and the question is declined — unless the words alone offered a choice
    (a vague "宁波志愿": the cadre picks, the fusion has nothing to veto).
    """
    if not hits:
        return Result(q, "decline", reason=NO_MATCH)
    background = sum(c for _, c in near) / len(near) if near else 0.0
    best_by_item: dict[int, list[float]] = {}
    for h in hits:
        best_by_item.setdefault(h.item_id, []).append(h.cosine or 0.0)
    tops = sorted(((max(c), item) for item, c in best_by_item.items()), reverse=True)
    quoted = [name for name in q.quoted if name]
    weight = CROSS_LINGUAL if q.lang == "en" else 1.0
    for h in hits:
        cosine = h.cosine or 0.0
        rival = next((c for c, item in tops if item != h.item_id), background)
        forms = {form for form, _ in h.matched}
        agree = (h.lexical >= SUPPORT and h.fits
                 and (not key_terms or any(forms & key for key in key_terms))
                 and all(any(name in form or form in name for form in forms) for name in quoted))
        credit = DENSE_WEIGHT * max(cosine - background, 0.0) + STANDOUT_WEIGHT * min(max(cosine - rival, 0.0), STANDOUT_CAP)
        h.score = min(1.0, h.lexical + (weight * credit if agree else 0.0))
    hits.sort(key=lambda h: (-h.score, h.pid))
    hits = [h for h in hits if answers(h)]
    if not hits:
        return Result(q, "decline", reason=NO_MATCH)
    # Across languages e5's cosines are too noisy to contradict the glossary's words: no veto there.
    if q.lang != "en" and (hits[0].cosine or 0.0) - background < VETO:
        if lexical is not None and lexical.decision == "choices":
            return lexical
        return Result(q, "decline", hits=hits[:3], reason=NO_MATCH, best=hits[0].score)
    if hits[0].score < FLOOR:
        # Not the lexical "clear winner" rule: dense credit widens gaps, so a fused score must reach
        # the floor itself.
        return Result(q, "decline", hits=hits[:3], reason=NO_MATCH, best=hits[0].score)
    chosen, ambiguous = choose(hits, q, asker_region)
    return Result(q, "choices" if ambiguous else "answer", chosen, best=hits[0].score)


def answers(hit: Hit) -> bool:
    """The passage can hold what is asked (a date for 哪天) and is not about something else (入团
    where the question asks about 入党): the best passage failing this means the documents do not say."""
    return hit.holds and not hit.contrast


def confident(hits: list[Hit], held_out: list[Hit] = ()) -> bool:
    """Enough of the question is covered — or a little less, when one item clearly stands out: above
    the passages that cannot answer too (a sentence sharing only the year is no clear winner because the
    one about the asked thing does not say that year)."""
    best = hits[0].score
    if best >= FLOOR:
        return True
    runner_up = max((h.score for h in [*hits[1:], *held_out] if h.item_id != hits[0].item_id), default=0.0)
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
