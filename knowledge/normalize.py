"""Text normalisation shared by the index and the questions, in a fixed order.

NFKC (full-width → half-width) → Traditional → Simplified → Chinese numerals next to units only
(二十学时 → 20学时, while 三会两制一课 stays) → canonical punctuation. Synonyms are applied later, per
term, by the search (see lexicon.py), so the quoted text keeps the documents' own words.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SCALES = {"十": 10, "百": 100, "千": 1000, "万": 10000}
# Units after which a Chinese numeral is a quantity. Counting words that also form fixed phrases
# ("一心双环", "三会两制一课", "四个意识") are left out on purpose: they are names, not numbers.
UNITS = (
    "学时|课时|小时|分钟|周年|年度|年|个月|月份|月|日|号|天|周|星期|期|批|项|场|次|届|名|人次|人|位|家|所|"
    "支|篇|条|件|户|万|千|百|元|岁|级|%|％|倍|成"
)
_NUMERAL = "[零〇一二两三四五六七八九十百千万]+"
_NUM_UNIT = re.compile(f"(第?)({_NUMERAL})(?=(?:{UNITS}))")
_PERCENT = re.compile(f"百分之({_NUMERAL}|\\d+(?:\\.\\d+)?)")
_PUNCT = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"', "『": '"', "』": '"',
                        "〔": "[", "〕": "]", "【": "[", "】": "]", "—": "-", "－": "-", "～": "~",
                        # Characters OpenCC's t2s leaves as they are because both forms are Simplified in
                        # some words; mapped one way on both sides, so matching is unaffected.
                        "著": "着", "裡": "里", "於": "于", "隻": "只", "纔": "才"})


def chinese_to_int(numeral: str) -> int | None:
    """二十 → 20, 一百零五 → 105, 二〇一七 → 2017; None when it is not a well-formed number."""
    if not numeral:
        return None
    if all(ch in _DIGITS for ch in numeral):
        if len(numeral) == 1:
            return _DIGITS[numeral]
        return int("".join(str(_DIGITS[ch]) for ch in numeral))  # digit by digit: 二〇一七
    total, section, current = 0, 0, 0
    for ch in numeral:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch in _SCALES:
            scale = _SCALES[ch]
            if scale == 10000:
                total += ((section + current) or 1) * scale
                section, current = 0, 0
            else:
                section += (current or 1) * scale
                current = 0
        else:
            return None
    return total + section + current


def _numerals_to_digits(text: str) -> str:
    def repl(m: re.Match) -> str:
        value = chinese_to_int(m.group(2))
        return m.group(1) + (str(value) if value is not None else m.group(2))

    def percent(m: re.Match) -> str:
        value = m.group(1) if m.group(1)[0].isdigit() else chinese_to_int(m.group(1))
        return f"{value}%" if value is not None else m.group(0)

    return _NUM_UNIT.sub(repl, _PERCENT.sub(percent, text))


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # opencc-python-reimplemented: pure Python, loads in ~10 ms

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """The canonical form used for matching: NFKC, simplified, numerals as digits, plain quotes."""
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text)
    text = _numerals_to_digits(text)
    text = text.translate(_PUNCT)
    return re.sub(r"\s+", " ", text).strip()


def normalize_simplified(text: str) -> str:
    """normalize() for text already in Simplified Chinese (the lexicon files): the same result
    without the Traditional→Simplified pass, which costs ~50 µs a word (a test checks they agree)."""
    text = unicodedata.normalize("NFKC", text)
    text = _numerals_to_digits(text).translate(_PUNCT)
    return re.sub(r"\s+", " ", text).strip()


def compact(text: str) -> str:
    """normalize() without any white space: what substring matching compares."""
    return normalize(text).replace(" ", "")
