"""Quotations that are the document's own words: spans of an item's text, cut at clause boundaries.

A passage row holds one sentence of an item (a long sentence is indexed as runs of clauses marked
with "…"); its item holds the text as the document writes it. A quotation is built from spans of
that item text, so every character inside 「」 is the document's, and "…" stands only where a cut
was made. Sentences the bot composes (a lead line, a contact line it assembled, a table row read
back with its headers) are never quoted: `verbatim(row)` says which passages may be.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.normalize import compact

OPEN, CLOSE = "「", "」"
ELLIPSIS = "…"
SENTENCE_END = "。！？!?"
# A colon between digits is a clock time (14:30, 12：00), not a pause: the time stays whole.
CLAUSE_END = re.compile(r"(?<=[，,；;。！？!?])|(?<=[：:])(?!\d{2})")
PIECE_END = re.compile(r"(?<=[，,；;。！？!?、])|(?<=[：:])(?!\d{2})")
TRIM = "，,；;：:、 "  # punctuation left dangling at a cut
# Passages whose text the ingest assembled (a table row with its headers, the document's data, a
# department's contact linked to an item, a web footer's facts): shown as plain text, never quoted.
COMPOSED_KINDS = ("meta", "table", "contact", "filing")


def verbatim(row: dict) -> bool:
    """Whether a passage's words are the document's own (and so may be shown as a quotation)."""
    return row.get("kind") not in COMPOSED_KINDS and bool(row.get("body"))


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def locate(body: str, text: str) -> Span | None:
    """Where a passage's sentence lies in its item's text (the "…" of a clause run marks no text)."""
    parts = [p.strip(TRIM) for p in text.split(ELLIPSIS) if p.strip(TRIM)]
    if not parts:
        return None
    start = body.find(parts[0])
    if start < 0:
        return None
    end = start + len(parts[0])
    for part in parts[1:]:
        at = body.find(part, end)
        if at < 0:
            return None
        end = at + len(part)
    return Span(start, end)


def sentence_of(body: str, span: Span) -> Span:
    """The whole sentence (or line) around a span of the item text."""
    start = span.start
    while start > 0 and body[start - 1] not in SENTENCE_END + "\n":
        start -= 1
    end = span.end
    while end < len(body) and body[end - 1] not in SENTENCE_END and body[end] != "\n":
        end += 1
    while start < end and body[start].isspace():
        start += 1
    return Span(start, end)


def next_sentence(body: str, span: Span) -> Span | None:
    """The sentence after `span` on the same line, if any."""
    at = span.end
    while at < len(body) and body[at] == " ":
        at += 1
    if at >= len(body) or body[at] == "\n":
        return None
    return sentence_of(body, Span(at, at + 1))


def clauses(body: str, span: Span, pattern: re.Pattern = CLAUSE_END) -> list[Span]:
    """The clauses of a span, as spans of the item text (each ends with its punctuation)."""
    out, at = [], span.start
    for piece in pattern.split(body[span.start:span.end]):
        if piece:
            out.append(Span(at, at + len(piece)))
            at += len(piece)
    return out


def weigh(text: str, terms: list[tuple[tuple[str, ...], float]]) -> float:
    """The weight of the question's terms that `text` holds (each term once, by any of its forms)."""
    flat = compact(text)
    return sum(weight for forms, weight in terms if any(f and f in flat for f in forms))


def window(body: str, sentence: Span, focus: Span | None, terms: list[tuple[tuple[str, ...], float]],
           limit: int) -> Span:
    """The run of whole clauses of `sentence`, at most `limit` characters, that holds `focus` (the
    fact) and as many of the question's terms as fit; a clause longer than `limit` is cut at a
    pause (、 or a space) near the focus."""
    if sentence.end - sentence.start <= limit:
        return sentence
    parts = clauses(body, sentence)
    best, best_key = None, None
    for i in range(len(parts)):
        for j in range(i, len(parts)):
            span = Span(parts[i].start, parts[j].end)
            if span.end - span.start > limit:
                break
            if focus and not (span.start <= focus.start and focus.end <= span.end):
                continue
            key = (weigh(body[span.start:span.end], terms), span.start == sentence.start, span.end - span.start)
            if best_key is None or key > best_key:
                best, best_key = span, key
    if best is not None:
        return best
    # One clause alone is too long: the pieces around the focus (or the start) within the limit.
    inside = next((c for c in parts if focus and c.start <= focus.start < c.end), parts[0])
    pieces = clauses(body, inside, PIECE_END)
    anchor = next((k for k, p in enumerate(pieces) if focus and p.start <= focus.start < p.end), 0)
    lo = hi = anchor
    while True:
        grown = False
        if hi + 1 < len(pieces) and pieces[hi + 1].end - pieces[lo].start <= limit:
            hi, grown = hi + 1, True
        if lo > 0 and pieces[hi].end - pieces[lo - 1].start <= limit:
            lo, grown = lo - 1, True
        if not grown:
            break
    span = Span(pieces[lo].start, pieces[hi].end)
    if span.end - span.start > limit:  # one unbroken run of characters: cut it, keeping the focus in
        start = max(span.start, min((focus.start if focus else span.start) - limit // 3, span.end - limit))
        span = Span(start, start + limit)
    return span


def render(body: str, spans: list[Span]) -> str:
    """The spans as one quotation: merged where they touch, "…" where text was left out — where a
    span starts or ends inside a sentence, and between spans that are not adjacent."""
    out, joined = [], []
    for span in merge(spans):  # spans apart by a space only read as one: keep the space, it is the text
        if joined and not body[joined[-1].end:span.start].strip(" \t"):
            joined[-1] = Span(joined[-1].start, span.end)
        else:
            joined.append(span)
    for k, span in enumerate(joined):
        text = body[span.start:span.end]
        cut_before, cut_after = not starts_sentence(body, span.start), not ends_sentence(body, span.end)
        if cut_after:
            text = text.rstrip(TRIM)
        if cut_before:
            text = text.lstrip(TRIM)
        gap = k > 0 and not out[-1].endswith(ELLIPSIS)
        if (cut_before or gap) and not (out and out[-1].endswith(ELLIPSIS)):
            text = ELLIPSIS + text
        out.append(text + (ELLIPSIS if cut_after else ""))
    return "".join(out)


def starts_sentence(body: str, at: int) -> bool:
    while at > 0 and body[at - 1] in " \t":
        at -= 1
    return at == 0 or body[at - 1] in SENTENCE_END + "\n"


def ends_sentence(body: str, at: int) -> bool:
    rest = body[at:].lstrip(" \t")
    return not rest or rest[0] == "\n" or body[at - 1] in SENTENCE_END


def merge(spans: list[Span]) -> list[Span]:
    """Sorted spans with overlapping or touching ones joined."""
    out: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, s.end)):
        if out and s.start <= out[-1].end:
            out[-1] = Span(out[-1].start, max(out[-1].end, s.end))
        else:
            out.append(s)
    return out


def subtract(spans: list[Span], shown: list[Span]) -> list[Span]:
    """The parts of `spans` not inside any of `shown` (what the "more" page still has to show)."""
    out = []
    for s in merge(spans):
        pieces = [s]
        for cut in merge(shown):
            nxt = []
            for p in pieces:
                if cut.end <= p.start or cut.start >= p.end:
                    nxt.append(p)
                    continue
                if p.start < cut.start:
                    nxt.append(Span(p.start, cut.start))
                if cut.end < p.end:
                    nxt.append(Span(cut.end, p.end))
            pieces = nxt
        out += pieces
    return out


def quoted(text: str) -> str:
    return f"{OPEN}{text}{CLOSE}"


def quotations(text: str) -> list[str]:
    """Every 「…」 quotation in an answer (for checks)."""
    return re.findall(f"{OPEN}(.*?){CLOSE}", text, re.S)
