"""Shaping replies for WeChat and WeCom: byte limits, clean cuts, and choices without buttons.

WeChat counts UTF-8 bytes (2,048 for a passive text reply, a WeCom app text or a group-robot text),
and a cut in the middle of a character shows as mojibake, so every cut here lands on a character
boundary and, where the text allows it, at the end of a line or a sentence.
"""
from __future__ import annotations

from handlers.core.types import Reply

TEXT_LIMIT = 2048  # bytes
MORE_NOTE = "\n…（回复“更多”查看全文）"
SENTENCE_ENDS = "。；！？!?;"


def nbytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _prefix(text: str, budget: int) -> str:
    """The longest prefix of `text` within `budget` bytes, ending at a line or sentence if one is near."""
    head = text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    if len(head) == len(text):
        return head
    # Prefer a line end, then a sentence end, in the second half of the page; else any character.
    for marks in ("\n", SENTENCE_ENDS):
        cut = max(head.rfind(m) for m in marks)
        if cut >= len(head) // 2:
            return head[: cut + 1]
    return head


def fit(text: str, limit: int = TEXT_LIMIT, note: str = MORE_NOTE) -> tuple[str, str]:
    """Split into (first page ≤ limit bytes including the note, the rest); the rest is '' if it fits."""
    if nbytes(text) <= limit:
        return text, ""
    page = _prefix(text, limit - nbytes(note))
    return page.rstrip() + note, text[len(page):].lstrip("\n")


def split(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut a long text into pages of at most `limit` bytes each, at line or sentence ends where possible."""
    pages: list[str] = []
    while nbytes(text) > limit:
        page = _prefix(text, limit)
        pages.append(page.rstrip())
        text = text[len(page):].lstrip("\n")
    if text.strip() or not pages:
        pages.append(text)
    return pages


def render(reply: Reply) -> str:
    """The reply as plain text: WeChat has no inline buttons, so choices become a numbered list."""
    text = reply.text.rstrip()
    if reply.choices:
        lines = [f"{n}. {c.label}" for n, c in enumerate(reply.choices, 1)]
        text += "\n回复数字选择：\n" + "\n".join(lines)
    return text


def render_all(replies: list[Reply]) -> str:
    """Several replies to one message become one passive reply (WeChat allows only one)."""
    return "\n\n".join(t for t in (render(r) for r in replies) if t)


def cdata_safe(text: str) -> str:
    """wechatpy wraps text in CDATA; a literal ']]>' inside would end it early and break the XML."""
    return text.replace("]]>", "]] >")
