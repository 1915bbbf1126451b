"""Build the PDFs the ingest tests read, as an office would print them: justified body text wrapped by
the layout mid-sentence, first lines indented, a right-aligned signature, optional running header and
"— N —" page numbers; and a scan (a picture of a page, no text layer). Uses reportlab (test extra)
and the bundled WenQuanYi Micro Hei font. Sources and their markup: tests/data/ingest/pdf_sources/.
"""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONT = ROOT / "handlers" / "checkin" / "fonts" / "wqy-microhei.ttc"
SOURCES = ROOT / "tests" / "data" / "ingest" / "pdf_sources"


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "wqy" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("wqy", str(FONT), subfontIndex=0))
    return "wqy"


def make_pdf(source: Path, out: Path) -> Path:
    """Typeset one marked-up source file (see pdf_sources/README.md) into a PDF."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=14, leading=24, wordWrap="CJK", firstLineIndent=28,
                          alignment=4)
    styles = {
        "^": ParagraphStyle("title", fontName=font, fontSize=20, leading=32, alignment=1, wordWrap="CJK",
                            spaceAfter=12),
        "=": ParagraphStyle("centre", fontName=font, fontSize=16, leading=28, alignment=1, wordWrap="CJK"),
        ">": ParagraphStyle("right", fontName=font, fontSize=14, leading=24, alignment=2, wordWrap="CJK"),
        "|": ParagraphStyle("flush", fontName=font, fontSize=14, leading=24, wordWrap="CJK"),
    }
    header, numbers, flow = "", False, []
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.startswith("#header "):
            header = line[len("#header "):]
        elif line.startswith("#page-numbers"):
            numbers = True
        elif line.strip():
            mark = line[:2].strip()
            style = styles.get(mark) if line[1:2] == " " else None
            flow.append(Paragraph(line[2:] if style else line, style or body))

    def furniture(canvas, document):
        canvas.saveState()
        canvas.setFont(font, 10)
        if header:
            canvas.drawCentredString(A4[0] / 2, A4[1] - 40, header)
        if numbers:
            canvas.drawCentredString(A4[0] / 2, 30, f"— {document.page} —")
        canvas.restoreState()

    SimpleDocTemplate(str(out), pagesize=A4).build(flow, onFirstPage=furniture, onLaterPages=furniture)
    return out


def make_scan(out: Path, text: str = "关于开展团员教育评议工作的通知") -> Path:
    """A 'scanned' notice: the page is one picture of printed text, there is no text layer."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    picture = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(picture)
    draw.text((150, 200), text, fill=0, font=ImageFont.truetype(str(FONT), 48, index=0))
    for row in range(8):
        draw.text((150, 400 + row * 80), "各团支部要认真组织开展团员教育评议工作。", fill=0,
                  font=ImageFont.truetype(str(FONT), 36, index=0))
    canvas = Canvas(str(out), pagesize=A4)
    canvas.drawImage(ImageReader(picture), 0, 0, width=A4[0], height=A4[1])
    canvas.showPage()
    canvas.save()
    return out
