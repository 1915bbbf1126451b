"""A document's metadata from its own text: issuer, region, dates, document number, title, year.

The issuer is read, most trusted first, from a red-head line (共青团XX委员会文件), a signature line
(an organisation on a line of its own, usually above the date), a heading that starts with the
organisation (共青团XX大学委员会关于…的通知), a web page's 发布者/来源/发布单位, a site footer's
版权所有, and last the title (团县委2020年工作要点). The region is what the issuer calls itself:
共青团东莞市委员会 → 东莞, 共青团绍兴市柯桥区委员会 → 绍兴市柯桥区, 某某大学团委 → 某某大学,
团县委 → 团县委; `places_of` names the gazetteer places in it, so a 东莞 school's notice is found
for 东莞. Nothing here knows the bundled documents or their cities.
"""
from __future__ import annotations

import re

from knowledge.ingest.model import Document, Item

DATE_CN = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
DATE_HANZI = re.compile(r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
DATE_NUMERIC = re.compile(r"(?<!\d)(\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})(?!\d)")
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}\s*[〔\[［(（【]\s*\d{4}\s*[〕\]］)）】]\s*第?\s*\d{1,4}\s*号")
YEAR = re.compile(r"(20\d{2}|19\d{2})\s*(?:年|—|-|－|–|～|~|至)")
TITLE_END = re.compile(
    r"(工作要点|通知|方案|意见|计划|办法|规定|细则|决定|报告|要点|公告|通告|通报|公示|函|纲要|规划|安排|"
    r"指引|指南|须知|倡议书|倡议|说明|清单|标准|条例|章程|决议|批复|总结)"
    r"(?:[（(][^）)]{1,24}[）)])?$")
COVER_TITLE = re.compile(r"关于(?:印发|下发|转发|印送)?《(.+?)》的通知")

# Organisations that issue league documents, as a line of their own. `name` is what the region is
# made from; a department (办公室, 组织部 …) after the committee is the office, not the issuer.
DEPT = r"(?:办公室|办公厅|组织部|宣传部|学校部|少年部|青年发展部|青工部|青农部|社会联络部|统战部|基层组织建设部|权益部|秘书处|团务部)"
_NAME = r"[\u4e00-\u9fff（）()·\d]"
ORG = re.compile(
    rf"^(?:(?P<central>共青团中央(?:委员会)?|团中央)"
    rf"|共青团(?P<name1>{_NAME}{{2,30}}?)(?:工作委员会|委员会|团工委|团委|委)"
    rf"|团(?P<name2>{_NAME}{{0,20}}?[省市县区旗州盟镇乡])(?:工委|委)"
    rf"|(?P<name3>{_NAME}{{1,30}}?)(?:共青团委员会|团工委|团委|团总支|团支部))"
    rf"(?P<dept>{DEPT})?$")
NOT_AN_ISSUER = re.compile(r"^([（(\d]|各|全|有关|相关|所属|下属|本级|本|上级|基层|我|你|贵|该|此|每|一级|二级)|[、，,：:]")
GENERIC_NAMES = {"", "县", "市", "区", "省", "州", "旗", "盟", "镇", "乡", "校", "院", "系", "学校", "学院"}
ADMIN_SUFFIX = re.compile(r"(.+?)(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|省|市|地区|州|盟|县|区|旗)$")

# Where an issuer was read from, most trusted first.
RANK_RED_HEAD, RANK_SIGNATURE, RANK_HEADING, RANK_WEB, RANK_FOOTER, RANK_TITLE = range(6)
# Where a date was read from: the document's own date line beats the day its office printed it,
# which beats the day a web site published it.
DATE_SIGNED, DATE_PRINTED, DATE_PUBLISHED = range(3)


class Meta:
    """Collects metadata candidates while the lines go by, then settles the document's fields."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.issuers: list[tuple[int, int, str]] = []  # (rank, order, issuer)
        self.dates: list[tuple[int, int, str, str]] = []  # (rank, order, iso, as written)

    def offer_issuer(self, name: str, rank: int) -> None:
        name = name.strip()
        if name:
            self.issuers.append((rank + (10 if is_generic(name) else 0), len(self.issuers), name))

    def offer_date(self, y: str, mo: str, d: str, text: str, rank: int) -> None:
        if 1 <= int(mo) <= 12 and 1 <= int(d) <= 31 and 1949 <= int(y) <= 2100:
            self.dates.append((rank, len(self.dates), f"{int(y):04d}-{int(mo):02d}-{int(d):02d}", text))

    def consume_line(self, line: str) -> bool:
        """Take a line that is only metadata (document number, issuer, date, sign-off); True if taken."""
        compact_line = re.sub(r"\s+", "", line)
        if DOC_NUMBER.fullmatch(compact_line) or re.fullmatch(r"(?:文号|发文字号)[:：]" + DOC_NUMBER.pattern, compact_line):
            self.doc.doc_number = self.doc.doc_number or DOC_NUMBER.search(compact_line).group(0)
            return True
        if compact_line.endswith("文件") and org_parts(compact_line[:-2]):
            self.offer_issuer(compact_line[:-2], RANK_RED_HEAD)
            return True
        printed = re.fullmatch(r"(.{2,30}?)(\d{4}年\d{1,2}月\d{1,2}日)印发", compact_line)
        if printed:
            self.doc.printed_by = self.doc.printed_by or printed.group(1)
            d = DATE_CN.search(printed.group(2))
            self.offer_date(*d.groups(), d.group(0), DATE_PRINTED)
            return True
        if DATE_CN.fullmatch(compact_line):
            d = DATE_CN.fullmatch(compact_line)
            self.offer_date(*d.groups(), d.group(0), DATE_SIGNED)
            return True
        if DATE_HANZI.fullmatch(compact_line):  # 二〇二四年三月十五日
            y, mo, d = (hanzi_number(x) for x in DATE_HANZI.fullmatch(compact_line).groups())
            self.offer_date(str(y), str(mo), str(d), compact_line, DATE_SIGNED)
            return True
        signed = re.fullmatch(r"(.{2,40}?)(\d{4}年\d{1,2}月\d{1,2}日)", compact_line)
        if signed and org_parts(signed.group(1)):  # "共青团某某大学委员会 2024年3月5日" on one line
            self.offer_issuer(signed.group(1), RANK_SIGNATURE)
            d = DATE_CN.search(signed.group(2))
            self.offer_date(*d.groups(), d.group(0), DATE_SIGNED)
            return True
        parts = org_parts(compact_line)
        if parts:
            if parts[1]:
                self.doc.printed_by = self.doc.printed_by or compact_line  # 共青团某某市委办公室
            else:
                self.offer_issuer(compact_line, RANK_SIGNATURE)
            return True
        joint = line.split()
        if 1 < len(joint) <= 4 and org_parts(joint[0]) and not org_parts(joint[0])[1] \
                and all(re.search(r"(委|局|会|部|厅|处|办|校|院|学|司)$", j) for j in joint[1:]):
            self.offer_issuer(joint[0], RANK_SIGNATURE)  # "共青团某某县委员会  某某县教育局": joint issuers
            return True
        return False

    def web_fields(self, line: str) -> bool:
        """A web page's "发布者：校团委 发布时间：2024-03-05 浏览次数：321" line: read it, drop it."""
        pairs = re.findall(r"(发布时间|发布日期|更新时间|发文日期|成文日期|日期|时间|发布者|发布人|发布单位|发文单位|"
                           r"来源|信息来源|作者|供稿单位|供稿|编辑|责任编辑|审核|审稿|摄影|点击数?|浏览次数|浏览量?|"
                           r"阅读次数|阅读量?|访问量|访问次数)\s*[:：]\s*([^\s:：]*(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)", line)
        keys = {k for k, _ in pairs}
        web_keys = keys - {"日期", "时间"}
        bare_counter = re.search(r"(点击|浏览|阅读)\s*[:：]?\s*\d+\s*次?", line) and DATE_NUMERIC.search(line)
        if not (web_keys or bare_counter) or len(line) > 120 or line.rstrip().endswith("。"):
            return False
        for key, value in pairs:
            if key in ("发布者", "发布人", "发布单位", "发文单位", "来源", "信息来源", "供稿单位", "供稿") \
                    and (org_parts(value) or "团" in value):
                self.offer_issuer(value, RANK_WEB)
        d = DATE_CN.search(line) or DATE_NUMERIC.search(line)
        if d:
            self.offer_date(*d.groups()[:3], d.group(0), DATE_PUBLISHED)
        return True

    def settle(self, items: list[Item]) -> None:
        """Choose the issuer and date, then derive title fallback, year and region."""
        doc = self.doc
        if not doc.title:
            first = next((it.body for it in items if it.kind == "notice"), "")
            doc.title = first[:40]
        heading = heading_issuer(doc.title)
        if heading:
            self.offer_issuer(heading, RANK_HEADING if doc.title.startswith(("共青团", "团")) else RANK_TITLE)
        if self.issuers:
            doc.issuer = min(self.issuers)[2]
        if self.dates:
            _, _, doc.date, text = min(self.dates)
            doc.date_text = text if not DATE_CN.fullmatch(text.replace(" ", "")) else ""
        m = YEAR.search(doc.title)
        doc.year = int(m.group(1)) if m else (int(doc.date[:4]) if doc.date else None)
        doc.region = region_of_issuer(doc.issuer) or region_in_text(doc.title) or \
            region_in_text(doc.doc_number) or doc.issuer or "未注明"


def hanzi_number(text: str) -> int:
    """二〇二四 → 2024 (digit by digit), 十五 → 15, 三十一 → 31."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "○": 0}
    if "十" not in text:
        return int("".join(str(digits[c]) for c in text))
    tens, _, ones = text.partition("十")
    return (digits[tens] if tens else 1) * 10 + (digits[ones] if ones else 0)


def org_parts(text: str) -> tuple[str, str] | None:
    """(name, department) of an organisation line, or None: 共青团东莞市委员会 → ("东莞市", ""),
    共青团宁波市委办公室 → ("宁波市", "办公室"), 某某大学团委 → ("某某大学", ""), 团县委 → ("县", "")."""
    text = re.sub(r"\s+", "", text)
    if len(text) > 40 or NOT_AN_ISSUER.search(text):
        return None
    m = ORG.match(text)
    if not m:
        return None
    if m.group("central"):
        return "中央", m.group("dept") or ""
    name = m.group("name1") or m.group("name2") or m.group("name3") or ""
    if m.group("name2") is not None and not m.group("name1"):
        name = m.group("name2")
    return name, m.group("dept") or ""


def is_generic(issuer: str) -> bool:
    """团县委, 校团委: a committee that does not say whose it is."""
    parts = org_parts(issuer)
    return bool(parts) and parts[0] in GENERIC_NAMES


def heading_issuer(title: str) -> str:
    """The organisation a heading starts with: 共青团某某大学委员会关于…的通知 → 共青团某某大学委员会."""
    m = re.match(r"^(.{2,40}?)(?:关于|\d{4}年|\d{4}—|\d{4}-)", title.replace(" ", ""))
    if m and org_parts(m.group(1)) and not org_parts(m.group(1))[1]:
        return m.group(1)
    return ""


def region_of_issuer(issuer: str) -> str:
    """The region an issuer belongs to, as it names itself (a lone city or county by its short
    gazetteer name, like the cities users type: 东莞市 → 东莞); "" when it is not an organisation."""
    parts = org_parts(issuer)
    if not parts:
        return ""
    name = parts[0]
    if name == "中央":
        return "团中央"
    if name in GENERIC_NAMES:
        return issuer if not parts[1] else issuer[: -len(parts[1])]
    return short_place(name)


def short_place(name: str) -> str:
    """东莞市 → 东莞, 柯桥区 → 柯桥, 浙江省 → 浙江; 绍兴市柯桥区 and 某某大学 stay as written."""
    from knowledge.lexicon import places

    if name in places():
        return name
    m = ADMIN_SUFFIX.fullmatch(name)
    if m and m.group(1) in places():
        return m.group(1)
    return name


def region_in_text(text: str) -> str:
    """A city, county or district a title or document number names (第一个), else ""."""
    from knowledge.lexicon import find_places, places

    for found in find_places(text or ""):
        if places()[found].kind in ("city", "county", "district", "sar"):
            return found
    return ""


def places_of(region: str, issuer: str = "") -> tuple[str, ...]:
    """The gazetteer places a document's region and issuer name: a question or an asker naming one
    of them is about this document's region too (东莞市第一中学 → 东莞)."""
    from knowledge.lexicon import find_places

    return tuple(dict.fromkeys(p for p in find_places(f"{region} {issuer}") if p != region))


# "团县委", "团区委" name a kind of issuer, not one place: a county's or a district's league committee.
COMMITTEE_OF = (("团县委", re.compile(r"县(?:委员会|委)$")), ("团区委", re.compile(r"区(?:委员会|委)$")))


def committees_of(region: str, issuer: str = "") -> tuple[str, ...]:
    """The generic names a cadre calls a document's issuer by ("助学金这事找团县委谁" of 共青团峪阳县委员会's
    notice): 团县委 for a county's league committee, 团区委 for a district's."""
    name = issuer or region
    return tuple(org for org, pattern in COMMITTEE_OF if org != region and pattern.search(name))


def meta_item(doc: Document) -> Item:
    """A sentence that states the document's metadata, so "文号是多少" / "哪天发布" are answerable."""
    parts = [f"《{doc.title}》"]
    if doc.doc_number:
        parts.append(f"文号为{doc.doc_number}")
    if doc.issuer:
        parts.append(f"发文单位为{doc.issuer}")
    if doc.date:
        y, mo, d = (int(x) for x in doc.date.split("-"))
        shown = f"{y}年{mo}月{d}日"
        if doc.date_text and doc.date_text != shown:
            shown += f"（{doc.date_text}）"
        parts.append(f"于{shown}发布（印发）")
    if doc.printed_by:
        parts.append(f"由{doc.printed_by}印发")
    if doc.recipients:
        parts.append(f"印发给{doc.recipients}")
    text = "，".join(parts) + "。"
    return Item("meta", heading="文件信息", body=text, sentences=[text])
