"""Compose the reply a cadre reads: the fact-bearing sentence quoted, its source cited, regions compared.

The asker's region leads; other regions follow under their own heading; when the regions' numbers
differ (20学时 vs 8学时) a one-line summary says so. English questions get an English lead line over
the Chinese quote. A decline says plainly that no document answers, and what the documents cover.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from knowledge import lexicon

from knowledge.normalize import compact
from knowledge.search import Hit, Result

QUOTE_MAX = 160
MAX_SIBLINGS = 2
NUMBER_FACT = re.compile(r"(不少于|不低于|不超过|至少|超过|达到|控制在)?(\d+(?:\.\d+)?)\s*(%|学时|小时|场|人|个|名|家|次|岁|天)(以内|以上|以下)?")


@dataclass
class Answer:
    text: str
    matched: bool
    sources: list[dict] = field(default_factory=list)
    score: float = 0.0
    decision: str = "answer"
    choices: list[tuple[str, str]] = field(default_factory=list)  # (label, command to send back)
    norm: str = ""  # the question as matched (for the misses log)
    candidates: list = field(default_factory=list)  # [(where, score)] of the best passages considered

    def as_json(self) -> dict:
        return {"answer": self.text, "matched": self.matched, "sources": self.sources,
                "score": round(self.score, 4)}


FOLLOW_MAX = 220  # characters of following sentences added to a "how" answer


def compose(kb, result: Result, asker_region: str | None = None) -> Answer:
    answer = _compose(kb, result, asker_region)
    answer.norm = result.query.norm
    answer.candidates = [(where(h), round(h.score, 3)) for h in result.hits[:3]]
    return answer


def _compose(kb, result: Result, asker_region: str | None) -> Answer:
    en = result.query.lang == "en"
    for h in result.hits:
        _add_following(kb, h, "how" in result.query.intents)
        if "contact" in result.query.intents:
            _add_contacts(kb, h)
    if result.decision == "decline":
        return Answer(decline_text(kb, result.reason, en), False, score=result.best, decision="decline")
    if result.decision == "choices":
        return _choices(result, en)
    hits = result.hits
    regions = list(dict.fromkeys(h.region for h in hits))
    lines: list[str] = []
    if en:
        lines.append(_english_lead(hits[0], len(regions)))
    if len(regions) > 1:
        lines.append(_summary(hits, regions, asker_region, en))
    for i, region in enumerate(regions):
        if len(regions) > 1:
            if asker_region and region == asker_region:
                lines.append(f"【您所在的{region}】" if not en else f"[{region} — your region]")
            elif asker_region and i == 1 and regions[0] == asker_region:
                lines.append("【其他地区】" if not en else "[Other regions]")
        for h in (h for h in hits if h.region == region):
            lines.append(_quote_block(h, multi=len(regions) > 1))
    sources = [source(h) for h in hits]
    return Answer("\n".join(x for x in lines if x), True, sources, result.best, "answer")


def _add_following(kb, h: Hit, how: bool) -> None:
    """A "how" question, or a sentence too short to stand alone, gets the item's next sentences too."""
    if h.follow or not (how or len(h.passage["text"]) < 40) or h.passage["kind"] not in ("item", "paragraph"):
        return
    pos, added = h.passage["position"], []
    for p, text in kb.item_sentences(h.item_id):
        if p > pos and sum(map(len, added)) + len(text) <= FOLLOW_MAX:
            added.append(text)
        elif p > pos:
            break
    h.follow = "".join(added)


def curated_answer(entry: dict, similarity: float) -> Answer:
    """An admin's own answer from the FAQ, cited as such."""
    text = f"{entry['answer'].strip()}\n  —— 常见问题 #{entry['id']}（管理员整理）：{entry['question']}"
    src = {"title": "常见问题（管理员整理）", "issuer": "管理员", "city": "", "year": None, "section": "常见问题",
           "item": f"#{entry['id']} {entry['question']}", "excerpt": entry["answer"].strip()[:120]}
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


def source(h: Hit) -> dict:
    p, d = h.passage, h.doc
    section = f"{p['section_no']}、{p['section']}" if p.get("section_no") else (p.get("heading") or "")
    if p.get("sub_no"):
        section += f"（{p['sub_no']}）{p['sub']}"
    item = f"{p['item_no']}．{p['heading']}" if p.get("item_no") else ""
    return {"title": d["title"], "issuer": d["issuer"], "city": d["region"], "year": d["year"],
            "section": section, "item": item, "excerpt": quote(h)}


def where(h: Hit) -> str:
    """《title》 + section › item, shortened for a chat line."""
    s = source(h)
    section = s["section"]
    if len(section) > 22:
        section = section[:20] + "…"
    parts = [f"《{s['title']}》"] + [x for x in (section, s["item"]) if x]
    if h.doc.get("doc_number"):
        parts[0] += f"（{h.doc['doc_number']}）"
    return " › ".join(parts)


def _quote_block(h: Hit, multi: bool) -> str:
    year = f"（{h.doc['year']}）" if h.doc.get("year") else ""
    head = f"▪ {h.region}{year}：" if multi else ""
    return f"{head}“{quote(h)}”\n  —— {where(h)}"


def quote(h: Hit) -> str:
    """The fact-bearing sentence, with matching sentences of the same item in document order."""
    extra = [x for x in h.siblings if x.passage["kind"] == "contact" and x.passage["item_id"] != h.item_id]
    same_item = [x for x in h.siblings if x not in extra][:MAX_SIBLINGS]
    parts = sorted([h] + same_item, key=lambda x: x.passage["position"]) + extra
    if len(parts) == 1:
        return _sentence(h)
    out, last = "", None
    for part in parts:
        pos = part.passage["position"]
        if last is not None and pos != last + 1:
            out += "……"
        out += _sentence(part, QUOTE_MAX // 2 + 20)
        last = pos
    return out


def _sentence(h: Hit, limit: int = QUOTE_MAX) -> str:
    """One sentence; a long one is cut to the clauses that hold the matched terms."""
    text = h.passage["text"].strip()
    if h.passage["kind"] in ("contact", "meta"):
        return text  # every part of a contact line or the document's data may be the answer
    if len(text) <= limit:
        return text + h.follow
    clauses = re.split(r"(?<=[，,；;：:])", text)
    present = [{t for t, _ in h.matched if compact(t) in compact(c)} for c in clauses]
    weight = dict(h.matched)
    best_span, best_score = (0, 0), 0.0
    for i in range(len(clauses)):
        length, found = 0, set()
        for j in range(i, len(clauses)):
            length += len(clauses[j])
            if length > limit and j > i:
                break
            found |= present[j]
            score = sum(weight[t] for t in found)
            if score > best_score + 1e-9:
                best_span, best_score = (i, j), score
    if best_score == 0:
        return text[:limit] + "…"
    i, j = best_span
    out = "".join(clauses[i:j + 1]).rstrip("，,；;：:")
    return ("…" if i > 0 else "") + out + ("…" if j < len(clauses) - 1 else "")


def _summary(hits: list[Hit], regions: list[str], asker: str | None, en: bool) -> str:
    """One line naming each region's figure when they differ: 东莞 不少于20学时；枣庄 8学时."""
    facts: dict[str, list[str]] = {}
    units = set()
    for h in hits:
        for m in NUMBER_FACT.finditer(quote(h)):
            facts.setdefault(h.region, []).append(m.group(0).replace(" ", ""))
            units.add(m.group(3))
    shared = [u for u in units if sum(any(u in f for f in fs) for fs in facts.values()) >= 2]
    if shared and len(facts) >= 2:
        unit = shared[0]
        parts = [f"{r} {next(f for f in facts[r] if unit in f)}" for r in regions
                 if r in facts and any(unit in f for f in facts[r])]
        values = {re.sub(r"\D", "", p.split(" ", 1)[1]) for p in parts}
        verdict = "各地规定不同" if len(values) > 1 else "各地规定一致"
        if en:
            return f"The documents differ by region: {'; '.join(parts)}." if len(values) > 1 else \
                f"The regions agree: {'; '.join(parts)}."
        return f"{verdict}：{'；'.join(parts)}。"
    if en:
        return f"{len(regions)} regions' documents address this: {', '.join(regions)}."
    return f"{'、'.join(regions)}的文件都涉及这个问题，分别如下："


def _english_lead(h: Hit, n_regions: int) -> str:
    """An English line over the Chinese quote: which document, which section and item."""
    if n_regions > 1:
        return f"{n_regions} regions' documents answer this; the Chinese quotes and their sources follow."
    p, d = h.passage, h.doc
    where = [f"section {p['section_no']}"] if p.get("section_no") else []
    if p.get("sub_no"):
        where.append(f"part ({p['sub_no']})")
    if p.get("item_no"):
        where.append(f"item {p['item_no']}")
    loc = f" ({', '.join(where)})" if where else ""
    year = f" {d['year']}" if d.get("year") else ""
    return f"From {english_name(d['region'])}'s{year} document “{d['title']}”{loc}:"


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
        lines.append(f"{n}. {h.region}（{h.doc['year']}）{label}：{quote(h)[:60]}…")
        choices.append((f"{h.region} {label}"[:40], f"pick {h.pid}"))
    return Answer("\n".join(lines), True, [source(h) for h in result.hits], result.best, "choices", choices)


def decline_text(kb, reason: str, en: bool = False) -> str:
    cover = kb.coverage()
    kind, _, what = reason.partition(":")
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
