"""Parse a plan document as received (web-page debris and all) into metadata and numbered items.

A document becomes: metadata (title, issuer, region, year, issue date, document number, recipients)
and a list of `Item`s — the overview, each numbered item under its section (一、/（一）/1．), loose
paragraphs, contacts and table rows — each with its text split into sentences for the index.

The steps live in their own modules: `read` (file → text: .txt, .docx, .pdf via `pdf`, .html),
`clean` (debris out, metadata lines out, tables and contacts apart), `meta` (issuer, region,
dates, title), `structure` (sections, items, tables) and `sentences`.
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from knowledge.ingest.clean import split_regions, unwrap
from knowledge.ingest.meta import Meta, meta_item, places_of
from knowledge.ingest.model import Document, IngestError, Item
from knowledge.ingest.read import SUPPORTED, read_text, unsupported_reason
from knowledge.ingest.sentences import split_sentences
from knowledge.ingest.structure import contacts, responsibility_contacts, structure, table

__all__ = ["Document", "IngestError", "Item", "SUPPORTED", "parse_file", "parse_text", "places_of",
           "read_text", "split_sentences", "unsupported_reason"]
log = logging.getLogger(__name__)


def parse_file(path: Path) -> tuple[Document, list[Item]]:
    """Read and parse one file; every failure is an IngestError naming the reason."""
    path = Path(path)
    try:
        text = read_text(path)
        doc, items = parse_text(text, key=path.stem)
    except IngestError:
        raise
    except Exception as err:  # one odd file must never stop the others (or the bot's start) from loading
        log.exception("unexpected failure parsing %s", path)
        raise IngestError(f"解析时出错（{type(err).__name__}: {err}）") from err
    doc.path = str(path)
    return doc, items


def parse_text(text: str, key: str = "doc") -> tuple[Document, list[Item]]:
    """Parse one document's text into metadata and items; raises IngestError when nothing usable."""
    if "\x00" in text:
        raise IngestError("内容是二进制数据（含 NUL 字节），不是文本文件")
    doc = Document(key=key, sha1=hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest())
    meta = Meta(doc)
    lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    regions = split_regions(unwrap(lines), meta)
    items = structure(regions.body, doc)
    found = contacts(regions.contacts)
    items += found + responsibility_contacts(items, found)
    items += table(regions.table)
    meta.settle(items)
    if not any(it.kind in ("item", "overview", "paragraph", "notice") for it in items):
        raise IngestError("没有找到像工作要点或通知的正文（没有章节、条目或段落）")
    items += [Item("filing", heading="网站备案", body=line) for line in regions.filings]
    for it in items:
        it.sentences = split_sentences(it.body) if it.kind != "table" else [it.body]
    items.insert(0, meta_item(doc))
    return doc, items
