"""Homophones, for typos in names: 亲青愁 is a slip for 亲青筹 (both chóu), not for 亲青恋.

pypinyin's character table takes ~0.4 s to import, so it is loaded on the first near miss only.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    from pypinyin.pinyin_dict import pinyin_dict

    return pinyin_dict


@lru_cache(maxsize=8192)
def readings(ch: str) -> frozenset[str]:
    """A character's readings without tones: 筹 → {"chou"}."""
    raw = _table().get(ord(ch), "")
    plain = "".join(c for c in unicodedata.normalize("NFKD", raw) if not unicodedata.combining(c))
    return frozenset(r for r in plain.split(",") if r)


def homophones(a: str, b: str) -> bool:
    return bool(readings(a) & readings(b))
