"""Split a passage into the sentences the index holds: one answer-sized quotation each."""
from __future__ import annotations

import re

from knowledge.normalize import compact

SENTENCE_END = "。！？!?"  # not ；: the clauses of a list ("比忠诚…；比担当…") belong together
LONG_SENTENCE = 200  # longer sentences are indexed as runs of clauses

_SPLIT = re.compile(rf"(?<=[{SENTENCE_END}])")
_CLAUSE_END = re.compile(r"(?<=[，,；;])")


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
