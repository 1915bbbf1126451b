"""The first line of an answer: the fact asked for (a number, a date, a phone), or else the item's point.

Regions are compared only like with like — the unit the question asks in and a clause about the
question's subject — and a region whose documents hold no such fact is named as such, never given
another quantity's figure. When the answer comes from another region than the asker's, the line
says first that the asker's own documents set no such rule.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from knowledge.fact_finder import Fact, contact_of, phrase

LEAD_MAX = 120
POINT_MAX = 40  # a heading longer than this is a sentence, not the item's point


@dataclass
class Pick:
    """What a region's part of the answer is built on: a block, its best fact and its other facts."""

    block: object
    fact: Fact | None = None
    facts: list[Fact] = field(default_factory=list)


@dataclass(frozen=True)
class Lead:
    text: str
    uses_headings: bool = False  # the lead names the items' headings: citations need not repeat them
    given: frozenset[str] = frozenset()  # the phone numbers, e-mails … the lead already gives


WHAT = {"date": "这个时间", "number": "具体数字", "money": "具体金额", "contact": "联系方式"}


def lead_line(kb, q, intents: frozenset[str], blocks, picks: dict, regions: list[str], asker: str | None,
              en: bool) -> Lead:
    """The answer line: contacts, facts compared like with like, or the items' points; prefixed by
    what the asker's own region lacks when the answer comes from elsewhere. At most LEAD_MAX characters."""
    lead = _lead(kb, q, intents, blocks, picks, regions, asker, en)
    if len(lead.text) <= LEAD_MAX:
        return lead
    cut = max(lead.text.rfind(mark, 0, LEAD_MAX - 2) for mark in "；;，")
    text = lead.text[:cut] + ("等。" if not en else " etc.") if cut > 0 else lead.text[:LEAD_MAX - 1] + "…"
    return dataclasses.replace(lead, text=text, given=frozenset(v for v in lead.given if v in text))


def _lead(kb, q, intents: frozenset[str], blocks, picks: dict, regions: list[str], asker: str | None,
          en: bool) -> Lead:
    multi = len(regions) > 1
    if "contact" in intents:
        parts, given = _contact_parts(blocks, q.raw, multi)
        if parts:
            shown = _fit(parts, "；", en)
            return Lead(_note(kb, q, regions, asker, blocks, "contact", parts_regions=_regions_in(parts, regions), en=en)
                        + shown, given=frozenset(v for v in given if v in shown))
    found = {r: p.fact for r, p in picks.items() if p.fact is not None and (p.fact.on_subject or not multi)}
    if multi and found:
        units = [found[r].unit for r in regions if r in found]  # the most regions' unit; the first's on a tie
        common = max(units, key=lambda u: (units.count(u), -units.index(u)))
        found = {r: f for r, f in found.items() if f.unit == common}
    if found:
        kind = next(iter(found.values())).kind
        what = "date" if kind == "date" else ("money" if "money" in intents else "number")
        note = _note(kb, q, regions, asker, blocks, what, parts_regions=list(found), en=en)
        if len(found) >= 2:
            parts = [f"{_name(r, en)} {found[r].text}" for r in regions if r in found]
            same = len({re.sub(r"\s", "", f.text) for f in found.values()}) == 1
            if en:
                head = "The regions agree: " if same else "The documents differ by region: "
            else:
                head = "各地规定一致：" if same else "各地规定不同："
            return Lead(note + head + _fit(parts, "；" if not en else "; ", en))
        region, fact = next(iter(found.items()))
        block = picks[region].block
        near = [fact] + [f for f in picks[region].facts if f.kind == fact.kind and _near(f, fact)][:2]
        phrases = list(dict.fromkeys(phrase(f) for f in sorted(near, key=lambda f: f.span.start)))
        who = _who(block, region, foreign=bool(note), en=en)
        return Lead(note + who + _fit(phrases, "；" if not en else "; ", en))
    note = _note(kb, q, regions, asker, blocks, "", parts_regions=regions, en=en)
    first = picks[regions[0]].block
    if not multi and not first.quotable:  # a contact line or the document's data: the text below answers
        return Lead(note + _who(first, regions[0], foreign=True, en=en) if note else "")
    if en:
        return Lead(note + _english_point(first, len(regions), regions))
    points = [(r, _point(picks[r].block)) for r in regions]
    if multi:
        return Lead(note + _fit([f"{r}：{p}" for r, p in points if p], "；", en), uses_headings=True)
    point = points[0][1]
    who = _who(first, regions[0], foreign=bool(note), en=en)
    return Lead(note + (who + point if point else ""), uses_headings=bool(first.row.get("item_no")) and bool(point))


def _near(f: Fact, best: Fact) -> bool:
    return f.on_subject and f.weight >= best.weight * 0.6


def _regions_in(parts: list[str], regions: list[str]) -> list[str]:
    return [r for r in regions if any(p.startswith(r) for p in parts)] or regions[:1]


def _note(kb, q, regions, asker, blocks, what: str, parts_regions: list[str], en: bool) -> str:
    """"枣庄的文件没有规定这个时间；" when the asker's region is not where the answer comes from (and the
    question did not name a place): the asker must not take another region's rule for their own."""
    if not asker or q.regions or any(_askers(b.hit, asker) and b.region in parts_regions for b in blocks):
        return ""
    has_documents = any(d["region"] == asker or asker in d.get("places", ()) for d in kb.docs.values())
    if en:
        name = _name(asker, en)
        return (f"{name}'s documents set no such rule; " if has_documents
                else f"There are no documents of {name} yet; ")
    if not has_documents:
        return f"文件库里还没有{asker}的文件；"
    return f"{asker}的文件没有规定{WHAT[what]}；" if what else f"{asker}的文件没有这方面的内容；"


def _askers(hit, asker: str | None) -> bool:
    return bool(asker) and (hit.region == asker or asker in hit.doc.get("places", ()))


def _who(block, region: str, foreign: bool, en: bool) -> str:
    """东莞（2017）： — or, for another region's rule given to an asker elsewhere, 东莞2017年的通知："""
    year = block.hit.doc.get("year")
    if en:
        return f"{_name(region, en)}{f' ({year})' if year else ''}: "
    if foreign:
        title = block.hit.doc.get("title") or ""
        kind = "通知" if title.endswith("通知") else ("工作要点" if "要点" in title else "文件")
        return f"{region}{f'{year}年' if year else ''}的{kind}："
    return f"{region}{f'（{year}）' if year else ''}："


def _name(region: str, en: bool) -> str:
    if not en:
        return region
    from knowledge.answer import english_name
    return english_name(region)


def _point(block) -> str:
    """What an item is about: its heading, else its subsection's or section's."""
    row = block.row
    for key in ("heading", "sub", "section"):
        text = (row.get(key) or "").strip()
        if text and not text.startswith(("表格", "联系方式", "文件信息")) and not text.endswith("（联系）") \
                and len(text) <= POINT_MAX:
            return text
    return ""


def _english_point(block, n_regions: int, regions: list[str]) -> str:
    if n_regions > 1:
        return f"{n_regions} regions' documents answer this: {', '.join(_name(r, True) for r in regions)}."
    p, d = block.row, block.hit.doc
    where = [f"section {p['section_no']}"] if p.get("section_no") else []
    if p.get("sub_no"):
        where.append(f"part ({p['sub_no']})")
    if p.get("item_no"):
        where.append(f"item {p['item_no']}")
    loc = f" ({', '.join(where)})" if where else ""
    year = f" {d['year']}" if d.get("year") else ""
    return f"From {_name(d['region'], True)}'s{year} document 《{d['title']}》{loc}:"


def _contact_parts(blocks, question: str, multi: bool) -> tuple[list[str], set[str]]:
    """"东莞 组织部：22114722" for every department the blocks name, each number once; and the numbers."""
    from knowledge.blocks import plain

    seen: set[str] = set()
    parts = []
    for b in blocks:
        rows = ([b.row] if b.row["kind"] == "contact" else []) + b.contacts
        for row in rows:
            cf = contact_of(plain(row), question)
            if cf is None:
                continue
            values = [v for v in cf.values if v not in seen]
            if not values:
                continue
            seen.update(values)
            who = (b.region + (" " if cf.who else "") if multi else "") + cf.who
            parts.append(f"{who}：{'，'.join(values)}" if who else "，".join(values))
    return parts, seen


def _fit(parts: list[str], sep: str, en: bool, budget: int = LEAD_MAX - 30) -> str:
    """Parts joined while they fit the lead line; "等" (etc.) when some are left out."""
    out = []
    for p in parts:
        if out and len(sep.join(out + [p])) > budget:
            return sep.join(out) + ("等。" if not en else " etc.")
        out.append(p)
    return sep.join(out) + ("。" if not en else ".")
