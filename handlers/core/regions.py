"""One rule for the regions people name, used by 城市, 订阅, 通知【…】 and 截止 … 地区 ….

A region is either one the documents are filed under (`ctx.kb.regions`: 东莞, 宁波, 枣庄, 团县委 …) or a
place of the gazetteer that has no documents yet (北京): accepted everywhere, and always named as such
("北京：暂无文件"). Anything else is refused everywhere with the list to choose from. 枣庄市, 枣庄 and a
district of 枣庄 (枣庄市市中区) all name 枣庄.

Lists show a region by what its document says: a county committee's plan that names no county
(团县委2020年工作要点) is "某县（团县委2020）", not a "团县委" that reads like a place.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from handlers.core.echo import clip
from handlers.core.types import Choice, Context
from knowledge import lexicon
from knowledge.ingest.meta import GENERIC_NAMES, org_parts, short_place


# What may be left of a place name once its gazetteer places are taken out: the 省/市 of 山东省枣庄市, or
# a subdivision the gazetteer does not list (the 市中区 of 枣庄市市中区, a 街道 or 镇).
SUBDIVISION = re.compile(r"(?:省|市|自治区|自治州|地区|盟)*(?:(?:(?![的是有什哪怎几多吗呢])[\u4e00-\u9fff]){1,6}?(?:区|县|市|旗|镇|乡|街道))?")


@dataclass(frozen=True)
class Region:
    name: str  # as the documents and the store file it
    documented: bool  # some document is filed under it

    def note(self, consequence: str) -> str:
        """"" for a documented region; else "北京：暂无文件，<consequence>"."""
        return "" if self.documented else f"{self.name}：暂无文件，{consequence}"


def find_region(ctx: Context, typed: str) -> Region | None:
    """The region `typed` names, or None when it names none (not a document's region nor a place)."""
    text = "".join(unicodedata.normalize("NFKC", typed).split())
    if not text:
        return None
    documented = list(ctx.kb.regions)
    for candidate in (text, short_place(text), text.removesuffix("市")):
        if candidate in documented:
            return Region(candidate, True)
    places = lexicon.find_places(text)
    rest = text
    for place in places:
        rest = rest.replace(place, "", 1)
    if not places or not SUBDIVISION.fullmatch(rest):  # "东莞的团委…" is not a place name
        return None
    for place in reversed(places):  # most specific first: 山东省枣庄市 → 枣庄; 柯桥 → 绍兴市柯桥区
        for region in documented:
            if region == place or place in lexicon.find_places(region):
                return Region(region, True)
    return Region(places[-1], False)


def label(ctx: Context, region: str) -> str:
    """How a list shows the region: its name, or 某县（团县委2020） for a committee that names no place."""
    parts = org_parts(region)
    if not parts or parts[0] not in GENERIC_NAMES:
        return region
    years = sorted({str(d["year"]) for d in ctx.kb.docs.values() if d["region"] == region and d.get("year")})
    return f"某{parts[0] or '单位'}（{region}{'、'.join(years)}）"


def listing(ctx: Context) -> str:
    """The documented regions, as lists show them: 东莞、某县（团县委2020）、宁波、枣庄."""
    return "、".join(label(ctx, r) for r in ctx.kb.regions)


def choices(ctx: Context, command: str = "city") -> tuple[Choice, ...]:
    """A button per documented region that sends `command <region>`."""
    return tuple(Choice(label(ctx, r), f"{command} {r}") for r in ctx.kb.regions)


def not_found(ctx: Context, typed: str, hint: str = "") -> str:
    """The one refusal for a name that is no region."""
    return f"没有找到地区“{clip(typed, 12)}”。可选：{listing(ctx)}{hint}。"
