"""The text layer of a PDF as the lines a reader sees: wrapped lines joined, page furniture dropped.

pdfminer.six gives each printed line with its box, which is what rebuilding paragraphs needs: a line
that runs to the right margin and is followed by one starting at the left margin (not indented, not
a heading such as 一、 （一） 1． 第X条) is one sentence broken by the layout. Lines of the top and
bottom of every page that repeat (running heads, "— 3 —", "第2页 共5页", a browser's URL and time)
are dropped. A PDF without a text layer (a scan) is refused with a message saying so.
"""
from __future__ import annotations

import io
import logging
import re
import statistics
from collections import Counter
from dataclasses import dataclass

from knowledge.ingest.model import IngestError

NO_TEXT = "没有文字层（可能是扫描件），请提供文字版或 .docx"
_CID = re.compile(r"\(cid:\d+\)")
PAGE_NUMBER = re.compile(
    r"^(?:[—\-–－~·•\s]*\d{1,4}[—\-–－~·•\s]*|第\s*\d+\s*页(?:\s*[,，/／]?\s*共\s*\d+\s*页)?"
    r"|(?:共\s*\d+\s*页\s*)?第\s*\d+\s*页|\d{1,4}\s*[/／]\s*\d{1,4}|(?:page|Page|PAGE)\s*\d+(?:\s*of\s*\d+)?)$")
_BROWSER_FURNITURE = re.compile(
    r"^\t?\d{1,4}[/\-.年]\d{1,2}[/\-.月]\d{1,4}日?,?\s*(?:上午|下午|[AP]M)?\s*\d{1,2}:\d{2}|https?://|www\.|file:/")
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"})
# A line that starts a new block even when the line before it ran to the margin.
BLOCK_START = re.compile(
    r"^(?:[一二三四五六七八九十]+\s*[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}\s*[.．、](?!\d)"
    r"|第[一二三四五六七八九十百零〇\d]+[章节条]|附件|附：|联系人|联系电话|联系方式|[①-⑳]|[★●■◆▲]"
    r"|共青团\S{2,30}(?:委员会|委)$|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$)")
SENTENCE_END = "。！？!?；;：:"


@dataclass
class Line:
    page: int
    x0: float
    x1: float
    top: float  # distance from the top of the page
    bottom: float
    size: float  # text height ≈ font size
    text: str
    table: bool = False  # cells side by side: kept as one tab-separated row, never joined


def pdf_text(raw: bytes) -> str:
    """The document's text, one paragraph or heading a line; IngestError when there is none."""
    # pdfminer warns about every odd font descriptor (a browser's PDF has dozens): not for the cadre.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    pages = _pages(raw)
    chars = sum(len(ln.text.strip()) for page in pages for ln in page)
    if chars < 10:
        raise IngestError(NO_TEXT)
    pages = _drop_page_furniture(pages)
    return "\n".join(_paragraphs([ln for page in pages for ln in page]))


def _pages(raw: bytes) -> list[list[Line]]:
    try:
        from pdfminer.high_level import extract_pages
        from pdfminer.layout import LAParams, LTChar, LTTextLineHorizontal
        from pdfminer.pdfdocument import PDFEncryptionError
        from pdfminer.pdfparser import PDFSyntaxError
        from pdfminer.psexceptions import PSException
    except ImportError as err:
        raise IngestError("读取 PDF 需要 pdfminer.six：pip install pdfminer.six") from err
    pages: list[list[Line]] = []
    cid = total = 0
    try:
        for n, layout in enumerate(extract_pages(io.BytesIO(raw), laparams=LAParams(line_margin=0.3))):
            found = []
            for line in _walk(layout, LTTextLineHorizontal):
                text = _line_text(line, LTChar)
                total += len(text)
                cid += sum(len(m) for m in _CID.findall(text))
                text = _CID.sub("", text)
                indent = len(text) - len(text.lstrip())  # "　　" typed as the indent of a paragraph
                text = re.sub(r" {2,}", " ", text).strip(" \u3000\n")
                if text.strip():
                    found.append(Line(n, line.x0 + indent * line.height, line.x1, layout.height - line.y1,
                                      layout.height - line.y0, line.height, text.strip(), "\t" in text.strip()))
            pages.append(_rows(found))
    except PDFEncryptionError as err:
        raise IngestError("PDF 已加密，请提供未加密的文件") from err
    except (PDFSyntaxError, PSException) as err:
        raise IngestError(f"不是可读取的 PDF 文件（{type(err).__name__}）") from err
    except Exception as err:  # pdfminer raises plain ValueError/KeyError/TypeError on damaged files
        raise IngestError(f"PDF 文件已损坏，无法读取（{type(err).__name__}）") from err
    if total and cid > total / 2:
        raise IngestError("PDF 的文字层无法识别（字体缺少编码表，复制出来是乱码），请提供文字版或 .docx")
    return pages


def _line_text(line, char_type) -> str:
    """A line's text with the spaces that were typed, but not the ones pdfminer infers from wide
    letter spacing between Chinese characters (a justified line "联 系 人 ： 周 老 师")."""
    chars = [ch for ch in line if isinstance(ch, char_type)]
    gaps = sorted(b.x0 - a.x1 for a, b in zip(chars, chars[1:]))
    usual = gaps[len(gaps) // 2] if gaps else 0.0
    size = line.height
    out, prev = [], None
    for ch in line:
        text = ch.get_text()
        if not isinstance(ch, char_type):
            if text.isspace():
                continue  # inferred; decided below from the real gap
            out.append(text)
            continue
        if prev is not None and text.strip() and prev.get_text().strip():
            gap = ch.x0 - prev.x1
            ascii_side = prev.get_text().isascii() or text.isascii()
            if gap > max(2.5 * usual, (0.6 if ascii_side else 0.2) * size):
                out.append("\t")  # a gap wider than the line's own spacing: the next cell of a table
            elif ascii_side and prev.get_text().isascii() and text.isascii() and gap > 0.15 * size:
                out.append(" ")  # between two English words
        out.append(text)
        prev = ch
    return "".join(out).rstrip("\n").translate(_LIGATURES)


def _walk(node, kind):
    if isinstance(node, kind):
        yield node
        return
    if hasattr(node, "__iter__"):
        for child in node:
            yield from _walk(child, kind)


def _rows(lines: list[Line]) -> list[Line]:
    """Lines that share a baseline (table cells, a signature beside a date) become one row."""
    lines.sort(key=lambda ln: (ln.top, ln.x0))
    rows: list[list[Line]] = []
    for ln in lines:
        row = rows[-1] if rows else None
        if row and min(ln.bottom, row[0].bottom) - max(ln.top, row[0].top) > 0.5 * min(ln.size, row[0].size):
            row.append(ln)
        else:
            rows.append([ln])
    out = []
    for row in rows:
        row.sort(key=lambda ln: ln.x0)
        if len(row) == 1:
            if row[0].table:
                row[0].text = "\t" + row[0].text
            out.append(row[0])
            continue
        size = max(ln.size for ln in row)
        text, table = row[0].text, False
        for prev, ln in zip(row, row[1:]):
            gap = ln.x0 - prev.x1  # pdfminer already joins the words of a line: a gap left is a cell
            table = table or gap > 0.8 * size
            text += ("\t" if gap > 0.8 * size else "") + ln.text
        if table:
            text = "\t" + "\t".join(cell.text for cell in row)
        out.append(Line(row[0].page, row[0].x0, row[-1].x1, min(ln.top for ln in row),
                        max(ln.bottom for ln in row), size, text, table))
    return out


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.replace(" ", ""))


def _drop_page_furniture(pages: list[list[Line]]) -> list[list[Line]]:
    """Drop page numbers, and running heads and feet: the same line (digits aside) set apart at the
    top or bottom of two or more pages, or a browser's print header/footer (time, URL, "1/3")."""
    edges = [_edge_lines(page) for page in pages]
    seen = Counter(_furniture_key(ln.text) for lines in edges for ln in {id(x): x for x in lines}.values())
    repeated = {k for k, n in seen.items() if n >= 2 and n >= len(pages) / 2}
    out = []
    for page, lines in zip(pages, edges):
        drop = {id(ln) for ln in lines if _furniture_key(ln.text) in repeated}
        drop |= {id(ln) for ln in page[:2] + page[-2:] if PAGE_NUMBER.match(ln.text) or _BROWSER_FURNITURE.search(ln.text)}
        out.append([ln for ln in page if id(ln) not in drop])
    return out


def _edge_lines(page: list[Line]) -> list[Line]:
    """The lines at the top and bottom of a page that stand apart from the text (a wider gap than
    between the lines of a paragraph): where running heads, feet and page numbers are."""
    if len(page) < 3:
        return list(page)
    gaps = sorted(b.top - a.top for a, b in zip(page, page[1:]))
    pitch = gaps[len(gaps) // 2]
    out = []
    for first, second in ((0, 1), (1, 2)):  # the top two lines, each only if set apart below
        if page[second].top - page[first].top > 1.3 * pitch or _furniture(page[first]):
            out.append(page[first])
        else:
            break
    for last, before in ((-1, -2), (-2, -3)):
        if page[last].top - page[before].top > 1.3 * pitch or _furniture(page[last]):
            out.append(page[last])
        else:
            break
    return out


def _furniture(line: Line) -> bool:
    return bool(PAGE_NUMBER.match(line.text) or _BROWSER_FURNITURE.search(line.text))


def _paragraphs(lines: list[Line]) -> list[str]:
    """Join the lines the layout wrapped; keep headings, short lines and indented starts apart."""
    if not lines:
        return []
    body = [ln for ln in lines if not ln.table and len(ln.text) >= 8] or lines
    size = statistics.median(ln.size for ln in body)
    left = Counter(round(ln.x0 / 2) * 2 for ln in body).most_common(1)[0][0]
    right = sorted(ln.x1 for ln in body)[int(0.9 * (len(body) - 1))]
    pitch = statistics.median([b.top - a.top for a, b in zip(body, body[1:]) if a.page == b.page
                               and 0 < b.top - a.top < 3 * size] or [1.5 * size])
    out: list[str] = []
    prev: Line | None = None
    for ln in lines:
        if prev is not None and _continues(prev, ln, size, left, right, pitch):
            out[-1] += (" " if out[-1][-1:].isascii() and out[-1][-1:].isalnum() and ln.text[:1].isascii()
                        and ln.text[:1].isalnum() else "") + ln.text
        elif prev is not None and _same_title(prev, ln, size, pitch):
            out[-1] += ln.text
        else:
            out.append(ln.text)
        prev = ln
    return out


def _continues(a: Line, b: Line, size: float, left: float, right: float, pitch: float) -> bool:
    """Whether line b carries on the sentence of line a (the layout wrapped it)."""
    if a.table or b.table or BLOCK_START.match(b.text):
        return False
    if a.x0 > left + 3 * size:  # centred or right-aligned (a title, a signature): not wrapped text
        return False
    if a.x1 < right - 2.2 * size:  # ended short of the margin: a heading, a last line, a signature
        return False
    if abs(b.x0 - left) > 0.8 * size:  # indented (a new paragraph) or centred / right-aligned
        return False
    if a.page == b.page and b.top - a.top > 1.6 * pitch:  # a blank line's worth of space between
        return False
    if a.text[-1] in SENTENCE_END and a.page == b.page and b.top - a.top > 1.25 * pitch:
        return False
    return True


def _same_title(a: Line, b: Line, size: float, pitch: float) -> bool:
    """Two lines of a title set larger than the text, one under the other, are one title."""
    return (a.page == b.page and a.size > 1.15 * size and abs(a.size - b.size) < 0.1 * a.size
            and 0 < b.top - a.top < 2 * max(a.size, pitch) and not a.table and not b.table
            and not BLOCK_START.match(b.text) and a.text[-1] not in SENTENCE_END)
