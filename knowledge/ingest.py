"""Parse a plan document as received (web-page debris and all) into metadata and numbered items.

A document becomes: metadata (title, issuer, region, year, issue date, document number, recipients)
and a list of `Item`s — the overview, each numbered item under its section (一、/（一）/1．), loose
paragraphs, contacts and table rows — each with its text split into sentences for the index.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.normalize import compact

CN_NUM = "一二三四五六七八九十"
SECTION = re.compile(rf"^([{CN_NUM}]+)\s*、\s*(.+)$")
SUBSECTION = re.compile(rf"^[（(]([{CN_NUM}]+)[）)]\s*(.+)$")
ITEM = re.compile(r"^(\d{1,2})\s*[.．、]\s*(\S.*)$")
DATE_CN = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
DATE_SLASH = re.compile(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})")
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d{1,4}\s*号")
ISSUER = re.compile(r"^(共青团\S{1,12}?(?:委员会|市委|县委|区委|省委)|[^\s，。]{0,8}团[市县区省]委)(?:办公室)?$")
TITLE_END = re.compile(r"(工作要点|通知|方案|意见|计划|办法|规定|细则|决定|报告|要点)$")
COVER_TITLE = re.compile(r"关于(?:印发|下发|转发)?《(.+?)》的通知")
YEAR = re.compile(r"(20\d{2}|19\d{2})\s*年")
# Web-page and print debris: navigation, counters, page numbers, stamps, ICP filings.
DEBRIS = (
    re.compile(r"^今天是[:：]?.*$"),
    re.compile(r"^您当前位置"),
    re.compile(r"^(通知公告|首页|返回|打印|关闭|上一篇.*|下一篇.*)$"),
    re.compile(r"^[—\-]\s*\d+\s*[—\-]$"),
    re.compile(r"^[★☆]$"),
    re.compile(r"^（此页无正文）$"),
    re.compile(r"技术支持"),
)
SENTENCE_END = "。！？!?"  # not ；: the clauses of a list ("比忠诚…；比担当…") belong together
CONTINUED = "\x01"  # marks a table cell's continuation line
LONG_SENTENCE = 200  # longer sentences are indexed as runs of clauses


@dataclass
class Document:
    key: str
    title: str = ""
    issuer: str = ""
    region: str = ""
    year: int | None = None
    date: str | None = None  # ISO date of issue
    date_text: str = ""  # the date as the document writes it (2020/3/13)
    printed_by: str = ""  # the office that printed it (共青团东莞市委办公室)
    doc_number: str = ""
    recipients: str = ""
    path: str = ""
    sha1: str = ""


@dataclass
class Item:
    kind: str  # overview | item | paragraph | contact | table | meta | notice
    section_no: str = ""
    section: str = ""
    sub_no: str = ""
    sub: str = ""
    item_no: str = ""
    heading: str = ""
    body: str = ""
    sentences: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """Where the item sits, as a cadre would cite it: 二、…（一）… 5．从严管好团员队伍."""
        parts = []
        if self.section_no:
            parts.append(f"{self.section_no}、{self.section}")
        if self.sub_no:
            parts.append(f"（{self.sub_no}）{self.sub}")
        if self.item_no:
            parts.append(f"{self.item_no}．{self.heading}")
        elif self.heading and not parts:
            parts.append(self.heading)
        return " ".join(parts)


class IngestError(Exception):
    """A document that cannot be read or parsed; the message names the reason."""


def read_text(path: Path) -> str:
    """Text of a .txt (UTF-8, UTF-16 or GB18030) or .docx file."""
    suffix = path.suffix.lower()
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise IngestError(f"cannot read: {err.strerror or err}") from err
    if suffix == ".docx":
        return _docx_text(path)
    if suffix not in (".txt", ".md", ""):
        raise IngestError(f"unsupported file type {suffix!r} (use .txt or .docx)")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if b"\x00" in raw:
        raise IngestError("binary content (NUL bytes); not a text document")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise IngestError("not text in UTF-8, UTF-16 or GB18030")


def _docx_text(path: Path) -> str:
    try:
        import docx  # python-docx, optional
    except ImportError as err:
        raise IngestError("reading .docx needs python-docx: pip install python-docx") from err
    try:
        document = docx.Document(str(path))
    except Exception as err:  # python-docx raises several types for a damaged package
        raise IngestError(f"not a readable .docx ({type(err).__name__})") from err
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t" + "\t".join(cell.text.strip() for cell in row.cells))
    return "\n".join(lines)


def parse_file(path: Path) -> tuple[Document, list[Item]]:
    text = read_text(path)
    doc, items = parse_text(text, key=path.stem)
    doc.path = str(path)
    return doc, items


def parse_text(text: str, key: str = "doc") -> tuple[Document, list[Item]]:
    """Parse one document's text into metadata and items; raises IngestError when nothing usable."""
    if "\x00" in text:
        raise IngestError("binary content (NUL bytes); not a text document")
    doc = Document(key=key, sha1=hashlib.sha1(text.encode("utf-8")).hexdigest())
    lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    body_lines, table_lines, contact_lines = _split_regions(lines, doc)
    items = _structure(body_lines, doc)
    contacts = _contacts(contact_lines)
    items += contacts + _responsibility_contacts(items, contacts)
    items += _table(table_lines)
    _finish_metadata(doc, items)
    if not any(it.kind in ("item", "overview", "paragraph") for it in items):
        raise IngestError("no text found that looks like a plan or notice (no sections, items or paragraphs)")
    for it in items:
        it.sentences = split_sentences(it.body) if it.kind != "table" else [it.body]
    items.insert(0, _meta_item(doc))
    return doc, items


def _split_regions(lines: list[str], doc: Document) -> tuple[list[str], list[str], list[str]]:
    """Drop debris, pull metadata lines out, and separate table rows and contact lines."""
    body, table, contacts = [], [], []
    in_contacts = in_table = False
    pending_title: str | None = None
    for raw in lines:
        line = raw.strip().replace("\u3000", " ")
        if not line:
            continue
        if raw.startswith("\t") and not SECTION.match(line) and not ITEM.match(line):
            if not _header_metadata(line, doc):
                table.append(line)
                in_table = True
            continue
        if in_table and len(line) <= 12 and not any(p.search(line) for p in DEBRIS):
            table.append(CONTINUED + line)  # a cell broken over two lines: "“网上共青团”建设" / "工作"
            continue
        in_table = False
        if "版权所有" in line or ("地址" in line and "邮编" in line) or "ICP备" in line:
            _footer(line, doc, contacts)  # before the debris rules: a footer line holds contacts too
            continue
        if any(p.search(line) for p in DEBRIS):
            continue
        if "点击" in line and DATE_SLASH.search(line):  # "2020/3/13 15:21:14 来源:admin 点击:2710"
            m = DATE_SLASH.search(line)
            doc.date = doc.date or _iso(m.group(1), m.group(2), m.group(3))
            doc.date_text = doc.date_text or m.group(0)
            continue
        if _header_metadata(line, doc):
            continue
        if line.startswith("联系方式"):
            in_contacts = True
            continue
        if in_contacts and re.search(r"(电话|邮箱|手机|传真)[:：]", line):
            contacts.append(line)
            continue
        in_contacts = False
        if pending_title is not None:
            if TITLE_END.search(line) and len(pending_title + line) <= 60:
                body.append(pending_title + line)
                pending_title = None
                continue
            body.append(pending_title)
            pending_title = None
        if line.startswith("关于") and not TITLE_END.search(line) and len(line) < 40 and not body_has_sections(body):
            pending_title = line  # a title broken over two lines: "关于做好…工作" + "考核的通知"
            continue
        body.append(line)
    if pending_title:
        body.append(pending_title)
    return body, table, contacts


def body_has_sections(body: list[str]) -> bool:
    return any(SECTION.match(b) for b in body)


def _header_metadata(line: str, doc: Document) -> bool:
    """Consume a line that is only metadata (document number, issuer, date, sign-off); True if consumed."""
    m = DOC_NUMBER.fullmatch(line.replace(" ", ""))
    if m:
        doc.doc_number = doc.doc_number or m.group(0)
        return True
    compact_line = line.replace(" ", "")
    if compact_line.endswith("文件") and ISSUER.match(compact_line[:-2]):
        doc.issuer = doc.issuer or compact_line[:-2]
        return True
    printed = re.fullmatch(r"(.{2,20}?)(\d{4}年\d{1,2}月\d{1,2}日)印发", compact_line)
    if printed:
        doc.printed_by = doc.printed_by or printed.group(1)
    if DATE_CN.fullmatch(compact_line) or printed:
        d = DATE_CN.search(compact_line)
        doc.date = doc.date or _iso(d.group(1), d.group(2), d.group(3))
        return True
    if ISSUER.match(compact_line):
        if not compact_line.endswith("办公室"):
            doc.issuer = doc.issuer or compact_line
        return True
    return False


def _footer(line: str, doc: Document, contacts: list[str]) -> None:
    """A page footer: keep the issuer and the contact facts, drop the copyright boilerplate."""
    m = re.search(r"版权所有[:：]\s*(\S+)", line)
    if m:
        doc.issuer = doc.issuer or m.group(1)
    facts = re.findall(r"((?:地址|邮编|电话|举报电话|违法和不良信息举报电话|邮箱|传真)[:：]?\s*[^\s]+)", line)
    facts += [f"网站备案号：{m}" for m in re.findall(r"\S{0,2}ICP备\d+号(?:-\d+)?", line)]
    facts += [f"公安备案号：{m}" for m in re.findall(r"\S{0,2}公网安备\s*\d+号", line)]
    if facts:
        owner = m.group(1) if m else doc.issuer
        contacts.append(f"{owner}联系方式：" + "，".join(f.strip() for f in facts))


def _iso(y: str, mo: str, d: str) -> str:
    return f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"


def _structure(lines: list[str], doc: Document) -> list[Item]:
    items: list[Item] = []
    section_no = section = sub_no = sub = ""
    current: Item | None = None
    seen_title = False
    for line in lines:
        cover = COVER_TITLE.search(line)
        if not seen_title and (TITLE_END.search(line) or cover) and len(line) <= 60 and not SECTION.match(line):
            seen_title = True
            doc.title = doc.title or (cover.group(1) if cover and line.startswith("关于") else line)
            continue
        if doc.title and line == doc.title or (cover and line.startswith("关于")):
            continue  # the title repeated above the attachment
        if line.endswith(("：", ":")) and len(line) <= 30 and not items and not section_no:
            doc.recipients = doc.recipients or line.rstrip("：:")
            continue
        if line in ("附件", "附件:", "附件："):
            continue
        m = SECTION.match(line)
        if m:
            section_no, (section, rest) = m.group(1), _section_heading(m.group(2))
            sub_no = sub = ""
            current = None
            if rest:
                current = Item("paragraph", section_no, section, body=rest)
                items.append(current)
            continue
        m = SUBSECTION.match(line)
        if m and section_no:
            sub_no = m.group(1)
            sub, rest = _heading_of(m.group(2))
            current = Item("paragraph", section_no, section, sub_no, sub, body=rest) if rest else None
            if current:
                items.append(current)
            continue
        m = ITEM.match(line)
        if m and (section_no or items):
            heading, rest = _heading_of(m.group(2))
            current = Item("item", section_no, section, sub_no, sub, m.group(1), heading, rest)
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
    return [it for it in items if it.body.strip() or it.heading]


def _heading_of(text: str) -> tuple[str, str]:
    """Split "从严管好团员队伍。广泛开展…" into its heading and the rest; short headings only."""
    text = text.strip()
    head, dot, rest = text.partition("。")
    if dot and len(head) <= 40:
        return head.strip(), rest.strip()
    if len(text) <= 40:
        return text.rstrip("。"), ""
    return "", text


def _section_heading(text: str) -> tuple[str, str]:
    """A section line is all heading unless a sentence follows its first full stop."""
    head, dot, rest = text.strip().partition("。")
    return head.strip(), rest.strip()


def _contacts(lines: list[str]) -> list[Item]:
    return [Item("contact", heading="联系方式", body=line) for line in lines]


RESPONSIBLE = re.compile(r"负责部门[:：]\s*([^）)]+)")
RESPONSIBLE_NOTE = re.compile(r"[（(]负责部门[:：][^）)]*[）)]")


def _responsibility_contacts(items: list[Item], contacts: list[Item]) -> list[Item]:
    """Link "（负责部门：宣传部）" to that department's contact line, so "X 的材料交给谁" is answerable."""
    by_dept: dict[str, str] = {}
    for c in contacts:
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
            body = (f"“{name}”" + (f"（{what}）" if what else "") + f"考核材料的负责部门是{m.group(1)}，联系："
                    + "；".join(dict.fromkeys(lines)) + "。")
            out.append(Item("contact", it.section_no, it.section, it.sub_no, it.sub, "", f"{name}（联系）", body))
    return out


def _table(cells: list[str]) -> list[Item]:
    """Rebuild a tab-separated form (e.g. 工作开展情况表) into readable rows: "（一） 考核项目 …"."""
    cells = [c for c in cells if c and not c.startswith(("共青团", "东团")) and c != "★"]
    if not cells:
        return []
    items: list[Item] = []
    header: list[str] = []
    row: list[str] = []
    for cell in cells:
        if cell.startswith(CONTINUED):
            if row:
                row[-1] += cell[1:]
            continue
        if not header and cell in ("序号",):
            header.append(cell)
            continue
        if header and len(header) < 3 and not SUBSECTION.match(cell) and not items and not row:
            header.append(cell)
            continue
        if SUBSECTION.match(cell) or re.fullmatch(r"[（(][一二三四五六七八九十]+[）)]", cell):
            if row:
                items.append(_table_row(header, row))
            row = [cell]
        elif row:
            row.append(cell)
    if row:
        items.append(_table_row(header, row))
    return items


def _table_row(header: list[str], row: list[str]) -> Item:
    name = "".join(row[1:]).strip()
    heading = " | ".join(header) if header else ""
    return Item("table", heading=f"表格（{heading}）" if heading else "表格", body=f"{row[0]} {name}")


def _finish_metadata(doc: Document, items: list[Item]) -> None:
    from knowledge.lexicon import region_of

    if not doc.title:
        first = next((it.body for it in items if it.kind == "notice"), "")
        doc.title = first[:40]
    m = YEAR.search(doc.title)
    doc.year = int(m.group(1)) if m else (int(doc.date[:4]) if doc.date else None)
    if not doc.issuer:
        m = re.match(r"^(团[县市区省]委|共青团\S{1,6}?[市县区省]委)", doc.title)
        doc.issuer = m.group(1) if m else ""
    doc.region = region_of(doc.issuer) or region_of(doc.title) or region_of(doc.doc_number) or doc.issuer or "未注明"


def _meta_item(doc: Document) -> Item:
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


_SPLIT = re.compile(rf"(?<=[{SENTENCE_END}])")


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage; fragments under 8 characters are joined to their neighbour, and a
    sentence too long to be one answer (an overview's 400 characters) is cut into clause runs."""
    out: list[str] = []
    for para in text.split("\n"):
        for piece in _SPLIT.split(para):
            piece = piece.strip()
            if not piece:
                continue
            if out and (len(compact(out[-1])) < 8 or len(compact(piece)) < 6):
                out[-1] += piece
            else:
                out.append(piece)
    return [chunk for sentence in out for chunk in _clause_runs(sentence)]


_CLAUSE_END = re.compile(r"(?<=[，,；;])")


def _clause_runs(sentence: str) -> list[str]:
    """Runs of whole clauses of at most LONG_SENTENCE // 2 characters; a cut is marked with "…"."""
    if len(sentence) <= LONG_SENTENCE:
        return [sentence]
    runs: list[str] = []
    for clause in _CLAUSE_END.split(sentence):
        if runs and len(runs[-1]) + len(clause) <= LONG_SENTENCE // 2:
            runs[-1] += clause
        elif clause:
            runs.append(clause)
    if len(runs) > 1 and len(runs[-1]) < 20:
        runs[-2] += runs.pop()
    return [("" if i == 0 else "…") + r.rstrip("，,；;") + ("" if i == len(runs) - 1 else "…")
            for i, r in enumerate(runs)]
