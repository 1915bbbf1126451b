"""The facts an answer leads with: numbers in the unit asked for, dates, ways to reach someone.

Facts are found clause by clause in the sentences an answer draws on, and ranked by how many of the
question's terms their clause holds, so "高一能发展几个团员" leads with 高一14名, not 年满14周岁. A
number inside a quoted name (“最多跑一次”), an ordinal (十九届, 第3期) or an article (一批) counts
nothing; 小时 is not 学时; a site's record number (ICP备) reaches nobody.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from knowledge import facts
from knowledge.normalize import normalize
from knowledge.quotes import PIECE_END, Span, clauses, weigh

PIECE_MAX = 30  # a fact's own phrase ("高一14名") leads when it is this short; else the fact alone
_UNITS = "学时|课时|小时|分钟|个工作日|工作日|天|周|个月|月|年|岁|周岁|名|人|场|次|期|元|万元|项|家|所|支|篇|级|层|类|种|轮|星|个"
# Counted in a unit the quantity finder does not know (四级, 三类): read with the numeral as written.
COUNT_IN = "级|层|类|种|轮|星"
ASKED_UNIT = re.compile(rf"(?:多少|几)(?:个)?({_UNITS})")
PERCENT_CUE = re.compile(r"比例|占比|百分之|百分比|参学率|[^\s]率")
QUALIFIER = re.compile(r"(每[年月周日天人期次]|每学期|年度|全年|累计|每人每[日天])\s*$")

Terms = list[tuple[tuple[str, ...], float]]


@dataclass(frozen=True)
class Fact:
    kind: str  # "quantity" | "date"
    text: str  # as the lead shows it: 不少于20学时, 年度20小时, 2018年1月26日下午下班前
    unit: str  # a quantity's unit ("%" for percentages); "" for dates
    piece: str  # the phrase around it, up to the nearest pause (、，；)
    span: Span  # that phrase in the item text: the quotation is cut around it
    weight: float  # the question's terms in its clause
    on_subject: bool  # its clause holds one of the question's two weightiest terms (not the unit)


def asked_unit(question: str) -> str | None:
    """The unit a "how many" question counts in (多少小时 → 小时), "%" for a share, else None."""
    m = ASKED_UNIT.search(question)
    if m and m.group(1) != "个":  # 几个 counts anything: 几个团员 is answered in 名
        return {"周岁": "岁", "个工作日": "工作日", "课时": "学时"}.get(m.group(1), m.group(1))
    return "%" if PERCENT_CUE.search(question) and ("多少" in question or "几" in question) else None


BARE_UNIT = re.compile(r"(学时|课时|小时|周岁|岁)|(比例|占比)")


def implied_unit(question: str) -> str | None:
    """A unit named without "多少" ("团课学时各地一样不？"): the question is about that figure all the same."""
    m = BARE_UNIT.search(question)
    if not m:
        return None
    return "%" if m.group(2) else {"课时": "学时", "周岁": "岁"}.get(m.group(1), m.group(1))


def subject_terms(terms: Terms, unit: str | None) -> Terms:
    """The question's two weightiest terms, leaving out the unit it asks in."""
    rest = [t for t in terms if not (unit and unit in t[0])]
    return sorted(rest, key=lambda t: -t[1])[:2]


def find_facts(body: str, sentence: Span, intents: frozenset[str], unit: str | None, terms: Terms,
               subject: Terms) -> list[Fact]:
    """The facts of the kind asked for in one sentence of an item, best first."""
    out: list[Fact] = []
    for clause in clauses(body, sentence):
        text = body[clause.start:clause.end]
        weight = weigh(text, terms)
        on_subject = not subject or weigh(text, subject) > 0
        for piece in clauses(body, clause, PIECE_END):
            ptext = body[piece.start:piece.end]
            for kind, shown, found_unit in _facts_in(ptext, intents, unit):
                out.append(Fact(kind, shown, found_unit, ptext.strip("，,；;：:、。 "), piece,
                                weight + 0.5 * weigh(ptext, terms), on_subject))
    out.sort(key=lambda f: (-f.on_subject, -f.weight, f.span.start))
    return out


ORDINAL_UNITS = ("届", "期")
ARTICLE_UNITS = ("批", "支", "个", "项", "家", "所", "件", "条", "篇", "位", "名", "个月", "次", "场", "天", "周")
SAME_UNIT = ({"人", "名", "位"}, {"学时", "课时"}, {"岁", "周岁"}, {"天", "工作日"})


def _unit_fits(asked: str | None, found: str) -> bool:
    return not asked or asked == found or any(asked in group and found in group for group in SAME_UNIT)


def _quoted_at(norm: str, at: int) -> bool:
    """Inside a quoted name ("最多跑一次", "1+100"): a number there names something, it counts nothing."""
    return norm.count('"', 0, at) % 2 == 1


def _ordinal(norm: str, q, asked: str | None) -> bool:
    """第3期, 十九届: a number that ranks something, not a quantity (unless the question asks for it)."""
    return q.unit != asked and (q.unit in ORDINAL_UNITS or norm[max(0, q.start - 1):q.start] == "第")


def _article(raw: str, q) -> bool:
    """一批, 一支, 一个: "a", not a count of one (a figure written 1 still counts)."""
    return q.value == 1 and q.unit in ARTICLE_UNITS and f"一{q.unit}" in raw


def _facts_in(text: str, intents: frozenset[str], unit: str | None) -> list[tuple[str, str, str]]:
    found = []
    norm = normalize(text)
    if "date" in intents:
        found += [("date", d.text, "") for d in facts.find_deadlines(text, year=2000) if not _quoted_at(norm, d.start)]
    if intents & {"number", "money"} and unit and re.fullmatch(COUNT_IN, unit):
        found += [("quantity", m.group(0), unit)
                  for m in re.finditer(rf"(?:\d+|[一二两三四五六七八九十]+){unit}", text)
                  if text.count("“", 0, m.start()) <= text.count("”", 0, m.start())]
    elif intents & {"number", "money"}:
        for q in facts.find_quantities(text):
            found_unit = q.unit
            if q.unit == "个" and norm.startswith("工作日", q.end):  # 5个工作日: days, counted on workdays
                q, found_unit = dataclasses.replace(q, text=q.text + "工作日", end=q.end + 3), "工作日"
            if not _unit_fits(unit, found_unit) or _quoted_at(norm, q.start) or _ordinal(norm, q, unit) \
                    or _article(text, q):
                continue
            shown = q.text.replace(" ", "")
            before = QUALIFIER.search(norm[:q.start])
            found.append(("quantity", (before.group(1) if before else "") + shown, found_unit))
    return found


def phrase(fact: Fact) -> str:
    """How a fact reads on its own: its short phrase when that names it ("高一14名"), else the fact."""
    compact_piece = fact.piece.replace(" ", "")
    if len(compact_piece) <= PIECE_MAX and _balanced(compact_piece) and fact.text.replace(" ", "") in normalize(compact_piece).replace(" ", ""):
        return compact_piece
    return fact.text


def _balanced(text: str) -> bool:
    """No bracket or quotation mark left open or closed by the cut ("公示截图）由…" is no phrase)."""
    pairs = ("（）", "()", "“”", "《》", "【】", "〔〕")
    return all(text.count(a) == text.count(b) for a, b in pairs) and text.count('"') % 2 == 0


# ---------------------------------------------------------------- contacts

@dataclass(frozen=True)
class ContactFact:
    who: str  # 组织部, 办公室, "" when the line names nobody
    values: tuple[str, ...]  # 22114722, tswzzb3@126.com … in the order the line gives them


CONTACT_KINDS = {
    "phone": re.compile(r"电话|手机|号码|打电话|call|phone"),
    "email": re.compile(r"邮箱|邮件|e-?mail", re.I),
    "address": re.compile(r"地址|在哪|哪里|哪儿|address", re.I),
    "postcode": re.compile(r"邮编|邮政编码|postcode", re.I),
    "person": re.compile(r"联系人|谁|who"),
}
KIND_ORDER = ("phone", "email", "address", "postcode", "person")
RESPONSIBLE = re.compile(r"的负责部门是(.+?)，联系：(.*)$", re.S)
NAMED = re.compile(r"^([\u4e00-\u9fff]{2,4})[，,；;]")  # "组织部：莫镇源，联系电话：…": the person first


def contact_of(text: str, question: str) -> ContactFact | None:
    """The ways to reach someone that a contact line gives, of the kinds the question asks for
    (phone first; all when it names none); `who` is the department and the person the line names."""
    m = RESPONSIBLE.search(text)
    line = m.group(2) if m else text
    head, sep, value = line.partition("：")
    who = head.strip("“”\" ") if sep and len(head) <= 12 and not re.search(r"\d|电话|邮箱|地址", head) else ""
    if who == "联系人":  # "联系人：院团委副书记 刘老师；电话：…": the person is who
        who = re.split(r"[；;，,]", value, 1)[0].strip()
    elif who and (person := NAMED.match(value.strip())):
        who = f"{who} {person.group(1)}"
    who = re.sub(r"联系方式$", "", who)
    wanted = {k for k, cue in CONTACT_KINDS.items() if cue.search(question)} or {"phone", "email", "address", "person"}
    if wanted == {"person"}:
        wanted.add("phone")
    found = sorted((c for c in facts.find_contacts(line) if c.kind in wanted and c.kind != "person"),
                   key=lambda c: KIND_ORDER.index(c.kind))
    values = tuple(dict.fromkeys(c.value for c in found))
    return ContactFact(who, values) if values else None
