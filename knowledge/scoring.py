"""Lexical scoring: how much of a question's weighted terms a passage covers.

Synonyms count, a typo or homophone in a name counts partly (pinyin, rapidfuzz alignment of the unknown
term), words only in the passage's heading count less, an answer of the wrong type (no number for
"多少") counts less. The score is 0–1: the weighted share of the question covered.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from knowledge import pinyin, segment
from knowledge.index import HEAD_MARK
from knowledge.query import Query, Term

LENGTH_PENALTY = 0.06
SINGLE_PREFIX = 0.6
CONTRACTED = 0.8  # two question words the passage writes contracted (选拔培养 → 选培)
HEADING_CREDIT = 0.9  # a term found only in the passage's heading
MONEY_IN_TEXT = re.compile(r"\d+(?:\.\d+)?\s*(?:万|亿)?元|免费|不收(?:取)?(?:任何)?费|无需(?:缴纳|交纳|支付)|不得收取")
NUMBER_IN_TEXT = re.compile(r"\d|[一二两三四五六七八九十百千万]+(?:分之|[个项类种条名级批届次场人天年周份张倍])|首届|双|半")
CONTACT_IN_TEXT = re.compile(r"电话|邮箱|地址|邮编|@|\d{7,}")
# How long, or how often ("多久开一次": 每月): a span of time, or a period things recur in.
DURATION_IN_TEXT = re.compile(r"(?:\d+|[一二两三四五六七八九十半]+)\s*(?:个)?(?:工作日|天|日|周|星期|个月|月|年|小时|分钟|学时|学期)"
                              r"|每(?:个)?(?:年|半年|季度|月|周|星期|天|日|学期|期)")
# Where something is: an address, a building or a room (长征路126号, 1106室, 三楼, 报告厅).
PLACE_IN_TEXT = re.compile(r"地址|地点|\d+号(?!文)|\d+室|[\d一二三四五六七八九十]+楼|[路街道巷](?:\d|[一二三四五六七八九十]+号)"
                           r"|报告厅|会议室|教室|礼堂|党校|大厦|中心(?:[\d一二三四五六七八九十]|三楼|二楼)|广场")
WHERE_ASKED = re.compile(r"在哪|哪里|哪儿|什么地方|去哪|地点|\bwhere\b")
REACH_ASKED = re.compile(r"电话|邮箱|联系|手机|邮编|找谁|phone|e-?mail|contact")
CALENDAR_ASKED = re.compile(r"几号|哪天|哪一天|哪日|几月几|什么日子|日期")
CALENDAR_IN_TEXT = re.compile(r"\d{1,2}月\d{1,2}[日号]|\d{1,2}月(?:底|末|初|中|上旬|中旬|下旬)|年底|年末|月底|[上中下]旬")
CONSEQUENCE_ASKED = re.compile(r"会[咋怎]样|会怎么样|会如何|有[啥什]么?后果|后果|会不会被|怎么处理|怎么处罚|\bwhat happens\b")
CONSEQUENCE_IN_TEXT = re.compile(r"不予|不再|取消|不纳入|不得|视为|追回|撤销|通报|处分|处置|处理|扣除|责令|限期|暂停|停止|降为|不能参加")
TYPE_MISS = 0.15
LENGTH_ASKED = re.compile(r"多长时间|多长|how long")
STRICT_NUMBER = False  # a passage that cannot hold the kind of fact asked for (a date for 哪天) is no answer
DATE_IN_TEXT = re.compile(r"\d{4}年\d{1,2}月|(?<![\d个])\d{1,2}月(?:底|份|\d{1,2}日)?|年底|(?<![\d一二两三四五六七八九十几])年内|月底|\d{1,2}日前|"
                          r"\d{1,2}[:：]\d{2}|[周星期][一二三四五六日天]|"
                          # times of the year or month a rule names instead of a day (第一季度, 上半年, 暑假 …)
                          r"第[一二三四1-4]季度|[上下]半年|年[初中末]|月[初中末]|[上中下]旬|[春夏秋冬]季|[寒暑]假|开学|期[初中末]|"
                          # or a time counted from an event ("收到请示后7个工作日内")
                          r"\d+\s*个?(?:工作日|天|日|周|个月|小时)(?:内|以内|之内|后)")


@dataclass
class Hit:
    pid: int
    passage: dict
    doc: dict
    score: float
    matched: tuple[tuple[str, float], ...] = ()  # (term form found, term weight)
    follow: str = ""  # the next sentence(s) of the same item, when the answer needs them
    siblings: list["Hit"] = field(default_factory=list)  # other sentences of the same item that match too
    lexical: float = 0.0  # the lexical score alone (score is the fused one when the semantic path ran)
    fits: bool = True  # it can hold the kind of fact asked for (a number for 多少, a date for 哪天 …)
    cosine: float | None = None  # similarity of the passage's vector to the question's (semantic path)
    holds: bool = True  # it can hold the kind of fact asked for at all: else it is never the answer
    contrast: str = ""  # the question's word this passage replaces by another (入党 → 入团): not an answer

    @property
    def region(self) -> str:
        return self.doc["region"]

    @property
    def item_id(self) -> int:
        return self.passage["item_id"]


def sub_words(terms: list[Term]) -> dict[str, list[str]]:
    """Each multi-character form's dictionary sub-words (团前教育 → 团前, 教育), computed once per question."""
    out = {}
    for term in terms:
        for alt in term.alts:
            out[alt] = [t for t in segment.word_tokens(alt) if len(t) > 1 and t != alt]
    return out


def score(kb, q: Query, terms: list[Term], parts: dict[str, list[str]], p: dict) -> Hit:
    text = p["norm"]
    context = (p.get("section") or "") + (p.get("sub") or "")
    if p["kind"] == "meta":
        context += kb.docs[p["doc_key"]]["title"]
    total = gained = 0.0
    matched = []
    tokens = f" {p['tokens']} "
    body = text[text.find(HEAD_MARK) + 1:]
    doc_key = p["doc_key"]
    used: set[str] = set()
    got: dict[str, tuple[float, str]] = {}
    # The terms with fewest forms pick first (assessment → 考核 before evaluation → 考核/评价/评估).
    for term in sorted(terms, key=lambda t: len(t.alts)):
        # Words of the document's title or issuer (咸安实验中学, 团费收缴) name the document: every one of
        # its passages is about them, so they choose the document and never one line of it (the
        # title line or the "…办公室印发" line would otherwise win every question about the notice).
        # Only words that tell documents apart count so: every notice's issuer is a 委员会.
        form = next((alt for alt in term.alts if len(alt) > 1 and alt not in used
                     and doc_key in kb.identity_documents(alt)), None) if doc_key else None
        if form is not None:
            m = 1.0
        else:
            m, form = _term_match(term, text, body, context, parts, tokens, used)
        if m >= 0.6:
            used.add(form)  # one word of the passage answers one word of the question (考核 for assessment)
        got[term.text] = (m, form)
    if q.lang == "zh":
        _contractions(q, text, got)
    for term in terms:
        m, form = got[term.text]
        total += term.weight
        gained += term.weight * m
        if m >= 0.6:
            matched.append((form, term.weight))
    score = gained / total if total else 0.0
    bonus, holds = _intent_bonus(q, p)
    score = min(score * _length_factor(len(p["text"])) + bonus, 1.0)
    return Hit(p["id"], p, kb.docs.get(doc_key, {}), score, tuple(matched), lexical=score, fits=bonus >= 0,
               holds=holds)


def _contractions(q: Query, text: str, got: dict[str, tuple[float, str]]) -> None:
    """Two words the question writes in full that the passage contracts to their first characters
    (选拔培养 → 选培, 帮扶救助 → 帮救): both count, a little less than written out."""
    words = [t.text for t in q.terms]
    for a, b in zip(words, words[1:]):
        if len(a) < 2 or len(b) < 2 or got[a][0] >= 0.6 or got[b][0] >= 0.6 or a[0] == b[0]:
            continue
        short = a[0] + b[0]
        if short in text and short not in q.norm:
            got[a] = got[b] = (CONTRACTED, short)


def _term_match(term: Term, text: str, body: str, context: str, sub_words: dict[str, list[str]],
                tokens: str, used: set[str] = frozenset()) -> tuple[float, str]:
    """How well a passage holds a term (0–1), and the form it holds it in."""
    alts = term.alts
    if len(term.text) == 1:
        # One character matches only as a word of its own: 系 (to tie) is not the 系 of 联系.
        for alt in alts:
            if f" {alt} " in tokens:
                return 1.0, alt
        if f" {term.text}" in tokens:
            # A colloquial one-character verb is the first character of the written word (领 → 领取,
            # 交 → 交纳, 完 → 完成): half a match, since it begins other words too (交 → 交流).
            return SINGLE_PREFIX, term.text
        return 0.0, term.text
    for i, alt in enumerate(alts):
        if alt in text and alt not in used:
            # the sentence itself beats its heading: every item of 宁波's plan is a "专项行动"
            return (1.0 if i == 0 else 0.95) * (1.0 if alt in body else HEADING_CREDIT), alt
    if context:
        for alt in alts:
            if alt in context and alt not in used:
                return 0.6, alt
    best = 0.0
    for alt in alts:
        parts = sub_words[alt]
        if parts:
            found = 0
            for t in parts:
                if t in text:
                    found += 1
            if found:
                best = max(best, 0.7 * found / len(parts))
    if term.fuzzy and best < 0.8:
        # A typo or homophone in a name (中国青创版 → 中国青创板, 亲青愁 → 亲青筹).
        best = max(best, near_match(term.text, text))
    return best, term.text


def near_match(term: str, text: str) -> float:
    """0.9 when a window of `text` differs from `term` by one homophone, less for other near misses."""
    n = len(term)
    if term in text:
        return 1.0
    chars = set(term)
    missing = sum(1 for ch in chars if ch not in text)
    if missing > 2:
        return 0.0  # cheap rejection: most passages share few of the name's characters
    best = 0.0
    if missing <= 1:
        starts = set()
        for k in (0, 1):  # a one-character slip leaves the first or the second character in place
            i = text.find(term[k])
            while i != -1:
                if 0 <= i - k <= len(text) - n:
                    starts.add(i - k)
                i = text.find(term[k], i + 1)
        for i in starts:
            diff = [(a, b) for a, b in zip(term, text[i:i + n]) if a != b]
            if len(diff) == 1:
                best = max(best, 0.9 if pinyin.homophones(*diff[0]) else (0.75 if n >= 4 else 0.6))
    if best == 0.0 and n >= 5 and fuzz.partial_ratio(term, text, score_cutoff=70) >= 100 * (1 - 1.2 / n):
        best = 0.75  # one character missing or added in a long name
    return best


def _length_factor(length: int) -> float:
    """Long sentences match generic words by sheer size; a mild penalty per doubling past 80 chars."""
    return 1.0 if length <= 80 else 1.0 / (1.0 + LENGTH_PENALTY * math.log2(length / 80))


def _holds_length(text: str) -> bool:
    """A span of time or a period, not a calendar date read as one (4月19日 is no "19日", 2024年 no "2024年")."""
    for m in DURATION_IN_TEXT.finditer(text):
        span, before, after = m.group(0), text[max(m.start() - 1, 0):m.start()], text[m.end():m.end() + 1]
        if span.endswith("日") and before == "月":
            continue  # the day of a date
        if span.endswith("年") and re.match(r"\d{4}", span):
            continue  # a calendar year
        if span.endswith("月") and not span.endswith("个月") and (after.isdigit() or after in "底份初中"):
            continue  # a month of a date
        return True
    return False


def _intent_bonus(q: Query, p: dict) -> tuple[float, bool]:
    """Reward a passage holding the kind of fact asked for; penalise one that cannot hold it. Also
    whether it can hold it at all (a date for 哪天, an amount for 多少钱, an age for 几岁)."""
    text = p["norm"]
    bonus = 0.0
    holds = True
    about_document = q.intents & {"docnumber", "document"}
    if p["kind"] == "meta" and not about_document:
        # The document's own line (title, number, issuer, date) shares the title's words with every
        # question about the document's content; it answers only questions about the document itself.
        bonus -= 0.2
        holds = False
    # A unit named ("几天", "几岁") says what is asked more precisely than 最晚 or 多久 do.
    if q.units:
        pass  # the unit decides below
    elif "date" in q.intents:
        ok = (p["kind"] == "meta" and about_document) or DATE_IN_TEXT.search(text)
        # "几号", "哪天" ask for a day of the calendar: "调动后1个月内" is a date only by a stretch
        calendar = not CALENDAR_ASKED.search(q.norm) or CALENDAR_IN_TEXT.search(text)
        bonus += (0.08 if calendar else 0.03) if ok else -TYPE_MISS
        holds &= bool(ok)
    elif "duration" in q.intents:
        ok = DURATION_IN_TEXT.search(text) or DATE_IN_TEXT.search(text)
        bonus += 0.05 if ok else -TYPE_MISS
        # "多久" may mean "by when" (多久交 → 6月底前); "多长时间" asks for a length: a date is no answer
        holds &= bool(_holds_length(text) if LENGTH_ASKED.search(q.norm) else ok)
    if CONSEQUENCE_ASKED.search(q.norm):
        # "交晚了会咋样", "没去有啥后果": the sentence that says what follows (不予, 取消, 不再接受 …)
        bonus += 0.08 if CONSEQUENCE_IN_TEXT.search(text) else 0.0
    if WHERE_ASKED.search(q.norm) and not REACH_ASKED.search(q.norm):
        # "在哪儿办", "去哪儿办": a place — an address or a room, not a phone line.
        bonus += 0.1 if PLACE_IN_TEXT.search(text) else (-0.06 if "contact" in q.intents else 0.0)
    elif "contact" in q.intents:
        bonus += 0.15 if p["kind"] == "contact" else (0.0 if CONTACT_IN_TEXT.search(text) else -0.06)
    elif p["kind"] == "contact":
        bonus -= 0.1  # a contact line answers "who/how to reach", not what the item is about
    if "docnumber" in q.intents and p["kind"] == "meta":
        bonus += 0.15
    if "money" in q.intents and not MONEY_IN_TEXT.search(text):
        bonus -= TYPE_MISS  # "资助多少钱" is not answered by a sentence that names no amount
        holds = False
    if "number" in q.intents:
        ok = NUMBER_IN_TEXT.search(text)
        bonus += 0.03 if ok else -0.06
        holds &= bool(ok) or not STRICT_NUMBER
    if q.units and not all(unit.search(text) for unit in q.units):
        bonus -= TYPE_MISS  # "几岁离队" is not answered by a sentence that names no age
        # … but "讲几次，共多少学时" is answered in part by "共8讲，合计12学时"
        holds &= len(q.units) > 1 and any(unit.search(text) for unit in q.units)
    return bonus, holds
