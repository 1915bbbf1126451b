"""What a parsed document is: its metadata (`Document`), its parts (`Item`), and `IngestError`."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Document:
    key: str
    title: str = ""
    issuer: str = ""
    region: str = ""  # what the document says it belongs to: 东莞, 绍兴市柯桥区, 某某大学, 团县委
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
        """Where the item sits, as a cadre would cite it: 二、…（一）… 5．从严管好团员队伍 (or 第三章 … 第十条)."""
        parts = []
        if self.section_no:
            parts.append(f"{self.section_no} {self.section}" if self.section_no.startswith("第")
                         else f"{self.section_no}、{self.section}")
        if self.sub_no:
            parts.append(f"（{self.sub_no}）{self.sub}")
        if self.item_no:
            if self.item_no.startswith("第"):
                parts.append(f"{self.item_no} {self.heading}".rstrip())
            else:
                parts.append(f"{self.item_no}．{self.heading}")
        elif self.heading and not parts:
            parts.append(self.heading)
        return " ".join(parts)


class IngestError(Exception):
    """A document that cannot be read or parsed; the message (Chinese) names the reason."""
