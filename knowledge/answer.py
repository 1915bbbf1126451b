"""Compose the reply a cadre reads on a phone: the answer line, one quotation per region, "更多" for the rest.

    东莞（2017）：2018年1月26日下午下班前。                      ← the lead: the fact asked for, or the item's point
    「…并于2018年1月26日下午下班前将工作开展情况表…」              ← the document's own words, ≤ 150 characters
      ——《关于做好2017年度东莞共青团工作考核的通知》五、（三）
    更多：回复 1                                                ← other sentences, other items, full citations

The asker's region leads; other regions follow under their own heading. When the asker's region has
no rule on the point, the lead says so before giving another region's. Quotations (「」) are always
spans of the cited item's text (knowledge/quotes.py); what the bot composes is plain text. English
questions get an English lead line over the Chinese quotation. A decline says plainly that no
document answers, and what the documents cover.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from knowledge import lexicon, quotes
from knowledge.blocks import Block, block_of, composed_text, first_quote, plain, rest_quote
from knowledge.fact_finder import asked_unit, contact_of, find_facts, implied_unit, subject_terms
from knowledge.leads import Pick, lead_line
from knowledge.normalize import compact
from knowledge.query import dials
from knowledge.decision import ANSWER, NO_MATCH, Decline
from knowledge.search import Hit, Result

QUOTE_MAX = 150  # characters of one region's quotation on the first page
QUOTE_MANY = 100  # … when three regions share the page
QUOTE_FEW = 80  # … when four do
ENUMERATION_ASKED = re.compile(r"哪些|哪几|哪儿|哪里|是什么|指什么|包括|包含|有啥|是啥|\bwhat are\b|\bwhich\b")
MORE_HINT, MORE_HINT_EN = "更多：回复 1", "More: reply 1"


AnswerDecision = Literal["answer", "choices", "decline", "faq"]  # the search's decision, or an FAQ entry's


@dataclass
class Answer:
    text: str
    matched: bool
    sources: list[dict] = field(default_factory=list)
    score: float = 0.0
    decision: AnswerDecision = "answer"
    choices: list[tuple[str, str]] = field(default_factory=list)  # (label, command to send back)
    norm: str = ""  # the question as matched (for the misses log)
    candidates: list = field(default_factory=list)  # [(where, score)] of the best passages considered
    more: str = ""  # the rest, shown when the asker replies 1 / 更多

    @property
    def confident(self) -> bool:
        """Answered on its own, at the search's answer threshold (decision.ANSWER); anything less is
        logged for the admins' 未答 list."""
        return self.matched and self.decision != "choices" and self.score >= ANSWER

    def as_json(self) -> dict:
        return {"answer": self.text, "matched": self.matched, "sources": self.sources,
                "score": round(self.score, 4), "more": self.more}


def compose(kb, result: Result, asker_region: str | None = None) -> Answer:
    answer = _compose(kb, result, asker_region)
    answer.norm = result.query.norm
    answer.candidates = [(where(h), round(h.score, 3)) for h in result.hits[:3]]
    return answer


def _compose(kb, result: Result, asker_region: str | None) -> Answer:
    q = result.query
    en = q.lang == "en"
    if result.decision == "decline":
        return Answer(decline_text(kb, result.reason or NO_MATCH, en), False, score=result.best, decision="decline")
    if result.decision == "choices":
        return _choices(result, en)
    if "contact" in q.intents:
        for h in result.hits:
            _add_contacts(kb, h)
    # "“四进四信”，四进是进哪儿？": a quoted name asked about is spelled out in the sentences after it.
    follow = "how" in q.intents or bool(q.quoted and ENUMERATION_ASKED.search(q.norm))
    blocks = [block_of(kb, h, follow) for h in result.hits]
    regions = list(dict.fromkeys(b.region for b in blocks))
    terms = [(tuple({compact(a) for a in t.alts} | {compact(t.text)}), t.weight) for t in q.terms]
    unit, intents = asked_unit(q.norm), q.intents
    if "contact" in intents and dials(q.norm):
        intents = intents - {"number"}  # "电话多少": the line to call, not the sentence with most figures
    if not intents & {"number", "money", "date"} and (unit := implied_unit(q.norm)):
        intents = intents | {"number"}
    subject = subject_terms(terms, unit)
    # Per region: the block and sentence holding the best fact of the kind asked for (or the first block).
    picks: dict[str, Pick] = {}
    for region in regions:
        found = []
        for n, b in enumerate(x for x in blocks if x.region == region):
            for s in b.sentences or [quotes.Span(0, len(b.body))]:
                found += [((f.on_subject, f.weight, -n, -s.start), f, b)
                          for f in find_facts(b.body, s, intents, unit, terms, subject)]
        found.sort(key=lambda x: x[0], reverse=True)
        if found:
            block = found[0][2]
            picks[region] = Pick(block, found[0][1], [f for _, f, b in found if b is block])
        else:  # no fact: the block whose sentences hold most of the question (the first on a tie)
            mine = [b for b in blocks if b.region == region]
            if "contact" in intents and (mine[0].hit.passage["kind"] == "contact"
                                         or contact_of(mine[0].hit.passage["text"], q.norm)):
                picks[region] = Pick(mine[0])  # "找谁，电话多少": the contact line the search ranked first
            else:
                picks[region] = Pick(max(mine, key=lambda b: (_weight(b, terms), -mine.index(b))))
    limit = QUOTE_MAX if len(regions) <= 2 else QUOTE_MANY if len(regions) == 3 else QUOTE_FEW
    lead = lead_line(kb, q, intents, blocks, picks, regions, asker_region, en)
    lines = [lead.text] if lead.text else []
    shown_contacts: set[str] = set(lead.given)  # a number the lead gives is not listed again
    for i, region in enumerate(regions):
        if len(regions) > 1 and asker_region:
            if _askers(picks[region].block.hit, asker_region):
                lines.append(f"【您所在的{region}】" if not en else f"[{region} — your region]")
            elif i == 1 and _askers(picks[regions[0]].block.hit, asker_region):
                lines.append("【其他地区】" if not en else "[Other regions]")
        block, fact = picks[region].block, picks[region].fact
        head = f"▪ {region}{_year(block.hit)}：" if len(regions) > 1 else ""
        if block.quotable:
            focus = fact.span if fact else None
            body = quotes.quoted(first_quote(block, focus, terms, limit, "how" in q.intents))
        else:
            body = composed_text(block, shown_contacts)
        cite = f"——{short_where(block.hit, lead.uses_headings)}"
        if body:
            lines.append(f"{head}{body}\n  {cite}")
        else:  # everything the passage gives is in the lead: its source only
            lines.append(f"▪ {region}{_year(block.hit)} {cite}" if head else f"  {cite}")
    more = _more(blocks, picks, shown_contacts, en)
    if more:
        lines.append(MORE_HINT if not en else MORE_HINT_EN)
    sources = [source(b.hit, b) for b in blocks]
    return Answer("\n".join(x for x in lines if x), True, sources, result.best, "answer", more=more)


def _weight(block: Block, terms) -> float:
    return quotes.weigh("".join(block.body[s.start:s.end] for s in block.sentences), terms)


def _more(blocks: list[Block], picks: dict, seen: set[str], en: bool) -> str:
    """The "more" page: for every block its full citation and what the first page left out."""
    first = {id(p.block) for p in picks.values()}
    lines = []
    for b in blocks:
        if b.quotable:
            rest = quotes.quoted(r) if (r := rest_quote(b)) else ""
        else:
            rest = composed_text(b, seen) if id(b) not in first else ""
        lines.append(f"▪ {b.region}{_year(b.hit)} {where(b.hit, full=True)}" + (f"\n  {rest}" if rest else ""))
    if not lines:
        return ""
    title = "（接上条）全部出处：" if not en else "(continued) All sources:"
    return "\n".join([title] + lines)


def _year(h: Hit) -> str:
    return f"（{h.doc['year']}）" if h.doc.get("year") else ""


def _askers(hit: Hit, asker_region: str | None) -> bool:
    """The asker's own region, or an organisation in it (a 东莞 school's notice is 东莞's)."""
    return bool(asker_region) and (hit.region == asker_region or asker_region in hit.doc.get("places", ()))


def curated_answer(entry: dict, similarity: float) -> Answer:
    """An admin's own answer from the FAQ, cited as such."""
    text = f"{entry['answer'].strip()}\n  —— 常见问题 #{entry['id']}（管理员整理）：{entry['question']}"
    src = {"title": "常见问题（管理员整理）", "issuer": "管理员", "city": "", "year": None, "section": "常见问题",
           "item": f"#{entry['id']} {entry['question']}", "excerpt": entry["answer"].strip()[:120],
           "passage": entry["answer"].strip()}
    return Answer(text, True, [src], similarity, "faq")


def _add_contacts(kb, h: Hit) -> None:
    """"…及时反馈团市委组织部" + "电话是多少": add the contact line of each department the passage names."""
    if h.passage["kind"] == "contact":
        return
    text = h.passage["text"]
    rows = kb.passages(kb.passages_of_kind("contact", [h.doc["key"]]))
    for row in rows.values():
        dept = re.split(r"[:：]", row["text"], 1)[0].strip('"“” ')
        if 1 < len(dept) <= 8 and dept in text and all(s.pid != row["id"] for s in h.siblings):
            h.siblings.append(Hit(row["id"], row, h.doc, h.score))


def source(h: Hit, block: Block | None = None) -> dict:
    """A cited source: document, place in it, the quoted excerpt and the passage (the item's text as
    the document writes it, of which every quotation is a span)."""
    p, d = h.passage, h.doc
    section = f"{p['section_no']}、{p['section']}" if p.get("section_no") else (p.get("heading") or "")
    if p.get("sub_no"):
        section += f"（{p['sub_no']}）{p['sub']}"
    item = f"{p['item_no']}．{p['heading']}" if p.get("item_no") else ""
    excerpt = quotes.render(block.body, block.shown) if block and block.shown else p["text"]
    return {"title": d["title"], "issuer": d["issuer"], "city": d["region"], "year": d["year"],
            "section": section, "item": item, "excerpt": excerpt, "passage": p.get("body") or p["text"]}


def where(h: Hit, full: bool = False) -> str:
    """《title》 + section › item; shortened for a chat line unless `full`."""
    s = source(h)
    section = s["section"]
    if len(section) > 22 and not full:
        section = section[:20] + "…"
    parts = [f"《{s['title']}》"] + [x for x in (section, s["item"]) if x]
    if h.doc.get("doc_number"):
        parts[0] += f"（{h.doc['doc_number']}）"
    return " › ".join(parts)


def short_where(h: Hit, without_heading: bool = False) -> str:
    """《title》二、（三）5．heading — the document and the place in it, in one short line (the heading
    of the item, else of its subsection or section, when short and not already the lead)."""
    p = h.passage
    loc = ""
    if p.get("section_no"):
        loc += p["section_no"] + ("" if p["section_no"].startswith("第") else "、")
    if p.get("sub_no"):
        loc += f"（{p['sub_no']}）"
    if p.get("item_no"):
        loc += p["item_no"] + ("" if p["item_no"].startswith("第") else "．")
    label = p.get("heading") if p.get("item_no") or not loc else (p.get("sub") if p.get("sub_no") else p.get("section"))
    label = re.split(r"[（(]", label or "", 1)[0]
    if p["kind"] == "contact" and not loc:
        label = "联系方式"
    elif p["kind"] == "contact" and label.endswith("联系"):
        label = ""
    if label and len(label) <= 16 and not without_heading:
        loc += label
    return f"《{h.doc['title']}》{loc}"


def english_name(region: str) -> str:
    """东莞 → Dongguan (from the glossary); the county committee's plan → the county league committee."""
    if region in lexicon.ORG_REGIONS:
        return "the county league committee"
    return _english_names().get(region, region)


@lru_cache(maxsize=1)
def _english_names() -> dict[str, str]:
    out: dict[str, str] = {}
    for en, zh in lexicon.glossary().items():
        if zh and " " not in en:
            out.setdefault(zh[0], en.title())
    return out


def _choices(result: Result, en: bool) -> Answer:
    lines = ["Which of these do you mean?" if en else "这个问题可能指以下几条，请选择（回复序号或点按钮）："]
    choices = []
    for n, h in enumerate(result.hits, 1):
        s = source(h)
        label = s["item"] or s["section"] or s["title"]
        lines.append(f"{n}. {h.region}（{h.doc['year']}）{label}：{_glimpse(h)}")
        choices.append((f"{h.region} {label}"[:40], f"pick {h.pid}"))
    return Answer("\n".join(lines), True, [source(h) for h in result.hits], result.best, "choices", choices)


def _glimpse(h: Hit, limit: int = 60) -> str:
    """The first words of a choice's passage: quoted when they are the document's own."""
    row = h.passage
    if not quotes.verbatim(row) or (at := quotes.locate(row["body"], row["text"])) is None:
        return plain(row)[:limit] + ("…" if len(plain(row)) > limit else "")
    sentence = quotes.sentence_of(row["body"], at)
    span = quotes.window(row["body"], sentence, None, [], limit)
    return quotes.quoted(quotes.render(row["body"], [span]))


def decline_text(kb, reason: Decline, en: bool = False) -> str:
    cover = kb.coverage()
    kind, what = reason.kind, reason.what
    if en:
        cover = kb.coverage(english=True)
        if kind in ("place", "year", "scope"):
            return f"No document here covers {what}. The documents cover: {cover}."
        return f"Sorry, none of the documents answers that. They cover: {cover}."
    if kind == "place":
        return f"抱歉，文件库里没有关于{what}的文件，无法回答。目前收录的是：{cover}。"
    if kind == "year":
        return f"抱歉，文件库里没有{what}年的文件，无法回答。目前收录的是：{cover}。"
    if kind == "scope":
        return f"抱歉，文件库里没有{what}的文件，无法回答。目前收录的是：{cover}。"
    if kind == "empty":
        return "请把问题说得具体一些，例如：“入团前需要参加多少学时的团课？”"
    return f"抱歉，现有文件中没有找到能回答这个问题的内容。目前收录：{cover}的工作要点和通知。可以换个说法再问，或发送“帮助”查看用法。"
