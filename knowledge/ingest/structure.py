"""A document's structure: title, recipients, sections (一、 or 第一章), subsections (（一）), numbered
items (1． or 第一条) and loose paragraphs; plus contact lines and the rows of a form.
"""
from __future__ import annotations

import re

from knowledge.ingest.model import Document, Item
from knowledge.ingest.sentences import split_sentences

CN_NUM = "一二三四五六七八九十"
SECTION = re.compile(rf"^([{CN_NUM}]+)\s*[、.．]\s*(.+)$")
CHAPTER = re.compile(rf"^(第[{CN_NUM}百零〇\d]+[章编])\s*(.*)$")
SUBSECTION = re.compile(rf"^[（(]([{CN_NUM}]+)[）)]\s*(.+)$")
ITEM = re.compile(r"^(\d{1,2})\s*[.．、]\s*(?!\d)(\S.*)$")
ARTICLE = re.compile(rf"^(第[{CN_NUM}百零〇\d]+条)\s*(.*)$")
BLOCK_START = re.compile(rf"^(?:[{CN_NUM}]+\s*[、.．]|[（(][{CN_NUM}\d]+[）)]|\d{{1,2}}\s*[.．、](?!\d)"
                         rf"|第[{CN_NUM}百零〇\d]+[章编节条]|附件)")
ATTACHMENT = re.compile(r"^附件\s*\d*\s*[:：]?\s*$")
EMPTY_FIELD = re.compile(r"[\u4e00-\u9fff]{2,6}\s*[:：]")  # a form's blank "填表单位：" / "日期："


def is_block_start(line: str) -> bool:
    """A line that opens a section, subsection, item, article or attachment."""
    return bool(BLOCK_START.match(line))


def structure(lines: list[str], doc: Document) -> list[Item]:
    """Items in document order; sets the title and recipients on `doc` as they are met."""
    from knowledge.ingest.clean import CONTACT_MARK
    from knowledge.ingest.meta import COVER_TITLE, TITLE_END, heading_issuer

    items: list[Item] = []
    section_no = section = sub_no = sub = ""
    current: Item | None = None
    seen_title = False
    for line in lines:
        cover = COVER_TITLE.search(line)
        cover = cover if cover and (line.startswith("关于") or heading_issuer(line)) else None
        if not seen_title and (TITLE_END.search(line) or cover) and len(line) <= 80 and not is_block_start(line) \
                and "。" not in line:
            seen_title = True
            doc.title = doc.title or (cover.group(1) if cover else line)
            continue
        if doc.title and line == doc.title or cover:
            continue  # the title repeated above the attachment
        if _recipients(line) and not items and not section_no:
            doc.recipients = doc.recipients or line.rstrip("：:")
            continue
        if ATTACHMENT.match(line) or EMPTY_FIELD.fullmatch(line):
            continue
        if line.startswith(CONTACT_MARK):
            items.append(Item("contact", section_no, section, heading="联系方式", body=line[1:]))
            current = None
            continue
        if line.startswith("附件") and section_no:  # "附件：团费收缴情况统计表" after the text: its own line,
            items.append(Item("notice", heading="附件", body=line))  # and what follows is the attachment
            current = None
            section_no = section = sub_no = sub = ""
            continue
        m = SECTION.match(line) or CHAPTER.match(line)
        if m:
            section_no, (section, rest) = m.group(1), section_heading(m.group(2))
            sub_no = sub = ""
            current = None
            if rest:
                current = Item("paragraph", section_no, section, body=rest)
                items.append(current)
            continue
        m = SUBSECTION.match(line)
        if m and section_no:
            sub_no = m.group(1)
            sub, rest = heading_of(m.group(2))
            if not rest and m.group(2).rstrip().endswith(("。", "；", ";")) and (len(sub) > 16 or re.search(r"[，,\d]", sub)):
                sub, rest = "", m.group(2).strip()  # "（二）学生团员每月交纳团费0.2元。": a rule, not a heading
            elif rest and (len(sub) > SUB_LABEL or _holds_fact(sub)):
                rest = f"{sub}。{rest}"  # "（一）在职团员…按季度交纳，…25日前交清。学生团员…": a rule that is also read
            current = Item("paragraph", section_no, section, sub_no, sub, body=rest) if rest else None
            if current:
                items.append(current)
            continue
        m = ITEM.match(line)
        if m and (section_no or items):
            heading, rest = heading_of(m.group(2))
            if rest and _holds_fact(heading):
                rest = f"{heading}。{rest}"  # "4．领取《入团志愿书》（4月22日—4月26日）。…": its dates are facts too
            current = Item("item", section_no, section, sub_no, sub, m.group(1), heading, rest)
            items.append(current)
            continue
        m = ARTICLE.match(line)
        if m:
            current = Item("item", section_no, section, sub_no, sub, m.group(1), "", m.group(2))
            items.append(current)
            continue
        if not section_no:
            kind = "overview" if "总体思路" in line or (doc.title and len(line) > 80) else "notice"
            if kind == "notice" and line.startswith("附件"):
                continue
            items.append(Item(kind, heading="总体思路" if "总体思路" in line else "", body=line))
            current = None
            continue
        if current is not None:
            current.body = (current.body + "\n" + line).strip()
        else:
            current = Item("paragraph", section_no, section, sub_no, sub, body=line)
            items.append(current)
    return _headings_with_content([it for it in items if it.body.strip() or it.heading], lines)


def _headings_with_content(items: list[Item], lines: list[str]) -> list[Item]:
    """A (sub)section line that carries a fact and has nothing under it ("二、报名截止时间为4月10日")
    becomes an item of its own, so the fact is indexed and not only a heading."""
    covered = {(it.section_no, it.section) for it in items} | {(it.section_no, it.sub_no) for it in items}
    out: list[Item] = []
    for line in lines:
        m = SECTION.match(line) or CHAPTER.match(line)
        if m and (m.group(1), section_heading(m.group(2))[0]) not in covered and _fact_like(m.group(2)):
            out.append(Item("paragraph", m.group(1), section_heading(m.group(2))[0], body=m.group(2).strip()))
    if not out:
        return items
    order = {id(x): i for i, x in enumerate(items)}
    by_section = {it.section_no: order[id(it)] for it in items if it.section_no}
    merged = list(items)
    for extra in out:  # place each before the items of the next section
        later = [by_section[n] for n in by_section if _section_after(n, extra.section_no)]
        merged.insert(min(later) if later else len(merged), extra)
        order = {id(x): i for i, x in enumerate(merged)}
        by_section = {it.section_no: order[id(it)] for it in merged if it.section_no and it is not extra}
    return merged


SUB_LABEL = 12  # a subsection label ("（一）发展对象。") is short; a longer one is the first sentence


def _holds_fact(heading: str) -> bool:
    """A heading with a figure or a date, or a clause and its comma, says something a question may ask
    for: it is indexed as its item's first sentence too (its words stay the item's heading)."""
    return bool(re.search(r"\d|[，,；;]", re.sub(r"“[^”]*”|\"[^\"]*\"|《[^》]*》", "", heading)))


def _fact_like(text: str) -> bool:
    return len(text) > 12 or bool(re.search(r"\d|[：:]", text))


def _section_after(a: str, b: str) -> bool:
    from knowledge.ingest.read import chinese_number

    numbers = {chinese_number(i): i for i in range(1, 100)}
    return numbers.get(a, 0) > numbers.get(b, 0)


def _recipients(line: str) -> bool:
    """"各二级学院团总支：" — whom a notice is addressed to."""
    return line.endswith(("：", ":")) and (len(line) <= 30 or (line.startswith("各") and len(line) <= 90))


def heading_of(text: str) -> tuple[str, str]:
    """Split "从严管好团员队伍。广泛开展…" (or "报名时间：3月1日至10日") into its heading and the rest;
    short headings only."""
    text = text.strip()
    label, colon, value = text.partition("：")
    if colon and value.strip() and len(label) <= 12 and "。" not in label and "，" not in label:
        return label.strip(), value.strip()
    head, dot, rest = text.partition("。")
    if dot and not rest.strip() and re.search(r"[，,；;]", head):
        return "", text  # "参训人员须全程参加，不得请假。": a rule, not a heading
    if dot and len(head) <= 40:
        return head.strip(), rest.strip()
    if len(text) <= 40:
        return text.rstrip("。"), ""
    return "", text


def section_heading(text: str) -> tuple[str, str]:
    """A section line is all heading unless a sentence follows its first full stop (or a short
    heading its colon: "时间安排：3月5日至20日")."""
    label, colon, value = text.strip().partition("：")
    if colon and value.strip() and len(label) <= 12 and "。" not in label and "，" not in label:
        return label.strip(), value.strip()
    head, dot, rest = text.strip().partition("。")
    return head.strip(), rest.strip()


def contacts(lines: list[str]) -> list[Item]:
    return [Item("contact", heading="联系方式", body=line) for line in lines]


RESPONSIBLE = re.compile(r"负责(?:部门|科室|单位)[:：]\s*([^）)]+)")
RESPONSIBLE_NOTE = re.compile(r"[（(]负责(?:部门|科室|单位)[:：][^）)]*[）)]")


def responsibility_contacts(items: list[Item], found: list[Item]) -> list[Item]:
    """Link "（负责部门：宣传部）" to that department's contact line, so "X 的材料交给谁" is answerable."""
    by_dept: dict[str, str] = {}
    for c in found:
        dept, sep, _ = c.body.partition("：")
        if sep and len(dept) <= 12:
            by_dept[dept.strip("“”\"")] = c.body
    out = []
    for it in items:
        m = RESPONSIBLE.search(it.body) or RESPONSIBLE.search(it.heading)
        if not m or not by_dept:
            continue
        depts = [d.strip("“”\" ") for d in re.split(r"[、，,]", m.group(1))]
        lines = [by_dept[k] for d in depts for k in by_dept if d and (d in k or k in d)]
        if lines:
            name = it.heading or RESPONSIBLE_NOTE.sub("", split_sentences(it.body)[0]).rstrip("。")
            what = RESPONSIBLE_NOTE.sub("", it.body).split("\n")[0][:60].rstrip("。；;") if it.heading else ""
            body = (f"“{name}”" + (f"（{what}）" if what else "") + f"的负责部门是{m.group(1)}，联系："
                    + "；".join(dict.fromkeys(lines)) + "。")
            out.append(Item("contact", it.section_no, it.section, it.sub_no, it.sub, "", f"{name}（联系）", body))
    return out


def table(cells: list[str]) -> list[Item]:
    """Rebuild a form's rows into readable lines: "（一） 考核项目 …", or "cell cell cell"."""
    from knowledge.ingest.clean import CONTINUED

    rows = _rows(cells, CONTINUED)
    if not rows:
        return []
    numbered = any(_row_label(r[0]) for r in rows)
    if numbered:
        return _numbered_rows(rows)
    header = rows[0] if len(rows) > 1 else []
    heading = f"表格（{' | '.join(header)}）" if header else "表格"
    return [Item("table", heading=heading, body=_cells_text(header, row)) for row in rows[1 if header else 0:]]


def _cells_text(header: list[str], row: list[str]) -> str:
    """"时间：3月5日；地点：礼堂" when the header names each cell, else the cells in order."""
    if header and len(header) == len(row):
        return "；".join(f"{h}：{c}" for h, c in zip(header, row)) + "。"
    return " ".join(row)


def _rows(lines: list[str], continued: str) -> list[list[str]]:
    """Tab-separated lines → rows of cells; a continuation line is added to the last cell."""
    rows: list[list[str]] = []
    for line in lines:
        if line.startswith(continued):
            if rows and rows[-1]:
                rows[-1][-1] += line[1:]
            continue
        cells = [c.strip() for c in line.split("\t")]
        if any(cells) and not all(c in ("★", "☆") for c in cells if c):
            rows.append([c for c in cells if c])
    return rows


def _row_label(cell: str) -> bool:
    return bool(SUBSECTION.match(cell) or re.fullmatch(rf"[（(][{CN_NUM}]+[）)]", cell))


def _numbered_rows(rows: list[list[str]]) -> list[Item]:
    """A form whose rows are numbered （一）（二）…: one item per numbered row, the cells that follow
    it (one a line in some exports) added to it; the cells before the first number are the header."""
    header: list[str] = []
    out: list[list[str]] = []
    for row in rows:
        for cell in row:
            if _row_label(cell):
                out.append([cell])
            elif out:
                out[-1].append(cell)
            elif len(header) < 3:
                header.append(cell)
    heading = " | ".join(header)
    return [Item("table", heading=f"表格（{heading}）" if heading else "表格", body=f"{r[0]} {''.join(r[1:]).strip()}")
            for r in out]
