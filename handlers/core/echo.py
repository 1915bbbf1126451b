"""Echoing what a user typed back to them ("没看懂日期“…”"): shortened at a word boundary, never mid-word.

A cut inside a word or a number reads as something the user did not type ("2027-01-15 17:30" 述 for
"…述职报告"). Runs of letters, digits and date/time punctuation are kept whole, Chinese is cut between
jieba's words, and a quoted span is closed or dropped, never left open.
"""
from __future__ import annotations

import re

# One unit of an echo: a run of ASCII letters/digits with the punctuation of dates, times, ids and
# numbers (2027-01-15, 17:30, telegram:123, 92.5%), a run of Chinese, white space, or one other character.
_UNITS = re.compile(r"[A-Za-z0-9_.:/\-@#%+]+|[\u3400-\u9fff]+|\s+|.", re.S)
OPENERS = {"“": "”", "‘": "’", "「": "」", "『": "』", "《": "》", "（": "）", "(": ")", "【": "】", "[": "]"}
HARD_LIMIT = 3  # a single word may exceed the limit by this factor before it is cut anyway (a 4,000-digit number)


def words(text: str) -> list[str]:
    """`text` as the pieces an echo may be cut between (they join back to `text`)."""
    from knowledge import segment

    pieces: list[str] = []
    for unit in _UNITS.findall(text):
        if "\u3400" <= unit[0] <= "\u9fff" and len(unit) > 1:
            segment.setup()
            import jieba

            pieces += list(jieba.cut(unit, HMM=True))
        else:
            pieces.append(unit)
    return pieces


def clip(text: str, limit: int = 20) -> str:
    """`text` shortened to about `limit` characters at a word boundary, with "…" when shortened."""
    text = text.strip()
    if len(text) <= limit:
        return text
    kept = ""
    for piece in words(text):
        if len(kept) + len(piece) > limit:
            if not kept.strip():  # one long word first: keep it whole unless it is absurdly long
                kept = piece if len(piece) <= limit * HARD_LIMIT else piece[:limit]
            break
        kept += piece
    kept = _balanced(kept.rstrip())
    return kept + "…" if kept != text else kept


def _balanced(text: str) -> str:
    """Drop a trailing opened quote or bracket that the cut left unclosed (and what follows it)."""
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch in OPENERS:
            stack.append(i)
        elif stack and ch == OPENERS[text[stack[-1]]]:
            stack.pop()
    if stack and stack[0] > 0:
        return text[: stack[0]].rstrip()
    straight = [i for i, ch in enumerate(text) if ch in "\"'"]
    if len(straight) % 2 and straight[-1] > 0:
        return text[: straight[-1]].rstrip()
    return text
