"""The words side of check-in linking: plan items indexed by character grams weighted by rarity.

Check-ins are short and full of programme names that jieba may not know (青年大学习, 河小二, 智慧团建),
so the text is cut into character bigrams and trigrams of the normalised text, each weighted by how
rare it is among the items (IDF). An item's evidence is the weighted share of the check-in's grams it
contains — in its heading (weight 1.0), body (0.5) or section title (0.3) — and the matched mass, so
that one common gram ("学习") is no evidence at all. knowledge/linking.py combines this with meaning.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from knowledge.normalize import compact

_RUNS = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+")
# Head counts and percentages say how much, not what: "35人" must not match an item that names 35人.
QUANTITY = re.compile(r"\d+(?:\.\d+)?\s*(?:%|名|位|人次|人|期|次|场|个)")
_WEIGHTS = {"H": 1.0, "B": 0.5, "S": 0.3}
# "（负责部门：办公室）" names who assesses an item, not what it is about: "整理办公室" is no link.
DEPARTMENT = re.compile(r"[（(]负责部门[:：][^）)]*[）)]")


def grams(text: str) -> set[str]:
    """Character bigrams and trigrams of each CJK run, whole ASCII words."""
    out: set[str] = set()
    for run in _RUNS.findall(compact(text).lower()):
        if run.isascii():
            out.add(run)
            continue
        out.update(run[i:i + 2] for i in range(len(run) - 1))
        out.update(run[i:i + 3] for i in range(len(run) - 2))
    return out


@dataclass(frozen=True)
class GramScore:
    """How much of a text's rare grams one item holds."""

    index: int  # position of the item in GramIndex.items
    share: float  # weighted share of the text's grams found in the item (0…1)
    mass: float  # the weight matched (IDF × part weight)
    in_heading: bool  # some gram matched the item's heading


class GramIndex:
    """The plan items of some regions with their grams and IDF (built once per set of documents)."""

    def __init__(self, items: list[dict]):
        self.items = items
        # gram → {item position: the best part it occurs in}, so scoring touches only matching items.
        self.postings: dict[str, dict[int, str]] = {}
        df: dict[str, int] = {}
        for n, it in enumerate(items):
            parts = {"H": grams(DEPARTMENT.sub("", it.get("heading") or "")),
                     "B": grams(DEPARTMENT.sub("", it.get("body") or "")),
                     "S": grams(it.get("sub") or it.get("section") or "")}
            for gram in parts["H"] | parts["B"]:
                df[gram] = df.get(gram, 0) + 1
            for part in "SBH":  # later parts overwrite: the heading wins over the body
                for gram in parts[part]:
                    self.postings.setdefault(gram, {})[n] = part
        total = len(items)
        self.idf = {gram: math.log((total + 1) / (count + 0.5)) for gram, count in df.items()}

    def scores(self, text: str, parts: str = "HBS") -> list[GramScore]:
        """The items sharing a gram with the text (in the given parts), best share first."""
        query = grams(QUANTITY.sub(" ", text))
        weights = {q: self.idf.get(q, 1.0) for q in query}  # unknown grams still count in the total
        total = sum(weights.values()) or 1.0
        mass: dict[int, float] = {}
        heading: set[int] = set()
        for q, w in weights.items():
            for n, part in self.postings.get(q, {}).items():
                if part in parts:
                    mass[n] = mass.get(n, 0.0) + w * _WEIGHTS[part]
                    if part == "H":
                        heading.add(n)
        out = [GramScore(n, m / total, m, n in heading) for n, m in mass.items() if m > 0]
        out.sort(key=lambda s: (-s.share, s.index))
        return out
