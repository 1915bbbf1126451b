"""Read a file into plain text: .txt (UTF-8, UTF-16, GB18030), .docx, .pdf (text layer), .html.

Every failure is an `IngestError` whose Chinese message names the reason (a damaged UTF-16 file, a
scanned PDF, a format ingest cannot read and what to save it as instead); nothing else escapes.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from knowledge.ingest.model import IngestError

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".text", ".md", "")
SUPPORTED = (".txt", ".text", ".md", ".docx", ".pdf", ".html", ".htm")
# What to tell a cadre whose file ingest cannot read: what it is and what to save it as instead.
_ADVICE = (
    ((".doc", ".wps", ".rtf", ".odt", ".pages", ".docm", ".dot", ".dotx"), "请另存为 .docx 或 .pdf"),
    ((".xls", ".xlsx", ".et", ".csv", ".ods", ".xlsm"), "表格文件；通知请另存为 .docx 或 .pdf"),
    ((".ppt", ".pptx", ".dps", ".odp"), "演示文稿；请另存为 .pdf"),
    ((".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".heic"),
     "图片没有文字层；请提供文字版 .docx 或 .pdf"),
    ((".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz"), "压缩包；请先解压，再导入其中的文件"),
    ((".ofd",), "OFD 版式文件；请另存为 .pdf 或 .docx"),
)
# A UTF-8 file with a handful of bad bytes (a truncated copy, one mangled character) is still
# UTF-8: decoding it as GB18030 instead would turn every character into the wrong one.
UTF8_DAMAGE_TOLERATED = 0.001


def unsupported_reason(path: Path) -> str | None:
    """"不支持的格式 .doc（请另存为 .docx 或 .pdf）" for a file ingest cannot read; None if it can."""
    suffix = path.suffix.lower()
    if suffix in SUPPORTED:
        return None
    advice = next((a for suffixes, a in _ADVICE if suffix in suffixes), "请另存为 .docx、.pdf 或 .txt")
    return f"不支持的格式 {suffix}（{advice}）"


def read_text(path: Path) -> str:
    """The text of a supported file; raises IngestError with the reason otherwise."""
    reason = unsupported_reason(path)
    if reason:
        raise IngestError(reason)
    suffix = path.suffix.lower()
    try:
        raw = path.read_bytes()
    except FileNotFoundError as err:
        raise IngestError("文件不存在") from err
    except IsADirectoryError as err:
        raise IngestError("这是一个文件夹，不是文件") from err
    except OSError as err:
        raise IngestError(f"无法读取（{err.strerror or err}）") from err
    if not raw.strip():
        raise IngestError("文件是空的，没有文字")
    if suffix == ".docx":
        return docx_text(path)
    if suffix == ".pdf":
        from knowledge.ingest.pdf import pdf_text

        return pdf_text(raw)
    text = decode(raw)
    if suffix in (".html", ".htm") or _looks_like_html(text):
        return html_text(text)
    return text


def decode(raw: bytes) -> str:
    """Bytes of a text file → str: UTF-16 by its byte-order mark, else UTF-8, else GB18030."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _utf16(raw)
    if b"\x00" in raw:
        raise IngestError("内容是二进制数据（含 NUL 字节），不是文本文件")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lenient = raw.decode("utf-8-sig", errors="replace")
    if len(re.findall("\ufffd+", lenient)) <= max(2, len(lenient) * UTF8_DAMAGE_TOLERATED):
        log.warning("a few bytes are not UTF-8; they are shown as \ufffd")
        return lenient
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        pass
    raise IngestError("不是 UTF-8、UTF-16 或 GB18030 编码的文本（请用“另存为”选择 UTF-8 编码）")


def _utf16(raw: bytes) -> str:
    """Strict UTF-16: a damaged file is refused with where it is damaged, not half-read."""
    try:
        return raw.decode("utf-16")
    except UnicodeDecodeError as err:
        if len(raw) % 2:
            why = f"字节数为奇数（{len(raw)} 字节），文件可能被截断"
        else:
            why = f"第 {err.start} 字节处有不成对的代理码元（{err.reason}）"
        raise IngestError(f"UTF-16 文本已损坏：{why}；请重新导出或另存为 UTF-8") from err


def docx_text(path: Path) -> str:
    """Paragraphs and tables of a .docx in document order; table rows as tab-separated cells."""
    try:
        import docx  # python-docx
    except ImportError as err:
        raise IngestError("读取 .docx 需要 python-docx：pip install python-docx") from err
    try:
        document = docx.Document(str(path))
        lines = []
        numbering = _Numbering(document)
        for block in document.iter_inner_content():
            if hasattr(block, "rows"):
                for row in block.rows:
                    seen, texts = set(), []
                    for cell in row.cells:
                        if cell._tc not in seen:  # a merged cell is repeated once per grid column
                            seen.add(cell._tc)
                            texts.append(" ".join(p.text.strip() for p in cell.paragraphs if p.text.strip()))
                    lines.append("\t" + "\t".join(texts))
            else:
                lines.append(numbering.label(block) + block.text)
    except IngestError:
        raise
    except Exception as err:  # python-docx and zipfile raise many types for a damaged package
        raise IngestError(f"不是可读取的 .docx 文件（{type(err).__name__}）") from err
    return "\n".join(lines)


class _Numbering:
    """Word's automatic list numbers ("一、", "1．", "（一）") are not in the paragraph text; rebuild
    them from numbering.xml so numbered sections and items are recognised as in a typed document."""

    W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

    def __init__(self, document):
        self.formats: dict[tuple[str, int], tuple[str, str, int]] = {}
        self.counters: dict[str, list[int]] = {}
        try:
            part = document.part.numbering_part
        except (NotImplementedError, KeyError, AttributeError):
            return
        root, w = part.element, self.W
        abstract = {}
        for a in root.iter(f"{w}abstractNum"):
            levels = {}
            for lvl in a.iter(f"{w}lvl"):
                fmt, text, start = lvl.find(f"{w}numFmt"), lvl.find(f"{w}lvlText"), lvl.find(f"{w}start")
                levels[int(lvl.get(f"{w}ilvl"))] = (
                    fmt.get(f"{w}val") if fmt is not None else "decimal",
                    text.get(f"{w}val") if text is not None else "",
                    int(start.get(f"{w}val")) if start is not None else 1)
            abstract[a.get(f"{w}abstractNumId")] = levels
        for num in root.iter(f"{w}num"):
            ref = num.find(f"{w}abstractNumId")
            for ilvl, spec in abstract.get(ref.get(f"{w}val") if ref is not None else "", {}).items():
                self.formats[(num.get(f"{w}numId"), ilvl)] = spec

    def label(self, paragraph) -> str:
        if not self.formats:
            return ""
        w = self.W
        ppr = paragraph._p.pPr
        numpr = ppr.find(f"{w}numPr") if ppr is not None else None
        style = paragraph.style
        while numpr is None and style is not None:  # "List Number" numbers through its style
            sppr = style.element.pPr
            numpr = sppr.find(f"{w}numPr") if sppr is not None else None
            style = style.base_style
        if numpr is None:
            return ""
        num_id = numpr.find(f"{w}numId")
        ilvl = numpr.find(f"{w}ilvl")
        num_id = num_id.get(f"{w}val") if num_id is not None else None
        level = int(ilvl.get(f"{w}val")) if ilvl is not None else 0
        spec = self.formats.get((num_id, level))
        if not spec or spec[0] in ("bullet", "none"):
            return ""
        counts = self.counters.setdefault(num_id, [0] * 9)
        counts[level] = counts[level] + 1 if counts[level] else self._start(num_id, level)
        for deeper in range(level + 1, 9):
            counts[deeper] = 0
        text = spec[1]
        for i in range(level + 1):
            fmt = self.formats.get((num_id, i), ("decimal", "", 1))[0]
            text = text.replace(f"%{i + 1}", _number(counts[i] or 1, fmt))
        return text

    def _start(self, num_id: str, level: int) -> int:
        return self.formats.get((num_id, level), ("", "", 1))[2]


_CN_DIGITS = "零一二三四五六七八九"


def _number(n: int, fmt: str) -> str:
    if fmt.startswith(("chinese", "ideograph", "japaneseCounting", "taiwaneseCounting")):
        return chinese_number(n)
    if fmt == "decimalEnclosedCircle" and 1 <= n <= 20:
        return chr(0x245F + n)
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    return str(n)


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (enough for list numbers)."""
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if not rest else ("零" + _CN_DIGITS[rest] if rest < 10 else chinese_number(rest) if rest >= 20
                                else "一" + chinese_number(rest))
    return _CN_DIGITS[n // 100] + "百" + tail


_HTML_HINT = re.compile(r"^\s*(<!doctype html|<html[\s>])", re.I)


def _looks_like_html(text: str) -> bool:
    return bool(_HTML_HINT.match(text[:200]))


def html_text(markup: str) -> str:
    """A saved web page → its text, one line per block element (the debris is dropped later)."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(markup)
    except Exception as err:  # lxml's parser errors are several types
        raise IngestError(f"网页无法解析（{type(err).__name__}）") from err
    for bad in root.xpath("//script|//style|//noscript|//template|//head"):
        bad.drop_tree()
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for cell in root.xpath("//td|//th"):
        cell.text = "\t" + (cell.text or "")
    blocks = ("p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article",
              "header", "footer", "ul", "ol", "dd", "dt", "blockquote", "pre", "title")
    for el in root.iter(*blocks):
        el.tail = "\n" + (el.tail or "")
    text = root.text_content()
    return "\n".join(line.replace("\xa0", " ").rstrip() for line in text.splitlines())
