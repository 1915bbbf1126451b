"""Linking a check-in to the plan item it reports on (the 青年大学习 item for “组织青年大学习第12期”).

Check-ins are short and full of programme names that jieba may not know (青年大学习, 智慧团建), so
matching is on character bigrams and trigrams of the normalised text, weighted by how rare each
gram is among the plan items (IDF). An item's score is the weighted share of the check-in's grams it
contains — in its heading (weight 1.0), body (0.5) or section title (0.3). A link needs both a share
(≥ MIN_SHARE, twice that when nothing matched the heading) and enough matched evidence (≥ MIN_MASS,
so “学习” alone links nothing). Ties are broken
by rapidfuzz's similarity of the check-in to the item heading; an explicit `#条目` is matched the same
way against headings only, or by its number (#12 → item 12.).
"""
from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from handlers.checkin.categories import category_of
from knowledge.normalize import compact

MIN_SHARE = 0.15
MIN_MASS = 3.0
TAG_MIN = 0.5
_RUNS = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+")
_QUANTITY = re.compile(r"\d+(?:\.\d+)?\s*(?:%|名|位|人次|人|期|次|场|个)")
_WEIGHTS = {"H": 1.0, "B": 0.5, "S": 0.3}
# “（负责部门：办公室）” names who assesses an item, not what it is about: “整理办公室” is no link.
_DEPARTMENT = re.compile(r"[（(]负责部门[:：][^）)]*[）)]")


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
class Link:
    item_id: int
    label: str  # what the member sees: 宁波 2019《…》 一、… › 1．深入推进“青年大学习”专项行动
    region: str
    category: str
    score: float

    def fields(self) -> dict:
        return {"item_id": self.item_id, "item_label": self.label, "item_region": self.region,
                "category": self.category}


NO_LINK_FIELDS = {"item_id": None, "item_label": None, "item_region": None, "category": None}


def item_label(item: dict) -> str:
    head = f"{item['item_no']}．{item['heading']}" if item.get("heading") else item.get("label", "")
    section = item.get("sub") or item.get("section") or ""
    where = f"{item['region']} {item['year']}《{item['title']}》"
    return f"{where} {section} › {head}" if section else f"{where} {head}"


class ItemIndex:
    """The plan items of some regions with their grams and IDF (built once per set of documents)."""

    def __init__(self, items: list[dict]):
        self.items = items
        # gram → {item index: the best part it occurs in}, so scoring touches only matching items.
        self.postings: dict[str, dict[int, str]] = {}
        df: dict[str, int] = {}
        for n, it in enumerate(items):
            parts = {"H": grams(_DEPARTMENT.sub("", it.get("heading") or "")),
                     "B": grams(_DEPARTMENT.sub("", it.get("body") or "")),
                     "S": grams(it.get("sub") or it.get("section") or "")}
            for gram in parts["H"] | parts["B"]:
                df[gram] = df.get(gram, 0) + 1
            for part in "SBH":  # later parts overwrite: the heading wins over the body
                for gram in parts[part]:
                    self.postings.setdefault(gram, {})[n] = part
        total = len(items)
        self.idf = {gram: math.log((total + 1) / (count + 0.5)) for gram, count in df.items()}

    def scores(self, text: str, parts: str = "HBS") -> list[tuple[float, float, bool, int]]:
        """(share, matched mass, heading matched?, index) of the items sharing a gram with the text,
        best first."""
        query = grams(_QUANTITY.sub(" ", text))
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
        out = [(m / total, m, n in heading, n) for n, m in mass.items()]
        out.sort(key=lambda t: (-t[0], t[3]))
        return out

    def best(self, text: str, parts: str = "HBS", min_share: float = MIN_SHARE,
             min_mass: float = MIN_MASS) -> tuple[dict, float] | None:
        ranked = [r for r in self.scores(text, parts) if r[1] > 0]
        if not ranked or ranked[0][1] < min_mass:
            return None
        # A match in the body alone (one word of a long paragraph) needs twice the share.
        if ranked[0][0] < (min_share if ranked[0][2] else 2 * min_share):
            return None
        top = [r for r in ranked if r[0] >= ranked[0][0] - 1e-9]
        if len(top) > 1:  # equal shares: the heading most like the text wins
            headings = {r[3]: compact(self.items[r[3]].get("heading") or "") for r in top}
            choice = process.extractOne(compact(text), headings, scorer=fuzz.ratio)
            return self.items[choice[2]], top[0][0]
        return self.items[ranked[0][3]], ranked[0][0]


class Linker:
    """Caches one ItemIndex per (regions, documents) so a check-in costs a few milliseconds."""

    def __init__(self):
        self._cache: dict[tuple, ItemIndex] = {}
        self._lock = threading.Lock()

    def index(self, store, regions: tuple[str, ...]) -> ItemIndex:
        version = tuple((d["key"], d.get("sha1")) for d in store.documents())
        key = (store.path, regions, version)
        with self._lock:
            if key not in self._cache:
                if len(self._cache) > 32:
                    self._cache.clear()
                items = store.plan_items(regions or None)
                if not items and regions:  # a region without plans: use every region's items
                    items = store.plan_items(None)
                self._cache[key] = ItemIndex(items)
            return self._cache[key]

    def link(self, store, text: str, regions: tuple[str, ...]) -> Link | None:
        """The plan item this check-in text reports on, or None when nothing fits well enough."""
        found = self.index(store, regions).best(text)
        return _link(*found) if found else None

    def by_tag(self, store, tag: str, regions: tuple[str, ...]) -> Link | None:
        """The item a `#条目` names: by number (#12) or by words of its heading."""
        index = self.index(store, regions)
        number = tag.strip().rstrip(".．、")
        if number.isdigit():
            hits = [it for it in index.items if it.get("item_no") == number]
            return _link(hits[0], 1.0) if hits else None
        found = index.best(tag, parts="H", min_share=TAG_MIN, min_mass=0.5)
        return _link(*found) if found else None


def _link(item: dict, score: float) -> Link:
    return Link(item["id"], item_label(item), item["region"], category_of(item), round(score, 3))


LINKER = Linker()
