"""Learning from misses: the questions the assistant declined or answered with low confidence,
grouped when they are near-duplicates, most frequent first — for admins to turn into FAQ entries."""
from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz

from knowledge.faq_index import shape

SAME_QUESTION = 72  # rapidfuzz score above which two logged questions are one group


@dataclass
class MissGroup:
    question: str  # the most frequent wording
    log_ids: list[int] = field(default_factory=list)
    wordings: dict[str, int] = field(default_factory=dict)
    regions: set[str] = field(default_factory=set)
    last_at: str = ""

    @property
    def count(self) -> int:
        return len(self.log_ids)


def group_misses(rows: list[dict]) -> list[MissGroup]:
    """Greedy clustering by character and word similarity; most asked first."""
    groups: list[tuple[MissGroup, str, str]] = []
    for row in rows:
        norm, words = shape(row["question"])
        joined = " ".join(sorted(words))
        home = None
        for g, g_norm, g_words in groups:
            if max(fuzz.ratio(norm, g_norm), fuzz.token_sort_ratio(joined, g_words)) >= SAME_QUESTION:
                home = g
                break
        if home is None:
            home = MissGroup(row["question"])
            groups.append((home, norm, joined))
        home.log_ids.append(row["id"])
        home.wordings[row["question"]] = home.wordings.get(row["question"], 0) + 1
        if row.get("region"):
            home.regions.add(row["region"])
        home.last_at = max(home.last_at, row["at"] or "")
    out = [g for g, _, _ in groups]
    for g in out:
        g.question = max(g.wordings, key=lambda w: (g.wordings[w], -len(w)))
    return sorted(out, key=lambda g: (-g.count, g.question))
