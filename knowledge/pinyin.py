"""Homophones, for typos in names: 亲青愁 is a slip for 亲青筹 (both chóu), not for 亲青恋.

Only pypinyin's character table is read (its JSON file, ~40 ms, a few MB), on the first near miss:
importing the package itself loads the phrase dictionaries too (0.7 s, 54 MB).
"""
from __future__ import annotations

import importlib.util
import json
import unicodedata
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    spec = importlib.util.find_spec("pypinyin")  # locates the package without running its __init__
    folder = Path(next(iter(spec.submodule_search_locations)))
    return json.loads((folder / "pinyin_dict.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=8192)
def readings(ch: str) -> frozenset[str]:
    """A character's readings without tones: 筹 → {"chou"}."""
    raw = _table().get(str(ord(ch)), "")
    plain = "".join(c for c in unicodedata.normalize("NFKD", raw) if not unicodedata.combining(c))
    return frozenset(r for r in plain.split(",") if r)


def homophones(a: str, b: str) -> bool:
    return bool(readings(a) & readings(b))


def spellings(word: str, most: int = 4) -> list[str]:
    """The toneless pinyin spellings of a word, syllables joined (柯桥 → keqiao; a character with two
    readings gives two spellings, at most `most`): how an English question writes a Chinese name."""
    out = [""]
    for ch in word:
        options = sorted(readings(ch))
        if not options:
            return []
        out = [s + o for s in out for o in options][:most]
    return out
