"""What an answer shows of one found item: its quotation on the first page and the rest for "更多".

A `Block` is one hit (one item of one document): the sentences of the item's text the answer draws
on (the matching one, other matching sentences of the item, and the next ones for a "how" question
or a sentence too short to stand alone), as spans of the item text. The first page quotes one
window of them, at most `limit` characters cut at clause boundaries around the fact; the "more"
page shows what is left, never a sentence twice.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge import facts, quotes
from knowledge.quotes import Span
from knowledge.scoring import Hit

FOLLOW_MAX = 220  # characters of following sentences drawn on for a "how" answer
SHORT = 40  # a sentence shorter than this does not stand alone: the next one joins it
FILL_MIN = 60  # a quotation shorter than this takes the next sentences along even when they add no term
PART_MIN = 25  # room left for part of a further sentence in a quotation
MORE_MAX = 240  # characters of one item's further sentences on the "more" page
LINKED = "（联系）"  # the heading ingest gives a department's contact linked to an item


@dataclass
class Block:
    hit: Hit
    body: str
    sentences: list[Span] = field(default_factory=list)  # sentences of the item text drawn on, in order
    contacts: list[dict] = field(default_factory=list)  # contact lines of the departments it names
    shown: list[Span] = field(default_factory=list)  # what the first page quoted

    @property
    def row(self) -> dict:
        return self.hit.passage

    @property
    def region(self) -> str:
        return self.hit.region

    @property
    def quotable(self) -> bool:
        return bool(self.sentences)


def block_of(kb, h: Hit, how: bool) -> Block:
    """The item text and the sentences of it this hit brings (its own, matching siblings, followers)."""
    row = h.passage
    if not quotes.verbatim(row):
        contacts = [s.passage for s in h.siblings if s.passage["kind"] == "contact"]
        return Block(h, row["text"], contacts=contacts)
    body = row["body"]
    spans: list[Span] = []
    own = quotes.locate(body, row["text"])
    for part in [h] + [s for s in h.siblings if s.passage["item_id"] == h.item_id]:
        at = quotes.locate(body, part.passage["text"])
        if at is not None:
            spans.append(quotes.sentence_of(body, at))
    if not spans:  # the text is not in the item's body (should not happen): show it unquoted
        return Block(h, row["text"])
    main = quotes.sentence_of(body, own) if own else spans[0]
    if how or main.end - main.start < SHORT:
        at, budget = main, FOLLOW_MAX
        while (nxt := quotes.next_sentence(body, at) or _next_line(body, at)) is not None:
            budget -= nxt.end - nxt.start
            if budget < 0 and at is not main:
                break
            spans.append(nxt)
            at = nxt
            if budget <= 0:
                break
    contacts = [s.passage for s in h.siblings if s.passage["kind"] == "contact" and s.passage["item_id"] != h.item_id]
    return Block(h, body, _sentences(body, spans), contacts=contacts)


def _next_to(body: str, a: Span, b: Span) -> bool:
    """Two sentences with nothing but white space between them."""
    lo, hi = (a, b) if a.start < b.start else (b, a)
    return not body[lo.end:hi.start].strip()


def _next_line(body: str, span: Span) -> Span | None:
    nl = body.find("\n", span.end)
    if nl < 0 or body[span.end:nl].strip():
        return None
    start = nl + 1
    while start < len(body) and body[start].isspace():
        start += 1
    return quotes.sentence_of(body, Span(start, start + 1)) if start < len(body) else None


def _sentences(body: str, spans: list[Span]) -> list[Span]:
    """Each sentence once, in document order."""
    seen, out = set(), []
    for s in sorted(spans, key=lambda s: s.start):
        if (s.start, s.end) not in seen:
            seen.add((s.start, s.end))
            out.append(s)
    return out


def main_sentence(block: Block, focus: Span | None, terms) -> Span:
    """The sentence a block's quotation is built around: the fact's, else the one holding most of the
    question's terms (the hit's own on a tie)."""
    body = block.body
    held = next((s for s in block.sentences if focus and s.start <= focus.start < s.end), None)
    if held is not None:
        return held
    own = quotes.locate(body, block.row["text"])
    own_start = own.start if own else -1
    return max(block.sentences, key=lambda s: (quotes.weigh(body[s.start:s.end], terms),
                                               s.start <= own_start < s.end, -s.start))


def first_quote(block: Block, focus: Span | None, terms, limit: int, how: bool = False) -> str:
    """The first page's quotation of a block: a window of at most `limit` characters around the
    focus (the fact) or the question's terms; then, while they fit, the block's other sentences that
    add terms the quotation lacks, then those that follow it (whole, or the clauses that fit)."""
    body = block.body
    main = main_sentence(block, focus, terms)
    shown = [quotes.window(body, main, focus, terms, limit)]
    rest = [s for s in block.sentences if s != main]

    def gain(s: Span) -> float:
        have = "".join(body[x.start:x.end] for x in shown)
        return quotes.weigh(have + body[s.start:s.end], terms) - quotes.weigh(have, terms)

    while rest:
        room = limit - sum(x.end - x.start for x in shown) - len(shown)  # a "…" may stand between parts
        if room < 2:
            break
        best = max(rest, key=lambda s: (gain(s) > 0, s.end - s.start <= room or gain(s) > 0, -s.start))
        rest.remove(best)
        if gain(best) <= 0 and not how and sum(x.end - x.start for x in shown) >= FILL_MIN \
                and not any(_next_to(body, x, best) for x in shown):
            continue  # adds none of the question's terms and is not the context of what is shown
        if best.end - best.start <= room:
            shown.append(best)
        elif room >= PART_MIN:
            part = quotes.window(body, best, None, terms, room)
            if part.end - part.start <= room:
                shown.append(part)
            break
    block.shown = quotes.merge(shown)
    return quotes.render(body, block.shown)


def rest_quote(block: Block) -> str:
    """What the first page left out of the block's sentences, as one quotation ("" when nothing)."""
    body = block.body
    left = [s for s in quotes.subtract(block.sentences, block.shown)
            if len(re.sub(r"[\W_]", "", body[s.start:s.end])) >= 2]
    if not left:
        return ""
    kept, size = [], 0
    for s in left:
        if size and size + (s.end - s.start) > MORE_MAX:
            break
        kept.append(s)
        size += s.end - s.start
    return quotes.render(body, kept) + ("…" if len(kept) < len(left) else "")


def plain(row: dict) -> str:
    """A composed passage as plain text: a department's contact linked to an item reads
    "“X”的负责部门是组织部，联系：…" without the item's text repeated in between."""
    text = row.get("body") or row["text"]
    heading = row.get("heading") or ""
    if row["kind"] == "contact" and heading.endswith(LINKED) and "的负责部门是" in text:
        name = heading[:-len(LINKED)]
        name = name if "“" in name else f"“{name}”"  # “智慧团建”工作情况, not ““智慧团建”工作情况”
        text = name + text[text.index("的负责部门是"):]
    return text.strip()


def composed_text(block: Block, seen: set[str]) -> str:
    """A composed passage and the contact lines it brings, as plain text; a number or address this
    answer already gave is not given again (two items assessed by 组织部 list 组织部's line once)."""
    out: list[str] = []
    for row in [block.row] + block.contacts:
        text = plain(row)
        values = {c.value for c in facts.find_contacts(text) if c.kind != "person"}
        if values and values <= seen:
            head = text.split("，联系：", 1)[0] if "的负责部门是" in text else ""
            if head and head not in out:
                out.append(head)
            continue
        seen |= values
        if text not in out:
            out.append(text)
    return "；".join(out)

