"""Clean a document's lines: drop web-page and print debris, take out metadata lines, and set table
rows and contact lines apart from the body.

Debris is what a site or a printer adds around a notice — navigation, breadcrumbs, counters, font
size switches, share buttons, page numbers, stamps, filings — matched as whole short lines so that
a sentence of the notice is never dropped. A site footer's contacts (address, postcode, phone,
filings) are facts a cadre asks for: they are kept as a contact line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.ingest.meta import DATE_NUMERIC, Meta, RANK_FOOTER, org_parts
from knowledge.ingest.structure import ITEM, SECTION, is_block_start

CONTINUED = "\x01"  # marks a table cell's continuation line
CONTACT_MARK = "\x02"  # marks a contact line kept in its place in the body ("联系人：陈老师；电话：…")
CONTACT_LINE = re.compile(r"^[^。，,]{0,12}?(联系人|联系电话|联系方式|联系邮箱|咨询电话|电话|手机|电子邮箱|邮箱|传真)\s*[:：]")
_NAV_WORDS = (
    "通知公告|首页|网站首页|返回|返回首页|返回顶部|返回列表|打印|打印本页|打印此页|打印文章|打印本文|关闭|关闭窗口|"
    "关闭本页|收藏|加入收藏|收藏本页|设为首页|分享|分享到|相关链接|友情链接|相关文章|相关阅读|相关新闻|推荐阅读|"
    "热点新闻|最新动态|最新文章|更多|更多>>|MORE|More|TOP|Top|English|手机版|网站地图|联系我们|阅读全文|点击查看|"
    "原文链接|字体|字号|大|中|小|默认|放大|缩小|微信|微博|QQ|QQ空间|朋友圈|复制链接")
DEBRIS = (
    re.compile(r"^(今天是|今日是|当前时间)"),
    re.compile(r"^(您?当前(所在)?的?位置|当前页面?|所在位置|位置)[:：]"),
    re.compile(r"^[\[【(（]?(" + _NAV_WORDS + r")[\]】)）]?\s*[:：]?$"),
    re.compile(r"^([\[【]\s*(" + _NAV_WORDS + r")\s*[\]】]\s*)+$"),
    re.compile(r"^((上|下|前|后)一(篇|条|页|则)|上篇|下篇)\s*[:：]?"),
    re.compile(r"^[【\[]?字[体号]\s*[:：]"),
    re.compile(r"^(分享到|扫一扫|微信扫一扫|扫描二维码|用微信扫描|手机扫码)"),
    re.compile(r"^[—\-–－]\s*\d+\s*[—\-–－]$"),
    re.compile(r"^第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?$"),
    re.compile(r"^[★☆■□◆◇●○▲△]$"),
    re.compile(r"^[（(]此页无正文[）)]$"),
    re.compile(r"技术支持"),
)
BREADCRUMB = re.compile(r"(首页|主页|网站首页)\s*[>»＞›/|]")
FOOTER = re.compile(r"版权所有|Copyright|©|ICP[备证]|公网安备|All Rights Reserved|^(主办|承办|主管|协办)(单位)?[:：]", re.I)


def unwrap(lines: list[str]) -> list[str]:
    """Join the lines of a text copied from a PDF or an e-mail with hard line breaks every ~30
    characters. Only when most long lines are cut at the same width (so a typed document is left
    alone); a line is joined to the next unless it ends a sentence or the next opens a block."""
    texts = [ln.strip() for ln in lines if ln.strip()]
    cut = _cut_width(texts, len) or _cut_width(texts, _width)
    if not cut:
        return lines
    measure, mode = cut
    out: list[str] = []
    joinable = False
    for raw in lines:
        line = raw.strip()
        if not line:
            joinable = False
            out.append(raw)
            continue
        if joinable and not is_block_start(line) and not is_debris(line) and not _signature_like(line):
            out[-1] += line
        else:
            out.append(line)
        joinable = mode - 2 <= measure(line) <= mode + 0.5 and line[-1] not in "。！？!?：:；;"
    return out


def _cut_width(texts: list[str], measure) -> tuple | None:
    """(measure, width) when at least half the lines of 12+ characters, and 8 or more, end within two
    characters of one width under 60: a hard-wrapped text."""
    long = [round(measure(t)) for t in texts if measure(t) >= 12]
    if len(long) < 8:
        return None
    mode = max(sorted(set(long)), key=long.count)
    at_cut = [w for w in long if mode - 2 <= w <= mode]
    if mode > 60 or len(at_cut) < 0.5 * len(long):
        return None
    return measure, mode


def _width(text: str) -> float:
    """Printed width in Chinese characters (a Latin letter or digit is half)."""
    return sum(0.5 if ch.isascii() else 1.0 for ch in text)


def _signature_like(line: str) -> bool:
    from knowledge.ingest.meta import DATE_CN

    return bool(org_parts(line) or DATE_CN.fullmatch(line.replace(" ", "")))


@dataclass
class Regions:
    body: list[str] = field(default_factory=list)
    table: list[str] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)
    filings: list[str] = field(default_factory=list)  # a web footer's site records (ICP备…): no way to reach anyone


def is_debris(line: str) -> bool:
    if any(p.search(line) for p in DEBRIS):
        return True
    return len(line) <= 80 and bool(BREADCRUMB.search(line) or _menu(line))


def _menu(line: str) -> bool:
    """A navigation bar: short words set apart by bars, dots or wide spaces ("学院新闻 | 通知公告 | …")."""
    if re.search(r"[。，；：:、]", line):
        return False
    words = [w for w in re.split(r"\s*[|｜·•]\s*", line) if w]
    if len(words) >= 3:
        return all(len(w) <= 8 for w in words)
    words = line.split()
    return len(words) >= 4 and all(len(w) <= 6 and not re.search(r"\d", w) for w in words)


def split_regions(lines: list[str], meta: Meta) -> Regions:
    """Drop debris, pull metadata lines out, and separate table rows and contact lines."""
    out = Regions()
    in_contacts = in_table = False
    pending_title: str | None = None
    for raw in lines:
        line = raw.strip().replace("\u3000", " ").replace("\xa0", " ")
        if not line:
            continue
        if raw.startswith("\t") and not SECTION.match(line) and not ITEM.match(line):
            if not meta.consume_line(line):
                out.table.append(re.sub(r"[ \t]*\t[ \t]*", "\t", line))
                in_table = True
            continue
        if in_table and len(line) <= 12 and not is_debris(line) and not is_block_start(line):
            in_table = meta.consume_line(line) is False  # a signature after the form ends it
            if in_table:
                out.table.append(CONTINUED + line)  # a cell broken over two lines: "“网上共青团”建设" / "工作"
            continue
        in_table = False
        if FOOTER.search(line) or ("地址" in line and "邮编" in line and len(line) < 150):
            footer(line, meta, out.contacts, out.filings)  # before the debris rules: a footer holds contacts too
            continue
        if is_debris(line) or meta.web_fields(line):
            continue
        if DATE_NUMERIC.fullmatch(line.replace(" ", "")):  # a web page's bare publishing date
            d = DATE_NUMERIC.fullmatch(line.replace(" ", ""))
            meta.offer_date(*d.groups(), d.group(0), rank=2)
            continue
        if len(line) <= 60 and meta.consume_line(line):
            continue
        if line.startswith("联系方式") and len(line.rstrip("：: ")) <= 4:
            in_contacts = True
            continue
        if in_contacts and re.search(r"(电话|邮箱|手机|传真|QQ|微信)[:：]", line):
            out.contacts.append(line)
            continue
        in_contacts = False
        if CONTACT_LINE.match(line) and "。" not in line.rstrip("。") and len(line) <= 120:
            if out.body and out.body[-1].startswith(CONTACT_MARK):  # 联系人 / 电话 / 邮箱 lines: one contact
                out.body[-1] += "；" + line
            else:
                out.body.append(CONTACT_MARK + line)
            continue
        if pending_title is not None:
            from knowledge.ingest.meta import TITLE_END

            if TITLE_END.search(line) and len(pending_title + line) <= 70 and not is_block_start(line):
                out.body.append(pending_title + line)
                pending_title = None
                continue
            out.body.append(pending_title)
            pending_title = None
        if _title_start(line) and not any(SECTION.match(b) for b in out.body):
            pending_title = line  # a title broken over two lines: "关于做好…工作" + "考核的通知"
            continue
        out.body.append(line)
    if pending_title:
        out.body.append(pending_title)
    return out


def _title_start(line: str) -> bool:
    from knowledge.ingest.meta import TITLE_END

    return line.startswith("关于") and not TITLE_END.search(line) and len(line) < 40 and "。" not in line


def footer(line: str, meta: Meta, contacts: list[str], filings: list[str] | None = None) -> None:
    """A site footer: keep the issuer and the contact facts, drop the copyright boilerplate. The site's
    record numbers (ICP备, 公网安备) are kept apart: they are facts about the website, not contacts."""
    owner = ""
    m = re.search(r"(?:版权所有|主办单位|主办)\s*[:：]?\s*(?:©\s*)?(?:\d{4}\s*)?([^\s|｜,，]+?)"
                  r"(?=地址|邮编|电话|联系|[\u4e00-\u9fff]{0,2}ICP|\s|[|｜,，]|$)", line)
    if m and (org_parts(m.group(1)) or ("团" in m.group(1) and len(m.group(1)) <= 20)):
        owner = m.group(1)
        meta.offer_issuer(owner, RANK_FOOTER)
    facts = re.findall(r"((?:地址|邮编|邮政编码|电话|联系电话|举报电话|违法和不良信息举报电话|邮箱|电子邮箱|传真)"
                       r"[:：]?\s*[^\s|｜]+)", line)
    records = [f"网站备案号：{m}" for m in re.findall(r"\S{0,2}ICP[备证]\d+号(?:-\d+)?", line)]
    records += [f"公安备案号：{m}" for m in re.findall(r"\S{0,2}公网安备\s*\d+号", line)]
    if records and filings is not None:
        filings.append("，".join(records))
    if facts:
        owner = owner or (min(meta.issuers)[2] if meta.issuers else "")
        contacts.append(f"{owner}联系方式：" + "，".join(f.strip() for f in facts))
